/* dev_gray.c — run_device of image_gray and image_quality (ak_img_gray, ak_img_quality of
 * src/kernels/image.kern) on the counting handle.
 *
 * Gray: the sources up, one launch over the submission's images, the gray images down.
 * Quality: the sources up, their gray images made on the device (ak_img_gray), then one work-
 * group per band of QROWS rows adds the exact integer sums of the band (ak_img_quality); the
 * host adds the bands' partials (64-bit integers: the totals are the CPU's whatever the
 * split) and computes the measures with the CPU's own code (quality.c). Only 40 bytes per
 * band come back, not the pixels. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

#define QROWS 16 /* rows per work-group of ak_img_quality */

const char *const accel__img_gray_kernels[] = {"ak_img_gray", NULL};
const char *const accel__img_quality_kernels[] = {"ak_img_gray", "ak_img_quality", NULL};

/* ---- gray ---- */

static void gray_bytes(const void *call, size_t i, int64_t by[IMGDEV_BUFS])
{
    const img_gray_call *c = call;
    by[0] = accel__imgdev_src_bytes(&c->in[i]);
    by[1] = (int64_t)c->in[i].w * c->in[i].h;
    by[2] = IMGD_BYTES;
}

int64_t accel__img_gray_dev_bytes(const img_gray_call *c, size_t i)
{
    int64_t by[IMGDEV_BUFS] = {0};
    gray_bytes(c, i, by);
    return by[0] + by[1] + by[2];
}

/* The gray images of the submission's sources into a new buffer (packed, at OUT_OFF). */
static accel_status make_gray(imgdev *s, const img_t *in, accel__buffer **src, accel__buffer **gray)
{
    int64_t in_off = 0, out_off = 0;
    for (size_t j = 0; j < s->n; j++) {
        const img_t *v = &in[s->item[j]];
        int64_t *d = s->desc + j * IMGD_N;
        accel__imgdev_src(s, j, v, &in_off);
        d[IMGD_OUT_OFF] = out_off;
        d[IMGD_OUT_W] = v->w, d[IMGD_OUT_H] = v->h, d[IMGD_OUT_C] = 1;
        d[IMGD_MODE] = 1;
        out_off += (int64_t)v->w * v->h;
        if (v->w > s->max_w) s->max_w = v->w;
        if (v->h > s->max_h) s->max_h = v->h;
    }
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, in_off, src));
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, out_off, gray));
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(
            accel__imgdev_upload(s, *src, s->desc[j * IMGD_N + IMGD_IN_OFF], &in[s->item[j]]));
    return ACCEL_OK;
}

static accel_status gray_sub(imgdev *s, img_gray_call *c, accel__kernel *k)
{
    accel__buffer *src = NULL, *gray = NULL;
    FORWARD_IF_ERROR(make_gray(s, c->in, &src, &gray));
    FORWARD_IF_ERROR(accel__imgdev_upload_desc(s));
    accel__arg a[] = {imgdev_abuf(gray), imgdev_abuf(src), imgdev_abuf(s->b_desc),
                      imgdev_ai32((int)s->n)};
    FORWARD_IF_ERROR(accel__imgdev_pixels(s, k, a, 4));
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(accel__imgdev_download(s, gray, s->desc[j * IMGD_N + IMGD_OUT_OFF],
                                                &c->out[s->item[j]]));
    accel__devq_free(s->q, src);
    accel__devq_free(s->q, gray);
    return ACCEL_OK;
}

accel_status accel__img_gray_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    img_gray_call *c = call;
    accel__kernel *k = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_gray", &k));
    for (size_t i = begin; i < end;) {
        imgdev s;
        size_t next;
        FORWARD_IF_ERROR(accel__imgdev_begin(&s, q, &c->b, c, i, end, gray_bytes, &next));
        accel_status st = s.n ? gray_sub(&s, c, k) : ACCEL_OK;
        accel__imgdev_end(&s);
        FORWARD_IF_ERROR(st);
        i = next;
    }
    return ACCEL_OK;
}

/* ---- quality ---- */

static int bands_of(int h) { return (h + QROWS - 1) / QROWS; }

static void quality_bytes(const void *call, size_t i, int64_t by[IMGDEV_BUFS])
{
    const img_quality_call *c = call;
    by[0] = accel__imgdev_src_bytes(&c->in[i]);
    by[1] = (int64_t)c->in[i].w * c->in[i].h;
    by[2] = (int64_t)bands_of(c->in[i].h) * 5 * 8;
    by[3] = IMGD_BYTES;
}

int64_t accel__img_quality_dev_bytes(const img_quality_call *c, size_t i)
{
    int64_t by[IMGDEV_BUFS] = {0};
    quality_bytes(c, i, by);
    return by[0] + by[1] + by[2] + by[3];
}

static accel_status quality_sub(imgdev *s, img_quality_call *c, accel__kernel *kg,
                                accel__kernel *kq)
{
    accel__buffer *src = NULL, *gray = NULL, *part = NULL;
    FORWARD_IF_ERROR(make_gray(s, c->in, &src, &gray));
    int64_t parts = 0;
    int groups = 0;
    for (size_t j = 0; j < s->n; j++) {
        int64_t *d = s->desc + j * IMGD_N;
        int nb = bands_of((int)d[IMGD_IN_H]);
        d[IMGD_TAB_OFF] = parts;
        d[IMGD_P0] = nb;
        d[IMGD_P0 + 1] = QROWS;
        parts += (int64_t)nb * 5;
        if (nb > groups) groups = nb;
    }
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, parts * 8, &part));
    FORWARD_IF_ERROR(accel__imgdev_upload_desc(s));
    accel__arg ag[] = {imgdev_abuf(gray), imgdev_abuf(src), imgdev_abuf(s->b_desc),
                       imgdev_ai32((int)s->n)};
    FORWARD_IF_ERROR(accel__imgdev_pixels(s, kg, ag, 4));
    accel__arg aq[] = {imgdev_abuf(part), imgdev_abuf(gray), imgdev_abuf(s->b_desc),
                       imgdev_ai32((int)s->n)};
    FORWARD_IF_ERROR(accel__imgdev_groups(s, kq, groups, aq, 4));
    int64_t *host = malloc((size_t)parts * sizeof *host);
    RETURN_ERROR_IF(!host, ACCEL_ERR_NO_MEMORY, "image_quality: out of host memory");
    accel_status st = accel__devq_copy_d2h(s->q, host, part, 0, (size_t)parts * sizeof *host);
    for (size_t j = 0; st == ACCEL_OK && j < s->n; j++) {
        const int64_t *d = s->desc + j * IMGD_N, *p = host + d[IMGD_TAB_OFF];
        img_qsums t = {0, 0, 0, 0, 0};
        for (int64_t b = 0; b < d[IMGD_P0]; b++, p += 5)
            t.g += p[0], t.g2 += p[1], t.l += p[2], t.l2 += p[3], t.t += p[4];
        size_t i = s->item[j];
        accel__img_quality_measures(&t, d[IMGD_IN_W] * d[IMGD_IN_H], &c->p,
                                    IMG_AT(accel_quality, c->out, c->out_elem, i));
    }
    free(host);
    accel__devq_free(s->q, src);
    accel__devq_free(s->q, gray);
    accel__devq_free(s->q, part);
    return st;
}

accel_status accel__img_quality_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    img_quality_call *c = call;
    accel__kernel *kg = NULL, *kq = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_gray", &kg));
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_quality", &kq));
    for (size_t i = begin; i < end;) {
        imgdev s;
        size_t next;
        FORWARD_IF_ERROR(accel__imgdev_begin(&s, q, &c->b, c, i, end, quality_bytes, &next));
        accel_status st = s.n ? quality_sub(&s, c, kg, kq) : ACCEL_OK;
        accel__imgdev_end(&s);
        FORWARD_IF_ERROR(st);
        i = next;
    }
    return ACCEL_OK;
}
