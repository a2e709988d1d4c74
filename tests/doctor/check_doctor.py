#!/usr/bin/python3
"""check_doctor.py REPORT SCHEMA EXIT_CODE [--require-schema] [EXPECT ...]

Checks one `accel doctor --json` report:
  - it parses, and validates against SCHEMA when the jsonschema module is present;
  - exit_code and the process's EXIT_CODE agree with the tally (2 any FAIL, 1 any WARN, else 0),
    and so do summary.pass/info/warn/fail/total and summary.text; WARN and FAIL have a fix,
    PASS and INFO none; a FAIL line never reads "usable";
  - every EXPECT holds. EXPECT is ID=STATUS[~TEXT[~TEXT...]] or ID!=STATUS: the check ID
    (a trailing * matches a prefix; the first match is used) has STATUS, and each TEXT occurs
    in its "seen" or "fix" (a TEXT written !TEXT must not occur; STATUS * is any status).
    Also count:TEXT==N: N checks mention TEXT in "seen". Also ID@PATH==VALUE for a field of a check (Python's str() of
    it): lib:libcudart.so.12@library.version==12.4 . And rule:no-gpu: with no NVIDIA or AMD
    GPU on the PCI bus, gpu.pci and the kernel-module checks are INFO.
Prints what it saw on failure. Exit 0 pass, 1 fail, 77 when --require-schema is given and
jsonschema is missing (after every other check passed)."""
import json
import sys


def find(checks, ident):
    for c in checks:
        if ident.endswith("*") and c["id"].startswith(ident[:-1]):
            return c
        if c["id"] == ident:
            return c
    return None


def main(argv):
    report, schema_path, want_rc = argv[1], argv[2], int(argv[3])
    rest = argv[4:]
    require_schema = "--require-schema" in rest
    expects = [a for a in rest if a != "--require-schema"]
    failures = []
    with open(report) as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print("report is not JSON (%s):\n%s" % (e, text[:2000]))
        return 1
    have_schema = True
    try:
        import jsonschema
    except ImportError:
        have_schema = False
    if have_schema:
        with open(schema_path) as f:
            schema = json.load(f)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
        for e in errors[:10]:
            failures.append("schema: %s at %s" % (e.message, list(e.absolute_path)))

    checks = doc.get("checks", [])
    tally = {"PASS": 0, "INFO": 0, "WARN": 0, "FAIL": 0}
    for c in checks:
        tally[c.get("status", "FAIL")] = tally.get(c.get("status", "FAIL"), 0) + 1
    derived = 2 if tally["FAIL"] else 1 if tally["WARN"] else 0
    s = doc.get("summary", {})
    if (s.get("pass"), s.get("info"), s.get("warn"), s.get("fail"), s.get("total")) != (
            tally["PASS"], tally["INFO"], tally["WARN"], tally["FAIL"], len(checks)):
        failures.append("summary %s disagrees with the checks %s" % (s, tally))
    if s.get("text") != "%d/%d checks passed" % (tally["PASS"], len(checks) - tally["INFO"]):
        failures.append("summary text %r disagrees with the checks %s" % (s.get("text"), tally))
    for c in checks:
        if c.get("status") in ("PASS", "INFO") and c.get("fix"):
            failures.append("%s is %s but has a fix: %s" % (c["id"], c["status"], c["fix"]))
        if c.get("status") in ("WARN", "FAIL") and not c.get("fix"):
            failures.append("%s is %s without a fix: %s" % (c["id"], c["status"], c["seen"]))
        # a failure is never contradicted on its own line
        if c.get("status") == "FAIL" and ("; usable" in c["seen"] or c["seen"].endswith(" usable")):
            failures.append("%s is FAIL but reads usable: %s" % (c["id"], c["seen"]))
    if doc.get("exit_code") != derived:
        failures.append("exit_code %s but the checks give %d" % (doc.get("exit_code"), derived))
    if want_rc != derived:
        failures.append("process exit code %d but the checks give %d" % (want_rc, derived))

    for e in expects:
        if e == "rule:no-gpu":
            # docs/doctor.md: with no NVIDIA or AMD GPU on the PCI bus the GPU stacks are
            # "not present": gpu.pci and the absent driver parts are INFO (nothing to fix),
            # so they alone never make the exit code non-zero.
            hw = doc.get("hardware", {})
            if hw.get("nvidia_gpus_on_pci", 0) + hw.get("amd_gpus_on_pci", 0) == 0:
                c = find(checks, "gpu.pci")
                if c is None or c["status"] != "INFO":
                    failures.append("no GPU on PCI but gpu.pci is %s" % (c and c["status"]))
                for ident in ("nvidia.kernel_module", "amd.kernel_module"):
                    c = find(checks, ident)
                    if c is not None and c["status"] != "INFO":
                        failures.append("no GPU on PCI but %s is %s: %s" % (ident, c["status"],
                                                                             c["seen"]))
            continue
        if e.startswith("count:"):
            text, _, n = e[6:].rpartition("==")
            hits = [c["id"] for c in checks if text in c["seen"]]
            if len(hits) != int(n):
                failures.append("%d checks mention %r (%s), want %s" % (len(hits), text, hits, n))
            continue
        if "@" in e:
            ident, _, rest_e = e.partition("@")
            path, _, value = rest_e.partition("==")
            c = find(checks, ident)
            node = c
            for k in path.split("."):
                node = node.get(k) if isinstance(node, dict) else None
            if c is None or str(node) != value:
                failures.append("%s: %s is %r, want %r" % (ident, path, node, value))
            continue
        neg = "!=" in e
        ident, _, rest_e = e.partition("!=" if neg else "=")
        parts = rest_e.split("~")
        status, texts = parts[0], parts[1:]
        c = find(checks, ident)
        if c is None:
            failures.append("no check %s (ids: %s)" % (ident, [x["id"] for x in checks]))
            continue
        if neg and c["status"] == status:
            failures.append("%s is %s: %s" % (ident, status, c["seen"]))
        if not neg and status != "*" and c["status"] != status:
            failures.append("%s is %s, want %s: %s -- fix: %s" % (ident, c["status"], status,
                                                                 c["seen"], c["fix"]))
        for t in texts:
            if t.startswith("!"):
                if t[1:] in c["seen"] or t[1:] in (c["fix"] or ""):
                    failures.append("%s mentions %r: %s -- fix: %s" % (ident, t[1:], c["seen"],
                                                                      c["fix"]))
                continue
            if t not in c["seen"] and t not in (c["fix"] or ""):
                failures.append("%s does not mention %r: %s -- fix: %s" % (ident, t, c["seen"],
                                                                          c["fix"]))
    if failures:
        for f in failures:
            print("FAIL: " + f)
        print("--- report lines:")
        for c in checks:
            print("%s  %s  %s" % (c["status"], c["id"], c["seen"][:300]))
        return 1
    if not have_schema:
        print("note: python3 jsonschema is not installed; the schema was not validated")
        if require_schema:
            return 77
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
