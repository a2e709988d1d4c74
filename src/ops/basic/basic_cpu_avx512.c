/* basic_cpu_avx512.c — the basic CPU kernels for x86-64 with AVX-512F + AVX-512BW. Compiled
 * with -mavx512f -mavx512bw -mavx2 -mfma -mf16c (cmake/part_cpu_simd.cmake) and called only
 * when the CPU device chose this level. */
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
#include <immintrin.h>

#include "basic_cpu_common.h"

#define F16_RNE (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

/* 16 source elements at s + i as float32 */
static inline __m512 load16_u8(const void *s, size_t i)
{
    __m128i b = _mm_loadu_si128((const __m128i *)((const uint8_t *)s + i));
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b));
}
static inline __m512 load16_i16(const void *s, size_t i)
{
    __m256i w = _mm256_loadu_si256((const __m256i *)((const int16_t *)s + i));
    return _mm512_cvtepi32_ps(_mm512_cvtepi16_epi32(w));
}
static inline __m512 load16_i32(const void *s, size_t i)
{
    return _mm512_cvtepi32_ps(_mm512_loadu_si512((const void *)((const int32_t *)s + i)));
}
static inline __m512 load16_f16(const void *s, size_t i)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)s + i)));
}
static inline __m512 load16_f32(const void *s, size_t i)
{
    return _mm512_loadu_ps((const float *)s + i);
}
static inline void store16_f32(void *d, size_t i, __m512 y)
{
    _mm512_storeu_ps((float *)d + i, y);
}
static inline void store16_f16(void *d, size_t i, __m512 y)
{
    _mm256_storeu_si256((__m256i *)((uint16_t *)d + i), _mm512_cvtps_ph(y, F16_RNE));
}
/* non-temporal: the address must be aligned to the vector (see convert_avx512) */
static inline void stream16_f32(void *d, size_t i, __m512 y)
{
    _mm512_stream_ps((float *)d + i, y);
}
static inline void stream16_f16(void *d, size_t i, __m512 y)
{
    _mm256_stream_si256((__m256i *)((uint16_t *)d + i), _mm512_cvtps_ph(y, F16_RNE));
}

/* With streaming, a scalar head first brings dst + i to a 64-byte boundary, so every vector
 * store is aligned; the stores are fenced before returning (the pool hands the results to
 * another thread). */
#define CONVERT_BODY(LOAD, STORE)                                                           \
    do {                                                                                    \
        size_t i = begin;                                                                   \
        for (; i + 32 <= end; i += 32) {                                                    \
            __m512 a = _mm512_add_ps(_mm512_mul_ps(LOAD(c->src, i), vs), vo);               \
            __m512 b = _mm512_add_ps(_mm512_mul_ps(LOAD(c->src, i + 16), vs), vo);          \
            STORE(c->dst, i, a);                                                            \
            STORE(c->dst, i + 16, b);                                                       \
        }                                                                                   \
        basic_convert_scalar(c, i, end);                                                    \
    } while (0)

#define CONVERT_CASE(LOAD, STREAM, STORE)                                                   \
    if (stream)                                                                             \
        CONVERT_BODY(LOAD, STREAM);                                                         \
    else                                                                                    \
        CONVERT_BODY(LOAD, STORE);                                                          \
    break

static void convert_avx512(const accel__convert_call *c, size_t begin, size_t end, int stream)
{
    const __m512 vs = _mm512_set1_ps(c->scale), vo = _mm512_set1_ps(c->offset);
    size_t ds = c->dst_type == ACCEL_F16 ? 2 : 4;
    if (stream) {
        size_t head = begin;
        while (head < end && ((uintptr_t)((char *)c->dst + head * ds) & 63u)) head++;
        basic_convert_scalar(c, begin, head);
        begin = head;
    }
    if (c->dst_type == ACCEL_F32) {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_CASE(load16_u8, stream16_f32, store16_f32);
        case ACCEL_I16: CONVERT_CASE(load16_i16, stream16_f32, store16_f32);
        case ACCEL_I32: CONVERT_CASE(load16_i32, stream16_f32, store16_f32);
        case ACCEL_F16: CONVERT_CASE(load16_f16, stream16_f32, store16_f32);
        case ACCEL_F32: CONVERT_CASE(load16_f32, stream16_f32, store16_f32);
        }
    } else {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_CASE(load16_u8, stream16_f16, store16_f16);
        case ACCEL_I16: CONVERT_CASE(load16_i16, stream16_f16, store16_f16);
        case ACCEL_I32: CONVERT_CASE(load16_i32, stream16_f16, store16_f16);
        case ACCEL_F16: CONVERT_CASE(load16_f16, stream16_f16, store16_f16);
        case ACCEL_F32: CONVERT_CASE(load16_f32, stream16_f16, store16_f16);
        }
    }
    if (stream) _mm_sfence();
}

static void minmax_avx512(int is_max, const float *x, size_t n, accel__reduce_partial *out)
{
    size_t n16 = n - n % 16;
    __m512 acc = _mm512_set1_ps(is_max ? -INFINITY : INFINITY);
    __mmask16 nanm = 0;
    for (size_t i = 0; i < n16; i += 16) {
        BASIC_PREFETCH(x + i);
        __m512 v = _mm512_loadu_ps(x + i);
        nanm |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        acc = is_max ? _mm512_max_ps(acc, v) : _mm512_min_ps(acc, v);
    }
    float lane[16];
    _mm512_storeu_ps(lane, acc);
    int nan = nanm != 0;
    float r = lane[0];
    basic_minmax_tail(is_max, lane, 1, 16, &r, &nan);
    basic_minmax_tail(is_max, x, n16, n, &r, &nan);
    basic_minmax_finish(nan, r, out);
}

static void reduce_avx512(accel_reduce_op op, const float *x, size_t n,
                          accel__reduce_partial *out)
{
    if (op == ACCEL_REDUCE_MIN || op == ACCEL_REDUCE_MAX) {
        minmax_avx512(op == ACCEL_REDUCE_MAX, x, n, out);
        return;
    }
    size_t n16 = n - n % BASIC_LANES;
    double l1[BASIC_LANES], l2[BASIC_LANES];
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    if (op == ACCEL_REDUCE_VAR) {
        __m512d q0 = _mm512_setzero_pd(), q1 = _mm512_setzero_pd();
        double k = basic_shift(x, n);
        const __m512d vk = _mm512_set1_pd(k);
        for (size_t i = 0; i < n16; i += BASIC_LANES) {
            BASIC_PREFETCH(x + i);
            __m512d d0 = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), vk);
            __m512d d1 = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)), vk);
            a0 = _mm512_add_pd(a0, d0);
            a1 = _mm512_add_pd(a1, d1);
            q0 = _mm512_add_pd(q0, _mm512_mul_pd(d0, d0));
            q1 = _mm512_add_pd(q1, _mm512_mul_pd(d1, d1));
        }
        _mm512_storeu_pd(l1, a0);
        _mm512_storeu_pd(l1 + 8, a1);
        _mm512_storeu_pd(l2, q0);
        _mm512_storeu_pd(l2 + 8, q1);
        basic_var_tail(x, n16, n, k, l1, l2);
        out->k = k;
        out->s1 = basic_fold16(l1);
        out->s2 = basic_fold16(l2);
        return;
    }
    for (size_t i = 0; i < n16; i += BASIC_LANES) {
        BASIC_PREFETCH(x + i);
        a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
        a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)));
    }
    _mm512_storeu_pd(l1, a0);
    _mm512_storeu_pd(l1 + 8, a1);
    basic_sum_tail(x, n16, n, l1);
    out->k = out->s2 = 0.0;
    out->s1 = basic_fold16(l1);
}

const accel__basic_cpu_kernels accel__basic_cpu_avx512 = {
    .level = "avx512",
    .convert = convert_avx512,
    .reduce_segment = reduce_avx512,
};
#else
typedef int accel__basic_cpu_avx512_absent; /* not x86-64: this level does not exist */
#endif
