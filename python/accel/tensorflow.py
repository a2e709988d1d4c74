"""accel for TensorFlow: the device, memory fraction and allow-growth that write-up 001's
``get_tf_session_config`` computed by hand, from accel's decision and memory plan.

    s = accel.tensorflow.settings()
    config = tf.compat.v1.ConfigProto(device_count=s["device_count"])
    config.gpu_options.allow_growth = s["allow_growth"]
    if s["per_process_gpu_memory_fraction"]:
        config.gpu_options.per_process_gpu_memory_fraction = s["per_process_gpu_memory_fraction"]
    config.gpu_options.visible_device_list = s["visible_device_list"]

This module never imports tensorflow: it returns plain data.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

from ._context import Context
from ._policy import decide, doctor_report, library_problem

__all__ = ["settings", "Settings"]

# TensorFlow's CUDA build loads the runtime, cuBLAS, cuFFT and cuDNN at start.
_CUDA_STEMS = ("libcuda", "libcudart", "libcublas", "libcublasLt", "libcufft", "libcudnn")
_CUDA_REQUIRED = ("libcudart", "libcublas", "libcufft", "libcudnn")


class Settings(dict):
    """device ("/GPU:0" or "/CPU:0"), device_type, device_index, visible_device_list,
    per_process_gpu_memory_fraction (None: no cap), memory_limit_mb (for TF2's
    ``tf.config.set_logical_device_configuration``), allow_growth, device_count
    ({"GPU": 0} on the CPU, as the write-up sets); ``reasons`` says why."""

    reasons: List[str]

    def __init__(self, values: Dict[str, Any], reasons: List[str]) -> None:
        super().__init__(values)
        self.reasons = reasons


def settings(op: Optional[str] = None, *, context: Optional[Context] = None,
             allow_growth: Optional[bool] = None) -> Settings:
    """TensorFlow settings for operation ``op`` (None: any) on the device accel selects.

    On a CUDA or ROCm GPU: the device as TensorFlow numbers it (its ordinal), the memory
    fraction from accel's plan (the budget after ACCEL_MEMORY_LIMIT_GB, ACCEL_MEMORY_FRACTION
    and a margin, over the device's total), and ``allow_growth`` True unless given (memory is
    taken as needed, so a shared GPU is not claimed whole). On Apple: "/GPU:0" (the
    tensorflow-metal plugin). Otherwise, or when the doctor finds the CUDA libraries
    TensorFlow loads broken or missing (with an accel.AccelWarning), the CPU with GPUs hidden.
    """
    d = decide(op, context)
    dev = d.device
    growth = True if allow_growth is None else bool(allow_growth)
    out: Dict[str, Any] = {}
    gpu = dev.kind in ("cuda", "rocm")
    if dev.kind == "cuda":
        problem = library_problem(doctor_report(), _CUDA_STEMS, _CUDA_REQUIRED)
        if problem:
            d.note("GPU refused for TensorFlow: %s" % problem, warn=True)
            gpu = False
    elif dev.kind == "rocm":
        problem = library_problem(doctor_report(), ("libamdhip64",), ("libamdhip64",))
        if problem:
            d.note("GPU refused for TensorFlow: %s" % problem, warn=True)
            gpu = False
    if gpu:
        ordinal = d.ordinal or 0
        frac = None
        limit_mb = None
        if d.budget_bytes and dev.memory_total:
            frac = math.floor(1000.0 * d.budget_bytes / dev.memory_total) / 1000.0
            limit_mb = int(d.budget_bytes // (1024 * 1024))
        out = {"device": "/GPU:%d" % ordinal, "device_type": "GPU", "device_index": ordinal,
               "visible_device_list": str(ordinal), "per_process_gpu_memory_fraction": frac,
               "memory_limit_mb": limit_mb, "allow_growth": growth, "device_count": {}}
        d.note("/GPU:%d, memory fraction %s (%s MB of %.1f GB), allow_growth %s" % (
            ordinal, frac, limit_mb, (dev.memory_total or 0) / 1e9, growth))
    elif dev.kind == "metal":
        out = {"device": "/GPU:0", "device_type": "GPU", "device_index": 0,
               "visible_device_list": "0", "per_process_gpu_memory_fraction": None,
               "memory_limit_mb": None, "allow_growth": growth, "device_count": {}}
        d.note("/GPU:0 through tensorflow-metal")
    else:
        if dev.kind not in ("cpu", "cuda", "rocm"):
            d.note("TensorFlow has no %s backend; the CPU runs it" % dev.kind)
        out = {"device": "/CPU:0", "device_type": "CPU", "device_index": 0,
               "visible_device_list": "", "per_process_gpu_memory_fraction": None,
               "memory_limit_mb": None, "allow_growth": growth, "device_count": {"GPU": 0}}
        d.note("/CPU:0 with GPUs hidden (device_count GPU=0)")
    return Settings(out, d.reasons)
