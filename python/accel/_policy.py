"""One decision for every framework: the device accel's policy selects for an operation, its
runtime ordinal, the number formats it may use, its memory budget, and whether the vendor
libraries a framework's GPU path loads are usable (the doctor, not just "listed"). The adapters
(accel.torch, accel.onnxruntime, accel.ctranslate2, accel.tensorflow) turn it into settings.

So ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU, ACCEL_MEMORY_LIMIT_GB,
ACCEL_MEMORY_FRACTION and ACCEL_PRECISION steer every framework the same way.
"""
from __future__ import annotations

import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple

from ._args import type_error
from ._context import Context
from ._device import Device
from .doctor import Report, doctor
from .errors import AccelWarning, NotFoundError, UnsupportedError

_lock = threading.Lock()
_default: Optional[Context] = None
_report: Optional[Report] = None


def default_context() -> Context:
    """The context the adapters use when none is given: made on first use with the
    environment's and the configuration file's settings, kernels compiled on first use."""
    global _default
    with _lock:
        if _default is None or _default.closed:
            _default = Context(warmup=False)
        return _default


def doctor_report() -> Report:
    """The doctor's report, run once per process (the adapters only need it when a GPU is
    chosen; it runs every trial load in a child and takes a second or so)."""
    global _report
    with _lock:
        if _report is None:
            _report = doctor()
        return _report


def _reset() -> None:
    """Forget the default context and the doctor's report (tests; after changing the
    environment)."""
    global _default, _report
    with _lock:
        if _default is not None:
            _default.close()
        _default, _report = None, None


@dataclass
class Decision:
    """What accel decided for an operation: the device, its framework ordinal, the formats
    it may use, its memory budget in bytes (None for the CPU), and why."""

    context: Context
    op: Optional[str]
    device: Device
    precision: frozenset
    budget_bytes: Optional[int]
    rule: str
    reasons: List[str] = field(default_factory=list)

    @property
    def ordinal(self) -> Optional[int]:
        """The device's CUDA or HIP ordinal (what frameworks call device N)."""
        return self.device.ordinal

    def note(self, text: str, warn: bool = False) -> None:
        """Adds a reason; with ``warn`` also issues an AccelWarning (attributed to the first
        caller outside the accel package)."""
        self.reasons.append(text)
        if warn:
            warnings.warn(text, AccelWarning, stacklevel=_caller_level())


_PKG = os.path.dirname(os.path.abspath(__file__))


def _caller_level() -> int:
    """The stacklevel of the first frame outside this package, as seen from warnings.warn()
    called in Decision.note."""
    f, level = sys._getframe(2), 2
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == _PKG:
        f, level = f.f_back, level + 1
    return level


def _rule(explain: str) -> str:
    """The rule or setting that placed the chosen candidate, from the explanation."""
    for line in explain.splitlines():
        if line.lstrip().startswith("* "):
            m = re.search(r"score\s+-?[0-9.]+\s+(.*)$", line)
            return (m.group(1) if m else line.strip()).strip()
    return ""


def decide(op: Optional[str] = None, context: Optional[Context] = None) -> Decision:
    """accel's decision for ``op`` (None: any operation) on ``context`` (None: the default)."""
    if context is not None and not isinstance(context, Context):
        raise type_error("context", "an accel.Context", context, "an accel.Context, or None for "
                         "the default one")
    ctx = context if context is not None else default_context()
    sel = ctx.select(op, explain=True)
    dev = sel.device
    budget = None
    if dev.kind != "cpu":
        budget = _budget(ctx, op, dev)
    d = Decision(ctx, op, dev, ctx.precision(dev), budget, _rule(sel.explain))
    what = "for %s" % op if op else "for any operation"
    d.note("accel chose device %d (%s %s) %s%s" % (dev.index, dev.kind, dev.name, what,
                                                 ": " + d.rule if d.rule else ""))
    return d


def _budget(ctx: Context, op: Optional[str], dev: Device) -> Optional[int]:
    """The device's memory budget (free memory after ACCEL_MEMORY_LIMIT_GB,
    ACCEL_MEMORY_FRACTION and the keep-free margin). It does not depend on the operation;
    operations without a planning case are planned as "convert"."""
    for name in ([op] if op else []) + ["convert"]:
        try:
            return ctx.plan_batch(name, 1, dev.index).budget_bytes
        except (UnsupportedError, NotFoundError):
            continue
    return None


def cpu_of(ctx: Context) -> Device:
    """The CPU device (always last)."""
    return ctx.devices[-1]


def _of_stem(lib: str, stem: str) -> bool:
    """"libcudnn.so.9", "libcudnn.so.*" and "libcudnn" (the doctor's id when none is
    installed) are of stem "libcudnn"; "libcudnn_ops.so.9" and "libcublasLt.so.12" are not of
    "libcudnn" and "libcublas"."""
    return lib == stem or lib.startswith(stem + ".")


def library_problem(report: Report, stems: Sequence[str],
                    required: Sequence[str] = ()) -> Optional[str]:
    """Why the libraries ``stems`` (e.g. "libcudnn") cannot serve a framework's GPU path, or
    None: a library check that FAILs (a trial load that crashed or hung, a sub-library
    missing, a runtime newer than the driver), or a ``required`` stem the loader does not
    find at all."""
    for c in report.checks:
        lib = c.id[4:] if c.id.startswith("lib:") else (
            c.id.split(":", 1)[1] if c.id.startswith("cuda.compat:") else None)
        if lib is None or c.status != "FAIL":
            continue
        if any(_of_stem(lib, s) or lib.startswith(s + "_") for s in stems):
            return "%s: %s" % (lib, c.seen)
    for s in required:
        checks = [c for c in report.checks if c.id.startswith("lib:") and _of_stem(c.id[4:], s)]
        if checks and not any(c.found for c in checks):
            return "%s not found by the loader: %s%s" % (
                checks[0].id[4:], checks[0].seen, "; fix: " + checks[0].fix if checks[0].fix else "")
    return None


def library_major(report: Report, stem: str) -> Optional[int]:
    """The major version of the ``stem`` the loader finds (from its soname), or None."""
    best = None
    for c in report.checks:
        if c.id.startswith("lib:" + stem + ".so.") and c.found:
            m = re.match(r"lib:%s\.so\.(\d+)" % re.escape(stem), c.id)
            if m:
                best = max(best or 0, int(m.group(1)))
    return best
