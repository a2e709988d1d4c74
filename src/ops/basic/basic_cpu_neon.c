/* basic_cpu_neon.c — the basic CPU kernels for AArch64 Advanced SIMD (NEON), in arm_neon.h
 * intrinsics. Compiled on AArch64 only (cmake/part_cpu_simd.cmake) and called only when the
 * CPU device chose this level.
 *
 * Same bits as every other level (basic_cpu_common.h):
 *  - convert: vmulq then vaddq, each rounded; this file is compiled with -ffp-contract=off
 *    like all operation code, and that matters here: GCC's arm_neon.h writes vmulq_f32 and
 *    vaddq_f32 as plain C operators, which contraction would fuse into one FMLA.
 *  - int32 -> float (SCVTF) and the float16 conversions (FCVTL, FCVTN) round to nearest even
 *    under the default FPCR, which Linux gives every thread: the same results as the scalar
 *    code of f16.h (NaN payloads included: FCVTN keeps the top ten fraction bits and sets the
 *    quiet bit, as f16.h does).
 *  - sum, mean, var: the 16 float64 lanes of the common layout, held in eight float64x2
 *    registers (acc[j] holds lanes 2j and 2j + 1), written back and folded by the common code.
 *  - min, max: NaN is tracked apart from the extreme, so the answer does not depend on how
 *    FMAX treats NaN; a zero extreme may differ in sign from another level (unspecified). */
#if defined(__aarch64__) && defined(ACCEL_BUILD_NEON)
#include <arm_neon.h>

#include "basic_cpu_common.h"

/* 16 source elements at s + i as four float32x4 (elements i .. i+3 in v[0], and so on). */
static inline void load16_u8(const void *s, size_t i, float32x4_t v[4])
{
    uint8x16_t b = vld1q_u8((const uint8_t *)s + i);
    uint16x8_t lo = vmovl_u8(vget_low_u8(b)), hi = vmovl_high_u8(b);
    v[0] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
    v[1] = vcvtq_f32_u32(vmovl_high_u16(lo));
    v[2] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
    v[3] = vcvtq_f32_u32(vmovl_high_u16(hi));
}
static inline void load16_i16(const void *s, size_t i, float32x4_t v[4])
{
    const int16_t *p = (const int16_t *)s + i;
    int16x8_t a = vld1q_s16(p), b = vld1q_s16(p + 8);
    v[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(a)));
    v[1] = vcvtq_f32_s32(vmovl_high_s16(a));
    v[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(b)));
    v[3] = vcvtq_f32_s32(vmovl_high_s16(b));
}
static inline void load16_i32(const void *s, size_t i, float32x4_t v[4])
{
    const int32_t *p = (const int32_t *)s + i;
    for (int k = 0; k < 4; k++) v[k] = vcvtq_f32_s32(vld1q_s32(p + 4 * k));
}
static inline void load16_f16(const void *s, size_t i, float32x4_t v[4])
{
    const uint16_t *p = (const uint16_t *)s + i;
    for (int k = 0; k < 4; k++) v[k] = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p + 4 * k)));
}
static inline void load16_f32(const void *s, size_t i, float32x4_t v[4])
{
    const float *p = (const float *)s + i;
    for (int k = 0; k < 4; k++) v[k] = vld1q_f32(p + 4 * k);
}
static inline void store16_f32(void *d, size_t i, const float32x4_t y[4])
{
    float *p = (float *)d + i;
    for (int k = 0; k < 4; k++) vst1q_f32(p + 4 * k, y[k]);
}
static inline void store16_f16(void *d, size_t i, const float32x4_t y[4])
{
    uint16_t *p = (uint16_t *)d + i;
    for (int k = 0; k < 4; k++) vst1_u16(p + 4 * k, vreinterpret_u16_f16(vcvt_f16_f32(y[k])));
}

/* The element formula on 16 elements; a scalar tail after the last full group. */
#define CONVERT_LOOP(LOAD, STORE)                                                           \
    do {                                                                                    \
        size_t i = begin;                                                                   \
        for (; i + 16 <= end; i += 16) {                                                    \
            float32x4_t v[4];                                                               \
            LOAD(c->src, i, v);                                                             \
            for (int k = 0; k < 4; k++) v[k] = vaddq_f32(vmulq_f32(v[k], vs), vo);         \
            STORE(c->dst, i, v);                                                            \
        }                                                                                   \
        basic_convert_scalar(c, i, end);                                                    \
    } while (0)

/* `stream` is ignored: arm_neon.h has no non-temporal store (STNP is reachable only through
 * assembly), and without Arm hardware to measure on, a hint that may or may not pay is not
 * worth carrying. The baseline level ignores it too. */
static void convert_neon(const accel__convert_call *c, size_t begin, size_t end, int stream)
{
    (void)stream;
    const float32x4_t vs = vdupq_n_f32(c->scale), vo = vdupq_n_f32(c->offset);
    if (c->dst_type == ACCEL_F32) {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_LOOP(load16_u8, store16_f32); return;
        case ACCEL_I16: CONVERT_LOOP(load16_i16, store16_f32); return;
        case ACCEL_I32: CONVERT_LOOP(load16_i32, store16_f32); return;
        case ACCEL_F16: CONVERT_LOOP(load16_f16, store16_f32); return;
        case ACCEL_F32: CONVERT_LOOP(load16_f32, store16_f32); return;
        }
    } else {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_LOOP(load16_u8, store16_f16); return;
        case ACCEL_I16: CONVERT_LOOP(load16_i16, store16_f16); return;
        case ACCEL_I32: CONVERT_LOOP(load16_i32, store16_f16); return;
        case ACCEL_F16: CONVERT_LOOP(load16_f16, store16_f16); return;
        case ACCEL_F32: CONVERT_LOOP(load16_f32, store16_f16); return;
        }
    }
    basic_convert_scalar(c, begin, end);
}

static void minmax_neon(int is_max, const float *x, size_t n, accel__reduce_partial *out)
{
    size_t n16 = n - n % 16;
    float32x4_t acc[4];
    uint32x4_t ordered = vdupq_n_u32(~0u); /* all ones while no NaN was seen in that lane */
    for (int k = 0; k < 4; k++) acc[k] = vdupq_n_f32(is_max ? -INFINITY : INFINITY);
    for (size_t i = 0; i < n16; i += 16) {
        BASIC_PREFETCH(x + i);
        for (int k = 0; k < 4; k++) {
            float32x4_t v = vld1q_f32(x + i + 4 * k);
            ordered = vandq_u32(ordered, vceqq_f32(v, v));
            acc[k] = is_max ? vmaxq_f32(acc[k], v) : vminq_f32(acc[k], v);
        }
    }
    float lane[16];
    for (int k = 0; k < 4; k++) vst1q_f32(lane + 4 * k, acc[k]);
    int nan = vminvq_u32(ordered) == 0;
    float r = lane[0];
    basic_minmax_tail(is_max, lane, 1, 16, &r, &nan);
    basic_minmax_tail(is_max, x, n16, n, &r, &nan);
    basic_minmax_finish(nan, r, out);
}

/* Elements i .. i+15 as float64, in lane order: d[j] holds lanes 2j and 2j + 1. */
static inline void widen16(const float *x, size_t i, float64x2_t d[8])
{
    for (int k = 0; k < 4; k++) {
        float32x4_t v = vld1q_f32(x + i + 4 * k);
        d[2 * k] = vcvt_f64_f32(vget_low_f32(v));
        d[2 * k + 1] = vcvt_high_f64_f32(v);
    }
}

static void reduce_neon(accel_reduce_op op, const float *x, size_t n, accel__reduce_partial *out)
{
    if (op == ACCEL_REDUCE_MIN || op == ACCEL_REDUCE_MAX) {
        minmax_neon(op == ACCEL_REDUCE_MAX, x, n, out);
        return;
    }
    size_t n16 = n - n % BASIC_LANES;
    double l1[BASIC_LANES], l2[BASIC_LANES];
    float64x2_t a[8];
    for (int j = 0; j < 8; j++) a[j] = vdupq_n_f64(0.0);
    if (op == ACCEL_REDUCE_VAR) {
        float64x2_t q[8];
        double k = basic_shift(x, n);
        const float64x2_t vk = vdupq_n_f64(k);
        for (int j = 0; j < 8; j++) q[j] = vdupq_n_f64(0.0);
        for (size_t i = 0; i < n16; i += BASIC_LANES) {
            BASIC_PREFETCH(x + i);
            float64x2_t d[8];
            widen16(x, i, d);
            for (int j = 0; j < 8; j++) {
                d[j] = vsubq_f64(d[j], vk);
                a[j] = vaddq_f64(a[j], d[j]);
                q[j] = vaddq_f64(q[j], vmulq_f64(d[j], d[j]));
            }
        }
        for (int j = 0; j < 8; j++) {
            vst1q_f64(l1 + 2 * j, a[j]);
            vst1q_f64(l2 + 2 * j, q[j]);
        }
        basic_var_tail(x, n16, n, k, l1, l2);
        out->k = k;
        out->s1 = basic_fold16(l1);
        out->s2 = basic_fold16(l2);
        return;
    }
    for (size_t i = 0; i < n16; i += BASIC_LANES) {
        BASIC_PREFETCH(x + i);
        float64x2_t d[8];
        widen16(x, i, d);
        for (int j = 0; j < 8; j++) a[j] = vaddq_f64(a[j], d[j]);
    }
    for (int j = 0; j < 8; j++) vst1q_f64(l1 + 2 * j, a[j]);
    basic_sum_tail(x, n16, n, l1);
    out->k = out->s2 = 0.0;
    out->s1 = basic_fold16(l1);
}

const accel__basic_cpu_kernels accel__basic_cpu_neon = {
    .level = "neon",
    .convert = convert_neon,
    .reduce_segment = reduce_neon,
};
#else
typedef int accel__basic_cpu_neon_absent; /* not AArch64: this level does not exist */
#endif
