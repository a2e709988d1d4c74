#!/usr/bin/python3
"""Test data and golden outputs for the audio front ends (tests/data/audio).

  /usr/bin/python3 scripts/make_golden_audio.py            goldens from the committed WAVs
  /usr/bin/python3 scripts/make_golden_audio.py --data     also re-create the WAVs (espeak-ng,
                                                           sox, ffmpeg) — changes them
  /usr/bin/python3 scripts/make_golden_audio.py --out DIR --wav A.wav [--wav B.wav ...]
                                                           goldens for other recordings (the
                                                           alsa-utils test writes them in the
                                                           build tree at test time)

Goldens are the reference computations of scripts/audio_reference.py in float64 (the
"exact" answer accel's float32 kernels are held to), stored as float32 .npy, and listed in
golden/manifest.txt, one line per golden:

  NAME  WAV  N_SAMPLES(0 = all)  PRESET  [key=value ...]  tol=T  [keep=K]

keys are accel_audio_params fields; keep=K: whisper-openai goldens store only the first K
frames (the rest are frames of appended zeros, all equal to frame K-1).
"""
import argparse
import os
import shutil
import subprocess
import sys
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import audio_reference as R  # noqa: E402

DATA = os.path.join(HERE, "..", "tests", "data", "audio")
SR = 16000


def write_wav(path, x, rate=SR):
    """16-bit PCM mono."""
    q = np.clip(np.round(np.asarray(x, dtype=np.float64) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(q.tobytes())


def read_wav(path):
    """16-bit PCM mono WAV → float32 / 32768 (what accel and the references load)."""
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return x, rate


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_data():
    os.makedirs(DATA, exist_ok=True)
    tmp = os.path.join(DATA, "tmp.wav")
    # real speech: espeak-ng (its output is not covered by its licence), resampled by sox
    for name, voice, text in [("speech_a", "en", "Seven wizards box the jam."),
                              ("speech_b", "en-us+f3", "Hello, testing one two three.")]:
        run(["espeak-ng", "-v", voice, "-w", tmp, text])
        run(["sox", tmp, "-r", "16000", "-b", "16", "-c", "1", os.path.join(DATA, name + ".wav")])
    os.remove(tmp)
    rng = np.random.default_rng(20240401)
    t = np.arange(SR) / SR
    write_wav(os.path.join(DATA, "silence.wav"), np.zeros(SR))
    write_wav(os.path.join(DATA, "tone.wav"), 0.5 * np.sin(2 * np.pi * 440.0 * t))
    write_wav(os.path.join(DATA, "noise.wav"), np.clip(rng.normal(0, 0.2, SR), -1, 1))
    write_wav(os.path.join(DATA, "clipping.wav"), np.clip(4.0 * np.sin(2 * np.pi * 220.0 * t), -1, 32767 / 32768))
    write_wav(os.path.join(DATA, "one_sample.wav"), np.array([0.5]))
    # format variants of the first 0.75 s of speech_b (decoding tests)
    v = os.path.join(DATA, "variants")
    os.makedirs(v, exist_ok=True)
    b = os.path.join(v, "speech_c.wav")
    run(["sox", os.path.join(DATA, "speech_b.wav"), b, "trim", "0", "0.75"])
    run(["sox", b, os.path.join(v, "speech_c.flac")])
    run(["sox", b, "-C", "3", os.path.join(v, "speech_c.ogg")])
    run(["sox", b, "-b", "8", "-e", "unsigned-integer", os.path.join(v, "speech_c_u8.wav")])
    run(["sox", b, "-b", "24", os.path.join(v, "speech_c_s24.wav")])
    run(["sox", b, "-b", "32", "-e", "floating-point", os.path.join(v, "speech_c_f32.wav")])
    run(["sox", b, "-c", "2", os.path.join(v, "speech_c_stereo.wav")])
    run(["sox", b, "-r", "44100", os.path.join(v, "speech_c_44k.wav")])
    run(["sox", b, "-r", "8000", os.path.join(v, "speech_c_8k.wav")])
    # Sony Wave64: libsndfile reading it from a pipe took the pipe's unknown length for the
    # file's and worked out 2^61 frames, then called the whole stream truncated
    run(["sox", b, os.path.join(v, "speech_c.w64")])
    if shutil.which("ffmpeg"):
        for ext, args in [("mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
                          ("m4a", ["-c:a", "aac", "-b:a", "64k"]),
                          ("opus", ["-c:a", "libopus", "-b:a", "32k"])]:
            run(["ffmpeg", "-y", "-v", "quiet", "-i", b] + args + [os.path.join(v, "speech_c." + ext)])
        # μ-law WAV as FFmpeg streams it to a pipe: its data size is 0xFFFFFFFF ("to the end"),
        # which libsndfile, reading a pipe, took for a count
        with open(os.path.join(v, "speech_c_ulaw_stream.wav"), "wb") as o:
            subprocess.run(["ffmpeg", "-v", "quiet", "-i", b, "-c:a", "pcm_mulaw", "-f", "wav", "-"], check=True,
                           stdout=o)
        # RF64 (WAV with 64-bit sizes in a ds64 chunk) as FFmpeg writes it to a file, and as it
        # streams it to a pipe, with the ds64 sizes left at 0: libsndfile and FFmpeg read no
        # sample of that one, without a word. In μ-law, which only they decode, it is refused
        for name, args, dest in [("speech_c_rf64.wav", [], None),
                                 ("speech_c_rf64_stream.wav", [], "-"),
                                 ("ulaw_rf64_stream.wav", ["-c:a", "pcm_mulaw"], "-")]:
            path = os.path.join(v if name.startswith("speech") else os.path.join(DATA, "bad"), name)
            cmd = ["ffmpeg", "-v", "quiet", "-y", "-i", b] + args + ["-rf64", "always", "-f", "wav"]
            if dest:
                with open(path, "wb") as o:
                    subprocess.run(cmd + [dest], check=True, stdout=o)
            else:
                run(cmd + [path])
        # ADTS AAC, whose sync resembles MPEG's: from a pipe libmpg123 took it, found false MPEG
        # frames in it and gave 0.03 s of noise without a word
        run(["ffmpeg", "-y", "-v", "quiet", "-i", b, "-ar", "32000", "-c:a", "aac", "-b:a", "64k", "-f", "adts",
             os.path.join(v, "speech_c_32k.aac")])
        # the two halves of streams whose channel count changes part-way (a broadcast's stereo
        # programme, then a mono one): test_audio_decode joins each pair into one stream
        st = os.path.join(v, "speech_c_stereo.wav")
        for fmt, ext, args, cut, halves in [
                ("adts", "aac", ["-c:a", "aac", "-b:a", "64k"], "0.384", [("stereo", st), ("mono", b)]),
                ("mp2", "mp2", ["-c:a", "mp2", "-b:a", "128k"], "0.36", [("mono", b), ("stereo", st)])]:
            for k, (kind, src) in enumerate(halves):
                trim = ["-t", cut] if k == 0 else ["-ss", cut, "-t", cut]
                name = "speech_c_%s_%s.%s" % (kind, "first" if k == 0 else "second", ext)
                run(["ffmpeg", "-y", "-v", "quiet", "-i", src] + trim + args + ["-f", fmt, os.path.join(v, name)])
        # and a second half at another rate, which is refused
        run(["ffmpeg", "-y", "-v", "quiet", "-i", b, "-ss", "0.36", "-t", "0.2", "-ar", "22050", "-c:a", "mp2",
             "-b:a", "64k", "-f", "mp2", os.path.join(v, "speech_c_22k_second.mp2")])
    make_bad(os.path.join(DATA, "speech_b.wav"))


def make_bad(good):
    """Inputs that must fail with a message naming the file and the reason."""
    bad = os.path.join(DATA, "bad")
    os.makedirs(bad, exist_ok=True)
    raw = open(good, "rb").read()
    open(os.path.join(bad, "empty.wav"), "wb").close()
    # header intact, data cut in half: the data chunk declares more than the file holds
    open(os.path.join(bad, "truncated.wav"), "wb").write(raw[:44 + (len(raw) - 44) // 2])
    # a header that is not one
    open(os.path.join(bad, "corrupt.wav"), "wb").write(b"RIFF\x10\x00\x00\x00WAVEfmt \xff\xff\xff\x7f" + bytes(64))
    # a valid WAV container whose codec (format tag 0x2222) nobody decodes
    fmt = (b"fmt " + (16).to_bytes(4, "little") + (0x2222).to_bytes(2, "little") + (1).to_bytes(2, "little")
           + (16000).to_bytes(4, "little") + (32000).to_bytes(4, "little") + (2).to_bytes(2, "little")
           + (16).to_bytes(2, "little"))
    data = b"data" + (256).to_bytes(4, "little") + bytes(range(256))
    body = b"WAVE" + fmt + data
    open(os.path.join(bad, "unsupported_codec.wav"), "wb").write(b"RIFF" + len(body).to_bytes(4, "little") + body)
    open(os.path.join(bad, "not_audio.wav"), "w").write("this is a text file, not audio\n" * 4)
    # FLAC with its frames cut off after the header
    flac = open(os.path.join(DATA, "variants", "speech_c.flac"), "rb").read()
    open(os.path.join(bad, "truncated.flac"), "wb").write(flac[:len(flac) // 3])
    # an MP3 cut after 3000 of its bytes (0.29 s of the 0.75 s its Info header announces)
    mp3 = os.path.join(DATA, "variants", "speech_c.mp3")
    if os.path.exists(mp3):
        open(os.path.join(bad, "truncated.mp3"), "wb").write(open(mp3, "rb").read()[:3000])
        # the same cut MPEG stream (its ID3 tag left out) inside a WAV (format tag 0x0055,
        # MPEGLAYER3WAVEFORMAT): libsndfile decodes it with libmpg123, which then printed its
        # own warning on standard error
        cut = open(os.path.join(bad, "truncated.mp3"), "rb").read()
        if cut[:3] == b"ID3":
            cut = cut[10 + ((cut[6] << 21) | (cut[7] << 14) | (cut[8] << 7) | cut[9]):]
        le = lambda v, n: v.to_bytes(n, "little")  # noqa: E731
        fmt = (le(0x0055, 2) + le(1, 2) + le(16000, 4) + le(4000, 4) + le(1, 2) + le(0, 2)
               + le(12, 2) + le(1, 2) + le(2, 4) + le(144, 2) + le(1, 2) + le(1393, 2))
        body = b"WAVE" + b"fmt " + le(len(fmt), 4) + fmt + b"data" + le(len(cut), 4) + cut
        open(os.path.join(bad, "truncated_mp3.wav"), "wb").write(b"RIFF" + le(len(body), 4) + body)
    # two Ogg Vorbis streams chained (one after the other): libsndfile decoded the first and
    # ended there without a word
    ogg = open(os.path.join(DATA, "variants", "speech_c.ogg"), "rb").read()
    open(os.path.join(bad, "chained.ogg"), "wb").write(ogg + ogg)
    # a video file with no audio stream: FFmpeg's reason ("no audio stream"), not libsndfile's
    # "Format not recognised."
    if shutil.which("ffmpeg"):
        run(["ffmpeg", "-y", "-v", "quiet", "-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=0.4",
             "-c:v", "mpeg4", "-an", os.path.join(bad, "no_audio.mp4")])
    # float samples with a NaN at sample 12345 (0.772 s): refused, naming the sample
    x = np.linspace(-0.05, 0.05, SR).astype("<f4")
    x[12345] = np.nan
    fmt = (b"fmt " + (16).to_bytes(4, "little") + (3).to_bytes(2, "little") + (1).to_bytes(2, "little")
           + SR.to_bytes(4, "little") + (4 * SR).to_bytes(4, "little") + (4).to_bytes(2, "little")
           + (32).to_bytes(2, "little"))
    body = b"WAVE" + fmt + b"data" + (4 * SR).to_bytes(4, "little") + x.tobytes()
    open(os.path.join(bad, "nan.wav"), "wb").write(b"RIFF" + len(body).to_bytes(4, "little") + body)


# ---- goldens ----------------------------------------------------------------------------

def whisper_cfgs(n):
    keep = min(n // R.HOP + 4, (n + R.PAD["openai"]) // R.HOP)
    return [("w80o", "whisper-80", ["padding=openai"], lambda x: R.whisper_torch(x, 80, "openai"), 2e-4, keep),
            ("w80f", "whisper-80", ["padding=faster-whisper"], lambda x: R.whisper_numpy(x, 80, "faster-whisper"), 2e-4, 0),
            ("w128o", "whisper-128", ["padding=openai"], lambda x: R.whisper_torch(x, 128, "openai"), 2e-4, keep),
            ("w128f", "whisper-128", ["padding=faster-whisper"], lambda x: R.whisper_numpy(x, 128, "faster-whisper"), 2e-4, 0),
            ("w80n", "whisper-80", ["padding=none"], lambda x: R.whisper_numpy(x, 80, "none"), 2e-4, 0)]


def standard_cfgs(n):
    c = whisper_cfgs(n)
    c.append(("vggish", "vggish", [], R.vggish_examples, 1e-3, 0))
    c.append(("fb80", "fbank-80", [], R.fbank80, 1e-3, 0))
    c.append(("fbank", "fbank", [], lambda x: R.kaldi_fbank(x), 1e-3, 0))
    return c


# fbank options speaker and ASR front ends use, on a short stretch of speech_b
FBANK_OPTIONS = [
    ("povey", {}),
    ("hamming", {"window_type": "hamming"}),
    ("hanning", {"window_type": "hanning"}),
    ("rect", {"window_type": "rectangular"}),
    ("blackman", {"window_type": "blackman"}),
    ("blackman_coeff", {"window_type": "blackman", "blackman_coeff": 0.5}),
    ("nosnip", {"snip_edges": False}),
    ("nosnip_hop7", {"snip_edges": False, "frame_shift": 7.0, "frame_length": 20.0}),
    ("noround", {"round_to_power_of_two": False}),
    ("energy", {"use_energy": True}),
    ("energy_htk", {"use_energy": True, "htk_compat": True}),
    ("energy_noraw", {"use_energy": True, "raw_energy": False, "energy_floor": 0.0}),
    ("magnitude", {"use_power": False}),
    ("linear", {"use_log_fbank": False}),
    ("nodc_nopre", {"remove_dc_offset": False, "preemphasis_coefficient": 0.0}),
    ("freqs", {"low_freq": 60.0, "high_freq": -400.0, "num_mel_bins": 40}),
    ("bins64_scaled", {"num_mel_bins": 64, "sample_scale": 32768.0}),
    ("mean", {"subtract_mean": True}),
    ("vtln_down", {"vtln_warp": 0.9}),
    ("vtln_up", {"vtln_warp": 1.1, "vtln_low": 200.0, "vtln_high": -800.0, "num_mel_bins": 40}),
]

KEYMAP = {"num_mel_bins": "n_mels", "frame_length": "frame_length_ms", "frame_shift": "frame_shift_ms"}


def fbank_option_cfgs():
    out = []
    for name, kw in FBANK_OPTIONS:
        kw = dict(kw)
        scale = kw.pop("sample_scale", 1.0)
        mean = kw.pop("subtract_mean", False)
        keys = []
        for k, v in kw.items():
            if isinstance(v, bool):
                v = int(v)
            keys.append("%s=%s" % (KEYMAP.get(k, k), v))
        if scale != 1.0:
            keys.append("sample_scale=%s" % scale)
        if mean:
            keys.append("subtract_mean=1")
        fn = (lambda kw_, s_, m_: lambda x: R.kaldi_fbank(x, sample_scale=s_, subtract_mean=m_, **kw_))(kw, scale, mean)
        # linear filterbank energies are not logs: hold them to a relative bound instead
        tol = "rel=1e-4" if not kw.get("use_log_fbank", True) else 1e-3
        out.append(("fbopt_" + name, "fbank", keys, fn, tol, 0))
    return out


def write_goldens(outdir, items):
    gdir = os.path.join(outdir, "golden")
    os.makedirs(gdir, exist_ok=True)
    lines = []
    for wav_rel, wav_path, n_take, cfgs in items:
        x, rate = read_wav(wav_path)
        assert rate == SR, wav_path
        if n_take:
            x = x[:n_take]
        base = os.path.splitext(os.path.basename(wav_rel))[0]
        for tag, preset, keys, fn, tol, keep in cfgs:
            try:
                ref = np.asarray(fn(x.astype(np.float64)))
            except (AssertionError, RuntimeError, ValueError):
                continue  # the reference refuses this input (torchaudio: shorter than a window)
            if tag.startswith("vggish") and ref.shape[0] == 0:
                continue
            if ref.size == 0:
                continue
            name = "%s.%s" % (base, tag)
            if keep:
                ref = ref[:, :keep]
            np.save(os.path.join(gdir, name + ".npy"), ref.astype(np.float32))
            tol_s = tol if isinstance(tol, str) else "tol=%g" % tol
            extra = (" keep=%d" % keep) if keep else ""
            lines.append("%s %s %d %s %s %s%s" % (name, wav_rel, n_take, preset, " ".join(keys) or "-", tol_s, extra))
    with open(os.path.join(gdir, "manifest.txt"), "w") as f:
        f.write("# generated by scripts/make_golden_audio.py — name wav n_samples preset keys tol [keep]\n")
        f.write("\n".join(lines) + "\n")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", action="store_true", help="re-create the WAV files too")
    ap.add_argument("--out", help="write goldens for --wav files here instead")
    ap.add_argument("--wav", action="append", default=[])
    a = ap.parse_args()
    if a.out:
        items = []
        os.makedirs(a.out, exist_ok=True)
        for w in a.wav:
            # other recordings: convert to 16 kHz 16-bit mono with accel-independent tools
            dst = os.path.join(a.out, os.path.basename(w))
            run(["sox", w, "-r", "16000", "-b", "16", "-c", "1", dst])
            n = len(read_wav(dst)[0])
            items.append((os.path.basename(w), dst, 0, standard_cfgs(n)))
        lines = write_goldens(a.out, items)
        print("%d goldens in %s" % (len(lines), a.out))
        return
    if a.data:
        make_data()
    items = []
    p = os.path.join(DATA, "speech_a.wav")
    items.append(("speech_a.wav", p, 0, standard_cfgs(len(read_wav(p)[0]))))
    p = os.path.join(DATA, "speech_b.wav")
    cfgs = [c for c in standard_cfgs(len(read_wav(p)[0])) if c[0] in ("w80o", "fb80")]
    items.append(("speech_b.wav", p, 0, cfgs))
    for name in ["silence", "tone", "noise", "clipping", "one_sample"]:
        p = os.path.join(DATA, name + ".wav")
        n = len(read_wav(p)[0])
        want = ("w80o", "w80f", "w80n", "vggish", "fb80") if name == "one_sample" else ("w80o", "vggish", "fb80")
        cfgs = [c for c in standard_cfgs(n) if c[0] in want]
        items.append((name + ".wav", p, 0, cfgs))
    items.append(("speech_b.wav", os.path.join(DATA, "speech_b.wav"), 12000, fbank_option_cfgs()))
    lines = write_goldens(DATA, items)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(DATA) for f in fs)
    print("%d goldens; tests/data/audio holds %.0f KB" % (len(lines), total / 1024))


if __name__ == "__main__":
    main()
