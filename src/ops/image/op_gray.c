/* op_gray.c — the operation "image_gray" (cv2.cvtColor BGR2GRAY / RGB2GRAY) and
 * accel_image_gray(). Items are images; bands of 64 rows run on the CPU pool. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

static int gray_rows(void *call, size_t i) { return ((img_gray_call *)call)->in[i].h; }

static accel_status gray_band(void *call, size_t i, int r0, int r1)
{
    img_gray_call *c = call;
    const img_t *s = &c->in[i], *d = &c->out[i];
    const img_kern *k = accel__img_kern(c->b.dev);
    for (int y = r0; y < r1; y++)
        k->gray_row(s->p + (size_t)y * s->stride, s->c, s->rgb, d->p + (size_t)y * d->stride, s->w);
    return ACCEL_OK;
}

static accel_status gray_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_gray_call *c = call;
    c->b.dev = dev;
    return accel__img_run_bands(&c->b, c, begin, end, gray_rows, 64, gray_band);
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_gray = {
    .name = "image_gray",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = gray_run,
    .run_device = accel__img_gray_run_device,
    .kernels = accel__img_gray_kernels,
};

accel_status accel__img_gray_prepare(img_gray_call *c, const accel_image *in,
                                     const accel_image *out, size_t n)
{
    memset(c, 0, sizeof *c);
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "image_gray", n));
    c->in = calloc(n, sizeof *c->in);
    c->out = calloc(n, sizeof *c->out);
    RETURN_ERROR_IF(!c->in || !c->out, ACCEL_ERR_NO_MEMORY, "image_gray: out of memory");
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", in, 0x1Au, c->in));
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "output", out, 0x2u, c->out));
    for (size_t i = 0; i < n; i++) {
        if (c->b.st[i] != ACCEL_OK) continue;
        if (c->out[i].w != c->in[i].w || c->out[i].h != c->in[i].h)
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: output is %d×%d, input %d×%d (they must match)", i,
                                  c->out[i].w, c->out[i].h, c->in[i].w, c->in[i].h);
        int64_t bytes = accel__img_gray_dev_bytes(c, i);
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    return ACCEL_OK;
}

void accel__img_gray_release(img_gray_call *c)
{
    accel__img_batch_free(&c->b), free(c->in), free(c->out);
    memset(c, 0, sizeof *c);
}

accel_status accel_image_gray(accel_ctx *ctx, const accel_image *in, const accel_image *out,
                              size_t n, accel_status *status, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "image_gray: NULL context");
    img_gray_call c;
    accel_status st = accel__img_gray_prepare(&c, in, out, n);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_gray, &c, rec);
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_gray_release(&c);
    return st;
}
