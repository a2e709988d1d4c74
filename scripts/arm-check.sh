#!/usr/bin/env bash
# arm-check.sh — cross-builds accel for aarch64 (Debian gcc-aarch64-linux-gnu) and runs the
# CPU conformance suite and the audio golden tests under qemu-aarch64, so the Arm build and its
# baseline (NEON) code paths are checked on an x86-64 machine. Optional SDK parts are off (no
# Arm pkg-config tree, no nvcc/hipcc for Arm). fork() inside qemu-user with threads is not
# reliable, so the pool's fork test is not part of this run.
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
ctest --output-on-failure -R 'conformance_(convert|reduce|whisper|vggish|fbank)$|test_audio_golden$|test_cpu_(pool|simd|f16|parse)$'
