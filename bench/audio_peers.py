#!/usr/bin/python3
"""Audio front ends: accel against its peers, in the same run, on the same input.

  /usr/bin/python3 bench/audio_peers.py [--accel build/accel] [--minutes 20] [--reps 3]
                                        [--threads 1,2] [--json out.json] [--compressed]

Input: MINUTES of 16 kHz speech made by espeak-ng (sentences in several voices, joined with
short pauses, low noise added), written once to a WAV in the work directory and loaded into
memory for every peer. Peers (scripts/audio_reference.py):
  whisper-80/128  openai-whisper's log_mel_spectrogram restated with torch.stft (float32) and
                  faster-whisper's numpy FeatureExtractor
  vggish          VGGish's mel_features / waveform_to_examples (numpy)
  fbank-80        torchaudio.compliance.kaldi.fbank (float32) + mean normalisation

Fair peers: every peer runs in a fresh process per thread count (--threads, default 1 and 2),
with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS set before numpy or torch is
imported and torch.set_num_threads(T); the best count is taken. Each worker reports the BLAS
its process mapped (/proc/self/maps), threadpoolctl's view where installed, and torch's
BLAS_INFO and thread counts. A worker whose BLAS is the reference implementation (netlib's
libblas.so.3, Debian's default without libopenblas0-pthread) is refused: the script stops
with a message and reports nothing.

accel is timed in memory through `accel audio features --bench-iterations` (the same samples,
loaded once by accel) with ACCEL_NUM_THREADS=2 and 1, and as a whole process writing the .npy
(start, read, compute, write): to a new file each time, as a corpus run writes, and also over
the previous output (printed beside it; ext4 writes a file back before the rename that
replaces another returns). Beside it, measured apart in the same minute: accel's start on a
0.5-s clip, reading the input's bytes and writing the output's bytes to a new file (what the
whole process cannot avoid besides the compute). With --compressed the WAV is also encoded as FLAC, MP3 and Opus
(ffmpeg), and the whole process on each is set against `ffmpeg -i FILE -f f32le -` of the
same file. Every figure is the minimum over the repetitions (medians are printed too).
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import audio_reference as R  # noqa: E402

SENTENCES = [
    "The birch canoe slid on the smooth planks.", "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.", "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.", "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.", "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.", "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.", "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.", "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.", "A pot of tea helps to pass the evening.",
]
VOICES = ["en", "en-us", "en+f3", "en-us+m3", "en+f2"]


def make_input(path, minutes):
    if os.path.exists(path):
        return
    sr = 16000
    pieces = []
    with tempfile.TemporaryDirectory() as td:
        k = 0
        for v in VOICES:
            for s in SENTENCES:
                w = os.path.join(td, "s%d.wav" % k)
                w16 = os.path.join(td, "t%d.wav" % k)
                subprocess.run(["espeak-ng", "-v", v, "-w", w, s], check=True)
                subprocess.run(["sox", w, "-r", "16000", "-b", "16", "-c", "1", w16], check=True)
                with wave.open(w16) as f:
                    pieces.append(np.frombuffer(f.readframes(f.getnframes()), "<i2").astype(np.float32) / 32768)
                k += 1
    rng = np.random.default_rng(7)
    n = int(minutes * 60 * sr)
    out = np.zeros(n, dtype=np.float32)
    at, i = 0, 0
    while at < n:
        p = pieces[i % len(pieces)]
        i += 1
        k = min(len(p), n - at)
        out[at:at + k] = p[:k]
        at += k + int(rng.uniform(0.15, 0.6) * sr)  # a pause
    out += rng.normal(0, 10 ** (-50 / 20), n).astype(np.float32)  # noise at about -50 dBFS
    q = np.clip(np.round(out * 32768), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sr)
        f.writeframes(q.tobytes())


def load(path):
    with wave.open(path) as f:
        return np.frombuffer(f.readframes(f.getnframes()), "<i2").astype(np.float32) / 32768


def timed(fn, reps):
    ts, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), float(np.median(ts)), out


def peer_table(x):
    return {
        "whisper-80": [("openai-whisper (torch.stft)", lambda: R.whisper_torch(x, 80, "openai", "float32")),
                       ("faster-whisper (numpy)", lambda: R.whisper_faster(x, 80))],
        "whisper-128": [("openai-whisper (torch.stft)", lambda: R.whisper_torch(x, 128, "openai", "float32")),
                        ("faster-whisper (numpy)", lambda: R.whisper_faster(x, 128))],
        "vggish": [("VGGish mel_features (numpy)", lambda: R.vggish_examples(x))],
        "fbank-80": [("torchaudio kaldi.fbank", lambda: R.fbank80(x, "float32"))],
    }


# ---- the BLAS a peer process runs on ---------------------------------------------------------
REFERENCE_BLAS = ("/blas/libblas.so", "/lapack/liblapack.so", "libblas.so.3.11", "librefblas")
OPTIMISED_BLAS = ("openblas", "mkl", "blis", "atlas")


def blas_report():
    """What this process runs its BLAS on: the libraries mapped, threadpoolctl's view, torch's
    build info and thread counts; `reference` is set when the netlib reference BLAS is mapped
    or no optimised BLAS is."""
    mapped = set()
    for line in open("/proc/self/maps"):
        f = line.split()
        if len(f) >= 6 and any(k in f[5] for k in ("blas", "lapack", "mkl", "blis")):
            mapped.add(os.path.realpath(f[5]))
    rep = {"mapped": sorted(mapped)}
    try:
        import threadpoolctl
        rep["threadpoolctl"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads", "filepath",
                                                       "threading_layer")}
                                for d in threadpoolctl.threadpool_info()]
    except ImportError:
        rep["threadpoolctl"] = None
    if "torch" in sys.modules:
        import torch
        m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
        rep["torch_blas_info"] = "BLAS_INFO=" + (m.group(1) if m else "?")
        rep["torch_threads"] = torch.get_num_threads()
        rep["torch_parallel"] = [l.strip() for l in torch.__config__.parallel_info().splitlines()
                                 if "get_num_threads" in l or "backend" in l]
    ref = [p for p in mapped if any(k in p for k in REFERENCE_BLAS) and not any(k in p for k in OPTIMISED_BLAS)]
    # the library itself first (libopenblasp-r0.3.21.so), not the libblas.so.3 beside it
    opt = sorted((p for p in mapped if any(k in p for k in OPTIMISED_BLAS)),
                 key=lambda p: not any(k in os.path.basename(p) for k in OPTIMISED_BLAS))
    rep["reference"] = bool(ref) or not opt
    rep["reference_libs"] = ref
    rep["blas"] = (os.path.basename(opt[0]) if opt else "reference (netlib)" if ref else "none mapped")
    return rep


def worker(a):
    """One peer process at a.threads threads (the environment was set before numpy came in)."""
    import torch
    torch.set_num_threads(a.threads)
    x = load(a.wav)
    out = {"threads": a.threads, "times": {}}
    for preset, plist in peer_table(x).items():
        if preset not in a.presets:
            continue
        for name, fn in plist:
            fn()  # warm-up: first-call allocations and library set-up are not the peer's compute
            t_min, t_med, _ = timed(fn, a.reps)
            out["times"]["%s|%s" % (preset, name)] = [t_min, t_med]
    out["blas"] = blas_report()
    print(json.dumps(out))


def run_peers(a, wav, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", "--wav", wav, "--threads",
                        str(threads), "--reps", str(a.reps), "--presets", ",".join(a.presets)],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("audio_peers: the peer process (%d threads) failed:\n%s" % (threads, r.stderr[-3000:]))
    w = json.loads(r.stdout.strip().splitlines()[-1])
    b = w["blas"]
    if b["reference"]:
        sys.exit("audio_peers: refused: the peers ran on the reference BLAS (%s; torch %s), which no user "
                 "runs torch or numpy on; install an optimised one (Debian: apt-get install "
                 "libopenblas0-pthread, or `scripts/deps.sh bench`) and run again"
                 % (", ".join(b["reference_libs"] or b["mapped"]) or "no optimised BLAS mapped",
                    b.get("torch_blas_info", "?")))
    return w


def accel_mem(accel, wav, preset, iters, threads):
    env = dict(os.environ, ACCEL_NUM_THREADS=str(threads))
    r = subprocess.run([accel, "audio", "features", wav, "--preset", preset, "--bench-iterations", str(iters),
                        "--json"], check=True, capture_output=True, text=True, env=env)
    f = json.loads(r.stdout)["files"][0]
    return f["min_ms"] / 1e3, f["median_ms"] / 1e3, f["device"]


def accel_process(accel, src, preset, reps, out, threads=2, overwrite=False):
    """The whole process writing `out`: a new file each time (as a corpus run writes), or with
    overwrite=True over the previous one (ext4 then writes the new file's data back before
    the rename that replaces the old one returns: tens of milliseconds for 20 MB)."""
    env = dict(os.environ, ACCEL_NUM_THREADS=str(threads))
    ts = []
    for _ in range(reps):
        if not overwrite and os.path.exists(out):
            os.unlink(out)
        elif overwrite and not os.path.exists(out):
            subprocess.run([accel, "audio", "features", src, "--preset", preset, "-o", out], check=True,
                           capture_output=True, env=env)
        t0 = time.perf_counter()
        subprocess.run([accel, "audio", "features", src, "--preset", preset, "-o", out], check=True,
                       capture_output=True, env=env)
        ts.append(time.perf_counter() - t0)
    return min(ts), float(np.median(ts))


CHUNK = 6000 * 80 * 4  # about one 60-s chunk of whisper-80 output, the stream's buffer size


def io_floor(accel, src, preset, out_bytes, workdir, reps):
    """What the whole process costs on this machine besides the compute, measured apart in the
    same minute: starting accel (and its context) on a 0.5-s clip of the input; reading the
    input's bytes (pread into one reused buffer of a chunk's size); writing the output's bytes
    to a new file in the output's directory (from one reused buffer, then rename). Minimum over
    `reps` each, in seconds."""
    clip = os.path.join(workdir, "clip_0.5s.wav")
    if not os.path.exists(clip):
        with wave.open(src) as w, wave.open(clip, "wb") as o:
            o.setparams(w.getparams())
            o.writeframes(w.readframes(8000))
    start, read, write = [], [], []
    buf = bytearray(CHUNK)
    junk = os.path.join(workdir, "floor.npy")
    tmp = junk + ".tmp"
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([accel, "audio", "features", clip, "--preset", preset, "-o", junk], check=True,
                       capture_output=True)
        start.append(time.perf_counter() - t0)
        os.unlink(junk)
        fd = os.open(src, os.O_RDONLY)
        t0 = time.perf_counter()
        off = 0
        while True:
            k = os.preadv(fd, [buf], off)
            if k <= 0:
                break
            off += k
        read.append(time.perf_counter() - t0)
        os.close(fd)
        t0 = time.perf_counter()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        left = out_bytes
        while left > 0:
            left -= os.write(fd, memoryview(buf)[:min(left, CHUNK)])
        os.close(fd)
        os.rename(tmp, junk)
        write.append(time.perf_counter() - t0)
        os.unlink(junk)
    return min(start), min(read), min(write)


def ffmpeg_decode(src, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", src, "-ac", "1", "-ar", "16000", "-f", "f32le",
                        "-"], check=True, stdout=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t0)
    return min(ts), float(np.median(ts))


def compressed(a, wav, seconds):
    """Decode-limited throughput: accel's whole process on FLAC, MP3 and Opus against ffmpeg
    decoding the same file to float32."""
    if not shutil.which("ffmpeg"):
        print("(--compressed: ffmpeg is not installed: apt-get install ffmpeg)")
        return []
    rows = []
    for fmt, args in (("flac", ["-c:a", "flac"]), ("mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
                      ("opus", ["-c:a", "libopus", "-b:a", "32k"])):
        path = os.path.join(a.workdir, "speech_%gmin.%s" % (a.minutes, fmt))
        if not os.path.exists(path):
            subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", wav] + args + [path], check=True)
        f_min, _ = ffmpeg_decode(path, a.reps)
        p_min, p_med = accel_process(a.accel, path, "whisper-80", a.reps, os.path.join(a.workdir, "c.npy"))
        row = dict(format=fmt, ffmpeg_decode_s=f_min, accel_process_s=p_min, accel_process_median_s=p_med,
                   ffmpeg_x_realtime=seconds / f_min, accel_x_realtime=seconds / p_min)
        rows.append(row)
        print("%-5s ffmpeg -f f32le %6.3f s (%5.0fx real time) | accel whisper-80 whole process %6.3f s "
              "(%5.0fx real time, %.2f of ffmpeg's decode)" % (fmt, f_min, row["ffmpeg_x_realtime"], p_min,
                                                             row["accel_x_realtime"], p_min / f_min), flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accel", default=os.path.join(HERE, "..", "build", "accel"))
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", default="1,2", help="peer thread counts to try (best taken)")
    ap.add_argument("--presets", default="whisper-80,whisper-128,vggish,fbank-80")
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "build", "bench-audio"))
    ap.add_argument("--compressed", action="store_true", help="also FLAC, MP3 and Opus against ffmpeg")
    ap.add_argument("--json")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--wav", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.presets = [p for p in a.presets.split(",") if p]
    if a.worker:
        a.threads = int(a.threads)
        return worker(a)
    os.makedirs(a.workdir, exist_ok=True)
    wav = os.path.join(a.workdir, "speech_%gmin.wav" % a.minutes)
    make_input(wav, a.minutes)
    x = load(wav)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    import torch
    info = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu, "cores": os.cpu_count(),
            "load_average": os.getloadavg(), "torch": torch.__version__, "numpy": np.__version__,
            "seconds_of_audio": len(x) / 16000.0, "python": platform.python_version()}
    print(json.dumps(info))
    counts = [int(t) for t in a.threads.split(",") if t]
    workers = {}
    for t in counts:
        workers[t] = run_peers(a, wav, t)
        b = workers[t]["blas"]
        print("peers at %d thread(s): BLAS %s; torch %s, %s thread(s); threadpoolctl %s" %
              (t, b["blas"], b.get("torch_blas_info"), b.get("torch_threads"),
               [(d["internal_api"], d["version"], d["num_threads"]) for d in (b["threadpoolctl"] or [])]), flush=True)
    info["peer_blas"] = {t: workers[t]["blas"] for t in counts}
    names = {p: [n for n, _ in pl] for p, pl in peer_table(x).items()}
    # the float64 computations (not timed): how far each side is from the exact answer
    exact = {"whisper-80": lambda: R.whisper_torch(x, 80, "openai", "float64"),
             "whisper-128": lambda: R.whisper_torch(x, 128, "openai", "float64"),
             "vggish": lambda: R.vggish_examples(x),
             "fbank-80": lambda: R.fbank80(x, "float64")}
    outs = {p: dict(pl) for p, pl in peer_table(x).items()}
    rows = []
    for preset in a.presets:
        # accel and the peers' best back to back, accel first
        a_min, a_med, dev = accel_mem(a.accel, wav, preset, a.iters, 2)
        a1_min, _, _ = accel_mem(a.accel, wav, preset, a.iters, 1)
        out = os.path.join(a.workdir, preset + ".npy")
        p_min, p_med = accel_process(a.accel, wav, preset, a.reps, out)
        o_min, _ = accel_process(a.accel, wav, preset, a.reps, out, overwrite=True)
        f_start, f_read, f_write = io_floor(a.accel, wav, preset, os.path.getsize(out), a.workdir, a.reps)
        mine = np.load(out)
        truth = np.asarray(exact[preset]())
        accel_err = float(np.abs(mine - truth).max())
        for name in names[preset]:
            per = {t: workers[t]["times"]["%s|%s" % (preset, name)] for t in counts}
            best_t = min(counts, key=lambda t: per[t][0])
            t_min, t_med = per[best_t]
            t2 = per.get(2, per[best_t])[0]
            ref = np.asarray(outs[preset][name]())
            diff = float(np.abs(mine - ref).max()) if mine.shape == ref.shape else float("nan")
            peer_err = float(np.abs(ref - truth).max()) if ref.shape == truth.shape else float("nan")
            row = dict(preset=preset, peer=name, peer_s=t_min, peer_median_s=t_med, peer_threads=best_t,
                       peer_s_by_threads={str(t): per[t][0] for t in counts}, peer_2threads_s=t2,
                       peer_blas=workers[best_t]["blas"]["blas"], accel_s=a_min, accel_median_s=a_med,
                       accel_1thread_s=a1_min, accel_process_s=p_min, accel_process_median_s=p_med,
                       accel_process_overwrite_s=o_min, start_s=f_start, read_s=f_read, write_s=f_write,
                       ratio=t_min / a_min, ratio_2v2=t2 / a_min, ratio_1thread=t_min / a1_min,
                       ratio_process=t_min / p_min, process_vs_compute=p_min / a_min, max_abs_diff=diff,
                       accel_vs_float64=accel_err, peer_vs_float64=peer_err, device=dev)
            rows.append(row)
            print("%-12s %-30s peer %7.3f s (%d thr; %s) | accel %7.4f s (1 thread %7.4f s) = %6.1fx "
                  "(2 v 2 thr %5.1fx) | accel process %6.3f s = %5.1fx, %.2fx its compute (over the old file "
                  "%6.3f s) | max |diff| %.2g; vs float64: accel %.2g, peer %.2g" %
                  (preset, name, t_min, best_t, " ".join("%s:%.3f" % (t, per[t][0]) for t in counts), a_min,
                   a1_min, row["ratio"], row["ratio_2v2"], p_min, row["ratio_process"], row["process_vs_compute"],
                   o_min, diff, accel_err, peer_err), flush=True)
        print("%-12s apart, same minute: start %.1f ms, read the input %.1f ms, write the output %.1f ms "
              "(%.1f MB) — start + read + write = %.2fx the compute in memory" %
              (preset, f_start * 1e3, f_read * 1e3, f_write * 1e3, os.path.getsize(out) / 1e6,
               (f_start + f_read + f_write) / a_min), flush=True)
    comp = compressed(a, wav, len(x) / 16000.0) if a.compressed else []
    if a.json:
        json.dump({"info": info, "rows": rows, "compressed": comp}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
