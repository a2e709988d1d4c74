/* reduce.c — the reduce operation: sum, mean, population variance, min, max of each of
 * n_arrays float32 arrays, accumulated in float64 and rounded once to float32.
 *
 * Two stages. Stage one makes a float64 partial per segment (an item, see basic.h): on the
 * CPU with the SIMD kernel of the device's level, items spread over the thread pool; on a
 * device with ak_reduce_f64 (float64) or ak_reduce_ff (float-float, for devices without
 * float64). Stage two, accel__reduce_finish, combines each array's partials in segment order
 * on the host in float64: sums add; variances combine by Chan's formula
 *     M2 = M2a + M2b + δ²·na·nb/(na + nb),  δ = mean_b − mean_a,
 * which keeps its accuracy where the one-pass Σx² − (Σx)²/n would cancel. */
#include "basic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/cpu/cpu.h"
#include "core/devcall.h"

/* ---- items and partials ----------------------------------------------------------------- */

accel_status accel__reduce_prepare(accel__reduce_call *c)
{
    c->segs = c->len ? (c->len + ACCEL__REDUCE_SEG - 1) / ACCEL__REDUCE_SEG : 0;
    c->partials = NULL;
    size_t n = c->n_arrays * c->segs; /* the wrapper checked n_arrays·len for overflow */
    if (n == 0) return ACCEL_OK;
    if (n <= sizeof c->small / sizeof *c->small) {
        c->partials = c->small;
        return ACCEL_OK;
    }
    c->partials = malloc(n * sizeof *c->partials);
    RETURN_ERROR_IF(!c->partials, ACCEL_ERR_NO_MEMORY,
                    "reduce: cannot allocate %zu partial results (%zu arrays of %zu elements)",
                    n, c->n_arrays, c->len);
    return ACCEL_OK;
}

void accel__reduce_release(accel__reduce_call *c)
{
    if (c->partials && c->partials != c->small) free(c->partials);
    c->partials = NULL;
}

size_t accel__reduce_item_start(const accel__reduce_call *c, size_t item, size_t *count)
{
    size_t a = item / c->segs, s = item % c->segs;
    size_t off = s * ACCEL__REDUCE_SEG;
    size_t left = c->len - off;
    *count = left < ACCEL__REDUCE_SEG ? left : ACCEL__REDUCE_SEG;
    return a * c->len + off;
}

/* Stage two for one array: its partials p[0..segs), the last segment possibly shorter. */
static float combine(const accel__reduce_call *c, const accel__reduce_partial *p)
{
    size_t segs = c->segs, len = c->len;
    switch (c->op) {
    case ACCEL_REDUCE_SUM:
    case ACCEL_REDUCE_MEAN: {
        double s = 0.0;
        for (size_t i = 0; i < segs; i++) s += p[i].s1;
        return (float)(c->op == ACCEL_REDUCE_MEAN ? s / (double)len : s);
    }
    case ACCEL_REDUCE_VAR: {
        double n = 0.0, mean = 0.0, m2 = 0.0;
        for (size_t i = 0; i < segs; i++) {
            size_t cnt = i + 1 < segs ? ACCEL__REDUCE_SEG : len - i * ACCEL__REDUCE_SEG;
            double nb = (double)cnt;
            double mb = p[i].k + p[i].s1 / nb;
            double m2b = p[i].s2 - p[i].s1 * (p[i].s1 / nb);
            if (m2b < 0.0) m2b = 0.0; /* rounding only; NaN passes through */
            if (i == 0) {
                n = nb;
                mean = mb;
                m2 = m2b;
                continue;
            }
            double nt = n + nb, d = mb - mean;
            mean += d * (nb / nt);
            m2 += m2b + d * d * (n * nb / nt);
            n = nt;
        }
        return (float)(m2 / n);
    }
    case ACCEL_REDUCE_MIN:
    case ACCEL_REDUCE_MAX: {
        double r = p[0].s1;
        for (size_t i = 1; i < segs && !isnan(r); i++) {
            double v = p[i].s1;
            if (isnan(v) || (c->op == ACCEL_REDUCE_MAX ? v > r : v < r)) r = v;
        }
        return (float)r;
    }
    }
    return NAN;
}

void accel__reduce_finish(accel__reduce_call *c)
{
    for (size_t a = 0; a < c->n_arrays; a++) {
        if (c->len == 0)
            c->out[a] = c->op == ACCEL_REDUCE_SUM ? 0.0f : NAN;
        else
            c->out[a] = combine(c, c->partials + a * c->segs);
    }
    accel__reduce_release(c);
}

/* ---- descriptor ------------------------------------------------------------------------- */

static size_t reduce_items(const void *vc)
{
    const accel__reduce_call *c = vc;
    return c->n_arrays * c->segs;
}

static int64_t reduce_fixed(const void *vc)
{
    (void)vc;
    return 0;
}

/* One segment of input plus its partial (24 bytes: 3 doubles, or 6 floats float-float). */
static int64_t reduce_per_item(const void *vc)
{
    const accel__reduce_call *c = vc;
    size_t seg = c->len < ACCEL__REDUCE_SEG ? c->len : ACCEL__REDUCE_SEG;
    return (int64_t)(seg * sizeof(float) + sizeof(accel__reduce_partial));
}

/* ---- CPU -------------------------------------------------------------------------------- */

#define REDUCE_PARALLEL_MIN ((size_t)1 << 16) /* elements; fewer run on one thread */

typedef struct reduce_job {
    const accel__basic_cpu_kernels *k;
    accel__reduce_call *c;
    size_t begin;
} reduce_job;

static void reduce_tasks(void *arg, size_t t0, size_t t1)
{
    const reduce_job *j = arg;
    accel__reduce_call *c = j->c;
    for (size_t i = j->begin + t0; i < j->begin + t1; i++) {
        size_t cnt, start = accel__reduce_item_start(c, i, &cnt);
        j->k->reduce_segment(c->op, c->x + start, cnt, &c->partials[i]);
    }
}

static accel_status reduce_run_cpu(accel__device *dev, void *vc, size_t begin, size_t end)
{
    accel__reduce_call *c = vc;
    RETURN_ERROR_IF(c->resident, ACCEL_ERR_UNSUPPORTED,
                    "reduce: the data are in a GPU's memory; the CPU cannot read them");
    if (end <= begin) return ACCEL_OK;
    reduce_job j = {accel__basic_cpu_for(dev), c, begin};
    size_t cnt, first = accel__reduce_item_start(c, begin, &cnt);
    size_t last = accel__reduce_item_start(c, end - 1, &cnt) + cnt;
    accel__pool *pool = accel__cpu_pool(dev);
    if (last - first < REDUCE_PARALLEL_MIN || end - begin < 2 || accel__pool_threads(pool) <= 1)
        reduce_tasks(&j, 0, end - begin);
    else
        accel__pool_for(pool, end - begin, reduce_tasks, &j);
    return ACCEL_OK;
}

/* ---- device ----------------------------------------------------------------------------- */

#define REDUCE_WG 256 /* AK_REDUCE_WG in basic.kern */
#define REDUCE_MAX_GROUPS ((size_t)1 << 16)

/* Turns the device's partials of items [begin, end) into accel__reduce_partial. */
static void take_partials(accel__reduce_call *c, size_t begin, size_t n, const void *raw, int ff)
{
    for (size_t g = 0; g < n; g++) {
        accel__reduce_partial *p = &c->partials[begin + g];
        double v[3];
        if (ff) {
            const float *f = (const float *)raw + 6 * g;
            v[0] = (double)f[0];
            v[1] = (double)f[1] + (double)f[2];
            v[2] = (double)f[3] + (double)f[4];
        } else {
            memcpy(v, (const double *)raw + 3 * g, sizeof v);
        }
        p->k = v[0];
        p->s1 = v[1];
        p->s2 = v[2];
        if (c->op == ACCEL_REDUCE_MIN || c->op == ACCEL_REDUCE_MAX) {
            if (v[2] != 0.0) p->s1 = NAN; /* the kernel's NaN flag */
            p->s2 = 0.0;
        }
    }
}

static accel_status reduce_run_device(accel__devq *q, void *vc, size_t begin, size_t end)
{
    accel__reduce_call *c = vc;
    if (end <= begin) return ACCEL_OK;
    size_t n = end - begin;
    size_t cnt, first = accel__reduce_item_start(c, begin, &cnt);
    size_t last = accel__reduce_item_start(c, end - 1, &cnt) + cnt;
    size_t n_elems = last - first;

    /* float64 where the kernel built (it exists only where the compiler has double) and the
     * device does not say it lacks float64; else float-float */
    accel__kernel *k = NULL;
    int ff = 1;
    if (!c->force_float_float && accel__devq_info(q)->fp64 != 0 &&
        accel__devq_kernel(q, "ak_reduce_f64", &k) == ACCEL_OK)
        ff = 0;
    else
        FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_reduce_ff", &k));
    accel__clear_error(); /* a missing float64 kernel is not this call's failure */
    size_t part_bytes = n * (ff ? 6 * sizeof(float) : 3 * sizeof(double));

    void *host = malloc(part_bytes);
    RETURN_ERROR_IF(!host, ACCEL_ERR_NO_MEMORY, "reduce: cannot allocate %zu bytes", part_bytes);
    accel__buffer *bx = NULL, *bp = NULL;
    /* x is read where it is when it is the caller's device memory (accel_reduce_on) */
    size_t x_bytes = n_elems * sizeof(float);
    accel_status st = c->resident ? accel__devq_wrap(q, (void *)(c->x + first), x_bytes, &bx)
                                  : accel__devq_alloc(q, x_bytes, &bx);
    if (st == ACCEL_OK) st = accel__devq_alloc(q, part_bytes, &bp);
    if (st == ACCEL_OK && !c->resident) st = accel__devq_copy_h2d(q, bx, 0, c->x + first, x_bytes);
    if (st == ACCEL_OK) {
        size_t groups = n < REDUCE_MAX_GROUPS ? n : REDUCE_MAX_GROUPS;
        accel__launch geom = {.dims = 1, .global = {groups * REDUCE_WG, 1, 1},
                              .local = {REDUCE_WG, 1, 1}};
        accel__arg args[9] = {
            {.type = ACCEL__ARG_BUFFER, .v.buf = bp},
            {.type = ACCEL__ARG_BUFFER, .v.buf = bx},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)first},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)c->len},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)ACCEL__REDUCE_SEG},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)c->segs},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)begin},
            {.type = ACCEL__ARG_I64, .v.i64 = (int64_t)n},
            {.type = ACCEL__ARG_I32, .v.i32 = (int32_t)c->op},
        };
        st = accel__devq_launch(q, k, &geom, args, 9);
    }
    if (st == ACCEL_OK) st = accel__devq_sync(q);
    if (st == ACCEL_OK) st = accel__devq_copy_d2h(q, host, bp, 0, part_bytes);
    if (st == ACCEL_OK) take_partials(c, begin, n, host, ff);
    accel__devq_free(q, bp);
    accel__devq_free(q, bx);
    free(host);
    return st;
}

static const char *const reduce_kernels[] = {"ak_reduce_ff", NULL};

const accel__op accel__op_reduce = {
    .name = "reduce",
    .n_items = reduce_items,
    .bytes_fixed = reduce_fixed,
    .bytes_per_item = reduce_per_item,
    .run_cpu = reduce_run_cpu,
    .run_device = reduce_run_device,
    .kernels = reduce_kernels,
};
