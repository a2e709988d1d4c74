/* context.c — accel._accel.Context: one accel_ctx, shared by any number of Python threads.
 *
 * Every call into libaccel runs with the GIL released, so threads using one context compute in
 * parallel (libaccel's operations are thread-safe on one context). The context cannot be
 * destroyed under a running call: calls hold a read lock for their duration and close() takes
 * it for writing, with the GIL released while it waits. A call on a closed context raises
 * accel.InputError. The thread's detailed error message is copied before the GIL is taken back
 * (it is per thread in libaccel, and this thread will not call libaccel again before that). */
#include "pyaccel.h"

#include <stdlib.h>
#include <string.h>

PyTypeObject *pa_ContextType;

accel_status pa_ctx_enter(pa_context *c)
{
    if (!c->lock_ok) return PA_CLOSED;
    pthread_rwlock_rdlock(&c->lock);
    if (!c->ctx) {
        pthread_rwlock_unlock(&c->lock);
        return PA_CLOSED;
    }
    return ACCEL_OK;
}

void pa_ctx_leave(pa_context *c) { pthread_rwlock_unlock(&c->lock); }


/* ---- helpers ------------------------------------------------------------------------------ */

int pa_dict_steal(PyObject *d, const char *key, PyObject *value)
{
    if (!value) return -1;
    int r = PyDict_SetItemString(d, key, value);
    Py_DECREF(value);
    return r;
}

PyObject *pa_str_or_none(const char *text)
{
    if (!text) Py_RETURN_NONE;
    /* a name the caller gave that is not UTF-8 comes back as the caller wrote it */
    return pa_decode(text);
}

PyObject *pa_text(const char *text)
{
    if (!text || !text[0]) Py_RETURN_NONE;
    return pa_str_or_none(text);
}

PyObject *pa_record_dict(const accel_run_record *r)
{
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    if (pa_dict_steal(d, "device_planned", PyLong_FromLong(r->device_planned)) < 0 ||
        pa_dict_steal(d, "device_used", PyLong_FromLong(r->device_used)) < 0 ||
        pa_dict_steal(d, "n_fallbacks", PyLong_FromLong(r->n_fallbacks)) < 0 ||
        pa_dict_steal(d, "reason", PyUnicode_FromString(accel_fallback_reason_name(r->reason))) < 0 ||
        pa_dict_steal(d, "time_lost_ms", PyFloat_FromDouble(r->time_lost_ms)) < 0 ||
        pa_dict_steal(d, "elapsed_ms", PyFloat_FromDouble(r->elapsed_ms)) < 0 ||
        pa_dict_steal(d, "n_splits", PyLong_FromLong(r->n_splits)) < 0 ||
        pa_dict_steal(d, "message", pa_str_or_none(r->message)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* ---- creation and closing ----------------------------------------------------------------- */

static PyObject *ctx_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"options", "flags", NULL};
    PyObject *options = NULL;
    unsigned int flags = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OI:Context", kwlist, &options, &flags)) return NULL;
    accel_option *opts = NULL;
    Py_ssize_t n = 0;
    PyObject *seq = NULL, *keep = NULL;
    if (options && options != Py_None) {
        seq = PySequence_Tuple(options);
        if (!seq) return NULL;
        n = PyTuple_Size(seq);
        opts = calloc((size_t)(n ? n : 1), sizeof *opts);
        if (!opts) {
            Py_DECREF(seq);
            return pa_no_memory("Context: out of memory for %zd options", n);
        }
        /* the bytes of every key and value (a path such as ACCEL_CONFIG's as the file's name) */
        keep = PyList_New(0);
        if (!keep) {
            free(opts);
            Py_DECREF(seq);
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PyTuple_GetItem(seq, i);
            PyObject *k = NULL, *v = NULL;
            if (!PyArg_ParseTuple(item, "UU:option", &k, &v)) {
                free(opts);
                Py_DECREF(seq);
                Py_DECREF(keep);
                return NULL;
            }
            PyObject *kb = pa_encode_text(k), *vb = pa_encode_text(v);
            int ok = kb && vb && PyList_Append(keep, kb) == 0 && PyList_Append(keep, vb) == 0;
            opts[i].key = ok ? PyBytes_AsString(kb) : NULL;
            opts[i].value = ok ? PyBytes_AsString(vb) : NULL;
            Py_XDECREF(kb);
            Py_XDECREF(vb);
            if (!opts[i].key || !opts[i].value) {
                free(opts);
                Py_DECREF(seq);
                Py_DECREF(keep);
                return NULL;
            }
        }
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    pa_context *c = (pa_context *)alloc(type, 0);
    if (!c) {
        free(opts);
        Py_XDECREF(seq);
        Py_XDECREF(keep);
        return NULL;
    }
    if (pthread_rwlock_init(&c->lock, NULL) != 0) {
        free(opts);
        Py_XDECREF(seq);
        Py_XDECREF(keep);
        Py_DECREF(c);
        return pa_no_memory("Context: cannot make its lock");
    }
    c->lock_ok = 1;
    accel_status st;
    char msg[1024];
    accel_ctx *ctx = NULL;
    PA_RUN_FREE(st, msg, accel_ctx_create(&ctx, opts, (size_t)n, flags));
    free(opts); /* the strings belong to keep; the context copied what it keeps */
    Py_XDECREF(seq);
    Py_XDECREF(keep);
    if (st != ACCEL_OK) {
        Py_DECREF(c);
        return pa_raise(st, msg);
    }
    c->ctx = ctx;
    return (PyObject *)c;
}

static void ctx_close_now(pa_context *c)
{
    if (!c->lock_ok) return;
    accel_ctx *ctx;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_wrlock(&c->lock); /* waits for calls in progress */
    ctx = c->ctx;
    c->ctx = NULL;
    pthread_rwlock_unlock(&c->lock);
    accel_ctx_destroy(ctx);
    Py_END_ALLOW_THREADS;
}

static void ctx_dealloc(PyObject *self)
{
    pa_context *c = (pa_context *)self;
    PyTypeObject *tp = Py_TYPE(self);
    if (c->lock_ok) {
        /* no other reference exists, so no call is running: destroy without waiting */
        accel_ctx *ctx = c->ctx;
        c->ctx = NULL;
        if (ctx) {
            Py_BEGIN_ALLOW_THREADS;
            accel_ctx_destroy(ctx);
            Py_END_ALLOW_THREADS;
        }
        pthread_rwlock_destroy(&c->lock);
        c->lock_ok = 0;
    }
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static PyObject *ctx_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    ctx_close_now((pa_context *)self);
    Py_RETURN_NONE;
}

static PyObject *ctx_get_closed(PyObject *self, void *closure)
{
    (void)closure;
    pa_context *c = (pa_context *)self;
    int closed;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_rdlock(&c->lock);
    closed = c->ctx == NULL;
    pthread_rwlock_unlock(&c->lock);
    Py_END_ALLOW_THREADS;
    return PyBool_FromLong(closed);
}

/* ---- devices ------------------------------------------------------------------------------ */

#define SET(d, k, v)                                                                        \
    do {                                                                                    \
        if (pa_dict_steal((d), (k), (v)) < 0) goto fail;                                    \
    } while (0)

static PyObject *device_dict(const accel_device_info *i, int ordinal)
{
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    SET(d, "index", PyLong_FromLong(i->index));
    SET(d, "kind", PyUnicode_FromString(accel_device_kind_name(i->kind)));
    SET(d, "routes", PyLong_FromUnsignedLong(i->routes));
    SET(d, "usable", PyBool_FromLong(i->usable));
    SET(d, "verdict", pa_str_or_none(i->verdict));
    SET(d, "name", pa_str_or_none(i->name));
    SET(d, "vendor", pa_str_or_none(i->vendor));
    SET(d, "pci_bus_id", pa_str_or_none(i->pci_bus_id));
    SET(d, "uuid", pa_str_or_none(i->uuid));
    SET(d, "arch", pa_str_or_none(i->arch));
    SET(d, "cc_major", PyLong_FromLong(i->cc_major));
    SET(d, "cc_minor", PyLong_FromLong(i->cc_minor));
    SET(d, "compute_units", PyLong_FromLong(i->compute_units));
    SET(d, "mem_total", PyLong_FromLongLong(i->mem_total));
    SET(d, "mem_free", PyLong_FromLongLong(i->mem_free));
    SET(d, "driver_version", pa_str_or_none(i->driver_version));
    SET(d, "driver_cuda_version", PyLong_FromLong(i->driver_cuda_version));
    SET(d, "utilization_percent", PyLong_FromLong(i->utilization_percent));
    SET(d, "temperature_c", PyLong_FromLong(i->temperature_c));
    SET(d, "power_mw", PyLong_FromLong(i->power_mw));
    SET(d, "mem_used", PyLong_FromLongLong(i->mem_used));
    SET(d, "opencl_version", pa_str_or_none(i->opencl_version));
    SET(d, "local_mem", PyLong_FromLongLong(i->local_mem));
    SET(d, "max_alloc", PyLong_FromLongLong(i->max_alloc));
    SET(d, "fp16", PyLong_FromLong(i->fp16));
    SET(d, "fp64", PyLong_FromLong(i->fp64));
    SET(d, "physical_cores", PyLong_FromLong(i->physical_cores));
    SET(d, "logical_cores", PyLong_FromLong(i->logical_cores));
    SET(d, "usable_cores", PyLong_FromLong(i->usable_cores));
    SET(d, "simd", PyLong_FromUnsignedLong(i->simd));
    SET(d, "cgroup_mem_limit", PyLong_FromLongLong(i->cgroup_mem_limit));
    SET(d, "unified_memory", PyLong_FromLong(i->unified_memory));
    SET(d, "host_cpu", PyLong_FromLong(i->host_cpu));
    SET(d, "ordinal", PyLong_FromLong(ordinal));
    return d;
fail:
    Py_DECREF(d);
    return NULL;
}

static PyObject *ctx_devices(PyObject *self, PyObject *unused)
{
    (void)unused;
    pa_context *c = (pa_context *)self;
    size_t n = 0;
    PA_CALL(c, accel_device_count(c->ctx, &n));
    PyObject *list = PyList_New(0);
    if (!list) return NULL;
    for (size_t i = 0; i < n; i++) {
        accel_status st;
        char msg[1024];
        const accel_device_info *info = NULL;
        accel_device_info copy;
        int ord = -1;
        PA_RUN(c, st, msg,
               (st = accel_device_get(c->ctx, i, &info)) == ACCEL_OK
                   ? (copy = *info, accel_device_ordinal(c->ctx, i, &ord))
                   : st);
        if (st != ACCEL_OK) {
            Py_DECREF(list);
            return pa_raise(st, msg);
        }
        PyObject *d = device_dict(&copy, ord);
        if (!d || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(d);
    }
    return list;
}

/* ---- selection, configuration, statistics, plans, precision ------------------------------- */

static PyObject *ctx_select(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"op", "explain", NULL};
    pa_path op = {0};
    int explain = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&p:select", kwlist, pa_text_or_none_arg, &op,
                                     &explain))
        return NULL;
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    size_t index = 0;
    char *text = NULL;
    /* the explanation is always asked for: a refusal carries it even when it was not wanted */
    PA_RUN(c, st, msg, accel_select(c->ctx, op.text, &index, &text));
    pa_path_release(&op);
    PyObject *t = pa_str_or_none(st == ACCEL_OK && !explain ? NULL : text);
    free(text);
    if (!t) return NULL;
    if (st != ACCEL_OK) {
        PyObject *extra = Py_BuildValue("{s:O}", "explain", t);
        Py_DECREF(t);
        pa_raise_extra(st, msg, extra);
        Py_XDECREF(extra);
        return NULL;
    }
    PyObject *r = Py_BuildValue("(nO)", (Py_ssize_t)index, t);
    Py_DECREF(t);
    return r;
}

static PyObject *ctx_select_candidates(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"op", NULL};
    pa_path opp = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&:select_candidates", kwlist, pa_text_or_none_arg,
                                     &opp))
        return NULL;
    const char *op = opp.text; /* its bytes live in opp until the calls are done */
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024], warning[512];
    size_t n = 0, cap = 64;
    accel_candidate *cand = calloc(cap, sizeof *cand);
    if (!cand) {
        pa_path_release(&opp);
        return pa_no_memory("select: out of memory for the candidates");
    }
    for (size_t i = 0; i < cap; i++) cand[i].struct_size = sizeof cand[i];
    PA_RUN(c, st, msg, accel_select_candidates(c->ctx, op, cand, cap, &n, warning, sizeof warning));
    if (st == ACCEL_OK && n > cap) { /* more devices than slots: once more with room for all */
        accel_candidate *more = realloc(cand, n * sizeof *cand);
        if (!more) {
            free(cand);
            pa_path_release(&opp);
            return pa_no_memory("select: out of memory for %zu candidates", n);
        }
        cand = more;
        for (size_t i = cap; i < n; i++) cand[i].struct_size = sizeof cand[i];
        cap = n;
        PA_RUN(c, st, msg, accel_select_candidates(c->ctx, op, cand, cap, &n, warning, sizeof warning));
    }
    pa_path_release(&opp); /* op is not used after this */
    if (st == PA_CLOSED) {
        free(cand);
        return pa_raise(st, msg);
    }
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < n && i < cap; i++) {
        PyObject *t = Py_BuildValue("(idiiN)", cand[i].index, cand[i].score, cand[i].eligible,
                                    cand[i].chosen, pa_str_or_none(cand[i].rule));
        if (!t || PyList_Append(list, t) < 0) Py_CLEAR(list);
        Py_XDECREF(t);
    }
    free(cand);
    if (!list) return NULL;
    PyObject *err = Py_None;
    Py_INCREF(err);
    if (st != ACCEL_OK) {
        Py_DECREF(err);
        err = pa_error_new(st, msg, NULL);
        if (!err) {
            Py_DECREF(list);
            return NULL;
        }
    }
    return Py_BuildValue("(NNN)", list, pa_text(warning), err);
}

static PyObject *ctx_device_query(PyObject *self, PyObject *args)
{
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "n:device_query", &index)) return NULL;
    if (pa_arg_range("index", index, 0, PY_SSIZE_T_MAX, ">= 0") < 0) return NULL;
    pa_context *c = (pa_context *)self;
    accel_device_sample sm = {.struct_size = sizeof sm};
    size_t np = 0;
    PA_CALL(c, accel_device_query(c->ctx, (size_t)index, &sm));
    PA_CALL(c, accel_device_processes(c->ctx, (size_t)index, NULL, 0, &np));
    return Py_BuildValue("{s:i,s:L,s:L,s:i,s:i,s:i,s:i,s:i,s:s,s:n}", "index", sm.index, "mem_used",
                         (long long)sm.mem_used, "mem_total", (long long)sm.mem_total,
                         "utilization_percent", sm.utilization_percent, "mem_busy_percent",
                         sm.mem_busy_percent, "temperature_c", sm.temperature_c, "power_mw",
                         sm.power_mw, "power_limit_mw", sm.power_limit_mw, "source", sm.source,
                         "processes", (Py_ssize_t)np);
}

static PyObject *ctx_config_get(PyObject *self, PyObject *args)
{
    pa_path keyp;
    if (!PyArg_ParseTuple(args, "O&:config_get", pa_text_arg, &keyp)) return NULL;
    const char *key = keyp.text; /* its bytes live in keyp until the call is done */
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    const char *value = NULL, *source = NULL;
    PyObject *r = NULL;
    /* the strings belong to the context: convert them while it is held */
    Py_BEGIN_ALLOW_THREADS;
    st = pa_ctx_enter(c);
    if (st == ACCEL_OK) {
        st = accel_config_get(c->ctx, key, &value, &source);
        if (st != ACCEL_OK) pa_last_error(st, msg, sizeof msg);
    } else {
        pa_last_error(st, msg, sizeof msg);
    }
    Py_END_ALLOW_THREADS;
    pa_path_release(&keyp);
    if (st == ACCEL_OK) {
        /* a value is the caller's text (a path such as ACCEL_CONFIG's): bytes as they were */
        r = Py_BuildValue("(NN)", pa_decode(value ? value : ""), pa_decode(source ? source : ""));
        pa_ctx_leave(c);
        return r;
    }
    if (st != PA_CLOSED) pa_ctx_leave(c);
    return pa_raise(st, msg);
}

static PyObject *ctx_config_dump(PyObject *self, PyObject *unused)
{
    (void)unused;
    pa_context *c = (pa_context *)self;
    char *text = NULL;
    PA_CALL(c, accel_config_dump(c->ctx, &text));
    PyObject *r = pa_str_or_none(text);
    free(text);
    return r;
}

static PyObject *ctx_stats(PyObject *self, PyObject *unused)
{
    (void)unused;
    pa_context *c = (pa_context *)self;
    size_t n = 0;
    PA_CALL(c, accel_stats_count(c->ctx, &n));
    PyObject *list = PyList_New(0);
    if (!list) return NULL;
    for (size_t i = 0; i < n; i++) {
        accel_status st;
        char msg[1024];
        accel_op_stats s = {.struct_size = sizeof s};
        PA_RUN(c, st, msg, accel_stats_get(c->ctx, i, &s));
        if (st != ACCEL_OK) {
            Py_DECREF(list);
            return pa_raise(st, msg);
        }
        PyObject *fb = PyDict_New();
        PyObject *d = PyDict_New();
        if (!fb || !d) goto fail_item;
        for (int r = 0; r < 6; r++)
            if (pa_dict_steal(fb, accel_fallback_reason_name((accel_fallback_reason)r),
                              PyLong_FromUnsignedLongLong(s.fallbacks[r])) < 0)
                goto fail_item;
        if (pa_dict_steal(d, "op", pa_str_or_none(s.op)) < 0 ||
            pa_dict_steal(d, "calls", PyLong_FromUnsignedLongLong(s.calls)) < 0 ||
            PyDict_SetItemString(d, "fallbacks", fb) < 0 ||
            pa_dict_steal(d, "failures", PyLong_FromUnsignedLongLong(s.failures)) < 0 ||
            pa_dict_steal(d, "time_lost_ms", PyFloat_FromDouble(s.time_lost_ms)) < 0 ||
            PyList_Append(list, d) < 0)
            goto fail_item;
        Py_DECREF(fb);
        Py_DECREF(d);
        continue;
    fail_item:
        Py_XDECREF(fb);
        Py_XDECREF(d);
        Py_DECREF(list);
        return NULL;
    }
    return list;
}

static PyObject *plan_dict(const accel_plan *p)
{
    return Py_BuildValue("{s:i,s:L,s:L,s:L,s:n,s:d,s:O,s:s}", "device", p->device,
                         "budget_bytes", (long long)p->budget_bytes, "bytes_fixed",
                         (long long)p->bytes_fixed, "bytes_per_item", (long long)p->bytes_per_item,
                         "batch", (Py_ssize_t)p->batch, "chunk_seconds", p->chunk_seconds,
                         "calibrated", p->calibrated ? Py_True : Py_False, "why", p->why);
}

static PyObject *ctx_plan_batch(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"op", "item_size", "device", "calibrate", NULL};
    pa_path op;
    Py_ssize_t item_size = 1;
    int device = -1, calibrate = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|nip:plan_batch", kwlist, pa_text_arg, &op,
                                     &item_size, &device, &calibrate))
        return NULL;
    if (pa_arg_range("item_size", item_size, 0, PY_SSIZE_T_MAX, "a whole number >= 0") < 0) {
        pa_path_release(&op);
        return NULL;
    }
    pa_context *c = (pa_context *)self;
    accel_plan p = {.struct_size = sizeof p};
    accel_status st;
    char msg[1024];
    PA_RUN(c, st, msg, accel_plan_batch(c->ctx, op.text, (size_t)item_size, device, calibrate, &p));
    pa_path_release(&op);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return plan_dict(&p);
}

static PyObject *ctx_plan_chunk(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"op", "duration_s", "rate", "device", NULL};
    pa_path op;
    double duration = 0;
    int rate = 16000, device = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&d|ii:plan_chunk", kwlist, pa_text_arg, &op,
                                     &duration, &rate, &device))
        return NULL;
    pa_context *c = (pa_context *)self;
    accel_plan p = {.struct_size = sizeof p};
    accel_status st;
    char msg[1024];
    PA_RUN(c, st, msg, accel_plan_chunk(c->ctx, op.text, duration, rate, device, &p));
    pa_path_release(&op);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    return plan_dict(&p);
}

static PyObject *ctx_precision(PyObject *self, PyObject *args)
{
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "n:precision", &index)) return NULL;
    if (index < 0) return pa_raise(ACCEL_ERR_NOT_FOUND, "device index must be >= 0");
    pa_context *c = (pa_context *)self;
    unsigned mask = 0;
    PA_CALL(c, accel_precision_allowed(c->ctx, (size_t)index, &mask));
    return PyLong_FromUnsignedLong(mask);
}

static PyObject *ctx_warmup(PyObject *self, PyObject *unused)
{
    (void)unused;
    pa_context *c = (pa_context *)self;
    PA_CALL(c, accel_warmup(c->ctx));
    Py_RETURN_NONE;
}

/* ---- convert and reduce ------------------------------------------------------------------- */

/* The accel device holding an input that is in GPU memory: the CUDA (ROCm) device whose
 * runtime ordinal is the input's; for a CUDA array interface (which does not say) the
 * context's only CUDA device. -1 with an InputError naming what there is otherwise. */
static int device_for(pa_context *c, const pa_input *in, size_t *index, int *ordinal)
{
    accel_device_kind want = in->dl_type == PA_DL_ROCM ? ACCEL_KIND_ROCM : ACCEL_KIND_CUDA;
    size_t n = 0, found = 0, hit = 0;
    int hit_ord = -1;
    char have[256] = "";
    size_t k = 0;
    accel_status st;
    Py_BEGIN_ALLOW_THREADS;
    st = pa_ctx_enter(c);
    if (st == ACCEL_OK) {
        accel_device_count(c->ctx, &n);
        for (size_t i = 0; i < n; i++) {
            const accel_device_info *d = NULL;
            int ord = -1;
            if (accel_device_get(c->ctx, i, &d) != ACCEL_OK || d->kind != want) continue;
            accel_device_ordinal(c->ctx, i, &ord);
            if (k < sizeof have)
                k += (size_t)snprintf(have + k, sizeof have - k, "%s%d (accel device %zu)", k ? ", " : "",
                                      ord, i);
            if (in->dl_id < 0 || ord == in->dl_id) {
                if (!found++) {
                    hit = i;
                    hit_ord = ord;
                }
            }
        }
        pa_ctx_leave(c);
    }
    Py_END_ALLOW_THREADS;
    if (st != ACCEL_OK) {
        pa_raise(st, "");
        return -1;
    }
    const char *kind = want == ACCEL_KIND_ROCM ? "ROCm" : "CUDA";
    if (in->dl_id < 0 && found > 1) {
        pa_input_error("%s: a CUDA array interface does not say which GPU holds it, and this context "
                       "has %zu CUDA devices (%s): pass it through DLPack",
                       in->name, found, have);
        return -1;
    }
    if (!found) {
        if (in->dl_id >= 0)
            pa_input_error("%s: the data are on %s device %d, which this context does not have "
                           "(%s devices: %s)",
                           in->name, kind, in->dl_id, kind, k ? have : "none");
        else
            pa_input_error("%s: the data are in CUDA memory, and this context has no CUDA device",
                           in->name);
        return -1;
    }
    *index = hit;
    *ordinal = hit_ord;
    return 0;
}

static PyObject *ctx_convert(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"x", "dtype", "scale", "offset", NULL};
    PyObject *x;
    const char *dtype = "float32";
    float scale = 1.0f, offset = 0.0f;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|sff:convert", kwlist, &x, &dtype, &scale, &offset))
        return NULL;
    static const char *const dtypes[] = {"float32", "float16"};
    int which = pa_arg_choice("dtype", dtype, dtypes, 2);
    if (which < 0) return NULL;
    accel_dtype dst = which == 0 ? ACCEL_F32 : ACCEL_F16;
    static const pa_accept acc = {
        (1u << ACCEL_U8) | (1u << ACCEL_I16) | (1u << ACCEL_I32) | (1u << ACCEL_F16) | (1u << ACCEL_F32),
        0, 0, PA_MAXDIM, "uint8, int16, int32, float16 or float32", 1};
    pa_input in;
    if (pa_input_arg(x, "x", &acc, &in) < 0) return NULL;
    size_t esz = dst == ACCEL_F32 ? 4 : 2;
    pa_el out_el = dst == ACCEL_F32 ? PA_EL_F32 : PA_EL_F16;
    if (in.on_device) { /* on the GPU holding it, into memory of that GPU */
        pa_context *c = (pa_context *)self;
        size_t dev;
        int ord;
        if (device_for(c, &in, &dev, &ord) < 0) {
            pa_input_release(&in);
            return NULL;
        }
        accel_status st;
        char msg[1024];
        void *out = NULL;
        accel_run_record rec = {.struct_size = sizeof rec};
        PA_RUN(c, st, msg, accel_device_alloc(c->ctx, dev, in.n * esz, &out));
        if (st == ACCEL_OK)
            PA_RUN(c, st, msg, accel_convert_on(c->ctx, dev, in.dtype, in.data, dst, out, in.n, scale,
                                                offset, &rec));
        int ndim = in.ndim, dl_type = in.dl_type;
        size_t shape[PA_MAXDIM];
        memcpy(shape, in.shape, sizeof shape);
        pa_input_release(&in);
        if (st != ACCEL_OK) {
            if (out) {
                Py_BEGIN_ALLOW_THREADS;
                if (pa_ctx_enter(c) == ACCEL_OK) {
                    accel_device_free(c->ctx, dev, out);
                    pa_ctx_leave(c);
                }
                Py_END_ALLOW_THREADS;
            }
            return pa_raise_record(st, msg, &rec);
        }
        PyObject *buf = pa_buffer_new_device(out, c, dev, dl_type, ord, out_el, ndim, shape);
        if (!buf) return NULL;
        return Py_BuildValue("(NN)", buf, pa_record_dict(&rec));
    }
    void *out = pa_alloc_n(in.n, esz);
    if (!out) {
        size_t n = in.n;
        pa_input_release(&in);
        return pa_no_memory("x: the converted copy of its %zu elements (%.1f MiB) does not fit in "
                            "memory", n, PA_MIB((double)n * esz));
    }
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    accel_run_record rec = {.struct_size = sizeof rec};
    PA_RUN(c, st, msg, accel_convert(c->ctx, in.dtype, in.data, dst, out, in.n, scale, offset, &rec));
    int ndim = in.ndim;
    size_t shape[PA_MAXDIM];
    memcpy(shape, in.shape, sizeof shape);
    pa_input_release(&in);
    if (st != ACCEL_OK) {
        free(out);
        return pa_raise_record(st, msg, &rec);
    }
    PyObject *buf = pa_buffer_new(out, free, NULL, out_el, ndim, shape);
    if (!buf) return NULL;
    return Py_BuildValue("(NN)", buf, pa_record_dict(&rec));
}

static PyObject *ctx_reduce(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"x", "op", NULL};
    PyObject *x;
    const char *opname = "sum";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|s:reduce", kwlist, &x, &opname)) return NULL;
    static const char *const names[] = {"sum", "mean", "var", "min", "max"};
    int op = pa_arg_choice("op", opname, names, 5);
    if (op < 0) return NULL;
    static const pa_accept acc = {1u << ACCEL_F32, 1, 1, 2, "float32", 1};
    pa_input in;
    if (pa_input_arg(x, "x", &acc, &in) < 0) return NULL;
    size_t n_arrays = in.ndim == 2 ? in.shape[0] : 1, len = in.ndim == 2 ? in.shape[1] : in.shape[0];
    int ndim = in.ndim;
    float *out = pa_alloc_n(n_arrays, sizeof *out);
    if (!out) {
        pa_input_release(&in);
        return pa_no_memory("x: the results of its %zu rows (%.1f MiB) do not fit in memory",
                            n_arrays, PA_MIB((double)n_arrays * sizeof *out));
    }
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    accel_run_record rec = {.struct_size = sizeof rec};
    size_t dev = 0;
    int ord;
    if (in.on_device && device_for(c, &in, &dev, &ord) < 0) {
        free(out);
        pa_input_release(&in);
        return NULL;
    }
    if (in.on_device) /* read on the GPU holding it; the results come back to host memory */
        PA_RUN(c, st, msg,
               accel_reduce_on(c->ctx, dev, (accel_reduce_op)op, in.data, n_arrays, len, out, &rec));
    else
        PA_RUN(c, st, msg,
               accel_reduce(c->ctx, (accel_reduce_op)op, in.data, n_arrays, len, out, &rec));
    pa_input_release(&in);
    if (st != ACCEL_OK) {
        free(out);
        return pa_raise_record(st, msg, &rec);
    }
    PyObject *buf = pa_buffer_new(out, free, NULL, PA_EL_F32, 1, &n_arrays);
    if (!buf) return NULL;
    return Py_BuildValue("(NNi)", buf, pa_record_dict(&rec), ndim);
}

static PyObject *ctx_ordinal(PyObject *self, PyObject *args)
{
    Py_ssize_t index;
    if (!PyArg_ParseTuple(args, "n:ordinal", &index)) return NULL;
    if (index < 0) return pa_raise(ACCEL_ERR_NOT_FOUND, "device index must be >= 0");
    pa_context *c = (pa_context *)self;
    int ord = -1;
    PA_CALL(c, accel_device_ordinal(c->ctx, (size_t)index, &ord));
    return PyLong_FromLong(ord);
}

/* ---- the type ----------------------------------------------------------------------------- */

static PyMethodDef ctx_methods[] = {
    {"close", ctx_close, METH_NOARGS,
     "close($self, /)\n--\n\nDestroy the accel context after calls in progress finish. Idempotent."},
    {"devices", ctx_devices, METH_NOARGS,
     "devices($self, /)\n--\n\nEvery device as a dict of the fields of accel_device_info\n"
     "(-1 and \"\" unknown), plus its runtime ordinal."},
    {"select", (PyCFunction)(void (*)(void))ctx_select, METH_VARARGS | METH_KEYWORDS,
     "select($self, /, op=None, explain=False)\n--\n\n(index, explanation or None): accel_select()."},
    {"select_candidates", (PyCFunction)(void (*)(void))ctx_select_candidates,
     METH_VARARGS | METH_KEYWORDS,
     "select_candidates($self, /, op=None)\n--\n\n([(index, score, eligible, chosen, rule), …], "
     "warning or None, error or None): accel_select_candidates(); a failed selection gives its "
     "error (not raised) with the candidates it ranked, if any."},
    {"device_query", ctx_device_query, METH_VARARGS,
     "device_query($self, index, /)\n--\n\nThe device's live figures now (accel_device_query(), "
     "-1 unknown) and the number of processes using it (accel_device_processes())."},
    {"ordinal", ctx_ordinal, METH_VARARGS,
     "ordinal($self, index, /)\n--\n\nThe device's CUDA/HIP ordinal, -1 for other kinds."},
    {"config_get", ctx_config_get, METH_VARARGS,
     "config_get($self, key, /)\n--\n\n(value, source) of one configuration key."},
    {"config_dump", ctx_config_dump, METH_NOARGS,
     "config_dump($self, /)\n--\n\nThe text `accel config --show` prints."},
    {"stats", ctx_stats, METH_NOARGS,
     "stats($self, /)\n--\n\nPer-operation counters since creation, as dicts."},
    {"plan_batch", (PyCFunction)(void (*)(void))ctx_plan_batch, METH_VARARGS | METH_KEYWORDS,
     "plan_batch($self, /, op, item_size=1, device=-1, calibrate=False)\n--\n\naccel_plan_batch() as a dict."},
    {"plan_chunk", (PyCFunction)(void (*)(void))ctx_plan_chunk, METH_VARARGS | METH_KEYWORDS,
     "plan_chunk($self, /, op, duration_s, rate=16000, device=-1)\n--\n\naccel_plan_chunk() as a dict."},
    {"precision", ctx_precision, METH_VARARGS,
     "precision($self, index, /)\n--\n\nThe ACCEL_PREC_* mask device `index` may use."},
    {"warmup", ctx_warmup, METH_NOARGS,
     "warmup($self, /)\n--\n\nCompile or load every kernel on every opened device now."},
    {"convert", (PyCFunction)(void (*)(void))ctx_convert, METH_VARARGS | METH_KEYWORDS,
     "convert($self, /, x, dtype='float32', scale=1.0, offset=0.0)\n--\n\n(Buffer, record): accel_convert()."},
    {"reduce", (PyCFunction)(void (*)(void))ctx_reduce, METH_VARARGS | METH_KEYWORDS,
     "reduce($self, /, x, op='sum')\n--\n\n(Buffer, record, ndim of x): accel_reduce() over the last axis."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ctx_getset[] = {
    {"closed", ctx_get_closed, NULL, "True once close() ran.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

int pa_context_init(PyObject *module)
{
    /* the Context's methods: its own, the audio calls (audio.c) and the image calls (image.c) */
    size_t n1 = 0, n2 = 0, n3 = 0;
    while (ctx_methods[n1].ml_name) n1++;
    while (pa_context_audio_methods[n2].ml_name) n2++;
    while (pa_context_image_methods[n3].ml_name) n3++;
    static PyMethodDef *all;
    all = calloc(n1 + n2 + n3 + 1, sizeof *all);
    if (!all) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(all, ctx_methods, n1 * sizeof *all);
    memcpy(all + n1, pa_context_audio_methods, n2 * sizeof *all);
    memcpy(all + n1 + n2, pa_context_image_methods, n3 * sizeof *all);
    PyType_Slot slots[] = {
        {Py_tp_doc, (void *)"Context(options=(), flags=0)\n--\n\n"
                            "An accel_ctx: options are (key, value) pairs that override the\n"
                            "environment and the configuration file; flags are ACCEL_CTX_*.\n"
                            "Use accel.Context, which builds on it."},
        {Py_tp_new, (void *)ctx_new},
        {Py_tp_dealloc, (void *)ctx_dealloc},
        {Py_tp_methods, all},
        {Py_tp_getset, ctx_getset},
        {0, NULL},
    };
    PyType_Spec spec = {
        .name = "accel._accel.Context",
        .basicsize = sizeof(pa_context),
        .itemsize = 0,
        .flags = Py_TPFLAGS_DEFAULT,
        .slots = slots,
    };
    pa_ContextType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (!pa_ContextType) return -1;
    Py_INCREF((PyObject *)pa_ContextType);
    if (PyModule_AddObject(module, "Context", (PyObject *)pa_ContextType) < 0) {
        Py_DECREF((PyObject *)pa_ContextType);
        return -1;
    }
    return 0;
}
