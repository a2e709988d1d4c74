/* basic_api.c — accel_convert and accel_reduce: check every argument (a bad one is named
 * with the values allowed), build the call, run it through the executor. The checks are shared
 * with the calls on device memory (device_data.c). */
#include "basic.h"

#include <math.h>
#include <stdint.h>

#define DTYPES_ALLOWED "ACCEL_U8, ACCEL_I16, ACCEL_I32, ACCEL_F16, ACCEL_F32"
#define REDUCE_OPS_ALLOWED                                                                  \
    "ACCEL_REDUCE_SUM, ACCEL_REDUCE_MEAN, ACCEL_REDUCE_VAR, ACCEL_REDUCE_MIN, ACCEL_REDUCE_MAX"

static int overlaps(const void *a, size_t na, const void *b, size_t nb)
{
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    return na && nb && pa < pb + nb && pb < pa + na;
}

static accel_status check_pointer(const char *fn, const char *what, const void *p, size_t align,
                                  const char *type)
{
    RETURN_ERROR_IF((uintptr_t)p % align != 0, ACCEL_ERR_INVALID_ARG,
                    "%s: %s (%p) is not aligned to %zu bytes as %s requires", fn, what, p, align,
                    type);
    return ACCEL_OK;
}

accel_status accel__convert_check(const char *fn, accel_dtype src_type, const void *src,
                                  accel_dtype dst_type, const void *dst, size_t n, float scale,
                                  float offset)
{
    const char *sname = accel__dtype_name(src_type), *dname = accel__dtype_name(dst_type);
    RETURN_ERROR_IF(!sname, ACCEL_ERR_INVALID_ARG, "%s: src_type %d is not a dtype; allowed: %s",
                    fn, (int)src_type, DTYPES_ALLOWED);
    RETURN_ERROR_IF(!dname, ACCEL_ERR_INVALID_ARG,
                    "%s: dst_type %d is not a dtype; allowed: ACCEL_F32, ACCEL_F16", fn,
                    (int)dst_type);
    RETURN_ERROR_IF(dst_type != ACCEL_F32 && dst_type != ACCEL_F16, ACCEL_ERR_INVALID_ARG,
                    "%s: dst_type %s is not allowed; allowed: ACCEL_F32, ACCEL_F16", fn, dname);
    RETURN_ERROR_IF(!isfinite(scale), ACCEL_ERR_INVALID_ARG,
                    "%s: scale is %g; it must be a finite number", fn, (double)scale);
    RETURN_ERROR_IF(!isfinite(offset), ACCEL_ERR_INVALID_ARG,
                    "%s: offset is %g; it must be a finite number", fn, (double)offset);
    size_t ss = accel__dtype_size(src_type), ds = accel__dtype_size(dst_type);
    RETURN_ERROR_IF(n > SIZE_MAX / 8, ACCEL_ERR_INVALID_ARG, "%s: n %zu is too large", fn, n);
    if (n) {
        RETURN_ERROR_IF(!src, ACCEL_ERR_INVALID_ARG, "%s: src is NULL but n is %zu", fn, n);
        RETURN_ERROR_IF(!dst, ACCEL_ERR_INVALID_ARG, "%s: dst is NULL but n is %zu", fn, n);
        FORWARD_IF_ERROR(check_pointer(fn, "src", src, ss, sname));
        FORWARD_IF_ERROR(check_pointer(fn, "dst", dst, ds, dname));
        RETURN_ERROR_IF(overlaps(src, n * ss, dst, n * ds), ACCEL_ERR_INVALID_ARG,
                        "%s: src and dst overlap (src %p + %zu bytes, dst %p + %zu bytes); they "
                        "must be separate memory",
                        fn, src, n * ss, dst, n * ds);
    }
    return ACCEL_OK;
}

ACCEL_API accel_status accel_convert(accel_ctx *ctx, accel_dtype src_type, const void *src,
                                     accel_dtype dst_type, void *dst, size_t n, float scale,
                                     float offset, accel_run_record *rec)
{
    static const char fn[] = "accel_convert";
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "%s: ctx is NULL", fn);
    FORWARD_IF_ERROR(accel__convert_check(fn, src_type, src, dst_type, dst, n, scale, offset));
    accel__convert_call call = {.src_type = src_type, .dst_type = dst_type, .src = src,
                                .dst = dst, .n = n, .scale = scale, .offset = offset};
    return accel__exec(ctx, &accel__op_convert, &call, rec);
}

static const char *reduce_op_name(accel_reduce_op op)
{
    switch (op) {
    case ACCEL_REDUCE_SUM: return "ACCEL_REDUCE_SUM";
    case ACCEL_REDUCE_MEAN: return "ACCEL_REDUCE_MEAN";
    case ACCEL_REDUCE_VAR: return "ACCEL_REDUCE_VAR";
    case ACCEL_REDUCE_MIN: return "ACCEL_REDUCE_MIN";
    case ACCEL_REDUCE_MAX: return "ACCEL_REDUCE_MAX";
    }
    return NULL;
}

accel_status accel__reduce_check(const char *fn, accel_reduce_op op, const float *x,
                                 size_t n_arrays, size_t len, const float *out)
{
    RETURN_ERROR_IF(!reduce_op_name(op), ACCEL_ERR_INVALID_ARG,
                    "%s: op %d is not a reduction; allowed: %s", fn, (int)op, REDUCE_OPS_ALLOWED);
    RETURN_ERROR_IF(len && n_arrays > SIZE_MAX / sizeof(float) / len, ACCEL_ERR_INVALID_ARG,
                    "%s: n_arrays %zu × len %zu elements is too large", fn, n_arrays, len);
    if (n_arrays) {
        RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "%s: out is NULL but n_arrays is %zu", fn,
                        n_arrays);
        FORWARD_IF_ERROR(check_pointer(fn, "out", out, sizeof(float), "float"));
    }
    if (n_arrays && len) {
        RETURN_ERROR_IF(!x, ACCEL_ERR_INVALID_ARG, "%s: x is NULL but n_arrays × len is %zu",
                        fn, n_arrays * len);
        FORWARD_IF_ERROR(check_pointer(fn, "x", x, sizeof(float), "float"));
    }
    return ACCEL_OK;
}

ACCEL_API accel_status accel_reduce(accel_ctx *ctx, accel_reduce_op op, const float *x,
                                    size_t n_arrays, size_t len, float *out,
                                    accel_run_record *rec)
{
    static const char fn[] = "accel_reduce";
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "%s: ctx is NULL", fn);
    FORWARD_IF_ERROR(accel__reduce_check(fn, op, x, n_arrays, len, out));
    accel__reduce_call call = {.op = op, .x = x, .n_arrays = n_arrays, .len = len, .out = out};
    FORWARD_IF_ERROR(accel__reduce_prepare(&call));
    accel_status st = accel__exec(ctx, &accel__op_reduce, &call, rec);
    if (st != ACCEL_OK) {
        accel__reduce_release(&call);
        return st;
    }
    accel__reduce_finish(&call);
    return ACCEL_OK;
}
