"""What accel reports about a call: the run record, audio source information, the summary of a
streamed computation, speech segments."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, NamedTuple, Optional, Tuple


@dataclass(frozen=True)
class RunRecord:
    """What happened to one operation call (``accel_run_record``).

    Attributes:
        device_planned: index of the device the plan chose.
        device_used: index of the device that produced the result (-1 when none did).
        fallbacks: number of fallbacks (0 when the planned device succeeded).
        reason: reason of the first fallback: ``"none"``, ``"unavailable"``, ``"oom"``,
            ``"kernel_error"``, ``"disabled_by_config"`` or ``"unsupported_op"``.
        message: the failed attempt's detailed error (``None`` when there was none).
        time_lost_ms: time spent in failed attempts.
        elapsed_ms: the whole call.
        splits: out-of-memory bisection steps taken on one device.
        device: the :class:`accel.Device` that produced the result, when known.
    """

    device_planned: int
    device_used: int
    fallbacks: int
    reason: str
    message: Optional[str]
    time_lost_ms: float
    elapsed_ms: float
    splits: int
    device: Any = field(default=None, compare=False)

    @property
    def fell_back(self) -> bool:
        """True when the result came from a device other than the planned one."""
        return self.fallbacks > 0

    @classmethod
    def _from_dict(cls, d: Dict[str, Any], devices: Any) -> "RunRecord":
        dev = None
        if devices is not None and 0 <= d["device_used"] < len(devices):
            dev = devices[d["device_used"]]
        return cls(d["device_planned"], d["device_used"], d["n_fallbacks"], d["reason"],
                   d["message"] or None, d["time_lost_ms"], d["elapsed_ms"], d["n_splits"], dev)

    def __repr__(self) -> str:
        where = "device %d" % self.device_used
        if self.device is not None:
            where += " (%s %s)" % (self.device.kind, self.device.name)
        fb = ("no fallback" if not self.fallbacks else
              "%d fallback%s: %s%s" % (self.fallbacks, "" if self.fallbacks == 1 else "s",
                                       self.reason, " — " + self.message if self.message else ""))
        return "RunRecord(%s, planned %d, %s, %.3f ms)" % (where, self.device_planned, fb,
                                                           self.elapsed_ms)


@dataclass(frozen=True)
class AudioInfo:
    """What an audio source is (``accel_audio_info``): decoder (``"wav"``, ``"sndfile"``,
    ``"ffmpeg"``, ``"memory"``), format, the file's rate, channels and frames (-1 when not known
    upfront), and the rate and number of samples delivered."""

    decoder: str
    format: str
    source_rate: int
    source_channels: int
    source_frames: int
    rate: int
    frames: int

    @property
    def seconds(self) -> float:
        """Duration of what was delivered."""
        return self.frames / self.rate if self.rate else 0.0

    @classmethod
    def _from_dict(cls, d: Dict[str, Any]) -> "AudioInfo":
        return cls(d["decoder"], d["format"], d["source_rate"], d["source_channels"],
                   d["source_frames"], d["rate"], d["frames"])


@dataclass(frozen=True)
class AudioResult:
    """Summary of features streamed to a .npy file (``accel_audio_result``): where, the shape,
    seconds of audio, the chunking, the device of the last chunk, fallbacks over all chunks, the
    times, and the source's :class:`AudioInfo`."""

    output: str
    shape: Tuple[int, ...]
    seconds: float
    chunks: int
    chunk_seconds: float
    device_used: int
    fallbacks: int
    reason: str
    elapsed_ms: float
    compute_ms: float
    info: AudioInfo
    record: RunRecord


class Segment(NamedTuple):
    """A stretch of audio, in seconds from the start of the source."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """end - start, in seconds."""
        return self.end - self.start
