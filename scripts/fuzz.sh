#!/usr/bin/env bash
# fuzz.sh check|run FUZZ_BUILD — the libFuzzer targets of a fuzz build (tests/fuzz,
# docs/testing.md).
#
#   check  every target over its seeds and regression inputs (each input once), then for
#          FUZZ_CHECK_SECONDS (default 3) of fuzzing: what `make check` runs, so that a
#          reintroduced crash fails CI.
#   run    every target for FUZZ_SECONDS (default 60), or until FUZZ_RUNS executions when that
#          is set; a summary line per target (executions, seconds, new corpus size) goes to
#          FUZZ_BUILD/fuzz-runs.txt.
#
# FUZZ_TARGETS="fuzz_wav fuzz_elf" limits either to those targets; FUZZ_SEED_BUILD is the
# test suite's build directory (default build/), whose test caches give seeds. A finding stops the target
# with its input saved as FUZZ_BUILD/findings/<target>-crash-<sha1> (reproduce: run the target
# binary with that file as its argument) and makes the script exit 1. The corpus a target
# grows is kept in FUZZ_BUILD/corpus/<target>; the seeds are remade when absent
# (scripts/fuzz_seeds.sh).
set -uo pipefail
mode=${1:?usage: fuzz.sh check|run FUZZ_BUILD}
fb=${2:?usage: fuzz.sh check|run FUZZ_BUILD}
src=$(cd "$(dirname "$0")/.." && pwd)
regress=$src/tests/fuzz/regress
case "$mode" in check | run) ;; *) echo "fuzz.sh: unknown mode '$mode' (allowed: check, run)" >&2; exit 2 ;; esac

targets=${FUZZ_TARGETS:-$(cd "$fb" && ls fuzz_* 2>/dev/null | grep -v '\.' | sort)}
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets in $fb (configure with -DACCEL_FUZZ=ON)" >&2; exit 2; }
# seeds: remade when absent, from the caches the test suite's build (FUZZ_SEED_BUILD) left
# (and remade when a target has none yet: one added since they were made)
stale=0
[ -d "$fb/seeds" ] || stale=1
for t in $targets; do [ -d "$fb/seeds/$t" ] || stale=1; done
if [ $stale = 1 ]; then
  rm -rf "$fb/seeds"
  "$src/scripts/fuzz_seeds.sh" "$fb/seeds" "${FUZZ_SEED_BUILD:-$src/build}" >/dev/null
fi
mkdir -p "$fb/findings"
# leaks are findings too; a parser that allocates without bound is stopped at 2 GB
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -artifact_prefix="$fb/findings/")

failed=0
t0=$(date +%s)
for t in $targets; do
  bin=$fb/$t
  [ -x "$bin" ] || { echo "fuzz.sh: $bin is not built" >&2; failed=1; continue; }
  corpus=$fb/corpus/$t
  mkdir -p "$corpus"
  dirs=("$corpus")
  [ -d "$fb/seeds/$t" ] && dirs+=("$fb/seeds/$t")
  [ -d "$regress/$t" ] && dirs+=("$regress/$t")
  # a target's own libFuzzer flags: a line "fuzz.sh flags: -max_len=4096" in its source
  read -r -a own <<<"$(sed -n 's/.*fuzz\.sh flags: *\(.*[^ */]\).*/\1/p' "$src/tests/fuzz/$t.c" 2>/dev/null | head -1)"
  log=$fb/findings/$t.log
  if [ "$mode" = check ]; then
    # each seed and regression input once, then a short run from them
    inputs=$(find "${dirs[@]}" -type f | wc -l)
    if ! "$bin" "${common[@]}" "${own[@]}" -runs=0 "${dirs[@]}" >"$log" 2>&1; then
      echo "FAIL $t: an input of its corpus crashes it (see $log)"; failed=1; continue
    fi
    if ! "$bin" "${common[@]}" "${own[@]}" -max_total_time="${FUZZ_CHECK_SECONDS:-3}" "${dirs[@]}" >"$log" 2>&1; then
      echo "FAIL $t: a finding within ${FUZZ_CHECK_SECONDS:-3} s (see $log)"; failed=1; continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "ok   $t: $inputs corpus inputs, then $runs runs"
  else
    limit=(-max_total_time="${FUZZ_SECONDS:-60}")
    [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
    s0=$(date +%s)
    if ! "$bin" "${common[@]}" "${own[@]}" "${limit[@]}" "${dirs[@]}" >"$log" 2>&1; then
      echo "FAIL $t: finding (see $log and $fb/findings/)"; failed=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(( $(date +%s) - s0 ))
    line="$t: ${runs:-?} executions in ${secs} s, corpus $(ls "$corpus" | wc -l) files, $(date -u +%Y-%m-%d)"
    echo "$line" | tee -a "$fb/fuzz-runs.txt"
  fi
done
echo "fuzz $mode: $(( $(date +%s) - t0 )) s"
exit $failed
