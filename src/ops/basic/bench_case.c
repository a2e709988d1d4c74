/* bench_case.c — convert, reduce and noop as `accel bench` cases (core/bench.h).
 *  - convert: int16 PCM → float32 scaled by 1/32768, an item is one sample;
 *  - convert-f16: float32 → float16, an item is one element;
 *  - reduce: the float64-accumulated variance of one float32 array (the reduction with the
 *    most arithmetic), an item is one element;
 *  - noop: one call that does nothing, for the executor's cost.
 * Inputs are deterministic pseudo-random values, made once per call size. */
#include "ops/basic/basic.h"
#include "core/bench.h"

#include <stdlib.h>
#include <string.h>

static uint32_t next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* ---- convert ---------------------------------------------------------------------------- */

typedef struct {
    accel__convert_call c; /* first: the engine passes this pointer to the operation */
    void *src, *dst;
} convert_case;

static void convert_destroy(void *p)
{
    convert_case *b = p;
    if (!b) return;
    free(b->src);
    free(b->dst);
    free(b);
}

static accel_status convert_make_types(accel_dtype st, accel_dtype dt, float scale, size_t items,
                                       void **call, size_t *in, size_t *out)
{
    convert_case *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory");
    size_t ss = accel__dtype_size(st), ds = accel__dtype_size(dt);
    b->src = malloc(items * ss + 1);
    b->dst = malloc(items * ds + 1);
    if (!b->src || !b->dst) {
        convert_destroy(b);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for %zu elements", items);
    }
    uint32_t s = 0x9e3779b9u;
    if (st == ACCEL_I16)
        for (size_t i = 0; i < items; i++) ((int16_t *)b->src)[i] = (int16_t)(next(&s) >> 16);
    else
        for (size_t i = 0; i < items; i++)
            ((float *)b->src)[i] = (float)(next(&s) >> 8) / 16777216.0f * 8.0f - 4.0f;
    b->c = (accel__convert_call){.src_type = st, .dst_type = dt, .src = b->src, .dst = b->dst,
                                 .n = items, .scale = scale, .offset = 0.0f};
    *in = items * ss;
    *out = items * ds;
    *call = b;
    return ACCEL_OK;
}

static accel_status convert_make(size_t items, size_t item_size, void **call, size_t *in,
                                 size_t *out)
{
    (void)item_size;
    return convert_make_types(ACCEL_I16, ACCEL_F32, 1.0f / 32768.0f, items, call, in, out);
}

static accel_status convert_f16_make(size_t items, size_t item_size, void **call, size_t *in,
                                     size_t *out)
{
    (void)item_size;
    return convert_make_types(ACCEL_F32, ACCEL_F16, 1.0f, items, call, in, out);
}

static const accel__op *convert_op(void) { return &accel__op_convert; }

const accel__bench_case accel__bench_case_convert = {
    .op = "convert",
    .about = "int16 PCM to float32 scaled by 1/32768; an item is one sample",
    .sizes = {1u << 16, 1u << 22, 1u << 26},
    .get_op = convert_op,
    .make = convert_make,
    .destroy = convert_destroy,
};

/* A second case over the same operation: the engine finds cases by name and runs get_op. */
const accel__bench_case accel__bench_case_convert_f16 = {
    .op = "convert-f16",
    .about = "float32 to float16, round to nearest even; an item is one element",
    .sizes = {1u << 16, 1u << 22, 1u << 26},
    .get_op = convert_op,
    .make = convert_f16_make,
    .destroy = convert_destroy,
};

/* ---- reduce ----------------------------------------------------------------------------- */

typedef struct {
    accel__reduce_call c; /* first */
    float *x;
    float out;
} reduce_case;

static void reduce_destroy(void *p)
{
    reduce_case *b = p;
    if (!b) return;
    accel__reduce_release(&b->c);
    free(b->x);
    free(b);
}

static accel_status reduce_make(size_t items, size_t item_size, void **call, size_t *in,
                                size_t *out)
{
    (void)item_size;
    reduce_case *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory");
    b->x = malloc(items * sizeof *b->x + 1);
    if (!b->x) {
        free(b);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for %zu elements", items);
    }
    uint32_t s = 0x85ebca6bu;
    for (size_t i = 0; i < items; i++) b->x[i] = (float)(next(&s) >> 8) / 16777216.0f + 100.0f;
    b->c = (accel__reduce_call){.op = ACCEL_REDUCE_VAR, .x = b->x, .n_arrays = 1, .len = items,
                                .out = &b->out};
    accel_status st = accel__reduce_prepare(&b->c);
    if (st != ACCEL_OK) {
        free(b->x);
        free(b);
        return st;
    }
    *in = items * sizeof *b->x;
    *out = sizeof b->out;
    *call = b;
    return ACCEL_OK;
}

static const accel__op *reduce_op(void) { return &accel__op_reduce; }

const accel__bench_case accel__bench_case_reduce = {
    .op = "reduce",
    .about = "variance of one float32 array, accumulated in float64; an item is one element",
    .sizes = {1u << 16, 1u << 22, 1u << 26},
    .get_op = reduce_op,
    .make = reduce_make,
    .destroy = reduce_destroy,
};

/* ---- noop ------------------------------------------------------------------------------- */

static accel_status noop_make(size_t items, size_t item_size, void **call, size_t *in,
                              size_t *out)
{
    (void)items;
    (void)item_size;
    accel__noop_call *c = calloc(1, sizeof *c);
    RETURN_ERROR_IF(!c, ACCEL_ERR_NO_MEMORY, "out of memory");
    *in = *out = 0;
    *call = c;
    return ACCEL_OK;
}

static const accel__op *noop_op(void) { return &accel__op_noop; }

const accel__bench_case accel__bench_case_noop = {
    .op = "noop",
    .about = "the registered operation that does nothing: dispatch cost; always one item",
    .sizes = {1, 1, 1},
    .get_op = noop_op,
    .make = noop_make,
    .destroy = free,
};
