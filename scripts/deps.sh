#!/usr/bin/env bash
# deps.sh SET... — make sure the Debian 12 packages accel needs are installed.
#   build: compiler, CMake, and the libraries accel builds against
#   test:  what the test suite runs against (PoCL for the OpenCL path, clinfo, numpy,
#          torch/torchaudio for the reference features of the alsa-utils recordings, OpenCV and
#          scikit-image for the image references)
#   python: what the Python package (python/, `make python`) builds with
#   fuzz:  what the fuzz targets (tests/fuzz, `make fuzz`) build with: Clang and libFuzzer
#   bench: the peers benchmarks compare with (PyTorch, torchaudio, SciPy, speech tools)
# As root, missing packages are installed with apt-get; otherwise the exact apt line is printed
# and the script stops with status 1.
set -euo pipefail

build=(gcc make cmake pkg-config ocl-icd-opencl-dev opencl-headers libinih-dev
       libsndfile1-dev libsoxr-dev libavformat-dev libavcodec-dev libavutil-dev
       libswresample-dev libmpg123-dev libturbojpeg0-dev libjpeg62-turbo-dev libspng-dev
       libwebp-dev)
# hipcc compiles the HIP kernels at build time (cmake/part_hip.cmake); it also brings the HIP
# runtime, which the ROCm discovery test then probes for real.
build+=(hipcc)
# accel serve is built on libmicrohttpd (cmake/part_serve.cmake; without it the verb says so)
build+=(libmicrohttpd-dev)
# torch and torchaudio make the reference features for the alsa-utils recordings at test time
# (tests/audio/test_audio_alsa.sh): those recordings are GPL-2 and are not committed.
test=(pocl-opencl-icd ocl-icd-libopencl1 clinfo python3 python3-numpy python3-jsonschema espeak-ng
      sox alsa-utils python3-torch python3-torchaudio)
# OpenCV 4.6, scikit-image (whose photographs are the test images) and Pillow make the image
# test files and their reference outputs at test time (tests/image/make_image_refs.py).
test+=(python3-opencv python3-skimage python3-pil)
# ... with numpy on the reference BLAS and LAPACK (tests/image/test_image_refs.sh puts them
# first on the library path): scikit-image's SimilarityTransform fits insightface's ArcFace
# matrix with LAPACK's SVD, whose last bits change with an optimised BLAS and the CPU it picks
# kernels for
test+=(libblas3 liblapack3)
# The Python package (python/): headers and setuptools to build the extension; the tests add
# pytest, and venv and pip for the install test (Debian's pip installs into virtual
# environments).
python=(python3 python3-dev python3-setuptools)
test+=("${python[@]}" python3-pytest python3-venv python3-pip)
# accel serve and accel top: /metrics read with prometheus_client's parser, the dashboard in
# headless Chromium (its test is skipped when Chromium is absent), accel top under tmux
test+=(python3-prometheus-client chromium tmux)
# corpus runs under Slurm: a single-node Slurm started for real on localhost
# (tests/cluster/slurm_local.sh: slurmctld and slurmd from slurm-wlm, authenticated by munge)
test+=(slurm-wlm munge)
# corpus runs on Dask: accel.dask and its tests on a LocalCluster of worker processes
# (python/tests/test_dask.py)
test+=(python3-distributed)
bench=(python3-torch python3-torchaudio python3-scipy python3-numpy hyperfine python3-opencv python3-skimage)
# fair peers: numpy and Debian's torch take whatever libblas.so.3 the system provides, and
# without an optimised one that is the reference implementation (bench/audio_peers.py refuses
# to report peers on it); threadpoolctl reports the BLAS and its threads; ffmpeg decodes the
# compressed inputs accel's decoding is set against
bench+=(libopenblas0-pthread python3-threadpoolctl ffmpeg)
# the load test of accel serve (bench/serve_load.sh)
bench+=(wrk)
# the fuzz targets (tests/fuzz: `make fuzz`; `make check` runs each over its corpus and
# briefly): Clang with libFuzzer and the sanitizer runtimes
fuzz=(clang-14 libclang-rt-14-dev)
test+=("${fuzz[@]}")

want=()
for set in "$@"; do
  case "$set" in
    build) want+=("${build[@]}") ;;
    test) want+=("${test[@]}") ;;
    python) want+=("${python[@]}") ;;
    fuzz) want+=("${fuzz[@]}") ;;
    bench) want+=("${bench[@]}") ;;
    *) echo "deps.sh: unknown set '$set' (allowed: build, test, python, fuzz, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "deps: missing Debian packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
