#!/usr/bin/env bash
# test_needed.sh LIBACCEL — the shared library links no GPU stack and no media library,
# directly or through a dependency: CUDA, NVML, NVRTC, HIP and OpenCL are loaded with dlopen,
# and libsndfile, libsoxr and FFmpeg (which links OpenCL, VA-API and DRM itself) are opened on
# first use only. A process that links libaccel loads none of them at start-up.
set -euo pipefail
lib=$1
forbidden='libsndfile|libsoxr|libcuda|libnvidia|libnvrtc|libcudart|libamdhip|libhsa|libOpenCL|libva|libdrm|libavformat|libavcodec|libavutil|libswresample'
needed=$(readelf -d "$lib" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
if echo "$needed" | grep -E "$forbidden"; then
  echo "FAIL: $lib links a library that must be loaded at run time"; exit 1
fi
loaded=$(ldd "$lib" | awk '{print $1}')
if echo "$loaded" | grep -E "$forbidden"; then
  echo "FAIL: a dependency of $lib pulls in a GPU stack at load time"; exit 1
fi
echo "no GPU stack or FFmpeg library is loaded with $(basename "$lib")"
