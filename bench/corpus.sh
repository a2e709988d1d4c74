#!/usr/bin/env bash
# corpus.sh ACCEL [WORK] — files per second of a corpus run (docs/benchmarks.md, "Corpus runs"):
# `accel audio features` over 500 short clips and 20 long recordings, made here (mono 16 kHz
# WAV, tests/corpus/make_wavs.py), as
#   1 process,  ACCEL_NUM_THREADS=1                        (one worker)
#   1 process,  ACCEL_NUM_THREADS=2                        (one worker, two threads)
#   2 processes --shard 0/2 and 1/2, ACCEL_NUM_THREADS=1   (two workers, started together)
# and the per-file cost of the corpus machinery: --resume over the finished corpus (every file
# skipped after its header and size are checked), --manifest --log on top of a run.
# Environment: PRESET (default whisper-80), SHORT_N/SHORT_S, LONG_N/LONG_S (counts, seconds).
# Prints one row per case: wall seconds, files/s, CPU seconds per file, output and log bytes.
set -euo pipefail
accel=$(realpath "$1")
work=${2:-/tmp/accel-bench-corpus}
here=$(cd "$(dirname "$0")/.." && pwd)
preset=${PRESET:-whisper-80}
short_n=${SHORT_N:-500} short_s=${SHORT_S:-3}
long_n=${LONG_N:-20} long_s=${LONG_S:-180}
mkdir -p "$work"
export ACCEL_BACKEND=cpu ACCEL_LOG_LEVEL=error

make_set() { # NAME N SECONDS
  local dir="$work/$1"
  if [ ! -f "$dir/.made-$2-$3" ]; then
    rm -rf "$dir"
    /usr/bin/python3 "$here/tests/corpus/make_wavs.py" "$dir/clips" "$2" "$3"
    touch "$dir/.made-$2-$3"
  fi
  ls "$dir"/clips/*.wav >"$dir/m.txt"
}

# run NAME SET THREADS SHARDS [extra…] — prints a row
row() {
  printf '| %s | %s | %s | %.2f | %.1f | %.1f | %s | %s |\n' "$@"
}
now() { date +%s.%N; }

bench_set() { # SET N SECONDS
  local set=$1 n=$2 dir="$work/$1"
  local out="$dir/out"
  # without the machinery: the paths as operands, no log, one process of one thread
  rm -rf "$out"
  local p0 p1
  p0=$(now)
  # shellcheck disable=SC2046
  ACCEL_NUM_THREADS=1 "$accel" audio features $(cat "$dir/m.txt") --preset "$preset" -o "$out" \
    >/dev/null 2>&1 || true
  p1=$(now)
  echo "| $set ($n × ${3}s): operands, no --log | 1 | 1 | $(printf %.2f "$(awk "BEGIN { print $p1 - $p0 }")") | $(awk "BEGIN { printf \"%.1f\", $n / ($p1 - $p0) }") | — | $(du -sb "$out" | cut -f1) | — |"
  for case in "1x1" "1x2" "2x1"; do
    rm -rf "$out" "$dir"/*.jsonl
    local procs=${case%x*} threads=${case#*x}
    local t0 c0 t1 c1
    cpu_children >/dev/null
    c0=$(awk -v l="$(tail -1 "$work/.times")" 'BEGIN { split(l, f, " "); t = 0;
      for (i = 1; i <= 2; i++) { split(f[i], p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } print t }')
    t0=$(now)
    if [ "$procs" = 1 ]; then
      ACCEL_NUM_THREADS=$threads "$accel" audio features --manifest "$dir/m.txt" --preset "$preset" \
        -o "$out" --log "$dir/run.jsonl" >/dev/null 2>&1 || true
    else
      for i in $(seq 0 $((procs - 1))); do
        ACCEL_NUM_THREADS=$threads "$accel" audio features --manifest "$dir/m.txt" --preset "$preset" \
          -o "$out" --shard "$i/$procs" --log "$dir/run-$i.jsonl" >/dev/null 2>&1 &
      done
      wait
    fi
    t1=$(now)
    cpu_children >/dev/null
    c1=$(awk -v l="$(tail -1 "$work/.times")" 'BEGIN { split(l, f, " "); t = 0;
      for (i = 1; i <= 2; i++) { split(f[i], p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } print t }')
    local wall cpu
    wall=$(awk "BEGIN { print $t1 - $t0 }")
    cpu=$(awk "BEGIN { print $c1 - $c0 }")
    local files
    files=$(ls "$out" | wc -l)
    [ "$files" = "$n" ] || echo "warning: $files outputs of $n" >&2
    row "$set ($n × ${3}s)" "$procs" "$threads" "$wall" "$(awk "BEGIN { print $n / $wall }")" \
      "$(awk "BEGIN { print 1000 * $cpu / $n }")" "$(du -sb "$out" | cut -f1)" \
      "$(cat "$dir"/*.jsonl | wc -c)"
  done
  # the machinery alone: --resume over the finished corpus
  local t0 t1
  t0=$(now)
  ACCEL_NUM_THREADS=1 "$accel" audio features --manifest "$dir/m.txt" --preset "$preset" -o "$out" \
    --resume --log "$dir/resume.jsonl" >/dev/null 2>&1
  t1=$(now)
  local wall
  wall=$(awk "BEGIN { print $t1 - $t0 }")
  echo "| $set: --resume over the finished corpus (all skipped) | 1 | 1 | $(printf %.3f "$wall") | $(awk "BEGIN { printf \"%.0f\", $n / $wall }") | — | — | $(wc -c <"$dir/resume.jsonl") |"
}

# CPU seconds (user + system) of the finished children of this shell
cpu_children() {
  times >"$work/.times" # in this shell: a $(…) subshell would have no children
  local line
  line=$(tail -1 "$work/.times") # "XmY.YYYs ZmW.WWWs"
  awk -v l="$line" 'BEGIN {
    split(l, f, " ");
    t = 0;
    for (i = 1; i <= 2; i++) { split(f[i], p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2]; }
    print t }'
}

make_set short "$short_n" "$short_s"
make_set long "$long_n" "$long_s"
echo "accel $("$accel" version | head -1), preset $preset, $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| corpus | processes | threads each | wall s | files/s | CPU ms per file | output bytes | log bytes |"
echo "|---|---|---|---|---|---|---|---|"
bench_set short "$short_n" "$short_s" "$short_s"
bench_set long "$long_n" "$long_s" "$long_s"
