#!/usr/bin/python3
"""check_bench.py SCHEMA REPORT.json [CHART.svg] [--pending-device-code] — validates an
`accel bench` report against its JSON schema and checks that the chart is well-formed XML with
one bar per successful result. With --pending-device-code, also checks that every fallback in
the report is an operation without device code yet (reason unsupported_op, "has no device
code"): the only fallbacks a benchmark on a healthy machine may have. Exit 77 when jsonschema
is not installed, 1 on any failure."""
import json
import sys
import xml.etree.ElementTree as ET

try:
    import jsonschema
except ImportError:
    print("SKIP: python3 jsonschema is not installed")
    sys.exit(77)

pending = "--pending-device-code" in sys.argv
sys.argv = [a for a in sys.argv if a != "--pending-device-code"]
schema = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
jsonschema.validators.validator_for(schema).check_schema(schema)
errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(report), key=str)
for e in errors:
    print("schema:", "/".join(str(p) for p in e.absolute_path), e.message)
if errors:
    sys.exit(1)
if len(sys.argv) > 3:
    root = ET.parse(sys.argv[3]).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        print("svg: root is", root.tag)
        sys.exit(1)
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect")][1:]  # [0] is the background
    ok = sum(1 for r in report["results"] if r["successes"] > 0)
    if len(bars) != ok:
        print("svg: %d bars for %d successful results" % (len(bars), ok))
        sys.exit(1)
if pending:
    other = [f for f in report["fallbacks"]
             if f["reason"] != "unsupported_op" or "has no device code" not in f["message"]]
    for f in other:
        print("fallback: %s on device %d: %s (%s)" % (f["operation"], f["device_tried"], f["reason"],
                                                     f["message"]))
    if other:
        sys.exit(1)
print("ok: %d results, %d fallbacks" % (len(report["results"]), len(report["fallbacks"])))
