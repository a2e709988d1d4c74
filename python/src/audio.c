/* audio.c — accel._accel.AudioParams (accel_audio_params with named fields) and the audio calls
 * of the Context: features of arrays and of files, whole-file decoding, resampling of arrays,
 * voice activity and chunking. Each call copies the parameters under the GIL, then runs with
 * the GIL released like every other call (context.c). */
#include "pyaccel.h"

#include <stdlib.h>
#include <string.h>

PyTypeObject *pa_AudioParamsType;

typedef struct pa_audio_params {
    PyObject_HEAD
    accel_audio_params p;
    char preset[32];
} pa_audio_params;

/* ---- the fields --------------------------------------------------------------------------- */

typedef enum { F_INT, F_DOUBLE, F_BOOL, F_KIND, F_PADDING, F_WINDOW } ftype;

typedef struct field {
    const char *name;
    ftype type;
    size_t off;
    const char *alias; /* torchaudio.compliance.kaldi.fbank's name, when it differs */
    const char *doc;
} field;

#define OFF(f) offsetof(accel_audio_params, f)
static const field fields[] = {
    {"kind", F_KIND, OFF(kind), NULL, "\"whisper\", \"vggish\" or \"fbank\"."},
    {"sample_rate", F_INT, OFF(sample_rate), "sample_frequency",
     "Hz of the samples given (whisper and vggish require 16000)."},
    {"n_mels", F_INT, OFF(n_mels), "num_mel_bins", "Mel bands: whisper 80 or 128, vggish 64, fbank > 3."},
    {"padding", F_PADDING, OFF(padding), NULL,
     "whisper: \"openai\" (30 s, as transcribe()), \"faster-whisper\" (160 samples) or \"none\"."},
    {"windows", F_BOOL, OFF(windows), NULL, "whisper: output the 30-s windows (n, n_mels, 3000)."},
    {"window_type", F_WINDOW, OFF(window_type), NULL,
     "fbank: \"povey\", \"hamming\", \"hanning\", \"rectangular\" or \"blackman\"."},
    {"frame_length_ms", F_DOUBLE, OFF(frame_length_ms), "frame_length", "fbank: frame length in ms."},
    {"frame_shift_ms", F_DOUBLE, OFF(frame_shift_ms), "frame_shift", "fbank: frame shift in ms."},
    {"dither", F_DOUBLE, OFF(dither), NULL, "fbank: deterministic Gaussian dither (0: none)."},
    {"preemphasis_coefficient", F_DOUBLE, OFF(preemphasis_coefficient), NULL, "fbank: pre-emphasis."},
    {"remove_dc_offset", F_BOOL, OFF(remove_dc_offset), NULL, "fbank: subtract each frame's mean."},
    {"snip_edges", F_BOOL, OFF(snip_edges), NULL, "fbank: only frames that fit entirely."},
    {"round_to_power_of_two", F_BOOL, OFF(round_to_power_of_two), NULL, "fbank: FFT size."},
    {"use_energy", F_BOOL, OFF(use_energy), NULL, "fbank: add a log-energy column."},
    {"raw_energy", F_BOOL, OFF(raw_energy), NULL, "fbank: energy before pre-emphasis and window."},
    {"htk_compat", F_BOOL, OFF(htk_compat), NULL, "fbank: energy column last instead of first."},
    {"energy_floor", F_DOUBLE, OFF(energy_floor), NULL, "fbank: floor of the energy."},
    {"use_log_fbank", F_BOOL, OFF(use_log_fbank), NULL, "fbank: log of the filterbank energies."},
    {"use_power", F_BOOL, OFF(use_power), NULL, "fbank: power (True) or magnitude spectrum."},
    {"low_freq", F_DOUBLE, OFF(low_freq), NULL, "fbank: lowest filter edge, Hz."},
    {"high_freq", F_DOUBLE, OFF(high_freq), NULL, "fbank: highest edge (0: Nyquist, < 0: Nyquist + it)."},
    {"blackman_coeff", F_DOUBLE, OFF(blackman_coeff), NULL, "fbank: Blackman window coefficient."},
    {"sample_scale", F_DOUBLE, OFF(sample_scale), NULL, "fbank: samples are multiplied by this first."},
    {"subtract_mean", F_BOOL, OFF(subtract_mean), NULL, "fbank: subtract each column's mean."},
    {"vtln_warp", F_DOUBLE, OFF(vtln_warp), NULL, "fbank: VTLN warp factor (1: none)."},
    {"vtln_low", F_DOUBLE, OFF(vtln_low), NULL, "fbank: VTLN lower cutoff, Hz."},
    {"vtln_high", F_DOUBLE, OFF(vtln_high), NULL, "fbank: VTLN upper cutoff (< 0: Nyquist + it)."},
    {"min_duration", F_DOUBLE, OFF(min_duration), NULL, "fbank: shorter signals give no frames, s."},
};
#define N_FIELDS (sizeof fields / sizeof *fields)

static const char *const kind_names[] = {"whisper", "vggish", "fbank"};
static const char *const padding_names[] = {"openai", "faster-whisper", "none"};
static const char *const window_names[] = {"povey", "hamming", "hanning", "rectangular", "blackman"};

static const char *const *enum_names(ftype t, int *n)
{
    switch (t) {
    case F_KIND: *n = 3; return kind_names;
    case F_PADDING: *n = 3; return padding_names;
    case F_WINDOW: *n = 5; return window_names;
    default: *n = 0; return NULL;
    }
}

static PyObject *field_get(const accel_audio_params *p, const field *f)
{
    const char *base = (const char *)p + f->off;
    int iv;
    double dv;
    switch (f->type) {
    case F_INT: memcpy(&iv, base, sizeof iv); return PyLong_FromLong(iv);
    case F_BOOL: memcpy(&iv, base, sizeof iv); return PyBool_FromLong(iv);
    case F_DOUBLE: memcpy(&dv, base, sizeof dv); return PyFloat_FromDouble(dv);
    default: {
        int n;
        const char *const *names = enum_names(f->type, &n);
        memcpy(&iv, base, sizeof iv); /* the enums are int-sized */
        if (iv >= 0 && iv < n) return PyUnicode_FromString(names[iv]);
        return PyLong_FromLong(iv);
    }
    }
}

/* `given`: the name the caller used (a torchaudio alias is named as written). */
static int field_set(accel_audio_params *p, const field *f, PyObject *v, const char *given)
{
    char *base = (char *)p + f->off;
    char name[64];
    snprintf(name, sizeof name, "AudioParams.%s", given);
    if (!v) {
        pa_input_error("%s cannot be deleted", name);
        return -1;
    }
    switch (f->type) {
    case F_INT: {
        /* an int or another integer (numpy's int64: __index__), not a bool */
        if (PyBool_Check(v) || !(PyLong_Check(v) || PyIndex_Check(v))) {
            pa_type_error(name, "a whole number", v, NULL);
            return -1;
        }
        PyObject *iv_obj = PyNumber_Index(v);
        if (!iv_obj) return -1;
        int over = 0;
        long x = PyLong_AsLongAndOverflow(iv_obj, &over);
        Py_DECREF(iv_obj);
        if (x == -1 && PyErr_Occurred()) return -1;
        if (over || x < -2147483647L || x > 2147483647L) {
            /* a number past a C long is out of range too, not a bare OverflowError */
            PyObject *r = PyObject_Repr(v);
            const char *rs = r ? PyUnicode_AsUTF8AndSize(r, NULL) : NULL;
            PyErr_Clear();
            pa_input_error("%s: %s is out of range", name, rs ? rs : "the number");
            Py_XDECREF(r);
            return -1;
        }
        int iv = (int)x;
        memcpy(base, &iv, sizeof iv);
        return 0;
    }
    case F_BOOL: {
        if (!PyBool_Check(v) && !PyLong_Check(v)) {
            pa_type_error(name, "a bool", v, NULL);
            return -1;
        }
        int iv = PyObject_IsTrue(v);
        if (iv < 0) return -1;
        memcpy(base, &iv, sizeof iv);
        return 0;
    }
    case F_DOUBLE: {
        double dv;
        if (pa_arg_double(name, v, &dv) < 0) return -1;
        memcpy(base, &dv, sizeof dv);
        return 0;
    }
    default: {
        int n;
        const char *const *names = enum_names(f->type, &n);
        int i = pa_arg_choice_obj(name, v, names, n);
        if (i < 0) return -1;
        memcpy(base, &i, sizeof i);
        return 0;
    }
    }
}

static const field *find_field(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (!strcmp(name, fields[i].name) || (fields[i].alias && !strcmp(name, fields[i].alias)))
            return &fields[i];
    return NULL;
}

/* Applies keyword overrides; -1 with an InputError naming an unknown field. */
static int apply_fields(accel_audio_params *p, PyObject *kw)
{
    if (!kw) return 0;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(kw, &pos, &key, &value)) {
        /* a name with surrogates is named as written, not a UnicodeEncodeError */
        PyObject *kb = pa_encode_text(key);
        const char *k = kb ? PyBytes_AsString(kb) : NULL;
        const field *f = k ? find_field(k) : NULL;
        int r = -1;
        if (k && !f)
            pa_input_error("AudioParams: unknown field '%s' (see AudioParams.fields())", k);
        else if (f)
            r = field_set(p, f, value, k);
        Py_XDECREF(kb);
        if (r < 0) return -1;
    }
    return 0;
}

static PyObject *params_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    if (PyTuple_Size(args) > 1)
        return pa_input_error("AudioParams takes one positional argument, the preset");
    PyObject *fkw = kw ? PyDict_Copy(kw) : PyDict_New();
    if (!fkw) return NULL;
    PyObject *preset_obj = PyTuple_Size(args) == 1 ? PyTuple_GetItem(args, 0) : NULL;
    Py_XINCREF(preset_obj);
    PyObject *kp = PyDict_GetItemString(fkw, "preset"); /* borrowed */
    if (kp) {
        if (preset_obj) {
            Py_DECREF(preset_obj);
            Py_DECREF(fkw);
            return pa_input_error("AudioParams: preset given twice");
        }
        preset_obj = kp;
        Py_INCREF(preset_obj);
        PyDict_DelItemString(fkw, "preset");
    }
    const char *preset = "whisper-80";
    PyObject *preset_bytes = NULL;
    if (preset_obj) {
        if (!PyUnicode_Check(preset_obj)) {
            pa_type_error("AudioParams.preset", "a string", preset_obj,
                          "whisper-80, whisper-128, vggish, fbank, fbank-80");
            Py_DECREF(preset_obj);
            Py_DECREF(fkw);
            return NULL;
        }
        preset_bytes = pa_encode_text(preset_obj); /* named as written when refused */
        preset = preset_bytes ? PyBytes_AsString(preset_bytes) : NULL;
        if (!preset) {
            Py_XDECREF(preset_bytes);
            Py_DECREF(preset_obj);
            Py_DECREF(fkw);
            return NULL;
        }
    }
    /* a family name means its first preset, as in the CLI, ctx.corpus and selection
     * (core/opnames.h): "whisper" is whisper-80; "vggish" and "fbank" are presets already */
    if (preset && !strcmp(preset, "whisper")) preset = "whisper-80";
    allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
    pa_audio_params *o = (pa_audio_params *)alloc(type, 0);
    accel_status st = ACCEL_OK;
    if (o) {
        o->p.struct_size = sizeof o->p;
        st = accel_audio_params_preset(preset, &o->p);
        snprintf(o->preset, sizeof o->preset, "%s", preset);
    }
    Py_XDECREF(preset_obj); /* `preset` is not used after this */
    Py_XDECREF(preset_bytes);
    if (!o) {
        Py_DECREF(fkw);
        return NULL;
    }
    if (st != ACCEL_OK) {
        Py_DECREF(o);
        Py_DECREF(fkw);
        return pa_raise_last(st);
    }
    int r = apply_fields(&o->p, fkw);
    Py_DECREF(fkw);
    if (r < 0) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

static void params_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

static PyObject *params_getattro(PyObject *self, PyObject *name)
{
    const char *n = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, NULL) : NULL;
    if (n) {
        const field *f = find_field(n);
        if (f && !strcmp(n, f->name)) return field_get(&((pa_audio_params *)self)->p, f);
        if (!strcmp(n, "preset")) return PyUnicode_FromString(((pa_audio_params *)self)->preset);
    }
    PyErr_Clear(); /* a name with surrogates is no field: Python's own AttributeError */
    return PyObject_GenericGetAttr(self, name);
}

static int params_setattro(PyObject *self, PyObject *name, PyObject *v)
{
    PyObject *nb = PyUnicode_Check(name) ? pa_encode_text(name) : NULL;
    const char *n = nb ? PyBytes_AsString(nb) : NULL;
    const field *f = n ? find_field(n) : NULL;
    int r;
    if (!f || strcmp(n, f->name)) {
        PyErr_Clear();
        pa_input_error("AudioParams has no field '%s' (see AudioParams.fields())", n ? n : "?");
        r = -1;
    } else {
        r = field_set(&((pa_audio_params *)self)->p, f, v, f->name);
    }
    Py_XDECREF(nb);
    return r;
}

static PyObject *params_as_dict(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    for (size_t i = 0; i < N_FIELDS; i++)
        if (pa_dict_steal(d, fields[i].name, field_get(&((pa_audio_params *)self)->p, &fields[i])) < 0) {
            Py_DECREF(d);
            return NULL;
        }
    return d;
}

static PyObject *params_fields(PyObject *cls, PyObject *unused)
{
    (void)cls;
    (void)unused;
    PyObject *l = PyList_New(0);
    if (!l) return NULL;
    for (size_t i = 0; i < N_FIELDS; i++) {
        PyObject *t = Py_BuildValue("(szs)", fields[i].name, fields[i].alias, fields[i].doc);
        if (!t || PyList_Append(l, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(l);
            return NULL;
        }
        Py_DECREF(t);
    }
    return l;
}

static PyObject *params_check(PyObject *self, PyObject *unused)
{
    (void)unused;
    accel_status st = accel_audio_params_check(&((pa_audio_params *)self)->p);
    if (st != ACCEL_OK) return pa_raise_last(st);
    Py_RETURN_NONE;
}

static PyObject *params_shape(PyObject *self, PyObject *args)
{
    PyObject *o;
    if (!PyArg_ParseTuple(args, "O:shape", &o)) return NULL;
    /* a whole number (numpy's too), not a bool, a float or a str */
    if (PyBool_Check(o) || !PyIndex_Check(o))
        return pa_type_error("n_samples", "a whole number", o, ">= 0");
    Py_ssize_t n = PyNumber_AsSsize_t(o, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return NULL;
        PyErr_Clear(); /* no bare OverflowError */
        return pa_input_error("n_samples: out of range (allowed: 0..%zd)", PY_SSIZE_T_MAX);
    }
    if (pa_arg_range("n_samples", n, 0, PY_SSIZE_T_MAX, ">= 0") < 0) return NULL;
    size_t shape[3];
    int nd = 0;
    accel_status st = accel_audio_shape(&((pa_audio_params *)self)->p, (size_t)n, shape, &nd);
    if (st != ACCEL_OK) return pa_raise_last(st);
    PyObject *t = PyTuple_New(nd);
    for (int i = 0; t && i < nd; i++) PyTuple_SetItem(t, i, PyLong_FromSize_t(shape[i]));
    return t;
}

static PyObject *params_replace(PyObject *self, PyObject *args, PyObject *kw)
{
    if (PyTuple_Size(args) != 0) return pa_input_error("AudioParams.replace takes keyword arguments only");
    allocfunc alloc = (allocfunc)PyType_GetSlot(Py_TYPE(self), Py_tp_alloc);
    pa_audio_params *o = (pa_audio_params *)alloc(Py_TYPE(self), 0);
    if (!o) return NULL;
    o->p = ((pa_audio_params *)self)->p;
    memcpy(o->preset, ((pa_audio_params *)self)->preset, sizeof o->preset);
    if (apply_fields(&o->p, kw) < 0) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

/* pickle and copy: the preset, then every field (the state __setstate__ applies) */
static PyObject *params_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *state = params_as_dict(self, NULL);
    if (!state) return NULL;
    return Py_BuildValue("(O(s)N)", (PyObject *)Py_TYPE(self), ((pa_audio_params *)self)->preset,
                         state);
}

static PyObject *params_setstate(PyObject *self, PyObject *state)
{
    if (!PyDict_Check(state)) return pa_input_error("AudioParams.__setstate__: expected a dict");
    accel_audio_params p = ((pa_audio_params *)self)->p;
    if (apply_fields(&p, state) < 0) return NULL; /* all or nothing */
    ((pa_audio_params *)self)->p = p;
    Py_RETURN_NONE;
}

static PyObject *params_repr(PyObject *self)
{
    pa_audio_params *o = (pa_audio_params *)self;
    accel_audio_params base;
    memset(&base, 0, sizeof base);
    base.struct_size = sizeof base;
    int have_base = accel_audio_params_preset(o->preset, &base) == ACCEL_OK;
    PyObject *parts = PyList_New(0);
    if (!parts) return NULL;
    PyObject *s = PyUnicode_FromFormat("'%s'", o->preset);
    if (!s || PyList_Append(parts, s) < 0) goto fail;
    Py_DECREF(s);
    s = NULL;
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field *f = &fields[i];
        size_t sz = f->type == F_DOUBLE ? sizeof(double) : sizeof(int);
        if (have_base && !memcmp((char *)&base + f->off, (char *)&o->p + f->off, sz)) continue;
        PyObject *v = field_get(&o->p, f);
        if (!v) goto fail;
        PyObject *vr = PyObject_Repr(v);
        Py_DECREF(v);
        if (!vr) goto fail;
        s = PyUnicode_FromFormat("%s=%U", f->name, vr);
        Py_DECREF(vr);
        if (!s || PyList_Append(parts, s) < 0) goto fail;
        Py_DECREF(s);
        s = NULL;
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *body = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    if (!body) return NULL;
    PyObject *r = PyUnicode_FromFormat("accel.AudioParams(%U)", body);
    Py_DECREF(body);
    return r;
fail:
    Py_XDECREF(s);
    Py_DECREF(parts);
    return NULL;
}

static PyObject *params_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(b, pa_AudioParamsType))
        Py_RETURN_NOTIMPLEMENTED;
    const accel_audio_params *x = &((pa_audio_params *)a)->p, *y = &((pa_audio_params *)b)->p;
    int eq = 1;
    for (size_t i = 0; i < N_FIELDS && eq; i++) {
        size_t sz = fields[i].type == F_DOUBLE ? sizeof(double) : sizeof(int);
        eq = !memcmp((const char *)x + fields[i].off, (const char *)y + fields[i].off, sz);
    }
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyMethodDef params_methods[] = {
    {"as_dict", params_as_dict, METH_NOARGS, "as_dict($self, /)\n--\n\nEvery field and its value."},
    {"fields", params_fields, METH_NOARGS | METH_CLASS,
     "fields()\n--\n\n(name, torchaudio alias or None, description) of every field."},
    {"check", params_check, METH_NOARGS,
     "check($self, /)\n--\n\nRaise accel.InputError naming the first invalid field, its value and "
     "the values allowed."},
    {"shape", params_shape, METH_VARARGS,
     "shape($self, n_samples, /)\n--\n\nThe output shape for n_samples input samples."},
    {"replace", (PyCFunction)(void (*)(void))params_replace, METH_VARARGS | METH_KEYWORDS,
     "replace($self, /, **fields)\n--\n\nA copy with some fields changed."},
    {"__reduce__", params_reduce, METH_NOARGS, "Pickling and copying: the preset and every field."},
    {"__setstate__", params_setstate, METH_O, "Sets every field of a pickled AudioParams."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot params_slots[] = {
    {Py_tp_doc, (void *)"AudioParams(preset='whisper-80', /, **fields)\n--\n\n"
                        "What an audio front end computes (accel_audio_params): a preset\n"
                        "(whisper-80, whisper-128, vggish, fbank, fbank-80; whisper is\n"
                        "whisper-80) and fields changed from it. Picklable and copyable. Field names are accel's; torchaudio's fbank names\n"
                        "(num_mel_bins, frame_length, frame_shift, sample_frequency) are taken\n"
                        "too. AudioParams.fields() lists them."},
    {Py_tp_new, (void *)params_new},
    {Py_tp_dealloc, (void *)params_dealloc},
    {Py_tp_getattro, (void *)params_getattro},
    {Py_tp_setattro, (void *)params_setattro},
    {Py_tp_repr, (void *)params_repr},
    {Py_tp_richcompare, (void *)params_richcompare},
    {Py_tp_methods, params_methods},
    {0, NULL},
};

static PyType_Spec params_spec = {
    .name = "accel._accel.AudioParams",
    .basicsize = sizeof(pa_audio_params),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = params_slots,
};

/* ---- calls on a Context ------------------------------------------------------------------- */


static const pa_accept samples_accept = {(1u << ACCEL_F32) | (1u << ACCEL_I16), 1, 1, 1,
                                         "float32 or int16"};

static int get_params(PyObject *o, accel_audio_params *p)
{
    if (!PyObject_TypeCheck(o, pa_AudioParamsType)) {
        pa_input_error("params: expected an accel.AudioParams");
        return -1;
    }
    *p = ((pa_audio_params *)o)->p;
    return 0;
}

static int shape_of(const accel_audio_params *p, size_t n, size_t *shape, int *nd, size_t *len)
{
    accel_status st = accel_audio_shape(p, n, shape, nd);
    if (st != ACCEL_OK) {
        pa_raise_last(st);
        return -1;
    }
    *len = 1;
    for (int i = 0; i < *nd; i++) *len *= shape[i];
    return 0;
}

static PyObject *ctx_audio_features(PyObject *self, PyObject *args)
{
    PyObject *po, *x;
    if (!PyArg_ParseTuple(args, "OO:audio_features", &po, &x)) return NULL;
    accel_audio_params p;
    if (get_params(po, &p) < 0) return NULL;
    pa_input in;
    if (pa_input_arg(x, "x", &samples_accept, &in) < 0) return NULL;
    size_t shape[3], len;
    int nd;
    if (shape_of(&p, in.n, shape, &nd, &len) < 0) {
        pa_input_release(&in);
        return NULL;
    }
    float *out = pa_alloc_n(len, sizeof *out);
    if (!out) {
        pa_input_release(&in);
        return pa_no_memory("x: the features of its %zu samples are %zu float32 values (%.1f MiB), "
                            "which do not fit in memory", in.n, len, PA_MIB((double)len * 4));
    }
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    accel_run_record rec = {.struct_size = sizeof rec};
    PA_RUN(c, st, msg, accel_audio_features(c->ctx, &p, in.dtype, in.data, in.n, out, len, &rec));
    pa_input_release(&in);
    if (st != ACCEL_OK) {
        free(out);
        return pa_raise_record(st, msg, &rec);
    }
    PyObject *buf = pa_buffer_new(out, free, NULL, PA_EL_F32, nd, shape);
    if (!buf) return NULL;
    return Py_BuildValue("(NN)", buf, pa_record_dict(&rec));
}

static PyObject *ctx_audio_features_batch(PyObject *self, PyObject *args)
{
    PyObject *po, *seq_in;
    if (!PyArg_ParseTuple(args, "OO:audio_features_batch", &po, &seq_in)) return NULL;
    accel_audio_params p;
    if (get_params(po, &p) < 0) return NULL;
    PyObject *seq = PySequence_Tuple(seq_in);
    if (!seq) return NULL;
    Py_ssize_t n = PyTuple_Size(seq);
    pa_input *ins = calloc((size_t)(n ? n : 1), sizeof *ins);
    const void **clips = calloc((size_t)(n ? n : 1), sizeof *clips);
    size_t *lens = calloc((size_t)(n ? n : 1), sizeof *lens);
    float **outs = calloc((size_t)(n ? n : 1), sizeof *outs);
    size_t(*shapes)[3] = calloc((size_t)(n ? n : 1), sizeof *shapes);
    int *nds = calloc((size_t)(n ? n : 1), sizeof *nds);
    PyObject *result = NULL;
    Py_ssize_t got = 0;
    if (!ins || !clips || !lens || !outs || !shapes || !nds) {
        pa_no_memory("clips: out of memory for a batch of %zd clips", n);
        goto done;
    }
    for (; got < n; got++) {
        char name[32];
        snprintf(name, sizeof name, "clips[%zd]", got);
        /* the name must outlive the call: messages are formatted at once, so a stack copy is fine */
        if (pa_input_arg(PyTuple_GetItem(seq, got), name, &samples_accept, &ins[got]) < 0) goto done;
        if (got && ins[got].dtype != ins[0].dtype) {
            pa_input_error("clips[%zd]: dtype %s differs from clips[0]'s %s (one call takes one dtype)",
                           got, pa_el_name(pa_el_of_accel(ins[got].dtype)),
                           pa_el_name(pa_el_of_accel(ins[0].dtype)));
            got++;
            goto done;
        }
        size_t len;
        if (shape_of(&p, ins[got].n, shapes[got], &nds[got], &len) < 0) {
            got++;
            goto done;
        }
        outs[got] = pa_alloc_n(len, sizeof(float));
        if (!outs[got]) {
            pa_no_memory("clips[%zd]: the features of its %zu samples are %zu float32 values "
                         "(%.1f MiB), which do not fit in memory", got, ins[got].n, len,
                         PA_MIB((double)len * 4));
            got++;
            goto done;
        }
        clips[got] = ins[got].data;
        lens[got] = ins[got].n;
    }
    {
        pa_context *c = (pa_context *)self;
        accel_status st;
        char msg[1024];
        accel_run_record rec = {.struct_size = sizeof rec};
        accel_dtype dt = n ? ins[0].dtype : ACCEL_F32;
        PA_RUN(c, st, msg,
               accel_audio_features_batch(c->ctx, &p, dt, clips, lens, (size_t)n, outs, &rec));
        if (st != ACCEL_OK) {
            pa_raise_record(st, msg, &rec);
            goto done;
        }
        PyObject *list = PyList_New(n);
        if (!list) goto done;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *b = pa_buffer_new(outs[i], free, NULL, PA_EL_F32, nds[i], shapes[i]);
            outs[i] = NULL; /* the Buffer owns it, or freed it on failure */
            if (!b) {
                Py_DECREF(list);
                goto done;
            }
            PyList_SetItem(list, i, b);
        }
        result = Py_BuildValue("(NN)", list, pa_record_dict(&rec));
    }
done:
    for (Py_ssize_t i = 0; i < got; i++) pa_input_release(&ins[i]);
    for (Py_ssize_t i = 0; outs && i < n; i++) free(outs[i]);
    free(ins);
    free(clips);
    free(lens);
    free(outs);
    free(shapes);
    free(nds);
    Py_DECREF(seq);
    return result;
}

static PyObject *info_dict(const accel_audio_info *i)
{
    return Py_BuildValue("{s:s,s:s,s:i,s:i,s:L,s:i,s:L}", "decoder", i->decoder, "format", i->format,
                         "source_rate", i->source_rate, "source_channels", i->source_channels,
                         "source_frames", (long long)i->source_frames, "rate", i->rate, "frames",
                         (long long)i->frames);
}

/* A source over the file at `path`, or when it is NULL over the samples of `in` at in_rate,
 * resampled to `rate`; closed by close_source, which keeps its info (when info is not NULL). */
static accel_status open_source(accel_ctx *ctx, const char *path, const pa_input *in, int in_rate,
                                int rate, accel_audio_source **src)
{
    *src = NULL;
    return path ? accel_audio_open(ctx, path, rate, src)
                : accel_audio_open_memory(ctx, in->dtype, in->data, in->n, in_rate, rate, src);
}

/* The bytes of an encoded audio file (any format accel_audio_open reads), as image calls take
 * the bytes of an image file. */
static const pa_accept encoded_accept = {1u << ACCEL_U8, 0, 1, 1,
                                         "uint8 (the bytes of an audio file)", 0, 0};

/* A source over the bytes of a file held in `in`, labelled `name` in messages. */
static accel_status open_encoded(accel_ctx *ctx, const pa_input *in, const char *name, int rate,
                                 accel_audio_source **src)
{
    *src = NULL;
    return accel_audio_open_buffer(ctx, in->data, in->n, name, rate, src);
}

static void close_source(accel_audio_source *src, accel_audio_info *info)
{
    if (src && info) accel_audio_source_info(src, info);
    accel_audio_close(src);
}

/* The features of the file at `path` streamed to the .npy file `out`. */
static accel_status features_npy(accel_ctx *ctx, const accel_audio_params *p, const char *path,
                                 const char *out, accel_audio_result *res, accel_run_record *rec,
                                 accel_audio_info *info)
{
    accel_audio_source *src;
    accel_status st = open_source(ctx, path, NULL, 0, p->sample_rate, &src);
    if (st == ACCEL_OK) st = accel_audio_features_npy(ctx, p, src, out, res, rec);
    close_source(src, info);
    return st;
}

static PyObject *ctx_audio_features_npy(PyObject *self, PyObject *args)
{
    PyObject *po;
    pa_path path = {0}, out = {0};
    if (!PyArg_ParseTuple(args, "OO&O&:audio_features_npy", &po, pa_path_arg, &path, pa_path_arg, &out))
        return NULL;
    accel_audio_params p;
    if (get_params(po, &p) < 0) {
        pa_path_release(&path);
        pa_path_release(&out);
        return NULL;
    }
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_audio_result res = {.struct_size = sizeof res};
    accel_audio_info info = {.struct_size = sizeof info};
    PA_RUN(c, st, msg, features_npy(c->ctx, &p, path.text, out.text, &res, &rec, &info));
    pa_path_release(&path);
    pa_path_release(&out);
    if (st != ACCEL_OK) return pa_raise_record(st, msg, &rec);
    PyObject *shape = PyTuple_New(res.ndim);
    for (int i = 0; shape && i < res.ndim; i++) PyTuple_SetItem(shape, i, PyLong_FromSize_t(res.shape[i]));
    if (!shape) return NULL;
    PyObject *rd = Py_BuildValue("{s:N,s:d,s:d,s:n,s:i,s:i,s:s,s:d,s:d}", "shape", shape, "seconds",
                                 res.seconds, "chunk_seconds", res.chunk_seconds, "n_chunks",
                                 (Py_ssize_t)res.n_chunks, "device_used", res.device_used,
                                 "n_fallbacks", res.n_fallbacks, "reason",
                                 accel_fallback_reason_name(res.reason), "elapsed_ms", res.elapsed_ms,
                                 "compute_ms", res.compute_ms);
    return Py_BuildValue("(NNN)", rd, pa_record_dict(&rec), info_dict(&info));
}

static PyObject *ctx_audio_load(PyObject *self, PyObject *args)
{
    pa_path path = {0};
    int rate = 16000;
    if (!PyArg_ParseTuple(args, "O&|i:audio_load", pa_path_arg, &path, &rate)) return NULL;
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    float *samples = NULL;
    size_t n = 0;
    accel_audio_info info = {.struct_size = sizeof info};
    PA_RUN(c, st, msg, accel_audio_load(c->ctx, path.text, rate, &samples, &n, &info));
    pa_path_release(&path);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    PyObject *b = pa_buffer_new(samples, accel_audio_free, NULL, PA_EL_F32, 1, &n);
    if (!b) return NULL;
    return Py_BuildValue("(NN)", b, info_dict(&info));
}

/* The samples of `in` at in_rate resampled to `rate`, read to their end. When they do not fit,
 * `own` says so with the sizes (the library's message would name the source "(memory)"). */
static accel_status resample_all(accel_ctx *ctx, const pa_input *in, int in_rate, int rate,
                                 float **out, size_t *n, char *own, size_t own_cap)
{
    double want = in_rate > 0 ? (double)in->n * rate / in_rate : (double)in->n;
    accel_audio_source *src;
    accel_status st = open_source(ctx, NULL, in, in_rate, rate, &src);
    if (st == ACCEL_OK) st = accel_audio_read_all(src, out, n);
    close_source(src, NULL);
    if (st == ACCEL_ERR_NO_MEMORY)
        snprintf(own, own_cap, "x: %zu samples at %d Hz resampled to %d Hz are %.0f samples "
                 "(%.1f MiB of float32), more than memory can hold", in->n, in_rate, rate, want,
                 want * sizeof(float) / 1048576.0);
    return st;
}

static PyObject *ctx_audio_resample(PyObject *self, PyObject *args)
{
    PyObject *x;
    int in_rate, rate;
    if (!PyArg_ParseTuple(args, "Oii:audio_resample", &x, &in_rate, &rate)) return NULL;
    pa_input in;
    if (pa_input_arg(x, "x", &samples_accept, &in) < 0) return NULL;
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024], own[512] = "";
    float *out = NULL;
    size_t n = 0;
    PA_RUN(c, st, msg, resample_all(c->ctx, &in, in_rate, rate, &out, &n, own, sizeof own));
    pa_input_release(&in);
    if (st != ACCEL_OK) return pa_raise(st, own[0] ? own : msg);
    return pa_buffer_new(out, accel_audio_free, NULL, PA_EL_F32, 1, &n);
}

/* The whole of a file held in memory, decoded at `rate`. */
static accel_status load_encoded(accel_ctx *ctx, const pa_input *in, const char *name, int rate,
                                 float **out, size_t *n, accel_audio_info *info)
{
    accel_audio_source *src;
    accel_status st = open_encoded(ctx, in, name, rate, &src);
    if (st == ACCEL_OK) st = accel_audio_read_all(src, out, n);
    close_source(src, info);
    return st;
}

static PyObject *ctx_audio_load_buffer(PyObject *self, PyObject *args)
{
    PyObject *x;
    const char *name;
    int rate = 16000;
    if (!PyArg_ParseTuple(args, "Osi:audio_load_buffer", &x, &name, &rate)) return NULL;
    pa_input in;
    if (pa_input_arg(x, name, &encoded_accept, &in) < 0) return NULL;
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    float *out = NULL;
    size_t n = 0;
    accel_audio_info info = {.struct_size = sizeof info};
    PA_RUN(c, st, msg, load_encoded(c->ctx, &in, name, rate, &out, &n, &info));
    pa_input_release(&in);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    PyObject *b = pa_buffer_new(out, accel_audio_free, NULL, PA_EL_F32, 1, &n);
    return b ? Py_BuildValue("(NN)", b, info_dict(&info)) : NULL;
}

static const pa_field vad_fields[] = {
    {"frame_ms", offsetof(accel_audio_vad_params, frame_ms)},
    {"margin_db", offsetof(accel_audio_vad_params, margin_db)},
    {"min_level_dbfs", offsetof(accel_audio_vad_params, min_level_dbfs)},
    {"min_speech_ms", offsetof(accel_audio_vad_params, min_speech_ms)},
    {"min_silence_ms", offsetof(accel_audio_vad_params, min_silence_ms)},
    {"pad_ms", offsetof(accel_audio_vad_params, pad_ms)},
    {"chunk_s", offsetof(accel_audio_vad_params, chunk_s)},
};

/* Voice activity (or chunks) of the file at `path`, else of the file whose bytes `in` holds
 * (`encoded`), else of the samples of `in` at in_rate. */
static accel_status segments(accel_ctx *ctx, const accel_audio_vad_params *vp, int chunks,
                             const char *path, const pa_input *in, int encoded, int in_rate,
                             accel_audio_segment **segs, size_t *ns, accel_audio_info *info)
{
    accel_audio_source *src;
    accel_status st = encoded ? open_encoded(ctx, in, "x", 16000, &src)
                              : open_source(ctx, path, in, in_rate, 16000, &src);
    if (st == ACCEL_OK)
        st = chunks ? accel_audio_chunk(ctx, vp, src, segs, ns) : accel_audio_vad(ctx, vp, src, segs, ns);
    close_source(src, info);
    return st;
}

static PyObject *ctx_audio_segments(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"source", "chunks", "rate", "options", "op", "encoded", NULL};
    PyObject *source, *options = NULL;
    int chunks = 0, rate = 16000, encoded = 0;
    pa_path opp = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|piOO&p:audio_segments", kwlist, &source, &chunks,
                                     &rate, &options, pa_text_or_none_arg, &opp, &encoded))
        return NULL;
    accel_audio_vad_params vp = {.struct_size = sizeof vp};
    accel_audio_vad_params_default(&vp);
    vp.op = opp.text; /* its bytes live in opp until the call is done */
    pa_path path = {0};
    pa_input in;
    int have_in = 0;
    memset(&in, 0, sizeof in);
    int ok = pa_arg_fields(options, "options", "VAD option", vad_fields,
                           sizeof vad_fields / sizeof *vad_fields, &vp) == 0;
    if (ok && encoded) {
        ok = pa_input_arg(source, "x", &encoded_accept, &in) == 0;
        have_in = ok;
    } else if (ok && (PyUnicode_Check(source) || PyBytes_Check(source) ||
                      PyObject_HasAttrString(source, "__fspath__"))) {
        ok = pa_path_arg(source, &path) != 0;
    } else if (ok) {
        ok = pa_input_arg(source, "x", &samples_accept, &in) == 0;
        have_in = ok;
    }
    if (!ok) {
        pa_path_release(&opp);
        return NULL;
    }
    pa_context *c = (pa_context *)self;
    accel_status st;
    char msg[1024];
    accel_audio_segment *segs = NULL;
    size_t ns = 0;
    accel_audio_info info = {.struct_size = sizeof info};
    PA_RUN(c, st, msg, segments(c->ctx, &vp, chunks, path.text, &in, encoded, rate, &segs, &ns, &info));
    pa_path_release(&path);
    pa_path_release(&opp);
    if (have_in) pa_input_release(&in);
    if (st != ACCEL_OK) return pa_raise(st, msg);
    PyObject *list = PyList_New((Py_ssize_t)ns);
    for (size_t i = 0; list && i < ns; i++) {
        PyObject *t = Py_BuildValue("(dd)", segs[i].start_s, segs[i].end_s);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SetItem(list, (Py_ssize_t)i, t);
    }
    accel_audio_free(segs);
    if (!list) return NULL;
    return Py_BuildValue("(NN)", list, info_dict(&info));
}

PyMethodDef pa_context_audio_methods[] = {
    {"audio_features", ctx_audio_features, METH_VARARGS,
     "audio_features($self, params, x, /)\n--\n\n(Buffer, record): accel_audio_features() of one "
     "clip."},
    {"audio_features_batch", ctx_audio_features_batch, METH_VARARGS,
     "audio_features_batch($self, params, clips, /)\n--\n\n([Buffer, …], record): "
     "accel_audio_features_batch()."},
    {"audio_features_npy", ctx_audio_features_npy, METH_VARARGS,
     "audio_features_npy($self, params, path, out, /)\n--\n\n(result, record, info): a file's "
     "features streamed to a .npy file in bounded memory, as `accel audio features` does."},
    {"audio_load", ctx_audio_load, METH_VARARGS,
     "audio_load($self, path, rate=16000, /)\n--\n\n(Buffer, info): accel_audio_load()."},
    {"audio_load_buffer", ctx_audio_load_buffer, METH_VARARGS,
     "audio_load_buffer($self, data, name, rate=16000, /)\n--\n\n(Buffer, info): the bytes of an "
     "audio file decoded whole (accel_audio_open_buffer), `name` labelling it in messages."},
    {"audio_resample", ctx_audio_resample, METH_VARARGS,
     "audio_resample($self, x, in_rate, rate, /)\n--\n\nSamples at in_rate resampled to rate "
     "(float32 Buffer)."},
    {"audio_segments", (PyCFunction)(void (*)(void))ctx_audio_segments, METH_VARARGS | METH_KEYWORDS,
     "audio_segments($self, /, source, chunks=False, rate=16000, options=None, op=None, "
     "encoded=False)\n--\n\n([(start_s, end_s), …], info): accel_audio_vad(), or "
     "accel_audio_chunk() with chunks=True; with encoded=True source holds the bytes of a file."},
    {NULL, NULL, 0, NULL},
};

int pa_audio_init(PyObject *module)
{
    pa_AudioParamsType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &params_spec, NULL);
    if (!pa_AudioParamsType) return -1;
    Py_INCREF((PyObject *)pa_AudioParamsType);
    if (PyModule_AddObject(module, "AudioParams", (PyObject *)pa_AudioParamsType) < 0) {
        Py_DECREF((PyObject *)pa_AudioParamsType);
        return -1;
    }
    return 0;
}
