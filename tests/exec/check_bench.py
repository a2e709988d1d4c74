#!/usr/bin/python3
"""check_bench.py SCHEMA REPORT.json [CHART.svg] — validates an `accel bench` report against
its JSON schema and checks that the chart is well-formed XML with one bar per successful
result. Exit 77 when jsonschema is not installed, 1 on any failure."""
import json
import sys
import xml.etree.ElementTree as ET

try:
    import jsonschema
except ImportError:
    print("SKIP: python3 jsonschema is not installed")
    sys.exit(77)

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
print("ok: %d results, %d fallbacks" % (len(report["results"]), len(report["fallbacks"])))
