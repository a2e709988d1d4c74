#!/usr/bin/python3
"""corpus_dask.py ACCEL [WORK] — files per second of a corpus run through Dask
(accel.dask.map_files on a distributed.LocalCluster) against the CLI, on the corpora of
bench/corpus.sh (500 clips of 3 s and 20 recordings of 180 s, made by tests/corpus/make_wavs.py
into WORK/short and WORK/long, or reused when that script made them already):

  CLI,  1 process, ACCEL_NUM_THREADS=1     the per-file baseline
  CLI,  1 process, ACCEL_NUM_THREADS=2     one process of two threads
  Dask, 1 worker process, ACCEL_NUM_THREADS=1
  Dask, 2 worker processes, ACCEL_NUM_THREADS=1 each
  --resume over the finished corpus (every file skipped), CLI and Dask

The engine's overhead per file is (Dask with 1 worker − CLI with 1 thread) / files. Each
case runs REPEAT times (default 3) from an empty output directory and the best wall time is
kept (the machine is shared), with its CPU time: the children's for the CLI; the worker
processes' and this process's (client and scheduler) for Dask. The cluster's start-up is timed apart and left out of the rows. Outputs go to WORK/<set>/out-*;
ACCEL_BACKEND=cpu. Needs the accel package on PYTHONPATH (build/python/lib) and
python3-distributed. Environment: PRESET (whisper-80), SHORT_N/SHORT_S, LONG_N/LONG_S.
"""
import glob
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_set(work, name, n, seconds):
    d = os.path.join(work, name)
    mark = os.path.join(d, ".made-%d-%s" % (n, seconds))
    if not os.path.exists(mark):
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "tests", "corpus", "make_wavs.py"),
                        os.path.join(d, "clips"), str(n), str(seconds)], check=True)
        open(mark, "w").close()
    paths = sorted(glob.glob(os.path.join(d, "clips", "*.wav")))
    with open(os.path.join(d, "m.txt"), "w") as f:
        f.write("\n".join(paths) + "\n")
    return d, paths


def best(fn, *args, **kw):
    """The best of REPEAT runs of fn (each from a fresh output directory unless resuming)."""
    runs = []
    for _ in range(REPEAT):
        if not kw.get("resume"):
            fresh(args[-1] if isinstance(args[-1], str) else args[-2])
        runs.append(fn(*args, **kw))
    return min(runs, key=lambda r: r[0])


def cli_run(accel, d, out, threads, resume=False):
    env = dict(os.environ, ACCEL_NUM_THREADS=str(threads))
    cmd = [accel, "audio", "features", "--manifest", os.path.join(d, "m.txt"), "--preset",
           PRESET, "-o", out, "--log", out + ".jsonl"] + (["--resume"] if resume else [])
    c0 = cpu_of(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("%s: exit %d\n%s" % (" ".join(cmd), p.returncode, p.stderr))
    return wall, cpu_of(resource.RUSAGE_CHILDREN) - c0


def cpu_of(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def engine_cpu(client):
    """CPU seconds so far of the worker processes and of this process (client and scheduler)."""
    return sum(client.run(cpu_of, resource.RUSAGE_SELF).values()) + cpu_of(resource.RUSAGE_SELF)


def dask_run(client, paths, out, resume=False):
    import accel.dask
    c0 = engine_cpu(client)
    t0 = time.perf_counter()
    r = accel.dask.map_files(client, paths, PRESET, out, resume=resume, log=out + ".jsonl",
                             settings={"num_threads": 1})
    wall = time.perf_counter() - t0
    cpu = engine_cpu(client) - c0
    if r.summary.failed:
        sys.exit("map_files: %d failed: %s" % (r.summary.failed, r.failed[0].error))
    return wall, cpu, r


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    for f in (path + ".jsonl",):
        if os.path.exists(f):
            os.remove(f)
    return path


def row(*cells):
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def main():
    accel = os.path.realpath(sys.argv[1])
    work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/accel-bench-corpus"
    os.environ.update(ACCEL_BACKEND="cpu", ACCEL_LOG_LEVEL="error")
    import distributed
    sets = [("short", int(os.environ.get("SHORT_N", 500)), os.environ.get("SHORT_S", "3")),
            ("long", int(os.environ.get("LONG_N", 20)), os.environ.get("LONG_S", "180"))]
    made = [(name, n, s) + make_set(work, name, n, s) for name, n, s in sets]
    version = subprocess.run([accel, "version"], capture_output=True, text=True).stdout.split("\n")[0]
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print("%s, preset %s, %d CPUs, %s, load %s, distributed %s" % (
        version, PRESET, os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        load, distributed.__version__))
    row("corpus", "engine", "processes × threads", "wall s", "files/s", "vs CLI 1×1",
        "CPU ms per file")
    row(*["---"] * 7)
    clusters = {}
    try:
        for workers in (1, 2):
            t0 = time.perf_counter()
            c = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                         processes=True, dashboard_address=":0")
            cl = distributed.Client(c)
            cl.run(os.environ.update, {"ACCEL_BACKEND": "cpu", "ACCEL_LOG_LEVEL": "error"})
            clusters[workers] = (c, cl, time.perf_counter() - t0)
        for name, n, s, d, paths in made:
            label = "%s (%d × %ss)" % (name, n, s)
            base, bcpu = best(cli_run, accel, d, os.path.join(d, "out-cli1"), 1)
            row(label, "CLI", "1 × 1", "%.2f" % base, "%.1f" % (n / base), "1.00",
                "%.2f" % (1000 * bcpu / n))
            w, cpu = best(cli_run, accel, d, os.path.join(d, "out-cli2"), 2)
            row(label, "CLI", "1 × 2", "%.2f" % w, "%.1f" % (n / w), "%.2f" % (base / w),
                "%.2f" % (1000 * cpu / n))
            walls = {}
            for workers in (1, 2):
                cl = clusters[workers][1]
                # a first, short run makes each worker's context (discovery) outside the timing
                dask_run(cl, paths[:2 * workers], fresh(os.path.join(d, "out-warm")))
                w, cpu, r = best(dask_run, cl, paths, os.path.join(d, "out-dask%d" % workers))
                walls[workers] = (w, cpu)
                row(label, "Dask map_files", "%d × 1 (batch %d, %d tasks)" % (workers, r.batch_size, r.tasks),
                    "%.2f" % w, "%.1f" % (n / w), "%.2f" % (base / w), "%.2f" % (1000 * cpu / n))
            row(label, "engine overhead per file (Dask 1×1 − CLI 1×1)", "", "", "",
                "wall %.2f ms" % (1000 * (walls[1][0] - base) / n),
                "%.2f ms" % (1000 * (walls[1][1] - bcpu) / n))
            w, cpu = best(cli_run, accel, d, os.path.join(d, "out-cli1"), 1, resume=True)
            row(label + ": resume, all skipped", "CLI", "1 × 1", "%.3f" % w, "%.0f" % (n / w), "",
                "%.2f" % (1000 * cpu / n))
            w, cpu, r = best(dask_run, clusters[2][1], paths, os.path.join(d, "out-dask2"), resume=True)
            assert r.summary.skipped == n, r.summary
            row(label + ": resume, all skipped", "Dask map_files", "2 × 1", "%.3f" % w,
                "%.0f" % (n / w), "", "%.2f" % (1000 * cpu / n))
        row("cluster start-up (LocalCluster + Client)", "Dask", "1 × 1 / 2 × 1",
            "%.2f / %.2f" % (clusters[1][2], clusters[2][2]), "", "", "")
    finally:
        for c, cl, _t in clusters.values():
            cl.close()
            c.close()


PRESET = os.environ.get("PRESET", "whisper-80")
REPEAT = int(os.environ.get("REPEAT", 3))

if __name__ == "__main__":
    main()
