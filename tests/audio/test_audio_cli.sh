#!/usr/bin/env bash
# test_audio_cli.sh ACCEL DATA OUT — `accel audio`: outputs, the batch rule (a bad file among
# good ones: the good ones are written, the bad one is named, exit 1), usage errors (exit 2
# naming the values allowed), --json, vad, --demo and --bench-iterations.
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
if [ $have_np = 1 ]; then
  "$py" - "$out/a.npy" <<'PY' || fail "a.npy is not the expected .npy"
import sys, numpy as np
a = np.load(sys.argv[1])
assert a.dtype == np.float32 and a.flags["C_CONTIGUOUS"] and a.shape == (80, 30980 // 160 + 3000), a.shape
assert np.isfinite(a).all() and a.max() <= 2.5 and a.min() >= a.max() - 2.0 - 1e-6
PY
fi

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
[ -e "$out/x.npy" ] && fail "an output was written despite a usage error"

# devices: cpu always works; auto works
expect_rc 0 "$accel" audio features "$data/tone.wav" --preset fbank --device cpu -o "$out/t.npy"
expect_rc 0 "$accel" audio features "$data/tone.wav" --preset fbank --device auto -o "$out/t2.npy"

# vad and chunks
expect_rc 0 "$accel" audio vad "$data/speech_a.wav"
grep -Eq '^[0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3}$' "$out/stdout" || fail "vad printed no segment"
expect_rc 0 "$accel" audio vad "$data/speech_a.wav" --chunks 1 --json
if [ $have_np = 1 ]; then
  "$py" -c "
import json; d=json.load(open('$out/stdout')); s=d['files'][0]['segments']
assert d['mode']=='chunks' and len(s)>=2 and s[0][0]==0 and all(b-a<=1.0+1e-9 for a,b in s), s" || fail "vad --chunks --json"
fi
expect_rc 1 "$accel" audio vad "$data/bad/empty.wav"

# demo and bench
expect_rc 0 "$accel" audio features --demo 2 --preset whisper-80
grep -q "device:" "$out/stdout" && grep -q "time:" "$out/stdout" && grep -q "fallback:" "$out/stdout" || fail "demo output"
expect_rc 0 "$accel" audio features "$data/speech_a.wav" --preset fbank-80 --bench-iterations 3
grep -q "median" "$out/stdout" || fail "bench output"

[ $fails = 0 ] && echo "all audio CLI checks passed" && rm -rf "$out"
exit $((fails > 0))
