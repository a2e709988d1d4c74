/* dev_warp.c — run_device of image_warp and arcface_align (ak_img_warp, and ak_img_blob for
 * ArcFace's blob) on the counting handle. The matrices are the call's (arcface_align's come
 * from the landmarks in prepare, on the host, in double); the host turns each into the warp's
 * fixed-point row and column terms (accel__img_warp_tables: the integers the CPU rows use),
 * so the device needs no double precision. One launch warps every face of a submission; the
 * blob launch reads the crops where they are, on the device. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

const char *const accel__img_warp_kernels[] = {"ak_img_warp", NULL};
const char *const accel__img_align_kernels[] = {"ak_img_warp", "ak_img_blob", NULL};

static void align_bytes(const void *call, size_t i, int64_t by[IMGDEV_BUFS])
{
    const img_align_call *c = call;
    const img_t *v = &c->in[i], *o = &c->crop[i];
    by[0] = accel__imgdev_src_bytes(v);
    by[1] = (int64_t)o->w * o->h * o->c;
    by[2] = (int64_t)2 * (o->w + o->h) * 4;
    by[3] = (c->blob ? 2 : 1) * IMGD_BYTES;
    by[4] = c->blob ? (int64_t)3 * o->w * o->h * 4 : 0;
}

int64_t accel__img_align_dev_bytes(const img_align_call *c, size_t i)
{
    int64_t by[IMGDEV_BUFS] = {0};
    align_bytes(c, i, by);
    return by[0] + by[1] + by[2] + by[3] + by[4];
}

/* ArcFace's blob of the crops already on the device: 127.5, 1/127.5, R, G, B. */
static accel_status crop_blobs(imgdev *s, img_align_call *c, accel__kernel *kb, accel__buffer *crops)
{
    const int size = c->size;
    const size_t per = (size_t)3 * size * size;
    int64_t *d2 = calloc(s->n * IMGD_N, sizeof *d2);
    RETURN_ERROR_IF(!d2, ACCEL_ERR_NO_MEMORY, "arcface_align: out of host memory");
    for (size_t j = 0; j < s->n; j++) {
        const int64_t *d = s->desc + j * IMGD_N;
        int64_t *e = d2 + j * IMGD_N;
        const img_t *o = &c->crop[s->item[j]];
        e[IMGD_IN_OFF] = d[IMGD_OUT_OFF];
        e[IMGD_IN_STRIDE] = (int64_t)o->w * o->c;
        e[IMGD_IN_W] = o->w, e[IMGD_IN_H] = o->h, e[IMGD_IN_C] = o->c;
        e[IMGD_FLAGS] = !o->rgb; /* the blob is R, G, B whatever the crop's order */
        e[IMGD_OUT_OFF] = (int64_t)(j * per);
        e[IMGD_OUT_W] = size, e[IMGD_OUT_H] = size, e[IMGD_OUT_C] = 3;
        e[IMGD_MODE] = 1;
    }
    accel__buffer *bd2 = NULL, *blob = NULL;
    accel_status st = accel__imgdev_upload_new(s, d2, (int64_t)s->n * IMGD_BYTES, &bd2);
    free(d2);
    FORWARD_IF_ERROR(st);
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, (int64_t)(s->n * per * 4), &blob));
    s->max_w = s->max_h = size;
    const float scale = (float)(1.0 / 127.5);
    accel__arg a[] = {imgdev_abuf(blob), imgdev_abuf(crops), imgdev_abuf(bd2), imgdev_ai32((int)s->n),
                      imgdev_af32(127.5f), imgdev_af32(127.5f), imgdev_af32(127.5f), imgdev_af32(scale)};
    FORWARD_IF_ERROR(accel__imgdev_pixels(s, kb, a, 8));
    FORWARD_IF_ERROR(accel__imgdev_download_rows(s, blob, c->blob, per * 4));
    accel__devq_free(s->q, blob);
    accel__devq_free(s->q, bd2);
    return ACCEL_OK;
}

static accel_status align_sub(imgdev *s, img_align_call *c, accel__kernel *kw, accel__kernel *kb)
{
    int64_t in_off = 0, out_off = 0, tab_off = 0;
    for (size_t j = 0; j < s->n; j++) {
        const img_t *v = &c->in[s->item[j]], *o = &c->crop[s->item[j]];
        int64_t *d = s->desc + j * IMGD_N;
        accel__imgdev_src(s, j, v, &in_off);
        d[IMGD_OUT_OFF] = out_off;
        d[IMGD_OUT_W] = o->w, d[IMGD_OUT_H] = o->h, d[IMGD_OUT_C] = o->c;
        d[IMGD_TAB_OFF] = tab_off;
        d[IMGD_MODE] = 1;
        out_off += (int64_t)o->w * o->h * o->c;
        tab_off += (int64_t)2 * (o->w + o->h);
        if (o->w > s->max_w) s->max_w = o->w;
        if (o->h > s->max_h) s->max_h = o->h;
    }
    int32_t *tab = malloc(((size_t)tab_off + 1) * sizeof *tab);
    RETURN_ERROR_IF(!tab, ACCEL_ERR_NO_MEMORY, "%s: out of host memory", c->b.op);
    for (size_t j = 0; j < s->n; j++) {
        const img_t *o = &c->crop[s->item[j]];
        accel__img_warp_tables(c->M[s->item[j]], o->w, o->h, tab + s->desc[j * IMGD_N + IMGD_TAB_OFF]);
    }
    accel__buffer *src = NULL, *out = NULL, *btab = NULL;
    accel_status st = accel__imgdev_upload_new(s, tab, tab_off * 4, &btab);
    free(tab);
    FORWARD_IF_ERROR(st);
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, in_off, &src));
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, out_off, &out));
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(accel__imgdev_upload(s, src, s->desc[j * IMGD_N + IMGD_IN_OFF], &c->in[s->item[j]]));
    FORWARD_IF_ERROR(accel__imgdev_upload_desc(s));
    accel__arg a[] = {imgdev_abuf(out), imgdev_abuf(src), imgdev_abuf(btab), imgdev_abuf(s->b_desc),
                      imgdev_ai32((int)s->n)};
    FORWARD_IF_ERROR(accel__imgdev_pixels(s, kw, a, 5));
    accel__devq_free(s->q, src);
    accel__devq_free(s->q, btab);
    if (c->blob) FORWARD_IF_ERROR(crop_blobs(s, c, kb, out));
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(accel__imgdev_download(s, out, s->desc[j * IMGD_N + IMGD_OUT_OFF],
                                                &c->crop[s->item[j]]));
    accel__devq_free(s->q, out);
    return ACCEL_OK;
}

accel_status accel__img_align_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    img_align_call *c = call;
    accel__kernel *kw = NULL, *kb = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_warp", &kw));
    if (c->blob) FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_blob", &kb));
    for (size_t i = begin; i < end;) {
        imgdev s;
        size_t next;
        FORWARD_IF_ERROR(accel__imgdev_begin(&s, q, &c->b, c, i, end, align_bytes, &next));
        accel_status st = s.n ? align_sub(&s, c, kw, kb) : ACCEL_OK;
        accel__imgdev_end(&s);
        FORWARD_IF_ERROR(st);
        i = next;
    }
    return ACCEL_OK;
}
