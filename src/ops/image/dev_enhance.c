/* dev_enhance.c — run_device of image_enhance (ak_img_resize, ak_img_clahe_lut,
 * ak_img_clahe_apply) on the counting handle. Per submission: the images that are upscaled go
 * up as sources and are resized into the output buffer (the CPU's own plan, as tables); the
 * others go up straight into it. Then one work-group per CLAHE tile of every image makes the
 * tile's table (its histogram in local memory), and one launch applies the tables in place,
 * turning each colour pixel to YCrCb and back as the CPU does. The outputs come back once. */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

const char *const accel__img_enhance_kernels[] = {"ak_img_resize", "ak_img_clahe_lut",
                                                  "ak_img_clahe_apply", NULL};

static int resized(const img_enhance_call *c, size_t i)
{
    return c->out[i].w != c->in[i].w || c->out[i].h != c->in[i].h;
}

static int with_clahe(const img_enhance_call *c) { return c->p.clip_limit > 0; }

static void enhance_bytes(const void *call, size_t i, int64_t by[IMGDEV_BUFS])
{
    const img_enhance_call *c = call;
    const img_t *v = &c->in[i], *o = &c->out[i];
    int r = resized(c, i);
    by[0] = r ? accel__imgdev_src_bytes(v) : 0;
    by[1] = (int64_t)o->w * o->h * o->c;
    by[2] = r ? (int64_t)accel__img_resize_tab_ints(v->w, v->h, o->w, o->h) * 4 : 0;
    by[3] = with_clahe(c) ? (int64_t)c->p.tiles_x * c->p.tiles_y * 256 : 0;
    by[4] = 2 * IMGD_BYTES;
}

int64_t accel__img_enhance_dev_bytes(const img_enhance_call *c, size_t i)
{
    int64_t by[IMGDEV_BUFS] = {0};
    enhance_bytes(c, i, by);
    return by[0] + by[1] + by[2] + by[3] + by[4];
}

/* An image that is not resized goes straight into its place in the output buffer (packed). */
static accel_status upload_packed(imgdev *s, accel__buffer *buf, int64_t off, const img_t *v)
{
    const size_t row = (size_t)v->w * (size_t)v->c;
    if (v->stride == row) return accel__imgdev_upload(s, buf, off, v);
    for (int y = 0; y < v->h; y++)
        FORWARD_IF_ERROR(accel__devq_copy_h2d(s->q, buf, (size_t)off + (size_t)y * row,
                                              v->p + (size_t)y * v->stride, row));
    return ACCEL_OK;
}

/* The resize descriptors (s->desc) and tables of the upscaled images. */
static accel_status resize_tables(imgdev *s, img_enhance_call *c, int32_t **tab_out, int64_t *ints,
                                  int64_t *src_bytes)
{
    int64_t src_off = 0, tab_off = 0, out_off = 0;
    for (size_t j = 0; j < s->n; j++) {
        size_t i = s->item[j];
        const img_t *v = &c->in[i], *o = &c->out[i];
        int64_t *d = s->desc + j * IMGD_N;
        if (resized(c, i)) {
            accel__imgdev_src(s, j, v, &src_off);
            d[IMGD_OUT_OFF] = out_off;
            d[IMGD_OUT_W] = o->w, d[IMGD_OUT_H] = o->h, d[IMGD_OUT_C] = o->c;
            d[IMGD_TAB_OFF] = tab_off;
            tab_off += (int64_t)accel__img_resize_tab_ints(v->w, v->h, o->w, o->h);
        }
        d[IMGD_P0 + 7] = out_off; /* where the image lies in the output buffer (for uploads) */
        out_off += (int64_t)o->w * o->h * o->c;
    }
    int32_t *tab = calloc((size_t)tab_off + 1, sizeof *tab);
    RETURN_ERROR_IF(!tab, ACCEL_ERR_NO_MEMORY, "image_enhance: out of host memory for tables");
    for (size_t j = 0; j < s->n; j++) {
        size_t i = s->item[j];
        if (!resized(c, i)) continue;
        const img_t *v = &c->in[i], *o = &c->out[i];
        img_resize_plan *p = NULL;
        accel_status st = accel__img_resize_plan(v->w, v->h, o->w, o->h, v->c, IMG_LINEAR, &p);
        if (st != ACCEL_OK) {
            free(tab);
            return st;
        }
        int64_t *d = s->desc + j * IMGD_N;
        int prm[3];
        d[IMGD_MODE] = accel__img_resize_tables(p, tab + d[IMGD_TAB_OFF], prm);
        for (int k = 0; k < 3; k++) d[IMGD_P0 + k] = prm[k];
        accel__img_resize_plan_free(p);
        if (o->w > s->max_w) s->max_w = o->w;
        if (o->h > s->max_h) s->max_h = o->h;
    }
    *tab_out = tab;
    *ints = tab_off;
    *src_bytes = src_off;
    return ACCEL_OK;
}

/* The CLAHE descriptors: the output image, its grid, clip and tables. */
static int64_t *clahe_desc(imgdev *s, img_enhance_call *c, int64_t *lut_bytes)
{
    int64_t *e = calloc(s->n * IMGD_N, sizeof *e);
    if (!e) return NULL;
    int64_t lut_off = 0;
    for (size_t j = 0; j < s->n; j++) {
        const img_t *o = &c->out[s->item[j]];
        int64_t *d = e + j * IMGD_N;
        img_clahe cl;
        accel__img_clahe_geometry(o->w, o->h, c->p.clip_limit, c->p.tiles_x, c->p.tiles_y, &cl);
        d[IMGD_OUT_OFF] = s->desc[j * IMGD_N + IMGD_P0 + 7];
        d[IMGD_OUT_W] = o->w, d[IMGD_OUT_H] = o->h, d[IMGD_OUT_C] = o->c;
        d[IMGD_FLAGS] = o->rgb ? 1 : 0;
        d[IMGD_MODE] = 1;
        d[IMGD_TAB_OFF] = lut_off;
        d[IMGD_P0] = cl.tx, d[IMGD_P0 + 1] = cl.ty;
        d[IMGD_P0 + 2] = cl.tw, d[IMGD_P0 + 3] = cl.th;
        d[IMGD_P0 + 4] = cl.clip;
        d[IMGD_P0 + 5] = accel__imgdev_fbits(cl.lut_scale);
        d[IMGD_P0 + 6] = accel__imgdev_fbits(1.0f / (float)cl.tw); /* as clahe.c computes them */
        d[IMGD_P0 + 7] = accel__imgdev_fbits(1.0f / (float)cl.th);
        lut_off += (int64_t)cl.tx * cl.ty * 256;
    }
    *lut_bytes = lut_off;
    return e;
}

static accel_status enhance_sub(imgdev *s, img_enhance_call *c, accel__kernel *const k[3])
{
    int32_t *tab = NULL;
    int64_t ints = 0, src_bytes = 0, out_bytes = 0, lut_bytes = 0;
    FORWARD_IF_ERROR(resize_tables(s, c, &tab, &ints, &src_bytes));
    int64_t *e = with_clahe(c) ? clahe_desc(s, c, &lut_bytes) : NULL;
    accel__buffer *src = NULL, *out = NULL, *btab = NULL, *lut = NULL, *be = NULL;
    accel_status st = with_clahe(c) && !e ? ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "image_enhance: out of host memory")
                                         : ACCEL_OK;
    if (st == ACCEL_OK && ints) st = accel__imgdev_upload_new(s, tab, ints * 4, &btab);
    if (st == ACCEL_OK && e) st = accel__imgdev_upload_new(s, e, (int64_t)s->n * IMGD_BYTES, &be);
    free(tab);
    free(e);
    FORWARD_IF_ERROR(st);
    for (size_t j = 0; j < s->n; j++) {
        const img_t *o = &c->out[s->item[j]];
        out_bytes += (int64_t)o->w * o->h * o->c;
    }
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, out_bytes, &out));
    if (src_bytes) FORWARD_IF_ERROR(accel__imgdev_alloc(s, src_bytes, &src));
    for (size_t j = 0; j < s->n; j++) {
        size_t i = s->item[j];
        const int64_t *d = s->desc + j * IMGD_N;
        if (resized(c, i))
            FORWARD_IF_ERROR(accel__imgdev_upload(s, src, d[IMGD_IN_OFF], &c->in[i]));
        else
            FORWARD_IF_ERROR(upload_packed(s, out, d[IMGD_P0 + 7], &c->in[i]));
    }
    if (ints) {
        FORWARD_IF_ERROR(accel__imgdev_upload_desc(s));
        accel__arg a[] = {imgdev_abuf(out), imgdev_abuf(src), imgdev_abuf(btab),
                          imgdev_abuf(s->b_desc), imgdev_ai32((int)s->n)};
        FORWARD_IF_ERROR(accel__imgdev_pixels(s, k[0], a, 5));
    }
    if (be) {
        FORWARD_IF_ERROR(accel__imgdev_alloc(s, lut_bytes, &lut));
        accel__arg al[] = {imgdev_abuf(lut), imgdev_abuf(out), imgdev_abuf(be), imgdev_ai32((int)s->n)};
        FORWARD_IF_ERROR(accel__imgdev_groups(s, k[1], c->p.tiles_x * c->p.tiles_y, al, 4));
        s->max_w = s->max_h = 0;
        for (size_t j = 0; j < s->n; j++) {
            const img_t *o = &c->out[s->item[j]];
            if (o->w > s->max_w) s->max_w = o->w;
            if (o->h > s->max_h) s->max_h = o->h;
        }
        accel__arg aa[] = {imgdev_abuf(out), imgdev_abuf(lut), imgdev_abuf(be), imgdev_ai32((int)s->n)};
        FORWARD_IF_ERROR(accel__imgdev_pixels(s, k[2], aa, 4));
    }
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(accel__imgdev_download(s, out, s->desc[j * IMGD_N + IMGD_P0 + 7],
                                                &c->out[s->item[j]]));
    accel__devq_free(s->q, src);
    accel__devq_free(s->q, out);
    accel__devq_free(s->q, btab);
    accel__devq_free(s->q, lut);
    accel__devq_free(s->q, be);
    return ACCEL_OK;
}

accel_status accel__img_enhance_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    img_enhance_call *c = call;
    accel__kernel *k[3] = {NULL, NULL, NULL};
    for (int j = 0; j < 3; j++) FORWARD_IF_ERROR(accel__devq_kernel(q, accel__img_enhance_kernels[j], &k[j]));
    for (size_t i = begin; i < end;) {
        imgdev s;
        size_t next;
        FORWARD_IF_ERROR(accel__imgdev_begin(&s, q, &c->b, c, i, end, enhance_bytes, &next));
        accel_status st = s.n ? enhance_sub(&s, c, k) : ACCEL_OK;
        accel__imgdev_end(&s);
        FORWARD_IF_ERROR(st);
        i = next;
    }
    return ACCEL_OK;
}
