/* resize.c — cv2.resize for 8-bit images with OpenCV 4.6's arithmetic.
 *
 * The routing is OpenCV's (resize.cpp, cv::hal::resize):
 *   - scale = 1 / (dst / src) per axis, in double, as cv::resize computes it from dsize;
 *   - INTER_LINEAR with an exact 2× reduction on both axes becomes INTER_AREA;
 *   - INTER_AREA with both scales ≥ 1: integer scales on both axes take the "fast" box
 *     average (2×2: (a + b + c + d + 2) >> 2; otherwise the integer sum times the float
 *     1/area, rounded to nearest even), other scales the general area tables (float weights,
 *     float accumulation in OpenCV's order, rounded to nearest even);
 *   - INTER_AREA that enlarges along an axis, and INTER_LINEAR otherwise: separable
 *     interpolation with 11-bit coefficients. The horizontal pass gives
 *     S[x]·a0 + S[x+1]·a1 (exact integers); the vertical pass rounds as OpenCV's 8-bit
 *     specialisation (and its SIMD path) does:
 *         (((b0 · (S0 >> 4)) >> 16) + ((b1 · (S1 >> 4)) >> 16) + 2) >> 2
 *     which differs from the textbook (S0·b0 + S1·b1 + 2^21) >> 22 in about 1% of pixels by 1.
 *   - coefficients: fx = (float)((dx + 0.5)·scale − 0.5), sx = floor(fx), fx −= sx (float);
 *     (1 − fx, fx) · 2048 rounded to nearest even; sources left of 0 clamp to (0, weight 1);
 *     from the first dx whose sx + 1 reaches the last column on, the last column alone
 *     (weight 2048). INTER_AREA enlarging: sx = floor(dx·scale),
 *     fx = (float)((dx + 1) − (sx + 1)/scale), 0 if ≤ 0 else its fractional part. */
#include "image_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { RS_LINEAR, RS_AREA_FAST, RS_AREA } rs_mode;

struct img_resize_plan {
    int sw, sh, dw, dh, cn;
    rs_mode mode;
    /* linear */
    int *xofs;      /* dw: source column (pixels) */
    int16_t *alpha; /* dw · 2 */
    int xmax;       /* first dx that uses the last column alone */
    int *yofs;      /* dh: source row (may be −1 … sh) */
    int16_t *beta;  /* dh · 2 */
    /* area fast */
    int ix, iy;
    /* area */
    area_tab *xtab, *ytab;
    int n_xtab, n_ytab;
    int *ytab_first; /* dh + 1: first ytab entry of each destination row */
    const img_kern *kern;
};

void accel__img_resize_plan_kern(img_resize_plan *p, const img_kern *k) { p->kern = k; }

static int round_even_f(float v) { return (int)lrintf(v); }

static int16_t coef(float c)
{
    int v = round_even_f(c * 2048.0f);
    return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

/* Linear (or area-enlarging) coefficients of one axis. */
static void linear_axis(int ssize, int dsize, double scale, double inv, int area, int *ofs,
                        int16_t *ab, int *xmax_out, int clamp)
{
    int xmax = dsize;
    for (int dx = 0; dx < dsize; dx++) {
        int sx;
        float fx;
        if (!area) {
            fx = (float)((dx + 0.5) * scale - 0.5);
            sx = (int)floorf(fx);
            fx -= (float)sx;
        } else {
            sx = (int)floor(dx * scale);
            fx = (float)((dx + 1) - (sx + 1) * inv);
            fx = fx <= 0 ? 0.f : fx - (float)floorf(fx);
        }
        if (clamp) {
            if (sx < 0) fx = 0, sx = 0;
            if (sx + 1 >= ssize) {
                if (dx < xmax) xmax = dx;
                if (sx >= ssize - 1) fx = 0, sx = ssize - 1;
            }
        }
        ofs[dx] = sx;
        ab[2 * dx] = coef(1.0f - fx);
        ab[2 * dx + 1] = coef(fx);
    }
    if (xmax_out) *xmax_out = xmax;
}

/* OpenCV's computeResizeAreaTab. Returns the number of entries (at most 2·ssize + dsize). */
static int area_axis(int ssize, int dsize, int cn, double scale, area_tab *tab)
{
    int k = 0;
    for (int dx = 0; dx < dsize; dx++) {
        double fsx1 = dx * scale;
        double fsx2 = fsx1 + scale;
        double cell = scale < ssize - fsx1 ? scale : ssize - fsx1;
        int sx1 = (int)ceil(fsx1), sx2 = (int)floor(fsx2);
        sx2 = sx2 < ssize - 1 ? sx2 : ssize - 1;
        sx1 = sx1 < sx2 ? sx1 : sx2;
        if (sx1 - fsx1 > 1e-3) {
            tab[k].di = dx * cn;
            tab[k].si = (sx1 - 1) * cn;
            tab[k++].alpha = (float)((sx1 - fsx1) / cell);
        }
        for (int sx = sx1; sx < sx2; sx++) {
            tab[k].di = dx * cn;
            tab[k].si = sx * cn;
            tab[k++].alpha = (float)(1.0 / cell);
        }
        if (fsx2 - sx2 > 1e-3) {
            double t = fsx2 - sx2 < 1.0 ? fsx2 - sx2 : 1.0;
            t = t < cell ? t : cell;
            tab[k].di = dx * cn;
            tab[k].si = sx2 * cn;
            tab[k++].alpha = (float)(t / cell);
        }
    }
    return k;
}

void accel__img_resize_plan_free(img_resize_plan *p)
{
    if (!p) return;
    free(p->xofs);
    free(p->alpha);
    free(p->yofs);
    free(p->beta);
    free(p->xtab);
    free(p->ytab);
    free(p->ytab_first);
    free(p);
}

accel_status accel__img_resize_plan(int sw, int sh, int dw, int dh, int cn, img_interp interp,
                                    img_resize_plan **out)
{
    *out = NULL;
    RETURN_ERROR_IF(sw < 1 || sh < 1 || dw < 1 || dh < 1 || cn < 1 || cn > 4,
                    ACCEL_ERR_INVALID_ARG, "resize %d×%d×%d to %d×%d: sizes must be at least 1",
                    sw, sh, cn, dw, dh);
    img_resize_plan *p = calloc(1, sizeof *p);
    RETURN_ERROR_IF(!p, ACCEL_ERR_NO_MEMORY, "out of memory");
    p->sw = sw, p->sh = sh, p->dw = dw, p->dh = dh, p->cn = cn;
    double inv_x = (double)dw / sw, inv_y = (double)dh / sh;
    double sx = 1.0 / inv_x, sy = 1.0 / inv_y;
    int ix = (int)lrint(sx), iy = (int)lrint(sy);
    int area_fast = fabs(sx - ix) < DBL_EPSILON && fabs(sy - iy) < DBL_EPSILON;
    int area = interp == IMG_AREA;
    if (!area && area_fast && ix == 2 && iy == 2) area = 1;
    if (area && sx >= 1 && sy >= 1) {
        if (area_fast && (size_t)ix * (size_t)dw == (size_t)sw && (size_t)iy * (size_t)dh == (size_t)sh) {
            p->mode = RS_AREA_FAST;
            p->ix = ix, p->iy = iy;
            *out = p;
            return ACCEL_OK;
        }
        p->mode = RS_AREA;
        p->xtab = malloc(((size_t)sw * 2 + (size_t)dw + 2) * sizeof *p->xtab);
        p->ytab = malloc(((size_t)sh * 2 + (size_t)dh + 2) * sizeof *p->ytab);
        p->ytab_first = malloc(((size_t)dh + 1) * sizeof *p->ytab_first);
        if (!p->xtab || !p->ytab || !p->ytab_first) {
            accel__img_resize_plan_free(p);
            return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for resize tables");
        }
        p->n_xtab = area_axis(sw, dw, cn, sx, p->xtab);
        p->n_ytab = area_axis(sh, dh, 1, sy, p->ytab);
        int k = 0;
        for (int dy = 0; dy <= dh; dy++) {
            while (k < p->n_ytab && p->ytab[k].di < dy) k++;
            p->ytab_first[dy] = k;
        }
        *out = p;
        return ACCEL_OK;
    }
    p->mode = RS_LINEAR;
    p->xofs = malloc((size_t)dw * sizeof *p->xofs);
    p->alpha = malloc((size_t)dw * 2 * sizeof *p->alpha);
    p->yofs = malloc((size_t)dh * sizeof *p->yofs);
    p->beta = malloc((size_t)dh * 2 * sizeof *p->beta);
    if (!p->xofs || !p->alpha || !p->yofs || !p->beta) {
        accel__img_resize_plan_free(p);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for resize tables");
    }
    linear_axis(sw, dw, sx, inv_x, area, p->xofs, p->alpha, &p->xmax, 1);
    /* rows: OpenCV keeps sy unclamped and clamps each of the two source rows instead */
    linear_axis(sh, dh, sy, inv_y, area, p->yofs, p->beta, NULL, 0);
    *out = p;
    return ACCEL_OK;
}

int accel__img_resize_src_rows(const img_resize_plan *p, int r1)
{
    if (r1 <= 0) return 0;
    if (p->mode != RS_LINEAR) return p->sh; /* only linear plans are read by rows (SCRFD's) */
    if (r1 > p->dh) r1 = p->dh;
    /* the second source row destination row r1 − 1 reads (rows are read in order), clamped */
    int last = p->yofs[r1 - 1] + 1;
    last = last < 0 ? 0 : last >= p->sh ? p->sh - 1 : last;
    return last + 1;
}

int accel__img_resize_band(const img_resize_plan *p)
{
    long px = (long)p->dw * p->cn;
    int band = (int)(65536 / (px > 0 ? px : 1));
    return band < 4 ? 4 : band > 64 ? 64 : band;
}

/* ---- linear ---- */

static void hresize(const img_resize_plan *p, const uint8_t *S, int32_t *D)
{
    const int cn = p->cn, dw = p->dw, xmax = p->xmax;
    int dx = 0;
    if (cn == 3) {
        for (; dx < xmax; dx++) {
            const uint8_t *s = S + 3 * p->xofs[dx];
            int a0 = p->alpha[2 * dx], a1 = p->alpha[2 * dx + 1];
            D[3 * dx] = s[0] * a0 + s[3] * a1;
            D[3 * dx + 1] = s[1] * a0 + s[4] * a1;
            D[3 * dx + 2] = s[2] * a0 + s[5] * a1;
        }
    } else if (cn == 1) {
        for (; dx < xmax; dx++) {
            const uint8_t *s = S + p->xofs[dx];
            D[dx] = s[0] * p->alpha[2 * dx] + s[1] * p->alpha[2 * dx + 1];
        }
    } else {
        for (; dx < xmax; dx++) {
            const uint8_t *s = S + cn * p->xofs[dx];
            int a0 = p->alpha[2 * dx], a1 = p->alpha[2 * dx + 1];
            for (int k = 0; k < cn; k++) D[cn * dx + k] = s[k] * a0 + s[k + cn] * a1;
        }
    }
    for (; dx < dw; dx++) {
        const uint8_t *s = S + cn * p->xofs[dx];
        for (int k = 0; k < cn; k++) D[cn * dx + k] = s[k] * 2048;
    }
}

static void vresize(const int32_t *S0, const int32_t *S1, int b0, int b1, uint8_t *D, int n)
{
    for (int x = 0; x < n; x++) {
        int v = (((b0 * (S0[x] >> 4)) >> 16) + ((b1 * (S1[x] >> 4)) >> 16) + 2) >> 2;
        D[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static accel_status linear_rows(const img_resize_plan *p, const img_t *src, img_t *dst, int r0,
                                int r1)
{
    const size_t wn = (size_t)p->dw * (size_t)p->cn;
    int32_t *buf = malloc(2 * wn * sizeof *buf);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory for two rows of %zu values", wn);
    int32_t *row[2] = {buf, buf + wn};
    int have[2] = {-1, -1};
    for (int dy = r0; dy < r1; dy++) {
        int sy = p->yofs[dy];
        int s0 = sy < 0 ? 0 : sy >= p->sh ? p->sh - 1 : sy;
        int s1 = sy + 1 < 0 ? 0 : sy + 1 >= p->sh ? p->sh - 1 : sy + 1;
        int32_t *R0 = NULL, *R1 = NULL;
        for (int k = 0; k < 2; k++) {
            if (have[k] == s0) R0 = row[k];
            if (have[k] == s1) R1 = row[k];
        }
        if (!R0) {
            int k = (R1 == row[0]) ? 1 : 0;
            hresize(p, src->p + (size_t)s0 * src->stride, row[k]);
            have[k] = s0;
            R0 = row[k];
        }
        if (!R1) {
            int k = (R0 == row[0]) ? 1 : 0;
            hresize(p, src->p + (size_t)s1 * src->stride, row[k]);
            have[k] = s1;
            R1 = row[k];
        }
        vresize(R0, R1, p->beta[2 * dy], p->beta[2 * dy + 1], dst->p + (size_t)dy * dst->stride,
                (int)wn);
    }
    free(buf);
    return ACCEL_OK;
}

/* ---- area ---- */

static accel_status area_fast_rows(const img_resize_plan *p, const img_t *src, img_t *dst, int r0, int r1)
{
    const int cn = p->cn, ix = p->ix, iy = p->iy, dw = p->dw;
    const float scale = 1.f / (float)(ix * iy);
    for (int dy = r0; dy < r1; dy++) {
        uint8_t *D = dst->p + (size_t)dy * dst->stride;
        const uint8_t *S = src->p + (size_t)dy * (size_t)iy * src->stride;
        if (ix == 2 && iy == 2) {
            const uint8_t *N = S + src->stride;
            for (int dx = 0; dx < dw; dx++)
                for (int k = 0; k < cn; k++) {
                    int i = 2 * dx * cn + k;
                    D[dx * cn + k] = (uint8_t)((S[i] + S[i + cn] + N[i] + N[i + cn] + 2) >> 2);
                }
            continue;
        }
        for (int dx = 0; dx < dw; dx++)
            for (int k = 0; k < cn; k++) {
                int sum = 0;
                for (int y = 0; y < iy; y++) {
                    const uint8_t *s = S + (size_t)y * src->stride + (size_t)dx * ix * cn + k;
                    for (int x = 0; x < ix; x++) sum += s[x * cn];
                }
                int v = round_even_f((float)sum * scale);
                D[dx * cn + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    }
    return ACCEL_OK;
}

/* The horizontal pass of every source row the band needs (8 at a time, kern.h), then the
 * vertical sums of each destination row in OpenCV's order: sum = β·row, then sum += β·row. */
static accel_status area_rows(const img_resize_plan *p, const img_t *src, img_t *dst, int r0,
                              int r1)
{
    const img_kern *k = p->kern ? p->kern : &accel__img_kern_baseline;
    const int cn = p->cn, swcn = p->sw * cn, dwcn = p->dw * cn;
    const size_t wn = (size_t)dwcn;
    const int sy0 = p->ytab[p->ytab_first[r0]].si, sy1 = p->ytab[p->ytab_first[r1] - 1].si;
    const size_t nrows = (size_t)(sy1 - sy0 + 1);
    float *h = malloc((nrows * wn + wn) * sizeof *h);
    void *scratch = malloc(k->area_scratch(swcn, dwcn));
    if (!h || !scratch) {
        free(h), free(scratch);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for %zu rows of %zu values", nrows, wn);
    }
    float *sum = h + nrows * wn;
    for (int y = sy0; y <= sy1; y += 8) {
        int nr = sy1 - y + 1 < 8 ? sy1 - y + 1 : 8;
        const uint8_t *rows[8];
        float *out[8];
        for (int r = 0; r < nr; r++) {
            rows[r] = src->p + (size_t)(y + r) * src->stride;
            out[r] = h + (size_t)(y - sy0 + r) * wn;
        }
        k->area_hpass(rows, nr, swcn, cn, p->xtab, p->n_xtab, dwcn, out, scratch);
    }
    for (int dy = r0; dy < r1; dy++) {
        for (int j = p->ytab_first[dy]; j < p->ytab_first[dy + 1]; j++) {
            const float beta = p->ytab[j].alpha;
            const float *buf = h + (size_t)(p->ytab[j].si - sy0) * wn;
            if (j == p->ytab_first[dy])
                for (size_t x = 0; x < wn; x++) sum[x] = beta * buf[x];
            else
                for (size_t x = 0; x < wn; x++) sum[x] = sum[x] + beta * buf[x];
        }
        uint8_t *D = dst->p + (size_t)dy * dst->stride;
        for (size_t x = 0; x < wn; x++) {
            int v = round_even_f(sum[x]);
            D[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(h), free(scratch);
    return ACCEL_OK;
}

accel_status accel__img_resize_rows(const img_resize_plan *p, const img_t *src, img_t *dst, int r0,
                                    int r1)
{
    switch (p->mode) {
    case RS_LINEAR: return linear_rows(p, src, dst, r0, r1);
    case RS_AREA_FAST: return area_fast_rows(p, src, dst, r0, r1);
    default: return area_rows(p, src, dst, r0, r1);
    }
}

/* ---- the plan as tables for the device kernel (src/kernels/image.kern, ak_img_resize) ---- */

size_t accel__img_resize_tab_ints(int sw, int sh, int dw, int dh)
{
    /* linear: xofs, alpha (2), yofs, beta (2); area: the column ranges, at most 2·sw + dw + 2
     * entries of two ints (accel__img_resize_plan allocates that many), the row ranges and
     * entries likewise */
    size_t lin = 3 * ((size_t)dw + (size_t)dh);
    size_t area = ((size_t)dw + 1) + 2 * (2 * (size_t)sw + (size_t)dw + 2) + ((size_t)dh + 1) +
                  2 * (2 * (size_t)sh + (size_t)dh + 2);
    return lin > area ? lin : area;
}

int accel__img_resize_tables(const img_resize_plan *p, int32_t *tab, int params[3])
{
    params[0] = params[1] = params[2] = 0;
    const int dw = p->dw, dh = p->dh;
    if (p->mode == RS_LINEAR) {
        for (int x = 0; x < dw; x++) {
            tab[x] = p->xofs[x];
            tab[dw + 2 * x] = p->alpha[2 * x];
            tab[dw + 2 * x + 1] = p->alpha[2 * x + 1];
        }
        for (int y = 0; y < dh; y++) {
            tab[3 * dw + y] = p->yofs[y];
            tab[3 * dw + dh + 2 * y] = p->beta[2 * y];
            tab[3 * dw + dh + 2 * y + 1] = p->beta[2 * y + 1];
        }
        params[0] = p->xmax;
        return 1;
    }
    if (p->mode == RS_AREA_FAST) {
        float scale = 1.f / (float)(p->ix * p->iy); /* as area_fast_rows computes it */
        int32_t bits;
        memcpy(&bits, &scale, sizeof bits);
        params[0] = p->ix, params[1] = p->iy, params[2] = bits;
        return 2;
    }
    /* xfirst[dw + 1], the column entries, yfirst[dh + 1], the row entries */
    int k = 0;
    for (int x = 0; x <= dw; x++) {
        while (k < p->n_xtab && p->xtab[k].di < x * p->cn) k++;
        tab[x] = k;
    }
    int32_t *xt = tab + dw + 1;
    for (int e = 0; e < p->n_xtab; e++) {
        xt[2 * e] = p->xtab[e].si;
        memcpy(&xt[2 * e + 1], &p->xtab[e].alpha, sizeof(float));
    }
    int32_t *yf = xt + 2 * p->n_xtab;
    for (int y = 0; y <= dh; y++) yf[y] = p->ytab_first[y];
    int32_t *yt = yf + dh + 1;
    for (int e = 0; e < p->n_ytab; e++) {
        yt[2 * e] = p->ytab[e].si;
        memcpy(&yt[2 * e + 1], &p->ytab[e].alpha, sizeof(float));
    }
    params[0] = (int)(xt - tab), params[1] = (int)(yf - tab), params[2] = (int)(yt - tab);
    return 3;
}
