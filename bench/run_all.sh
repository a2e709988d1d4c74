#!/usr/bin/env bash
# run_all.sh [ACCEL] — every peer comparison, on this machine, in one run; results as JSON in
# build/bench/ and Markdown tables on standard output. `make bench` calls it after installing
# the peers (scripts/deps.sh bench). Record the figures in docs/benchmarks.md with the date and
# the machine (lscpu).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
accel=$(readlink -f "${1:-build/accel}")
build=$(dirname "$accel")
out=$build/bench
mkdir -p "$out"
py=/usr/bin/python3
echo "# accel benchmarks, $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"

echo; echo "## discovery: accel devices --json vs import torch"
(cd "$out" && "$here/devices.sh" "$accel")

echo; echo "## executor overhead"
cmake --build "$build" --target exec_overhead >/dev/null
"$build/exec_overhead" | tee "$out/exec_overhead.txt"

echo; echo "## convert and reduce on the CPU vs numpy"
cmake --build "$build" --target accel_bench_basic_cpu >/dev/null
$py "$here/basic_numpy.py" --accel "$build/accel_bench_basic_cpu" --threads 1 > "$out/basic.json"
echo "(written to $out/basic.json)"

echo; echo "## every operation on every device (accel bench)"
"$accel" bench --quick --device all --json -o "$out/bench-quick.json" --svg "$out/bench-quick.svg"

echo; echo "## audio front ends vs torch, numpy and torchaudio (20 minutes of speech; peers on OpenBLAS at 1 and 2 threads)"
$py "$here/audio_peers.py" --accel "$accel" --compressed --json "$out/audio.json"

echo; echo "## image operations vs OpenCV 4.6 (1080p JPEGs and 200 mixed ones)"
cmake --build "$build" --target accel_bench_image_cpu >/dev/null
$py "$here/image_peers.py" --accel-bench "$build/accel_bench_image_cpu" --workdir "$out/image" --json "$out/image.json"

echo; echo "## accel serve under load (wrk, loopback) vs accel audio features on the same files"
if ldd "$accel" | grep -q libmicrohttpd; then
  "$here/serve_load.sh" "$accel" 10 | tee "$out/serve_load.md"
else
  echo "(accel serve is not built in: install libmicrohttpd-dev and rebuild)"
fi
