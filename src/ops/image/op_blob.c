/* op_blob.c — the operation "image_blob" (cv2.dnn.blobFromImages) and accel_image_blob(),
 * with its presets for SCRFD and ArcFace. An image of another size than the blob's is resized
 * first (INTER_LINEAR, as blobFromImage without crop), band by band into a per-image buffer. */
#include "dev.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static img_t blob_src(const img_blob_call *c, size_t i)
{
    if (!c->tmp[i]) return c->in[i];
    img_t t = {c->tmp[i], c->width, c->height, c->in[i].c, (size_t)c->width * (size_t)c->in[i].c,
               c->in[i].rgb};
    return t;
}

static int blob_rows(void *call, size_t i) { return ((img_blob_call *)call)->height; }

static accel_status blob_band(void *call, size_t i, int r0, int r1)
{
    img_blob_call *c = call;
    img_t s = blob_src(c, i);
    if (c->plan[i]) FORWARD_IF_ERROR(accel__img_resize_rows(c->plan[i], &c->in[i], &s, r0, r1));
    float *out = c->out + i * 3 * (size_t)c->width * (size_t)c->height;
    accel__img_blob_rows(&s, c->mean, c->scale, c->swap, out, r0, r1);
    return ACCEL_OK;
}

static accel_status blob_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_blob_call *c = call;
    c->b.dev = dev;
    for (size_t i = begin; i < end; i++) {
        if (c->b.st[i] != ACCEL_OK || c->tmp[i]) continue;
        if (c->in[i].w == c->width && c->in[i].h == c->height) continue;
        /* the plan may be there already, made by a device run this call fell back from */
        accel_status st = c->plan[i] ? ACCEL_OK
                                     : accel__img_resize_plan(c->in[i].w, c->in[i].h, c->width,
                                                              c->height, c->in[i].c, IMG_LINEAR,
                                                              &c->plan[i]);
        if (st == ACCEL_OK) {
            c->tmp[i] = accel__img_alloc((size_t)c->width * (size_t)c->height * (size_t)c->in[i].c);
            if (!c->tmp[i])
                st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "image %zu: out of memory for its %d×%d "
                                 "resized copy", i, c->width, c->height);
        }
        if (st != ACCEL_OK) accel__img_item_fail(&c->b, i, st, accel__last_error_text());
    }
    return accel__img_run_bands(&c->b, c, begin, end, blob_rows, 32, blob_band);
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_blob = {
    .name = "image_blob",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = blob_run,
    .run_device = accel__img_blob_run_device,
    .kernels = accel__img_blob_kernels,
};

accel_status accel_blob_params_preset(const char *name, accel_blob_params *p)
{
    RETURN_ERROR_IF(!p, ACCEL_ERR_INVALID_ARG, "accel_blob_params_preset: NULL params");
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->mean[0] = p->mean[1] = p->mean[2] = 127.5f;
    p->swap_rb = 1;
    if (name && strcmp(name, "scrfd") == 0) {
        p->width = p->height = 640;
        p->scale = 1.0 / 128;
    } else if (name && strcmp(name, "arcface") == 0) {
        p->width = p->height = 112;
        p->scale = 1.0 / 127.5;
    } else {
        return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "blob preset '%s' (allowed: scrfd, arcface)",
                           name ? name : "(null)");
    }
    return ACCEL_OK;
}

accel_status accel__img_blob_prepare(img_blob_call *c, const accel_blob_params *p,
                                     const accel_image *in, size_t n, float *out)
{
    memset(c, 0, sizeof *c);
    RETURN_ERROR_IF(!p || !out, ACCEL_ERR_INVALID_ARG, "image_blob: NULL argument");
    RETURN_ERROR_IF(p->struct_size < offsetof(accel_blob_params, swap_rb) + sizeof p->swap_rb,
                    ACCEL_ERR_INVALID_ARG, "image_blob: params.struct_size %zu is too small",
                    p->struct_size);
    RETURN_ERROR_IF(p->width < 1 || p->height < 1, ACCEL_ERR_INVALID_ARG,
                    "image_blob: blob size %d×%d (both must be at least 1)", p->width, p->height);
    RETURN_ERROR_IF(!isfinite(p->scale) || !isfinite(p->mean[0]) || !isfinite(p->mean[1]) ||
                        !isfinite(p->mean[2]),
                    ACCEL_ERR_INVALID_ARG, "image_blob: scale and mean must be finite numbers");
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "image_blob", n));
    c->width = p->width, c->height = p->height;
    memcpy(c->mean, p->mean, sizeof c->mean);
    c->scale = (float)p->scale;
    c->swap = p->swap_rb != 0;
    c->out = out;
    c->in = calloc(n, sizeof *c->in);
    c->tmp = calloc(n, sizeof *c->tmp);
    c->plan = calloc(n, sizeof *c->plan);
    RETURN_ERROR_IF(!c->in || !c->tmp || !c->plan, ACCEL_ERR_NO_MEMORY, "image_blob: out of memory");
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", in, 0x18u, c->in));
    for (size_t i = 0; i < n; i++) {
        if (c->b.st[i] != ACCEL_OK) continue;
        int64_t bytes = accel__img_blob_dev_bytes(c, i);
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    return ACCEL_OK;
}

void accel__img_blob_release(img_blob_call *c)
{
    for (size_t i = 0; c->plan && i < c->b.n; i++) accel__img_resize_plan_free(c->plan[i]);
    for (size_t i = 0; c->tmp && i < c->b.n; i++) free(c->tmp[i]);
    accel__img_batch_free(&c->b), free(c->plan), free(c->tmp), free(c->in);
    memset(c, 0, sizeof *c);
}

accel_status accel_image_blob(accel_ctx *ctx, const accel_blob_params *p, const accel_image *in,
                              size_t n, float *out, accel_status *status, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "image_blob: NULL context");
    img_blob_call c;
    accel_status st = accel__img_blob_prepare(&c, p, in, n, out);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_blob, &c, rec);
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_blob_release(&c);
    return st;
}
