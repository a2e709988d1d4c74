/* mel.c — the three mel filterbanks, each restated from its reference's formulas and computed
 * in double, then rounded once to float and stored sparsely (each band is one run of
 * consecutive bins, so a frame costs about two multiply-adds per spectrum bin instead of
 * n_mels per bin).
 *
 * A bank is built once per parameter set and process: the last few are kept (copies handed
 * out), because every call plans its parameters afresh and a corpus of short clips would
 * otherwise build the same bank for every file (a tenth of a run over 10-s clips). */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void accel__audio_mel_free(audio_melbank *mb)
{
    free(mb->start);
    free(mb->count);
    free(mb->off);
    free(mb->w);
    memset(mb, 0, sizeof *mb);
}

/* Builds the sparse bank from a dense row-major (n_mels × n_bins) double matrix. */
static accel_status from_dense(audio_melbank *mb, const double *dense, int n_mels, int n_bins)
{
    memset(mb, 0, sizeof *mb);
    mb->n_mels = n_mels;
    mb->n_bins = n_bins;
    mb->start = calloc((size_t)n_mels, sizeof *mb->start);
    mb->count = calloc((size_t)n_mels, sizeof *mb->count);
    mb->off = calloc((size_t)n_mels + 1, sizeof *mb->off);
    size_t total = 0;
    if (mb->start && mb->count && mb->off) {
        for (int m = 0; m < n_mels; m++) {
            const double *row = dense + (size_t)m * (size_t)n_bins;
            int lo = -1, hi = -1;
            for (int k = 0; k < n_bins; k++)
                if (row[k] != 0.0) {
                    if (lo < 0) lo = k;
                    hi = k;
                }
            mb->start[m] = lo < 0 ? 0 : lo;
            mb->count[m] = lo < 0 ? 0 : hi - lo + 1;
            mb->off[m] = total;
            total += (size_t)mb->count[m];
        }
        mb->off[n_mels] = total;
        mb->w = malloc((total + 1) * sizeof *mb->w);
    }
    if (!mb->start || !mb->count || !mb->off || !mb->w) {
        accel__audio_mel_free(mb);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for a mel filterbank");
    }
    for (int m = 0; m < n_mels; m++)
        for (int k = 0; k < mb->count[m]; k++)
            mb->w[mb->off[m] + (size_t)k] =
                (float)dense[(size_t)m * (size_t)n_bins + (size_t)(mb->start[m] + k)];
    return ACCEL_OK;
}

float *accel__audio_mel_dense(const audio_melbank *mb)
{
    float *d = calloc((size_t)mb->n_mels * (size_t)mb->n_bins + 1, sizeof *d);
    if (!d) return NULL;
    for (int m = 0; m < mb->n_mels; m++)
        for (int k = 0; k < mb->count[m]; k++)
            d[(size_t)m * (size_t)mb->n_bins + (size_t)(mb->start[m] + k)] =
                mb->w[mb->off[m] + (size_t)k];
    return d;
}

/* ---- the banks built so far ---- */

typedef struct mel_key {
    int kind, sr, n_fft, n_mels;
    double p[5];
} mel_key;

#define MEL_CACHE 8
static struct {
    int used;
    mel_key key;
    audio_melbank mb;
} mel_cache[MEL_CACHE];
static unsigned mel_cache_next;

static mel_key key_of(int kind, int sr, int n_fft, int n_mels, double a, double b, double c, double d, double e)
{
    mel_key k;
    memset(&k, 0, sizeof k); /* compared with memcmp: no stray padding bytes */
    k.kind = kind, k.sr = sr, k.n_fft = n_fft, k.n_mels = n_mels;
    k.p[0] = a, k.p[1] = b, k.p[2] = c, k.p[3] = d, k.p[4] = e;
    return k;
}

/* A copy of src in dst (dst's own arrays); 0 when out of memory. */
static int bank_copy(audio_melbank *dst, const audio_melbank *src)
{
    size_t nm = (size_t)src->n_mels, nw = src->off[src->n_mels];
    memset(dst, 0, sizeof *dst);
    dst->n_mels = src->n_mels;
    dst->n_bins = src->n_bins;
    dst->start = malloc((nm ? nm : 1) * sizeof *dst->start);
    dst->count = malloc((nm ? nm : 1) * sizeof *dst->count);
    dst->off = malloc((nm + 1) * sizeof *dst->off);
    dst->w = malloc((nw + 1) * sizeof *dst->w);
    if (!dst->start || !dst->count || !dst->off || !dst->w) {
        accel__audio_mel_free(dst);
        return 0;
    }
    memcpy(dst->start, src->start, nm * sizeof *dst->start);
    memcpy(dst->count, src->count, nm * sizeof *dst->count);
    memcpy(dst->off, src->off, (nm + 1) * sizeof *dst->off);
    memcpy(dst->w, src->w, nw * sizeof *dst->w);
    return 1;
}

static int cache_get(const mel_key *k, audio_melbank *mb)
{
    int hit = 0;
    accel__audio_kept_lock();
    for (int i = 0; i < MEL_CACHE && !hit; i++)
        if (mel_cache[i].used && memcmp(&mel_cache[i].key, k, sizeof *k) == 0) hit = bank_copy(mb, &mel_cache[i].mb);
    accel__audio_kept_unlock();
    return hit;
}

static void cache_put(const mel_key *k, const audio_melbank *mb)
{
    audio_melbank copy;
    if (!bank_copy(&copy, mb)) return; /* not kept; the caller has its bank */
    accel__audio_kept_lock();
    unsigned i = mel_cache_next++ % MEL_CACHE;
    if (mel_cache[i].used) accel__audio_mel_free(&mel_cache[i].mb);
    mel_cache[i].used = 1;
    mel_cache[i].key = *k;
    mel_cache[i].mb = copy;
    accel__audio_kept_unlock();
}

/* numpy.linspace(a, b, num) with endpoint: a + i·step, the last value exactly b. */
static double linspace_at(double a, double b, int num, int i)
{
    if (i == num - 1) return b;
    return (double)i * ((b - a) / (double)(num - 1)) + a;
}

/* librosa's Slaney mel scale (htk=False). */
static double slaney_hz_to_mel(double f)
{
    const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) / logstep : f / f_sp;
}

static double slaney_mel_to_hz(double mel)
{
    const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return mel >= min_log_mel ? min_log_hz * exp(logstep * (mel - min_log_mel)) : f_sp * mel;
}

static accel_status build_slaney(audio_melbank *mb, int sr, int n_fft, int n_mels)
{
    int n_bins = n_fft / 2 + 1;
    double *dense = calloc((size_t)n_mels * (size_t)n_bins, sizeof *dense);
    double *mel_f = malloc((size_t)(n_mels + 2) * sizeof *mel_f);
    if (!dense || !mel_f) {
        free(dense);
        free(mel_f);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for a mel filterbank");
    }
    double lo = slaney_hz_to_mel(0.0), hi = slaney_hz_to_mel((double)sr / 2.0);
    for (int i = 0; i < n_mels + 2; i++) mel_f[i] = slaney_mel_to_hz(linspace_at(lo, hi, n_mels + 2, i));
    double d = 1.0 / (double)sr;
    for (int m = 0; m < n_mels; m++) {
        double fd0 = mel_f[m + 1] - mel_f[m], fd1 = mel_f[m + 2] - mel_f[m + 1];
        double enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (int k = 0; k < n_bins; k++) {
            double fft_f = (double)k / ((double)n_fft * d); /* numpy.fft.rfftfreq */
            double lower = -(mel_f[m] - fft_f) / fd0;
            double upper = (mel_f[m + 2] - fft_f) / fd1;
            double w = fmax(0.0, fmin(lower, upper));
            dense[(size_t)m * (size_t)n_bins + (size_t)k] = w * enorm;
        }
    }
    accel_status st = from_dense(mb, dense, n_mels, n_bins);
    free(dense);
    free(mel_f);
    return st;
}

static double htk_hz_to_mel(double f) { return 1127.0 * log(1.0 + f / 700.0); }
static double htk_mel_to_hz(double mel) { return 700.0 * (exp(mel / 1127.0) - 1.0); }

static accel_status build_vggish(audio_melbank *mb, int sr, int n_fft, int n_mels, double lo, double hi)
{
    int n_bins = n_fft / 2 + 1;
    double *dense = calloc((size_t)n_mels * (size_t)n_bins, sizeof *dense);
    RETURN_ERROR_IF(!dense, ACCEL_ERR_NO_MEMORY, "out of memory for a mel filterbank");
    double nyquist = (double)sr / 2.0;
    double mlo = htk_hz_to_mel(lo), mhi = htk_hz_to_mel(hi);
    for (int m = 0; m < n_mels; m++) {
        double e0 = linspace_at(mlo, mhi, n_mels + 2, m);
        double e1 = linspace_at(mlo, mhi, n_mels + 2, m + 1);
        double e2 = linspace_at(mlo, mhi, n_mels + 2, m + 2);
        for (int k = 1; k < n_bins; k++) { /* the DC row is zeroed by the reference */
            double bm = htk_hz_to_mel(linspace_at(0.0, nyquist, n_bins, k));
            double lower = (bm - e0) / (e1 - e0), upper = (e2 - bm) / (e2 - e1);
            dense[(size_t)m * (size_t)n_bins + (size_t)k] = fmax(0.0, fmin(lower, upper));
        }
    }
    accel_status st = from_dense(mb, dense, n_mels, n_bins);
    free(dense);
    return st;
}

/* Kaldi's VTLN warp of a frequency (vtln_warp_freq in Kaldi and torchaudio): linear with
 * slope 1/warp between the cutoffs, and pieces that keep low_freq and high_freq fixed. */
static double vtln_warp_freq(double vlo, double vhi, double lo, double hi, double warp, double f)
{
    if (f < lo || f > hi) return f;
    double l = vlo * fmax(1.0, warp), h = vhi * fmin(1.0, warp);
    double scale = 1.0 / warp, fl = scale * l, fh = scale * h;
    if (f < l) return lo + (fl - lo) / (l - lo) * (f - lo);
    if (f < h) return scale * f;
    return hi + (hi - fh) / (hi - h) * (f - hi);
}

static double vtln_warp_mel(double vlo, double vhi, double lo, double hi, double warp, double mel)
{
    return htk_hz_to_mel(vtln_warp_freq(vlo, vhi, lo, hi, warp, htk_mel_to_hz(mel)));
}

static accel_status build_kaldi(audio_melbank *mb, int sr, int n_fft, int n_mels, double lo, double hi,
                                double warp, double vlo, double vhi)
{
    int n_bins = n_fft / 2 + 1; /* the bank covers n_fft/2 bins; the Nyquist column is zero */
    double *dense = calloc((size_t)n_mels * (size_t)n_bins, sizeof *dense);
    RETURN_ERROR_IF(!dense, ACCEL_ERR_NO_MEMORY, "out of memory for a mel filterbank");
    double nyquist = 0.5 * (double)sr;
    if (hi <= 0.0) hi += nyquist;
    if (vhi < 0.0) vhi += nyquist;
    double bin_width = (double)sr / (double)n_fft;
    double mlo = htk_hz_to_mel(lo), mhi = htk_hz_to_mel(hi);
    double delta = (mhi - mlo) / (double)(n_mels + 1);
    int warped = warp != 1.0;
    for (int m = 0; m < n_mels; m++) {
        double left = mlo + m * delta, center = mlo + (m + 1.0) * delta, right = mlo + (m + 2.0) * delta;
        if (warped) {
            left = vtln_warp_mel(vlo, vhi, lo, hi, warp, left);
            center = vtln_warp_mel(vlo, vhi, lo, hi, warp, center);
            right = vtln_warp_mel(vlo, vhi, lo, hi, warp, right);
        }
        for (int k = 0; k < n_fft / 2; k++) {
            double mel = htk_hz_to_mel(bin_width * k);
            double up = (mel - left) / (center - left), down = (right - mel) / (right - center);
            double w;
            if (!warped)
                w = fmax(0.0, fmin(up, down));
            else /* as Kaldi: the rising side up to the centre, the falling side after it */
                w = (mel > left && mel <= center) ? up : (mel > center && mel < right) ? down : 0.0;
            dense[(size_t)m * (size_t)n_bins + (size_t)k] = w;
        }
    }
    accel_status st = from_dense(mb, dense, n_mels, n_bins);
    free(dense);
    return st;
}

/* ---- the entry points: a kept bank, or one built and kept ---- */

accel_status accel__audio_mel_slaney(audio_melbank *mb, int sr, int n_fft, int n_mels)
{
    mel_key k = key_of(1, sr, n_fft, n_mels, 0, 0, 0, 0, 0);
    if (cache_get(&k, mb)) return ACCEL_OK;
    FORWARD_IF_ERROR(build_slaney(mb, sr, n_fft, n_mels));
    cache_put(&k, mb);
    return ACCEL_OK;
}

accel_status accel__audio_mel_vggish(audio_melbank *mb, int sr, int n_fft, int n_mels, double lo,
                                     double hi)
{
    mel_key k = key_of(2, sr, n_fft, n_mels, lo, hi, 0, 0, 0);
    if (cache_get(&k, mb)) return ACCEL_OK;
    FORWARD_IF_ERROR(build_vggish(mb, sr, n_fft, n_mels, lo, hi));
    cache_put(&k, mb);
    return ACCEL_OK;
}

accel_status accel__audio_mel_kaldi(audio_melbank *mb, int sr, int n_fft, int n_mels, double lo,
                                    double hi, double warp, double vlo, double vhi)
{
    mel_key k = key_of(3, sr, n_fft, n_mels, lo, hi, warp, vlo, vhi);
    if (cache_get(&k, mb)) return ACCEL_OK;
    FORWARD_IF_ERROR(build_kaldi(mb, sr, n_fft, n_mels, lo, hi, warp, vlo, vhi));
    cache_put(&k, mb);
    return ACCEL_OK;
}
