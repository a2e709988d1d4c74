#!/usr/bin/env bash
# serve_load.sh ACCEL [SECONDS] — the load test of `accel serve`, on loopback only, bounded in
# time (about 6 × SECONDS + the CLI runs; SECONDS defaults to 10):
#   1. GET /status, /metrics and /healthz with wrk (keep-alive, 1 wrk thread, 32 connections):
#      requests per second and the p50/p99 latency wrk reports;
#   2. POST /v1/audio/features?preset=whisper-80 with a 30-s WAV (real speech from
#      tests/data/audio looped to 30 s) at two connections per worker: requests per second
#      and p50/p99; and the peer, `accel audio features` itself on 64 copies of the same
#      file (decode, compute, write each .npy): files per second. The goal is the server at
#      ≥ 90 % of the CLI; and, for reference, the computation alone in memory
#      (`--bench-iterations`), which no server can pass on the same cores;
#   3. the server's peak resident memory (VmHWM) after all of it.
# Prints a Markdown table (for docs/benchmarks.md) and the raw wrk lines. The server, wrk and
# the CLI share the machine's cores: on a 2-core machine wrk takes one of them.
set -euo pipefail
accel=$(realpath "$1")
secs=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "serve_load.sh: wrk is not installed (Debian package wrk; scripts/deps.sh bench)" >&2; exit 2; }
tmp=$(mktemp -d)
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export ACCEL_CACHE_DIR=$tmp/cache

# a 30-s WAV of real speech: the test recordings looped
/usr/bin/python3 - "$here/tests/data/audio" "$tmp/speech30.wav" <<'PY'
import sys, wave
src, out = sys.argv[1:3]
frames, params = b'', None
for name in ('speech_a.wav', 'speech_b.wav'):
    with wave.open('%s/%s' % (src, name)) as w:
        params = params or w.getparams()
        frames += w.readframes(w.getnframes())
need = 30 * params.framerate * params.sampwidth * params.nchannels
data = (frames * (need // len(frames) + 1))[:need]
with wave.open(out, 'wb') as w:
    w.setparams(params)
    w.writeframes(data)
PY

workers=$(nproc)
"$accel" serve --listen 127.0.0.1:0 2>"$tmp/serve.log" &
srv=$!
for _ in $(seq 600); do grep -q 'accel serve: ready' "$tmp/serve.log" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.log" | head -n 1)
[ -n "$url" ] || { echo "serve_load.sh: accel serve did not start: $(cat "$tmp/serve.log")" >&2; exit 1; }

cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
local f = io.open("$tmp/speech30.wav", "rb")
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "audio/wav"
EOF

# run_wrk NAME CONNECTIONS URL [wrk args]: "NAME|req/s|p50|p99|errors"
run_wrk() {
  local name=$1 conns=$2 target=$3; shift 3
  wrk -t1 -c"$conns" -d"${secs}s" --latency "$@" "$target" >"$tmp/$name.wrk" 2>&1
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/$name.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/$name.wrk")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$tmp/$name.wrk")
  echo "$name|$rps|$p50|$p99|${non2xx:-0}"
}

rows=()
rows+=("$(run_wrk status 32 "${url}status")")
rows+=("$(run_wrk metrics 32 "${url}metrics")")
rows+=("$(run_wrk healthz 32 "${url}healthz")")
rows+=("$(run_wrk features $((2 * workers)) "${url}v1/audio/features?preset=whisper-80" -s "$tmp/post.lua")")
peak=$(awk '/VmHWM/ {print $2, $3}' "/proc/$srv/status")
kill "$srv"
wait "$srv" || true
srv=

# the peer: accel audio features on 64 copies of the same file
mkdir -p "$tmp/in" "$tmp/out"
for i in $(seq -w 1 64); do cp "$tmp/speech30.wav" "$tmp/in/s$i.wav"; done
t0=$(date +%s.%N)
"$accel" audio features "$tmp"/in/*.wav --preset whisper-80 -o "$tmp/out" >/dev/null
t1=$(date +%s.%N)
cli_fps=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", 64 / (b - a)}')
# and the computation alone, in memory (the bound no server can pass on these cores)
median=$("$accel" audio features "$tmp/speech30.wav" --preset whisper-80 --bench-iterations 50 --json |
         awk -F': ' '/"median_ms"/ {gsub(/,/, "", $2); print $2}')
compute_fps=$(awk -v m="$median" 'BEGIN {printf "%.1f", 1000 / m}')

echo "accel serve load test: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $secs s per run"
echo
echo "| request | connections | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r name rps p50 p99 bad <<<"$r"
  case $name in
    features) conns=$((2 * workers)); label='POST /v1/audio/features?preset=whisper-80 (30-s WAV)' ;;
    *) conns=32; label="GET /$name" ;;
  esac
  echo "| $label | $conns | $rps | $p50 | $p99 | $bad |"
done
feat=$(printf '%s\n' "${rows[@]}" | awk -F'|' '$1 == "features" {print $2}')
echo
echo "- peer: \`accel audio features\` on 64 copies of the 30-s file: $cli_fps files/s"
echo "- server / CLI: $(awk -v s="$feat" -v c="$cli_fps" 'BEGIN {printf "%.0f %%", 100 * s / c}') (goal ≥ 90 %)"
echo "- the computation alone (\`--bench-iterations 50\`, in memory, no decoding): median $(printf '%.2f' "$median") ms, $compute_fps files/s; server / that: $(awk -v s="$feat" -v c="$compute_fps" 'BEGIN {printf "%.0f %%", 100 * s / c}')"
echo "- server peak resident memory (VmHWM): $peak"
echo
for n in status metrics healthz features; do echo "--- wrk $n"; cat "$tmp/$n.wrk"; done
