#!/bin/sh
# cli_bench_quick.sh ACCEL SCHEMA CHECKER OUTDIR — `accel bench --quick` writes a report that
# validates against the schema and a chart that parses as XML; it has no fallback, and a device is
# skipped only for an operation it does not offer (scrfd_output and image_decode on a GPU or
# OpenCL device run on the CPU), which the report says.
accel=$1 schema=$2 checker=$3 out=$4
mkdir -p "$out" || exit 1
"$accel" bench --quick --json -o "$out/quick.json" --svg "$out/quick.svg" || { echo "FAIL: accel bench --quick exited $?"; exit 1; }
/usr/bin/python3 "$checker" "$schema" "$out/quick.json" "$out/quick.svg" --healthy
