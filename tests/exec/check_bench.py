#!/usr/bin/python3
"""check_bench.py SCHEMA REPORT.json [CHART.svg] [--healthy] — validates an `accel bench` report
against its JSON schema and checks that the chart is well-formed XML with one bar per
successful result. With --healthy, also checks what a benchmark on a healthy machine shows: no
fallback at all, and a device skipped only for an operation it does not offer (the report says
why: no device code, or its kernels missing). Exit 77 when jsonschema is not installed, 1 on any
failure."""
import json
import sys
import xml.etree.ElementTree as ET

try:
    import jsonschema
except ImportError:
    print("SKIP: python3 jsonschema is not installed")
    sys.exit(77)

healthy = "--healthy" in sys.argv
sys.argv = [a for a in sys.argv if a != "--healthy"]
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
    # Layout, measured with the font a viewer falls back to for sans-serif (DejaVu Sans; the
    # check is left out without PIL or the font): no text runs past the chart's width, where a
    # viewer cuts it, and no device label runs into the bars.
    try:
        from PIL import ImageFont
        fonts = {b: "/usr/share/fonts/truetype/dejavu/DejaVuSans%s.ttf" % ("-Bold" if b else "")
                 for b in (False, True)}
        ImageFont.truetype(fonts[False], 12)
    except Exception as e:  # noqa: BLE001 - any reason to skip is the same
        print("note: svg layout not measured (%s)" % e)
        fonts = None
    if fonts:
        width = float(root.get("width"))
        bar_x = min((float(r.get("x")) for r in bars), default=None)
        bad = []
        for t in root.iter("{http://www.w3.org/2000/svg}text"):
            size = int(t.get("font-size", root.get("font-size", "12")))
            font = ImageFont.truetype(fonts[t.get("font-weight") == "bold"], size)
            text = "".join(t.itertext())
            x = float(t.get("x"))
            end = x + font.getlength(text)
            if end > width:
                bad.append("'%s' ends at %.0f, past the width %.0f" % (text, end, width))
            if bar_x is not None and x == 32 and t.get("fill") is None and end > bar_x - 4:
                bad.append("label '%s' ends at %.0f, over the bars at %.0f" % (text, end, bar_x))
        for b in bad:
            print("svg:", b)
        if bad:
            sys.exit(1)
if healthy:
    for f in report["fallbacks"]:
        print("fallback: %s on device %d: %s (%s)" % (f["operation"], f["device_tried"], f["reason"],
                                                     f["message"]))
    bad = [r for r in report["results"] if r["skipped"] and
           not ("has no device code" in r["skip_reason"] or "lacks the kernels" in r["skip_reason"])]
    for r in report["results"]:
        if r["skipped"]:
            print("skipped: %s on device %d: %s" % (r["operation"], r["device"], r["skip_reason"]))
    for r in bad:
        print("skipped without a reason: %s on device %d" % (r["operation"], r["device"]))
    if report["fallbacks"] or bad:
        sys.exit(1)
print("ok: %d results, %d fallbacks" % (len(report["results"]), len(report["fallbacks"])))
