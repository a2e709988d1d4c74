"""accel for Python: the devices of this machine, what is wrong with its GPU stack, where each
operation runs, how much fits, audio front ends and image operations that fall back to the
CPU, and settings for PyTorch, ONNX Runtime, CTranslate2 and TensorFlow from the same decision.

    import accel
    with accel.Context() as ctx:
        print(ctx.devices)                       # [Device(0, cuda, 'NVIDIA …'), …, Device(n, cpu, …)]
        mel = ctx.audio.features("talk.wav", preset="whisper-80")
        q = ctx.image.quality(["a.jpg", "b.png"])  # blur, brightness, contrast, sharpness
        ctx.corpus("whisper-80", "feats/", resume=True).run(accel.read_manifest("clips.txt"))
        print(ctx.last_record)                   # device used, fallbacks and why
    print(accel.doctor().text())
    model.to(accel.torch.device())               # the device accel chose, as torch names it
    accel.dask.map_files(client, paths, "whisper-80", "feats/")  # the same, on Dask workers

The package is libaccel (linked in) behind a C extension that releases the GIL around every
call; arrays go in and out without copies through the buffer protocol and DLPack. See
docs/python.md.
"""
# No `from __future__ import annotations`, no plain `import importlib` or `from typing import
# Any`: each would be a public-looking name of the module (dir(accel) listed them).
from typing import Any as _Any

from . import _accel
from ._accel import AudioParams, Buffer
from ._context import ConfigValue, Context, OpStats, Plan, Selection
from ._corpus import (Corpus, CorpusRecord, NpyHeader, RunLog, RunSummary, npy_header,
                      output_complete, parse_manifest, path_hash, read_manifest, shard_of,
                      shard_parse)
from ._device import Device
from ._records import AudioInfo, AudioResult, RunRecord, Segment
from .doctor import Check, Report, doctor
from .errors import (BatchError, ConfigError, DeviceError, DeviceLostError, DeviceTimeoutError,
                     DisabledError, Error, FileError, FormatError, InputError, InputTypeError,
                     InternalError,
                     KernelError, NotBuiltError, NotFoundError, OutOfMemoryError, StrictError,
                     UnavailableError, UnsupportedError, VendorError)
from .errors import AccelWarning

__version__: str = _accel.version()[0]

__all__ = [
    "Context", "Device", "Selection", "Plan", "OpStats", "ConfigValue", "RunRecord",
    "AudioParams", "AudioInfo", "AudioResult", "Segment", "Buffer", "doctor", "Report",
    "Check", "version", "AccelWarning",
    "Corpus", "CorpusRecord", "RunLog", "RunSummary", "NpyHeader", "read_manifest",
    "parse_manifest", "path_hash", "shard_of", "shard_parse", "output_complete", "npy_header",
    "Error", "InputError", "InputTypeError", "ConfigError", "NotFoundError", "NotBuiltError",
    "DeviceError", "UnavailableError", "OutOfMemoryError", "KernelError", "UnsupportedError",
    "FileError", "FormatError", "DeviceTimeoutError", "DeviceLostError", "StrictError",
    "DisabledError", "VendorError", "InternalError", "BatchError",
]

#: Submodules loaded on first use: the framework adapters import nothing until called (and
#: only accel.torch imports its framework); accel.dask imports Dask's distributed.
_LAZY = ("audio", "image", "torch", "onnxruntime", "ctranslate2", "tensorflow", "dask")


def version() -> str:
    """The version of the libaccel linked into this package ("MAJOR.MINOR.PATCH")."""
    return _accel.version()[0]


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module 'accel' has no attribute %r" % name)


def __dir__() -> list:
    return sorted(list(globals()) + list(_LAZY))
