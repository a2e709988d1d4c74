"""accel for CTranslate2 (faster-whisper): ``device``, ``device_index``, ``compute_type`` and
``cpu_threads`` from accel's decision, following write-up 002's table — float16 on GPUs with
compute capability >= 7.0 and >= 8 GB, int8 on the CPU — and refusing CUDA when cuDNN 9 is
unusable (the ``Unable to load libcudnn_ops.so.9`` crash).

    model = faster_whisper.WhisperModel("large-v3", **accel.ctranslate2.settings("large-v3"))

This module never imports ctranslate2: it returns plain data.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from ._args import input_error, number
from ._context import Context
from ._policy import cpu_of, decide, doctor_report, library_major, library_problem

__all__ = ["settings", "Settings", "MODEL_PARAMETERS"]

#: Parameters of the Whisper checkpoints faster-whisper loads by name (millions).
MODEL_PARAMETERS = {
    "tiny": 39, "tiny.en": 39, "base": 74, "base.en": 74, "small": 244, "small.en": 244,
    "medium": 769, "medium.en": 769, "large-v1": 1550, "large-v2": 1550, "large-v3": 1550,
    "large": 1550, "large-v3-turbo": 809, "turbo": 809, "distil-large-v2": 756,
    "distil-large-v3": 756, "distil-medium.en": 394, "distil-small.en": 166,
}

_GB = 1e9


class Settings(dict):
    """Keyword arguments for ``faster_whisper.WhisperModel`` / ``ctranslate2.models.Whisper``
    (device, device_index, compute_type, cpu_threads); ``reasons`` says why."""

    reasons: List[str]

    def __init__(self, values: Dict[str, Any], reasons: List[str]) -> None:
        super().__init__(values)
        self.reasons = reasons


def _need_bytes(params_m: float, bytes_per_param: float) -> float:
    """Memory a Whisper model takes while decoding: its weights, with a quarter more for
    activations and the beam's key/value cache, and 0.5 GB of workspace (an estimate)."""
    return params_m * 1e6 * bytes_per_param * 1.25 + 0.5 * _GB


def settings(model_size: Union[str, int, None] = None, op: Optional[str] = None, *,
             context: Optional[Context] = None) -> Settings:
    """Settings for a CTranslate2 Whisper model of ``model_size`` (a faster-whisper name such
    as "large-v3", or a number of parameters; None: not checked against memory) on the
    device accel selects for ``op`` (None: any operation):

    - CUDA, compute capability >= 7.0 with >= 8 GB (fp16 allowed): compute_type "float16";
      other CUDA GPUs from 6.1: "int8_float32"; older: "float32";
    - when the model would not fit the memory budget in float16: "int8_float16", and when not
      even that fits: the CPU;
    - the CPU: "int8" (or "float32" when ACCEL_PRECISION forbids int8), cpu_threads the
      usable cores;
    - CUDA is refused, with an accel.AccelWarning, when cuDNN 9 or cuBLAS is unusable or
      missing: CTranslate2 4 loads libcudnn_ops.so.9 for the convolutions of Whisper's
      encoder and aborts without it.
    """
    d = decide(op, context)
    dev = d.device
    cpu = cpu_of(d.context)
    params_m = None
    if model_size is not None:
        if isinstance(model_size, str):
            key = model_size.split("/")[-1].lower().replace("faster-whisper-", "")
            params_m = MODEL_PARAMETERS.get(key)
            if params_m is None:
                d.note("model size '%s' is not one accel knows; memory not checked" % model_size)
        else:
            n = number("model_size", model_size, "a faster-whisper model name such as "
                       "'large-v3', a number of parameters, or None")
            if not 0 < n < float("inf"):
                raise input_error("model_size: %r (allowed: a faster-whisper model name such as "
                                  "'large-v3', a number of parameters > 0, or None)"
                                  % (model_size,))
            params_m = n / 1e6 if n > 100000 else n
    out: Dict[str, Any] = {}
    if dev.kind == "cuda":
        report = doctor_report()
        problem = library_problem(report, ("libcudnn", "libcublas", "libcublasLt"),
                                  ("libcudnn", "libcublas"))
        major = library_major(report, "libcudnn")
        if problem is None and major is not None and major < 9:
            problem = "CTranslate2 4 needs cuDNN 9; the loader finds libcudnn.so.%d" % major
        if problem:
            d.note("CUDA refused for CTranslate2: %s" % problem, warn=True)
        else:
            cc = dev.compute_capability or (0, 0)
            if "fp16" in d.precision:
                ct = "float16"
            elif cc >= (6, 1):
                ct = "int8_float32"
            else:
                ct = "float32"
            budget = d.budget_bytes or dev.memory_free or 0
            if params_m is not None and ct == "float16" and _need_bytes(params_m, 2) > budget:
                ct = "int8_float16"
                d.note("float16 needs about %.1f GB, the budget is %.1f GB: int8_float16"
                       % (_need_bytes(params_m, 2) / _GB, budget / _GB))
            per = {"float16": 2, "int8_float16": 1, "int8_float32": 1, "float32": 4}[ct]
            if params_m is not None and _need_bytes(params_m, per) > budget:
                d.note("%s needs about %.1f GB, the budget is %.1f GB: the CPU runs it"
                       % (ct, _need_bytes(params_m, per) / _GB, budget / _GB), warn=True)
            else:
                out = {"device": "cuda", "device_index": d.ordinal or 0, "compute_type": ct,
                       "cpu_threads": cpu.usable_cores or 0}
                d.note("cuda device_index %d, %s (compute capability %s, %.0f GB)" % (
                    out["device_index"], ct, "%d.%d" % cc, (dev.memory_total or 0) / _GB))
    elif dev.kind != "cpu":
        d.note("CTranslate2 has no %s backend; the CPU runs it" % dev.kind)
    if not out:
        cpu_prec = d.context.precision(cpu)
        ct = "int8" if "int8" in cpu_prec else "float32"
        out = {"device": "cpu", "device_index": 0, "compute_type": ct,
               "cpu_threads": cpu.usable_cores or 0}
        d.note("cpu, %s, %d threads (usable cores)" % (ct, out["cpu_threads"]))
    return Settings(out, d.reasons)
