/* dev_resize.c — run_device of image_resize, image_blob and scrfd_input (ak_img_resize and
 * ak_img_blob of src/kernels/image.kern) on the counting handle.
 *
 * The coefficient tables are the CPU's own plan of each image (resize.c), flattened for the
 * kernel (accel__img_resize_tables), so the device computes the CPU's integers and floats.
 * Each table takes accel__img_resize_tab_ints() ints, the bound the memory formula counts.
 * Blobs: the images that need a resize are resized into the same buffer as the sources (after
 * them), then one launch turns every image of the submission into its blob planes; SCRFD's
 * letterbox is the blob kernel's padding (the canvas never exists). */
#include "dev.h"

#include <stdlib.h>
#include <string.h>

const char *const accel__img_resize_kernels[] = {"ak_img_resize", NULL};
const char *const accel__img_blob_kernels[] = {"ak_img_resize", "ak_img_blob", NULL};

/* Creates the missing plans of items [begin, end) (src → the size `size` gives, linear or
 * area); an image whose plan cannot be made fails alone. */
static void make_plans(img_batch *b, const img_t *in, img_resize_plan **plan, size_t begin,
                       size_t end, int (*size)(const void *call, size_t i, int *dw, int *dh),
                       const void *call, img_interp interp)
{
    for (size_t i = begin; i < end; i++) {
        int dw, dh;
        if (b->st[i] != ACCEL_OK || plan[i] || !size(call, i, &dw, &dh)) continue;
        accel_status st = accel__img_resize_plan(in[i].w, in[i].h, dw, dh, in[i].c, interp, &plan[i]);
        if (st != ACCEL_OK) accel__img_item_fail(b, i, st, accel__last_error_text());
    }
}

/* The table of image j of the submission: its ints at tab + TAB_OFF, mode and parameters. */
static void put_tables(int64_t *d, const img_resize_plan *p, int32_t *tab)
{
    int prm[3];
    d[IMGD_MODE] = accel__img_resize_tables(p, tab + d[IMGD_TAB_OFF], prm);
    for (int k = 0; k < 3; k++) d[IMGD_P0 + k] = prm[k];
}

static int64_t tab_bytes(int sw, int sh, int dw, int dh)
{
    return (int64_t)accel__img_resize_tab_ints(sw, sh, dw, dh) * 4;
}

/* Uploads the sources of the submission (IN_OFF of desc) to buf. */
static accel_status upload_srcs(imgdev *s, const int64_t *desc, accel__buffer *buf, const img_t *in)
{
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(accel__imgdev_upload(s, buf, desc[j * IMGD_N + IMGD_IN_OFF], &in[s->item[j]]));
    return ACCEL_OK;
}

/* ---- resize ---- */

static int resize_size(const void *call, size_t i, int *dw, int *dh)
{
    const img_resize_call *c = call;
    *dw = c->out[i].w, *dh = c->out[i].h;
    return 1;
}

static void resize_bytes(const void *call, size_t i, int64_t by[IMGDEV_BUFS])
{
    const img_resize_call *c = call;
    const img_t *v = &c->in[i], *o = &c->out[i];
    by[0] = accel__imgdev_src_bytes(v);
    by[1] = (int64_t)o->w * o->h * o->c;
    by[2] = tab_bytes(v->w, v->h, o->w, o->h);
    by[3] = IMGD_BYTES;
}

int64_t accel__img_resize_dev_bytes(const img_resize_call *c, size_t i)
{
    int64_t by[IMGDEV_BUFS] = {0};
    resize_bytes(c, i, by);
    return by[0] + by[1] + by[2] + by[3];
}

static accel_status resize_sub(imgdev *s, img_resize_call *c, accel__kernel *k)
{
    int64_t in_off = 0, out_off = 0, tab_off = 0;
    for (size_t j = 0; j < s->n; j++) {
        const img_t *v = &c->in[s->item[j]], *o = &c->out[s->item[j]];
        int64_t *d = s->desc + j * IMGD_N;
        accel__imgdev_src(s, j, v, &in_off);
        d[IMGD_OUT_OFF] = out_off;
        d[IMGD_OUT_W] = o->w, d[IMGD_OUT_H] = o->h, d[IMGD_OUT_C] = o->c;
        d[IMGD_TAB_OFF] = tab_off;
        out_off += (int64_t)o->w * o->h * o->c;
        tab_off += tab_bytes(v->w, v->h, o->w, o->h) / 4;
        if (o->w > s->max_w) s->max_w = o->w;
        if (o->h > s->max_h) s->max_h = o->h;
    }
    int32_t *tab = calloc((size_t)tab_off + 1, sizeof *tab);
    RETURN_ERROR_IF(!tab, ACCEL_ERR_NO_MEMORY, "image_resize: out of host memory for tables");
    for (size_t j = 0; j < s->n; j++) put_tables(s->desc + j * IMGD_N, c->plan[s->item[j]], tab);
    accel__buffer *src = NULL, *out = NULL, *btab = NULL;
    accel_status st = accel__imgdev_upload_new(s, tab, tab_off * 4, &btab);
    free(tab);
    FORWARD_IF_ERROR(st);
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, in_off, &src));
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, out_off, &out));
    FORWARD_IF_ERROR(upload_srcs(s, s->desc, src, c->in));
    FORWARD_IF_ERROR(accel__imgdev_upload_desc(s));
    accel__arg a[] = {imgdev_abuf(out), imgdev_abuf(src), imgdev_abuf(btab), imgdev_abuf(s->b_desc),
                      imgdev_ai32((int)s->n)};
    FORWARD_IF_ERROR(accel__imgdev_pixels(s, k, a, 5));
    for (size_t j = 0; j < s->n; j++)
        FORWARD_IF_ERROR(accel__imgdev_download(s, out, s->desc[j * IMGD_N + IMGD_OUT_OFF],
                                                &c->out[s->item[j]]));
    accel__devq_free(s->q, src);
    accel__devq_free(s->q, out);
    accel__devq_free(s->q, btab);
    return ACCEL_OK;
}

accel_status accel__img_resize_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    img_resize_call *c = call;
    accel__kernel *k = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_resize", &k));
    make_plans(&c->b, c->in, c->plan, begin, end, resize_size, c, c->interp);
    for (size_t i = begin; i < end;) {
        imgdev s;
        size_t next;
        FORWARD_IF_ERROR(accel__imgdev_begin(&s, q, &c->b, c, i, end, resize_bytes, &next));
        accel_status st = s.n ? resize_sub(&s, c, k) : ACCEL_OK;
        accel__imgdev_end(&s);
        FORWARD_IF_ERROR(st);
        i = next;
    }
    return ACCEL_OK;
}

/* ---- blobs: image_blob and scrfd_input ---- */

/* What a blob submission needs from its call. */
typedef struct blob_job {
    img_batch *b;
    const img_t *in;
    img_resize_plan **plan;
    int ow, oh;                       /* the blob's planes */
    const int *nw, *nh;               /* the image inside them (NULL: ow × oh) */
    float mean[3], scale;
    int swap;                         /* -1: !rgb of each image (SCRFD); else for all */
    float *out;
} blob_job;

static void job_size(const blob_job *j, size_t i, int *w, int *h)
{
    *w = j->nw ? j->nw[i] : j->ow;
    *h = j->nh ? j->nh[i] : j->oh;
}

static int job_resized(const blob_job *j, size_t i)
{
    int w, h;
    job_size(j, i, &w, &h);
    return j->in[i].w != w || j->in[i].h != h;
}

static void job_bytes(const blob_job *j, size_t i, int64_t by[IMGDEV_BUFS])
{
    const img_t *v = &j->in[i];
    int w, h;
    job_size(j, i, &w, &h);
    int r = job_resized(j, i);
    by[0] = accel__imgdev_src_bytes(v) + (r ? (int64_t)w * h * v->c : 0);
    by[1] = (int64_t)3 * j->ow * j->oh * 4;
    by[2] = r ? tab_bytes(v->w, v->h, w, h) : 0;
    by[3] = 2 * IMGD_BYTES;
}

static accel_status blob_sub(imgdev *s, const blob_job *jb, accel__kernel *kr, accel__kernel *kb)
{
    int64_t *d2 = calloc(s->n * IMGD_N, sizeof *d2);
    RETURN_ERROR_IF(!d2, ACCEL_ERR_NO_MEMORY, "%s: out of host memory", jb->b->op);
    int64_t pix = 0, tab_off = 0;
    for (size_t j = 0; j < s->n; j++) accel__imgdev_src(s, j, &jb->in[s->item[j]], &pix);
    int any = 0;
    for (size_t j = 0; j < s->n; j++) {
        size_t i = s->item[j];
        const img_t *v = &jb->in[i];
        int64_t *d = s->desc + j * IMGD_N, *e = d2 + j * IMGD_N;
        int w, h;
        job_size(jb, i, &w, &h);
        memcpy(e, d, IMGD_N * sizeof *e); /* the source, unless resized */
        if (job_resized(jb, i)) {
            d[IMGD_OUT_OFF] = pix;
            d[IMGD_OUT_W] = w, d[IMGD_OUT_H] = h, d[IMGD_OUT_C] = v->c;
            d[IMGD_TAB_OFF] = tab_off;
            tab_off += tab_bytes(v->w, v->h, w, h) / 4;
            e[IMGD_IN_OFF] = pix, e[IMGD_IN_STRIDE] = (int64_t)w * v->c;
            e[IMGD_IN_W] = w, e[IMGD_IN_H] = h;
            pix += (int64_t)w * h * v->c;
            any = 1;
        }
        e[IMGD_FLAGS] = jb->swap < 0 ? !v->rgb : jb->swap;
        e[IMGD_OUT_OFF] = (int64_t)j * 3 * jb->ow * jb->oh;
        e[IMGD_OUT_W] = jb->ow, e[IMGD_OUT_H] = jb->oh, e[IMGD_OUT_C] = 3;
        e[IMGD_MODE] = 1;
    }
    int32_t *tab = calloc((size_t)tab_off + 1, sizeof *tab);
    accel_status st = tab ? ACCEL_OK : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "%s: out of host memory", jb->b->op);
    for (size_t j = 0; st == ACCEL_OK && j < s->n; j++)
        if (job_resized(jb, s->item[j])) put_tables(s->desc + j * IMGD_N, jb->plan[s->item[j]], tab);
    accel__buffer *bpix = NULL, *bblob = NULL, *btab = NULL, *bd2 = NULL;
    if (st == ACCEL_OK) st = accel__imgdev_upload_new(s, tab, tab_off * 4, &btab);
    free(tab);
    if (st == ACCEL_OK) st = accel__imgdev_upload_new(s, d2, (int64_t)s->n * IMGD_BYTES, &bd2);
    free(d2);
    FORWARD_IF_ERROR(st);
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, pix, &bpix));
    FORWARD_IF_ERROR(accel__imgdev_alloc(s, (int64_t)s->n * 3 * jb->ow * jb->oh * 4, &bblob));
    FORWARD_IF_ERROR(upload_srcs(s, s->desc, bpix, jb->in));
    if (any) {
        FORWARD_IF_ERROR(accel__imgdev_upload_desc(s));
        s->max_w = s->max_h = 0;
        for (size_t j = 0; j < s->n; j++) {
            const int64_t *d = s->desc + j * IMGD_N;
            if (d[IMGD_MODE] == 0) continue;
            if (d[IMGD_OUT_W] > s->max_w) s->max_w = (int)d[IMGD_OUT_W];
            if (d[IMGD_OUT_H] > s->max_h) s->max_h = (int)d[IMGD_OUT_H];
        }
        accel__arg ar[] = {imgdev_abuf(bpix), imgdev_abuf(bpix), imgdev_abuf(btab),
                           imgdev_abuf(s->b_desc), imgdev_ai32((int)s->n)};
        FORWARD_IF_ERROR(accel__imgdev_pixels(s, kr, ar, 5));
    }
    s->max_w = jb->ow, s->max_h = jb->oh;
    accel__arg ab[] = {imgdev_abuf(bblob), imgdev_abuf(bpix), imgdev_abuf(bd2), imgdev_ai32((int)s->n),
                       imgdev_af32(jb->mean[0]), imgdev_af32(jb->mean[1]), imgdev_af32(jb->mean[2]),
                       imgdev_af32(jb->scale)};
    FORWARD_IF_ERROR(accel__imgdev_pixels(s, kb, ab, 8));
    FORWARD_IF_ERROR(accel__imgdev_download_rows(s, bblob, jb->out, (size_t)3 * jb->ow * jb->oh * 4));
    accel__devq_free(s->q, bpix);
    accel__devq_free(s->q, bblob);
    accel__devq_free(s->q, btab);
    accel__devq_free(s->q, bd2);
    return ACCEL_OK;
}

static void job_bytes_fn(const void *job, size_t i, int64_t by[IMGDEV_BUFS]) { job_bytes(job, i, by); }

static accel_status blob_run(accel__devq *q, const blob_job *jb, size_t begin, size_t end)
{
    accel__kernel *kr = NULL, *kb = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_resize", &kr));
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_img_blob", &kb));
    for (size_t i = begin; i < end; i++) {
        if (jb->b->st[i] != ACCEL_OK || jb->plan[i] || !job_resized(jb, i)) continue;
        int w, h;
        job_size(jb, i, &w, &h);
        accel_status st = accel__img_resize_plan(jb->in[i].w, jb->in[i].h, w, h, jb->in[i].c,
                                                 IMG_LINEAR, &jb->plan[i]);
        if (st != ACCEL_OK) accel__img_item_fail(jb->b, i, st, accel__last_error_text());
    }
    for (size_t i = begin; i < end;) {
        imgdev s;
        size_t next;
        FORWARD_IF_ERROR(accel__imgdev_begin(&s, q, jb->b, jb, i, end, job_bytes_fn, &next));
        accel_status st = s.n ? blob_sub(&s, jb, kr, kb) : ACCEL_OK;
        accel__imgdev_end(&s);
        FORWARD_IF_ERROR(st);
        i = next;
    }
    return ACCEL_OK;
}

static blob_job blob_job_of(img_blob_call *c)
{
    blob_job j = {&c->b, c->in, c->plan, c->width, c->height, NULL, NULL,
                  {c->mean[0], c->mean[1], c->mean[2]}, c->scale, c->swap, c->out};
    return j;
}

static blob_job scrfd_job_of(img_scrfd_in_call *c)
{
    blob_job j = {&c->b, c->in, c->plan, c->iw, c->ih, c->nw, c->nh,
                  {127.5f, 127.5f, 127.5f}, 1.0f / 128.0f, -1, c->blob};
    return j;
}

int64_t accel__img_blob_dev_bytes(const img_blob_call *c, size_t i)
{
    blob_job j = blob_job_of((img_blob_call *)c);
    int64_t by[IMGDEV_BUFS] = {0};
    job_bytes(&j, i, by);
    return by[0] + by[1] + by[2] + by[3];
}

int64_t accel__img_scrfd_in_dev_bytes(const img_scrfd_in_call *c, size_t i)
{
    blob_job j = scrfd_job_of((img_scrfd_in_call *)c);
    int64_t by[IMGDEV_BUFS] = {0};
    job_bytes(&j, i, by);
    return by[0] + by[1] + by[2] + by[3];
}

accel_status accel__img_blob_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    blob_job j = blob_job_of(call);
    return blob_run(q, &j, begin, end);
}

accel_status accel__img_scrfd_in_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    blob_job j = scrfd_job_of(call);
    return blob_run(q, &j, begin, end);
}
