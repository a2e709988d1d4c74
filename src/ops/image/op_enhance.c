/* op_enhance.c — the operation "image_enhance" and accel_image_enhance(): upscale small images
 * (INTER_LINEAR) so that their short side reaches params.min_short_side, then CLAHE on the
 * luma (BGR → YCrCb, CLAHE on Y, YCrCb → BGR; a fourth channel passes through; a one-channel
 * image gets CLAHE directly). Images run one after the other, each step split over the CPU
 * pool (bands of rows; the CLAHE tables tile by tile). */
#include "dev.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct enh_job {
    img_enhance_call *c;
    size_t i;
    img_resize_plan *plan;
    uint8_t *ycc, *y;      /* YCrCb pixels and the Y plane */
    img_clahe cl;
    img_t yv;              /* the Y plane (or the gray output) as an image */
    int step;              /* 0 resize, 1 to YCrCb, 2 CLAHE tables, 3 CLAHE rows + back */
    int band;
    int failed;
} enh_job;

static void enh_task(void *arg, size_t k0, size_t k1)
{
    enh_job *j = arg;
    const img_t *in = &j->c->in[j->i];
    img_t *out = &j->c->out[j->i];
    for (size_t k = k0; k < k1; k++) {
        int r0 = (int)k * j->band, r1 = r0 + j->band < out->h ? r0 + j->band : out->h;
        switch (j->step) {
        case 0:
            if (j->plan) {
                if (accel__img_resize_rows(j->plan, in, out, r0, r1) != ACCEL_OK)
                    __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);
            } else {
                for (int y = r0; y < r1; y++)
                    memcpy(out->p + (size_t)y * out->stride, in->p + (size_t)y * in->stride,
                           (size_t)in->w * (size_t)in->c);
            }
            break;
        case 1:
            for (int y = r0; y < r1; y++) {
                uint8_t *ycc = j->ycc + (size_t)y * (size_t)out->w * 3;
                accel__img_ycrcb_row(out->p + (size_t)y * out->stride, out->c, out->rgb, ycc, out->w);
                uint8_t *yp = j->y + (size_t)y * (size_t)out->w;
                for (int x = 0; x < out->w; x++) yp[x] = ycc[3 * x];
            }
            break;
        case 2: accel__img_clahe_tiles(&j->yv, &j->cl, (int)k, (int)k + 1); break;
        default:
            accel__img_clahe_rows(&j->yv, &j->yv, &j->cl, r0, r1);
            if (out->c != 1)
                for (int y = r0; y < r1; y++) {
                    uint8_t *ycc = j->ycc + (size_t)y * (size_t)out->w * 3;
                    const uint8_t *yp = j->y + (size_t)y * (size_t)out->w;
                    for (int x = 0; x < out->w; x++) ycc[3 * x] = yp[x];
                    accel__img_ycrcb_to_bgr_row(ycc, out->rgb, out->p + (size_t)y * out->stride,
                                                out->c, out->w);
                }
            break;
        }
    }
}

static void run_step(const accel__device *dev, enh_job *j, int step, size_t tasks)
{
    j->step = step;
    accel__img_parallel(dev, tasks, enh_task, j);
}

static accel_status enhance_one(const accel__device *dev, img_enhance_call *c, size_t i)
{
    enh_job j;
    memset(&j, 0, sizeof j);
    j.c = c, j.i = i;
    img_t *in = &c->in[i], *out = &c->out[i];
    if (out->w != in->w || out->h != in->h)
        FORWARD_IF_ERROR(accel__img_resize_plan(in->w, in->h, out->w, out->h, in->c, IMG_LINEAR, &j.plan));
    j.band = 32;
    size_t bands = ((size_t)out->h + 31) / 32;
    run_step(dev, &j, 0, bands);
    accel__img_resize_plan_free(j.plan);
    RETURN_ERROR_IF(j.failed, ACCEL_ERR_NO_MEMORY, "out of memory resizing image %zu", i);
    if (!(c->p.clip_limit > 0)) return ACCEL_OK;
    size_t px = (size_t)out->w * (size_t)out->h;
    if (out->c == 1) {
        j.yv = *out;
    } else {
        j.ycc = malloc(px * 3);
        j.y = malloc(px);
        if (!j.ycc || !j.y) {
            free(j.ycc), free(j.y);
            return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for the luma of image %zu", i);
        }
        img_t yv = {j.y, out->w, out->h, 1, (size_t)out->w, 0};
        j.yv = yv;
        run_step(dev, &j, 1, bands);
    }
    accel_status st = accel__img_clahe_prepare(&j.yv, c->p.clip_limit, c->p.tiles_x, c->p.tiles_y, &j.cl);
    if (st == ACCEL_OK) {
        run_step(dev, &j, 2, (size_t)j.cl.tx * (size_t)j.cl.ty);
        run_step(dev, &j, 3, bands);
    }
    accel__img_clahe_free(&j.cl);
    free(j.ycc), free(j.y);
    return st;
}

static accel_status enhance_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_enhance_call *c = call;
    c->b.dev = dev;
    for (size_t i = begin; i < end; i++) {
        if (c->b.st[i] != ACCEL_OK) continue;
        accel_status st = enhance_one(dev, c, i);
        if (st != ACCEL_OK) accel__img_item_fail(&c->b, i, st, accel__last_error_text());
    }
    return ACCEL_OK;
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_enhance = {
    .name = "image_enhance",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = enhance_run,
    .run_device = accel__img_enhance_run_device,
    .kernels = accel__img_enhance_kernels,
};

void accel_enhance_params_init(accel_enhance_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->min_short_side = 640;
    p->clip_limit = 2.0;
    p->tiles_x = p->tiles_y = 8;
}

void accel__img_enhance_size(int w, int h, int min_side, int *dw, int *dh, double *scale)
{
    int s = w < h ? w : h;
    *scale = 1.0;
    *dw = w, *dh = h;
    if (min_side > 0 && s < min_side) {
        *scale = (double)min_side / s;
        *dw = (int)floor(w * *scale + 0.5);
        *dh = (int)floor(h * *scale + 0.5);
    }
}

accel_status accel__img_enhance_prepare(img_enhance_call *c, accel_ctx *ctx,
                                        const accel_enhance_params *p, const accel_image *in,
                                        size_t n)
{
    memset(c, 0, sizeof *c);
    accel_enhance_params_init(&c->p);
    if (p) {
        RETURN_ERROR_IF(p->struct_size < offsetof(accel_enhance_params, tiles_y) + sizeof(int),
                        ACCEL_ERR_INVALID_ARG, "image_enhance: params.struct_size %zu is too small "
                        "(use accel_enhance_params_init)", p->struct_size);
        RETURN_ERROR_IF(p->min_short_side < 0 || p->min_short_side > 65536, ACCEL_ERR_INVALID_ARG,
                        "image_enhance: min_short_side %d (allowed: 0 … 65536)", p->min_short_side);
        RETURN_ERROR_IF(!(p->clip_limit >= 0) || !isfinite(p->clip_limit), ACCEL_ERR_INVALID_ARG,
                        "image_enhance: clip_limit %g (allowed: 0 for no CLAHE, or a number > 0)",
                        p->clip_limit);
        RETURN_ERROR_IF(p->tiles_x < 1 || p->tiles_y < 1 || p->tiles_x > 256 || p->tiles_y > 256,
                        ACCEL_ERR_INVALID_ARG, "image_enhance: CLAHE grid %d×%d (allowed: 1 … 256 "
                        "each)", p->tiles_x, p->tiles_y);
        memcpy(&c->p, p, sizeof c->p < p->struct_size ? sizeof c->p : p->struct_size);
        c->p.struct_size = sizeof c->p;
    }
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "image_enhance", n));
    c->in = calloc(n, sizeof *c->in);
    c->out = calloc(n, sizeof *c->out);
    c->scale = calloc(n, sizeof *c->scale);
    RETURN_ERROR_IF(!c->in || !c->out || !c->scale, ACCEL_ERR_NO_MEMORY, "image_enhance: out of memory");
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", in, 0x1Au, c->in));
    long long max_px = ctx ? accel__cfg_int(ctx, ACCEL__CFG_IMAGE_MAX_PIXELS) : -1;
    if (max_px <= 0) max_px = ACCEL_IMAGE_MAX_PIXELS_DEFAULT;
    for (size_t i = 0; i < n; i++) {
        if (c->b.st[i] != ACCEL_OK) continue;
        int dw, dh;
        double s;
        accel__img_enhance_size(c->in[i].w, c->in[i].h, c->p.min_short_side, &dw, &dh, &s);
        if ((long long)dw * dh > max_px) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: upscaled to %d×%d it would exceed "
                                  "ACCEL_IMAGE_MAX_PIXELS=%lld", i, dw, dh, max_px);
            continue;
        }
        img_t *v = &c->out[i];
        v->w = dw, v->h = dh, v->c = c->in[i].c, v->rgb = c->in[i].rgb;
        v->stride = (size_t)dw * (size_t)v->c;
        v->p = accel__img_alloc(v->stride * (size_t)dh);
        if (!v->p) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_NO_MEMORY,
                                  "image %zu: out of memory for %d×%d pixels", i, dw, dh);
            continue;
        }
        c->scale[i] = s;
        int64_t bytes = accel__img_enhance_dev_bytes(c, i);
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    return ACCEL_OK;
}

void accel__img_enhance_release(img_enhance_call *c)
{
    for (size_t i = 0; c->out && i < c->b.n; i++) free(c->out[i].p);
    accel__img_batch_free(&c->b), free(c->in), free(c->out), free(c->scale);
    memset(c, 0, sizeof *c);
}

accel_status accel_image_enhance(accel_ctx *ctx, const accel_enhance_params *p,
                                 const accel_image *in, size_t n, accel_image *out, double *scale,
                                 accel_status *status, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || !out, ACCEL_ERR_INVALID_ARG, "image_enhance: NULL argument");
    size_t oelem = accel__img_elem(out);
    RETURN_ERROR_IF(!oelem, ACCEL_ERR_INVALID_ARG,
                    "image_enhance: out[0].struct_size %zu (set it to sizeof(accel_image))",
                    out->struct_size);
    img_enhance_call c;
    accel_status st = accel__img_enhance_prepare(&c, ctx, p, in, n);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_enhance, &c, rec);
    for (size_t i = 0; i < n; i++) {
        accel_image *o = IMG_AT(accel_image, out, oelem, i);
        int ok = st == ACCEL_OK && c.b.st && c.b.st[i] == ACCEL_OK && c.out[i].p;
        if (o->struct_size == oelem) o->data = ok ? c.out[i].p : NULL;
        if (scale) scale[i] = ok ? c.scale[i] : 0;
        if (!ok || o->struct_size != oelem) continue;
        o->width = c.out[i].w, o->height = c.out[i].h, o->channels = c.out[i].c;
        o->stride = c.out[i].stride;
        o->order = c.out[i].rgb ? ACCEL_RGB : ACCEL_BGR;
        c.out[i].p = NULL; /* handed to the caller */
    }
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_enhance_release(&c);
    return st;
}
