#!/usr/bin/env bash
# gpu.sh OUTDIR — everything that needs an NVIDIA GPU, in one run, results under OUTDIR:
#   - build with nvcc (fatbin) and run the CUDA tests and the conformance suite;
#   - accel devices --json and accel doctor --json beside nvidia-smi -q, field by field;
#   - accel bench on the GPU: convert (against the device's copy bandwidth) and the audio
#     presets at 20 minutes (kernel time from device events, end to end with the copies);
#   - the torch peer on the same GPU: openai-whisper's log-mel through torch.stft, timed with
#     CUDA events, on 20 minutes of audio already on the device, and end to end from the host;
#   - the image family: its conformance and OpenCV references on the GPU alone, accel bench of
#     the image operations at 1920x1080, and issue 9's goal: a batch of 256 decoded 1080p
#     images → SCRFD blobs + quality, transfers included, against accel's own CPU path on all
#     the host's cores (goal ≥ 10×).
# Record the figures in docs/benchmarks.md with the date, the GPU and the driver.
set -uo pipefail
out=${1:?usage: bench/gpu.sh OUTDIR}
mkdir -p "$out"
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-gpu
py=${PYTHON:-python3}
log() { echo "== $*" | tee -a "$out/summary.txt"; }

log "build (nvcc: $(command -v nvcc || echo /usr/local/cuda/bin/nvcc))"
export PATH=$PATH:/usr/local/cuda/bin
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DACCEL_CUDA_KERNELS=ON >"$out/configure.txt" 2>&1 ||
  { tail -20 "$out/configure.txt"; exit 1; }
cmake --build "$build" -j "$(nproc)" >"$out/build.txt" 2>&1 || { tail -30 "$out/build.txt"; exit 1; }
cmake --build "$build" --target accel_bench_image_cpu >>"$out/build.txt" 2>&1 ||
  { tail -30 "$out/build.txt"; exit 1; }

log "CUDA tests and conformance"
(cd "$build" && ctest -L 'cuda|conformance' --output-on-failure) >"$out/ctest-cuda.txt" 2>&1
tail -5 "$out/ctest-cuda.txt" | tee -a "$out/summary.txt"

log "conformance on the real GPU alone (--require-kind cuda: fails unless the GPU ran the cases)"
for op in convert reduce noop whisper vggish fbank image_gray image_resize image_blob scrfd_input \
  image_warp arcface_align image_quality image_enhance; do
  (cd "$build" && "./conformance_$op" --op "$op" --require-kind cuda) >"$out/conformance-cuda-$op.txt" 2>&1
  echo "$op: exit $? ($(tail -1 "$out/conformance-cuda-$op.txt"))" | tee -a "$out/summary.txt"
done

log "devices, doctor, nvidia-smi"
"$build/accel" devices --json --no-cache >"$out/devices.json" 2>"$out/devices.err"
"$build/accel" devices >"$out/devices.txt" 2>&1
"$build/accel" doctor --json --no-cache >"$out/doctor.json" 2>&1
"$build/accel" doctor >"$out/doctor.txt" 2>&1
nvidia-smi -q >"$out/nvidia-smi.txt" 2>&1
nvidia-smi --query-gpu=name,pci.bus_id,uuid,memory.total,memory.used,memory.free,driver_version,compute_cap,temperature.gpu,power.draw,utilization.gpu --format=csv >"$out/nvidia-smi.csv" 2>&1
cat "$out/devices.txt" "$out/nvidia-smi.csv" | tee -a "$out/summary.txt"

log "accel bench on the GPU"
"$build/accel" bench --op convert --size large --device cuda --iterations 20 \
  --json -o "$out/bench-convert.json" >"$out/bench-convert.txt" 2>&1
for p in whisper-80 whisper-128 vggish fbank-80; do
  "$build/accel" bench --op "$p" --size medium --device all --iterations 10 \
    --json -o "$out/bench-$p.json" >"$out/bench-$p.txt" 2>&1
done
grep -hE "^(convert|whisper|vggish|fbank)" "$out"/bench-*.txt | tee -a "$out/summary.txt"

log "torch peer on the same GPU (whisper-80, 20 minutes)"
$py - <<'PY' 2>&1 | tee "$out/torch-whisper.txt" | tee -a "$out/summary.txt"
import math, torch
if not torch.cuda.is_available():
    raise SystemExit("torch: no CUDA device")
dev = torch.device("cuda")
n = 16000 * 60 * 20
x_host = (torch.rand(n) * 2 - 1) * 0.1
def mel_filters(n_mels=80, sr=16000, n_fft=400):
    # Slaney mel scale, Slaney normalisation (librosa.filters.mel defaults)
    def hz_to_mel(f):
        f = torch.as_tensor(f, dtype=torch.float64)
        lin = f / (200.0 / 3)
        return torch.where(f >= 1000, 15.0 + torch.log(f / 1000) / (math.log(6.4) / 27), lin)
    def mel_to_hz(m):
        lin = m * (200.0 / 3)
        return torch.where(m >= 15, 1000 * torch.exp((math.log(6.4) / 27) * (m - 15)), lin)
    fft = torch.linspace(0, sr / 2, n_fft // 2 + 1, dtype=torch.float64)
    mels = mel_to_hz(torch.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2, dtype=torch.float64))
    fd = torch.diff(mels)
    ramps = mels[:, None] - fft[None, :]
    lower = -ramps[:-2] / fd[:-1, None]
    upper = ramps[2:] / fd[1:, None]
    w = torch.clamp(torch.minimum(lower, upper), min=0)
    w *= (2.0 / (mels[2:] - mels[:-2]))[:, None]
    return w.float()
filters = mel_filters().to(dev)
window = torch.hann_window(400, device=dev)
def logmel(x):
    s = torch.stft(x, 400, 160, window=window, return_complex=True)
    mag = s[..., :-1].abs() ** 2
    m = filters @ mag
    l = torch.clamp(m, min=1e-10).log10()
    l = torch.maximum(l, l.max() - 8.0)
    return (l + 4.0) / 4.0
x = x_host.to(dev)
for _ in range(3):
    logmel(x)
torch.cuda.synchronize()
a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
best = 1e9
for _ in range(10):
    a.record(); logmel(x); b.record(); torch.cuda.synchronize()
    best = min(best, a.elapsed_time(b))
best_e2e = 1e9
pinned = x_host.pin_memory()
for _ in range(10):
    a.record(); y = logmel(pinned.to(dev, non_blocking=True)).cpu(); b.record(); torch.cuda.synchronize()
    best_e2e = min(best_e2e, a.elapsed_time(b))
print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}: whisper-80 log-mel of 20 min: "
      f"{best:.3f} ms on the device, {best_e2e:.3f} ms end to end from pinned host memory")
PY
log "image family: OpenCV references on the GPU alone (fallbacks are errors)"
for g in gray resize blob scrfd_in align quality clahe; do
  bash "$here/tests/image/test_image_refs.sh" "$g" "$here/tests/image/make_image_refs.py" \
    "$build/test_image_refs" "$out/image-refs-$g" cuda >"$out/image-refs-cuda-$g.txt" 2>&1
  echo "$g: exit $? ($(grep -E 'identical|within|SKIP' "$out/image-refs-cuda-$g.txt" | head -2 | tr '\n' ' '))" |
    tee -a "$out/summary.txt"
done

log "image family: accel bench at 1920x1080 (batches of 16)"
"$build/accel" bench --op image_gray,image_resize,scrfd_input,image_warp,arcface_align,image_quality,image_enhance \
  --size large --image-size medium --device all --iterations 10 --json -o "$out/bench-image.json" \
  >"$out/bench-image.txt" 2>&1
sed -n '/^verdict/,/^$/p' "$out/bench-image.txt" | tee -a "$out/summary.txt"

log "image family: 256 decoded 1080p images -> SCRFD blobs + quality, transfers included (goal >= 10x accel's CPU)"
imgdir=$out/image-inputs
$py - "$imgdir" <<'PY' 2>&1 | tee -a "$out/summary.txt"
import os, sys
import cv2, numpy as np
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
try:
    import skimage.data
    photos = [np.ascontiguousarray(getattr(skimage.data, n)()[..., ::-1])
              for n in ("astronaut", "coffee", "hubble_deep_field")]
    what = "scikit-image's astronaut, coffee, hubble_deep_field"
except Exception:  # no scikit-image here: photograph-like synthetic images
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:1080, 0:1920]
    photos = [np.clip(np.stack([128 + 90 * np.sin(x * f + y * f / 2 + c) for c in range(3)], -1)
                      + rng.normal(0, 12, (1080, 1920, 3)), 0, 255).astype(np.uint8)
              for f in (0.01, 0.03, 0.07)]
    what = "synthetic images (scikit-image missing)"
for i, p in enumerate(photos):
    cv2.imwrite(os.path.join(d, f"in{i}_1080p.jpg"), cv2.resize(p, (1920, 1080)),
                [cv2.IMWRITE_JPEG_QUALITY, 90])
print(f"inputs: three 1920x1080 quality-90 JPEGs from {what}, decoded once, repeated to 256")
PY
gpu_json=$("$build/accel_bench_image_cpu" --device cuda --batch 256 --reps 5 blobq "$imgdir"/in*_1080p.jpg 2>&1)
cpu_json=$("$build/accel_bench_image_cpu" --device cpu --threads "$(nproc)" --batch 256 --reps 5 blobq \
  "$imgdir"/in*_1080p.jpg 2>&1)
echo "$gpu_json" >"$out/image-goal-cuda.json"
echo "$cpu_json" >"$out/image-goal-cpu.json"
$py - "$gpu_json" "$cpu_json" <<'PY' 2>&1 | tee -a "$out/summary.txt"
import json, sys
try:
    g, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
except ValueError:
    raise SystemExit("not measured: " + sys.argv[1].strip()[:300] + " / " + sys.argv[2].strip()[:300])
r = c["best_ms"] / g["best_ms"]
print(f"GPU {g['device_name']}: {g['best_ms']:.1f} ms per batch of 256 ({g['images_per_s']:.0f} images/s); "
      f"CPU ({c['threads']} threads): {c['best_ms']:.1f} ms ({c['images_per_s']:.0f} images/s); "
      f"{r:.2f}x: goal >= 10x {'met' if r >= 10 else 'missed'}")
PY
"$build/accel" bench --op scrfd_input,image_quality --size 256 --image-size medium --device all \
  --iterations 5 --json -o "$out/bench-image-goal.json" >"$out/bench-image-goal.txt" 2>&1
grep -E "^(scrfd_input|image_quality) " "$out/bench-image-goal.txt" | tee -a "$out/summary.txt"
log "done: $out"
