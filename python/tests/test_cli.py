"""python -m accel: the CLI's read-only verbs, with the binary's output and exit codes."""
import json
import os
import subprocess
import sys

import pytest

from conftest import SOURCE, cli, need_cli


def pym(*args, env=None):
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "accel"] + list(args), capture_output=True,
                          text=True, env=e, timeout=120)


def same(args, env=None, volatile=()):
    need_cli()
    a, b = pym(*args, env=env), cli(*args, env=env)
    assert a.returncode == b.returncode, (args, a.returncode, b.returncode, a.stderr, b.stderr)
    out_a, out_b = a.stdout, b.stdout
    for v in volatile:
        out_a, out_b = v(out_a), v(out_b)
    assert out_a == out_b, args
    return a


def without_memory(text):
    # free memory moves between two runs: blank the MEMORY column and telemetry
    import re
    return re.sub(r"\d+\.\d/\d+\.\d GiB", "M", text)


def test_devices_text():
    same(["devices"], volatile=[without_memory])


def test_devices_json_validates_and_equals_the_cli():
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(pym("devices", "--json").stdout)
    schema = json.load(open(os.path.join(SOURCE, "docs", "schemas", "devices.schema.json")))
    jsonschema.validate(doc, schema)
    ref = json.loads(cli("devices", "--json").stdout)
    for d in doc["devices"] + ref["devices"]:
        d.pop("memory"), d.pop("telemetry")
    assert doc == ref


def test_devices_on_a_captured_pci_tree():
    # GPUs on the bus with and without a driver, none reachable: both list them the same way
    tree = os.path.join(SOURCE, "tests", "data", "sysfs-pci")
    env = {"ACCEL_SYSFS_ROOT": tree}
    a = same(["devices"], env=env, volatile=[without_memory])
    assert "GPUs on the PCI bus that accel cannot use" in a.stdout
    doc = json.loads(pym("devices", "--json", env=env).stdout)
    ref = json.loads(cli("devices", "--json", env=env).stdout)
    assert doc["pci_gpus"] == ref["pci_gpus"] and doc["pci_gpus"]


def test_select():
    same(["select"])
    same(["select", "--op", "whisper", "--explain"])
    same(["select", "--operation", "whisper"])
    same(["select", "--op", "nope"])  # exit 2, the error on stderr
    a = same(["select", "--explain"], env={"ACCEL_BACKEND": "cuda", "ACCEL_STRICT": "1"})
    assert a.returncode == 1 and "candidates" in a.stdout
    same(["select", "--bogus"])


def test_config():
    same(["config"])
    same(["config", "--show"], env={"ACCEL_BATCH_SIZE": "16", "ACCEL_WHISPER_GPU": "0"})
    same(["config", "--get", "ACCEL_BACKEND"], env={"ACCEL_BACKEND": "cpu"})
    a = same(["config", "--get", "ACCEL_NOPE"])
    assert a.returncode == 2 and "ACCEL_NOPE" in a.stderr
    b = same(["config"], env={"ACCEL_BACKEND": "gpu"})
    assert b.returncode == 2 and "allowed" in b.stderr


def test_doctor():
    need_cli()
    a, b = pym("doctor"), cli("doctor")
    assert a.returncode == b.returncode and a.stdout == b.stdout
    j = json.loads(pym("doctor", "--json").stdout)
    assert j["exit_code"] == a.returncode


def test_usage():
    assert pym().returncode == 2
    h = pym("--help")
    assert h.returncode == 0 and all(v in h.stdout for v in ("devices", "doctor", "select", "config"))
    u = pym("audio")
    assert u.returncode == 2 and "accel binary" in u.stderr
    v = pym("--version")
    assert v.returncode == 0 and v.stdout.startswith("accel ")
    for verb in ("devices", "doctor", "select", "config"):
        assert pym(verb, "--help").returncode == 0
