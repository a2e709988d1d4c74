"""accel.dask.map_files on a real local Dask cluster (distributed.LocalCluster, two worker
processes of one thread): real speech and photographs, a corrupt file of each kind, the CLI's
outputs byte for byte and its log lines, resume, a worker SIGKILLed while it writes an output,
GPU workers (on the stand-in libcuda), and accel importing no Dask of its own accord."""
import glob
import json
import os
import signal
import threading
import time

import pytest

import accel
from conftest import AUDIO, BUILD, cli, run_python

distributed = pytest.importorskip(
    "distributed", reason="Dask's distributed is not installed (Debian: python3-distributed)")
import accel.dask  # noqa: E402

SPEECH = [os.path.join(AUDIO, n) for n in ("speech_a.wav", "speech_b.wav", "tone.wav",
                                           "noise.wav")] + [
    os.path.join(AUDIO, "variants", n) for n in ("speech_c.flac",)]
CORRUPT = os.path.join(AUDIO, "bad", "corrupt.wav")
FAKE_CUDA = os.path.join(BUILD, "fake-cuda-backend")


def cluster(**kw):
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    dashboard_address=":0", **kw)


@pytest.fixture(scope="module")
def client():
    with cluster() as c, distributed.Client(c) as cl:
        yield cl


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def same_as_cli(result, inputs, cli_dir, cli_log, py_log, ext):
    """Every done output equals the CLI's file of that name; the log's lines are the CLI's
    (times and the output directory aside), in input order, then the summary."""
    for r in result.records:
        if r.status == "done":
            name = os.path.basename(r.output)
            assert name.endswith(ext)
            assert read(r.output) == read(os.path.join(cli_dir, name)), name
    py, cl = lines(py_log), lines(cli_log)
    assert [l["path"] for l in py[:-1]] == list(inputs)
    assert len(py) == len(cl) == len(inputs) + 1
    for a, b in zip(py[:-1], cl[:-1]):
        assert list(a) == list(b), (a, b)
        assert without(a, "ms", "output") == without(b, "ms", "output")
    assert py[-1]["summary"] is True
    assert without(py[-1], "seconds", "files_per_second") == without(cl[-1], "seconds",
                                                                      "files_per_second")


def test_audio_with_a_corrupt_file(client, tmp_path):
    inputs = SPEECH + [CORRUPT]
    out, log = tmp_path / "feats", tmp_path / "dask.jsonl"
    res = accel.dask.map_files(client, inputs, "whisper-80", out, log=log, batch_size=2)
    assert res.tasks == 3 and res.batch_size == 2
    s = res.summary
    assert (s.done, s.skipped, s.failed) == (len(SPEECH), 0, 1) and s.files_per_second > 0
    assert [r.path for r in res.records] == inputs
    bad = res.records[-1]
    assert res.failed == [bad] and bad.error_status == "ERR_FORMAT"
    assert "corrupt.wav" in bad.error and "WAV" in bad.error
    assert all(r.device.startswith("cpu:") for r in res.records[:-1])
    p = cli("audio", "features", *inputs, "--preset", "whisper-80", "-o",
            str(tmp_path / "cli") + "/", "--log", str(tmp_path / "cli.jsonl"))
    assert p.returncode == 1, p.stderr
    same_as_cli(res, inputs, tmp_path / "cli", tmp_path / "cli.jsonl", log, ".npy")
    assert sorted(os.listdir(out)) == sorted(os.listdir(tmp_path / "cli"))

    # resume: every complete output skipped, nothing rewritten; the corrupt file fails again
    before = {f: os.stat(os.path.join(out, f)).st_mtime_ns for f in os.listdir(out)}
    again = accel.dask.map_files(client, inputs, "whisper-80", out, log=log)
    assert [r.status for r in again.records] == ["skipped"] * len(SPEECH) + ["failed"]
    assert (again.summary.done, again.summary.skipped, again.summary.failed) == (0, 5, 1)
    assert {f: os.stat(os.path.join(out, f)).st_mtime_ns for f in os.listdir(out)} == before
    logged = lines(log)
    assert len(logged) == 2 * (len(inputs) + 1)
    assert [l.get("status") for l in logged[len(inputs) + 1:-1]] == \
        ["skipped"] * len(SPEECH) + ["failed"]

    # resume=False computes everything again, to the same bytes
    third = accel.dask.map_files(client, SPEECH, "whisper-80", out, resume=False)
    assert [r.status for r in third.records] == ["done"] * len(SPEECH)
    for r in third.records:
        assert read(r.output) == read(tmp_path / "cli" / os.path.basename(r.output))


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Photographs of scikit-image as JPEG and PNG (Pillow), and a JPEG cut short."""
    Image = pytest.importorskip("PIL.Image")
    skdata = pytest.importorskip("skimage.data")
    d = tmp_path_factory.mktemp("images")
    paths = []
    for name, fmt in (("astronaut", "JPEG"), ("coffee", "PNG"), ("chelsea", "JPEG"),
                      ("camera", "PNG"), ("rocket", "JPEG")):
        p = str(d / ("%s.%s" % (name, "jpg" if fmt == "JPEG" else "png")))
        Image.fromarray(getattr(skdata, name)()).save(p, fmt)
        paths.append(p)
    whole = read(paths[0])
    cut = str(d / "cut.jpg")
    with open(cut, "wb") as f:
        f.write(whole[:len(whole) // 50])
    return paths[:2] + [cut] + paths[2:]


def test_image_quality_and_blob(client, images, tmp_path):
    for op, verb, params, ext in (("image_quality", ["image", "quality"], {}, ".json"),
                                  ("image_blob", ["image", "blob", "--model", "scrfd"],
                                   {"model": "scrfd"}, ".npy")):
        out, log = tmp_path / op, tmp_path / (op + ".jsonl")
        res = accel.dask.map_files(client, images, op, out, log=log, **params)
        assert [r.status for r in res.records] == ["done", "done", "failed", "done", "done",
                                                   "done"], res.records
        bad = res.records[2]
        assert "cut.jpg" in bad.error and bad.error_status in ("ERR_FORMAT", "ERR_IO"), bad
        cdir = tmp_path / ("cli-" + op)
        clog = tmp_path / ("cli-%s.jsonl" % op)
        p = cli(*verb, *images, "-o", str(cdir) + "/", "--log", str(clog))
        assert p.returncode == 1, p.stderr
        same_as_cli(res, images, cdir, clog, log, ext)
        if op == "image_blob":
            for r in res.records:
                if r.ok:
                    assert r.shape == (1, 3, 640, 640) and 0 < r.det_scale <= 1.5
        else:
            q = json.loads(read(res.records[0].output))
            assert q["file"] == images[0] and q["width"] == 512


def test_refused_before_anything_runs(client, tmp_path):
    wav, flac = (os.path.join(AUDIO, "variants", "speech_c" + e) for e in (".wav", ".flac"))
    out = tmp_path / "o"
    with pytest.raises(accel.InputError) as e:
        accel.dask.map_files(client, SPEECH + [wav, flac], "whisper-80", out, log=tmp_path / "l")
    assert "speech_c.wav" in e.value.message and "speech_c.flac" in e.value.message
    assert os.listdir(out) == [] and not (tmp_path / "l").exists()
    with pytest.raises(accel.NotFoundError, match="allowed"):
        accel.dask.map_files(client, SPEECH, "mel-9000", out)
    with pytest.raises(accel.InputError, match="padding"):
        accel.dask.map_files(client, SPEECH, "whisper-80", out, padding="sideways")
    with pytest.raises(accel.InputError, match="GPU"):
        accel.dask.map_files(client, SPEECH, "whisper-80", out, gpu=True)
    with pytest.raises(accel.InputError, match="batch_size"):
        accel.dask.map_files(client, SPEECH, "whisper-80", out, batch_size=0)
    with pytest.raises(accel.InputError, match="no input"):
        accel.dask.map_files(client, [], "whisper-80", out)
    assert os.listdir(out) == []


def test_a_log_that_is_a_file_of_the_run_is_refused_before_anything_runs(client, tmp_path):
    # map_files appended its log to the manifest, an input or an output; the CLI's --log
    # refuses these before anything runs (exit 2), and so does map_files, in its words
    out = tmp_path / "o"
    manifest = tmp_path / "m.txt"
    manifest.write_text("\n".join(SPEECH) + "\n")
    paths = accel.read_manifest(manifest)
    output = os.path.join(str(out), "speech_b.npy")
    for log, what in ((str(manifest), "is the manifest; the log is appended to, so it needs a "
                       "file of its own"),
                      (SPEECH[2], "is an input of this run; the log is appended to, so it needs "
                       "a file of its own"),
                      (output, "is the output of '%s'; the log needs a file of its own"
                       % SPEECH[1])):
        before = {p: read(p) for p in SPEECH + [str(manifest)]}
        with pytest.raises(accel.InputError) as e:
            accel.dask.map_files(client, paths, "fbank", out, log=log)
        assert e.value.message == "log %s %s" % (log, what)
        assert {p: read(p) for p in before} == before
        assert not os.path.exists(out) or os.listdir(out) == []  # nothing ran, no log made
    with pytest.raises(accel.InputError, match="^log -: the log is a file"):
        accel.dask.map_files(client, SPEECH, "fbank", out, log="-")
    with pytest.raises(accel.InputTypeError, match="^log: expected a path, got int 3"):
        accel.dask.map_files(client, SPEECH, "fbank", out, log=3)
    assert not os.path.exists(out) or os.listdir(out) == []


def long_recordings(d, n, seconds):
    """n recordings of real speech (speech_a and speech_b over and over), each its own gain, as
    16 kHz 16-bit WAV."""
    import wave
    np = pytest.importorskip("numpy")
    parts = []
    for name in ("speech_a.wav", "speech_b.wav"):
        with wave.open(os.path.join(AUDIO, name)) as w:
            assert w.getframerate() == 16000 and w.getsampwidth() == 2 and w.getnchannels() == 1
            parts.append(np.frombuffer(w.readframes(w.getnframes()), np.int16))
    speech = np.concatenate(parts)
    reps = int(seconds * 16000 // len(speech)) + 1
    paths = []
    for k in range(n):
        x = (np.tile(speech, reps)[:int(seconds * 16000)] * (0.5 + 0.1 * k)).astype(np.int16)
        p = os.path.join(d, "long_%02d.wav" % k)
        with wave.open(p, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(x.tobytes())
        paths.append(p)
    return paths


def kill_while_writing(out, pids, killed):
    """Watches `out` and SIGKILLs the worker whose partial output appears first."""
    t_end = time.time() + 120
    while time.time() < t_end and not killed:
        for f in os.listdir(out):
            pid = int(f.rsplit("-", 1)[1]) if ".partial-" in f else None
            if pid in pids:
                os.kill(pid, signal.SIGKILL)
                killed.update(pid=pid, partial=f)
                return
        time.sleep(0.002)


def run_and_kill(inputs, out, log, **kw):
    os.makedirs(out, exist_ok=True)
    killed = {}
    with cluster() as c, distributed.Client(c) as cl:
        pids = set(cl.run(os.getpid).values())
        assert len(pids) == 2
        w = threading.Thread(target=kill_while_writing, args=(out, pids, killed))
        w.start()
        try:
            res = accel.dask.map_files(cl, inputs, "whisper-80", out, log=log, batch_size=1, **kw)
        finally:
            killed.setdefault("stop", True)
            w.join()
        assert "pid" in killed, "no partial file of a worker was seen while the run went on"
        assert killed["pid"] not in set(cl.run(os.getpid).values())  # it was replaced
    return res, killed


def test_a_worker_killed_while_writing(tmp_path):
    """SIGKILL a worker process the moment a partial output of its own appears: Dask runs its
    task again on the worker that replaces it, and at the end every output is there, equal to
    the CLI's, no partial file is left, and the log has one line per input."""
    inputs = long_recordings(str(tmp_path), 6, 120) + SPEECH
    out, log = str(tmp_path / "out"), tmp_path / "run.jsonl"
    res, killed = run_and_kill(inputs, out, log)
    assert [r.status for r in res.records] == ["done"] * len(inputs), res.failed
    leftovers = glob.glob(os.path.join(out, "*.partial-*"))
    assert leftovers == [], leftovers
    p = cli("audio", "features", *inputs, "--preset", "whisper-80", "-o", str(tmp_path / "cli") + "/")
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(out)) == sorted(os.listdir(tmp_path / "cli"))
    for r in res.records:
        assert read(r.output) == read(tmp_path / "cli" / os.path.basename(r.output)), r.output
    logged = lines(log)
    assert [l["path"] for l in logged[:-1]] == inputs  # one line each, none twice
    assert logged[-1]["done"] == len(inputs) and logged[-1]["failed"] == 0


def test_a_task_whose_worker_always_dies(tmp_path):
    """With no retries allowed (distributed.scheduler.allowed-failures = 0), the inputs whose
    tasks the killed worker held (the one it was writing, and any queued there) fail with a
    reason saying so; every other input is done; all are logged; a second run with resume
    finishes them."""
    import dask
    inputs = long_recordings(str(tmp_path), 4, 120) + SPEECH
    out, log = str(tmp_path / "out"), tmp_path / "run.jsonl"
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        res, killed = run_and_kill(inputs, out, log)
    lost = [r for r in res.records if r.status == "failed"]
    writing = os.path.join(out, killed["partial"].split(".partial-")[0])
    assert writing in [r.output for r in lost], (killed, lost)
    for r in lost:
        assert "lost with the worker" in r.error and r.path in r.error
        assert r.error_status == "ERR_INTERNAL" and not os.path.exists(r.output)
    assert len(lost) < len(inputs)
    assert all(r.status == "done" for r in res.records if r not in lost)
    assert glob.glob(os.path.join(out, "*.partial-*")) == []
    logged = lines(log)
    assert [l["path"] for l in logged[:-1]] == inputs and logged[-1]["failed"] == len(lost)
    with cluster() as c, distributed.Client(c) as cl:
        again = accel.dask.map_files(cl, inputs, "whisper-80", out, log=log)
    assert [r.status for r in again.records] == [
        "done" if r in lost else "skipped" for r in res.records]


def test_gpu_workers_take_their_gpu(tmp_path):
    """Workers that declare resources={"GPU": 1} compute on a GPU (here the stand-in libcuda,
    which runs the CUDA backend's kernels on the host), the others on the CPU."""
    if not os.path.exists(os.path.join(FAKE_CUDA, "libcuda.so.1")):
        pytest.skip("the stand-in libcuda is not built (%s)" % FAKE_CUDA)
    code = r'''
import json, os, sys, tempfile
import distributed, numpy as np
import accel, accel.dask
inputs, out = json.loads(sys.argv[1]), sys.argv[2]
tempfile.tempdir = out  # the GPU claims of this test's workers, apart from any other run
if __name__ == "__main__":
    got = {}
    for name, res in (("gpu", {"GPU": 1}), ("cpu", None)):
        kw = {"resources": res} if res else {}
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0", **kw) as c, distributed.Client(c) as cl:
            cl.run(setattr, tempfile, "tempdir", out)
            r = accel.dask.map_files(cl, inputs, "whisper-80", os.path.join(out, name),
                                     batch_size=1)
            got[name] = [(x.status, x.device, x.output) for x in r.records]
            if name == "gpu":
                claims = sorted(os.listdir(os.path.join(out, "accel-gpu-claims-%d" % os.getuid())))
    diff = max(float(np.abs(np.load(g[2]) - np.load(c[2])).max())
               for g, c in zip(got["gpu"], got["cpu"]))
    print(json.dumps({"got": got, "diff": diff, "claims": claims}))
'''
    env = {"LD_LIBRARY_PATH": FAKE_CUDA}
    p = run_python(code, env=env, args=[json.dumps(SPEECH[:3]), str(tmp_path)], timeout=240)
    assert p.returncode == 0, p.stderr[-4000:]
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert [s for s, _d, _o in r["got"]["gpu"]] == ["done"] * 3
    assert {d for _s, d, _o in r["got"]["gpu"]} == {"cuda:0"}, r
    assert all(d.startswith("cpu:") for _s, d, _o in r["got"]["cpu"]), r
    assert len(r["claims"]) == 1 and r["claims"][0].endswith(".lock")
    assert r["diff"] < 1e-3, r  # the GPU kernels and the CPU code agree


def test_gpu_claims(tmp_path, monkeypatch):
    """One GPU per process while there are free ones; shared when every one is claimed; free
    again when the process holding it is gone (here: its descriptor closed)."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setattr(accel.dask, "_claim", None)

    class G:
        def __init__(self, i):
            self.kind, self.index, self.pci_bus_id, self.uuid = "cuda", i, "0000:%02x:00.0" % i, None

    gpus = [G(0), G(1)]
    held = []
    try:
        for want in (0, 1):
            assert accel.dask._claim_gpu(gpus) is gpus[want]
            held.append(accel.dask._claim[0])
            assert accel.dask._claim_gpu(gpus) is gpus[want]  # a process keeps its claim
            monkeypatch.setattr(accel.dask, "_claim", None)  # as another process would be
        assert accel.dask._claim_gpu(gpus) is gpus[os.getpid() % 2]  # all claimed: shared
        os.close(held.pop(0))
        assert accel.dask._claim_gpu(gpus) is gpus[0]
        held.append(accel.dask._claim[0])
    finally:
        for fd in held:
            os.close(fd)


def test_worker_context_is_one_per_process(client):
    def ids():
        return id(accel.dask.worker_context()), id(accel.dask.worker_context()), os.getpid()

    for a, b, _pid in client.run(ids).values():
        assert a == b


def test_importing_accel_imports_no_dask():
    p = run_python("import sys, accel; accel.Context(discovery=False, warmup=False); "
                   "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr
    p = run_python("import sys; sys.modules['distributed'] = None\n"
                   "try:\n    import accel.dask\nexcept ImportError as e:\n    print(e)")
    assert p.returncode == 0, p.stderr
    assert "accel.dask needs Dask's distributed" in p.stdout and "python3-distributed" in p.stdout


def test_public_names_are_documented_and_annotated():
    import inspect
    for name in accel.dask.__all__:
        obj = getattr(accel.dask, name)
        if isinstance(obj, str):
            continue
        assert (obj.__doc__ or "").strip(), name
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            assert sig.return_annotation is not sig.empty, name
            assert all(p.annotation is not p.empty for p in sig.parameters.values()), name
    sig = inspect.signature(accel.dask.map_files)
    assert list(sig.parameters)[:4] == ["client", "paths", "op", "out_dir"]
    assert sig.parameters["resume"].default is True
