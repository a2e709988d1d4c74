/* module.c — accel._accel: the extension module. Functions that need no context (version,
 * status names, the doctor) and constants generated from accel.h's own lists, so the Python
 * side never restates a number the header defines. */
#include "pyaccel.h"

#include <stdlib.h>
#include <string.h>

static PyObject *m_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return Py_BuildValue("(sI)", accel_version_string(), accel_version_number());
}

static PyObject *m_status_name(PyObject *self, PyObject *args)
{
    (void)self;
    int code;
    if (!PyArg_ParseTuple(args, "i:status_name", &code)) return NULL;
    return PyUnicode_FromString(accel_status_name((accel_status)code));
}

static PyObject *m_strerror(PyObject *self, PyObject *args)
{
    (void)self;
    int code;
    if (!PyArg_ParseTuple(args, "i:strerror", &code)) return NULL;
    return PyUnicode_FromString(accel_strerror((accel_status)code));
}

static PyObject *m_doctor(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned int flags = 0;
    if (!PyArg_ParseTuple(args, "|I:doctor", &flags)) return NULL;
    char *report = NULL;
    int rc = 2;
    accel_status st;
    char msg[1024];
    Py_BEGIN_ALLOW_THREADS;
    st = accel_doctor(flags, &report, &rc);
    if (st != ACCEL_OK) pa_last_error(st, msg, sizeof msg);
    Py_END_ALLOW_THREADS;
    if (st != ACCEL_OK) return pa_raise(st, msg);
    PyObject *text = pa_str_or_none(report);
    free(report);
    if (!text) return NULL;
    return Py_BuildValue("(Ni)", text, rc);
}

static PyObject *m_raise_status(PyObject *self, PyObject *args)
{
    (void)self;
    int code;
    const char *msg = "";
    if (!PyArg_ParseTuple(args, "i|s:raise_status", &code, &msg)) return NULL;
    return pa_raise((accel_status)code, msg);
}

static PyMethodDef module_methods[] = {
    {"version", m_version, METH_NOARGS,
     "version()\n--\n\n(\"MAJOR.MINOR.PATCH\", MAJOR*10000 + MINOR*100 + PATCH) of the linked "
     "libaccel."},
    {"status_name", m_status_name, METH_VARARGS,
     "status_name(code, /)\n--\n\nThe status code's name (\"ERR_DEVICE_OOM\")."},
    {"strerror", m_strerror, METH_VARARGS,
     "strerror(code, /)\n--\n\nThe status code's generic description."},
    {"doctor", m_doctor, METH_VARARGS,
     "doctor(flags=0, /)\n--\n\n(report text, exit code) of accel_doctor(): JSON, or text with "
     "DOCTOR_TEXT."},
    {"raise_status", m_raise_status, METH_VARARGS,
     "raise_status(code, message='', /)\n--\n\nRaise the accel.Error subclass of a status (the "
     "mapping the extension uses; for tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "accel._accel",
    "libaccel's public API for Python, compiled against the CPython limited API.\n"
    "Use the accel package; this module is its implementation.",
    -1,
    module_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

static int add_int(PyObject *d, const char *k, long v) { return pa_dict_steal(d, k, PyLong_FromLong(v)); }

static int add_constants(PyObject *m)
{
    PyObject *status = PyDict_New();
    if (!status) return -1;
#define PA_STATUS(name, value, text)                                                        \
    if (add_int(status, #name, value) < 0) goto fail;
    ACCEL_STATUS_LIST(PA_STATUS)
#undef PA_STATUS
    if (PyModule_AddObject(m, "STATUS", status) < 0) goto fail;

    PyObject *reasons = PyList_New(0);
    if (!reasons) return -1;
    for (int r = 0; r <= ACCEL_FALLBACK_UNSUPPORTED_OP; r++) {
        PyObject *s = PyUnicode_FromString(accel_fallback_reason_name((accel_fallback_reason)r));
        if (!s || PyList_Append(reasons, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(reasons);
            return -1;
        }
        Py_DECREF(s);
    }
    if (PyModule_AddObject(m, "FALLBACK_REASONS", reasons) < 0) {
        Py_DECREF(reasons);
        return -1;
    }

    struct {
        const char *name;
        const char *const *keys;
        const unsigned *values;
        size_t n;
    } sets[3];
    static const char *const simd_k[] = {"sse4.2", "avx", "avx2", "fma", "f16c", "avx512f",
                                         "avx512bw", "avx512vl", "avx512dq", "avx512fp16", "neon",
                                         "sve"};
    static const unsigned simd_v[] = {ACCEL_SIMD_SSE42, ACCEL_SIMD_AVX, ACCEL_SIMD_AVX2,
                                      ACCEL_SIMD_FMA, ACCEL_SIMD_F16C, ACCEL_SIMD_AVX512F,
                                      ACCEL_SIMD_AVX512BW, ACCEL_SIMD_AVX512VL,
                                      ACCEL_SIMD_AVX512DQ, ACCEL_SIMD_AVX512FP16, ACCEL_SIMD_NEON,
                                      ACCEL_SIMD_SVE};
    /* routes are named and ordered as the backend table names them (docs/devices.md): the
     * HIP API is "rocm", as in ACCEL_BACKEND and `accel devices` */
    static const char *const route_k[] = {"cuda", "rocm", "opencl", "cpu"};
    static const unsigned route_v[] = {ACCEL_ROUTE_CUDA, ACCEL_ROUTE_HIP, ACCEL_ROUTE_OPENCL,
                                       ACCEL_ROUTE_CPU};
    static const char *const prec_k[] = {"fp32", "tf32", "fp16", "bf16", "int8"};
    static const unsigned prec_v[] = {ACCEL_PREC_FP32, ACCEL_PREC_TF32, ACCEL_PREC_FP16,
                                      ACCEL_PREC_BF16, ACCEL_PREC_INT8};
    sets[0].name = "SIMD", sets[0].keys = simd_k, sets[0].values = simd_v, sets[0].n = 12;
    sets[1].name = "ROUTES", sets[1].keys = route_k, sets[1].values = route_v, sets[1].n = 4;
    sets[2].name = "PRECISION", sets[2].keys = prec_k, sets[2].values = prec_v, sets[2].n = 5;
    for (int s = 0; s < 3; s++) {
        PyObject *l = PyList_New(0);
        if (!l) return -1;
        for (size_t i = 0; i < sets[s].n; i++) {
            PyObject *t = Py_BuildValue("(sI)", sets[s].keys[i], sets[s].values[i]);
            if (!t || PyList_Append(l, t) < 0) {
                Py_XDECREF(t);
                Py_DECREF(l);
                return -1;
            }
            Py_DECREF(t);
        }
        if (PyModule_AddObject(m, sets[s].name, l) < 0) {
            Py_DECREF(l);
            return -1;
        }
    }
    if (PyModule_AddIntConstant(m, "CTX_NO_CACHE", ACCEL_CTX_NO_CACHE) < 0 ||
        PyModule_AddIntConstant(m, "CTX_NO_DISCOVERY", ACCEL_CTX_NO_DISCOVERY) < 0 ||
        PyModule_AddIntConstant(m, "CTX_NO_WARMUP", ACCEL_CTX_NO_WARMUP) < 0 ||
        PyModule_AddIntConstant(m, "DOCTOR_NO_CACHE", ACCEL_DOCTOR_NO_CACHE) < 0 ||
        PyModule_AddIntConstant(m, "DOCTOR_TEXT", ACCEL_DOCTOR_TEXT) < 0 ||
        PyModule_AddIntConstant(m, "HEADER_VERSION", ACCEL_VERSION_NUMBER) < 0)
        return -1;
    return 0;
fail:
    Py_DECREF(status);
    return -1;
}

PyMODINIT_FUNC PyInit__accel(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    if (pa_errors_init(m) < 0 || pa_buffer_init(m) < 0 || pa_audio_init(m) < 0 ||
        pa_context_init(m) < 0 || pa_corpus_init(m) < 0 || pa_cli_init(m) < 0 ||
        add_constants(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
