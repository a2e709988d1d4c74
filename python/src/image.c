/* image.c — the image calls of the Context: decode, gray, resize, blob, SCRFD input and output,
 * warp, ArcFace alignment, quality and enhancement of batches of images of any sizes
 * (accel/image.py gives them their Python shape; docs/python.md and docs/image.md).
 *
 * An image is an H×W×C uint8 array (C = 1, 3 or 4; H×W is one channel) read through the buffer
 * protocol or DLPack: in place when its rows are packed, a crop of a larger array included (the
 * distance between its rows becomes accel_image's stride), otherwise gathered once (input.c).
 *
 * Per-image errors. Every call takes a list and returns one entry per input — the result, or
 * that image's exception (an accel.Error subclass, not raised) — so one bad image never costs
 * the others. An input that is not an image (dtype, rank, channels, empty) is refused here, and
 * a valid stand-in (one black pixel) takes its place in the library's call, so that the other
 * images keep their positions and the library's message about its first failed image names the
 * index the caller used. The library describes its first failure only: another image it
 * failed gets its status's text, naming the image. Only a failure of the whole call (a closed
 * context, a bad parameter of the call) raises. Each library call runs with the GIL released
 * (PA_RUN). */
#include "pyaccel.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A status the library never writes: its status arrays are filled with it before a call, so an
 * entry still holding it after a failed call means the call failed as a whole. */
#define UNSET ((accel_status)0x7eed)

#define CH1 (1u << 1)
#define CH3 (1u << 3)
#define CH4 (1u << 4)

static const pa_accept image_accept = {1u << ACCEL_U8, 0, 2, 3, "uint8", 0, 1};
static const pa_accept encoded_accept = {1u << ACCEL_U8, 0, 1, 1, "uint8 (the bytes of an image file)", 0, 0};
static const pa_accept net_accept = {1u << ACCEL_F32, 1, 1, 3, "float32", 0, 0};

/* The stand-in for an input that is not an image (never written: it is only ever an input). */
static uint8_t standin_px[4];

/* ArcFace's reference points over 112: landmarks of a face centred in the 1×1 stand-in. */
static const float standin_lmk[10] = {
    38.2946f / 112, 51.6963f / 112, 73.5318f / 112, 51.5014f / 112, 56.0252f / 112,
    71.7366f / 112, 41.5493f / 112, 92.3655f / 112, 70.7299f / 112, 92.2041f / 112,
};

typedef struct item {
    pa_input in;
    int have_in;
    accel_image im; /* what the library is given: the image, or the stand-in when err is set */
    PyObject *err;  /* this input's exception, or NULL */
} item;

/* ---- inputs ------------------------------------------------------------------------------- */

static PyObject *new_ref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

static void channels_text(unsigned mask, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    static const struct {
        unsigned bit;
        const char *text;
    } forms[] = {{CH3, "H×W×3"}, {CH4, "H×W×4 (alpha, read past)"}, {CH1, "H×W (gray)"}};
    int n = 0, total = 0;
    for (size_t i = 0; i < 3; i++) total += (mask & forms[i].bit) != 0;
    for (size_t i = 0; i < 3; i++) {
        if (!(mask & forms[i].bit)) continue;
        const char *sep = !n ? "" : n + 1 == total ? " or " : ", ";
        k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s%s", sep, forms[i].text);
        n++;
    }
}

/* accel.errors.Error (a borrowed reference), imported with any exception being raised set
 * aside; NULL when it cannot be imported. */
static PyObject *accel_error_class(void)
{
    static PyObject *error_class;
    if (!error_class) {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyObject *m = PyImport_ImportModule("accel.errors");
        if (m) {
            error_class = PyObject_GetAttrString(m, "Error");
            Py_DECREF(m);
        }
        PyErr_Clear();
        PyErr_Restore(et, ev, tb);
    }
    return error_class;
}

/* 1 when the exception being raised is one of accel's (an input's own fault: that item fails
 * alone); anything else (MemoryError, KeyboardInterrupt) ends the call. */
static int item_level_error(void)
{
    PyObject *cls = accel_error_class();
    return cls && PyErr_ExceptionMatches(cls);
}

/* 1 when the entry `o` is an accel.Error instance: a place the caller has already settled (an
 * input that failed before this call, e.g. a file that did not decode), whose result is that
 * error. None is not such a place: it is an input like any other, and not an image. */
static int settled_place(PyObject *o)
{
    PyObject *cls = accel_error_class();
    return cls && PyObject_TypeCheck(o, (PyTypeObject *)cls);
}

static void item_name(char *buf, size_t cap, const char *label, int single, Py_ssize_t i)
{
    if (single)
        snprintf(buf, cap, "%s", label);
    else
        snprintf(buf, cap, "%s[%zd]", label, i);
}

/* Raises OutOfMemoryError for the small per-image tables of a call. */
static PyObject *no_memory_batch(const char *label, Py_ssize_t n)
{
    return pa_no_memory("%s: out of memory for a batch of %zd image%s", label, n, n == 1 ? "" : "s");
}

/* Raises OutOfMemoryError naming the output images that did not fit and their size. */
static PyObject *outputs_no_memory(const char *label, int single, Py_ssize_t n, const int *w,
                                   const int *h, const int *c)
{
    double bytes = 0;
    for (Py_ssize_t i = 0; i < n; i++) bytes += (double)w[i] * h[i] * c[i];
    if (single)
        return pa_no_memory("%s: its output, %d×%d×%d uint8 (%.1f MiB), does not fit in memory",
                            label, w[0], h[0], c[0], PA_MIB(bytes));
    return pa_no_memory("%s: the outputs of %zd images (%.1f MiB of uint8) do not fit in memory",
                        label, n, PA_MIB(bytes));
}

/* Reads one image; -1 with an exception naming it. */
static int image_item(PyObject *obj, const char *name, unsigned channels, accel_pixel_order order,
                      item *it)
{
    if (obj == Py_None) {
        char allowed[160];
        channels_text(channels, allowed, sizeof allowed);
        char full[300];
        snprintf(full, sizeof full, "a uint8 array %s, a path or the bytes of an image file", allowed);
        pa_type_error(name, "an image", obj, full);
        return -1;
    }
    if (pa_input_arg(obj, name, &image_accept, &it->in) < 0) return -1;
    it->have_in = 1;
    const pa_input *in = &it->in;
    size_t h = in->shape[0], w = in->shape[1];
    int c = in->ndim == 3 ? (int)in->shape[2] : 1;
    char shape[96], allowed[160];
    if (in->ndim == 3)
        snprintf(shape, sizeof shape, "(%zu, %zu, %zu)", h, w, in->shape[2]);
    else
        snprintf(shape, sizeof shape, "(%zu, %zu)", h, w);
    channels_text(channels, allowed, sizeof allowed);
    if (!h || !w) {
        pa_input_error("%s: an empty image, shape %s", name, shape);
    } else if (in->ndim == 3 && (in->shape[2] > 4 || !(channels & (1u << c)))) {
        pa_input_error("%s: %zu channels, shape %s (allowed: uint8 %s)", name, in->shape[2], shape,
                       allowed);
    } else if (in->ndim == 2 && !(channels & CH1)) {
        pa_input_error("%s: a one-channel image, shape %s (allowed: uint8 %s)", name, shape,
                       allowed);
    } else if (h > INT_MAX || w > INT_MAX || (size_t)c * w > INT_MAX) {
        pa_input_error("%s: shape %s is too large", name, shape);
    } else {
        it->im = (accel_image)ACCEL_IMAGE_INIT((uint8_t *)in->data, (int)w, (int)h, c);
        it->im.stride = in->row_stride;
        it->im.order = order;
        return 0;
    }
    pa_input_release(&it->in);
    it->have_in = 0;
    return -1;
}

static void set_standin(item *it, int channels)
{
    it->im = (accel_image)ACCEL_IMAGE_INIT(standin_px, 1, 1, channels);
}

static void items_release(item *it, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; it && i < n; i++) {
        if (it[i].have_in) pa_input_release(&it[i].in);
        Py_CLEAR(it[i].err);
    }
    free(it);
}

/* Reads every image of `seq`; an input that is not an image gets its exception and the
 * stand-in. NULL with an exception when the call cannot go on (not a sequence, empty, out of
 * memory, an interrupt). */
static item *items_get(PyObject *seq_in, const char *label, int single, unsigned channels,
                       int order, Py_ssize_t *n_out)
{
    if (pa_arg_range("order", order, ACCEL_BGR, ACCEL_RGB, "0 BGR, 1 RGB") < 0) return NULL;
    PyObject *seq = PySequence_Tuple(seq_in);
    if (!seq) return NULL;
    Py_ssize_t n = PyTuple_Size(seq);
    if (n == 0) {
        Py_DECREF(seq);
        pa_input_error("%s: an empty list (give at least one image)", label);
        return NULL;
    }
    item *it = calloc((size_t)n, sizeof *it);
    if (!it) {
        Py_DECREF(seq);
        no_memory_batch(label, n);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        char name[64];
        PyObject *o = PyTuple_GetItem(seq, i);
        if (settled_place(o)) { /* a file that did not decode: its error is its result */
            it[i].err = new_ref(o);
            set_standin(&it[i], channels & CH3 ? 3 : channels & CH4 ? 4 : 1);
            continue;
        }
        item_name(name, sizeof name, label, single, i);
        if (image_item(o, name, channels, (accel_pixel_order)order, &it[i]) == 0)
            continue;
        if (!item_level_error()) {
            items_release(it, n);
            Py_DECREF(seq);
            return NULL;
        }
        it[i].err = pa_take_error();
        set_standin(&it[i], channels & CH3 ? 3 : channels & CH4 ? 4 : 1);
    }
    Py_DECREF(seq);
    *n_out = n;
    return it;
}

static Py_ssize_t count_valid(const item *it, Py_ssize_t n)
{
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) k += it[i].err == NULL;
    return k;
}

/* ---- results -------------------------------------------------------------------------------- */

typedef struct run {
    pa_context *c;
    accel_status st;
    char msg[1024];
    accel_run_record rec;
    const char *op;   /* the library's operation name, for messages */
    const char *what; /* "image" or "face" */
} run;

static void run_init(run *r, PyObject *self, const char *op, const char *what)
{
    memset(r, 0, sizeof *r);
    r->c = (pa_context *)self;
    r->st = ACCEL_OK;
    r->rec.struct_size = sizeof r->rec;
    r->op = op;
    r->what = what;
}

/* Raises for a call that failed as a whole (no image has its own status). */
static PyObject *raise_run(const run *r)
{
    return pa_raise_record(r->st, r->msg, r->st != PA_CLOSED ? &r->rec : NULL);
}

/* The index of the first entry the library failed, -1 when none; -2 when the call failed as a
 * whole (its statuses were never written). */
static Py_ssize_t first_failed(const run *r, const accel_status *status, Py_ssize_t n)
{
    if (r->st == ACCEL_OK) return -1;
    if (r->st == PA_CLOSED) return -2;
    for (Py_ssize_t i = 0; i < n; i++)
        if (status[i] == UNSET) return -2;
    for (Py_ssize_t i = 0; i < n; i++)
        if (status[i] != ACCEL_OK) return i;
    return -2; /* a failure with every image fine: the call's */
}

/* The exception of entry i, which the library failed with `st`: its own message when it is the
 * failure the library described; else the library's message for that image (read on this
 * thread before its next image call: the results are built right after the call), else the
 * status's text naming the entry. */
static PyObject *lib_error(const run *r, Py_ssize_t i, accel_status st, Py_ssize_t first)
{
    if (i == first) {
        /* the library's message about its first failure ends with the count of the call's
         * failures, which is the batch's business (BatchError), not this image's */
        char m[1024];
        snprintf(m, sizeof m, "%s", r->msg);
        char *tail = strrchr(m, '(');
        unsigned long bad, total;
        char rest[64];
        if (tail && tail > m && tail[-1] == ' ' &&
            sscanf(tail, "(%lu of %lu images failed; the others are done%63s", &bad, &total, rest) == 3 &&
            !strcmp(rest, ")"))
            tail[-1] = '\0';
        return pa_error_new(st, m, NULL);
    }
    const char *own = accel_image_item_error((size_t)i);
    if (own && *own) return pa_error_new(st, own, NULL);
    char m[256];
    snprintf(m, sizeof m, "%s: %s %zd: %s", r->op, r->what, i, accel_strerror(st));
    return pa_error_new(st, m, NULL);
}

/* (list, record) */
static PyObject *with_record(PyObject *list, const run *r, int ran)
{
    if (!list) return NULL;
    if (!ran) return Py_BuildValue("(NO)", list, Py_None);
    return Py_BuildValue("(NN)", list, pa_record_dict(&r->rec));
}

/* free_fn of a Buffer over pixels accel allocated (decode, enhance) */
static void free_accel_pixels(void *p)
{
    accel_image im = ACCEL_IMAGE_INIT((uint8_t *)p, 1, 1, 1);
    accel_image_free(&im, 1);
}

/* An image Buffer: H×W×C, or H×W when `flat` (one channel given as H×W, or a gray result). */
static PyObject *image_buffer(uint8_t *data, void (*free_fn)(void *), int w, int h, int c, int flat)
{
    size_t shape[3] = {(size_t)h, (size_t)w, (size_t)c};
    return pa_buffer_new(data, free_fn, NULL, PA_EL_U8, flat ? 2 : 3, shape);
}

/* 1 when a one-channel result of this input is H×W (the input was H×W). */
static int flat_like(const item *it, int c) { return c == 1 && it->have_in && it->in.ndim == 2; }

/* A uint8 output image per entry, allocated here (pixels of `c` channels, w × h). */
static uint8_t **alloc_outputs(Py_ssize_t n, const int *w, const int *h, const int *c)
{
    uint8_t **out = calloc((size_t)n, sizeof *out);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = pa_alloc_n((size_t)w[i] * (size_t)h[i], (size_t)c[i]);
        if (!out[i]) {
            for (Py_ssize_t k = 0; k < i; k++) free(out[k]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_outputs(uint8_t **out, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; out && i < n; i++) free(out[i]);
    free(out);
}

/* The list of per-entry image results: the input's error, the library's, or a Buffer over
 * out[i] (taken: set to NULL), H×W when `gray`, else of the input's rank. */
static PyObject *image_list(const run *r, item *it, const accel_status *status, Py_ssize_t n,
                            uint8_t **out, const int *w, const int *h, const int *c, int gray)
{
    Py_ssize_t first = first_failed(r, status, n);
    if (first == -2) return raise_run(r);
    PyObject *list = PyList_New(n);
    if (!list) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e;
        if (it[i].err) {
            e = new_ref(it[i].err);
        } else if (status[i] != ACCEL_OK) {
            e = lib_error(r, i, status[i], first);
        } else {
            e = image_buffer(out[i], free, w[i], h[i], c[i], gray || flat_like(&it[i], c[i]));
            out[i] = NULL;
        }
        if (!e) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, i, e);
    }
    return list;
}

/* ---- gray ---------------------------------------------------------------------------------- */

static PyObject *ctx_image_gray(PyObject *self, PyObject *args)
{
    PyObject *seq;
    const char *label;
    int single, order;
    if (!PyArg_ParseTuple(args, "Ospi:image_gray", &seq, &label, &single, &order)) return NULL;
    Py_ssize_t n = 0;
    item *it = items_get(seq, label, single, CH1 | CH3 | CH4, order, &n);
    if (!it) return NULL;
    PyObject *result = NULL;
    accel_image *in = calloc((size_t)n, sizeof *in), *out = calloc((size_t)n, sizeof *out);
    accel_status *status = calloc((size_t)n, sizeof *status);
    int *w = calloc((size_t)n, sizeof *w), *h = calloc((size_t)n, sizeof *h), *c = calloc((size_t)n, sizeof *c);
    uint8_t **px = NULL;
    if (!in || !out || !status || !w || !h || !c) {
        no_memory_batch(label, n);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        in[i] = it[i].im;
        w[i] = in[i].width, h[i] = in[i].height, c[i] = 1;
        status[i] = UNSET;
    }
    px = alloc_outputs(n, w, h, c);
    if (!px) {
        outputs_no_memory(label, single, n, w, h, c);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) out[i] = (accel_image)ACCEL_IMAGE_INIT(px[i], w[i], h[i], 1);
    run r;
    run_init(&r, self, "image_gray", "image");
    int ran = count_valid(it, n) > 0;
    if (ran)
        PA_RUN(r.c, r.st, r.msg, accel_image_gray(r.c->ctx, in, out, (size_t)n, status, &r.rec));
    else
        for (Py_ssize_t i = 0; i < n; i++) status[i] = ACCEL_OK;
    result = with_record(image_list(&r, it, status, n, px, w, h, c, 1), &r, ran);
done:
    free_outputs(px, n);
    free(in), free(out), free(status), free(w), free(h), free(c);
    items_release(it, n);
    return result;
}

/* ---- resize and warp ------------------------------------------------------------------------ */

/* sizes: one (width, height) per image. */
static int get_sizes(PyObject *sizes_in, Py_ssize_t n, int *w, int *h)
{
    PyObject *sizes = PySequence_Tuple(sizes_in);
    if (!sizes) return -1;
    int rc = 0;
    if (PyTuple_Size(sizes) != n) {
        pa_input_error("size: %zd sizes for %zd images", PyTuple_Size(sizes), n);
        rc = -1;
    }
    for (Py_ssize_t i = 0; !rc && i < n; i++) {
        PyObject *t = PySequence_Tuple(PyTuple_GetItem(sizes, i));
        int ok = t && PyArg_ParseTuple(t, "ii", &w[i], &h[i]);
        Py_XDECREF(t);
        if (!ok) {
            rc = -1;
        } else if (w[i] < 1 || h[i] < 1 || w[i] > 65536 || h[i] > 65536) {
            pa_input_error("size: (%d, %d) (allowed: width and height 1..65536)", w[i], h[i]);
            rc = -1;
        }
    }
    Py_DECREF(sizes);
    return rc;
}

static PyObject *resize_or_warp(PyObject *self, PyObject *seq, const char *label, int single,
                                int order, PyObject *sizes, int interp, PyObject *matrices)
{
    Py_ssize_t n = 0;
    item *it = items_get(seq, label, single, CH1 | CH3 | CH4, order, &n);
    if (!it) return NULL;
    PyObject *result = NULL;
    accel_image *in = calloc((size_t)n, sizeof *in), *out = calloc((size_t)n, sizeof *out);
    accel_status *status = calloc((size_t)n, sizeof *status);
    int *w = calloc((size_t)n, sizeof *w), *h = calloc((size_t)n, sizeof *h), *c = calloc((size_t)n, sizeof *c);
    double *M = matrices ? calloc((size_t)n * 6, sizeof *M) : NULL;
    uint8_t **px = NULL;
    if (!in || !out || !status || !w || !h || !c || (matrices && !M)) {
        no_memory_batch(label, n);
        goto done;
    }
    if (get_sizes(sizes, n, w, h) < 0) goto done;
    if (matrices) {
        PyObject *ms = PySequence_Tuple(matrices);
        if (!ms) goto done;
        int bad = PyTuple_Size(ms) != n;
        if (bad) pa_input_error("M: %zd matrices for %zd images", PyTuple_Size(ms), n);
        for (Py_ssize_t i = 0; !bad && i < n; i++) {
            double *m = M + 6 * i;
            PyObject *t = PySequence_Tuple(PyTuple_GetItem(ms, i));
            if (!t || !PyArg_ParseTuple(t, "dddddd", m, m + 1, m + 2, m + 3, m + 4, m + 5))
                bad = 1;
            Py_XDECREF(t);
        }
        Py_DECREF(ms);
        if (bad) goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        in[i] = it[i].im;
        c[i] = in[i].channels;
        if (it[i].err) w[i] = h[i] = 1; /* the stand-in's output */
        status[i] = UNSET;
        if (M && it[i].err) memcpy(M + 6 * i, (const double[6]){1, 0, 0, 0, 1, 0}, 6 * sizeof *M);
    }
    px = alloc_outputs(n, w, h, c);
    if (!px) {
        outputs_no_memory(label, single, n, w, h, c);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = (accel_image)ACCEL_IMAGE_INIT(px[i], w[i], h[i], c[i]);
        out[i].order = in[i].order;
    }
    run r;
    run_init(&r, self, matrices ? "image_warp" : "image_resize", "image");
    int ran = count_valid(it, n) > 0;
    if (!ran)
        for (Py_ssize_t i = 0; i < n; i++) status[i] = ACCEL_OK;
    else if (matrices)
        PA_RUN(r.c, r.st, r.msg,
               accel_image_warp_affine(r.c->ctx, in, M, (size_t)n, out, status, &r.rec));
    else
        PA_RUN(r.c, r.st, r.msg,
               accel_image_resize(r.c->ctx, (accel_interp)interp, in, out, (size_t)n, status, &r.rec));
    result = with_record(image_list(&r, it, status, n, px, w, h, c, 0), &r, ran);
done:
    free_outputs(px, n);
    free(in), free(out), free(status), free(w), free(h), free(c), free(M);
    items_release(it, n);
    return result;
}

static PyObject *ctx_image_resize(PyObject *self, PyObject *args)
{
    PyObject *seq, *sizes;
    const char *label;
    int single, order, interp;
    if (!PyArg_ParseTuple(args, "OspiOi:image_resize", &seq, &label, &single, &order, &sizes, &interp))
        return NULL;
    if (pa_arg_range("interp", interp, ACCEL_INTERP_LINEAR, ACCEL_INTERP_AREA, "0 linear, 1 area") < 0)
        return NULL;
    return resize_or_warp(self, seq, label, single, order, sizes, interp, NULL);
}

static PyObject *ctx_image_warp(PyObject *self, PyObject *args)
{
    PyObject *seq, *sizes, *matrices;
    const char *label;
    int single, order;
    if (!PyArg_ParseTuple(args, "OspiOO:image_warp", &seq, &label, &single, &order, &matrices, &sizes))
        return NULL;
    return resize_or_warp(self, seq, label, single, order, sizes, 0, matrices);
}

/* ---- blobs: image_blob and scrfd_input ------------------------------------------------------ */

/* (blob Buffer, det_scale Buffer or None, [None or error per image], record) */
static PyObject *blob_result(const run *r, item *it, const accel_status *status, Py_ssize_t n,
                             float *blob, size_t plane, double *det_scale, int ran,
                             const size_t *shape)
{
    Py_ssize_t first = first_failed(r, status, n);
    if (first == -2) {
        free(blob), free(det_scale);
        return raise_run(r);
    }
    PyObject *errors = PyList_New(n);
    if (!errors) {
        free(blob), free(det_scale);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = Py_None;
        int failed = it[i].err || status[i] != ACCEL_OK;
        if (it[i].err)
            e = it[i].err;
        else if (status[i] != ACCEL_OK)
            e = NULL;
        if (e) {
            Py_INCREF(e);
        } else {
            e = lib_error(r, i, status[i], first);
            if (!e) {
                Py_DECREF(errors);
                free(blob), free(det_scale);
                return NULL;
            }
        }
        if (failed) { /* a failed row: NaN, so it cannot pass for an image */
            for (size_t k = 0; k < plane; k++) blob[(size_t)i * plane + k] = NAN;
            if (det_scale) det_scale[i] = NAN;
        }
        PyList_SetItem(errors, i, e);
    }
    PyObject *b = pa_buffer_new(blob, free, NULL, PA_EL_F32, 4, shape);
    if (!b) {
        Py_DECREF(errors);
        free(det_scale);
        return NULL;
    }
    PyObject *ds = Py_None;
    Py_INCREF(ds);
    if (det_scale) {
        Py_DECREF(ds);
        size_t dn = (size_t)n;
        ds = pa_buffer_new(det_scale, free, NULL, PA_EL_F64, 1, &dn);
        if (!ds) {
            Py_DECREF(errors);
            Py_DECREF(b);
            return NULL;
        }
    }
    if (!ran) return Py_BuildValue("(NNNO)", b, ds, errors, Py_None);
    return Py_BuildValue("(NNNN)", b, ds, errors, pa_record_dict(&r->rec));
}

static PyObject *ctx_image_blob(PyObject *self, PyObject *args)
{
    PyObject *seq;
    const char *label;
    int single, order, width, height, swap_rb, scrfd;
    double scale;
    float mean[3];
    if (!PyArg_ParseTuple(args, "Ospiii(fff)dpp:image_blob", &seq, &label, &single, &order, &width,
                          &height, &mean[0], &mean[1], &mean[2], &scale, &swap_rb, &scrfd))
        return NULL;
    if (width < 1 || height < 1 || width > 16384 || height > 16384)
        return pa_input_error("size: %d×%d (allowed: 1..16384 each)", width, height);
    Py_ssize_t n = 0;
    item *it = items_get(seq, label, single, CH3 | CH4, order, &n);
    if (!it) return NULL;
    PyObject *result = NULL;
    size_t plane = (size_t)3 * (size_t)width * (size_t)height;
    accel_image *in = calloc((size_t)n, sizeof *in);
    accel_status *status = calloc((size_t)n, sizeof *status);
    float *blob = pa_alloc_n((size_t)n * plane, sizeof *blob);
    double *ds = scrfd ? pa_alloc_n((size_t)n, sizeof *ds) : NULL;
    if (!in || !status || !blob || (scrfd && !ds)) {
        free(blob), free(ds);
        pa_no_memory("%s: the blob of %zd image%s at %d×%d (%.1f MiB of float32) does not fit in memory", label, n, n == 1 ? "" : "s", width, height, PA_MIB((double)n * plane * sizeof(float)));
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        in[i] = it[i].im;
        status[i] = UNSET;
    }
    run r;
    run_init(&r, self, scrfd ? "scrfd_input" : "image_blob", "image");
    int ran = count_valid(it, n) > 0;
    if (!ran) {
        for (Py_ssize_t i = 0; i < n; i++) status[i] = ACCEL_OK;
    } else if (scrfd) {
        PA_RUN(r.c, r.st, r.msg,
               accel_scrfd_input(r.c->ctx, in, (size_t)n, width, height, blob, ds, status, &r.rec));
    } else {
        accel_blob_params p;
        memset(&p, 0, sizeof p);
        p.struct_size = sizeof p;
        p.width = width, p.height = height;
        memcpy(p.mean, mean, sizeof mean);
        p.scale = scale;
        p.swap_rb = swap_rb;
        PA_RUN(r.c, r.st, r.msg, accel_image_blob(r.c->ctx, &p, in, (size_t)n, blob, status, &r.rec));
    }
    size_t shape[4] = {(size_t)n, 3, (size_t)height, (size_t)width};
    result = blob_result(&r, it, status, n, blob, plane, ds, ran, shape);
done:
    free(in), free(status);
    items_release(it, n);
    return result;
}

/* ---- ArcFace alignment ----------------------------------------------------------------------- */

static int get_landmarks(PyObject *o, float *l, const char *name)
{
    PyObject *t = PySequence_Tuple(o);
    if (!t) return -1;
    int rc = 0;
    if (PyTuple_Size(t) != 10) {
        pa_input_error("%s: %zd numbers (expected 10: x, y of the eyes, the nose tip and the "
                       "mouth corners)", name, PyTuple_Size(t));
        rc = -1;
    }
    for (Py_ssize_t k = 0; !rc && k < 10; k++) {
        double v = PyFloat_AsDouble(PyTuple_GetItem(t, k));
        if (v == -1.0 && PyErr_Occurred()) rc = -1;
        l[k] = (float)v;
    }
    Py_DECREF(t);
    return rc;
}

static PyObject *ctx_arcface_matrix(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *lo;
    int size;
    if (!PyArg_ParseTuple(args, "Oi:arcface_matrix", &lo, &size)) return NULL;
    float l[10];
    if (get_landmarks(lo, l, "landmarks") < 0) return NULL;
    double M[6];
    accel_status st = accel_arcface_matrix(l, size, M);
    if (st != ACCEL_OK) return pa_raise_last(st);
    return Py_BuildValue("(dddddd)", M[0], M[1], M[2], M[3], M[4], M[5]);
}

static PyObject *ctx_arcface_align(PyObject *self, PyObject *args)
{
    PyObject *seq, *index_in, *lmk_in;
    const char *label;
    int single, order, size, want_blob;
    if (!PyArg_ParseTuple(args, "OspiOOip:arcface_align", &seq, &label, &single, &order, &index_in,
                          &lmk_in, &size, &want_blob))
        return NULL;
    if (pa_arg_range("size", size, 1, 4096, "a multiple of 112 or 128 up to 4096") < 0) return NULL;
    Py_ssize_t n_img = 0;
    item *it = items_get(seq, label, single, CH1 | CH3 | CH4, order, &n_img);
    if (!it) return NULL;
    PyObject *result = NULL, *idx = NULL, *lmk = NULL, *errors = NULL;
    float *L = NULL, *blob = NULL;
    uint8_t *crops = NULL;
    accel_image *in = NULL, *out = NULL;
    accel_status *status = NULL;
    PyObject **ferr = NULL;
    Py_ssize_t n = 0;
    idx = PySequence_Tuple(index_in);
    lmk = idx ? PySequence_Tuple(lmk_in) : NULL;
    if (!lmk) goto done;
    n = PyTuple_Size(idx);
    if (n == 0 || PyTuple_Size(lmk) != n) {
        pa_input_error("landmarks: %zd faces, %zd image indices (at least one face)", PyTuple_Size(lmk), n);
        goto done;
    }
    L = calloc((size_t)n * 10, sizeof *L);
    in = calloc((size_t)n, sizeof *in);
    out = calloc((size_t)n, sizeof *out);
    status = calloc((size_t)n, sizeof *status);
    ferr = calloc((size_t)n, sizeof *ferr);
    if (!L || !in || !out || !status || !ferr) {
        pa_no_memory("landmarks: out of memory for %zd faces", n);
        goto done;
    }
    /* the crops of one call share one shape: the channels of the first face's image */
    int C = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t k = PyLong_AsSsize_t(PyTuple_GetItem(idx, i));
        if (k < 0 || k >= n_img) {
            if (!PyErr_Occurred())
                pa_input_error("face %zd: image index %zd (allowed: 0..%zd)", i, k, n_img - 1);
            goto done;
        }
        char name[64];
        snprintf(name, sizeof name, single ? "landmarks" : "landmarks[%zd]", i);
        if (get_landmarks(PyTuple_GetItem(lmk, i), L + 10 * i, name) < 0) goto done;
        if (it[k].err) ferr[i] = new_ref(it[k].err);
        in[i] = it[k].im;
        if (!ferr[i] && !C) C = in[i].channels;
        if (!ferr[i] && in[i].channels != C) {
            char m[256];
            snprintf(m, sizeof m, "face %zd: its image has %d channels, the first face's %d (the crops "
                     "of one call share one shape)", i, in[i].channels, C);
            ferr[i] = pa_error_new(ACCEL_ERR_INVALID_ARG, m, NULL);
            if (!ferr[i]) goto done;
        }
    }
    if (!C) C = 3;
    size_t crop_bytes = (size_t)size * (size_t)size * (size_t)C, plane = (size_t)3 * size * size;
    crops = pa_alloc((size_t)n * crop_bytes);
    blob = want_blob ? pa_alloc((size_t)n * plane * sizeof *blob) : NULL;
    if (!crops || (want_blob && !blob)) {
        pa_no_memory("landmarks: the crops of %zd face%s at %d×%d (%.1f MiB%s) do not fit in memory", n, n == 1 ? "" : "s", size, size, PA_MIB((double)n * crop_bytes + (want_blob ? (double)n * plane * sizeof(float) : 0.0)), want_blob ? ", with their blob" : "");
        goto done;
    }
    Py_ssize_t valid = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        status[i] = UNSET;
        if (ferr[i]) { /* the stand-in, so the others keep their places */
            in[i] = (accel_image)ACCEL_IMAGE_INIT(standin_px, 1, 1, C);
            memcpy(L + 10 * i, standin_lmk, sizeof standin_lmk);
        } else {
            valid++;
        }
        out[i] = (accel_image)ACCEL_IMAGE_INIT(crops + (size_t)i * crop_bytes, size, size, C);
    }
    run r;
    run_init(&r, self, "arcface_align", "face");
    if (valid)
        PA_RUN(r.c, r.st, r.msg,
               accel_arcface_align(r.c->ctx, in, L, (size_t)n, size, out, blob, status, &r.rec));
    else
        for (Py_ssize_t i = 0; i < n; i++) status[i] = ACCEL_OK;
    Py_ssize_t first = first_failed(&r, status, n);
    if (first == -2) {
        raise_run(&r);
        goto done;
    }
    errors = PyList_New(n);
    if (!errors) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e;
        if (ferr[i]) {
            e = new_ref(ferr[i]);
        } else if (status[i] != ACCEL_OK) {
            /* a face the library refused: the landmarks' own reason when they are the cause */
            double M[6];
            if (i != first && status[i] == ACCEL_ERR_INVALID_ARG &&
                accel_arcface_matrix(L + 10 * i, size, M) != ACCEL_OK) {
                char m[1200];
                snprintf(m, sizeof m, "arcface_align: face %zd: %s", i, accel_last_error(NULL));
                e = pa_error_new(ACCEL_ERR_INVALID_ARG, m, NULL);
            } else {
                e = lib_error(&r, i, status[i], first);
            }
        } else {
            e = new_ref(Py_None);
        }
        if (!e) goto done;
        if (ferr[i] || status[i] != ACCEL_OK) {
            memset(crops + (size_t)i * crop_bytes, 0, crop_bytes);
            for (size_t k = 0; blob && k < plane; k++) blob[(size_t)i * plane + k] = NAN;
        }
        PyList_SetItem(errors, i, e);
    }
    size_t cshape[4] = {(size_t)n, (size_t)size, (size_t)size, (size_t)C};
    PyObject *cb = pa_buffer_new(crops, free, NULL, PA_EL_U8, 4, cshape);
    crops = NULL;
    if (!cb) goto done;
    PyObject *bb = Py_None;
    Py_INCREF(bb);
    if (blob) {
        Py_DECREF(bb);
        size_t bshape[4] = {(size_t)n, 3, (size_t)size, (size_t)size};
        bb = pa_buffer_new(blob, free, NULL, PA_EL_F32, 4, bshape);
        blob = NULL;
        if (!bb) {
            Py_DECREF(cb);
            goto done;
        }
    }
    PyObject *rec = valid ? pa_record_dict(&r.rec) : new_ref(Py_None);
    result = Py_BuildValue("(NNON)", cb, bb, errors, rec);
done:
    Py_XDECREF(errors);
    for (Py_ssize_t i = 0; ferr && i < n; i++) Py_XDECREF(ferr[i]);
    free(ferr), free(L), free(in), free(out), free(status), free(crops), free(blob);
    Py_XDECREF(idx);
    Py_XDECREF(lmk);
    items_release(it, n_img);
    return result;
}

/* ---- quality ----------------------------------------------------------------------------- */

static const pa_field quality_fields[] = {
    {"blur_good", offsetof(accel_quality_params, blur_good)},
    {"sharpness_good", offsetof(accel_quality_params, sharpness_good)},
    {"contrast_good", offsetof(accel_quality_params, contrast_good)},
    {"brightness_low", offsetof(accel_quality_params, brightness_low)},
    {"brightness_high", offsetof(accel_quality_params, brightness_high)},
    {"w_blur", offsetof(accel_quality_params, w_blur)},
    {"w_sharpness", offsetof(accel_quality_params, w_sharpness)},
    {"w_contrast", offsetof(accel_quality_params, w_contrast)},
    {"w_brightness", offsetof(accel_quality_params, w_brightness)},
};
#define N_QFIELDS (sizeof quality_fields / sizeof *quality_fields)

static int quality_params(PyObject *d, accel_quality_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    accel_quality_params_init(p);
    return pa_arg_fields(d, "quality parameters", "quality parameter", quality_fields, N_QFIELDS, p);
}

static PyObject *ctx_image_quality(PyObject *self, PyObject *args)
{
    PyObject *seq, *params;
    const char *label;
    int single, order;
    if (!PyArg_ParseTuple(args, "OspiO:image_quality", &seq, &label, &single, &order, &params))
        return NULL;
    accel_quality_params p;
    if (quality_params(params, &p) < 0) return NULL;
    Py_ssize_t n = 0;
    item *it = items_get(seq, label, single, CH1 | CH3 | CH4, order, &n);
    if (!it) return NULL;
    PyObject *result = NULL, *list = NULL;
    accel_image *in = calloc((size_t)n, sizeof *in);
    accel_quality *q = calloc((size_t)n, sizeof *q);
    accel_status *status = calloc((size_t)n, sizeof *status);
    if (!in || !q || !status) {
        no_memory_batch(label, n);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        in[i] = it[i].im;
        q[i].struct_size = sizeof q[i];
        q[i].status = UNSET;
    }
    run r;
    run_init(&r, self, "image_quality", "image");
    int ran = count_valid(it, n) > 0;
    if (ran)
        PA_RUN(r.c, r.st, r.msg, accel_image_quality(r.c->ctx, &p, in, (size_t)n, q, &r.rec));
    for (Py_ssize_t i = 0; i < n; i++) status[i] = ran ? q[i].status : ACCEL_OK;
    Py_ssize_t first = first_failed(&r, status, n);
    if (first == -2) {
        raise_run(&r);
        goto done;
    }
    list = PyList_New(n);
    if (!list) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e;
        if (it[i].err)
            e = new_ref(it[i].err);
        else if (status[i] != ACCEL_OK)
            e = lib_error(&r, i, status[i], first);
        else
            e = Py_BuildValue("(iiddddd)", q[i].width, q[i].height, q[i].blur_laplacian_var,
                              q[i].brightness, q[i].contrast, q[i].sharpness_tenengrad, q[i].overall);
        if (!e) goto done;
        PyList_SetItem(list, i, e);
    }
    result = with_record(list, &r, ran);
    list = NULL;
done:
    Py_XDECREF(list);
    free(in), free(q), free(status);
    items_release(it, n);
    return result;
}

/* ---- enhancement ------------------------------------------------------------------------------ */

static PyObject *ctx_image_enhance(PyObject *self, PyObject *args)
{
    PyObject *seq;
    const char *label;
    int single, order;
    accel_enhance_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    accel_enhance_params_init(&p);
    if (!PyArg_ParseTuple(args, "Ospiidii:image_enhance", &seq, &label, &single, &order,
                          &p.min_short_side, &p.clip_limit, &p.tiles_x, &p.tiles_y))
        return NULL;
    Py_ssize_t n = 0;
    item *it = items_get(seq, label, single, CH1 | CH3 | CH4, order, &n);
    if (!it) return NULL;
    PyObject *result = NULL, *list = NULL;
    accel_image *in = calloc((size_t)n, sizeof *in), *out = calloc((size_t)n, sizeof *out);
    accel_status *status = calloc((size_t)n, sizeof *status);
    double *scale = calloc((size_t)n, sizeof *scale);
    if (!in || !out || !status || !scale) {
        no_memory_batch(label, n);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        in[i] = it[i].im;
        out[i].struct_size = sizeof out[i];
        status[i] = UNSET;
    }
    run r;
    run_init(&r, self, "image_enhance", "image");
    int ran = count_valid(it, n) > 0;
    if (ran)
        PA_RUN(r.c, r.st, r.msg,
               accel_image_enhance(r.c->ctx, &p, in, (size_t)n, out, scale, status, &r.rec));
    else
        for (Py_ssize_t i = 0; i < n; i++) status[i] = ACCEL_OK;
    Py_ssize_t first = first_failed(&r, status, n);
    if (first == -2) {
        raise_run(&r);
        goto done;
    }
    list = PyList_New(n);
    if (!list) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e;
        if (it[i].err) {
            e = new_ref(it[i].err);
        } else if (status[i] != ACCEL_OK || !out[i].data) {
            e = lib_error(&r, i, status[i] != ACCEL_OK ? status[i] : ACCEL_ERR_INTERNAL, first);
        } else {
            /* accel's pixels, packed (width · channels per row), owned by the Buffer */
            PyObject *b = image_buffer(out[i].data, free_accel_pixels, out[i].width,
                                       out[i].height, out[i].channels,
                                       flat_like(&it[i], out[i].channels));
            out[i].data = NULL;
            e = b ? Py_BuildValue("(Nd)", b, scale[i]) : NULL;
        }
        if (!e) goto done;
        PyList_SetItem(list, i, e);
    }
    result = with_record(list, &r, ran);
    list = NULL;
done:
    Py_XDECREF(list);
    if (out) accel_image_free(out, (size_t)n); /* those not handed to a Buffer */
    free(in), free(out), free(status), free(scale);
    items_release(it, n);
    return result;
}

/* ---- files: paths and encoded bytes ------------------------------------------------------------ */

/* The files of a call that takes them (decode, scrfd_prepare): paths (str) go to the library's
 * path call, encoded bytes to its _memory call; where_p[k] / where_m[k] is the entry of the
 * k-th of each; errs[i] an entry refused here (not bytes); a None entry is skipped. Results of
 * the two calls are their decoding results, dp (np) and dm (nm). */
typedef struct file_srcs {
    Py_ssize_t n;
    pa_path *paths;
    PyObject **errs;
    pa_input *mem;
    int *have_mem;
    const char **pp, **names;
    const void **md;
    size_t *ms;
    Py_ssize_t *where_p, *where_m;
    char (*namebuf)[64];
    size_t np, nm;
} file_srcs;

static void file_srcs_release(file_srcs *f)
{
    for (Py_ssize_t i = 0; i < f->n; i++) {
        if (f->paths) pa_path_release(&f->paths[i]);
        if (f->errs) Py_XDECREF(f->errs[i]);
        if (f->have_mem && f->have_mem[i]) pa_input_release(&f->mem[i]);
    }
    free(f->paths), free(f->errs), free(f->mem), free(f->have_mem), free(f->pp), free(f->names);
    free(f->md), free(f->ms), free(f->where_p), free(f->where_m), free(f->namebuf);
    memset(f, 0, sizeof *f);
}

/* The files of a call as a tuple (a new reference), at least one; NULL with the exception set. */
static PyObject *files_tuple(PyObject *seq_in, const char *label, Py_ssize_t *n)
{
    PyObject *seq = PySequence_Tuple(seq_in);
    if (!seq) return NULL;
    *n = PyTuple_Size(seq);
    if (*n == 0) {
        Py_DECREF(seq);
        pa_input_error("%s: an empty list (give at least one file)", label);
        return NULL;
    }
    return seq;
}

/* 0, or -1 with the exception set (f released then). */
static int file_srcs_get(file_srcs *f, PyObject *seq, Py_ssize_t n, const char *label, int single)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    f->paths = calloc((size_t)n, sizeof *f->paths);
    f->errs = calloc((size_t)n, sizeof *f->errs);
    f->mem = calloc((size_t)n, sizeof *f->mem);
    f->have_mem = calloc((size_t)n, sizeof *f->have_mem);
    f->pp = calloc((size_t)n, sizeof *f->pp);
    f->names = calloc((size_t)n, sizeof *f->names);
    f->md = calloc((size_t)n, sizeof *f->md);
    f->ms = calloc((size_t)n, sizeof *f->ms);
    f->where_p = calloc((size_t)n, sizeof *f->where_p);
    f->where_m = calloc((size_t)n, sizeof *f->where_m);
    f->namebuf = calloc((size_t)n, sizeof *f->namebuf);
    if (!f->paths || !f->errs || !f->mem || !f->have_mem || !f->pp || !f->names || !f->md ||
        !f->ms || !f->where_p || !f->where_m || !f->namebuf) {
        file_srcs_release(f);
        no_memory_batch(label, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyTuple_GetItem(seq, i);
        item_name(f->namebuf[i], sizeof f->namebuf[i], label, single, i);
        if (settled_place(o)) { /* not a file of this call: a place kept for the names' indices */
            f->errs[i] = new_ref(o);
            continue;
        }
        if (o == Py_None) {
            pa_type_error(f->namebuf[i], "an image file", o,
                          "a path, or the bytes of a JPEG, PNG or WebP file");
            f->errs[i] = pa_take_error();
            if (!f->errs[i]) {
                file_srcs_release(f);
                return -1;
            }
            continue;
        }
        if (PyUnicode_Check(o)) {
            if (!pa_path_arg(o, &f->paths[i])) {
                file_srcs_release(f);
                return -1;
            }
            f->where_p[f->np] = i;
            f->pp[f->np++] = f->paths[i].text;
            continue;
        }
        if (pa_input_arg(o, f->namebuf[i], &encoded_accept, &f->mem[i]) < 0) {
            if (!item_level_error()) {
                file_srcs_release(f);
                return -1;
            }
            f->errs[i] = pa_take_error();
            continue;
        }
        f->have_mem[i] = 1;
        f->where_m[f->nm] = i;
        f->names[f->nm] = f->namebuf[i];
        f->md[f->nm] = f->mem[i].data;
        f->ms[f->nm++] = f->mem[i].n;
    }
    return 0;
}

/* After the path call (st_p, …) and the memory call (st_m, …): a call that failed as a whole
 * (its results hold no status of their own) raises, and 1 is returned; else 0, r->rec the
 * record of the call that ran (the path call's when both did). */
static int file_calls_failed(run *r, const file_srcs *f, const accel_image_decoded *dp,
                             const accel_image_decoded *dm, accel_status st_p, const char *msg_p,
                             const accel_run_record *rec_p, accel_status st_m, const char *msg_m,
                             const accel_run_record *rec_m)
{
    for (int pass = 0; pass < 2; pass++) {
        accel_status st = pass ? st_m : st_p;
        const accel_image_decoded *d = pass ? dm : dp;
        size_t cnt = pass ? f->nm : f->np;
        if (st == ACCEL_OK) continue;
        int whole = st == PA_CLOSED;
        for (size_t k = 0; k < cnt; k++) whole |= d[k].status == UNSET;
        if (whole) {
            r->st = st;
            snprintf(r->msg, sizeof r->msg, "%s", pass ? msg_m : msg_p);
            r->rec = pass ? *rec_m : *rec_p;
            raise_run(r);
            return 1;
        }
    }
    r->rec = f->nm && !f->np ? *rec_m : *rec_p;
    return 0;
}

/* ---- decoding ---------------------------------------------------------------------------------- */

static PyObject *decoded_info(const accel_image_decoded *d)
{
    return Py_BuildValue("{s:s,s:i,s:i,s:i,s:i,s:N}", "format", d->format, "stored_width",
                         d->stored_width, "stored_height", d->stored_height, "scale_denom",
                         d->scale_denom, "orientation", d->orientation, "message", pa_text(d->message));
}

static PyObject *ctx_image_decode(PyObject *self, PyObject *args)
{
    PyObject *seq_in;
    const char *label;
    int single;
    accel_image_decode_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    accel_image_decode_params_init(&p);
    int order;
    if (!PyArg_ParseTuple(args, "Ospiiipi:image_decode", &seq_in, &label, &single, &order,
                          &p.min_width, &p.min_height, &p.ignore_orientation, &p.scale_denom))
        return NULL;
    if (pa_arg_range("order", order, ACCEL_BGR, ACCEL_RGB, "0 BGR, 1 RGB") < 0) return NULL;
    p.order = (accel_pixel_order)order;
    Py_ssize_t n = 0;
    PyObject *seq = files_tuple(seq_in, label, &n);
    if (!seq) return NULL;
    PyObject *result = NULL, *list = NULL;
    file_srcs f;
    accel_image_decoded *dp = NULL, *dm = NULL;
    if (file_srcs_get(&f, seq, n, label, single) < 0) goto done;
    dp = calloc((size_t)n, sizeof *dp);
    dm = calloc((size_t)n, sizeof *dm);
    if (!dp || !dm) {
        no_memory_batch(label, n);
        goto done;
    }
    accel_image_decoded_init(dp, f.np);
    accel_image_decoded_init(dm, f.nm);
    for (size_t k = 0; k < f.np; k++) dp[k].status = UNSET;
    for (size_t k = 0; k < f.nm; k++) dm[k].status = UNSET;
    run r;
    run_init(&r, self, "image_decode", "image");
    accel_status st_p = ACCEL_OK, st_m = ACCEL_OK;
    char msg_p[1024] = "", msg_m[1024] = "";
    accel_run_record rec_p = {.struct_size = sizeof rec_p}, rec_m = rec_p;
    if (f.np) PA_RUN(r.c, st_p, msg_p, accel_image_decode(r.c->ctx, &p, f.pp, f.np, dp, &rec_p));
    if (f.nm)
        PA_RUN(r.c, st_m, msg_m,
               accel_image_decode_memory(r.c->ctx, &p, f.md, f.ms, f.names, f.nm, dm, &rec_m));
    if (file_calls_failed(&r, &f, dp, dm, st_p, msg_p, &rec_p, st_m, msg_m, &rec_m)) goto done;
    list = PyList_New(n);
    if (!list) goto done;
    for (Py_ssize_t i = 0; i < n; i++) PyList_SetItem(list, i, new_ref(Py_None));
    for (int pass = 0; pass < 2; pass++) {
        accel_image_decoded *d = pass ? dm : dp;
        size_t cnt = pass ? f.nm : f.np;
        Py_ssize_t *where = pass ? f.where_m : f.where_p;
        for (size_t k = 0; k < cnt; k++) {
            PyObject *e, *info = decoded_info(&d[k]);
            if (!info) goto done;
            if (d[k].status != ACCEL_OK) {
                e = pa_error_new(d[k].status, d[k].message, NULL);
            } else {
                e = image_buffer(d[k].image.data, free_accel_pixels, d[k].image.width,
                                 d[k].image.height, d[k].image.channels, 0);
                d[k].image.data = NULL;
            }
            PyObject *pair = e ? Py_BuildValue("(NN)", e, info) : NULL;
            if (!pair) {
                Py_XDECREF(info);
                goto done;
            }
            PyList_SetItem(list, where[k], pair);
        }
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (f.errs[i]) {
            PyObject *pair = Py_BuildValue("(OO)", f.errs[i], Py_None);
            if (!pair) goto done;
            PyList_SetItem(list, i, pair);
        }
    result = with_record(list, &r, f.np + f.nm > 0);
    list = NULL;
done:
    Py_XDECREF(list);
    if (dp) accel_image_decoded_free(dp, f.np);
    if (dm) accel_image_decoded_free(dm, f.nm);
    free(dp), free(dm);
    file_srcs_release(&f);
    Py_DECREF(seq);
    return result;
}

/* ---- decode, SCRFD input and quality in one call ------------------------------------------------ */

static PyObject *ctx_scrfd_prepare(PyObject *self, PyObject *args)
{
    PyObject *seq_in, *params;
    const char *label;
    int single, order, width, height;
    if (!PyArg_ParseTuple(args, "OspiiiO:scrfd_prepare", &seq_in, &label, &single, &order, &width,
                          &height, &params))
        return NULL;
    if (pa_arg_range("order", order, ACCEL_BGR, ACCEL_RGB, "0 BGR, 1 RGB") < 0) return NULL;
    if (width < 1 || height < 1 || width > 16384 || height > 16384)
        return pa_input_error("size: %d×%d (allowed: 1..16384 each)", width, height);
    accel_quality_params qp;
    if (quality_params(params, &qp) < 0) return NULL;
    accel_image_decode_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    accel_image_decode_params_init(&p);
    p.order = (accel_pixel_order)order;
    Py_ssize_t n = 0;
    PyObject *seq = files_tuple(seq_in, label, &n);
    if (!seq) return NULL;
    const size_t plane = (size_t)3 * (size_t)width * (size_t)height;
    PyObject *result = NULL, *list = NULL;
    file_srcs f;
    accel_image_decoded *dec = NULL;
    accel_quality *q = NULL;
    float *blob = NULL, *tmp = NULL;
    double *ds = NULL, *dtmp = NULL;
    char *ok = NULL;
    if (file_srcs_get(&f, seq, n, label, single) < 0) goto done;
    const size_t np = f.np, nm = f.nm;
    dec = calloc((size_t)n, sizeof *dec);
    q = calloc((size_t)n, sizeof *q);
    ok = calloc((size_t)n, 1);
    blob = pa_alloc((size_t)n * plane * sizeof *blob);
    ds = pa_alloc((size_t)n * sizeof *ds);
    /* the calls write the paths' results first, then the buffers': straight into the blob
     * when every entry is of one kind (then in input order), else put in order after */
    const int direct = np == (size_t)n || nm == (size_t)n;
    if (!direct) {
        tmp = pa_alloc((np + nm ? np + nm : 1) * plane * sizeof *tmp);
        dtmp = pa_alloc((np + nm ? np + nm : 1) * sizeof *dtmp);
    }
    if (!dec || !q || !ok || !blob || !ds || (!direct && (!tmp || !dtmp))) {
        pa_no_memory("%s: the blob of %zd image%s at %d×%d (%.1f MiB of float32) does not fit in memory", label, n, n == 1 ? "" : "s", width, height, PA_MIB((double)n * plane * sizeof(float) * (direct ? 1 : 2)));
        goto done;
    }
    float *cb = direct ? blob : tmp;
    double *cd = direct ? ds : dtmp;
    accel_image_decoded_init(dec, np + nm);
    for (size_t k = 0; k < np + nm; k++) {
        dec[k].status = UNSET;
        q[k].struct_size = sizeof q[k];
        q[k].status = UNSET;
    }
    run r;
    run_init(&r, self, "scrfd_prepare", "image");
    accel_status st_p = ACCEL_OK, st_m = ACCEL_OK;
    char msg_p[1024] = "", msg_m[1024] = "";
    accel_run_record rec_p = {.struct_size = sizeof rec_p}, rec_m = rec_p;
    if (np)
        PA_RUN(r.c, st_p, msg_p,
               accel_scrfd_prepare(r.c->ctx, &p, f.pp, np, width, height, cb, cd, &qp, q, dec,
                                   &rec_p));
    if (nm)
        PA_RUN(r.c, st_m, msg_m,
               accel_scrfd_prepare_memory(r.c->ctx, &p, f.md, f.ms, f.names, nm, width, height,
                                          cb + np * plane, cd + np, &qp, q + np, dec + np,
                                          &rec_m));
    if (file_calls_failed(&r, &f, dec, dec + np, st_p, msg_p, &rec_p, st_m, msg_m, &rec_m))
        goto done;
    /* entry i is the calls' k-th result (none for an entry refused here) */
    for (size_t k = 0; k < np + nm; k++) {
        Py_ssize_t i = k < np ? f.where_p[k] : f.where_m[k - np];
        ok[i] = dec[k].status == ACCEL_OK;
        if (ok[i] && !direct) {
            memcpy(blob + (size_t)i * plane, tmp + k * plane, plane * sizeof *blob);
            ds[i] = cd[k];
        }
    }
    list = PyList_New(n);
    if (!list) goto done;
    for (Py_ssize_t i = 0; i < n; i++) PyList_SetItem(list, i, new_ref(Py_None));
    for (size_t k = 0; k < np + nm; k++) {
        Py_ssize_t i = k < np ? f.where_p[k] : f.where_m[k - np];
        PyObject *e;
        if (dec[k].status != ACCEL_OK) {
            e = pa_error_new(dec[k].status, dec[k].message, NULL);
        } else {
            PyObject *img = image_buffer(dec[k].image.data, free_accel_pixels, dec[k].image.width,
                                         dec[k].image.height, dec[k].image.channels, 0);
            dec[k].image.data = NULL;
            e = img ? Py_BuildValue("(N(iiddddd))", img, q[k].width, q[k].height,
                                    q[k].blur_laplacian_var, q[k].brightness, q[k].contrast,
                                    q[k].sharpness_tenengrad, q[k].overall)
                    : NULL;
        }
        if (!e) goto done;
        PyList_SetItem(list, i, e);
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (f.errs[i]) PyList_SetItem(list, i, new_ref(f.errs[i]));
    /* a failed row: NaN, so it cannot pass for an image */
    for (Py_ssize_t i = 0; i < n; i++)
        if (!ok[i]) {
            for (size_t j = 0; j < plane; j++) blob[(size_t)i * plane + j] = NAN;
            ds[i] = NAN;
        }
    size_t shape[4] = {(size_t)n, 3, (size_t)height, (size_t)width}, dn = (size_t)n;
    PyObject *b = pa_buffer_new(blob, free, NULL, PA_EL_F32, 4, shape);
    if (!b) goto done;
    blob = NULL;
    PyObject *d = pa_buffer_new(ds, free, NULL, PA_EL_F64, 1, &dn);
    if (!d) {
        Py_DECREF(b);
        goto done;
    }
    ds = NULL;
    result = np + nm ? Py_BuildValue("(NNNN)", b, d, list, pa_record_dict(&r.rec))
                     : Py_BuildValue("(NNNO)", b, d, list, Py_None);
    list = NULL;
done:
    Py_XDECREF(list);
    if (dec) accel_image_decoded_free(dec, f.np + f.nm);
    free(dec), free(q), free(ok), free(blob), free(tmp), free(ds), free(dtmp);
    file_srcs_release(&f);
    Py_DECREF(seq);
    return result;
}

/* ---- SCRFD output ---------------------------------------------------------------------------------- */

static int scrfd_params(PyObject *d, accel_scrfd_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    accel_scrfd_params_init(p);
    PyObject *strides = NULL;
    if (!PyArg_ParseTuple(d, "iiOiffi:scrfd parameters", &p->input_width, &p->input_height, &strides,
                          &p->n_anchors, &p->score_threshold, &p->nms_threshold, &p->max_faces))
        return -1;
    PyObject *t = PySequence_Tuple(strides);
    if (!t) return -1;
    Py_ssize_t ns = PyTuple_Size(t);
    if (ns < 1 || ns > 5) {
        Py_DECREF(t);
        pa_input_error("strides: %zd of them (allowed: 1 to 5)", ns);
        return -1;
    }
    p->n_strides = (int)ns;
    for (Py_ssize_t s = 0; s < ns; s++) {
        long v = PyLong_AsLong(PyTuple_GetItem(t, s));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(t);
            return -1;
        }
        if (pa_arg_range("strides", v, 1, 4096, "1..4096") < 0) {
            Py_DECREF(t);
            return -1;
        }
        p->strides[s] = (int)v;
    }
    Py_DECREF(t);
    if (p->input_width < 1 || p->input_height < 1 || p->n_anchors < 1 || p->n_anchors > 64) {
        pa_input_error("input size %d×%d, %d anchors (allowed: sizes ≥ 1, 1..64 anchors)",
                       p->input_width, p->input_height, p->n_anchors);
        return -1;
    }
    return 0;
}

/* Reads image i's model outputs into o; -1 with an exception naming the output. `ins` holds
 * 15 inputs (released by the caller). */
static int scrfd_outputs_of(PyObject *outs_in, const char *name, const accel_scrfd_params *p,
                            pa_input *ins, int *n_ins, accel_scrfd_outputs *o)
{
    PyObject *outs = PySequence_Tuple(outs_in);
    if (!outs) {
        PyErr_Clear();
        pa_input_error("%s: expected the model's outputs, a list of arrays", name);
        return -1;
    }
    Py_ssize_t k = PyTuple_Size(outs), ns = p->n_strides;
    int rc = -1;
    if (k != 2 * ns && k != 3 * ns) {
        pa_input_error("%s: %zd outputs; an SCRFD model with %zd strides gives %zd (scores, boxes) "
                       "or %zd (and key points)", name, k, ns, 2 * ns, 3 * ns);
        goto done;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        Py_ssize_t s = j % ns, group = j / ns;
        size_t cells = (size_t)(p->input_height / p->strides[s]) * (size_t)(p->input_width / p->strides[s]);
        size_t want = cells * (size_t)p->n_anchors * (group == 0 ? 1 : group == 1 ? 4 : 10);
        char oname[96];
        snprintf(oname, sizeof oname, "%s[%zd]", name, j);
        if (pa_input_arg(PyTuple_GetItem(outs, j), oname, &net_accept, &ins[j]) < 0) goto done;
        (*n_ins)++;
        if (ins[j].n != want) {
            static const char *const what[] = {"scores", "boxes", "key points"};
            pa_input_error("%s: %zu values; the %s of stride %d for a %d×%d input with %d anchors "
                           "are %zu", oname, ins[j].n, what[group], p->strides[s], p->input_width,
                           p->input_height, p->n_anchors, want);
            goto done;
        }
        const float *f = ins[j].data;
        if (group == 0) o->scores[s] = f;
        else if (group == 1) o->bboxes[s] = f;
        else o->kps[s] = f;
    }
    rc = 0;
done:
    Py_DECREF(outs);
    return rc;
}

static PyObject *ctx_scrfd_output(PyObject *self, PyObject *args)
{
    PyObject *outputs_in, *scales_in, *sizes_in, *params_in;
    const char *label;
    int single;
    if (!PyArg_ParseTuple(args, "OOOOsp:scrfd_output", &outputs_in, &scales_in, &sizes_in, &params_in,
                          &label, &single))
        return NULL;
    accel_scrfd_params p;
    if (scrfd_params(params_in, &p) < 0) return NULL;
    PyObject *outputs = PySequence_Tuple(outputs_in);
    if (!outputs) return NULL;
    PyObject *scales = PySequence_Tuple(scales_in);
    if (!scales) {
        Py_DECREF(outputs);
        return NULL;
    }
    Py_ssize_t n = PyTuple_Size(outputs);
    PyObject *result = NULL, *list = NULL;
    pa_input *ins = NULL;
    int *n_ins = NULL, *has_kps = NULL;
    PyObject **errs = NULL;
    accel_scrfd_outputs *nets = NULL;
    accel_faces *faces = NULL;
    accel_status *status = NULL;
    float *zeros = NULL;
    if (n == 0) {
        pa_input_error("%s: an empty list (give at least one image's outputs)", label);
        goto done;
    }
    if (PyTuple_Size(scales) != n) {
        pa_input_error("det_scale: %zd values for %zd images", PyTuple_Size(scales), n);
        goto done;
    }
    ins = calloc((size_t)n * 15, sizeof *ins);
    n_ins = calloc((size_t)n, sizeof *n_ins);
    has_kps = calloc((size_t)n, sizeof *has_kps);
    errs = calloc((size_t)n, sizeof *errs);
    nets = calloc((size_t)n, sizeof *nets);
    faces = calloc((size_t)n, sizeof *faces);
    status = calloc((size_t)n, sizeof *status);
    if (!ins || !n_ins || !has_kps || !errs || !nets || !faces || !status) {
        pa_no_memory("outputs: out of memory for %zd images", n);
        goto done;
    }
    Py_ssize_t valid = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        accel_scrfd_outputs *o = &nets[i];
        o->struct_size = sizeof *o;
        faces[i].struct_size = sizeof faces[i];
        faces[i].status = UNSET;
        char name[64];
        item_name(name, sizeof name, label, single, i);
        o->det_scale = PyFloat_AsDouble(PyTuple_GetItem(scales, i));
        if (o->det_scale == -1.0 && PyErr_Occurred()) goto done;
        if (sizes_in != Py_None) {
            PyObject *sz = PySequence_GetItem(sizes_in, i);
            int ok = sz && PyArg_ParseTuple(sz, "ii", &o->image_width, &o->image_height);
            Py_XDECREF(sz);
            if (!ok) goto done;
        }
        if (scrfd_outputs_of(PyTuple_GetItem(outputs, i), name, &p, ins + 15 * i, &n_ins[i], o) < 0) {
            if (!item_level_error()) goto done;
            errs[i] = pa_take_error();
            memset(o->scores, 0, sizeof o->scores);
            memset(o->bboxes, 0, sizeof o->bboxes);
            memset(o->kps, 0, sizeof o->kps);
            o->det_scale = 1.0;
            continue;
        }
        has_kps[i] = o->kps[0] != NULL;
        valid++;
    }
    if (valid < n) { /* the stand-ins' outputs: no score reaches any threshold above 0 */
        size_t most = 0;
        for (int s = 0; s < p.n_strides; s++) {
            size_t cells = (size_t)(p.input_height / p.strides[s]) * (size_t)(p.input_width / p.strides[s]);
            if (cells * (size_t)p.n_anchors * 4 > most) most = cells * (size_t)p.n_anchors * 4;
        }
        zeros = calloc(most ? most : 1, sizeof *zeros);
        if (!zeros) {
            pa_no_memory("outputs: out of memory for the stand-ins' outputs");
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            for (int s = 0; errs[i] && s < p.n_strides; s++) nets[i].scores[s] = nets[i].bboxes[s] = zeros;
    }
    run r;
    run_init(&r, self, "scrfd_output", "image");
    if (valid)
        PA_RUN(r.c, r.st, r.msg, accel_scrfd_output(r.c->ctx, &p, nets, (size_t)n, faces, &r.rec));
    for (Py_ssize_t i = 0; i < n; i++) status[i] = valid ? faces[i].status : ACCEL_OK;
    Py_ssize_t first = first_failed(&r, status, n);
    if (first == -2) {
        raise_run(&r);
        goto done;
    }
    list = PyList_New(n);
    if (!list) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e;
        if (errs[i]) {
            e = new_ref(errs[i]);
        } else if (status[i] != ACCEL_OK) {
            e = lib_error(&r, i, status[i], first);
        } else {
            /* insightface's two arrays: det (k, 5) = box and score, kpss (k, 5, 2); the faces
             * interleave them, so they are repacked (15 floats a face) */
            size_t k = faces[i].n_faces;
            float *det = pa_alloc(k * 5 * sizeof *det), *kps = has_kps[i] ? pa_alloc(k * 10 * sizeof *kps) : NULL;
            if (!det || (has_kps[i] && !kps)) {
                free(det), free(kps);
                pa_no_memory("outputs: the %zu faces of image %zd do not fit in memory", k, i);
                goto done;
            }
            for (size_t f = 0; f < k; f++) {
                const accel_face *a = &faces[i].faces[f];
                float row[5] = {a->x1, a->y1, a->x2, a->y2, a->score};
                memcpy(det + 5 * f, row, sizeof row);
                if (kps) memcpy(kps + 10 * f, a->kps, sizeof a->kps);
            }
            size_t dshape[2] = {k, 5}, kshape[3] = {k, 5, 2};
            PyObject *db = pa_buffer_new(det, free, NULL, PA_EL_F32, 2, dshape);
            PyObject *kb = db && kps ? pa_buffer_new(kps, free, NULL, PA_EL_F32, 3, kshape) : NULL;
            if (!kps && db) kb = new_ref(Py_None);
            else if (!db) free(kps);
            e = db && kb ? Py_BuildValue("(NN)", db, kb) : NULL;
            if (!e) {
                Py_XDECREF(db);
                Py_XDECREF(kb);
            }
        }
        if (!e) goto done;
        PyList_SetItem(list, i, e);
    }
    result = with_record(list, &r, valid > 0);
    list = NULL;
done:
    Py_XDECREF(list);
    if (faces) accel_faces_free(faces, (size_t)n);
    for (Py_ssize_t i = 0; n_ins && i < n; i++)
        for (int j = 0; j < n_ins[i]; j++) pa_input_release(&ins[15 * i + j]);
    for (Py_ssize_t i = 0; errs && i < n; i++) Py_XDECREF(errs[i]);
    free(ins), free(n_ins), free(has_kps), free(errs), free(nets), free(faces), free(status), free(zeros);
    Py_DECREF(outputs);
    Py_DECREF(scales);
    return result;
}

/* ---- the methods ------------------------------------------------------------------------------- */

PyMethodDef pa_context_image_methods[] = {
    {"image_decode", ctx_image_decode, METH_VARARGS,
     "image_decode($self, sources, label, single, order, min_width, min_height, "
     "ignore_orientation, scale_denom, /)\n--\n\n([(Buffer or error, info or None), …], record): "
     "accel_image_decode() of paths (str) and accel_image_decode_memory() of encoded bytes; a "
     "None source is skipped (its entry is None)."},
    {"image_gray", ctx_image_gray, METH_VARARGS,
     "image_gray($self, images, label, single, order, /)\n--\n\n([Buffer or error, …], record): "
     "accel_image_gray()."},
    {"image_resize", ctx_image_resize, METH_VARARGS,
     "image_resize($self, images, label, single, order, sizes, interp, /)\n--\n\n"
     "([Buffer or error, …], record): accel_image_resize() to (width, height) per image."},
    {"image_warp", ctx_image_warp, METH_VARARGS,
     "image_warp($self, images, label, single, order, matrices, sizes, /)\n--\n\n"
     "([Buffer or error, …], record): accel_image_warp_affine(), six numbers per matrix."},
    {"image_blob", ctx_image_blob, METH_VARARGS,
     "image_blob($self, images, label, single, order, width, height, mean, scale, swap_rb, "
     "scrfd, /)\n--\n\n(blob, det_scale or None, [None or error, …], record): accel_image_blob(), "
     "or accel_scrfd_input() with scrfd=True (mean, scale and swap_rb then unused)."},
    {"arcface_matrix", ctx_arcface_matrix, METH_VARARGS,
     "arcface_matrix($self, landmarks, size, /)\n--\n\nThe six numbers of accel_arcface_matrix()."},
    {"arcface_align", ctx_arcface_align, METH_VARARGS,
     "arcface_align($self, images, label, single, order, image_index, landmarks, size, blob, /)"
     "\n--\n\n(crops, blob or None, [None or error per face], record): accel_arcface_align(); "
     "face i is cut from images[image_index[i]]."},
    {"image_quality", ctx_image_quality, METH_VARARGS,
     "image_quality($self, images, label, single, order, params, /)\n--\n\n"
     "([(width, height, blur_laplacian_var, brightness, contrast, sharpness_tenengrad, overall) "
     "or error, …], record): accel_image_quality()."},
    {"image_enhance", ctx_image_enhance, METH_VARARGS,
     "image_enhance($self, images, label, single, order, min_short_side, clip_limit, tiles_x, "
     "tiles_y, /)\n--\n\n([(Buffer, scale) or error, …], record): accel_image_enhance()."},
    {"scrfd_prepare", ctx_scrfd_prepare, METH_VARARGS,
     "scrfd_prepare($self, sources, label, single, order, width, height, params, /)\n--\n\n"
     "(blob, det_scale, [(Buffer, (width, height, blur_laplacian_var, brightness, contrast, "
     "sharpness_tenengrad, overall)) or error, …], record): accel_scrfd_prepare() of paths "
     "(str) and accel_scrfd_prepare_memory() of encoded bytes; failed rows of the blob NaN."},
    {"scrfd_output", ctx_scrfd_output, METH_VARARGS,
     "scrfd_output($self, outputs, det_scales, image_sizes, params, label, single, /)\n--\n\n"
     "([(det, kpss or None) or error, …], record): accel_scrfd_output(); params is (input_width, "
     "input_height, strides, n_anchors, score_threshold, nms_threshold, max_faces)."},
    {NULL, NULL, 0, NULL},
};
