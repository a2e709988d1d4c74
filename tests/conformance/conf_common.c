/* conf_common.c — random numbers, poison, independent references, batched runs. */
#include "conf.h"

#include <float.h>
#include <stdarg.h>

uint64_t conf_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

double conf_uniform(uint64_t *s) { return (double)(conf_rand(s) >> 11) * 0x1p-53; }

void conf_poison(void *p, size_t bytes) { memset(p, 0xFF, bytes); }

int conf_is_poison(const void *p, size_t bytes)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < bytes; i++)
        if (b[i] != 0xFF) return 0;
    return 1;
}

/* half -> float by its definition: (-1)^s · 2^(e-15) · 1.m, or 2^-14 · 0.m */
float conf_ref_f16_to_f32(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 31) return m ? NAN : (s ? -INFINITY : INFINITY);
    if (e == 0)
        v = ldexp((double)m, -24);
    else
        v = ldexp(1024.0 + m, e - 25);
    return (float)(s ? -v : v);
}

/* float -> half: scale to the half's quantum, round with nearbyint (ties to even in the
 * default rounding mode), rebuild. */
uint16_t conf_ref_f32_to_f16(float f)
{
    if (isnan(f)) return 0x7e00;
    uint16_t sign = signbit(f) ? 0x8000 : 0;
    double a = fabs((double)f);
    if (a == 0.0) return sign;
    int e;
    frexp(a, &e);   /* a = f·2^e, f in [0.5, 1): the leading bit is 2^(e-1) */
    int q = e - 11; /* quantum 2^(e-1-10) for 11 significant bits */
    if (q < -24) q = -24; /* subnormal quantum */
    double r = nearbyint(ldexp(a, -q));
    double v = ldexp(r, q);
    if (v >= 65536.0) return sign | 0x7c00;
    if (v < 0x1p-14) return (uint16_t)(sign | (uint16_t)r); /* subnormal: r quanta of 2^-24 */
    int ve;
    double fr = frexp(v, &ve); /* v = fr·2^ve, fr in [0.5, 1) */
    int eh = ve - 1 + 15;
    int mh = (int)(ldexp(fr, 11) - 1024.0);
    return (uint16_t)(sign | (eh << 10) | mh);
}

float conf_ulp(float f)
{
    float a = fabsf(f);
    if (isinf(a) || isnan(a)) return 0.0f;
    return nextafterf(a, INFINITY) - a;
}

void conf_mismatch(conf_tally *t, const char *fmt, ...)
{
    if (t->mismatches++ < 12) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "  MISMATCH: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    accel_test_failures++;
}

accel_status conf_exec(const conf_dev *d, const accel__op *op, void *call)
{
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_status st = accel__exec_on(d->ctx, d->index, op, call, &rec);
    if (st == ACCEL_OK && rec.device_used != (int)d->index)
        TEST_FAIL_("%s ran on device %d, asked for %zu", op->name, rec.device_used, d->index);
    return st;
}

accel_status conf_run_batched(const conf_dev *d, const accel__op *op, void *call, int batches,
                              uint64_t *seed)
{
    size_t n = op->n_items(call), b = 0;
    for (int k = batches; k > 0 && b < n; k--) {
        size_t left = n - b;
        size_t take = k == 1 ? left : 1 + (size_t)(conf_rand(seed) % (left / (size_t)k * 2 + 1));
        if (take > left) take = left;
        FORWARD_IF_ERROR(d->dev->ops->run(d->dev, op, call, b, b + take));
        b += take;
    }
    if (b < n) FORWARD_IF_ERROR(d->dev->ops->run(d->dev, op, call, b, n));
    return ACCEL_OK;
}
