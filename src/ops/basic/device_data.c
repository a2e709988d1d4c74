/* device_data.c — convert and reduce on addresses of a device's memory (accel_convert_on,
 * accel_reduce_on), so that a tensor another library holds on a GPU (a PyTorch CUDA tensor,
 * through DLPack) is processed where it is, without a trip through host memory. The memory
 * itself (accel_device_alloc/free/copy) is the core's: core/device_mem.c.
 *
 * The operations run through the executor on that one device (accel__exec_on): its batching,
 * out-of-memory bisection, statistics and run record apply, but not fallback — the data are on
 * that device, and another device could not read them. The calls mark themselves `resident`,
 * which makes the operation's device code wrap the caller's memory as buffers of its handle
 * (accel__devq_wrap) instead of allocating and copying. On the CPU device they run the host
 * calls there. */
#include "basic.h"

/* ACCEL_ALL_GPU=0 or ACCEL_<OP>_GPU=0 forbids running `op` on a GPU: for data that are on one,
 * that is a refusal naming the setting, not a silent move to the host. */
static accel_status check_allowed(accel_ctx *ctx, const char *op, size_t device, const char *fn)
{
    char key[64];
    const char *v = NULL, *src = NULL;
    accel__cfg_op_gpu_key(op, key, sizeof key);
    if (accel__cfg_op_gpu(ctx, op) == 0 && accel_config_get(ctx, key, &v, &src) == ACCEL_OK)
        return ACCEL_ERROR(ACCEL_ERR_DISABLED,
                           "%s: %s=%s (%s) keeps %s off GPUs, and the data are on device %zu; "
                           "copy them to host memory to run it on the CPU",
                           fn, key, v, src, op, device);
    if (accel__cfg_op_gpu(ctx, op) < 0 && !accel__cfg_bool(ctx, ACCEL__CFG_ALL_GPU))
        return ACCEL_ERROR(ACCEL_ERR_DISABLED,
                           "%s: ACCEL_ALL_GPU=%s (%s) keeps operations off GPUs, and the data are "
                           "on device %zu; copy them to host memory to run it on the CPU",
                           fn, accel__cfg_str(ctx, ACCEL__CFG_ALL_GPU),
                           accel__cfg_source(ctx, ACCEL__CFG_ALL_GPU), device);
    return ACCEL_OK;
}

ACCEL_API accel_status accel_convert_on(accel_ctx *ctx, size_t device, accel_dtype src_type,
                                        const void *src, accel_dtype dst_type, void *dst,
                                        size_t n, float scale, float offset,
                                        accel_run_record *rec)
{
    static const char fn[] = "accel_convert_on";
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "%s: ctx is NULL", fn);
    int cpu = 0; /* the CPU: host memory, computed there */
    FORWARD_IF_ERROR(accel__device_memory_check(ctx, device, fn, &cpu));
    if (!cpu) FORWARD_IF_ERROR(check_allowed(ctx, "convert", device, fn));
    FORWARD_IF_ERROR(accel__convert_check(fn, src_type, src, dst_type, dst, n, scale, offset));
    accel__convert_call call = {.src_type = src_type, .dst_type = dst_type, .src = src,
                                .dst = dst, .n = n, .scale = scale, .offset = offset,
                                .resident = !cpu};
    return accel__exec_on(ctx, device, &accel__op_convert, &call, rec);
}

ACCEL_API accel_status accel_reduce_on(accel_ctx *ctx, size_t device, accel_reduce_op op,
                                       const float *x, size_t n_arrays, size_t len, float *out,
                                       accel_run_record *rec)
{
    static const char fn[] = "accel_reduce_on";
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "%s: ctx is NULL", fn);
    int cpu = 0;
    FORWARD_IF_ERROR(accel__device_memory_check(ctx, device, fn, &cpu));
    if (!cpu) FORWARD_IF_ERROR(check_allowed(ctx, "reduce", device, fn));
    FORWARD_IF_ERROR(accel__reduce_check(fn, op, x, n_arrays, len, out));
    accel__reduce_call call = {.op = op, .x = x, .n_arrays = n_arrays, .len = len, .out = out,
                               .resident = !cpu};
    FORWARD_IF_ERROR(accel__reduce_prepare(&call));
    accel_status st = accel__exec_on(ctx, device, &accel__op_reduce, &call, rec);
    if (st != ACCEL_OK) {
        accel__reduce_release(&call);
        return st;
    }
    accel__reduce_finish(&call);
    return ACCEL_OK;
}
