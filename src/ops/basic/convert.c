/* convert.c — the convert operation: dst[i] = (dst_type)(src[i]·scale + offset).
 *
 * CPU: the SIMD kernel of the device's level over chunks of the batch on the thread pool.
 * Device: one buffer for the batch's source and one for its result, the type pair's kernel
 * from src/kernels/basic.kern, results copied back. Copies go straight from and to the
 * caller's memory: the backend copy slots are synchronous, so staging through pinned memory
 * (host_alloc) would add a full host-side pass that nothing overlaps with. */
#include "basic.h"

#include "backends/cpu/cpu.h"
#include "core/devcall.h"

size_t accel__dtype_size(accel_dtype t)
{
    switch (t) {
    case ACCEL_U8: return 1;
    case ACCEL_I16: return 2;
    case ACCEL_I32: return 4;
    case ACCEL_F16: return 2;
    case ACCEL_F32: return 4;
    }
    return 0;
}

const char *accel__dtype_name(accel_dtype t)
{
    switch (t) {
    case ACCEL_U8: return "ACCEL_U8";
    case ACCEL_I16: return "ACCEL_I16";
    case ACCEL_I32: return "ACCEL_I32";
    case ACCEL_F16: return "ACCEL_F16";
    case ACCEL_F32: return "ACCEL_F32";
    }
    return NULL;
}

static size_t convert_items(const void *vc) { return ((const accel__convert_call *)vc)->n; }

static int64_t convert_fixed(const void *vc)
{
    (void)vc;
    return 0;
}

static int64_t convert_per_item(const void *vc)
{
    const accel__convert_call *c = vc;
    return (int64_t)(accel__dtype_size(c->src_type) + accel__dtype_size(c->dst_type));
}

/* ---- CPU -------------------------------------------------------------------------------- */

/* Below this many elements one thread is faster than waking the pool (a wake-up costs tens
 * of microseconds; 64 Ki elements convert in about that time on one core). */
#define CONVERT_PARALLEL_MIN ((size_t)1 << 16)
#define CONVERT_CHUNK ((size_t)1 << 15) /* elements per pool task */
/* Outputs at least this large are written with non-temporal stores: they cannot stay in the
 * caches anyway, and streaming saves the read-for-ownership of every destination line (a
 * third of the traffic of an f32 -> f32 convert). The C library's memcpy makes the same
 * choice above a similar size. */
#define CONVERT_STREAM_MIN_BYTES ((size_t)64 << 20)

typedef struct convert_job {
    const accel__basic_cpu_kernels *k;
    const accel__convert_call *c;
    size_t begin, end;
    int stream;
} convert_job;

static void convert_tasks(void *arg, size_t t0, size_t t1)
{
    const convert_job *j = arg;
    size_t b = j->begin + t0 * CONVERT_CHUNK, e = j->begin + t1 * CONVERT_CHUNK;
    if (e > j->end) e = j->end;
    j->k->convert(j->c, b, e, j->stream);
}

static accel_status convert_run_cpu(accel__device *dev, void *vc, size_t begin, size_t end)
{
    const accel__convert_call *c = vc;
    RETURN_ERROR_IF(c->resident, ACCEL_ERR_UNSUPPORTED,
                    "convert: the data are in a GPU's memory; the CPU cannot read them");
    if (end <= begin) return ACCEL_OK;
    size_t n = end - begin;
    int stream = n * accel__dtype_size(c->dst_type) >= CONVERT_STREAM_MIN_BYTES;
    convert_job j = {accel__basic_cpu_for(dev), c, begin, end, stream};
    accel__pool *pool = accel__cpu_pool(dev);
    if (n < CONVERT_PARALLEL_MIN || accel__pool_threads(pool) <= 1) {
        j.k->convert(c, begin, end, stream);
        return ACCEL_OK;
    }
    accel__pool_for(pool, (n + CONVERT_CHUNK - 1) / CONVERT_CHUNK, convert_tasks, &j);
    return ACCEL_OK;
}

/* ---- device ----------------------------------------------------------------------------- */

static const char *kernel_name(accel_dtype s, accel_dtype d)
{
    static const char *const f32[] = {"ak_convert_u8_f32", "ak_convert_i16_f32",
                                      "ak_convert_i32_f32", "ak_convert_f16_f32",
                                      "ak_convert_f32_f32"};
    static const char *const f16[] = {"ak_convert_u8_f16", "ak_convert_i16_f16",
                                      "ak_convert_i32_f16", "ak_convert_f16_f16",
                                      "ak_convert_f32_f16"};
    if ((unsigned)s > ACCEL_F32) return NULL;
    if (d == ACCEL_F32) return f32[s];
    if (d == ACCEL_F16) return f16[s];
    return NULL;
}

#define CONVERT_WG 256
#define CONVERT_MAX_GROUPS ((size_t)1 << 16) /* more elements loop inside the kernel */

static accel_status convert_run_device(accel__devq *q, void *vc, size_t begin, size_t end)
{
    const accel__convert_call *c = vc;
    if (end <= begin) return ACCEL_OK;
    size_t n = end - begin, ss = accel__dtype_size(c->src_type), ds = accel__dtype_size(c->dst_type);
    const char *kn = kernel_name(c->src_type, c->dst_type);
    RETURN_ERROR_IF(!kn, ACCEL_ERR_INVALID_ARG, "convert: no kernel for %d -> %d",
                    (int)c->src_type, (int)c->dst_type);
    accel__kernel *k = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, kn, &k));

    accel__buffer *bs = NULL, *bd = NULL;
    accel_status st;
    if (c->resident) { /* the caller's device memory, used where it is */
        st = accel__devq_wrap(q, (unsigned char *)c->src + begin * ss, n * ss, &bs);
        if (st == ACCEL_OK)
            st = accel__devq_wrap(q, (unsigned char *)c->dst + begin * ds, n * ds, &bd);
    } else {
        st = accel__devq_alloc(q, n * ss, &bs);
        if (st == ACCEL_OK) st = accel__devq_alloc(q, n * ds, &bd);
        if (st == ACCEL_OK)
            st = accel__devq_copy_h2d(q, bs, 0, (const unsigned char *)c->src + begin * ss, n * ss);
    }
    if (st == ACCEL_OK) {
        size_t groups = (n + CONVERT_WG - 1) / CONVERT_WG;
        if (groups > CONVERT_MAX_GROUPS) groups = CONVERT_MAX_GROUPS;
        accel__launch geom = {.dims = 1, .global = {groups * CONVERT_WG, 1, 1},
                              .local = {CONVERT_WG, 1, 1}};
        accel__arg args[5] = {
            {.type = ACCEL__ARG_BUFFER, .v.buf = bd},
            {.type = ACCEL__ARG_BUFFER, .v.buf = bs},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)n},
            {.type = ACCEL__ARG_F32, .v.f32 = c->scale},
            {.type = ACCEL__ARG_F32, .v.f32 = c->offset},
        };
        st = accel__devq_launch(q, k, &geom, args, 5);
    }
    if (st == ACCEL_OK) st = accel__devq_sync(q);
    if (st == ACCEL_OK && !c->resident)
        st = accel__devq_copy_d2h(q, (unsigned char *)c->dst + begin * ds, bd, 0, n * ds);
    accel__devq_free(q, bd);
    accel__devq_free(q, bs);
    return st;
}

static const char *const convert_kernels[] = {
    "ak_convert_u8_f32", "ak_convert_i16_f32", "ak_convert_i32_f32", "ak_convert_f16_f32",
    "ak_convert_f32_f32", "ak_convert_u8_f16", "ak_convert_i16_f16", "ak_convert_i32_f16",
    "ak_convert_f16_f16", "ak_convert_f32_f16", NULL};

const accel__op accel__op_convert = {
    .name = "convert",
    .n_items = convert_items,
    .bytes_fixed = convert_fixed,
    .bytes_per_item = convert_per_item,
    .run_cpu = convert_run_cpu,
    .run_device = convert_run_device,
    .kernels = convert_kernels,
};
