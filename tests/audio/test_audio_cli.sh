#!/usr/bin/env bash
# test_audio_cli.sh ACCEL DATA OUT — `accel audio`: outputs, the batch rule (a bad file among
# good ones: the good ones are written, the bad one is named, exit 1), usage errors (exit 2
# naming the values allowed), --json, vad, --demo and --bench-iterations, whisper's frame count
# explained, vad times to the millisecond and vad -o.
set -u
accel=$1 data=$2 out=$3
rm -rf "$out"; mkdir -p "$out"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect_rc() { # want rc, then the command
  local want=$1; shift
  "$@" >"$out/stdout" 2>"$out/stderr"; local rc=$?
  [ "$rc" = "$want" ] || fail "exit $rc, want $want: $* — $(head -c 400 "$out/stderr")"
}
py=/usr/bin/python3
have_np=0; "$py" -c "import numpy" 2>/dev/null && have_np=1

# one input: OUT is the file
expect_rc 0 "$accel" audio features "$data/speech_a.wav" --preset whisper-80 -o "$out/a.npy"
[ -s "$out/a.npy" ] || fail "a.npy not written"
# created as a plain fopen creates a file (0666 less the umask), also through the stream writer
(umask 002 && "$accel" audio features "$data/speech_a.wav" --preset vggish -o "$out/m.npy") ||
  fail "vggish under umask 002"
[ "$(stat -c %a "$out/m.npy")" = 664 ] || fail "m.npy has mode $(stat -c %a "$out/m.npy") under umask 002"
if [ $have_np = 1 ]; then
  "$py" - "$out/a.npy" <<'PY' || fail "a.npy is not the expected .npy"
import sys, numpy as np
a = np.load(sys.argv[1])
assert a.dtype == np.float32 and a.flags["C_CONTIGUOUS"] and a.shape == (80, 30980 // 160 + 3000), a.shape
assert np.isfinite(a).all() and a.max() <= 2.5 and a.min() >= a.max() - 2.0 - 1e-6
PY
fi

# a 16-bit mono WAV is read by the kernels where it lies (the info log says so); a 16-bit WAV at
# float WAV goes the float way; the two routes give the same bits (test_audio_pcm16)
ACCEL_LOG_LEVEL=info expect_rc 0 "$accel" audio features "$data/speech_a.wav" --preset vggish -o "$out/a16.npy"
grep -q "16-bit samples read in place" "$out/stderr" || fail "speech_a.wav not read in place: $(cat "$out/stderr")"
ACCEL_LOG_LEVEL=info expect_rc 0 "$accel" audio features "$data/variants/speech_c_f32.wav" --preset vggish \
  -o "$out/c32.npy"
grep -q "samples decoded to float" "$out/stderr" || fail "a float WAV said: $(cat "$out/stderr")"
# a clip within one chunk is computed whole and written in one piece; streamed in chunks (a
# shorter chunk asked for) whisper goes in place, and the two files are the same bytes
ACCEL_LOG_LEVEL=info expect_rc 0 "$accel" audio features "$data/speech_b.wav" --preset whisper-80 -o "$out/w1.npy"
grep -q "; whole, one buffer)" "$out/stderr" || fail "a short clip not done whole: $(cat "$out/stderr")"
ACCEL_CHUNK_SECONDS=1 ACCEL_LOG_LEVEL=info expect_rc 0 "$accel" audio features "$data/speech_b.wav" \
  --preset whisper-80 -o "$out/w2.npy"
grep -q "chunks; .*whisper in place" "$out/stderr" || fail "1-s chunks not streamed in place: $(cat "$out/stderr")"
cmp -s "$out/w1.npy" "$out/w2.npy" || fail "the one-piece and the streamed .npy differ"

# several inputs, some bad: the good ones are written, each bad one named, exit 1
mkdir -p "$out/adir.wav"
expect_rc 1 "$accel" audio features "$data/speech_a.wav" "$data/bad/truncated.wav" "$data/speech_b.wav" \
  "$data/bad/empty.wav" "$data/missing.wav" "$data/bad/corrupt.wav" "$data/bad/unsupported_codec.wav" \
  "$out/adir.wav" --preset fbank-80 -o "$out/batch"
[ -s "$out/batch/speech_a.npy" ] && [ -s "$out/batch/speech_b.npy" ] || fail "good files of the batch not written"
for b in truncated empty missing corrupt unsupported_codec adir; do
  [ -e "$out/batch/$b.npy" ] && fail "$b.npy written for a bad input"
  grep -q "$b" "$out/stderr" || fail "stderr does not name $b"
done
grep -q "truncated: the data chunk" "$out/stderr" || fail "no reason for the truncated file"
grep -q "unsupported codec" "$out/stderr" || fail "no reason for the unsupported codec"
grep -q "is a directory" "$out/stderr" || fail "no reason for the directory"
ls "$out/batch" | grep -q partial && fail "a partial file was left"
grep -q '\[#' "$out/stderr" && fail "a progress bar on a non-terminal"

# the progress bar fits the terminal: on one narrower than the bar's line it wrapped, and the
# \r that clears it went back to the wrapped part only, leaving a bar between every two lines
if command -v script >/dev/null && [ -x "$py" ]; then
  script -qec "stty cols 50 rows 20; \"$accel\" audio features \"$data/speech_a.wav\" \"$data/speech_b.wav\" \
    \"$data/tone.wav\" --preset vggish -o \"$out/bar/\" >/dev/null" "$out/bar.txt" >/dev/null 2>&1
  "$py" - "$out/bar.txt" <<'PY' || fail "progress bar on a 50-column terminal: $(cat -A "$out/bar.txt" | head -c 600)"
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
lines = [l for l in text.split("\n") if not l.startswith("Script ")]
parts = [p for l in lines for p in l.split("\r")]
assert any("3/3" in p and p.startswith("[") for p in parts), parts
assert all(len(p) <= 49 for p in parts), [p for p in parts if len(p) > 49]
PY
fi

# --json summary per file
expect_rc 1 "$accel" audio features "$data/speech_b.wav" "$data/bad/empty.wav" --preset vggish -o "$out/j" --json
if [ $have_np = 1 ]; then
  "$py" - "$out/stdout" <<'PY' || fail "--json output"
import json, sys
d = json.load(open(sys.argv[1]))
ok, bad = d["files"]
assert d["failed"] == 1 and ok["ok"] and not bad["ok"], d
for k in ("frames", "seconds", "device", "fallbacks", "time_ms", "shape", "output"):
    assert k in ok, k
assert ok["shape"] == [2, 96, 64] and ok["frames"] == 192 and "empty file" in bad["error"]
PY
fi

# whisper options
expect_rc 0 "$accel" audio features "$data/speech_b.wav" --preset whisper-128 --padding faster-whisper --windows -o "$out/w.npy"
if [ $have_np = 1 ]; then
  "$py" -c "import numpy as np; a=np.load('$out/w.npy'); assert a.shape==(1,128,3000), a.shape" || fail "windows shape"
fi

# usage errors: exit 2 and the values allowed
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset mfcc -o "$out/x.npy"
grep -q "allowed: whisper-80, whisper-128, vggish, fbank, fbank-80" "$out/stderr" || fail "unknown preset: allowed values not named"
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset whisper-80 --padding zero -o "$out/x.npy"
grep -q "allowed: openai, faster-whisper, none" "$out/stderr" || fail "unknown padding: allowed values not named"
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset whisper-80 --frobnicate -o "$out/x.npy"
grep -q "allowed: --preset" "$out/stderr" || fail "unknown option: allowed options not named"
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset whisper-80
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset whisper-80 --device tpu -o "$out/x.npy"
grep -q "allowed: auto, cuda, rocm, opencl, metal, cpu (hip = rocm, mps = metal)" "$out/stderr" || fail "unknown device: allowed values not named"
expect_rc 2 "$accel" audio features "$data/speech_a.wav" "$data/variants/speech_a.wav" --preset vggish -o "$out/dup" 2>/dev/null
expect_rc 2 "$accel" audio transcribe "$data/speech_a.wav"
# -o OUT for one input says what it holds (docs/cli.md): another ending is refused rather than
# given .npy bytes, a missing directory is named at once, "-" on a terminal is refused; all exit
# 2 before anything is decoded, and nothing is written
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset fbank -o "$out/feat.txt"
grep -q "unsupported output type '.txt'" "$out/stderr" || fail "-o feat.txt: $(cat "$out/stderr")"
[ -e "$out/feat.txt" ] && fail "feat.txt written"
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset fbank -o "$out/noext"
grep -q "a name without an extension" "$out/stderr" || fail "-o noext: $(cat "$out/stderr")"
[ -e "$out/noext" ] && fail "noext written"
expect_rc 2 "$accel" audio features --demo 1 --preset fbank -o "$out/demo.wav"
expect_rc 2 "$accel" audio features "$data/speech_a.wav" --preset fbank -o "$out/no/such/x.npy"
grep -q "cannot write $out/no/such/x.npy: No such file or directory" "$out/stderr" ||
  fail "-o in a missing directory: $(cat "$out/stderr")"
if command -v script >/dev/null; then
  script -qec "\"$accel\" audio features \"$data/speech_a.wav\" --preset fbank -o -" /dev/null \
    >"$out/tty.txt" 2>&1
  rc=$?
  [ "$rc" = 2 ] || fail "-o - on a terminal: exit $rc, want 2: $(head -c 300 "$out/tty.txt")"
  grep -q "standard output is a terminal" "$out/tty.txt" || fail "-o - on a terminal: $(head -c 300 "$out/tty.txt")"
fi
[ -e "$out/x.npy" ] && fail "an output was written despite a usage error"

# -o naming a stream is written in place (docs/cli.md), never replaced by a renamed file: a
# FIFO (its reader got nothing and waited while a regular file took its name) and a link to
# standard output (the link became a file, standard output stayed empty); same bytes as a file
expect_rc 0 "$accel" audio features "$data/speech_b.wav" --preset fbank-80 -o "$out/ref.npy"
mkfifo "$out/fifo.npy"
timeout 20 cat "$out/fifo.npy" >"$out/from_fifo.npy" &
reader=$!
expect_rc 0 timeout 60 "$accel" audio features "$data/speech_b.wav" --preset fbank-80 -o "$out/fifo.npy"
wait $reader
[ -p "$out/fifo.npy" ] || fail "-o FIFO: the FIFO was replaced"
cmp -s "$out/ref.npy" "$out/from_fifo.npy" || fail "-o FIFO: its reader did not get the .npy"
grep -q "fifo.npy (" "$out/stdout" || fail "-o FIFO: no line for the input: $(cat "$out/stdout")"
ln -s /dev/stdout "$out/so.npy"
"$accel" audio features "$data/speech_b.wav" --preset fbank-80 -o "$out/so.npy" >"$out/from_so.npy" 2>"$out/stderr" ||
  fail "-o link to /dev/stdout: exit $?: $(cat "$out/stderr")"
[ -L "$out/so.npy" ] || fail "-o link to /dev/stdout: the link was replaced"
cmp -s "$out/ref.npy" "$out/from_so.npy" || fail "-o link to /dev/stdout: standard output did not get the .npy"
expect_rc 2 "$accel" audio features "$data/speech_b.wav" --preset fbank-80 -o "$out/so.npy" --json
grep -q "where --json would go too" "$out/stderr" || fail "-o /dev/stdout link with --json: $(cat "$out/stderr")"
# --demo writes one file: a directory is refused at once (it was computed, then failed naming
# a temporary file, exit 1)
mkdir -p "$out/demodir"
expect_rc 2 "$accel" audio features --demo 1 -o "$out/demodir"
grep -q "demo writes one file" "$out/stderr" || fail "--demo -o DIR: $(cat "$out/stderr")"
[ -z "$(ls -A "$out/demodir")" ] && ! ls -a "$out" | grep -q 'demodir\.' || fail "--demo -o DIR left a file"

# devices: cpu always works; auto works
expect_rc 0 "$accel" audio features "$data/tone.wav" --preset fbank --device cpu -o "$out/t.npy"
expect_rc 0 "$accel" audio features "$data/tone.wav" --preset fbank --device auto -o "$out/t2.npy"

# vad and chunks
expect_rc 0 "$accel" audio vad "$data/speech_a.wav"
grep -Eq '^[0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3}$' "$out/stdout" || fail "vad printed no segment"
grep -Eq '^# .*speech_a\.wav: [0-9.]+ s, [0-9]+ speech segments?$' "$out/stdout" || fail "vad: the file's line"
expect_rc 0 "$accel" audio vad "$data/tone.wav" --chunks 60
grep -Eq '^# .*tone\.wav: [0-9.]+ s, 1 chunk$' "$out/stdout" || fail "vad: one chunk is 'chunk': $(head -1 "$out/stdout")"
expect_rc 0 "$accel" audio vad "$data/speech_a.wav" --chunks 1 --json
if [ $have_np = 1 ]; then
  "$py" -c "
import json; d=json.load(open('$out/stdout')); s=d['files'][0]['segments']
assert d['mode']=='chunks' and len(s)>=2 and s[0][0]==0 and all(b-a<=1.0+1e-9 for a,b in s), s" || fail "vad --chunks --json"
fi
expect_rc 1 "$accel" audio vad "$data/bad/empty.wav"
# ACCEL_CHUNK_SECONDS below one detector frame is refused as --chunks 0.001 is (it made a
# chunk per millisecond, and 1e-9 billions): exit 2, the setting named, no report written
ACCEL_CHUNK_SECONDS=0.001 expect_rc 2 "$accel" audio vad "$data/speech_a.wav" "$data/speech_b.wav" --chunks \
  -o "$out/vad_cs.txt"
grep -q "ACCEL_CHUNK_SECONDS=0.001 (from env): shorter than one frame" "$out/stderr" ||
  fail "ACCEL_CHUNK_SECONDS=0.001: $(head -c 300 "$out/stderr")"
[ "$(grep -c "ACCEL_CHUNK_SECONDS" "$out/stderr")" = 1 ] || fail "ACCEL_CHUNK_SECONDS=0.001 not said once"
[ -e "$out/vad_cs.txt" ] && fail "ACCEL_CHUNK_SECONDS=0.001: a report was written"

# demo and bench
expect_rc 0 "$accel" audio features --demo 2 --preset whisper-80
grep -q "device:" "$out/stdout" && grep -q "time:" "$out/stdout" && grep -q "fallback:" "$out/stdout" || fail "demo output"
# --demo --json: a file's object, its fields named as for a file (it lacked ok, output, frames)
expect_rc 0 "$accel" audio features --demo 2 --preset whisper-80 --json -o "$out/demo.npy"
"$py" - "$out/stdout" "$out/demo.npy" <<'PY' || fail "demo --json: $(head -c 600 "$out/stdout")"
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
assert f["ok"] is True and f["output"] == sys.argv[2] and f["frames"] == 3200, f
assert f["shape"] == [80, 3200] and f["seconds"] == 2, f
PY
expect_rc 0 "$accel" audio features "$data/speech_a.wav" --preset fbank-80 --bench-iterations 3
grep -q "median" "$out/stdout" || fail "bench output"
# --bench-iterations --json lists a failed input too, as a run that writes files does (it was
# counted in "failed" and left out of "files")
expect_rc 1 "$accel" audio features "$data/speech_a.wav" "$data/bad/empty.wav" --preset fbank-80 --bench-iterations 2 --json
"$py" - "$out/stdout" <<'PY' || fail "bench --json with a failed input: $(head -c 600 "$out/stdout")"
import json, sys
d = json.load(open(sys.argv[1]))
ok, bad = d["files"]
assert d["failed"] == 1 and ok["ok"] and ok["iterations"] == 2, d
assert not bad["ok"] and bad["input"].endswith("empty.wav") and "empty file" in bad["error"], bad
assert bad["status"] == "ERR_FORMAT", bad
PY

# whisper's frame count explained on screen: 100 frames per second of audio plus the padding
expect_rc 0 "$accel" audio features --demo 5 --preset whisper-80
grep -q "shape (80, 3500)" "$out/stdout" || fail "demo 5 s: shape"
grep -q "frames: 3500 = 5.00 s of audio (500 frames, 100 per second) + 3000 frames of openai padding" "$out/stdout" \
  || fail "demo 5 s: the frame count is not explained: $(cat "$out/stdout")"
grep -q -- "--padding none gives 500, --windows gives 30-s windows of 3000" "$out/stdout" || fail "demo 5 s: the alternatives"
expect_rc 0 "$accel" audio features --demo 5 --preset whisper-80 --padding none
grep -q "frames: 500 = 5.00 s of audio at 100 frames per second (--padding none)" "$out/stdout" || fail "padding none: explanation"
expect_rc 0 "$accel" audio features --demo 45 --preset whisper-80 --windows
grep -q "2 window(s) of 30 s (3000 frames each) covering 45.00 s of audio (4500 frames)" "$out/stdout" || fail "windows: explanation"
expect_rc 0 "$accel" audio features "$data/speech_b.wav" --preset whisper --padding faster-whisper -o "$out/fw.npy"
grep -q "+ 1 frame of faster-whisper padding (160 samples)" "$out/stdout" || fail "faster-whisper: explanation"
expect_rc 0 "$accel" audio features "$data/speech_b.wav" --preset fbank -o "$out/fb.npy"
grep -q "frames:" "$out/stdout" && fail "fbank output explained as whisper's"

# vad --json: times to the millisecond; -o writes the report atomically, never over an input
expect_rc 0 "$accel" audio vad "$data/speech_a.wav" "$data/speech_b.wav" --json
if [ $have_np = 1 ]; then
  "$py" - "$out/stdout" <<'PY' || fail "vad --json times are not rounded to the millisecond"
import json, re, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
nums = re.findall(r"[-+]?\d+\.\d+(?:[eE][-+]?\d+)?", text)
assert nums, text
for n in nums:
    assert len(n.split(".")[1]) <= 3, n
for f in d["files"]:
    for a, b in f["segments"]:
        assert round(a, 3) == a and round(b, 3) == b, (a, b)
PY
fi
expect_rc 0 "$accel" audio vad "$data/speech_a.wav" --json -o "$out/vad.json"
grep -q '^# ' "$out/stdout" || fail "vad -o FILE --json: the text is not on screen"
grep -q '"segments"' "$out/vad.json" || fail "vad -o FILE: no report in the file"
ls -a "$out" | grep -q '^\.vad' && fail "vad -o left a temporary file"
cp "$data/speech_a.wav" "$out/input.wav"
expect_rc 2 "$accel" audio vad "$out/input.wav" -o "$out/input.wav"
grep -q "names an input file" "$out/stderr" || fail "vad -o naming its input: no reason"
cmp -s "$data/speech_a.wav" "$out/input.wav" || fail "vad -o overwrote its input"

[ $fails = 0 ] && echo "all audio CLI checks passed" && rm -rf "$out"
exit $((fails > 0))
