/* basic_cpu_avx2.c — the basic CPU kernels for x86-64 with AVX2 + FMA + F16C. Compiled with
 * -mavx2 -mfma -mf16c (cmake/part_cpu_simd.cmake) and called only when the CPU device chose
 * this level. float16 through F16C (round to nearest even, bit-identical to f16.h). */
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
#include <immintrin.h>

#include "basic_cpu_common.h"

#define F16_RNE (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

/* 8 source elements at s + i as float32 */
static inline __m256 load8_u8(const void *s, size_t i)
{
    __m128i b = _mm_loadl_epi64((const __m128i *)((const uint8_t *)s + i));
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
}
static inline __m256 load8_i16(const void *s, size_t i)
{
    __m128i w = _mm_loadu_si128((const __m128i *)((const int16_t *)s + i));
    return _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(w));
}
static inline __m256 load8_i32(const void *s, size_t i)
{
    return _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)((const int32_t *)s + i)));
}
static inline __m256 load8_f16(const void *s, size_t i)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)s + i)));
}
static inline __m256 load8_f32(const void *s, size_t i)
{
    return _mm256_loadu_ps((const float *)s + i);
}
static inline void store8_f32(void *d, size_t i, __m256 y) { _mm256_storeu_ps((float *)d + i, y); }
static inline void store8_f16(void *d, size_t i, __m256 y)
{
    _mm_storeu_si128((__m128i *)((uint16_t *)d + i), _mm256_cvtps_ph(y, F16_RNE));
}
/* non-temporal: the address must be aligned to the vector (see convert_avx2) */
static inline void stream8_f32(void *d, size_t i, __m256 y) { _mm256_stream_ps((float *)d + i, y); }
static inline void stream8_f16(void *d, size_t i, __m256 y)
{
    _mm_stream_si128((__m128i *)((uint16_t *)d + i), _mm256_cvtps_ph(y, F16_RNE));
}

/* With streaming, a scalar head first brings dst + i to a 64-byte boundary, so every vector
 * store is aligned; the stores are fenced before returning (the pool hands the results to
 * another thread). */
#define CONVERT_BODY(LOAD, STORE)                                                           \
    do {                                                                                    \
        size_t i = begin;                                                                   \
        for (; i + 16 <= end; i += 16) {                                                    \
            __m256 a = _mm256_add_ps(_mm256_mul_ps(LOAD(c->src, i), vs), vo);               \
            __m256 b = _mm256_add_ps(_mm256_mul_ps(LOAD(c->src, i + 8), vs), vo);           \
            STORE(c->dst, i, a);                                                            \
            STORE(c->dst, i + 8, b);                                                        \
        }                                                                                   \
        basic_convert_scalar(c, i, end);                                                    \
    } while (0)

#define CONVERT_CASE(LOAD, STREAM, STORE)                                                   \
    if (stream)                                                                             \
        CONVERT_BODY(LOAD, STREAM);                                                         \
    else                                                                                    \
        CONVERT_BODY(LOAD, STORE);                                                          \
    break

static void convert_avx2(const accel__convert_call *c, size_t begin, size_t end, int stream)
{
    const __m256 vs = _mm256_set1_ps(c->scale), vo = _mm256_set1_ps(c->offset);
    size_t ds = c->dst_type == ACCEL_F16 ? 2 : 4;
    if (stream) {
        size_t head = begin;
        while (head < end && ((uintptr_t)((char *)c->dst + head * ds) & 63u)) head++;
        basic_convert_scalar(c, begin, head);
        begin = head;
    }
    if (c->dst_type == ACCEL_F32) {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_CASE(load8_u8, stream8_f32, store8_f32);
        case ACCEL_I16: CONVERT_CASE(load8_i16, stream8_f32, store8_f32);
        case ACCEL_I32: CONVERT_CASE(load8_i32, stream8_f32, store8_f32);
        case ACCEL_F16: CONVERT_CASE(load8_f16, stream8_f32, store8_f32);
        case ACCEL_F32: CONVERT_CASE(load8_f32, stream8_f32, store8_f32);
        }
    } else {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_CASE(load8_u8, stream8_f16, store8_f16);
        case ACCEL_I16: CONVERT_CASE(load8_i16, stream8_f16, store8_f16);
        case ACCEL_I32: CONVERT_CASE(load8_i32, stream8_f16, store8_f16);
        case ACCEL_F16: CONVERT_CASE(load8_f16, stream8_f16, store8_f16);
        case ACCEL_F32: CONVERT_CASE(load8_f32, stream8_f16, store8_f16);
        }
    }
    if (stream) _mm_sfence();
}

static void minmax_avx2(int is_max, const float *x, size_t n, accel__reduce_partial *out)
{
    size_t n8 = n - n % 8;
    __m256 acc = _mm256_set1_ps(is_max ? -INFINITY : INFINITY);
    __m256 nanv = _mm256_setzero_ps();
    for (size_t i = 0; i < n8; i += 8) {
        if (!(i & 8)) BASIC_PREFETCH(x + i); /* one per 64-byte line */
        __m256 v = _mm256_loadu_ps(x + i);
        nanv = _mm256_or_ps(nanv, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        acc = is_max ? _mm256_max_ps(acc, v) : _mm256_min_ps(acc, v);
    }
    float lane[8];
    _mm256_storeu_ps(lane, acc);
    int nan = _mm256_movemask_ps(nanv) != 0;
    float r = lane[0];
    basic_minmax_tail(is_max, lane, 1, 8, &r, &nan);
    basic_minmax_tail(is_max, x, n8, n, &r, &nan);
    basic_minmax_finish(nan, r, out);
}

static void reduce_avx2(accel_reduce_op op, const float *x, size_t n, accel__reduce_partial *out)
{
    if (op == ACCEL_REDUCE_MIN || op == ACCEL_REDUCE_MAX) {
        minmax_avx2(op == ACCEL_REDUCE_MAX, x, n, out);
        return;
    }
    size_t n16 = n - n % BASIC_LANES;
    double l1[BASIC_LANES], l2[BASIC_LANES];
    __m256d a[4], q[4];
    for (int j = 0; j < 4; j++) a[j] = q[j] = _mm256_setzero_pd();
    if (op == ACCEL_REDUCE_VAR) {
        double k = basic_shift(x, n);
        const __m256d vk = _mm256_set1_pd(k);
        for (size_t i = 0; i < n16; i += BASIC_LANES) {
            BASIC_PREFETCH(x + i);
            for (int j = 0; j < 4; j++) {
                __m256d d = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 4 * j)), vk);
                a[j] = _mm256_add_pd(a[j], d);
                q[j] = _mm256_add_pd(q[j], _mm256_mul_pd(d, d));
            }
        }
        for (int j = 0; j < 4; j++) {
            _mm256_storeu_pd(l1 + 4 * j, a[j]);
            _mm256_storeu_pd(l2 + 4 * j, q[j]);
        }
        basic_var_tail(x, n16, n, k, l1, l2);
        out->k = k;
        out->s1 = basic_fold16(l1);
        out->s2 = basic_fold16(l2);
        return;
    }
    for (size_t i = 0; i < n16; i += BASIC_LANES) {
        BASIC_PREFETCH(x + i);
        for (int j = 0; j < 4; j++)
            a[j] = _mm256_add_pd(a[j], _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4 * j)));
    }
    for (int j = 0; j < 4; j++) _mm256_storeu_pd(l1 + 4 * j, a[j]);
    basic_sum_tail(x, n16, n, l1);
    out->k = out->s2 = 0.0;
    out->s1 = basic_fold16(l1);
}

const accel__basic_cpu_kernels accel__basic_cpu_avx2 = {
    .level = "avx2",
    .convert = convert_avx2,
    .reduce_segment = reduce_avx2,
};
#else
typedef int accel__basic_cpu_avx2_absent; /* not x86-64: this level does not exist */
#endif
