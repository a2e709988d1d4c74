#!/bin/sh
# cli_device_counts.sh ACCEL KIND — what users saw when convert and reduce went around the
# counting device calls, on the first usable device of backend KIND (opencl: PoCL in CI;
# cuda, rocm: the stand-in drivers, which the ctest entry puts on the path):
#   accel plan --op convert --device N --calibrate   said "calibration measured 0 B"
#   accel bench --operation convert,reduce            showed kernel_time_ms null
# and that `accel plan --device KIND` and `accel stats --device KIND` run on that kind.
# Exits 77 when the machine has no such device, or the build no kernels for it.
accel=$1 kind=$2
dev=$("$accel" devices --json | python3 -c '
import json, sys
kind = sys.argv[1]
for d in json.load(sys.stdin)["devices"]:
    if d["kind"] == kind and d["usable"]:
        print(d["index"]); break
' "$kind") || { echo "FAIL: accel devices --json"; exit 1; }
[ -n "$dev" ] || { echo "SKIP: no usable $kind device"; exit 77; }

plan=$("$accel" plan --op convert --device "$dev" --calibrate 2>&1)
rc=$?
printf '%s\n' "$plan"
if [ $rc -ne 0 ] && printf '%s\n' "$plan" | grep -q "kernel .* missing"; then
  echo "SKIP: the $kind device has no kernels in this build"; exit 77
fi
[ $rc -eq 0 ] || { echo "FAIL: accel plan exited $rc"; exit 1; }
printf '%s\n' "$plan" | grep -q "calibrated: peaks [1-9][0-9]* B" ||
  { echo "FAIL: calibration on device $dev measured no device memory"; exit 1; }

# --device KIND, as every verb takes it: plan and stats run on a device of that kind
kplan=$("$accel" plan --op convert --device "$kind" --json 2>&1) ||
  { printf '%s\n' "$kplan"; echo "FAIL: accel plan --device $kind failed"; exit 1; }
printf '%s\n' "$kplan" | python3 -c '
import json, sys
d = json.load(sys.stdin)["device"]
print("plan --device %s: device %d (%s)" % (sys.argv[1], d["index"], d["kind"]))
sys.exit(0 if d["kind"] == sys.argv[1] else 1)
' "$kind" || { echo "FAIL: accel plan --device $kind planned another kind"; exit 1; }
kstats=$("$accel" stats --op convert --iterations 2 --device "$kind" 2>&1) ||
  { printf '%s\n' "$kstats"; echo "FAIL: accel stats --device $kind failed"; exit 1; }
printf '%s\n' "$kstats" | grep -q "fallbacks seen: none" ||
  { printf '%s\n' "$kstats"; echo "FAIL: accel stats --device $kind fell back"; exit 1; }

"$accel" bench --operation convert,reduce --device "$dev" --size small --iterations 2 \
  --warmup 1 --json 2>/dev/null | python3 -c '
import json, sys
rep = json.load(sys.stdin)
bad = 0
for r in rep["results"]:
    print("%s on device %s: kernel_time_ms %s" % (r["operation"], r["device"], r["kernel_time_ms"]))
    if r["kernel_time_ms"] is None:
        bad += 1
if len(rep["results"]) < 2:
    print("FAIL: expected results for convert and reduce"); sys.exit(1)
sys.exit(1 if bad else 0)
' || { echo "FAIL: accel bench reported no kernel time"; exit 1; }
exit 0
