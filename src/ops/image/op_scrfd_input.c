/* op_scrfd_input.c — the operation "scrfd_input" and accel_scrfd_input(): SCRFD.detect()'s
 * letterbox (scrfd.c) and blobFromImage(1/128, mean 127.5, swapRB) in one pass per band of
 * blob rows. The zero canvas never exists: its pixels become the constant (0 − 127.5) / 128. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

#define SCRFD_MEAN 127.5f
#define SCRFD_SCALE (1.0f / 128.0f)

static int in_rows(void *call, size_t i) { return ((img_scrfd_in_call *)call)->ih; }

accel_status accel__img_scrfd_in_band(img_scrfd_in_call *c, size_t i, int r0, int r1)
{
    const img_t *src = &c->in[i];
    const int nw = c->nw[i], nh = c->nh[i], iw = c->iw, cn = src->c;
    img_t s = *src;
    if (c->tmp[i]) {
        s.p = c->tmp[i];
        s.w = nw, s.h = nh, s.stride = (size_t)nw * (size_t)cn;
    }
    int rr = r1 < nh ? r1 : nh;
    if (c->plan[i] && r0 < rr) FORWARD_IF_ERROR(accel__img_resize_rows(c->plan[i], src, &s, r0, rr));
    const size_t plane = (size_t)iw * (size_t)c->ih;
    float *blob = c->blob + i * 3 * plane;
    const float pad = (0.0f - SCRFD_MEAN) * SCRFD_SCALE;
    for (int k = 0; k < 3; k++) {
        const int ch = 2 - k; /* swapRB: the blob is R, G, B of a B, G, R image */
        const int sch = s.rgb ? 2 - ch : ch;
        for (int y = r0; y < r1; y++) {
            float *o = blob + (size_t)k * plane + (size_t)y * (size_t)iw;
            int x = 0;
            if (y < nh) {
                const uint8_t *p = s.p + (size_t)y * s.stride + sch;
                for (; x < nw; x++) o[x] = ((float)p[(size_t)x * (size_t)cn] - SCRFD_MEAN) * SCRFD_SCALE;
            }
            for (; x < iw; x++) o[x] = pad;
        }
    }
    return ACCEL_OK;
}

static accel_status in_band(void *call, size_t i, int r0, int r1)
{
    return accel__img_scrfd_in_band(call, i, r0, r1);
}

void accel__img_scrfd_in_setup(img_scrfd_in_call *c, size_t i)
{
    if (c->b.st[i] != ACCEL_OK || c->tmp[i]) return;
    if (c->in[i].w == c->nw[i] && c->in[i].h == c->nh[i]) return;
    /* the plan may be there already, made by a device run this call fell back from */
    accel_status st = c->plan[i] ? ACCEL_OK
                                 : accel__img_resize_plan(c->in[i].w, c->in[i].h, c->nw[i],
                                                          c->nh[i], c->in[i].c, IMG_LINEAR,
                                                          &c->plan[i]);
    if (st == ACCEL_OK) {
        c->tmp[i] = accel__img_alloc((size_t)c->nw[i] * (size_t)c->nh[i] * (size_t)c->in[i].c);
        if (!c->tmp[i])
            st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "image %zu: out of memory for its %d×%d "
                             "resized copy", i, c->nw[i], c->nh[i]);
    }
    if (st != ACCEL_OK) accel__img_item_fail(&c->b, i, st, accel__last_error_text());
}

int accel__img_scrfd_in_src_rows(const img_scrfd_in_call *c, size_t i, int r1)
{
    if (r1 > c->nh[i]) r1 = c->nh[i]; /* the rows below are the canvas */
    if (r1 <= 0) return 0;
    return c->plan[i] ? accel__img_resize_src_rows(c->plan[i], r1) : r1;
}

static accel_status in_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_scrfd_in_call *c = call;
    c->b.dev = dev;
    for (size_t i = begin; i < end; i++) accel__img_scrfd_in_setup(c, i);
    return accel__img_run_bands(&c->b, c, begin, end, in_rows, 32, in_band);
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_scrfd_input = {
    .name = "scrfd_input",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = in_run,
    .run_device = accel__img_scrfd_in_run_device,
    .kernels = accel__img_blob_kernels,
};

accel_status accel__img_scrfd_in_prepare(img_scrfd_in_call *c, const accel_image *in, size_t n,
                                         int input_width, int input_height, float *blob,
                                         double *det_scale)
{
    memset(c, 0, sizeof *c);
    RETURN_ERROR_IF(!blob, ACCEL_ERR_INVALID_ARG, "scrfd_input: NULL blob");
    RETURN_ERROR_IF(input_width < 1 || input_height < 1, ACCEL_ERR_INVALID_ARG,
                    "scrfd_input: input size %d×%d (both must be at least 1; SCRFD uses 640×640)",
                    input_width, input_height);
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "scrfd_input", n));
    c->iw = input_width, c->ih = input_height;
    c->blob = blob;
    c->in = calloc(n, sizeof *c->in);
    c->nw = calloc(n, sizeof *c->nw);
    c->nh = calloc(n, sizeof *c->nh);
    c->tmp = calloc(n, sizeof *c->tmp);
    c->plan = calloc(n, sizeof *c->plan);
    RETURN_ERROR_IF(!c->in || !c->nw || !c->nh || !c->tmp || !c->plan, ACCEL_ERR_NO_MEMORY,
                    "scrfd_input: out of memory");
    FORWARD_IF_ERROR(accel__img_batch_views(&c->b, "input", in, 0x18u, c->in));
    for (size_t i = 0; i < n; i++) {
        double ds = 0;
        if (c->b.st[i] == ACCEL_OK) {
            accel__scrfd_letterbox(c->in[i].w, c->in[i].h, input_width, input_height, &c->nw[i],
                                   &c->nh[i], &ds);
            if (c->nw[i] < 1 || c->nh[i] < 1)
                accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                      "image %zu: %d×%d is too elongated for a %d×%d input "
                                      "(it would be resized to %d×%d)", i, c->in[i].w, c->in[i].h,
                                      input_width, input_height, c->nw[i], c->nh[i]);
        }
        if (det_scale) det_scale[i] = ds;
        if (c->b.st[i] != ACCEL_OK) continue;
        int64_t bytes = accel__img_scrfd_in_dev_bytes(c, i);
        if (bytes > c->b.item_bytes) c->b.item_bytes = bytes;
    }
    return ACCEL_OK;
}

void accel__img_scrfd_in_release(img_scrfd_in_call *c)
{
    for (size_t i = 0; c->plan && i < c->b.n; i++) accel__img_resize_plan_free(c->plan[i]);
    for (size_t i = 0; c->tmp && i < c->b.n; i++) free(c->tmp[i]);
    accel__img_batch_free(&c->b), free(c->plan), free(c->tmp), free(c->nw), free(c->nh), free(c->in);
    memset(c, 0, sizeof *c);
}

accel_status accel_scrfd_input(accel_ctx *ctx, const accel_image *in, size_t n, int input_width,
                               int input_height, float *blob, double *det_scale,
                               accel_status *status, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "scrfd_input: NULL context");
    img_scrfd_in_call c;
    accel_status st = accel__img_scrfd_in_prepare(&c, in, n, input_width, input_height, blob,
                                                  det_scale);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_scrfd_input, &c, rec);
    if (c.b.st) st = accel__img_batch_end(&c.b, st, status);
    accel__img_scrfd_in_release(&c);
    return st;
}
