#!/usr/bin/python3
"""Image operations: accel against OpenCV 4.6, in the same run, on the same files.

  /usr/bin/python3 bench/image_peers.py [--accel-bench build/accel_bench_image_cpu]
                                        [--reps 10] [--json out.json] [--workdir DIR]

Inputs (written once to the work directory): scikit-image's astronaut, coffee and
hubble_deep_field photographs resized to 1920×1080 (INTER_LINEAR) and saved as quality-90
JPEGs, and 200 JPEGs of mixed sizes (320 … 1920 pixels wide) made from its photographs.
Peers: OpenCV with cv2.setNumThreads(2) and (1), the best of the two taken; accel with
ACCEL_NUM_THREADS=2 and 1, the best taken (bench/image_cpu.c, in-process through the public
API). Every figure is the minimum over the repetitions (medians are in the JSON).

What is timed, per 1080p image unless said (the issue's speed goals):
  quality   gray + Laplacian variance + mean + std + Sobel Tenengrad       goal ≥ 20×
  area224   INTER_AREA 1920×1080 → 224×224                                goal ≥ 2×
  scrfd     SCRFD letterbox + blobFromImage (640×640)
  decode    imread / imdecode of the JPEG bytes
  pipeline  JPEG bytes → blob + quality (imdecode + letterbox/blob + quality; accel: one
            accel_scrfd_prepare_memory call, full-size decode so the results are OpenCV's,
            the decoded image kept)                                         goal ≥ 5×
  pipeline3 the same as accel's three separate calls (decode, scrfd_input, quality), for
            comparison (OpenCV's figure is pipeline's)
  batch     200 JPEGs of mixed sizes → blobs + quality, images per second (accel:
            accel_scrfd_prepare_memory on 16 files per call)                goal ≥ 5×
With --formats png,webp,exif6: decode, pipeline and pipeline3 again on the same three
photographs saved as PNG (cv2.imwrite's defaults) and as WebP (quality 90), which accel also
decodes by rows beside the blob and quality, and as the JPEGs with EXIF orientation 6, which
both sides turn (no goals of their own).

Then the device batch (issue 9's GPU goal, here on the devices this machine has): N decoded
1080p images (the three photographs repeated) → SCRFD blobs + quality, one call of each over
the whole batch, transfers included, on the CPU and on each device kind asked for
(--devices, default cpu,opencl; PoCL in CI) — accel against itself, no OpenCL peer. With
--device-batch N (default 16). A kind the machine lacks is reported as not measured.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import cv2
import numpy as np
import skimage.data

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "image"))
import make_image_refs as R  # noqa: E402  (SCRFD's preprocessing restated)


def make_inputs(d):
    os.makedirs(d, exist_ok=True)
    hd = []
    for name in ("astronaut", "coffee", "hubble_deep_field"):
        p = os.path.join(d, f"{name}_1080p.jpg")
        if not os.path.exists(p):
            img = cv2.resize(np.ascontiguousarray(getattr(skimage.data, name)()[..., ::-1]), (1920, 1080))
            cv2.imwrite(p, img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        hd.append(p)
    mixed = []
    rng = np.random.default_rng(7)
    photos = [np.ascontiguousarray(getattr(skimage.data, n)()[..., ::-1])
              for n in ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field")]
    for i in range(200):
        p = os.path.join(d, f"mixed_{i:03d}.jpg")
        if not os.path.exists(p):
            w = int(rng.integers(320, 1921))
            h = int(w * rng.uniform(0.5, 1.4))
            cv2.imwrite(p, cv2.resize(photos[i % len(photos)], (w, h)), [cv2.IMWRITE_JPEG_QUALITY, 90])
        mixed.append(p)
    return hd, mixed


def other_format(hd, fmt):
    """The 1080p photographs saved as PNG or WebP beside their JPEGs, or the JPEGs with an
    EXIF orientation 6 (a phone held upright) put first."""
    out = []
    for p in hd:
        q = p[:-4] + ("_exif6.jpg" if fmt == "exif6" else "." + fmt)
        if not os.path.exists(q):
            if fmt == "exif6":
                with open(p, "rb") as f, open(q, "wb") as g:
                    g.write(R.with_app1(f.read(), R.exif_app1(6)))
            else:
                params = [cv2.IMWRITE_WEBP_QUALITY, 90] if fmt == "webp" else []
                cv2.imwrite(q, cv2.imread(p, cv2.IMREAD_COLOR), params)
        out.append(q)
    return out


def quality(img):
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    lap = cv2.Laplacian(g, cv2.CV_64F).var()
    gx = cv2.Sobel(g, cv2.CV_64F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_64F, 0, 1, ksize=3)
    return lap, g.mean(), g.std(), np.mean(gx ** 2 + gy ** 2)


def best_of(fn, reps):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return min(t) * 1e3, float(np.median(t)) * 1e3


def opencv_case(case, files, reps):
    bufs = [np.fromfile(p, np.uint8) for p in files]
    imgs = [cv2.imdecode(b, cv2.IMREAD_COLOR) for b in bufs]
    per = {
        "quality": lambda: [quality(i) for i in imgs],
        "area224": lambda: [cv2.resize(i, (224, 224), interpolation=cv2.INTER_AREA) for i in imgs],
        "scrfd": lambda: [R.scrfd_prepare(i) for i in imgs],
        "decode": lambda: [cv2.imdecode(b, cv2.IMREAD_COLOR) for b in bufs],
        "pipeline": lambda: [(R.scrfd_prepare(x), quality(x)) for x in (cv2.imdecode(b, cv2.IMREAD_COLOR) for b in bufs)],
        "pipeline3": lambda: [(R.scrfd_prepare(x), quality(x)) for x in (cv2.imdecode(b, cv2.IMREAD_COLOR) for b in bufs)],
        "batch": lambda: [(R.scrfd_prepare(x), quality(x)) for x in (cv2.imdecode(b, cv2.IMREAD_COLOR) for b in bufs)],
    }[case]
    res = {}
    for th in (2, 1):
        cv2.setNumThreads(th)
        b, m = best_of(per, reps)
        div = 1 if case == "batch" else len(files)
        res[th] = (b / div, m / div)
    cv2.setNumThreads(2)
    return res


def accel_case(exe, case, files, reps):
    res = {}
    for th in (2, 1):
        out = subprocess.run([exe, "--threads", str(th), "--reps", str(reps), case] + files,
                             check=True, capture_output=True, text=True).stdout
        j = json.loads(out)
        res[th] = (j["best_ms"], j["median_ms"])
    return res


GOALS = {"quality": 20, "area224": 2, "pipeline": 5, "batch": 5}


def device_batch(exe, kinds, files, n, reps):
    """blobq on each device kind: {kind: json or None (no such device)}"""
    out = {}
    for kind in kinds:
        p = subprocess.run([exe, "--threads", str(os.cpu_count() or 2), "--reps", str(reps),
                            "--device", kind, "--batch", str(n), "blobq"] + files,
                           capture_output=True, text=True)
        if p.returncode == 3:
            out[kind] = None
            continue
        if p.returncode != 0:
            raise SystemExit(f"blobq on {kind}: {p.stderr.strip()}")
        out[kind] = json.loads(p.stdout)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accel-bench", default=os.path.join(HERE, "..", "build", "accel_bench_image_cpu"))
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--workdir", default=os.path.join(HERE, "..", "build", "bench", "image"))
    ap.add_argument("--json")
    ap.add_argument("--devices", default="cpu,opencl")
    ap.add_argument("--device-batch", type=int, default=16)
    ap.add_argument("--skip-peers", action="store_true", help="the device batch only")
    ap.add_argument("--formats", default="", help="also png, webp, exif6 (comma-separated)")
    a = ap.parse_args()
    formats = [f for f in a.formats.split(",") if f]
    for f in formats:
        if f not in ("png", "webp", "exif6"):
            raise SystemExit(f"--formats: {f!r} (allowed: png, webp, exif6)")
    hd, mixed = make_inputs(a.workdir)
    rows = []
    print(f"# image operations, {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, OpenCV {cv2.__version__}")
    print("| case | files | OpenCV best ms (2 thr / 1 thr) | accel best ms (2 thr / 1 thr) | ratio (best/best) | goal |")
    print("|---|---|---|---|---|---|")
    cases = [(c, "") for c in ("quality", "area224", "scrfd", "decode", "pipeline", "pipeline3", "batch")]
    cases += [(c, f) for f in formats for c in ("decode", "pipeline", "pipeline3")]
    for case, fmt in () if a.skip_peers else cases:
        files = mixed if case == "batch" else other_format(hd, fmt) if fmt else hd
        reps = max(2, a.reps // 5) if case == "batch" else a.reps
        # interleaved: OpenCV, accel, OpenCV again; the best of all runs counts
        cv = opencv_case(case, files, reps)
        ac = accel_case(a.accel_bench, case, files, reps)
        cv2_ = opencv_case(case, files, reps)
        cvb = min(min(cv[1][0], cv[2][0]), min(cv2_[1][0], cv2_[2][0]))
        acb = min(ac[1][0], ac[2][0])
        ratio = cvb / acb
        goal = None if fmt else GOALS.get(case)
        verdict = "" if goal is None else ("met" if ratio >= goal else "missed") + f" (≥ {goal}×)"
        unit = "ms per batch of 200" if case == "batch" else "ms per image"
        print(f"| {case}{f' ({fmt})' if fmt else ''} | {len(files)} | {min(cv[2][0], cv2_[2][0]):.2f} / {min(cv[1][0], cv2_[1][0]):.2f} "
              f"| {ac[2][0]:.2f} / {ac[1][0]:.2f} | {ratio:.1f}× | {verdict} |")
        rows.append({"case": case, "format": fmt or "jpeg", "files": len(files), "unit": unit,
                     "opencv": {"2": cv[2], "1": cv[1], "2b": cv2_[2], "1b": cv2_[1]},
                     "accel": {"2": ac[2], "1": ac[1]}, "ratio": ratio, "goal": goal})
        if case == "batch":
            print(f"|  | images/s | {200 / (cvb / 1e3):.1f} | {200 / (acb / 1e3):.1f} | | |")
    kinds = [k for k in a.devices.split(",") if k]
    dev = device_batch(a.accel_bench, kinds, hd, a.device_batch, max(2, a.reps // 2))
    print(f"\n# device batch: {a.device_batch} decoded 1080p images → SCRFD blobs + quality, "
          "one call of each, transfers included")
    print("| device | best ms per batch | median ms | images/s | against the CPU |")
    print("|---|---|---|---|---|")
    cpu = dev.get("cpu")
    for kind in kinds:
        j = dev[kind]
        if j is None:
            print(f"| {kind} | not measured: no usable {kind} device | | | |")
            continue
        vs = "" if kind == "cpu" or not cpu else f"{cpu['best_ms'] / j['best_ms']:.2f}×"
        print(f"| {kind}: {j['device_name']} | {j['best_ms']:.1f} | {j['median_ms']:.1f} "
              f"| {j['images_per_s']:.1f} | {vs} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "load": os.getloadavg(), "rows": rows,
                       "device_batch": dev}, f, indent=1)


if __name__ == "__main__":
    main()
