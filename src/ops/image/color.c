/* color.c — OpenCV 4.6's 8-bit YCrCb conversions, row by row (gray is in kern.h: BGR → gray
 * uses 15-bit coefficients (0.299, 0.587, 0.114 · 2^15 rounded so they sum to 2^15: R 9798,
 * G 19235, B 3735) and adds half before the shift; OpenCV's scalar, SSE and AVX paths all
 * compute this same integer, checked over all 2^24 colours in tests/image).
 * YCrCb uses the 14-bit coefficients of color_yuv (R 4899, G 9617, B 1868; Cr 11682,
 * Cb 9241; back: 22987, −11698, −5636, 29049), with CV_DESCALE rounding. And the CMYK rows
 * of Adobe CMYK / YCCK JPEGs to BGR, as OpenCV turns them. */
#include "image_internal.h"

#define YUV_SHIFT 14
#define DESCALE(x) (((x) + (1 << (YUV_SHIFT - 1))) >> YUV_SHIFT)

static inline uint8_t sat8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

void accel__img_ycrcb_row(const uint8_t *src, int cn, int rgb, uint8_t *dst, int n)
{
    const int bi = rgb ? 2 : 0, ri = rgb ? 0 : 2;
    const int delta = 128 << YUV_SHIFT;
    for (int i = 0; i < n; i++) {
        const uint8_t *s = src + (size_t)cn * (size_t)i;
        int b = s[bi], g = s[1], r = s[ri];
        int y = DESCALE(b * 1868 + g * 9617 + r * 4899);
        int cr = DESCALE((r - y) * 11682 + delta);
        int cb = DESCALE((b - y) * 9241 + delta);
        dst[3 * i] = sat8(y);
        dst[3 * i + 1] = sat8(cr);
        dst[3 * i + 2] = sat8(cb);
    }
}

void accel__img_ycrcb_to_bgr_row(const uint8_t *src, int rgb, uint8_t *dst, int dcn, int n)
{
    const int bi = rgb ? 2 : 0, ri = rgb ? 0 : 2;
    for (int i = 0; i < n; i++) {
        int y = src[3 * i], cr = src[3 * i + 1] - 128, cb = src[3 * i + 2] - 128;
        int b = y + DESCALE(cb * 29049);
        int g = y + DESCALE(cb * -5636 + cr * -11698);
        int r = y + DESCALE(cr * 22987);
        uint8_t *d = dst + (size_t)dcn * (size_t)i; /* a fourth channel (alpha) is left alone */
        d[bi] = sat8(b);
        d[1] = sat8(g);
        d[ri] = sat8(r);
    }
}

void accel__img_cmyk_row(const uint8_t *src, uint8_t *dst, int n, int rgb)
{
    const int ri = rgb ? 0 : 2, bi = rgb ? 2 : 0;
    for (int x = 0; x < n; x++, src += 4, dst += 3) {
        int c = src[0], m = src[1], y = src[2], k = src[3];
        dst[ri] = (uint8_t)(k - ((255 - c) * k >> 8));
        dst[1] = (uint8_t)(k - ((255 - m) * k >> 8));
        dst[bi] = (uint8_t)(k - ((255 - y) * k >> 8));
    }
}
