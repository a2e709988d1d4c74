"""Arrays in and out: read in place when C-contiguous with a dtype the call takes, one copy
otherwise; outputs that own accel's buffer (no copy); DLPack both ways, legacy and versioned;
clear errors for what cannot be read."""
import array
import ctypes
import os
import sys

import pytest

import accel
from accel import _accel
from conftest import run_json, run_python
from dlpack_fake import Producer, capsule_name, host_producer, kDLCUDA, kDLCUDAHost, kDLROCM


def test_output_owns_accels_buffer_without_a_copy(ctx, np):
    x = np.linspace(-1, 1, 16000, dtype=np.float32)
    y = ctx.audio.features(x)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32 and y.flags.c_contiguous
    assert y.flags.writeable and not y.flags.owndata
    buf = y.base.obj  # ndarray -> memoryview -> the Buffer that owns the memory
    assert isinstance(buf, _accel.Buffer)
    assert buf.ptr == y.__array_interface__["data"][0]
    assert buf.shape == y.shape and buf.dtype == "float32" and buf.nbytes == y.nbytes
    del buf
    y2 = y.copy()
    y[:] = 0  # the buffer is the array's own memory
    assert y.sum() == 0 and y2.sum() != 0


def test_convert_outputs_and_dtypes(ctx, np):
    x = np.array([[0, 1, 2], [3, 4, 255]], np.uint8)
    y = ctx.convert(x, scale=2.0, offset=-1.0)
    assert y.dtype == np.float32 and y.shape == (2, 3)
    assert y.tolist() == [[-1, 1, 3], [5, 7, 509]]
    h = ctx.convert(np.array([1.0, 65504.0, 1e-8], np.float32), dtype="float16")
    assert h.dtype == np.float16 and h.tolist()[:2] == [1.0, 65504.0]
    for dt in (np.int16, np.int32, np.float16, np.float32):
        assert ctx.convert(np.arange(4, dtype=dt)).tolist() == [0, 1, 2, 3]
    with pytest.raises(accel.InputError, match="dtype 'int8': allowed: float32, float16"):
        ctx.convert(x, dtype="int8")


def test_inputs_are_read_in_place(ctx, np):
    # the library reads the caller's memory: change it between two calls and see it
    x = np.zeros(8, np.int16)
    assert ctx.convert(x).sum() == 0
    x[3] = 7
    assert ctx.convert(x).tolist()[3] == 7


def test_buffer_protocol_inputs(ctx, np):
    want = [0.0, 0.5, -1.0]
    assert ctx.convert(array.array("h", [0, 1, -2]), scale=0.5).tolist() == want
    assert ctx.convert(memoryview(array.array("f", want))).tolist() == want
    assert ctx.convert(bytearray(b"\x00\x01\x02")).tolist() == [0, 1, 2]
    ro = np.array([1, 2, 3], np.int16)
    ro.flags.writeable = False
    assert ctx.convert(ro).tolist() == [1, 2, 3]


def test_non_contiguous_inputs_cost_one_copy_and_equal_the_contiguous_result(ctx, np):
    rng = np.random.default_rng(3)
    base = (rng.standard_normal(32000) * 0.1).astype(np.float32)
    strided = np.repeat(base, 2)[::2]  # same values, stride 8 bytes
    assert not strided.flags.c_contiguous
    assert np.array_equal(ctx.audio.features(strided), ctx.audio.features(base))
    m = rng.standard_normal((6, 5)).astype(np.float32)
    assert np.array_equal(ctx.convert(m.T), np.ascontiguousarray(m.T))
    assert np.array_equal(ctx.convert(m[:, ::-2]), m[:, ::-2])  # negative strides
    assert np.allclose(ctx.reduce(m.T, "sum"), m.T.astype(np.float64).sum(axis=1), rtol=1e-6)


def test_float64_and_float16_samples_convert_once(ctx, np):
    x = (np.sin(np.arange(16000) / 7.0) * 0.2)
    f32 = ctx.audio.features(x.astype(np.float32))
    assert np.array_equal(ctx.audio.features(x), f32)  # float64 -> float32 exactly as astype
    h = x.astype(np.float16)
    assert np.array_equal(ctx.audio.features(h), ctx.audio.features(h.astype(np.float32)))


def test_int16_samples_are_divided_by_32768(ctx, np):
    i = (np.sin(np.arange(16000) / 5.0) * 8000).astype(np.int16)
    assert np.array_equal(ctx.audio.features(i, "vggish"),
                          ctx.audio.features(i.astype(np.float32) / 32768, "vggish"))


@pytest.mark.parametrize("make,needle", [
    (lambda np: np.zeros(100, np.int32), "dtype int32 is not supported (allowed: float32 or int16"),
    (lambda np: np.zeros(100, np.uint8), "dtype uint8"),
    (lambda np: np.zeros(100, np.complex64), "format 'Zf'"),
    (lambda np: np.zeros(100, bool), "dtype bool"),
    (lambda np: np.zeros((2, 100), np.float32), "expected 1 dimension, got 2 (shape (2, 100))"),
    (lambda np: np.float32(1.0), "expected 1 dimension, got 0"),
    (lambda np: np.zeros(100, ">f4"), "big-endian"),
    (lambda np: "not a path or array", None),
    (lambda np: {"samples": 1}, "x: expected audio, got dict"),
    (lambda np: [1.0, "x"], "clips[0]: expected audio, got float 1.0"),
])
def test_bad_audio_inputs_raise_input_error(ctx, np, make, needle):
    x = make(np)
    if isinstance(x, str):
        with pytest.raises(accel.NotFoundError, match="not a path or array"):
            ctx.audio.features(x)
        return
    with pytest.raises(accel.InputError) as e:
        ctx.audio.features(x)
    assert needle in str(e.value), str(e.value)
    assert e.value.status == "ERR_INVALID_ARG" and isinstance(e.value, ValueError)


def test_plain_lists_and_no_numpy_results(ctx):
    # a list of clips is a batch; a clip given as a list of numbers is converted once
    out = ctx.audio.features([[0.0] * 400, [0.1] * 800], "fbank")
    assert [o.shape for o in out] == [(1, 23), (3, 23)]
    one = ctx.audio.features([0.1] * 800, "fbank")
    assert one.shape == (3, 23) and (one == out[1]).all()


def test_without_numpy_results_are_buffers():
    out, p = run_json(r'''
import sys, json, array
sys.modules["numpy"] = None  # numpy cannot be imported
import accel
with accel.Context(discovery=False) as c:
    y = c.convert(array.array("h", [1, 2, 3]), scale=2.0)
    f = c.audio.features(array.array("f", [0.0] * 16000), "fbank")
    print(json.dumps([type(y).__name__, memoryview(y).tolist(), type(f).__name__, f.shape,
                      f.dtype, memoryview(f).shape]))
''')
    assert out == ["Buffer", [2.0, 4.0, 6.0], "Buffer", [98, 23], "float32", [98, 23]]


# ---- DLPack in ----------------------------------------------------------------------------


@pytest.mark.parametrize("versioned", [True, False])
def test_dlpack_capsules_in(ctx, versioned):
    p = host_producer([1, 2, 3, 4], ctypes.c_int16, ("int", 16), versioned=versioned)
    assert ctx.convert(p, scale=0.5).tolist() == [0.5, 1.0, 1.5, 2.0]
    assert p.deleted == 1  # consumed: accel called the deleter once, after the call
    assert p.streams and p.streams[-1] is None  # host memory: no stream asked for


def test_dlpack_strided_and_offset_inputs(ctx, np):
    vals = [float(i) for i in range(12)]
    # a 3x2 view with row stride 4 elements and column stride 2, starting at element 1
    p = host_producer(vals, shape=(3, 2), strides=(4, 2), byte_offset=4)
    assert ctx.convert(p).tolist() == [[1, 3], [5, 7], [9, 11]]
    assert p.deleted == 1


def test_dlpack_refusals_release_the_tensor(ctx):
    p = host_producer([1, 2], ctypes.c_double, ("complex", 64))
    with pytest.raises(accel.InputError, match="DLPack dtype"):
        ctx.convert(p)
    assert p.deleted == 1
    p = host_producer([1, 2], major=2)
    with pytest.raises(accel.InputError, match="DLPack 2.0 is newer"):
        ctx.convert(p)
    assert p.deleted == 1  # an unused capsule is released by its destructor


def test_pinned_host_memory_is_read_directly(ctx):
    p = host_producer([1.0, 2.0], device=(kDLCUDAHost, 0))
    assert ctx.convert(p).tolist() == [1.0, 2.0]


def test_device_memory_is_refused_before_export_on_a_host_only_call(ctx):
    # the audio front ends read host memory: a CUDA or ROCm tensor is refused by its
    # __dlpack_device__ alone, nothing is exported
    for dev in ((kDLCUDA, 0), (kDLROCM, 1)):
        p = Producer(0x1000, (16,), device=dev)
        with pytest.raises(accel.InputError, match="memory \\(device %d\\)" % dev[1]):
            ctx.audio.features(p)
        assert p.exports == [] and p.deleted == 0


def test_torch_tensors_in(ctx, np, torch):
    x = torch.linspace(-0.5, 0.5, 16000)
    assert np.array_equal(ctx.audio.features(x), ctx.audio.features(x.numpy()))
    xi = (x * 1000).to(torch.int16)
    assert ctx.convert(xi).tolist() == xi.float().tolist()
    xs = torch.arange(20, dtype=torch.float32).reshape(4, 5).t()  # non-contiguous
    assert ctx.convert(xs).tolist() == xs.tolist()
    with pytest.raises(accel.InputError, match="dtype float64|dtype int64"):
        ctx.convert(torch.arange(3))  # int64


# ---- DLPack out -----------------------------------------------------------------------------


def test_buffer_dlpack_out_legacy_and_versioned(ctx, np, torch):
    buf, _rec = ctx._c.convert(np.arange(6, dtype=np.int16).reshape(2, 3), "float32", 1.0, 0.0)
    assert buf.__dlpack_device__() == (1, 0)
    legacy = buf.__dlpack__()
    assert capsule_name(legacy) == "dltensor"
    v = buf.__dlpack__(max_version=(1, 0))
    assert capsule_name(v) == "dltensor_versioned"
    del legacy, v  # unused capsules release their reference to the buffer
    t = torch.from_dlpack(buf)  # torch consumes the legacy form
    assert t.shape == (2, 3) and t.dtype == torch.float32
    assert t.data_ptr() == buf.ptr  # no copy
    t[0, 0] = 42.0
    assert memoryview(buf)[0, 0] == 42.0
    a = np.from_dlpack(buf)
    assert a.__array_interface__["data"][0] == buf.ptr
    c = buf.__dlpack__(copy=True, max_version=(1, 0))
    assert capsule_name(c) == "dltensor_versioned"
    with pytest.raises(BufferError, match="stream must be None"):
        buf.__dlpack__(stream=1)
    with pytest.raises(BufferError, match="dl_device"):
        buf.__dlpack__(dl_device=(2, 0))
    assert capsule_name(buf.__dlpack__(max_version=[1, 0])) == "dltensor_versioned"
    # not a pair: an InputError naming the argument (a str once raised SystemError)
    for bad in ("x", (1,), (1, "a"), 3):
        with pytest.raises(accel.InputError, match="max_version"):
            buf.__dlpack__(max_version=bad)
        with pytest.raises(accel.InputError, match="dl_device"):
            buf.__dlpack__(dl_device=bad)


def test_round_trip_through_torch(ctx, np, torch):
    x = torch.randn(16000)
    y = ctx.audio.features(x, "fbank-80")
    t = torch.from_dlpack(y)  # numpy array viewing accel's buffer -> torch, no copy
    assert t.data_ptr() == y.__array_interface__["data"][0]
    again = ctx.convert(t)  # and back in through DLPack
    assert np.array_equal(again, y)
