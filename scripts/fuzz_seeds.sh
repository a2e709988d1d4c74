#!/usr/bin/env bash
# fuzz_seeds.sh OUT [BUILD] — the seed corpus of every fuzz target (tests/fuzz/fuzz_*.c), made
# from real files: the test data in tests/data (audio, captured procfs and sysfs trees), the
# examples in the documentation, this machine's own /proc, /etc/ld.so.cache and shared
# libraries, and the caches a test run of BUILD (default: build) left behind. OUT/<target>/
# gets one file per seed. The committed regression inputs (tests/fuzz/regress/<target>/) are
# passed to the targets separately by scripts/fuzz.sh.
#
# Adding a target: its file in tests/fuzz/, and one line in the table at the end.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$1
build=${2:-$src/build}
data=$src/tests/data
mkdir -p "$out"

n=0
# files TARGET PATH... — each readable regular file (up to 1 MiB) is a seed
files() {
  local t=$1; shift
  mkdir -p "$out/$t"
  for f in "$@"; do
    [ -f "$f" ] && [ -r "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 1048576 ] || continue
    local name=${f#"$src"/}
    name=${name#"$build"/}
    cp "$f" "$out/$t/$(echo "$name" | sed 's|^/||' | tr '/ ' '__' | tail -c 120)"
    n=$((n + 1))
  done
}
# text TARGET NAME — the seed is standard input
text() {
  mkdir -p "$out/$1"
  cat >"$out/$1/$2"
  n=$((n + 1))
}
# tree TARGET NAME PROCFS SYSFS — a procfs and a sysfs tree as fuzz_sysfs_tree reads them:
# "proc/<path>\0<contents>\0", "sys/<path>\0<contents>\0"
tree() {
  local t=$1 name=$2 procfs=$3 sysfs=$4
  mkdir -p "$out/$t"
  {
    for pair in "proc:$procfs" "sys:$sysfs"; do
      local top=${pair%%:*} dir=${pair#*:}
      [ -d "$dir" ] || continue
      # cpuinfo has its own target (fuzz_cpuinfo): here it would only slow every run down
      (cd "$dir" && find . -type f ! -name '.keep' ! -name cpuinfo | sort) | while read -r rel; do
        printf '%s/%s\0' "$top" "${rel#./}"
        head -c 4096 "$dir/$rel"
        printf '\0'
      done
    done
  } >"$out/$t/$name"
  n=$((n + 1))
}

# ---- generated seeds ---------------------------------------------------------------------
config_files() {
  # the example of docs/configuration.md, and small variations of it
  sed -n '/^```ini$/,/^```$/p' "$src/docs/configuration.md" | sed '1d;$d' | text fuzz_config_file docs-example.ini
  printf '[accel]\nACCEL_BACKEND = cuda\nACCEL_MEMORY_FRACTION = 0.8\n' | text fuzz_config_file section.ini
  printf 'accel_batch_size: 16\n; comment\n# comment\nACCEL_DEVICE = "0000:01:00.0"\n' | text fuzz_config_file colon.ini
  printf '[gpu]\nACCEL_BACKEND = cpu\n' | text fuzz_config_file foreign.ini
}
config_values() {
  printf 'ACCEL_BACKEND=cuda\nACCEL_DEVICE=0000:01:00.0\nACCEL_MEMORY_LIMIT_GB=7.5\nACCEL_MEMORY_FRACTION=0.8\n' |
    text fuzz_config_values basic
  printf 'ACCEL_BATCH_SIZE=32\nACCEL_NUM_THREADS=4\nACCEL_CHUNK_SECONDS=30\nACCEL_PROBE_TIMEOUT_MS=15000\n' |
    text fuzz_config_values sizes
  printf 'ACCEL_ALL_GPU=0\nACCEL_STRICT=yes\nACCEL_LOG_LEVEL=debug\nACCEL_PRECISION=fp16\nACCEL_WHISPER_GPU=off\nGPU_BACKEND=mps\n' |
    text fuzz_config_values switches
  printf 'ACCEL_FAULT=oom@alloc:3,lost@copy:2+,launch@op:convert\nACCEL_CACHE_DIR=/tmp/x\n' |
    text fuzz_config_values fault
  printf 'CUDA_VISIBLE_DEVICES=GPU-00000000-0000-0000-0000-000000000002,0\nROCR_VISIBLE_DEVICES=1,GPU-0000000000000001\nHIP_VISIBLE_DEVICES=0\n' |
    text fuzz_config_values visible
  printf 'CUDA_VISIBLE_DEVICES=MIG-GPU-1/2/3,1,1\nCUDA_VISIBLE_DEVICES=\nACCEL_DEVICE=-1\n' |
    text fuzz_config_values odd
}
fault_specs() {
  # every example of docs/fault-injection.md
  grep -o '`[a-z]*@[^`]*`' "$src/docs/fault-injection.md" | tr -d '`' | sort -u | while read -r spec; do
    printf '%s' "$spec" | text fuzz_fault "doc-$(echo "$spec" | tr -c 'a-z0-9' '_')"
  done
}
sysfs_trees() {
  tree fuzz_sysfs_tree x86-cgroup2 "$data/procfs-x86-avx512" "$data/sysfs-cgroup2"
  tree fuzz_sysfs_tree arm-cgroup1 "$data/procfs-arm-sve" "$data/sysfs-cgroup1"
  tree fuzz_sysfs_tree arm-cgroup1-ns "$data/procfs-arm-sve" "$data/sysfs-cgroup1-ns"
  tree fuzz_sysfs_tree nvidia-pci "$data/procfs-nvidia" "$data/sysfs-pci"
  tree fuzz_sysfs_tree amd "$data/procfs-x86-avx512" "$data/sysfs-amd"
}
ld_caches() {
  files fuzz_ldcache /etc/ld.so.cache
  # the same format cut to its first 12 entries of this ABI, small enough for -max_len
  /usr/bin/python3 - /etc/ld.so.cache "$out/fuzz_ldcache/small.cache" <<'PY' && n=$((n + 1)) || true
import struct, sys
b = open(sys.argv[1], "rb").read()
new = b"glibc-ld.so.cache1.1"
base = b.find(new)
if base < 0:
    sys.exit(1)
nlibs = struct.unpack_from("<I", b, base + 20)[0]
ents, strings = [], b""
def s(off):
    return b[base + off:b.index(b"\0", base + off)]
for i in range(min(nlibs, 12)):
    e = base + 48 + 24 * i
    flags, k, v, osv, hw = struct.unpack_from("<iIIIQ", b, e)
    ents.append((flags, s(k), s(v), osv, hw))
head = 48 + 24 * len(ents)
out, pool = [], b""
for flags, k, v, osv, hw in ents:
    ko = head + len(pool); pool += k + b"\0"
    vo = head + len(pool); pool += v + b"\0"
    out.append(struct.pack("<iIIIQ", flags, ko, vo, osv, hw))
hdr = bytearray(b[base:base + 48])
struct.pack_into("<II", hdr, 20, len(ents), len(pool))
open(sys.argv[2], "wb").write(bytes(hdr) + b"".join(out) + pool)
PY
}
elf_files() {
  local libs
  libs=$(find "$build" -name 'lib*.so*' -type f -size -17k 2>/dev/null | head -12)
  # shellcheck disable=SC2086
  files fuzz_elf $libs $(find /lib/x86_64-linux-gnu /lib/aarch64-linux-gnu -maxdepth 1 \
    -name 'lib*.so.*' -type f -size -16k 2>/dev/null | sort | head -8)
}
verdict_files() {
  # what discovery stored during a test run of BUILD: real verdicts of this machine
  files fuzz_verdict_cache $(find "$build/test-cache" -path '*/verdicts/*' -type f 2>/dev/null | head -20)
}
kernel_cache_files() {
  # program binaries are megabytes: their first 4 KiB hold the header the checks read
  local f k=0
  for f in $(find "$build/test-cache" -path '*/kernels/*' -type f 2>/dev/null | sort | head -4); do
    mkdir -p "$out/fuzz_kernel_cache"
    head -c 4096 "$f" >"$out/fuzz_kernel_cache/test-run-$k-$(basename "$f")"
    k=$((k + 1))
    n=$((n + 1))
  done
}

# ---- the table: one line per target ------------------------------------------------------
files fuzz_wav "$data"/audio/*.wav "$data"/audio/variants/*.wav "$data"/audio/bad/*.wav
config_files
config_values
fault_specs
files fuzz_cpuinfo "$data"/procfs-*/cpuinfo "$data"/procfs-*/meminfo /proc/cpuinfo /proc/meminfo
sysfs_trees
verdict_files
kernel_cache_files
elf_files
ld_caches

echo "fuzz seeds: $n files in $out"
