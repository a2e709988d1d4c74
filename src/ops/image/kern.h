/* kern.h — the image family's hot loops, compiled once per CPU SIMD level: kern_baseline.c
 * (SSE2 on x86-64, Advanced SIMD on AArch64), kern_avx2.c and kern_avx512.c (the flags of
 * cmake/part_cpu_simd.cmake). The loops are written for the compiler to vectorise; the AVX2
 * build adds an intrinsics version of the area resize's horizontal pass. Every level computes
 * the same integers, and the same float operations in the same order (contraction off), so
 * the results are identical whatever the level (tests/image/test_image_isa.c checks it).
 *
 * Include with KERN_NAME defined (baseline, avx2, avx512): defines the table
 * accel__img_kern_<KERN_NAME>. */
#include "image_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define KERN_CAT2(a, b) a##b
#define KERN_CAT(a, b) KERN_CAT2(a, b)
#define KERN_STR2(a) #a
#define KERN_STR(a) KERN_STR2(a)

/* ---- gray ---- */

#define GRAY_B 3735
#define GRAY_G 19235
#define GRAY_R 9798

#if defined(__AVX2__)
/* Three-channel rows, 32 pixels per step: the 96 bytes split into two 48-byte groups, one per
 * 128-bit lane; pshufb gathers each channel's 16 bytes, pmaddwd forms b·cb + g·cg and
 * r·cr + 2^14 exactly in 32 bits, the shift and the packs give the pixels in order. Writes
 * 8-bit (d8) or 16-bit (d16) values; returns the pixels done (a multiple of 32). */
static int k_gray3_avx2(const uint8_t *src, int rgb, uint8_t *d8, int16_t *d16, int n)
{
    const int c0 = rgb ? GRAY_R : GRAY_B, c2 = rgb ? GRAY_B : GRAY_R;
    const __m256i m0 = _mm256_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i m1 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1);
    const __m256i m2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13);
    const __m256i g0 = _mm256_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i g1 = _mm256_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1);
    const __m256i g2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14);
    const __m256i r0 = _mm256_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i r1 = _mm256_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1);
    const __m256i r2 = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15,
                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15);
    const __m256i wbg = _mm256_set1_epi32((int)((uint32_t)GRAY_G << 16 | (uint32_t)c0));
    const __m256i wr1 = _mm256_set1_epi32((int)((uint32_t)(1 << 14) << 16 | (uint32_t)c2));
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi16(1);
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        const uint8_t *p = src + 3 * (size_t)i;
        __m256i a0 = _mm256_loadu2_m128i((const __m128i *)(p + 48), (const __m128i *)p);
        __m256i a1 = _mm256_loadu2_m128i((const __m128i *)(p + 64), (const __m128i *)(p + 16));
        __m256i a2 = _mm256_loadu2_m128i((const __m128i *)(p + 80), (const __m128i *)(p + 32));
        __m256i B = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a0, m0), _mm256_shuffle_epi8(a1, m1)),
                                    _mm256_shuffle_epi8(a2, m2));
        __m256i G = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a0, g0), _mm256_shuffle_epi8(a1, g1)),
                                    _mm256_shuffle_epi8(a2, g2));
        __m256i R = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a0, r0), _mm256_shuffle_epi8(a1, r1)),
                                    _mm256_shuffle_epi8(a2, r2));
        __m256i half[2];
        for (int h = 0; h < 2; h++) {
            __m256i b16 = h ? _mm256_unpackhi_epi8(B, zero) : _mm256_unpacklo_epi8(B, zero);
            __m256i g16 = h ? _mm256_unpackhi_epi8(G, zero) : _mm256_unpacklo_epi8(G, zero);
            __m256i r16 = h ? _mm256_unpackhi_epi8(R, zero) : _mm256_unpacklo_epi8(R, zero);
            __m256i lo = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(b16, g16), wbg),
                                          _mm256_madd_epi16(_mm256_unpacklo_epi16(r16, one), wr1));
            __m256i hi = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(b16, g16), wbg),
                                          _mm256_madd_epi16(_mm256_unpackhi_epi16(r16, one), wr1));
            half[h] = _mm256_packs_epi32(_mm256_srai_epi32(lo, 15), _mm256_srai_epi32(hi, 15));
        }
        /* lane 0: pixels 0-7 and 8-15, lane 1: pixels 16-23 and 24-31 */
        if (d8) {
            _mm256_storeu_si256((__m256i *)(d8 + i), _mm256_packus_epi16(half[0], half[1]));
        } else {
            _mm256_storeu_si256((__m256i *)(d16 + i), _mm256_permute2x128_si256(half[0], half[1], 0x20));
            _mm256_storeu_si256((__m256i *)(d16 + i + 16), _mm256_permute2x128_si256(half[0], half[1], 0x31));
        }
    }
    return i;
}
#endif

static void k_gray_row(const uint8_t *restrict src, int cn, int rgb, uint8_t *restrict dst, int n)
{
    const int c0 = rgb ? GRAY_R : GRAY_B, c2 = rgb ? GRAY_B : GRAY_R;
    if (cn == 1) {
        memcpy(dst, src, (size_t)n);
    } else if (cn == 3) {
        int i = 0;
#if defined(__AVX2__)
        i = k_gray3_avx2(src, rgb, dst, NULL, n);
#endif
        for (; i < n; i++)
            dst[i] = (uint8_t)((src[3 * i] * c0 + src[3 * i + 1] * GRAY_G + src[3 * i + 2] * c2 + (1 << 14)) >> 15);
    } else {
        for (int i = 0; i < n; i++)
            dst[i] = (uint8_t)((src[4 * i] * c0 + src[4 * i + 1] * GRAY_G + src[4 * i + 2] * c2 + (1 << 14)) >> 15);
    }
}

/* The same into 16-bit values (the quality pass's rows). */
static void k_gray_row16(const uint8_t *restrict src, int cn, int rgb, int16_t *restrict dst, int n)
{
    const int c0 = rgb ? GRAY_R : GRAY_B, c2 = rgb ? GRAY_B : GRAY_R;
    if (cn == 1) {
        for (int i = 0; i < n; i++) dst[i] = src[i];
    } else if (cn == 3) {
        int i = 0;
#if defined(__AVX2__)
        i = k_gray3_avx2(src, rgb, NULL, dst, n);
#endif
        for (; i < n; i++)
            dst[i] = (int16_t)((src[3 * i] * c0 + src[3 * i + 1] * GRAY_G + src[3 * i + 2] * c2 + (1 << 14)) >> 15);
    } else {
        for (int i = 0; i < n; i++)
            dst[i] = (int16_t)((src[4 * i] * c0 + src[4 * i + 1] * GRAY_G + src[4 * i + 2] * c2 + (1 << 14)) >> 15);
    }
}

/* ---- quality ----
 * The quality measures of one band of rows, in one pass over the gray image. The gray rows are
 * made from the colour rows as they are needed (the values cv2.cvtColor gives) and kept in a
 * ring of three; nothing of image size is allocated. For each pixel of the band, with
 * BORDER_REFLECT_101 (row −1 is row 1, row h is row h−2; the same for columns; a one-pixel
 * side reflects onto itself):
 *   Laplacian (cv2.Laplacian, ksize 1):   u + d + l + r − 4c
 *   Sobel (ksize 3):                      gx = (ur + 2r + dr) − (ul + 2l + dl)
 *                                         gy = (dl + 2d + dr) − (ul + 2u + ur)
 * All values are small integers, so the sums are exact: |L| ≤ 1020 and gx² + gy² ≤ 2080800,
 * so 1024 of them fit a signed 32-bit partial sum, added to 64-bit totals. The separable form
 * (vertical sums s, t, then horizontal differences) keeps every loop a plain 16-bit
 * element-wise operation or a dot product, which the compiler vectorises (pmaddwd). */

/* 1024 values of |L| ≤ 1020 or gx² + gy² ≤ 2080800 fit a signed 32-bit partial sum */
#define Q_CHUNK 1024

static inline int q_reflect(int i, int n)
{
    if (n == 1) return 0;
    if (i < 0) return -i;
    if (i >= n) return 2 * n - 2 - i;
    return i;
}

/* One row: c the gray row, u and d the rows above and below, each with a reflected pixel on
 * either side (index −1 … w); work holds 5 rows of w + 2 int16. */
#if defined(__AVX2__)
/* The same sums, 16 pixels per step: the nine neighbours as 16-bit vectors, the squares and
 * sums as pmaddwd pairs into 32-bit lanes (at most 4161600 per pair and step, so 512 steps fit
 * a lane), flushed to 64 bits every 4096 pixels. Returns the pixels done (a multiple of 16);
 * the caller finishes the row. */
static int q_row_avx2(const int16_t *u, const int16_t *c, const int16_t *d, int w, img_qsums *q)
{
    const __m256i one = _mm256_set1_epi16(1);
    int x = 0;
    while (x + 16 <= w) {
        __m256i sl = _mm256_setzero_si256(), sl2 = sl, sg = sl, sg2 = sl, st = sl;
        const int stop = x + 4096 < w ? x + 4096 : w;
        for (; x + 16 <= stop; x += 16) {
            __m256i ul = _mm256_loadu_si256((const __m256i *)(u + x - 1));
            __m256i uc = _mm256_loadu_si256((const __m256i *)(u + x));
            __m256i ur = _mm256_loadu_si256((const __m256i *)(u + x + 1));
            __m256i cl = _mm256_loadu_si256((const __m256i *)(c + x - 1));
            __m256i cc = _mm256_loadu_si256((const __m256i *)(c + x));
            __m256i cr = _mm256_loadu_si256((const __m256i *)(c + x + 1));
            __m256i dl = _mm256_loadu_si256((const __m256i *)(d + x - 1));
            __m256i dc = _mm256_loadu_si256((const __m256i *)(d + x));
            __m256i dr = _mm256_loadu_si256((const __m256i *)(d + x + 1));
            /* L = u + d + l + r − 4c */
            __m256i L = _mm256_sub_epi16(_mm256_add_epi16(_mm256_add_epi16(uc, dc), _mm256_add_epi16(cl, cr)),
                                         _mm256_slli_epi16(cc, 2));
            /* gx = (ur − ul) + 2(r − l) + (dr − dl), gy = (dl + 2d + dr) − (ul + 2u + ur) */
            __m256i gx = _mm256_add_epi16(_mm256_add_epi16(_mm256_sub_epi16(ur, ul), _mm256_sub_epi16(dr, dl)),
                                          _mm256_slli_epi16(_mm256_sub_epi16(cr, cl), 1));
            __m256i gy = _mm256_sub_epi16(_mm256_add_epi16(_mm256_add_epi16(dl, dr), _mm256_slli_epi16(dc, 1)),
                                          _mm256_add_epi16(_mm256_add_epi16(ul, ur), _mm256_slli_epi16(uc, 1)));
            sl = _mm256_add_epi32(sl, _mm256_madd_epi16(L, one));
            sl2 = _mm256_add_epi32(sl2, _mm256_madd_epi16(L, L));
            sg = _mm256_add_epi32(sg, _mm256_madd_epi16(cc, one));
            sg2 = _mm256_add_epi32(sg2, _mm256_madd_epi16(cc, cc));
            st = _mm256_add_epi32(st, _mm256_add_epi32(_mm256_madd_epi16(gx, gx), _mm256_madd_epi16(gy, gy)));
        }
        int32_t a[5][8] __attribute__((aligned(32)));
        _mm256_store_si256((__m256i *)a[0], sl);
        _mm256_store_si256((__m256i *)a[1], sl2);
        _mm256_store_si256((__m256i *)a[2], sg);
        _mm256_store_si256((__m256i *)a[3], sg2);
        _mm256_store_si256((__m256i *)a[4], st);
        for (int k = 0; k < 8; k++) {
            q->l += a[0][k];
            q->l2 += (uint32_t)a[1][k];
            q->g += a[2][k];
            q->g2 += (uint32_t)a[3][k];
            q->t += (uint32_t)a[4][k];
        }
    }
    return x;
}
#endif

static void q_row(const int16_t *restrict u, const int16_t *restrict c, const int16_t *restrict d,
                  int w, int16_t *work, img_qsums *q)
{
#if defined(__AVX2__)
    int done = q_row_avx2(u, c, d, w, q);
    if (done == w) return;
    /* the last pixels as a row of their own: shift the three rows (their margins included) */
    u += done, c += done, d += done, w -= done;
#endif
    const size_t row = (size_t)w + 2;
    /* five separate rows of the work space */
    int16_t *restrict s = work + 1, *restrict t = work + row + 1, *restrict L = work + 2 * row + 1;
    int16_t *restrict gx = work + 3 * row + 1, *restrict gy = work + 4 * row + 1;
    for (int x = -1; x <= w; x++) {
        s[x] = (int16_t)(u[x] + 2 * c[x] + d[x]);
        t[x] = (int16_t)(d[x] - u[x]);
    }
    for (int x = 0; x < w; x++) {
        L[x] = (int16_t)(u[x] + d[x] + c[x - 1] + c[x + 1] - 4 * c[x]);
        gx[x] = (int16_t)(s[x + 1] - s[x - 1]);
        gy[x] = (int16_t)(t[x - 1] + 2 * t[x] + t[x + 1]);
    }
    for (int x0 = 0; x0 < w; x0 += Q_CHUNK) {
        const int x1 = x0 + Q_CHUNK < w ? x0 + Q_CHUNK : w;
        int32_t sl = 0, sl2 = 0, sg = 0, sg2 = 0, st = 0;
        for (int x = x0; x < x1; x++) sl += L[x];
        for (int x = x0; x < x1; x++) sl2 += L[x] * L[x];
        for (int x = x0; x < x1; x++) sg += c[x];
        for (int x = x0; x < x1; x++) sg2 += c[x] * c[x];
        for (int x = x0; x < x1; x++) st += gx[x] * gx[x] + gy[x] * gy[x];
        q->l += sl;
        q->l2 += sl2;
        q->g += sg;
        q->g2 += sg2;
        q->t += st;
    }
}

static accel_status k_quality_rows(const img_t *src, int r0, int r1, img_qsums *q)
{
    memset(q, 0, sizeof *q);
    const int w = src->w, h = src->h;
    if (r1 <= r0) return ACCEL_OK;
    const size_t row = (size_t)w + 2;
    int16_t *buf = malloc(8 * row * sizeof *buf);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory for eight rows of %d pixels", w);
    int16_t *ring[3] = {buf + 1, buf + row + 1, buf + 2 * row + 1};
    int16_t *work = buf + 3 * row;
    int have[3] = {-1, -1, -1};
    for (int y = r0; y < r1; y++) {
        int want[3] = {q_reflect(y - 1, h), y, q_reflect(y + 1, h)};
        int16_t *rows[3];
        for (int k = 0; k < 3; k++) {
            int slot = -1;
            for (int j = 0; j < 3; j++)
                if (have[j] == want[k]) slot = j;
            if (slot < 0) {
                /* a slot that holds none of the three rows wanted now */
                for (int j = 0; j < 3 && slot < 0; j++)
                    if (have[j] != want[0] && have[j] != want[1] && have[j] != want[2]) slot = j;
                int16_t *r = ring[slot];
                k_gray_row16(src->p + (size_t)want[k] * src->stride, src->c, src->rgb, r, w);
                r[-1] = r[q_reflect(-1, w)];
                r[w] = r[q_reflect(w, w)];
                have[slot] = want[k];
            }
            rows[k] = ring[slot];
        }
        q_row(rows[0], rows[1], rows[2], w, work, q);
    }
    free(buf);
    return ACCEL_OK;
}

/* ---- area resize: the horizontal pass of up to 8 source rows ----
 * out[r][di + c] = Σ over the table, in its order, of S_r[si + c] · alpha, in float32, each
 * product and each sum rounded (OpenCV's buf[dxn] += S[sxn] · alpha). */

static size_t k_area_scratch(int swcn, int dwcn)
{
    return ((size_t)swcn + (size_t)dwcn) * 8 * sizeof(float) + 64;
}

#if defined(__AVX2__)
/* Eight rows at once, one per lane: the source rows are turned into columns of 8 floats
 * (16 × 8 byte transposes), then each table entry is one vector multiply and add. */
static void k_area_hpass(const uint8_t *const *rows, int nr, int swcn, int cn,
                         const area_tab *tab, int ntab, int dwcn, float *const *out, void *scratch)
{
    __m256 *T = (__m256 *)(((uintptr_t)scratch + 31) & ~(uintptr_t)31);
    __m256 *buf = T + swcn;
    const uint8_t *r8[8];
    for (int r = 0; r < 8; r++) r8[r] = rows[r < nr ? r : nr - 1];
    int x = 0;
    for (; x + 16 <= swcn; x += 16) {
        __m128i a[8];
        for (int r = 0; r < 8; r++) a[r] = _mm_loadu_si128((const __m128i *)(r8[r] + x));
        /* 8 rows × 16 bytes → 16 columns × 8 bytes */
        __m128i b0 = _mm_unpacklo_epi8(a[0], a[1]), b1 = _mm_unpackhi_epi8(a[0], a[1]);
        __m128i b2 = _mm_unpacklo_epi8(a[2], a[3]), b3 = _mm_unpackhi_epi8(a[2], a[3]);
        __m128i b4 = _mm_unpacklo_epi8(a[4], a[5]), b5 = _mm_unpackhi_epi8(a[4], a[5]);
        __m128i b6 = _mm_unpacklo_epi8(a[6], a[7]), b7 = _mm_unpackhi_epi8(a[6], a[7]);
        __m128i c0 = _mm_unpacklo_epi16(b0, b2), c1 = _mm_unpackhi_epi16(b0, b2);
        __m128i c2 = _mm_unpacklo_epi16(b1, b3), c3 = _mm_unpackhi_epi16(b1, b3);
        __m128i c4 = _mm_unpacklo_epi16(b4, b6), c5 = _mm_unpackhi_epi16(b4, b6);
        __m128i c6 = _mm_unpacklo_epi16(b5, b7), c7 = _mm_unpackhi_epi16(b5, b7);
        __m128i d[8] = {_mm_unpacklo_epi32(c0, c4), _mm_unpackhi_epi32(c0, c4),
                        _mm_unpacklo_epi32(c1, c5), _mm_unpackhi_epi32(c1, c5),
                        _mm_unpacklo_epi32(c2, c6), _mm_unpackhi_epi32(c2, c6),
                        _mm_unpacklo_epi32(c3, c7), _mm_unpackhi_epi32(c3, c7)};
        for (int k = 0; k < 8; k++) {
            T[x + 2 * k] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(d[k]));
            T[x + 2 * k + 1] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(d[k], 8)));
        }
    }
    for (; x < swcn; x++)
        T[x] = _mm256_setr_ps(r8[0][x], r8[1][x], r8[2][x], r8[3][x], r8[4][x], r8[5][x], r8[6][x],
                              r8[7][x]);
    for (int i = 0; i < dwcn; i++) buf[i] = _mm256_setzero_ps();
    if (cn == 3) {
        for (int k = 0; k < ntab; k++) {
            const __m256 a = _mm256_set1_ps(tab[k].alpha);
            const int di = tab[k].di, si = tab[k].si;
            buf[di] = _mm256_add_ps(buf[di], _mm256_mul_ps(T[si], a));
            buf[di + 1] = _mm256_add_ps(buf[di + 1], _mm256_mul_ps(T[si + 1], a));
            buf[di + 2] = _mm256_add_ps(buf[di + 2], _mm256_mul_ps(T[si + 2], a));
        }
    } else {
        for (int k = 0; k < ntab; k++) {
            const __m256 a = _mm256_set1_ps(tab[k].alpha);
            for (int c = 0; c < cn; c++)
                buf[tab[k].di + c] = _mm256_add_ps(buf[tab[k].di + c], _mm256_mul_ps(T[tab[k].si + c], a));
        }
    }
    float lanes[8] __attribute__((aligned(32)));
    for (int i = 0; i < dwcn; i++) {
        _mm256_store_ps(lanes, buf[i]);
        for (int r = 0; r < nr; r++) out[r][i] = lanes[r];
    }
}
#else
static void k_area_hpass(const uint8_t *const *rows, int nr, int swcn, int cn,
                         const area_tab *tab, int ntab, int dwcn, float *const *out, void *scratch)
{
    (void)scratch, (void)swcn;
    for (int r = 0; r < nr; r++) {
        const uint8_t *S = rows[r];
        float *buf = out[r];
        for (int i = 0; i < dwcn; i++) buf[i] = 0.0f;
        if (cn == 3) {
            for (int k = 0; k < ntab; k++) {
                const float a = tab[k].alpha;
                const int di = tab[k].di, si = tab[k].si;
                float t0 = buf[di] + (float)S[si] * a;
                float t1 = buf[di + 1] + (float)S[si + 1] * a;
                float t2 = buf[di + 2] + (float)S[si + 2] * a;
                buf[di] = t0, buf[di + 1] = t1, buf[di + 2] = t2;
            }
        } else if (cn == 1) {
            for (int k = 0; k < ntab; k++) buf[tab[k].di] = buf[tab[k].di] + (float)S[tab[k].si] * tab[k].alpha;
        } else {
            for (int k = 0; k < ntab; k++)
                for (int c = 0; c < cn; c++)
                    buf[tab[k].di + c] = buf[tab[k].di + c] + (float)S[tab[k].si + c] * tab[k].alpha;
        }
    }
}
#endif

const img_kern KERN_CAT(accel__img_kern_, KERN_NAME) = {
    .name = KERN_STR(KERN_NAME),
    .gray_row = k_gray_row,
    .quality_rows = k_quality_rows,
    .area_hpass = k_area_hpass,
    .area_scratch = k_area_scratch,
};
