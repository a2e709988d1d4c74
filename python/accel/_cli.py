"""The read-only verbs of the ``accel`` CLI in Python: same options, same output, same exit
codes (tools/accel/cmd_devices.c, cmd_doctor.c, cmd_select.c, cmd_config.c)."""
from __future__ import annotations

import json
import sys
from typing import Callable, Dict, List, Optional, Sequence, TextIO

from . import _accel
from ._device import Device
from ._pci import scan, same_bus_id
from .errors import Error

_GIB = 1024.0 ** 3


def _err(verb: str, msg: str) -> None:
    sys.stderr.write("accel %s: error: %s\n" % (verb, msg))


def _open(flags: int) -> Optional[_accel.Context]:
    try:
        return _accel.Context((), flags)
    except Error as e:
        sys.stderr.write("accel: error: %s\n" % (e.message or e.status))
        return None


# ---- devices ---------------------------------------------------------------------------

def _mem_text(d: Device) -> str:
    if d.memory_total is None:
        return "-"
    if d.memory_free is None:
        return "?/%.1f GiB" % (d.memory_total / _GIB)
    return "%.1f/%.1f GiB" % (d.memory_free / _GIB, d.memory_total / _GIB)


def _n(v: Optional[int]) -> int:
    return -1 if v is None else v


def _pci_views(devs: List[Device]) -> List[dict]:
    views = []
    for g in scan():
        v = {"pci": g, "device": None, "status": None, "problem": None}
        for d in devs:
            if same_bus_id(d.pci_bus_id, g.bus_id):
                v["device"] = d.index
                v["status"] = "ok" if d.usable else "unusable"
                v["problem"] = None if d.usable else d.verdict
                break
        if v["device"] is None:
            if not g.driver:
                v["status"], v["problem"] = "no_driver", "GPU present but no driver is loaded"
            else:
                v["status"] = "no_route"
                v["problem"] = ("driver %s is bound but no API reaches this GPU (is the vendor's "
                                "user-space library installed? see `accel doctor`)" % g.driver)
        views.append(v)
    return views


def devices_json(devs: List[Device], views: List[dict]) -> dict:
    """The document of ``accel devices --json`` (docs/schemas/devices.schema.json)."""
    pci = []
    for v in views:
        g = v["pci"]
        pci.append({"bus_id": g.bus_id, "vendor": g.vendor, "vendor_id": "0x%04x" % g.vendor_id,
                    "device_id": "0x%04x" % g.device_id, "class": "0x%06x" % g.class_code,
                    "driver": g.driver or None, "device_index": v["device"],
                    "status": v["status"], "problem": v["problem"]})
    return {"schema_version": 1, "accel_version": _accel.version()[0],
            "devices": [d.to_dict() for d in devs], "pci_gpus": pci}


def _devices_text(devs: List[Device], views: List[dict], out: TextIO) -> None:
    wn, wa, wp, wm, wr = 4, 4, 3, 20, 6
    for d in devs:
        wn = max(wn, len(d.name))
        wa = max(wa, len(d.arch or ""))
        wp = max(wp, len(d.pci_bus_id or ""))
        wm = max(wm, len(_mem_text(d)))
        wr = max(wr, len(",".join(d.routes)))
    out.write("%-2s  %-6s  %-*s  %-*s  %-*s  %-*s  %5s  %-*s  %s\n" % (
        "#", "KIND", wn, "NAME", wa, "ARCH", wp, "PCI", wm, "MEMORY (free/total)", "UNITS", wr,
        "ROUTES", "VERDICT"))
    for d in devs:
        units = str(d.compute_units) if d.compute_units is not None else "-"
        out.write("%-2d  %-6s  %-*s  %-*s  %-*s  %-*s  %5s  %-*s  %s\n" % (
            d.index, d.kind, wn, d.name, wa, d.arch or "-", wp, d.pci_bus_id or "-", wm,
            _mem_text(d), units, wr, ",".join(d.routes), d.verdict))
        if d.kind == "cpu":
            line = "    cores: %d physical, %d logical, %d usable; SIMD:" % (
                _n(d.physical_cores), _n(d.logical_cores), _n(d.usable_cores))
            line += "".join(" " + s for s in d.simd) if d.simd else " none detected"
            if d.cgroup_memory_limit is not None:
                line += "; cgroup memory limit %.1f GiB" % (d.cgroup_memory_limit / _GIB)
            out.write(line + "\n")
    header = False
    for v in views:
        if v["status"] in ("ok", "unusable"):
            continue
        if not header:
            out.write("\nGPUs on the PCI bus that accel cannot use:\n")
            header = True
        g = v["pci"]
        out.write("  %s  %s [%04x:%04x]  %s\n" % (g.bus_id, g.vendor, g.vendor_id, g.device_id,
                                                 v["problem"]))


def cmd_devices(args: Sequence[str]) -> int:
    flags = _accel.CTX_NO_WARMUP
    as_json = False
    for a in args:
        if a == "--json":
            as_json = True
        elif a == "--no-cache":
            flags |= _accel.CTX_NO_CACHE
        elif a in ("--help", "-h"):
            sys.stdout.write(
                "usage: python -m accel devices [--json] [--no-cache]\n"
                "  Lists every compute device (GPUs first, the CPU last) and every GPU on the\n"
                "  PCI bus that accel cannot reach.\n"
                "  --json      machine-readable output (docs/devices.md)\n"
                "  --no-cache  probe every vendor stack afresh, ignoring cached verdicts\n"
                "exit status: 0 listed, 2 usage or configuration error\n")
            return 0
        else:
            _err("devices", "unknown option '%s' (allowed: --json, --no-cache)" % a)
            return 2
    c = _open(flags)
    if c is None:
        return 2
    try:
        devs = [Device._from_dict(d) for d in c.devices()]
    finally:
        c.close()
    views = _pci_views(devs)
    if as_json:
        sys.stdout.write(json.dumps(devices_json(devs, views), indent=2) + "\n")
    else:
        _devices_text(devs, views, sys.stdout)
    return 0


# ---- doctor ------------------------------------------------------------------------------

def cmd_doctor(args: Sequence[str]) -> int:
    flags = 0
    for a in args:
        if a == "--json":
            continue
        if a == "--no-cache":
            flags |= _accel.DOCTOR_NO_CACHE
        elif a in ("--help", "-h"):
            sys.stdout.write(
                "usage: python -m accel doctor [--json] [--no-cache]\n"
                "  One line per check: PASS, INFO (nothing to fix here), WARN or FAIL, the\n"
                "  component, what was seen, and the fix. --json prints the report as JSON\n"
                "  (docs/doctor.md); --no-cache probes every vendor stack afresh.\n"
                "  Exit code: 0 nothing to fix, 1 warnings only, 2 a failure that prevents GPU\n"
                "  use.\n")
            return 0
        else:
            _err("doctor", "unknown option '%s' (allowed: --json, --no-cache)" % a)
            return 2
    if "--json" not in args:
        flags |= _accel.DOCTOR_TEXT
    try:
        text, rc = _accel.doctor(flags)
    except Error as e:
        _err("doctor", e.message)
        return 2
    sys.stdout.write(text)
    return rc


# ---- select ------------------------------------------------------------------------------

def cmd_select(args: Sequence[str]) -> int:
    op: Optional[str] = None
    explain = False
    flags = _accel.CTX_NO_WARMUP
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--op", "--operation"):
            if i + 1 >= len(args):
                _err("select", "%s needs an operation name" % a)
                return 2
            op = args[i + 1]
            i += 1
        elif a == "--explain":
            explain = True
        elif a == "--no-cache":
            flags |= _accel.CTX_NO_CACHE
        elif a in ("--help", "-h"):
            sys.stdout.write(
                "usage: python -m accel select [--op NAME] [--explain] [--no-cache]\n"
                "  --op, --operation NAME  the operation to place (default: any)\n"
                "  --explain   list every candidate, its score and the rule that decided\n"
                "  --no-cache  probe every vendor stack afresh\n"
                "Honours ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU and\n"
                "ACCEL_STRICT (docs/configuration.md).\n"
                "exit status: 0 a device was chosen; 1 none may be used (ACCEL_STRICT=1\n"
                "refused a fallback, or no usable device); 2 usage or configuration error\n")
            return 0
        else:
            _err("select", "unknown option '%s' (allowed: --op NAME, --explain, --no-cache)" % a)
            return 2
        i += 1
    c = _open(flags)
    if c is None:
        return 2
    try:
        try:
            index, text = c.select(op, explain)
        except Error as e:
            if e.explain:
                sys.stdout.write(e.explain)
            _err("select", e.message)
            return 2 if e.status in ("ERR_NOT_FOUND", "ERR_CONFIG", "ERR_INVALID_ARG") else 1
        if text:
            sys.stdout.write(text)
        else:
            d = Device._from_dict(c.devices()[index])
            sys.stdout.write("%d %s %s%s%s\n" % (d.index, d.kind, d.name,
                                                " " if d.pci_bus_id else "", d.pci_bus_id or ""))
        return 0
    finally:
        c.close()


# ---- config ------------------------------------------------------------------------------

def cmd_config(args: Sequence[str]) -> int:
    get: Optional[str] = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--show":
            pass
        elif a == "--get":
            if i + 1 >= len(args):
                _err("config", "--get needs a key, e.g. --get ACCEL_BACKEND")
                return 2
            get = args[i + 1]
            i += 1
        elif a in ("--help", "-h"):
            sys.stdout.write(
                "usage: python -m accel config [--show] [--get KEY]\n"
                "  --show     every key, its value and its source (the default)\n"
                "  --get KEY  one key: its value, a tab, its source\n"
                "Sources, strongest first: api, env, file:PATH:LINE, default.\n"
                "The file is $ACCEL_CONFIG, else $XDG_CONFIG_HOME/accel/config.ini, else\n"
                "~/.config/accel/config.ini (docs/configuration.md).\n"
                "exit status: 0 shown, 2 usage or configuration error\n")
            return 0
        else:
            _err("config", "unknown option '%s' (allowed: --show, --get KEY)" % a)
            return 2
        i += 1
    c = _open(_accel.CTX_NO_DISCOVERY | _accel.CTX_NO_WARMUP)
    if c is None:
        return 2
    try:
        if get is not None:
            try:
                value, source = c.config_get(get)
            except Error as e:
                _err("config", e.message)
                return 2
            sys.stdout.write("%s\t%s\n" % (value, source))
        else:
            sys.stdout.write(c.config_dump())
        return 0
    finally:
        c.close()


VERBS: Dict[str, Callable[[Sequence[str]], int]] = {
    "config": cmd_config, "devices": cmd_devices, "doctor": cmd_doctor, "select": cmd_select,
}
_HELP = {
    "config": "print the effective configuration and where each value came from ([--show] [--get KEY])",
    "devices": "list every compute device ([--json] [--no-cache])",
    "doctor": "check the GPU stack and say how to fix it ([--json] [--no-cache])",
    "select": "print the device an operation would run on ([--op NAME] [--explain] [--no-cache])",
}


def _usage(out: TextIO) -> None:
    out.write("usage: python -m accel <command> [options]\n\ncommands:\n")
    for name in sorted(VERBS):
        out.write("  %-10s %s\n" % (name, _HELP[name]))
    out.write("\n`python -m accel <command> --help` describes a command's options.\n"
              "The other verbs (audio, bench, plan, …) are in the accel binary.\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs one verb; returns the exit code the accel binary would."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("help", "--help", "-h"):
        _usage(sys.stdout if args else sys.stderr)
        return 0 if args else 2
    if args[0] == "--version":
        sys.stdout.write("accel %s\n" % _accel.version()[0])
        return 0
    verb = VERBS.get(args[0])
    if verb is None:
        sys.stderr.write("accel: unknown command '%s' (allowed: %s; the others are in the accel "
                         "binary)\n" % (args[0], ", ".join(sorted(VERBS))))
        return 2
    return verb(args[1:])
