/* op_scrfd_prepare.c — the operation "scrfd_prepare" and accel_scrfd_prepare() /
 * accel_scrfd_prepare_memory(): what a face pipeline does first with each photograph — decode
 * it (op_decode.c), make SCRFD's input (op_scrfd_input.c) and measure its quality
 * (op_quality.c) — in one call whose results are those three calls' to the bit.
 *
 * On the CPU, when a call has fewer files than the pool has threads (one photograph on two
 * cores), each file is two tasks: a producer decodes it by rows (a JPEG, a PNG that is not
 * interlaced, a WebP: decode.c) and a consumer computes the blob's and the quality's bands as
 * soon as the rows they read are decoded, so the file takes little more than its decoding. With as
 * many files as threads or more, a task takes a whole file (decoded, then its blob and
 * quality), which keeps every thread busy without waiting.
 *
 * No deadlock: a producer never waits for its consumer while it decodes, and the pool hands
 * out tasks in order (a file's producer before its consumer), so a lone thread — or a pool
 * busy elsewhere — runs each producer to its end before the consumer that waits for it. A
 * decoder that fails after reporting rows (a truncated file is found at its end) waits, in
 * its drop callback, until a consumer that is reading them has stopped, then frees them. */
#include "image_ops.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backends/cpu/cpu.h"

#define Q_BAND 32     /* quality rows per band (op_quality.c's) */
#define BLOB_BAND 16  /* blob rows per band: ~48 source rows of a 1080p photograph */
#define QUALITY_MIN (offsetof(accel_quality, status) + sizeof(accel_status))

/* One file's hand-over from its producer to its consumer. */
typedef struct prep_file {
    pthread_mutex_t m;
    pthread_cond_t cv;
    img_t im;          /* the pixels, once `have` */
    int have;
    int rows;          /* rows [0, rows) decoded */
    int done;          /* the producer has returned … */
    accel_status st;   /* … with this */
    int dropped;       /* the pixels are about to be freed (a failure after rows) */
    int reading;       /* the consumer reads the pixels */
    int whole;         /* the first report held every row (a turned image, an interlaced PNG,
                        * TurboJPEG's whole decode): the producer measures the quality then,
                        * beside the consumer's blob, instead of leaving its thread idle */
    img_qsums qtot;    /* the producer's quality sums, once `done` */
    accel_status qst;
    /* a file handed over whole: the blob's bands, shared — the producer, its quality
     * measured, takes bands while the consumer's are open (sc set) */
    img_scrfd_in_call *sc;
    int sc_nh, next_band, bands_done;
    accel_status band_st;
} prep_file;

/* Takes blob bands of a file handed over whole until none is left; called with f->m held,
 * returns with it held. The consumer publishes f->sc and withdraws it only once every band
 * taken is done, so the bands are computed on a call that is still there. */
static void take_bands(prep_file *f)
{
    while (f->sc) {
        const int y0 = f->next_band++ * BLOB_BAND, nh = f->sc_nh;
        if (y0 >= nh) break;
        img_scrfd_in_call *sc = f->sc;
        pthread_mutex_unlock(&f->m);
        accel_status st = accel__img_scrfd_in_band(sc, 0, y0, y0 + BLOB_BAND < nh ? y0 + BLOB_BAND : nh);
        pthread_mutex_lock(&f->m);
        f->bands_done++;
        if (st != ACCEL_OK && f->band_st == ACCEL_OK) f->band_st = st;
        pthread_cond_broadcast(&f->cv);
    }
}


/* ---- producer ---------------------------------------------------------------------------- */

static void on_rows(void *arg, const img_t *im, int rows)
{
    prep_file *f = arg;
    pthread_mutex_lock(&f->m);
    if (!f->have) f->im = *im, f->have = 1, f->whole = rows == im->h;
    f->rows = rows;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->m);
}

static void on_drop(void *arg)
{
    prep_file *f = arg;
    pthread_mutex_lock(&f->m);
    f->dropped = 1;
    pthread_cond_broadcast(&f->cv);
    while (f->reading) pthread_cond_wait(&f->cv, &f->m);
    pthread_mutex_unlock(&f->m);
}

static void produce(img_prepare_call *c, size_t i)
{
    prep_file *f = &c->f[i - c->begin];
    if (f->done) return; /* refused before the run (prep_run): nothing to decode */
    img_row_sink sink = {on_rows, on_drop, f};
    accel_status st = accel__img_decode_item(&c->d, i, &sink);
    pthread_mutex_lock(&f->m);
    const int whole = st == ACCEL_OK && f->whole;
    pthread_mutex_unlock(&f->m);
    if (whole && c->q) /* all rows at once: integer sums, the consumer's bands' to the bit;
                          * read by the consumer once `done` is set, under the lock */
        f->qst = accel__img_kern(c->d.b.dev)->quality_rows(&f->im, 0, f->im.h, &f->qtot);
    pthread_mutex_lock(&f->m);
    if (whole) take_bands(f); /* the blob's bands the consumer has not taken yet */
    f->done = 1;
    f->st = st;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->m);
}

/* ---- consumer ---------------------------------------------------------------------------- */

/* Waits until `need` rows are decoded; 0 when the file failed instead. */
static int wait_rows(prep_file *f, int need)
{
    pthread_mutex_lock(&f->m);
    while (f->rows < need && !f->dropped && !(f->done && f->st != ACCEL_OK))
        pthread_cond_wait(&f->cv, &f->m);
    int ok = f->rows >= need && !f->dropped;
    pthread_mutex_unlock(&f->m);
    return ok;
}

static void stop_reading(prep_file *f)
{
    pthread_mutex_lock(&f->m);
    f->reading = 0;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->m);
}

/* The message and status of file i, in its decoding result (the call's messages come from
 * there, accel__img_decode_finish). */
static void file_fail(img_prepare_call *c, size_t i, accel_status st, const char *msg)
{
    accel_image_decoded *o = IMG_AT(accel_image_decoded, c->d.out, c->d.out_elem, i);
    if (o->status == ACCEL_OK) {
        o->status = st;
        accel__strlcpy(o->message, msg, sizeof o->message);
    }
    accel__img_item_fail(&c->d.b, i, st, msg);
}

/* File i's name in messages: its path, its name, or "image i" (as op_decode.c names it). */
static const char *label_of(const img_prepare_call *c, size_t i, char *buf, size_t cap)
{
    if (c->d.paths) return c->d.paths[i];
    if (c->d.names && c->d.names[i]) return c->d.names[i];
    snprintf(buf, cap, "image %zu", i);
    return buf;
}

/* file_fail with the message "'<file i>': <what>". */
static void file_fail_named(img_prepare_call *c, size_t i, accel_status st, const char *what)
{
    char name[32], msg[320];
    snprintf(msg, sizeof msg, "'%s': %s", label_of(c, i, name, sizeof name), what);
    file_fail(c, i, st, msg);
}

/* 1, with file i failed and named, when a w × h image is too elongated for the input (as
 * accel_scrfd_input refuses it); 0 otherwise. */
static int letterbox_refused(img_prepare_call *c, size_t i, int w, int h)
{
    int nw, nh;
    double unused;
    accel__scrfd_letterbox(w, h, c->iw, c->ih, &nw, &nh, &unused);
    if (nw >= 1 && nh >= 1) return 0;
    char what[200];
    snprintf(what, sizeof what, "%d×%d is too elongated for a %d×%d input (it would be resized "
             "to %d×%d)", w, h, c->iw, c->ih, nw, nh);
    file_fail_named(c, i, ACCEL_ERR_INVALID_ARG, what);
    return 1;
}

static void consume(img_prepare_call *c, size_t i)
{
    prep_file *f = &c->f[i - c->begin];
    const size_t plane = (size_t)c->iw * (size_t)c->ih;
    float *blob = c->blob + i * 3 * plane;
    accel_quality *q = c->q ? IMG_AT(accel_quality, c->q, c->q_elem, i) : NULL;
    pthread_mutex_lock(&f->m);
    while (!f->have && !f->done) pthread_cond_wait(&f->cv, &f->m);
    const int usable = f->have && !f->dropped && !(f->done && f->st != ACCEL_OK);
    const int q_here = !f->whole; /* else the producer measures the quality (produce) */
    const img_t im = f->im;
    f->reading = usable;
    pthread_mutex_unlock(&f->m);
    accel_status st = usable ? ACCEL_OK : ACCEL_ERR_FORMAT;
    int failed_here = 0;
    img_scrfd_in_call sc;
    memset(&sc, 0, sizeof sc);
    double ds = 0;
    if (usable && letterbox_refused(c, i, im.w, im.h)) {
        st = ACCEL_ERR_INVALID_ARG;
        failed_here = 1;
    } else if (usable) {
        /* one image, which passes scrfd_input's checks: what fails now is memory */
        const accel_image view = {sizeof view, im.p, im.w, im.h, 3, im.stride,
                                  im.rgb ? ACCEL_RGB : ACCEL_BGR};
        st = accel__img_scrfd_in_prepare(&sc, &view, 1, c->iw, c->ih, blob, &ds);
        if (st == ACCEL_OK) accel__img_scrfd_in_setup(&sc, 0);
        if (st == ACCEL_OK && sc.b.st[0] != ACCEL_OK)
            st = ACCEL_ERROR(sc.b.st[0], "out of memory for the letterboxed %d×%d image", sc.nw[0],
                             sc.nh[0]);
        if (st != ACCEL_OK) {
            file_fail_named(c, i, st, accel__last_error_text());
            failed_here = 1;
        }
    }
    img_qsums tot = {0, 0, 0, 0, 0};
    if (st == ACCEL_OK) {
        const img_kern *k = accel__img_kern(c->d.b.dev);
        const int nh = sc.nh[0], nq = q && q_here ? (im.h + Q_BAND - 1) / Q_BAND : 0;
        /* the canvas below the letterboxed rows needs no pixel: first */
        if (nh < c->ih) st = accel__img_scrfd_in_band(&sc, 0, nh, c->ih);
        if (st == ACCEL_OK && !q_here) {
            /* a whole image: its bands shared with the producer once that has decoded it */
            pthread_mutex_lock(&f->m);
            f->sc = &sc, f->sc_nh = nh, f->next_band = 0, f->bands_done = 0;
            f->band_st = ACCEL_OK;
            take_bands(f);
            const int total = (nh + BLOB_BAND - 1) / BLOB_BAND;
            while (f->bands_done < total) pthread_cond_wait(&f->cv, &f->m);
            f->sc = NULL;
            st = f->band_st;
            pthread_mutex_unlock(&f->m);
            if (st != ACCEL_OK) {
                file_fail_named(c, i, st, "the blob could not be made (out of memory)");
                failed_here = 1;
            }
        }
        int qb = 0, y = q_here ? 0 : nh;
        while (st == ACCEL_OK && (qb < nq || y < nh)) {
            /* the band whose rows come first: a quality band reads one row below itself */
            const int need_q = qb < nq ? ((qb + 1) * Q_BAND + 1 < im.h ? (qb + 1) * Q_BAND + 1 : im.h)
                                       : INT_MAX;
            const int y1 = y + BLOB_BAND < nh ? y + BLOB_BAND : nh;
            const int need_b = y < nh ? accel__img_scrfd_in_src_rows(&sc, 0, y1) : INT_MAX;
            if (!wait_rows(f, need_q < need_b ? need_q : need_b)) {
                st = ACCEL_ERR_FORMAT; /* the decoder failed: its status says why */
                break;
            }
            if (need_q <= need_b) {
                img_qsums s;
                const int r1 = (qb + 1) * Q_BAND < im.h ? (qb + 1) * Q_BAND : im.h;
                st = k->quality_rows(&im, qb * Q_BAND, r1, &s);
                accel__img_qsums_add(&tot, &s);
                qb++;
            } else {
                st = accel__img_scrfd_in_band(&sc, 0, y, y1);
                y = y1;
            }
            if (st != ACCEL_OK) {
                file_fail_named(c, i, st, accel__last_error_text());
                failed_here = 1;
            }
        }
    }
    if (usable) stop_reading(f);
    /* the decoder's own verdict (a truncated file is known only at its end) */
    pthread_mutex_lock(&f->m);
    while (!f->done) pthread_cond_wait(&f->cv, &f->m);
    if (f->st != ACCEL_OK) st = f->st;
    const accel_status qst = st == ACCEL_OK && q && !q_here ? f->qst : ACCEL_OK;
    if (st == ACCEL_OK && q && !q_here) tot = f->qtot;
    pthread_mutex_unlock(&f->m);
    if (qst != ACCEL_OK) {
        file_fail_named(c, i, qst, "the quality could not be measured (out of memory)");
        failed_here = 1;
        st = qst;
    }
    if (st != ACCEL_OK && !failed_here && c->d.b.st[i] == ACCEL_OK)
        file_fail_named(c, i, st, "the decoded rows could not be read");
    accel__img_scrfd_in_release(&sc);
    if (st != ACCEL_OK) {
        /* a failed file: its blob (partly written while it decoded) is zeros, and no pixels
         * are handed back with a failed status */
        memset(blob, 0, 3 * plane * sizeof *blob);
        ds = 0;
        accel_image_decoded *o = IMG_AT(accel_image_decoded, c->d.out, c->d.out_elem, i);
        free(o->image.data);
        o->image.data = NULL;
    } else if (q) {
        accel__img_quality_measures(&tot, (int64_t)im.w * im.h, &c->qp, q);
    }
    if (q) {
        q->width = st == ACCEL_OK ? im.w : 0;
        q->height = st == ACCEL_OK ? im.h : 0;
    }
    if (c->det_scale) c->det_scale[i] = ds;
}

/* ---- the run ----------------------------------------------------------------------------- */

static void prep_part(void *arg, size_t b, size_t e)
{
    img_prepare_call *c = arg;
    for (size_t k = b; k < e; k++) {
        if (c->pipelined) {
            /* task 2j decodes file j, task 2j + 1 consumes it */
            size_t i = c->begin + k / 2;
            if (k % 2 == 0) produce(c, i);
            else consume(c, i);
        } else {
            size_t i = c->begin + k;
            produce(c, i);
            consume(c, i);
        }
    }
}

static accel_status prep_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_prepare_call *c = call;
    c->d.b.dev = dev;
    const size_t m = end - begin;
    c->f = calloc(m ? m : 1, sizeof *c->f);
    RETURN_ERROR_IF(!c->f, ACCEL_ERR_NO_MEMORY, "scrfd_prepare: out of memory");
    for (size_t j = 0; j < m; j++) {
        pthread_mutex_init(&c->f[j].m, NULL);
        pthread_cond_init(&c->f[j].cv, NULL);
        if (c->d.b.st[begin + j] != ACCEL_OK) {
            /* refused before the run (a NULL path): nothing to decode */
            c->f[j].done = 1;
            c->f[j].st = c->d.b.st[begin + j];
        }
    }
    c->begin = begin;
    const int threads = accel__pool_threads(accel__cpu_pool(dev));
    c->pipelined = threads >= 2 && m < (size_t)threads;
    accel__img_parallel(dev, c->pipelined ? 2 * m : m, prep_part, c);
    for (size_t j = 0; j < m; j++) {
        pthread_mutex_destroy(&c->f[j].m);
        pthread_cond_destroy(&c->f[j].cv);
    }
    free(c->f);
    c->f = NULL;
    return ACCEL_OK;
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_scrfd_prepare = {
    .name = "scrfd_prepare",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = prep_run,
    .run_device = NULL, /* decoding is the CPU's; on a device: docs/image.md, "Devices" */
};

/* ---- public ------------------------------------------------------------------------------ */

accel_status accel__img_prepare_setup(img_prepare_call *c, accel_ctx *ctx,
                                      const accel_image_decode_params *params, size_t n,
                                      int input_width, int input_height, float *blob,
                                      double *det_scale, const accel_quality_params *qp,
                                      accel_quality *quality, accel_image_decoded *decoded)
{
    /* the results first, so that a call refused for its other arguments fails each of them */
    if (decoded) FORWARD_IF_ERROR(accel__img_decode_results(&c->d, n, decoded));
    RETURN_ERROR_IF(n == 0, ACCEL_ERR_INVALID_ARG, "scrfd_prepare: empty batch (no images given)");
    RETURN_ERROR_IF(!blob, ACCEL_ERR_INVALID_ARG, "scrfd_prepare: NULL blob");
    RETURN_ERROR_IF(input_width < 1 || input_height < 1, ACCEL_ERR_INVALID_ARG,
                    "scrfd_prepare: input size %d×%d (both must be at least 1; SCRFD uses 640×640)",
                    input_width, input_height);
    RETURN_ERROR_IF(quality && quality->struct_size < QUALITY_MIN, ACCEL_ERR_INVALID_ARG,
                    "scrfd_prepare: quality[0].struct_size %zu (set it to sizeof(accel_quality))",
                    quality->struct_size);
    if (qp) {
        FORWARD_IF_ERROR(accel__img_quality_check(qp));
        memcpy(&c->qp, qp, sizeof c->qp < qp->struct_size ? sizeof c->qp : qp->struct_size);
        c->qp.struct_size = sizeof c->qp;
    } else {
        accel_quality_params_init(&c->qp);
    }
    if (!decoded) {
        c->own = malloc(n * sizeof *c->own);
        RETURN_ERROR_IF(!c->own, ACCEL_ERR_NO_MEMORY, "scrfd_prepare: out of memory");
        accel_image_decoded_init(c->own, n);
        decoded = c->own;
    }
    FORWARD_IF_ERROR(accel__img_decode_prepare(&c->d, ctx, params, n, decoded));
    c->d.b.op = "scrfd_prepare";
    c->iw = input_width, c->ih = input_height;
    c->blob = blob;
    c->det_scale = det_scale;
    c->q = quality;
    c->q_elem = quality ? quality->struct_size : 0;
    for (size_t i = 0; i < n; i++) {
        if (det_scale) det_scale[i] = 0;
        if (!quality) continue;
        accel_quality *q = IMG_AT(accel_quality, quality, c->q_elem, i);
        if (q->struct_size != c->q_elem) {
            char msg[160];
            snprintf(msg, sizeof msg, "scrfd_prepare: quality %zu: struct_size %zu differs from "
                     "element 0's", i, q->struct_size);
            file_fail(c, i, ACCEL_ERR_INVALID_ARG, msg);
            continue;
        }
        q->width = q->height = 0;
        q->blur_laplacian_var = q->brightness = q->contrast = q->sharpness_tenengrad = NAN;
        q->overall = NAN;
    }
    /* the decoded image, the resized one and the blob */
    c->d.b.item_bytes += (int64_t)1920 * 1080 * 3 + (int64_t)3 * input_width * input_height * 4;
    return ACCEL_OK;
}

/* 1 when the policy runs scrfd_input — or, with quality, image_quality — on a device other than
 * the CPU (or cannot say: the operation's own call then gives the reason). */
static int ops_on_device(accel_ctx *ctx, int with_quality)
{
    static const char *const ops[2] = {"scrfd_input", "image_quality"};
    for (int k = 0; k < 1 + with_quality; k++) {
        size_t di = 0;
        const accel_device_info *info = NULL;
        if (accel_select(ctx, ops[k], &di, NULL) != ACCEL_OK) {
            accel__clear_error();
            return 1;
        }
        if (accel_device_get(ctx, di, &info) == ACCEL_OK && info->kind != ACCEL_KIND_CPU) return 1;
    }
    return 0;
}

/* The call where its operations run on a device: the files decoded on the CPU (decoding has
 * no device code), then one accel_scrfd_input and one accel_image_quality over the decoded
 * images, where the executor places them (`rec`: scrfd_input's). The results are the same;
 * only the overlap of decoding and computing is the CPU route's. */
static accel_status prep_on_devices(accel_ctx *ctx, img_prepare_call *c, accel_run_record *rec)
{
    const size_t n = c->d.b.n, plane = (size_t)3 * (size_t)c->iw * (size_t)c->ih;
    /* the CPU is the context's last device */
    FORWARD_IF_ERROR(accel__exec_on(ctx, ctx->n_devs - 1, &accel__op_image_decode, &c->d, NULL));
    accel_image *in = calloc(n, sizeof *in);
    size_t *idx = calloc(n, sizeof *idx), k = 0;
    double *ds = calloc(n, sizeof *ds);
    accel_quality *q = c->q ? calloc(n, sizeof *q) : NULL;
    RETURN_ERROR_IF(!in || !idx || !ds || (c->q && !q), ACCEL_ERR_NO_MEMORY,
                    "scrfd_prepare: out of memory");
    for (size_t i = 0; i < n; i++) {
        accel_image_decoded *o = IMG_AT(accel_image_decoded, c->d.out, c->d.out_elem, i);
        if (c->d.b.st[i] != ACCEL_OK) continue;
        if (letterbox_refused(c, i, o->image.width, o->image.height)) {
            free(o->image.data);
            o->image.data = NULL;
            continue;
        }
        in[k] = o->image;
        idx[k++] = i;
    }
    /* every file decoded and letterboxed: the blob is written in place */
    const int packed = k == n;
    float *blob = packed ? c->blob : malloc((k ? k : 1) * plane * sizeof *blob);
    accel_status r = blob ? ACCEL_OK : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "scrfd_prepare: out of memory");
    /* what fails now fails the call: each image has passed the operations' own checks */
    if (r == ACCEL_OK && k) r = accel_scrfd_input(ctx, in, k, c->iw, c->ih, blob, ds, NULL, rec);
    if (r == ACCEL_OK && k && q) {
        for (size_t j = 0; j < k; j++) q[j].struct_size = sizeof q[j];
        r = accel_image_quality(ctx, &c->qp, in, k, q, NULL);
    }
    for (size_t j = 0; r == ACCEL_OK && j < k; j++) {
        const size_t i = idx[j];
        if (!packed) memcpy(c->blob + i * plane, blob + j * plane, plane * sizeof *blob);
        if (c->det_scale) c->det_scale[i] = ds[j];
        if (q) {
            accel_quality *d = IMG_AT(accel_quality, c->q, c->q_elem, i);
            d->width = q[j].width, d->height = q[j].height;
            d->blur_laplacian_var = q[j].blur_laplacian_var, d->brightness = q[j].brightness;
            d->contrast = q[j].contrast, d->sharpness_tenengrad = q[j].sharpness_tenengrad;
            d->overall = q[j].overall;
        }
    }
    /* a failed file's blob is zeros, as on the CPU route */
    for (size_t i = 0; r == ACCEL_OK && i < n; i++)
        if (c->d.b.st[i] != ACCEL_OK) memset(c->blob + i * plane, 0, plane * sizeof *blob);
    if (!packed) free(blob);
    free(in), free(idx), free(ds), free(q);
    return r;
}

/* The device choice is scrfd_input's and image_quality's; the CPU route runs on the CPU
 * device directly (it has no device code to fall back from). */
static accel_status prep_run_call(accel_ctx *ctx, img_prepare_call *c, accel_run_record *rec)
{
    if (ops_on_device(ctx, c->q != NULL)) return prep_on_devices(ctx, c, rec);
    return accel__exec_on(ctx, ctx->n_devs - 1, &accel__op_scrfd_prepare, c, rec);
}

accel_status accel__img_prepare_finish(img_prepare_call *c, accel_status st)
{
    const size_t n = c->d.b.n;
    for (size_t i = 0; c->q && c->d.b.st && i < n; i++) {
        accel_quality *q = IMG_AT(accel_quality, c->q, c->q_elem, i);
        if (q->struct_size == c->q_elem) q->status = c->d.b.st[i] != ACCEL_OK ? c->d.b.st[i] : st;
    }
    st = accel__img_decode_finish(&c->d, st);
    if (c->own) {
        accel_image_decoded_free(c->own, n);
        free(c->own);
        c->own = NULL;
    }
    return st;
}

accel_status accel_scrfd_prepare(accel_ctx *ctx, const accel_image_decode_params *params,
                                 const char *const *paths, size_t n, int input_width,
                                 int input_height, float *blob, double *det_scale,
                                 const accel_quality_params *qp, accel_quality *quality,
                                 accel_image_decoded *decoded, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || (n && !paths), ACCEL_ERR_INVALID_ARG, "scrfd_prepare: NULL argument");
    img_prepare_call c;
    memset(&c, 0, sizeof c);
    c.d.paths = paths;
    accel_status st = accel__img_prepare_setup(&c, ctx, params, n, input_width, input_height, blob,
                                               det_scale, qp, quality, decoded);
    if (st == ACCEL_OK) st = prep_run_call(ctx, &c, rec);
    return accel__img_prepare_finish(&c, st);
}

accel_status accel_scrfd_prepare_memory(accel_ctx *ctx, const accel_image_decode_params *params,
                                        const void *const *data, const size_t *sizes,
                                        const char *const *names, size_t n, int input_width,
                                        int input_height, float *blob, double *det_scale,
                                        const accel_quality_params *qp, accel_quality *quality,
                                        accel_image_decoded *decoded, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || (n && (!data || !sizes)), ACCEL_ERR_INVALID_ARG,
                    "scrfd_prepare: NULL argument");
    img_prepare_call c;
    memset(&c, 0, sizeof c);
    c.d.data = data;
    c.d.sizes = sizes;
    c.d.names = names;
    accel_status st = accel__img_prepare_setup(&c, ctx, params, n, input_width, input_height, blob,
                                               det_scale, qp, quality, decoded);
    if (st == ACCEL_OK) st = prep_run_call(ctx, &c, rec);
    return accel__img_prepare_finish(&c, st);
}
