#!/usr/bin/env bash
# gpu.sh OUTDIR — everything that needs an NVIDIA GPU, in one run, most important first:
#   1. what the machine has (compilers, CMake, pkg-config, Python and its OpenCV, torch);
#      build with nvcc (a fatbin for ACCEL_CUDA_ARCHS, default 90: the H100 and H200);
#   2. accel devices --json and accel doctor --json beside nvidia-smi -q;
#   3. the CUDA tests, then each operation's conformance with --require-kind cuda (fails
#      unless the GPU itself ran the cases);
#   4. issue 9's goal: a batch of 256 decoded 1080p images → SCRFD blobs + quality, transfers
#      included, against accel's own CPU path on all the host's cores (goal ≥ 10×);
#   5. accel bench on the GPU: convert (against the device's copy bandwidth) and the audio
#      presets at 20 minutes (fbank-80 takes the float route there: docs/audio.md); the torch
#      peer (openai-whisper's log-mel through torch.stft) on the same GPU with CUDA events;
#   6. the whole conformance suite; accel bench of the image operations at 1920x1080;
#   7. the image family against OpenCV on the GPU alone (test_image_refs.sh; references from
#      the machine's own OpenCV when Debian's 4.6 is not there: its version is printed).
# A step starts only while GPU_BUDGET_S seconds (default 480) have not passed since the start,
# so that a run cut off at 10 minutes still leaves its results packed. OUTDIR receives two
# files, re-written after every step (a remote run need fetch only those): summary.txt and
# details.tgz (every step's full output, from GPU_WORK, default /tmp/accel-gpu).
# On a machine that is not Debian 12 (no libturbojpeg, libspng, libwebp or libinih headers),
# make the bundle first where Debian's mirrors are reachable (bench/gpu_bundle.sh) and carry
# build-gpu-bundle along: it is used when present. Record the figures in docs/benchmarks.md
# with the date, the GPU and the driver.
set -uo pipefail
out=${1:?usage: bench/gpu.sh OUTDIR}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=${GPU_WORK:-/tmp/accel-gpu}
rm -rf "$work"
mkdir -p "$work"
build=$here/build-gpu
budget=${GPU_BUDGET_S:-480}
t_start=$(date +%s)
export PATH=$PATH:/usr/local/cuda/bin
summary=$out/summary.txt
: >"$summary"
log() { echo "== $*" | tee -a "$summary"; }
say() { tee -a "$summary"; }
pack() { tar czf "$out/details.tgz.part" -C "$work" . 2>/dev/null && mv "$out/details.tgz.part" "$out/details.tgz"; }
elapsed() { echo $(($(date +%s) - t_start)); }
# step NAME: 0 when there is time left for it (the step's start is logged with the time spent)
step() {
  pack
  if [ "$(elapsed)" -ge "$budget" ]; then
    log "$1: skipped ($(elapsed) s spent of GPU_BUDGET_S=$budget)"
    return 1
  fi
  log "$1 (at $(elapsed) s)"
}
trap 'pack' EXIT

if [ -f "$here/build-gpu-bundle/env.sh" ]; then
  # shellcheck disable=SC1091
  . "$here/build-gpu-bundle/env.sh"
  bundle="build-gpu-bundle (Debian 12's image decoders, libinih, pkg-config)"
else
  bundle="none"
fi
py=${PYTHON:-python3}

step "the machine" || exit 1
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); bundle: $bundle"
  for c in cc gcc cmake nvcc pkg-config "$py" nvidia-smi; do
    p=$(command -v "$c" 2>/dev/null)
    case $c in
    nvcc) v=$(nvcc --version 2>/dev/null | tail -2 | head -1) ;;
    nvidia-smi) v=$(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null) ;;
    *) v=$("$c" --version 2>&1 | head -1) ;;
    esac
    echo "$c: ${p:-MISSING} ${p:+($v)}"
  done
  "$py" - <<'PY' 2>&1
import importlib
for m in ("numpy", "cv2", "skimage", "PIL", "torch"):
    try:
        v = getattr(importlib.import_module(m), "__version__", "?")
    except Exception as e:
        v = "MISSING (%s)" % type(e).__name__
    print("python %s: %s" % (m, v))
PY
  for m in libturbojpeg libjpeg spng libwebp inih; do
    echo "pkg-config $m: $(pkg-config --modversion "$m" 2>/dev/null || echo MISSING)"
  done
} >"$work/machine.txt" 2>&1
say <"$work/machine.txt"

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DACCEL_CUDA_KERNELS=ON \
  -DACCEL_CUDA_ARCHS="${ACCEL_CUDA_ARCHS:-90}" >"$work/configure.txt" 2>&1 ||
  { tail -20 "$work/configure.txt" | say; exit 1; }
grep -E "^-- accel " "$work/configure.txt" | say
# everything that builds: a part this machine cannot build (the Python package without its
# headers, say) must not stop the GPU steps
{ cmake --build "$build" -j "$(nproc)" -- -k && cmake --build "$build" --target accel_bench_image_cpu; } \
  >"$work/build.txt" 2>&1 ||
  { echo "build: some targets failed (build.txt):"; grep -E "error|Error [0-9]" "$work/build.txt" | head -8; } | say
for t in accel conformance_whisper accel_bench_image_cpu test_image_refs; do
  [ -x "$build/$t" ] || [ -x "$build/bench/$t" ] || echo "MISSING after the build: $t" | say
done
[ -x "$build/accel" ] || exit 1

if step "devices, doctor, nvidia-smi"; then
  "$build/accel" devices --json --no-cache >"$work/devices.json" 2>"$work/devices.err"
  "$build/accel" devices >"$work/devices.txt" 2>&1
  "$build/accel" doctor --json --no-cache >"$work/doctor.json" 2>&1
  "$build/accel" doctor >"$work/doctor.txt" 2>&1
  nvidia-smi -q >"$work/nvidia-smi.txt" 2>&1
  nvidia-smi --query-gpu=name,pci.bus_id,uuid,memory.total,memory.used,memory.free,driver_version,compute_cap,temperature.gpu,power.draw,utilization.gpu --format=csv >"$work/nvidia-smi.csv" 2>&1
  cat "$work/devices.txt" "$work/nvidia-smi.csv" | say
fi

if step "CUDA tests"; then
  (cd "$build" && ctest -L cuda -j 4 --output-on-failure) >"$work/ctest-cuda.txt" 2>&1
  grep -E "tests passed|tests failed|\(Failed\)|\(Skipped\)" "$work/ctest-cuda.txt" | tail -8 | say
fi

if step "conformance on the real GPU alone (--require-kind cuda)"; then
  for op in convert reduce noop whisper vggish fbank image_gray image_resize image_blob scrfd_input \
    image_warp arcface_align image_quality image_enhance; do
    (cd "$build" && "./conformance_$op" --op "$op" --require-kind cuda) >"$work/conformance-cuda-$op.txt" 2>&1
    echo "$op: exit $? ($(tail -1 "$work/conformance-cuda-$op.txt"))" | say
  done
fi

if step "issue 9: 256 decoded 1080p images -> SCRFD blobs + quality, transfers included (goal >= 10x accel's CPU)"; then
  imgdir=$work/image-inputs
  "$py" - "$imgdir" <<'PY' 2>&1 | say
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
  bic=$build/accel_bench_image_cpu
  [ -x "$bic" ] || bic=$build/bench/accel_bench_image_cpu
  gpu_json=$("$bic" --device cuda --batch 256 --reps 5 blobq "$imgdir"/in*_1080p.jpg 2>&1)
  cpu_json=$("$bic" --device cpu --threads "$(nproc)" --batch 256 --reps 5 blobq "$imgdir"/in*_1080p.jpg 2>&1)
  echo "$gpu_json" >"$work/image-goal-cuda.json"
  echo "$cpu_json" >"$work/image-goal-cpu.json"
  "$py" - "$gpu_json" "$cpu_json" <<'PY' 2>&1 | say
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
    --iterations 5 --json -o "$work/bench-image-goal.json" >"$work/bench-image-goal.txt" 2>&1
  grep -E "^(scrfd_input|image_quality) " "$work/bench-image-goal.txt" | say
fi

if step "accel bench on the GPU (convert; audio presets, 20 minutes)"; then
  "$build/accel" bench --op convert --size large --device cuda --iterations 20 \
    --json -o "$work/bench-convert.json" >"$work/bench-convert.txt" 2>&1
  for p in whisper-80 whisper-128 vggish fbank-80; do
    "$build/accel" bench --op "$p" --size medium --device all --iterations 10 \
      --json -o "$work/bench-$p.json" >"$work/bench-$p.txt" 2>&1
  done
  grep -hE "^(convert|whisper|vggish|fbank)" "$work"/bench-convert.txt "$work"/bench-whisper-*.txt \
    "$work"/bench-vggish.txt "$work"/bench-fbank-80.txt | say
fi

if step "torch peer on the same GPU (whisper-80, 20 minutes)"; then
  "$py" - <<'PY' 2>&1 | tee "$work/torch-whisper.txt" | say
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
fi

if step "the whole conformance suite (every device, stand-ins included)"; then
  (cd "$build" && ctest -L conformance -j 4 --output-on-failure) >"$work/ctest-conformance.txt" 2>&1
  grep -E "tests passed|tests failed|\(Failed\)" "$work/ctest-conformance.txt" | tail -6 | say
fi

if step "image family: accel bench at 1920x1080 (batches of 16)"; then
  "$build/accel" bench --op image_gray,image_resize,scrfd_input,image_warp,arcface_align,image_quality,image_enhance \
    --size large --image-size medium --device all --iterations 10 --json -o "$work/bench-image.json" \
    >"$work/bench-image.txt" 2>&1
  sed -n '/^verdict/,/^$/p' "$work/bench-image.txt" | say
fi

if step "image family: OpenCV references on the GPU alone (fallbacks are errors)"; then
  # Debian's OpenCV 4.6 where /usr/bin/python3 has it, else this machine's Python (its OpenCV
  # version is printed: a newer OpenCV may round differently)
  if ! /usr/bin/python3 -c "import cv2, skimage, PIL" 2>/dev/null; then
    ACCEL_REF_PYTHON=$(command -v "$py")
    export ACCEL_REF_PYTHON
  fi
  for g in gray resize blob scrfd_in align quality clahe; do
    [ "$(elapsed)" -ge "$budget" ] && { echo "$g: skipped (time)" | say; continue; }
    bash "$here/tests/image/test_image_refs.sh" "$g" "$here/tests/image/make_image_refs.py" \
      "$build/test_image_refs" "$work/image-refs-$g" cuda >"$work/image-refs-cuda-$g.txt" 2>&1
    echo "$g: exit $? ($(grep -E 'references from|identical|within|SKIP' "$work/image-refs-cuda-$g.txt" | head -3 | tr '\n' ' '))" | say
    rm -rf "$work/image-refs-$g" # hundreds of MB of inputs and references
  done
fi
log "done in $(elapsed) s: $out/summary.txt, $out/details.tgz"
