"""The GIL is released around every call into libaccel, so threads sharing one context
compute in parallel: two threads finish two units of work in less than 1.5x the time of one
unit, on two cores."""
import hashlib
import os
import threading
import time

import pytest

import accel

# One unit of work: 401-sample frames (a prime length: a direct DFT, no FFT) over 30 s of
# audio, a few tenths of a second on one core, nearly all of it inside libaccel.
SLOW = dict(preset="fbank", frame_length_ms=25.0625, round_to_power_of_two=False)


@pytest.fixture(scope="module")
def one_core_ctx():
    # ACCEL_NUM_THREADS=1: each call computes on its calling thread only, so the parallelism
    # measured is the threads', not libaccel's own pool
    with accel.Context(discovery=False, num_threads=1) as c:
        yield c


def _ticks_during(call):
    """Runs call() while a second thread notes the time about every millisecond; returns the
    call's start and end and the ticks noted between them (none when it held the GIL)."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.02)
    t0 = time.perf_counter()
    try:
        call()
    finally:
        t1 = time.perf_counter()
        stop.set()
        t.join()
    return t0, t1, [x for x in ticks if t0 < x < t1]


@pytest.fixture(scope="module")
def unit(np):
    return np.random.default_rng(7).standard_normal(16000 * 30).astype(np.float32)


def test_other_threads_run_python_during_a_call(np, one_core_ctx, unit):
    # While one thread is inside libaccel, another thread keeps running Python code — which
    # only happens when the call released the GIL. Independent of machine load.
    # Warm up, and make the call long enough to tell on any machine: a faster machine gets a
    # longer input (a call of at least ~0.2 s, the ticker ticking every millisecond or so).
    w0 = time.perf_counter()
    one_core_ctx.audio.features(unit, **SLOW)
    took = time.perf_counter() - w0
    if took < 0.2:
        unit = np.tile(unit, int(0.2 / max(took, 1e-3)) + 1)
    t0, t1, during = _ticks_during(lambda: one_core_ctx.audio.features(unit, **SLOW))
    # with the GIL held for the whole call the ticker could not have run at all inside it
    assert t1 - t0 > 0.05, "the unit of work is too short to tell (%.3f s)" % (t1 - t0)
    assert len(during) >= 10, "%d ticks in a %.3f s call: the GIL was held" % (len(during), t1 - t0)


@pytest.mark.parametrize("layout", ["strided", "float64"])
def test_other_threads_run_python_while_an_input_is_copied(np, one_core_ctx, layout):
    # An input that is not read in place (a strided view, float64 for a float32 call) costs
    # one copy before the library call: compute too, a second or more for 10^8 elements. It
    # once ran with the GIL held, and the other thread stood still for all of it. Here reduce,
    # fast in itself, makes the copy most of the call; the longest pause of a ticker thread
    # inside the call must be a small part of it.
    def make(n):
        base = np.ones(2 * n, np.float32)
        return base[::2] if layout == "strided" else base[:n].astype(np.float64)

    n = 1 << 22
    while True:
        x = make(n)
        t0 = time.perf_counter()
        one_core_ctx.reduce(x)
        took = time.perf_counter() - t0
        if took >= 0.3 or n >= 1 << 26:
            break
        n *= 4

    def call():
        assert one_core_ctx.reduce(x) == float(n)

    t0, t1, during = _ticks_during(call)
    inside = [t0] + during + [t1]
    gap = max(b - a for a, b in zip(inside, inside[1:]))
    assert t1 - t0 > 0.05, "the call is too short to tell (%.3f s)" % (t1 - t0)
    assert gap < 0.5 * (t1 - t0), ("the ticker stood still %.3f s of a %.3f s call (%d ticks): "
                                   "the GIL was held" % (gap, t1 - t0, len(inside) - 2))


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def _timings(fns, rounds=10, enough=None):
    """For each fn: (best time of one thread running it, best time of two threads each running
    it), measured in interleaved rounds so that every fn sees the same spells of load; with
    `enough(best)`, the rounds stop as soon as it holds (a quiet spell was found)."""
    def one(fn):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    def two(fn):
        ts = [threading.Thread(target=fn) for _ in range(2)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.perf_counter() - t0

    best = [[float("inf"), float("inf")] for _ in fns]
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            best[k][0] = min(best[k][0], one(fn))
            best[k][1] = min(best[k][1], two(fn))
        if enough is not None and enough(best):
            break
    return best


def test_two_threads_do_two_units_in_less_than_one_and_a_half_units(one_core_ctx, unit):
    if _cores() < 2:
        pytest.skip("needs two cores (this process may use %d)" % _cores())
    c = one_core_ctx
    c.audio.features(unit, **SLOW)
    # The control: hashing 64 MiB releases the GIL in CPython, so two threads of it show whether
    # two cores were free for this process at some point of the measurement (the machine may
    # be shared with other work).
    data = b"\x5a" * (64 << 20)
    # A unit is a few hundredths of a second: up to 40 rounds look for a spell in which the
    # machine left both cores to this process (each round measures both, interleaved).
    (c1, c2), (a1, a2) = _timings([lambda: hashlib.sha256(data).digest(),
                                   lambda: c.audio.features(unit, **SLOW)], rounds=40,
                                  enough=lambda b: b[1][1] < 1.5 * b[1][0])
    control, ratio = c2 / c1, a2 / a1
    detail = ("accel: two threads %.3f s, one %.3f s (%.2fx); GIL-free control %.2fx; load "
              "average %.1f" % (a2, a1, ratio, control, os.getloadavg()[0]))
    if ratio >= 1.5 and control >= 1.3:
        pytest.skip("two cores were never both free for this process: " + detail)
    assert ratio < 1.5, "two threads took 1.5x the time of one or more: " + detail


def test_threads_share_one_context_safely(np):
    # many threads, one context, mixed calls: every result right, counters add up
    x = (np.sin(np.arange(16000) / 3.0) * 0.3).astype(np.float32)
    with accel.Context(discovery=False) as c:
        want = c.audio.features(x, "fbank-80")
        errors = []

        def work(k):
            try:
                for _ in range(20):
                    assert np.array_equal(c.audio.features(x, "fbank-80"), want)
                    assert c.convert(np.full(8, k, np.int16)).tolist() == [float(k)] * 8
                    assert c.last_record.device_used == c.devices[-1].index
            except Exception as e:  # reported below
                errors.append(e)

        ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errors, errors
        st = c.stats()
        assert st["fbank"].calls == 1 + 8 * 20 and st["convert"].calls == 8 * 20


def test_close_is_final_for_calls_with_device_in_other_threads(np):
    # close() once let go of its lock between taking the contexts made for device= calls and
    # closing its own: a call in another thread then made a new one, which stayed open and
    # kept working after close() returned
    x = np.zeros(1000, np.float32)
    for round_ in range(10):
        c = accel.Context(discovery=False, warmup=False)
        made, errors, started = [], [], threading.Barrier(5)
        derive = c._for

        def seen(device):  # every C context a call runs on, to check each is closed after
            got = derive(device)
            made.append(got)
            return got

        c._for = seen

        def work(d):
            started.wait()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    c.convert(x, device=d)
                except accel.InputError as e:
                    if "closed" not in e.message:
                        errors.append(e)
                    return
            errors.append(AssertionError("device=%r: still running 20 s after close()" % (d,)))

        ts = [threading.Thread(target=work, args=(d,)) for d in (0, 1, "cpu", "auto")]
        for t in ts:
            t.start()
        started.wait()
        time.sleep(0.002 * round_)
        c.close()
        for t in ts:
            t.join()
        assert not errors, errors
        assert c.closed and not c._derived, (round_, len(c._derived))
        still_open = [k for k in made if not k.closed]
        assert not still_open, "round %d: %d contexts open after close()" % (round_, len(still_open))
        with pytest.raises(accel.InputError, match="closed"):
            c.convert(x, device="cpu")
