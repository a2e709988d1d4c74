/* device_data.c — data that stay on a device: accel_device_alloc/free/copy, and convert and
 * reduce on addresses of a device's memory (accel_convert_on, accel_reduce_on), so that a
 * tensor another library holds on a GPU (a PyTorch CUDA tensor, through DLPack) is processed
 * where it is, without a trip through host memory.
 *
 * The operations run through the executor on that one device (accel__exec_on): its batching,
 * out-of-memory bisection, statistics and run record apply, but not fallback — the data are on
 * that device, and another device could not read them. The calls mark themselves `resident`,
 * which makes the operation's device code wrap the caller's memory as buffers (the backend's
 * buffer_wrap slot) instead of allocating and copying. On the CPU device they run the host
 * calls there. */
#include "basic.h"
#include "core/executor.h"

#include <stdint.h>
#include <string.h>

/* The device `index`, opened; the CPU is answered by the caller before this. */
static accel_status gpu_of(accel_ctx *ctx, size_t index, const char *fn, accel__device **out)
{
    *out = NULL;
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "%s: ctx is NULL", fn);
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "%s: device %zu does not exist (this context has %zu devices, 0..%zu)", fn,
                    index, ctx->n_devs, ctx->n_devs - 1);
    accel__device *d = &ctx->devs[index];
    RETURN_ERROR_IF(!d->info.usable || !d->ops, ACCEL_ERR_UNAVAILABLE, "%s: device %zu (%s): %s",
                    fn, index, d->info.name, d->info.verdict);
    RETURN_ERROR_IF(!d->ops->mem_alloc || !d->ops->mem_free || !d->ops->buffer_wrap,
                    ACCEL_ERR_UNSUPPORTED,
                    "%s: device %zu (%s, %s) does not take memory addresses; data that stay on a "
                    "device need a CUDA or ROCm device",
                    fn, index, d->info.name, accel_device_kind_name(d->info.kind));
    if (!__atomic_load_n(&d->opened, __ATOMIC_ACQUIRE))
        FORWARD_IF_ERROR(accel__device_ensure_open(ctx, d));
    *out = d;
    return ACCEL_OK;
}

static int is_cpu(const accel_ctx *ctx, size_t index)
{
    return ctx && index < ctx->n_devs && ctx->devs[index].info.kind == ACCEL_KIND_CPU;
}

ACCEL_API accel_status accel_device_alloc(accel_ctx *ctx, size_t device, size_t bytes, void **ptr)
{
    static const char fn[] = "accel_device_alloc";
    RETURN_ERROR_IF(!ptr, ACCEL_ERR_INVALID_ARG, "%s: ptr is NULL", fn);
    *ptr = NULL;
    RETURN_ERROR_IF(is_cpu(ctx, device), ACCEL_ERR_UNSUPPORTED,
                    "%s: device %zu is the CPU; host memory comes from malloc", fn, device);
    accel__device *d;
    FORWARD_IF_ERROR(gpu_of(ctx, device, fn, &d));
    return d->ops->mem_alloc(d, bytes, ptr);
}

ACCEL_API void accel_device_free(accel_ctx *ctx, size_t device, void *ptr)
{
    if (!ctx || !ptr || device >= ctx->n_devs) return;
    accel__device *d = &ctx->devs[device];
    if (d->ops && d->ops->mem_free && d->opened) d->ops->mem_free(d, ptr);
}

ACCEL_API accel_status accel_device_copy(accel_ctx *ctx, size_t device, accel_copy_kind kind,
                                         void *dst, const void *src, size_t bytes)
{
    static const char fn[] = "accel_device_copy";
    RETURN_ERROR_IF(kind != ACCEL_COPY_HOST_TO_DEVICE && kind != ACCEL_COPY_DEVICE_TO_HOST &&
                        kind != ACCEL_COPY_DEVICE_TO_DEVICE,
                    ACCEL_ERR_INVALID_ARG,
                    "%s: kind %d (allowed: ACCEL_COPY_HOST_TO_DEVICE, ACCEL_COPY_DEVICE_TO_HOST, "
                    "ACCEL_COPY_DEVICE_TO_DEVICE)",
                    fn, (int)kind);
    RETURN_ERROR_IF(bytes && (!dst || !src), ACCEL_ERR_INVALID_ARG,
                    "%s: dst or src is NULL but bytes is %zu", fn, bytes);
    if (is_cpu(ctx, device)) {
        if (bytes) memmove(dst, src, bytes);
        return ACCEL_OK;
    }
    accel__device *d;
    FORWARD_IF_ERROR(gpu_of(ctx, device, fn, &d));
    if (!bytes) return ACCEL_OK;
    const accel__backend_ops *o = d->ops;
    accel__buffer *a = NULL, *b = NULL;
    accel_status st;
    switch (kind) {
    case ACCEL_COPY_HOST_TO_DEVICE:
        st = o->buffer_wrap(d, dst, bytes, &a);
        if (st == ACCEL_OK) st = o->copy_h2d(d, a, 0, src, bytes);
        break;
    case ACCEL_COPY_DEVICE_TO_HOST:
        st = o->buffer_wrap(d, (void *)src, bytes, &a);
        if (st == ACCEL_OK) st = o->copy_d2h(d, dst, a, 0, bytes);
        break;
    default:
        st = o->buffer_wrap(d, dst, bytes, &a);
        if (st == ACCEL_OK) st = o->buffer_wrap(d, (void *)src, bytes, &b);
        if (st == ACCEL_OK) st = o->copy_d2d(d, a, 0, b, 0, bytes);
        break;
    }
    if (st == ACCEL_OK) st = o->synchronize(d);
    if (a) o->buffer_free(d, a);
    if (b) o->buffer_free(d, b);
    return st;
}

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
    int cpu = is_cpu(ctx, device); /* host memory, computed on the CPU */
    if (!cpu) {
        accel__device *d;
        FORWARD_IF_ERROR(gpu_of(ctx, device, fn, &d));
        FORWARD_IF_ERROR(check_allowed(ctx, "convert", device, fn));
    }
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
    int cpu = is_cpu(ctx, device);
    if (!cpu) {
        accel__device *d;
        FORWARD_IF_ERROR(gpu_of(ctx, device, fn, &d));
        FORWARD_IF_ERROR(check_allowed(ctx, "reduce", device, fn));
    }
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
