"""accel.dask: corpus runs on a Dask cluster (``distributed``), with the outputs, names and
run log of the CLI's corpus runs (docs/cli.md, "Corpus runs"; docs/python.md).

    from distributed import Client
    import accel.dask

    client = Client("scheduler:8786")
    result = accel.dask.map_files(client, accel.read_manifest("clips.txt"), "whisper-80",
                                  "/data/feats", log="run.jsonl")
    print(result.summary)            # RunSummary(done=…, skipped=…, failed=…, seconds=…, …)
    bad = [r for r in result.records if not r.ok]

Dask schedules; accel computes. The inputs are cut into batches, one task each; a task runs
the library's per-item step (``accel_corpus_run``, the one the CLI runs) on its batch in the
worker process, so outputs are written atomically under the CLI's names and a later run —
through Dask, the CLI or a Slurm array — with resume skips them. Each worker process keeps one
accel context (:func:`worker_context`), made on its first task: pinned to a GPU of its own when
the workers declare GPU resources (``resources={"GPU": 1}``), else to the CPU. A task is a pure
function of its batch: a worker that dies has its tasks run again elsewhere by Dask, which first
removes the partial files the dead process left. The run log is written by the client, one line
per input in input order and a summary line, with the library's own lines.

Importing accel does not import Dask; importing accel.dask does, and fails with a clear
message when ``distributed`` is not installed.
"""
from __future__ import annotations

import errno
import math
import os
import tempfile
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

try:
    import distributed
except ImportError as _e:  # pragma: no cover - depends on the installation
    raise ImportError(
        "accel.dask needs Dask's distributed scheduler, which cannot be imported (%s): install "
        "it (Debian: apt-get install python3-distributed; pip: pip install distributed)" % _e
    ) from _e

from . import _accel
from ._context import Context
from ._args import input_error, text, type_error, whole
from ._corpus import (Corpus, CorpusRecord, RunLog, RunSummary, _log_clash, _param_text, _path,
                      _paths)
from .errors import AccelWarning, Error, InputError, UnavailableError

__all__ = ["map_files", "MapResult", "worker_context", "GPU_RESOURCE"]

#: The worker resource that marks a worker process as owning a GPU: start workers with
#: ``resources={"GPU": 1}`` (``dask-worker --resources GPU=1``) and map_files submits its tasks
#: with that resource, one GPU task per GPU at a time.
GPU_RESOURCE = "GPU"

#: Tasks per worker thread when map_files chooses the batch size.
_TASKS_PER_THREAD = 4


# ---- the worker side ---------------------------------------------------------------------

_lock = threading.Lock()
_contexts: Dict[Tuple[Any, ...], Context] = {}
_steps: Dict[Tuple[Any, ...], Corpus] = {}
_claim: Optional[Tuple[int, str]] = None  # (descriptor holding the lock, the GPU's key)


def _forget_after_fork() -> None:
    # a forked child must not use its parent's contexts (their threads are not in the child)
    global _claim
    _contexts.clear()
    _steps.clear()
    _claim = None


os.register_at_fork(after_in_child=_forget_after_fork)


def _gpu_key(dev: Any) -> str:
    key = dev.pci_bus_id or dev.uuid or "%s-%d" % (dev.kind, dev.index)
    return "".join(c if c.isalnum() or c in "-." else "_" for c in key)


def _claim_dir() -> str:
    d = os.path.join(tempfile.gettempdir(), "accel-gpu-claims-%d" % os.getuid())
    os.makedirs(d, mode=0o700, exist_ok=True)
    return d


def _claim_gpu(gpus: List[Any]) -> Any:
    """The GPU this process computes on: the first of ``gpus`` that no other process of this
    user on this machine has claimed (a lock file per GPU, held while the process lives, so a
    dead worker's GPU is free again for the worker that replaces it); when every one is
    claimed (more GPU workers than GPUs), they are shared, spread by process id."""
    import fcntl
    global _claim
    keys = [_gpu_key(d) for d in gpus]
    if _claim is not None and _claim[1] in keys:
        return gpus[keys.index(_claim[1])]
    d = _claim_dir()
    for dev, key in zip(gpus, keys):
        fd = os.open(os.path.join(d, key + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EACCES):
                continue
            raise
        os.ftruncate(fd, 0)
        os.write(fd, b"%d\n" % os.getpid())
        if _claim is not None:
            os.close(_claim[0])
        _claim = (fd, key)
        return dev
    return gpus[os.getpid() % len(gpus)]


def _make_context(gpu: bool, settings: Dict[str, Any]) -> Context:
    if "backend" in settings or "device" in settings:
        return Context(**settings)  # the caller decided
    if not gpu:
        return Context(backend="cpu", **settings)
    with Context(warmup=False, **settings) as probe:
        gpus = [d for d in probe.devices if d.kind != "cpu" and d.usable and not d.host_cpu]
    if not gpus:
        seen = ", ".join("%s=%s" % (k, os.environ[k]) for k in
                         ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES")
                         if k in os.environ) or "no *_VISIBLE_DEVICES set"
        msg = ("this Dask worker process (pid %d) was given a task with resources "
               "{'GPU': 1} but sees no usable GPU (%s; `accel devices` lists why)"
               % (os.getpid(), seen))
        if str(settings.get("strict", "")).lower() in ("1", "true", "yes"):
            raise UnavailableError(msg + "; strict: refusing the CPU", status="ERR_UNAVAILABLE",
                                   code=_accel.STATUS["ERR_UNAVAILABLE"])
        import warnings
        warnings.warn(msg + ": computing on the CPU", AccelWarning, stacklevel=3)
        return Context(backend="cpu", **settings)
    return Context(device=_claim_gpu(gpus), **settings)


def worker_context(gpu: bool = False, **settings: Any) -> Context:
    """The accel context of this process, made on first use and kept for the process's life:
    one per process (per ``gpu`` and ``settings``), shared by the process's threads. With
    ``gpu`` it is pinned to one GPU the process claims for itself (the only one it sees when
    CUDA_VISIBLE_DEVICES gives each worker its own; otherwise the first GPU no other process
    on the machine has claimed); without, to the CPU. ``settings`` are accel.Context's
    (``num_threads=1``, ``strict=True``, …; ``backend`` or ``device`` there overrides the
    pinning). Call it in your own Dask tasks to share map_files' context."""
    key = (bool(gpu), tuple(sorted((k, repr(v)) for k, v in settings.items())))
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None or ctx.closed:
            ctx = _make_context(bool(gpu), settings)
            _contexts[key] = ctx
        return ctx


def _worker_step(spec: Tuple[Any, ...]) -> Corpus:
    op, out_dir, resume, params, gpu, settings = spec
    ctx = worker_context(gpu, **dict(settings))
    with _lock:
        step = _steps.get(spec)
        if step is None or step._ctx is not ctx:
            step = Corpus(ctx, op, out_dir, resume, **dict(params))
            _steps[spec] = step
        return step


def _run_batch(spec: Tuple[Any, ...], paths: List[str]) -> List[tuple]:
    """One task: the step on a batch, in the worker process. A retried task (its first worker
    died) first removes the partial files the dead process left for these inputs."""
    step = _worker_step(spec)
    step.clean(paths)
    return [r._tuple() for r in step.run(paths)]


# ---- the client side ---------------------------------------------------------------------

@dataclass(frozen=True)
class MapResult:
    """What :func:`map_files` did: the run's :class:`accel.RunSummary` (as the log's summary
    line), one :class:`accel.CorpusRecord` per input in input order, the batch size and
    number of tasks, and the partial files of dead processes removed after the run."""

    summary: RunSummary
    records: List[CorpusRecord]
    batch_size: int
    tasks: int
    partials_removed: int

    @property
    def failed(self) -> List[CorpusRecord]:
        """The records of the inputs that failed."""
        return [r for r in self.records if r.status == "failed"]


def _workers(client: Any) -> Dict[str, Dict[str, Any]]:
    return dict(client.scheduler_info().get("workers", {}))


def _has_gpu(w: Dict[str, Any]) -> bool:
    return float((w.get("resources") or {}).get(GPU_RESOURCE, 0)) > 0


def _task_error(exc: BaseException) -> Tuple[str, str]:
    if isinstance(exc, Error):
        return exc.status, exc.message or str(exc)
    name = type(exc).__name__
    if name == "KilledWorker":
        return ("ERR_INTERNAL", "its Dask task was lost with the worker processes that held "
                "it, more times than distributed.scheduler.allowed-failures allows (%s); if "
                "the input itself kills the process, every retry ends so; run again with "
                "resume to retry it" % exc)
    return "ERR_INTERNAL", "its Dask task failed: %s: %s" % (name, exc)


def map_files(client: Any, paths: Iterable[Any], op: str, out_dir: Any, *, resume: bool = True,
              log: Any = None, batch_size: Optional[int] = None, gpu: Optional[bool] = None,
              settings: Optional[Dict[str, Any]] = None, **params: Any) -> MapResult:
    """Run operation ``op`` on every file of ``paths`` on the workers of ``client``, one output
    per input under ``out_dir`` — what ``accel audio features``, ``accel image quality`` and
    ``accel image blob`` write with ``-o DIR/``, under the same names — and return a
    :class:`MapResult`.

    ``op`` and ``params`` are :meth:`accel.Context.corpus`'s: an audio preset ("whisper-80",
    "vggish", "fbank", … with ``padding``, ``windows``), "image_quality", "image_blob" (with
    ``model``, ``size``), "scrfd_input". Paths are taken as written: relative ones are relative
    to each worker's working directory, and the output directory must be one the workers and
    the client share.

    - ``resume`` (default True): inputs whose output is complete are skipped (header and size
      checked), as ``--resume`` does; False recomputes everything.
    - ``log``: a file the client appends the run log to (docs/cli.md: one JSON line per input,
      in input order, as the batches complete, then the summary line); None keeps no file. A
      log that is the manifest (``paths`` from :func:`accel.read_manifest`), an input or an
      output of the run is refused before anything runs, in the CLI's words.
    - ``batch_size``: inputs per task (default: enough for about four tasks per worker
      thread). Each task scans the output directory once for partial files.
    - ``gpu``: submit the tasks with ``resources={"GPU": 1}`` and pin each worker's context to
      its GPU; default: when a worker declares that resource. False: the CPU.
    - ``settings``: accel.Context settings for the workers' contexts (``num_threads``,
      ``strict``, …).

    Before anything is submitted the whole list is checked (accel.InputError when two inputs
    would write the same output) and the operation and its parameters are validated. A file
    that fails has its record (and log line) say why; the others are done. A worker that dies
    has its tasks retried by Dask (up to ``distributed.scheduler.allowed-failures`` times;
    beyond, that task's inputs fail with the reason)."""
    manifest = getattr(paths, "manifest", None)
    paths = [os.fsdecode(p) for p in _paths(paths)]
    if not paths:
        raise input_error("paths: no input files")
    text("op", op, "an audio preset or family, image_quality, image_blob, scrfd_input")
    if batch_size is not None:
        whole("batch_size", batch_size, 1, allowed="a whole number >= 1, or None")
    if settings is not None and not isinstance(settings, dict):
        raise type_error("settings", "a dict of accel.Context settings", settings)
    if log is not None:
        log = os.fsdecode(_path(log, "log"))
    params_t = tuple((k, _param_text(k, v)) for k, v in sorted(params.items()) if v is not None)
    settings_t = tuple(sorted((settings or {}).items()))
    out_dir = os.fsdecode(_path(out_dir, "out_dir"))

    workers = _workers(client)
    if gpu is None:
        gpu = any(_has_gpu(w) for w in workers.values())
    if gpu and workers and not any(_has_gpu(w) for w in workers.values()):
        raise InputError("gpu=True, but no worker declares the resource %r: start GPU workers "
                         "with resources={%r: 1} (dask-worker --resources %s=1)"
                         % (GPU_RESOURCE, GPU_RESOURCE, GPU_RESOURCE),
                         status="ERR_INVALID_ARG", code=1)
    threads = sum(int(w.get("nthreads", 1)) for w in workers.values()
                  if not gpu or _has_gpu(w)) or 1
    batch = batch_size or max(1, math.ceil(len(paths) / (_TASKS_PER_THREAD * threads)))

    # the client's own step: validates op and params, checks the whole list for colliding
    # outputs, names the outputs of failed tasks, and cleans up (CPU only, no discovery)
    cctx = Context(backend="cpu", discovery=False, warmup=False)
    runlog = None
    futures: List[Any] = []
    try:
        step = Corpus(cctx, op, out_dir, resume, **dict(params_t))
        step.check(paths)
        _log_clash(log, manifest, paths, step.output)  # before the log file is created
        runlog = RunLog(log)
        if resume:
            step.clean(paths)  # what a killed earlier run left, as --resume does
        spec = (op, out_dir, bool(resume), params_t, bool(gpu), settings_t)
        token = uuid.uuid4().hex[:12]
        batches = [paths[i:i + batch] for i in range(0, len(paths), batch)]
        index: Dict[str, int] = {}
        for k, b in enumerate(batches):
            key = "accel-%s-%s-%d" % (op, token, k)
            index[key] = k
            futures.append(client.submit(_run_batch, spec, b, key=key, pure=False,
                                         resources={GPU_RESOURCE: 1} if gpu else None))
        done: List[Optional[List[CorpusRecord]]] = [None] * len(batches)
        written = 0
        for fut in distributed.as_completed(futures):
            k = index[fut.key]
            try:
                recs = [CorpusRecord._from_tuple(t) for t in fut.result()]
            except Exception as exc:  # the task as a whole: its inputs fail with the reason
                status, why = _task_error(exc)
                recs = [CorpusRecord._failed(p, step.output(p), "'%s': %s" % (p, why), status)
                        for p in batches[k]]
            done[k] = recs
            fut.release()
            while written < len(batches) and done[written] is not None:
                for r in done[written] or ():
                    runlog.write(r)
                written += 1
        summary = runlog.summary()
        # partial files of worker processes that died, whose tasks ran again elsewhere
        removed = step.clean(paths)
        records = [r for b in done for r in (b or ())]
        return MapResult(summary, records, batch, len(batches), removed)
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)
        if runlog is not None:
            runlog.close()
        cctx.close()
