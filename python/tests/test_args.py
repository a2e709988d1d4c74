"""The extension's own refusals of bad arguments (python/src/args.c and its users).

The Python modules check most arguments before they reach the extension; these tests call
accel._accel directly, so that every refusal the extension makes itself is seen: its exception
class (accel.InputTypeError, also a TypeError, for a value of the wrong type; accel.InputError,
a ValueError, for a value that is not allowed), and a message that names the argument and the
reason (the values allowed where there is a list), in the words of accel/_args.py. A closed
context and a closed run log refuse every call.
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
    # a wrong type is a TypeError too, a bad value only a ValueError
    if cls is accel.InputTypeError:
        assert isinstance(e.value, TypeError) and isinstance(e.value, accel.InputError)
    elif cls is accel.InputError:
        assert not isinstance(e.value, TypeError), (type(e.value), str(e.value))
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
    # the CLI's words for a word it does not take: "--interp AREA: did you mean 'area'? allowed: …"
    refused(accel.InputError, "dtype 'int8': allowed: float32, float16", c.convert, x, "int8")
    refused(accel.InputError, "op 'mode': allowed: sum, mean, var, min, max", c.reduce, x, "mode")
    refused(accel.InputError, "op 'SUM': did you mean 'sum'? allowed: sum, mean, var, min, max",
            c.reduce, x, "SUM")
    p = _accel.AudioParams("fbank")
    refused(accel.InputError, "AudioParams.window_type 'gauss': allowed: povey, hamming, "
            "hanning, rectangular, blackman", setattr, p, "window_type", "gauss")
    refused(accel.InputError, "AudioParams.window_type 'haming': did you mean 'hamming'? "
            "allowed: povey, hamming, hanning, rectangular, blackman", setattr, p, "window_type",
            "haming")
    refused(accel.InputTypeError, "AudioParams.padding: expected a string, got int 3 (allowed: "
            "openai, faster-whisper, none)", setattr, p, "padding", 3)


def test_numbers(c):
    p = _accel.AudioParams("fbank")
    refused(accel.InputTypeError, "AudioParams.dither: expected a number, got str '0.1'", setattr,
            p, "dither", "0.1")
    refused(accel.InputTypeError, "AudioParams.dither: expected a number, got bool True", setattr,
            p, "dither", True)
    refused(accel.InputTypeError, "AudioParams.snip_edges: expected a bool, got str 'yes'",
            setattr, p, "snip_edges", "yes")
    refused(accel.InputTypeError, "AudioParams.n_mels: expected a whole number, got float 2.5",
            setattr, p, "n_mels", 2.5)
    refused(accel.InputError, "AudioParams.n_mels cannot be deleted", delattr, p, "n_mels")
    # an alias is named as written; a number past a C long is out of range (it raised a bare
    # OverflowError 'Python int too large to convert to C long')
    refused(accel.InputTypeError, "AudioParams.num_mel_bins: expected a whole number, got str '80'",
            _accel.AudioParams, "fbank", num_mel_bins="80")
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
    refused(accel.InputTypeError, "AudioParams.n_mels: expected a whole number, got float32", setattr,
            p, "n_mels", np.float32(40))
    x = memoryview(bytearray(4 * 1600)).cast("f")
    want = c.audio_segments(x, False, 16000, {"pad_ms": 50.0, "frame_ms": 20.0})
    assert c.audio_segments(x, False, 16000, {"pad_ms": np.float32(50),
                                               "frame_ms": np.int64(20)}) == want
    refused(accel.InputError, "pad_ms: a number too large for float64", c.audio_segments, x,
            False, 16000, {"pad_ms": 10 ** 400})
    for bad in (True, "1", b"1", 1j):
        refused(accel.InputTypeError, "pad_ms: expected a number, got", c.audio_segments, x, False,
                16000, {"pad_ms": bad})


def test_dicts_of_numbers(c):
    x = memoryview(bytearray(4 * 1600)).cast("f")
    refused(accel.InputTypeError, "options: expected a dict, got list", c.audio_segments, x, False,
            16000, [("pad_ms", 1)])
    refused(accel.InputTypeError, "options: expected names as keys, got int 1", c.audio_segments,
            x, False, 16000, {1: 2})
    refused(accel.InputError, "unknown VAD option 'pad' (allowed: frame_ms, margin_db, "
            "min_level_dbfs, min_speech_ms, min_silence_ms, pad_ms, chunk_s)", c.audio_segments,
            x, False, 16000, {"pad": 1})
    refused(accel.InputTypeError, "pad_ms: expected a number, got str '1'", c.audio_segments, x,
            False, 16000, {"pad_ms": "1"})
    img = memoryview(bytearray(4 * 4 * 3)).cast("B", (4, 4, 3))
    refused(accel.InputTypeError, "quality parameters: expected a dict, got list",
            c.image_quality, [img], "x", True, 0, [1])
    refused(accel.InputTypeError, "quality parameters: expected names as keys, got int 1",
            c.image_quality, [img], "x", True, 0, {1: 2})
    refused(accel.InputTypeError, "w_blur: expected a number, got None", c.image_quality, [img],
            "x", True, 0, {"w_blur": None})
    segs, _info = c.audio_segments(x, False, 16000, {"pad_ms": 10, "frame_ms": 20.0})
    assert segs == []  # silence


# ---- paths ---------------------------------------------------------------------------------------

def test_paths(c, tmp_path):
    # not a path: InputTypeError; one with a NUL: InputError (once TypeError, ValueError)
    refused(accel.InputTypeError, "a path argument: expected a path, got int 3 (allowed: str, "
            "bytes, os.PathLike)", _accel.path_hash, 3)
    refused(accel.InputError, "a path argument: a path with a NUL byte", _accel.manifest_read,
            "a\0b")
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
    refused(accel.InputTypeError, "got int 4", c.audio_features_npy, _accel.AudioParams(), path, 4)
    refused(accel.NotFoundError, "a-path-of-this-test", c.audio_features_npy,
            _accel.AudioParams(), path, path + b".npy")
    refused(accel.InputTypeError, "context: expected an accel._accel.Context, got None",
            _accel.Corpus, None, "whisper", path)
    refused(TypeError, "", _accel.Corpus, c, "whisper", path, 0, [("a",)])
    gc.collect()  # the tracebacks kept the arguments
    assert sys.getrefcount(path) == before
    step = _accel.Corpus(c, "whisper", os.fspath(tmp_path / "out"))
    refused(accel.InputError, "paths: a single path; give a list of paths", step.check, "a.wav")
    refused(accel.InputTypeError, "paths[1]: expected a path, got int 5 (allowed: str, bytes, "
            "os.PathLike)", step.clean, ["a.wav", 5])
    refused(accel.InputError, "paths[0]: a path with a NUL byte", step.run, [b"a\0.wav"])
    refused(accel.InputTypeError, "paths: expected a list of paths, got int 5", step.check, 5)
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


# ---- the package's public functions: TypeError for a wrong type, ValueError for a bad value ------

def test_public_functions_refuse_a_wrong_type_with_type_error(tmp_path):
    # A str, a list, None or a float where a number (a whole number) is taken raised Python's
    # bare TypeError without the argument's name ("'str' object cannot be interpreted as an
    # integer"), a ValueError from int(), an accel.InputError that is no TypeError, or was taken
    # (plan_chunk(op, "10"), rate=1.5 planned at 1 Hz). Each is now accel.InputTypeError — an
    # InputError and a TypeError — naming the argument, what it takes and what it got; a value
    # of the right type that is not allowed stays an InputError, not a TypeError.
    np = pytest.importorskip("numpy")
    import accel.ctranslate2
    import accel.onnxruntime
    ctx = accel.Context(discovery=False, warmup=False)
    x = np.zeros(1600, np.float32)
    img = np.zeros((8, 8, 3), np.uint8)
    step = ctx.corpus("image_blob", tmp_path / "o", model="arcface")
    wrong = [
        (lambda v: ctx.plan_batch("convert", v), "item_size: expected a whole number",
         ("10", [1], 1.5, None)),
        (lambda v: ctx.plan_batch(v), "op: expected a string", (5, None, b"convert")),
        (lambda v: ctx.plan_batch("convert", device=v), "device: expected an index or an "
         "accel.Device", ("0", 1.0)),
        (lambda v: ctx.plan_chunk("whisper", v), "duration_s: expected a number",
         ("10", None, [1], True)),
        (lambda v: ctx.plan_chunk("whisper", 10, rate=v), "rate: expected a whole number",
         ("16000", 1.5, None)),
        (lambda v: ctx.select(v), "op: expected a string", (5, ["whisper"])),
        (lambda v: ctx.precision(v), "device: expected an index or an accel.Device", ("0", 0.0)),
        (lambda v: ctx.device(v), "index: expected a whole number", ("0", 0.0, None)),
        (lambda v: ctx.convert(x, scale=v), "scale: expected a number", ("2", None, [2])),
        (lambda v: ctx.convert(x, offset=v), "offset: expected a number", ("1",)),
        (lambda v: ctx.convert(x, dtype=v), "dtype: expected a string", (16, None)),
        (lambda v: ctx.reduce(x, op=v), "op: expected a string", (0, None)),
        (lambda v: accel.Context(discovery=False, num_threads=v), "num_threads: expected a "
         "whole number", (1.5, [1])),
        (lambda v: accel.Context(discovery=False, memory_limit_gb=v), "memory_limit_gb: "
         "expected a number", ([8], {"gb": 8})),
        (lambda v: accel.Context(discovery=False, backend=v), "backend: expected a string",
         (3,)),
        (lambda v: accel.Context(discovery=False, batch_size=v), "ACCEL_BATCH_SIZE: expected a "
         "setting value", ([32],)),
        (lambda v: ctx.audio.features(x, rate=v), "rate: expected a whole number", ("8000", 8e3)),
        (lambda v: ctx.audio.features(x, v), "preset: expected a string", (80, None)),
        (lambda v: ctx.audio.features(x, "fbank", num_mel_bins=v), "AudioParams.num_mel_bins: "
         "expected a whole number", ("80", 80.0)),
        (lambda v: ctx.audio.features(x, padding=v), "AudioParams.padding: expected a string",
         (0,)),
        (lambda v: ctx.audio.load(v), "path: expected a path", (None, 3)),
        (lambda v: ctx.audio.resample(x, v), "rate: expected a whole number", ("8000", 8000.0)),
        (lambda v: ctx.audio.vad(x, pad_ms=v), "pad_ms: expected a number", ("50", None)),
        (lambda v: ctx.audio.chunks(x, v), "seconds: expected a number", ("30", [30])),
        (lambda v: ctx.audio.chunks(x, op=v), "op: expected a string", (1,)),
        (lambda v: ctx.image.resize(img, v), "size: expected a size", ("4", 4.0, None)),
        (lambda v: ctx.image.resize(img, (4, v)), "size height: expected a whole number",
         ("4", 4.0)),
        (lambda v: ctx.image.resize(img, 4, interp=v), "interp: expected a string", (1, None)),
        (lambda v: ctx.image.gray(img, order=v), "order: expected a string", (0,)),
        (lambda v: ctx.image.blob(img, v), "model: expected a string", (1,)),
        (lambda v: ctx.image.decode(b"x", scale_denom=v), "scale_denom: expected a whole number",
         (2.0, "2")),
        (lambda v: ctx.image.enhance(img, clip_limit=v), "clip_limit: expected a number",
         ("2",)),
        (lambda v: ctx.image.enhance(img, tiles=v), "tiles: expected a whole number", ((8.0, 8),)),
        (lambda v: ctx.image.enhance(img, tiles=v), "tiles: expected a whole number or a pair",
         ("8", 8.0)),
        (lambda v: ctx.image.quality(img, w_blur=v), "w_blur: expected a number", ("0.5",)),
        (lambda v: ctx.image.align(img, [[1, 1]] * 5, size=v), "size: expected a whole number",
         ("112", 112.0)),
        (lambda v: ctx.image.scrfd_output([x], 1.0, max_faces=v), "max_faces: expected a whole "
         "number", (1.5, "1")),
        (lambda v: ctx.image.scrfd_output(v, 1.0), "outputs: expected a list of arrays",
         (None, x)),
        (lambda v: ctx.corpus(v, tmp_path), "op: expected a string", (1, None)),
        (lambda v: ctx.corpus("image_blob", tmp_path / "o", model="scrfd", size=v), "size: "
         "expected a whole number", ("640", 640.5)),
        (lambda v: step.run(v), "paths: expected a list of paths", (None, 3)),
        (lambda v: accel.shard_of("a.wav", v), "count: expected a whole number", ("4", 4.0)),
        (lambda v: accel.shard_parse(v), "spec: expected a string", (3, None)),
        (lambda v: accel.parse_manifest(b"a.wav", v), "name: expected a string", (3,)),
        (lambda v: accel.ctranslate2.settings(v, context=ctx), "model_size: expected a number",
         ([1],)),
        (lambda v: accel.ctranslate2.settings(context=v), "context: expected an accel.Context",
         ("cpu", ctx._c)),
        (lambda v: accel.onnxruntime.providers(context=ctx, gpu_mem_limit=v), "gpu_mem_limit: "
         "expected a whole number", ("1G", 1.5e9)),
        (lambda v: accel.AudioParams("fbank").shape(v), "n_samples: expected a whole number",
         ("16000", 16000.0, None)),
    ]
    for call, text, values in wrong:
        for v in values:
            with pytest.raises(accel.InputTypeError) as e:
                call(v)
            assert isinstance(e.value, TypeError) and isinstance(e.value, accel.InputError)
            assert e.value.status == "ERR_INVALID_ARG" and e.value.code == 1
            assert e.value.message.startswith(text + ", got "), (text, v, e.value.message)
    bad = [
        (lambda: ctx.plan_batch("convert", -1), "item_size: -1 (allowed: a whole number >= 0)"),
        (lambda: ctx.plan_chunk("whisper", -1), "duration_s: -1 (allowed: a number of seconds "
         "> 0)"),
        (lambda: ctx.plan_chunk("whisper", 10, rate=0), "rate: 0 (allowed: a whole number of "
         "Hz, 1..768000)"),
        (lambda: ctx.convert(x, dtype="int8"), "dtype 'int8': allowed: float32, float16"),
        (lambda: ctx.audio.chunks(x, -1), "seconds: -1 (allowed: a number of seconds > 0, or "
         "None)"),
        (lambda: ctx.image.resize(img, 0), "size: 0 (allowed: a whole number 1..65536)"),
        (lambda: ctx.image.decode(b"x", scale_denom=3), "scale_denom: 3 (allowed: 1, 2, 4, 8, or "
         "None)"),
        (lambda: accel.shard_of("a.wav", 0), "count: 0 (allowed: a whole number 1..4294967295)"),
        (lambda: accel.AudioParams("fbank").shape(-1), "n_samples: -1 (allowed: >= 0)"),
        (lambda: accel.AudioParams("fbank").shape(2 ** 70), "n_samples: out of range (allowed: "
         "0..%d)" % (2 ** 63 - 1)),
    ]
    for call, text in bad:
        with pytest.raises(accel.InputError) as e:
            call()
        assert not isinstance(e.value, TypeError), text
        assert e.value.message == text, (text, e.value.message)
    # the numbers numpy gives are numbers, 0-d arrays included
    assert ctx.plan_batch("convert", np.int64(4)).batch >= 1
    assert ctx.plan_chunk("whisper", np.float32(10), rate=np.int32(16000)).chunk_seconds > 0
    assert ctx.convert(x, scale=np.float64(2.0), offset=np.array(1.0)).shape == x.shape
    ctx.close()
