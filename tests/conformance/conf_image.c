/* conf_image.c — the image operations on one device. Each case makes a batch of random images
 * of mixed sizes (1×1 up to 4K-wide rows, 1, 3 and 4 channels, padded strides), runs the
 * operation on the device, and runs it again on the CPU split into uneven batches through the
 * backend's run slot. The image operations are integer or fixed-point arithmetic reproduced
 * exactly, so every device must give the CPU's bytes; the CPU's bytes are in turn compared
 * with references computed here where they are short to state (gray, blob, warp, quality),
 * and with OpenCV itself by tests/image. Outputs are poisoned, with guard bytes after each,
 * so an unwritten value or a write out of bounds fails. */
#include "conf.h"

#include <math.h>

#include "ops/image/image_ops.h"

#define GUARD 64

static const conf_dev *cpu_of(const conf_dev *d, conf_dev *buf)
{
    accel__device *c = accel__cpu_device(d->ctx);
    buf->ctx = d->ctx;
    buf->index = (size_t)c->info.index;
    buf->dev = c;
    buf->is_cpu = 1;
    return buf;
}

/* A batch of random images: sizes and channel counts from `shapes`. */
typedef struct rimgs {
    accel_image v[16];
    uint8_t *pix[16];
    size_t n;
} rimgs;

typedef struct shape {
    int w, h, c, pad;
} shape;

static void rimgs_make(rimgs *r, const shape *s, size_t n, uint64_t *seed)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        size_t stride = (size_t)s[i].w * (size_t)s[i].c + (size_t)s[i].pad;
        r->pix[i] = malloc(stride * (size_t)s[i].h + 1);
        double phase = conf_uniform(seed) * 6.28;
        for (int y = 0; y < s[i].h; y++)
            for (size_t x = 0; x < stride; x++) {
                /* smooth shapes with noise: both flat and sharp neighbourhoods */
                double v = 128 + 90 * sin(x * 0.07 + phase) * cos(y * 0.05) + (conf_rand(seed) % 41) - 20;
                r->pix[i][(size_t)y * stride + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        accel_image a = ACCEL_IMAGE_INIT(r->pix[i], s[i].w, s[i].h, s[i].c);
        a.stride = stride;
        a.order = (i % 3 == 2) ? ACCEL_RGB : ACCEL_BGR;
        r->v[i] = a;
    }
    r->n = n;
}

static void rimgs_free(rimgs *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->pix[i]);
    r->n = 0;
}

/* Output images: each with its own poisoned buffer and guard bytes; every third one has rows
 * padded by 5 bytes (the padding is the caller's: it must stay poisoned). */
static void outs_make(rimgs *o, const rimgs *in, const int *w, const int *h, const int *c)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < in->n; i++) {
        size_t stride = (size_t)w[i] * (size_t)c[i] + (i % 3 == 1 ? 5 : 0);
        size_t bytes = stride * (size_t)h[i];
        o->pix[i] = malloc(bytes + GUARD);
        conf_poison(o->pix[i], bytes + GUARD);
        accel_image a = ACCEL_IMAGE_INIT(o->pix[i], w[i], h[i], c[i]);
        a.stride = stride;
        a.order = in->v[i].order;
        o->v[i] = a;
    }
    o->n = in->n;
}

/* Compares two output sets byte for byte, row by row, and checks that the row padding and the
 * guards after the end are untouched. */
static void same_images(conf_tally *t, const char *op, const rimgs *a, const rimgs *b)
{
    for (size_t i = 0; i < a->n; i++) {
        const accel_image *v = &a->v[i];
        size_t row = (size_t)v->width * (size_t)v->channels, stride = v->stride;
        size_t bytes = stride * (size_t)v->height;
        t->elements += (long)(row * (size_t)v->height);
        for (int y = 0; y < v->height; y++) {
            const uint8_t *ra = a->pix[i] + (size_t)y * stride, *rb = b->pix[i] + (size_t)y * stride;
            if (memcmp(ra, rb, row) != 0) {
                size_t k = 0;
                while (ra[k] == rb[k]) k++;
                conf_mismatch(t, "%s image %zu (%dx%dx%d): row %d byte %zu is %d on the device, %d "
                              "on the CPU", op, i, v->width, v->height, v->channels, y, k, ra[k],
                              rb[k]);
                break;
            }
            if (stride > row && (!conf_is_poison(ra + row, stride - row) ||
                                 !conf_is_poison(rb + row, stride - row))) {
                conf_mismatch(t, "%s image %zu: the padding after row %d was written", op, i, y);
                break;
            }
        }
        if (!conf_is_poison(a->pix[i] + bytes, GUARD) || !conf_is_poison(b->pix[i] + bytes, GUARD))
            conf_mismatch(t, "%s image %zu: written beyond its end", op, i);
    }
}

static const shape mixed[] = {{1, 1, 3, 0}, {7, 1, 3, 5}, {1, 9, 3, 0}, {33, 17, 3, 3},
                              {640, 480, 3, 0}, {257, 130, 4, 0}, {97, 61, 1, 7}, {2, 3, 3, 0},
                              {1920, 12, 3, 0}};
#define N_MIXED (sizeof mixed / sizeof *mixed)

/* Runs a prepared call on the device, and its twin on the CPU in uneven batches. */
#define RUN_PAIR(t, d, op, cd, cc, seed)                                                    \
    do {                                                                                    \
        conf_dev cpu_;                                                                      \
        accel_status a_ = conf_exec((d), (op), (cd));                                       \
        accel_status b_ = conf_run_batched(cpu_of((d), &cpu_), (op), (cc), 3, (seed));      \
        (t)->cases++;                                                                       \
        (t)->batched++;                                                                     \
        if (a_ != ACCEL_OK || b_ != ACCEL_OK)                                               \
            conf_mismatch((t), "%s failed: %s / %s (%s)", (op)->name, accel_status_name(a_),  \
                          accel_status_name(b_), accel_last_error((d)->ctx));               \
    } while (0)

static void no_item_failures(conf_tally *t, const img_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->st[i] != ACCEL_OK)
            conf_mismatch(t, "%s: image %zu failed with %s", b->op, i, accel_status_name(b->st[i]));
}

/* ---- gray ---- */

void conf_image_gray(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 11;
    rimgs in, oa, ob;
    shape s[N_MIXED];
    memcpy(s, mixed, sizeof mixed);
    rimgs_make(&in, s, N_MIXED, &seed);
    int w[16], h[16], c[16];
    for (size_t i = 0; i < in.n; i++) w[i] = in.v[i].width, h[i] = in.v[i].height, c[i] = 1;
    outs_make(&oa, &in, w, h, c);
    outs_make(&ob, &in, w, h, c);
    img_gray_call ca, cb;
    ASSERT_OK(accel__img_gray_prepare(&ca, in.v, oa.v, in.n));
    ASSERT_OK(accel__img_gray_prepare(&cb, in.v, ob.v, in.n));
    RUN_PAIR(t, d, &accel__op_image_gray, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    same_images(t, "image_gray", &oa, &ob);
    /* the reference: OpenCV's 15-bit coefficients */
    for (size_t i = 0; i < in.n; i++) {
        const accel_image *v = &in.v[i];
        for (int y = 0; y < v->height; y++)
            for (int x = 0; x < v->width; x++) {
                const uint8_t *p = v->data + (size_t)y * v->stride + (size_t)x * (size_t)v->channels;
                int want = p[0];
                if (v->channels > 1) {
                    int b = v->order == ACCEL_RGB ? p[2] : p[0], r = v->order == ACCEL_RGB ? p[0] : p[2];
                    want = (b * 3735 + p[1] * 19235 + r * 9798 + 16384) >> 15;
                }
                int got = ob.pix[i][(size_t)y * ob.v[i].stride + (size_t)x];
                if (got != want)
                    conf_mismatch(t, "image_gray image %zu (%d, %d): %d, want %d", i, x, y, got, want);
            }
    }
    accel__img_gray_release(&ca), accel__img_gray_release(&cb);
    rimgs_free(&in), rimgs_free(&oa), rimgs_free(&ob);
}

/* ---- resize ---- */

void conf_image_resize(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 12;
    for (int interp = 0; interp < 2; interp++) {
        rimgs in, oa, ob;
        shape s[N_MIXED];
        memcpy(s, mixed, sizeof mixed);
        rimgs_make(&in, s, N_MIXED, &seed);
        int w[16], h[16], c[16];
        for (size_t i = 0; i < in.n; i++) {
            /* enlargements, reductions (exact 2× and 3× among them), and odd sizes */
            static const int dw[] = {3, 14, 2, 11, 224, 128, 291, 1, 640};
            static const int dh[] = {2, 2, 27, 17, 224, 65, 20, 2, 4};
            w[i] = dw[i % 9], h[i] = dh[i % 9], c[i] = in.v[i].channels;
        }
        outs_make(&oa, &in, w, h, c);
        outs_make(&ob, &in, w, h, c);
        accel_interp ip = interp ? ACCEL_INTERP_AREA : ACCEL_INTERP_LINEAR;
        img_resize_call ca, cb;
        ASSERT_OK(accel__img_resize_prepare(&ca, ip, in.v, oa.v, in.n));
        ASSERT_OK(accel__img_resize_prepare(&cb, ip, in.v, ob.v, in.n));
        RUN_PAIR(t, d, &accel__op_image_resize, &ca, &cb, &seed);
        no_item_failures(t, &ca.b);
        same_images(t, interp ? "image_resize area" : "image_resize linear", &oa, &ob);
        /* a resize to the same size is a copy, for both interpolations */
        for (size_t i = 0; i < in.n; i++) {
            if (w[i] != in.v[i].width || h[i] != in.v[i].height) continue;
            for (int y = 0; y < h[i]; y++)
                if (memcmp(ob.pix[i] + (size_t)y * ob.v[i].stride,
                           in.v[i].data + (size_t)y * in.v[i].stride, (size_t)w[i] * (size_t)c[i]))
                    conf_mismatch(t, "image_resize to the same size changed image %zu", i);
        }
        accel__img_resize_release(&ca), accel__img_resize_release(&cb);
        rimgs_free(&in), rimgs_free(&oa), rimgs_free(&ob);
    }
}

/* ---- blobs ---- */

static void blob_case(const conf_dev *d, conf_tally *t, int scrfd)
{
    uint64_t seed = scrfd ? 13 : 14;
    static const shape s[] = {{112, 112, 3, 0}, {1, 1, 3, 0}, {300, 200, 4, 1}, {90, 160, 3, 0},
                              {17, 3, 3, 2}};
    const size_t n = sizeof s / sizeof *s;
    rimgs in;
    rimgs_make(&in, s, n, &seed);
    accel_blob_params p;
    accel_blob_params_preset(scrfd ? "scrfd" : "arcface", &p);
    if (scrfd) p.width = 96, p.height = 64; /* small input: the letterbox still has to pad */
    size_t per = (size_t)3 * p.width * p.height, total = n * per;
    float *a = malloc((total + GUARD) * sizeof *a), *b = malloc((total + GUARD) * sizeof *b);
    conf_poison(a, (total + GUARD) * sizeof *a);
    conf_poison(b, (total + GUARD) * sizeof *b);
    double dsa[8], dsb[8];
    const accel__op *op = scrfd ? &accel__op_scrfd_input : &accel__op_image_blob;
    if (scrfd) {
        img_scrfd_in_call ca, cb;
        ASSERT_OK(accel__img_scrfd_in_prepare(&ca, in.v, n, p.width, p.height, a, dsa));
        ASSERT_OK(accel__img_scrfd_in_prepare(&cb, in.v, n, p.width, p.height, b, dsb));
        RUN_PAIR(t, d, op, &ca, &cb, &seed);
        no_item_failures(t, &ca.b);
        accel__img_scrfd_in_release(&ca), accel__img_scrfd_in_release(&cb);
    } else {
        img_blob_call ca, cb;
        ASSERT_OK(accel__img_blob_prepare(&ca, &p, in.v, n, a));
        ASSERT_OK(accel__img_blob_prepare(&cb, &p, in.v, n, b));
        RUN_PAIR(t, d, op, &ca, &cb, &seed);
        no_item_failures(t, &ca.b);
        accel__img_blob_release(&ca), accel__img_blob_release(&cb);
    }
    t->elements += (long)total;
    if (memcmp(a, b, total * sizeof *a) != 0) conf_mismatch(t, "%s: device and CPU differ", op->name);
    if (!conf_is_poison(a + total, GUARD * sizeof *a) || !conf_is_poison(b + total, GUARD * sizeof *b))
        conf_mismatch(t, "%s: written beyond the blob", op->name);
    for (size_t i = 0; i < total; i++)
        if (isnan(b[i])) {
            conf_mismatch(t, "%s: blob value %zu was never written", op->name, i);
            break;
        }
    /* the reference where the image is already the blob's size: (p − mean) · scale, RGB */
    for (size_t i = 0; !scrfd && i < n; i++) {
        const accel_image *v = &in.v[i];
        if (v->width != p.width || v->height != p.height) continue;
        for (int k = 0; k < 3; k++)
            for (int y = 0; y < v->height; y++)
                for (int x = 0; x < v->width; x++) {
                    int ch = v->order == ACCEL_RGB ? k : 2 - k;
                    float px = v->data[(size_t)y * v->stride + (size_t)x * (size_t)v->channels + (size_t)ch];
                    float want = (px - p.mean[k]) * (float)p.scale;
                    float got = b[i * per + (size_t)k * p.width * p.height + (size_t)y * p.width + (size_t)x];
                    if (got != want) {
                        conf_mismatch(t, "image_blob %zu (%d, %d, %d): %.9g, want %.9g", i, k, x, y, got, want);
                        k = 3, y = v->height, x = v->width;
                    }
                }
    }
    /* det_scale as SCRFD computes it */
    for (size_t i = 0; scrfd && i < n; i++) {
        int nw, nh;
        double ds;
        accel__scrfd_letterbox(in.v[i].width, in.v[i].height, p.width, p.height, &nw, &nh, &ds);
        if (dsa[i] != ds || dsb[i] != ds) conf_mismatch(t, "scrfd_input det_scale %zu: %.17g / %.17g, want %.17g", i, dsa[i], dsb[i], ds);
    }
    free(a), free(b);
    rimgs_free(&in);
}

void conf_image_blob(const conf_dev *d, conf_tally *t) { blob_case(d, t, 0); }
void conf_scrfd_input(const conf_dev *d, conf_tally *t) { blob_case(d, t, 1); }

/* ---- scrfd output ---- */

void conf_scrfd_output(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 15;
    enum { N = 4 };
    const size_t K[3] = {80 * 80 * 2, 40 * 40 * 2, 20 * 20 * 2};
    float *data = malloc((K[0] + K[1] + K[2]) * 15 * N * sizeof *data);
    accel_scrfd_outputs nets[N];
    accel_faces fa[N], fb[N];
    float *p = data;
    for (int i = 0; i < N; i++) {
        memset(&nets[i], 0, sizeof nets[i]);
        nets[i].struct_size = sizeof nets[i];
        for (int s = 0; s < 3; s++) {
            nets[i].scores[s] = p;
            for (size_t k = 0; k < K[s]; k++)
                *p++ = conf_uniform(&seed) < 0.003 * (i + 1) ? (float)(0.5 + conf_uniform(&seed) / 2)
                                                              : (float)(conf_uniform(&seed) / 2);
            nets[i].bboxes[s] = p;
            for (size_t k = 0; k < 4 * K[s]; k++) *p++ = (float)(0.5 + 5 * conf_uniform(&seed));
            nets[i].kps[s] = i == 3 ? NULL : p; /* the last image: a model without key points */
            for (size_t k = 0; k < 10 * K[s]; k++) *p++ = (float)(4 * conf_uniform(&seed) - 2);
        }
        nets[i].det_scale = 0.5 + 0.1 * i;
        nets[i].image_width = 1280, nets[i].image_height = 720;
        fa[i].struct_size = fb[i].struct_size = sizeof fa[i];
    }
    img_scrfd_out_call ca, cb;
    ASSERT_OK(accel__img_scrfd_out_prepare(&ca, NULL, nets, N, fa));
    ASSERT_OK(accel__img_scrfd_out_prepare(&cb, NULL, nets, N, fb));
    RUN_PAIR(t, d, &accel__op_scrfd_output, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    for (int i = 0; i < N; i++) {
        t->elements += (long)fb[i].n_faces * 15;
        if (fa[i].n_faces != fb[i].n_faces ||
            (fa[i].n_faces && memcmp(fa[i].faces, fb[i].faces, fa[i].n_faces * sizeof *fa[i].faces)))
            conf_mismatch(t, "scrfd_output image %d: the device's faces differ from the CPU's", i);
        if (fb[i].n_faces == 0) conf_mismatch(t, "scrfd_output image %d: no face found", i);
        for (size_t k = 1; k < fb[i].n_faces; k++)
            if (fb[i].faces[k].score > fb[i].faces[k - 1].score)
                conf_mismatch(t, "scrfd_output image %d: faces not in descending score", i);
    }
    accel_faces_free(fa, N), accel_faces_free(fb, N);
    accel__img_scrfd_out_release(&ca), accel__img_scrfd_out_release(&cb);
    free(data);
}

/* ---- warp and align ---- */

/* cv2.warpAffine's fixed point, restated from its definition (docs/image.md). */
static int warp_ref(const accel_image *s, const double M0[6], int x, int y, int k)
{
    double det = M0[0] * M0[4] - M0[1] * M0[3];
    det = det != 0 ? 1. / det : 0;
    double a = M0[4] * det, b = -M0[1] * det, c = -M0[3] * det, e = M0[0] * det;
    double tx = -a * M0[2] - b * M0[5], ty = -c * M0[2] - e * M0[5];
    int X = ((int)lrint((b * y + tx) * 1024) + 16 + (int)lrint(a * x * 1024)) >> 5;
    int Y = ((int)lrint((e * y + ty) * 1024) + 16 + (int)lrint(c * x * 1024)) >> 5;
    int sx = X >> 5, sy = Y >> 5, fx = X & 31, fy = Y & 31;
    int sum = 0;
    for (int j = 0; j < 4; j++) {
        int px = sx + (j & 1), py = sy + (j >> 1);
        int wgt = ((j & 1) ? fx : 32 - fx) * ((j >> 1) ? fy : 32 - fy) * 32;
        if (j == 0 && wgt == 32768) wgt = 32767;
        if (px < 0 || py < 0 || px >= s->width || py >= s->height) continue;
        sum += s->data[(size_t)py * s->stride + (size_t)px * (size_t)s->channels + (size_t)k] * wgt;
    }
    return (sum + 16384) >> 15;
}

void conf_image_warp(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 16;
    rimgs in, oa, ob;
    shape s[N_MIXED];
    memcpy(s, mixed, sizeof mixed);
    rimgs_make(&in, s, N_MIXED, &seed);
    int w[16], h[16], c[16];
    double M[16 * 6];
    for (size_t i = 0; i < in.n; i++) {
        w[i] = 1 + (int)(conf_rand(&seed) % 80), h[i] = 1 + (int)(conf_rand(&seed) % 60);
        c[i] = in.v[i].channels;
        double ang = conf_uniform(&seed) * 6.28, sc = 0.3 + 2 * conf_uniform(&seed);
        double m[6] = {sc * cos(ang), -sc * sin(ang), 40 * conf_uniform(&seed) - 20,
                       sc * sin(ang), sc * cos(ang), 40 * conf_uniform(&seed) - 20};
        memcpy(M + 6 * i, m, sizeof m);
    }
    outs_make(&oa, &in, w, h, c);
    outs_make(&ob, &in, w, h, c);
    img_align_call ca, cb;
    ASSERT_OK(accel__img_align_prepare(&ca, in.v, NULL, M, in.n, 0, oa.v, NULL));
    ASSERT_OK(accel__img_align_prepare(&cb, in.v, NULL, M, in.n, 0, ob.v, NULL));
    RUN_PAIR(t, d, &accel__op_image_warp, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    same_images(t, "image_warp", &oa, &ob);
    for (size_t i = 0; i < in.n; i++)
        for (int y = 0; y < h[i]; y++)
            for (int x = 0; x < w[i]; x++)
                for (int k = 0; k < c[i]; k++) {
                    int want = warp_ref(&in.v[i], M + 6 * i, x, y, k);
                    int got = ob.pix[i][(size_t)y * ob.v[i].stride + (size_t)x * (size_t)c[i] + (size_t)k];
                    if (got != want) {
                        conf_mismatch(t, "image_warp %zu (%d, %d, %d): %d, want %d", i, x, y, k, got, want);
                        y = h[i], x = w[i], k = c[i];
                    }
                }
    accel__img_align_release(&ca), accel__img_align_release(&cb);
    rimgs_free(&in), rimgs_free(&oa), rimgs_free(&ob);
}

void conf_arcface_align(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 17;
    static const shape s[] = {{400, 300, 3, 0}, {120, 140, 3, 2}, {800, 600, 4, 0}, {256, 256, 1, 0}};
    const size_t n = sizeof s / sizeof *s;
    rimgs in, oa, ob;
    rimgs_make(&in, s, n, &seed);
    int w[4], h[4], c[4];
    float lmk[40];
    static const float face[10] = {-0.2f, -0.12f, 0.2f, -0.12f, 0.0f, 0.05f, -0.16f, 0.25f, 0.16f, 0.25f};
    for (size_t i = 0; i < n; i++) {
        w[i] = h[i] = 112, c[i] = s[i].c;
        float sc = (float)s[i].h * (0.3f + 0.4f * (float)conf_uniform(&seed));
        for (int k = 0; k < 10; k++)
            lmk[10 * i + (size_t)k] = (k % 2 ? s[i].h : s[i].w) / 2.0f + face[k] * sc +
                                      (float)conf_uniform(&seed) * 3;
    }
    outs_make(&oa, &in, w, h, c);
    outs_make(&ob, &in, w, h, c);
    img_align_call ca, cb;
    ASSERT_OK(accel__img_align_prepare(&ca, in.v, lmk, NULL, n, 112, oa.v, NULL));
    ASSERT_OK(accel__img_align_prepare(&cb, in.v, lmk, NULL, n, 112, ob.v, NULL));
    RUN_PAIR(t, d, &accel__op_arcface_align, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    same_images(t, "arcface_align", &oa, &ob);
    accel__img_align_release(&ca), accel__img_align_release(&cb);
    rimgs_free(&in), rimgs_free(&oa), rimgs_free(&ob);
}

/* ---- quality ---- */

static int refl(int i, int n) { return n == 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i; }

void conf_image_quality(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 18;
    rimgs in;
    shape s[N_MIXED];
    memcpy(s, mixed, sizeof mixed);
    rimgs_make(&in, s, N_MIXED, &seed);
    accel_quality qa[16], qb[16];
    for (size_t i = 0; i < in.n; i++) qa[i].struct_size = qb[i].struct_size = sizeof qa[i];
    img_quality_call ca, cb;
    ASSERT_OK(accel__img_quality_prepare(&ca, NULL, in.v, in.n, qa));
    ASSERT_OK(accel__img_quality_prepare(&cb, NULL, in.v, in.n, qb));
    RUN_PAIR(t, d, &accel__op_image_quality, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    for (size_t i = 0; i < in.n; i++) {
        const accel_image *v = &in.v[i];
        int W = v->width, H = v->height;
        uint8_t *g = malloc((size_t)W * H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const uint8_t *p = v->data + (size_t)y * v->stride + (size_t)x * (size_t)v->channels;
                int b = v->order == ACCEL_RGB && v->channels > 1 ? p[2] : p[0];
                int r = v->order == ACCEL_RGB || v->channels == 1 ? p[0] : p[2];
                g[(size_t)y * W + x] = v->channels == 1 ? p[0] : (uint8_t)((b * 3735 + p[1] * 19235 + r * 9798 + 16384) >> 15);
            }
        /* two-pass statistics in long double */
        long double n = (long double)W * H, sg = 0, sl = 0, st = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
#define G(yy, xx) (int)g[(size_t)refl(yy, H) * W + refl(xx, W)]
                sg += G(y, x);
                sl += G(y - 1, x) + G(y + 1, x) + G(y, x - 1) + G(y, x + 1) - 4 * G(y, x);
                int gx = G(y - 1, x + 1) + 2 * G(y, x + 1) + G(y + 1, x + 1) - G(y - 1, x - 1) - 2 * G(y, x - 1) - G(y + 1, x - 1);
                int gy = G(y + 1, x - 1) + 2 * G(y + 1, x) + G(y + 1, x + 1) - G(y - 1, x - 1) - 2 * G(y - 1, x) - G(y - 1, x + 1);
                st += (long double)gx * gx + (long double)gy * gy;
            }
        long double mg = sg / n, ml = sl / n, vg = 0, vl = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                long double l = G(y - 1, x) + G(y + 1, x) + G(y, x - 1) + G(y, x + 1) - 4 * G(y, x);
                vg += (G(y, x) - mg) * (G(y, x) - mg);
                vl += (l - ml) * (l - ml);
            }
#undef G
        double want[4] = {(double)(vl / n), (double)mg, (double)sqrtl(vg / n), (double)(st / n)};
        double got[4] = {qb[i].blur_laplacian_var, qb[i].brightness, qb[i].contrast, qb[i].sharpness_tenengrad};
        double dev[4] = {qa[i].blur_laplacian_var, qa[i].brightness, qa[i].contrast, qa[i].sharpness_tenengrad};
        for (int m = 0; m < 4; m++) {
            t->elements++;
            double tol = 1e-12 * fmax(1.0, fabs(want[m]));
            if (!(fabs(got[m] - want[m]) <= tol))
                conf_mismatch(t, "image_quality %zu (%dx%d) measure %d: %.17g, want %.17g", i, W, H, m, got[m], want[m]);
            if (memcmp(&got[m], &dev[m], sizeof got[m]) != 0)
                conf_mismatch(t, "image_quality %zu measure %d: device %.17g, CPU %.17g", i, m, dev[m], got[m]);
            double e = fabs(got[m] - want[m]) / tol;
            if (e > t->worst) t->worst = e;
        }
        free(g);
    }
    accel__img_quality_release(&ca), accel__img_quality_release(&cb);
    rimgs_free(&in);
}

/* ---- enhance ---- */

void conf_image_enhance(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 19;
    /* upscaled, and not (700×650; 641×700 with padded rows), 1, 3 and 4 channels */
    static const shape s[] = {{300, 200, 3, 0}, {64, 64, 1, 3}, {700, 650, 3, 0}, {45, 31, 4, 0},
                              {9, 1, 3, 0}, {641, 700, 3, 5}};
    const size_t n = sizeof s / sizeof *s;
    rimgs in;
    rimgs_make(&in, s, n, &seed);
    img_enhance_call ca, cb;
    ASSERT_OK(accel__img_enhance_prepare(&ca, d->ctx, NULL, in.v, n));
    ASSERT_OK(accel__img_enhance_prepare(&cb, d->ctx, NULL, in.v, n));
    RUN_PAIR(t, d, &accel__op_image_enhance, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    for (size_t i = 0; i < n; i++) {
        size_t bytes = (size_t)ca.out[i].w * (size_t)ca.out[i].h * (size_t)ca.out[i].c;
        t->elements += (long)bytes;
        if (memcmp(ca.out[i].p, cb.out[i].p, bytes) != 0)
            conf_mismatch(t, "image_enhance image %zu: device and CPU differ", i);
        int short_side = ca.out[i].w < ca.out[i].h ? ca.out[i].w : ca.out[i].h;
        if (short_side < 640 && (s[i].w < 640 || s[i].h < 640))
            conf_mismatch(t, "image_enhance image %zu: short side %d after upscaling", i, short_side);
    }
    accel__img_enhance_release(&ca), accel__img_enhance_release(&cb);
    rimgs_free(&in);
}

/* ---- decode ---- */

/* The images of `in` as quality-90 JPEGs (enc[i], len[i] bytes, malloc'd); 0 when this build
 * or machine has no JPEG codec (then counted as a case with nothing compared, `in` freed). */
static int jpegs_of(rimgs *in, const char *op, uint8_t **enc, size_t *len, conf_tally *t)
{
    for (size_t i = 0; i < in->n; i++) {
        img_t v = {in->v[i].data, in->v[i].width, in->v[i].height, 3, in->v[i].stride, 0};
        accel_status st = accel__jpeg_encode(&v, 90, &enc[i], &len[i]);
        if (st == ACCEL_ERR_NOT_BUILT_IN || st == ACCEL_ERR_UNAVAILABLE) {
            printf("%s: no JPEG codec here (%s); nothing compared\n", op, accel_last_error(NULL));
            for (size_t k = 0; k < i; k++) free(enc[k]);
            rimgs_free(in);
            t->cases++;
            return 0;
        }
        ASSERT_OK(st);
    }
    return 1;
}

void conf_image_decode(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 20;
    static const shape s[] = {{640, 480, 3, 0}, {1, 1, 3, 0}, {333, 517, 3, 0}, {16, 8, 3, 0}};
    enum { N = 4 };
    rimgs in;
    rimgs_make(&in, s, N, &seed);
    uint8_t *enc[N];
    size_t len[N];
    if (!jpegs_of(&in, "image_decode", enc, len, t)) return;
    accel_image_decoded oa[N], ob[N];
    accel_image_decoded_init(oa, N);
    accel_image_decoded_init(ob, N);
    img_decode_call ca, cb;
    memset(&ca, 0, sizeof ca), memset(&cb, 0, sizeof cb);
    ca.data = cb.data = (const void *const *)enc;
    ca.sizes = cb.sizes = len;
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    p.min_width = 100; /* the 640×480 one is DCT-scaled to 1/4 (160 wide), the others not */
    ASSERT_OK(accel__img_decode_prepare(&ca, d->ctx, &p, N, oa));
    ASSERT_OK(accel__img_decode_prepare(&cb, d->ctx, &p, N, ob));
    RUN_PAIR(t, d, &accel__op_image_decode, &ca, &cb, &seed);
    no_item_failures(t, &ca.b);
    static const int want_denom[N] = {4, 1, 2, 1};
    for (int i = 0; i < N; i++) {
        size_t bytes = (size_t)oa[i].image.width * (size_t)oa[i].image.height * 3;
        t->elements += (long)bytes;
        if (oa[i].image.width != ob[i].image.width || oa[i].image.height != ob[i].image.height ||
            memcmp(oa[i].image.data, ob[i].image.data, bytes) != 0)
            conf_mismatch(t, "image_decode %d: device and CPU differ", i);
        if (ob[i].scale_denom != want_denom[i])
            conf_mismatch(t, "image_decode %d: decoded at 1/%d, want 1/%d", i, ob[i].scale_denom, want_denom[i]);
    }
    accel__img_decode_finish(&ca, ACCEL_OK), accel__img_decode_finish(&cb, ACCEL_OK);
    accel_image_decoded_free(oa, N), accel_image_decoded_free(ob, N);
    for (int i = 0; i < N; i++) free(enc[i]);
    rimgs_free(&in);
}

/* scrfd_prepare: 5 JPEGs (1×1 … 640×480, one gray-sized tall one) decoded, letterboxed into
 * 96×64 blobs and measured, on the device asked (the CPU's code: decoding runs there) and on
 * the CPU in uneven batches; both against the three separate operations on the CPU (decode,
 * scrfd_input, image_quality), bit for bit. */
void conf_scrfd_prepare(const conf_dev *d, conf_tally *t)
{
    uint64_t seed = 21;
    static const shape s[] = {{640, 480, 3, 0}, {1, 1, 3, 0}, {333, 517, 3, 0}, {16, 8, 3, 0},
                              {40, 300, 3, 0}};
    enum { N = 5, IW = 96, IH = 64 };
    const size_t plane = (size_t)3 * IW * IH;
    rimgs in;
    rimgs_make(&in, s, N, &seed);
    uint8_t *enc[N];
    size_t len[N];
    if (!jpegs_of(&in, "scrfd_prepare", enc, len, t)) return;
    float *ba = malloc(N * plane * sizeof *ba), *bb = malloc(N * plane * sizeof *bb);
    float *ref = malloc(N * plane * sizeof *ref);
    for (size_t k = 0; k < N * plane; k++) ba[k] = bb[k] = ref[k] = 1e30f; /* poison */
    double dsa[N], dsb[N], dsr[N];
    accel_quality qa[N], qb[N], qr[N];
    for (int i = 0; i < N; i++) qa[i].struct_size = qb[i].struct_size = qr[i].struct_size = sizeof qa[i];
    accel_image_decoded oa[N], ob[N], orf[N];
    accel_image_decoded_init(oa, N), accel_image_decoded_init(ob, N), accel_image_decoded_init(orf, N);
    img_prepare_call ca, cb;
    memset(&ca, 0, sizeof ca), memset(&cb, 0, sizeof cb);
    ca.d.data = cb.d.data = (const void *const *)enc;
    ca.d.sizes = cb.d.sizes = len;
    ASSERT_OK(accel__img_prepare_setup(&ca, d->ctx, NULL, N, IW, IH, ba, dsa, NULL, qa, oa));
    ASSERT_OK(accel__img_prepare_setup(&cb, d->ctx, NULL, N, IW, IH, bb, dsb, NULL, qb, ob));
    RUN_PAIR(t, d, &accel__op_scrfd_prepare, &ca, &cb, &seed);
    no_item_failures(t, &ca.d.b);
    no_item_failures(t, &cb.d.b);
    /* the reference: the three operations, each on the CPU */
    conf_dev cpu;
    const conf_dev *c = cpu_of(d, &cpu);
    ASSERT_OK(accel_image_decode_memory(c->ctx, NULL, (const void *const *)enc, len, NULL, N, orf, NULL));
    accel_image im[N];
    for (int i = 0; i < N; i++) im[i] = orf[i].image;
    ASSERT_OK(accel_scrfd_input(c->ctx, im, N, IW, IH, ref, dsr, NULL, NULL));
    ASSERT_OK(accel_image_quality(c->ctx, NULL, im, N, qr, NULL));
    for (int i = 0; i < N; i++) {
        t->elements += (long)plane;
        for (int w = 0; w < 2; w++) {
            const float *b = w ? bb : ba;
            const double *ds = w ? dsb : dsa;
            const accel_quality *q = w ? qb : qa;
            const accel_image_decoded *o = w ? ob : oa;
            const char *where = w ? "the CPU in batches" : "the device asked";
            size_t bytes = (size_t)orf[i].image.width * (size_t)orf[i].image.height * 3;
            if (memcmp(b + i * plane, ref + i * plane, plane * sizeof *b) != 0)
                conf_mismatch(t, "scrfd_prepare %d on %s: the blob differs from scrfd_input's", i, where);
            if (ds[i] != dsr[i])
                conf_mismatch(t, "scrfd_prepare %d on %s: det_scale %.17g, want %.17g", i, where, ds[i], dsr[i]);
            if (q[i].blur_laplacian_var != qr[i].blur_laplacian_var || q[i].brightness != qr[i].brightness ||
                q[i].contrast != qr[i].contrast || q[i].sharpness_tenengrad != qr[i].sharpness_tenengrad ||
                q[i].overall != qr[i].overall)
                conf_mismatch(t, "scrfd_prepare %d on %s: quality differs from image_quality's", i, where);
            if (o[i].image.width != orf[i].image.width || o[i].image.height != orf[i].image.height ||
                memcmp(o[i].image.data, orf[i].image.data, bytes) != 0)
                conf_mismatch(t, "scrfd_prepare %d on %s: decoded pixels differ from image_decode's", i, where);
        }
    }
    accel__img_prepare_finish(&ca, ACCEL_OK), accel__img_prepare_finish(&cb, ACCEL_OK);
    accel_image_decoded_free(oa, N), accel_image_decoded_free(ob, N), accel_image_decoded_free(orf, N);
    free(ba), free(bb), free(ref);
    for (int i = 0; i < N; i++) free(enc[i]);
    rimgs_free(&in);
}
