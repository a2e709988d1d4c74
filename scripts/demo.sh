#!/usr/bin/env bash
# demo.sh ACCEL — the main job on built-in defaults: what is wrong with this machine's GPU
# stack, which devices there are, where work would run, and a quick benchmark of every
# operation on every device.
set -u
accel=${1:-build/accel}
echo "== accel doctor"; "$accel" doctor; doctor_rc=$?
# The doctor's exit code says what it found (0 nothing to fix, 1 warnings, 2 a failure that
# prevents GPU use); the demo reports it rather than stopping on it.
echo "(doctor exit code $doctor_rc: 0 nothing to fix, 1 warnings, 2 a failure that prevents GPU use)"
echo; echo "== accel devices"; "$accel" devices || exit $?
echo; echo "== accel select --explain"; "$accel" select --explain || exit $?
echo; echo "== accel bench --quick --device all"; "$accel" bench --quick --device all || exit $?
# Audio: whisper-80 features of a clip accel synthesises itself, on the device the policy
# selects (ACCEL_BACKEND / ACCEL_DEVICE apply), with the device used, the time and any fallback.
echo; echo "== accel audio features --demo 5 --preset whisper-80"
"$accel" audio features --demo 5 --preset whisper-80 || exit $?
# Images: the quality measures and the SCRFD input blob of a real photograph — scikit-image's
# astronaut (public domain), when python3-skimage is installed (a test dependency).
photo=$(/usr/bin/python3 -c "import os, skimage.data; print(os.path.join(os.path.dirname(skimage.data.__file__), 'astronaut.png'))" 2>/dev/null)
if [ -n "$photo" ] && [ -r "$photo" ]; then
  tmp=$(mktemp -d) || exit 1
  echo; echo "== accel image quality astronaut.png"
  "$accel" image quality "$photo" || { rm -rf "$tmp"; exit 1; }
  echo; echo "== accel image blob astronaut.png --model scrfd -o blob.npy --json"
  "$accel" image blob "$photo" --model scrfd -o "$tmp/blob.npy" --json || { rm -rf "$tmp"; exit 1; }
  rm -rf "$tmp"
else
  echo; echo "== accel image: no photograph here (scikit-image's come with: apt-get install python3-skimage)"
fi
