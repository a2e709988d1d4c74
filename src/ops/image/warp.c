/* warp.c — cv2.warpAffine(src, M, dsize, INTER_LINEAR, BORDER_CONSTANT, 0) for 8-bit images,
 * with OpenCV 4.6's fixed point (imgwarp.cpp: warpAffine, WarpAffineInvoker, remapBilinear).
 *
 *   - M is inverted in double: D = 1/(m0·m4 − m1·m3), A = (m4·D, −m1·D; −m3·D, m0·D),
 *     b = (−A00·m2 − A01·m5, −A10·m2 − A11·m5);
 *   - a destination pixel (x, y) maps to X = (round(A01·y + b0)·1024 + 16 + round(A00·x·1024)) >> 5
 *     — each round to nearest even, of the products as OpenCV forms them — and likewise Y: a
 *     coordinate in 1/32 pixel; the source pixel is X >> 5, the fraction X & 31 (saturated to
 *     int16 as OpenCV stores them);
 *   - weights from the 32 × 32 table of bilinear coefficients scaled to 2^15:
 *     (32−fy)(32−fx)·32, (32−fy)·fx·32, fy·(32−fx)·32, fy·fx·32, except 32767 for (0, 0)
 *     (the table entry saturates to int16; the result is the same pixel value);
 *   - neighbours outside the source count as 0 (the border value); the result is
 *     (Σ S·w + 2^14) >> 15 saturated to 0 … 255.
 * Channels are warped alike, whatever their order. */
#include "image_internal.h"

#include <math.h>

#define AB_SCALE 1024
#define TAB 32

static inline int round_even(double v) { return (int)lrint(v); }
static inline int16_t sat16(int v) { return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v); }

/* The inverse map as OpenCV's warpAffine forms it. */
static void invert(const double M0[6], double M[6])
{
    for (int k = 0; k < 6; k++) M[k] = M0[k];
    double D = M[0] * M[4] - M[1] * M[3];
    D = D != 0 ? 1. / D : 0;
    double A11 = M[4] * D, A22 = M[0] * D;
    M[0] = A11;
    M[1] *= -D;
    M[3] *= -D;
    M[4] = A22;
    double b1 = -M[0] * M[2] - M[1] * M[5];
    double b2 = -M[3] * M[2] - M[4] * M[5];
    M[2] = b1;
    M[5] = b2;
}

/* the row terms (with the rounding half) and the column terms of the fixed-point position */
static int row_x(const double M[6], int y)
{
    return round_even((M[1] * y + M[2]) * AB_SCALE) + AB_SCALE / TAB / 2;
}
static int row_y(const double M[6], int y)
{
    return round_even((M[4] * y + M[5]) * AB_SCALE) + AB_SCALE / TAB / 2;
}
static int col_x(const double M[6], int x) { return round_even(M[0] * x * AB_SCALE); }
static int col_y(const double M[6], int x) { return round_even(M[3] * x * AB_SCALE); }

void accel__img_warp_tables(const double M0[6], int dw, int dh, int32_t *tab)
{
    double M[6];
    invert(M0, M);
    for (int y = 0; y < dh; y++) {
        tab[y] = row_x(M, y);
        tab[dh + y] = row_y(M, y);
    }
    for (int x = 0; x < dw; x++) {
        tab[2 * dh + x] = col_x(M, x);
        tab[2 * dh + dw + x] = col_y(M, x);
    }
}

void accel__img_warp_affine_rows(const img_t *src, img_t *dst, const double M0[6], int r0, int r1)
{
    double M[6];
    invert(M0, M);
    const int cn = src->c, sw = src->w, sh = src->h, dw = dst->w;
    for (int y = r0; y < r1; y++) {
        int X0 = row_x(M, y);
        int Y0 = row_y(M, y);
        uint8_t *out = dst->p + (size_t)y * dst->stride;
        for (int x = 0; x < dw; x++, out += dst->c) {
            int X = (X0 + col_x(M, x)) >> 5;
            int Y = (Y0 + col_y(M, x)) >> 5;
            int sx = sat16(X >> 5), sy = sat16(Y >> 5);
            int fx = X & (TAB - 1), fy = Y & (TAB - 1);
            if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
                for (int k = 0; k < cn; k++) out[k] = 0;
                continue;
            }
            int w0 = (TAB - fy) * (TAB - fx) * 32, w1 = (TAB - fy) * fx * 32;
            int w2 = fy * (TAB - fx) * 32, w3 = fy * fx * 32;
            if (w0 == 32768) w0 = 32767;
            const uint8_t *r0p = sy >= 0 ? src->p + (size_t)sy * src->stride : NULL;
            const uint8_t *r1p = sy + 1 < sh ? src->p + (size_t)(sy + 1) * src->stride : NULL;
            int in0 = sx >= 0, in1 = sx + 1 < sw;
            for (int k = 0; k < cn; k++) {
                int v0 = r0p && in0 ? r0p[sx * cn + k] : 0;
                int v1 = r0p && in1 ? r0p[(sx + 1) * cn + k] : 0;
                int v2 = r1p && in0 ? r1p[sx * cn + k] : 0;
                int v3 = r1p && in1 ? r1p[(sx + 1) * cn + k] : 0;
                int v = (v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3 + (1 << 14)) >> 15;
                out[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
}
