"""Corpus runs: one output per input file, written atomically so that a present output is a
whole one, a JSON-lines run log, manifests and deterministic shards — the library's
``accel_corpus_*`` and ``accel_run_log_*`` (include/accel.h, "Corpus runs"), so that a run from
Python writes what ``accel audio features … -o DIR/``, ``accel image quality`` and ``accel image
blob`` write, under the same names, and the same log lines (docs/cli.md, "Corpus runs").

    with accel.Context() as ctx:
        step = ctx.corpus("whisper-80", "feats/", resume=True)
        with accel.RunLog("run.jsonl") as log:
            records = step.run(accel.read_manifest("clips.txt"), log=log)
            print(log.summary())

accel.dask.map_files runs the same step on Dask workers.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _accel
from ._args import text, type_error, whole
from .errors import Error, InputError, error_class

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_CODES = {v: k for k, v in _accel.STATUS.items()}


# the types of the parameters the steps take (the library reads their texts and refuses a
# bad value, naming it); another key is passed on for the library to refuse by name
_PARAM_TYPES = {"padding": "word", "model": "word", "windows": "bool", "size": "whole"}


def _param_text(key: str, value: Any) -> str:
    kind = _PARAM_TYPES.get(key)
    if kind == "word":
        return text(key, value)
    if kind == "bool":
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(whole(key, value, allowed="True, False (1, 0)"))
    if kind == "whole":
        return str(whole(key, value, allowed="a whole number 1..16384"))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, str)):
        return str(value)
    raise type_error(key, "a parameter value", value, "str, int, bool")


def _input_error(msg: str) -> InputError:
    return InputError(msg, status="ERR_INVALID_ARG", code=_accel.STATUS["ERR_INVALID_ARG"])


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, bytes, os.PathLike))


def _path(x: Any, name: str) -> Any:
    if not _is_path(x):
        raise type_error(name, "a path", x, "str, bytes, os.PathLike")
    return x


def _paths(paths: Any, name: str = "paths") -> List[Any]:
    if _is_path(paths):
        return [paths]
    try:
        out = list(paths)
    except TypeError:
        raise type_error(name, "a list of paths", paths) from None
    for i, p in enumerate(out):
        _path(p, "%s[%d]" % (name, i))
    return out


class _ManifestPaths(list):
    """The paths of a manifest (what :func:`read_manifest` returns): a list that remembers the
    manifest it was read from (``manifest``), so that a run can refuse a log that is the
    manifest, as the CLI's ``--log`` does."""

    manifest: Optional[str] = None


def _same_file(a: bytes, b: bytes) -> bool:
    """Two names of one file (a link to it included): accel_cli_same_file."""
    if a == b"-" or b == b"-":
        return False
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return sa.st_dev == sb.st_dev and sa.st_ino == sb.st_ino


def _same_place(a: bytes, b: bytes) -> bool:
    """The same name in the same directory, the directories compared by their real paths (an
    existing file also by its identity): accel_cli_same_place, so that Python refuses what the
    CLI refuses."""
    if a == b"-" or b == b"-":
        return False
    da, ba = a.rsplit(b"/", 1) if b"/" in a else (b".", a)
    db, bb = b.rsplit(b"/", 1) if b"/" in b else (b".", b)
    if ba != bb:
        return _same_file(a, b)
    try:
        return (os.path.realpath(da or b"/", strict=True)
                == os.path.realpath(db or b"/", strict=True))
    except (OSError, ValueError):
        return a == b


def _log_clash(log: Optional[str], manifest: Optional[str], inputs: List[Any],
               output_of: Any) -> None:
    """Refuses a log that is one of the run's own files, in the CLI's words (tools/accel/
    cli_corpus.c, with ``log`` for ``--log``): the log is appended to, so naming the manifest
    or an input would add JSON lines to it (and the next resume would read them as paths), and
    naming an output would lose the log when the output is renamed over it."""
    if log is None:
        return
    lb = os.fsencode(log)
    if manifest is not None:
        mb = os.fsencode(manifest)
        if _same_place(lb, mb) or _same_file(lb, mb):
            raise _input_error("log %s is the manifest; the log is appended to, so it needs a "
                               "file of its own" % log)
    bl = lb.rsplit(b"/", 1)[-1]
    # outputs end in .npy or .json: only such a log can be one
    outputs = bl.endswith(b".npy") or bl.endswith(b".json")
    for p in inputs:
        pb = os.fsencode(p)
        if pb.rsplit(b"/", 1)[-1] == bl and _same_place(lb, pb):
            raise _input_error("log %s is an input of this run; the log is appended to, so it "
                               "needs a file of its own" % log)
        if outputs:
            ob = os.fsencode(output_of(p))
            if ob.rsplit(b"/", 1)[-1] == bl and _same_place(lb, ob):
                raise _input_error("log %s is the output of '%s'; the log needs a file of its "
                                   "own" % (log, os.fsdecode(p)))


@dataclass(frozen=True)
class CorpusRecord:
    """What happened to one input of a corpus run (``accel_corpus_item``); its log line is
    :meth:`json`.

    Attributes:
        path: the input as given.
        status: ``"done"`` (computed and written), ``"skipped"`` (its output was complete and
            the step resumes) or ``"failed"``.
        output: the output path (``None`` when there is none).
        device: ``"cpu:1"``, ``"cuda:0"``, …: the device kind and accel's index that computed
            it; ``None`` when skipped or failed before computing.
        device_index: that index, -1 when none.
        ms: milliseconds for this input: decode, compute and write (the check when skipped).
        fallback: the reason of the first fallback to another device, or ``None``.
        fallbacks: the number of fallbacks.
        error: the reason, naming the input, when failed; else ``None``.
        error_status: the failure's status name (``"ERR_FORMAT"``), ``None`` unless failed.
        shape: the output array's shape (.npy outputs), when known.
        det_scale: image_blob with SCRFD: the factor SCRFD divides boxes by.
        warning: images: the decoder's warning about an image it decoded all the same
            (stray bytes before a JPEG marker, say), naming the input; else ``None``.
    """

    path: str
    status: str
    output: Optional[str]
    device: Optional[str]
    device_index: int
    ms: float
    fallback: Optional[str]
    fallbacks: int
    error: Optional[str]
    error_status: Optional[str]
    shape: Optional[Tuple[int, ...]]
    det_scale: Optional[float]
    warning: Optional[str] = None

    @property
    def ok(self) -> bool:
        """True unless the input failed."""
        return self.status != "failed"

    @property
    def exception(self) -> Optional[Error]:
        """The failure as the accel.Error subclass the package raises for its status (not
        raised), or ``None``."""
        if self.status != "failed":
            return None
        status = self.error_status or "ERR_INTERNAL"
        return error_class(status)(self.error or status, status=status,
                                   code=_accel.STATUS.get(status, 17))

    def json(self) -> str:
        """The run-log line of this record (without the newline), as the CLI's ``--log``
        writes it: ``accel_corpus_item_json``."""
        return _accel.corpus_item_json(self._tuple())

    def _tuple(self) -> tuple:
        code = _accel.STATUS.get(self.error_status, 0) if self.error_status else 0
        return (self.path, self.status, self.output, self.device, self.device_index, self.ms,
                self.fallback, self.fallbacks, self.error, code, self.shape, self.det_scale,
                self.warning)

    @classmethod
    def _from_tuple(cls, t: tuple) -> "CorpusRecord":
        (path, status, output, device, index, ms, fallback, n_fb, error, code, shape, det,
         warning) = t
        return cls(path, status, output, device, index, ms, fallback, n_fb, error,
                   _CODES.get(code) if status == "failed" else None, shape, det, warning)

    @classmethod
    def _failed(cls, path: Any, output: Optional[str], error: str,
                status: str = "ERR_INTERNAL") -> "CorpusRecord":
        """The record of an input that failed outside the step (its task was lost, say)."""
        return cls(os.fsdecode(path), "failed", output, None, -1, 0.0, None, 0, error, status,
                   None, None)


@dataclass(frozen=True)
class RunSummary:
    """The totals of a run (``accel_run_summary``), as the log's summary line holds them:
    inputs done, skipped and failed, seconds since the log was opened, and files per second
    (all three counted)."""

    done: int
    skipped: int
    failed: int
    seconds: float
    files_per_second: float

    @property
    def total(self) -> int:
        """done + skipped + failed."""
        return self.done + self.skipped + self.failed


class RunLog:
    """A JSON-lines run log (``accel_run_log_*``): one line per input and a summary line, the
    schema of the CLI's ``--log`` (docs/cli.md). The file is appended to (created if absent,
    never truncated), each line with one ``write()`` on a descriptor opened ``O_APPEND``, so a
    killed run leaves whole lines and processes on one machine may share a log. ``path`` None
    keeps the counts only (for :meth:`summary`).

    Safe to share between threads. Use it as a context manager, or call :meth:`close`."""

    def __init__(self, path: Optional[PathArg] = None) -> None:
        if path is not None:
            _path(path, "path")
            if os.fsencode(path) == b"-":
                # "-" is standard input for read_manifest; here it would silently be a file
                raise _input_error("log -: the log is a file that every run appends to; give it "
                                   "a name (run.jsonl)")
        self.path: Optional[str] = None if path is None else os.fsdecode(path)
        self._log = _accel.RunLog(path)

    def write(self, record: CorpusRecord) -> None:
        """Append the line of one record and count it."""
        if not isinstance(record, CorpusRecord):
            raise type_error("record", "an accel.CorpusRecord", record)
        self._log.item(record._tuple())

    def summary(self) -> RunSummary:
        """Append the summary line of what was written since the log was opened, and return
        it."""
        return RunSummary(**self._log.summary())

    def close(self) -> None:
        """Close the file. Idempotent."""
        self._log.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._log.closed

    def __enter__(self) -> "RunLog":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<accel.RunLog %s%s>" % (self.path or "(counting only)",
                                        " closed" if self.closed else "")


class Corpus:
    """The per-item step of a corpus run (``accel_corpus_create``): operation ``op`` on files,
    one output per input under ``out_dir`` (created if absent), named by the input's file name
    without directory and last extension:

    ============================  ==============================  ============================
    op                            params                          output
    ============================  ==============================  ============================
    an audio preset or family:    ``padding`` (openai,            ``OUT/<stem>.npy`` float32,
    whisper-80, whisper-128,      faster-whisper, none) and       as ``accel audio features``
    whisper, vggish, fbank,       ``windows`` (bool) for whisper
    fbank-80
    image_quality                 none                            ``OUT/<stem>.json``
    image_blob                    ``model`` (scrfd, arcface),     ``OUT/<stem>.npy`` float32
                                  ``size``                        (1, 3, S, S)
    scrfd_input                   ``size``                        as image_blob, model scrfd
    ============================  ==============================  ============================

    Every output is written as ``<output>.partial-PID`` and renamed when whole; with
    ``resume`` an input whose output is complete (:func:`output_complete`) is skipped. Make it
    with :meth:`accel.Context.corpus`. Several threads may run one step at once."""

    def __init__(self, ctx: Any, op: str, out_dir: PathArg, resume: bool = False,
                 device: Any = None, **params: Any) -> None:
        text("op", op, "an audio preset or family, image_quality, image_blob, scrfd_input")
        self.op: str = op
        self.out_dir: str = os.fsdecode(_path(out_dir, "out_dir"))
        self.resume: bool = bool(resume)
        self.params: Dict[str, str] = {k: _param_text(k, v) for k, v in params.items()
                                       if v is not None}
        self._ctx = ctx
        # inputs per library call, as the CLI runs them: one where the output is streamed
        # (audio), 16 where inputs are decoded together (images); each record is logged
        # after its call
        self._per_call = 16 if op in ("image_quality", "image_blob", "scrfd_input") else 1
        flags = _accel.CORPUS_RESUME if resume else 0
        self._c = _accel.Corpus(ctx._for(device), op, out_dir, flags,
                                tuple(self.params.items()))

    def run(self, paths: Iterable[PathArg], log: Optional[RunLog] = None) -> List[CorpusRecord]:
        """Run the step on every path, in order: one :class:`CorpusRecord` each. A failing
        input does not stop the others (its record says why). With ``log``, each record's line
        is appended to it as soon as its input is finished (one ``write()`` each, as the
        CLI's ``--log``), so a run that is killed or raises leaves the lines of what it did. A
        log that is the manifest (``paths`` from :func:`read_manifest`), an input or an output
        of the run is refused before anything runs, in the CLI's words. An empty list raises
        accel.InputError, as the CLI refuses an empty manifest and
        :func:`accel.dask.map_files` an empty list."""
        manifest = getattr(paths, "manifest", None)
        todo = _paths(paths)
        if not todo:
            raise _input_error("paths: no input files")
        if log is not None:
            if not isinstance(log, RunLog):
                raise type_error("log", "an accel.RunLog", log)
            _log_clash(log.path, manifest, todo, self._c.output)
        out: List[CorpusRecord] = []
        per = self._per_call
        for i in range(0, len(todo), per):
            recs = [CorpusRecord._from_tuple(t) for t in self._c.run(todo[i:i + per])]
            if log is not None:
                for r in recs:
                    log.write(r)
            out.extend(recs)
        return out

    def output(self, path: PathArg) -> str:
        """The output path of an input."""
        return self._c.output(_path(path, "path"))

    def check(self, paths: Iterable[PathArg]) -> None:
        """Raise accel.InputError when two of the inputs would write the same output (one
        stem in two directories, a path listed twice) or an output would be one of the inputs,
        naming both and the output. Check the whole list of a run, before sharding it."""
        self._c.check(_paths(paths))

    def clean(self, paths: Iterable[PathArg]) -> int:
        """Remove the partial files (``<output>.partial-PID``) that processes no longer alive
        on this machine left for these inputs; returns how many. One scan of the output
        directory."""
        return self._c.clean(_paths(paths))

    def __repr__(self) -> str:
        params = "".join(", %s=%r" % kv for kv in self.params.items())
        return "<accel.Corpus %s → %s%s%s>" % (self.op, self.out_dir, params,
                                                ", resume" if self.resume else "")


def read_manifest(path: PathArg) -> List[str]:
    """The paths of a manifest file (``accel_manifest_read``), in order: one path per line
    (blank lines and ``#`` comments skipped, spaces kept), or CSV with a ``path`` column (when
    the name ends in .csv or the first line has a ``path`` field); ``"-"`` reads standard
    input. accel.FormatError names the manifest, the line and the reason. The list remembers
    the manifest (its ``manifest`` attribute), so that :meth:`Corpus.run` and
    :func:`accel.dask.map_files` refuse a log that is the manifest, as the CLI does."""
    out = _ManifestPaths(p for p, _line in _accel.manifest_read(_path(path, "path")))
    out.manifest = os.fsdecode(path)
    return out


def parse_manifest(data: Union[str, bytes], name: Optional[str] = None) -> List[str]:
    """As :func:`read_manifest`, for a manifest's text or bytes; ``name`` labels it in
    messages and decides the CSV form by its ending."""
    if isinstance(data, str):
        data = os.fsencode(data)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise type_error("data", "a manifest", data, "its text, str or bytes")
    if name is not None:
        text("name", name, "a str, or None")
    return [p for p, _line in _accel.manifest_parse(data, name)]


def path_hash(path: PathArg) -> int:
    """FNV-1a 64 of the path's bytes as written (``accel_path_hash``)."""
    return _accel.path_hash(_path(path, "path"))


def shard_of(path: PathArg, count: int) -> int:
    """The 0-based shard of a path among ``count`` (``path_hash(path) % count``): the same
    path always lands in the same shard, whatever the order or the other paths — the CLI's
    ``--shard I/N``."""
    # a numpy integer is a count too; the range here, not in a C long
    n = whole("count", count, 1, 0xFFFFFFFF)
    return _accel.shard_of(_path(path, "path"), n)


def shard_parse(spec: str) -> Tuple[int, int]:
    """``(index, count)`` of a shard specification: ``"I/N"`` (I 0-based) or ``"auto"`` (from
    Slurm's SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT). accel.ConfigError names what is
    wrong."""
    i, n = _accel.shard_parse(text("spec", spec, "\"I/N\" or \"auto\""))
    return int(i), int(n)


def output_complete(path: PathArg) -> bool:
    """Whether an output file is whole (``accel_output_complete``): a .npy whose header parses
    and whose size is the header plus the data it announces, a .json that is one object and a
    newline, any other file when not empty. False for an absent or cut file; accel.FileError
    when it cannot be read."""
    code, msg, _info = _accel.output_complete(_path(path, "path"))
    if code == 0:
        return True
    status = _CODES.get(code, "ERR_INTERNAL")
    if status in ("ERR_NOT_FOUND", "ERR_FORMAT"):
        return False
    raise error_class(status)(msg, status=status, code=code)


@dataclass(frozen=True)
class NpyHeader:
    """The header of a .npy file (``accel_npy_info``): dtype as numpy writes it (``"<f4"``),
    order, shape, where the data start and how many bytes they take."""

    descr: str
    fortran_order: bool
    shape: Tuple[int, ...]
    header_bytes: int
    data_bytes: int


def npy_header(data: bytes) -> NpyHeader:
    """Parse the header at the start of a .npy file's bytes (``accel_npy_header_parse``:
    format versions 1.0 to 3.0, simple dtypes, at most 8 dimensions). accel.FormatError names
    what is wrong."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise type_error("data", "the bytes of a .npy file", data)
    return NpyHeader(**_accel.npy_header_parse(data))

