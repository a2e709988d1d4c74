/* dev.c — submissions, copies and launches shared by the image operations' device code
 * (dev.h). Everything goes through the counting handle of core/devcall.h. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

#define IMGDEV_HOST_ROWS 16 /* rows of the launch on a host-CPU device */

int64_t accel__imgdev_src_bytes(const img_t *v)
{
    return (int64_t)(v->h - 1) * (int64_t)v->stride + (int64_t)v->w * v->c;
}

int64_t accel__imgdev_fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (int64_t)u;
}

accel_status accel__imgdev_begin(imgdev *s, accel__devq *q, const img_batch *b, const void *call,
                                 size_t begin, size_t end, imgdev_bytes_fn bytes, size_t *next)
{
    memset(s, 0, sizeof *s);
    s->q = q;
    s->info = accel__devq_info(q);
    const int64_t cap = s->info->max_alloc > 0 ? s->info->max_alloc : INT64_MAX;
    int64_t tot[IMGDEV_BUFS] = {0};
    size_t i = begin, n = 0;
    for (; i < end && n < IMGDEV_MAX_IMAGES; i++) {
        if (b->st[i] != ACCEL_OK) continue;
        int64_t by[IMGDEV_BUFS] = {0};
        bytes(call, i, by);
        int fits = 1;
        for (int k = 0; k < IMGDEV_BUFS; k++) {
            RETURN_ERROR_IF(by[k] > cap, ACCEL_ERR_DEVICE_OOM,
                            "%s: image %zu needs a device buffer of %lld bytes; %s allocates at "
                            "most %lld at once", b->op, i, (long long)by[k], s->info->name,
                            (long long)cap);
            if (tot[k] + by[k] > cap) fits = 0;
        }
        if (!fits) break;
        for (int k = 0; k < IMGDEV_BUFS; k++) tot[k] += by[k];
        n++;
    }
    *next = i;
    s->item = malloc((n ? n : 1) * sizeof *s->item);
    s->desc = calloc((n ? n : 1) * IMGD_N, sizeof *s->desc);
    if (!s->item || !s->desc) {
        accel__imgdev_end(s);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "%s: out of host memory for %zu descriptors",
                           b->op, n);
    }
    for (size_t k = begin; k < i; k++)
        if (b->st[k] == ACCEL_OK) s->item[s->n++] = k;
    return ACCEL_OK;
}

void accel__imgdev_end(imgdev *s)
{
    if (s->q && s->b_desc) accel__devq_free(s->q, s->b_desc);
    free(s->item);
    free(s->desc);
    memset(s, 0, sizeof *s);
}

void accel__imgdev_src(imgdev *s, size_t k, const img_t *v, int64_t *off)
{
    int64_t *d = s->desc + k * IMGD_N;
    d[IMGD_IN_OFF] = *off;
    d[IMGD_IN_STRIDE] = (int64_t)v->stride;
    d[IMGD_IN_W] = v->w;
    d[IMGD_IN_H] = v->h;
    d[IMGD_IN_C] = v->c;
    d[IMGD_FLAGS] = v->rgb ? 1 : 0;
    *off += accel__imgdev_src_bytes(v);
}

accel_status accel__imgdev_alloc(imgdev *s, int64_t bytes, accel__buffer **b)
{
    return accel__devq_alloc(s->q, (size_t)(bytes > 4 ? bytes : 4), b);
}

accel_status accel__imgdev_upload(imgdev *s, accel__buffer *buf, int64_t off, const img_t *v)
{
    return accel__devq_copy_h2d(s->q, buf, (size_t)off, v->p, (size_t)accel__imgdev_src_bytes(v));
}

accel_status accel__imgdev_upload_desc(imgdev *s)
{
    const size_t bytes = s->n * (size_t)IMGD_BYTES;
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, (int64_t)bytes, &s->b_desc));
    return accel__devq_copy_h2d(s->q, s->b_desc, 0, s->desc, bytes);
}

accel_status accel__imgdev_upload_new(imgdev *s, const void *host, int64_t bytes,
                                      accel__buffer **b)
{
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, bytes, b));
    return bytes > 0 ? accel__devq_copy_h2d(s->q, *b, 0, host, (size_t)bytes) : ACCEL_OK;
}

accel_status accel__imgdev_download_rows(imgdev *s, accel__buffer *buf, void *host, size_t per)
{
    for (size_t k = 0; k < s->n;) {
        size_t e = k + 1;
        while (e < s->n && s->item[e] == s->item[e - 1] + 1) e++;
        FORWARD_IF_ERROR(accel__devq_copy_d2h(s->q, (char *)host + s->item[k] * per, buf, k * per,
                                              (e - k) * per));
        k = e;
    }
    return ACCEL_OK;
}

accel_status accel__imgdev_pixels(imgdev *s, accel__kernel *k, const accel__arg *args, int n_args)
{
    if (s->n == 0 || s->max_w <= 0 || s->max_h <= 0) return ACCEL_OK;
    accel__launch g;
    memset(&g, 0, sizeof g);
    g.dims = 3;
    g.global[0] = (size_t)s->max_w;
    /* taller images' rows are walked in a loop; on a device that computes on the host's own
     * cores (PoCL) each item walks many rows: it pays per item, not per pixel */
    int rows = s->info->host_cpu ? IMGDEV_HOST_ROWS : 65535;
    g.global[1] = (size_t)(s->max_h < rows ? s->max_h : rows);
    g.global[2] = s->n;
    /* rows of 64 items: what a GPU would be given anyway, and on a device that runs work-groups
     * as loops on the host's cores (PoCL) far fewer, vectorised groups than it picks itself */
    g.local[0] = 64;
    g.local[1] = g.local[2] = 1;
    return accel__devq_launch(s->q, k, &g, args, n_args);
}

accel_status accel__imgdev_groups(imgdev *s, accel__kernel *k, int groups, const accel__arg *args,
                                  int n_args)
{
    if (s->n == 0 || groups <= 0) return ACCEL_OK;
    accel__launch g;
    memset(&g, 0, sizeof g);
    g.dims = 2;
    g.global[0] = (size_t)IMGDEV_WG * (size_t)groups;
    g.global[1] = s->n;
    g.global[2] = 1;
    g.local[0] = IMGDEV_WG;
    g.local[1] = 1;
    g.local[2] = 1;
    return accel__devq_launch(s->q, k, &g, args, n_args);
}

accel_status accel__imgdev_download(imgdev *s, accel__buffer *buf, int64_t off, const img_t *dst)
{
    const size_t row = (size_t)dst->w * (size_t)dst->c, bytes = row * (size_t)dst->h;
    if (dst->stride == row) return accel__devq_copy_d2h(s->q, dst->p, buf, (size_t)off, bytes);
    /* a padded destination: its padding is the caller's, so the rows go one by one */
    uint8_t *tmp = malloc(bytes ? bytes : 1);
    RETURN_ERROR_IF(!tmp, ACCEL_ERR_NO_MEMORY, "out of host memory for %zu bytes", bytes);
    accel_status st = accel__devq_copy_d2h(s->q, tmp, buf, (size_t)off, bytes);
    for (int y = 0; st == ACCEL_OK && y < dst->h; y++)
        memcpy(dst->p + (size_t)y * dst->stride, tmp + (size_t)y * row, row);
    free(tmp);
    return st;
}
