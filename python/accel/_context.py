"""accel.Context: devices, selection, configuration, plans, statistics and operations of one
accel context, shared safely between threads."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Literal, Optional, Tuple, Union, overload

from . import _accel
from ._args import choice, number, text, type_error, whole
from ._arrays import to_array
from ._device import Device
from ._records import RunRecord
from .errors import InputError

# the kinds and aliases of the backend table, as the CLI's --device takes them
_KINDS = ("cpu", "cuda", "rocm", "hip", "opencl", "metal", "mps")
_ALIASES = {"hip": "rocm", "mps": "metal"}
_PRECISION = tuple(_accel.PRECISION)

DeviceSpec = Union[None, int, str, Device]


def _input_error(msg: str) -> InputError:
    return InputError(msg, status="ERR_INVALID_ARG", code=1)


def setting_key(name: str) -> str:
    """The configuration key of a keyword setting: ``batch_size`` → ``ACCEL_BATCH_SIZE``,
    ``whisper_gpu`` → ``ACCEL_WHISPER_GPU``; ``ACCEL_*`` names are kept as they are."""
    key = name.upper()
    if not key.startswith("ACCEL_") and key != "GPU_BACKEND":
        key = "ACCEL_" + key
    return key


def setting_value(key: str, value: Any) -> str:
    """A setting's value as the configuration text accel parses (True → "1", 0.8 → "0.8")."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise type_error(key, "a setting value", value, "str, int, float, bool")


def device_options(device: DeviceSpec, backend: Optional[str]) -> List[Tuple[str, str]]:
    """ACCEL_DEVICE / ACCEL_BACKEND for a device given as an index, a PCI bus id, a kind
    ("cuda", "cpu", "hip" … in any case, as the CLI's --device takes them), "auto" or a
    Device. A word that is none of these raises accel.ConfigError with the CLI's reason and
    the values allowed ("device 'tpu': unknown device; did you mean 'cpu'? allowed: …")."""
    if device is None:
        return []
    if isinstance(device, Device):
        return [("ACCEL_DEVICE", device.pci_bus_id or str(device.index))]
    if isinstance(device, bool) or not isinstance(device, (int, str)):
        raise type_error("device", "a device", device, "an index, a PCI bus id, a kind such as "
                         "'cuda' or 'cpu', 'auto', or an accel.Device")
    if isinstance(device, int):
        if device < 0:
            raise _input_error("device: %d (allowed: an index >= 0)" % device)
        return [("ACCEL_DEVICE", str(device))]
    d = device.strip().lower()
    if ":" in d and d.split(":", 1)[0] in _KINDS:
        raise _input_error("device '%s': accel names devices by its own index or PCI bus id "
                           "(see Context().devices; Device.ordinal is the framework's number)"
                           % device)
    setting = _accel.device_setting(device.strip())  # the CLI's words and refusals
    if setting is None:
        return []
    key, value = setting
    if key == "ACCEL_BACKEND" and backend is not None:
        b = backend.strip().lower()
        if _ALIASES.get(b, b) not in (value, "auto"):
            raise _input_error("device '%s' and backend '%s' disagree" % (device, backend))
    return [(key, value)]


@dataclass(frozen=True)
class Selection:
    """The result of ``ctx.select(op, explain=True)``: the device and the explanation (every
    candidate with its score and the rule or setting that decided)."""

    device: Device
    explain: str

    @property
    def index(self) -> int:
        """The chosen device's index."""
        return self.device.index

    def __str__(self) -> str:
        return self.explain


@dataclass(frozen=True)
class Plan:
    """How much of an operation fits a device (``accel_plan``): the usable budget after limits
    and margin, the memory formula bytes = fixed + per_item·n, the largest batch, the chunk
    length for long inputs (0 when not applicable), and why."""

    device: int
    budget_bytes: int
    bytes_fixed: int
    bytes_per_item: int
    batch: int
    chunk_seconds: float
    calibrated: bool
    why: str


@dataclass(frozen=True)
class OpStats:
    """Counters of one operation since the context was created: calls, fallbacks by reason,
    calls that failed on every device, time lost in failed attempts."""

    op: str
    calls: int
    fallbacks: Dict[str, int]
    failures: int
    time_lost_ms: float


@dataclass(frozen=True)
class ConfigValue:
    """A setting's effective value (``None`` when unset) and where it came from: "api",
    "env", "file:PATH:LINE" or "default"."""

    value: Optional[str]
    source: str


class Context:
    """An accel context: the devices found, the configuration, the selection policy, the
    executor with its per-operation fallback, and counters.

    Settings given here override the environment and the configuration file, as options do
    in C (``accel_ctx_create``)::

        ctx = accel.Context(backend="cuda", memory_limit_gb=8, strict=True, batch_size=32,
                            whisper_gpu=False)

    ``backend`` sets ACCEL_BACKEND (auto, cuda, rocm, opencl, cpu, metal/mps); ``device`` a
    device index, a PCI bus id or a kind (as the CLI's ``--device``); ``memory_limit_gb``,
    ``memory_fraction``, ``strict`` and ``num_threads`` the keys of those names; any other
    keyword is a configuration key without its ``ACCEL_`` prefix (or with it). ``discovery``
    False looks for the CPU only, ``warmup`` False compiles kernels on first use instead of
    now, ``cache`` False probes vendor stacks afresh.

    A context is safe to share between threads: every call releases the GIL, so threads
    compute in parallel. Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, backend: Optional[str] = None, device: DeviceSpec = None,
                 memory_limit_gb: Optional[float] = None,
                 memory_fraction: Optional[float] = None, strict: Optional[bool] = None,
                 num_threads: Optional[int] = None, *, discovery: bool = True,
                 warmup: bool = True, cache: bool = True, **settings: Any) -> None:
        opts: List[Tuple[str, str]] = []
        # the named keywords' types (a setting may also be given as its text, as in the
        # environment: "8", "0.5", "1")
        for key, v, kind in (("memory_limit_gb", memory_limit_gb, "number"),
                             ("memory_fraction", memory_fraction, "number"),
                             ("num_threads", num_threads, "whole number")):
            if v is None or isinstance(v, str):
                continue
            if kind == "number":
                number(key, v, "a number, or its text")
            else:
                whole(key, v, allowed="a whole number, or its text")
        if backend is not None and not isinstance(backend, str):
            raise type_error("backend", "a string", backend,
                             "auto, cuda, rocm, opencl, metal, cpu (hip = rocm, mps = metal)")
        if backend is not None:
            opts.append(("ACCEL_BACKEND", setting_value("ACCEL_BACKEND", backend)))
        opts += device_options(device, backend)
        named = (("ACCEL_MEMORY_LIMIT_GB", memory_limit_gb),
                 ("ACCEL_MEMORY_FRACTION", memory_fraction), ("ACCEL_STRICT", strict),
                 ("ACCEL_NUM_THREADS", num_threads))
        opts += [(k, setting_value(k, v)) for k, v in named if v is not None]
        for name, value in settings.items():
            if value is not None:
                key = setting_key(name)
                opts.append((key, setting_value(key, value)))
        flags = ((0 if discovery else _accel.CTX_NO_DISCOVERY)
                 | (0 if warmup else _accel.CTX_NO_WARMUP) | (0 if cache else _accel.CTX_NO_CACHE))
        self._options = tuple(opts)
        self._flags = flags
        self._c = _accel.Context(self._options, flags)
        self._lock = threading.Lock()
        self._derived: Dict[Tuple[Tuple[str, str], ...], _accel.Context] = {}
        self._closing = False  # set under _lock by close(): no context is derived after it
        self._local = threading.local()
        # fixed once discovery is done; read now so records stay readable after close()
        self._devices: List[Device] = [Device._from_dict(d) for d in self._c.devices()]
        self._audio = None
        self._image = None

    # ---- life --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the devices and threads; waits for calls in progress. Idempotent. Final
        for every thread: a call with ``device=`` made during or after it raises "closed"
        instead of opening a context of its own."""
        with self._lock:
            # under the lock _for() takes, so a context it derives is in this list or never made
            self._closing = True
            derived = list(self._derived.values())
            self._derived.clear()
        for c in derived:
            c.close()
        self._c.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran (from the moment it started)."""
        return self._closing or self._c.closed

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return "<accel.Context closed>"
        devs = ", ".join("%d %s" % (d.index, d.kind) for d in self.devices)
        opts = " ".join("%s=%s" % kv for kv in self._options)
        return "<accel.Context devices [%s]%s>" % (devs, " " + opts if opts else "")

    # ---- devices and selection ---------------------------------------------------------

    @property
    def devices(self) -> List[Device]:
        """Every device, usable GPUs first, the CPU last (``accel devices``). Free memory is
        as discovery found it."""
        return list(self._devices)

    def device(self, index: int) -> Device:
        """The device with this index (accel.NotFoundError when there is none, accel.InputTypeError
        for an index that is not a whole number)."""
        devs = self.devices
        whole("index", index, allowed="a device index, 0..%d" % (len(devs) - 1))
        if not 0 <= index < len(devs):
            from .errors import NotFoundError
            raise NotFoundError("device %r does not exist (this context has %d devices, 0..%d)"
                                % (index, len(devs), len(devs) - 1),
                                status="ERR_NOT_FOUND", code=4)
        return devs[index]

    @overload
    def select(self, op: Optional[str] = None, explain: Literal[False] = False) -> Device: ...

    @overload
    def select(self, op: Optional[str], explain: Literal[True]) -> Selection: ...

    @overload
    def select(self, op: Optional[str] = None, *, explain: Literal[True]) -> Selection: ...

    def select(self, op: Optional[str] = None, explain: bool = False) -> Any:
        """The device the policy chooses for operation ``op`` (None: any operation),
        honouring ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU and ACCEL_STRICT.
        A requested device that is absent or unusable gives a warning and the next one, or
        accel.StrictError in strict mode (its ``explain`` says why). With ``explain`` True
        returns a :class:`Selection` with the explanation, else the :class:`Device`."""
        if op is not None:
            text("op", op)
        index, why = self._c.select(op, bool(explain))
        dev = self.devices[index]
        return Selection(dev, why or "") if explain else dev

    def precision(self, device: DeviceSpec = None) -> frozenset:
        """The number formats a device may use ("fp32", "tf32", "fp16", "bf16", "int8"):
        fp16 where compute capability >= 7.0 with >= 8 GB, tf32 and bf16 from 8.0, int8 on
        the CPU, restricted by ACCEL_PRECISION. Default: the selected device."""
        index = self._index(device)
        mask = self._c.precision(index)
        return frozenset(name for name, bit in _PRECISION if mask & bit)

    def _index(self, device: DeviceSpec) -> int:
        if device is None:
            return self.select().index
        if isinstance(device, Device):
            return device.index
        if isinstance(device, int) and not isinstance(device, bool):
            return self.device(device).index
        raise type_error("device", "an index or an accel.Device", device)

    # ---- configuration, plans, statistics ----------------------------------------------

    def config(self) -> Dict[str, ConfigValue]:
        """Every configuration key with its effective value and source, as ``accel config``
        shows them (ACCEL_CONFIG, the listed keys, then ACCEL_<OP>_GPU keys that are set)."""
        out: Dict[str, ConfigValue] = {}
        for line in self._c.config_dump().splitlines()[1:]:
            key = line.split(None, 1)[0] if line.strip() else ""
            if not key or key in out:
                continue
            value, source = self._c.config_get(key)
            out[key] = ConfigValue(value or None, source)
        return out

    def plan_batch(self, op: str, item_size: int = 1, device: Optional[int] = None,
                   calibrate: bool = False) -> Plan:
        """The largest batch of ``op`` items of ``item_size`` elements that fits the
        device's budget (free memory reduced by ACCEL_MEMORY_LIMIT_GB, ACCEL_MEMORY_FRACTION
        and a margin). ``device`` None plans for the device selection would choose;
        ``calibrate`` measures the memory formula with two small runs."""
        text("op", op)
        n = whole("item_size", item_size, 0, allowed="a whole number >= 0")
        d = -1 if device is None else self._index(device)
        return Plan(**self._c.plan_batch(op, n, d, bool(calibrate)))

    def plan_chunk(self, op: str, duration_s: float, rate: int = 16000,
                   device: Optional[int] = None) -> Plan:
        """Chunk length for an input of ``duration_s`` seconds at ``rate`` Hz processed by
        ``op`` (ACCEL_CHUNK_SECONDS overrides)."""
        text("op", op)
        seconds = number("duration_s", duration_s, "a number of seconds > 0")
        if not 0 < seconds < float("inf"):
            raise _input_error("duration_s: %r (allowed: a number of seconds > 0)" % (duration_s,))
        hz = whole("rate", rate, 1, 768000, "a whole number of Hz, 1..768000")
        d = -1 if device is None else self._index(device)
        return Plan(**self._c.plan_chunk(op, seconds, hz, d))

    def stats(self) -> Dict[str, OpStats]:
        """Per-operation counters since creation (calls made with ``device=`` included)."""
        with self._lock:
            ctxs = [self._c] + list(self._derived.values())
        out: Dict[str, OpStats] = {}
        for c in ctxs:
            for s in c.stats():
                prev = out.get(s["op"])
                if prev:
                    fb = {k: prev.fallbacks.get(k, 0) + v for k, v in s["fallbacks"].items()}
                    s = dict(s, calls=prev.calls + s["calls"], fallbacks=fb,
                             failures=prev.failures + s["failures"],
                             time_lost_ms=prev.time_lost_ms + s["time_lost_ms"])
                out[s["op"]] = OpStats(s["op"], s["calls"], dict(s["fallbacks"]), s["failures"],
                                       s["time_lost_ms"])
        return out

    def warmup(self) -> None:
        """Compile or load every kernel on every opened device now (excluded from timings)."""
        self._c.warmup()

    # ---- the last call's record ----------------------------------------------------------

    @property
    def last_record(self) -> Optional[RunRecord]:
        """The run record of this thread's last operation call on this context (each thread
        sees its own): device used, fallbacks and their reason."""
        return getattr(self._local, "record", None)

    def _record(self, d: Dict[str, Any]) -> RunRecord:
        rec = RunRecord._from_dict(d, self.devices)
        self._local.record = rec
        return rec

    def _for(self, device: DeviceSpec) -> "_accel.Context":
        """The C context a call with ``device=`` runs on: this one for None, else a context
        with the same settings and ACCEL_DEVICE / ACCEL_BACKEND set, made on first use."""
        if device is None:
            return self._c
        extra = device_options(device, None)
        if not extra:
            return self._c
        keys = {k for k, _ in extra}
        opts = tuple(o for o in self._options if o[0] not in keys) + tuple(extra)
        with self._lock:
            if self._closing:
                # not self._c: close() may not have reached it yet, and the call would then
                # run there, on the wrong device
                raise _input_error("this accel.Context is closed")
            c = self._derived.get(opts)
            if c is None:
                c = _accel.Context(opts, self._flags | _accel.CTX_NO_WARMUP)
                self._derived[opts] = c
            return c

    # ---- operations ----------------------------------------------------------------------

    def convert(self, x: Any, dtype: str = "float32", scale: float = 1.0, offset: float = 0.0,
                *, device: DeviceSpec = None) -> Any:
        """``dtype(x·scale + offset)`` for every element, computed in float32; ``x`` is uint8,
        int16, int32, float16 or float32 (any shape), ``dtype`` "float32" or "float16"
        (rounded to nearest even). Returns an array of x's shape."""
        dtype = choice("dtype", dtype, ("float32", "float16"))
        scale, offset = number("scale", scale), number("offset", offset)
        buf, rec = self._for(device).convert(x, dtype, scale, offset)
        self._record(rec)
        return to_array(buf)

    def reduce(self, x: Any, op: str = "sum", *, device: DeviceSpec = None) -> Any:
        """sum, mean, var (population), min or max of a 1-D float32 array (a float), or of
        each row of a 2-D one (an array), accumulated in float64 and rounded once. float64
        and float16 inputs are converted to float32 first (one copy)."""
        op = choice("op", op, ("sum", "mean", "var", "min", "max"))
        buf, rec, nd = self._for(device).reduce(x, op)
        self._record(rec)
        if nd == 1:
            return float(memoryview(buf)[0])
        return to_array(buf)

    @property
    def audio(self) -> Any:
        """Audio front ends: ``ctx.audio.features``, ``load``, ``vad``, ``chunks``."""
        if self._audio is None:
            from .audio import Audio
            self._audio = Audio(self)
        return self._audio

    def corpus(self, op: str, out_dir: Union[str, "os.PathLike[str]"], resume: bool = False,
               *, device: DeviceSpec = None, **params: Any) -> Any:
        """The per-item step of a corpus run (:class:`accel.Corpus`): operation ``op`` (an
        audio preset such as "whisper-80", "image_quality", "image_blob", "scrfd_input") on
        files, one output per input under ``out_dir``, as the CLI's multi-file verbs write
        them; ``resume`` skips inputs whose output is complete; ``params`` are the operation's
        (``padding``, ``windows``; ``model``, ``size``). ``device`` runs it on another device
        than the one selection picks (as for the other calls)."""
        from ._corpus import Corpus
        return Corpus(self, op, out_dir, resume, device, **params)

    @property
    def image(self) -> Any:
        """Image operations: ``ctx.image.decode``, ``gray``, ``resize``, ``blob``,
        ``scrfd_input``, ``scrfd_output``, ``warp_affine``, ``arcface_matrix``, ``align``,
        ``quality``, ``enhance``, and ``scrfd_prepare`` (decode, SCRFD input and quality of
        files in one call)."""
        if self._image is None:
            from .image import Image
            self._image = Image(self)
        return self._image
