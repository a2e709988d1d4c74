#!/usr/bin/env bash
# arm-check.sh — cross-builds accel for aarch64 (Debian gcc-aarch64-linux-gnu) and runs the
# CPU tests, the CPU conformance suite and the audio golden tests under qemu-aarch64, so the Arm
# build is checked on an x86-64 machine: the SIMD-level tests compare the baseline and neon
# levels bit for bit, and conformance and the goldens run once per level (ACCEL_CPU_SIMD). No
# Arm hardware is involved, so nothing here says how fast the NEON code is. Optional SDK
# parts are off (no Arm pkg-config tree, no nvcc/hipcc for Arm). fork() inside qemu-user
# with threads is not reliable, so the pool's fork test is not part of this run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-aarch64}
command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null || {
  echo "arm-check: needs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user (apt-get install)" >&2
  exit 1
}
PKG_CONFIG_LIBDIR=/nonexistent cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc \
  -DACCEL_CUDA_KERNELS=OFF -DACCEL_HIP_KERNELS=OFF \
  "-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-aarch64;-L;/usr/aarch64-linux-gnu" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
# the tests that go through the levels themselves
ctest --output-on-failure -R 'test_cpu_(pool|simd|f16|parse)$|test_audio_(fft|isa)$'
# the rest once per level of an AArch64 build
for level in baseline neon; do
  echo "arm-check: ACCEL_CPU_SIMD=$level"
  ACCEL_CPU_SIMD=$level ctest --output-on-failure \
    -R 'conformance_(convert|reduce|whisper|vggish|fbank)$|test_audio_golden$'
done
