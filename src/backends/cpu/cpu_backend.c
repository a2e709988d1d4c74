/* cpu_backend.c — the CPU backend: host memory, memcpy transfers, operations run through
 * their CPU code (op->run_cpu), which uses the thread pool and the SIMD level chosen here at
 * open (see cpu.h). */
#include "cpu.h"
#include "core/backend.h"
#include "core/precision.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* dev->impl of an opened CPU device. */
typedef struct cpu_state {
    accel__simd_level simd;
    char note[96];
} cpu_state;

struct accel__buffer {
    size_t bytes;
    unsigned char data[];
};

static int pool_size(const accel__device *dev)
{
    long long n = dev->ctx ? accel__cfg_int(dev->ctx, ACCEL__CFG_NUM_THREADS) : -1;
    if (n >= 1) return n > ACCEL__POOL_MAX_THREADS ? ACCEL__POOL_MAX_THREADS : (int)n;
    if (dev->info.usable_cores > 0) return dev->info.usable_cores;
    if (dev->info.logical_cores > 0) return dev->info.logical_cores;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

#if defined(__x86_64__)
#define HOST_ARCH "x86-64"
#elif defined(__aarch64__)
#define HOST_ARCH "AArch64"
#else
#define HOST_ARCH "this architecture"
#endif

/* ACCEL_CPU_SIMD, or the best level detected. A level this processor or binary cannot run
 * falls back to the best one it can, with a warning that says why (never an illegal
 * instruction); only a name that is no level at all is an error. */
static accel_status choose_simd(accel__simd_level *out)
{
    accel__simd_level best = accel__simd_detect();
    const char *req = getenv(ACCEL__ENV_CPU_SIMD);
    *out = best;
    if (!req || !*req) return ACCEL_OK;
    accel__simd_level want;
    RETURN_ERROR_IF(accel__simd_parse(req, &want) != 0, ACCEL_ERR_CONFIG,
                    "%s=%s is not a SIMD level; allowed: %s (or unset for the best this CPU "
                    "supports, here %s)",
                    ACCEL__ENV_CPU_SIMD, req, ACCEL__CPU_SIMD_ALLOWED, accel__simd_name(best));
    if (accel__simd_runs(want)) {
        *out = want;
        return ACCEL_OK;
    }
    const char *arch = accel__simd_arch(want);
    if (arch && strcmp(arch, HOST_ARCH) != 0)
        ACCEL_LOG_WARN("%s=%s: %s is a level for %s processors and this is %s; using %s",
                       ACCEL__ENV_CPU_SIMD, req, accel__simd_name(want), arch, HOST_ARCH,
                       accel__simd_name(best));
    else if (!accel__simd_built(want))
        ACCEL_LOG_WARN("%s=%s: this build has no %s code (the compiler could not build it); "
                       "using %s",
                       ACCEL__ENV_CPU_SIMD, req, accel__simd_name(want), accel__simd_name(best));
    else
        ACCEL_LOG_WARN("%s=%s: this CPU supports at most %s; using %s", ACCEL__ENV_CPU_SIMD, req,
                       accel__simd_name(best), accel__simd_name(best));
    return ACCEL_OK;
}

static accel_status cpu_open(accel__device *dev)
{
    cpu_state *st = calloc(1, sizeof *st);
    RETURN_ERROR_IF(!st, ACCEL_ERR_NO_MEMORY, "CPU: out of memory");
    accel_status s = choose_simd(&st->simd);
    if (s != ACCEL_OK) {
        free(st);
        return s;
    }
    accel__pool *pool = NULL;
    if (dev->ctx) {
        s = accel__pool_create(pool_size(dev), &pool);
        if (s != ACCEL_OK) {
            free(st);
            return s;
        }
        dev->ctx->cpu_pool = pool;
    }
    snprintf(st->note, sizeof st->note, "SIMD %s, %d threads", accel__simd_name(st->simd),
             accel__pool_threads(pool));
    dev->impl = st;
    ACCEL_LOG_DEBUG("CPU backend: %s", st->note);
    return ACCEL_OK;
}

static void cpu_close(accel__device *dev)
{
    if (dev->ctx && dev->ctx->cpu_pool) {
        accel__pool_destroy(dev->ctx->cpu_pool);
        dev->ctx->cpu_pool = NULL;
    }
    free(dev->impl);
    dev->impl = NULL;
}

accel__simd_level accel__cpu_simd(const accel__device *dev)
{
    if (dev && dev->ops == &accel__backend_cpu && dev->impl)
        return ((const cpu_state *)dev->impl)->simd;
    return accel__simd_detect();
}

accel__pool *accel__cpu_pool(const accel__device *dev)
{
    return dev && dev->ctx ? dev->ctx->cpu_pool : NULL;
}

static const char *cpu_kernel_note(const accel__device *dev)
{
    return dev->impl ? ((const cpu_state *)dev->impl)->note : "not opened";
}

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

static int cpu_supports(const accel__device *dev, const accel__op *op)
{
    (void)dev;
    return op && op->run_cpu;
}

static accel_status cpu_run(accel__device *dev, const accel__op *op, void *call, size_t begin,
                            size_t end)
{
    RETURN_ERROR_IF(!op->run_cpu, ACCEL_ERR_UNSUPPORTED, "%s has no CPU implementation", op->name);
    /* The CPU is always a candidate, but one that failed to open (a bad ACCEL_CPU_SIMD) must
     * say so rather than quietly run at another level. */
    RETURN_ERROR_IF(!dev->impl, ACCEL_ERR_UNAVAILABLE, "%s on the CPU: %s", op->name,
                    dev->info.verdict);
    return op->run_cpu(dev, call, begin, end);
}

/* int8: the integer paths of the CPU kernels. */
static unsigned cpu_precision(const accel__device *dev)
{
    (void)dev;
    return ACCEL_PREC_FP32 | ACCEL_PREC_INT8;
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
    .kernel_note = cpu_kernel_note,
    .precision = cpu_precision,
};
