#!/usr/bin/python3
"""make_wavs.py DIR N SECONDS [RATE] — N mono 16-bit WAV files DIR/clip_00000.wav … of SECONDS
each: a chord whose pitches and amplitude follow the clip's number (so every output differs)
plus deterministic noise. Standard library only: tests and benchmarks make their corpora
with it (bench/corpus.sh)."""
import math
import os
import random
import struct
import sys
import wave


def clip(path, k, seconds, rate):
    rng = random.Random(k)
    n = int(seconds * rate)
    f1, f2 = 110.0 + 7.0 * (k % 50), 440.0 + 13.0 * (k % 37)
    a = 0.2 + 0.5 * ((k * 7919) % 100) / 100.0
    step1, step2 = 2 * math.pi * f1 / rate, 2 * math.pi * f2 / rate
    frames = bytearray()
    pack = struct.Struct("<h").pack
    for i in range(n):
        v = a * (0.6 * math.sin(step1 * i) + 0.3 * math.sin(step2 * i)) + 0.02 * (rng.random() - 0.5)
        frames += pack(max(-32768, min(32767, int(v * 32767))))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


def main():
    out, n, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rate = int(sys.argv[4]) if len(sys.argv) > 4 else 16000
    os.makedirs(out, exist_ok=True)
    for k in range(n):
        clip(os.path.join(out, "clip_%05d.wav" % k), k, seconds, rate)


if __name__ == "__main__":
    main()
