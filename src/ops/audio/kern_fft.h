/* kern_fft.h — the lane FFT, included by kern_impl.h once for float lanes (every preset) and
 * once for double lanes (the reference FFT the tests hold the float one to, fft_power_d). Parameters: FT lane vector type, FS
 * its scalar, FX(name) the instance's names, FFT_TW/FFT_GC/FFT_GS/FFT_SR/FFT_SI the plan's
 * tables of that precision. */

#define CMUL_RE(ar, ai, wr, wi) ((ar) * (wr) - (ai) * (wi))
#define CMUL_IM(ar, ai, wr, wi) ((ar) * (wi) + (ai) * (wr))

/* ---- Stockham stages over lanes: x (input) → y (output) ---- */

/* The 4-point DFT of x[b], x[b + d], x[b + 2d], x[b + 3d] into y[0 … 3] (before twiddles). */
static inline void FX(dft4)(const FT *restrict xr, const FT *restrict xi, int b, int d, FT *yr, FT *yi)
{
    FT a0r = xr[b], a0i = xi[b], a1r = xr[b + d], a1i = xi[b + d];
    FT a2r = xr[b + 2 * d], a2i = xi[b + 2 * d], a3r = xr[b + 3 * d], a3i = xi[b + 3 * d];
    FT t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
    FT t2r = a1r + a3r, t2i = a1i + a3i;
    FT t3r = a1i - a3i, t3i = a3r - a1r; /* −i·(a1 − a3) */
    yr[0] = t0r + t2r;
    yi[0] = t0i + t2i;
    yr[1] = t1r + t3r;
    yi[1] = t1i + t3i;
    yr[2] = t0r - t2r;
    yi[2] = t0i - t2i;
    yr[3] = t1r - t3r;
    yi[3] = t1i - t3i;
}

/* The 5-point DFT of x[b + r·d], r < 5, into y[0 … 4] (before twiddles). */
static inline void FX(dft5)(const FT *restrict xr, const FT *restrict xi, int b, int d, FT *yr, FT *yi)
{
    const FS c1 = (FS)0.309016994374947424, c2 = (FS)-0.809016994374947424; /* cos 2π/5, cos 4π/5 */
    const FS s1 = (FS)0.951056516295153572, s2 = (FS)0.587785252292473129; /* sin 2π/5, sin 4π/5 */
    FT a0r = xr[b], a0i = xi[b];
    FT a1r = xr[b + d], a1i = xi[b + d], a2r = xr[b + 2 * d], a2i = xi[b + 2 * d];
    FT a3r = xr[b + 3 * d], a3i = xi[b + 3 * d], a4r = xr[b + 4 * d], a4i = xi[b + 4 * d];
    FT t1r = a1r + a4r, t1i = a1i + a4i, t2r = a2r + a3r, t2i = a2i + a3i;
    FT t3r = a1r - a4r, t3i = a1i - a4i, t4r = a2r - a3r, t4i = a2i - a3i;
    FT b1r = a0r + c1 * t1r + c2 * t2r, b1i = a0i + c1 * t1i + c2 * t2i;
    FT b2r = a0r + c2 * t1r + c1 * t2r, b2i = a0i + c2 * t1i + c1 * t2i;
    FT d1r = s1 * t3r + s2 * t4r, d1i = s1 * t3i + s2 * t4i;
    FT d2r = s2 * t3r - s1 * t4r, d2i = s2 * t3i - s1 * t4i;
    /* Y1 = b1 − i d1, Y4 = b1 + i d1, Y2 = b2 − i d2, Y3 = b2 + i d2 */
    yr[0] = a0r + t1r + t2r;
    yi[0] = a0i + t1i + t2i;
    yr[1] = b1r + d1i;
    yi[1] = b1i - d1r;
    yr[2] = b2r + d2i;
    yi[2] = b2i - d2r;
    yr[3] = b2r - d2i;
    yi[3] = b2i + d2r;
    yr[4] = b1r - d1i;
    yi[4] = b1i + d1r;
}


static void FX(stage2)(int len, int s, const FS *tw, const FT *restrict xr, const FT *restrict xi,
                        FT *restrict yr, FT *restrict yi)
{
    int m = len / 2;
    for (int j = 0; j < m; j++) {
        FS wr = tw[2 * j], wi = tw[2 * j + 1];
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, i1 = q + s * (j + m), o0 = q + s * (2 * j), o1 = o0 + s;
            FT a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
            FT dr = a0r - a1r, di = a0i - a1i;
            yr[o0] = a0r + a1r;
            yi[o0] = a0i + a1i;
            yr[o1] = CMUL_RE(dr, di, wr, wi);
            yi[o1] = CMUL_IM(dr, di, wr, wi);
        }
    }
}

static void FX(stage3)(int len, int s, const FS *tw, const FT *restrict xr, const FT *restrict xi,
                        FT *restrict yr, FT *restrict yi)
{
    const FS h = (FS)0.866025403784438647; /* sin(2π/3) */
    int m = len / 3;
    for (int j = 0; j < m; j++) {
        const FS *w = tw + 4 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, i1 = i0 + s * m, i2 = i1 + s * m, o0 = q + s * (3 * j);
            FT a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1], a2r = xr[i2], a2i = xi[i2];
            FT tr = a1r + a2r, ti = a1i + a2i, dr = a1r - a2r, di = a1i - a2i;
            FT br = a0r - (FS)0.5 * tr, bi = a0i - (FS)0.5 * ti;
            /* Y1 = b − i·h·d, Y2 = b + i·h·d */
            FT c1r = br + h * di, c1i = bi - h * dr, c2r = br - h * di, c2i = bi + h * dr;
            yr[o0] = a0r + tr;
            yi[o0] = a0i + ti;
            yr[o0 + s] = CMUL_RE(c1r, c1i, w[0], w[1]);
            yi[o0 + s] = CMUL_IM(c1r, c1i, w[0], w[1]);
            yr[o0 + 2 * s] = CMUL_RE(c2r, c2i, w[2], w[3]);
            yi[o0 + 2 * s] = CMUL_IM(c2r, c2i, w[2], w[3]);
        }
    }
}

static void FX(stage4)(int len, int s, const FS *tw, const FT *restrict xr, const FT *restrict xi,
                        FT *restrict yr, FT *restrict yi)
{
    int m = len / 4;
    for (int j = 0; j < m; j++) {
        const FS *w = tw + 6 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, o0 = q + s * (4 * j);
            FT zr[4], zi[4];
            FX(dft4)(xr, xi, i0, s * m, zr, zi);
            yr[o0] = zr[0];
            yi[o0] = zi[0];
            for (int k = 1; k < 4; k++) {
                yr[o0 + k * s] = CMUL_RE(zr[k], zi[k], w[2 * k - 2], w[2 * k - 1]);
                yi[o0 + k * s] = CMUL_IM(zr[k], zi[k], w[2 * k - 2], w[2 * k - 1]);
            }
        }
    }
}

/* Radix 8: two radix-4 butterflies (even and odd inputs) joined by ω⁰…ω³ of 8 points; one
 * pass over memory where radix 4 takes one and a half (with 32 vector registers the whole
 * butterfly stays in them). */
static void FX(stage8)(int len, int s, const FS *tw, const FT *restrict xr, const FT *restrict xi,
                        FT *restrict yr, FT *restrict yi)
{
    const FS h = (FS)0.707106781186547524; /* 1/√2 */
    int m = len / 8;
    for (int j = 0; j < m; j++) {
        const FS *w = tw + 14 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, sm = s * m, o0 = q + s * (8 * j);
            FT er[4], ei[4], orr[4], oi[4];
            FX(dft4)(xr, xi, i0, 2 * sm, er, ei);       /* the even inputs */
            FX(dft4)(xr, xi, i0 + sm, 2 * sm, orr, oi); /* the odd ones */
            /* the odd half times ω^k, ω = e^(−2πi/8) */
            FT o1r = (orr[1] + oi[1]) * h, o1i = (oi[1] - orr[1]) * h;
            FT o2r = oi[2], o2i = -orr[2];
            FT o3r = (oi[3] - orr[3]) * h, o3i = -(orr[3] + oi[3]) * h;
            yr[o0] = er[0] + orr[0];
            yi[o0] = ei[0] + oi[0];
            FT y4r = er[0] - orr[0], y4i = ei[0] - oi[0];
            FT y1r = er[1] + o1r, y1i = ei[1] + o1i, y5r = er[1] - o1r, y5i = ei[1] - o1i;
            FT y2r = er[2] + o2r, y2i = ei[2] + o2i, y6r = er[2] - o2r, y6i = ei[2] - o2i;
            FT y3r = er[3] + o3r, y3i = ei[3] + o3i, y7r = er[3] - o3r, y7i = ei[3] - o3i;
            yr[o0 + s] = CMUL_RE(y1r, y1i, w[0], w[1]);
            yi[o0 + s] = CMUL_IM(y1r, y1i, w[0], w[1]);
            yr[o0 + 2 * s] = CMUL_RE(y2r, y2i, w[2], w[3]);
            yi[o0 + 2 * s] = CMUL_IM(y2r, y2i, w[2], w[3]);
            yr[o0 + 3 * s] = CMUL_RE(y3r, y3i, w[4], w[5]);
            yi[o0 + 3 * s] = CMUL_IM(y3r, y3i, w[4], w[5]);
            yr[o0 + 4 * s] = CMUL_RE(y4r, y4i, w[6], w[7]);
            yi[o0 + 4 * s] = CMUL_IM(y4r, y4i, w[6], w[7]);
            yr[o0 + 5 * s] = CMUL_RE(y5r, y5i, w[8], w[9]);
            yi[o0 + 5 * s] = CMUL_IM(y5r, y5i, w[8], w[9]);
            yr[o0 + 6 * s] = CMUL_RE(y6r, y6i, w[10], w[11]);
            yi[o0 + 6 * s] = CMUL_IM(y6r, y6i, w[10], w[11]);
            yr[o0 + 7 * s] = CMUL_RE(y7r, y7i, w[12], w[13]);
            yi[o0 + 7 * s] = CMUL_IM(y7r, y7i, w[12], w[13]);
        }
    }
}

static void FX(stage5)(int len, int s, const FS *tw, const FT *restrict xr, const FT *restrict xi,
                        FT *restrict yr, FT *restrict yi)
{
    int m = len / 5;
    for (int j = 0; j < m; j++) {
        const FS *w = tw + 8 * j;
        for (int q = 0; q < s; q++) {
            int i0 = q + s * j, o0 = q + s * (5 * j);
            FT zr[5], zi[5];
            FX(dft5)(xr, xi, i0, s * m, zr, zi);
            yr[o0] = zr[0];
            yi[o0] = zi[0];
            for (int k = 1; k < 5; k++) {
                yr[o0 + k * s] = CMUL_RE(zr[k], zi[k], w[2 * k - 2], w[2 * k - 1]);
                yi[o0 + k * s] = CMUL_IM(zr[k], zi[k], w[2 * k - 2], w[2 * k - 1]);
            }
        }
    }
}

/* Any radix p: a direct DFT of p points per butterfly (primes > 5 are rare: odd frame
 * lengths at unusual sample rates). */
static void FX(stage_gen)(int p, int len, int s, const FS *tw, const FS *gc, const FS *gs,
                           const FT *restrict xr, const FT *restrict xi, FT *restrict yr,
                           FT *restrict yi)
{
    int m = len / p;
    for (int j = 0; j < m; j++) {
        const FS *w = tw + 2 * (size_t)(p - 1) * (size_t)j;
        for (int q = 0; q < s; q++) {
            for (int k = 0; k < p; k++) {
                FT accr = {0}, acci = {0};
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
                    FS wr = w[2 * (k - 1)], wi = w[2 * (k - 1) + 1];
                    yr[o] = CMUL_RE(accr, acci, wr, wi);
                    yi[o] = CMUL_IM(accr, acci, wr, wi);
                }
            }
        }
    }
}

/* The first n stages of the complex FFT of fft->m points over lanes; input in (ar, ai), the
 * other pair is work space. Returns 1 when the result ended in (br, bi). */
static int FX(stages)(const audio_fft_plan *fft, int n, FT *ar, FT *ai, FT *br, FT *bi)
{
    FT *xr = ar, *xi = ai, *yr = br, *yi = bi;
    for (int st = 0; st < n; st++) {
        int p = fft->radix[st], len = fft->len[st], s = fft->stride[st];
        const FS *tw = FFT_TW(fft) + fft->tw_off[st];
        switch (p) {
        case 2: FX(stage2)(len, s, tw, xr, xi, yr, yi); break;
        case 3: FX(stage3)(len, s, tw, xr, xi, yr, yi); break;
        case 4: FX(stage4)(len, s, tw, xr, xi, yr, yi); break;
        case 5: FX(stage5)(len, s, tw, xr, xi, yr, yi); break;
        case 8: FX(stage8)(len, s, tw, xr, xi, yr, yi); break;
        default:
            FX(stage_gen)(p, len, s, tw, FFT_GC(fft) + fft->gen_off[st], FFT_GS(fft) + fft->gen_off[st],
                           xr, xi, yr, yi);
            break;
        }
        FT *t;
        t = xr, xr = yr, yr = t;
        t = xi, xi = yi, yi = t;
    }
    return xr == br;
}

/* The whole complex FFT. */
static int FX(cfft)(const audio_fft_plan *fft, FT *ar, FT *ai, FT *br, FT *bi)
{
    return FX(stages)(fft, fft->n_stages, ar, ai, br, bi);
}


/* ---- the last stage fused with the real split and |X|² ---- */

/* The last stage's butterfly q (its only j is 0, so no twiddles: a·1 − b·0 is a, up to the
 * sign of a zero that |X|² does not see) into y[k'] = X[q + s·k'], for radix 4 and 5. */
static inline void FX(bfly_last)(int p, int s, int q, const FT *xr, const FT *xi, FT *yr, FT *yi)
{
    if (p == 4) FX(dft4)(xr, xi, q, s, yr, yi);
    else FX(dft5)(xr, xi, q, s, yr, yi);
}

/* |X[k]|² of the real frame from the complex result's values at k mod m (a) and (m − k) mod m
 * (b): the split step of a real FFT packed as a complex one of half its length (power(),
 * last_power()). */
static inline FT FX(bin_power)(FT ar_, FT ai_, FT br_, FT bi_, FS wr, FS wi)
{
    FT er = (FS)0.5 * (ar_ + br_), ei = (FS)0.5 * (ai_ - bi_);
    FT dr = (FS)0.5 * (ar_ - br_), di = (FS)0.5 * (ai_ + bi_);
    FT xr = er + (wr * di + wi * dr);
    FT xi = ei - (wr * dr - wi * di);
    return xr * xr + xi * xi;
}

/* The last stage (radix p, stride s = m/p) from x and the power of bins 0 … nb−1, without
 * storing the complex result: butterflies q and s − q hold each other's partners
 * (m − (q + s·k') = (s − q) + s·(p − 1 − k')), so they are taken together. */
static void FX(last_power)(const audio_fft_plan *fft, int p, const FT *xr, const FT *xi, FT *pw, int nb)
{
    const int m = fft->m, s = m / p;
    const FS *sr = FFT_SR(fft), *si = FFT_SI(fft);
    FT Ar[5], Ai[5], Br[5], Bi[5]; /* p ≤ 5 */
    for (int q = 0; 2 * q <= s; q++) {
        int q2 = (s - q) % s;
        FX(bfly_last)(p, s, q, xr, xi, Ar, Ai);
        const FT *pr = Ar, *pi = Ai; /* the partners' butterfly */
        if (q2 != q) {
            FX(bfly_last)(p, s, q2, xr, xi, Br, Bi);
            pr = Br;
            pi = Bi;
        }
        for (int k1 = 0; k1 < p; k1++) {
            int k = q + s * k1, c = q == 0 ? (p - k1) % p : p - 1 - k1;
            if (k < nb) pw[k] = FX(bin_power)(Ar[k1], Ai[k1], pr[c], pi[c], sr[k], si[k]);
            if (q2 != q) {
                int k2 = q2 + s * k1, c2 = p - 1 - k1;
                if (k2 < nb) pw[k2] = FX(bin_power)(Br[k1], Bi[k1], Ar[c2], Ai[c2], sr[k2], si[k2]);
            }
        }
        if (q == 0 && m < nb) pw[m] = FX(bin_power)(Ar[0], Ai[0], Ar[0], Ai[0], sr[m], si[m]);
    }
}

/* |X|² for k < nb from the complex result z of the packed (even n) or plain (odd n) input. */
static void FX(power)(const audio_fft_plan *fft, const FT *zr, const FT *zi, FT *pw, int nb)
{
    const int m = fft->m;
    if (fft->odd) {
        for (int k = 0; k < nb; k++) pw[k] = zr[k] * zr[k] + zi[k] * zi[k];
        return;
    }
    const FS *sr = FFT_SR(fft), *si = FFT_SI(fft);
    for (int k = 0; k < nb; k++) {
        int ka = k < m ? k : k - m, kb = k > 0 ? m - k : 0; /* k % m, (m − k) % m for k ≤ m */
        pw[k] = FX(bin_power)(zr[ka], zi[ka], zr[kb], zi[kb], sr[k], si[k]);
    }
}

/* The complex FFT and power() in one: the last stage fused with the split and |X|² where it
 * is radix 4 or 5 (even n), so the complex result is never stored and read back. */
static void FX(cfft_power)(const audio_fft_plan *fft, FT *ar, FT *ai, FT *br, FT *bi, FT *pw, int nb)
{
    int last = fft->n_stages - 1;
    int p = last >= 0 ? fft->radix[last] : 0;
    if (fft->odd || last < 0 || (p != 4 && p != 5)) {
        int in_b = FX(cfft)(fft, ar, ai, br, bi);
        FX(power)(fft, in_b ? br : ar, in_b ? bi : ai, pw, nb);
        return;
    }
    int in_b = FX(stages)(fft, last, ar, ai, br, bi);
    FX(last_power)(fft, p, in_b ? br : ar, in_b ? bi : ai, pw, nb);
}

#undef CMUL_RE
#undef CMUL_IM
