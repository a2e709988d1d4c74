/* corpus.c — corpus runs (include/accel.h, "Corpus runs"): manifests, shards, complete
 * outputs, the per-item step (accel._accel.Corpus) and the JSON-lines run log
 * (accel._accel.RunLog). accel/_corpus.py gives them their Python shape, and accel/dask.py
 * runs the step on Dask workers: every engine goes through accel_corpus_run and
 * accel_run_log_item, so the CLI, a Slurm array and Dask write the same outputs under the same
 * names and the same log lines.
 *
 * A record crosses into Python as a tuple (RECORD below) and back into C the same way, so that
 * a record computed on a Dask worker, pickled to the client, is logged by the client with the
 * library's own line (accel_corpus_item_json). Paths go through the file-system encoding
 * (os.fsencode / os.fsdecode), so names that are not UTF-8 survive. Every library call runs
 * with the GIL released; a step's calls hold its context's read lock (PA_RUN). */
#include "pyaccel.h"

#include <stdlib.h>
#include <string.h>

/* inputs per library call of Corpus.run: between calls the interpreter checks for signals */
#define RUN_CHUNK 16

/* ---- paths ------------------------------------------------------------------------------ */

static PyObject *fs_text(const char *s)
{
    if (!s || !s[0]) Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(s);
}

/* ---- records ---------------------------------------------------------------------------- */

/* RECORD: (path, status, output, device, device_index, ms, fallback, n_fallbacks, error,
 *          error_code, shape, det_scale, warning) — status "done" | "skipped" | "failed";
 *          output, device, fallback, error, warning None when absent; error_code 0 unless
 *          failed; shape a tuple or None; det_scale a float or None. */
static PyObject *record_tuple(const accel_corpus_item *it)
{
    PyObject *shape = NULL;
    if (it->ndim > 0 && it->status != ACCEL_ITEM_FAILED) {
        shape = PyTuple_New(it->ndim < 4 ? it->ndim : 4);
        for (int i = 0; shape && i < it->ndim && i < 4; i++)
            PyTuple_SetItem(shape, i, PyLong_FromUnsignedLongLong(it->shape[i]));
    } else {
        shape = Py_None;
        Py_INCREF(shape);
    }
    if (!shape) return NULL;
    PyObject *det = NULL;
    if (it->det_scale > 0 && it->status == ACCEL_ITEM_DONE) {
        det = PyFloat_FromDouble(it->det_scale);
    } else {
        det = Py_None;
        Py_INCREF(det);
    }
    PyObject *fb = NULL;
    if (it->n_fallbacks > 0) {
        fb = PyUnicode_FromString(accel_fallback_reason_name(it->fallback));
    } else {
        fb = Py_None;
        Py_INCREF(fb);
    }
    int failed = it->status == ACCEL_ITEM_FAILED;
    return Py_BuildValue("(NsNNidNiNiNNN)", fs_text(it->input), accel_item_status_name(it->status),
                         fs_text(it->output), pa_text(it->device), it->device_index, it->ms, fb,
                         it->n_fallbacks, failed ? fs_text(it->error) : (Py_INCREF(Py_None), Py_None),
                         failed ? (int)it->error_status : 0, shape, det,
                         it->warning[0] ? fs_text(it->warning) : (Py_INCREF(Py_None), Py_None));
}

/* The item of a RECORD tuple, for the log. *keep holds the bytes its texts point into
 * (release it after use). -1 with an exception. */
static int record_item_raw(PyObject *t, accel_corpus_item *it, PyObject **keep)
{
    PyObject *path_o, *out_o, *error_o, *shape = Py_None, *det = Py_None, *warn_o = Py_None;
    pa_path path = {0}, out = {0}, error = {0}, warn = {0};
    const char *status, *device = NULL, *fallback = NULL;
    int device_index = -1, n_fallbacks = 0, error_code = 0;
    double ms = 0;
    *keep = NULL;
    if (!PyTuple_Check(t)) {
        pa_input_error("record: expected the tuple of an accel.CorpusRecord");
        return -1;
    }
    if (!PyArg_ParseTuple(t, "OsOzidziOi|OOO:record", &path_o, &status, &out_o, &device,
                          &device_index, &ms, &fallback, &n_fallbacks, &error_o, &error_code,
                          &shape, &det, &warn_o))
        return -1;
    if (!pa_path_arg(path_o, &path) || !pa_path_or_none_arg(out_o, &out) ||
        !pa_path_or_none_arg(error_o, &error) || !pa_path_or_none_arg(warn_o, &warn)) {
        pa_path_release(&path);
        pa_path_release(&out);
        pa_path_release(&error);
        return -1;
    }
    *keep = Py_BuildValue("(NNNN)", path.bytes, out.bytes ? out.bytes : (Py_INCREF(Py_None), Py_None),
                          error.bytes ? error.bytes : (Py_INCREF(Py_None), Py_None),
                          warn.bytes ? warn.bytes : (Py_INCREF(Py_None), Py_None));
    if (!*keep) return -1;
    memset(it, 0, sizeof *it);
    it->struct_size = sizeof *it;
    it->input = path.text;
    if (!strcmp(status, "done")) it->status = ACCEL_ITEM_DONE;
    else if (!strcmp(status, "skipped")) it->status = ACCEL_ITEM_SKIPPED;
    else if (!strcmp(status, "failed")) it->status = ACCEL_ITEM_FAILED;
    else {
        pa_input_error("record: status '%s' (allowed: done, skipped, failed)", status);
        return -1;
    }
    if (out.text) snprintf(it->output, sizeof it->output, "%s", out.text);
    if (device) snprintf(it->device, sizeof it->device, "%s", device);
    it->device_index = device_index;
    it->ms = ms;
    it->n_fallbacks = n_fallbacks;
    if (fallback && n_fallbacks > 0) {
        int r = 0;
        for (; r <= ACCEL_FALLBACK_UNSUPPORTED_OP; r++)
            if (!strcmp(fallback, accel_fallback_reason_name((accel_fallback_reason)r))) break;
        if (r > ACCEL_FALLBACK_UNSUPPORTED_OP) {
            pa_input_error("record: fallback '%s' is not a fallback reason", fallback);
            return -1;
        }
        it->fallback = (accel_fallback_reason)r;
    }
    if (error.text) snprintf(it->error, sizeof it->error, "%s", error.text);
    if (warn.text) snprintf(it->warning, sizeof it->warning, "%s", warn.text);
    it->error_status = (accel_status)error_code;
    if (shape != Py_None) {
        PyObject *s = PySequence_Tuple(shape);
        if (!s) return -1;
        Py_ssize_t nd = PyTuple_Size(s);
        if (nd > 4) {
            Py_DECREF(s);
            pa_input_error("record: shape of %zd dimensions (at most 4)", nd);
            return -1;
        }
        for (Py_ssize_t i = 0; i < nd; i++) {
            unsigned long long v = PyLong_AsUnsignedLongLong(PyTuple_GetItem(s, i));
            if (PyErr_Occurred()) {
                Py_DECREF(s);
                return -1;
            }
            it->shape[i] = v;
        }
        it->ndim = (int)nd;
        Py_DECREF(s);
    }
    if (det != Py_None) {
        it->det_scale = PyFloat_AsDouble(det);
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}

/* record_item_raw, with a failure that is not accel's (a field of the wrong type, a negative
 * dimension) turned into accel.InputError naming the record. */
static int record_item(PyObject *t, accel_corpus_item *it, PyObject **keep)
{
    if (record_item_raw(t, it, keep) == 0) return 0;
    pa_wrap_foreign_error("record");
    return -1;
}

/* ---- the step: accel._accel.Corpus ------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    pa_context *ctx; /* a reference: the context outlives the step */
    accel_corpus *step;
} pa_corpus;

static PyTypeObject *pa_CorpusType;

static PyObject *corpus_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"context", "op", "out", "flags", "params", NULL};
    PyObject *ctx_o, *params = NULL;
    pa_path out = {0}, op = {0};
    unsigned int flags = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO&O&|IO:Corpus", kwlist, &ctx_o, pa_text_arg, &op,
                                     pa_path_arg, &out, &flags, &params))
        return NULL;
    if (!PyObject_TypeCheck(ctx_o, pa_ContextType)) {
        pa_path_release(&out);
        pa_path_release(&op);
        return pa_type_error("context", "an accel._accel.Context", ctx_o, NULL);
    }
    accel_option *opts = NULL;
    Py_ssize_t n = 0;
    PyObject *seq = NULL, *keep = NULL;
    if (params && params != Py_None) {
        seq = PySequence_Tuple(params);
        keep = PyList_New(0);
        if (!seq || !keep) goto fail;
        n = PyTuple_Size(seq);
        opts = calloc((size_t)(n ? n : 1), sizeof *opts);
        if (!opts) {
            pa_no_memory("Corpus: out of memory for %zd options", n);
            goto fail;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            pa_path k = {0}, v = {0};
            if (!PyArg_ParseTuple(PyTuple_GetItem(seq, i), "O&O&:param", pa_text_arg, &k,
                                  pa_text_arg, &v))
                goto fail;
            /* the bytes stay in keep until the step is made */
            int ok = PyList_Append(keep, k.bytes) == 0 && PyList_Append(keep, v.bytes) == 0;
            opts[i].key = k.text;
            opts[i].value = v.text;
            pa_path_release(&k);
            pa_path_release(&v);
            if (!ok) goto fail;
        }
    }
    pa_context *c = (pa_context *)ctx_o;
    accel_corpus *step = NULL;
    accel_status st;
    char msg[1024];
    PA_RUN(c, st, msg, accel_corpus_create(c->ctx, op.text, opts, (size_t)n, out.text, flags, &step));
    free(opts);
    opts = NULL;
    Py_CLEAR(seq);
    Py_CLEAR(keep);
    pa_path_release(&out);
    pa_path_release(&op);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    pa_corpus *self = (pa_corpus *)alloc(type, 0);
    if (!self) {
        accel_corpus_destroy(step);
        return NULL;
    }
    Py_INCREF(ctx_o);
    self->ctx = c;
    self->step = step;
    return (PyObject *)self;
fail:
    free(opts);
    Py_XDECREF(seq);
    Py_XDECREF(keep);
    pa_path_release(&out);
    pa_path_release(&op);
    return NULL;
}

static void corpus_dealloc(PyObject *o)
{
    pa_corpus *self = (pa_corpus *)o;
    PyTypeObject *tp = Py_TYPE(o);
    accel_corpus_destroy(self->step); /* no call runs: nothing else holds the object */
    Py_XDECREF((PyObject *)self->ctx);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(o);
    Py_DECREF(tp);
}

static PyObject *corpus_run(PyObject *o, PyObject *args)
{
    pa_corpus *self = (pa_corpus *)o;
    pa_paths in;
    if (!PyArg_ParseTuple(args, "O&:run", pa_paths_arg, &in)) return NULL;
    Py_ssize_t n = in.n;
    PyObject *out = PyList_New(0);
    accel_corpus_item *items = calloc(RUN_CHUNK, sizeof *items);
    if (!out || !items) {
        if (out) pa_no_memory("Corpus.run: out of memory for its items");
        goto fail;
    }
    for (Py_ssize_t i0 = 0; i0 < n; i0 += RUN_CHUNK) {
        size_t m = (size_t)(n - i0 < RUN_CHUNK ? n - i0 : RUN_CHUNK);
        for (size_t j = 0; j < m; j++) items[j].struct_size = sizeof items[j];
        accel_status st;
        char msg[1024];
        /* each item says its own failure: only a closed context fails the call */
        PA_RUN(self->ctx, st, msg, (accel_corpus_run(self->step, in.texts + i0, m, items), ACCEL_OK));
        if (st != ACCEL_OK) {
            pa_raise(st, msg);
            goto fail;
        }
        for (size_t j = 0; j < m; j++) {
            PyObject *r = record_tuple(&items[j]);
            if (!r || PyList_Append(out, r) < 0) {
                Py_XDECREF(r);
                goto fail;
            }
            Py_DECREF(r);
        }
        if (i0 + RUN_CHUNK < n && PyErr_CheckSignals() < 0) goto fail;
    }
    free(items);
    pa_paths_release(&in);
    return out;
fail:
    free(items);
    pa_paths_release(&in);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *corpus_output(PyObject *o, PyObject *args)
{
    pa_corpus *self = (pa_corpus *)o;
    pa_path in;
    if (!PyArg_ParseTuple(args, "O&:output", pa_path_arg, &in)) return NULL;
    char path[4200], msg[1024];
    accel_status st;
    PA_RUN(self->ctx, st, msg, accel_corpus_output(self->step, in.text, path, sizeof path));
    pa_path_release(&in);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return PyUnicode_DecodeFSDefault(path);
}

static PyObject *corpus_check(PyObject *o, PyObject *args)
{
    pa_corpus *self = (pa_corpus *)o;
    pa_paths in;
    if (!PyArg_ParseTuple(args, "O&:check", pa_paths_arg, &in)) return NULL;
    accel_status st;
    char msg[1024];
    PA_RUN(self->ctx, st, msg, accel_corpus_check(self->step, in.texts, (size_t)in.n));
    pa_paths_release(&in);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    Py_RETURN_NONE;
}

static PyObject *corpus_clean(PyObject *o, PyObject *args)
{
    pa_corpus *self = (pa_corpus *)o;
    pa_paths in;
    if (!PyArg_ParseTuple(args, "O&:clean", pa_paths_arg, &in)) return NULL;
    accel_status st;
    char msg[1024];
    size_t removed = 0;
    PA_RUN(self->ctx, st, msg, accel_corpus_clean(self->step, in.texts, (size_t)in.n, &removed));
    pa_paths_release(&in);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return PyLong_FromSize_t(removed);
}

static PyMethodDef corpus_methods[] = {
    {"run", corpus_run, METH_VARARGS,
     "run($self, paths, /)\n--\n\nRECORD tuples, one per path in order: accel_corpus_run()."},
    {"output", corpus_output, METH_VARARGS,
     "output($self, path, /)\n--\n\nThe output path of an input: accel_corpus_output()."},
    {"check", corpus_check, METH_VARARGS,
     "check($self, paths, /)\n--\n\nRaise accel.InputError when two inputs would write one "
     "output, or an output is an input: accel_corpus_check()."},
    {"clean", corpus_clean, METH_VARARGS,
     "clean($self, paths, /)\n--\n\nRemove the partial files of these inputs' outputs that "
     "dead processes left; the number removed: accel_corpus_clean()."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot corpus_slots[] = {
    {Py_tp_doc, (void *)"Corpus(context, op, out, flags=0, params=())\n--\n\n"
                        "accel_corpus_create(): the per-item step of a corpus run, operation op\n"
                        "with (key, value) params, one output per input under the directory out;\n"
                        "flags are CORPUS_*. Use accel.Context.corpus, which builds on it."},
    {Py_tp_new, (void *)corpus_new},
    {Py_tp_dealloc, (void *)corpus_dealloc},
    {Py_tp_methods, corpus_methods},
    {0, NULL},
};

static PyType_Spec corpus_spec = {
    .name = "accel._accel.Corpus",
    .basicsize = sizeof(pa_corpus),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = corpus_slots,
};

/* ---- the run log: accel._accel.RunLog --------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    accel_run_log *log;
    pthread_rwlock_t lock; /* read: a call in progress; write: close() */
    int lock_ok;
} pa_run_log;

static PyTypeObject *pa_RunLogType;

static PyObject *log_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", NULL};
    pa_path path = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&:RunLog", kwlist, pa_path_or_none_arg, &path))
        return NULL;
    accel_run_log *log = NULL;
    accel_status st;
    char msg[1024];
    PA_RUN_FREE(st, msg, accel_run_log_open(path.text, &log));
    pa_path_release(&path);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    pa_run_log *self = (pa_run_log *)alloc(type, 0);
    if (!self) {
        accel_run_log_close(log);
        return NULL;
    }
    if (pthread_rwlock_init(&self->lock, NULL) != 0) {
        accel_run_log_close(log);
        Py_DECREF(self);
        return pa_no_memory("RunLog: cannot make its lock");
    }
    self->lock_ok = 1;
    self->log = log;
    return (PyObject *)self;
}

static void log_dealloc(PyObject *o)
{
    pa_run_log *self = (pa_run_log *)o;
    PyTypeObject *tp = Py_TYPE(o);
    accel_run_log_close(self->log);
    self->log = NULL;
    if (self->lock_ok) pthread_rwlock_destroy(&self->lock);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(o);
    Py_DECREF(tp);
}

/* Takes the read lock without the GIL: ACCEL_OK, or PA_CLOSED (nothing held). */
static accel_status log_enter(pa_run_log *self)
{
    if (!self->lock_ok) return PA_CLOSED;
    pthread_rwlock_rdlock(&self->lock);
    if (!self->log) {
        pthread_rwlock_unlock(&self->lock);
        return PA_CLOSED;
    }
    return ACCEL_OK;
}

/* PA_RUN on the log, under its read lock */
#define LOG_RUN(self, st, msg, expr) PA_RUN_IN(log_enter(self), pthread_rwlock_unlock(&(self)->lock), st, msg, expr)

static PyObject *log_closed_error(void) { return pa_raise(ACCEL_ERR_INVALID_ARG, "this run log is closed"); }

static PyObject *log_item(PyObject *o, PyObject *args)
{
    pa_run_log *self = (pa_run_log *)o;
    PyObject *t, *keep = NULL;
    if (!PyArg_ParseTuple(args, "O:item", &t)) return NULL;
    accel_corpus_item *it = malloc(sizeof *it);
    if (!it) return pa_no_memory("record: out of memory");
    if (record_item(t, it, &keep) < 0) {
        free(it);
        Py_XDECREF(keep);
        return NULL;
    }
    accel_status st;
    char msg[1024];
    LOG_RUN(self, st, msg, accel_run_log_item(self->log, it));
    free(it);
    Py_DECREF(keep);
    if (st == PA_CLOSED) return log_closed_error();
    if (st != ACCEL_OK) return pa_raise(st, msg);
    Py_RETURN_NONE;
}

static PyObject *summary_dict(const accel_run_summary *s)
{
    return Py_BuildValue("{s:K,s:K,s:K,s:d,s:d}", "done", (unsigned long long)s->done, "skipped",
                         (unsigned long long)s->skipped, "failed", (unsigned long long)s->failed,
                         "seconds", s->seconds, "files_per_second", s->files_per_second);
}

static PyObject *log_summary(PyObject *o, PyObject *unused)
{
    (void)unused;
    pa_run_log *self = (pa_run_log *)o;
    accel_run_summary s = {.struct_size = sizeof s};
    accel_status st;
    char msg[1024];
    LOG_RUN(self, st, msg, accel_run_log_summary(self->log, &s));
    if (st == PA_CLOSED) return log_closed_error();
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return summary_dict(&s);
}

static PyObject *log_close(PyObject *o, PyObject *unused)
{
    (void)unused;
    pa_run_log *self = (pa_run_log *)o;
    if (!self->lock_ok) Py_RETURN_NONE;
    accel_run_log *log;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_wrlock(&self->lock); /* waits for calls in progress */
    log = self->log;
    self->log = NULL;
    pthread_rwlock_unlock(&self->lock);
    accel_run_log_close(log);
    Py_END_ALLOW_THREADS;
    Py_RETURN_NONE;
}

static PyObject *log_get_closed(PyObject *o, void *closure)
{
    (void)closure;
    pa_run_log *self = (pa_run_log *)o;
    int closed = 1;
    if (self->lock_ok) {
        Py_BEGIN_ALLOW_THREADS;
        pthread_rwlock_rdlock(&self->lock);
        closed = self->log == NULL;
        pthread_rwlock_unlock(&self->lock);
        Py_END_ALLOW_THREADS;
    }
    return PyBool_FromLong(closed);
}

static PyMethodDef log_methods[] = {
    {"item", log_item, METH_VARARGS,
     "item($self, record, /)\n--\n\nAppend the line of a RECORD tuple and count it: "
     "accel_run_log_item()."},
    {"summary", log_summary, METH_NOARGS,
     "summary($self, /)\n--\n\nAppend the summary line; its fields as a dict: "
     "accel_run_log_summary()."},
    {"close", log_close, METH_NOARGS,
     "close($self, /)\n--\n\nClose the file after calls in progress. Idempotent."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef log_getset[] = {
    {"closed", log_get_closed, NULL, "True once close() ran.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot log_slots[] = {
    {Py_tp_doc, (void *)"RunLog(path=None)\n--\n\n"
                        "accel_run_log_open(): a JSON-lines run log appended to path (None:\n"
                        "counting only). Use accel.RunLog, which builds on it."},
    {Py_tp_new, (void *)log_new},
    {Py_tp_dealloc, (void *)log_dealloc},
    {Py_tp_methods, log_methods},
    {Py_tp_getset, log_getset},
    {0, NULL},
};

static PyType_Spec log_spec = {
    .name = "accel._accel.RunLog",
    .basicsize = sizeof(pa_run_log),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = log_slots,
};

/* ---- module functions --------------------------------------------------------------------- */

static PyObject *manifest_list(accel_manifest *m)
{
    size_t n = accel_manifest_count(m);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *t = Py_BuildValue("(Nn)", PyUnicode_DecodeFSDefault(accel_manifest_path(m, i)),
                                    (Py_ssize_t)accel_manifest_line(m, i));
        if (!t) {
            Py_CLEAR(l);
            break;
        }
        PyList_SetItem(l, (Py_ssize_t)i, t);
    }
    accel_manifest_free(m);
    return l;
}

static PyObject *m_manifest_read(PyObject *self, PyObject *args)
{
    (void)self;
    pa_path path;
    if (!PyArg_ParseTuple(args, "O&:manifest_read", pa_path_arg, &path)) return NULL;
    accel_manifest *m = NULL;
    accel_status st;
    char msg[1024];
    PA_RUN_FREE(st, msg, accel_manifest_read(path.text, &m));
    pa_path_release(&path);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return manifest_list(m);
}

static PyObject *m_manifest_parse(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer view;
    pa_path name = {0};
    if (!PyArg_ParseTuple(args, "y*|O&:manifest_parse", &view, pa_text_or_none_arg, &name))
        return NULL;
    accel_manifest *m = NULL;
    accel_status st;
    char msg[1024];
    PA_RUN_FREE(st, msg, accel_manifest_parse(view.buf, (size_t)view.len, name.text, &m));
    PyBuffer_Release(&view);
    pa_path_release(&name);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return manifest_list(m);
}

static PyObject *m_path_hash(PyObject *self, PyObject *args)
{
    (void)self;
    pa_path path;
    if (!PyArg_ParseTuple(args, "O&:path_hash", pa_path_arg, &path)) return NULL;
    uint64_t h = accel_path_hash(path.text); /* a few ns a byte: the GIL stays */
    pa_path_release(&path);
    return PyLong_FromUnsignedLongLong(h);
}

static PyObject *m_shard_of(PyObject *self, PyObject *args)
{
    (void)self;
    pa_path path;
    long long count;
    /* signed: -1 read as unsigned long came back as 18446744073709551615 in the message */
    if (!PyArg_ParseTuple(args, "O&L:shard_of", pa_path_arg, &path, &count)) return NULL;
    if (count < 1 || count > (long long)UINT32_MAX) {
        pa_path_release(&path);
        return pa_input_error("count: %lld (allowed: 1..%lu)", count, (unsigned long)UINT32_MAX);
    }
    uint32_t s = accel_shard_of(path.text, (uint32_t)count);
    pa_path_release(&path);
    return PyLong_FromUnsignedLong(s);
}

static PyObject *m_shard_parse(PyObject *self, PyObject *args)
{
    (void)self;
    pa_path spec;
    if (!PyArg_ParseTuple(args, "O&:shard_parse", pa_text_arg, &spec)) return NULL;
    uint32_t i = 0, n = 0;
    accel_status st;
    char msg[1024];
    PA_RUN_FREE(st, msg, accel_shard_parse(spec.text, &i, &n));
    pa_path_release(&spec);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return Py_BuildValue("(kk)", (unsigned long)i, (unsigned long)n);
}

static PyObject *npy_dict(const accel_npy_info *info)
{
    PyObject *shape = PyTuple_New(info->ndim);
    for (int i = 0; shape && i < info->ndim; i++)
        PyTuple_SetItem(shape, i, PyLong_FromUnsignedLongLong(info->shape[i]));
    if (!shape) return NULL;
    return Py_BuildValue("{s:s,s:O,s:N,s:K,s:K}", "descr", info->descr, "fortran_order",
                         info->fortran_order ? Py_True : Py_False, "shape", shape, "header_bytes",
                         (unsigned long long)info->header_bytes, "data_bytes",
                         (unsigned long long)info->data_bytes);
}

static PyObject *m_npy_header_parse(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*:npy_header_parse", &view)) return NULL;
    accel_npy_info info = {.struct_size = sizeof info};
    accel_status st;
    char msg[1024];
    PA_RUN_FREE(st, msg, accel_npy_header_parse(view.buf, (size_t)view.len, &info));
    PyBuffer_Release(&view);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return npy_dict(&info);
}

static PyObject *m_output_complete(PyObject *self, PyObject *args)
{
    (void)self;
    pa_path path;
    if (!PyArg_ParseTuple(args, "O&:output_complete", pa_path_arg, &path)) return NULL;
    accel_npy_info info = {.struct_size = sizeof info};
    accel_status st;
    char msg[1024];
    PA_RUN_FREE(st, msg, accel_output_complete(path.text, &info));
    pa_path_release(&path);
    if (st != ACCEL_OK) /* the message names the file as its bytes are */
        return Py_BuildValue("(iNO)", (int)st, pa_decode(msg), Py_None);
    return Py_BuildValue("(isN)", 0, "", info.header_bytes ? npy_dict(&info) : (Py_INCREF(Py_None), Py_None));
}

static PyObject *m_corpus_item_json(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *t, *keep = NULL;
    if (!PyArg_ParseTuple(args, "O:corpus_item_json", &t)) return NULL;
    accel_corpus_item *it = malloc(sizeof *it);
    if (!it) return pa_no_memory("record: out of memory");
    if (record_item(t, it, &keep) < 0) {
        free(it);
        Py_XDECREF(keep);
        return NULL;
    }
    char *line = NULL, msg[1024];
    accel_status st;
    PA_RUN_FREE(st, msg, accel_corpus_item_json(it, &line));
    free(it);
    Py_DECREF(keep);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    /* the line holds the path as its bytes were: undecodable bytes come back as escapes */
    PyObject *r = PyUnicode_DecodeUTF8(line, (Py_ssize_t)strlen(line), "surrogateescape");
    free(line);
    return r;
}

PyMethodDef pa_corpus_functions[] = {
    {"manifest_read", m_manifest_read, METH_VARARGS,
     "manifest_read(path, /)\n--\n\n[(path, line), …] of a manifest file (a list or CSV with a "
     "path column; \"-\" standard input): accel_manifest_read()."},
    {"manifest_parse", m_manifest_parse, METH_VARARGS,
     "manifest_parse(data, name=None, /)\n--\n\n[(path, line), …] of a manifest's bytes; name "
     "labels them in messages: accel_manifest_parse()."},
    {"path_hash", m_path_hash, METH_VARARGS,
     "path_hash(path, /)\n--\n\nFNV-1a 64 of the path's bytes: accel_path_hash()."},
    {"shard_of", m_shard_of, METH_VARARGS,
     "shard_of(path, count, /)\n--\n\nThe 0-based shard of a path among count: "
     "accel_shard_of()."},
    {"shard_parse", m_shard_parse, METH_VARARGS,
     "shard_parse(spec, /)\n--\n\n(index, count) of \"I/N\" or \"auto\" (Slurm's job array "
     "variables): accel_shard_parse()."},
    {"npy_header_parse", m_npy_header_parse, METH_VARARGS,
     "npy_header_parse(data, /)\n--\n\nThe header at the start of a .npy file's bytes as a "
     "dict: accel_npy_header_parse()."},
    {"output_complete", m_output_complete, METH_VARARGS,
     "output_complete(path, /)\n--\n\n(status code, message, .npy header dict or None): "
     "accel_output_complete() (0 when the output is whole)."},
    {"corpus_item_json", m_corpus_item_json, METH_VARARGS,
     "corpus_item_json(record, /)\n--\n\nThe run-log line of a RECORD tuple (no newline): "
     "accel_corpus_item_json()."},
    {NULL, NULL, 0, NULL},
};

static int add_type(PyObject *module, PyType_Spec *spec, PyTypeObject **out, const char *name)
{
    *out = (PyTypeObject *)PyType_FromModuleAndSpec(module, spec, NULL);
    if (!*out) return -1;
    Py_INCREF((PyObject *)*out);
    if (PyModule_AddObject(module, name, (PyObject *)*out) < 0) {
        Py_DECREF((PyObject *)*out);
        return -1;
    }
    return 0;
}

int pa_corpus_init(PyObject *module)
{
    if (add_type(module, &corpus_spec, &pa_CorpusType, "Corpus") < 0 ||
        add_type(module, &log_spec, &pa_RunLogType, "RunLog") < 0)
        return -1;
    if (PyModule_AddIntConstant(module, "CORPUS_RESUME", ACCEL_CORPUS_RESUME) < 0 ||
        PyModule_AddIntConstant(module, "CORPUS_OUT_FILE", ACCEL_CORPUS_OUT_FILE) < 0)
        return -1;
    return PyModule_AddFunctions(module, pa_corpus_functions);
}
