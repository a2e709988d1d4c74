/* input.c — arrays in.
 *
 * An input is read through the buffer protocol when the object offers it (numpy arrays,
 * array.array, memoryview, bytes-like objects), else through __dlpack__ (torch tensors, JAX,
 * CuPy's host arrays …). It is read in place — no copy — when it is C-contiguous and its
 * element type is one the call takes. Otherwise exactly one copy is made:
 *   - a strided (non-contiguous) input is gathered into C order;
 *   - float64, float16 and bfloat16 inputs of calls that take float32 are converted to float32
 *     in the same pass (when the call does not take them as they are).
 * Image calls (`rows`) also read a crop of a larger array in place: when its rows are packed
 * but further apart than a row, that distance becomes the image's row stride.
 * Every other element type (integers a call does not take, bool, complex …), a rank outside
 * the call's range and big-endian data are refused with an accel.InputError naming the
 * argument, what it is and what is allowed.
 *
 * GPU memory (DLPack kDLCUDA / kDLROCM, or __cuda_array_interface__) is taken only by calls
 * that run where the data are (convert, reduce): it is never copied, so it must be
 * C-contiguous with a dtype the call takes; the producer is asked for the data on the legacy
 * default stream (DLPack stream 1 for CUDA, 0 for ROCm), which accel's streams follow. Other
 * calls refuse it before anything is exported. */
#include "pyaccel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- element types from a PEP 3118 format ------------------------------------------------- */

static pa_el el_of_format(const char *fmt, Py_ssize_t itemsize, int *big_endian)
{
    *big_endian = 0;
    if (!fmt) return itemsize == 1 ? PA_EL_U8 : PA_EL_OTHER; /* plain bytes */
    if (*fmt == '@' || *fmt == '=' || *fmt == '<') {
        fmt++;
    } else if (*fmt == '>' || *fmt == '!') {
        *big_endian = itemsize > 1;
        fmt++;
    }
    if (!fmt[0] || fmt[1]) return PA_EL_OTHER; /* repeat counts, structs, complex "Zf" */
    switch (fmt[0]) {
    case 'f': return itemsize == 4 ? PA_EL_F32 : PA_EL_OTHER;
    case 'd': return itemsize == 8 ? PA_EL_F64 : PA_EL_OTHER;
    case 'e': return itemsize == 2 ? PA_EL_F16 : PA_EL_OTHER;
    case '?': return itemsize == 1 ? PA_EL_BOOL : PA_EL_OTHER;
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
        switch (itemsize) {
        case 1: return PA_EL_I8;
        case 2: return PA_EL_I16;
        case 4: return PA_EL_I32;
        case 8: return PA_EL_I64;
        }
        return PA_EL_OTHER;
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N': case 'c':
        switch (itemsize) {
        case 1: return PA_EL_U8;
        case 2: return PA_EL_U16;
        case 4: return PA_EL_U32;
        case 8: return PA_EL_U64;
        }
        return PA_EL_OTHER;
    }
    return PA_EL_OTHER;
}

static pa_el el_of_dl(pa_dl_dtype t)
{
    if (t.lanes != 1) return PA_EL_OTHER;
    switch (t.code) {
    case PA_DL_FLOAT:
        return t.bits == 32 ? PA_EL_F32 : t.bits == 64 ? PA_EL_F64 : t.bits == 16 ? PA_EL_F16 : PA_EL_OTHER;
    case PA_DL_BFLOAT: return t.bits == 16 ? PA_EL_BF16 : PA_EL_OTHER;
    case PA_DL_INT:
        return t.bits == 8 ? PA_EL_I8 : t.bits == 16 ? PA_EL_I16 : t.bits == 32 ? PA_EL_I32
             : t.bits == 64 ? PA_EL_I64 : PA_EL_OTHER;
    case PA_DL_UINT:
        return t.bits == 8 ? PA_EL_U8 : t.bits == 16 ? PA_EL_U16 : t.bits == 32 ? PA_EL_U32
             : t.bits == 64 ? PA_EL_U64 : PA_EL_OTHER;
    case PA_DL_BOOL: return t.bits == 8 ? PA_EL_BOOL : PA_EL_OTHER;
    }
    return PA_EL_OTHER;
}

static const char *dl_device_name(int t)
{
    switch (t) {
    case PA_DL_CPU: return "cpu";
    case PA_DL_CUDA: return "cuda";
    case PA_DL_CUDA_HOST: return "cuda_host";
    case PA_DL_OPENCL: return "opencl";
    case PA_DL_VULKAN: return "vulkan";
    case PA_DL_METAL: return "metal";
    case PA_DL_ROCM: return "rocm";
    case PA_DL_ROCM_HOST: return "rocm_host";
    case PA_DL_CUDA_MANAGED: return "cuda_managed";
    case PA_DL_ONEAPI: return "oneapi";
    }
    return "unknown";
}

/* Memory the CPU can read directly. */
static int host_readable(int t)
{
    return t == PA_DL_CPU || t == PA_DL_CUDA_HOST || t == PA_DL_ROCM_HOST || t == PA_DL_CUDA_MANAGED;
}

/* ---- conversion --------------------------------------------------------------------------- */

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400u));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static float bf16_to_float(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* One element of type `src` at p, written as type `dst` at q. Used only for the conversions
 * the policy allows (same type, or a float type to float32). */
static void put_el(void *q, pa_el dst, const void *p, pa_el src, int size)
{
    if (dst == src) {
        memcpy(q, p, (size_t)size);
        return;
    }
    float f = 0.0f;
    uint16_t h;
    double d;
    switch (src) {
    case PA_EL_F64: memcpy(&d, p, sizeof d); f = (float)d; break;
    case PA_EL_F16: memcpy(&h, p, sizeof h); f = half_to_float(h); break;
    case PA_EL_BF16: memcpy(&h, p, sizeof h); f = bf16_to_float(h); break;
    default: break;
    }
    memcpy(q, &f, sizeof f);
}

/* Copies a strided array (byte strides) into C order, converting each element. */
static void gather(void *dst, pa_el del, const char *src, pa_el sel, int ndim, const size_t *shape,
                   const int64_t *bstrides)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    if (!n) return;
    int ssz = pa_el_size(sel), dsz = pa_el_size(del);
    size_t idx[PA_MAXDIM] = {0};
    const char *p = src;
    char *q = dst;
    size_t inner = ndim ? shape[ndim - 1] : 1;
    int64_t istride = ndim ? bstrides[ndim - 1] : 0;
    for (size_t done = 0; done < n; done += inner) {
        const char *r = p;
        if (del == sel && istride == ssz) {
            memcpy(q, r, inner * (size_t)ssz);
            q += inner * (size_t)dsz;
        } else {
            for (size_t k = 0; k < inner; k++, r += istride, q += dsz) put_el(q, del, r, sel, ssz);
        }
        /* next row: odometer over the outer dimensions */
        for (int d = ndim - 2; d >= 0; d--) {
            idx[d]++;
            p += bstrides[d];
            if (idx[d] < shape[d]) break;
            p -= (int64_t)shape[d] * bstrides[d];
            idx[d] = 0;
        }
    }
}

/* ---- the common part ---------------------------------------------------------------------- */

/* Copies at least this large are made with the GIL released (smaller ones cost less than
 * handing the GIL over). */
#define GIL_FREE_COPY_BYTES ((size_t)1 << 20)

/* Takes what the producer described and decides: in place, one copy, or a refusal. */
static int settle(pa_input *in, const pa_accept *acc, const char *base, pa_el el, int ndim,
                  const size_t *shape, const int64_t *bstrides, int big_endian)
{
    if (ndim < acc->min_ndim || ndim > acc->max_ndim) {
        char sh[160];
        size_t k = 0;
        sh[0] = '\0';
        for (int i = 0; i < ndim && k < sizeof sh; i++)
            k += (size_t)snprintf(sh + k, sizeof sh - k, "%s%zu", i ? ", " : "", shape[i]);
        if (acc->min_ndim == acc->max_ndim)
            pa_input_error("%s: expected %d dimension%s, got %d (shape (%s%s))", in->name,
                           acc->min_ndim, acc->min_ndim == 1 ? "" : "s", ndim, sh,
                           ndim == 1 ? "," : "");
        else
            pa_input_error("%s: expected %d to %d dimensions, got %d (shape (%s%s))", in->name,
                           acc->min_ndim, acc->max_ndim, ndim, sh, ndim == 1 ? "," : "");
        return -1;
    }
    if (big_endian) {
        pa_input_error("%s: big-endian %s data (allowed: native byte order %s)", in->name,
                       pa_el_name(el), acc->allowed);
        return -1;
    }
    accel_dtype t;
    pa_el target;
    if (pa_el_to_accel(el, &t) == 0 && (acc->dtypes & (1u << t))) {
        target = el;
    } else if (acc->to_f32 && (el == PA_EL_F64 || el == PA_EL_F16 || el == PA_EL_BF16)) {
        target = PA_EL_F32;
        t = ACCEL_F32;
    } else {
        pa_input_error("%s: dtype %s is not supported (allowed: %s%s)", in->name, pa_el_name(el),
                       acc->allowed,
                       acc->to_f32 ? "; float64 and float16 are converted to float32 with one copy" : "");
        return -1;
    }
    size_t n = 1;
    int empty = 0;
    for (int i = 0; i < ndim; i++) empty |= shape[i] == 0;
    for (int i = 0; i < ndim; i++) {
        in->shape[i] = shape[i];
        /* a producer may describe more elements than memory can count (a broadcast view) */
        if (!empty && shape[i] && n > SIZE_MAX / shape[i] / (size_t)pa_el_size(el)) {
            pa_no_memory("%s: %d dimensions whose elements number more than memory can address",
                         in->name, ndim);
            return -1;
        }
        n *= shape[i];
    }
    if (empty) n = 0;
    in->ndim = ndim;
    in->n = n;
    in->dtype = t;
    /* C-contiguous: each stride the product of the later extents (extent-1 dimensions and empty
     * arrays do not constrain). */
    int contiguous = 1;
    int64_t want = pa_el_size(el);
    for (int i = ndim - 1; i >= 0 && n; i--) {
        if (shape[i] != 1 && bstrides[i] != want) contiguous = 0;
        want *= (int64_t)shape[i];
    }
    if (contiguous && target == el) {
        static const float dummy[1];
        in->data = n ? (const void *)base : (const void *)dummy; /* never NULL */
        return 0;
    }
    if (acc->rows && target == el && ndim >= 2 && n) {
        /* a crop of a larger image (img[y0:y1, x0:x1]): packed rows, further apart */
        int packed_rows = 1;
        int64_t row = pa_el_size(el);
        for (int i = ndim - 1; i >= 1; i--) {
            if (shape[i] != 1 && bstrides[i] != row) packed_rows = 0;
            row *= (int64_t)shape[i];
        }
        if (packed_rows && bstrides[0] >= row) {
            in->data = base;
            in->row_stride = (size_t)bstrides[0];
            return 0;
        }
    }
    in->copy = pa_alloc_n(n, (size_t)pa_el_size(target));
    if (!in->copy) {
        /* the copy this input needs (module comment): say which, and how large */
        pa_no_memory("%s: %zu %s elements (%s) need a copy of %.1f MiB, which does not fit in "
                     "memory (a C-contiguous array of a dtype the call takes is read in place)",
                     in->name, n, pa_el_name(el),
                     target != el ? "converted to float32" : "not laid out contiguously",
                     PA_MIB((double)n * pa_el_size(target)));
        return -1;
    }
    /* the one copy is compute too (a second or more for 10^8 elements): a large one runs with
     * the GIL released, as the library call after it does. The memory it reads stays where it
     * is meanwhile: the buffer view (or the DLPack tensor, now ours) holds it. */
    if (n * (size_t)pa_el_size(target) >= GIL_FREE_COPY_BYTES) {
        Py_BEGIN_ALLOW_THREADS
        gather(in->copy, target, base, el, ndim, shape, bstrides);
        Py_END_ALLOW_THREADS
    } else {
        gather(in->copy, target, base, el, ndim, shape, bstrides);
    }
    in->data = in->copy;
    in->copied = 1;
    return 0;
}

/* GPU memory: taken where it is, so only C-contiguous data of a dtype the call takes. */
static int settle_device(pa_input *in, const pa_accept *acc, const char *base, pa_el el, int ndim,
                         const size_t *shape, const int64_t *bstrides)
{
    if (ndim < acc->min_ndim || ndim > acc->max_ndim) {
        pa_input_error("%s: expected %d to %d dimensions, got %d", in->name, acc->min_ndim,
                       acc->max_ndim, ndim);
        return -1;
    }
    accel_dtype t;
    if (pa_el_to_accel(el, &t) != 0 || !(acc->dtypes & (1u << t))) {
        pa_input_error("%s: dtype %s on the GPU is not supported (allowed: %s; data on a GPU are "
                       "not converted on the host)",
                       in->name, pa_el_name(el), acc->allowed);
        return -1;
    }
    size_t n = 1;
    int64_t want = pa_el_size(el);
    int contiguous = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        if (shape[i] != 1 && bstrides[i] != want) contiguous = 0;
        want *= (int64_t)shape[i];
    }
    for (int i = 0; i < ndim; i++) {
        in->shape[i] = shape[i];
        n *= shape[i];
    }
    if (!contiguous && n) {
        pa_input_error("%s: strided data on the GPU (accel reads GPU memory where it is: make it "
                       "contiguous first, e.g. .contiguous())",
                       in->name);
        return -1;
    }
    if (n && ((uintptr_t)base % (uintptr_t)pa_el_size(el)) != 0) {
        pa_input_error("%s: GPU address %p is not aligned to its %d-byte elements", in->name,
                       (const void *)base, pa_el_size(el));
        return -1;
    }
    in->ndim = ndim;
    in->n = n;
    in->dtype = t;
    in->data = base;
    in->on_device = 1;
    return 0;
}

static int from_buffer(PyObject *obj, pa_input *in, const pa_accept *acc)
{
    if (PyObject_GetBuffer(obj, &in->view, PyBUF_RECORDS_RO) < 0) {
        PyErr_Clear();
        if (PyObject_GetBuffer(obj, &in->view, PyBUF_FULL_RO) < 0) return -1;
        if (in->view.suboffsets) {
            PyBuffer_Release(&in->view);
            pa_input_error("%s: indirect (PIL-style) buffers are not supported", in->name);
            return -1;
        }
    }
    in->have_view = 1;
    in->via = "buffer protocol";
    Py_buffer *v = &in->view;
    if (v->ndim > PA_MAXDIM) {
        pa_input_error("%s: %d dimensions (at most %d)", in->name, v->ndim, PA_MAXDIM);
        return -1;
    }
    int be = 0;
    pa_el el = el_of_format(v->format, v->itemsize, &be);
    if (el == PA_EL_OTHER) {
        pa_input_error("%s: element format '%s' (%zd bytes) is not supported (allowed: %s)",
                       in->name, v->format ? v->format : "B", v->itemsize, acc->allowed);
        return -1;
    }
    size_t shape[PA_MAXDIM];
    int64_t strides[PA_MAXDIM];
    int ndim = v->ndim;
    if (ndim == 0 && !v->shape) { /* a scalar, or bytes without shape */
        if (v->len == v->itemsize) {
            ndim = 0;
        } else {
            ndim = 1;
            shape[0] = (size_t)(v->len / (v->itemsize ? v->itemsize : 1));
            strides[0] = v->itemsize;
        }
    }
    for (int i = 0; i < v->ndim; i++) {
        shape[i] = (size_t)(v->shape ? v->shape[i] : v->len / v->itemsize);
        strides[i] = v->strides ? v->strides[i] : 0;
    }
    if (v->ndim && !v->strides) { /* contiguous by contract */
        int64_t s = v->itemsize;
        for (int i = v->ndim - 1; i >= 0; i--) {
            strides[i] = s;
            s *= (int64_t)shape[i];
        }
    }
    return settle(in, acc, v->buf, el, ndim, shape, strides, be);
}

/* ---- DLPack -------------------------------------------------------------------------------- */

static PyObject *call_dlpack(PyObject *obj, int *versioned, int stream)
{
    /* Ask for a versioned capsule first; producers older than DLPack 1.0 reject max_version
     * with TypeError, and are asked again the old way. `stream` (>= 0) is the consumer's
     * stream for GPU data: 1 = CUDA's legacy default stream, 0 = ROCm's default one. */
    PyObject *meth = PyObject_GetAttrString(obj, "__dlpack__");
    if (!meth) return NULL;
    PyObject *kw = stream >= 0 ? Py_BuildValue("{s:(ii),s:i}", "max_version", PA_DLPACK_MAJOR,
                                               PA_DLPACK_MINOR, "stream", stream)
                               : Py_BuildValue("{s:(ii)}", "max_version", PA_DLPACK_MAJOR,
                                               PA_DLPACK_MINOR);
    PyObject *empty = PyTuple_New(0);
    PyObject *cap = kw && empty ? PyObject_Call(meth, empty, kw) : NULL;
    Py_XDECREF(kw);
    if (!cap && PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        PyObject *kw2 = stream >= 0 ? Py_BuildValue("{s:i}", "stream", stream) : NULL;
        cap = PyObject_Call(meth, empty, kw2);
        Py_XDECREF(kw2);
    }
    Py_XDECREF(empty);
    Py_DECREF(meth);
    if (!cap) return NULL;
    *versioned = PyCapsule_IsValid(cap, PA_DL_CAPSULE_V);
    if (!*versioned && !PyCapsule_IsValid(cap, PA_DL_CAPSULE)) {
        Py_DECREF(cap);
        pa_input_error("__dlpack__ returned something other than an unused DLPack capsule");
        return NULL;
    }
    return cap;
}

static int from_dlpack(PyObject *obj, pa_input *in, const pa_accept *acc)
{
    /* Where the data live, before asking for them (a device tensor is refused without a
     * transfer being started). */
    PyObject *dev = PyObject_CallMethod(obj, "__dlpack_device__", NULL);
    if (!dev) return -1;
    int dt = 0, did = 0;
    int ok = PyArg_ParseTuple(dev, "ii", &dt, &did);
    Py_DECREF(dev);
    if (!ok) return -1;
    int gpu = dt == PA_DL_CUDA || dt == PA_DL_ROCM;
    if (!host_readable(dt) && !(gpu && acc->device_ok)) {
        pa_input_error("%s: the data are in %s memory (device %d); this call reads host memory "
                       "(move it with .cpu() first)",
                       in->name, dl_device_name(dt), did);
        return -1;
    }
    int versioned = 0;
    PyObject *cap = call_dlpack(obj, &versioned, gpu ? (dt == PA_DL_CUDA ? 1 : 0) : -1);
    if (!cap) return -1;
    pa_dl_tensor *t;
    if (versioned) {
        pa_dl_managed_versioned *m = PyCapsule_GetPointer(cap, PA_DL_CAPSULE_V);
        if (!m) {
            Py_DECREF(cap);
            return -1;
        }
        if (m->version.major > PA_DLPACK_MAJOR) {
            Py_DECREF(cap); /* unused: its destructor releases it */
            pa_input_error("%s: DLPack %u.%u is newer than the %d.x accel reads", in->name,
                           m->version.major, m->version.minor, PA_DLPACK_MAJOR);
            return -1;
        }
        t = &m->dl_tensor;
        in->managed = m;
        PyCapsule_SetName(cap, PA_DL_CAPSULE_V_USED);
    } else {
        pa_dl_managed *m = PyCapsule_GetPointer(cap, PA_DL_CAPSULE);
        if (!m) {
            Py_DECREF(cap);
            return -1;
        }
        t = &m->dl_tensor;
        in->managed = m;
        PyCapsule_SetName(cap, PA_DL_CAPSULE_USED);
    }
    /* from here the tensor is ours: pa_input_release calls its deleter */
    in->capsule = cap;
    in->versioned = versioned;
    in->via = versioned ? "DLPack (versioned)" : "DLPack";
    int on_gpu = t->device.device_type == PA_DL_CUDA || t->device.device_type == PA_DL_ROCM;
    if (!host_readable(t->device.device_type) && !(on_gpu && acc->device_ok)) {
        pa_input_error("%s: the data are in %s memory (device %d); this call reads host memory",
                       in->name, dl_device_name(t->device.device_type), t->device.device_id);
        return -1;
    }
    in->dl_type = t->device.device_type;
    in->dl_id = t->device.device_id;
    if (t->ndim < 0 || t->ndim > PA_MAXDIM) {
        pa_input_error("%s: %d dimensions (at most %d)", in->name, (int)t->ndim, PA_MAXDIM);
        return -1;
    }
    pa_el el = el_of_dl(t->dtype);
    if (el == PA_EL_OTHER) {
        pa_input_error("%s: DLPack dtype (code %u, %u bits, %u lanes) is not supported (allowed: %s)",
                       in->name, t->dtype.code, t->dtype.bits, t->dtype.lanes, acc->allowed);
        return -1;
    }
    size_t shape[PA_MAXDIM];
    int64_t strides[PA_MAXDIM];
    int64_t s = pa_el_size(el) ? pa_el_size(el) : 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] < 0) {
            pa_input_error("%s: negative extent %lld in dimension %d", in->name,
                           (long long)t->shape[i], i);
            return -1;
        }
        shape[i] = (size_t)t->shape[i];
        strides[i] = t->strides ? t->strides[i] * (pa_el_size(el) ? pa_el_size(el) : 1) : s;
        s *= t->shape[i];
    }
    const char *base = (const char *)t->data + t->byte_offset;
    if (on_gpu) return settle_device(in, acc, base, el, t->ndim, shape, strides);
    return settle(in, acc, base, el, t->ndim, shape, strides, 0);
}

/* ---- the CUDA array interface (version 3: Numba, CuPy, …) -------------------------------- */

static int from_cai(PyObject *obj, pa_input *in, const pa_accept *acc)
{
    PyObject *d = PyObject_GetAttrString(obj, "__cuda_array_interface__");
    if (!d) return -1;
    int rc = -1;
    in->via = "CUDA array interface";
    in->dl_type = PA_DL_CUDA;
    in->dl_id = -1; /* the interface does not say which GPU */
    if (!acc->device_ok) {
        pa_input_error("%s: the data are in CUDA memory (__cuda_array_interface__); this call "
                       "reads host memory (copy it to the host first)",
                       in->name);
        goto done;
    }
    if (!PyDict_Check(d)) {
        pa_input_error("%s: __cuda_array_interface__ is not a dict", in->name);
        goto done;
    }
    PyObject *shape = PyDict_GetItemString(d, "shape"), *typestr = PyDict_GetItemString(d, "typestr");
    PyObject *data = PyDict_GetItemString(d, "data"), *strides = PyDict_GetItemString(d, "strides");
    PyObject *stream = PyDict_GetItemString(d, "stream");
    if (!shape || !PyTuple_Check(shape) || !typestr || !PyUnicode_Check(typestr) || !data ||
        !PyTuple_Check(data) || PyTuple_Size(data) != 2) {
        pa_input_error("%s: __cuda_array_interface__ lacks shape, typestr or data", in->name);
        goto done;
    }
    if (stream && stream != Py_None && !(PyLong_Check(stream) && PyLong_AsLong(stream) == 1)) {
        PyErr_Clear();
        pa_input_error("%s: __cuda_array_interface__ names a stream other than the legacy default "
                       "one; accel cannot wait for it: synchronize that stream first, or pass the "
                       "array through DLPack",
                       in->name);
        goto done;
    }
    const char *ts = PyUnicode_AsUTF8AndSize(typestr, NULL);
    if (!ts) goto done;
    int size = ts[0] && ts[1] ? atoi(ts + 2) : 0;
    pa_el el = PA_EL_OTHER;
    if (ts[0] == '>' && size > 1) {
        pa_input_error("%s: big-endian data (%s)", in->name, ts);
        goto done;
    }
    switch (ts[1]) {
    case 'f': el = size == 4 ? PA_EL_F32 : size == 2 ? PA_EL_F16 : size == 8 ? PA_EL_F64 : PA_EL_OTHER; break;
    case 'i': el = size == 1 ? PA_EL_I8 : size == 2 ? PA_EL_I16 : size == 4 ? PA_EL_I32 : size == 8 ? PA_EL_I64 : PA_EL_OTHER; break;
    case 'u': el = size == 1 ? PA_EL_U8 : size == 2 ? PA_EL_U16 : size == 4 ? PA_EL_U32 : size == 8 ? PA_EL_U64 : PA_EL_OTHER; break;
    case 'b': el = size == 1 ? PA_EL_BOOL : PA_EL_OTHER; break;
    }
    if (el == PA_EL_OTHER) {
        pa_input_error("%s: typestr '%s' is not supported (allowed: %s)", in->name, ts, acc->allowed);
        goto done;
    }
    int ndim = (int)PyTuple_Size(shape);
    if (ndim > PA_MAXDIM) {
        pa_input_error("%s: %d dimensions (at most %d)", in->name, ndim, PA_MAXDIM);
        goto done;
    }
    size_t sh[PA_MAXDIM];
    int64_t st[PA_MAXDIM];
    int64_t s = pa_el_size(el);
    for (int i = ndim - 1; i >= 0; i--) {
        long long v = PyLong_AsLongLong(PyTuple_GetItem(shape, i));
        if (v < 0) {
            if (!PyErr_Occurred()) pa_input_error("%s: negative extent in shape", in->name);
            goto done;
        }
        sh[i] = (size_t)v;
        st[i] = s;
        s *= v;
    }
    if (strides && strides != Py_None) {
        if (!PyTuple_Check(strides) || PyTuple_Size(strides) != ndim) {
            pa_input_error("%s: __cuda_array_interface__ strides do not match its shape", in->name);
            goto done;
        }
        for (int i = 0; i < ndim; i++) {
            st[i] = PyLong_AsLongLong(PyTuple_GetItem(strides, i));
            if (PyErr_Occurred()) goto done;
        }
    }
    void *ptr = PyLong_AsVoidPtr(PyTuple_GetItem(data, 0));
    if (PyErr_Occurred()) goto done;
    rc = settle_device(in, acc, ptr, el, ndim, sh, st);
done:
    Py_DECREF(d);
    return rc;
}

static int get(PyObject *obj, const char *name, const pa_accept *acc, pa_input *in);

int pa_input_get(PyObject *obj, const char *name, const pa_accept *acc, pa_input *in)
{
    int r = get(obj, name, acc, in);
    if (r < 0) pa_wrap_foreign_error(name);
    return r;
}

static int get(PyObject *obj, const char *name, const pa_accept *acc, pa_input *in)
{
    memset(in, 0, sizeof *in);
    in->name = name;
    in->dl_type = PA_DL_CPU;
    if (PyObject_CheckBuffer(obj)) {
        int r = from_buffer(obj, in, acc);
        /* an exporter that refuses the buffer protocol for this object (GPU memory: an
         * accel.Buffer on a device, CuPy) may still offer DLPack */
        if (r < 0 && !in->have_view && PyErr_Occurred() &&
            (PyErr_ExceptionMatches(PyExc_BufferError) || PyErr_ExceptionMatches(PyExc_ValueError) ||
             PyErr_ExceptionMatches(PyExc_TypeError)) &&
            !PyErr_ExceptionMatches(PyExc_KeyboardInterrupt) &&
            PyObject_HasAttrString(obj, "__dlpack__")) {
            PyErr_Clear();
            return from_dlpack(obj, in, acc);
        }
        return r;
    }
    if (PyObject_HasAttrString(obj, "__dlpack__")) return from_dlpack(obj, in, acc);
    if (PyObject_HasAttrString(obj, "__cuda_array_interface__")) return from_cai(obj, in, acc);
    char allowed[320];
    snprintf(allowed, sizeof allowed, "an object with the buffer protocol or __dlpack__, e.g. a "
             "numpy array or a torch tensor, with dtype %s", acc->allowed);
    pa_type_error(name, "an array", obj, allowed);
    return -1;
}

void pa_input_release(pa_input *in)
{
    /* A producer's deleter or capsule destructor may run Python code: keep an exception
     * being raised out of its way. */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    if (in->have_view) PyBuffer_Release(&in->view);
    in->have_view = 0;
    if (in->managed) {
        if (in->versioned) {
            pa_dl_managed_versioned *m = in->managed;
            if (m->deleter) m->deleter(m);
        } else {
            pa_dl_managed *m = in->managed;
            if (m->deleter) m->deleter(m);
        }
        in->managed = NULL;
    }
    Py_CLEAR(in->capsule);
    free(in->copy);
    in->copy = NULL;
    PyErr_Restore(et, ev, tb);
}
