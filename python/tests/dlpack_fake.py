"""Hand-made DLPack producers (ctypes), to test accel's DLPack consumer against the protocol
itself rather than one framework's implementation: legacy "dltensor" and versioned
"dltensor_versioned" capsules over memory this module owns, with deleters that count their
calls, and any device type."""
import ctypes

kDLCPU, kDLCUDA, kDLCUDAHost, kDLROCM = 1, 2, 3, 10
CODES = {"int": 0, "uint": 1, "float": 2, "bfloat": 4, "complex": 5, "bool": 6}


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
                            ("deleter", DELETER)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    pass


DELETER_V = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensorVersioned))
DLManagedTensorVersioned._fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p),
                                     ("deleter", DELETER_V), ("flags", ctypes.c_uint64),
                                     ("dl_tensor", DLTensor)]

assert ctypes.sizeof(DLTensor) == 48 and ctypes.sizeof(DLManagedTensorVersioned) == 80

_new = ctypes.pythonapi.PyCapsule_New
_new.restype = ctypes.py_object
_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_ptr = ctypes.pythonapi.PyCapsule_GetPointer
_ptr.restype = ctypes.c_void_p
_ptr.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_valid = ctypes.pythonapi.PyCapsule_IsValid
_valid.restype = ctypes.c_int
_valid.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@DESTRUCTOR
def _legacy_destructor(cap):
    # an unconsumed capsule still owns its tensor (what real producers do)
    if _valid(cap, b"dltensor"):
        m = ctypes.cast(_ptr(cap, b"dltensor"), ctypes.POINTER(DLManagedTensor))
        m.contents.deleter(m)


@DESTRUCTOR
def _versioned_destructor(cap):
    if _valid(cap, b"dltensor_versioned"):
        m = ctypes.cast(_ptr(cap, b"dltensor_versioned"), ctypes.POINTER(DLManagedTensorVersioned))
        m.contents.deleter(m)


_name = ctypes.pythonapi.PyCapsule_GetName
_name.restype = ctypes.c_char_p
_name.argtypes = [ctypes.py_object]


def capsule_name(cap):
    return _name(cap).decode()


class Producer:
    """An array-like that exports `data` (an address) with the given layout through
    __dlpack__ / __dlpack_device__. `versioned`: True answers max_version with a versioned
    capsule; False behaves like a producer from before DLPack 1.0 (TypeError on
    max_version). `deleted` counts deleter calls."""

    def __init__(self, data, shape, dtype=("float", 32), strides=None, device=(kDLCPU, 0),
                 versioned=True, byte_offset=0, keep=None, major=1):
        self.data, self.shape, self.dtype, self.strides = data, tuple(shape), dtype, strides
        self.device, self.versioned, self.byte_offset = device, versioned, byte_offset
        self.keep, self.major = keep, major
        self.deleted = 0  # deleter calls
        self.made = 0     # capsules made
        self.exports = []
        self.streams = []

    def __dlpack_device__(self):
        return self.device

    def _tensor(self, t):
        n = len(self.shape)
        shape = (ctypes.c_int64 * max(n, 1))(*self.shape)
        strides = (ctypes.c_int64 * max(n, 1))(*(self.strides or ())) if self.strides else None
        self.exports.append((shape, strides))
        t.data = self.data
        t.device = DLDevice(*self.device)
        t.ndim = n
        code, bits = self.dtype
        t.dtype = DLDataType(CODES[code], bits, 1)
        t.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
        t.strides = ctypes.cast(strides, ctypes.POINTER(ctypes.c_int64)) if strides else None
        t.byte_offset = self.byte_offset

    def __dlpack__(self, stream=None, max_version=None, **kw):
        self.streams.append(stream)
        if max_version is not None and not self.versioned:
            raise TypeError("__dlpack__() got an unexpected keyword argument 'max_version'")
        if self.versioned and max_version is not None and max_version[0] >= 1:
            self.made += 1
            m = DLManagedTensorVersioned()
            m.version = DLPackVersion(self.major, 0)
            self._tensor(m.dl_tensor)

            def deleter(p):
                self.deleted += 1
            cb = DELETER_V(deleter)
            m.deleter = cb
            self.exports.append((m, cb))
            return _new(ctypes.addressof(m), b"dltensor_versioned",
                        ctypes.cast(_versioned_destructor, ctypes.c_void_p))
        self.made += 1
        m = DLManagedTensor()
        self._tensor(m.dl_tensor)

        def deleter(p):
            self.deleted += 1
        cb = DELETER(deleter)
        m.deleter = cb
        self.exports.append((m, cb))
        return _new(ctypes.addressof(m), b"dltensor",
                    ctypes.cast(_legacy_destructor, ctypes.c_void_p))


def host_producer(values, ctype=ctypes.c_float, dtype=("float", 32), **kw):
    """A Producer over a ctypes array holding `values`."""
    arr = (ctype * len(values))(*values)
    kw.setdefault("shape", (len(values),))
    shape = kw.pop("shape")
    return Producer(ctypes.addressof(arr), shape, dtype, keep=arr, **kw)
