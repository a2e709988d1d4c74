"""accel for PyTorch: the device accel chose as a ``torch.device``, and the settings the TTS
write-up applied by hand — where the hardware supports them — with a report of each.

    import accel.torch
    report = accel.torch.configure()    # 8/8 checks passed (…)
    model.to(report.device)

Importing this module imports torch.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, List, Optional

import torch as _torch

from ._context import Context
from ._policy import Decision, cpu_of, decide

__all__ = ["device", "configure", "Setting", "ConfigureReport"]


def _torch_has(kind: str) -> Optional[str]:
    """None when this PyTorch can use devices of accel's ``kind``, else why not."""
    if kind == "cuda":
        if getattr(_torch.version, "hip", None):
            return "this PyTorch is built for ROCm, not CUDA"
        if not _torch.version.cuda:
            return "this PyTorch is built without CUDA (torch.version.cuda is None)"
        if not _torch.cuda.is_available():
            return "torch.cuda.is_available() is False"
        return None
    if kind == "rocm":
        if not getattr(_torch.version, "hip", None):
            return "this PyTorch is built without ROCm (torch.version.hip is None)"
        if not _torch.cuda.is_available():
            return "torch.cuda.is_available() is False"
        return None
    if kind == "metal":
        mps = getattr(_torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            return "torch.backends.mps.is_available() is False"
        return None
    if kind == "cpu":
        return None
    return "PyTorch has no %s backend" % kind


def _torch_device(d: Decision) -> Any:
    dev = d.device
    why = _torch_has(dev.kind)
    if why is None:
        return _torch.device(dev.torch_name)
    cpu = cpu_of(d.context)
    d.note("PyTorch cannot use device %d (%s %s): %s; using the CPU"
           % (dev.index, dev.kind, dev.name, why), warn=dev.kind != "cpu")
    d.device = cpu
    d.precision = d.context.precision(cpu)
    return _torch.device("cpu")


def device(op: Optional[str] = None, *, context: Optional[Context] = None) -> Any:
    """The ``torch.device`` for operation ``op`` (None: any): accel's selection (honouring
    ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU, ACCEL_STRICT) as PyTorch
    names it — "cuda:N" with N the device's CUDA/HIP ordinal, "mps", or "cpu". When PyTorch
    cannot use the chosen device (a CPU-only build, an OpenCL device) it returns the CPU and
    issues an accel.AccelWarning saying why."""
    return _torch_device(decide(op, context))


@dataclass(frozen=True)
class Setting:
    """One setting: its name, the value set (or that would be), PASS (applied or verified),
    SKIP (not applicable here) or FAIL (applying it raised), and why."""

    name: str
    value: Any
    status: str
    reason: str

    def __str__(self) -> str:
        return "%s  %s = %r: %s" % (self.status, self.name, self.value, self.reason)


@dataclass
class ConfigureReport:
    """What :func:`configure` set: every :class:`Setting`, the device to use, and the
    precision to use with ``torch.autocast`` (None: stay in float32). ``applied`` is False for
    ``configure(apply=False)``: the settings that pass would be set, and none was."""

    device: Any
    amp_dtype: Any
    settings: List[Setting] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)
    applied: bool = True

    @property
    def passed(self) -> int:
        """Checks that did not fail (applied, or skipped with a reason)."""
        return sum(s.status != "FAIL" for s in self.settings)

    @property
    def ok(self) -> bool:
        """True when no setting failed."""
        return all(s.status != "FAIL" for s in self.settings)

    def summary(self) -> str:
        """"8/8 checks passed (5 applied, 3 skipped)"; with ``apply=False`` "8/8 checks
        passed (5 to apply, 3 skipped; nothing applied: apply=False)"."""
        passing = sum(s.status == "PASS" for s in self.settings)
        skipped = sum(s.status == "SKIP" for s in self.settings)
        failed = len(self.settings) - passing - skipped
        return "%d/%d checks passed (%d %s, %d skipped%s%s)" % (
            self.passed, len(self.settings), passing, "applied" if self.applied else "to apply",
            skipped, ", %d failed" % failed if failed else "",
            "" if self.applied else "; nothing applied: apply=False")

    def __str__(self) -> str:
        return "\n".join([str(s) for s in self.settings] + [self.summary()])

    def __getitem__(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)


def _cc(dev: Any) -> str:
    return "%d.%d" % dev.compute_capability if dev.compute_capability else "unknown"


def configure(op: Optional[str] = None, *, context: Optional[Context] = None,
              apply: bool = True) -> ConfigureReport:
    """Apply accel's decision to PyTorch and report each setting (``apply`` False: only
    report what would be set):

    - device: accel's selection as a torch.device (the CPU when PyTorch cannot use it);
    - torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32: on from
      compute capability 8.0 when ACCEL_PRECISION allows tf32;
    - torch.backends.cudnn.benchmark: on for CUDA/ROCm devices (fixed input sizes tune once);
    - torch.set_num_threads: the usable cores (CPU affinity and cgroup quota applied), or
      ACCEL_NUM_THREADS;
    - OMP_NUM_THREADS and MKL_NUM_THREADS: the same number, for worker processes started later
      (kept when already set);
    - PYTORCH_MPS_HIGH_WATERMARK_RATIO=0.0 and PYTORCH_ENABLE_MPS_FALLBACK=1 on Apple MPS;
    - the autocast dtype: float16 where compute capability >= 7.0 with >= 8 GB, bfloat16
      where only that is allowed, else none (float32).
    """
    d = decide(op, context)
    ctx = d.context
    chosen = d.device
    tdev = _torch_device(d)
    dev = d.device  # the CPU when PyTorch cannot use the chosen device
    rep = ConfigureReport(tdev, None, applied=bool(apply))
    S = rep.settings

    def setting(name: str, value: Any, ok: Optional[str], skip: Optional[str], do: Any) -> None:
        if skip is not None:
            S.append(Setting(name, value, "SKIP", skip))
            return
        try:
            if apply and do is not None:
                do()
            S.append(Setting(name, value, "PASS", ok or ""))
        except Exception as exc:  # a setting PyTorch refuses is reported, not raised
            S.append(Setting(name, value, "FAIL", "%s: %s" % (type(exc).__name__, exc)))

    dev_reason = "accel chose device %d (%s %s)%s" % (
        chosen.index, chosen.kind, chosen.name, ": " + d.rule if d.rule else "")
    if dev is not chosen:
        dev_reason += "; PyTorch cannot use it: " + (_torch_has(chosen.kind) or "")
    setting("device", str(tdev), dev_reason, None, None)

    gpu = dev.kind in ("cuda", "rocm")
    if not gpu:
        tf32_skip = "no CUDA device in use (%s)" % dev.kind
    elif dev.kind == "rocm":
        tf32_skip = "TF32 is an NVIDIA format; ROCm devices do not use it"
    elif "tf32" not in d.precision:
        tf32_skip = ("compute capability %s < 8.0" % _cc(dev)
                     if not dev.compute_capability or dev.compute_capability < (8, 0)
                     else "ACCEL_PRECISION does not allow tf32")
    else:
        tf32_skip = None
    tf32_ok = "compute capability %s >= 8.0 (Ampere or newer)" % _cc(dev)

    def set_matmul() -> None:
        _torch.backends.cuda.matmul.allow_tf32 = True

    def set_cudnn_tf32() -> None:
        _torch.backends.cudnn.allow_tf32 = True

    setting("torch.backends.cuda.matmul.allow_tf32", True, tf32_ok, tf32_skip, set_matmul)
    setting("torch.backends.cudnn.allow_tf32", True, tf32_ok, tf32_skip, set_cudnn_tf32)

    def set_bench() -> None:
        _torch.backends.cudnn.benchmark = True

    setting("torch.backends.cudnn.benchmark", True,
            "cuDNN tunes its algorithms once per input shape on %s" % dev.kind,
            None if gpu else "no CUDA/ROCm device in use (%s)" % dev.kind, set_bench)

    cpu = cpu_of(ctx)
    n_cfg = ctx.config().get("ACCEL_NUM_THREADS")
    if n_cfg is not None and n_cfg.value:
        threads, why = int(n_cfg.value), "ACCEL_NUM_THREADS=%s (%s)" % (n_cfg.value, n_cfg.source)
    else:
        threads = cpu.usable_cores or os.cpu_count() or 1
        why = "%d usable core%s (CPU affinity and cgroup quota applied; %s logical)" % (
            threads, "" if threads == 1 else "s", cpu.logical_cores)

    def set_threads() -> None:
        _torch.set_num_threads(threads)

    setting("torch.set_num_threads", threads, why, None, set_threads)

    env_set = [k for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if k not in os.environ]

    def set_env() -> None:
        for k in env_set:
            os.environ[k] = str(threads)

    setting("OMP_NUM_THREADS/MKL_NUM_THREADS", threads,
            "set for worker processes started from now on (%s)" % ", ".join(env_set),
            None if env_set else "already set by the environment (%s, %s)" % (
                os.environ["OMP_NUM_THREADS"], os.environ["MKL_NUM_THREADS"]), set_env)

    mps = dev.kind == "metal"

    def set_mps() -> None:
        os.environ.setdefault("PYTORCH_MPS_HIGH_WATERMARK_RATIO", "0.0")
        os.environ.setdefault("PYTORCH_ENABLE_MPS_FALLBACK", "1")

    setting("PYTORCH_MPS_HIGH_WATERMARK_RATIO/PYTORCH_ENABLE_MPS_FALLBACK", ("0.0", "1"),
            "MPS: free memory at once, run unsupported operations on the CPU",
            None if mps else ("not an Apple MPS device (%s)" % dev.kind
                              if sys.platform == "darwin" else "not macOS"), set_mps)

    if gpu and "fp16" in d.precision:
        amp, amp_why, amp_skip = _torch.float16, "float16: compute capability %s >= 7.0 with %.0f GB" % (
            _cc(dev), (dev.memory_total or 0) / 1e9), None
    elif gpu and "bf16" in d.precision:
        amp, amp_why, amp_skip = _torch.bfloat16, "bfloat16 allowed on this device", None
    else:
        amp, amp_why = None, ""
        amp_skip = ("the CPU computes in float32 (int8 quantisation is the CPU's fast path)"
                    if dev.kind == "cpu" else
                    "float16 needs compute capability >= 7.0 with >= 8 GB (this device: %s, %.0f GB)"
                    % (_cc(dev), (dev.memory_total or 0) / 1e9))
    rep.amp_dtype = amp
    setting("autocast dtype", str(amp).replace("torch.", "") if amp else None, amp_why, amp_skip,
            None)
    rep.reasons = list(d.reasons)
    return rep
