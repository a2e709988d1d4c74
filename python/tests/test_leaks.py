"""No leak and no crash on repeated calls, good and bad (audio, conversions, the image calls
and their per-image errors): Python allocations (tracemalloc), C heap in use (glibc
mallinfo2, which counts what libaccel and the extension malloc), and the reference counts of
the inputs, before and after hundreds of calls."""
import ctypes
import gc
import os
import struct
import sys
import tracemalloc
import zlib

import pytest

import accel
from conftest import AUDIO
from dlpack_fake import host_producer


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


_libc = ctypes.CDLL(None)
_mallinfo2 = getattr(_libc, "mallinfo2", None)
if _mallinfo2 is not None:
    _mallinfo2.restype = _MallInfo2


def c_heap_in_use():
    if _mallinfo2 is None:
        pytest.skip("this C library has no mallinfo2 (glibc >= 2.33)")
    m = _mallinfo2()
    return m.uordblks + m.hblkhd  # small blocks in use + mmapped blocks


def assert_no_growth(call, inputs=(), n=300, py_limit=64 * 1024, c_limit=1 << 20):
    """Runs call() n times after a warm-up and checks that Python memory, C heap memory and
    the inputs' reference counts come back to where they were."""
    for _ in range(20):
        call()
    gc.collect()
    refs = [sys.getrefcount(x) for x in inputs]
    tracemalloc.start()
    py0 = tracemalloc.get_traced_memory()[0]
    c0 = c_heap_in_use()
    for _ in range(n):
        call()
    gc.collect()
    py1 = tracemalloc.get_traced_memory()[0]
    c1 = c_heap_in_use()
    tracemalloc.stop()
    assert [sys.getrefcount(x) for x in inputs] == refs, "input reference counts changed"
    assert py1 - py0 < py_limit, "Python memory grew by %d bytes over %d calls" % (py1 - py0, n)
    assert c1 - c0 < c_limit, "C heap grew by %d bytes over %d calls" % (c1 - c0, n)


def raises(exc, fn, *a, **kw):
    def call():
        with pytest.raises(exc):
            fn(*a, **kw)
    return call


@pytest.fixture(scope="module")
def c():
    with accel.Context(discovery=False) as ctx:
        yield ctx


def test_good_calls(c, np):
    x = (np.sin(np.arange(32000) / 9.0) * 0.2).astype(np.float32)
    assert_no_growth(lambda: c.audio.features(x), [x])  # each result is 1 MB: all freed
    assert_no_growth(lambda: c.audio.features([x, x[:16000]], "fbank-80"), [x])
    i = np.arange(1000, dtype=np.int16)
    assert_no_growth(lambda: c.convert(i, scale=0.5), [i])
    assert_no_growth(lambda: c.reduce(x.reshape(8, -1), "var"), [x])
    p = os.path.join(AUDIO, "speech_a.wav")
    assert_no_growth(lambda: c.audio.features(p, "vggish"), n=100)
    assert_no_growth(lambda: c.audio.load(p), n=100)
    assert_no_growth(lambda: c.audio.vad(x), [x], n=100)
    assert_no_growth(lambda: c.audio.features(x, rate=8000), [x], n=100)


def test_strided_and_converted_inputs(c, np):
    x = np.repeat(np.linspace(-1, 1, 16000, dtype=np.float32), 2)[::2]
    d = np.linspace(-1, 1, 16000)
    assert_no_growth(lambda: c.audio.features(x), [x])
    assert_no_growth(lambda: c.audio.features(d), [d])


def test_bad_inputs(c, np):
    wrong_dtype = np.zeros(1000, np.int32)
    wrong_rank = np.zeros((2, 500), np.float32)
    big = np.zeros(100, ">f4")
    assert_no_growth(raises(accel.InputError, c.audio.features, wrong_dtype), [wrong_dtype])
    assert_no_growth(raises(accel.InputError, c.audio.features, wrong_rank), [wrong_rank])
    assert_no_growth(raises(accel.InputError, c.audio.features, big), [big])
    assert_no_growth(raises(accel.InputError, c.audio.features, {"x": 1}))
    assert_no_growth(raises(accel.InputError, c.convert, wrong_rank, "int8"), [wrong_rank])
    assert_no_growth(raises(accel.InputError, c.reduce, wrong_dtype), [wrong_dtype])
    assert_no_growth(raises(accel.InputError, c.audio.features, wrong_dtype, padding="zero"))
    assert_no_growth(raises(accel.InputError, accel.AudioParams, "nope"))
    assert_no_growth(raises(accel.NotFoundError, c.select, "nope"))


def test_bad_files(c, tmp_path):
    for name, exc in (("bad/corrupt.wav", accel.FormatError), ("bad/truncated.wav", accel.FormatError),
                      ("bad/empty.wav", accel.FormatError), ("missing.wav", accel.NotFoundError)):
        p = os.path.join(AUDIO, name)
        assert_no_growth(raises(exc, c.audio.features, p), n=100)
        assert_no_growth(raises(exc, c.audio.features, p, out=tmp_path / "o.npy"), n=100)
        assert_no_growth(raises(exc, c.audio.vad, p), n=100)


def test_dlpack_inputs_are_released(c):
    # the producer keeps its own bookkeeping (ctypes structs per export), so the check here
    # is that every capsule accel was given had its deleter called exactly once
    import ctypes as ct
    for versioned in (True, False):
        p = host_producer([1.0] * 256, versioned=versioned)
        for _ in range(200):
            c.convert(p)
        assert p.made == 200 and p.deleted == 200
        bad = host_producer([1, 2], ct.c_double, ("complex", 64), versioned=versioned)
        for _ in range(200):
            with pytest.raises(accel.InputError):
                c.convert(bad)
        assert bad.made == 200 and bad.deleted == 200


def test_torch_inputs_and_dlpack_outputs(c, np, torch):
    t = torch.linspace(-1, 1, 16000)
    assert_no_growth(lambda: c.audio.features(t), [t])
    buf, _ = c._c.convert(np.ones(4096, np.int16), "float32", 1.0, 0.0)
    assert_no_growth(lambda: torch.from_dlpack(buf), [buf])
    assert_no_growth(lambda: buf.__dlpack__(max_version=(1, 0)), [buf])  # unused capsules
    assert_no_growth(lambda: np.from_dlpack(buf), [buf])


def test_closed_context_and_contexts_made_and_closed(np):
    x = np.zeros(16, np.int16)
    closed = accel.Context(discovery=False)
    closed.close()
    assert_no_growth(raises(accel.InputError, closed.convert, x), [x])

    def life():
        with accel.Context(discovery=False) as k:
            k.convert(x)
    assert_no_growth(life, [x], n=100, c_limit=2 << 20)


def test_image_calls_good_and_bad(c, np, tmp_path):
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    crop = img[10:100, 20:150]
    small = img[:40, :50]
    lmk = [50.0, 50.0, 90.0, 50.0, 70.0, 70.0, 55.0, 90.0, 85.0, 90.0]
    assert_no_growth(lambda: c.image.gray([img, crop]), [img, crop])
    assert_no_growth(lambda: c.image.resize(img, (64, 48), interp="area"), [img])
    assert_no_growth(lambda: c.image.quality([img, crop]), [img, crop])
    assert_no_growth(lambda: c.image.blob([img, small], "scrfd", size=160), [img, small])
    assert_no_growth(lambda: c.image.align(img, lmk, blob=True), [img])
    assert_no_growth(lambda: c.image.enhance(small, min_short_side=80), [small])
    assert_no_growth(lambda: c.image.warp_affine(img, [[1, 0, 2], [0, 1, 3]], (40, 40)), [img])
    png = tmp_path / "a.png"  # an RGB PNG written by hand (no encoder needed)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + img[y].tobytes() for y in range(img.shape[0]))
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 160, 120, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    data = png.read_bytes()
    assert_no_growth(lambda: c.image.decode([str(png), data]), n=100)
    assert_no_growth(lambda: c.image.quality(str(png)), n=100)
    # bad inputs: single (raised) and in batches (BatchError keeping the others)
    f32 = np.zeros((8, 8, 3), np.float32)
    two = np.zeros((8, 8, 2), np.uint8)
    empty = np.zeros((0, 8, 3), np.uint8)
    assert_no_growth(raises(accel.InputError, c.image.gray, f32), [f32])
    assert_no_growth(raises(accel.InputError, c.image.quality, two), [two])
    assert_no_growth(raises(accel.InputError, c.image.enhance, empty), [empty])
    assert_no_growth(raises(accel.InputError, c.image.gray, []))
    assert_no_growth(raises(accel.BatchError, c.image.quality, [img, f32, two]), [img, f32, two])
    assert_no_growth(raises(accel.BatchError, c.image.blob, [img, f32], "arcface"), [img, f32])
    assert_no_growth(raises(accel.InputError, c.image.align, img, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]), [img])
    assert_no_growth(raises(accel.BatchError, c.image.align, img, [lmk, [1] * 10]), [img])
    assert_no_growth(raises(accel.FormatError, c.image.decode, b"not an image"), n=100)
    assert_no_growth(raises(accel.NotFoundError, c.image.quality, str(tmp_path / "no.png")), n=100)
    assert_no_growth(raises(accel.BatchError, c.image.gray, [data[:40], str(png)]), n=100)
    bad_net = [np.zeros((10, 1), np.float32)] * 9
    assert_no_growth(raises(accel.InputError, c.image.scrfd_output, bad_net, 1.0), bad_net[:1])
