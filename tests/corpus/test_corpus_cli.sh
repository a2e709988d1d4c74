#!/usr/bin/env bash
# test_corpus_cli.sh ACCEL DATA WORK [HOLD_RENAME] — the corpus options through the command line: one
# vocabulary (--manifest, --shard, --resume, --log with the same help in every multi-file
# verb), shards that partition the inputs whatever their order (I/N and Slurm's variables),
# operands and a manifest combined, image quality's per-image .json, and the errors: a bad
# manifest (named with its line), a bad --shard (the values allowed), two inputs writing one
# output (both named, before anything runs).
set -u
accel=$(realpath "$1") data=$(realpath "$2") work=$3 hold=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
export ACCEL_BACKEND=cpu ACCEL_LOG_LEVEL=error
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP

# ---- one vocabulary ------------------------------------------------------------------------
for verb in "audio features" "image quality" "image blob"; do
  # shellcheck disable=SC2086
  "$accel" help $verb >"help-${verb// /-}.txt" 2>&1 || fail "accel help $verb failed"
  sed -n '/^  --manifest/,/^  --log/p' "help-${verb// /-}.txt" | grep -v '^  --[a-z]' >/dev/null
  for opt in --manifest --shard --resume --log; do
    grep -q "^  $opt" "help-${verb// /-}.txt" || fail "accel help $verb does not show $opt"
  done
  # the four options' lines, as the help prints them
  awk '/^  --manifest/{p=1} p&&/^  (-h|--help)/{p=0} p&&/^  --[a-z]/&&!/^  --(manifest|shard|resume|log)/{p=0} p' \
    "help-${verb// /-}.txt" >"opts-${verb// /-}.txt"
done
cmp -s opts-audio-features.txt opts-image-quality.txt || fail "audio features and image quality describe the corpus options differently"
cmp -s opts-audio-features.txt opts-image-blob.txt || fail "audio features and image blob describe the corpus options differently"
grep -q "0-based" opts-audio-features.txt || fail "--shard's help does not say I is 0-based"

# ---- shards partition the inputs -------------------------------------------------------------
/usr/bin/python3 "$here/make_wavs.py" clips 12 0.5 || exit 1
ls clips/*.wav >all.txt
tac all.txt >reversed.txt
"$accel" audio features --manifest all.txt --preset fbank -o full --log full.jsonl >/dev/null 2>&1 ||
  fail "the unsharded run failed"
for i in 0 1 2; do
  "$accel" audio features --manifest all.txt --preset fbank -o "s$i" --shard "$i/3" --log "s$i.jsonl" \
    >/dev/null 2>&1 || fail "shard $i/3 failed"
  # the same shard of the manifest in the other order holds the same files
  "$accel" audio features --manifest reversed.txt --preset fbank -o "r$i" --shard "$i/3" >/dev/null 2>&1
  [ "$(ls "s$i")" = "$(ls "r$i")" ] || fail "shard $i/3 depends on the manifest's order"
done
[ "$(ls s0 s1 s2 | grep npy | sort)" = "$(ls full | sort)" ] || fail "the shards' outputs are not the unsharded run's"
[ "$(ls s0 s1 s2 | grep -c npy)" = 12 ] || fail "the shards overlap or miss inputs"
# the shard of a path is FNV-1a 64 of its bytes mod N, as docs/cli.md says
/usr/bin/python3 - all.txt s0 s1 s2 <<'PY' || fail "a path's shard is not FNV-1a 64 mod N"
import os, sys
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
for p in open(sys.argv[1]).read().split():
    stem = os.path.splitext(os.path.basename(p))[0]
    i = fnv(p.encode()) % 3
    assert os.path.exists(os.path.join(sys.argv[2 + i], stem + ".npy")), (p, i)
PY
# Slurm's variables: task 7 of an array 5-7 is shard 2 of 3
SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_COUNT=3 \
  "$accel" audio features --manifest all.txt --preset fbank -o auto2 --shard auto >/dev/null 2>&1 ||
  fail "--shard auto failed"
[ "$(ls auto2)" = "$(ls s2)" ] || fail "--shard auto with task 7 of 5-7 is not shard 2/3"

# ---- operands and a manifest together; resume over them ---------------------------------------
head -3 all.txt >three.txt
"$accel" audio features "$data/audio/tone.wav" --manifest three.txt --preset fbank -o mixed --resume \
  --log mixed.jsonl >/dev/null 2>&1 || fail "operands with --manifest failed"
[ "$(ls mixed | wc -l)" = 4 ] || fail "operands and manifest: $(ls mixed | wc -l) outputs, want 4"
"$accel" audio features "$data/audio/tone.wav" --manifest three.txt --preset fbank -o mixed --resume \
  --log mixed.jsonl >/dev/null 2>&1 || fail "the resumed run failed"
[ "$(grep -c '"status":"skipped"' mixed.jsonl)" = 4 ] || fail "the rerun with --resume did not skip the 4"

# ---- image quality: one .json per image ------------------------------------------------------
cp "$data/image/bad/good.jpg" a.jpg
cp "$data/image/bad/good.png" b.png
printf 'path,label\na.jpg,x\n"b.png",y\n' >images.csv
"$accel" image quality --manifest images.csv -o q/ --log q.jsonl >q.out 2>q.err || fail "image quality -o DIR: $(cat q.err)"
"$accel" image quality a.jpg --json >a.json 2>/dev/null
grep -q '"overall"' q/a.json || fail "q/a.json holds no measures: $(cat q/a.json)"
/usr/bin/python3 - q/a.json a.json <<'PY' || fail "the per-image .json differs from --json's object"
import json, sys
one = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))["images"][0]
assert one == rep, (one, rep)
PY

# ---- image blob: each failed image its own reason, on standard error and in the log ----------
/usr/bin/python3 -c "
import cv2, numpy as np
cv2.imwrite('e1.png', np.full((1, 3000, 3), 100, np.uint8))
cv2.imwrite('e2.png', np.full((3000, 1, 3), 100, np.uint8))
" || fail "cannot make the elongated images"
"$accel" image blob e1.png e2.png a.jpg --model scrfd -o elong/ --log elong.jsonl >out.txt 2>err.txt
[ $? = 1 ] || fail "image blob with two elongated images: exit not 1"
grep -q "'e1.png': 3000×1 is too elongated" err.txt || fail "e1.png's reason: $(cat err.txt)"
grep -q "'e2.png': 1×3000 is too elongated" err.txt || fail "e2.png's reason: $(cat err.txt)"
grep -q '"path":"e1.png","status":"failed".*3000×1 is too elongated' elong.jsonl || fail "e1.png's log line: $(cat elong.jsonl)"
grep -q '"path":"e2.png","status":"failed".*1×3000 is too elongated' elong.jsonl || fail "e2.png's log line: $(cat elong.jsonl)"
[ -s elong/a.npy ] || fail "the good image's blob was not written"

# an existing file as the output directory of a corpus run: nothing runs, exit 2
"$accel" image quality --manifest images.csv -o a.json >out.txt 2>err.txt
[ $? = 2 ] || fail "image quality --manifest -o FILE: exit not 2: $(cat err.txt)"
grep -q -- "-o a.json is a file" err.txt || fail "image quality --manifest -o FILE: $(cat err.txt)"

# ---- SIGTERM while an image's output is being written: its partial file removed, the counts said
# The run's rename of its first partial file into place waits (tests/fakes/hold_rename.c,
# preloaded) until the signal arrives: the file is written, open no more, not yet in place.
if [ -n "$hold" ] && [ -e "$hold" ]; then
  mkdir -p sigterm
  rm -f sigterm.mark
  HOLD_RENAME_MARK=$PWD/sigterm.mark LD_PRELOAD=$hold ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 \
    "$accel" image blob a.jpg b.png --model arcface -o sigterm/ --log sigterm.jsonl >/dev/null 2>sigterm.err &
  pid=$!
  for _ in $(seq 1000); do [ -s sigterm.mark ] && break; sleep 0.01; done
  grep -q "sigterm/a.npy.partial-$pid" sigterm.mark 2>/dev/null || fail "the run did not reach its rename: $(cat sigterm.err)"
  kill -TERM $pid
  wait $pid
  rc=$?
  [ $rc = 143 ] || fail "image blob ended by SIGTERM: exit $rc, want 143 (the signal's): $(cat sigterm.err)"
  ls sigterm | grep -q partial && fail "SIGTERM left a partial file: $(ls sigterm)"
  grep -q "accel image blob: interrupted by SIGTERM after 0 of 2 inputs (0 done, 0 skipped, 0 failed; each has its line in the log" sigterm.err ||
    fail "SIGTERM: no summary on standard error: $(cat sigterm.err)"
else
  echo "(the rename-holding library is not built: the SIGTERM-while-writing check is skipped)"
fi

# ---- errors --------------------------------------------------------------------------------
printf 'path\nok.wav\n"never closed\n' >bad.csv
"$accel" audio features --manifest bad.csv --preset fbank -o e 2>err.txt
[ $? = 2 ] || fail "a bad manifest is not a usage error"
grep -q "manifest 'bad.csv', line 3: unterminated quoted field" err.txt || fail "bad manifest: $(cat err.txt)"
"$accel" audio features --manifest all.txt --preset fbank -o e --shard 3/3 2>err.txt
[ $? = 2 ] || fail "--shard 3/3 is not a usage error"
grep -q "0-based: 0..2" err.txt || fail "--shard 3/3: $(cat err.txt)"
"$accel" image blob --manifest all.txt --model arcface -o e --shard auto 2>err.txt
[ $? = 2 ] || fail "--shard auto outside Slurm is not a usage error"
grep -q "SLURM_ARRAY_TASK_ID is not set" err.txt || fail "--shard auto: $(cat err.txt)"
mkdir -p other && cp clips/clip_00001.wav other/
"$accel" audio features --manifest all.txt other/clip_00001.wav --preset fbank -o coll 2>err.txt
[ $? = 2 ] || fail "colliding outputs are not a usage error"
grep -q "'clips/clip_00001.wav' (input .*) and 'other/clip_00001.wav' (input 1) would both write\|'other/clip_00001.wav' (input 1) and 'clips/clip_00001.wav' (input .*) would both write" err.txt ||
  fail "collision: $(cat err.txt)"
[ -e coll ] && [ "$(ls coll | wc -l)" != 0 ] && fail "outputs were written before the collision was refused"

# ---- --log names one of the run's own files: refused, the file untouched ----------------------
head -2 all.txt >two.txt
cp two.txt two.keep
first=$(head -1 two.txt)
cp "$first" first.keep
for log in two.txt "$first" logclash/"$(basename "${first%.wav}")".npy; do
  "$accel" audio features --manifest two.txt --preset fbank -o logclash --log "$log" >out.txt 2>err.txt
  rc=$?
  [ $rc = 2 ] || fail "--log $log: exit $rc, want 2"
  grep -q -- "--log $log is " err.txt || fail "--log $log: not named: $(cat err.txt)"
  grep -q "done, .* skipped" err.txt && fail "--log $log: a summary of a run that never started: $(cat err.txt)"
done
cmp -s two.txt two.keep || fail "--log naming the manifest changed it"
cmp -s "$first" first.keep || fail "--log naming an input changed it"
# --log - (a stream elsewhere) is refused, not taken for a file named "-"
"$accel" audio features --manifest two.txt --preset fbank -o logdash --log - >out.txt 2>err.txt
[ $? = 2 ] || fail "--log -: exit not 2"
grep -q -- "--log -: the log is a file" err.txt || fail "--log -: $(cat err.txt)"
[ -e ./- ] && fail "--log - wrote a file named '-'"
# a log that cannot be opened: the error, and no summary made of uninitialised counts
"$accel" audio features --manifest two.txt --preset fbank -o logclash --log no/such/dir.jsonl >out.txt 2>err.txt
[ $? = 2 ] || fail "an unopenable --log: exit not 2"
grep -q "cannot open the run log 'no/such/dir.jsonl'" err.txt || fail "an unopenable --log: $(cat err.txt)"
grep -q "done, .* skipped" err.txt && fail "an unopenable --log printed a summary: $(cat err.txt)"

# ---- --resume into another preset's outputs: that input fails, its file is kept -------------
"$accel" audio features --manifest two.txt --preset vggish -o other >/dev/null 2>&1 || fail "the vggish run failed"
stem=$(basename "${first%.wav}")
cp "other/$stem.npy" vggish.keep
"$accel" audio features --manifest two.txt --preset whisper-80 -o other --resume --log other.jsonl >out.txt 2>err.txt
[ $? = 1 ] || fail "--resume over vggish outputs with whisper-80: exit not 1"
grep -q "'other/$stem.npy' holds (.*, 96, 64) float32, which this whisper-80 run does not make" err.txt ||
  fail "--resume over another preset's output: $(cat err.txt)"
cmp -s "other/$stem.npy" vggish.keep || fail "--resume replaced another preset's output"
[ "$(grep -c '"status":"failed"' other.jsonl)" = 2 ] || fail "--resume over another preset's outputs: not 2 failures"

# ---- an output directory that cannot be made: nothing ran, exit 2 ------------------------------
touch notadir
"$accel" audio features --manifest two.txt --preset fbank -o notadir/sub >out.txt 2>err.txt
[ $? = 2 ] || fail "an output directory that cannot be made: exit not 2: $(cat err.txt)"

[ $fails -eq 0 ] && { cd / && rm -rf "$work"; echo ok; }
exit $((fails > 0))
