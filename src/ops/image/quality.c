/* quality.c — the quality measures of one band of rows, in one pass over the gray image.
 *
 * The gray rows are made from the colour rows as they are needed (accel__img_gray_row, the
 * values cv2.cvtColor gives) and kept in a ring of three; nothing of image size is allocated.
 * For each pixel of the band, with BORDER_REFLECT_101 (row −1 is row 1, row h is row h−2; the
 * same for columns; a one-pixel side reflects onto itself):
 *   Laplacian (cv2.Laplacian, ksize 1):   u + d + l + r − 4c
 *   Sobel (ksize 3):                      gx = (ur + 2r + dr) − (ul + 2l + dl)
 *                                         gy = (dl + 2d + dr) − (ul + 2u + ur)
 * All values are small integers, so the sums are exact (|L| ≤ 1020, gx² + gy² ≤ 2080800:
 * 1024 of them fit an unsigned 32-bit partial sum, added to 64-bit totals). The separable
 * form keeps the inner loops to adds of 16-bit vertical sums, which the compiler vectorises. */
#include "image_internal.h"

#include <stdlib.h>
#include <string.h>

static inline int reflect101(int i, int n)
{
    if (n == 1) return 0;
    if (i < 0) return -i;
    if (i >= n) return 2 * n - 2 - i;
    return i;
}

#define CHUNK 1024

/* Sums of one row: c is the gray row, u and d the rows above and below (reflected), each with
 * one reflected pixel on either side (index −1 … w). */
static void row_sums(const int16_t *u, const int16_t *c, const int16_t *d, int w, int16_t *a,
                     int16_t *s, int16_t *t, img_qsums *q)
{
    /* vertical parts, over −1 … w */
    for (int x = -1; x <= w; x++) {
        a[x] = (int16_t)(u[x] + d[x]);
        s[x] = (int16_t)(u[x] + 2 * c[x] + d[x]);
        t[x] = (int16_t)(d[x] - u[x]);
    }
    int64_t sl = 0, sg = 0;
    uint64_t sl2 = 0, st = 0, sg2 = 0;
    for (int x0 = 0; x0 < w; x0 += CHUNK) {
        int x1 = x0 + CHUNK < w ? x0 + CHUNK : w;
        int32_t pl = 0, pg = 0;
        uint32_t pl2 = 0, pt = 0, pg2 = 0;
        for (int x = x0; x < x1; x++) {
            int32_t cv = c[x];
            int32_t l = a[x] + c[x - 1] + c[x + 1] - 4 * cv;
            int32_t gx = s[x + 1] - s[x - 1];
            int32_t gy = t[x - 1] + 2 * t[x] + t[x + 1];
            pl += l;
            pl2 += (uint32_t)(l * l);
            pt += (uint32_t)(gx * gx + gy * gy);
            pg += cv;
            pg2 += (uint32_t)(cv * cv);
        }
        sl += pl;
        sl2 += pl2;
        st += pt;
        sg += pg;
        sg2 += pg2;
    }
    q->l += sl;
    q->l2 += (int64_t)sl2;
    q->t += (int64_t)st;
    q->g += sg;
    q->g2 += (int64_t)sg2;
}

accel_status accel__img_quality_rows(const img_t *src, int r0, int r1, img_qsums *q)
{
    memset(q, 0, sizeof *q);
    const int w = src->w, h = src->h;
    if (r1 <= r0) return ACCEL_OK;
    /* 3 gray rows + the vertical sums, each with a pixel of margin on both sides */
    size_t row = (size_t)w + 2;
    uint8_t *g8 = malloc((size_t)w);
    int16_t *buf = malloc(6 * row * sizeof *buf);
    if (!g8 || !buf) {
        free(g8);
        free(buf);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for three rows of %d pixels", w);
    }
    int16_t *ring[3] = {buf + 1, buf + row + 1, buf + 2 * row + 1};
    int16_t *a = buf + 3 * row + 1, *s = buf + 4 * row + 1, *t = buf + 5 * row + 1;
    int have[3] = {-1, -1, -1};
    for (int y = r0; y < r1; y++) {
        int want[3] = {reflect101(y - 1, h), y, reflect101(y + 1, h)};
        int16_t *rows[3];
        for (int k = 0; k < 3; k++) {
            int slot = -1;
            for (int j = 0; j < 3; j++)
                if (have[j] == want[k]) slot = j;
            if (slot < 0) {
                /* a slot holding none of the three rows wanted now */
                for (int j = 0; j < 3 && slot < 0; j++)
                    if (have[j] != want[0] && have[j] != want[1] && have[j] != want[2]) slot = j;
                accel__img_gray_row(src->p + (size_t)want[k] * src->stride, src->c, src->rgb, g8, w);
                int16_t *r = ring[slot];
                for (int x = 0; x < w; x++) r[x] = g8[x];
                r[-1] = r[reflect101(-1, w)];
                r[w] = r[reflect101(w, w)];
                have[slot] = want[k];
            }
            rows[k] = ring[slot];
        }
        row_sums(rows[0], rows[1], rows[2], w, a, s, t, q);
    }
    free(g8);
    free(buf);
    return ACCEL_OK;
}
