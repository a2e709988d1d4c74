#!/usr/bin/env bash
# test_top_tmux.sh ACCEL BUILD — `accel top` in a real terminal (tmux, on a server socket of its
# own), against the stand-in CUDA driver and NVML of tests/fakes (two GPUs; the H100 runs the
# caller and process 1) and an accel serve this test starts and stops by pid:
#   - the screen shows both GPUs with NVML's figures, the processes using the H100 (accel top
#     itself, 512 MiB), the CPU, and the server's counters (--url);
#   - it refreshes (the clock line changes) and draws in colour on a terminal, none with
#     NO_COLOR set;
#   - q quits, and Ctrl-C quits, each with status 0 and the terminal given back;
#   - with --iterations, the last frame is left on the terminal's own screen;
#   - through a pipe: plain frames, no escape sequence.
set -u
accel=$1 build=$2
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed (Debian package tmux)"; exit 77; }
[ -e "$build/fakes/ok/libcuda.so.1" ] || { echo "SKIP: the stand-in drivers are not built"; exit 77; }
tmp=$(mktemp -d)
sock=accel-top-$$
srv= silent=
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  [ -n "$silent" ] && kill "$silent" 2>/dev/null && wait "$silent" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
check() { # check WHAT COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
export LD_LIBRARY_PATH=$build/fakes/ok ACCEL_CACHE_DIR=$tmp/cache

# a server to point at
"$accel" serve --listen 127.0.0.1:0 2>"$tmp/serve.err" &
srv=$!
for _ in $(seq 300); do grep -q 'accel serve: ready' "$tmp/serve.err" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.err" | head -n 1)
[ -n "$url" ] || { echo "FAIL: accel serve did not start: $(cat "$tmp/serve.err")"; exit 1; }
curl -s -o /dev/null -X POST --data-binary @"$(dirname "$0")/../data/audio/speech_a.wav" \
  "${url}v1/audio/features?preset=fbank"

# wait_for SESSION TEXT: until the pane shows TEXT (10 s)
wait_for() {
  for _ in $(seq 200); do
    tmux -L "$sock" capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2" && return 0
    sleep 0.05
  done
  return 1
}
start() { # start SESSION ENV...: accel top in a 160x40 terminal; its exit status goes to $tmp/SESSION.rc
  local s=$1; shift
  tmux -L "$sock" new-session -d -s "$s" -x 160 -y 40 \
    "env $* '$accel' top --url '$url' --interval 0.3; rc=\$?; echo \"EXIT=\$rc\" > '$tmp/$s.rc'; echo \"top ended: \$rc\"; sleep 60"
}

start one TERM=xterm-256color
check "the screen comes up" wait_for one "accel top"
check "the server's counters are read" wait_for one "server $url: ready"
screen=$(tmux -L "$sock" capture-pane -p -t one)
echo "$screen" | sed 's/^/  | /'
check "both GPUs, by name" grep -q "Fake H100" <<<"$screen"
check "the T4 too" grep -q "Fake T4" <<<"$screen"
check "NVML's memory for the H100 (v2: 768 MiB used of 80 GiB)" grep -qE "Fake H100 .*768 MiB / 80\.0 GiB" <<<"$screen"
check "utilisation, temperature, power and limit" grep -qE "Fake H100 .* 7 % +41 C 71\.0 / 700 W +nvml" <<<"$screen"
pid=$(tmux -L "$sock" list-panes -t one -F '#{pane_pid}')
top_pid=$(pgrep -P "$pid" -f "top --url" | head -n 1)
check "the processes on the H100: accel top itself with 512 MiB" \
  grep -qE "processes: $top_pid accel 512 MiB, 1 [^ ]+ \?" <<<"$screen"
check "the CPU from procfs" grep -qE "cpu +.*procfs" <<<"$screen"
check "the fbank request in the server's table" grep -qE "^fbank +[0-9]+ \(c[a-z]+\) +1 " <<<"$screen"
first=$(tmux -L "$sock" capture-pane -p -t one | head -n 1)
sleep 1.2
second=$(tmux -L "$sock" capture-pane -p -t one | head -n 1)
check "it refreshes (the clock moves)" test "$first" != "$second"
check "colour on a terminal" bash -c "tmux -L '$sock' capture-pane -e -p -t one | grep -q $'\e\\[7m'"
tmux -L "$sock" send-keys -t one q
for _ in $(seq 100); do [ -e "$tmp/one.rc" ] && break; sleep 0.05; done
check "q quits with status 0" grep -qx "EXIT=0" "$tmp/one.rc"
check "the terminal is given back: the shell's own screen, without top's" wait_for one "top ended: 0"
check "… and none of top's lines left on it" bash -c "! tmux -L '$sock' capture-pane -p -t one | grep -q 'q or Ctrl-C quits'"

start two NO_COLOR=1 TERM=xterm-256color
check "NO_COLOR: the screen comes up" wait_for two "accel top"
check "NO_COLOR: no colour nor reverse video" \
  bash -c "! tmux -L '$sock' capture-pane -e -p -t two | grep -q $'\e\\[\\(7\\|1\\|3[0-9]\\)m'"
tmux -L "$sock" send-keys -t two C-c
for _ in $(seq 100); do [ -e "$tmp/two.rc" ] && break; sleep 0.05; done
check "Ctrl-C quits with status 0" grep -qx "EXIT=0" "$tmp/two.rc"

# --iterations on a terminal: the last frame stays on the terminal's own screen once top has
# ended (it left with the alternate screen, and `accel top -n 1` showed nothing)
tmux -L "$sock" new-session -d -s count -x 160 -y 40 \
  "'$accel' top --iterations 2 --interval 0.2; echo \"EXIT=\$?\" > '$tmp/count.rc'; echo 'top ended'; sleep 60"
check "--iterations: it ends" wait_for count "top ended"
counted=$(tmux -L "$sock" capture-pane -p -t count)
echo "$counted" | sed 's/^/  | /'
check "--iterations: status 0" grep -qx "EXIT=0" "$tmp/count.rc"
check "--iterations: the last frame left on the screen" grep -q "Fake H100" <<<"$counted"
check "--iterations: … not saying q quits, once nothing reads it" bash -c "! grep -q 'q or Ctrl-C quits' <<<'$counted'"
check "--iterations: one frame, above the shell's next line" \
  bash -c "[ \"\$(grep -c '^accel top' <<<'$counted')\" = 1 ] && grep -A40 '^accel top' <<<'$counted' | grep -q 'top ended'"

# a terminal smaller than the frame: every line cut to its width (none wraps), the lines past
# its height left out, so the title stays on the first row
tmux -L "$sock" new-session -d -s small -x 16 -y 6 \
  "'$accel' top --url '$url' --interval 0.3; echo \"EXIT=\$?\" > '$tmp/small.rc'; sleep 60"
check "small: the screen comes up" wait_for small "#  KIND"
sleep 0.7
small=$(tmux -L "$sock" capture-pane -p -t small)
echo "$small" | sed 's/^/  | /'
check "small: the title on the first row" bash -c "head -n 1 <<<'$small' | grep -q '^accel top'"
check "small: the header on the second, not a wrapped title" \
  bash -c "sed -n 2p <<<'$small' | grep -q '^#  KIND'"
widest=$(/usr/bin/python3 -c 'import sys; print(max(len(l) for l in sys.stdin.read().splitlines()))' <<<"$small")
check "small: no line wider than the terminal (widest: $widest)" test "$widest" -le 16
tmux -L "$sock" resize-window -t small -x 40 -y 3
sleep 0.7
check "smaller: the title still on the first row" \
  bash -c "tmux -L '$sock' capture-pane -p -t small | head -n 1 | grep -q '^accel top'"
tmux -L "$sock" send-keys -t small q
for _ in $(seq 100); do [ -e "$tmp/small.rc" ] && break; sleep 0.05; done
check "small: q quits with status 0" grep -qx "EXIT=0" "$tmp/small.rc"

# JSON: one document per refresh, with the processes and the server's counters
"$accel" top --json --iterations 2 --interval 0.2 --url "$url" >"$tmp/top.jsonl"
check "--json: one JSON document per refresh, what the screen shows" /usr/bin/python3 - "$tmp/top.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
d = json.loads(lines[-1])
h100 = d['devices'][0]
assert h100['name'] == 'Fake H100' and h100['memory']['used_bytes'] == (1 << 30) - (256 << 20), h100
assert h100['power_limit_watts'] == 700 and h100['source'] == 'nvml', h100
assert [p['memory_bytes'] for p in h100['processes']] == [512 << 20, None], h100['processes']
s = d['server']
assert s['reached'] and s['ready'] and any(o['operation'] == 'fbank' and o['calls'] == 1 for o in s['operations']), s
PY
"$accel" top --json -o "$tmp/never.jsonl" 2>"$tmp/o.err"; rc=$?
check "-o FILE without --iterations: a usage error (exit 2)" bash -c "[ $rc = 2 ] && grep -q 'give --iterations N too' '$tmp/o.err'"

# not a terminal: plain frames
"$accel" top --iterations 2 --interval 0.2 | cat >"$tmp/pipe.txt"
check "through a pipe: two frames" test "$(grep -c '^accel top — ' "$tmp/pipe.txt")" = 2
check "through a pipe: no escape sequence" bash -c "! grep -q $'\e' '$tmp/pipe.txt'"
check "through a pipe: the devices" grep -q "Fake H100" "$tmp/pipe.txt"
"$accel" top --url http://127.0.0.1:1 --iterations 1 >"$tmp/down.txt"
check "a server that is not there is said so" grep -q "server http://127.0.0.1:1: Connection refused" "$tmp/down.txt"
# a server that accepts the connection and never answers: the wait for it is bounded (2 s),
# not a share of --interval (48 min at --interval 3600), during which q and Ctrl-C go unread
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(120)' "$tmp/silent.port" &
silent=$!
for _ in $(seq 100); do [ -s "$tmp/silent.port" ] && break; sleep 0.05; done
t0=$(date +%s)
timeout -k 2 20 "$accel" top --url "http://127.0.0.1:$(cat "$tmp/silent.port")" --iterations 1 \
  --interval 3600 >"$tmp/silent.txt"; rc=$?
t1=$(date +%s)
check "a server that does not answer: said so within 5 s (rc $rc, $((t1 - t0)) s)" \
  bash -c "[ $rc = 0 ] && [ $((t1 - t0)) -le 5 ] && grep -q 'timed out reading the response' '$tmp/silent.txt'"
# … and SIGTERM while it waits ends top at once, with status 0, as between refreshes
"$accel" top --url "http://127.0.0.1:$(cat "$tmp/silent.port")" --interval 3600 >"$tmp/term.txt" &
top=$!
sleep 1
t0=$(date +%s%N)
kill -TERM "$top"
for _ in $(seq 60); do kill -0 "$top" 2>/dev/null || break; sleep 0.05; done
t1=$(date +%s%N)
kill -0 "$top" 2>/dev/null && kill -KILL "$top"
wait "$top"; rc=$?
check "SIGTERM while the server is read: ended in $(((t1 - t0) / 1000000)) ms, status $rc" \
  bash -c "[ $rc = 0 ] && [ $(((t1 - t0) / 1000000)) -lt 1000 ]"
"$accel" top --url ftp://x 2>"$tmp/bad.txt"
check "a bad --url is a usage error" grep -q "only http://HOST\[:PORT\]\[/PATH\] URLs" "$tmp/bad.txt"
exit $fail
