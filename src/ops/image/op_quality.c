/* op_quality.c — the operation "image_quality" and accel_image_quality(): the exact integer
 * sums of kern.h over bands of 32 rows on the CPU pool (on a device: dev_gray.c), then per
 * image the measures and the `overall` score (quality.c). */
#include "dev.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Q_BAND 32
#define QUALITY_MIN (offsetof(accel_quality, status) + sizeof(accel_status))

static int q_rows(void *call, size_t i) { return ((img_quality_call *)call)->in[i].h; }

static accel_status q_band(void *call, size_t i, int r0, int r1)
{
    img_quality_call *c = call;
    return accel__img_kern(c->b.dev)->quality_rows(&c->in[i], r0, r1,
                                                   &c->sums[c->slot[i] + (size_t)(r0 / Q_BAND)]);
}

static accel_status q_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_quality_call *c = call;
    c->b.dev = dev;
    FORWARD_IF_ERROR(accel__img_run_bands(&c->b, c, begin, end, q_rows, Q_BAND, q_band));
    for (size_t i = begin; i < end; i++) {
        accel_quality *q = IMG_AT(accel_quality, c->out, c->out_elem, i);
        if (c->b.st[i] != ACCEL_OK) continue;
        img_qsums t = {0, 0, 0, 0, 0};
        size_t nb = ((size_t)c->in[i].h + Q_BAND - 1) / Q_BAND;
        for (size_t k = 0; k < nb; k++) {
            const img_qsums *s = &c->sums[c->slot[i] + k];
            accel__img_qsums_add(&t, s);
        }
        accel__img_quality_measures(&t, (int64_t)c->in[i].w * c->in[i].h, &c->p, q);
    }
    return ACCEL_OK;
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_quality = {
    .name = "image_quality",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = q_run,
    .run_device = accel__img_quality_run_device,
    .kernels = accel__img_quality_kernels,
};

void accel_quality_params_init(accel_quality_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->blur_good = 100;
    p->sharpness_good = 2000;
    p->contrast_good = 50;
    p->brightness_low = 80;
    p->brightness_high = 180;
    p->w_blur = 0.35, p->w_sharpness = 0.25, p->w_contrast = 0.2, p->w_brightness = 0.2;
}

accel_status accel__img_quality_check(const accel_quality_params *p)
{
    RETURN_ERROR_IF(p->struct_size < offsetof(accel_quality_params, w_brightness) + sizeof(double),
                    ACCEL_ERR_INVALID_ARG, "image_quality: params.struct_size %zu is too small "
                    "(use accel_quality_params_init)", p->struct_size);
    RETURN_ERROR_IF(!(p->blur_good > 0) || !(p->sharpness_good > 0) || !(p->contrast_good > 0) ||
                        !isfinite(p->blur_good) || !isfinite(p->sharpness_good) ||
                        !isfinite(p->contrast_good),
                    ACCEL_ERR_INVALID_ARG,
                    "image_quality: blur_good %g, sharpness_good %g, contrast_good %g (each must "
                    "be a finite number greater than 0)", p->blur_good, p->sharpness_good,
                    p->contrast_good);
    RETURN_ERROR_IF(!(p->brightness_low >= 0 && p->brightness_low <= p->brightness_high &&
                      p->brightness_high <= 255),
                    ACCEL_ERR_INVALID_ARG, "image_quality: brightness range [%g, %g] (allowed: "
                    "0 ≤ low ≤ high ≤ 255)", p->brightness_low, p->brightness_high);
    double w[4] = {p->w_blur, p->w_sharpness, p->w_contrast, p->w_brightness};
    double sum = 0;
    for (int k = 0; k < 4; k++) {
        RETURN_ERROR_IF(!(w[k] >= 0) || !isfinite(w[k]), ACCEL_ERR_INVALID_ARG,
                        "image_quality: weight %g (weights must be finite and ≥ 0)", w[k]);
        sum += w[k];
    }
    RETURN_ERROR_IF(!(sum > 0), ACCEL_ERR_INVALID_ARG, "image_quality: the weights sum to 0");
    return ACCEL_OK;
}

accel_status accel__img_quality_prepare(img_quality_call *c, const accel_quality_params *p,
                                        const accel_image *in, size_t n, accel_quality *out)
{
    memset(c, 0, sizeof *c);
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "image_quality: NULL results");
    RETURN_ERROR_IF(out->struct_size < QUALITY_MIN, ACCEL_ERR_INVALID_ARG,
                    "image_quality: out[0].struct_size %zu (set it to sizeof(accel_quality))",
                    out->struct_size);
    accel_quality_params_init(&c->p);
    if (p) {
        FORWARD_IF_ERROR(accel__img_quality_check(p));
        memcpy(&c->p, p, sizeof c->p < p->struct_size ? sizeof c->p : p->struct_size);
        c->p.struct_size = sizeof c->p;
    }
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "image_quality", n));
    c->out = out, c->out_elem = out->struct_size;
    c->in = calloc(n, sizeof *c->in);
    c->slot = calloc(n + 1, sizeof *c->slot);
    RETURN_ERROR_IF(!c->in || !c->slot, ACCEL_ERR_NO_MEMORY, "image_quality: out of memory");
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", in, 0x1Au, c->in));
    for (size_t i = 0; i < n; i++) {
        accel_quality *q = IMG_AT(accel_quality, out, c->out_elem, i);
        c->slot[i + 1] = c->slot[i] + ((size_t)c->in[i].h + Q_BAND - 1) / Q_BAND;
        if (q->struct_size != c->out_elem) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "result %zu: struct_size %zu differs from element 0's", i,
                                  q->struct_size);
            continue;
        }
        q->width = c->in[i].w, q->height = c->in[i].h;
        q->blur_laplacian_var = q->brightness = q->contrast = q->sharpness_tenengrad = NAN;
        q->overall = NAN;
        int64_t bytes = c->b.st[i] == ACCEL_OK ? accel__img_quality_dev_bytes(c, i) : 0;
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    c->sums = calloc(c->slot[n] ? c->slot[n] : 1, sizeof *c->sums);
    RETURN_ERROR_IF(!c->sums, ACCEL_ERR_NO_MEMORY, "image_quality: out of memory");
    return ACCEL_OK;
}

void accel__img_quality_release(img_quality_call *c)
{
    accel__img_batch_free(&c->b), free(c->sums), free(c->slot), free(c->in);
    memset(c, 0, sizeof *c);
}

accel_status accel_image_quality(accel_ctx *ctx, const accel_quality_params *p,
                                 const accel_image *in, size_t n, accel_quality *out,
                                 accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "image_quality: NULL context");
    img_quality_call c;
    accel_status st = accel__img_quality_prepare(&c, p, in, n, out);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_quality, &c, rec);
    if (c.b.st) {
        for (size_t i = 0; i < n; i++) {
            accel_quality *q = IMG_AT(accel_quality, out, c.out_elem, i);
            if (q->struct_size == c.out_elem) q->status = c.b.st[i] != ACCEL_OK ? c.b.st[i] : st;
        }
        st = accel__img_batch_end(&c.b, st, NULL);
    }
    accel__img_quality_release(&c);
    return st;
}
