#!/usr/bin/env bash
# test_audio_kern_compile.sh SRC_DIR OUT — src/kernels/audio.kern compiles in the dialect's
# other languages: plain C (always, with the C compiler) and CUDA (with nvcc when installed;
# HIP with hipcc when installed). OpenCL is compiled and run by test_audio_golden_opencl; here
# (with clang, when installed) it is also compiled as for a device without double precision
# (cl_khr_fp64 off), which must build the program too: its float64 kernels are left out.
set -u
src=$1 out=$2
mkdir -p "$out"
cat "$src/src/kernels/dialect.h" "$src/src/kernels/audio.kern" > "$out/audio_kern.c"
cc=${CC:-cc}
"$cc" -std=c11 -Wall -Wextra -Werror -Wno-unused-function -fsyntax-only -x c "$out/audio_kern.c" || exit 1
echo "plain C: ok"
ran=1
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
if [ -n "$nvcc" ]; then
  cp "$out/audio_kern.c" "$out/audio_kern.cu"
  "$nvcc" -c -arch=sm_75 -o "$out/audio_kern.o" "$out/audio_kern.cu" || exit 1
  echo "CUDA (nvcc): ok"; ran=2
fi
if command -v hipcc >/dev/null; then
  cp "$out/audio_kern.c" "$out/audio_kern.hip"
  # dialect.h leaves the HIP runtime header to the build; no GPU here to guess the target from
  hipcc -c --offload-arch=gfx90a -include hip/hip_runtime.h -o "$out/audio_kern_hip.o" "$out/audio_kern.hip" || exit 1
  echo "HIP (hipcc): ok"; ran=2
fi
[ $ran = 2 ] || echo "(no nvcc or hipcc here: CUDA and HIP not compiled)"
clang=$(command -v clang || command -v clang-14 || command -v clang-15 || true)
if [ -n "$clang" ]; then
  cp "$out/audio_kern.c" "$out/audio_kern.cl"
  "$clang" -x cl -cl-std=CL1.2 -target spir64 -fsyntax-only -Xclang -cl-ext=-cl_khr_fp64 "$out/audio_kern.cl" \
    2> "$out/audio_kern_nofp64.log" || { cat "$out/audio_kern_nofp64.log"; exit 1; }
  if grep -q "error" "$out/audio_kern_nofp64.log"; then cat "$out/audio_kern_nofp64.log"; exit 1; fi
  echo "OpenCL C without cl_khr_fp64 (clang): ok"
else
  echo "(no clang here: OpenCL C without fp64 not compiled)"
fi
exit 0
