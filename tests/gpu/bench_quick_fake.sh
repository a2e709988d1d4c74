#!/bin/sh
# bench_quick_fake.sh ACCEL DEVICE — `accel bench --quick --operation all --device DEVICE` on a
# stand-in driver (the ctest entry puts it on the library path): every operation with device
# code runs on the stand-in device, none falls back, and the copy bandwidth is measured there. Timings are
# meaningless on a stand-in; what is tested is that the benchmark's device paths (timers,
# pinned copies, every operation's bench case) work on a GPU backend.
accel=$1 device=$2
out=$("$accel" bench --quick --operation all --device "$device" 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || { echo "FAIL: accel bench exited $rc"; exit 1; }
if printf '%s\n' "$out" | grep -q "no kernels"; then
  echo "SKIP: the $device device has no kernels in this build"
  exit 77
fi
# no operation falls back or fails; the stand-in skips only the operations without device code
# (image_decode and scrfd_output run on the CPU), and says so
if printf '%s\n' "$out" | sed -n '/^fallbacks: /,$p' | grep "^  "; then
  echo "FAIL: some operation fell back"; exit 1
fi
if printf '%s\n' "$out" | grep " failed: "; then
  echo "FAIL: an operation failed"; exit 1
fi
if printf '%s\n' "$out" | grep " skipped: " | grep -v "skipped: .* has no device code; it runs on the CPU"; then
  echo "FAIL: an operation with device code was skipped"; exit 1
fi
for op in image_gray image_quality scrfd_input image_enhance; do
  printf '%s\n' "$out" | grep "^$op " | grep -qv "skipped: " ||
    { echo "FAIL: $op was not timed on the $device device"; exit 1; }
done
printf '%s\n' "$out" | grep -q "copy bandwidth" || { echo "FAIL: no copy bandwidth"; exit 1; }
exit 0
