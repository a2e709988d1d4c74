/* args.c — what the methods of the extension share: reading their arguments, kind by kind, and
 * raising for a failed call.
 *
 * Every refusal names the argument and the reason (the values allowed where there is a list),
 * so each method states only what it takes: accel.InputTypeError (also a TypeError) for a value
 * of the wrong type, accel.InputError (a ValueError) for a value that is not allowed, in the
 * words of accel/_args.py. */
#include "pyaccel.h"

#include <ctype.h>
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

/* ---- texts ---------------------------------------------------------------------------------- */

PyObject *pa_encode_text(PyObject *str)
{
    PyObject *b = PyUnicode_AsEncodedString(str, "utf-8", "surrogateescape");
    if (b || !PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return b;
    PyErr_Clear(); /* a surrogate no bytes decode to ('\ud800'): no file has that name */
    return PyUnicode_AsEncodedString(str, "utf-8", "backslashreplace");
}

PyObject *pa_decode(const char *text)
{
    return PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "surrogateescape");
}

static int text_convert(PyObject *o, pa_path *p, int none_ok)
{
    if (!o) { /* PyArg's cleanup after a later argument failed */
        pa_path_release(p);
        return 1;
    }
    p->bytes = NULL;
    p->text = NULL;
    if (none_ok && o == Py_None) return 1;
    if (!PyUnicode_Check(o)) {
        pa_type_error("a text argument", "a string", o, NULL);
        return 0;
    }
    p->bytes = pa_encode_text(o);
    if (!p->bytes) return 0;
    char *t = NULL;
    Py_ssize_t len = 0;
    if (PyBytes_AsStringAndSize(p->bytes, &t, &len) < 0) {
        pa_path_release(p);
        return 0;
    }
    if ((size_t)len != strlen(t)) {
        pa_path_release(p);
        pa_input_error("a text argument: a string with a NUL character");
        return 0;
    }
    p->text = t;
    return Py_CLEANUP_SUPPORTED;
}

int pa_text_arg(PyObject *o, void *out) { return text_convert(o, out, 0); }

int pa_text_or_none_arg(PyObject *o, void *out) { return text_convert(o, out, 1); }

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
        /* not a path (None, a number): an InputTypeError; one with a NUL byte: an InputError,
         * like every other refused argument (a converter is not told the argument's name; the
         * package's functions check their paths first and name them) */
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            pa_type_error("a path argument", "a path", o, "str, bytes, os.PathLike");
        } else if (PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            pa_input_error("a path argument: a path with a NUL byte");
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
    if (!seq) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError)) return -1;
        PyErr_Clear();
        pa_type_error(name, "a list of paths", seq_in, NULL);
        return -1;
    }
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
        PyObject *b = NULL, *o = PyTuple_GetItem(seq, i);
        if (!PyUnicode_FSConverter(o, &b)) {
            char item[96];
            snprintf(item, sizeof item, "%s[%zd]", name, i);
            if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                pa_type_error(item, "a path", o, "str, bytes, os.PathLike");
            } else if (PyErr_ExceptionMatches(PyExc_ValueError)) {
                PyErr_Clear();
                pa_input_error("%s: a path with a NUL byte", item);
            }
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

/* Optimal string alignment distance, case-insensitive, of two short words (src/core/opnames.c,
 * which the extension cannot include: it sees accel.h only). */
static int distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    int d[65][65];
    for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + (ca != cb) < v) v = d[i - 1][j - 1] + (ca != cb);
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

/* The allowed word a misspelt one is nearest to, as the CLI suggests it (accel__nearest_name):
 * a unique prefix of at least three characters, else the closest word within one edit (short
 * words), two, or three (beyond eight characters); NULL. accel/_args.py's nearest(). */
static const char *nearest(const char *word, const char *const *names, int n)
{
    size_t len = strlen(word), dashes = strspn(word, "-");
    if (!len || len > 64) return NULL;
    const char *prefix = NULL;
    int prefixes = 0;
    for (int i = 0; i < n; i++)
        if (len >= dashes + 3 && strlen(names[i]) > len && strncasecmp(names[i], word, len) == 0) {
            if (!prefix || strcmp(prefix, names[i]) != 0) prefixes++;
            prefix = names[i];
        }
    if (prefixes == 1) return prefix;
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3, best_d = limit + 1;
    const char *best = NULL;
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) > 64) continue;
        int dd = distance(word, names[i]);
        if (dd < best_d) {
            best_d = dd;
            best = names[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

int pa_arg_choice(const char *name, const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(value, names[i])) return i;
    char allowed[512];
    join_names(names, n, allowed, sizeof allowed);
    const char *near = nearest(value, names, n);
    if (near)
        pa_input_error("%s '%s': did you mean '%s'? allowed: %s", name, value, near, allowed);
    else
        pa_input_error("%s '%s': allowed: %s", name, value, allowed);
    return -1;
}

int pa_arg_choice_obj(const char *name, PyObject *value, const char *const *names, int n)
{
    if (!PyUnicode_Check(value)) {
        char allowed[512];
        join_names(names, n, allowed, sizeof allowed);
        pa_type_error(name, "a string", value, allowed);
        return -1;
    }
    PyObject *b = pa_encode_text(value);
    const char *s = b ? PyBytes_AsString(b) : NULL;
    int r = s ? pa_arg_choice(name, s, names, n) : -1;
    Py_XDECREF(b);
    return r;
}

int pa_arg_double(const char *name, PyObject *value, double *out)
{
    /* a float, an int, or another real number (numpy's float32 and int64, which are neither):
     * what converts with __float__ or __index__; never a bool, nor a string float() parses */
    int real = PyFloat_Check(value) || PyLong_Check(value) ||
               (!PyUnicode_Check(value) && !PyBytes_Check(value) && !PyByteArray_Check(value) &&
                (PyIndex_Check(value) || PyType_GetSlot(Py_TYPE(value), Py_nb_float)));
    if (PyBool_Check(value) || !real) {
        pa_type_error(name, "a number", value, NULL);
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

/* Sets the field named k of `base` to `value`; -1 with the refusal. */
static int field_set(const char *k, PyObject *value, const char *item, const pa_field *fields,
                     size_t n, void *base)
{
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
    return 0;
}

int pa_arg_fields(PyObject *d, const char *what, const char *item, const pa_field *fields,
                  size_t n, void *base)
{
    if (!d || d == Py_None) return 0;
    if (!PyDict_Check(d)) {
        pa_type_error(what, "a dict", d, NULL);
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            pa_type_error(what, "names as keys", key, NULL);
            return -1;
        }
        /* a name with surrogates is named as written, not a UnicodeEncodeError */
        PyObject *kb = pa_encode_text(key);
        const char *k = kb ? PyBytes_AsString(kb) : NULL;
        int r = k ? field_set(k, value, item, fields, n, base) : -1;
        Py_XDECREF(kb);
        if (r < 0) return -1;
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
