/* cpu_backend.c — the CPU backend: host memory, memcpy transfers, operations run through
 * their CPU code (op->run_cpu). */
#include "../../core/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct accel__buffer {
    size_t bytes;
    unsigned char data[];
};

static accel_status cpu_open(accel__device *dev)
{
    (void)dev;
    return ACCEL_OK;
}

static void cpu_close(accel__device *dev) { (void)dev; }

static accel_status cpu_mem_info(accel__device *dev, int64_t *free_b, int64_t *total_b)
{
    (void)dev;
    long psz = sysconf(_SC_PAGESIZE);
    *free_b = (int64_t)sysconf(_SC_AVPHYS_PAGES) * psz;
    *total_b = (int64_t)sysconf(_SC_PHYS_PAGES) * psz;
    return ACCEL_OK;
}

static accel_status cpu_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    (void)dev;
    accel__buffer *b = malloc(sizeof *b + (bytes ? bytes : 1));
    RETURN_ERROR_IF(!b, ACCEL_ERR_DEVICE_OOM, "CPU: cannot allocate %zu bytes", bytes);
    b->bytes = bytes;
    *out = b;
    return ACCEL_OK;
}

static void cpu_free(accel__device *dev, accel__buffer *b)
{
    (void)dev;
    free(b);
}

static accel_status cpu_h2d(accel__device *dev, accel__buffer *dst, size_t off, const void *src,
                            size_t n)
{
    (void)dev;
    RETURN_ERROR_IF(off + n > dst->bytes, ACCEL_ERR_INVALID_ARG, "CPU copy out of bounds");
    memcpy(dst->data + off, src, n);
    return ACCEL_OK;
}

static accel_status cpu_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t off,
                            size_t n)
{
    (void)dev;
    RETURN_ERROR_IF(off + n > src->bytes, ACCEL_ERR_INVALID_ARG, "CPU copy out of bounds");
    memcpy(dst, src->data + off, n);
    return ACCEL_OK;
}

static accel_status cpu_d2d(accel__device *dev, accel__buffer *dst, size_t doff,
                            accel__buffer *src, size_t soff, size_t n)
{
    (void)dev;
    RETURN_ERROR_IF(doff + n > dst->bytes || soff + n > src->bytes, ACCEL_ERR_INVALID_ARG,
                    "CPU copy out of bounds");
    memmove(dst->data + doff, src->data + soff, n);
    return ACCEL_OK;
}

static accel_status cpu_sync(accel__device *dev)
{
    (void)dev;
    return ACCEL_OK;
}

static int cpu_supports(const accel__device *dev, const char *op)
{
    (void)dev;
    const accel__op *o = accel__op_find(op);
    return o && o->run_cpu;
}

static accel_status cpu_run(accel__device *dev, const accel__op *op, void *call, size_t begin,
                            size_t end)
{
    RETURN_ERROR_IF(!op->run_cpu, ACCEL_ERR_UNSUPPORTED, "%s has no CPU implementation", op->name);
    return op->run_cpu(dev, call, begin, end);
}

const accel__backend_ops accel__backend_cpu = {
    .api_version = ACCEL__BACKEND_API,
    .name = "cpu",
    .open = cpu_open,
    .close = cpu_close,
    .mem_info = cpu_mem_info,
    .buffer_alloc = cpu_alloc,
    .buffer_free = cpu_free,
    .copy_h2d = cpu_h2d,
    .copy_d2h = cpu_d2h,
    .copy_d2d = cpu_d2d,
    .synchronize = cpu_sync,
    .supports_op = cpu_supports,
    .run = cpu_run,
};
