"""Display controllers on the PCI bus, read from sysfs as ``accel devices`` reads them (the
ground truth a GPU without a driver shows up in). ACCEL_SYSFS_ROOT redirects the root."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

_VENDORS = {0x10DE: "NVIDIA", 0x1002: "AMD", 0x8086: "Intel"}


@dataclass(frozen=True)
class PciGpu:
    """One NVIDIA, AMD or Intel display controller (PCI class 0x03xxxx)."""

    bus_id: str
    vendor_id: int
    device_id: int
    class_code: int
    vendor: str
    driver: str  # the bound kernel driver, "" when none


def _read_hex(path: str) -> Optional[int]:
    try:
        with open(path) as f:
            text = f.read().strip()
        v = int(text, 16)
    except (OSError, ValueError):
        return None
    return v if 0 <= v <= 0xFFFFFF else None


def scan(root: Optional[str] = None) -> List[PciGpu]:
    """The display controllers under <root>/bus/pci/devices, sorted by bus id."""
    root = root or os.environ.get("ACCEL_SYSFS_ROOT") or "/sys"
    base = os.path.join(root, "bus", "pci", "devices")
    try:
        names = os.listdir(base)
    except OSError:
        return []
    out = []
    for name in names:
        if name.startswith("."):
            continue
        d = os.path.join(base, name)
        cls = _read_hex(os.path.join(d, "class"))
        if cls is None or cls >> 16 != 0x03:
            continue
        ven = _read_hex(os.path.join(d, "vendor"))
        if ven not in _VENDORS:
            continue
        dev = _read_hex(os.path.join(d, "device")) or 0
        try:
            driver = os.path.basename(os.readlink(os.path.join(d, "driver")).rstrip("/"))
        except OSError:
            driver = ""
        out.append(PciGpu(name.lower(), ven, dev, cls, _VENDORS[ven], driver))
    return sorted(out, key=lambda g: g.bus_id)


def parse_bus_id(text: Optional[str]) -> Optional[Tuple[int, int, int, int]]:
    """(domain, bus, device, function) of "0000:01:00.0", "00000000:01:00.0" or "01:00.0"."""
    if not text:
        return None
    m = re.fullmatch(r"(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)", text)
    if not m:
        return None
    dom, bus, dev, fn = (int(g, 16) if g else 0 for g in m.groups())
    if dom > 0xFFFFFFFF or bus > 0xFF or dev > 0x1F or fn > 7:
        return None
    return dom, bus, dev, fn


def same_bus_id(a: Optional[str], b: Optional[str]) -> bool:
    """Both name the same PCI function, whatever their spelling."""
    x, y = parse_bus_id(a), parse_bus_id(b)
    return x is not None and x == y
