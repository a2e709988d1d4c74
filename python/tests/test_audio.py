"""ctx.audio: features equal to what `accel audio features` writes, decoding, streaming to
.npy, batches, resampling, voice activity and chunks equal to `accel audio vad`, parameters,
and bad files."""
import json
import math
import os
import shutil

import pytest

import accel
from conftest import AUDIO, cli, need_cli, run_json

WAVS = ["speech_a.wav", "speech_b.wav", "tone.wav", "noise.wav", "silence.wav",
        "clipping.wav", "one_sample.wav"]
CASES = [  # (preset, CLI options, Python keywords)
    ("whisper-80", [], {}),
    ("whisper-80", ["--padding", "faster-whisper"], {"padding": "faster-whisper"}),
    ("whisper-80", ["--padding", "none"], {"padding": "none"}),
    ("whisper-80", ["--windows"], {"windows": True}),
    ("whisper-128", [], {}),
    ("vggish", [], {}),
    ("fbank", [], {}),
    ("fbank-80", [], {}),
]


@pytest.fixture(scope="module")
def cli_outputs(tmp_path_factory):
    """`accel audio features` of every test recording, for every case: {(case, wav): path}."""
    need_cli()
    root = tmp_path_factory.mktemp("cli")
    out = {}
    for i, (preset, opts, _kw) in enumerate(CASES):
        d = root / str(i)
        files = [os.path.join(AUDIO, w) for w in WAVS]
        cli("audio", "features", *files, "--preset", preset, *opts, "-o", str(d) + "/", check=True)
        for w in WAVS:
            out[(i, w)] = str(d / (os.path.splitext(w)[0] + ".npy"))
    return out


@pytest.mark.parametrize("case", range(len(CASES)))
def test_features_equal_the_cli(ctx, np, cli_outputs, case):
    preset, _opts, kw = CASES[case]
    for w in WAVS:
        want = np.load(cli_outputs[(case, w)])
        path = os.path.join(AUDIO, w)
        got = ctx.audio.features(path, preset, **kw)
        assert got.dtype == np.float32 and got.shape == want.shape, (w, got.shape, want.shape)
        assert np.array_equal(got, want), (preset, kw, w)
        # the same from samples decoded first (what a service that holds audio does)
        samples = ctx.audio.load(path, 16000)
        assert np.array_equal(ctx.audio.features(samples, preset, **kw), want), (preset, w)


def test_batch_equals_one_by_one(ctx, np):
    clips = [ctx.audio.load(os.path.join(AUDIO, w)) for w in WAVS[:4]]
    for preset in ("whisper-80", "vggish", "fbank-80"):
        batch = ctx.audio.features(clips, preset)
        assert len(batch) == len(clips)
        for b, c in zip(batch, clips):
            assert np.array_equal(b, ctx.audio.features(c, preset))
    paths = [os.path.join(AUDIO, w) for w in WAVS[:2]]
    assert all(np.array_equal(a, ctx.audio.features(p)) for a, p in
               zip(ctx.audio.features(paths), paths))
    with pytest.raises(accel.InputError, match="clips\\[1\\]: dtype int16 differs"):
        ctx.audio.features([clips[0], (clips[1] * 1000).astype(np.int16)])


def test_streaming_to_npy_equals_the_cli(ctx, np, tmp_path, cli_outputs):
    path = os.path.join(AUDIO, "speech_b.wav")
    res = ctx.audio.features(path, "fbank-80", out=tmp_path / "b.npy")
    assert isinstance(res, accel.AudioResult) and res.output == str(tmp_path / "b.npy")
    want_file = cli_outputs[(CASES.index(("fbank-80", [], {})), "speech_b.wav")]
    assert open(res.output, "rb").read() == open(want_file, "rb").read()
    assert res.shape == np.load(want_file).shape and res.chunks >= 1 and res.seconds > 1
    assert res.info.decoder == "wav" and res.info.source_rate == 16000
    assert res.record.device_used == res.device_used and res.fallbacks == 0
    # several files into a directory, as the CLI's -o DIR
    outs = ctx.audio.features([os.path.join(AUDIO, w) for w in WAVS[:3]], out=tmp_path / "d")
    assert sorted(os.listdir(tmp_path / "d")) == sorted(os.path.splitext(w)[0] + ".npy"
                                                         for w in WAVS[:3])
    assert [r.output for r in outs] == [str(tmp_path / "d" / (os.path.splitext(w)[0] + ".npy"))
                                        for w in WAVS[:3]]
    with pytest.raises(accel.InputError, match="out= streams files"):
        ctx.audio.features(np.zeros(10, np.float32), out=tmp_path / "x.npy")


def test_decoding_formats_and_rates(ctx, np):
    v = os.path.join(AUDIO, "variants")
    ref, info = ctx.audio.load(os.path.join(v, "speech_c.wav"), return_info=True)
    assert isinstance(info, accel.AudioInfo) and info.decoder == "wav" and info.frames == len(ref)
    assert info.rate == 16000 and abs(info.seconds - len(ref) / 16000) < 1e-9
    for name in ("speech_c_f32.wav", "speech_c_s24.wav", "speech_c_stereo.wav"):
        y = ctx.audio.load(os.path.join(v, name))
        assert len(y) == len(ref) and np.max(np.abs(y - ref)) < 2e-3, name
    y8 = ctx.audio.load(os.path.join(v, "speech_c_44k.wav"), 8000)
    assert abs(len(y8) - len(ref) / 2) <= 2
    for name in ("speech_c.flac", "speech_c.mp3", "speech_c.ogg"):
        try:
            y = ctx.audio.load(os.path.join(v, name))
        except accel.NotBuiltError as e:
            assert name in e.message  # this build lacks the decoder: said so
            continue
        assert abs(len(y) - len(ref)) < 2000, name


def test_the_bytes_of_a_file_are_that_file(ctx, np):
    # bytes are a file's contents, as in the image calls (they were taken for a path: a WAV's
    # bytes raised ValueError "embedded null byte")
    path = os.path.join(AUDIO, "speech_a.wav")
    with open(path, "rb") as f:
        data = f.read()
    want = ctx.audio.features(path)
    assert np.array_equal(ctx.audio.features(data), want)
    for got in ctx.audio.features([data, bytearray(data), memoryview(data), path]):
        assert np.array_equal(got, want)
    assert np.array_equal(ctx.audio.load(data), ctx.audio.load(path))
    assert ctx.audio.vad(data) == ctx.audio.vad(path)
    assert ctx.audio.chunks(data, 1.5) == ctx.audio.chunks(path, 1.5)
    # a memoryview of samples is samples
    x = ctx.audio.load(path)
    assert np.array_equal(ctx.audio.features(memoryview(x)), want)
    with pytest.raises(accel.FormatError, match="'x': empty"):
        ctx.audio.features(b"")
    with pytest.raises(accel.FormatError, match="'clips\\[1\\]': not a recognised"):
        ctx.audio.features([data, b"\x00\x01\x02"])


def test_resampling_arrays_before_features(ctx, np):
    v = os.path.join(AUDIO, "variants")
    x44 = ctx.audio.load(os.path.join(v, "speech_c_44k.wav"), 44100)
    a = ctx.audio.features(x44, rate=44100)
    b = ctx.audio.features(ctx.audio.resample(x44, 44100, 16000))
    assert np.array_equal(a, b)
    c = ctx.audio.features(os.path.join(v, "speech_c_44k.wav"))  # the file path: same resampler
    assert np.array_equal(a, c)


def test_resampling_that_cannot_fit_raises_out_of_memory(np):
    # 64 000 samples at 1 Hz are 1.024e9 samples (3.8 GiB) at 16 kHz: under an address-space
    # limit 1 GiB above what the process holds, a typed error naming the sizes, not a crash
    # in libsoxr (tests/audio/test_audio_resample_limit.c covers the library) or a bare
    # MemoryError
    out, _ = run_json(r'''
import json, resource, accel, numpy as np
ctx = accel.Context(discovery=False)
vm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmSize:')][0]
lim = vm * 1024 + (1 << 30)
resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
x = np.zeros(64000, np.float32)
got = []
for call in (lambda: ctx.audio.resample(x, 1, 16000), lambda: ctx.audio.features(x, rate=1)):
    try:
        call()
        got.append("no error")
    except accel.OutOfMemoryError as e:
        got.append(e.status + " " + e.message)
print(json.dumps(got))
''')
    assert len(out) == 2, out
    for line in out:
        assert line.startswith("ERR_NO_MEMORY x: 64000 samples at 1 Hz resampled to 16000 Hz "
                               "are 1024000000 samples (3906.2 MiB"), line


@pytest.mark.parametrize("chunks", [False, True])
def test_vad_and_chunks_equal_the_cli(ctx, chunks):
    files = [os.path.join(AUDIO, w) for w in ("speech_a.wav", "speech_b.wav", "silence.wav")]
    args = ["audio", "vad", *files, "--json"] + (["--chunks", "1.5"] if chunks else [])
    doc = json.loads(cli(*args, check=True).stdout)
    for f, entry in zip(files, doc["files"]):
        got = ctx.audio.chunks(f, 1.5) if chunks else ctx.audio.vad(f)
        # the package gives the library's times; the CLI's JSON gives them to the ms (rounded
        # half away from zero, as C's round())
        ms = [[math.floor(t * 1000.0 + 0.5) / 1000.0 for t in s] for s in got]
        assert ms == entry["segments"], f
        assert all(isinstance(s, accel.Segment) and s.duration >= 0 for s in got)
        # the same from samples
        x = ctx.audio.load(f)
        again = ctx.audio.chunks(x, 1.5) if chunks else ctx.audio.vad(x)
        assert again == got


def test_vad_options(ctx, np):
    x = ctx.audio.load(os.path.join(AUDIO, "speech_a.wav"))
    loose = ctx.audio.vad(x, pad_ms=400.0)
    tight = ctx.audio.vad(x, pad_ms=0.0)
    assert loose and tight and loose[0].start <= tight[0].start
    with pytest.raises(accel.InputError, match="unknown VAD option 'pad'"):
        ctx.audio.vad(x, pad=1.0)
    with pytest.raises(accel.InputError, match="frame_ms"):
        ctx.audio.vad(x, frame_ms=0.0)
    with pytest.raises(accel.InputError, match="seconds"):
        ctx.audio.chunks(x, -1)
    # shorter than one frame of the detector: refused by the library (1e-9 once ran until the
    # process was killed for memory)
    for s in (1e-9, 1e-4):
        with pytest.raises(accel.InputError, match="chunk_s %g s is shorter than one frame.*"
                           "at least frame_ms = 0.01 s" % s):
            ctx.audio.chunks(x, s)
    with pytest.raises(accel.InputError, match="at least frame_ms = 0.1 s"):
        ctx.audio.chunks(x, 0.05, frame_ms=100.0)
    assert ctx.audio.chunks(x, 0.01)


def test_vad_and_chunks_take_a_device_and_a_known_operation(ctx):
    # as every call does, and as `accel audio vad --device D` does
    path = os.path.join(AUDIO, "speech_a.wav")
    assert ctx.audio.vad(path, device="cpu") == ctx.audio.vad(path)
    assert ctx.audio.chunks(path, 1.5, device="cpu") == ctx.audio.chunks(path, 1.5)
    assert ctx.audio.chunks(path, device="cpu", op="vggish")
    with pytest.raises(accel.ConfigError, match="device 'tpu': unknown device"):
        ctx.audio.vad(path, device="tpu")
    # an operation the planner does not know was planned as 30 s, silently
    with pytest.raises(accel.NotFoundError, match="unknown operation 'whisperr'; did you mean "
                       "'whisper'\\? allowed: "):
        ctx.audio.chunks(path, op="whisperr")


def test_sample_rates_are_whole_numbers_of_hz(ctx, np):
    # a rate that is no rate names `rate` (0 once loaded at 16 kHz, 8000.5 ran at 8000, a
    # huge one raised a bare OverflowError, and -5 was "accel_audio_open_memory: rates …")
    path = os.path.join(AUDIO, "speech_a.wav")
    x = ctx.audio.load(path)[:8000]
    calls = {
        "load": lambda r: ctx.audio.load(path, rate=r),
        "features": lambda r: ctx.audio.features(x, rate=r),
        "vad": lambda r: ctx.audio.vad(x, rate=r),
        "chunks": lambda r: ctx.audio.chunks(x, 0.5, rate=r),
        "resample": lambda r: ctx.audio.resample(x, r),
    }
    for name, call in calls.items():
        for bad in (0, -5, 2 ** 70, 768001):
            with pytest.raises(accel.InputError) as e:
                call(bad)
            assert e.value.message == ("rate: %r (allowed: a whole number of Hz, 1..768000)"
                                       % (bad,)), (name, e.value.message)
            assert not isinstance(e.value, TypeError)
        # not a whole number: a TypeError too, as range() refuses 8000.5
        for bad, got in ((8000.5, "float 8000.5"), ("8000", "str '8000'"), (True, "bool True"),
                         ([8000], "list")):
            with pytest.raises(accel.InputTypeError) as e:
                call(bad)
            assert e.value.message == ("rate: expected a whole number, got %s (allowed: a whole "
                                       "number of Hz, 1..768000)" % got), (name, e.value.message)
        assert isinstance(call(np.int64(8000)), (list, np.ndarray)), name
    with pytest.raises(accel.InputError, match="^to: 0 "):
        ctx.audio.resample(x, 16000, 0)
    assert np.array_equal(ctx.audio.load(path, rate=np.int32(16000)), ctx.audio.load(path))


# ---- parameters --------------------------------------------------------------------------


def test_audio_params(np):
    p = accel.AudioParams("fbank", num_mel_bins=40, window_type="hamming", frame_shift=12.5)
    assert p.n_mels == 40 and p.window_type == "hamming" and p.frame_shift_ms == 12.5
    assert p.preset == "fbank" and p.kind == "fbank"
    assert repr(p) == "accel.AudioParams('fbank', n_mels=40, window_type='hamming', frame_shift_ms=12.5)"
    q = p.replace(use_energy=True)
    assert q.use_energy and not p.use_energy and q != p and q.replace(use_energy=False) == p
    assert p.shape(16000) == (79, 40)
    assert set(p.as_dict()) == {f for f, _a, _d in accel.AudioParams.fields()}
    assert accel.AudioParams().as_dict()["padding"] == "openai"
    # the family name means its first preset, as the CLI and ctx.corpus take it
    assert accel.AudioParams("whisper") == accel.AudioParams("whisper-80")
    assert accel.AudioParams("whisper").preset == "whisper-80"
    with pytest.raises(accel.InputError, match="unknown audio preset 'whisper-64'"):
        accel.AudioParams("whisper-64")
    # picklable and copyable, every field kept
    import copy
    import pickle
    for r in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
        assert r == p and r is not p and repr(r) == repr(p) and r.preset == "fbank"
    q2 = pickle.loads(pickle.dumps(accel.AudioParams("whisper-128", padding="none")))
    assert q2.padding == "none" and q2.n_mels == 128
    with pytest.raises(accel.InputError, match="window_type 'hann': did you mean 'hanning'\\? "
                       "allowed: povey, hamming"):
        accel.AudioParams("fbank", window_type="hann")
    with pytest.raises(accel.InputError, match="unknown field 'mels'"):
        accel.AudioParams("fbank", mels=3)
    with pytest.raises(accel.InputTypeError, match="n_mels: expected a whole number, got float 2.5"):
        accel.AudioParams("fbank", n_mels=2.5)
    bad = accel.AudioParams("whisper-80", n_mels=600)
    with pytest.raises(accel.InputError) as e:
        bad.check()
    assert "n_mels 600 (allowed: 1..512" in e.value.message


def test_feature_keywords_are_checked(ctx, np):
    x = np.zeros(16000, np.float32)
    with pytest.raises(accel.InputError, match="padding applies to the whisper presets only"):
        ctx.audio.features(x, "vggish", padding="none")
    with pytest.raises(accel.InputError, match="padding 'zero': allowed: openai, faster-whisper, none"):
        ctx.audio.features(x, padding="zero")
    with pytest.raises(accel.InputError, match="num_mel_bins 3 \\(allowed: 4..1024\\)"):
        ctx.audio.features(x, "fbank", num_mel_bins=3)
    y = ctx.audio.features(x, "fbank", num_mel_bins=64, dither=0.0)
    assert y.shape == (98, 64)
    assert np.array_equal(ctx.audio.features(x, "whisper"), ctx.audio.features(x, "whisper-80"))


# ---- bad and edge inputs -------------------------------------------------------------------


@pytest.mark.parametrize("name,exc,needle", [
    ("missing.wav", accel.NotFoundError, "missing.wav"),
    ("bad/empty.wav", accel.FormatError, "empty"),
    ("bad/truncated.wav", accel.FormatError, "truncated"),
    ("bad/corrupt.wav", accel.FormatError, "corrupt.wav"),
    ("bad/not_audio.wav", accel.FormatError, "not_audio.wav"),
    ("bad/unsupported_codec.wav", accel.Error, "unsupported_codec.wav"),
])
def test_bad_files_raise_clear_errors(ctx, name, exc, needle, tmp_path):
    path = os.path.join(AUDIO, name)
    for call in (lambda: ctx.audio.features(path), lambda: ctx.audio.load(path),
                 lambda: ctx.audio.vad(path),
                 lambda: ctx.audio.features(path, out=tmp_path / "o.npy")):
        with pytest.raises(exc) as e:
            call()
        assert needle in e.value.message, e.value.message
    assert not os.path.exists(tmp_path / "o.npy")  # nothing left behind


def test_a_directory_is_not_audio(ctx, tmp_path):
    with pytest.raises(accel.FileError) as e:
        ctx.audio.load(tmp_path)
    assert str(tmp_path) in e.value.message and isinstance(e.value, OSError)


def test_empty_input_equals_the_cli_on_an_empty_recording(ctx, np, tmp_path):
    import wave
    path = str(tmp_path / "zero.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(b"")
    for preset in ("whisper-80", "fbank", "vggish"):
        cli("audio", "features", path, "--preset", preset, "-o", str(tmp_path / "z.npy"),
            check=True)
        want = np.load(tmp_path / "z.npy")
        got = ctx.audio.features(np.zeros(0, np.float32), preset)
        assert got.shape == want.shape and np.array_equal(got, want), preset
    assert ctx.audio.vad(np.zeros(0, np.float32)) == []


def test_an_empty_list_is_an_empty_clip_as_for_vad_and_the_cli(ctx, np, tmp_path):
    # features([]) returned [] (read as a batch of no clips), where vad([]), chunks([]) and
    # resample([]) read [] as a clip of no samples, and the CLI gives an empty recording the
    # preset's empty result: now [] and () are such a clip, a well-formed result with the
    # preset's shape and dtype, what the CLI writes for a zero-length recording
    import wave
    path = str(tmp_path / "zero.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(b"")
    for preset, shape in (("whisper-80", (80, 3000)), ("whisper-128", (128, 3000)),
                          ("fbank", (0, 23)), ("fbank-80", (0, 80)), ("vggish", (0, 96, 64))):
        cli("audio", "features", path, "--preset", preset, "-o", str(tmp_path / "z.npy"),
            check=True)
        want = np.load(tmp_path / "z.npy")
        for empty in ([], ()):
            got = ctx.audio.features(empty, preset)
            assert isinstance(got, np.ndarray), (preset, type(got))
            assert got.shape == want.shape == shape and got.dtype == np.float32, preset
            assert np.array_equal(got, want), preset
        # in a batch an empty clip is one result among the others
        batch = ctx.audio.features([np.zeros(0, np.float32), np.zeros(1600, np.float32)], preset)
        assert len(batch) == 2 and np.array_equal(batch[0], want), preset
    w = ctx.audio.features([], windows=True)
    assert w.shape == (0, 80, 3000) and w.dtype == np.float32
    assert ctx.audio.vad([]) == ctx.audio.chunks([]) == []
    assert ctx.audio.resample([], 8000).shape == (0,)
    # out= streams files: no input files is refused, naming x, and no directory is made
    with pytest.raises(accel.InputError) as e:
        ctx.audio.features([], out=str(tmp_path / "feats"))
    assert e.value.message == "x: no input files (out= streams files to .npy files)"
    assert not (tmp_path / "feats").exists()
