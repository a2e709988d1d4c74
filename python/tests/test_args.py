"""The extension's own refusals of bad arguments (python/src/args.c and its users).

The Python modules check most arguments before they reach the extension; these tests call
accel._accel directly, so that every refusal the extension makes itself is seen: its exception
class, and a message that names the argument and the reason (the values allowed where there is
a list). A closed context and a closed run log refuse every call.
"""
import gc
import os
import sys

import pytest

import accel
from accel import _accel


@pytest.fixture(scope="module")
def c():
    with accel.Context(discovery=False, warmup=False) as ctx:
        yield ctx._c


def refused(cls, text, fn, *args, **kw):
    with pytest.raises(cls) as e:
        fn(*args, **kw)
    assert text in str(e.value), "expected %r in %r" % (text, str(e.value))
    return e.value


# ---- integers in a range -----------------------------------------------------------------------

def test_integer_ranges(c):
    refused(accel.InputError, "index: -1 (allowed: >= 0)", c.device_query, -1)
    refused(accel.InputError, "item_size: -3 (allowed: a whole number >= 0)", c.plan_batch,
            "whisper", -3)
    refused(accel.InputError, "n_samples: -5 (allowed: >= 0)", _accel.AudioParams().shape, -5)
    img = bytearray(4 * 4 * 3)
    img = memoryview(img).cast("B", (4, 4, 3))
    refused(accel.InputError, "order: 2 (allowed: 0 BGR, 1 RGB)", c.image_gray, [img], "x", True, 2)
    refused(accel.InputError, "order: -1 (allowed: 0 BGR, 1 RGB)", c.image_decode, ["a.jpg"], "x",
            True, -1, 0, 0, False, 1)
    refused(accel.InputError, "interp: 7 (allowed: 0 linear, 1 area)", c.image_resize, [img], "x",
            True, 0, [(2, 2)], 7)
    refused(accel.InputError, "size: 0 (allowed: a multiple of 112 or 128 up to 4096)",
            c.arcface_align, [img], "x", True, 0, [0], [[0.0] * 10], 0, False)
    refused(accel.InputError, "strides: 5000 (allowed: 1..4096)", c.scrfd_output, [[]], [1.0],
            None, (640, 640, (8, 5000), 2, 0.5, 0.4, 0), "x", True)
    refused(accel.InputError, "count: 0 (allowed: 1..4294967295)", _accel.shard_of, "a.wav", 0)


# ---- names from a list, numbers, dicts of numbers ------------------------------------------------

def test_names_from_a_list(c):
    x = memoryview(bytearray(8)).cast("f")
    refused(accel.InputError, "dtype: 'int8' (allowed: float32, float16)", c.convert, x, "int8")
    refused(accel.InputError, "op: 'median' (allowed: sum, mean, var, min, max)", c.reduce, x,
            "median")
    p = _accel.AudioParams("fbank")
    refused(accel.InputError, "AudioParams.window_type: 'gauss' (allowed: povey, hamming, "
            "hanning, rectangular, blackman)", setattr, p, "window_type", "gauss")
    refused(accel.InputError, "AudioParams.padding: expected a string (allowed: openai, "
            "faster-whisper, none)", setattr, p, "padding", 3)


def test_numbers(c):
    p = _accel.AudioParams("fbank")
    refused(accel.InputError, "AudioParams.dither: expected a number", setattr, p, "dither", "0.1")
    refused(accel.InputError, "AudioParams.dither: expected a number", setattr, p, "dither", True)
    refused(accel.InputError, "AudioParams.snip_edges: expected a bool", setattr, p, "snip_edges",
            "yes")
    refused(accel.InputError, "AudioParams.n_mels: expected an int", setattr, p, "n_mels", 2.5)
    refused(accel.InputError, "AudioParams.n_mels cannot be deleted", delattr, p, "n_mels")
    # an alias is named as written; a number past a C long is out of range (it raised a bare
    # OverflowError 'Python int too large to convert to C long')
    refused(accel.InputError, "AudioParams.num_mel_bins: expected an int", _accel.AudioParams,
            "fbank", num_mel_bins="80")
    refused(accel.InputError, "AudioParams.n_mels: %d is out of range" % 2 ** 70, setattr, p,
            "n_mels", 2 ** 70)
    refused(accel.InputError, "AudioParams.num_mel_bins: -%d is out of range" % 2 ** 64,
            _accel.AudioParams, "fbank", num_mel_bins=-2 ** 64)
    p.dither = 0.25
    assert p.dither == 0.25


def test_numpy_numbers_are_numbers(c):
    # numpy's float32 and int64 are neither float nor int: they were refused as "expected a
    # number" / "expected an int" (a threshold from a float32 array, a count from an int64 one)
    np = pytest.importorskip("numpy")
    p = _accel.AudioParams("fbank", num_mel_bins=np.int64(40), dither=np.float32(0.5))
    assert p.n_mels == 40 and type(p.n_mels) is int and p.dither == 0.5
    p.low_freq = np.int32(30)
    assert p.low_freq == 30.0
    refused(accel.InputError, "AudioParams.n_mels: expected an int", setattr, p, "n_mels",
            np.float32(40))
    x = memoryview(bytearray(4 * 1600)).cast("f")
    want = c.audio_segments(x, False, 16000, {"pad_ms": 50.0, "frame_ms": 20.0})
    assert c.audio_segments(x, False, 16000, {"pad_ms": np.float32(50),
                                               "frame_ms": np.int64(20)}) == want
    refused(accel.InputError, "pad_ms: a number too large for float64", c.audio_segments, x,
            False, 16000, {"pad_ms": 10 ** 400})
    for bad in (True, "1", b"1", 1j):
        refused(accel.InputError, "pad_ms: expected a number", c.audio_segments, x, False,
                16000, {"pad_ms": bad})


def test_dicts_of_numbers(c):
    x = memoryview(bytearray(4 * 1600)).cast("f")
    refused(accel.InputError, "options: expected a dict", c.audio_segments, x, False, 16000,
            [("pad_ms", 1)])
    refused(accel.InputError, "options: keys are names", c.audio_segments, x, False, 16000, {1: 2})
    refused(accel.InputError, "unknown VAD option 'pad' (allowed: frame_ms, margin_db, "
            "min_level_dbfs, min_speech_ms, min_silence_ms, pad_ms, chunk_s)", c.audio_segments,
            x, False, 16000, {"pad": 1})
    refused(accel.InputError, "pad_ms: expected a number", c.audio_segments, x, False, 16000,
            {"pad_ms": "1"})
    img = memoryview(bytearray(4 * 4 * 3)).cast("B", (4, 4, 3))
    refused(accel.InputError, "quality parameters: expected a dict", c.image_quality, [img], "x",
            True, 0, [1])
    refused(accel.InputError, "quality parameters: keys are names", c.image_quality, [img], "x",
            True, 0, {1: 2})
    refused(accel.InputError, "w_blur: expected a number", c.image_quality, [img], "x", True, 0,
            {"w_blur": None})
    segs, _info = c.audio_segments(x, False, 16000, {"pad_ms": 10, "frame_ms": 20.0})
    assert segs == []  # silence


# ---- paths ---------------------------------------------------------------------------------------

def test_paths(c, tmp_path):
    # not a path, or one with a NUL: InputError with Python's words (once TypeError, ValueError)
    refused(accel.InputError, "a path argument: expected str, bytes or os.PathLike object, not int",
            _accel.path_hash, 3)
    refused(accel.InputError, "a path argument: embedded null", _accel.manifest_read, "a\0b")
    assert _accel.path_hash(b"a.wav") == _accel.path_hash("a.wav") == _accel.path_hash(
        tmp_path.__class__("a.wav"))
    refused(accel.NotFoundError, str(tmp_path / "none.txt"), _accel.manifest_read,
            tmp_path / "none.txt")
    # every refusal releases the paths converted before it (bytes are taken as they are, so
    # their reference count shows a leak)
    path = b"speech/a-path-of-this-test.wav"
    before = sys.getrefcount(path)
    refused(accel.InputError, "params: expected an accel.AudioParams", c.audio_features_npy,
            None, path, path)
    refused(accel.InputError, "not int", c.audio_features_npy, _accel.AudioParams(), path, 4)
    refused(accel.NotFoundError, "a-path-of-this-test", c.audio_features_npy,
            _accel.AudioParams(), path, path + b".npy")
    refused(accel.InputError, "context: expected", _accel.Corpus, None, "whisper", path)
    refused(TypeError, "", _accel.Corpus, c, "whisper", path, 0, [("a",)])
    gc.collect()  # the tracebacks kept the arguments
    assert sys.getrefcount(path) == before
    step = _accel.Corpus(c, "whisper", os.fspath(tmp_path / "out"))
    refused(accel.InputError, "paths: a single path; give a list of paths", step.check, "a.wav")
    refused(accel.InputError, "paths[1]: not a path (allowed: str, bytes, os.PathLike without NUL)",
            step.clean, ["a.wav", 5])
    refused(accel.InputError, "paths[0]: not a path", step.run, [b"a\0.wav"])
    assert step.output("x/a.wav") == os.fspath(tmp_path / "out" / "a.npy")
    log = _accel.RunLog(None)
    assert log.summary()["done"] == 0
    log.close()
    refused(accel.InputError, "this run log is closed", log.summary)
    refused(accel.InputError, "this run log is closed", log.item,
            ("a.wav", "done", None, None, -1, 1.0, None, 0, None, 0))


# ---- a closed context ----------------------------------------------------------------------------

def test_closed_context_refuses_every_call():
    ctx = accel.Context(discovery=False, warmup=False)
    c = ctx._c
    ctx.close()
    x = memoryview(bytearray(4 * 16)).cast("f")
    calls = [(c.devices,), (c.device_query, 0), (c.config_dump,), (c.stats,), (c.warmup,),
             (c.plan_batch, "whisper"), (c.plan_chunk, "whisper", 30.0), (c.precision, 0),
             (c.ordinal, 0), (c.convert, x), (c.reduce, x), (c.audio_resample, x, 8000, 16000),
             (c.audio_load, "a.wav"), (c.audio_segments, x),
             (c.audio_features, _accel.AudioParams(), x)]
    for call in calls:
        e = refused(accel.InputError, "this accel.Context is closed", *call)
        assert e.status == "ERR_INVALID_ARG", call[0].__name__
