#!/bin/sh
# cli_bench_quick.sh ACCEL SCHEMA CHECKER OUTDIR — `accel bench --quick` writes a report that
# validates against the schema and a chart that parses as XML; its only fallbacks are operations
# without device code yet.
accel=$1 schema=$2 checker=$3 out=$4
mkdir -p "$out" || exit 1
"$accel" bench --quick --json -o "$out/quick.json" --svg "$out/quick.svg" || { echo "FAIL: accel bench --quick exited $?"; exit 1; }
# on a machine with a GPU or OpenCL device the operations without device code yet (the image
# family, docs/image.md "Devices") fall back with unsupported_op; no other fallback is allowed
/usr/bin/python3 "$checker" "$schema" "$out/quick.json" "$out/quick.svg" --pending-device-code
