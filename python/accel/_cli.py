"""The read-only verbs of the ``accel`` CLI in Python — devices, doctor, select, config — with
the binary's options, help, errors, outputs (``--json``, ``--format table|json|csv|md``,
``-o FILE`` written atomically) and exit codes (tools/accel/cmd_devices.c, cmd_doctor.c,
cmd_select.c, cmd_config.c). The option tables below restate the binary's; the tests compare
every output with the binary's, byte for byte."""
from __future__ import annotations

import io
import json
import math
import signal
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO

from . import _accel
from ._cli_opts import (CSV, FLAG, HELP, INT, JSON, NUM, OK, OPT_FORMAT, OPT_JSON,
                        OPT_NO_CACHE, OPT_OUTPUT, STR, TABLE, Args, Opt, Out, Verb, err,
                        error_unknown, json_text, opt_op, parse, table_write)
from ._device import Device
from ._pci import same_bus_id, scan
from .errors import Error

_GIB = 1024.0 ** 3


def _open(flags: int) -> Optional[_accel.Context]:
    """accel_cli_open: a context, or None after "accel: error: …" (exit 2)."""
    try:
        return _accel.Context((), flags)
    except Error as e:
        sys.stderr.write("accel: error: %s\n" % (e.message or e.status))
        return None


def _parse(v: Verb, args: Sequence[str]) -> Optional[Args]:
    rc, a = parse(v, args)
    if rc != OK:
        raise SystemExit(0 if rc == HELP else 2)
    return a


# ---- devices ---------------------------------------------------------------------------

DEVICES = Verb(
    "devices", "[--json | --format table|json|csv|md] [--no-cache] [-o FILE]\n"
    "       accel devices --query F,F,... [--watch SECONDS [--iterations N]] [--format F]",
    "Lists every compute device (GPUs first, the CPU last) and every GPU on the\n"
    "PCI bus that accel cannot reach. --query and --watch give the devices' live\n"
    "figures instead, one row per device and reading; the fields (nvidia-smi's names;\n"
    "memory in MiB, power in W, temperature in C, \"[N/A]\" when not reported):\n"
    "timestamp, index, kind, name, uuid, pci.bus_id, driver_version, usable, verdict,\n"
    "memory.total, memory.used, memory.free, utilization.gpu, utilization.memory,\n"
    "temperature.gpu, power.draw, power.limit, processes, source.",
    (Opt("--json", None, FLAG, None,
         "machine-readable output on standard output (docs/devices.md)"),
     OPT_FORMAT, OPT_NO_CACHE, OPT_OUTPUT,
     Opt("--query", "--query-gpu", STR, "F,F,...",
         "one row per device with these fields, read now (as nvidia-smi\n"
         "--query-gpu; the list is below)"),
     Opt("--watch", "-l|--loop", NUM, "SECONDS",
         "read again every SECONDS until Ctrl-C (as nvidia-smi -l); without\n"
         "--query, the live fields", 0.05, 86400),
     Opt("--iterations", "-n", INT, "N", "with --watch: stop after N readings", 1, 100000000)),
    footer="exit status: 0 listed, 2 usage or configuration error")
D_JSON, D_FORMAT, D_NO_CACHE, D_OUTPUT, D_QUERY, D_WATCH, D_ITERATIONS = range(7)

# ---- devices --query / --watch (tools/accel/devices_query.c) -------------------------------

#: (name, alias, unit, kind): kind 1 a number, 0 a string, 2 a boolean (nvidia-smi's names)
QUERY_FIELDS = (
    ("timestamp", None, None, 0), ("index", None, None, 1), ("kind", None, None, 0),
    ("name", "gpu_name", None, 0), ("uuid", "gpu_uuid", None, 0),
    ("pci.bus_id", "gpu_bus_id", None, 0), ("driver_version", None, None, 0),
    ("usable", None, None, 2), ("verdict", None, None, 0), ("memory.total", None, "MiB", 1),
    ("memory.used", None, "MiB", 1), ("memory.free", None, "MiB", 1),
    ("utilization.gpu", None, "%", 1), ("utilization.memory", None, "%", 1),
    ("temperature.gpu", None, None, 1), ("power.draw", None, "W", 1),
    ("power.limit", None, "W", 1), ("processes", None, None, 1), ("source", None, None, 0))
_DEFAULT_QUERY = "index,kind,name,memory.used,memory.total,utilization.gpu,temperature.gpu,power.draw"


def _query_fields(text: Optional[str]) -> Optional[List[int]]:
    """The field indices of a comma-separated list; None after the error (unknown field, the
    nearest one and those allowed)."""
    ids: List[int] = []
    bad = None
    for t in (text if text is not None else _DEFAULT_QUERY)[:1023].split(","):
        t = t.strip(" ")
        if not t:
            continue
        found = [k for k, f in enumerate(QUERY_FIELDS) if t in (f[0], f[1])]
        if not found:
            bad = t
            break
        if len(ids) == 32:
            bad = "(more than 32 fields)"
            break
        ids.append(found[-1])
    if bad is None and not ids:
        bad = "(none)"
    if bad is not None:
        error_unknown("devices", "--query field", bad, [f[0] for f in QUERY_FIELDS])
        return None
    return ids


def _query_value(f: int, d: Device, s: Dict[str, Any], stamp: str) -> Optional[str]:
    """A field's text, None when the device does not report it."""
    mib = 1024.0 * 1024.0
    total = s["mem_total"] if s["mem_total"] >= 0 else _n(d.memory_total)
    name = QUERY_FIELDS[f][0]
    if name == "timestamp":
        return stamp
    if name == "index":
        return "%d" % d.index
    if name == "kind":
        return d.kind
    if name == "name":
        return d.name
    if name in ("uuid", "pci.bus_id", "driver_version"):
        v = {"uuid": d.uuid, "pci.bus_id": d.pci_bus_id, "driver_version": d.driver_version}[name]
        return v or None
    if name == "usable":
        return "yes" if d.usable else "no"
    if name == "verdict":
        return d.verdict
    if name == "memory.total":
        return None if total < 0 else "%.0f" % math.floor(total / mib)
    if name == "memory.used":
        return None if s["mem_used"] < 0 else "%.0f" % math.floor(s["mem_used"] / mib)
    if name == "memory.free":
        if s["mem_used"] < 0 or total < 0:
            return None
        return "%.0f" % math.floor((total - s["mem_used"]) / mib)
    key = {"utilization.gpu": "utilization_percent", "utilization.memory": "mem_busy_percent",
           "temperature.gpu": "temperature_c"}.get(name)
    if key:
        return None if s[key] < 0 else "%d" % s[key]
    if name in ("power.draw", "power.limit"):
        v = s["power_mw" if name == "power.draw" else "power_limit_mw"]
        return None if v < 0 else "%.2f" % (v / 1000.0)
    if name == "processes":
        return "%d" % s["processes"]
    return s["source"] or None  # source


def _stamp() -> str:
    """nvidia-smi's timestamp, local time: "2026/12/06 04:43:55.123"."""
    now = time.time()
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(now)) + ".%03d" % (
        int(round(now * 1e9)) % 1000000000 // 1000000)


def _query_round(c: _accel.Context, ids: List[int], first: bool, watch: bool, fmt: int,
                 f: TextIO) -> None:
    stamp = _stamp()
    devs = [Device._from_dict(d) for d in c.devices()]
    rows = []
    for d in devs:
        s = c.device_query(d.index)
        rows.append((d, [_query_value(k, d, s, stamp) for k in ids]))
    if fmt == JSON:
        out = []
        for d, vals in rows:
            obj: Dict[str, Any] = {}
            for k, v in zip(ids, vals):
                kind = QUERY_FIELDS[k][3]
                obj[QUERY_FIELDS[k][0]] = (None if v is None else float(v) if kind == 1
                                           else bool(d.usable) if kind == 2 else v)
            out.append(obj)
        f.write(json_text({"timestamp": stamp, "devices": out}, pretty=not watch))
        f.flush()
        return
    head = ["%s [%s]" % (QUERY_FIELDS[k][0], QUERY_FIELDS[k][2]) if QUERY_FIELDS[k][2]
            else QUERY_FIELDS[k][0] for k in ids]
    align = "".join("r" if QUERY_FIELDS[k][3] == 1 else "l" for k in ids)
    cells = [["[N/A]" if v is None else v for v in vals] for _, vals in rows]
    if fmt == CSV and not first:  # one CSV table for the whole watch: the header once
        buf = io.StringIO(newline="")
        table_write(head, align, cells, fmt, buf)
        text = buf.getvalue()
        f.write(text[text.index("\r\n") + 2:])
    else:
        if watch and not first and fmt != CSV:
            f.write("\n")
        if watch and fmt == TABLE:
            f.write(stamp + "\n")
        table_write(head, align, cells, fmt, f)
    f.flush()


def _devices_query(c: _accel.Context, text: Optional[str], watch: float, iterations: int,
                   o: Out) -> int:
    ids = _query_fields(text)
    if ids is None:
        return 2
    stop = []
    old = {}
    if watch > 0 and not o.path:  # Ctrl-C ends the watch after the round in progress
        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, lambda *_: stop.append(1))
    try:
        it = 0
        while not stop and (iterations < 0 or it < iterations):
            t0 = time.monotonic()
            _query_round(c, ids, it == 0, watch > 0, o.fmt, o.f)
            if watch <= 0 or (iterations >= 0 and it + 1 >= iterations):
                break
            while not stop and time.monotonic() - t0 < watch:
                time.sleep(min(0.05, max(0.0, watch - (time.monotonic() - t0))))
            it += 1
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)
    return 0


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
                    "status": v["status"], "problem": v["problem"] or None})
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


def _devices_rows(devs: List[Device], fmt: int, out: TextIO) -> None:
    """csv with exact numbers, md as people read them: one row per device."""
    csv = fmt == CSV
    head = (["index", "kind", "name", "arch", "pci_bus_id", "free_bytes", "total_bytes",
             "compute_units", "routes", "usable", "verdict"] if csv else
            ["#", "kind", "name", "arch", "PCI", "memory (free/total)", "units", "routes",
             "usable", "verdict"])
    rows = []
    for d in devs:
        num = (lambda v: "" if v is None else "%d" % v)
        common_tail = [num(d.compute_units), ",".join(d.routes), "yes" if d.usable else "no",
                       d.verdict]
        if csv:
            rows.append([str(d.index), d.kind, d.name, d.arch or "", d.pci_bus_id or "",
                         num(d.memory_free), num(d.memory_total)] + common_tail)
        else:
            rows.append([str(d.index), d.kind, d.name, d.arch or "", d.pci_bus_id or "",
                         _mem_text(d)] + common_tail)
    table_write(head, "rllllrrrlll" if csv else "rlllllrlll", rows, fmt, out)


def cmd_devices(args: Sequence[str]) -> int:
    a = _parse(DEVICES, args)
    flags = _accel.CTX_NO_WARMUP | (_accel.CTX_NO_CACHE if a.v[D_NO_CACHE].set else 0)
    query = a.v[D_QUERY].s if a.v[D_QUERY].set else None
    live = a.v[D_QUERY].set or a.v[D_WATCH].set
    if live and _query_fields(query) is None:
        return 2
    if a.v[D_ITERATIONS].set and not a.v[D_WATCH].set:
        err("devices", "--iterations counts --watch readings: give --watch SECONDS too")
        return 2
    if a.v[D_WATCH].set and not a.v[D_ITERATIONS].set and a.v[D_OUTPUT].set and \
            a.v[D_OUTPUT].s != "-":
        err("devices", "-o FILE is written when the report is complete, and --watch without "
                       "--iterations never completes: add --iterations N, or redirect standard "
                       "output")
        return 2
    c = _open(flags)
    if c is None:
        return 2
    try:
        o = Out.open(DEVICES.name, a, D_JSON, D_FORMAT, D_OUTPUT)
        if o is None:
            return 2
        if live:
            _devices_query(c, query, a.v[D_WATCH].d if a.v[D_WATCH].set else 0,
                           a.v[D_ITERATIONS].i if a.v[D_ITERATIONS].set else -1, o)
            c.close()
            return o.close()
        devs = [Device._from_dict(d) for d in c.devices()]
    finally:
        c.close()
    views = _pci_views(devs)
    if o.fmt == JSON:
        o.f.write(json_text(devices_json(devs, views)))
    elif o.fmt == TABLE:
        _devices_text(devs, views, o.f)
    else:
        _devices_rows(devs, o.fmt, o.f)
    if o.text():
        _devices_text(devs, views, sys.stdout)
    return o.close()


# ---- doctor ------------------------------------------------------------------------------

DOCTOR = Verb(
    "doctor", "[--json] [--no-cache] [-o FILE]",
    "One line per check: PASS, INFO (nothing to fix here), WARN or FAIL, the component, what "
    "was seen, and the fix.",
    (Opt("--json", None, FLAG, None,
         "print the report as JSON (docs/doctor.md) on standard output"),
     OPT_NO_CACHE, OPT_OUTPUT),
    footer="exit status: 0 nothing to fix, 1 warnings only, 2 a failure that prevents GPU use "
           "(or a usage error)")


def cmd_doctor(args: Sequence[str]) -> int:
    a = _parse(DOCTOR, args)
    o = Out.open(DOCTOR.name, a, 0, -1, 2)
    if o is None:
        return 2
    flags = _accel.DOCTOR_NO_CACHE if a.v[1].set else 0
    try:
        # one run of the checks: the JSON document, from which the text is made when both
        # are wanted (-o FILE --json shows the text too)
        doc, rc = _accel.doctor(flags | (0 if o.fmt == JSON else _accel.DOCTOR_TEXT))
    except Error as e:
        err("doctor", e.message)
        o.discard()
        return 2
    o.f.write(doc)
    if o.text():
        from .doctor import Report
        sys.stdout.write(Report(json.loads(doc)).text())
    wc = o.close()
    return wc or rc


# ---- select ------------------------------------------------------------------------------

SELECT = Verb(
    "select", "[--op NAME] [--explain] [--no-cache] [--json | --format F] [-o FILE]",
    "Honours ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU and\n"
    "ACCEL_STRICT (docs/configuration.md). The csv and md formats list the candidates.",
    (opt_op("the operation to place: a family (whisper) or a preset (whisper-80);\n"
            "default: any (see `accel bench --list`)"),
     Opt("--explain", None, FLAG, None,
         "list every candidate, its score and the rule that decided"),
     OPT_NO_CACHE, OPT_JSON, OPT_FORMAT, OPT_OUTPUT),
    footer="exit status: 0 a device was chosen; 1 none may be used (ACCEL_STRICT=1\n"
           "refused a fallback, or no usable device); 2 usage or configuration error")


def _select_report(devs: List[Dict[str, Any]], op: Optional[str], cands: List[tuple],
                   warning: Optional[str], error: Optional[Error], explain: bool, fmt: int,
                   out: TextIO) -> None:
    kind = {d["index"]: d for d in devs}
    if fmt == JSON:
        chosen = next((c for c in cands if c[3]), None)
        dev = None
        if chosen is not None:
            d = kind[chosen[0]]
            dev = {"index": d["index"], "kind": _accel_kind(d), "name": d["name"],
                   "pci_bus_id": d["pci_bus_id"] or None}
        doc = {"operation": op, "device": dev,
               "error": error.message if error is not None else None,
               "warning": warning or None,
               "candidates": [{"index": i, "kind": _accel_kind(kind[i]), "name": kind[i]["name"],
                               "score": float(score), "eligible": bool(el), "chosen": bool(ch),
                               "rule": rule} for i, score, el, ch, rule in cands]}
        out.write(json_text(doc))
        return
    rows = [["*" if ch else "", str(i), _accel_kind(kind[i]), kind[i]["name"], "%.3f" % score,
             "yes" if el else "no", rule]
            for i, score, el, ch, rule in cands if explain or ch]
    table_write(["chosen", "index", "kind", "name", "score", "eligible", "rule"], "lrllrll",
                rows, fmt, out)


def _accel_kind(d: Dict[str, Any]) -> str:
    return Device._from_dict(d).kind


def _select_line(d: Dict[str, Any]) -> str:
    dev = Device._from_dict(d)
    return "%d %s %s%s%s\n" % (dev.index, dev.kind, dev.name, " " if dev.pci_bus_id else "",
                               dev.pci_bus_id or "")


def cmd_select(args: Sequence[str]) -> int:
    a = _parse(SELECT, args)
    op = a.v[0].s if a.v[0].set else None
    explain = a.v[1].set > 0
    flags = _accel.CTX_NO_WARMUP | (_accel.CTX_NO_CACHE if a.v[2].set else 0)
    c = _open(flags)
    if c is None:
        return 2
    try:
        devs = c.devices()
        # the decision as text (accel_select) and as data (accel_select_candidates): the
        # same policy, asked once each
        try:
            index, text = c.select(op, True)
            error: Optional[Error] = None
        except Error as e:
            index, text, error = -1, e.explain if explain else None, e
        if error is not None and _unknown_op(error) and op is not None:
            # the binary resolves the name before anything else: a usage error
            err("select", "--op %s: %s" % (op, error.message))
            return 2
        cands, warning, cerr = c.select_candidates(op)
        o = Out.open(SELECT.name, a, 3, 4, 5)
        if o is None:
            return 2
        if o.fmt == TABLE:
            if error is None:
                o.f.write(text if explain else _select_line(devs[index]))
            elif text and error.status != "ERR_NOT_BUILT_IN":
                o.f.write(text)  # the explanation of a refusal says why
        else:
            error = cerr
            _select_report(devs, op, cands, warning, error, explain, o.fmt, o.f)
            if o.text():  # -o FILE in another format: the same on screen, as a table
                if explain:
                    _select_report(devs, op, cands, warning, error, explain, TABLE, sys.stdout)
                elif error is None:
                    sys.stdout.write(_select_line(devs[next(x[0] for x in cands if x[3])]))
        rc = 0
        if error is not None:
            err("select", error.message)
            rc = 2 if error.status in ("ERR_NOT_FOUND", "ERR_CONFIG", "ERR_INVALID_ARG") else 1
        wc = o.close()
        return wc or rc
    finally:
        c.close()


def _unknown_op(error: Error) -> bool:
    """The failure of an operation name the library does not know."""
    return error.status == "ERR_NOT_FOUND" and (error.message.startswith("unknown operation")
                                                or error.message.startswith("no operation named"))


# ---- config ------------------------------------------------------------------------------

CONFIG = Verb(
    "config", "[--show] [--get KEY] [--json | --format table|json|csv|md] [-o FILE]",
    "Sources, strongest first: api, env, file:PATH:LINE, default.\n"
    "The file is $ACCEL_CONFIG, else $XDG_CONFIG_HOME/accel/config.ini, else\n"
    "~/.config/accel/config.ini (docs/configuration.md).",
    (Opt("--show", None, FLAG, None, "every key, its value and its source (the default)"),
     Opt("--get", None, STR, "KEY", "one key: its value, a tab, its source"),
     OPT_JSON, OPT_FORMAT, OPT_OUTPUT),
    footer="exit status: 0 shown, 2 usage or configuration error")


def config_entries(c: _accel.Context) -> List[Dict[str, str]]:
    """Every line of ``accel config --show`` as data: key, value ("" when unset), source and
    note (why a file is not read, a key that names no operation; "" when none)."""
    out = []
    for line in c.config_dump().splitlines()[1:]:
        if not line.strip():
            continue
        key = line.split(None, 1)[0]
        value, source = c.config_get(key)
        # KEY, VALUE (or how an empty one shows), SOURCE, then the note in parentheses
        shown = value or ("(none)" if key == "ACCEL_CONFIG" else "(unset)")
        rest = line[len(key):].lstrip(" ")
        if rest.startswith(shown):
            rest = rest[len(shown):].lstrip(" ")
        note = rest[len(source):].strip() if rest.startswith(source) else ""
        if note.startswith("(") and note.endswith(")"):
            note = note[1:-1]
        out.append({"key": key, "value": value, "source": source, "note": note})
    return out


def _config_entry_json(e: Dict[str, str], with_note: bool) -> Dict[str, Any]:
    d: Dict[str, Any] = {"key": e["key"], "value": e["value"] or None, "source": e["source"]}
    if with_note and e.get("note"):
        d["note"] = e["note"]
    return d


def _config_get(c: _accel.Context, key: str, fmt: int, out: TextIO) -> int:
    try:
        value, source = c.config_get(key)
    except Error as e:
        err("config", e.message)
        return 2
    if fmt == JSON:
        out.write(json_text(_config_entry_json({"key": key, "value": value, "source": source},
                                               False)))
    elif fmt == TABLE:
        out.write("%s\t%s\n" % (value, source))
    else:
        table_write(["key", "value", "source"], "lll", [[key, value, source]], fmt, out)
    return 0


def cmd_config(args: Sequence[str]) -> int:
    a = _parse(CONFIG, args)
    c = _open(_accel.CTX_NO_DISCOVERY | _accel.CTX_NO_WARMUP)
    if c is None:
        return 2
    try:
        o = Out.open(CONFIG.name, a, 2, 3, 4)
        if o is None:
            return 2
        key = a.v[1].s if a.v[1].set else None
        rc = 0
        if key is not None:
            rc = _config_get(c, key, o.fmt, o.f)
            if rc == 0 and o.text():
                _config_get(c, key, TABLE, sys.stdout)
        else:
            text = c.config_dump()
            if o.fmt == TABLE:
                o.f.write(text)
            else:
                entries = config_entries(c)
                if o.fmt == JSON:
                    o.f.write(json_text({"settings": [_config_entry_json(e, True)
                                                      for e in entries]}))
                else:
                    table_write(["key", "value", "source", "note"], "llll",
                                [[e["key"], e["value"], e["source"], e["note"]] for e in entries],
                                o.fmt, o.f)
            if o.text():
                sys.stdout.write(text)
        if rc:
            o.discard()
            return rc
        return o.close()
    finally:
        c.close()


# ---- the command -------------------------------------------------------------------------

VERBS: Dict[str, Callable[[Sequence[str]], int]] = {
    "config": cmd_config, "devices": cmd_devices, "doctor": cmd_doctor, "select": cmd_select,
}
_HELP = {
    "config": "print the effective configuration and where each value came from ([--show] [--get KEY])",
    "devices": "list every compute device, or watch their live figures ([--query F,…] [--watch S])",
    "doctor": "check the GPU stack and say how to fix it ([--json] [--no-cache] [-o FILE])",
    "select": "print the device an operation would run on ([--op NAME] [--explain] [--no-cache])",
}
#: The binary's other verbs: named, so that asking for one here says where it is.
BINARY_ONLY = ("audio", "bench", "cache", "image", "plan", "stats", "version")


def _usage(out: TextIO) -> None:
    out.write("usage: python -m accel <command> [options]\n\ncommands:\n")
    for name in sorted(VERBS):
        out.write("  %-10s %s\n" % (name, _HELP[name]))
    out.write("\n`python -m accel help <command>` or `python -m accel <command> --help` "
              "describes a\ncommand's options, as the accel binary's do. Every command takes "
              "-o FILE (the\nreport written to FILE atomically); --json and --format "
              "table|json|csv|md where\nthe binary takes them. The other commands (%s)\n"
              "are in the accel binary.\n" % ", ".join(BINARY_ONLY))


def _unknown(name: str) -> int:
    if name in BINARY_ONLY:
        sys.stderr.write("accel: error: '%s' is a command of the accel binary; python -m accel "
                         "has %s (and help)\n" % (name, ", ".join(sorted(VERBS))))
        return 2
    error_unknown(None, "command", name, sorted(VERBS) + ["help"])
    return 2


def _run(verb: Callable[[Sequence[str]], int], args: Sequence[str]) -> int:
    try:
        return verb(args)
    except SystemExit as e:  # a parse that printed help (0) or a usage error (2)
        return int(e.code or 0)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs one verb; returns the exit code the accel binary would."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        _usage(sys.stderr)
        return 2
    if args[0] == "help":
        if len(args) < 2:
            _usage(sys.stdout)
            return 0
        verb = VERBS.get(args[1])
        if verb is None:
            return _unknown(args[1])
        return _run(verb, args[2:] + ["--help"])
    if args[0] in ("--help", "-h"):
        _usage(sys.stdout)
        return 0
    if args[0] == "--version":
        sys.stdout.write("accel %s\n" % _accel.version()[0])
        return 0
    verb = VERBS.get(args[0])
    if verb is not None:
        return _run(verb, args[1:])
    if args[0].startswith("-"):
        sys.stderr.write("accel: error: '%s' before a command (usage: python -m accel <command> "
                         "[options]; see `python -m accel help`)\n" % args[0])
        return 2
    return _unknown(args[0])
