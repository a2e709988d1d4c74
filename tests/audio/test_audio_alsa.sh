#!/usr/bin/env bash
# test_audio_alsa.sh GOLDEN_TEST SCRIPT OUT — goldens for the voice recordings Debian's
# alsa-utils installs (/usr/share/sounds/alsa), made at test time by the reference
# computations (the recordings are GPL-2 and are not copied into the repository), then checked
# on every device like the committed goldens. Skips (77) without the recordings, sox or
# /usr/bin/python3 with numpy, torch and torchaudio.
set -u
golden_test=$1 script=$2 out=$3
wavs=()
for f in Front_Center Front_Left Rear_Right; do
  [ -r "/usr/share/sounds/alsa/$f.wav" ] && wavs+=(--wav "/usr/share/sounds/alsa/$f.wav")
done
[ ${#wavs[@]} -gt 0 ] || { echo "SKIP: no recordings in /usr/share/sounds/alsa (Debian package alsa-utils)"; exit 77; }
command -v sox >/dev/null || { echo "SKIP: sox is not installed"; exit 77; }
/usr/bin/python3 -c "import numpy, torch, torchaudio" 2>/dev/null ||
  { echo "SKIP: /usr/bin/python3 lacks numpy, torch or torchaudio"; exit 77; }
rm -rf "$out"
/usr/bin/python3 "$script" --out "$out" "${wavs[@]}" || exit 1
"$golden_test" "$out"
