/* basic_cpu_common.h — scalar pieces every SIMD level of the basic CPU kernels shares, so
 * that the levels agree bit for bit: the element formula of convert, the 16-lane layout of
 * the float64 reduction sums and the fixed order in which lanes are folded.
 *
 * Reduction layout: element i of a segment goes to lane i % 16 while i < n - n % 16; the
 * tail's element n16 + j goes to lane j. Each lane is a sequential float64 sum; lanes are
 * folded pairwise (lane j += lane j + w for w = 8, 4, 2, 1). A level may hold the 16 lanes
 * in 8 SSE2, 4 AVX or 2 AVX-512 registers; the arithmetic is the same.
 *
 * Included by the level files only (each compiled with its own target flags); everything
 * here is static inline so that no function compiled for a higher level escapes into code
 * that runs at a lower one. */
#ifndef ACCEL_OPS_BASIC_CPU_COMMON_H
#define ACCEL_OPS_BASIC_CPU_COMMON_H

#include <math.h>
#include <stdint.h>

#include "basic.h"
#include "f16.h"

#define BASIC_LANES 16

/* Software prefetch distance in bytes. The hardware prefetcher alone leaves the float64
 * accumulation loops at about 70 % of the read bandwidth of a plain float loop on a Sapphire
 * Rapids host; asking 2 KiB ahead brings them to about 90 % (bench/basic_cpu.c). A prefetch
 * never faults, so running past the end is harmless. */
#define BASIC_PREFETCH_BYTES 2048
#define BASIC_PREFETCH(p) __builtin_prefetch((const char *)(p) + BASIC_PREFETCH_BYTES, 0, 3)

/* ---- convert ---------------------------------------------------------------------------- */

static inline float basic_load(accel_dtype t, const void *src, size_t i)
{
    switch (t) {
    case ACCEL_U8: return (float)((const uint8_t *)src)[i];
    case ACCEL_I16: return (float)((const int16_t *)src)[i];
    case ACCEL_I32: return (float)((const int32_t *)src)[i];
    case ACCEL_F16: return accel__f16_to_f32(((const uint16_t *)src)[i]);
    case ACCEL_F32: return ((const float *)src)[i];
    }
    return NAN;
}

/* The element formula; these files are compiled with -ffp-contract=off, so the multiply and
 * the add round separately at every level, as on the devices. */
static inline float basic_affine(float x, float scale, float offset)
{
    float y = x * scale;
    return y + offset;
}

static inline void basic_store(accel_dtype t, void *dst, size_t i, float y)
{
    if (t == ACCEL_F16)
        ((uint16_t *)dst)[i] = accel__f32_to_f16(y);
    else
        ((float *)dst)[i] = y;
}

/* Scalar convert of [begin, end): the tail after a vector loop, and the reference. */
static inline void basic_convert_scalar(const accel__convert_call *c, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++)
        basic_store(c->dst_type, c->dst, i,
                    basic_affine(basic_load(c->src_type, c->src, i), c->scale, c->offset));
}

/* ---- reduce ----------------------------------------------------------------------------- */

static inline double basic_fold16(double *lane)
{
    for (int w = BASIC_LANES / 2; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) lane[j] += lane[j + w];
    return lane[0];
}

/* The shift K of the variance sums: the mean of the first elements, summed in order. */
static inline double basic_shift(const float *x, size_t n)
{
    size_t m = n < ACCEL__REDUCE_SHIFT_SAMPLE ? n : ACCEL__REDUCE_SHIFT_SAMPLE;
    double s = 0.0;
    for (size_t i = 0; i < m; i++) s += (double)x[i];
    return s / (double)m;
}

/* Tails: the elements after the last full group of 16, into lanes 0.. */
static inline void basic_sum_tail(const float *x, size_t n16, size_t n, double *lane)
{
    for (size_t i = n16; i < n; i++) lane[i - n16] += (double)x[i];
}

static inline void basic_var_tail(const float *x, size_t n16, size_t n, double k, double *l1,
                                  double *l2)
{
    for (size_t i = n16; i < n; i++) {
        double d = (double)x[i] - k;
        double dd = d * d;
        l1[i - n16] += d;
        l2[i - n16] += dd;
    }
}

/* Min or max of x[begin, end) into *acc, NaN noted in *nan (order does not matter: the
 * extreme of a set is the same in any order, up to the sign of a zero). */
static inline void basic_minmax_tail(int is_max, const float *x, size_t begin, size_t end,
                                     float *acc, int *nan)
{
    for (size_t i = begin; i < end; i++) {
        float v = x[i];
        if (v != v)
            *nan = 1;
        else if (is_max ? v > *acc : v < *acc)
            *acc = v;
    }
}

static inline void basic_minmax_finish(int nan, float acc, accel__reduce_partial *out)
{
    out->k = out->s2 = 0.0;
    out->s1 = nan ? (double)NAN : (double)acc;
}

#endif
