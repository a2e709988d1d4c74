/* op_resize.c — the operation "image_resize" (cv2.resize INTER_LINEAR / INTER_AREA) and
 * accel_image_resize(). Items are images; each image's coefficient tables are made once, then
 * bands of destination rows run on the CPU pool. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

static int resize_rows(void *call, size_t i) { return ((img_resize_call *)call)->out[i].h; }

static accel_status resize_band(void *call, size_t i, int r0, int r1)
{
    img_resize_call *c = call;
    return accel__img_resize_rows(c->plan[i], &c->in[i], &c->out[i], r0, r1);
}

static accel_status resize_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_resize_call *c = call;
    c->b.dev = dev;
    int band = 16;
    for (size_t i = begin; i < end; i++) {
        if (c->b.st[i] != ACCEL_OK || c->plan[i]) continue;
        accel_status st = accel__img_resize_plan(c->in[i].w, c->in[i].h, c->out[i].w, c->out[i].h,
                                                 c->in[i].c, c->interp, &c->plan[i]);
        if (st != ACCEL_OK) {
            accel__img_item_fail(&c->b, i, st, accel__last_error_text());
            continue;
        }
        accel__img_resize_plan_kern(c->plan[i], accel__img_kern(dev));
        band = accel__img_resize_band(c->plan[i]);
    }
    return accel__img_run_bands(&c->b, c, begin, end, resize_rows, band, resize_band);
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_resize = {
    .name = "image_resize",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = resize_run,
    .run_device = accel__img_resize_run_device,
    .kernels = accel__img_resize_kernels,
};

accel_status accel__img_resize_prepare(img_resize_call *c, accel_interp interp,
                                       const accel_image *in, const accel_image *out, size_t n)
{
    memset(c, 0, sizeof *c);
    RETURN_ERROR_IF(interp != ACCEL_INTERP_LINEAR && interp != ACCEL_INTERP_AREA,
                    ACCEL_ERR_INVALID_ARG,
                    "image_resize: interpolation %d (allowed: ACCEL_INTERP_LINEAR, ACCEL_INTERP_AREA)",
                    (int)interp);
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "image_resize", n));
    c->interp = interp == ACCEL_INTERP_AREA ? IMG_AREA : IMG_LINEAR;
    c->in = calloc(n, sizeof *c->in);
    c->out = calloc(n, sizeof *c->out);
    c->plan = calloc(n, sizeof *c->plan);
    RETURN_ERROR_IF(!c->in || !c->out || !c->plan, ACCEL_ERR_NO_MEMORY, "image_resize: out of memory");
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", in, 0x1Au, c->in));
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "output", out, 0x1Au, c->out));
    for (size_t i = 0; i < n; i++) {
        if (c->b.st[i] != ACCEL_OK) continue;
        if (c->out[i].c != c->in[i].c)
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: output has %d channels, input %d (they must match)",
                                  i, c->out[i].c, c->in[i].c);
        else if (c->out[i].rgb != c->in[i].rgb)
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: output and input pixel orders differ", i);
        int64_t bytes = accel__img_resize_dev_bytes(c, i);
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    return ACCEL_OK;
}

void accel__img_resize_release(img_resize_call *c)
{
    for (size_t i = 0; c->plan && i < c->b.n; i++) accel__img_resize_plan_free(c->plan[i]);
    accel__img_batch_free(&c->b), free(c->plan), free(c->in), free(c->out);
    memset(c, 0, sizeof *c);
}

accel_status accel_image_resize(accel_ctx *ctx, accel_interp interp, const accel_image *in,
                                const accel_image *out, size_t n, accel_status *status,
                                accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "image_resize: NULL context");
    img_resize_call c;
    accel_status st = accel__img_resize_prepare(&c, interp, in, out, n);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_resize, &c, rec);
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_resize_release(&c);
    return st;
}
