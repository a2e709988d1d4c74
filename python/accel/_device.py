"""accel.Device: what accel knows of one device (``accel_device_info``)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Dict, Optional, Tuple

from . import _accel

_SIMD = tuple(_accel.SIMD)
_ROUTES = tuple(_accel.ROUTES)
_GIB = 1024.0 ** 3


def _num(v: int) -> Optional[int]:
    return None if v < 0 else v


def _txt(v: Optional[str]) -> Optional[str]:
    return v or None


def _tri(v: int) -> Optional[bool]:
    return None if v < 0 else bool(v)


@dataclass(frozen=True)
class Device:
    """One compute device, as ``accel devices`` lists it. Unknown values are ``None``.

    Every field of the C struct ``accel_device_info`` is here under its C name, except that
    ``mem_`` is spelled out (``mem_total`` → ``memory_total``, ``local_mem`` →
    ``local_memory``, ``cgroup_mem_limit`` → ``cgroup_memory_limit``), ``cc_major`` and
    ``cc_minor`` form ``compute_capability``, and bit masks and flags become tuples of names
    and bools. ``ordinal`` is the device's CUDA or HIP ordinal (``accel_device_ordinal()``),
    which frameworks in the same process use; accel's own ``index`` lists usable GPUs first
    and the CPU last.
    """

    index: int
    kind: str                       #: "cpu", "cuda", "rocm", "opencl", "metal"
    routes: Tuple[str, ...]         #: every API that reaches this device
    usable: bool                    #: the probe verdict allows running work here
    verdict: str                    #: "usable", or why not
    name: str
    vendor: Optional[str]
    pci_bus_id: Optional[str]
    uuid: Optional[str]
    arch: Optional[str]             #: "sm_90", "gfx90a", "x86-64-v4", "OpenCL 3.0 pocl", …
    compute_capability: Optional[Tuple[int, int]]
    compute_units: Optional[int]    #: SMs, CUs, or usable CPU cores
    memory_total: Optional[int]     #: bytes
    memory_free: Optional[int]      #: bytes, at discovery time
    driver_version: Optional[str]
    driver_cuda_version: Optional[int]
    utilization_percent: Optional[int]
    temperature_c: Optional[int]
    power_mw: Optional[int]
    memory_used: Optional[int]
    opencl_version: Optional[str]
    local_memory: Optional[int]
    max_alloc: Optional[int]
    fp16: Optional[bool]
    fp64: Optional[bool]
    physical_cores: Optional[int]
    logical_cores: Optional[int]
    usable_cores: Optional[int]     #: affinity and cgroup quota applied
    simd: Tuple[str, ...]
    cgroup_memory_limit: Optional[int]
    unified_memory: bool            #: device memory is host memory
    host_cpu: bool                  #: computes on the host's own CPU cores (e.g. PoCL)
    ordinal: Optional[int]

    @classmethod
    def _from_dict(cls, d: Dict[str, Any]) -> "Device":
        cc = (d["cc_major"], max(d["cc_minor"], 0)) if d["cc_major"] >= 0 else None
        return cls(
            index=d["index"], kind=d["kind"],
            routes=tuple(n for n, bit in _ROUTES if d["routes"] & bit),
            usable=bool(d["usable"]), verdict=d["verdict"], name=d["name"],
            vendor=_txt(d["vendor"]), pci_bus_id=_txt(d["pci_bus_id"]), uuid=_txt(d["uuid"]),
            arch=_txt(d["arch"]), compute_capability=cc,
            compute_units=_num(d["compute_units"]), memory_total=_num(d["mem_total"]),
            memory_free=_num(d["mem_free"]), driver_version=_txt(d["driver_version"]),
            driver_cuda_version=_num(d["driver_cuda_version"]),
            utilization_percent=_num(d["utilization_percent"]),
            temperature_c=_num(d["temperature_c"]), power_mw=_num(d["power_mw"]),
            memory_used=_num(d["mem_used"]), opencl_version=_txt(d["opencl_version"]),
            local_memory=_num(d["local_mem"]), max_alloc=_num(d["max_alloc"]),
            fp16=_tri(d["fp16"]), fp64=_tri(d["fp64"]),
            physical_cores=_num(d["physical_cores"]), logical_cores=_num(d["logical_cores"]),
            usable_cores=_num(d["usable_cores"]),
            simd=tuple(n for n, bit in _SIMD if d["simd"] & bit),
            cgroup_memory_limit=_num(d["cgroup_mem_limit"]),
            unified_memory=d["unified_memory"] == 1, host_cpu=d["host_cpu"] == 1,
            ordinal=_num(d["ordinal"]))

    @property
    def is_gpu(self) -> bool:
        """A device other than the CPU that does not compute on the host's cores."""
        return self.kind != "cpu" and not self.host_cpu

    @property
    def torch_name(self) -> str:
        """How PyTorch names this device: "cuda:N" (ROCm builds call HIP devices "cuda"
        too), "mps", or "cpu" for the CPU and for devices PyTorch has no backend for."""
        if self.kind in ("cuda", "rocm") and self.ordinal is not None:
            return "cuda:%d" % self.ordinal
        if self.kind == "metal":
            return "mps"
        return "cpu"

    def to_dict(self) -> Dict[str, Any]:
        """This device as one entry of ``accel devices --json`` (docs/devices.md)."""
        cpu = None
        if self.kind == "cpu":
            cpu = {"physical_cores": self.physical_cores, "logical_cores": self.logical_cores,
                   "usable_cores": self.usable_cores, "simd": list(self.simd),
                   "cgroup_memory_limit_bytes": self.cgroup_memory_limit}
        opencl = None
        if self.opencl_version or self.local_memory is not None or self.max_alloc is not None:
            opencl = {"version": self.opencl_version, "local_mem_bytes": self.local_memory,
                      "max_alloc_bytes": self.max_alloc, "fp16": self.fp16, "fp64": self.fp64}
        cc = None
        if self.compute_capability:
            cc = {"major": self.compute_capability[0], "minor": self.compute_capability[1]}
        return {
            "index": self.index, "kind": self.kind, "routes": list(self.routes),
            "usable": self.usable, "verdict": self.verdict, "name": self.name,
            "vendor": self.vendor, "pci_bus_id": self.pci_bus_id, "uuid": self.uuid,
            "arch": self.arch, "compute_capability": cc, "compute_units": self.compute_units,
            "memory": {"total_bytes": self.memory_total, "free_bytes": self.memory_free,
                       "used_bytes": self.memory_used, "unified": self.unified_memory},
            "driver": {"version": self.driver_version, "cuda_version": self.driver_cuda_version},
            "telemetry": {"utilization_percent": self.utilization_percent,
                          "temperature_c": self.temperature_c, "power_mw": self.power_mw},
            "opencl": opencl, "cpu": cpu,
        }

    def __repr__(self) -> str:
        parts = [str(self.index), self.kind, repr(self.name)]
        if self.arch:
            parts.append(self.arch)
        if self.compute_capability:
            parts.append("cc %d.%d" % self.compute_capability)
        if self.kind == "cpu" and self.usable_cores is not None:
            parts.append("%d usable core%s" % (self.usable_cores,
                                               "" if self.usable_cores == 1 else "s"))
        if self.memory_total is not None:
            if self.memory_free is not None:
                parts.append("%.1f/%.1f GiB free" % (self.memory_free / _GIB,
                                                     self.memory_total / _GIB))
            else:
                parts.append("%.1f GiB" % (self.memory_total / _GIB))
        if self.pci_bus_id:
            parts.append(self.pci_bus_id)
        parts.append(self.verdict)
        return "Device(%s)" % ", ".join(parts)


# The C fields each attribute comes from (the test compares this with include/accel.h).
C_FIELDS = {
    "index": "index", "kind": "kind", "routes": "routes", "usable": "usable",
    "verdict": "verdict", "name": "name", "vendor": "vendor", "pci_bus_id": "pci_bus_id",
    "uuid": "uuid", "arch": "arch", "cc_major": "compute_capability",
    "cc_minor": "compute_capability", "compute_units": "compute_units",
    "mem_total": "memory_total", "mem_free": "memory_free", "driver_version": "driver_version",
    "driver_cuda_version": "driver_cuda_version", "utilization_percent": "utilization_percent",
    "temperature_c": "temperature_c", "power_mw": "power_mw", "mem_used": "memory_used",
    "opencl_version": "opencl_version", "local_mem": "local_memory", "max_alloc": "max_alloc",
    "fp16": "fp16", "fp64": "fp64", "physical_cores": "physical_cores",
    "logical_cores": "logical_cores", "usable_cores": "usable_cores", "simd": "simd",
    "cgroup_mem_limit": "cgroup_memory_limit", "unified_memory": "unified_memory",
    "host_cpu": "host_cpu",
}
assert set(C_FIELDS.values()) <= {f.name for f in fields(Device)}
