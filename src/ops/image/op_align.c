/* op_align.c — the operations "arcface_align" (accel_arcface_align(): insightface's norm_crop,
 * the similarity from align.c and the warp from warp.c, and optionally the ArcFace blob of the
 * crops) and "image_warp" (accel_image_warp_affine(): the warp with the caller's matrices).
 * Bands of output rows on the CPU pool; a 112×112 crop is one band. */
#include "dev.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int align_rows(void *call, size_t i) { return ((img_align_call *)call)->crop[i].h; }

static accel_status align_band(void *call, size_t i, int r0, int r1)
{
    img_align_call *c = call;
    accel__img_warp_affine_rows(&c->in[i], &c->crop[i], c->M[i], r0, r1);
    if (c->blob) {
        static const float mean[3] = {127.5f, 127.5f, 127.5f};
        const size_t plane = (size_t)c->size * (size_t)c->size;
        /* the ArcFace blob is R, G, B whatever the crop's order: swap a BGR crop */
        accel__img_blob_rows(&c->crop[i], mean, (float)(1.0 / 127.5), !c->crop[i].rgb,
                             c->blob + i * 3 * plane, r0, r1);
    }
    return ACCEL_OK;
}

static accel_status align_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_align_call *c = call;
    c->b.dev = dev;
    return accel__img_run_bands(&c->b, c, begin, end, align_rows, c->size ? c->size : 32, align_band);
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_warp = {
    .name = "image_warp",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = align_run,
    .run_device = accel__img_align_run_device,
    .kernels = accel__img_warp_kernels,
};

const accel__op accel__op_arcface_align = {
    .name = "arcface_align",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = align_run,
    .run_device = accel__img_align_run_device,
    .kernels = accel__img_align_kernels,
};

accel_status accel__img_align_prepare(img_align_call *c, const accel_image *images,
                                      const float *landmarks, const double *matrices, size_t n,
                                      int size, const accel_image *crops, float *blob)
{
    memset(c, 0, sizeof *c);
    const char *op = landmarks ? "arcface_align" : "image_warp";
    RETURN_ERROR_IF(!landmarks && !matrices, ACCEL_ERR_INVALID_ARG, "%s: NULL %s", op,
                    matrices ? "landmarks" : "matrices");
    RETURN_ERROR_IF(landmarks && (size <= 0 || (size % 112 != 0 && size % 128 != 0)),
                    ACCEL_ERR_INVALID_ARG,
                    "arcface_align: crop size %d (allowed: a multiple of 112 or of 128)", size);
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, op, n));
    c->size = landmarks ? size : 0;
    c->blob = landmarks ? blob : NULL;
    c->in = calloc(n, sizeof *c->in);
    c->crop = calloc(n, sizeof *c->crop);
    c->M = calloc(n, sizeof *c->M);
    RETURN_ERROR_IF(!c->in || !c->crop || !c->M, ACCEL_ERR_NO_MEMORY, "%s: out of memory", op);
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", images, 0x1Au, c->in));
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, landmarks ? "crop" : "output", crops, 0x1Au, c->crop));
    for (size_t i = 0; i < n; i++) {
        if (c->b.st[i] != ACCEL_OK) continue;
        const img_t *im = &c->in[i], *cr = &c->crop[i];
        if (landmarks && (cr->w != size || cr->h != size || cr->c != im->c)) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "face %zu: crop is %d×%d×%d; it must be %d×%d×%d", i, cr->w,
                                  cr->h, cr->c, size, size, im->c);
            continue;
        }
        if (!landmarks && cr->c != im->c) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: output has %d channels, input %d (they must match)",
                                  i, cr->c, im->c);
            continue;
        }
        if (c->blob && im->c == 1) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "face %zu: a blob needs a colour image (this one has 1 channel)", i);
            continue;
        }
        if (landmarks) {
            const float *l = landmarks + 10 * i;
            char why[200];
            accel_status ms = accel__arcface_matrix(l, size, c->M[i], why, sizeof why);
            if (ms != ACCEL_OK) {
                accel__img_batch_fail(&c->b, i, ms, "face %zu: %s", i, why);
                continue;
            }
            double cx = 0, cy = 0;
            for (int k = 0; k < 5; k++) cx += l[2 * k] / 5.0, cy += l[2 * k + 1] / 5.0;
            if (cx < 0 || cy < 0 || cx >= im->w || cy >= im->h) {
                accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                      "face %zu: landmarks centred at (%.1f, %.1f), outside the "
                                      "%d×%d image", i, cx, cy, im->w, im->h);
                continue;
            }
        } else {
            int finite = 1;
            for (int k = 0; k < 6; k++) {
                c->M[i][k] = matrices[6 * i + (size_t)k];
                finite &= isfinite(c->M[i][k]) != 0;
            }
            if (!finite) {
                accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                      "image %zu: the matrix holds a value that is not finite", i);
                continue;
            }
        }
        int64_t bytes = accel__img_align_dev_bytes(c, i);
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    return ACCEL_OK;
}

void accel__img_align_release(img_align_call *c)
{
    accel__img_batch_free(&c->b), free(c->in), free(c->crop), free(c->M);
    memset(c, 0, sizeof *c);
}

accel_status accel_arcface_align(accel_ctx *ctx, const accel_image *images, const float *landmarks,
                                 size_t n, int size, const accel_image *crops, float *blob,
                                 accel_status *status, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || !landmarks, ACCEL_ERR_INVALID_ARG, "arcface_align: NULL argument");
    img_align_call c;
    accel_status st = accel__img_align_prepare(&c, images, landmarks, NULL, n, size, crops, blob);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_arcface_align, &c, rec);
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_align_release(&c);
    return st;
}

accel_status accel_image_warp_affine(accel_ctx *ctx, const accel_image *in, const double *matrices,
                                     size_t n, const accel_image *out, accel_status *status,
                                     accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || !matrices, ACCEL_ERR_INVALID_ARG, "image_warp: NULL argument");
    img_align_call c;
    accel_status st = accel__img_align_prepare(&c, in, NULL, matrices, n, 0, out, NULL);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_warp, &c, rec);
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_align_release(&c);
    return st;
}
