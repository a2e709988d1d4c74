/* device_mem.c — memory that stays on a device: accel_device_alloc/free/copy through the
 * backend's optional slots (mem_alloc, mem_free, buffer_wrap), and the check behind
 * accel_convert_on / accel_reduce_on (src/ops/basic/device_data.c), which may not see the
 * device entry or its ops table.
 *
 * Which devices take addresses is the backends' answer (the three slots are there or not);
 * the host backend's device is the one exception the public calls make: its "device memory"
 * is host memory, so copies are memmove and the operations compute on the CPU. */
#include "core/backend.h"

#include <string.h>

static int is_host(const accel_ctx *ctx, size_t index)
{
    if (!ctx || index >= ctx->n_devs) return 0;
    const accel__device *d = &ctx->devs[index];
    return d->backend && d->backend->host;
}

/* Device `index` of ctx, usable, taking addresses and opened. */
static accel_status addressable(accel_ctx *ctx, size_t index, const char *fn, accel__device **out)
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
    FORWARD_IF_ERROR(accel__device_ensure_open(ctx, d));
    *out = d;
    return ACCEL_OK;
}

accel_status accel__device_memory_check(accel_ctx *ctx, size_t index, const char *fn, int *host)
{
    *host = is_host(ctx, index);
    if (*host) return ACCEL_OK;
    accel__device *d;
    return addressable(ctx, index, fn, &d);
}

ACCEL_API accel_status accel_device_alloc(accel_ctx *ctx, size_t device, size_t bytes, void **ptr)
{
    static const char fn[] = "accel_device_alloc";
    RETURN_ERROR_IF(!ptr, ACCEL_ERR_INVALID_ARG, "%s: ptr is NULL", fn);
    *ptr = NULL;
    RETURN_ERROR_IF(is_host(ctx, device), ACCEL_ERR_UNSUPPORTED,
                    "%s: device %zu is the CPU; host memory comes from malloc", fn, device);
    accel__device *d;
    FORWARD_IF_ERROR(addressable(ctx, device, fn, &d));
    return d->ops->mem_alloc(d, bytes, ptr);
}

ACCEL_API void accel_device_free(accel_ctx *ctx, size_t device, void *ptr)
{
    if (!ctx || !ptr || device >= ctx->n_devs) return;
    accel__device *d = &ctx->devs[device];
    if (d->ops && d->ops->mem_free && __atomic_load_n(&d->opened, __ATOMIC_ACQUIRE))
        d->ops->mem_free(d, ptr);
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
    if (is_host(ctx, device)) {
        if (bytes) memmove(dst, src, bytes);
        return ACCEL_OK;
    }
    accel__device *d;
    FORWARD_IF_ERROR(addressable(ctx, device, fn, &d));
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
