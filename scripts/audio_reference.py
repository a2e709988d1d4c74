"""Reference computations of the audio front ends accel implements, restated from the
references' published code paths so they run with numpy and torch/torchaudio only:

  whisper_torch      openai-whisper's log_mel_spectrogram (torch.stft, periodic Hann, centred
                     reflect padding, last frame dropped, librosa Slaney mel, log10 floor
                     1e-10, max - 8 floor, (x + 4) / 4), in float32 or float64
  whisper_numpy      the same in float64 numpy (numpy reflect padding: short inputs too)
  whisper_faster     faster-whisper's numpy FeatureExtractor (160 zeros appended, numpy reflect
                     padding, np.fft.rfft, complex64, float32 filterbank)
  whisper_windows    the 30-s windows transcribe() slices (pad_or_trim with zeros)
  vggish_examples    AudioSet VGGish mel_features + waveform_to_examples (float64)
  kaldi_fbank        torchaudio.compliance.kaldi.fbank, with sample scaling and mean removal

Used by scripts/make_golden_audio.py (the committed goldens) and bench/audio_peers.py.
"""
import math

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
PAD = {"openai": 480000, "faster-whisper": 160, "none": 0}


# ---- librosa.filters.mel(sr, n_fft, n_mels) with htk=False, norm="slaney" -----------------
def _slaney_hz_to_mel(f):
    f = np.asanyarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def _slaney_mel_to_hz(m):
    m = np.asanyarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def slaney_mel_filters(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=80):
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = _slaney_mel_to_hz(np.linspace(_slaney_hz_to_mel(0.0), _slaney_hz_to_mel(sr / 2.0),
                                          n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    return weights * enorm[:, np.newaxis]


# ---- openai-whisper -------------------------------------------------------------------------
def whisper_torch(audio, n_mels=80, padding="openai", dtype="float64", threads=None):
    """log_mel_spectrogram(audio, n_mels, padding=PAD[padding]) with torch.stft."""
    import torch
    if threads:
        torch.set_num_threads(threads)
    td = torch.float64 if dtype == "float64" else torch.float32
    x = torch.from_numpy(np.asarray(audio, dtype=np.float64 if dtype == "float64" else np.float32))
    pad = PAD[padding]
    if pad > 0:
        x = torch.nn.functional.pad(x, (0, pad))
    window = torch.hann_window(N_FFT, dtype=td)
    stft = torch.stft(x, N_FFT, HOP, window=window, return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    filters = torch.from_numpy(slaney_mel_filters(n_mels=n_mels)).to(td)
    mel_spec = filters @ magnitudes
    log_spec = torch.clamp(mel_spec, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    log_spec = (log_spec + 4.0) / 4.0
    return log_spec.numpy()


def whisper_numpy(audio, n_mels=80, padding="faster-whisper"):
    """The same computation in float64 numpy, with numpy's reflect padding, which (unlike
    torch's) also pads inputs shorter than n_fft / 2 — as faster-whisper does."""
    x = np.asarray(audio, dtype=np.float64)
    pad = PAD[padding]
    if pad:
        x = np.pad(x, (0, pad))
    x = np.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(x, (n_frames, N_FFT), (HOP * x.strides[0], x.strides[0]))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    power = np.abs(np.fft.rfft(frames * window, axis=-1)).T[:, :-1] ** 2
    mel = slaney_mel_filters(n_mels=n_mels) @ power
    log_spec = np.log10(np.maximum(mel, 1e-10))
    if log_spec.size == 0:
        return log_spec
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def whisper_faster(audio, n_mels=80, padding=160):
    """faster-whisper FeatureExtractor.__call__ (numpy version)."""
    filters = slaney_mel_filters(n_mels=n_mels).astype("float32")
    waveform = np.asarray(audio, dtype=np.float32)
    if padding:
        waveform = np.pad(waveform, (0, padding))
    window = np.hanning(N_FFT + 1)[:-1].astype("float32")
    x = np.pad(waveform, (N_FFT // 2, N_FFT // 2), mode="reflect")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(x, (n_frames, N_FFT), (HOP * x.strides[0], x.strides[0]))
    stft = np.fft.rfft(frames * window, n=N_FFT, axis=-1).T.astype("complex64")
    magnitudes = np.abs(stft[..., :-1]) ** 2
    mel_spec = filters @ magnitudes
    log_spec = np.log10(np.clip(mel_spec, a_min=1e-10, a_max=None))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def whisper_windows(mel, n_samples):
    """The 30-s windows transcribe() feeds the model: mel[:, seek:seek+size], pad_or_trim."""
    content = n_samples // HOP
    n_win = (content + 2999) // 3000
    out = np.zeros((n_win, mel.shape[0], 3000), dtype=np.float32)
    for w in range(n_win):
        seek = w * 3000
        size = min(3000, content - seek)
        out[w, :, :size] = mel[:, seek:seek + size]
    return out


# ---- VGGish (models/research/audioset/vggish: mel_features.py, vggish_input.py) -------------
def _frame(data, window_length, hop_length):
    num_samples = data.shape[0]
    num_frames = 1 + int(np.floor((num_samples - window_length) / hop_length))
    if num_frames <= 0:
        return np.zeros((0, window_length) + data.shape[1:], dtype=data.dtype)
    shape = (num_frames, window_length) + data.shape[1:]
    strides = (data.strides[0] * hop_length,) + data.strides
    return np.lib.stride_tricks.as_strided(data, shape=shape, strides=strides)


def _hertz_to_mel(f):
    return 1127.0 * np.log(1.0 + (f / 700.0))


def vggish_mel_matrix(num_mel_bins=64, num_spectrogram_bins=257, sr=16000, lo=125.0, hi=7500.0):
    nyquist = sr / 2.0
    bins_mel = _hertz_to_mel(np.linspace(0.0, nyquist, num_spectrogram_bins))
    edges = np.linspace(_hertz_to_mel(lo), _hertz_to_mel(hi), num_mel_bins + 2)
    w = np.empty((num_spectrogram_bins, num_mel_bins))
    for i in range(num_mel_bins):
        lower_edge, center, upper_edge = edges[i:i + 3]
        lower_slope = (bins_mel - lower_edge) / (center - lower_edge)
        upper_slope = (upper_edge - bins_mel) / (upper_edge - center)
        w[:, i] = np.maximum(0.0, np.minimum(lower_slope, upper_slope))
    w[0, :] = 0.0
    return w


def vggish_examples(audio):
    data = np.asarray(audio, dtype=np.float64)
    win, hop = 400, 160
    fft_length = 2 ** int(np.ceil(np.log(win) / np.log(2.0)))
    frames = _frame(data, win, hop)
    window = 0.5 - (0.5 * np.cos(2 * np.pi / win * np.arange(win)))
    spec = np.abs(np.fft.rfft(frames * window, int(fft_length)))
    mel = np.dot(spec, vggish_mel_matrix(num_spectrogram_bins=spec.shape[1]))
    log_mel = np.log(mel + 0.01)
    return _frame(log_mel, 96, 96).astype(np.float32) if log_mel.shape[0] >= 96 else \
        np.zeros((0, 96, 64), dtype=np.float32)


# ---- Kaldi fbank through torchaudio ---------------------------------------------------------
KALDI_DEFAULTS = dict(num_mel_bins=23, window_type="povey", dither=0.0,
                      preemphasis_coefficient=0.97, remove_dc_offset=True, snip_edges=True,
                      round_to_power_of_two=True, use_energy=False, raw_energy=True,
                      htk_compat=False, energy_floor=1.0, use_log_fbank=True, use_power=True,
                      low_freq=20.0, high_freq=0.0, blackman_coeff=0.42,
                      frame_length=25.0, frame_shift=10.0, sample_frequency=16000.0)
FBANK80 = dict(num_mel_bins=80, window_type="hamming", dither=0.0)


def kaldi_fbank(audio, dtype="float64", sample_scale=1.0, subtract_mean=False, **opts):
    import torch
    import torchaudio
    kw = dict(KALDI_DEFAULTS)
    kw.update(opts)
    td = torch.float64 if dtype == "float64" else torch.float32
    x = torch.from_numpy(np.asarray(audio, dtype=np.float64)).to(td) * sample_scale
    feats = torchaudio.compliance.kaldi.fbank(x.unsqueeze(0), **kw)
    if subtract_mean:
        feats = feats - feats.mean(dim=0)
    return feats.numpy()


def fbank80(audio, dtype="float64"):
    """The fbank-80 preset: what speaker-embedding front ends do (WeSpeaker compute_fbank)."""
    return kaldi_fbank(audio, dtype=dtype, sample_scale=32768.0, subtract_mean=True, **FBANK80)
