"""Audio front ends on a context: ``ctx.audio``.

Features that speech and audio models take as input, computed as the reference
implementations compute them (docs/audio.md): Whisper log-mel (openai-whisper /
faster-whisper), VGGish examples, Kaldi filterbanks (torchaudio.compliance.kaldi.fbank). The
results equal what ``accel audio features`` writes for the same input and settings.

Inputs are 1-D float32 or int16 samples (int16 is divided by 32768, as the references load
it): anything with the buffer protocol or ``__dlpack__`` (numpy arrays, torch CPU tensors,
array.array) is read in place when C-contiguous; a strided input, or float64/float16 samples,
cost one copy. A ``str`` or ``os.PathLike`` is a file, decoded (WAV always; FLAC, Ogg, mp3,
m4a … when accel was built with libsndfile/FFmpeg), mixed down and resampled to the preset's
rate; ``bytes``, ``bytearray`` or a byte ``memoryview`` are the contents of such a file (a
request body, a blob from a database), decoded the same way — as the image calls take the
bytes of an image file. A list or tuple of arrays, paths or file contents is several clips,
computed in one call; a list of numbers is one clip (converted once to float32).
"""
from __future__ import annotations

import numbers
import os
from typing import Any, List, Optional, Sequence, Union

from ._accel import AudioParams
from ._args import number, text, type_error, whole
from ._arrays import is_array_like, samples_from_sequence, to_array
from ._records import AudioInfo, AudioResult, RunRecord, Segment
from .errors import InputError

__all__ = ["Audio", "AudioParams", "PRESETS"]

#: The presets accel_audio_params_preset() knows.
PRESETS = ("whisper-80", "whisper-128", "vggish", "fbank", "fbank-80")

PathLike = Union[str, "os.PathLike[str]"]


def _is_path(x: Any) -> bool:
    return isinstance(x, str) or isinstance(x, os.PathLike)


def _is_encoded(x: Any) -> bool:
    """The bytes of an audio file: bytes, bytearray, or a memoryview of bytes (a memoryview of
    float32 or int16 samples is samples)."""
    if isinstance(x, (bytes, bytearray)):
        return True
    return isinstance(x, memoryview) and x.itemsize == 1


def _all_numbers(x: Any) -> bool:
    """A list of numbers: one clip's samples, not a batch. An empty list is an empty clip, as
    for vad, chunks and resample (what the CLI gives for a recording of no samples)."""
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in x)


def _input_error(msg: str) -> InputError:
    return InputError(msg, status="ERR_INVALID_ARG", code=1)


def _rate(name: str, v: Any) -> int:
    """A sample rate in Hz: a whole number 1..768000 (what libsoxr and the decoders take)."""
    return whole(name, v, 1, 768000, "a whole number of Hz, 1..768000")


class Audio:
    """The audio calls of one :class:`accel.Context` (``ctx.audio``)."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    # ---- parameters ----------------------------------------------------------------------

    @staticmethod
    def params(preset: str = "whisper-80", *, padding: Optional[str] = None,
               windows: Optional[bool] = None, **fields: Any) -> AudioParams:
        """An :class:`accel.AudioParams` from a preset and changed fields (accel's names or
        torchaudio's: ``num_mel_bins``, ``frame_length``, ``frame_shift``, …)."""
        if isinstance(preset, AudioParams):
            p = preset.replace(**fields)
        else:
            text("preset", preset, ", ".join(PRESETS) + ", or an accel.AudioParams")
            p = AudioParams(preset, **fields)
        if padding is not None:
            if p.kind != "whisper":
                raise _input_error("padding applies to the whisper presets only, not '%s'"
                                   % p.preset)
            p.padding = padding
        if windows is not None:
            if windows and p.kind != "whisper":
                raise _input_error("windows applies to the whisper presets only, not '%s'"
                                   % p.preset)
            p.windows = bool(windows)
        p.check()
        return p

    # ---- features ------------------------------------------------------------------------

    def features(self, x: Any, preset: Union[str, AudioParams] = "whisper-80", *,
                 padding: Optional[str] = None, windows: bool = False,
                 device: Any = None, rate: Optional[int] = None, out: Optional[PathLike] = None,
                 **fields: Any) -> Any:
        """Features of ``x`` as a float32 array, equal to what ``accel audio features``
        writes: ``(n_mels, n_frames)`` or with ``windows`` ``(n_windows, n_mels, 3000)`` for
        whisper, ``(n_examples, 96, 64)`` for vggish, ``(n_frames, n_bins)`` for fbank.

        ``x``: samples (1-D float32 or int16), a path, or a list/tuple of either (a list of
        results; arrays go to the device in one submission). ``preset``: "whisper-80",
        "whisper-128", "vggish", "fbank", "fbank-80", or an AudioParams. ``padding``
        (whisper): "openai", "faster-whisper" or "none" (None: the preset's). ``windows``
        True (whisper) gives the 30-s windows; False keeps what the preset or AudioParams
        says. ``rate``: the sample rate of array
        input when it is not the preset's (16 kHz): the samples are resampled first (libsoxr,
        one more pass). ``device``: run this call on another device (an index, a PCI bus id
        or a kind). ``out``: stream a file's features to this .npy file in bounded memory, as
        the CLI does, and return an :class:`AudioResult` instead (with a list of paths,
        ``out`` is a directory that receives NAME.npy per input). Other keywords change fields
        of the preset (see AudioParams.fields()).
        """
        p = self.params(preset, padding=padding, windows=True if windows else None, **fields)
        c = self._ctx._for(device)
        if out is not None:
            return self._features_to_file(c, p, x, out)
        if isinstance(x, (list, tuple)) and not _all_numbers(x):
            if all(_is_path(v) for v in x):
                return [self._features_one(c, p, v, rate) for v in x]
            clips = [self._samples(v, "clips[%d]" % i, rate, p) for i, v in enumerate(x)]
            bufs, rec = c.audio_features_batch(p, clips)
            self._ctx._record(rec)
            return [to_array(b) for b in bufs]
        return self._features_one(c, p, x, rate)

    def _samples(self, x: Any, name: str, rate: Optional[int], p: AudioParams) -> Any:
        if _is_path(x):
            buf, _ = self._ctx._c.audio_load(os.fsdecode(x), p.sample_rate)
            return buf
        if _is_encoded(x):
            buf, _ = self._ctx._c.audio_load_buffer(x, name, p.sample_rate)
            return buf
        if not is_array_like(x):
            if isinstance(x, (list, tuple)):
                x = samples_from_sequence(x, name)
            else:
                raise type_error(name, "audio", x, "1-D float32 or int16 samples with the buffer "
                                 "protocol or __dlpack__, a path, or the bytes of an audio file")
        if rate is not None and _rate("rate", rate) != p.sample_rate:
            return self._ctx._c.audio_resample(x, int(rate), p.sample_rate)
        return x

    def _features_one(self, c: Any, p: AudioParams, x: Any, rate: Optional[int]) -> Any:
        buf, rec = c.audio_features(p, self._samples(x, "x", rate, p))
        self._ctx._record(rec)
        return to_array(buf)

    def _features_to_file(self, c: Any, p: AudioParams, x: Any, out: PathLike) -> Any:
        if _is_path(x):
            return self._stream(c, p, x, out)
        if isinstance(x, (list, tuple)) and not x:
            raise _input_error("x: no input files (out= streams files to .npy files)")
        if isinstance(x, (list, tuple)) and all(_is_path(v) for v in x):
            os.makedirs(out, exist_ok=True)
            results, seen = [], {}
            for v in x:
                stem = os.path.splitext(os.path.basename(os.fsdecode(v)))[0]
                if stem in seen:
                    raise _input_error("'%s' and '%s' would both write %s/%s.npy"
                                       % (seen[stem], os.fsdecode(v), os.fsdecode(out), stem))
                seen[stem] = os.fsdecode(v)
            for v in x:
                stem = os.path.splitext(os.path.basename(os.fsdecode(v)))[0]
                results.append(self._stream(c, p, v, os.path.join(out, stem + ".npy")))
            return results
        raise type_error("x", "a path or a list of paths (out= streams files to .npy)", x)

    def _stream(self, c: Any, p: AudioParams, path: PathLike, out: PathLike) -> AudioResult:
        res, rec, info = c.audio_features_npy(p, os.fsdecode(path), os.fsdecode(out))
        record = self._ctx._record(rec)
        return AudioResult(os.fsdecode(out), tuple(res["shape"]), res["seconds"], res["n_chunks"],
                           res["chunk_seconds"], res["device_used"], res["n_fallbacks"],
                           res["reason"], res["elapsed_ms"], res["compute_ms"],
                           AudioInfo._from_dict(info), record)

    # ---- decoding --------------------------------------------------------------------------

    def load(self, path: Any, rate: int = 16000, *, return_info: bool = False) -> Any:
        """A whole file decoded to mono float32 samples at ``rate`` Hz (channels averaged,
        other rates resampled with libsoxr); ``path`` may also be the file's contents
        (``bytes``). With ``return_info`` True returns ``(samples, AudioInfo)``. A missing file
        raises accel.NotFoundError, a corrupt or empty one accel.FormatError, a format this
        build cannot decode accel.NotBuiltError."""
        rate = _rate("rate", rate)
        if _is_encoded(path):
            buf, info = self._ctx._c.audio_load_buffer(path, "path", rate)
        elif not _is_path(path):
            raise type_error("path", "a path", path, "str, os.PathLike, or the bytes of an audio "
                             "file")
        else:
            buf, info = self._ctx._c.audio_load(os.fsdecode(path), rate)
        arr = to_array(buf)
        return (arr, AudioInfo._from_dict(info)) if return_info else arr

    def resample(self, x: Any, rate: int, to: int = 16000) -> Any:
        """Samples at ``rate`` Hz resampled to ``to`` Hz (libsoxr, high quality), float32."""
        if not is_array_like(x):
            x = samples_from_sequence(x, "x")
        return to_array(self._ctx._c.audio_resample(x, _rate("rate", rate), _rate("to", to)))

    # ---- voice activity and chunks ------------------------------------------------------

    def vad(self, x: Any, *, rate: int = 16000, device: Any = None,
            **options: float) -> List[Segment]:
        """Speech segments of a file or of samples at ``rate`` Hz, as ``accel audio vad``
        finds them: energy frames above max(min_level_dbfs, min(noise floor + margin_db,
        loud level - 6 dB)), pauses shorter than min_silence_ms bridged, bursts shorter than
        min_speech_ms dropped, pad_ms added around each. ``options``: frame_ms (10),
        margin_db (12), min_level_dbfs (-55), min_speech_ms (150), min_silence_ms (300),
        pad_ms (100). ``device``: run this call on another device (as ``--device``)."""
        return self._segments(x, False, rate, options, None, device)

    def chunks(self, x: Any, seconds: Optional[float] = None, *, rate: int = 16000,
               op: Optional[str] = None, device: Any = None,
               **options: float) -> List[Segment]:
        """Consecutive chunks that tile the input, each at most ``seconds`` long (None: the
        planner's length for ``op`` (default "whisper") on the device, else
        ACCEL_CHUNK_SECONDS, else 30), each cut in the middle of the last pause in the second
        half of the target, else at the quietest frame there (``accel audio vad --chunks``).
        ``device``: plan and run on another device (as ``--device``)."""
        if seconds is not None:
            s = number("seconds", seconds, "a number of seconds > 0, or None")
            if not s > 0:
                raise _input_error("seconds: %r (allowed: a number of seconds > 0, or None)"
                                   % (seconds,))
            options = dict(options, chunk_s=s)
        return self._segments(x, True, rate, options, op, device)

    def _segments(self, x: Any, chunks: bool, rate: int, options: dict,
                  op: Optional[str], device: Any) -> List[Segment]:
        rate = _rate("rate", rate)
        if op is not None:
            text("op", op)
        c = self._ctx._for(device)
        if _is_encoded(x):
            segs, _info = c.audio_segments(x, chunks, rate, options, op, encoded=True)
            return [Segment(s, e) for s, e in segs]
        if _is_path(x):
            src = os.fsdecode(x)
        elif is_array_like(x):
            src = x
        elif isinstance(x, (list, tuple)):
            src = samples_from_sequence(x, "x")
        else:
            raise type_error("x", "audio", x, "samples, a path or the bytes of an audio file")
        segs, _info = c.audio_segments(src, chunks, rate, options, op)
        return [Segment(s, e) for s, e in segs]
