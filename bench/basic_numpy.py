#!/usr/bin/python3
"""numpy peers for accel's convert and reduce, on the same sizes and data, in the same run.

    /usr/bin/python3 bench/basic_numpy.py [--sizes N,N,...] [--iterations K]
                                          [--accel build/accel_bench_basic_cpu] [--threads T]

numpy:
  convert  y = x.astype(float32) * scale + offset written into a preallocated output
           (np.multiply(x, scale, out=y, dtype=float32); np.add(y, offset, out=y)), and for
           float16 outputs the float32 result cast with .astype(float16); the idiomatic
           one-liner (temporaries included) is timed too.
  reduce   x.sum / x.mean / x.var with dtype=float64, x.min(), x.max().
With --accel, runs accel's CPU benchmark (bench/basic_cpu.c) on the same sizes right after,
and prints both, with accel's speed-up over numpy per case. Output: one JSON document.
Times are the best of K runs (the statistic accel's benchmark uses for its ratios).
"""
import argparse
import json
import platform
import subprocess
import sys
import time

import numpy as np

CONVERT = [  # name, source dtype, destination dtype, scale, offset (as bench/basic_cpu.c)
    ("i16_to_f32", np.int16, np.float32, 1.0 / 32768.0, 0.0),
    ("u8_to_f32", np.uint8, np.float32, 2.0 / 255.0, -1.0),
    ("f32_to_f16", np.float32, np.float16, 1.0, 0.0),
    ("f16_to_f32", np.float16, np.float32, 1.0, 0.0),
    ("f32_to_f32", np.float32, np.float32, 0.5, 1.0),
]
REDUCE = {
    "sum": lambda x: x.sum(dtype=np.float64),
    "mean": lambda x: x.mean(dtype=np.float64),
    "var": lambda x: x.var(dtype=np.float64),
    "min": lambda x: x.min(),
    "max": lambda x: x.max(),
}


def source(dtype, n):
    """The values bench/basic_cpu.c fills in."""
    i = np.arange(n, dtype=np.int64)
    if dtype == np.uint8:
        return (i % 251).astype(np.uint8)
    if dtype == np.int16:
        return ((i * 7) % 65536 - 32768).astype(np.int16)
    if dtype == np.float16:
        return (0x3C00 + i % 1000).astype(np.uint16).view(np.float16)
    return ((i % 1000).astype(np.float32) * np.float32(0.01)).astype(np.float32)


def best_ms(fn, iterations):
    fn()  # warm
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[0], times[len(times) // 2]


def bench_numpy(sizes, iterations):
    out = []
    for n in sizes:
        for name, sd, dd, scale, offset in CONVERT:
            x = source(sd, n)
            y32 = np.empty(n, dtype=np.float32)
            s32, o32 = np.float32(scale), np.float32(offset)

            def prealloc():
                np.multiply(x, s32, out=y32, dtype=np.float32)
                np.add(y32, o32, out=y32)
                return y32 if dd == np.float32 else y32.astype(np.float16)

            def idiomatic():
                return (x.astype(np.float32) * s32 + o32).astype(dd, copy=False)

            b, m = best_ms(prealloc, iterations)
            bi, _ = best_ms(idiomatic, max(3, iterations // 3))
            nbytes = n * (np.dtype(sd).itemsize + np.dtype(dd).itemsize)
            out.append({"operation": "convert", "case": name, "n": n, "min_ms": b,
                        "median_ms": m, "idiomatic_min_ms": bi, "bytes_moved": nbytes,
                        "gb_per_s": nbytes / (b * 1e-3) / 1e9})
        x = source(np.float32, n)
        for name, fn in REDUCE.items():
            b, m = best_ms(lambda: fn(x), iterations)
            out.append({"operation": "reduce", "case": name, "n": n, "min_ms": b,
                        "median_ms": m, "bytes_moved": 4 * n,
                        "gb_per_s": 4 * n / (b * 1e-3) / 1e9})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1048576,16777216,67108864")
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--accel", help="path of accel_bench_basic_cpu to run on the same sizes")
    ap.add_argument("--threads", help="ACCEL_NUM_THREADS for the accel run")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",") if s]
    doc = {"benchmark": "convert and reduce: accel vs numpy on the CPU",
           "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
           "numpy": np.__version__, "python": platform.python_version(),
           "numpy_results": bench_numpy(sizes, a.iterations)}
    if a.accel:
        cmd = [a.accel, "--sizes", a.sizes, "--iterations", str(a.iterations)]
        if a.threads:
            cmd += ["--threads", a.threads]
        acc = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        doc["accel"] = acc
        by_key = {(r["operation"], r["case"], r["n"]): r for r in doc["numpy_results"]}
        cmp = []
        for r in acc["results"]:
            p = by_key.get((r["operation"], r["case"], r["n"]))
            if p:
                cmp.append({"operation": r["operation"], "case": r["case"], "n": r["n"],
                            "accel_min_ms": r["min_ms"], "numpy_min_ms": p["min_ms"],
                            "speedup": p["min_ms"] / r["min_ms"],
                            "accel_fraction_of_memcpy": r["fraction_of_memcpy"],
                            "accel_fraction_of_read": r.get("fraction_of_read")})
        doc["comparison"] = cmp
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
