/* args.c — what the methods of the extension share: reading their arguments, kind by kind, and
 * raising for a failed call.
 *
 * Every refusal is an accel.InputError that names the argument and the reason (the values
 * allowed where there is a list), so each method states only what it takes. */
#include "pyaccel.h"

#include <stdlib.h>
#include <string.h>

/* ---- failed calls --------------------------------------------------------------------------- */

PyObject *pa_raise_last(accel_status st)
{
    char msg[1024];
    pa_last_error(st, msg, sizeof msg);
    return pa_raise(st, msg);
}

PyObject *pa_raise_record(accel_status st, const char *msg, const accel_run_record *rec)
{
    PyObject *extra = PyDict_New();
    if (extra && rec) pa_dict_steal(extra, "record", pa_record_dict(rec));
    pa_raise_extra(st, msg, extra);
    Py_XDECREF(extra);
    return NULL;
}

/* ---- paths ---------------------------------------------------------------------------------- */

void pa_path_release(pa_path *p)
{
    Py_CLEAR(p->bytes);
    p->text = NULL;
}

static int path_convert(PyObject *o, pa_path *p, int none_ok)
{
    if (!o) { /* PyArg's cleanup after a later argument failed */
        pa_path_release(p);
        return 1;
    }
    p->bytes = NULL;
    p->text = NULL;
    if (none_ok && o == Py_None) return 1;
    if (!PyUnicode_FSConverter(o, &p->bytes)) {
        /* not a path (None, a number), or one with a NUL byte: an InputError like every other
         * refused argument, with Python's words (a converter is not told the argument's name;
         * the package's functions check their paths first and name them) */
        if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyObject *e = pa_take_error();
            PyObject *text = e ? PyObject_Str(e) : NULL;
            const char *t = text ? PyUnicode_AsUTF8AndSize(text, NULL) : NULL;
            PyErr_Clear();
            pa_input_error("a path argument: %s", t ? t : "not a path");
            Py_XDECREF(text);
            Py_XDECREF(e);
        }
        return 0;
    }
    p->text = PyBytes_AsString(p->bytes);
    if (!p->text) {
        pa_path_release(p);
        return 0;
    }
    return Py_CLEANUP_SUPPORTED;
}

int pa_path_arg(PyObject *o, void *out) { return path_convert(o, out, 0); }

int pa_path_or_none_arg(PyObject *o, void *out) { return path_convert(o, out, 1); }

void pa_paths_release(pa_paths *p)
{
    Py_CLEAR(p->keep);
    free(p->texts);
    p->texts = NULL;
    p->n = 0;
}

int pa_paths_get(PyObject *seq_in, const char *name, pa_paths *p)
{
    memset(p, 0, sizeof *p);
    if (PyUnicode_Check(seq_in) || PyBytes_Check(seq_in)) {
        pa_input_error("%s: a single path; give a list of paths", name);
        return -1;
    }
    PyObject *seq = PySequence_Tuple(seq_in);
    if (!seq) return -1;
    Py_ssize_t n = PyTuple_Size(seq);
    p->keep = PyTuple_New(n);
    p->texts = calloc((size_t)(n ? n : 1), sizeof *p->texts);
    if (!p->keep || !p->texts) {
        Py_DECREF(seq);
        pa_paths_release(p);
        pa_no_memory("%s: out of memory for %zd paths", name, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *b = NULL;
        if (!PyUnicode_FSConverter(PyTuple_GetItem(seq, i), &b)) {
            PyErr_Clear();
            pa_input_error("%s[%zd]: not a path (allowed: str, bytes, os.PathLike without NUL)",
                           name, i);
            goto fail;
        }
        PyTuple_SetItem(p->keep, i, b); /* steals */
        p->texts[i] = PyBytes_AsString(b);
        if (!p->texts[i]) goto fail;
    }
    Py_DECREF(seq);
    p->n = n;
    return 0;
fail:
    Py_DECREF(seq);
    pa_paths_release(p);
    return -1;
}

int pa_paths_arg(PyObject *o, void *out)
{
    if (!o) { /* PyArg's cleanup after a later argument failed */
        pa_paths_release(out);
        return 1;
    }
    return pa_paths_get(o, "paths", out) < 0 ? 0 : Py_CLEANUP_SUPPORTED;
}

/* ---- integers, names, numbers ----------------------------------------------------------------- */

int pa_arg_range(const char *name, long long v, long long lo, long long hi, const char *allowed)
{
    if (v >= lo && v <= hi) return 0;
    pa_input_error("%s: %lld (allowed: %s)", name, v, allowed);
    return -1;
}

/* "a, b, c" */
static void join_names(const char *const *names, int n, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", names[i]);
}

int pa_arg_choice(const char *name, const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(value, names[i])) return i;
    char allowed[512];
    join_names(names, n, allowed, sizeof allowed);
    pa_input_error("%s: '%s' (allowed: %s)", name, value, allowed);
    return -1;
}

int pa_arg_choice_obj(const char *name, PyObject *value, const char *const *names, int n)
{
    const char *s = PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, NULL) : NULL;
    if (s) return pa_arg_choice(name, s, names, n);
    PyErr_Clear();
    char allowed[512];
    join_names(names, n, allowed, sizeof allowed);
    pa_input_error("%s: expected a string (allowed: %s)", name, allowed);
    return -1;
}

int pa_arg_double(const char *name, PyObject *value, double *out)
{
    /* a float, an int, or another real number (numpy's float32 and int64, which are neither):
     * what converts with __float__ or __index__; never a bool, nor a string float() parses */
    int real = PyFloat_Check(value) || PyLong_Check(value) ||
               (!PyUnicode_Check(value) && !PyBytes_Check(value) && !PyByteArray_Check(value) &&
                (PyIndex_Check(value) || PyType_GetSlot(Py_TYPE(value), Py_nb_float)));
    if (PyBool_Check(value) || !real) {
        pa_input_error("%s: expected a number", name);
        return -1;
    }
    double d = PyFloat_AsDouble(value);
    if (d == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
        PyErr_Clear(); /* an int past float64's range: no bare OverflowError */
        pa_input_error("%s: a number too large for float64", name);
        return -1;
    }
    *out = d;
    return 0;
}

int pa_arg_fields(PyObject *d, const char *what, const char *item, const pa_field *fields,
                  size_t n, void *base)
{
    if (!d || d == Py_None) return 0;
    if (!PyDict_Check(d)) {
        pa_input_error("%s: expected a dict", what);
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &key, &value)) {
        const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, NULL) : NULL;
        if (!k) {
            PyErr_Clear();
            pa_input_error("%s: keys are names", what);
            return -1;
        }
        size_t i = 0;
        while (i < n && strcmp(k, fields[i].name)) i++;
        if (i == n) {
            char allowed[512];
            size_t len = 0;
            allowed[0] = '\0';
            for (size_t j = 0; j < n && len < sizeof allowed; j++)
                len += (size_t)snprintf(allowed + len, sizeof allowed - len, "%s%s", j ? ", " : "",
                                        fields[j].name);
            pa_input_error("unknown %s '%s' (allowed: %s)", item, k, allowed);
            return -1;
        }
        double v;
        if (pa_arg_double(k, value, &v) < 0) return -1;
        memcpy((char *)base + fields[i].off, &v, sizeof v);
    }
    return 0;
}

/* ---- arrays ----------------------------------------------------------------------------------- */

int pa_input_arg(PyObject *obj, const char *name, const pa_accept *acc, pa_input *in)
{
    if (pa_input_get(obj, name, acc, in) == 0) return 0;
    pa_input_release(in);
    return -1;
}
