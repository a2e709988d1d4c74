"""Arrays out: accel's Buffers as numpy arrays without a copy, and plain sequences in.

Every result accel computes lands in an :class:`accel.Buffer` that owns the memory. When numpy
can be imported, calls return ``numpy.asarray(buffer)``: an ndarray that views the Buffer's
memory through the buffer protocol (no copy; the array keeps the Buffer alive through its
``base``). Without numpy they return the Buffer itself, which ``memoryview``, the ``array``
module, ``torch.from_dlpack`` and any other buffer-protocol or DLPack consumer takes as is.
"""
from __future__ import annotations

import array
import numbers
from typing import Any

from ._accel import Buffer

try:  # numpy is optional: the package neither builds nor runs against it
    import numpy as _np
except ImportError:  # pragma: no cover - exercised by the no-numpy test in a subprocess
    _np = None


def have_numpy() -> bool:
    """True when results come back as numpy arrays."""
    return _np is not None


def to_array(buf: Buffer) -> Any:
    """``numpy.asarray(buf)`` (a view, no copy) when numpy is importable and the data are in
    host memory, else ``buf`` (a GPU Buffer: DLPack, the CUDA array interface, ``to_host()``)."""
    if _np is None or buf.device is not None:
        return buf
    return _np.asarray(buf)


def is_array_like(x: Any) -> bool:
    """An object accel reads directly: the buffer protocol or DLPack."""
    if hasattr(x, "__dlpack__"):
        return True
    try:
        memoryview(x).release()
        return True
    except TypeError:
        return False


def samples_from_sequence(x: Any, name: str) -> Any:
    """A list of numbers as float32 samples (one documented copy)."""
    from ._args import type_error

    for i, v in enumerate(x):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise type_error("%s[%d]" % (name, i), "a number (a list is one clip's samples)", v,
                             "an array (numpy, torch, array.array) of float32 or int16 "
                             "samples, or a list of numbers")
    if _np is not None:
        return _np.asarray(x, dtype=_np.float32)
    return array.array("f", x)
