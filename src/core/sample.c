/* sample.c — live figures of a device (accel_device_query, accel_device_processes).
 *
 * Discovery says what a device is; a monitor (`accel top`, `accel devices --watch`, the
 * server's /metrics) asks what it is doing now, every second. Each backend's entry in the
 * backend table names its sampler (src/discover/sample_*.c: NVML, sysfs + DRM fdinfo,
 * procfs), so this file never asks what kind of device it holds. A device whose backend has
 * no sampler still reports its memory size from discovery. */
#include "core/backend.h"

#include <string.h>

static void sample_init(accel_device_sample *s, const accel__device *d)
{
    size_t sz = s->struct_size;
    memset(s, 0, sz);
    s->struct_size = sz;
    s->index = d->info.index;
    s->mem_used = -1;
    s->mem_total = d->info.mem_total;
    s->utilization_percent = s->mem_busy_percent = -1;
    s->temperature_c = s->power_mw = s->power_limit_mw = -1;
}

accel_status accel_device_query(accel_ctx *ctx, size_t index, accel_device_sample *s)
{
    RETURN_ERROR_IF(!ctx || !s, ACCEL_ERR_INVALID_ARG, "accel_device_query: NULL argument");
    RETURN_ERROR_IF(s->struct_size < sizeof *s, ACCEL_ERR_INVALID_ARG,
                    "accel_device_query: struct_size %zu (set it to sizeof(accel_device_sample), "
                    "%zu)", s->struct_size, sizeof *s);
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "device index %zu out of range (this machine has %zu devices: 0..%zu)", index,
                    ctx->n_devs, ctx->n_devs - 1);
    const accel__device *d = &ctx->devs[index];
    s->struct_size = sizeof *s;
    sample_init(s, d);
    if (!d->backend || !d->backend->sample) return ACCEL_OK;
    return d->backend->sample(d, s, NULL, 0, 0, NULL);
}

accel_status accel_device_processes(accel_ctx *ctx, size_t index, accel_device_process *procs,
                                    size_t cap, size_t *n)
{
    RETURN_ERROR_IF(!ctx || !n || (cap && !procs), ACCEL_ERR_INVALID_ARG,
                    "accel_device_processes: NULL argument");
    RETURN_ERROR_IF(cap && procs[0].struct_size < offsetof(accel_device_process, name) + 1,
                    ACCEL_ERR_INVALID_ARG,
                    "accel_device_processes: procs[0].struct_size %zu (set it to "
                    "sizeof(accel_device_process), %zu)", procs[0].struct_size, sizeof *procs);
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "device index %zu out of range (this machine has %zu devices: 0..%zu)", index,
                    ctx->n_devs, ctx->n_devs - 1);
    *n = 0;
    const accel__device *d = &ctx->devs[index];
    if (!d->backend || !d->backend->sample) return ACCEL_OK;
    return d->backend->sample(d, NULL, procs, cap ? procs[0].struct_size : 0, cap, n);
}
