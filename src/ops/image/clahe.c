/* clahe.c — cv2.createCLAHE(clipLimit, (tx, ty)).apply() on 8-bit one-channel images, with
 * OpenCV 4.6's arithmetic (imgproc/src/clahe.cpp):
 *   - when the size is not a multiple of the grid, the histograms are taken of the image
 *     extended at the bottom by ty − h % ty rows and at the right by tx − w % tx columns
 *     (BORDER_REFLECT_101; note that a side already divisible is still extended by a whole
 *     tile when the other one is not, as OpenCV does);
 *   - clip = max(1, (int)(clipLimit · tile area / 256)); the clipped excess is spread evenly,
 *     the remainder one by one every max(256 / remainder, 1) bins from bin 0;
 *   - LUT[i] = round-to-even((float)cumsum[i] · (255.f / tile area));
 *   - each pixel blends the LUTs of the four nearest tile centres with float weights
 *     (x · (1/tw) − 0.5 …) in OpenCV's order of operations, rounded to nearest even. */
#include "image_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int reflect101(int p, int len)
{
    if (len == 1) return 0;
    while ((unsigned)p >= (unsigned)len) {
        if (p < 0) p = -p;
        else p = 2 * len - 2 - p;
    }
    return p;
}

void accel__img_clahe_geometry(int w, int h, double clip_limit, int tx, int ty, img_clahe *c)
{
    memset(c, 0, sizeof *c);
    int ew = w, eh = h;
    if (w % tx != 0 || h % ty != 0) {
        ew = w + tx - w % tx;
        eh = h + ty - h % ty;
    }
    c->tx = tx, c->ty = ty;
    c->tw = ew / tx, c->th = eh / ty;
    const int area = c->tw * c->th;
    c->lut_scale = 255.0f / (float)area;
    c->clip = 0;
    if (clip_limit > 0.0) {
        c->clip = (int)(clip_limit * area / 256);
        if (c->clip < 1) c->clip = 1;
    }
    c->ew = ew, c->eh = eh;
}

accel_status accel__img_clahe_prepare(const img_t *src, double clip_limit, int tx, int ty,
                                      img_clahe *c)
{
    memset(c, 0, sizeof *c);
    RETURN_ERROR_IF(tx < 1 || ty < 1, ACCEL_ERR_INVALID_ARG,
                    "CLAHE tile grid %d×%d: both must be at least 1", tx, ty);
    accel__img_clahe_geometry(src->w, src->h, clip_limit, tx, ty, c);
    c->lut = malloc((size_t)tx * (size_t)ty * 256);
    RETURN_ERROR_IF(!c->lut, ACCEL_ERR_NO_MEMORY, "out of memory for %d CLAHE tables", tx * ty);
    return ACCEL_OK;
}

void accel__img_clahe_free(img_clahe *c)
{
    free(c->lut);
    c->lut = NULL;
}

void accel__img_clahe_tiles(const img_t *src, img_clahe *c, int k0, int k1)
{
    const int w = src->w, h = src->h;
    for (int k = k0; k < k1; k++) {
        const int ty = k / c->tx, tx = k % c->tx;
        int hist[256] = {0};
        for (int y = ty * c->th; y < (ty + 1) * c->th; y++) {
            const uint8_t *row = src->p + (size_t)reflect101(y, h) * src->stride;
            int x0 = tx * c->tw, x1 = x0 + c->tw;
            int xin = x1 < w ? x1 : w;
            for (int x = x0; x < xin; x++) hist[row[x]]++;
            for (int x = xin > x0 ? xin : x0; x < x1; x++) hist[row[reflect101(x, w)]]++;
        }
        if (c->clip > 0) {
            int clipped = 0;
            for (int i = 0; i < 256; i++)
                if (hist[i] > c->clip) {
                    clipped += hist[i] - c->clip;
                    hist[i] = c->clip;
                }
            int batch = clipped / 256, residual = clipped - batch * 256;
            for (int i = 0; i < 256; i++) hist[i] += batch;
            if (residual != 0) {
                int step = 256 / residual > 1 ? 256 / residual : 1;
                for (int i = 0; i < 256 && residual > 0; i += step, residual--) hist[i]++;
            }
        }
        uint8_t *lut = c->lut + (size_t)k * 256;
        int sum = 0;
        for (int i = 0; i < 256; i++) {
            sum += hist[i];
            int v = (int)lrintf((float)sum * c->lut_scale);
            lut[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

void accel__img_clahe_rows(const img_t *src, img_t *dst, const img_clahe *c, int r0, int r1)
{
    const int w = src->w;
    const float inv_tw = 1.0f / (float)c->tw, inv_th = 1.0f / (float)c->th;
    for (int y = r0; y < r1; y++) {
        const uint8_t *s = src->p + (size_t)y * src->stride;
        uint8_t *d = dst->p + (size_t)y * dst->stride;
        float tyf = (float)y * inv_th - 0.5f;
        int ty1 = (int)floorf(tyf), ty2 = ty1 + 1;
        float ya = tyf - (float)ty1, ya1 = 1.0f - ya;
        ty1 = ty1 > 0 ? ty1 : 0;
        ty2 = ty2 < c->ty - 1 ? ty2 : c->ty - 1;
        const uint8_t *p1 = c->lut + (size_t)ty1 * (size_t)c->tx * 256;
        const uint8_t *p2 = c->lut + (size_t)ty2 * (size_t)c->tx * 256;
        for (int x = 0; x < w; x++) {
            float txf = (float)x * inv_tw - 0.5f;
            int tx1 = (int)floorf(txf), tx2 = tx1 + 1;
            float xa = txf - (float)tx1, xa1 = 1.0f - xa;
            tx1 = tx1 > 0 ? tx1 : 0;
            tx2 = tx2 < c->tx - 1 ? tx2 : c->tx - 1;
            int v = s[x];
            int i1 = tx1 * 256 + v, i2 = tx2 * 256 + v;
            float res = ((float)p1[i1] * xa1 + (float)p1[i2] * xa) * ya1 +
                        ((float)p2[i1] * xa1 + (float)p2[i2] * xa) * ya;
            int r = (int)lrintf(res);
            d[x] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
        }
    }
}
