"""accel.doctor(): the same report as `accel doctor`, as objects, JSON and text."""
import json
import os

import pytest

import accel
from conftest import SOURCE, cli, need_fakes, run_json


@pytest.fixture(scope="module")
def report():
    return accel.doctor()


def test_report_shape(report):
    assert isinstance(report, accel.Report) and report.checks
    assert report.exit_code in (0, 1, 2)
    assert all(isinstance(c, accel.Check) for c in report.checks)
    assert {c.status for c in report.checks} <= {"PASS", "INFO", "WARN", "FAIL"}
    s = report.summary
    assert s["total"] == len(report.checks)
    assert s["pass"] + s["info"] + s["warn"] + s["fail"] == s["total"]
    assert all(c.fix is None for c in report.checks if c.status in ("PASS", "INFO"))
    assert all(c.ok == (c.status in ("PASS", "INFO")) for c in report.checks)
    assert report.exit_code == (2 if s["fail"] else 1 if s["warn"] else 0)
    assert report.ok == (report.exit_code == 0)
    assert report.check("accel.version").status == "PASS"
    assert report.find("lib:") and all(c.library is not None for c in report.find("lib:"))
    assert report.failures == [c for c in report.checks if c.status == "FAIL"]
    assert "checks passed" in repr(report)


def test_json_matches_the_schema_and_the_cli(report):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.load(open(os.path.join(SOURCE, "docs", "schemas", "doctor.schema.json")))
    doc = json.loads(report.to_json())
    jsonschema.validate(doc, schema)
    cli_doc = json.loads(cli("doctor", "--json").stdout)
    assert doc["exit_code"] == cli_doc["exit_code"]
    assert [(c["id"], c["status"]) for c in doc["checks"]] == \
           [(c["id"], c["status"]) for c in cli_doc["checks"]]
    assert report.to_dict() == doc


def test_text_equals_the_cli(report):
    p = cli("doctor")
    assert p.returncode == report.exit_code
    # the same lines; the doctor's timings are not printed in the text form
    assert report.text() == p.stdout
    assert str(report) == report.text()


def test_no_cache_runs_the_probes_again():
    r = accel.doctor(no_cache=True)
    assert r.checks


def test_broken_cudnn_is_a_failure_naming_the_missing_library():
    ok, cudnn = need_fakes("ok", "cudnn9_noops")
    out, _ = run_json(r'''
import json, accel
r = accel.doctor(no_cache=True)
c = r.check("lib:libcudnn.so.9")
o = r.check("lib:libcudnn_ops.so.9")
print(json.dumps([r.exit_code, c.status, c.seen, c.found, o.status, o.found]))
''', env={"LD_LIBRARY_PATH": ok + ":" + cudnn}, inhibit_cache=True)
    rc, st, seen, found, ops_st, ops_found = out
    assert rc == 2 and st == "FAIL" and found is True
    assert "SIGABRT" in seen and "libcudnn_ops.so.9" in seen
    assert ops_st == "FAIL" and ops_found is False
