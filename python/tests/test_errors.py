"""Typed exceptions: every status of accel.h maps to an accel.Error subclass that carries the
status name, its code and accel's detailed message."""
import os
import re

import pytest

import accel
from accel import _accel
from conftest import SOURCE, need_fakes, run_json

EXPECTED = {
    "ERR_INVALID_ARG": (accel.InputError, ValueError),
    "ERR_NO_MEMORY": (accel.OutOfMemoryError, MemoryError),
    "ERR_CONFIG": (accel.ConfigError, ValueError),
    "ERR_NOT_FOUND": (accel.NotFoundError, LookupError),
    "ERR_NOT_BUILT_IN": (accel.NotBuiltError, accel.Error),
    "ERR_UNAVAILABLE": (accel.UnavailableError, accel.DeviceError),
    "ERR_DEVICE_OOM": (accel.OutOfMemoryError, MemoryError),
    "ERR_KERNEL": (accel.KernelError, accel.DeviceError),
    "ERR_UNSUPPORTED": (accel.UnsupportedError, accel.Error),
    "ERR_IO": (accel.FileError, OSError),
    "ERR_FORMAT": (accel.FormatError, accel.InputError),
    "ERR_TIMEOUT": (accel.DeviceTimeoutError, TimeoutError),
    "ERR_DEVICE_LOST": (accel.DeviceLostError, accel.DeviceError),
    "ERR_STRICT": (accel.StrictError, accel.Error),
    "ERR_DISABLED": (accel.DisabledError, accel.Error),
    "ERR_VENDOR": (accel.VendorError, accel.DeviceError),
    "ERR_INTERNAL": (accel.InternalError, accel.Error),
}


def header_statuses():
    text = open(os.path.join(SOURCE, "include", "accel.h"), encoding="utf-8").read()
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"X\((\w+), (\d+), \"", text)}


def test_every_status_has_a_class():
    statuses = header_statuses()
    assert statuses == _accel.STATUS  # the extension's table comes from the same list
    missing = [s for s in statuses if s != "OK" and s not in EXPECTED]
    assert not missing, "statuses without an expected exception class: %s" % missing
    for name, code in statuses.items():
        if name == "OK":
            continue
        cls, base = EXPECTED[name]
        with pytest.raises(cls) as e:
            _accel.raise_status(code, "the detail")
        err = e.value
        assert type(err) is cls and isinstance(err, base) and isinstance(err, accel.Error)
        assert err.status == name and err.code == code and err.message == "the detail"
        assert str(err) == "the detail [%s]" % name
        assert accel.errors.error_class(name) is cls


def test_generic_text_when_no_message():
    with pytest.raises(accel.NotFoundError) as e:
        _accel.raise_status(4)
    assert e.value.message == _accel.strerror(4) == "not found"
    assert _accel.status_name(7) == "ERR_DEVICE_OOM"


def test_unknown_future_status_is_a_plain_error():
    with pytest.raises(accel.Error) as e:
        _accel.raise_status(99, "new")
    assert type(e.value) is accel.Error and e.value.status == "UNKNOWN" and e.value.code == 99


def test_errors_from_real_calls_carry_accels_message(ctx, np):
    with pytest.raises(accel.ConfigError) as e:
        accel.Context(discovery=False, precision="fp8")
    assert "ACCEL_PRECISION=fp8" in e.value.message and "auto|fp32" in e.value.message
    with pytest.raises(accel.FormatError) as e:
        ctx.audio.load(os.path.join(SOURCE, "tests", "data", "audio", "bad", "truncated.wav"))
    assert "truncated" in e.value.message


def test_a_file_name_that_is_not_utf8_is_named_not_a_decode_error(ctx, tmp_path):
    # POSIX names are bytes; os.listdir gives a non-UTF-8 one as a str with surrogates. A
    # missing or corrupt file of such a name raised UnicodeDecodeError (the message, which
    # names it, was read as strict UTF-8) instead of its accel.Error, in a batch too.
    d = os.fsencode(str(tmp_path))
    for ext, data in ((b".wav", b"RIFF\x10\x00\x00\x00WAVEjunk"), (b".jpg", b"\xff\xd8\xff")):
        with open(os.path.join(d, b"bad\xe9" + ext), "wb") as f:
            f.write(data)
    name = {os.path.splitext(n)[1]: os.path.join(str(tmp_path), n) for n in os.listdir(tmp_path)}
    assert name[".wav"].endswith("bad\udce9.wav")
    missing = os.path.join(str(tmp_path), "absent\udce9.wav")
    calls = [(lambda: ctx.audio.features(name[".wav"]), accel.FormatError, name[".wav"]),
             (lambda: ctx.audio.vad(name[".wav"]), accel.FormatError, name[".wav"]),
             (lambda: ctx.audio.load(missing), accel.NotFoundError, missing),
             (lambda: ctx.image.quality(name[".jpg"]), accel.FormatError, name[".jpg"]),
             (lambda: ctx.image.decode(missing[:-4] + ".jpg"), accel.NotFoundError,
              missing[:-4] + ".jpg"),
             (lambda: ctx.image.quality([name[".jpg"], b"\xff\xd8"]), accel.BatchError,
              name[".jpg"])]
    for call, exc, path in calls:
        with pytest.raises(exc) as e:
            call()
        # named as the caller's str, which os.fsencode turns back into the file's bytes
        assert "'%s'" % path in e.value.message, (exc, ascii(e.value.message))


def test_strict_refusal_of_a_failing_gpu_carries_the_run_record():
    need_fakes("ok")
    fake = os.path.join(os.path.dirname(os.path.dirname(need_fakes("ok")[0])), "fake-cuda-backend")
    out, _ = run_json(r'''
import json, numpy as np, accel
with accel.Context(fault="kernel@op:convert", strict=True) as c:
    planned = c.select("convert")
    try:
        c.convert(np.arange(4, dtype=np.int16))
        print(json.dumps(["no error", planned.kind]))
    except accel.Error as e:
        r = e.record
        print(json.dumps([type(e).__name__, e.status, planned.kind, r.device_planned,
                          r.fallbacks, r.reason, bool(r.message), e.message]))
''', env={"LD_LIBRARY_PATH": fake})
    if out[-1] == "cpu" or out[0] == "no error" and out[1] == "cpu":
        pytest.skip("the stand-in GPU was not planned: %s" % out)
    name, status, kind, planned, n, reason, has_msg, msg = out
    assert name == "StrictError" and status == "ERR_STRICT" and kind == "cuda"
    assert reason == "kernel_error" and has_msg and "ACCEL_STRICT" in msg


def test_inputs_and_outputs_that_do_not_fit_raise_out_of_memory_naming_them():
    # a copy or an output too large for memory raised a bare MemoryError('') (PyErr_NoMemory);
    # under an address-space limit (so the allocations fail on any machine) each names the
    # input and the size
    out, _ = run_json(r'''
import json, resource, numpy as np, accel
ctx = accel.Context(discovery=False)
vm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmSize:')][0]
lim = vm * 1024 + (1 << 30)
resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
calls = [
    lambda: ctx.convert(np.broadcast_to(np.float32(1), (2**40,))),
    lambda: ctx.image.quality(np.broadcast_to(np.uint8(7), (100000, 100000, 3))),
    lambda: ctx.convert(np.zeros(2**28, np.uint8)),             # the 1 GiB float32 output
    lambda: ctx.image.resize(np.zeros((8, 8, 3), np.uint8), (60000, 60000)),
    lambda: ctx.image.blob([np.zeros((8, 8, 3), np.uint8)] * 8, size=4096),
    lambda: ctx.audio.features(np.zeros(16000 * 3600 * 3, np.int16), "fbank", num_mel_bins=1024),
]
got = []
for call in calls:
    try:
        call()
        got.append(["no error"])
    except Exception as e:
        got.append([type(e).__name__, isinstance(e, MemoryError), getattr(e, "status", ""),
                    getattr(e, "message", str(e))])
print(json.dumps(got))
''')
    want = ["x: 1099511627776 float32 elements (not laid out contiguously) need a copy of "
            "4194304.0 MiB",
            "image: 30000000000 uint8 elements (not laid out contiguously) need a copy of 28610.2 MiB",
            "x: the converted copy of its 268435456 elements (1024.0 MiB) does not fit",
            "image: its output, 60000×60000×3 uint8 (10299.7 MiB), does not fit",
            "images: the blob of 8 images at 4096×4096 (1536.0 MiB of float32) does not fit",
            "x: the features of its 172800000 samples are"]
    assert len(out) == len(want), out
    for g, w in zip(out, want):
        assert g[:3] == ["OutOfMemoryError", True, "ERR_NO_MEMORY"], g
        assert g[3].startswith(w), (g[3], w)


def test_text_with_lone_surrogates_is_named_in_an_accel_error(ctx, tmp_path):
    # A str with lone surrogates — a name os.listdir gives for bytes that are not UTF-8, or any
    # text such a name went into — raised UnicodeEncodeError ("surrogates not allowed") from
    # every call that hands a word to the library (op=, a preset, a setting, device=, a
    # corpus op or parameter, a shard, a manifest's name, python -m accel's arguments), or
    # UnicodeDecodeError from output_complete's message. Each is now the accel.Error the same
    # text without surrogates gives, naming it as the caller wrote it (os.fsencode gives the
    # bytes back); a surrogate no bytes decode to ('\ud800') is named with a backslash escape.
    np = pytest.importorskip("numpy")
    S = "bad\udce9"
    x = np.zeros(1600, np.float32)
    img = np.zeros((8, 8, 3), np.uint8)
    bad_out = os.path.join(str(tmp_path), S + ".npy")
    with open(os.fsencode(bad_out), "wb") as f:
        f.write(b"\x93NUMPY cut")
    bad_dir = os.path.join(str(tmp_path), S + "-dir.npy")
    os.mkdir(os.fsencode(bad_dir))
    calls = [
        (lambda: ctx.select(S), accel.NotFoundError),
        (lambda: ctx.select(S, explain=True), accel.NotFoundError),
        (lambda: ctx.plan_batch(S), accel.NotFoundError),
        (lambda: ctx.plan_chunk(S, 10), accel.NotFoundError),
        (lambda: ctx.convert(x, dtype=S), accel.InputError),
        (lambda: ctx.reduce(x, op=S), accel.InputError),
        (lambda: accel.Context(discovery=False, backend=S), accel.ConfigError),
        (lambda: accel.Context(discovery=False, device=S), accel.ConfigError),
        (lambda: accel.Context(discovery=False, log_level=S), accel.ConfigError),
        (lambda: accel.Context(discovery=False, config=os.path.join(str(tmp_path), S)),
         accel.ConfigError),
        (lambda: accel.Context(discovery=False, **{S: 1}), accel.ConfigError),
        (lambda: ctx.audio.features(x, S), accel.InputError),
        (lambda: ctx.audio.features(x, padding=S), accel.InputError),
        (lambda: ctx.audio.features(x, "fbank", window_type=S), accel.InputError),
        (lambda: ctx.audio.features(x, "fbank", **{S: 1}), accel.InputError),
        (lambda: ctx.audio.features(x, device=S), accel.ConfigError),
        (lambda: ctx.audio.vad(x, **{S: 1.0}), accel.InputError),
        (lambda: ctx.audio.chunks(x, op=S), accel.NotFoundError),
        (lambda: accel.AudioParams(S), accel.InputError),
        (lambda: ctx.image.gray(img, order=S), accel.InputError),
        (lambda: ctx.image.resize(img, 4, interp=S), accel.InputError),
        (lambda: ctx.image.blob(img, S), accel.InputError),
        (lambda: ctx.image.quality(img, **{S: 1.0}), accel.InputError),
        (lambda: ctx.image.gray(img, device=S), accel.ConfigError),
        (lambda: ctx.corpus(S, tmp_path / "o"), accel.NotFoundError),
        (lambda: ctx.corpus("image_blob", tmp_path / "o", model=S), accel.InputError),
        (lambda: ctx.corpus("image_blob", tmp_path / "o", **{S: "1"}), accel.InputError),
        (lambda: accel.shard_parse(S), accel.ConfigError),
        (lambda: accel.parse_manifest(b"", S), accel.FormatError),
        (lambda: accel.output_complete(bad_dir), accel.FileError),
    ]
    for call, exc in calls:
        try:
            call()
        except UnicodeError as e:  # the bug: not an accel.Error at all
            pytest.fail("%s: %r" % (exc.__name__, e))
        except accel.Error as e:
            assert isinstance(e, exc), (exc, type(e), ascii(e.message))
            # as the caller wrote it (a setting's key upper-cased, ACCEL_BAD\udce9)
            assert S in e.message or S.upper() in e.message, ascii(e.message)
            str(e), repr(e)
        else:
            pytest.fail("no error: %s" % exc.__name__)
    # a message naming a file that is not UTF-8: no UnicodeDecodeError on the way back
    assert accel.output_complete(bad_out) is False
    with pytest.raises(accel.NotFoundError) as e:
        ctx.select("x\ud800")
    assert "'x\\ud800'" in e.value.message
    # python -m accel's arguments reach the verbs as the bytes the binary would have had
    from accel import _accel
    assert _accel.cli(["select", "--op", S]) == 2
    assert _accel.cli([S]) == 2
