"""Tensors that live on a GPU are processed on that GPU: DLPack capsules of kDLCUDA memory and
the CUDA array interface go in, accel's results stay in device memory and come out through
DLPack and the CUDA array interface — nothing passes through the host.

Without a GPU this runs on the stand-in libcuda (tests/gpu/fake_cuda), whose device memory is
host memory it checks every access against: the device pointers are made by that driver, handed
to accel in hand-made DLPack capsules, and read back through it. What a real GPU adds — PyTorch's
own CUDA tensors, its caching allocator and streams — is the last test, which runs where
torch.cuda is available."""
import os

import pytest

import accel
from conftest import BUILD, run_json

FAKE_CUDA = os.path.join(BUILD, "fake-cuda-backend")

PRELUDE = r'''
import ctypes, json, sys
import numpy as np
import accel
from dlpack_fake import Producer, capsule_name, kDLCUDA
cu = ctypes.CDLL("libcuda.so.1")  # the stand-in, as accel loads it
ctx = accel.Context(warmup=False)
gpu = [d for d in ctx.devices if d.kind == "cuda"][0]
ctx.convert(np.zeros(1, np.int16), device=gpu.index)  # opens the device in this process
dev, pctx = ctypes.c_int(), ctypes.c_void_p()
assert cu.cuInit(0) == 0 and cu.cuDeviceGet(ctypes.byref(dev), gpu.ordinal) == 0
assert cu.cuDevicePrimaryCtxRetain(ctypes.byref(pctx), dev) == 0
assert cu.cuCtxSetCurrent(pctx) == 0

def device_array(a):
    """a numpy array copied into memory the driver allocated, as another library would"""
    p = ctypes.c_ulonglong()
    assert cu.cuMemAlloc_v2(ctypes.byref(p), max(a.nbytes, 1)) == 0
    assert cu.cuMemcpyHtoD_v2(p, ctypes.c_void_p(a.ctypes.data), ctypes.c_size_t(a.nbytes)) == 0
    return p.value

def read(ptr, n, dtype):
    out = np.empty(n, dtype)
    assert cu.cuMemcpyDtoH_v2(ctypes.c_void_p(out.ctypes.data), ctypes.c_ulonglong(ptr), ctypes.c_size_t(out.nbytes)) == 0
    return out
'''


def fake(code, **env):
    if not os.path.exists(os.path.join(FAKE_CUDA, "libcuda.so.1")):
        pytest.skip("the stand-in libcuda is not built (%s)" % FAKE_CUDA)
    e = {"LD_LIBRARY_PATH": FAKE_CUDA, "ACCEL_FAKE_GPU_MEMORY_MB": "512"}
    e.update(env)
    return run_json(PRELUDE + code, env=e)


def test_dlpack_cuda_in_and_out_on_the_device():
    out, p = fake(r'''
x = (np.arange(3000) * 7 % 2000 - 1000).astype(np.int16).reshape(30, 100)
ptr = device_array(x)
prod = Producer(ptr, x.shape, ("int", 16), device=(kDLCUDA, gpu.ordinal))
y = ctx.convert(prod, scale=0.5, offset=1.0)
rec = ctx.last_record
res = {
  "type": type(y).__name__, "dlpack_device": list(y.__dlpack_device__()), "device": y.device,
  "shape": list(y.shape), "dtype": y.dtype, "ran_on": [rec.device_used, rec.fallbacks],
  "gpu": [gpu.index, gpu.ordinal], "stream": prod.streams, "deleted": prod.deleted,
  # the result is in the driver's device memory, at the address the Buffer exports
  "right": bool(np.array_equal(read(y.ptr, 3000, np.float32).reshape(30, 100), x * 0.5 + 1.0)),
  "to_host": bool(np.array_equal(np.asarray(y.to_host()), x * 0.5 + 1.0)),
}
cai = y.__cuda_array_interface__
res["cai"] = [cai["shape"], cai["typestr"], cai["data"][0] == y.ptr, cai["version"], cai["stream"]]
cap = y.__dlpack__(max_version=(1, 0), stream=1)
res["capsule"] = capsule_name(cap)
try:
    memoryview(y)
    res["memoryview"] = "allowed"
except BufferError as e:
    res["memoryview"] = str(e)
# a device Buffer goes back in through its own DLPack export: again on the device
z = ctx.convert(y, dtype="float16")
res["again"] = [list(z.__dlpack_device__()), bool(np.array_equal(np.asarray(z.to_host()), (x * 0.5 + 1.0).astype(np.float16)))]
# reduce reads the device data where they are; its results are host values
res["reduce"] = [float(v) for v in ctx.reduce(y, "sum")[:3]]
res["reduce_want"] = [float(v) for v in (x * 0.5 + 1.0).astype(np.float64).sum(axis=1)[:3]]
res["reduce_ran_on"] = ctx.last_record.device_used
print(json.dumps(res))
''')
    assert out["type"] == "Buffer" and out["dlpack_device"] == [2, out["gpu"][1]]
    assert out["device"] == out["gpu"][0] and out["ran_on"] == [out["gpu"][0], 0]
    assert out["shape"] == [30, 100] and out["dtype"] == "float32"
    assert out["stream"] == [1]  # the producer was asked for the legacy default stream
    assert out["deleted"] == 1
    assert out["right"] and out["to_host"]
    assert out["cai"] == [[30, 100], "<f4", True, 3, None]
    assert out["capsule"] == "dltensor_versioned"
    assert "GPU memory" in out["memoryview"]
    assert out["again"] == [[2, out["gpu"][1]], True]
    assert out["reduce"] == pytest.approx(out["reduce_want"], rel=1e-6)
    assert out["reduce_ran_on"] == out["gpu"][0]


def test_cuda_array_interface_in():
    out, _ = fake(r'''
class Numbaish:
    def __init__(self, ptr, n, stream=None):
        self.__cuda_array_interface__ = {"shape": (n,), "typestr": "<f4", "data": (ptr, False),
                                         "strides": None, "version": 3, "stream": stream}
x = np.linspace(-1, 1, 500).astype(np.float32)
ptr = device_array(x)
y = ctx.convert(Numbaish(ptr, 500), scale=2.0)
res = {"right": bool(np.array_equal(np.asarray(y.to_host()), x * 2)), "where": list(y.__dlpack_device__())}
try:
    ctx.convert(Numbaish(ptr, 500, stream=0x7f00))
except accel.InputError as e:
    res["stream"] = e.message
print(json.dumps(res))
''')
    assert out["right"] and out["where"][0] == 2
    assert "stream other than the legacy default one" in out["stream"]


def test_gpu_inputs_that_cannot_be_taken_are_refused_clearly():
    out, _ = fake(r'''
res = {}
x = np.arange(64, dtype=np.float64)
ptr = device_array(x)
def err(fn):
    try:
        fn()
        return "no error"
    except accel.Error as e:
        return "%s: %s" % (type(e).__name__, e.message)
res["float64"] = err(lambda: ctx.convert(Producer(ptr, (64,), ("float", 64), device=(kDLCUDA, gpu.ordinal))))
res["strided"] = err(lambda: ctx.convert(Producer(ptr, (8, 4), ("float", 32), strides=(8, 2), device=(kDLCUDA, gpu.ordinal))))
res["absent"] = err(lambda: ctx.convert(Producer(ptr, (4,), ("float", 32), device=(kDLCUDA, 7))))
res["audio"] = err(lambda: ctx.audio.features(Producer(ptr, (64,), ("float", 32), device=(kDLCUDA, gpu.ordinal))))
with accel.Context(warmup=False, convert_gpu=False) as off:
    res["disabled"] = err(lambda: off.convert(Producer(ptr, (16,), ("float", 32), device=(kDLCUDA, gpu.ordinal))))
print(json.dumps(res))
''')
    assert out["float64"].startswith("InputError") and "float64 on the GPU" in out["float64"]
    assert "make it contiguous" in out["strided"]
    assert "CUDA device 7, which this context does not have" in out["absent"]
    assert out["audio"].startswith("InputError") and "reads host memory" in out["audio"]
    assert out["disabled"].startswith("DisabledError") and "ACCEL_CONVERT_GPU=0 (api)" in out["disabled"]


def test_device_buffers_outlive_nothing_they_should_not():
    # a device result dropped after its context closed, and many made and dropped: no crash,
    # and the driver's memory in use returns to where it was
    out, _ = fake(r'''
free0, total = ctypes.c_size_t(), ctypes.c_size_t()
x = np.ones(1 << 16, np.int16)
ptr = device_array(x)
prod = Producer(ptr, x.shape, ("int", 16), device=(kDLCUDA, gpu.ordinal))
cu.cuMemGetInfo_v2(ctypes.byref(free0), ctypes.byref(total))
for _ in range(200):
    y = ctx.convert(prod)
    del y
free1 = ctypes.c_size_t()
cu.cuMemGetInfo_v2(ctypes.byref(free1), ctypes.byref(total))
c2 = accel.Context(warmup=False)
kept = c2.convert(prod)
c2.close()
del kept  # its memory went with the closed context; nothing to free, nothing to crash
print(json.dumps([free0.value, free1.value, prod.deleted]))
''')
    free0, free1, deleted = out
    assert free0 == free1 and deleted == 201


def test_torch_cuda_tensors_stay_on_the_gpu(torch, np):
    if not torch.cuda.is_available():
        pytest.skip("torch.cuda is not available here (checked on a GPU machine)")
    with accel.Context() as ctx:
        gpu = [d for d in ctx.devices if d.kind == "cuda" and d.ordinal == torch.cuda.current_device()]
        if not gpu:
            pytest.skip("accel finds no usable CUDA device for torch's current device")
        t = (torch.arange(1 << 20, device="cuda") % 3000 - 1500).to(torch.int16)
        y = ctx.convert(t, scale=0.25)
        assert ctx.last_record.device_used == gpu[0].index
        ty = torch.from_dlpack(y)
        assert ty.device.type == "cuda" and ty.dtype == torch.float32
        assert torch.equal(ty, t.float() * 0.25)
        s = ctx.reduce(ty.reshape(16, -1), "mean")
        assert np.allclose(s, (t.double() * 0.25).reshape(16, -1).mean(dim=1).cpu().numpy(), rtol=1e-6)
