/* basic.h — the basic operation family: convert, reduce and noop. Their parameter structs
 * (what the executor hands back to run_cpu / run_device as `call`), the descriptors the
 * registry lists, and the CPU kernel table chosen by SIMD level.
 *
 * Items, the unit a batch splits:
 *  - convert: one element. A batch [begin, end) converts elements begin..end-1.
 *  - reduce: one segment of ACCEL__REDUCE_SEG consecutive elements of one array (the last
 *    segment of an array may be shorter). Item i is segment i % segs of array i / segs, so the
 *    items of a batch cover one contiguous range of x. Each item leaves a float64 partial; the
 *    public wrapper combines an array's partials in a fixed order after the executor returns.
 *    Segment boundaries do not depend on the batch, so any split — batching, bisection after
 *    out-of-memory, fallback to another device — gives bit-identical partials on one device.
 *  - noop: one item that does nothing (measures the executor's own cost).
 */
#ifndef ACCEL_OPS_BASIC_H
#define ACCEL_OPS_BASIC_H

#include "core/internal.h"

extern const accel__op accel__op_convert;
extern const accel__op accel__op_reduce;
extern const accel__op accel__op_noop;

/* ---- convert ---------------------------------------------------------------------------- */

typedef struct accel__convert_call {
    accel_dtype src_type, dst_type;
    const void *src;
    void *dst;
    size_t n;
    float scale, offset;
    int resident; /* src and dst are addresses in the running device's memory (accel_convert_on) */
} accel__convert_call;

/* The argument rules of accel_convert / accel_reduce (messages start with `fn`); shared by
 * the calls on device memory (device_data.c). */
accel_status accel__convert_check(const char *fn, accel_dtype src_type, const void *src,
                                  accel_dtype dst_type, const void *dst, size_t n, float scale,
                                  float offset);
accel_status accel__reduce_check(const char *fn, accel_reduce_op op, const float *x,
                                 size_t n_arrays, size_t len, const float *out);

/* Bytes per element of a dtype (0 for a value outside the list). */
size_t accel__dtype_size(accel_dtype t);
/* "ACCEL_U8" … "ACCEL_F32", or NULL for a value outside the list. */
const char *accel__dtype_name(accel_dtype t);

/* ---- reduce ----------------------------------------------------------------------------- */

#define ACCEL__REDUCE_SEG ((size_t)1 << 16) /* elements per segment (item) */
/* Elements at the start of a segment whose mean is the shift K of the variance sums. */
#define ACCEL__REDUCE_SHIFT_SAMPLE 256

/* One segment's result, in float64:
 *   sum, mean:  s1 = Σx                     (k = s2 = 0)
 *   var:        k = mean of the first ACCEL__REDUCE_SHIFT_SAMPLE elements (the shift),
 *               s1 = Σ(x - k), s2 = Σ(x - k)²   — so mean = k + s1/n, M2 = s2 - s1²/n
 *   min, max:   s1 = the extreme, NaN when any element is NaN */
typedef struct accel__reduce_partial {
    double k, s1, s2;
} accel__reduce_partial;

typedef struct accel__reduce_call {
    accel_reduce_op op;
    const float *x;
    size_t n_arrays, len;
    float *out;
    /* set by accel__reduce_prepare */
    size_t segs;                     /* segments per array (0 when len is 0) */
    accel__reduce_partial *partials; /* one per item */
    accel__reduce_partial small[8];  /* storage for calls of at most 8 items */
    /* Device accumulation: 0 = float64 where the device has it (accel_device_info.fp64),
     * else float-float; 1 = float-float always (lets tests cover that path on any device). */
    int force_float_float;
    int resident; /* x is an address in the running device's memory (accel_reduce_on) */
} accel__reduce_call;

/* Fills segs and partials (ACCEL_ERR_NO_MEMORY when they cannot be allocated). */
accel_status accel__reduce_prepare(accel__reduce_call *c);
/* Combines each array's partials into out[] (the contract of accel_reduce) and releases. */
void accel__reduce_finish(accel__reduce_call *c);
/* Releases the partials without writing out[] (after a failure). */
void accel__reduce_release(accel__reduce_call *c);
/* Item i's first element (index into x) and element count. */
size_t accel__reduce_item_start(const accel__reduce_call *c, size_t item, size_t *count);

/* ---- noop ------------------------------------------------------------------------------- */

typedef struct accel__noop_call {
    int unused;
} accel__noop_call;

/* ---- CPU kernels, one table per SIMD level (basic_cpu_<level>.c) ------------------------- */

typedef struct accel__basic_cpu_kernels {
    const char *level;
    /* dst[i] = src[i]·scale + offset for i in [begin, end): mul and add in float32, each
     * rounded to nearest even (never fused), then to the destination type. With `stream`
     * the results bypass the caches (non-temporal stores) where the level has them: for
     * outputs far larger than the caches, which nobody reads back soon. */
    void (*convert)(const accel__convert_call *c, size_t begin, size_t end, int stream);
    /* The partial of n elements at x (n ≥ 1) for operation op. Lane assignment and the order
     * of combination are the same at every level, so every level gives the same bits. */
    void (*reduce_segment)(accel_reduce_op op, const float *x, size_t n,
                           accel__reduce_partial *out);
} accel__basic_cpu_kernels;

extern const accel__basic_cpu_kernels accel__basic_cpu_baseline;
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX2)
extern const accel__basic_cpu_kernels accel__basic_cpu_avx2;
#endif
#if defined(__x86_64__) && defined(ACCEL_BUILD_AVX512)
extern const accel__basic_cpu_kernels accel__basic_cpu_avx512;
#endif
#if defined(__aarch64__) && defined(ACCEL_BUILD_NEON)
extern const accel__basic_cpu_kernels accel__basic_cpu_neon;
#endif

/* The table for `dev`'s SIMD level (see backends/cpu/cpu.h). */
const accel__basic_cpu_kernels *accel__basic_cpu_for(const accel__device *dev);

#endif
