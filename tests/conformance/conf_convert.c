/* conf_convert.c — convert on one device: every source/destination pair, edge sizes, several
 * scales and offsets, random data including type limits, subnormals, infinities and NaN, and
 * one call of 2^24 + 5 elements, more than one device launch covers.
 * Tolerance (docs/ops.md): the result is the correctly rounded value of
 * round_f32(round_f32(x·scale) + offset), so float32 results must match the reference bit
 * for bit and float16 results must be the reference rounded to nearest even (0.5 ulp), NaN
 * for NaN. Devices that flush float32 subnormals to zero may instead match the reference
 * computed with flushing. */
#include "conf.h"

#include <float.h>

static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 31, 33, 255, 997, 65537, (1u << 20) + 3};
static const float params[][2] = {
    {1.0f, 0.0f}, {1.0f / 32768.0f, 0.0f}, {2.0f / 255.0f, -1.0f}, {3.7e-3f, 0.25f},
    {1000.0f, -7.5f}};
#define N_PARAMS (sizeof params / sizeof *params)

static void fill(accel_dtype t, void *p, size_t n, uint64_t *s)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = conf_rand(s);
        switch (t) {
        case ACCEL_U8: ((uint8_t *)p)[i] = (uint8_t)r; break;
        case ACCEL_I16:
            ((int16_t *)p)[i] = i % 7 == 1 ? (i % 2 ? INT16_MIN : INT16_MAX) : (int16_t)r;
            break;
        case ACCEL_I32: {
            int32_t v = (int32_t)(uint32_t)r; /* large values exercise int -> float rounding */
            if (i % 5 == 0) v >>= (int)(r >> 59); /* and smaller ones */
            if (i % 11 == 3) v = i % 2 ? INT32_MIN : INT32_MAX;
            ((int32_t *)p)[i] = v;
            break;
        }
        case ACCEL_F16: {
            uint16_t h = (uint16_t)r;
            if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) h &= 0x7fff; /* NaN: positive only */
            ((uint16_t *)p)[i] = h;
            break;
        }
        case ACCEL_F32: {
            uint32_t u;
            if (r % 10 < 7) {
                float f = (float)(conf_uniform(s) * 2000.0 - 1000.0);
                memcpy(&u, &f, 4);
            } else {
                u = (uint32_t)(r >> 32);
                if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu)) u &= 0x7fffffffu;
            }
            ((uint32_t *)p)[i] = u;
            break;
        }
        }
    }
}

static float load(accel_dtype t, const void *p, size_t i)
{
    switch (t) {
    case ACCEL_U8: return (float)((const uint8_t *)p)[i];
    case ACCEL_I16: return (float)((const int16_t *)p)[i];
    case ACCEL_I32: return (float)((const int32_t *)p)[i];
    case ACCEL_F16: return conf_ref_f16_to_f32(((const uint16_t *)p)[i]);
    case ACCEL_F32: return ((const float *)p)[i];
    }
    return NAN;
}

static float flush(float v) { return fabsf(v) < FLT_MIN ? copysignf(0.0f, v) : v; }

/* reference value, and the one a device flushing subnormals gives */
static void reference(float x, float scale, float offset, float *ref, float *ref_ftz)
{
    float t = x * scale;
    *ref = t + offset;
    float tf = flush(flush(x) * scale);
    *ref_ftz = flush(tf + offset);
}

static int same_f32(float got, float want)
{
    uint32_t g, w;
    memcpy(&g, &got, 4);
    memcpy(&w, &want, 4);
    if (isnan(want)) return isnan(got) && g != 0xFFFFFFFFu;
    return g == w;
}

static int same_f16(uint16_t got, uint16_t want)
{
    if ((want & 0x7c00) == 0x7c00 && (want & 0x3ff))
        return (got & 0x7c00) == 0x7c00 && (got & 0x3ff) && got != 0xFFFF;
    return got == want;
}

static void check(const conf_dev *d, conf_tally *t, const accel__convert_call *c)
{
    size_t ds = accel__dtype_size(c->dst_type);
    for (size_t i = 0; i < c->n; i++) {
        float ref, ref_ftz;
        reference(load(c->src_type, c->src, i), c->scale, c->offset, &ref, &ref_ftz);
        int ok;
        if (c->dst_type == ACCEL_F32) {
            float got = ((const float *)c->dst)[i];
            ok = same_f32(got, ref) || (!d->is_cpu && same_f32(got, ref_ftz));
            if (!ok)
                conf_mismatch(t, "convert %s->%s n=%zu scale=%g offset=%g [%zu]: got %a want %a",
                              accel__dtype_name(c->src_type), accel__dtype_name(c->dst_type),
                              c->n, (double)c->scale, (double)c->offset, i, (double)got,
                              (double)ref);
        } else {
            uint16_t got = ((const uint16_t *)c->dst)[i];
            uint16_t want = conf_ref_f32_to_f16(ref);
            ok = same_f16(got, want) ||
                 (!d->is_cpu && same_f16(got, conf_ref_f32_to_f16(ref_ftz)));
            if (!ok)
                conf_mismatch(t,
                              "convert %s->F16 n=%zu scale=%g offset=%g [%zu]: got 0x%04x want "
                              "0x%04x (from %a)",
                              accel__dtype_name(c->src_type), c->n, (double)c->scale,
                              (double)c->offset, i, got, want, (double)ref);
        }
        t->elements++;
    }
    if (!conf_is_poison((const unsigned char *)c->dst + c->n * ds, CONF_GUARD * ds))
        conf_mismatch(t, "convert %s->%s n=%zu wrote past the end",
                      accel__dtype_name(c->src_type), accel__dtype_name(c->dst_type), c->n);
}

/* One call larger than a device launch covers (2^16 groups of 256 work items, see
 * src/ops/basic/convert.c): the kernel's grid-stride loop takes each item past its first
 * element. */
static void big_case(const conf_dev *d, conf_tally *t, uint64_t *seed)
{
    const size_t n = ((size_t)1 << 24) + 5;
    accel__convert_call c = {.src_type = ACCEL_F32, .dst_type = ACCEL_F16, .n = n,
                             .scale = params[3][0], .offset = params[3][1]};
    void *src = malloc(n * 4), *dst = malloc((n + CONF_GUARD) * 2);
    if (!src || !dst) {
        conf_mismatch(t, "out of memory for a convert of %zu elements", n);
    } else {
        c.src = src;
        c.dst = dst;
        fill(c.src_type, src, n, seed);
        conf_poison(dst, (n + CONF_GUARD) * 2);
        accel_status st = conf_exec(d, &accel__op_convert, &c);
        t->cases++;
        if (st != ACCEL_OK)
            conf_mismatch(t, "convert ACCEL_F32->ACCEL_F16 n=%zu failed: %s (%s)", n,
                          accel_status_name(st), accel_last_error(d->ctx));
        else
            check(d, t, &c);
    }
    free(src);
    free(dst);
}

void conf_convert(const conf_dev *d, conf_tally *t)
{
    static const accel_dtype srcs[] = {ACCEL_U8, ACCEL_I16, ACCEL_I32, ACCEL_F16, ACCEL_F32};
    static const accel_dtype dsts[] = {ACCEL_F32, ACCEL_F16};
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    size_t max_n = sizes[sizeof sizes / sizeof *sizes - 1];
    void *src = malloc(max_n * 4), *dst = malloc((max_n + CONF_GUARD) * 4);
    void *again = malloc((max_n + CONF_GUARD) * 4);
    if (!src || !dst || !again) {
        TEST_FAIL_("out of memory");
        goto done;
    }
    for (size_t si = 0; si < 5; si++)
        for (size_t di = 0; di < 2; di++)
            for (size_t zi = 0; zi < sizeof sizes / sizeof *sizes; zi++)
                for (size_t pi = 0; pi < N_PARAMS; pi++) {
                    size_t n = sizes[zi];
                    if (n > 70000 && pi % 2) continue; /* big sizes: three parameter sets */
                    accel__convert_call c = {.src_type = srcs[si], .dst_type = dsts[di],
                                             .src = src, .dst = dst, .n = n,
                                             .scale = params[pi][0], .offset = params[pi][1]};
                    size_t ds = accel__dtype_size(c.dst_type);
                    fill(c.src_type, src, n, &seed);
                    conf_poison(dst, (n + CONF_GUARD) * ds);
                    accel_status st = conf_exec(d, &accel__op_convert, &c);
                    t->cases++;
                    if (st != ACCEL_OK) {
                        conf_mismatch(t, "convert %s->%s n=%zu failed: %s (%s)",
                                      accel__dtype_name(c.src_type),
                                      accel__dtype_name(c.dst_type), n, accel_status_name(st),
                                      accel_last_error(d->ctx));
                        continue;
                    }
                    check(d, t, &c);
                    if (n < 997 || pi != 0) continue;
                    /* the same call in uneven batches gives the same bits */
                    c.dst = again;
                    conf_poison(again, (n + CONF_GUARD) * ds);
                    st = conf_run_batched(d, &accel__op_convert, &c, 5, &seed);
                    t->batched++;
                    if (st != ACCEL_OK || memcmp(dst, again, (n + CONF_GUARD) * ds) != 0)
                        conf_mismatch(t, "convert %s->%s n=%zu in batches: %s",
                                      accel__dtype_name(c.src_type),
                                      accel__dtype_name(c.dst_type), n,
                                      st != ACCEL_OK ? accel_last_error(d->ctx)
                                                     : "results differ from one batch");
                }
    big_case(d, t, &seed);
done:
    free(src);
    free(dst);
    free(again);
}
