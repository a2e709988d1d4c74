"""accel's exceptions: one class per family of status codes of ``include/accel.h``.

Every exception accel raises is an :class:`Error`. Each carries

``status``
    the status code's name without prefix, as ``accel_status_name()`` gives it
    (``"ERR_DEVICE_OOM"``);
``code``
    its number in the one status list of ``accel.h`` (never renumbered);
``message``
    accel's detailed message: the input or setting, the reason, and for a setting the
    values allowed (``accel_last_error()``).

Some carry more: ``explain`` (a selection that failed: every candidate and why) and ``record``
(an operation that failed on every device: what was tried, as a :class:`accel.RunRecord`).

The classes also derive from the built-in exception that fits (``ValueError`` for bad inputs
and settings, ``TypeError`` too for an argument of the wrong type, ``MemoryError`` for memory,
``OSError`` for files, ``LookupError`` for unknown names, ``TimeoutError``), so generic
handlers keep working.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Type

__all__ = [
    "Error", "InputError", "InputTypeError", "ConfigError", "NotFoundError", "NotBuiltError",
    "DeviceError", "UnavailableError", "OutOfMemoryError", "KernelError", "UnsupportedError",
    "FileError", "FormatError", "DeviceTimeoutError", "DeviceLostError", "StrictError",
    "DisabledError", "VendorError", "InternalError", "BatchError",
]


class Error(Exception):
    """Base of every exception accel raises."""

    status: str = "ERR_INTERNAL"
    code: int = 17
    message: str = ""
    explain: Optional[str] = None
    record: Any = None

    def __init__(self, message: str = "", *, status: Optional[str] = None,
                 code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return "%s [%s]" % (self.message, self.status) if self.message else self.status


class InputError(Error, ValueError):
    """An argument is wrong: its type, dtype, rank, value (ERR_INVALID_ARG)."""


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type: a string or a list where a number is expected, a float
    where a whole number is, None where a value is required (ERR_INVALID_ARG). The message
    names the argument, what it takes and what it got. An InputError (so a ValueError) for
    the handlers written for those, and a TypeError, as Python's own functions raise."""


class ConfigError(Error, ValueError):
    """A setting has a value it cannot have; the message names the values allowed (ERR_CONFIG)."""


class NotFoundError(Error, LookupError):
    """An operation, device, configuration key or file that does not exist (ERR_NOT_FOUND)."""


class NotBuiltError(Error):
    """Needs a part this build of accel lacks, e.g. a decoder library (ERR_NOT_BUILT_IN)."""


class DeviceError(Error):
    """A device or its vendor stack failed (base of the device failures below)."""


class UnavailableError(DeviceError):
    """A device or library is unavailable; no device may run the operation (ERR_UNAVAILABLE)."""


class OutOfMemoryError(Error, MemoryError):
    """Out of device memory (ERR_DEVICE_OOM) or of host memory (ERR_NO_MEMORY)."""


class KernelError(DeviceError):
    """A kernel failed to build or launch (ERR_KERNEL)."""


class UnsupportedError(Error):
    """The operation is not supported on this device (ERR_UNSUPPORTED)."""


class FileError(Error, OSError):
    """A file could not be read or written (ERR_IO)."""


class FormatError(InputError):
    """Corrupt, truncated or unsupported data (ERR_FORMAT)."""


class DeviceTimeoutError(DeviceError, TimeoutError):
    """Something timed out, e.g. a vendor stack's probe (ERR_TIMEOUT)."""


class DeviceLostError(DeviceError):
    """A device was lost during the context's life (ERR_DEVICE_LOST)."""


class StrictError(Error):
    """A fallback was refused because strict mode is on (ERR_STRICT); see ``explain``/``record``."""


class DisabledError(Error):
    """Disabled by configuration, e.g. ACCEL_<OP>_GPU=0 with a GPU required (ERR_DISABLED)."""


class VendorError(DeviceError):
    """A vendor library reported an error; its message is kept (ERR_VENDOR)."""


class InternalError(Error):
    """A bug in accel (ERR_INTERNAL): please report it with the message."""


class BatchError(Error):
    """Some items of a batch failed and the others were computed (the image calls).

    ``status``, ``code`` and the message are those of the first failure. ``errors`` holds one
    entry per input, in input order: ``None`` for an item that succeeded, else its own
    exception (an Error subclass naming the item and the reason: ``FormatError`` for a corrupt
    file, ``InputError`` for an array that is not an image …). ``results`` holds what was
    computed, in input order: a list with ``None`` where an item failed, or, for calls whose
    result is one stacked array (blobs, ArcFace crops), that array, whose failed rows are NaN
    (float) or zero (uint8). ``failed`` lists the indices of the failed items.

    A BatchError is not an InputError or a FormatError even when every failure is one: catch
    it to keep the items that succeeded."""

    results: Any = None
    errors: List[Optional[Error]] = []

    @property
    def failed(self) -> List[int]:
        """The indices of the items that failed."""
        return [i for i, e in enumerate(self.errors) if e is not None]

    @classmethod
    def _of(cls, op: str, what: str, results: Any, errors: List[Optional[Error]]) -> "BatchError":
        bad = [e for e in errors if e is not None]
        first = bad[0]
        msg = "%s: %d of %d %s failed; the others are done (BatchError.results); first: %s" % (
            op, len(bad), len(errors), what, first.message or first.status)
        exc = cls(msg, status=first.status, code=first.code)
        exc.results = results
        exc.errors = list(errors)
        return exc


_BY_STATUS: Dict[str, Type[Error]] = {
    "ERR_INVALID_ARG": InputError,
    "ERR_NO_MEMORY": OutOfMemoryError,
    "ERR_CONFIG": ConfigError,
    "ERR_NOT_FOUND": NotFoundError,
    "ERR_NOT_BUILT_IN": NotBuiltError,
    "ERR_UNAVAILABLE": UnavailableError,
    "ERR_DEVICE_OOM": OutOfMemoryError,
    "ERR_KERNEL": KernelError,
    "ERR_UNSUPPORTED": UnsupportedError,
    "ERR_IO": FileError,
    "ERR_FORMAT": FormatError,
    "ERR_TIMEOUT": DeviceTimeoutError,
    "ERR_DEVICE_LOST": DeviceLostError,
    "ERR_STRICT": StrictError,
    "ERR_DISABLED": DisabledError,
    "ERR_VENDOR": VendorError,
    "ERR_INTERNAL": InternalError,
}


def error_class(status: str) -> Type[Error]:
    """The exception class accel raises for a status name (``Error`` for unknown ones)."""
    return _BY_STATUS.get(status, Error)


def _from_status(code: int, status: str, message: str, extra: Optional[dict]) -> Error:
    """Called by the extension: the exception for a failed status, not yet raised."""
    cls = error_class(status)
    if extra and extra.get("type_error") and cls is InputError:
        cls = InputTypeError
    exc = cls(message, status=status, code=code)
    if extra:
        if "explain" in extra:
            exc.explain = extra["explain"]
        if "record" in extra:
            from ._records import RunRecord
            exc.record = RunRecord._from_dict(extra["record"], None)
    return exc


class AccelWarning(UserWarning):
    """A decision accel took for the caller, and why: a GPU left out of a framework's settings
    because the doctor found its stack broken, a requested device that is absent."""


__all__.append("AccelWarning")
