/* kern_impl.h — the audio frame kernel, written once over lanes and compiled per instruction
 * set by kern_generic.c, kern_avx2.c and kern_avx512.c (each defines KERN_SUFFIX).
 *
 * Every loop over `l` runs across AUDIO_LANES frames with no dependence between lanes, which
 * is what lets the compiler turn it into whole vector instructions: the frames of a batch are
 * independent, so the FFT, the filterbank and the logarithm of 16 frames cost about what one
 * frame costs in scalar code. A lane's arithmetic does not depend on which lane it occupies,
 * so a frame's values are the same whichever batch or chunk computes it. */
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

/* The lane vector: AUDIO_LANES floats, one per frame. GCC/Clang vector extensions lower it
 * to whatever the target has (4 SSE, 2 AVX or 1 AVX-512 register) with no intrinsics. */
typedef float vf __attribute__((vector_size(AUDIO_LANES * 4)));
typedef int32_t vi __attribute__((vector_size(AUDIO_LANES * 4)));

static inline vf KFN(vset)(float a) { return (vf){0} + a; }

/* ln(x) for positive normal x: x = 2^e · m, m in [√½, √2), ln m = 2 atanh(s) with
 * s = (m − 1)/(m + 1), |s| ≤ 0.1716, series to s⁹ (truncation < 1e-9); e·ln 2 split in two
 * parts so the sum stays exact. */
static inline vf KFN(vln)(vf x)
{
    vi u = (vi)x;
    vi e = (u >> 23) - 127;
    u = (u & 0x007fffff) | 0x3f800000;
    vf m = (vf)u;
    vi big = m > KFN(vset)(1.41421356f);
    m = (vf)(((vi)(m * 0.5f) & big) | ((vi)m & ~big));
    e = e - big;
    vf f = m - 1.0f;
    vf s = f / (f + 2.0f);
    vf z = s * s;
    vf r = z * (0.66666666666f + z * (0.4f + z * (0.28571428571f + z * 0.22222222222f)));
    vf ef = __builtin_convertvector(e, vf);
    return ef * 0.693145751953125f + (s * r + (ef * 1.428606765330187e-06f + 2.0f * s));
}

static inline float KFN(kln)(float x)
{
    vf v = KFN(vset)(x);
    return KFN(vln)(v)[0];
}

static inline vf KFN(vmax)(vf a, vf b)
{
    vi gt = a > b;
    return (vf)(((vi)a & gt) | ((vi)b & ~gt));
}

/* ---- Stockham stages over lanes: x (input) → y (output) ---- */

#define CMUL_RE(ar, ai, wr, wi) ((ar) * (wr) - (ai) * (wi))
#define CMUL_IM(ar, ai, wr, wi) ((ar) * (wi) + (ai) * (wr))

static void KFN(stage2)(int len, int s, const float *tw, const vf *restrict xr, const vf *restrict xi,
                        vf *restrict yr, vf *restrict yi)
{
    int m = len / 2;
    for (int j = 0; j < m; j++) {
        float wr = tw[2 * j], wi = tw[2 * j + 1];
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, i1 = q + s * (j + m), o0 = q + s * (2 * j), o1 = o0 + s;
            vf a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
            vf dr = a0r - a1r, di = a0i - a1i;
            yr[o0] = a0r + a1r;
            yi[o0] = a0i + a1i;
            yr[o1] = CMUL_RE(dr, di, wr, wi);
            yi[o1] = CMUL_IM(dr, di, wr, wi);
        }
    }
}

static void KFN(stage3)(int len, int s, const float *tw, const vf *restrict xr, const vf *restrict xi,
                        vf *restrict yr, vf *restrict yi)
{
    const float h = 0.866025403784438647f; /* sin(2π/3) */
    int m = len / 3;
    for (int j = 0; j < m; j++) {
        const float *w = tw + 4 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, i1 = i0 + s * m, i2 = i1 + s * m, o0 = q + s * (3 * j);
            vf a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1], a2r = xr[i2], a2i = xi[i2];
            vf tr = a1r + a2r, ti = a1i + a2i, dr = a1r - a2r, di = a1i - a2i;
            vf br = a0r - 0.5f * tr, bi = a0i - 0.5f * ti;
            /* Y1 = b − i·h·d, Y2 = b + i·h·d */
            vf c1r = br + h * di, c1i = bi - h * dr, c2r = br - h * di, c2i = bi + h * dr;
            yr[o0] = a0r + tr;
            yi[o0] = a0i + ti;
            yr[o0 + s] = CMUL_RE(c1r, c1i, w[0], w[1]);
            yi[o0 + s] = CMUL_IM(c1r, c1i, w[0], w[1]);
            yr[o0 + 2 * s] = CMUL_RE(c2r, c2i, w[2], w[3]);
            yi[o0 + 2 * s] = CMUL_IM(c2r, c2i, w[2], w[3]);
        }
    }
}

static void KFN(stage4)(int len, int s, const float *tw, const vf *restrict xr, const vf *restrict xi,
                        vf *restrict yr, vf *restrict yi)
{
    int m = len / 4;
    for (int j = 0; j < m; j++) {
        const float *w = tw + 6 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m, o0 = q + s * (4 * j);
            vf a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
            vf a2r = xr[i2], a2i = xi[i2], a3r = xr[i3], a3i = xi[i3];
            vf t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
            vf t2r = a1r + a3r, t2i = a1i + a3i;
            vf t3r = a1i - a3i, t3i = a3r - a1r; /* −i·(a1 − a3) */
            vf z1r = t1r + t3r, z1i = t1i + t3i, z2r = t0r - t2r, z2i = t0i - t2i;
            vf z3r = t1r - t3r, z3i = t1i - t3i;
            yr[o0] = t0r + t2r;
            yi[o0] = t0i + t2i;
            yr[o0 + s] = CMUL_RE(z1r, z1i, w[0], w[1]);
            yi[o0 + s] = CMUL_IM(z1r, z1i, w[0], w[1]);
            yr[o0 + 2 * s] = CMUL_RE(z2r, z2i, w[2], w[3]);
            yi[o0 + 2 * s] = CMUL_IM(z2r, z2i, w[2], w[3]);
            yr[o0 + 3 * s] = CMUL_RE(z3r, z3i, w[4], w[5]);
            yi[o0 + 3 * s] = CMUL_IM(z3r, z3i, w[4], w[5]);
        }
    }
}

static void KFN(stage5)(int len, int s, const float *tw, const vf *restrict xr, const vf *restrict xi,
                        vf *restrict yr, vf *restrict yi)
{
    const float c1 = 0.309016994374947424f, c2 = -0.809016994374947424f; /* cos 2π/5, cos 4π/5 */
    const float s1 = 0.951056516295153572f, s2 = 0.587785252292473129f; /* sin 2π/5, sin 4π/5 */
    int m = len / 5;
    for (int j = 0; j < m; j++) {
        const float *w = tw + 8 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, sm = s * m, o0 = q + s * (5 * j);
            vf a0r = xr[i0], a0i = xi[i0];
            vf a1r = xr[i0 + sm], a1i = xi[i0 + sm], a2r = xr[i0 + 2 * sm], a2i = xi[i0 + 2 * sm];
            vf a3r = xr[i0 + 3 * sm], a3i = xi[i0 + 3 * sm], a4r = xr[i0 + 4 * sm], a4i = xi[i0 + 4 * sm];
            vf t1r = a1r + a4r, t1i = a1i + a4i, t2r = a2r + a3r, t2i = a2i + a3i;
            vf t3r = a1r - a4r, t3i = a1i - a4i, t4r = a2r - a3r, t4i = a2i - a3i;
            vf b1r = a0r + c1 * t1r + c2 * t2r, b1i = a0i + c1 * t1i + c2 * t2i;
            vf b2r = a0r + c2 * t1r + c1 * t2r, b2i = a0i + c2 * t1i + c1 * t2i;
            vf d1r = s1 * t3r + s2 * t4r, d1i = s1 * t3i + s2 * t4i;
            vf d2r = s2 * t3r - s1 * t4r, d2i = s2 * t3i - s1 * t4i;
            /* Y1 = b1 − i d1, Y4 = b1 + i d1, Y2 = b2 − i d2, Y3 = b2 + i d2 */
            vf y1r = b1r + d1i, y1i = b1i - d1r, y4r = b1r - d1i, y4i = b1i + d1r;
            vf y2r = b2r + d2i, y2i = b2i - d2r, y3r = b2r - d2i, y3i = b2i + d2r;
            yr[o0] = a0r + t1r + t2r;
            yi[o0] = a0i + t1i + t2i;
            yr[o0 + s] = CMUL_RE(y1r, y1i, w[0], w[1]);
            yi[o0 + s] = CMUL_IM(y1r, y1i, w[0], w[1]);
            yr[o0 + 2 * s] = CMUL_RE(y2r, y2i, w[2], w[3]);
            yi[o0 + 2 * s] = CMUL_IM(y2r, y2i, w[2], w[3]);
            yr[o0 + 3 * s] = CMUL_RE(y3r, y3i, w[4], w[5]);
            yi[o0 + 3 * s] = CMUL_IM(y3r, y3i, w[4], w[5]);
            yr[o0 + 4 * s] = CMUL_RE(y4r, y4i, w[6], w[7]);
            yi[o0 + 4 * s] = CMUL_IM(y4r, y4i, w[6], w[7]);
        }
    }
}

/* Any radix p: a direct DFT of p points per butterfly (primes > 5 are rare: odd frame
 * lengths at unusual sample rates). */
static void KFN(stage_gen)(int p, int len, int s, const float *tw, const float *gc, const float *gs,
                           const vf *restrict xr, const vf *restrict xi, vf *restrict yr,
                           vf *restrict yi)
{
    int m = len / p;
    for (int j = 0; j < m; j++) {
        const float *w = tw + 2 * (size_t)(p - 1) * (size_t)j;
        for (int q = 0; q < s; q++) {
            for (int k = 0; k < p; k++) {
                vf accr = {0}, acci = {0};
                for (int r = 0; r < p; r++) {
                    int idx = (r * k) % p, i = q + s * (j + r * m);
                    accr += CMUL_RE(xr[i], xi[i], gc[idx], gs[idx]);
                    acci += CMUL_IM(xr[i], xi[i], gc[idx], gs[idx]);
                }
                int o = q + s * (p * j + k);
                if (k == 0) {
                    yr[o] = accr;
                    yi[o] = acci;
                } else {
                    float wr = w[2 * (k - 1)], wi = w[2 * (k - 1) + 1];
                    yr[o] = CMUL_RE(accr, acci, wr, wi);
                    yi[o] = CMUL_IM(accr, acci, wr, wi);
                }
            }
        }
    }
}

/* Complex FFT of fft->m points over lanes; input in (ar, ai), the other pair is work space.
 * Returns 1 when the result ended in (br, bi). */
static int KFN(cfft)(const audio_fft_plan *fft, vf *ar, vf *ai, vf *br, vf *bi)
{
    vf *xr = ar, *xi = ai, *yr = br, *yi = bi;
    for (int st = 0; st < fft->n_stages; st++) {
        int p = fft->radix[st], len = fft->len[st], s = fft->stride[st];
        const float *tw = fft->tw + fft->tw_off[st];
        switch (p) {
        case 2: KFN(stage2)(len, s, tw, xr, xi, yr, yi); break;
        case 3: KFN(stage3)(len, s, tw, xr, xi, yr, yi); break;
        case 4: KFN(stage4)(len, s, tw, xr, xi, yr, yi); break;
        case 5: KFN(stage5)(len, s, tw, xr, xi, yr, yi); break;
        default:
            KFN(stage_gen)(p, len, s, tw, fft->gen_cos + fft->gen_off[st], fft->gen_sin + fft->gen_off[st],
                           xr, xi, yr, yi);
            break;
        }
        vf *t;
        t = xr, xr = yr, yr = t;
        t = xi, xi = yi, yi = t;
    }
    return xr == br;
}

/* Counter-based Gaussian noise for dither: the same value for a given (frame, sample)
 * whichever batch, thread or chunk computes it. */
static inline float KFN(gauss)(uint64_t frame, int k)
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
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

#if defined(__AVX512F__) || defined(__AVX2__)
#define KERN_TRANSPOSE 1
/* Swap step of a 16 × 16 transpose: rows i and i + S exchange their off-diagonal S × S
 * blocks (one two-source permutation each: vpermt2ps on AVX-512). */
#define TSTEP_LO(S, a, b) __builtin_shufflevector(a, b, TIDX_LO_##S)
#define TSTEP_HI(S, a, b) __builtin_shufflevector(a, b, TIDX_HI_##S)
#define TIDX_LO_8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define TIDX_HI_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define TIDX_LO_4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define TIDX_HI_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define TIDX_LO_2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define TIDX_HI_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define TIDX_LO_1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define TIDX_HI_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31

/* t[k] = (rows[l][k0 + k])_l for k < 16: 16 consecutive samples of 16 frames, turned into
 * 16 lane vectors. */
static inline void KFN(transpose16)(const float *const *rows, int k0, vf *t)
{
    vf r[16];
    for (int l = 0; l < 16; l++) __builtin_memcpy(&r[l], rows[l] + k0, sizeof(vf));
#define TPASS(S)                                                         \
    for (int i = 0; i < 16; i++)                                         \
        if (!(i & S)) {                                                  \
            vf lo = TSTEP_LO(S, r[i], r[i + S]);                         \
            vf hi = TSTEP_HI(S, r[i], r[i + S]);                         \
            r[i] = lo;                                                   \
            r[i + S] = hi;                                               \
        }
    TPASS(8) TPASS(4) TPASS(2) TPASS(1)
#undef TPASS
    for (int k = 0; k < 16; k++) t[k] = r[k];
}
#else
#define KERN_TRANSPOSE 0
#endif

static float KFN(kernel)(const audio_plan *pl, const audio_signal *sig, int64_t f0, int nf,
                         float *scratch, float *vals_out)
{
    const int m = pl->fft.m, win = pl->win, nb = pl->n_bins;
    vf *ar = (vf *)__builtin_assume_aligned(scratch, 64);
    vf *ai = ar + (m + 1);
    vf *br = ai + (m + 1);
    vf *bi = br + (m + 1);
    vf *pw = bi + (m + 1);      /* power or magnitude, nb */
    vf *frm = pw + nb;          /* Kaldi: the raw frame, win */
    float *edge = (float *)(frm + win); /* per-lane edge frames, then one zero frame */
    const size_t estride = (size_t)win + 16;
    float *zeros = edge + (size_t)LN * estride;
    vf *vals = (vf *)__builtin_assume_aligned(vals_out, 64);
    vf energy = {0};
    const float *wdw = pl->window;
    const float scale = sig->scale;

    /* 1. framing: one source pointer per lane (edge frames copied with their edge rule) */
    const float *src[LN];
    int any_zero = 0;
    for (int l = 0; l < LN; l++) {
        if (l < nf) {
            int64_t f = f0 + l, s = f * pl->hop - pl->pad_left;
            if (accel__audio_frame_direct(pl, sig, f)) {
                src[l] = sig->x + (s - sig->base);
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

    /* into the lane layout: Kaldi keeps the raw frame; the others pack even samples as real
     * parts and odd samples as imaginary parts, windowed (odd n_fft: real parts only) */
    int k0 = 0;
#if KERN_TRANSPOSE
    for (; k0 + 16 <= win; k0 += 16) {
        vf t[16];
        KFN(transpose16)(src, k0, t);
        if (pl->kaldi_pre) {
            for (int k = 0; k < 16; k++) frm[k0 + k] = t[k] * scale;
        } else if (!pl->fft.odd) {
            for (int k = 0; k < 16; k += 2) {
                ar[(k0 + k) / 2] = t[k] * wdw[k0 + k];
                ai[(k0 + k) / 2] = t[k + 1] * wdw[k0 + k + 1];
            }
        } else {
            for (int k = 0; k < 16; k++) ar[k0 + k] = t[k] * wdw[k0 + k];
        }
    }
#endif
    for (int l = 0; l < LN; l++) {
        const float *x = src[l];
        for (int k = k0; k < win; k++) {
            if (pl->kaldi_pre)
                frm[k][l] = x[k] * scale;
            else if (!pl->fft.odd) {
                if (k & 1)
                    ai[k / 2][l] = x[k] * wdw[k];
                else
                    ar[k / 2][l] = x[k] * wdw[k];
            } else {
                ar[k][l] = x[k] * wdw[k];
            }
        }
    }
    if (!pl->kaldi_pre) {
        const vf zero = {0};
        if (!pl->fft.odd) {
            if (win & 1) ai[win / 2] = zero;
            for (int j = (win + 1) / 2; j < m; j++) ar[j] = ai[j] = zero;
        } else {
            for (int j = 0; j < m; j++) ai[j] = zero;
            for (int j = win; j < m; j++) ar[j] = zero;
        }
    }

    /* 2. Kaldi pre-processing, in torchaudio's order: dither, DC offset, raw energy,
     * pre-emphasis, window, (energy after the window); sums in double */
    if (pl->kaldi_pre) {
        const accel_audio_params *p = &pl->p;
        if (p->dither > 0) {
            float d = (float)p->dither;
            for (int l = 0; l < nf; l++)
                for (int k = 0; k < win; k++) frm[k][l] += d * KFN(gauss)((uint64_t)(f0 + l), k);
        }
        if (p->remove_dc_offset) {
            double mean[LN] = {0};
            for (int k = 0; k < win; k++)
                for (int l = 0; l < LN; l++) mean[l] += frm[k][l];
            vf mf;
            for (int l = 0; l < LN; l++) mf[l] = (float)(mean[l] / win);
            for (int k = 0; k < win; k++) frm[k] -= mf;
        }
        if (p->use_energy && p->raw_energy) {
            double e[LN] = {0};
            for (int k = 0; k < win; k++)
                for (int l = 0; l < LN; l++) e[l] += (double)frm[k][l] * frm[k][l];
            for (int l = 0; l < LN; l++) energy[l] = (float)e[l];
        }
        float c = (float)p->preemphasis_coefficient;
        if (c != 0.0f) {
            for (int k = win - 1; k >= 1; k--) frm[k] -= c * frm[k - 1];
            frm[0] -= c * frm[0];
        }
        for (int k = 0; k < win; k++) frm[k] *= wdw[k];
        if (p->use_energy && !p->raw_energy) {
            double e[LN] = {0};
            for (int k = 0; k < win; k++)
                for (int l = 0; l < LN; l++) e[l] += (double)frm[k][l] * frm[k][l];
            for (int l = 0; l < LN; l++) energy[l] = (float)e[l];
        }
        /* pack into the FFT input (zero padding up to n_fft) */
        const vf zero = {0};
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
    }

    /* 3. FFT */
    int in_b = KFN(cfft)(&pl->fft, ar, ai, br, bi);
    const vf *zr = in_b ? br : ar, *zi = in_b ? bi : ai;

    /* 4. power spectrum |X|² (or |X| for magnitudes); even n: split the packed transform */
    const int want_mag = pl->logkind == AUDIO_LOG_VGGISH || (pl->kaldi_pre && !pl->p.use_power);
    if (!pl->fft.odd) {
        for (int k = 0; k < nb; k++) {
            int ka = k % m, kb = (m - k) % m;
            float wr = pl->fft.split_re[k], wi = pl->fft.split_im[k];
            vf er = 0.5f * (zr[ka] + zr[kb]), ei = 0.5f * (zi[ka] - zi[kb]);
            vf dr = 0.5f * (zr[ka] - zr[kb]), di = 0.5f * (zi[ka] + zi[kb]);
            vf xr = er + (wr * di + wi * dr);
            vf xi = ei - (wr * dr - wi * di);
            pw[k] = xr * xr + xi * xi;
        }
    } else {
        for (int k = 0; k < nb; k++) pw[k] = zr[k] * zr[k] + zi[k] * zi[k];
    }
    if (want_mag)
        for (int k = 0; k < nb; k++)
            for (int l = 0; l < LN; l++) pw[k][l] = sqrtf(pw[k][l]);

    /* 5. mel filterbank and logarithm */
    const audio_melbank *mb = &pl->mel;
    int first = (pl->kaldi_pre && pl->p.use_energy && !pl->p.htk_compat) ? 1 : 0;
    vf vmx = KFN(vset)(-INFINITY);
    for (int b = 0; b < mb->n_mels; b++) {
        vf acc = {0};
        const float *w = mb->w + mb->off[b];
        const vf *sp = pw + mb->start[b];
        for (int k = 0; k < mb->count[b]; k++) acc += w[k] * sp[k];
        vf *o = vals + b + first;
        switch (pl->logkind) {
        case AUDIO_LOG_WHISPER:
            *o = KFN(vln)(KFN(vmax)(acc, KFN(vset)(1e-10f))) * 0.434294481903251828f;
            vmx = KFN(vmax)(vmx, *o);
            break;
        case AUDIO_LOG_VGGISH: *o = KFN(vln)(acc + 0.01f); break;
        default:
            *o = pl->p.use_log_fbank ? KFN(vln)(KFN(vmax)(acc, KFN(vset)(FLT_EPSILON))) : acc;
            break;
        }
    }
    if (pl->kaldi_pre && pl->p.use_energy) {
        vf le = KFN(vln)(KFN(vmax)(energy, KFN(vset)(FLT_EPSILON)));
        vals[pl->p.htk_compat ? mb->n_mels : 0] = KFN(vmax)(le, KFN(vset)(pl->log_energy_floor));
    }
    float mx = -INFINITY;
    for (int l = 0; l < nf; l++) mx = vmx[l] > mx ? vmx[l] : mx;
    return mx;
}

/* The FFT alone (tests): lanes of real frames → |X|². */
static void KFN(fft_power)(const audio_fft_plan *fft, const float *x, float *power, float *scratch)
{
    const int m = fft->m, n = fft->n;
    vf *ar = (vf *)__builtin_assume_aligned(scratch, 64);
    vf *ai = ar + (m + 1), *br = ai + (m + 1), *bi = br + (m + 1);
    const vf *xv = (const vf *)__builtin_assume_aligned(x, 64);
    vf *pv = (vf *)__builtin_assume_aligned(power, 64);
    const vf zero = {0};
    for (int j = 0; j < m; j++) {
        if (fft->odd) {
            ar[j] = xv[j];
            ai[j] = zero;
        } else {
            ar[j] = xv[2 * j];
            ai[j] = xv[2 * j + 1];
        }
    }
    int in_b = KFN(cfft)(fft, ar, ai, br, bi);
    const vf *zr = in_b ? br : ar, *zi = in_b ? bi : ai;
    for (int k = 0; k <= n / 2; k++) {
        if (fft->odd) {
            pv[k] = zr[k] * zr[k] + zi[k] * zi[k];
        } else {
            int ka = k % m, kb = (m - k) % m;
            float wr = fft->split_re[k], wi = fft->split_im[k];
            vf er = 0.5f * (zr[ka] + zr[kb]), ei = 0.5f * (zi[ka] - zi[kb]);
            vf dr = 0.5f * (zr[ka] - zr[kb]), di = 0.5f * (zi[ka] + zi[kb]);
            vf xr = er + (wr * di + wi * dr), xi = ei - (wr * dr - wi * di);
            pv[k] = xr * xr + xi * xi;
        }
    }
}

static const audio_isa KFN(isa_table) = {KSTR(KERN_SUFFIX), KFN(kernel), KFN(fft_power)};
