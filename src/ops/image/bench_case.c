/* bench_case.c — the image operations as `accel bench` cases (core/bench.h).
 *
 * An item is one image; the engine's small / medium / large are batches of 1, 4 and 16
 * images. The images are 1920×1080 unless `accel bench --image-size WxH` asks for another
 * size (make_image: 640x480, 1920x1080 and 3840x2160 are the sizes docs/benchmarks.md
 * reports); a call built with item_size > 0 (accel_plan_batch) uses 16:9 images of about that
 * many pixels. scrfd_output takes no image size: its input (the model's outputs for a 640×640
 * input) does not depend on it.
 *
 * The images are made here, deterministic and photograph-like (smooth shading, edges and
 * grain, so that JPEG sizes and Laplacian statistics are realistic); each image of a batch
 * differs. What each case computes:
 *   image_decode    a JPEG (quality 90, 4:2:0, made with TurboJPEG) → BGR, full size
 *   image_gray      BGR → gray
 *   image_resize    INTER_AREA to 224×224 (the crawler's thumbnail)
 *   image_blob      blobFromImage to 640×640 (mean 127.5, 1/128, swapRB; resized)
 *   scrfd_input     letterbox into 640×640 + blob
 *   scrfd_output    decoding + NMS of random outputs with about 1% of the anchors above 0.5
 *   image_warp      a 112×112 crop through a similarity (rotation 0.2 rad)
 *   arcface_align   norm_crop of a face in the middle of the image, with its blob
 *   image_quality   the five measures
 *   image_enhance   upscale to a 640-pixel short side (640×480 only) + CLAHE on the luma
 *   scrfd_prepare   image_decode's JPEG → decoded image, SCRFD input (640×640) and quality */
#include "image_ops.h"
#include "core/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct tier {
    int w, h;
} tier;

static void tier_size(tier t, size_t item_size, int *w, int *h)
{
    if (item_size > 0) {
        double side = sqrt((double)item_size / 9.0);
        *w = (int)fmax(1.0, floor(16.0 * side + 0.5));
        *h = (int)fmax(1.0, floor(9.0 * side + 0.5));
    } else {
        *w = t.w, *h = t.h;
    }
}

static uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* A photograph-like BGR image: a lit sphere on a gradient, stripes, grain. */
static void synth(uint8_t *p, int w, int h, unsigned seed)
{
    const double cx = w * (0.45 + 0.1 * (seed % 3)), cy = h * 0.5, r = 0.35 * (w < h ? w : h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx = (x - cx) / r, dy = (y - cy) / r, d2 = dx * dx + dy * dy;
            double base = 60.0 + 100.0 * y / h + 25.0 * sin(x * 0.05 + seed);
            if (d2 < 1) base = 90 + 140 * sqrt(1 - d2) * (0.6 + 0.4 * (-dx * 0.5 - dy * 0.7));
            if (((x / 97 + y / 61) & 7) == 0) base *= 0.6;
            uint32_t g = hash32((uint32_t)(y * 40503u + x) ^ seed * 2654435761u);
            for (int c = 0; c < 3; c++) {
                double v = base * (0.8 + 0.15 * c) + (double)((g >> (8 * c)) & 15) - 7.5;
                p[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)c] =
                    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
}

/* n images of w × h × 3, each different, in one allocation. */
typedef struct imgs {
    uint8_t *pix;
    accel_image *v;
    size_t n;
    int w, h;
} imgs;

static void imgs_free(imgs *m)
{
    free(m->pix);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static accel_status imgs_make(imgs *m, size_t n, int w, int h, int channels)
{
    memset(m, 0, sizeof *m);
    size_t one = (size_t)w * (size_t)h * (size_t)channels;
    m->pix = malloc(one * n + 1);
    m->v = calloc(n ? n : 1, sizeof *m->v);
    if (!m->pix || !m->v) {
        imgs_free(m);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for %zu images of %d×%d", n, w, h);
    }
    m->n = n, m->w = w, m->h = h;
    uint8_t *first = m->pix;
    if (channels == 3) {
        synth(first, w, h, 1);
    } else {
        memset(first, 0, one);
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = m->pix + i * one;
        if (i) {
            memcpy(p, first, one);
            /* each image differs: a few rows of its own grain */
            for (size_t k = 0; k < one && k < (size_t)w * 3 * 8; k++) p[k] = (uint8_t)hash32((uint32_t)(k + i * 7919));
        }
        accel_image a = ACCEL_IMAGE_INIT(p, w, h, channels);
        m->v[i] = a;
    }
    return ACCEL_OK;
}

/* ---- one case per (operation, tier) ---- */

typedef struct img_case {
    union {
        img_batch b; /* first member of every call: the engine passes this pointer */
        img_gray_call gray;
        img_resize_call resize;
        img_blob_call blob;
        img_scrfd_in_call scrfd_in;
        img_scrfd_out_call scrfd_out;
        img_align_call align;
        img_quality_call quality;
        img_enhance_call enhance;
        img_decode_call decode;
        img_prepare_call prepare;
    } u;
    const accel__op *op;
    size_t n;
    imgs in, out;
    float *fout;
    double *dbl;
    float *lmk;
    accel_quality *q;
    accel_faces *faces;
    accel_scrfd_outputs *nets;
    float *net_data;
    accel_image_decoded *dec;
    uint8_t **enc;
    size_t *enc_len;
} img_case;

static void case_destroy(void *p)
{
    img_case *c = p;
    if (!c) return;
    const accel__op *op = c->op;
    if (op == &accel__op_image_gray) accel__img_gray_release(&c->u.gray);
    else if (op == &accel__op_image_resize) accel__img_resize_release(&c->u.resize);
    else if (op == &accel__op_image_blob) accel__img_blob_release(&c->u.blob);
    else if (op == &accel__op_scrfd_input) accel__img_scrfd_in_release(&c->u.scrfd_in);
    else if (op == &accel__op_scrfd_output) accel__img_scrfd_out_release(&c->u.scrfd_out);
    else if (op == &accel__op_image_warp || op == &accel__op_arcface_align) accel__img_align_release(&c->u.align);
    else if (op == &accel__op_image_quality) accel__img_quality_release(&c->u.quality);
    else if (op == &accel__op_image_enhance) accel__img_enhance_release(&c->u.enhance);
    else if (op == &accel__op_image_decode) accel__img_batch_free(&c->u.decode.b);
    else if (op == &accel__op_scrfd_prepare) accel__img_prepare_finish(&c->u.prepare, ACCEL_OK);
    if (c->faces) accel_faces_free(c->faces, c->n);
    for (size_t i = 0; c->dec && i < c->n; i++) free(c->dec[i].image.data);
    for (size_t i = 0; c->enc && i < c->n; i++) free(c->enc[i]);
    imgs_free(&c->in);
    imgs_free(&c->out);
    free(c->fout), free(c->dbl), free(c->lmk), free(c->q), free(c->faces), free(c->nets);
    free(c->net_data), free(c->dec), free(c->enc), free(c->enc_len);
    free(c);
}

static accel_status make_case(const accel__op *op, tier t, size_t items, size_t item_size,
                              void **call, size_t *bin, size_t *bout)
{
    img_case *c = calloc(1, sizeof *c);
    RETURN_ERROR_IF(!c, ACCEL_ERR_NO_MEMORY, "out of memory");
    c->op = op;
    c->n = items;
    int w, h;
    tier_size(t, item_size, &w, &h);
    size_t n = items;
    accel_status st = ACCEL_OK;
    size_t px = (size_t)w * (size_t)h;
    *bin = n * px * 3;
    *bout = 0;
    if (op != &accel__op_scrfd_output) st = imgs_make(&c->in, n, w, h, 3);
    if (st == ACCEL_OK && op == &accel__op_image_gray) {
        st = imgs_make(&c->out, n, w, h, 1);
        if (st == ACCEL_OK) st = accel__img_gray_prepare(&c->u.gray, c->in.v, c->out.v, n);
        *bout = n * px;
    } else if (st == ACCEL_OK && op == &accel__op_image_resize) {
        st = imgs_make(&c->out, n, 224, 224, 3);
        if (st == ACCEL_OK)
            st = accel__img_resize_prepare(&c->u.resize, ACCEL_INTERP_AREA, c->in.v, c->out.v, n);
        *bout = n * 224 * 224 * 3;
    } else if (st == ACCEL_OK && (op == &accel__op_image_blob || op == &accel__op_scrfd_input)) {
        c->fout = malloc(n * 3 * 640 * 640 * sizeof *c->fout);
        c->dbl = calloc(n, sizeof *c->dbl);
        if (!c->fout || !c->dbl) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        accel_blob_params bp;
        accel_blob_params_preset("scrfd", &bp);
        if (st == ACCEL_OK && op == &accel__op_image_blob)
            st = accel__img_blob_prepare(&c->u.blob, &bp, c->in.v, n, c->fout);
        else if (st == ACCEL_OK)
            st = accel__img_scrfd_in_prepare(&c->u.scrfd_in, c->in.v, n, 640, 640, c->fout, c->dbl);
        *bout = n * 3 * 640 * 640 * 4;
    } else if (st == ACCEL_OK && op == &accel__op_scrfd_output) {
        /* strides 8, 16, 32 of a 640×640 input, 2 anchors: 16800 anchors of 1 + 4 + 10 floats */
        const size_t per = 16800 * 15;
        c->net_data = malloc(n * per * sizeof *c->net_data);
        c->nets = calloc(n, sizeof *c->nets);
        c->faces = calloc(n, sizeof *c->faces);
        if (!c->net_data || !c->nets || !c->faces) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        for (size_t i = 0; st == ACCEL_OK && i < n; i++) {
            float *d = c->net_data + i * per;
            uint32_t s = (uint32_t)(i * 2654435761u + 12345);
            size_t off = 0;
            for (int k = 0; k < 3; k++) {
                int stride = 8 << k;
                size_t K = (size_t)(640 / stride) * (640 / stride) * 2;
                float *sc = d + off, *bb = sc + K, *kp = bb + 4 * K;
                for (size_t a = 0; a < K; a++) {
                    s = hash32(s + (uint32_t)a);
                    sc[a] = (s % 100) == 0 ? 0.5f + (float)(s >> 20) / 8192.0f : (float)(s >> 9) / 16777216.0f;
                }
                for (size_t a = 0; a < 4 * K; a++) bb[a] = 0.5f + (float)(hash32((uint32_t)a ^ s) >> 8) / 3355443.2f;
                for (size_t a = 0; a < 10 * K; a++) kp[a] = (float)(hash32((uint32_t)a + s) >> 8) / 4194304.0f - 2.0f;
                c->nets[i].scores[k] = sc;
                c->nets[i].bboxes[k] = bb;
                c->nets[i].kps[k] = kp;
                off += 15 * K;
            }
            c->nets[i].struct_size = sizeof c->nets[i];
            c->nets[i].det_scale = 640.0 / 1920.0;
            c->nets[i].image_width = 1920;
            c->nets[i].image_height = 1080;
            c->faces[i].struct_size = sizeof c->faces[i];
        }
        if (st == ACCEL_OK) st = accel__img_scrfd_out_prepare(&c->u.scrfd_out, NULL, c->nets, n, c->faces);
        *bin = n * per * 4;
    } else if (st == ACCEL_OK && (op == &accel__op_image_warp || op == &accel__op_arcface_align)) {
        st = imgs_make(&c->out, n, 112, 112, 3);
        c->dbl = malloc(n * 6 * sizeof *c->dbl);
        c->lmk = malloc(n * 10 * sizeof *c->lmk);
        c->fout = malloc(n * 3 * 112 * 112 * sizeof *c->fout);
        if (!c->dbl || !c->lmk || !c->fout) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        /* a face a third of the image high, in the middle */
        static const float face[10] = {-0.2f, -0.12f, 0.2f, -0.12f, 0.0f, 0.05f, -0.16f, 0.25f, 0.16f, 0.25f};
        for (size_t i = 0; st == ACCEL_OK && i < n; i++) {
            float s = (float)h / 3.0f;
            for (int k = 0; k < 5; k++) {
                c->lmk[10 * i + 2 * k] = (float)w / 2 + face[2 * k] * s;
                c->lmk[10 * i + 2 * k + 1] = (float)h / 2 + face[2 * k + 1] * s;
            }
            double a = 0.2, sc = 112.0 / s;
            double M[6] = {sc * cos(a), -sc * sin(a), 0, sc * sin(a), sc * cos(a), 0};
            M[2] = 56 - (M[0] * w / 2 + M[1] * h / 2);
            M[5] = 56 - (M[3] * w / 2 + M[4] * h / 2);
            memcpy(c->dbl + 6 * i, M, sizeof M);
        }
        if (st == ACCEL_OK && op == &accel__op_image_warp)
            st = accel__img_align_prepare(&c->u.align, c->in.v, NULL, c->dbl, n, 0, c->out.v, NULL);
        else if (st == ACCEL_OK)
            st = accel__img_align_prepare(&c->u.align, c->in.v, c->lmk, NULL, n, 112, c->out.v, c->fout);
        *bout = n * 112 * 112 * 3;
    } else if (st == ACCEL_OK && op == &accel__op_image_quality) {
        c->q = calloc(n, sizeof *c->q);
        if (!c->q) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        for (size_t i = 0; st == ACCEL_OK && i < n; i++) c->q[i].struct_size = sizeof c->q[i];
        if (st == ACCEL_OK) st = accel__img_quality_prepare(&c->u.quality, NULL, c->in.v, n, c->q);
    } else if (st == ACCEL_OK && op == &accel__op_image_enhance) {
        st = accel__img_enhance_prepare(&c->u.enhance, NULL, NULL, c->in.v, n);
        *bout = n * px * 3;
    } else if (st == ACCEL_OK && (op == &accel__op_image_decode || op == &accel__op_scrfd_prepare)) {
        c->enc = calloc(n, sizeof *c->enc);
        c->enc_len = calloc(n, sizeof *c->enc_len);
        c->dec = calloc(n, sizeof *c->dec);
        if (!c->enc || !c->enc_len || !c->dec) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        *bin = 0;
        for (size_t i = 0; st == ACCEL_OK && i < n; i++) {
            img_t v = {c->in.v[i].data, w, h, 3, (size_t)w * 3, 0};
            st = accel__jpeg_encode(&v, 90, &c->enc[i], &c->enc_len[i]);
            *bin += c->enc_len[i];
        }
        if (st == ACCEL_OK) {
            accel_image_decoded_init(c->dec, n);
            c->u.decode.data = (const void *const *)c->enc;
            c->u.decode.sizes = c->enc_len;
            if (op == &accel__op_image_decode) {
                st = accel__img_decode_prepare(&c->u.decode, NULL, NULL, n, c->dec);
            } else {
                c->u.prepare.d.data = (const void *const *)c->enc;
                c->u.prepare.d.sizes = c->enc_len;
                c->fout = malloc(n * 3 * 640 * 640 * sizeof *c->fout);
                c->dbl = calloc(n, sizeof *c->dbl);
                c->q = calloc(n, sizeof *c->q);
                if (!c->fout || !c->dbl || !c->q) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
                for (size_t i = 0; st == ACCEL_OK && i < n; i++) c->q[i].struct_size = sizeof c->q[i];
                if (st == ACCEL_OK)
                    st = accel__img_prepare_setup(&c->u.prepare, NULL, NULL, n, 640, 640, c->fout,
                                                  c->dbl, NULL, c->q, c->dec);
            }
        }
        *bout = op == &accel__op_image_decode ? n * px * 3 : n * 3 * 640 * 640 * 4;
    }
    if (st != ACCEL_OK) {
        case_destroy(c);
        return st;
    }
    *call = c;
    return ACCEL_OK;
}

#define IMG_CASE(id, opvar, what)                                                            \
    static const accel__op *id##_op(void) { return &opvar; }                                  \
    static accel_status id##_make(size_t items, size_t item_size, void **call, size_t *in,    \
                                  size_t *out)                                                \
    {                                                                                         \
        tier t = {1920, 1080};                                                                \
        return make_case(&opvar, t, items, item_size, call, in, out);                         \
    }                                                                                         \
    static accel_status id##_make_image(size_t items, int w, int h, void **call, size_t *in,  \
                                        size_t *out)                                          \
    {                                                                                         \
        tier t = {w, h};                                                                      \
        return make_case(&opvar, t, items, 0, call, in, out);                                 \
    }                                                                                         \
    const accel__bench_case accel__bench_case_##id = {                                        \
        .op = #id,                                                                            \
        .about = what "; an item is one image (1920×1080 unless --image-size)",               \
        .sizes = {1, 4, 16},                                                                  \
        .get_op = id##_op,                                                                    \
        .make = id##_make,                                                                    \
        .destroy = case_destroy,                                                              \
        .make_image = id##_make_image,                                                        \
    };

IMG_CASE(image_decode, accel__op_image_decode, "a JPEG (quality 90) decoded to BGR")
IMG_CASE(image_gray, accel__op_image_gray, "BGR to gray")
IMG_CASE(image_resize, accel__op_image_resize, "INTER_AREA to 224×224")
IMG_CASE(image_blob, accel__op_image_blob, "blobFromImage to 640×640")
IMG_CASE(scrfd_input, accel__op_scrfd_input, "SCRFD letterbox + blob, 640×640")
IMG_CASE(image_warp, accel__op_image_warp, "a 112×112 crop through a similarity")
IMG_CASE(arcface_align, accel__op_arcface_align, "norm_crop of one face + its blob")
IMG_CASE(image_quality, accel__op_image_quality, "the five quality measures")
IMG_CASE(image_enhance, accel__op_image_enhance,
         "upscale to a 640-pixel short side + CLAHE on the luma")
IMG_CASE(scrfd_prepare, accel__op_scrfd_prepare,
         "a JPEG (quality 90) decoded, SCRFD input (640×640) and quality in one call")

static const accel__op *scrfd_output_op(void) { return &accel__op_scrfd_output; }
static accel_status scrfd_output_make(size_t items, size_t item_size, void **call, size_t *in,
                                      size_t *out)
{
    tier t = {640, 640};
    (void)item_size;
    return make_case(&accel__op_scrfd_output, t, items, 0, call, in, out);
}
const accel__bench_case accel__bench_case_scrfd_output = {
    .op = "scrfd_output",
    .about = "SCRFD decoding + NMS of a 640×640 input's outputs (about 1% of anchors above 0.5); "
             "an item is one image",
    .sizes = {1, 4, 16},
    .get_op = scrfd_output_op,
    .make = scrfd_output_make,
    .destroy = case_destroy,
};
