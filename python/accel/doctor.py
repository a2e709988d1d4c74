"""accel.doctor(): what is wrong with this machine's accelerator stack, and how to fix it.

The same checks as ``accel doctor`` (docs/doctor.md), through ``accel_doctor()``: every
vendor library an ML stack loads and how the loader resolves it, trial loads in a
crash-isolated child, driver and runtime versions, device nodes, visible-device variables, the
devices' verdicts. Nothing is loaded into this process.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from . import _accel

__all__ = ["doctor", "Report", "Check"]


@dataclass(frozen=True)
class Check:
    """One check: a stable ``id`` ("lib:libcudnn.so.9", "nvidia.kernel_module", …),
    ``status`` "PASS", "INFO" (a part this machine neither has nor needs: nothing to check,
    nothing to fix), "WARN" or "FAIL", the ``component``, what was ``seen``, the ``fix`` in one
    sentence (None for PASS and INFO), and for library checks the ``library`` resolution and
    trial load as the JSON report gives them."""

    id: str
    status: str
    component: str
    seen: str
    fix: Optional[str]
    library: Optional[Dict[str, Any]]

    @property
    def ok(self) -> bool:
        """True when there is nothing to fix: PASS or INFO."""
        return self.status in ("PASS", "INFO")

    @property
    def found(self) -> Optional[bool]:
        """For library checks: whether the loader finds the library (None otherwise)."""
        return None if self.library is None else bool(self.library.get("found"))

    def __str__(self) -> str:
        line = "%s  %s: %s" % (self.status, self.component, self.seen)
        return line + (" -- fix: %s" % self.fix if self.fix else "")


class Report:
    """The doctor's report: ``checks`` in the order ``accel doctor`` prints them, the
    ``exit_code`` (0 nothing to fix: every check passed or is for information, 1 the worst is
    a warning, 2 a failure prevents GPU use), ``summary`` and ``hardware`` as in the JSON
    document."""

    def __init__(self, document: Dict[str, Any]) -> None:
        self._doc = document
        self.checks: List[Check] = [
            Check(c["id"], c["status"], c["component"], c["seen"], c.get("fix"), c.get("library"))
            for c in document["checks"]]
        self.exit_code: int = document["exit_code"]
        self.summary: Dict[str, Any] = document["summary"]
        self.hardware: Dict[str, Any] = document.get("hardware", {})
        self.accel_version: str = document.get("accel_version", "")

    @property
    def ok(self) -> bool:
        """True when nothing needs fixing (every check is PASS or INFO)."""
        return self.exit_code == 0

    @property
    def failures(self) -> List[Check]:
        """The checks that FAIL."""
        return [c for c in self.checks if c.status == "FAIL"]

    @property
    def warnings(self) -> List[Check]:
        """The checks that WARN."""
        return [c for c in self.checks if c.status == "WARN"]

    def check(self, id: str) -> Optional[Check]:
        """The check with this id, or None."""
        for c in self.checks:
            if c.id == id:
                return c
        return None

    def find(self, prefix: str) -> List[Check]:
        """The checks whose id starts with ``prefix`` ("lib:libcudnn")."""
        return [c for c in self.checks if c.id.startswith(prefix)]

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document (docs/schemas/doctor.schema.json) as Python data."""
        return json.loads(json.dumps(self._doc))

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The JSON document, as ``accel doctor --json`` prints it."""
        return json.dumps(self._doc, indent=indent, ensure_ascii=False)

    def text(self) -> str:
        """The text report, as ``accel doctor`` prints it: one line per check, then
        "N/M checks passed, K for information, W warnings, F failures (exit code E)", where M
        leaves out the INFO checks (they neither pass nor fail) and the information part is
        there only when K > 0."""
        s = self.summary
        info = s.get("info", 0)
        lines = [str(c) for c in self.checks]
        lines.append("%d/%d checks passed%s, %d warning%s, %d failure%s (exit code %d)" % (
            s["pass"], s["total"] - info, ", %d for information" % info if info else "",
            s["warn"], "" if s["warn"] == 1 else "s", s["fail"], "" if s["fail"] == 1 else "s",
            self.exit_code))
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return "<accel.doctor Report: %s, exit code %d>" % (self.summary.get("text", ""),
                                                            self.exit_code)


def doctor(*, no_cache: bool = False) -> Report:
    """Run every check of ``accel doctor`` and return the :class:`Report`. ``no_cache``
    probes every vendor stack afresh instead of taking cached verdicts."""
    text, _rc = _accel.doctor(_accel.DOCTOR_NO_CACHE if no_cache else 0)
    return Report(json.loads(text))
