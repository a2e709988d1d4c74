"""Corpus runs from Python (ctx.corpus, accel.RunLog, manifests, shards, complete outputs) over
the library's step: the outputs are the CLI's, byte for byte, under the same names, and the log
lines are the CLI's --log lines."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

import accel
from conftest import AUDIO, FAKES, cli, need_fakes

SPEECH = [os.path.join(AUDIO, n) for n in ("speech_a.wav", "speech_b.wav", "tone.wav")] + [
    os.path.join(AUDIO, "variants", n) for n in ("speech_c.flac",)]
CORRUPT = os.path.join(AUDIO, "bad", "corrupt.wav")


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f]


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fnv1a(path):
    h = 0xcbf29ce484222325
    for b in os.fsencode(path):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def test_audio_outputs_and_log_are_the_clis(ctx, tmp_path):
    inputs = SPEECH + [CORRUPT]
    mine, theirs = tmp_path / "py", tmp_path / "cli"
    step = ctx.corpus("whisper-80", str(mine) + "/")
    with accel.RunLog(tmp_path / "py.jsonl") as log:
        recs = step.run(inputs, log=log)
        summary = log.summary()
    p = cli("audio", "features", *inputs, "--preset", "whisper-80", "-o", str(theirs) + "/",
            "--log", str(tmp_path / "cli.jsonl"))
    assert p.returncode == 1, p.stderr  # one input failed, the others are done
    assert [r.path for r in recs] == inputs
    assert [r.status for r in recs] == ["done"] * len(SPEECH) + ["failed"]
    bad = recs[-1]
    assert bad.error_status == "ERR_FORMAT" and "corrupt.wav" in bad.error, bad
    assert isinstance(bad.exception, accel.FormatError) and not bad.ok
    assert summary.done == len(SPEECH) and summary.failed == 1 and summary.skipped == 0
    for r in recs[:-1]:
        name = os.path.basename(r.output)
        assert r.output == os.path.join(str(mine), name)
        assert read(r.output) == read(theirs / name), name
        assert r.device and r.device.startswith("cpu:") and r.shape[0] == 80 and r.ms > 0
    assert not (mine / "corrupt.npy").exists()
    # the log: the CLI's lines, key for key, but the times and the output directory
    py, cl = lines(tmp_path / "py.jsonl"), lines(tmp_path / "cli.jsonl")
    assert len(py) == len(cl) == len(inputs) + 1
    for a, b in zip(py[:-1], cl[:-1]):
        assert list(a) == list(b)
        assert without(a, "ms", "output") == without(b, "ms", "output")
    assert without(py[-1], "seconds", "files_per_second") == without(cl[-1], "seconds",
                                                                      "files_per_second")
    # each record's own line is the one in the log
    assert [json.loads(r.json()) for r in recs] == py[:-1]


def test_resume_skips_complete_outputs_and_redoes_cut_ones(ctx, tmp_path):
    out = tmp_path / "out"
    first = ctx.corpus("whisper-80", out).run(SPEECH)
    assert all(r.status == "done" for r in first)
    keep = {r.output: read(r.output) for r in first}
    # a cut output (a copy interrupted, a full disk) is not complete and is redone
    cut = first[1].output
    with open(cut, "r+b") as f:
        f.truncate(1000)
    assert accel.output_complete(first[0].output) and not accel.output_complete(cut)
    assert not accel.output_complete(tmp_path / "absent.npy")
    again = ctx.corpus("whisper-80", out, resume=True).run(SPEECH)
    assert [r.status for r in again] == ["skipped", "done", "skipped", "skipped"]
    assert again[0].device is None and again[0].shape == first[0].shape
    assert {r.output: read(r.output) for r in again} == keep
    h = accel.npy_header(read(first[0].output)[:256])
    assert h.descr == "<f4" and h.shape == first[0].shape and not h.fortran_order
    assert h.header_bytes + h.data_bytes == os.path.getsize(first[0].output)
    # without resume everything is computed again
    assert [r.status for r in ctx.corpus("whisper-80", out).run(SPEECH)] == ["done"] * 4


def test_clean_removes_what_dead_processes_left(ctx, tmp_path):
    step = ctx.corpus("whisper-80", tmp_path)
    out = step.output(SPEECH[0])
    assert out == os.path.join(str(tmp_path), "speech_a.npy")
    p = cli("version")  # a process that has ended: its pid is free
    dead = os.path.join(str(tmp_path), "speech_a.npy.partial-999999999")
    mine = out + ".partial-%d" % os.getpid()
    other = os.path.join(str(tmp_path), "unrelated.npy.partial-999999999")
    for f in (dead, mine, other):
        open(f, "wb").close()
    assert p.returncode == 0
    assert step.clean(SPEECH) == 1
    assert not os.path.exists(dead)
    assert os.path.exists(mine) and os.path.exists(other)  # alive; not one of these inputs


def test_collisions_are_refused_naming_both(ctx, tmp_path):
    step = ctx.corpus("whisper-80", tmp_path)
    wav, flac = (os.path.join(AUDIO, "variants", "speech_c" + e) for e in (".wav", ".flac"))
    with pytest.raises(accel.InputError) as e:
        step.check([SPEECH[0], wav, flac])
    assert "speech_c.wav" in e.value.message and "speech_c.flac" in e.value.message
    assert "speech_c.npy" in e.value.message
    with pytest.raises(accel.InputError):
        step.check([SPEECH[0], SPEECH[0]])
    step.check(SPEECH)
    with pytest.raises(accel.InputError, match="single path"):
        step._c.check(SPEECH[0])


def test_parameters_and_errors(ctx, tmp_path):
    with pytest.raises(accel.NotFoundError) as e:
        ctx.corpus("mel-9000", tmp_path)
    assert "mel-9000" in e.value.message and "image_quality" in e.value.message
    with pytest.raises(accel.InputError, match="padding"):
        ctx.corpus("whisper-80", tmp_path, padding="sideways")
    with pytest.raises(accel.InputError, match="model"):
        ctx.corpus("image_blob", tmp_path)
    with pytest.raises(accel.InputError, match="windows"):
        ctx.corpus("vggish", tmp_path, windows=True)
    step = ctx.corpus("whisper-80", tmp_path / "w", padding="none", windows=False)
    assert step.params == {"padding": "none", "windows": "0"}
    r = step.run([SPEECH[0]])[0]
    assert r.shape == (80, 193)  # 1.93 s at 100 frames a second, no padding (3193 with)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(accel.FileError):
        ctx.corpus("whisper-80", blocker / "sub")
    with pytest.raises(accel.FileError):
        accel.RunLog(tmp_path / "no" / "such" / "dir" / "run.jsonl")
    log = accel.RunLog()
    log.close()
    with pytest.raises(accel.InputError, match="closed"):
        log.summary()
    c = accel.Context(backend="cpu", discovery=False, warmup=False)
    s = c.corpus("whisper-80", tmp_path / "c")
    c.close()
    with pytest.raises(accel.InputError, match="closed"):
        s.run([SPEECH[0]])


def test_arguments_that_are_not_paths_are_input_errors(ctx, tmp_path):
    # None and other non-paths once raised TypeError (from os.fsdecode or the converters), a
    # negative shard count showed as 18446744073709551615, an empty run returned [] where
    # map_files and the CLI refuse an empty list
    step = ctx.corpus("image_quality", tmp_path / "o")
    # a wrong type is an InputTypeError (also a TypeError), a bad value an InputError
    T, V = accel.InputTypeError, accel.InputError
    cases = [
        (lambda: ctx.corpus("image_quality", None), T, "out_dir: expected a path, got None"),
        (lambda: ctx.corpus(None, tmp_path), T, "op: expected a string, got None"),
        (lambda: step.run(None), T, "paths: expected a list of paths, got None"),
        (lambda: step.run([str(tmp_path / "a.png"), None]), T, "paths[1]: expected a path, got None"),
        (lambda: step.run([]), V, "paths: no input files"),
        (lambda: step.output(None), T, "path: expected a path, got None"),
        (lambda: step.check(3), T, "paths: expected a list of paths, got int 3"),
        (lambda: accel.parse_manifest(None), T, "data: expected a manifest, got None"),
        (lambda: accel.read_manifest(None), T, "path: expected a path, got None"),
        (lambda: accel.npy_header(None), T, "data: expected the bytes of a .npy file, got None"),
        (lambda: accel.shard_of("a.wav", -1), V, "count: -1 (allowed: a whole number 1..4294967295)"),
        (lambda: accel._accel.shard_of("a.wav", -1), V, "count: -1 (allowed: 1..4294967295)"),
        (lambda: accel.shard_of("a.wav", 2.5), T, "count: expected a whole number, got float 2.5"),
        (lambda: accel.shard_of(None, 2), T, "path: expected a path, got None"),
        (lambda: accel.path_hash(None), T, "path: expected a path, got None"),
        (lambda: accel.output_complete(None), T, "path: expected a path, got None"),
        (lambda: accel._accel.path_hash(None), T, "a path argument: expected a path, got None"),
    ]
    for call, cls, text in cases:
        with pytest.raises(accel.InputError) as e:
            call()
        assert e.value.message.startswith(text), (e.value.message, text)
        assert isinstance(e.value, cls) and isinstance(e.value, TypeError) == (cls is T), text


def test_manifests_and_shards(tmp_path, monkeypatch):
    m = tmp_path / "m.csv"
    m.write_text('id,path\n1,"a, b.wav"\n2,c.flac\n', encoding="utf-8")
    assert accel.read_manifest(m) == ["a, b.wav", "c.flac"]
    assert accel.parse_manifest("x.wav\n\n# note\n y z.wav\r\n") == ["x.wav", " y z.wav"]
    with pytest.raises(accel.FormatError) as e:
        accel.parse_manifest('path\n"open\n', name="bad.csv")
    assert "bad.csv" in e.value.message and "line 2" in e.value.message
    with pytest.raises(accel.NotFoundError):
        accel.read_manifest(tmp_path / "absent.txt")
    paths = ["clips/%05d.wav" % i for i in range(200)] + ["ü/ß.wav", "./a.wav", "a.wav"]
    for p in paths:
        assert accel.path_hash(p) == fnv1a(p)
        assert accel.shard_of(p, 7) == fnv1a(p) % 7
    # every path in exactly one shard, spread over all of them
    assert {accel.shard_of(p, 4) for p in paths} == {0, 1, 2, 3}
    # the count's range is the CLI's --shard I/N, any integer type: a count past 2^32 - 1
    # raised a bare OverflowError, a numpy integer was refused as "not a whole number"
    assert accel.shard_of("a.wav", 2 ** 32 - 1) == fnv1a("a.wav") % (2 ** 32 - 1)
    for bad in (0, -1, 2 ** 32, 2 ** 70):
        with pytest.raises(accel.InputError) as e:
            accel.shard_of("a.wav", bad)
        assert e.value.message == "count: %r (allowed: a whole number 1..4294967295)" % (bad,)
        assert not isinstance(e.value, TypeError)
    for bad, got in ((2.0, "float 2.0"), (True, "bool True"), ("4", "str '4'")):
        with pytest.raises(accel.InputTypeError) as e:
            accel.shard_of("a.wav", bad)
        assert e.value.message == ("count: expected a whole number, got %s (allowed: a whole "
                                   "number 1..4294967295)" % got)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is optional
        np = None
    if np is not None:
        assert accel.shard_of("a.wav", np.int64(7)) == fnv1a("a.wav") % 7
    assert accel.shard_parse("2/5") == (2, 5)
    with pytest.raises(accel.ConfigError, match="0-based"):
        accel.shard_parse("4/4")
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "7")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "5")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "3")
    monkeypatch.delenv("SLURM_ARRAY_TASK_STEP", raising=False)  # a job array's own, if any
    monkeypatch.delenv("SLURM_ARRAY_TASK_MAX", raising=False)
    assert accel.shard_parse("auto") == (2, 3)
    # --array=1,5: both tasks refuse it (MAX shows the gap to task 1)
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "1")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "1")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MAX", "5")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "2")
    with pytest.raises(accel.ConfigError, match="an array with gaps"):
        accel.shard_parse("auto")
    # the CLI's --shard takes the same inputs
    mf = tmp_path / "m.txt"
    wavs = SPEECH + [os.path.join(AUDIO, n) for n in ("noise.wav", "silence.wav", "clipping.wav")]
    mf.write_text("\n".join(wavs) + "\n")
    for i in range(3):
        p = cli("audio", "features", "--manifest", str(mf), "--preset", "fbank", "-o",
                str(tmp_path / "s"), "--shard", "%d/3" % i, "--log", str(tmp_path / "s.jsonl"))
        assert p.returncode == 0, p.stderr
    logged = [l["path"] for l in lines(tmp_path / "s.jsonl") if "path" in l]
    assert sorted(logged) == sorted(wavs)
    by_shard = sorted(wavs, key=lambda p: (accel.shard_of(p, 3), wavs.index(p)))
    assert logged == by_shard


def test_threads_share_one_step(ctx, tmp_path):
    step = ctx.corpus("fbank", tmp_path)
    got = {}

    def work(i):
        got[i] = step.run([SPEECH[i]])

    ts = [threading.Thread(target=work, args=(i,)) for i in range(len(SPEECH))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(got[i][0].status == "done" for i in range(len(SPEECH)))
    ref = ctx.corpus("fbank", tmp_path / "ref").run(SPEECH)
    for i, r in enumerate(ref):
        assert read(got[i][0].output) == read(r.output)


def test_a_record_goes_through_the_log_unchanged(tmp_path):
    r = accel.CorpusRecord("a\udcff.wav", "done", "o/a.npy", "cuda:0", 0, 1.5, "oom", 2, None,
                           None, (80, 3000), None)
    with accel.RunLog(tmp_path / "l.jsonl") as log:
        log.write(r)
        s = log.summary()
    raw = (tmp_path / "l.jsonl").read_bytes().splitlines()
    assert raw[0] == os.fsencode(r.json())
    # a name that is not UTF-8 is written as surrogateescape's \udcXX, as the CLI's log does:
    # the line stays valid JSON and gives the name's bytes back
    assert raw[0].startswith(b'{"path":"a\\udcff.wav","status":"done"')
    d = json.loads(raw[0])
    assert d["path"] == "a\udcff.wav" and os.fsencode(d["path"]) == b"a\xff.wav"
    assert d["fallback"] == "oom" and d["device"] == "cuda:0" and d["shape"] == [80, 3000]
    assert s.done == 1 and s.total == 1
    with pytest.raises(accel.InputError):
        accel.CorpusRecord("a", "lost", None, None, -1, 0.0, None, 0, None, None, None,
                           None).json()


def test_a_malformed_record_is_an_input_error(tmp_path):
    with accel.RunLog() as log:
        for bad in (accel.CorpusRecord("a", "done", None, None, -1, "fast", None, 0, None, None,
                                       None, None),
                    accel.CorpusRecord("a", "done", None, None, -1, 1.0, None, 0, None, None,
                                       (-1,), None)):
            with pytest.raises(accel.InputError, match="record"):
                log.write(bad)
        with pytest.raises(accel.InputError):
            log.write({"path": "a"})
        assert log.summary().total == 0


# ---- the run log: none of the run's own files, written as the run goes -------------------------

def cli_refusal(*args):
    """The CLI's refusal of a run: its words after "accel VERB: error: "."""
    p = cli(*args)
    assert p.returncode == 2, (args, p.returncode, p.stderr)
    return p.stderr.strip().split(": error: ", 1)[1]


def test_a_log_that_is_a_file_of_the_run_is_refused_in_the_clis_words(ctx, tmp_path):
    # Corpus.run(log=) wrote its lines into the manifest, an input or an output; the CLI's
    # --log refuses each of these before anything runs, and so does Python now, in its words
    # (with log for --log)
    wavs = [str(tmp_path / os.path.basename(p)) for p in SPEECH[:2]]
    for src, dst in zip(SPEECH, wavs):
        with open(dst, "wb") as f:
            f.write(read(src))
    manifest = tmp_path / "m.txt"
    manifest.write_text("\n".join(wavs) + "\n")
    out = tmp_path / "out"
    step = ctx.corpus("fbank", out)
    paths = accel.read_manifest(manifest)
    assert paths == wavs and paths.manifest == str(manifest)  # a list that knows its manifest
    output = step.output(wavs[1])
    os.symlink(manifest, tmp_path / "link.txt")
    cases = [(str(manifest), "the manifest"), (str(tmp_path / "link.txt"), "the manifest"),
             (wavs[0], "an input"), (str(tmp_path / "." / os.path.basename(wavs[0])), "an input"),
             (output, "an output")]
    for log, what in cases:
        before = {p: read(p) for p in wavs + [str(manifest)]}
        theirs = cli_refusal("audio", "features", "--manifest", str(manifest), "--preset", "fbank",
                             "-o", str(out), "--log", log)
        with pytest.raises(accel.InputError) as e:
            step.run(paths, log=accel.RunLog(log))
        assert not isinstance(e.value, TypeError)
        assert e.value.message == theirs.replace("--log ", "log ", 1), (what, theirs)
        assert {p: read(p) for p in before} == before, what  # no line written into any of them
        assert not os.path.exists(output) or os.path.getsize(output) == 0, what  # nothing ran
    # the same through map_files' client step is in test_dask.py; "-" is a stream, not a file
    with pytest.raises(accel.InputError) as e:
        accel.RunLog("-")
    theirs = cli_refusal("audio", "features", *wavs, "--preset", "fbank", "-o", str(out),
                         "--log", "-")
    assert e.value.message == theirs.replace("--log ", "log ", 1).replace(
        "(--log run.jsonl)", "(run.jsonl)")
    with pytest.raises(accel.InputTypeError, match="log: expected an accel.RunLog, got str"):
        step.run(paths, log=str(tmp_path / "run.jsonl"))
    # a log of its own is taken, the manifest's paths run
    with accel.RunLog(tmp_path / "run.jsonl") as log:
        assert [r.status for r in step.run(paths, log=log)] == ["done", "done"]
    assert [l["path"] for l in lines(tmp_path / "run.jsonl")] == wavs


def test_the_log_is_written_as_the_run_goes(tmp_path):
    # Corpus.run(log=) wrote every line after the last input, so a run killed on its way left
    # an empty log though some outputs were whole; the CLI writes each input's line when it is
    # finished. The run is held at its second output's rename (tests/fakes/hold_rename.c,
    # preloaded, lets the first through) and SIGKILLed there.
    need_fakes("hold_rename")
    hold = os.path.join(FAKES, "hold_rename", "libhold_rename.so")
    mark, log, out = tmp_path / "held.mark", tmp_path / "run.jsonl", tmp_path / "out"
    code = r'''
import sys, accel
with accel.Context(discovery=False, warmup=False) as ctx, accel.RunLog(sys.argv[1]) as log:
    ctx.corpus("fbank", sys.argv[2]).run(sys.argv[3:], log=log)
    log.summary()
'''
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               HOLD_RENAME_MARK=str(mark), HOLD_RENAME_AFTER="1", LD_PRELOAD=hold)
    p = subprocess.Popen([sys.executable, "-c", code, str(log), str(out)] + SPEECH[:3], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(3000):
            if mark.exists() or p.poll() is not None:
                break
            time.sleep(0.01)
        assert mark.exists(), p.communicate(timeout=60)
        assert os.path.basename(SPEECH[1]).replace(".wav", ".npy.partial-") in mark.read_text()
    finally:
        p.kill()
        p.wait(timeout=60)
    got = lines(log)
    # the first input's line, whole, and nothing for the one being written when it died
    assert [l["path"] for l in got] == [SPEECH[0]], got
    assert got[0]["status"] == "done" and accel.output_complete(got[0]["output"])


def test_an_images_decoder_warning_is_in_its_record_and_log_line(ctx, tmp_path):
    import numpy as np
    cv2 = pytest.importorskip("cv2")
    img = (np.arange(64 * 48 * 3) % 251).astype(np.uint8).reshape(48, 64, 3)
    ok, enc = cv2.imencode(".jpg", img)
    b = enc.tobytes()
    i = b.index(b"\xff\xc4")  # three stray bytes before the first DHT: libjpeg warns, decodes
    stray = tmp_path / "stray.jpg"
    stray.write_bytes(b[:i] + b"\0\0\0" + b[i:])
    clean = tmp_path / "clean.jpg"
    clean.write_bytes(b)
    step = ctx.corpus("image_quality", tmp_path / "o")
    with accel.RunLog(tmp_path / "l.jsonl") as log:
        recs = step.run([stray, clean], log=log)
    assert [r.status for r in recs] == ["done", "done"]
    assert recs[0].warning and "extraneous bytes" in recs[0].warning, recs[0]
    assert recs[1].warning is None
    logged = lines(tmp_path / "l.jsonl")
    assert "extraneous bytes" in logged[0]["warning"] and "warning" not in logged[1]
    assert json.loads(recs[0].json()) == logged[0]
    # and through the log unchanged, as every other field
    with accel.RunLog(tmp_path / "m.jsonl") as log2:
        log2.write(recs[0])
    assert lines(tmp_path / "m.jsonl")[0] == logged[0]
