/* buffer.c — accel._accel.Buffer: a block of memory that accel filled (features, loaded
 * samples, converted values), with its element type and shape: host memory, or the memory of a
 * GPU (results of calls on data that stay there, accel_convert_on).
 *
 * The Buffer owns the memory and frees it when the last reference goes. It is exported without
 * copying through
 *   - the buffer protocol (PEP 3118): numpy.asarray(buf), memoryview(buf), array consumers;
 *   - DLPack: buf.__dlpack__() gives a legacy "dltensor" capsule, or with max_version >= (1, 0)
 *     a "dltensor_versioned" one; torch.from_dlpack(buf) and numpy.from_dlpack(buf) take it.
 * Every view holds a reference to the Buffer, so the memory outlives all of them.
 * A GPU Buffer is exported through DLPack (kDLCUDA / kDLROCM) and, for CUDA, the CUDA array
 * interface (CuPy, Numba); the buffer protocol refuses it (host code cannot read it) and
 * to_host() copies it out. Its memory is freed with accel_device_free while its context is
 * open; closing the context releases it with the device. */
#include "pyaccel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PyTypeObject *pa_BufferType;

typedef struct pa_buffer {
    PyObject_HEAD
    void *data;
    void (*free_fn)(void *);
    PyObject *owner;
    pa_el el;
    int ndim;
    Py_ssize_t shape[PA_MAXDIM];
    Py_ssize_t strides[PA_MAXDIM];
    Py_ssize_t nbytes;
    Py_ssize_t exports;
    int dl_type, dl_id;    /* PA_DL_CPU, or where on a GPU */
    size_t dev_index;      /* accel's device index (GPU buffers) */
    pa_context *ctx_owner; /* the context whose device memory this is (GPU buffers) */
} pa_buffer;

static const struct {
    const char *name;
    int size;
    const char *format; /* PEP 3118; NULL: none */
    uint8_t dl_code, dl_bits;
} el_table[] = {
    [PA_EL_F32] = {"float32", 4, "f", PA_DL_FLOAT, 32},
    [PA_EL_F16] = {"float16", 2, "e", PA_DL_FLOAT, 16},
    [PA_EL_F64] = {"float64", 8, "d", PA_DL_FLOAT, 64},
    [PA_EL_BF16] = {"bfloat16", 2, NULL, PA_DL_BFLOAT, 16},
    [PA_EL_I8] = {"int8", 1, "b", PA_DL_INT, 8},
    [PA_EL_I16] = {"int16", 2, "h", PA_DL_INT, 16},
    [PA_EL_I32] = {"int32", 4, "i", PA_DL_INT, 32},
    [PA_EL_I64] = {"int64", 8, "q", PA_DL_INT, 64},
    [PA_EL_U8] = {"uint8", 1, "B", PA_DL_UINT, 8},
    [PA_EL_U16] = {"uint16", 2, "H", PA_DL_UINT, 16},
    [PA_EL_U32] = {"uint32", 4, "I", PA_DL_UINT, 32},
    [PA_EL_U64] = {"uint64", 8, "Q", PA_DL_UINT, 64},
    [PA_EL_BOOL] = {"bool", 1, "?", PA_DL_BOOL, 8},
    [PA_EL_OTHER] = {"unsupported", 0, NULL, PA_DL_OPAQUE, 0},
};

const char *pa_el_name(pa_el e) { return e <= PA_EL_OTHER ? el_table[e].name : "unsupported"; }
int pa_el_size(pa_el e) { return e <= PA_EL_OTHER ? el_table[e].size : 0; }

pa_el pa_el_of_accel(accel_dtype t)
{
    switch (t) {
    case ACCEL_U8: return PA_EL_U8;
    case ACCEL_I16: return PA_EL_I16;
    case ACCEL_I32: return PA_EL_I32;
    case ACCEL_F16: return PA_EL_F16;
    case ACCEL_F32: return PA_EL_F32;
    }
    return PA_EL_OTHER;
}

int pa_el_to_accel(pa_el e, accel_dtype *t)
{
    switch (e) {
    case PA_EL_U8: *t = ACCEL_U8; return 0;
    case PA_EL_I16: *t = ACCEL_I16; return 0;
    case PA_EL_I32: *t = ACCEL_I32; return 0;
    case PA_EL_F16: *t = ACCEL_F16; return 0;
    case PA_EL_F32: *t = ACCEL_F32; return 0;
    default: return -1;
    }
}

void *pa_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 1) != 0) return NULL;
    return p;
}

void *pa_alloc_n(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    return pa_alloc(n * size);
}

PyObject *pa_buffer_new(void *data, void (*free_fn)(void *), PyObject *owner, pa_el el,
                        int ndim, const size_t *shape)
{
    if (ndim < 0 || ndim > PA_MAXDIM || !el_table[el].format) {
        if (free_fn) free_fn(data);
        PyErr_SetString(PyExc_SystemError, "accel: bad Buffer shape or type");
        return NULL;
    }
    allocfunc alloc = (allocfunc)PyType_GetSlot(pa_BufferType, Py_tp_alloc);
    pa_buffer *b = (pa_buffer *)alloc(pa_BufferType, 0);
    if (!b) {
        if (free_fn) free_fn(data);
        return NULL;
    }
    b->data = data;
    b->free_fn = free_fn;
    b->owner = owner;
    Py_XINCREF(owner);
    b->el = el;
    b->ndim = ndim;
    Py_ssize_t n = el_table[el].size;
    for (int i = ndim - 1; i >= 0; i--) {
        b->shape[i] = (Py_ssize_t)shape[i];
        b->strides[i] = n;
        n *= (Py_ssize_t)shape[i];
    }
    b->nbytes = n;
    b->dl_type = PA_DL_CPU;
    return (PyObject *)b;
}

PyObject *pa_buffer_new_device(void *ptr, pa_context *owner, size_t index, int dl_type, int dl_id,
                               pa_el el, int ndim, const size_t *shape)
{
    PyObject *o = pa_buffer_new(ptr, NULL, NULL, el, ndim, shape);
    if (!o) {
        Py_BEGIN_ALLOW_THREADS;
        if (pa_ctx_enter(owner) == ACCEL_OK) {
            accel_device_free(owner->ctx, index, ptr);
            pa_ctx_leave(owner);
        }
        Py_END_ALLOW_THREADS;
        return NULL;
    }
    pa_buffer *b = (pa_buffer *)o;
    b->dl_type = dl_type;
    b->dl_id = dl_id;
    b->dev_index = index;
    b->ctx_owner = owner;
    Py_INCREF((PyObject *)owner);
    return o;
}

static int on_gpu(const pa_buffer *b) { return b->dl_type != PA_DL_CPU; }

static void buffer_dealloc(PyObject *self)
{
    pa_buffer *b = (pa_buffer *)self;
    PyTypeObject *tp = Py_TYPE(self);
    if (b->free_fn && b->data) b->free_fn(b->data);
    if (b->ctx_owner) {
        pa_context *c = b->ctx_owner;
        void *p = b->data;
        size_t index = b->dev_index;
        Py_BEGIN_ALLOW_THREADS;
        if (pa_ctx_enter(c) == ACCEL_OK) { /* closed: the memory went with the device */
            accel_device_free(c->ctx, index, p);
            pa_ctx_leave(c);
        }
        Py_END_ALLOW_THREADS;
        Py_CLEAR(b->ctx_owner);
    }
    b->data = NULL;
    Py_CLEAR(b->owner);
    freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    f(self);
    Py_DECREF(tp);
}

/* ---- buffer protocol ---------------------------------------------------------------------- */

static int buffer_get(PyObject *self, Py_buffer *view, int flags)
{
    pa_buffer *b = (pa_buffer *)self;
    if (on_gpu(b)) {
        view->obj = NULL;
        PyErr_SetString(PyExc_BufferError,
                        "this accel.Buffer is in GPU memory: export it with DLPack "
                        "(torch.from_dlpack) or the CUDA array interface, or copy it with to_host()");
        return -1;
    }
    view->buf = b->data;
    view->obj = self;
    Py_INCREF(self);
    view->len = b->nbytes;
    view->readonly = 0;
    view->itemsize = el_table[b->el].size;
    view->format = (flags & PyBUF_FORMAT) ? (char *)el_table[b->el].format : NULL;
    if (flags & PyBUF_ND) {
        view->ndim = b->ndim;
        view->shape = b->ndim ? b->shape : NULL;
    } else {
        view->ndim = 1;
        view->shape = NULL;
    }
    view->strides = ((flags & PyBUF_STRIDES) == PyBUF_STRIDES && b->ndim) ? b->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    b->exports++;
    return 0;
}

static void buffer_release(PyObject *self, Py_buffer *view)
{
    (void)view;
    ((pa_buffer *)self)->exports--;
}

/* ---- DLPack export ------------------------------------------------------------------------ */

/* One allocation holds the managed tensor and its shape and strides. */
typedef struct dl_export {
    union {
        pa_dl_managed legacy;
        pa_dl_managed_versioned versioned;
    } m;
    PyObject *owner; /* the Buffer */
    int64_t shape[PA_MAXDIM];
    int64_t strides[PA_MAXDIM];
} dl_export;

static void dl_release(dl_export *e)
{
    if (!e) return;
    if (Py_IsInitialized()) {
        PyGILState_STATE g = PyGILState_Ensure();
        Py_XDECREF(e->owner);
        PyGILState_Release(g);
    }
    free(e);
}

static void dl_deleter_legacy(pa_dl_managed *m) { dl_release(m ? (dl_export *)m->manager_ctx : NULL); }
static void dl_deleter_versioned(pa_dl_managed_versioned *m)
{
    dl_release(m ? (dl_export *)m->manager_ctx : NULL);
}

/* A capsule that no consumer took still owns its tensor. */
static void capsule_legacy_destructor(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, PA_DL_CAPSULE)) return; /* consumed: renamed "used_dltensor" */
    pa_dl_managed *m = PyCapsule_GetPointer(cap, PA_DL_CAPSULE);
    if (m && m->deleter) m->deleter(m);
}

static void capsule_versioned_destructor(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, PA_DL_CAPSULE_V)) return;
    pa_dl_managed_versioned *m = PyCapsule_GetPointer(cap, PA_DL_CAPSULE_V);
    if (m && m->deleter) m->deleter(m);
}

static PyObject *buffer_copy(pa_buffer *b)
{
    void *d = pa_alloc((size_t)b->nbytes);
    if (!d)
        return pa_no_memory("Buffer: a copy of its %lld bytes (%.1f MiB) does not fit in memory",
                            (long long)b->nbytes, PA_MIB(b->nbytes));
    memcpy(d, b->data, (size_t)b->nbytes);
    size_t shape[PA_MAXDIM];
    for (int i = 0; i < b->ndim; i++) shape[i] = (size_t)b->shape[i];
    return pa_buffer_new(d, free, NULL, b->el, b->ndim, shape);
}

/* A pair of integers given as any sequence: 0, or -1 with an InputError naming `name` (a bare
 * PyArg_ParseTuple on a str raised SystemError). */
static int int_pair(PyObject *o, const char *name, const char *fmt, void *a, void *b)
{
    PyObject *t = PySequence_Check(o) && !PyUnicode_Check(o) ? PySequence_Tuple(o) : NULL;
    int ok = t && PyTuple_Size(t) == 2 && PyArg_ParseTuple(t, fmt, a, b);
    Py_XDECREF(t);
    if (ok) return 0;
    PyErr_Clear();
    PyObject *r = PyObject_Repr(o);
    const char *text = r ? PyUnicode_AsUTF8AndSize(r, NULL) : NULL;
    PyErr_Clear();
    pa_input_error("__dlpack__: %s %s (allowed: None or a pair of whole numbers%s)", name,
                   text ? text : "?", strcmp(name, "max_version") ? "" : " (major, minor)");
    Py_XDECREF(r);
    return -1;
}

static PyObject *buffer_dlpack(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"stream", "max_version", "dl_device", "copy", NULL};
    PyObject *stream = Py_None, *max_version = Py_None, *dl_device = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|$OOOO:__dlpack__", kwlist, &stream,
                                     &max_version, &dl_device, &copy))
        return NULL;
    const pa_buffer *self_b = (const pa_buffer *)self;
    int gpu = on_gpu(self_b);
    /* a GPU Buffer is complete when made (accel synchronises before returning), so any
     * consumer stream may use it at once */
    if (stream != Py_None && !gpu) {
        PyErr_SetString(PyExc_BufferError,
                        "__dlpack__: stream must be None for host memory (this Buffer is on the CPU)");
        return NULL;
    }
    int own_t = gpu ? self_b->dl_type : PA_DL_CPU, own_id = gpu ? self_b->dl_id : 0;
    if (dl_device != Py_None) {
        int t = -1, id = -1;
        if (int_pair(dl_device, "dl_device", "ii:dl_device", &t, &id) < 0) return NULL;
        if (t != own_t || id != own_id) {
            PyErr_Format(PyExc_BufferError,
                         "__dlpack__: dl_device (%d, %d) asked for, but this Buffer is at (%d, %d) "
                         "and accel does not move it",
                         t, id, own_t, own_id);
            return NULL;
        }
    }
    int want_copy = 0;
    if (copy != Py_None) {
        want_copy = PyObject_IsTrue(copy);
        if (want_copy < 0) return NULL;
    }
    if (want_copy && gpu) {
        PyErr_SetString(PyExc_BufferError, "__dlpack__: copy=True is not offered for GPU memory");
        return NULL;
    }
    int versioned = 0;
    if (max_version != Py_None) {
        unsigned major = 0, minor = 0;
        if (int_pair(max_version, "max_version", "II:max_version", &major, &minor) < 0) return NULL;
        versioned = major >= 1;
    }
    pa_buffer *b = (pa_buffer *)self;
    PyObject *src = want_copy ? buffer_copy(b) : (Py_INCREF(self), self);
    if (!src) return NULL;
    pa_buffer *s = (pa_buffer *)src;
    dl_export *e = calloc(1, sizeof *e);
    if (!e) {
        Py_DECREF(src);
        return pa_no_memory("Buffer: out of memory exporting it through DLPack");
    }
    e->owner = src; /* the reference taken above */
    for (int i = 0; i < s->ndim; i++) {
        e->shape[i] = s->shape[i];
        e->strides[i] = s->strides[i] / el_table[s->el].size;
    }
    pa_dl_tensor t;
    memset(&t, 0, sizeof t);
    t.data = s->data;
    t.device.device_type = own_t;
    t.device.device_id = own_id;
    t.ndim = s->ndim;
    t.dtype.code = el_table[s->el].dl_code;
    t.dtype.bits = el_table[s->el].dl_bits;
    t.dtype.lanes = 1;
    t.shape = e->shape;
    t.strides = e->strides;
    t.byte_offset = 0;
    PyObject *cap;
    if (versioned) {
        e->m.versioned.version.major = PA_DLPACK_MAJOR;
        e->m.versioned.version.minor = PA_DLPACK_MINOR;
        e->m.versioned.manager_ctx = e;
        e->m.versioned.deleter = dl_deleter_versioned;
        e->m.versioned.flags = want_copy ? PA_DL_FLAG_IS_COPIED : 0;
        e->m.versioned.dl_tensor = t;
        cap = PyCapsule_New(&e->m.versioned, PA_DL_CAPSULE_V, capsule_versioned_destructor);
    } else {
        e->m.legacy.dl_tensor = t;
        e->m.legacy.manager_ctx = e;
        e->m.legacy.deleter = dl_deleter_legacy;
        cap = PyCapsule_New(&e->m.legacy, PA_DL_CAPSULE, capsule_legacy_destructor);
    }
    if (!cap) dl_release(e);
    return cap;
}

static PyObject *buffer_dlpack_device(PyObject *self, PyObject *unused)
{
    (void)unused;
    pa_buffer *b = (pa_buffer *)self;
    return on_gpu(b) ? Py_BuildValue("(ii)", b->dl_type, b->dl_id) : Py_BuildValue("(ii)", PA_DL_CPU, 0);
}

static PyObject *buffer_to_host(PyObject *self, PyObject *unused)
{
    (void)unused;
    pa_buffer *b = (pa_buffer *)self;
    size_t shape[PA_MAXDIM];
    for (int i = 0; i < b->ndim; i++) shape[i] = (size_t)b->shape[i];
    void *h = pa_alloc((size_t)b->nbytes);
    if (!h)
        return pa_no_memory("Buffer: its %lld bytes (%.1f MiB) do not fit in host memory",
                            (long long)b->nbytes, PA_MIB(b->nbytes));
    if (!on_gpu(b)) {
        memcpy(h, b->data, (size_t)b->nbytes);
        return pa_buffer_new(h, free, NULL, b->el, b->ndim, shape);
    }
    pa_context *c = b->ctx_owner;
    accel_status st;
    char msg[1024];
    Py_BEGIN_ALLOW_THREADS;
    st = pa_ctx_enter(c);
    if (st == ACCEL_OK) {
        st = accel_device_copy(c->ctx, b->dev_index, ACCEL_COPY_DEVICE_TO_HOST, h, b->data,
                               (size_t)b->nbytes);
        if (st != ACCEL_OK) pa_last_error(st, msg, sizeof msg);
        pa_ctx_leave(c);
    } else {
        pa_last_error(st, msg, sizeof msg);
    }
    Py_END_ALLOW_THREADS;
    if (st != ACCEL_OK) {
        free(h);
        return pa_raise(st, msg);
    }
    return pa_buffer_new(h, free, NULL, b->el, b->ndim, shape);
}

/* The CUDA array interface, version 3 (CUDA Buffers only: others have no such attribute). */
static PyObject *get_cai(PyObject *self, void *c)
{
    (void)c;
    pa_buffer *b = (pa_buffer *)self;
    if (b->dl_type != PA_DL_CUDA) {
        PyErr_SetString(PyExc_AttributeError,
                        "__cuda_array_interface__: this accel.Buffer is not in CUDA memory");
        return NULL;
    }
    static const char *const ts[] = {[PA_EL_F32] = "<f4", [PA_EL_F16] = "<f2", [PA_EL_F64] = "<f8",
                                     [PA_EL_I8] = "|i1", [PA_EL_I16] = "<i2", [PA_EL_I32] = "<i4",
                                     [PA_EL_I64] = "<i8", [PA_EL_U8] = "|u1", [PA_EL_U16] = "<u2",
                                     [PA_EL_U32] = "<u4", [PA_EL_U64] = "<u8", [PA_EL_BOOL] = "|b1",
                                     [PA_EL_OTHER] = NULL};
    PyObject *shape = PyTuple_New(b->ndim);
    for (int i = 0; shape && i < b->ndim; i++) PyTuple_SetItem(shape, i, PyLong_FromSsize_t(b->shape[i]));
    if (!shape) return NULL;
    /* stream None: nothing to wait for, the data were complete when the Buffer was made */
    return Py_BuildValue("{s:N,s:s,s:(NO),s:O,s:i,s:O}", "shape", shape, "typestr",
                         ts[b->el] ? ts[b->el] : "|V1", "data", PyLong_FromVoidPtr(b->data),
                         Py_False, "strides", Py_None, "version", 3, "stream", Py_None);
}

static PyObject *get_device(PyObject *self, void *c)
{
    (void)c;
    pa_buffer *b = (pa_buffer *)self;
    if (!on_gpu(b)) Py_RETURN_NONE;
    return PyLong_FromSize_t(b->dev_index);
}

/* ---- attributes --------------------------------------------------------------------------- */

static PyObject *shape_tuple(const Py_ssize_t *v, int n)
{
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *x = PyLong_FromSsize_t(v[i]);
        if (!x) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SetItem(t, i, x);
    }
    return t;
}

static PyObject *get_shape(PyObject *self, void *c)
{
    (void)c;
    return shape_tuple(((pa_buffer *)self)->shape, ((pa_buffer *)self)->ndim);
}
static PyObject *get_strides(PyObject *self, void *c)
{
    (void)c;
    return shape_tuple(((pa_buffer *)self)->strides, ((pa_buffer *)self)->ndim);
}
static PyObject *get_dtype(PyObject *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(el_table[((pa_buffer *)self)->el].name);
}
static PyObject *get_ndim(PyObject *self, void *c)
{
    (void)c;
    return PyLong_FromLong(((pa_buffer *)self)->ndim);
}
static PyObject *get_nbytes(PyObject *self, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(((pa_buffer *)self)->nbytes);
}
static PyObject *get_itemsize(PyObject *self, void *c)
{
    (void)c;
    return PyLong_FromLong(el_table[((pa_buffer *)self)->el].size);
}
static PyObject *get_ptr(PyObject *self, void *c)
{
    (void)c;
    return PyLong_FromVoidPtr(((pa_buffer *)self)->data);
}

static PyObject *buffer_repr(PyObject *self)
{
    pa_buffer *b = (pa_buffer *)self;
    char shape[256];
    size_t k = 0;
    shape[0] = '\0';
    for (int i = 0; i < b->ndim && k < sizeof shape; i++)
        k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%zd", i ? ", " : "", b->shape[i]);
    if (on_gpu(b))
        return PyUnicode_FromFormat("accel.Buffer(%s, shape=(%s%s), %s:%d, accel device %zu)",
                                    el_table[b->el].name, shape, b->ndim == 1 ? "," : "",
                                    b->dl_type == PA_DL_CUDA ? "cuda" : "rocm", b->dl_id,
                                    b->dev_index);
    return PyUnicode_FromFormat("accel.Buffer(%s, shape=(%s%s), cpu)", el_table[b->el].name, shape,
                                b->ndim == 1 ? "," : "");
}

static PyGetSetDef buffer_getset[] = {
    {"shape", get_shape, NULL, "The shape, a tuple of ints.", NULL},
    {"strides", get_strides, NULL, "Byte strides (C order).", NULL},
    {"dtype", get_dtype, NULL, "The element type, by numpy's name (\"float32\", …).", NULL},
    {"ndim", get_ndim, NULL, "Number of dimensions.", NULL},
    {"nbytes", get_nbytes, NULL, "Size of the data in bytes.", NULL},
    {"itemsize", get_itemsize, NULL, "Bytes per element.", NULL},
    {"ptr", get_ptr, NULL, "Address of the first element (for checks that nothing was copied).", NULL},
    {"device", get_device, NULL, "accel's index of the GPU holding the data, None for host memory.", NULL},
    {"__cuda_array_interface__", get_cai, NULL,
     "The CUDA array interface (version 3) of a Buffer in CUDA memory.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef buffer_methods[] = {
    {"__dlpack__", (PyCFunction)(void (*)(void))buffer_dlpack, METH_VARARGS | METH_KEYWORDS,
     "__dlpack__($self, /, *, stream=None, max_version=None, dl_device=None, copy=None)\n--\n\n"
     "Export as a DLPack capsule without copying (unless copy=True, host memory only): a\n"
     "versioned capsule when max_version is (1, 0) or newer, else a legacy one. dl_device must\n"
     "be None or where the data are; stream must be None for host memory (GPU data are\n"
     "complete, so any stream may read them)."},
    {"__dlpack_device__", buffer_dlpack_device, METH_NOARGS,
     "__dlpack_device__($self, /)\n--\n\n(1, 0) for host memory (kDLCPU); (2, N) for CUDA device N, "
     "(10, N) for ROCm."},
    {"to_host", buffer_to_host, METH_NOARGS,
     "to_host($self, /)\n--\n\nA host Buffer with a copy of the data (for a GPU Buffer: copied "
     "from the device)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot buffer_slots[] = {
    {Py_tp_doc, (void *)"Buffer()\n--\n\n"
                        "Memory accel filled, with its dtype and shape. Exported without copying\n"
                        "through the buffer protocol (numpy.asarray, memoryview) and DLPack\n"
                        "(torch.from_dlpack). Made by accel's calls, not by users."},
    {Py_tp_dealloc, (void *)buffer_dealloc},
    {Py_tp_repr, (void *)buffer_repr},
    {Py_tp_getset, buffer_getset},
    {Py_tp_methods, buffer_methods},
    {Py_bf_getbuffer, (void *)buffer_get},
    {Py_bf_releasebuffer, (void *)buffer_release},
    {0, NULL},
};

static PyType_Spec buffer_spec = {
    .name = "accel._accel.Buffer",
    .basicsize = sizeof(pa_buffer),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = buffer_slots,
};

int pa_buffer_init(PyObject *module)
{
    pa_BufferType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &buffer_spec, NULL);
    if (!pa_BufferType) return -1;
    Py_INCREF((PyObject *)pa_BufferType);
    if (PyModule_AddObject(module, "Buffer", (PyObject *)pa_BufferType) < 0) {
        Py_DECREF((PyObject *)pa_BufferType);
        return -1;
    }
    return 0;
}
