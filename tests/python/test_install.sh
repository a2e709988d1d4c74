#!/usr/bin/env bash
# test_install.sh PYTHON SOURCE BUILD WORK — the package installs offline with Debian's own
# packages, as the README says: `pip install --no-build-isolation ./python` (and from the
# repository root) into a virtual environment made with --system-site-packages (Debian's pip
# refuses system installs; setuptools comes from the system). libaccel.a is taken from this
# build (ACCEL_BUILD_DIR); the package is then imported from outside the source tree and must
# stand alone: no libaccel.so or libinih.so needed, no accel_* symbol exported.
set -euo pipefail
py=$1 src=$2 build=$3 work=$4
"$py" -c "import venv, ensurepip" 2>/dev/null || { echo "SKIP: $py lacks venv/ensurepip (python3-venv)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# The sources are copied, so the in-tree build pip does leaves the checkout untouched.
mkdir -p "$work/tree" && cp -r "$src/python" "$src/setup.py" "$src/pyproject.toml" "$work/tree/"
rm -rf "$work/tree/python/build" "$work/tree/python/accel/"*.so "$work/tree/python/"*.egg-info
export ACCEL_SOURCE_DIR=$src ACCEL_BUILD_DIR=$build PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1

check_install() { # VENV LABEL
  local venv=$1 label=$2
  cd "$work"
  "$venv/bin/python" - "$venv" <<'PY'
import os, subprocess, sys
venv = sys.argv[1]
import accel
where = os.path.dirname(accel.__file__)
assert where.startswith(venv), "accel imported from %s, not from the venv" % where
so = [f for f in os.listdir(where) if f.startswith("_accel")]
assert so and so[0].endswith(".abi3.so"), "extension %s is not built for the stable ABI" % so
path = os.path.join(where, so[0])
needed = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
bad = [l for l in needed.splitlines() if "NEEDED" in l and ("accel" in l or "inih" in l)]
assert not bad, "the extension needs %s" % bad
syms = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True).stdout
exported = [l.split()[-1] for l in syms.splitlines() if l.split()[-1].startswith("accel")]
assert not exported, "libaccel symbols exported: %s" % exported[:5]
with accel.Context(discovery=False) as ctx:
    assert ctx.devices[-1].kind == "cpu"
    import array
    out = ctx.convert(array.array("h", [0, 2, -4]), scale=0.5)
    assert list(memoryview(out).tolist() if not hasattr(out, "tolist") else out.tolist()) == [0.0, 1.0, -2.0], out
print("installed at", where, "-", so[0], "- libaccel", accel.version())
PY
  "$venv/bin/python" -m accel config --get ACCEL_BACKEND >/dev/null
  "$venv/bin/python" -m accel devices >/dev/null
  echo "$label: ok"
}

"$py" -m venv --system-site-packages "$work/venv1"
"$work/venv1/bin/python" -m pip install -q --no-build-isolation "$work/tree/python"
check_install "$work/venv1" "pip install ./python"
"$work/venv1/bin/python" -m pip uninstall -q -y accel
"$work/venv1/bin/python" -c "import accel" 2>/dev/null && { echo "FAIL: accel still importable after uninstall"; exit 1; }

"$py" -m venv --system-site-packages "$work/venv2"
(cd "$work/tree" && "$work/venv2/bin/python" -m pip install -q --no-build-isolation .)
check_install "$work/venv2" "pip install . (repository root)"
echo "PASS"
