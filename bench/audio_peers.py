#!/usr/bin/python3
"""Audio front ends: accel against its peers, in the same run, on the same input.

  /usr/bin/python3 bench/audio_peers.py [--accel build/accel] [--minutes 20] [--reps 3]
                                        [--json out.json]

Input: MINUTES of 16 kHz speech made by espeak-ng (sentences in several voices, joined with
short pauses, low noise added), written once to a WAV in the work directory and loaded into
memory for every peer. Peers (scripts/audio_reference.py):
  whisper-80/128  openai-whisper's log_mel_spectrogram restated with torch.stft (float32, torch's
                  default thread count) and faster-whisper's numpy FeatureExtractor
  vggish          VGGish's mel_features / waveform_to_examples (numpy)
  fbank-80        torchaudio.compliance.kaldi.fbank (float32) + mean normalisation
accel is timed in memory through `accel audio features --bench-iterations` (the same samples,
loaded once by accel), and as a whole process writing the .npy (read, compute, write).
Every figure is the minimum over the repetitions (medians are printed too).
"""
import argparse
import json
import os
import platform
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


def accel_mem(accel, wav, preset, iters, env=None):
    r = subprocess.run([accel, "audio", "features", wav, "--preset", preset, "--bench-iterations", str(iters),
                        "--json"], check=True, capture_output=True, text=True, env=env)
    f = json.loads(r.stdout)["files"][0]
    return f["min_ms"] / 1e3, f["median_ms"] / 1e3, f["device"]


def accel_process(accel, wav, preset, reps, out):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([accel, "audio", "features", wav, "--preset", preset, "-o", out], check=True,
                       capture_output=True)
        ts.append(time.perf_counter() - t0)
    return min(ts), float(np.median(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accel", default=os.path.join(HERE, "..", "build", "accel"))
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "build", "bench-audio"))
    ap.add_argument("--json")
    a = ap.parse_args()
    import torch
    os.makedirs(a.workdir, exist_ok=True)
    wav = os.path.join(a.workdir, "speech_%gmin.wav" % a.minutes)
    make_input(wav, a.minutes)
    x = load(wav)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    info = {"date": time.strftime("%Y-%m-%d"), "cpu": cpu, "cores": os.cpu_count(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "numpy": np.__version__, "seconds_of_audio": len(x) / 16000.0, "python": platform.python_version()}
    print(json.dumps(info))
    peers = {
        "whisper-80": [("openai-whisper (torch.stft)", lambda: R.whisper_torch(x, 80, "openai", "float32")),
                       ("faster-whisper (numpy)", lambda: R.whisper_faster(x, 80))],
        "whisper-128": [("openai-whisper (torch.stft)", lambda: R.whisper_torch(x, 128, "openai", "float32")),
                        ("faster-whisper (numpy)", lambda: R.whisper_faster(x, 128))],
        "vggish": [("VGGish mel_features (numpy)", lambda: R.vggish_examples(x))],
        "fbank-80": [("torchaudio kaldi.fbank", lambda: R.fbank80(x, "float32"))],
    }
    # the float64 computations (not timed): how far each side is from the exact answer
    exact = {"whisper-80": lambda: R.whisper_torch(x, 80, "openai", "float64"),
             "whisper-128": lambda: R.whisper_torch(x, 128, "openai", "float64"),
             "vggish": lambda: R.vggish_examples(x),
             "fbank-80": lambda: R.fbank80(x, "float64")}
    rows = []
    one = dict(os.environ, ACCEL_NUM_THREADS="1")
    for preset, plist in peers.items():
        a_min, a_med, dev = accel_mem(a.accel, wav, preset, a.iters)
        a1_min, _, _ = accel_mem(a.accel, wav, preset, a.iters, env=one)
        out = os.path.join(a.workdir, preset + ".npy")
        p_min, p_med = accel_process(a.accel, wav, preset, a.reps, out)
        mine = np.load(out)
        truth = np.asarray(exact[preset]())
        accel_err = float(np.abs(mine - truth).max())
        for name, fn in plist:
            t_min, t_med, ref = timed(fn, a.reps)
            ref = np.asarray(ref)
            diff = float(np.abs(mine - ref).max()) if mine.shape == ref.shape else float("nan")
            peer_err = float(np.abs(ref - truth).max()) if ref.shape == truth.shape else float("nan")
            row = dict(preset=preset, peer=name, peer_s=t_min, peer_median_s=t_med, accel_s=a_min,
                       accel_median_s=a_med, accel_1thread_s=a1_min, accel_process_s=p_min,
                       accel_process_median_s=p_med, ratio=t_min / a_min, ratio_1thread=t_min / a1_min,
                       ratio_process=t_min / p_min, max_abs_diff=diff, accel_vs_float64=accel_err,
                       peer_vs_float64=peer_err, device=dev)
            rows.append(row)
            print("%-12s %-30s peer %7.3f s | accel %7.4f s (1 thread %7.4f s) = %6.1fx (%5.1fx) | "
                  "accel process %6.3f s = %5.1fx | max |diff| %.2g; vs float64: accel %.2g, peer %.2g" %
                  (preset, name, t_min, a_min, a1_min, row["ratio"], row["ratio_1thread"], p_min,
                   row["ratio_process"], diff, accel_err, peer_err), flush=True)
    if a.json:
        json.dump({"info": info, "rows": rows}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
