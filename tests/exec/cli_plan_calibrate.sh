#!/bin/sh
# cli_plan_calibrate.sh ACCEL KIND — `accel plan --op NAME --device N --calibrate` on the first
# usable device of backend KIND (cpu; opencl: PoCL in CI; cuda, rocm: the stand-in drivers,
# which the ctest entry puts on the path), for every operation name `accel bench --list`
# knows (each preset and each family). What users saw before:
#   accel plan --op reduce --calibrate   "calibrating reduce needs a call of at least 2 items"
#   accel plan --op noop --calibrate     the same
#   accel plan --op whisper --calibrate  ran 1024 s of audio (n=102402 frames), and on PoCL
#                                        measured no growth
# Each name must exit 0 and say what calibration did: measured a + b·n, or why not (a device
# without the operation's device code, a call of one item). On a device other than the CPU,
# an operation that runs there must be calibrated (its memory grows with the batch), except
# "empty", which allocates nothing by design. Audio presets calibrate on at most 16,000
# frames (160 s). Exits 77 when the machine has no such device.
accel=$1 kind=$2
dev=$("$accel" devices --json | python3 -c '
import json, sys
kind = sys.argv[1]
for d in json.load(sys.stdin)["devices"]:
    if d["kind"] == kind and d["usable"]:
        print(d["index"]); break
' "$kind") || { echo "FAIL: accel devices --json"; exit 1; }
[ -n "$dev" ] || { echo "SKIP: no usable $kind device"; exit 77; }

names=$("$accel" bench --list --json | python3 -c '
import json, sys
seen = []
for o in json.load(sys.stdin)["operations"]:
    for n in (o["operation"], o["family"]):
        if n not in seen:
            seen.append(n)
print(" ".join(seen))
') || { echo "FAIL: accel bench --list --json"; exit 1; }
[ -n "$names" ] || { echo "FAIL: no operation names"; exit 1; }

fail=0
for name in $names; do
  out=$("$accel" plan --op "$name" --device "$dev" --calibrate --json 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: accel plan --op $name --device $dev --calibrate exited $rc: $out"
    fail=1
    continue
  fi
  printf '%s\n' "$out" | python3 -c '
import json, re, sys
name, kind = sys.argv[1], sys.argv[2]
p = json.load(sys.stdin)
why = p["why"]
ns = [int(x) for x in re.findall(r"at n=(\d+)", why)]
said = p["calibrated"] or "calibration measured" in why or "not calibrated: " in why
print("%-14s calibrated=%-5s n=%-14s %.150s" % (name, p["calibrated"], ns, why))
bad = []
if not said:
    bad.append("the plan does not say what calibration did")
if "not calibrated: " not in why and not ns:
    bad.append("no item counts measured")
audio = re.match(r"(whisper|vggish|fbank)", name)
if audio and ns and max(ns) > 16000:
    bad.append("audio calibrated on %d frames (more than 160 s)" % max(ns))
if kind != "cpu" and "no growth" in why and name != "empty":
    bad.append("device memory did not grow with the batch")
for b in bad:
    print("FAIL: %s: %s" % (name, b))
sys.exit(1 if bad else 0)
' "$name" "$kind" || fail=1
done
exit $fail
