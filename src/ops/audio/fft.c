/* fft.c — FFT plans for the audio kernels: factorisation and twiddle tables.
 *
 * Why our own FFT: the sizes are few and known (400 for whisper, 512 for vggish and Kaldi's
 * power-of-two rounding, occasionally another length), and the kernels run many frames at
 * once in a lane layout, where a plain Stockham FFT written over lanes vectorises fully
 * without intrinsics. Permissive libraries (pocketfft, KissFFT) transform one frame at a time.
 * Twiddles are computed in double and kept in both precisions: float lanes for whisper and
 * vggish, double lanes for Kaldi filterbanks (see kern_fft.h). Accuracy is checked against a
 * double DFT in tests/audio. A plan is built once per length and kind in a process (the last
 * eight kept, copies handed out). */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Powers of two in radix-4 stages and, for an odd power, one radix 2; with radix8, in radix-8
 * stages first (fewer passes over the lanes' memory): 2^(3a) → 8^a, 2^(3a+1) → 8^(a−1)·4·4,
 * 2^(3a+2) → 8^a·4 (256 = 8·8·4, 200 = 8·5·5). */
static int factorize(int m, int *radix, int radix8)
{
    int k = 0, e = 0;
    for (int t = m; t % 2 == 0; t /= 2) e++;
    int eights = radix8 ? e / 3 : 0;
    if (e % 3 == 1 && eights > 0) eights--;
    for (int i = 0; i < eights && k < AUDIO_MAX_STAGES; i++) radix[k++] = 8, m /= 8;
    while (m % 4 == 0 && k < AUDIO_MAX_STAGES) radix[k++] = 4, m /= 4;
    while (m % 2 == 0 && k < AUDIO_MAX_STAGES) radix[k++] = 2, m /= 2;
    while (m % 3 == 0 && k < AUDIO_MAX_STAGES) radix[k++] = 3, m /= 3;
    while (m % 5 == 0 && k < AUDIO_MAX_STAGES) radix[k++] = 5, m /= 5;
    for (int p = 7; m > 1 && k < AUDIO_MAX_STAGES; p += 2)
        while (m % p == 0 && k < AUDIO_MAX_STAGES) radix[k++] = p, m /= p;
    return m == 1 ? k : -1;
}

static accel_status build_plan(audio_fft_plan *pl, int n, int radix8, size_t *tw_n, size_t *gen_n)
{
    memset(pl, 0, sizeof *pl);
    RETURN_ERROR_IF(n < 2 || n > (1 << 20), ACCEL_ERR_INVALID_ARG,
                    "FFT length %d out of range [2, 1048576]", n);
    pl->n = n;
    pl->odd = n & 1;
    pl->m = pl->odd ? n : n / 2;
    int m = pl->m;
    if (m == 1) {
        pl->n_stages = 0;
    } else {
        pl->n_stages = factorize(m, pl->radix, radix8);
        RETURN_ERROR_IF(pl->n_stages < 0, ACCEL_ERR_INVALID_ARG, "FFT length %d: too many factors", n);
    }
    size_t tw_total = 0, gen_total = 0;
    int len = m, s = 1;
    for (int i = 0; i < pl->n_stages; i++) {
        int p = pl->radix[i];
        pl->len[i] = len;
        pl->stride[i] = s;
        pl->tw_off[i] = tw_total;
        tw_total += (size_t)(len / p) * (size_t)(p - 1) * 2;
        pl->gen_off[i] = gen_total;
        if (p > 5 && p != 8) gen_total += (size_t)p;
        len /= p;
        s *= p;
    }
    *tw_n = tw_total;
    *gen_n = gen_total;
    pl->tw = malloc((tw_total + 1) * sizeof *pl->tw);
    pl->gen_cos = malloc((gen_total + 1) * sizeof(float));
    pl->gen_sin = malloc((gen_total + 1) * sizeof(float));
    pl->split_re = malloc((size_t)(m + 1) * sizeof(float));
    pl->split_im = malloc((size_t)(m + 1) * sizeof(float));
    pl->twd = malloc((tw_total + 1) * sizeof *pl->twd);
    pl->gen_cosd = malloc((gen_total + 1) * sizeof(double));
    pl->gen_sind = malloc((gen_total + 1) * sizeof(double));
    pl->split_red = malloc((size_t)(m + 1) * sizeof(double));
    pl->split_imd = malloc((size_t)(m + 1) * sizeof(double));
    if (!pl->tw || !pl->gen_cos || !pl->gen_sin || !pl->split_re || !pl->split_im || !pl->twd ||
        !pl->gen_cosd || !pl->gen_sind || !pl->split_red || !pl->split_imd) {
        accel__audio_fft_free(pl);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for an FFT plan of %d", n);
    }
    for (int i = 0; i < pl->n_stages; i++) {
        int p = pl->radix[i], L = pl->len[i], mm = L / p;
        float *t = pl->tw + pl->tw_off[i];
        double *td = pl->twd + pl->tw_off[i];
        for (int j = 0; j < mm; j++)
            for (int k = 1; k < p; k++) {
                /* reduce j·k mod L before the angle so large products stay exact */
                long long jk = ((long long)j * k) % L;
                double a = -2.0 * M_PI * (double)jk / (double)L, c = cos(a), sn = sin(a);
                *td++ = c;
                *td++ = sn;
                *t++ = (float)c;
                *t++ = (float)sn;
            }
        if (p > 5 && p != 8)
            for (int r = 0; r < p; r++) {
                double a = -2.0 * M_PI * (double)r / (double)p, c = cos(a), sn = sin(a);
                size_t o = pl->gen_off[i] + (size_t)r;
                pl->gen_cosd[o] = c;
                pl->gen_sind[o] = sn;
                pl->gen_cos[o] = (float)c;
                pl->gen_sin[o] = (float)sn;
            }
    }
    for (int k = 0; k <= m; k++) {
        double a = -2.0 * M_PI * (double)k / (double)n, c = cos(a), sn = sin(a);
        pl->split_red[k] = c;
        pl->split_imd[k] = sn;
        pl->split_re[k] = (float)c;
        pl->split_im[k] = (float)sn;
    }
    return ACCEL_OK;
}

/* ---- plans kept per length and kind: every call plans afresh, and a corpus of short clips
 * would otherwise compute the same twiddles for every file ---- */

#define PLAN_CACHE 8
static struct {
    int used, n, radix8;
    size_t tw_n, gen_n;
    audio_fft_plan pl;
} plan_cache[PLAN_CACHE];
static unsigned plan_cache_next;

static void *dup_of(const void *p, size_t bytes)
{
    void *d = malloc(bytes ? bytes : 1);
    if (d && bytes) memcpy(d, p, bytes);
    return d;
}

/* A copy of src in dst (dst's own tables); 0 when out of memory. */
static int plan_copy(audio_fft_plan *dst, const audio_fft_plan *src, size_t tw_n, size_t gen_n)
{
    size_t m1 = (size_t)src->m + 1;
    *dst = *src;
    dst->tw = dup_of(src->tw, tw_n * sizeof *src->tw);
    dst->twd = dup_of(src->twd, tw_n * sizeof *src->twd);
    dst->gen_cos = dup_of(src->gen_cos, gen_n * sizeof *src->gen_cos);
    dst->gen_sin = dup_of(src->gen_sin, gen_n * sizeof *src->gen_sin);
    dst->gen_cosd = dup_of(src->gen_cosd, gen_n * sizeof *src->gen_cosd);
    dst->gen_sind = dup_of(src->gen_sind, gen_n * sizeof *src->gen_sind);
    dst->split_re = dup_of(src->split_re, m1 * sizeof *src->split_re);
    dst->split_im = dup_of(src->split_im, m1 * sizeof *src->split_im);
    dst->split_red = dup_of(src->split_red, m1 * sizeof *src->split_red);
    dst->split_imd = dup_of(src->split_imd, m1 * sizeof *src->split_imd);
    if (!dst->tw || !dst->twd || !dst->gen_cos || !dst->gen_sin || !dst->gen_cosd || !dst->gen_sind ||
        !dst->split_re || !dst->split_im || !dst->split_red || !dst->split_imd) {
        accel__audio_fft_free(dst);
        return 0;
    }
    return 1;
}

static accel_status fft_plan(audio_fft_plan *pl, int n, int radix8)
{
    int hit = 0;
    accel__audio_kept_lock();
    for (int i = 0; i < PLAN_CACHE && !hit; i++)
        if (plan_cache[i].used && plan_cache[i].n == n && plan_cache[i].radix8 == radix8)
            hit = plan_copy(pl, &plan_cache[i].pl, plan_cache[i].tw_n, plan_cache[i].gen_n);
    accel__audio_kept_unlock();
    if (hit) return ACCEL_OK;
    size_t tw_n = 0, gen_n = 0;
    FORWARD_IF_ERROR(build_plan(pl, n, radix8, &tw_n, &gen_n));
    audio_fft_plan keep;
    if (!plan_copy(&keep, pl, tw_n, gen_n)) return ACCEL_OK; /* not kept; the caller has its plan */
    accel__audio_kept_lock();
    unsigned i = plan_cache_next++ % PLAN_CACHE;
    if (plan_cache[i].used) accel__audio_fft_free(&plan_cache[i].pl);
    plan_cache[i].used = 1;
    plan_cache[i].n = n;
    plan_cache[i].radix8 = radix8;
    plan_cache[i].tw_n = tw_n;
    plan_cache[i].gen_n = gen_n;
    plan_cache[i].pl = keep;
    accel__audio_kept_unlock();
    return ACCEL_OK;
}

accel_status accel__audio_fft_plan(audio_fft_plan *pl, int n) { return fft_plan(pl, n, 0); }

accel_status accel__audio_fft_plan8(audio_fft_plan *pl, int n) { return fft_plan(pl, n, 1); }

void accel__audio_fft_free(audio_fft_plan *pl)
{
    free(pl->tw);
    free(pl->gen_cos);
    free(pl->gen_sin);
    free(pl->split_re);
    free(pl->split_im);
    free(pl->twd);
    free(pl->gen_cosd);
    free(pl->gen_sind);
    free(pl->split_red);
    free(pl->split_imd);
    memset(pl, 0, sizeof *pl);
}
