/* kern_impl.h — the audio frame kernel, written once over lanes and compiled per instruction
 * set by kern_generic.c, kern_avx2.c, kern_avx512.c and kern_neon.c (each defines
 * KERN_SUFFIX).
 *
 * A batch is AUDIO_LANES frames. It is processed in sub-batches of KW frames, KW being the
 * number of floats in one vector register of the target (4 SSE, 8 AVX2, 16 AVX-512): every
 * value of the pipeline is then one register holding that value for KW frames, so the FFT,
 * the filterbank and the logarithm of KW frames cost what one frame costs in scalar code,
 * and butterflies keep their operands in registers. (Vectors wider than the registers make
 * compilers spill; that is why the width follows the target.) Kaldi filterbanks take each
 * frame's mean in double, KW/2 frames per register, and the rest in float; frames with a band
 * beyond a float FFT's range are computed again all in double (kaldi_f32). A lane's arithmetic does not depend on which lane or
 * batch it falls in, so a frame's values are the same whichever batch, thread or chunk
 * computes it. GCC/Clang vector extensions; the intrinsic parts are the NEON build's frame
 * transpose (KERN_NEON, below) and the x86 builds' non-temporal stores (put_nt). */
#include "audio_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define LN AUDIO_LANES
#define KCAT2(a, b) a##b
#define KCAT(a, b) KCAT2(a, b)
#define KFN(name) KCAT(name, KERN_SUFFIX)
#define KSTR2(x) #x
#define KSTR(x) KSTR2(x)

#if defined(__AVX512F__)
#define KW 16
#elif defined(__AVX2__) || defined(__AVX__)
#define KW 8
#else
#define KW 4
#endif
#define KWD (KW / 2)
/* the FFT plan for this build's register count (audio_plan.fft8) */
#if KW == 16
#define KFFT(pl) (&(pl)->fft8)
#else
#define KFFT(pl) (&(pl)->fft)
#endif
#define NSUB (LN / KW)

typedef float vw __attribute__((vector_size(KW * 4)));
typedef int32_t vwi __attribute__((vector_size(KW * 4)));
typedef double vd __attribute__((vector_size(KWD * 8)));
typedef int64_t vdl __attribute__((vector_size(KWD * 8)));
typedef float vwh __attribute__((vector_size(KWD * 4)));

static inline vw KFN(vset)(float a) { return (vw){0} + a; }

static inline vw KFN(vmax)(vw a, vw b)
{
    vwi gt = a > b;
    return (vw)(((vwi)a & gt) | ((vwi)b & ~gt));
}

static inline vd KFN(vmaxd)(vd a, vd b)
{
    vdl gt = a > b;
    return (vd)(((vdl)a & gt) | ((vdl)b & ~gt));
}

/* ln(x) for positive normal x: x = 2^e · m, m in [√½, √2), f = m − 1, ln(1 + f) =
 * f − f²/2 + f³·q(f) with q a degree-6 polynomial fitted (weighted least squares on
 * Chebyshev nodes) to the interval: 7.4e-9 from ln in exact arithmetic, 3.8e-8 evaluated in
 * float. No division (a vector division is one instruction per 16 cycles where the
 * polynomial's multiply-adds issue two a cycle); e·ln 2 split in two parts so the sum stays
 * exact. */
static inline vw KFN(vln)(vw x)
{
    vwi u = (vwi)x;
    vwi e = (u >> 23) - 127;
    u = (u & 0x007fffff) | 0x3f800000;
    vw m = (vw)u;
    vwi big = m > KFN(vset)(1.41421356f);
    m = (vw)(((vwi)(m * 0.5f) & big) | ((vwi)m & ~big));
    e = e - big;
    vw f = m - 1.0f;
    vw q = KFN(vset)(0.08479153364896774f);
    q = q * f - 0.14316771924495697f;
    q = q * f + 0.15020804107189178f;
    q = q * f - 0.16574572026729584f;
    q = q * f + 0.19951410591602325f;
    q = q * f - 0.25001293420791626f;
    q = q * f + 0.33334267139434814f;
    vw f2 = f * f;
    vw r = f2 * (f * q - 0.5f);
    vw ef = __builtin_convertvector(e, vw);
    return ef * 0.693145751953125f + (f + (r + ef * 1.428606765330187e-06f));
}

static inline float KFN(kln)(float x) { return KFN(vln)(KFN(vset)(x))[0]; }

/* The FFT in float lanes (whisper, vggish) and in double lanes (Kaldi). */
#define FT vw
#define FS float
#define FX(name) KFN(name##_f)
#define FFT_TW(f) ((f)->tw)
#define FFT_GC(f) ((f)->gen_cos)
#define FFT_GS(f) ((f)->gen_sin)
#define FFT_SR(f) ((f)->split_re)
#define FFT_SI(f) ((f)->split_im)
#include "kern_fft.h"
#undef FT
#undef FS
#undef FX
#undef FFT_TW
#undef FFT_GC
#undef FFT_GS
#undef FFT_SR
#undef FFT_SI
#define FT vd
#define FS double
#define FX(name) KFN(name##_d)
#define FFT_TW(f) ((f)->twd)
#define FFT_GC(f) ((f)->gen_cosd)
#define FFT_GS(f) ((f)->gen_sind)
#define FFT_SR(f) ((f)->split_red)
#define FFT_SI(f) ((f)->split_imd)
#include "kern_fft.h"
#undef FT
#undef FS
#undef FX
#undef FFT_TW
#undef FFT_GC
#undef FFT_GS
#undef FFT_SR
#undef FFT_SI

/* Counter-based Gaussian noise for dither: the same value for a given (frame, sample)
 * whichever batch, thread or chunk computes it. */
static inline double KFN(gauss)(uint64_t frame, int k)
{
    uint64_t z = frame * 0x9E3779B97F4A7C15ull + (uint64_t)k * 0xD1B54A32D192ED03ull + 0x5851F42D4C957F2Dull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    double u1 = ((double)(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    uint64_t y = z * 0x2545F4914F6CDD1Dull + 0x9E3779B97F4A7C15ull;
    y = (y ^ (y >> 29)) * 0xBF58476D1CE4E5B9ull;
    y ^= y >> 32;
    double u2 = (double)(y >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* ---- framing: KW frames' samples k0 … k0+KW−1 turned into KW lane vectors ---- */

/* KERN_TRANSPOSE: 1 through __builtin_shufflevector, 2 through arm_neon.h (the NEON build),
 * 0 when neither is there (frames are then read sample by sample). */
#if defined(KERN_NEON)
#define KERN_TRANSPOSE 2
#elif defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define KERN_TRANSPOSE 1
#endif
#endif
#ifndef KERN_TRANSPOSE
#define KERN_TRANSPOSE 0
#endif

#if KERN_TRANSPOSE == 2
#if KW != 4
#error "the NEON transpose is for 4-lane float vectors"
#endif
#include <arm_neon.h>

/* 4 × 4 transpose: TRN1/TRN2 pair the rows' 32-bit elements (a0 b0 a2 b2, a1 b1 a3 b3, …),
 * ZIP1/ZIP2 on 64-bit halves then join the pairs. It is what GCC 12 makes of the shuffles
 * below, written out so that compilers without __builtin_shufflevector (GCC 11 and older,
 * still the default on some Arm distributions) do not fall back to the per-sample loop. */
static inline void KFN(transpose_regs)(vw *r)
{
    float32x4_t a = (float32x4_t)r[0], b = (float32x4_t)r[1], c = (float32x4_t)r[2], d = (float32x4_t)r[3];
    float64x2_t ab0 = vreinterpretq_f64_f32(vtrn1q_f32(a, b)), ab1 = vreinterpretq_f64_f32(vtrn2q_f32(a, b));
    float64x2_t cd0 = vreinterpretq_f64_f32(vtrn1q_f32(c, d)), cd1 = vreinterpretq_f64_f32(vtrn2q_f32(c, d));
    r[0] = (vw)vreinterpretq_f32_f64(vzip1q_f64(ab0, cd0)); /* a0 b0 c0 d0 */
    r[1] = (vw)vreinterpretq_f32_f64(vzip1q_f64(ab1, cd1)); /* a1 b1 c1 d1 */
    r[2] = (vw)vreinterpretq_f32_f64(vzip2q_f64(ab0, cd0)); /* a2 b2 c2 d2 */
    r[3] = (vw)vreinterpretq_f32_f64(vzip2q_f64(ab1, cd1)); /* a3 b3 c3 d3 */
}
#elif KERN_TRANSPOSE == 1
/* One swap step of a KW × KW transpose: rows i and i + S exchange their off-diagonal S × S
 * blocks, one two-source permutation each (vpermt2ps on AVX-512). Index k of the result
 * takes row i's k or row (i+S)'s k − S (LO), row i's k + S or row (i+S)'s k (HI). */
#if KW == 16
#define TLO8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define THI8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define TLO4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define THI4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define TLO2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define THI2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define TLO1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define THI1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#elif KW == 8
#define TLO4 0, 1, 2, 3, 8, 9, 10, 11
#define THI4 4, 5, 6, 7, 12, 13, 14, 15
#define TLO2 0, 1, 8, 9, 4, 5, 12, 13
#define THI2 2, 3, 10, 11, 6, 7, 14, 15
#define TLO1 0, 8, 2, 10, 4, 12, 6, 14
#define THI1 1, 9, 3, 11, 5, 13, 7, 15
#else
#define TLO2 0, 1, 4, 5
#define THI2 2, 3, 6, 7
#define TLO1 0, 4, 2, 6
#define THI1 1, 5, 3, 7
#endif

#define TPASS(S)                                                   \
    for (int i = 0; i < KW; i++)                                   \
        if (!(i & S)) {                                            \
            vw lo = __builtin_shufflevector(r[i], r[i + S], TLO##S); \
            vw hi = __builtin_shufflevector(r[i], r[i + S], THI##S); \
            r[i] = lo;                                             \
            r[i + S] = hi;                                         \
        }

static inline void KFN(transpose_regs)(vw *r)
{
#if KW == 16
    TPASS(8)
#endif
#if KW >= 8
    TPASS(4)
#endif
    TPASS(2)
    TPASS(1)
}
#undef TPASS
#endif

#if KERN_TRANSPOSE
/* KW frames' samples k0 … k0+KW−1 (rows[l] + k0) as KW lane vectors; from 16-bit PCM, each
 * row widened to float and scaled by 2^−15 first (exact: the float a conversion gives). */
static inline void KFN(transpose)(const float *const *rows, int k0, vw *r)
{
    for (int l = 0; l < KW; l++) __builtin_memcpy(&r[l], rows[l] + k0, sizeof(vw));
    KFN(transpose_regs)(r);
}

typedef int16_t vws __attribute__((vector_size(KW * 2)));

static inline void KFN(transpose16)(const int16_t *const *rows, int k0, vw *r)
{
    for (int l = 0; l < KW; l++) {
        vws v;
        __builtin_memcpy(&v, rows[l] + k0, sizeof v);
        r[l] = __builtin_convertvector(v, vw) * (1.0f / 32768.0f);
    }
    KFN(transpose_regs)(r);
}
#endif

/* The next batch's samples, asked for a few cache lines at a time as this batch's frames are
 * read (asked for all at once, ahead of the batch, or an eighth at a time, the requests queue
 * behind one another for the core's few line fill buffers and it waits for memory as if it
 * had read the samples itself). */
typedef struct KFN(ahead) {
    const char *p, *end;
    size_t step;
} KFN(ahead);

static inline void KFN(ahead_init)(KFN(ahead) *a, const audio_plan *pl, const audio_signal *sig, int64_t f0, int nf)
{
    int64_t lo, hi;
    accel__audio_frames_span(pl, sig, f0 + nf, f0 + nf + LN, &lo, &hi);
    const char *x = sig->x16 ? (const char *)sig->x16 : (const char *)sig->x;
    size_t es = sig->x16 ? sizeof *sig->x16 : sizeof *sig->x;
    a->p = x + (size_t)(lo - sig->base) * es;
    a->end = x + (size_t)(hi - sig->base) * es;
    a->step = ((size_t)(a->end - a->p) / ((size_t)NSUB * (size_t)(pl->win / KW + 1)) + 63) & ~(size_t)63;
}

static inline void KFN(ahead_some)(KFN(ahead) *a)
{
    const char *stop = a->p + a->step < a->end ? a->p + a->step : a->end;
    for (; a->p < stop; a->p += 64) __builtin_prefetch(a->p, 0, 3);
}

/* One source pointer per lane: inside the signal the samples themselves, at its edges a copy
 * made with the framing's edge rule, past nf a zero frame. */
static void KFN(frame_sources)(const audio_plan *pl, const audio_signal *sig, int64_t f0, int nf,
                               float *edge, const float **src)
{
    const int win = pl->win;
    const size_t estride = (size_t)win + 16;
    float *zeros = edge + (size_t)LN * estride;
    int any_zero = 0;
    for (int l = 0; l < LN; l++) {
        if (l < nf) {
            int64_t f = f0 + l, s = f * pl->hop - pl->pad_left;
            int direct = accel__audio_frame_direct(pl, sig, f);
            if (direct && !sig->x16) {
                src[l] = sig->x + (s - sig->base);
            } else if (direct) { /* 16-bit samples widened */
                float *t = edge + (size_t)l * estride;
                accel__audio_widen16(t, sig->x16 + (s - sig->base), (size_t)win);
                src[l] = t;
            } else {
                float *t = edge + (size_t)l * estride;
                for (int k = 0; k < win; k++) t[k] = accel__audio_sample_at(pl, sig, s + k);
                src[l] = t;
            }
        } else {
            src[l] = zeros;
            any_zero = 1;
        }
    }
    if (any_zero)
        for (int k = 0; k < win; k++) zeros[k] = 0.0f;
}

/* The lanes of a batch of 16-bit PCM read in place: 0 when a frame reaches an edge of the
 * signal (the batch then takes frame_sources' float copies). Past nf a zero frame. */
static int KFN(frame_sources16)(const audio_plan *pl, const audio_signal *sig, int64_t f0, int nf,
                                float *edge, const int16_t **src)
{
    for (int l = 0; l < nf; l++)
        if (!accel__audio_frame_direct(pl, sig, f0 + l)) return 0;
    int16_t *zeros = (int16_t *)(edge + (size_t)LN * ((size_t)pl->win + 16));
    for (int l = 0; l < LN; l++)
        src[l] = l < nf ? sig->x16 + ((f0 + l) * pl->hop - pl->pad_left - sig->base) : zeros;
    if (nf < LN)
        for (int k = 0; k < pl->win; k++) zeros[k] = 0;
    return 1;
}

/* vals is [n_out][LN] floats; a sub-batch owns lanes l0 … l0+KW−1 of each row. */
static inline void KFN(put)(float *vals, int row, int l0, vw v) { __builtin_memcpy(vals + (size_t)row * LN + l0, &v, sizeof v); }

/* The two halves' KWD lanes as one vector: a shuffle of registers where there is one (put
 * together through memory, the two half-width stores and one full-width load defeat store
 * forwarding: a stall on every sample of every frame, a quarter of the fbank kernel's time). */
static inline vw KFN(join)(vwh lo, vwh hi)
{
#if KERN_TRANSPOSE == 1 && KW == 16
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#elif KERN_TRANSPOSE == 1 && KW == 8
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
#elif KERN_TRANSPOSE == 1 && KW == 4
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3);
#else
    vw d;
    __builtin_memcpy(&d, &lo, sizeof lo);
    __builtin_memcpy((float *)&d + KWD, &hi, sizeof hi);
    return d;
#endif
}

/* The two halves of v (its first KWD lanes and its last), the other way round: shuffles of
 * registers where there are (through memory, a full-width store and two half-width loads
 * miss store forwarding too). */
static inline void KFN(halves)(vw v, vwh *lo, vwh *hi)
{
#if KERN_TRANSPOSE == 1 && KW == 16
    *lo = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    *hi = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
#elif KERN_TRANSPOSE == 1 && KW == 8
    *lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
    *hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
#elif KERN_TRANSPOSE == 1 && KW == 4
    *lo = __builtin_shufflevector(v, v, 0, 1);
    *hi = __builtin_shufflevector(v, v, 2, 3);
#else
    __builtin_memcpy(lo, &v, sizeof *lo);
    __builtin_memcpy(hi, (const float *)&v + KWD, sizeof *hi);
#endif
}

/* ---- whisper and vggish: float lanes ---- */

/* Windowed frames packed (even samples real, odd imaginary), FFT, power (or magnitude for
 * vggish), filterbank, log. Returns the sub-batch's largest value (whisper's maximum). The
 * frames are src's floats, or src16's 16-bit samples when src is NULL. */
static float KFN(mel_float)(const audio_plan *pl, const float *const *src, const int16_t *const *src16, int nf,
                            float *scratch, float *vals, KFN(ahead) *ahead)
{
    const int m = pl->fft.m, win = pl->win, nb = pl->n_bins;
    vw *ar = (vw *)__builtin_assume_aligned(scratch, 64);
    vw *ai = ar + (m + 1), *br = ai + (m + 1), *bi = br + (m + 1), *pw = bi + (m + 1);
    const float *wdw = pl->window;
    const audio_melbank *mb = &pl->mel;
    const vw zero = {0}, big = KFN(vset)(FLT_MAX);
    float mx = -INFINITY;
    int nonfinite = 0;
    for (int sb = 0; sb < NSUB && sb * KW < nf; sb++) {
        const float *const *s = src ? src + sb * KW : NULL;
        const int16_t *const *s16 = src ? NULL : src16 + sb * KW;
        int k0 = 0;
#if KERN_TRANSPOSE
        for (; k0 + KW <= win; k0 += KW) {
            vw t[KW];
            KFN(ahead_some)(ahead);
            if (s) KFN(transpose)(s, k0, t);
            else KFN(transpose16)(s16, k0, t);
            if (!pl->fft.odd) {
                for (int k = 0; k < KW; k += 2) {
                    ar[(k0 + k) / 2] = t[k] * wdw[k0 + k];
                    ai[(k0 + k) / 2] = t[k + 1] * wdw[k0 + k + 1];
                }
            } else {
                for (int k = 0; k < KW; k++) ar[k0 + k] = t[k] * wdw[k0 + k];
            }
        }
#endif
        for (int l = 0; l < KW; l++)
            for (int k = k0; k < win; k++) {
                float v = (s ? s[l][k] : (float)s16[l][k] * (1.0f / 32768.0f)) * wdw[k];
                if (pl->fft.odd) ar[k][l] = v;
                else if (k & 1) ai[k / 2][l] = v;
                else ar[k / 2][l] = v;
            }
        if (!pl->fft.odd) {
            if (win & 1) ai[win / 2] = zero;
            for (int j = (win + 1) / 2; j < m; j++) ar[j] = ai[j] = zero;
        } else {
            for (int j = 0; j < m; j++) ai[j] = zero;
            for (int j = win; j < m; j++) ar[j] = zero;
        }
        KFN(cfft_power_f)(KFFT(pl), ar, ai, br, bi, pw, nb);
        if (pl->logkind == AUDIO_LOG_VGGISH)
            for (int k = 0; k < nb; k++)
                for (int l = 0; l < KW; l++) pw[k][l] = sqrtf(pw[k][l]);
        vw vmx = KFN(vset)(-INFINITY);
        vwi bad = {0};
        for (int b = 0; b < mb->n_mels; b++) {
            vw acc = zero;
            const float *w = mb->w + mb->off[b];
            const vw *sp = pw + mb->start[b];
            for (int k = 0; k < mb->count[b]; k++) acc += w[k] * sp[k];
            bad |= ~(acc <= big); /* NaN or +Inf: see KFN(kernel) */
            vw v;
            if (pl->logkind == AUDIO_LOG_WHISPER) {
                v = KFN(vln)(KFN(vmax)(acc, KFN(vset)(1e-10f))) * 0.434294481903251828f;
                vmx = KFN(vmax)(vmx, v);
            } else {
                v = KFN(vln)(acc + 0.01f);
            }
            KFN(put)(vals, b, sb * KW, v);
        }
        for (int l = 0; l < KW && sb * KW + l < nf; l++) {
            mx = vmx[l] > mx ? vmx[l] : mx;
            nonfinite |= bad[l] != 0;
        }
    }
    return nonfinite ? NAN : mx;
}

/* ---- Kaldi ---- */


/* Kaldi all in double, KWD frames (lanes l0 …) at a time, in torchaudio's order — dither, DC
 * offset, raw energy, pre-emphasis, window, (energy after the window), zero padding, FFT,
 * power or magnitude, filterbank — the values rounded once to float (floored at FLT_EPSILON
 * where logged) for the caller to take their logarithms: the frames kaldi_f32 cannot
 * resolve in float. */
static void KFN(kaldi_part)(const audio_plan *pl, const float *const *s, int64_t f0, int nvalid, int l0,
                            float *scratch, float *vals)
{
    const accel_audio_params *p = &pl->p;
    const int m = pl->fft.m, win = pl->win, nb = pl->n_bins;
    vd *ar = (vd *)__builtin_assume_aligned(scratch, 64);
    vd *ai = ar + (m + 1), *br = ai + (m + 1), *bi = br + (m + 1), *pw = bi + (m + 1), *frm = pw + nb;
    const double *wdw = pl->windowd;
    const double scale = p->sample_scale;
    const vd zero = {0};
    vd energy = zero;
    int k0 = 0;
#if KERN_TRANSPOSE
    {
        /* KW rows for the transpose, the KWD frames twice: the low lanes are theirs */
        const float *rows[KW];
        for (int i = 0; i < KW; i++) rows[i] = s[i % KWD];
        for (; k0 + KW <= win; k0 += KW) {
            vw t[KW];
            KFN(transpose)(rows, k0, t);
            for (int k = 0; k < KW; k++) {
                vwh lo, hi;
                KFN(halves)(t[k], &lo, &hi);
                frm[k0 + k] = __builtin_convertvector(lo, vd) * scale;
            }
        }
    }
#endif
    for (int l = 0; l < KWD; l++)
        for (int k = k0; k < win; k++) frm[k][l] = (double)s[l][k] * scale;
    if (p->dither > 0)
        for (int l = 0; l < KWD && l < nvalid; l++)
            for (int k = 0; k < win; k++) frm[k][l] += p->dither * KFN(gauss)((uint64_t)(f0 + l0 + l), k);
    if (p->remove_dc_offset) {
        vd mean = zero;
        for (int k = 0; k < win; k++) mean += frm[k];
        mean = mean / (double)win;
        for (int k = 0; k < win; k++) frm[k] -= mean;
    }
    if (p->use_energy && p->raw_energy)
        for (int k = 0; k < win; k++) energy += frm[k] * frm[k];
    double c = p->preemphasis_coefficient;
    if (c != 0.0) {
        for (int k = win - 1; k >= 1; k--) frm[k] -= c * frm[k - 1];
        frm[0] -= c * frm[0];
    }
    for (int k = 0; k < win; k++) frm[k] *= wdw[k];
    if (p->use_energy && !p->raw_energy)
        for (int k = 0; k < win; k++) energy += frm[k] * frm[k];
    if (!pl->fft.odd) {
        for (int j = 0; j < m; j++) {
            ar[j] = 2 * j < win ? frm[2 * j] : zero;
            ai[j] = 2 * j + 1 < win ? frm[2 * j + 1] : zero;
        }
    } else {
        for (int j = 0; j < m; j++) {
            ar[j] = j < win ? frm[j] : zero;
            ai[j] = zero;
        }
    }
    KFN(cfft_power_d)(KFFT(pl), ar, ai, br, bi, pw, nb);
    if (!p->use_power)
        for (int k = 0; k < nb; k++)
            for (int l = 0; l < KWD; l++) pw[k][l] = sqrt(pw[k][l]);
    const audio_melbank *mb = &pl->mel;
    int first = (p->use_energy && !p->htk_compat) ? 1 : 0;
    const vd eps = zero + (double)FLT_EPSILON;
    for (int b = 0; b < mb->n_mels; b++) {
        vd acc = zero;
        const float *w = mb->w + mb->off[b];
        const vd *sp = pw + mb->start[b];
        for (int k = 0; k < mb->count[b]; k++) acc += (double)w[k] * sp[k];
        vwh a = __builtin_convertvector(p->use_log_fbank ? KFN(vmaxd)(acc, eps) : acc, vwh);
        __builtin_memcpy(vals + (size_t)(b + first) * LN + l0, &a, sizeof a);
    }
    if (p->use_energy) {
        vwh e = __builtin_convertvector(KFN(vmaxd)(energy, eps), vwh);
        __builtin_memcpy(vals + (size_t)(p->htk_compat ? mb->n_mels : 0) * LN + l0, &e, sizeof e);
    }
}

/* Sample k of a sub-batch less its frames' mean: with the mean as two floats (kaldi_fmean), or
 * in double and what is left rounded once to float. */
static inline vw KFN(kaldi_d)(const audio_plan *pl, const vw *xs, const vd *frm, vw mhi, vw mlo, const vd *mean,
                              int k)
{
    if (pl->kaldi_fmean) return (xs[k] - mhi) - mlo;
    return KFN(join)(__builtin_convertvector(frm[2 * k] - mean[0], vwh),
                     __builtin_convertvector(frm[2 * k + 1] - mean[1], vwh));
}

/* Kaldi in single precision where it is safe. One step cancels: taking a frame's mean off its
 * samples (DC offset). In float the mean of an offset frame is off by an ulp of the offset,
 * which stays in every sample as a residue far above a quiet signal under it, and its small
 * band energies are then logged (0.25 from float64 with an offset of 0.25 under speech at
 * −60 dB). So the samples (scaled, dithered) and their mean are taken in double lanes, KW/2
 * frames per register, and what is left after the offset is rounded once to float; the
 * pre-emphasis, window, energy, FFT, power, filterbank and logarithm run in float, KW frames
 * per register (within 1e-3 of float64 on the goldens and on near-silent, offset, hum and
 * random frames: tests/audio/test_audio_fbank32.c). */
static int KFN(kaldi_f32)(const audio_plan *pl, const float *const *src, int64_t f0, int nf, float *scratch,
                          float *vals, KFN(ahead) *ahead)
{
    int nonfinite = 0;
    const vw big = KFN(vset)(FLT_MAX);
    const accel_audio_params *p = &pl->p;
    const int m = pl->fft.m, win = pl->win, nb = pl->n_bins;
    vw *ar = (vw *)__builtin_assume_aligned(scratch, 64);
    vw *ai = ar + (m + 1), *br = ai + (m + 1), *bi = br + (m + 1), *pw = bi + (m + 1);
    vd *frm = (vd *)(pw + nb); /* frm[2k + h]: sample k of half h's KWD frames */
    const double scale = p->sample_scale, c = p->preemphasis_coefficient;
    const vd zerod = {0};
    const vw zero = {0};
    const audio_melbank *mb = &pl->mel;
    int first = (p->use_energy && !p->htk_compat) ? 1 : 0;
    for (int sb = 0; sb < NSUB && sb * KW < nf; sb++) {
        const float *const *s = src + sb * KW;
        vd sum[2] = {zerod, zerod};
        int k0 = 0;
        const float *wf = pl->window;
        const float cf = (float)c;
        vw energy = zero;
        vw mhi = zero, mlo = zero;      /* the mean as two floats (kaldi_fmean) */
        vd mean[2] = {zerod, zerod};    /* the mean in double (otherwise) */
        vw *xs = (vw *)frm;             /* kaldi_fmean: the scaled samples, in float */
        if (pl->kaldi_fmean) {
            /* The scale is a power of two ≥ 1 and there is no dither: the scaled samples are
             * exact in float. Their mean is summed in double and split into two floats,
             * hi + lo; (x − hi) − lo then leaves the residue with the rounding of one or two
             * float operations on the residue itself (x − hi is exact where the offset
             * dominates, by Sterbenz's lemma), which is what rounding the double difference
             * once gives, without keeping the frame in double. */
            const float fscale = (float)scale;
#if KERN_TRANSPOSE
            for (; k0 + KW <= win; k0 += KW) {
                vw t[KW];
                KFN(ahead_some)(ahead);
                KFN(transpose)(s, k0, t);
                for (int k = 0; k < KW; k++) {
                    vw x = t[k] * fscale;
                    xs[k0 + k] = x;
                    vwh lo, hi;
                    KFN(halves)(x, &lo, &hi);
                    sum[0] += __builtin_convertvector(lo, vd);
                    sum[1] += __builtin_convertvector(hi, vd);
                }
            }
#endif
            for (; k0 < win; k0++) {
                for (int l = 0; l < KW; l++) xs[k0][l] = s[l][k0] * fscale;
                for (int h = 0; h < 2; h++)
                    for (int l = 0; l < KWD; l++) sum[h][l] += (double)xs[k0][h * KWD + l];
            }
            if (p->remove_dc_offset) {
                vd m0 = sum[0] / (double)win, m1 = sum[1] / (double)win;
                vwh h0 = __builtin_convertvector(m0, vwh), h1 = __builtin_convertvector(m1, vwh);
                mhi = KFN(join)(h0, h1);
                mlo = KFN(join)(__builtin_convertvector(m0 - __builtin_convertvector(h0, vd), vwh),
                                __builtin_convertvector(m1 - __builtin_convertvector(h1, vd), vwh));
            }
        } else {
#if KERN_TRANSPOSE
            for (; k0 + KW <= win; k0 += KW) {
                vw t[KW];
                KFN(ahead_some)(ahead);
                KFN(transpose)(s, k0, t);
                for (int k = 0; k < KW; k++) {
                    vwh lo, hi;
                    KFN(halves)(t[k], &lo, &hi);
                    vd a = __builtin_convertvector(lo, vd) * scale, b = __builtin_convertvector(hi, vd) * scale;
                    frm[2 * (k0 + k)] = a;
                    frm[2 * (k0 + k) + 1] = b;
                    sum[0] += a;
                    sum[1] += b;
                }
            }
#endif
            for (; k0 < win; k0++)
                for (int h = 0; h < 2; h++) {
                    for (int l = 0; l < KWD; l++) frm[2 * k0 + h][l] = (double)s[h * KWD + l][k0] * scale;
                    sum[h] += frm[2 * k0 + h];
                }
            if (p->dither > 0)
                for (int h = 0; h < 2; h++)
                    for (int l = 0; l < KWD && sb * KW + h * KWD + l < nf; l++)
                        for (int k = 0; k < win; k++) {
                            double g = p->dither * KFN(gauss)((uint64_t)(f0 + sb * KW + h * KWD + l), k);
                            frm[2 * k + h][l] += g;
                            sum[h][l] += g;
                        }
            if (p->remove_dc_offset) {
                mean[0] = sum[0] / (double)win;
                mean[1] = sum[1] / (double)win;
            }
        }
        /* d: sample k less the frame's mean; y: pre-emphasised (the first sample against
         * itself) and windowed, into the FFT's input (even samples real, odd imaginary);
         * two samples a step, so that no branch decides where a sample goes */
        const int fe = pl->fft.odd ? 0 : (win & ~1);
        vw prev = KFN(kaldi_d)(pl, xs, frm, mhi, mlo, mean, 0);
#define KALDI_Y(k, dst)                                                  \
    do {                                                                 \
        vw d = KFN(kaldi_d)(pl, xs, frm, mhi, mlo, mean, (k));           \
        if (p->use_energy && p->raw_energy) energy += d * d;             \
        vw y = (d - cf * prev) * wf[k];                                  \
        prev = d;                                                        \
        if (p->use_energy && !p->raw_energy) energy += y * y;            \
        (dst) = y;                                                       \
    } while (0)
        for (int k = 0; k < fe; k += 2) {
            KALDI_Y(k, ar[k / 2]);
            KALDI_Y(k + 1, ai[k / 2]);
        }
        for (int k = fe; k < win; k++) {
            if (pl->fft.odd) KALDI_Y(k, ar[k]);
            else KALDI_Y(k, ar[k / 2]); /* the last of an odd count */
        }
#undef KALDI_Y
        if (!pl->fft.odd) {
            if (win & 1) ai[win / 2] = zero;
            for (int j = (win + 1) / 2; j < m; j++) ar[j] = ai[j] = zero;
        } else {
            for (int j = 0; j < m; j++) ai[j] = zero;
            for (int j = win; j < m; j++) ar[j] = zero;
        }
        KFN(cfft_power_f)(KFFT(pl), ar, ai, br, bi, pw, nb);
        if (!p->use_power)
            for (int k = 0; k < nb; k++)
                for (int l = 0; l < KW; l++) pw[k][l] = sqrtf(pw[k][l]);
        /* The float FFT's rounding error in a bin is about ε·‖frame‖ whatever the bin holds,
         * so a band far below the frame's total power is known only roughly: 4.7e-3 from
         * float64 for a band 97 dB below its frame's loudest in 20 minutes of speech (9 frames
         * in 120 000 over 1e-3). A band under AUDIO_KALDI_RANGE of the total marks its
         * frame, and marked frames are computed again in double. */
        vw total = zero, t1 = zero, t2 = zero, t3 = zero; /* four chains, not one */
        int k4 = 0;
        for (; k4 + 4 <= nb; k4 += 4) {
            total += pw[k4];
            t1 += pw[k4 + 1];
            t2 += pw[k4 + 2];
            t3 += pw[k4 + 3];
        }
        for (; k4 < nb; k4++) total += pw[k4];
        total += t1 + (t2 + t3);
        if (!p->use_power) total = total * total; /* magnitudes: compare in their square */
        const vw lim = total * (float)AUDIO_KALDI_RANGE;
        vwi redo = {0}, bad = {0};
        for (int b = 0; b < mb->n_mels; b++) {
            vw acc = zero;
            const float *w = mb->w + mb->off[b];
            const vw *sp = pw + mb->start[b];
            for (int k = 0; k < mb->count[b]; k++) acc += w[k] * sp[k];
            bad |= ~(acc <= big); /* NaN or +Inf: see KFN(kernel) */
            redo |= (p->use_power ? acc : acc * acc) < lim;
            vw v = p->use_log_fbank ? KFN(vln)(KFN(vmax)(acc, KFN(vset)(FLT_EPSILON))) : acc;
            KFN(put)(vals, b + first, sb * KW, v);
        }
        if (p->use_energy)
            KFN(put)(vals, p->htk_compat ? mb->n_mels : 0, sb * KW,
                     KFN(vmax)(KFN(vln)(KFN(vmax)(energy, KFN(vset)(FLT_EPSILON))),
                               KFN(vset)(pl->log_energy_floor)));
        for (int l = 0; l < KW && sb * KW + l < nf; l++) nonfinite |= bad[l] != 0;
        for (int h = 0; h < 2; h++) {
            int any = 0, l0 = sb * KW + h * KWD;
            for (int l = 0; l < KWD; l++) any |= redo[h * KWD + l] && l0 + l < nf;
            if (!any) continue;
            /* the scratch is free again (this sub-batch's values are out); only the marked
             * lanes take the double values, so that a frame's values never depend on its
             * neighbours (whichever batch, chunk or thread computes it) */
            float keep[AUDIO_KALDI_MAX_OUT][KWD];
            for (int b = 0; b < pl->n_out; b++) __builtin_memcpy(keep[b], vals + (size_t)b * LN + l0, sizeof keep[b]);
            KFN(kaldi_part)(pl, src + l0, f0, nf - l0, l0, scratch, vals);
            for (int b = 0; b < pl->n_out; b++) {
                float *row = vals + (size_t)b * LN + l0;
                int is_energy = p->use_energy && b == (p->htk_compat ? mb->n_mels : 0);
                for (int l = 0; l < KWD; l++) {
                    if (!redo[h * KWD + l]) row[l] = keep[b][l];
                    else if (is_energy) row[l] = fmaxf(KFN(kln)(row[l]), pl->log_energy_floor);
                    else if (p->use_log_fbank) row[l] = KFN(kln)(row[l]);
                }
            }
        }
    }
    return nonfinite;
}

/* Frames f0 … f0+nf−1 into vals; returns whisper's largest log10 value among them (−Inf for
 * the others), or NaN when a filterbank sum of one of them is not finite (NaN or +Inf). A
 * non-finite sample in a frame's window makes every bin of its spectrum, and so every sum,
 * NaN or ±Inf (the window's zeros give NaN: 0 · Inf), so that the caller need not scan the
 * samples before each batch: it scans them only for a batch flagged here, where a finite
 * input whose power overflowed is told apart from a non-finite one. */
static float KFN(kernel)(const audio_plan *pl, const audio_signal *sig, int64_t f0, int nf,
                         float *scratch, float *vals)
{
    const float *src[LN];
    /* work space: FFT and spectrum first (room for double lanes), then the edge frames */
    size_t lanes_d = (size_t)4 * (size_t)(pl->fft.m + 1) + (size_t)pl->n_bins + (size_t)pl->win;
    float *edge = scratch + 2 * lanes_d * LN;
    KFN(ahead) ahead;
    KFN(ahead_init)(&ahead, pl, sig, f0, nf);
    if (sig->x16 && !pl->kaldi_pre) {
        const int16_t *src16[LN];
        if (KFN(frame_sources16)(pl, sig, f0, nf, edge, src16))
            return KFN(mel_float)(pl, NULL, src16, nf, scratch, vals, &ahead);
    }
    KFN(frame_sources)(pl, sig, f0, nf, edge, src);
    if (pl->kaldi_pre) {
        return KFN(kaldi_f32)(pl, src, f0, nf, scratch, vals, &ahead) ? NAN : -INFINITY;
    }
    return KFN(mel_float)(pl, src, NULL, nf, scratch, vals, &ahead);
}

/* ---- frame-major outputs ---- */

/* whisper in place (ops.c's tiles): vals[k][lane] of one batch as (v + 4) / 4 into row k of the
 * tile, and the least of lanes [0, nmin) merged into the four running minima of value k. A
 * whole batch takes a vector of KW lanes at a time, its least folded to four lanes before the
 * merge (a minimum is exact in any order; a NaN, never less, is never taken). */
static void KFN(tile_whisper)(int n_out, const float *vals, float *tile, ptrdiff_t ts, float *least, ptrdiff_t ls,
                              int nmin)
{
    typedef float v4 __attribute__((vector_size(16)));
    typedef int32_t v4i __attribute__((vector_size(16)));
    for (int k = 0; k < n_out; k++) {
        const float *v = vals + (size_t)k * LN;
        float *o = tile + k * ts;
        v4 m;
        __builtin_memcpy(&m, least + k * ls, sizeof m);
        if (nmin == LN) {
            vw mn = KFN(vset)(INFINITY);
            for (int l = 0; l < LN; l += KW) {
                vw x;
                __builtin_memcpy(&x, v + l, sizeof x);
                x = (x + 4.0f) * 0.25f;
                __builtin_memcpy(o + l, &x, sizeof x);
                vwi lt = x < mn;
                mn = (vw)(((vwi)x & lt) | ((vwi)mn & ~lt));
            }
            float part[KW];
            __builtin_memcpy(part, &mn, sizeof part);
            for (int q = 0; q < KW; q += 4) {
                v4 c;
                __builtin_memcpy(&c, part + q, sizeof c);
                v4i lt = c < m;
                m = (v4)(((v4i)c & lt) | ((v4i)m & ~lt));
            }
        } else {
            for (int l = 0; l < LN; l++) {
                float x = (v[l] + 4.0f) * 0.25f;
                o[l] = x;
                if (l < nmin) m[0] = x < m[0] ? x : m[0];
            }
        }
        __builtin_memcpy(least + k * ls, &m, sizeof m);
    }
}

static void KFN(rows)(const float *vals, int n_out, int nf, float *out, ptrdiff_t fs, double *sums)
{
    int k0 = 0;
#if KERN_TRANSPOSE
    /* KW values of KW frames at a time, turned in registers: one vector store per frame
     * (value by value, the stores and the strided loads cost a tenth of fbank) */
    for (; k0 + KW <= n_out; k0 += KW) {
        vd s0 = {0}, s1 = {0};
        if (sums) {
            __builtin_memcpy(&s0, sums + k0, sizeof s0);
            __builtin_memcpy(&s1, sums + k0 + KWD, sizeof s1);
        }
        for (int l0 = 0; l0 < nf; l0 += KW) {
            const float *rp[KW];
            vw r[KW];
            for (int i = 0; i < KW; i++) rp[i] = vals + (size_t)(k0 + i) * LN;
            KFN(transpose)(rp, l0, r); /* r[j]: values k0 … of frame l0 + j */
            for (int j = 0; j < KW && l0 + j < nf; j++) {
                __builtin_memcpy(out + (l0 + j) * fs + k0, &r[j], sizeof r[j]);
                if (sums) {
                    vwh lo, hi;
                    KFN(halves)(r[j], &lo, &hi);
                    s0 += __builtin_convertvector(lo, vd);
                    s1 += __builtin_convertvector(hi, vd);
                }
            }
        }
        if (sums) {
            __builtin_memcpy(sums + k0, &s0, sizeof s0);
            __builtin_memcpy(sums + k0 + KWD, &s1, sizeof s1);
        }
    }
#endif
    for (; k0 < n_out; k0++) {
        const float *v = vals + (size_t)k0 * LN;
        for (int l = 0; l < nf; l++) {
            out[l * fs + k0] = v[l];
            if (sums) sums[k0] += (double)v[l];
        }
    }
}

/* ---- non-temporal stores (x86 builds) ---- */

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>

static void KFN(put_nt)(float *dst, ptrdiff_t ds, const float *src, ptrdiff_t ss, int rows, size_t n)
{
    for (int r = 0; r < rows; r++) {
        float *d = dst + r * ds;
        const float *s = src + r * ss;
        size_t i = 0;
        for (; i < n && ((uintptr_t)(d + i) & (KW * 4 - 1)); i++) d[i] = s[i]; /* to alignment */
#if KW == 16
        for (; i + KW <= n; i += KW) _mm512_stream_ps(d + i, _mm512_loadu_ps(s + i));
#else
        for (; i + KW <= n; i += KW) _mm256_stream_ps(d + i, _mm256_loadu_ps(s + i));
#endif
        for (; i < n; i++) d[i] = s[i];
    }
    _mm_sfence(); /* ordered before whatever tells another thread the rows are there */
}
#define KPUT_NT KFN(put_nt)
#else
#define KPUT_NT NULL
#endif

/* ---- the FFT alone (tests): AUDIO_LANES real frames x[k·LANES + lane] → |X|² ---- */

static void KFN(fft_power)(const audio_fft_plan *fft, const float *x, float *power, float *scratch)
{
    const int m = fft->m, nb = fft->n / 2 + 1;
    vw *ar = (vw *)__builtin_assume_aligned(scratch, 64);
    vw *ai = ar + (m + 1), *br = ai + (m + 1), *bi = br + (m + 1), *pw = bi + (m + 1);
    for (int l0 = 0; l0 < LN; l0 += KW) {
        for (int j = 0; j < m; j++)
            for (int l = 0; l < KW; l++) {
                ar[j][l] = fft->odd ? x[(size_t)j * LN + l0 + l] : x[(size_t)(2 * j) * LN + l0 + l];
                ai[j][l] = fft->odd ? 0.0f : x[(size_t)(2 * j + 1) * LN + l0 + l];
            }
        KFN(cfft_power_f)(fft, ar, ai, br, bi, pw, nb);
        for (int k = 0; k < nb; k++)
            for (int l = 0; l < KW; l++) power[(size_t)k * LN + l0 + l] = pw[k][l];
    }
}

static void KFN(fft_power_d)(const audio_fft_plan *fft, const double *x, double *power, double *scratch)
{
    const int m = fft->m, nb = fft->n / 2 + 1;
    vd *ar = (vd *)__builtin_assume_aligned(scratch, 64);
    vd *ai = ar + (m + 1), *br = ai + (m + 1), *bi = br + (m + 1), *pw = bi + (m + 1);
    for (int l0 = 0; l0 < LN; l0 += KWD) {
        for (int j = 0; j < m; j++)
            for (int l = 0; l < KWD; l++) {
                ar[j][l] = fft->odd ? x[(size_t)j * LN + l0 + l] : x[(size_t)(2 * j) * LN + l0 + l];
                ai[j][l] = fft->odd ? 0.0 : x[(size_t)(2 * j + 1) * LN + l0 + l];
            }
        KFN(cfft_power_d)(fft, ar, ai, br, bi, pw, nb);
        for (int k = 0; k < nb; k++)
            for (int l = 0; l < KWD; l++) power[(size_t)k * LN + l0 + l] = pw[k][l];
    }
}

static const audio_isa KFN(isa_table) = {KSTR(KERN_SUFFIX), KFN(kernel), KFN(fft_power), KFN(fft_power_d), KFN(rows), KPUT_NT,
                                         KFN(tile_whisper)};
