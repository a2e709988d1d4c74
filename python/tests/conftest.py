"""Shared fixtures of the accel package's tests.

The tests run against the package on sys.path (the CMake build puts its build of the package
first: PYTHONPATH=<build>/python/lib). ACCEL_TEST_BUILD names the CMake build (for the accel
binary and the stand-in vendor libraries), ACCEL_TEST_SOURCE the source tree.
"""
import json
import os
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("ACCEL_TEST_SOURCE") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("ACCEL_TEST_BUILD") or os.path.join(SOURCE, "build")
AUDIO = os.path.join(SOURCE, "tests", "data", "audio")
FAKES = os.path.join(BUILD, "fakes")
CLI = os.path.join(BUILD, "accel")


def need_cli():
    if not os.access(CLI, os.X_OK):
        pytest.skip("the accel binary is not built at %s" % CLI)
    return CLI


def need_fakes(*variants):
    for v in variants:
        d = os.path.join(FAKES, v)
        if not os.path.isdir(d) or not os.listdir(d):
            pytest.skip("stand-in vendor libraries not built (%s/%s)" % (FAKES, v))
    return [os.path.join(FAKES, v) for v in variants]


def cli(*args, env=None, check=False, timeout=120):
    """Runs the accel binary; returns the CompletedProcess (text)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([need_cli()] + list(args), capture_output=True, text=True, env=e,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("accel %s: exit %d\n%s" % (" ".join(args), p.returncode, p.stderr))
    return p


def interpreter_of(exe):
    """The program interpreter (PT_INTERP) of an ELF executable."""
    with open(os.path.realpath(exe), "rb") as f:
        data = f.read(1 << 16)
    is64 = data[4] == 2
    (phoff,) = struct.unpack_from("<Q" if is64 else "<I", data, 0x20 if is64 else 0x1C)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36 if is64 else 0x2A)
    for i in range(phnum):
        off = phoff + i * phentsize
        (ptype,) = struct.unpack_from("<I", data, off)
        if ptype == 3:  # PT_INTERP
            if is64:
                p_offset, = struct.unpack_from("<Q", data, off + 8)
                p_filesz, = struct.unpack_from("<Q", data, off + 32)
            else:
                p_offset, = struct.unpack_from("<I", data, off + 4)
                p_filesz, = struct.unpack_from("<I", data, off + 16)
            return data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
    raise RuntimeError("no PT_INTERP in %s" % exe)


def run_python(code, env=None, inhibit_cache=False, timeout=180, args=()):
    """Runs `code` in a fresh interpreter with the same sys.path. With `inhibit_cache` the
    dynamic loader ignores /etc/ld.so.cache (ld.so --inhibit-cache) and accel's library
    resolution too, so only the stand-in libraries on LD_LIBRARY_PATH are found — what the
    doctor's fault scenarios do."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    e.update(env or {})
    cmd = [sys.executable, "-c", code] + list(args)
    if inhibit_cache:
        e["ACCEL_LD_SO_CACHE"] = "/nonexistent/ld.so.cache"
        cmd = [interpreter_of(sys.executable), "--inhibit-cache"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)


def run_json(code, **kw):
    """run_python, expecting success and one JSON document on stdout."""
    p = run_python(code, **kw)
    assert p.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout, p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1]), p


@pytest.fixture(scope="session")
def ctx():
    import accel
    c = accel.Context(warmup=False)
    yield c
    c.close()


@pytest.fixture(scope="session")
def np():
    return pytest.importorskip("numpy")


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch")


def pytest_sessionfinish(session, exitstatus):
    """A file whose every test skipped (hardware or package absent) exits 77, so ctest
    reports it as skipped instead of passed."""
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == 0 and tr is not None:
        passed = len(tr.stats.get("passed", []))
        skipped = len(tr.stats.get("skipped", []))
        if passed == 0 and skipped > 0:
            session.exitstatus = 77
