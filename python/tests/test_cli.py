"""python -m accel: the CLI's read-only verbs (devices, doctor, select, config) with the binary's
standard output, standard error, exit codes and -o files, byte for byte: every output format
(table, --json, --format csv|md), -o FILE written atomically, --op/--operation, the help and
the usage errors."""
import json
import os
import re
import stat
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


def without_memory(text):
    # free memory moves between two runs: blank it wherever it shows
    text = re.sub(r"\d+\.\d/\d+\.\d GiB", "M", text)
    text = re.sub(r'"free_bytes": \d+', '"free_bytes": F', text)
    text = re.sub(r'"used_bytes": \d+', '"used_bytes": U', text)
    text = re.sub(r"^(\d+,\w+,.*?,.*?,.*?,)\d*,", r"\1F,", text, flags=re.M)  # csv free_bytes
    # a device's selection score grows with its free memory: blank it in every format
    text = re.sub(r'"score": [0-9.e+-]+', '"score": S', text)
    text = re.sub(r"score +[0-9.]+", "score S", text)
    text = re.sub(r"^(\*?,\d+,\w+,[^,\n]*,)[0-9.]+,", r"\1S,", text, flags=re.M)
    return re.sub(r"\| *\d+\.\d{3} *\|", "| S |", text)


def without_timing(text):
    return re.sub(r'"elapsed_ms": [0-9.e+-]+', '"elapsed_ms": T', text)


def same(args, env=None, volatile=(without_memory,), files=()):
    """Runs the binary and the package with the same arguments; stdout, stderr, the exit code
    and the files they write must be the same."""
    need_cli()
    outs = []
    for run in (pym, cli):
        for f in files:
            if os.path.exists(f):
                os.unlink(f)
        p = run(*args, env=env)
        written = []
        for f in files:
            written.append(open(f, encoding="utf-8", newline="").read() if os.path.exists(f) else None)
        outs.append((p, written))
    (a, fa), (b, fb) = outs
    clean = lambda t: t if not volatile else __import__("functools").reduce(lambda x, v: v(x), volatile, t)
    assert a.returncode == b.returncode, (args, a.returncode, b.returncode, a.stderr, b.stderr)
    assert clean(a.stdout) == clean(b.stdout), (args, a.stdout, b.stdout)
    assert clean(a.stderr) == clean(b.stderr), (args, a.stderr, b.stderr)
    assert [clean(x) if x is not None else None for x in fa] == \
        [clean(x) if x is not None else None for x in fb], args
    return a, fa


VERBS = ("devices", "doctor", "select", "config")


@pytest.mark.parametrize("verb", VERBS)
def test_help_is_the_binarys(verb):
    a, _ = same([verb, "--help"])
    assert a.returncode == 0 and a.stdout.startswith("usage: accel %s " % verb)
    same([verb, "-h"])
    same(["help", verb])


def test_devices_every_format():
    same(["devices"])
    same(["devices", "--format", "table"])
    a, _ = same(["devices", "--json"])
    assert json.loads(a.stdout)["schema_version"] == 1
    same(["devices", "--format", "json"])
    a, _ = same(["devices", "--format", "csv"])
    assert a.stdout.startswith("index,kind,name,")
    a, _ = same(["devices", "--format", "md"])
    assert a.stdout.startswith("| # | kind |")
    same(["devices", "--no-cache"])


STABLE = "index,kind,gpu_name,uuid,pci.bus_id,driver_version,usable,verdict,memory.total,processes,source"


def without_stamps(text):
    return re.sub(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{3}", "TIME", text)


def test_devices_query_and_watch():
    # the figures that do not move between two runs, in every format, once and watched
    for fmt in ([], ["--format", "csv"], ["--format", "md"], ["--json"]):
        a, _ = same(["devices", "--query", STABLE] + fmt, volatile=(without_stamps,))
        assert a.stdout
        same(["devices", "--query-gpu=" + STABLE, "--watch", "0.05", "--iterations", "3"] + fmt,
             volatile=(without_stamps,))
    a, _ = same(["devices", "--query", "timestamp,index", "-l", "0.05", "-n", "2", "--json"],
                volatile=(without_stamps,))
    assert len(a.stdout.splitlines()) == 2 and json.loads(a.stdout.splitlines()[1])["devices"]
    # every field, and the live ones --watch shows by default: the same fields, each known or
    # not in the same places (the figures themselves move between two runs)
    every = ("timestamp,index,kind,name,uuid,pci.bus_id,driver_version,usable,verdict,"
             "memory.total,memory.used,memory.free,utilization.gpu,utilization.memory,"
             "temperature.gpu,power.draw,power.limit,processes,source")
    for args in (["--query", every], ["--watch", "0.05", "-n", "1"]):
        a, b = pym("devices", "--json", *args), cli("devices", "--json", *args)
        assert a.returncode == b.returncode == 0, (args, a.stderr, b.stderr)

        def shape(doc):
            return [[(k, v is None, type(v).__name__) for k, v in d.items()]
                    for d in doc["devices"]]
        assert shape(json.loads(a.stdout)) == shape(json.loads(b.stdout)), args
    # the checks before any device is opened
    for args in (["--query", "nope"], ["--query", "memory.usd"], ["--query", ","],
                 ["--iterations", "3"], ["--watch", "1", "-o", "out.csv"], ["--watch", "0.01"],
                 ["--watch", "abc"], ["-n", "0", "--watch", "1"]):
        a, _ = same(["devices"] + args)
        assert a.returncode == 2, args


def test_devices_json_validates():
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(pym("devices", "--json").stdout)
    schema = json.load(open(os.path.join(SOURCE, "docs", "schemas", "devices.schema.json")))
    jsonschema.validate(doc, schema)


def test_devices_on_a_captured_pci_tree():
    # GPUs on the bus with and without a driver, none reachable: both list them the same way
    env = {"ACCEL_SYSFS_ROOT": os.path.join(SOURCE, "tests", "data", "sysfs-pci")}
    a, _ = same(["devices"], env=env)
    assert "GPUs on the PCI bus that accel cannot use" in a.stdout
    a, _ = same(["devices", "--json"], env=env)
    assert json.loads(a.stdout)["pci_gpus"]
    same(["devices", "--format", "md"], env=env)


def test_select():
    same(["select"])
    same(["select", "--op", "whisper", "--explain"])
    same(["select", "--operation", "whisper"])
    same(["select", "--op=whisper-80", "--json"])
    same(["select", "--op", "image_quality", "--explain", "--format", "csv"])
    same(["select", "--explain", "--format", "md"])
    a, _ = same(["select", "--json", "--explain"])
    doc = json.loads(a.stdout)
    assert doc["device"] is not None and any(c["chosen"] for c in doc["candidates"])
    a, _ = same(["select", "--op", "nope"])  # exit 2, the error on stderr
    assert a.returncode == 2 and "unknown operation 'nope'" in a.stderr
    same(["select", "--op", "whisper80", "--json"])
    same(["select", "--op", ""])
    strict = {"ACCEL_BACKEND": "cuda", "ACCEL_STRICT": "1"}
    a, _ = same(["select", "--explain"], env=strict)
    assert a.returncode == 1 and "candidates" in a.stdout
    a, _ = same(["select", "--json"], env=strict)
    assert json.loads(a.stdout)["error"] and json.loads(a.stdout)["device"] is None
    same(["select", "--format", "csv", "--explain"], env=strict)
    same(["select"], env=strict)
    a, _ = same(["select", "--json"], env={"ACCEL_BACKEND": "cuda"})
    assert json.loads(a.stdout)["warning"]
    same(["select", "--op", "whisper", "--json"], env={"ACCEL_WHISPER_GPU": "0"})


def test_config():
    same(["config"])
    same(["config", "--show"], env={"ACCEL_BATCH_SIZE": "16", "ACCEL_WHISPER_GPU": "0"})
    notes = {"ACCEL_WHISPER_GPU": "0", "ACCEL_NOPE_GPU": "1", "XDG_CONFIG_HOME": "/nonexistent"}
    a, _ = same(["config", "--json"], env=notes)
    settings = {s["key"]: s for s in json.loads(a.stdout)["settings"]}
    assert settings["ACCEL_NOPE_GPU"]["note"] == "no operation of that name"
    assert settings["ACCEL_CONFIG"]["note"] == "no such file"
    assert settings["ACCEL_DEVICE"]["value"] is None
    same(["config", "--format", "csv"], env=notes)
    same(["config", "--format", "md"], env=notes)
    same(["config", "--json"], env={"HOME": "", "XDG_CONFIG_HOME": ""})
    same(["config", "--get", "ACCEL_BACKEND"], env={"ACCEL_BACKEND": "cpu"})
    same(["config", "--get", "ACCEL_BACKEND", "--json"], env={"ACCEL_BACKEND": "cpu"})
    same(["config", "--get", "ACCEL_WHISPER_GPU", "--format", "md"])
    a, _ = same(["config", "--get", "ACCEL_NOPE"])
    assert a.returncode == 2 and "ACCEL_NOPE" in a.stderr
    b, _ = same(["config"], env={"ACCEL_BACKEND": "gpu"})
    assert b.returncode == 2 and "allowed" in b.stderr


def test_doctor():
    a, _ = same(["doctor"])
    j, _ = same(["doctor", "--json"], volatile=(without_memory, without_timing))
    assert json.loads(j.stdout)["exit_code"] == a.returncode


def test_output_files_are_the_binarys(tmp_path):
    f = str(tmp_path / "report")
    for args in (["devices", "--format", "csv"], ["devices", "--json"], ["devices"],
                 ["devices", "--format", "md"],
                 ["select", "--json", "--explain"], ["select", "--format", "md"],
                 ["select", "--explain"], ["config", "--format", "md"],
                 ["config", "--get", "ACCEL_BACKEND", "--json"], ["config"]):
        a, written = same(args + ["-o", f], files=[f])
        assert written[0], args
        if "csv" in args:
            assert written[0].startswith("index,kind,name,") and "\r\n" in written[0]
        if "--json" in args or "--format" in args:
            assert a.stdout, args  # the human-readable form still shows
        else:
            assert a.stdout == "", args
        same(args[:1] + ["--output=" + f] + args[1:], files=[f])
    same(["doctor", "-o", f], files=[f])
    same(["doctor", "--json", "-o", f], files=[f], volatile=(without_memory, without_timing))
    same(["devices", "--json", "-o", "-"])
    assert os.listdir(str(tmp_path)) == ["report"]  # no temporary file left behind
    mode = stat.S_IMODE(os.stat(f).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask, oct(mode)


def test_output_failures_leave_the_file_alone(tmp_path):
    f = tmp_path / "kept.json"
    f.write_text("before")
    for args in (["devices", "-o", str(tmp_path / "missing" / "x.json")],
                 ["devices", "-o", str(tmp_path)], ["devices", "-o", ""], ["devices", "-o"],
                 ["select", "--op", "nope", "-o", str(f)],
                 ["config", "--get", "ACCEL_NOPE", "-o", str(f), "--json"],
                 ["config", "--json", "--format", "csv", "-o", str(f)]):
        a, _ = same(args)
        assert a.returncode == 2, args
        assert f.read_text() == "before", args
    assert sorted(os.listdir(str(tmp_path))) == ["kept.json"]


def test_usage_errors_are_the_binarys():
    for args in (["devices", "--bogus"], ["devices", "--jsn"], ["devices", "--json=1"],
                 ["devices", "--format", "xml"], ["devices", "--format", "jsn"],
                 ["devices", "--json", "--format", "csv"], ["devices", "extra"],
                 ["select", "--op"], ["select", "--explain", "x"], ["select", "--json", "out.json"],
                 ["select", "--operaton", "whisper"], ["config", "--get"], ["config", "--fromat", "csv"],
                 ["doctor", "--no-cache=1"], ["help", "devices"]):
        same(args)


def test_package_usage():
    assert pym().returncode == 2
    h = pym("--help")
    assert h.returncode == 0 and all(v in h.stdout for v in VERBS)
    assert pym("help").stdout == h.stdout
    u = pym("audio")
    assert u.returncode == 2 and "accel binary" in u.stderr
    n = pym("devics")
    assert n.returncode == 2 and "did you mean 'devices'?" in n.stderr
    assert pym("--json").returncode == 2
    v = pym("--version")
    assert v.returncode == 0 and v.stdout.startswith("accel ")
    need_cli()
    assert v.stdout == cli("--version").stdout
