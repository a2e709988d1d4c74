"""Robustness of the array readers (PEP 3118 formats, DLPack descriptions, CUDA array interface
dicts) against descriptions accel does not control: thousands of random, in-bounds but odd
inputs — every dtype code, bit width and lane count, ranks past the limit, zero and negative
extents and strides, byte offsets, devices of every kind — each either computes or raises
accel.InputError; nothing else escapes and nothing crashes. (A fuzz target in the C sense would
go in tests/fuzz, which this tree does not have; this is its pytest counterpart.)"""
import ctypes
import random

import pytest

import accel
from dlpack_fake import Producer

DEVICES = [(1, 0), (3, 0), (13, 0), (2, 0), (2, 5), (10, 1), (4, 0), (7, 0), (99, 0)]
CODES = ["int", "uint", "float", "bfloat", "complex", "bool"]


@pytest.fixture(scope="module")
def cpu_ctx():
    with accel.Context(discovery=False) as c:
        yield c


def random_producer(rng, arena, arena_addr):
    ndim = rng.choice([0, 1, 1, 2, 2, 3, 4, 8, 9])
    shape = [rng.choice([0, 1, 2, 3, 4, -1]) if rng.random() < 0.05 else rng.choice([1, 2, 3, 4])
             for _ in range(ndim)]
    code = rng.choice(CODES)
    bits = rng.choice([1, 8, 16, 32, 64, 128])
    item = max(bits // 8, 1)
    strides = None
    if rng.random() < 0.5:
        strides = [rng.choice([-3, -1, 0, 1, 2, 5]) for _ in range(ndim)]
    reach = sum((max(s, 1) - 1) * abs(st if strides else 1) * item for s, st in
                zip(shape, strides or [1] * ndim)) + item * 64
    mid = len(arena) // 2
    assert reach < mid, "the arena must hold every element the description can reach"
    p = Producer(arena_addr + mid - (mid % 16), shape, (code, bits), strides=strides,
                 device=rng.choice(DEVICES), versioned=rng.random() < 0.5,
                 byte_offset=rng.choice([0, 0, 2, 4, 8]))
    return p


def test_random_dlpack_descriptions(cpu_ctx):
    rng = random.Random(20260101)
    arena = (ctypes.c_uint8 * (1 << 16))()
    for i in range(256):
        arena[i * 255 % len(arena)] = i & 0xFF
    addr = ctypes.addressof(arena)
    def image_batch(x):
        # a batch: a bad image fails alone (its InputError in the BatchError), never the call
        try:
            cpu_ctx.image.gray([x, x])
        except accel.BatchError as e:
            assert all(isinstance(err, accel.InputError) for err in e.errors), e.errors
            raise e.errors[0]

    calls = [lambda x: cpu_ctx.convert(x), lambda x: cpu_ctx.reduce(x, "max"),
             lambda x: cpu_ctx.audio.features(x, "fbank"), lambda x: cpu_ctx.image.quality(x),
             image_batch]
    outcomes = {"ok": 0, "InputError": 0}
    for i in range(4000):
        p = random_producer(rng, arena, addr)
        try:
            rng.choice(calls)(p)
            outcomes["ok"] += 1
        except accel.InputError:
            outcomes["InputError"] += 1
        # every exported capsule was released exactly once, whatever happened
        assert p.deleted == p.made, (i, p.shape, p.dtype, p.strides, p.device)
    assert outcomes["ok"] > 30 and outcomes["InputError"] > 1000, outcomes


class Pair(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int16), ("b", ctypes.c_float)]


def test_odd_buffer_formats(cpu_ctx, np):
    odd = [
        (Pair * 4)(), (ctypes.c_char * 8)(), (ctypes.c_wchar * 4)(), (ctypes.c_longdouble * 2)(),
        (ctypes.c_void_p * 2)(), ((ctypes.c_float * 3) * 2)(), memoryview(b"abcd").cast("c"),
        np.zeros(3, dtype=[("x", "<f4"), ("y", "<i2")]), np.zeros(3, "U2"), np.zeros(3, "m8[s]"),
        np.zeros(3, "O"), np.zeros((2, 0, 3), np.float32), np.zeros(4, ">i2"), np.zeros(4, "c16"),
    ]
    for x in odd:
        for call in (lambda v: cpu_ctx.convert(v), lambda v: cpu_ctx.audio.features(v),
                     lambda v: cpu_ctx.reduce(v), lambda v: cpu_ctx.image.gray(v)):
            try:
                call(x)
            except accel.InputError:
                pass


def test_random_cuda_array_interfaces(cpu_ctx):
    # a context without a GPU: no address is ever followed, each description is judged and
    # refused with a reason
    rng = random.Random(7)
    junk = [None, 3, "x", (1,), (1, 2, 3), {}, [1, 2], -1, 1 << 70]
    for _ in range(500):
        d = {}
        for key in ("shape", "typestr", "data", "strides", "version", "stream"):
            r = rng.random()
            if r < 0.15:
                continue
            if r < 0.45:
                d[key] = rng.choice(junk)
            else:
                d[key] = {"shape": (rng.randint(0, 4), rng.randint(1, 3)),
                          "typestr": rng.choice(["<f4", "<i2", "|u1", ">f4", "<c8", "<f"]),
                          "data": (rng.choice([0, 0x1000, 1 << 40]), False),
                          "strides": rng.choice([None, (4, 4), (8,)]), "version": 3,
                          "stream": rng.choice([None, 1, 2])}[key]

        class Obj:
            __cuda_array_interface__ = d

        with pytest.raises(accel.Error):
            cpu_ctx.convert(Obj())
