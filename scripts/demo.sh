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
