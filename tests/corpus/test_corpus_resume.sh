#!/usr/bin/env bash
# test_corpus_resume.sh ACCEL DATA WORK — a corpus run killed for real and resumed: `accel audio
# features` and `accel image blob` over a small corpus with one corrupt file are SIGKILLed at
# several moments (one of them while an output's partial file exists), then rerun with
# --resume until one run completes. What must hold:
#   - every output is present and byte-identical to an uninterrupted run's;
#   - the final run writes nothing twice: the outputs complete before it started are logged
#     "skipped" and keep their inode and modification time;
#   - no "*.partial-PID" file is left in the output directory (the resumed run removes the
#     killed run's, and says so);
#   - the log, killed runs' lines included, reads line by line as JSON objects with the
#     schema of docs/cli.md, and ends with a summary;
#   - the corrupt file's line says "failed" with its reason, the others complete, exit 1.
set -u
accel=$(realpath "$1") data=$(realpath "$2") work=$3
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
rm -rf "$work"
mkdir -p "$work"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
export ACCEL_BACKEND=cpu ACCEL_LOG_LEVEL=error

# ---- the corpus: 24 clips of 4 s, one corrupt file ---------------------------------------
"$py" "$here/make_wavs.py" "$work/clips" 24 4 || { echo "cannot make the clips" >&2; exit 1; }
printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00' >"$work/clips/corrupt.wav"
# first and last in the manifest, a 4-minute recording read from a named pipe that a feeder
# fills at a set pace (about a second for the whole): a kill finds its partial file in
# place, and a run is still at work when killed, however fast the clips go (the clips alone
# take a few milliseconds now, which a kill taken by a polling loop cannot catch)
"$py" - "$work/long.wav" <<'PY' || { echo "cannot make the long recording" >&2; exit 1; }
import struct, sys, wave
one = b"".join(struct.pack("<h", int(8000 * ((i * 37) % 200 - 100) / 100)) for i in range(16000))
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(one * 240)
PY
mkfifo "$work/clips/a_long.wav" "$work/clips/zz_long.wav" || { echo "cannot make the pipes" >&2; exit 1; }
# feed_start / feed_stop: a feeder per pipe for the run about to start; a run that skips a
# recording (its output complete) never opens its pipe, and a killed run leaves its feeder
# writing to nobody: feed_stop ends them (by their ids)
feeders=""
feed_start() {
  local f
  for f in a_long zz_long; do
    "$py" - "$work/long.wav" "$work/clips/$f.wav" <<'PY' &
import os, sys, time
data = open(sys.argv[1], "rb").read()
try:
    with open(sys.argv[2], "wb", buffering=0) as out:
        for at in range(0, len(data), 32768):
            out.write(data[at:at + 32768])
            time.sleep(0.004)
except BrokenPipeError:
    pass
PY
    feeders="$feeders $!"
  done
}
feed_stop() {
  local p
  for p in $feeders; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  feeders=""
}
(cd "$work" && ls clips/*.wav) >"$work/audio.txt"

# check_log LOG — every line a JSON object of the schema; prints "done skipped failed"
check_log() {
  "$py" - "$1" <<'PY'
import json, sys
keys = ["path", "status", "output", "device", "ms", "fallback", "error"]
counts = {"done": 0, "skipped": 0, "failed": 0}
with open(sys.argv[1], "rb") as f:
    data = f.read()
if data and not data.endswith(b"\n"):
    sys.exit("the log ends inside a line")
for n, raw in enumerate(data.splitlines(), 1):
    o = json.loads(raw)
    if o.get("summary"):
        for k in ("done", "skipped", "failed", "seconds", "files_per_second"):
            if k not in o:
                sys.exit("line %d: summary without %s" % (n, k))
        continue
    if list(o)[:7] != keys:
        sys.exit("line %d: keys %s, want %s first" % (n, list(o), keys))
    if o["status"] not in counts:
        sys.exit("line %d: status %r" % (n, o["status"]))
    if (o["status"] == "failed") != (o["error"] is not None):
        sys.exit("line %d: error %r with status %s" % (n, o["error"], o["status"]))
    counts[o["status"]] += 1
print(counts["done"], counts["skipped"], counts["failed"])
PY
}

# run_kill_resume NAME OUTDIR "WHEN..." CMD... — the reference run, then a run killed at each
# WHEN (partial: as soon as an output's partial file exists; lines:K: once the run has logged
# K lines), each resuming the one before, then a last --resume run left to complete. With
# FEED=1, the pipes are fed for each run.
run_kill_resume() {
  local name=$1 out=$2 whens=$3
  shift 3
  local ref="$work/$name-ref"
  [ "${FEED:-0}" = 1 ] && feed_start
  (cd "$work" && "$@" -o "$ref" >/dev/null 2>"$work/$name-ref.err")
  local rc=$?
  feed_stop
  [ $rc -eq 1 ] || fail "$name: the uninterrupted run exited $rc, want 1 (the corrupt file): $(cat "$work/$name-ref.err")"
  grep -q "corrupt" "$work/$name-ref.err" || fail "$name: the corrupt file is not named on standard error"
  local nref
  nref=$(ls "$ref" | wc -l)
  [ "$nref" -ge 10 ] || fail "$name: the reference run wrote $nref outputs"

  local log="$work/$name.jsonl" kills=0 partial_seen=0 removed_seen=0
  : >"$log"
  for when in $whens; do
    local start
    start=$(wc -l <"$log")
    [ "${FEED:-0}" = 1 ] && feed_start
    (cd "$work" && exec "$@" -o "$out" --resume --log "$log" >/dev/null 2>"$work/$name-killed.err") &
    local pid=$! caught=0
    for _ in $(seq 5000); do
      kill -0 $pid 2>/dev/null || break
      if [ "$when" = partial ]; then
        ls "$work/$out"/*.partial-* >/dev/null 2>&1 && { caught=1; break; }
      elif [ $(($(wc -l <"$log") - start)) -ge "${when#lines:}" ]; then
        caught=1
        break
      fi
      sleep 0.002
    done
    kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
    wait $pid 2>/dev/null
    feed_stop
    grep -q "removed [0-9]* partial file" "$work/$name-killed.err" && removed_seen=1
    # a partial file seen just before the kill may have been renamed in between: only one
    # still there afterwards was left by the killed run
    if [ "$when" = partial ] && [ $caught = 1 ] && ls "$work/$out"/*.partial-* >/dev/null 2>&1; then
      partial_seen=1
    fi
  done
  [ $kills -ge 3 ] || fail "$name: only $kills of the 4 runs were still running when killed"
  # the outputs complete before the final run, with their inode and time
  local before="$work/$name-before.txt"
  (cd "$work/$out" 2>/dev/null && for f in *; do
     case $f in *.partial-*) continue ;; esac
     [ -f "$f" ] && stat -c '%n %i %Y.%y' "$f"
   done) >"$before"
  local lines_before
  lines_before=$(wc -l <"$log" 2>/dev/null || echo 0)
  [ "${FEED:-0}" = 1 ] && feed_start
  (cd "$work" && "$@" -o "$out" --resume --log "$log" >"$work/$name-final.out" 2>"$work/$name-final.err")
  rc=$?
  feed_stop
  [ $rc -eq 1 ] || fail "$name: the resumed run exited $rc, want 1 (the corrupt file): $(cat "$work/$name-final.err")"
  grep -q "removed [0-9]* partial file" "$work/$name-final.err" && removed_seen=1
  # audio starts with a recording fed through a pipe: its run is killed with its partial file
  # in place
  [ "$name" = audio ] && [ $partial_seen = 0 ] && fail "$name: no run was killed while a partial file existed"
  if [ $partial_seen = 1 ] && [ $removed_seen = 0 ]; then
    fail "$name: no resumed run said it removed the killed runs' partial files"
  fi
  ls "$work/$out"/*.partial-* >/dev/null 2>&1 && fail "$name: partial files left: $(ls "$work/$out" | grep partial)"
  # every output present and byte-identical to the uninterrupted run's
  for f in "$ref"/*; do
    local b
    b=$(basename "$f")
    cmp -s "$f" "$work/$out/$b" || fail "$name: $b differs from the uninterrupted run's (or is missing)"
  done
  [ "$(ls "$work/$out" | wc -l)" = "$nref" ] || fail "$name: $(ls "$work/$out" | wc -l) files in the output directory, want $nref"
  # nothing written twice: what was complete before is skipped and untouched
  while read -r f ino rest; do
    local now
    now=$(stat -c '%i %Y.%y' "$work/$out/$f")
    [ "$now" = "$ino $rest" ] || fail "$name: $f was complete before the resumed run and was written again"
    grep -F "\"output\":\"$out/$f\"" <(tail -n +$((lines_before + 1)) "$log") | grep -q '"status":"skipped"' ||
      fail "$name: $f was complete before the resumed run but its line does not say skipped"
  done <"$before"
  local counts
  counts=$(check_log "$log") || fail "$name: the log does not read line by line: $counts"
  tail -n +$((lines_before + 1)) "$log" >"$work/$name-final.jsonl"
  local final
  final=$(check_log "$work/$name-final.jsonl")
  local done skipped failed
  read -r done skipped failed <<<"$final"
  [ "$failed" = 1 ] || fail "$name: the resumed run logged $failed failures, want 1"
  [ $((done + skipped)) = "$nref" ] || fail "$name: the resumed run logged $done done + $skipped skipped, want $nref"
  [ "$skipped" -ge 1 ] || fail "$name: the killed runs completed nothing (skipped 0)"
  [ "$done" -ge 1 ] || fail "$name: the killed runs left nothing to do (done 0)"
  grep '"status":"failed"' "$work/$name-final.jsonl" | grep -q 'corrupt.*"error":"[^"]*corrupt' ||
    fail "$name: the corrupt file's line does not give its reason: $(grep failed "$work/$name-final.jsonl")"
  tail -1 "$work/$name-final.jsonl" | grep -q "{\"summary\":true,\"done\":$done,\"skipped\":$skipped,\"failed\":1," ||
    fail "$name: the log does not end with the summary: $(tail -1 "$work/$name-final.jsonl")"
  echo "$name: $kills runs killed (a partial file caught: $partial_seen, removed by a resumed run: $removed_seen), then $done done, $skipped skipped, $failed failed"
}

# audio: killed while a partial file exists, after 2 and 3 more lines, while one exists again
FEED=1 run_kill_resume audio out-audio "partial lines:2 lines:3 partial" "$accel" audio features --manifest audio.txt --preset whisper-80

# ---- images: a 1800×1200 PNG (the test JPEG enlarged by `image enhance`, so that decoding
# takes long enough to be interrupted) under 80 names, and a truncated PNG -----------------
mkdir -p "$work/images"
"$accel" image enhance "$data/image/bad/good.jpg" --min-short-side 1200 -o "$work/big.png" >/dev/null ||
  fail "cannot make the test image"
for k in $(seq -w 1 80); do cp "$work/big.png" "$work/images/i$k.png"; done
cp "$data/image/bad/truncated.png" "$work/images/corrupt.png"
(cd "$work" && ls images/*) >"$work/images.txt"
# images: the outputs of a batch of 16 are written in a moment, after decoding; killed once
# each run has logged a line (mid-batch or between batches)
run_kill_resume blob out-blob "lines:1 lines:17 lines:33 lines:49" "$accel" image blob --manifest images.txt --model scrfd --size 160

[ $fails -eq 0 ] && { rm -rf "$work"; echo ok; }
exit $((fails > 0))
