"""accel for ONNX Runtime: the ``providers`` list for ``InferenceSession`` from accel's
decision, leaving out a GPU provider whose libraries the doctor finds broken — the case where
ONNX Runtime lists the CUDA provider and then crashes or silently runs on the CPU.

    sess = onnxruntime.InferenceSession(path, providers=accel.onnxruntime.providers())

This module never imports onnxruntime: it returns plain data.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from ._args import whole
from ._context import Context
from ._policy import decide, doctor_report, library_problem

__all__ = ["providers", "ProviderList"]

Provider = Union[str, Tuple[str, Dict[str, Any]]]

# What each GPU provider loads (ONNX Runtime's CUDA provider: the CUDA runtime, cuBLAS,
# cuBLASLt, cuFFT, cuDNN; the ROCm provider: HIP) and which of them must be present.
_STACKS = {
    "cuda": ("CUDAExecutionProvider",
             ("libcuda", "libcudart", "libcublas", "libcublasLt", "libcufft", "libcudnn"),
             ("libcudart", "libcublas", "libcublasLt", "libcudnn")),
    "rocm": ("ROCMExecutionProvider", ("libamdhip64",), ("libamdhip64",)),
}


class ProviderList(list):
    """The providers, most preferred first, as InferenceSession takes them; ``reasons`` says
    what accel decided and why."""

    reasons: List[str]

    def __init__(self, items: List[Provider], reasons: List[str]) -> None:
        super().__init__(items)
        self.reasons = reasons


def providers(op: Optional[str] = None, *, context: Optional[Context] = None,
              gpu_mem_limit: Optional[int] = None) -> ProviderList:
    """The ``providers`` for an ONNX Runtime session running operation ``op`` (None: any):

    - a CUDA device: ``("CUDAExecutionProvider", {"device_id": N, "gpu_mem_limit": B})`` then
      ``"CPUExecutionProvider"``, with N the device's CUDA ordinal and B the memory plan's
      budget (free memory reduced by ACCEL_MEMORY_LIMIT_GB, ACCEL_MEMORY_FRACTION and a
      margin), or ``gpu_mem_limit`` when given;
    - a ROCm device: the same with ``"ROCMExecutionProvider"``;
    - Apple: ``"CoreMLExecutionProvider"`` then the CPU;
    - otherwise ``["CPUExecutionProvider"]``.

    When the doctor finds the provider's libraries broken (a cuDNN whose sub-libraries are
    missing, a trial load that aborts, a CUDA runtime newer than the driver) or absent, the GPU
    provider is left out with an accel.AccelWarning naming the library and the reason.
    """
    if gpu_mem_limit is not None:
        whole("gpu_mem_limit", gpu_mem_limit, 0, allowed="a number of bytes >= 0, or None")
    d = decide(op, context)
    dev = d.device
    out: List[Provider] = []
    if dev.kind in _STACKS:
        name, stems, required = _STACKS[dev.kind]
        problem = library_problem(doctor_report(), stems, required)
        if problem:
            d.note("%s left out: %s" % (name, problem), warn=True)
        else:
            limit = gpu_mem_limit if gpu_mem_limit is not None else d.budget_bytes
            opts: Dict[str, Any] = {"device_id": d.ordinal if d.ordinal is not None else 0}
            if limit:
                opts["gpu_mem_limit"] = int(limit)
            out.append((name, opts))
            d.note("%s on device_id %d, gpu_mem_limit %s bytes (%s)" % (
                name, opts["device_id"], opts.get("gpu_mem_limit", "unset"),
                "given" if gpu_mem_limit is not None else "accel's memory plan"))
    elif dev.kind == "metal":
        out.append("CoreMLExecutionProvider")
        d.note("CoreMLExecutionProvider for the Apple GPU")
    elif dev.kind != "cpu":
        d.note("ONNX Runtime has no provider for %s devices; the CPU runs it" % dev.kind)
    out.append("CPUExecutionProvider")
    return ProviderList(out, d.reasons)
