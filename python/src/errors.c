/* errors.c — a failed status becomes an exception of the accel.Error family.
 *
 * The classes live in accel/errors.py (easier to document and subclass there); this file only
 * calls accel.errors._from_status(code, name, message, extra), which picks the class of the
 * status and sets .status, .code and .message on the instance. */
#include "pyaccel.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static PyObject *factory; /* accel.errors._from_status, imported on first use */

static PyObject *get_factory(void)
{
    if (factory) return factory;
    PyObject *m = PyImport_ImportModule("accel.errors");
    if (!m) return NULL;
    factory = PyObject_GetAttrString(m, "_from_status");
    Py_DECREF(m);
    return factory;
}

PyObject *pa_error_new(accel_status st, const char *message, PyObject *extra)
{
    int code = st == PA_CLOSED ? ACCEL_ERR_INVALID_ARG : (int)st;
    const char *name = accel_status_name((accel_status)code);
    const char *msg = message && message[0] ? message : accel_strerror((accel_status)code);
    if (st == PA_CLOSED && (!message || !message[0])) msg = "this accel.Context is closed";
    PyObject *f = get_factory();
    if (!f) return NULL;
    /* a message names files as their bytes are: a name that is not UTF-8 comes back as the
     * str os.listdir gave for it (surrogateescape, as the corpus records do), not as a
     * UnicodeDecodeError in place of the error */
    PyObject *text = PyUnicode_DecodeUTF8(msg, (Py_ssize_t)strlen(msg), "surrogateescape");
    if (!text) return NULL;
    PyObject *r = PyObject_CallFunction(f, "isOO", code, name, text, extra ? extra : Py_None);
    Py_DECREF(text);
    return r;
}

PyObject *pa_raise_extra(accel_status st, const char *message, PyObject *extra)
{
    PyObject *exc = pa_error_new(st, message, extra);
    if (!exc) return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *pa_raise(accel_status st, const char *message) { return pa_raise_extra(st, message, NULL); }

static PyObject *raise_v(accel_status st, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return pa_raise(st, msg);
}

PyObject *pa_input_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *r = raise_v(ACCEL_ERR_INVALID_ARG, fmt, ap);
    va_end(ap);
    return r;
}

/* What a refused value is, for messages: "None", its type and value when short ("str '10'",
 * "float 1.5"), else its type ("list"); accel/_args.py's got(). A str's repr escapes lone
 * surrogates, and the text is written with backslash escapes, so this never fails on them. */
static void describe(PyObject *v, char *buf, size_t cap)
{
    if (v == Py_None) {
        snprintf(buf, cap, "None");
        return;
    }
    PyObject *tn = PyType_GetName(Py_TYPE(v));
    PyObject *tb = tn ? PyUnicode_AsEncodedString(tn, "utf-8", "backslashreplace") : NULL;
    const char *t = tb ? PyBytes_AsString(tb) : NULL;
    PyObject *r = NULL, *rb = NULL;
    if (PyUnicode_Check(v) || PyBytes_Check(v) || PyByteArray_Check(v) || PyLong_Check(v) ||
        PyFloat_Check(v) || PyComplex_Check(v)) {
        r = PyObject_Repr(v);
        rb = r ? PyUnicode_AsEncodedString(r, "utf-8", "backslashreplace") : NULL;
    }
    const char *rs = rb ? PyBytes_AsString(rb) : NULL;
    PyErr_Clear();
    if (rs && strlen(rs) <= 40)
        snprintf(buf, cap, "%s %s", t ? t : "object", rs);
    else if (rs)
        snprintf(buf, cap, "%s %.36s...", t ? t : "object", rs);
    else
        snprintf(buf, cap, "%s", t ? t : "object");
    Py_XDECREF(rb);
    Py_XDECREF(r);
    Py_XDECREF(tb);
    Py_XDECREF(tn);
}

PyObject *pa_type_error(const char *name, const char *what, PyObject *got, const char *allowed)
{
    char g[96], msg[1024];
    describe(got, g, sizeof g);
    if (allowed && allowed[0])
        snprintf(msg, sizeof msg, "%s: expected %s, got %s (allowed: %s)", name, what, g, allowed);
    else
        snprintf(msg, sizeof msg, "%s: expected %s, got %s", name, what, g);
    PyObject *extra = Py_BuildValue("{s:O}", "type_error", Py_True);
    if (!extra) return NULL;
    pa_raise_extra(ACCEL_ERR_INVALID_ARG, msg, extra);
    Py_DECREF(extra);
    return NULL;
}

PyObject *pa_no_memory(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *r = raise_v(ACCEL_ERR_NO_MEMORY, fmt, ap);
    va_end(ap);
    return r;
}

PyObject *pa_take_error(void)
{
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    if (!et) return NULL;
    PyErr_NormalizeException(&et, &ev, &tb);
    if (ev && tb) PyException_SetTraceback(ev, tb);
    Py_XDECREF(et);
    Py_XDECREF(tb);
    return ev;
}

void pa_last_error(accel_status st, char *buf, size_t cap)
{
    if (!cap) return;
    if (st == PA_CLOSED) {
        snprintf(buf, cap, "this accel.Context is closed");
        return;
    }
    const char *m = accel_last_error(NULL);
    snprintf(buf, cap, "%s", m && m[0] ? m : accel_strerror(st));
}

static PyObject *error_class; /* accel.errors.Error */

void pa_wrap_foreign_error(const char *name)
{
    if (!PyErr_Occurred()) return;
    /* the producer's own failure (numpy refusing to export a dtype, a __dlpack__ that raises)
     * becomes an InputError naming the argument, with the producer's words */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    if (!error_class) {
        PyObject *m = PyImport_ImportModule("accel.errors");
        if (m) {
            error_class = PyObject_GetAttrString(m, "Error");
            Py_DECREF(m);
        }
        if (!error_class) { /* keep what was being raised */
            PyErr_Clear();
            PyErr_Restore(et, ev, tb);
            return;
        }
    }
    PyErr_NormalizeException(&et, &ev, &tb);
    if (PyErr_GivenExceptionMatches(et, error_class) || PyErr_GivenExceptionMatches(et, PyExc_MemoryError) ||
        PyErr_GivenExceptionMatches(et, PyExc_KeyboardInterrupt)) {
        PyErr_Restore(et, ev, tb);
        return;
    }
    PyObject *tn = et ? PyType_GetName((PyTypeObject *)et) : NULL;
    PyObject *text = ev ? PyObject_Str(ev) : NULL;
    /* the producer's words as they are: a name in them that is not UTF-8 (surrogates) too */
    PyObject *tnb = tn ? pa_encode_text(tn) : NULL;
    PyObject *mb = text ? pa_encode_text(text) : NULL;
    const char *t = tnb ? PyBytes_AsString(tnb) : NULL;
    const char *m = mb ? PyBytes_AsString(mb) : NULL;
    PyErr_Clear();
    pa_input_error("%s: its exporter failed: %s: %s", name, t ? t : "error", m ? m : "");
    Py_XDECREF(tnb);
    Py_XDECREF(mb);
    Py_XDECREF(tn);
    Py_XDECREF(text);
    Py_XDECREF(et);
    Py_XDECREF(ev);
    Py_XDECREF(tb);
}

int pa_errors_init(PyObject *module)
{
    (void)module;
    return 0;
}
