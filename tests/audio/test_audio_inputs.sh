#!/usr/bin/env bash
# test_audio_inputs.sh ACCEL DATA OUT — inputs and outputs an adversary (or an unlucky user)
# gives `accel audio features`:
#   * pipes, process substitution, standard input (-) and a FIFO whose writer has finished:
#     each input read once, the same features as from the file, no hang; SoX's WAV of unknown
#     length from a pipe;
#   * a 3-minute file (read through a mapping) and the same bytes through a pipe: identical
#     features for every preset;
#   * -o naming an input (directly, or through a hard or symbolic link): refused, input intact;
#   * SIGINT / SIGTERM during a run on a long input: the partial file is removed;
#   * a truncated MP3 (also inside a WAV) and a NaN sample: named with what was lost, counted,
#     exit 1, and nothing but accel's own lines on standard error.
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
wav=$data/speech_b.wav
ref=$out/ref.npy
expect_rc 0 "$accel" audio features "$wav" --preset whisper-80 -o "$ref"

# ---- pipes: each input read once --------------------------------------------------------
"$accel" audio features <(cat "$wav") --preset whisper-80 -o "$out/procsub.npy" >"$out/stdout" 2>"$out/stderr" \
  || fail "process substitution: $(cat "$out/stderr")"
cmp -s "$ref" "$out/procsub.npy" || fail "process substitution gives other features than the file"

cat "$wav" | "$accel" audio features - --preset whisper-80 -o "$out/stdin.npy" >"$out/stdout" 2>"$out/stderr" \
  || fail "standard input (pipe): $(cat "$out/stderr")"
cmp -s "$ref" "$out/stdin.npy" || fail "standard input (pipe) gives other features than the file"
"$accel" audio features - --preset whisper-80 -o "$out/redirect.npy" <"$wav" >"$out/stdout" 2>"$out/stderr" \
  || fail "standard input (file): $(cat "$out/stderr")"
cmp -s "$ref" "$out/redirect.npy" || fail "standard input (file) gives other features than the file"
# a directory output names it stdin.npy
cat "$wav" | "$accel" audio features - --preset whisper-80 -o "$out/dir/" >/dev/null 2>&1
[ -s "$out/dir/stdin.npy" ] || fail "standard input into a directory: no stdin.npy"

# a FIFO: the writer puts the whole (small) file in the pipe and exits before the decode; a
# second open would wait for a writer that never comes
mkfifo "$out/fifo"
(cat "$wav" >"$out/fifo") &
timeout 30 "$accel" audio features "$out/fifo" --preset whisper-80 -o "$out/fifo.npy" >"$out/stdout" 2>"$out/stderr"
rc=$?
[ $rc = 124 ] && fail "a FIFO whose writer finished: still waiting after 30 s"
[ $rc = 0 ] || fail "FIFO: exit $rc: $(cat "$out/stderr")"
cmp -s "$ref" "$out/fifo.npy" || fail "a FIFO gives other features than the file"
wait
# an Ogg FIFO whose writer opens it a second late and pauses for a second mid-stream: the open
# and the reads wait (no error, no spinning: the CPU time stays far below the 2 s of waiting),
# and the features are the file's
ogg=$data/variants/speech_c.ogg
if "$accel" audio features "$ogg" --preset vggish -o "$out/ogg_ref.npy" >/dev/null 2>&1; then
  mkfifo "$out/oggfifo"
  (sleep 1; exec >"$out/oggfifo"; head -c 3000 "$ogg"; sleep 1; tail -c +3001 "$ogg") &
  TIMEFORMAT='%U %S'
  { time timeout 30 "$accel" audio features "$out/oggfifo" --preset vggish -o "$out/oggfifo.npy" \
      >"$out/stdout" 2>"$out/stderr"; } 2>"$out/time"
  rc=$?
  wait
  unset TIMEFORMAT
  [ $rc = 0 ] || fail "an Ogg FIFO whose writer came late: exit $rc: $(cat "$out/stderr")"
  cmp -s "$out/ogg_ref.npy" "$out/oggfifo.npy" || fail "an Ogg FIFO whose writer came late: other features than the file"
  awk '{ exit !($1 + $2 < 1) }' "$out/time" || fail "an Ogg FIFO whose writer came late: $(cat "$out/time") s of CPU"
fi

# every format the build decodes, through a pipe, gives what the file gives (MP3 aside: from a
# pipe FFmpeg cannot read the end padding, which it trims from a file). From a pipe, libsndfile
# took the pipe's unknown length for W64's and a streamed WAV's "to the end" data size for a
# count, and called the whole stream truncated; ADTS AAC, whose sync MPEG's resembles, went to
# libmpg123, which found false frames in it (0.03 s of noise from this one, without a word);
# RF64 that FFmpeg streams to a pipe (its ds64 sizes left at 0) gave no sample at all
for f in "$data"/variants/speech_c.flac "$data"/variants/speech_c.ogg "$data"/variants/speech_c_stereo.wav \
  "$data"/variants/speech_c.w64 "$data"/variants/speech_c_ulaw_stream.wav "$data"/variants/speech_c_32k.aac \
  "$data"/variants/speech_c_rf64.wav "$data"/variants/speech_c_rf64_stream.wav; do
  n=$(basename "$f")
  "$accel" audio features "$f" --preset fbank-80 -o "$out/f-$n.npy" >/dev/null 2>"$out/stderr" || continue
  cat "$f" | "$accel" audio features - --preset fbank-80 -o "$out/p-$n.npy" >/dev/null 2>"$out/stderr" \
    || fail "$n through a pipe: $(cat "$out/stderr")"
  cmp -s "$out/f-$n.npy" "$out/p-$n.npy" || fail "$n through a pipe gives other features than the file"
done

# SoX writing a WAV to a pipe from input of unknown length puts 0x7ffff000 for the data size
# (its "unspecified"): the stream was called truncated
if command -v sox >/dev/null; then
  sox "$wav" -t raw - | sox -t raw -r 16000 -e signed -b 16 -c 1 - -t wav - |
    "$accel" audio features - --preset whisper-80 -o "$out/sox.npy" >"$out/stdout" 2>"$out/stderr" ||
    fail "SoX's WAV from a pipe: $(cat "$out/stderr")"
  cmp -s "$ref" "$out/sox.npy" || fail "SoX's WAV from a pipe gives other features than the file"
  # the same with a LIST/INFO chunk after the samples (tags a writer appends at the end): from a
  # file and from a pipe the chunk is no samples (its 34 bytes were read as 17 more samples)
  # (through cat: writing to a file, SoX would go back to fill in the sizes)
  { sox "$wav" -t raw - | sox -t raw -r 16000 -e signed -b 16 -c 1 - -t wav - | cat
    printf 'LIST\032\000\000\000INFOISFT\016\000\000\000Lavf60.16.100\000'; } >"$out/sox_list.wav"
  "$accel" audio features "$out/sox_list.wav" --preset whisper-80 -o "$out/sox_list_f.npy" >/dev/null 2>"$out/stderr" ||
    fail "SoX's WAV and a LIST chunk, from a file: $(cat "$out/stderr")"
  cat "$out/sox_list.wav" | "$accel" audio features - --preset whisper-80 -o "$out/sox_list_p.npy" >/dev/null \
    2>"$out/stderr" || fail "SoX's WAV and a LIST chunk, from a pipe: $(cat "$out/stderr")"
  cmp -s "$ref" "$out/sox_list_f.npy" || fail "SoX's WAV and a LIST chunk, from a file: other features than the WAV's"
  cmp -s "$ref" "$out/sox_list_p.npy" || fail "SoX's WAV and a LIST chunk, from a pipe: other features than the WAV's"
fi

# A WAV of 3 minutes (speech_b, 2.1 s, 86 times: longer than the 4 MB the mapping of a file gives back
# at a time) in chunks of 7 s: the file is read through a mapping, the pipe through read(2),
# and the features are the same bytes for every preset
long=$out/long.wav
command -v sox >/dev/null && sox "$wav" "$long" repeat 85 2>/dev/null
if [ -s "$long" ]; then
  for p in whisper-80 whisper-128 vggish fbank-80; do
    ACCEL_CHUNK_SECONDS=7 "$accel" audio features "$long" --preset $p -o "$out/lf-$p.npy" >/dev/null 2>"$out/stderr" \
      || fail "$p on the long file: $(cat "$out/stderr")"
    cat "$long" | ACCEL_CHUNK_SECONDS=7 "$accel" audio features - --preset $p -o "$out/lp-$p.npy" >/dev/null \
      2>"$out/stderr" || fail "$p on the long file through a pipe: $(cat "$out/stderr")"
    cmp -s "$out/lf-$p.npy" "$out/lp-$p.npy" || fail "$p: the mapped file and the pipe give other features"
  done
else
  echo "(sox missing: the long mapped-file check is skipped)"
fi
# The same 3 minutes as Ogg Vorbis (1.7 MB, longer than the 1 MiB a pipe keeps for the
# decoders): libsndfile's search for the last page read the pipe through and left 0.45 s to
# decode. Joined to an Opus stream, the chain is refused from the pipe as from the file, naming
# the byte where the Opus stream begins: the walk reads the rest after the decoder's end.
[ -s "$long" ] && sox "$long" -C 10 "$out/long.ogg" 2>/dev/null
if [ -s "$out/long.ogg" ] && "$accel" audio features "$out/long.ogg" --preset vggish -o "$out/lo-f.npy" >/dev/null 2>&1; then
  cat "$out/long.ogg" | "$accel" audio features - --preset vggish -o "$out/lo-p.npy" >"$out/stdout" 2>"$out/stderr" \
    || fail "a long Ogg file through a pipe: $(cat "$out/stderr")"
  cmp -s "$out/lo-f.npy" "$out/lo-p.npy" || fail "a long Ogg file through a pipe gives other features than the file: \
$(cat "$out/stdout")"
  size=$(stat -c %s "$out/long.ogg")
  # cut in half: the file is refused before decoding, the pipe once it has ended (decoded and
  # computed in chunks by then: whisper through its spill file), in the same words, and neither
  # leaves an output
  head -c $((size / 2)) "$out/long.ogg" >"$out/long_half.ogg"
  for input in "$out/long_half.ogg" -; do
    ACCEL_CHUNK_SECONDS=7 expect_rc 1 "$accel" audio features "$input" --preset whisper-80 -o "$out/long_half.npy" \
      < <(cat "$out/long_half.ogg")
    name=$input; [ "$input" = - ] && name='<stdin>'
    grep -q "'$name': truncated or corrupt: the file ends inside an Ogg page" "$out/stderr" ||
      fail "half of a long Ogg file ($input): $(cat "$out/stderr")"
    ls "$out"/long_half.npy* >/dev/null 2>&1 && fail "half of a long Ogg file ($input) left $(ls "$out"/long_half.npy*)"
  done
  cat "$out/long.ogg" "$data/variants/speech_c.opus" >"$out/chain.ogg"
  for input in "$out/chain.ogg" -; do
    expect_rc 1 "$accel" audio features "$input" --preset vggish -o "$out/chain.npy" <"$out/chain.ogg"
    grep -q "unsupported: a chained Ogg file (a second logical stream begins at byte $size)" "$out/stderr" ||
      fail "a long chained Ogg file ($input): $(cat "$out/stderr")"
  done
else
  echo "(sox without Vorbis, or no decoder for it: the long Ogg check is skipped)"
fi

# ---- an output that is an input ---------------------------------------------------------
cp "$wav" "$out/in.wav"
expect_rc 2 "$accel" audio features "$out/in.wav" --preset fbank-80 -o "$out/in.wav"
ln "$out/in.wav" "$out/hard.npy"
expect_rc 2 "$accel" audio features "$out/in.wav" --preset fbank-80 -o "$out/hard.npy"
grep -q "is the input" "$out/stderr" || fail "-o naming the input: no reason given"
ln -s "$out/in.wav" "$out/soft.npy"
expect_rc 2 "$accel" audio features "$out/in.wav" --preset fbank-80 -o "$out/soft.npy"
# in a batch: one input is another's output (dir/b.npy is a link to a.wav)
mkdir -p "$out/links"
ln "$out/in.wav" "$out/links/b.npy"
cp "$wav" "$out/b.wav"
expect_rc 2 "$accel" audio features "$out/in.wav" "$out/b.wav" --preset fbank-80 -o "$out/links"
cmp -s "$wav" "$out/in.wav" || fail "the input WAV was changed"

# ---- signals: the partial file is removed ---------------------------------------------
# A three-hour WAV through a pipe whose writer stays open: the run is mid-way, blocked on
# input, when the signal comes.
/usr/bin/python3 - "$out/long_head.wav" <<'PY'
import struct, sys
n = 16000 * 3 * 3600
hdr = b"RIFF" + struct.pack("<I", 36 + 2 * n) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) \
    + b"data" + struct.pack("<I", 2 * n)
open(sys.argv[1], "wb").write(hdr + bytes(2 * 16000 * 600))  # the header and 10 minutes
PY
mkfifo "$out/sigfifo"
# 2 minutes of speech_b (a file size limit below its features, above speech_b's)
long_head_src=$out/speech_long.wav
/usr/bin/python3 - "$wav" "$long_head_src" <<'PY'
import sys, wave
r = wave.open(sys.argv[1], "rb")
p, x = r.getparams(), r.readframes(r.getnframes())
w = wave.open(sys.argv[2], "wb")
w.setparams(p)
w.writeframes(x * max(1, int(120 * p.framerate / p.nframes)))
w.close()
PY
for sig in INT TERM; do
  rm -f "$out/sig.npy"*
  (cat "$out/long_head.wav"; exec sleep 60) >"$out/sigfifo" &
  wpid=$!
  # a background job of a script starts with SIGINT ignored; accel (like nohup) keeps an ignored
  # signal ignored, so the job gets the default disposition back first
  env --default-signal=INT,TERM "$accel" audio features "$out/sigfifo" --preset vggish -o "$out/sig.npy" >/dev/null 2>"$out/sigerr" &
  apid=$!
  for _ in $(seq 100); do ls "$out"/sig.npy.partial-* >/dev/null 2>&1 && break; sleep 0.1; done
  ls "$out"/sig.npy.partial-* >/dev/null 2>&1 || fail "SIG$sig: no partial file to begin with"
  sleep 0.3 # well into the run: the 10 minutes the writer sent are being computed or done
  kill -s "$sig" $apid
  wait $apid; rc=$?
  kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
  [ $rc -gt 128 ] || fail "SIG$sig: exit $rc, want death by the signal"
  ls "$out"/sig.npy* >/dev/null 2>&1 && fail "SIG$sig: left $(ls "$out"/sig.npy*)"
  # said on the way out; not "--resume goes on from here": it would make -o sig.npy a directory
  grep -q "interrupted by SIG$sig after 0 of 1 inputs .*no partial output is left" "$out/sigerr" ||
    fail "SIG$sig: $(cat "$out/sigerr")"
  grep -q -- "--resume" "$out/sigerr" && fail "SIG$sig: --resume offered for -o FILE: $(cat "$out/sigerr")"
done

# ---- decoding problems: named, counted, exit 1 --------------------------------------------
expect_rc 1 "$accel" audio features "$data/bad/nan.wav" "$wav" --preset fbank-80 -o "$out/nan"
grep -q "sample 12345 (at 0.772 s) is NaN" "$out/stderr" || fail "NaN sample not named: $(cat "$out/stderr")"
grep -q "1 of 2 inputs failed" "$out/stderr" || fail "the batch does not count the failure"
[ -e "$out/nan/nan.npy" ] && fail "features written for a NaN input"
if "$accel" audio features "$data/variants/speech_c.mp3" --preset fbank-80 -o "$out/mp3.npy" >/dev/null 2>&1; then
  expect_rc 1 "$accel" audio features "$data/bad/truncated.mp3" "$wav" --preset fbank-80 -o "$out/mp3" --json
  grep -q "decoded 0.29 s of the 0.83 s" "$out/stdout" || fail "truncated MP3: $(cat "$out/stdout")"
  grep -q '"failed": 1' "$out/stdout" || fail "truncated MP3 not counted in --json"
  [ -e "$out/mp3/truncated.npy" ] && fail "features written for a truncated MP3"
  # from a pipe FFmpeg knows no length and decoded the cut MP3 without a word; libmpg123 reads
  # its Info header and names the loss (and "-" as <stdin>)
  cat "$data/bad/truncated.mp3" | "$accel" audio features - --preset fbank-80 -o "$out/mp3pipe.npy" \
    >"$out/stdout" 2>"$out/stderr" && fail "a cut MP3 from a pipe was accepted"
  grep -q "'<stdin>': truncated or corrupt: decoded 0.25 s of the 0.75 s" "$out/stderr" ||
    fail "a cut MP3 from a pipe: not named: $(cat "$out/stderr")"
  cat "$data/variants/speech_c.mp3" | "$accel" audio features - --preset fbank-80 --json \
    -o "$out/mp3pipe.npy" >"$out/stdout" 2>"$out/stderr" || fail "an MP3 from a pipe: $(cat "$out/stderr")"
  grep -q '"seconds": 0.75,' "$out/stdout" || fail "an MP3 from a pipe is not 0.75 s: $(cat "$out/stdout")"
  # a leading ID3v2 tag of 1.5 MiB (a cover picture's size; here padding): the search for a
  # first frame counts from the tag's end, so libmpg123 still takes the pipe (it gave up at 1 MiB
  # and libsndfile decoded 0.828 s, the encoder's delay and padding kept, with libmpg123's own
  # line on standard error)
  { printf 'ID3\004\000\000\000\140\000\000'; head -c 1572864 /dev/zero; cat "$data/variants/speech_c.mp3"; } |
    "$accel" audio features - --preset fbank-80 --json -o "$out/mp3tag.npy" >"$out/stdout" 2>"$out/stderr" ||
    fail "an MP3 behind a 1.5-MiB tag from a pipe: $(cat "$out/stderr")"
  grep -q '"decoder": "mpg123"' "$out/stdout" && grep -q '"seconds": 0.75,' "$out/stdout" ||
    fail "an MP3 behind a 1.5-MiB tag from a pipe: $(cat "$out/stdout")"
  [ -s "$out/stderr" ] && fail "an MP3 behind a 1.5-MiB tag: standard error: $(cat "$out/stderr")"
  # the same cut stream inside a WAV: libmpg123, where libsndfile's use of it printed
  # "Warning: Xing stream size off by more than 1%, …" — standard error carries accel's lines
  # only, and they name the file
  expect_rc 1 "$accel" audio features "$data/bad/truncated_mp3.wav" --preset fbank-80 -o "$out/mp3w.npy"
  grep -q "error: '$data/bad/truncated_mp3.wav': truncated or corrupt: decoded 0.25 s of the 0.75 s" \
    "$out/stderr" || fail "MPEG in WAV cut short: not named: $(cat "$out/stderr")"
  grep -v '^accel audio: ' "$out/stderr" | grep -q . &&
    fail "lines on standard error that are not accel's: $(grep -v '^accel audio: ' "$out/stderr")"
fi

# ---- Ogg cut short: its length is the last page's, so the end is checked -----------------
ogg=$data/variants/speech_c.ogg
if "$accel" audio features "$ogg" --preset vggish -o "$out/ogg.npy" >/dev/null 2>&1; then
  size=$(stat -c %s "$ogg")
  head -c $((size / 2)) "$ogg" >"$out/half.ogg"
  expect_rc 1 "$accel" audio features "$out/half.ogg" "$wav" --preset vggish -o "$out/oggs"
  grep -q "'$out/half.ogg': truncated or corrupt: the file ends inside an Ogg page" "$out/stderr" ||
    fail "half an Ogg file: $(cat "$out/stderr")"
  [ -e "$out/oggs/half.npy" ] && fail "features written for half an Ogg file"
  [ -s "$out/oggs/speech_b.npy" ] || fail "the other input of the batch was not written"
  # the same half from a pipe: refused once the input has ended, in the same words (it gave
  # the features of a shorter clip), and nothing written for it
  head -c $((size / 2)) "$ogg" | expect_rc 1 "$accel" audio features - --preset vggish -o "$out/half_pipe.npy"
  grep -q "'<stdin>': truncated or corrupt: the file ends inside an Ogg page" "$out/stderr" ||
    fail "half an Ogg file from a pipe: $(cat "$out/stderr")"
  [ -e "$out/half_pipe.npy" ] && fail "features written for half an Ogg file from a pipe"
  # cut at a page boundary: every page whole, the last one not marked end-of-stream
  /usr/bin/python3 - "$ogg" "$out/pages.ogg" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b[:b.rfind(b"OggS")])
PY
  expect_rc 1 "$accel" audio features "$out/pages.ogg" --preset vggish -o "$out/pages.npy"
  grep -q "its last Ogg page does not end the stream" "$out/stderr" ||
    fail "an Ogg file cut at a page boundary: $(cat "$out/stderr")"
  cat "$out/pages.ogg" | expect_rc 1 "$accel" audio features - --preset vggish -o "$out/pages_pipe.npy"
  grep -q "'<stdin>': truncated or corrupt: its last Ogg page does not end the stream" "$out/stderr" ||
    fail "an Ogg file cut at a page boundary, from a pipe: $(cat "$out/stderr")"
fi

# ---- an M4A whose index (moov) follows its audio, past the first MiB: from its path it
# decodes; from a pipe FFmpeg cannot go back to the audio, and the error says why and what to do
if "$accel" audio features "$data/variants/speech_c.m4a" --preset whisper-80 -o "$out/m4a.npy" >/dev/null 2>&1; then
  /usr/bin/python3 - "$data/variants/speech_c.m4a" "$out/late_moov.m4a" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 0
while d[off + 4:off + 8] != b"moov":  # the top-level boxes up to the index
    off += struct.unpack(">I", d[off:off + 4])[0]
pad = 1536 * 1024  # a free box between the audio and the index: the offsets stay right
open(sys.argv[2], "wb").write(d[:off] + struct.pack(">I4s", pad + 8, b"free") + bytes(pad) + d[off:])
PY
  "$accel" audio features "$out/late_moov.m4a" --preset whisper-80 -o "$out/late.npy" >/dev/null 2>&1 ||
    fail "an M4A with its index after a free box: not decoded from its path"
  cat "$out/late_moov.m4a" | "$accel" audio features - --preset whisper-80 -o "$out/late_pipe.npy" \
    >"$out/stdout" 2>"$out/stderr" && fail "an M4A with its index last was decoded from a pipe"
  grep -q "cannot be read from a pipe: give its path, or remux it" "$out/stderr" ||
    fail "an M4A with its index last, from a pipe: $(cat "$out/stderr")"
fi

# ---- a file size limit (ulimit -f): the write fails and is named, the batch goes on --------
# (SIGXFSZ at its default, as a shell starts a command: accel ignores it itself)
( ulimit -f 200; exec env --default-signal=XFSZ "$accel" audio features "$long_head_src" "$wav" \
    --preset whisper-80 --padding none -o "$out/fsize" ) >"$out/stdout" 2>"$out/stderr"
rc=$?
[ $rc = 1 ] || fail "file size limit: exit $rc, want 1: $(cat "$out/stderr")"
grep -q "'$long_head_src': cannot write '$out/fsize/speech_long.npy': File too large" "$out/stderr" ||
  fail "file size limit: the write is not named: $(cat "$out/stderr")"
[ -s "$out/fsize/speech_b.npy" ] || fail "file size limit: the other input was not written"
ls "$out/fsize" | grep -q partial && fail "file size limit: a partial file was left: $(ls "$out/fsize")"

# ---- -o -: the .npy on standard output is the file's bytes ---------------------------------
"$accel" audio features "$wav" --preset whisper-80 -o - >"$out/stdout.npy" 2>"$out/stderr" ||
  fail "-o -: $(cat "$out/stderr")"
cmp -s "$ref" "$out/stdout.npy" || fail "-o - gives other bytes than -o FILE"
expect_rc 2 "$accel" audio features "$wav" "$wav" --preset whisper-80 -o -
grep -q "takes one input" "$out/stderr" || fail "-o - with two inputs: $(cat "$out/stderr")"

[ $fails = 0 ] && echo "all input checks passed" && rm -rf "$out"
exit $((fails > 0))
