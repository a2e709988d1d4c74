/* params.c — presets, validation, plans (window, FFT, filterbank, framing) and the frame and
 * shape arithmetic of each reference. */
#include "audio_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const preset_names = "whisper-80, whisper-128, vggish, fbank, fbank-80";

static void kaldi_defaults(accel_audio_params *p)
{
    /* torchaudio.compliance.kaldi.fbank's defaults */
    p->window_type = ACCEL_AUDIO_WIN_POVEY;
    p->frame_length_ms = 25.0;
    p->frame_shift_ms = 10.0;
    p->dither = 0.0;
    p->preemphasis_coefficient = 0.97;
    p->remove_dc_offset = 1;
    p->snip_edges = 1;
    p->round_to_power_of_two = 1;
    p->use_energy = 0;
    p->raw_energy = 1;
    p->htk_compat = 0;
    p->energy_floor = 1.0;
    p->use_log_fbank = 1;
    p->use_power = 1;
    p->low_freq = 20.0;
    p->high_freq = 0.0;
    p->blackman_coeff = 0.42;
    p->sample_scale = 1.0;
    p->subtract_mean = 0;
    p->vtln_warp = 1.0;
    p->vtln_low = 100.0;
    p->vtln_high = -500.0;
    p->min_duration = 0.0;
}

accel_status accel_audio_params_preset(const char *name, accel_audio_params *p)
{
    RETURN_ERROR_IF(!p, ACCEL_ERR_INVALID_ARG, "accel_audio_params_preset: NULL params");
    RETURN_ERROR_IF(!name, ACCEL_ERR_INVALID_ARG, "audio preset: NULL name (allowed: %s)",
                    preset_names);
    accel_audio_params q;
    memset(&q, 0, sizeof q);
    q.struct_size = sizeof q;
    q.sample_rate = 16000;
    q.padding = ACCEL_AUDIO_PAD_OPENAI;
    kaldi_defaults(&q);
    if (strcmp(name, "whisper-80") == 0) {
        q.kind = ACCEL_AUDIO_WHISPER;
        q.n_mels = 80;
    } else if (strcmp(name, "whisper-128") == 0) {
        q.kind = ACCEL_AUDIO_WHISPER;
        q.n_mels = 128;
    } else if (strcmp(name, "vggish") == 0) {
        q.kind = ACCEL_AUDIO_VGGISH;
        q.n_mels = AUDIO_VGGISH_BANDS;
    } else if (strcmp(name, "fbank") == 0) {
        q.kind = ACCEL_AUDIO_FBANK;
        q.n_mels = 23;
    } else if (strcmp(name, "fbank-80") == 0) {
        /* what speaker-embedding front ends (WeSpeaker, 3D-Speaker, …) pass to torchaudio */
        q.kind = ACCEL_AUDIO_FBANK;
        q.n_mels = 80;
        q.window_type = ACCEL_AUDIO_WIN_HAMMING;
        q.sample_scale = 32768.0;
        q.subtract_mean = 1;
    } else {
        return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "unknown audio preset '%s' (allowed: %s)", name,
                           preset_names);
    }
    size_t sz = p->struct_size && p->struct_size < sizeof q ? p->struct_size : sizeof q;
    memcpy(p, &q, sz);
    p->struct_size = sz;
    return ACCEL_OK;
}

static int kaldi_samples(double rate, double ms) { return (int)(rate * ms * 0.001); }

static int next_pow2(int x)
{
    int p = 1;
    while (p < x) p <<= 1;
    return p;
}

#define BAD(...) return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, __VA_ARGS__)

accel_status accel_audio_params_check(const accel_audio_params *p)
{
    if (!p) BAD("audio params: NULL");
    if (p->struct_size < sizeof *p)
        BAD("audio params: struct_size %zu is smaller than this library's %zu (fill it with "
            "accel_audio_params_preset)", p->struct_size, sizeof *p);
    switch (p->kind) {
    case ACCEL_AUDIO_WHISPER:
    case ACCEL_AUDIO_VGGISH:
        if (p->sample_rate != 16000)
            BAD("audio params: sample_rate %d (allowed for %s: 16000)", p->sample_rate,
                p->kind == ACCEL_AUDIO_WHISPER ? "whisper" : "vggish");
        if (p->n_mels < 1 || p->n_mels > 512)
            BAD("audio params: n_mels %d (allowed: 1..512; the models use %s)", p->n_mels,
                p->kind == ACCEL_AUDIO_WHISPER ? "80 or 128" : "64");
        if (p->kind == ACCEL_AUDIO_WHISPER) {
            if ((unsigned)p->padding > ACCEL_AUDIO_PAD_NONE)
                BAD("audio params: padding %d (allowed: openai, faster-whisper, none)", (int)p->padding);
            if (p->windows != 0 && p->windows != 1) BAD("audio params: windows %d (allowed: 0, 1)", p->windows);
        }
        return ACCEL_OK;
    case ACCEL_AUDIO_FBANK: break;
    default: BAD("audio params: kind %d (allowed: whisper, vggish, fbank)", (int)p->kind);
    }
    if (p->sample_rate < 1000 || p->sample_rate > 768000)
        BAD("audio params: sample_rate %d (allowed: 1000..768000)", p->sample_rate);
    if (p->n_mels <= 3 || p->n_mels > 1024)
        BAD("audio params: num_mel_bins %d (allowed: 4..1024)", p->n_mels);
    if ((unsigned)p->window_type > ACCEL_AUDIO_WIN_BLACKMAN)
        BAD("audio params: window_type %d (allowed: povey, hamming, hanning, rectangular, blackman)",
            (int)p->window_type);
    if (!(p->frame_length_ms > 0) || !(p->frame_shift_ms > 0))
        BAD("audio params: frame_length %g ms, frame_shift %g ms (both must be > 0)",
            p->frame_length_ms, p->frame_shift_ms);
    int win = kaldi_samples(p->sample_rate, p->frame_length_ms);
    int hop = kaldi_samples(p->sample_rate, p->frame_shift_ms);
    if (win < 2 || win > 65536)
        BAD("audio params: frame_length %g ms is %d samples (allowed: 2..65536)", p->frame_length_ms, win);
    if (hop < 1) BAD("audio params: frame_shift %g ms is under one sample", p->frame_shift_ms);
    double nyq = 0.5 * p->sample_rate;
    double hi = p->high_freq <= 0 ? p->high_freq + nyq : p->high_freq;
    if (!(p->low_freq >= 0 && p->low_freq < nyq) || !(hi > 0 && hi <= nyq) || !(p->low_freq < hi))
        BAD("audio params: low_freq %g, high_freq %g (effective %g): need 0 <= low < high <= %g "
            "(Nyquist)", p->low_freq, p->high_freq, hi, nyq);
    if (!(p->vtln_warp > 0) || !isfinite(p->vtln_warp))
        BAD("audio params: vtln_warp %g (must be > 0; 1 = no warp)", p->vtln_warp);
    if (p->vtln_warp != 1.0) {
        double vhi = p->vtln_high < 0 ? p->vtln_high + nyq : p->vtln_high;
        if (!(p->low_freq < p->vtln_low && p->vtln_low < hi) || !(vhi > 0 && vhi < hi) ||
            !(p->vtln_low < vhi))
            BAD("audio params: vtln_low %g, vtln_high %g (effective %g) with low_freq %g and "
                "high_freq %g (effective %g): need low_freq < vtln_low < vtln_high < high_freq",
                p->vtln_low, p->vtln_high, vhi, p->low_freq, p->high_freq, hi);
    }
    if (!(p->min_duration >= 0) || !isfinite(p->min_duration))
        BAD("audio params: min_duration %g s (must be >= 0)", p->min_duration);
    if (!(p->dither >= 0) || !isfinite(p->dither)) BAD("audio params: dither %g (must be >= 0)", p->dither);
    if (!(p->energy_floor >= 0) || !isfinite(p->energy_floor))
        BAD("audio params: energy_floor %g (must be >= 0)", p->energy_floor);
    if (!isfinite(p->preemphasis_coefficient) || !isfinite(p->sample_scale) || p->sample_scale == 0 ||
        !isfinite(p->blackman_coeff))
        BAD("audio params: preemphasis_coefficient, sample_scale and blackman_coeff must be finite "
            "(sample_scale non-zero)");
    return ACCEL_OK;
}

/* ---- plans ---- */

static accel_status make_window(audio_plan *pl)
{
    int n = pl->win;
    pl->window = malloc((size_t)n * sizeof *pl->window);
    pl->windowd = malloc((size_t)n * sizeof *pl->windowd);
    RETURN_ERROR_IF(!pl->window || !pl->windowd, ACCEL_ERR_NO_MEMORY, "out of memory for a window");
    const accel_audio_params *p = &pl->p;
    for (int i = 0; i < n; i++) {
        double w = 1.0;
        if (p->kind != ACCEL_AUDIO_FBANK) {
            w = 0.5 - 0.5 * cos(2.0 * M_PI * i / n); /* periodic Hann */
        } else {
            double a = 2.0 * M_PI / (n - 1);
            switch (p->window_type) {
            case ACCEL_AUDIO_WIN_HANNING: w = 0.5 - 0.5 * cos(a * i); break;
            case ACCEL_AUDIO_WIN_HAMMING: w = 0.54 - 0.46 * cos(a * i); break;
            case ACCEL_AUDIO_WIN_POVEY: w = pow(0.5 - 0.5 * cos(a * i), 0.85); break;
            case ACCEL_AUDIO_WIN_RECTANGULAR: w = 1.0; break;
            case ACCEL_AUDIO_WIN_BLACKMAN:
                w = p->blackman_coeff - 0.5 * cos(a * i) + (0.5 - p->blackman_coeff) * cos(2 * a * i);
                break;
            }
        }
        pl->window[i] = (float)w;
        pl->windowd[i] = w;
    }
    return ACCEL_OK;
}

accel_status accel__audio_plan_init(audio_plan *pl, const accel_audio_params *p)
{
    memset(pl, 0, sizeof *pl);
    FORWARD_IF_ERROR(accel_audio_params_check(p));
    pl->p = *p;
    pl->p.struct_size = sizeof pl->p;
    pl->n_mels = p->n_mels;
    pl->n_out = p->n_mels;
    accel_status st;
    switch (p->kind) {
    case ACCEL_AUDIO_WHISPER:
        pl->win = pl->n_fft = AUDIO_WHISPER_NFFT;
        pl->hop = AUDIO_WHISPER_HOP;
        pl->framing = AUDIO_FRAMING_CENTER;
        pl->pad_left = AUDIO_WHISPER_NFFT / 2;
        pl->logkind = AUDIO_LOG_WHISPER;
        st = accel__audio_mel_slaney(&pl->mel, 16000, pl->n_fft, p->n_mels);
        break;
    case ACCEL_AUDIO_VGGISH:
        pl->win = AUDIO_VGGISH_WIN;
        pl->n_fft = AUDIO_VGGISH_NFFT;
        pl->hop = AUDIO_VGGISH_HOP;
        pl->framing = AUDIO_FRAMING_DIRECT;
        pl->logkind = AUDIO_LOG_VGGISH;
        st = accel__audio_mel_vggish(&pl->mel, 16000, pl->n_fft, p->n_mels, 125.0, 7500.0);
        break;
    default:
        pl->win = kaldi_samples(p->sample_rate, p->frame_length_ms);
        pl->hop = kaldi_samples(p->sample_rate, p->frame_shift_ms);
        pl->n_fft = p->round_to_power_of_two ? next_pow2(pl->win) : pl->win;
        pl->framing = p->snip_edges ? AUDIO_FRAMING_DIRECT : AUDIO_FRAMING_KALDI;
        pl->pad_left = p->snip_edges ? 0 : pl->win / 2 - pl->hop / 2;
        pl->logkind = AUDIO_LOG_KALDI;
        pl->kaldi_pre = 1;
        {
            int e;
            pl->kaldi_fmean = !(p->dither > 0) && p->sample_scale >= 1.0 && p->sample_scale <= 0x1p64 &&
                              frexp(p->sample_scale, &e) == 0.5;
        }
        pl->n_out = p->n_mels + (p->use_energy ? 1 : 0);
        pl->log_energy_floor = p->energy_floor > 0 ? (float)log(p->energy_floor) : -INFINITY;
        st = accel__audio_mel_kaldi(&pl->mel, p->sample_rate, pl->n_fft, p->n_mels, p->low_freq,
                                    p->high_freq, p->vtln_warp, p->vtln_low, p->vtln_high);
        break;
    }
    pl->n_bins = pl->n_fft / 2 + 1;
    if (st == ACCEL_OK) st = make_window(pl);
    if (st == ACCEL_OK) st = accel__audio_fft_plan(&pl->fft, pl->n_fft);
    if (st == ACCEL_OK) st = accel__audio_fft_plan8(&pl->fft8, pl->n_fft);
    if (st != ACCEL_OK) {
        accel__audio_plan_free(pl);
        return st;
    }
    return ACCEL_OK;
}

void accel__audio_plan_free(audio_plan *pl)
{
    accel__audio_mel_free(&pl->mel);
    accel__audio_fft_free(&pl->fft);
    accel__audio_fft_free(&pl->fft8);
    free(pl->window);
    free(pl->windowd);
    pl->window = NULL;
    pl->windowd = NULL;
}

/* ---- frames, edges, shapes ---- */

static int64_t whisper_pad(const accel_audio_params *p)
{
    switch (p->padding) {
    case ACCEL_AUDIO_PAD_OPENAI: return AUDIO_WHISPER_PAD_OPENAI;
    case ACCEL_AUDIO_PAD_FASTER_WHISPER: return AUDIO_WHISPER_PAD_FASTER;
    default: return 0;
    }
}

void accel__audio_frames(const audio_plan *pl, int64_t n, audio_frames *fr)
{
    memset(fr, 0, sizeof *fr);
    if (n < 0) n = 0;
    const accel_audio_params *p = &pl->p;
    switch (p->kind) {
    case ACCEL_AUDIO_WHISPER: {
        int64_t pad = whisper_pad(p);
        fr->total = (n + pad) / AUDIO_WHISPER_HOP; /* torch.stft frames, the last one dropped */
        fr->computed = fr->total;
        /* With more than n_fft/2 zeros appended, every frame that starts past the samples reads
         * zeros only (also through the reflection at the end): log10 of the 1e-10 floor. */
        if (pad > AUDIO_WHISPER_NFFT / 2) {
            int64_t fz = (n + AUDIO_WHISPER_NFFT / 2 + AUDIO_WHISPER_HOP - 1) / AUDIO_WHISPER_HOP;
            if (fz < fr->computed) fr->computed = fz;
        }
        fr->content = n / AUDIO_WHISPER_HOP;
        if (fr->content > fr->total) fr->content = fr->total;
        if (p->windows) {
            fr->windows = (fr->content + AUDIO_WHISPER_WINDOW_FRAMES - 1) / AUDIO_WHISPER_WINDOW_FRAMES;
            fr->stored = fr->content;
        } else {
            fr->stored = fr->total;
        }
        break;
    }
    case ACCEL_AUDIO_VGGISH:
        fr->total = n >= pl->win ? 1 + (n - pl->win) / pl->hop : 0;
        fr->windows = fr->total / AUDIO_VGGISH_EXAMPLE;
        fr->computed = fr->stored = fr->content = fr->windows * AUDIO_VGGISH_EXAMPLE;
        break;
    default:
        if ((double)n < p->min_duration * p->sample_rate)
            fr->total = 0; /* torchaudio returns an empty tensor */
        else if (n < pl->win)
            fr->total = 0; /* torchaudio asserts here; an empty result serves batches better */
        else if (p->snip_edges)
            fr->total = 1 + (n - pl->win) / pl->hop;
        else
            fr->total = (n + pl->hop / 2) / pl->hop;
        fr->computed = fr->stored = fr->content = fr->total;
        break;
    }
    if (fr->computed > fr->total) fr->computed = fr->total;
}

void accel__audio_layout(const audio_plan *pl, const audio_frames *fr, audio_layout *lay)
{
    const int64_t big = INT64_MAX / 4;
    if (pl->p.kind == ACCEL_AUDIO_WHISPER) {
        if (pl->p.windows) {
            lay->wf = AUDIO_WHISPER_WINDOW_FRAMES;
            lay->ws = (int64_t)pl->n_mels * AUDIO_WHISPER_WINDOW_FRAMES;
            lay->fs = 1;
            lay->ks = AUDIO_WHISPER_WINDOW_FRAMES;
        } else {
            lay->wf = big;
            lay->ws = 0;
            lay->fs = 1;
            lay->ks = fr->total;
        }
    } else {
        lay->wf = big;
        lay->ws = 0;
        lay->fs = pl->n_out;
        lay->ks = 1;
    }
}

accel_status accel_audio_shape(const accel_audio_params *p, size_t n_samples, size_t shape[3],
                               int *ndim)
{
    RETURN_ERROR_IF(!shape || !ndim, ACCEL_ERR_INVALID_ARG, "accel_audio_shape: NULL output");
    FORWARD_IF_ERROR(accel_audio_params_check(p));
    /* the frame arithmetic needs only the framing numbers, not the tables */
    audio_plan pl;
    memset(&pl, 0, sizeof pl);
    pl.p = *p;
    pl.n_mels = pl.n_out = p->n_mels;
    if (p->kind == ACCEL_AUDIO_FBANK) {
        pl.win = kaldi_samples(p->sample_rate, p->frame_length_ms);
        pl.hop = kaldi_samples(p->sample_rate, p->frame_shift_ms);
        pl.n_out += p->use_energy ? 1 : 0;
    } else {
        pl.win = p->kind == ACCEL_AUDIO_WHISPER ? AUDIO_WHISPER_NFFT : AUDIO_VGGISH_WIN;
        pl.hop = AUDIO_WHISPER_HOP;
    }
    audio_frames fr;
    accel__audio_frames(&pl, (int64_t)n_samples, &fr);
    shape[2] = 0;
    switch (p->kind) {
    case ACCEL_AUDIO_WHISPER:
        if (p->windows) {
            *ndim = 3;
            shape[0] = (size_t)fr.windows;
            shape[1] = (size_t)p->n_mels;
            shape[2] = AUDIO_WHISPER_WINDOW_FRAMES;
        } else {
            *ndim = 2;
            shape[0] = (size_t)p->n_mels;
            shape[1] = (size_t)fr.total;
        }
        break;
    case ACCEL_AUDIO_VGGISH:
        *ndim = 3;
        shape[0] = (size_t)fr.windows;
        shape[1] = AUDIO_VGGISH_EXAMPLE;
        shape[2] = (size_t)p->n_mels;
        break;
    default:
        *ndim = 2;
        shape[0] = (size_t)fr.total;
        shape[1] = (size_t)pl.n_out;
        break;
    }
    return ACCEL_OK;
}

/* numpy's "reflect" padding for any distance: the signal mirrored about its first and last
 * samples, repeatedly (period 2·(len − 1)). */
static int64_t reflect_index(int64_t i, int64_t len)
{
    if (len <= 1) return 0;
    int64_t period = 2 * (len - 1);
    i %= period;
    if (i < 0) i += period;
    return i < len ? i : period - i;
}

float accel__audio_sample_at(const audio_plan *pl, const audio_signal *sig, int64_t i)
{
    int64_t j;
    switch (pl->framing) {
    case AUDIO_FRAMING_CENTER: {
        int64_t vlen = sig->n + sig->pad;
        j = (i >= 0 && i < vlen) ? i : reflect_index(i, vlen);
        if (j >= sig->n) return 0.0f; /* appended zeros */
        break;
    }
    case AUDIO_FRAMING_KALDI:
        /* torchaudio _get_strided(snip_edges=False): [x[pad-1] … x[0]] x [x[n-1] … x[0]] */
        j = i < 0 ? -i - 1 : (i >= sig->n ? 2 * sig->n - 1 - i : i);
        break;
    default: j = i; break;
    }
    j -= sig->base;
    if (j < 0 || j >= sig->len) return 0.0f; /* outside the buffer: callers never ask */
    return sig->x16 ? (float)sig->x16[j] * (1.0f / 32768.0f) : sig->x[j];
}
