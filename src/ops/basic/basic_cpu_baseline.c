/* basic_cpu_baseline.c — the basic CPU kernels in portable C for the baseline level (SSE2 on
 * x86-64, NEON on AArch64): simple loops over one type pair each, which the compiler
 * vectorises for the target's baseline. float16 goes through the integer code of f16.h. */
#include "basic_cpu_common.h"

/* One loop per (source, destination) pair, so each is a straight line the compiler can
 * vectorise. */
#define CONVERT_LOOP(STYPE, LOAD, DTYPE, STORE)                                             \
    do {                                                                                    \
        const STYPE *s_ = (const STYPE *)c->src;                                            \
        DTYPE *d_ = (DTYPE *)c->dst;                                                        \
        for (size_t i = begin; i < end; i++) {                                              \
            float y_ = basic_affine(LOAD(s_[i]), scale, offset);                            \
            d_[i] = STORE(y_);                                                              \
        }                                                                                   \
    } while (0)

#define AS_FLOAT(v) ((float)(v))
#define F16_IN(v) accel__f16_to_f32(v)
#define F16_OUT(v) accel__f32_to_f16(v)

static void convert_baseline(const accel__convert_call *c, size_t begin, size_t end, int stream)
{
    (void)stream; /* portable C has no non-temporal store */
    const float scale = c->scale, offset = c->offset;
    if (c->dst_type == ACCEL_F32) {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_LOOP(uint8_t, AS_FLOAT, float, AS_FLOAT); return;
        case ACCEL_I16: CONVERT_LOOP(int16_t, AS_FLOAT, float, AS_FLOAT); return;
        case ACCEL_I32: CONVERT_LOOP(int32_t, AS_FLOAT, float, AS_FLOAT); return;
        case ACCEL_F16: CONVERT_LOOP(uint16_t, F16_IN, float, AS_FLOAT); return;
        case ACCEL_F32: CONVERT_LOOP(float, AS_FLOAT, float, AS_FLOAT); return;
        }
    } else {
        switch (c->src_type) {
        case ACCEL_U8: CONVERT_LOOP(uint8_t, AS_FLOAT, uint16_t, F16_OUT); return;
        case ACCEL_I16: CONVERT_LOOP(int16_t, AS_FLOAT, uint16_t, F16_OUT); return;
        case ACCEL_I32: CONVERT_LOOP(int32_t, AS_FLOAT, uint16_t, F16_OUT); return;
        case ACCEL_F16: CONVERT_LOOP(uint16_t, F16_IN, uint16_t, F16_OUT); return;
        case ACCEL_F32: CONVERT_LOOP(float, AS_FLOAT, uint16_t, F16_OUT); return;
        }
    }
    basic_convert_scalar(c, begin, end);
}

static void reduce_baseline(accel_reduce_op op, const float *x, size_t n,
                            accel__reduce_partial *out)
{
    size_t n16 = n - n % BASIC_LANES;
    if (op == ACCEL_REDUCE_MIN || op == ACCEL_REDUCE_MAX) {
        int nan = 0;
        float acc = op == ACCEL_REDUCE_MAX ? -INFINITY : INFINITY;
        basic_minmax_tail(op == ACCEL_REDUCE_MAX, x, 0, n, &acc, &nan);
        basic_minmax_finish(nan, acc, out);
        return;
    }
    double l1[BASIC_LANES] = {0}, l2[BASIC_LANES] = {0};
    if (op == ACCEL_REDUCE_VAR) {
        double k = basic_shift(x, n);
        for (size_t i = 0; i < n16; i += BASIC_LANES) {
            BASIC_PREFETCH(x + i);
            for (int j = 0; j < BASIC_LANES; j++) {
                double d = (double)x[i + (size_t)j] - k;
                double dd = d * d;
                l1[j] += d;
                l2[j] += dd;
            }
        }
        basic_var_tail(x, n16, n, k, l1, l2);
        out->k = k;
        out->s1 = basic_fold16(l1);
        out->s2 = basic_fold16(l2);
        return;
    }
    for (size_t i = 0; i < n16; i += BASIC_LANES) {
        BASIC_PREFETCH(x + i);
        for (int j = 0; j < BASIC_LANES; j++) l1[j] += (double)x[i + (size_t)j];
    }
    basic_sum_tail(x, n16, n, l1);
    out->k = out->s2 = 0.0;
    out->s1 = basic_fold16(l1);
}

const accel__basic_cpu_kernels accel__basic_cpu_baseline = {
    .level = "baseline",
    .convert = convert_baseline,
    .reduce_segment = reduce_baseline,
};
