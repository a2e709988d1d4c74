/* conf_reduce.c — reduce on one device: the five reductions over shapes from empty arrays to
 * one array of a million elements and many short ones, on data chosen to be hard (a large
 * mean, wide magnitudes, NaN and infinities), against long double references.
 * Tolerances (docs/ops.md), with ulp the float32 spacing at the reference, n = len,
 * S = Σ|x|, D = max|x - mean|:
 *   float64 accumulation (CPU; devices with fp64):
 *     sum ulp + n·2⁻⁵²·S   mean ulp + 2⁻⁵²·S   var ulp + n·2⁻⁵⁰·D²
 *   float-float accumulation (devices without fp64):
 *     sum ulp + 2⁻³⁶·S     mean ulp + 2⁻³⁶·S/n  var ulp + 2⁻³⁰·D²
 *   min, max: exact; any NaN in an array gives NaN for every reduction. */
#include "conf.h"

typedef struct shape {
    size_t arrays, len;
} shape;

static const shape shapes[] = {
    {1, 0},      {3, 0},        {1, 1},    {5, 1},          {1, 2},     {1, 17},
    {1, 997},    {13, 997},     {1000, 7}, {1, 65536},      {1, 65537}, {2, 65537},
    {3, 257},    {1, 3 * 65536 + 5}, {1, (1u << 20) + 3}};

enum { D_UNIFORM, D_OFFSET, D_INTEGER, D_SPECIAL, D_WIDE, N_DIST };
static const char *const dist_name[] = {"uniform", "offset", "integer", "special", "wide"};
static const char *const op_name[] = {"sum", "mean", "var", "min", "max"};

static void fill(float *x, size_t arrays, size_t len, int dist, uint64_t *s)
{
    for (size_t a = 0; a < arrays; a++) {
        float *xa = x + a * len;
        for (size_t i = 0; i < len; i++) {
            double u = conf_uniform(s) * 2.0 - 1.0;
            switch (dist) {
            case D_UNIFORM:
            case D_SPECIAL: xa[i] = (float)u; break;
            case D_OFFSET: xa[i] = (float)(1000.0 + u); break;
            case D_INTEGER: xa[i] = (float)(int)(u * 100.0); break;
            case D_WIDE: xa[i] = (float)ldexp(u < 0 ? -1.0 : 1.0, (int)(u * 30.0)); break;
            }
        }
        if (dist == D_SPECIAL && len) {
            size_t at = (size_t)(conf_rand(s) % len);
            if (a % 3 == 1) xa[at] = NAN;
            if (a % 3 == 2) xa[at] = INFINITY;
        }
    }
}

typedef struct ref {
    double value; /* float64 rounding of the long double reference */
    double tol;
} ref;

static ref reference(accel_reduce_op op, const float *x, size_t n, int ff)
{
    ref r = {0.0, 0.0};
    if (n == 0) {
        r.value = op == ACCEL_REDUCE_SUM ? 0.0 : NAN;
        return r;
    }
    int nan = 0;
    long double sum = 0.0L, abs_sum = 0.0L;
    float mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) nan = 1;
        sum += x[i];
        abs_sum += fabsl((long double)x[i]);
        if (x[i] < mn) mn = x[i];
        if (x[i] > mx) mx = x[i];
    }
    long double mean = sum / (long double)n, m2 = 0.0L, dev = 0.0L;
    for (size_t i = 0; i < n; i++) {
        long double d = (long double)x[i] - mean;
        m2 += d * d;
        if (fabsl(d) > dev) dev = fabsl(d);
    }
    double S = (double)abs_sum, D = (double)dev, N = (double)n;
    switch (op) {
    case ACCEL_REDUCE_SUM:
        r.value = (double)sum;
        r.tol = ff ? 0x1p-36 * S : N * 0x1p-52 * S;
        break;
    case ACCEL_REDUCE_MEAN:
        r.value = (double)mean;
        r.tol = ff ? 0x1p-36 * S / N : 0x1p-52 * S;
        break;
    case ACCEL_REDUCE_VAR:
        r.value = (double)(m2 / (long double)n);
        r.tol = ff ? 0x1p-30 * D * D : N * 0x1p-50 * D * D;
        break;
    case ACCEL_REDUCE_MIN: r.value = mn; break;
    case ACCEL_REDUCE_MAX: r.value = mx; break;
    }
    if (nan) r.value = NAN;
    r.tol += conf_ulp((float)r.value);
    return r;
}

/* Runs one case: prepare, execute (whole or in batches), finish into out. */
static accel_status run(const conf_dev *d, accel__reduce_call *c, int batches, uint64_t *seed)
{
    FORWARD_IF_ERROR(accel__reduce_prepare(c));
    accel_status st = batches > 1 ? conf_run_batched(d, &accel__op_reduce, c, batches, seed)
                                  : conf_exec(d, &accel__op_reduce, c);
    if (st != ACCEL_OK) {
        accel__reduce_release(c);
        return st;
    }
    accel__reduce_finish(c);
    return ACCEL_OK;
}

static void one_case(const conf_dev *d, conf_tally *t, float *x, float *out, float *again,
                     const shape *sh, accel_reduce_op op, int dist, int ff, uint64_t *seed)
{
    accel__reduce_call c = {.op = op, .x = x, .n_arrays = sh->arrays, .len = sh->len,
                            .out = out, .force_float_float = ff};
    conf_poison(out, (sh->arrays + CONF_GUARD) * sizeof(float));
    accel_status st = run(d, &c, 1, seed);
    t->cases++;
    const char *how = ff ? " (float-float)" : "";
    if (st != ACCEL_OK) {
        conf_mismatch(t, "reduce %s%s %zu×%zu %s failed: %s (%s)", op_name[op], how, sh->arrays,
                      sh->len, dist_name[dist], accel_status_name(st), accel_last_error(d->ctx));
        return;
    }
    int ff_tol = ff || (!d->is_cpu && d->dev->info.fp64 != 1);
    for (size_t a = 0; a < sh->arrays; a++) {
        ref r = reference(op, x + a * sh->len, sh->len, ff_tol);
        double got = out[a];
        int ok = isnan(r.value) ? isnan(out[a]) && !conf_is_poison(&out[a], sizeof(float))
                                : fabs(got - r.value) <= r.tol ||
                                      (isinf(r.value) && got == r.value);
        if (!ok)
            conf_mismatch(t, "reduce %s%s %zu×%zu %s, array %zu: got %.9g want %.9g (tol %.3g)",
                          op_name[op], how, sh->arrays, sh->len, dist_name[dist], a, got,
                          r.value, r.tol);
        else if (r.tol > 0 && !isnan(r.value) && !isinf(r.value)) {
            double q = fabs(got - r.value) / r.tol;
            if (q > t->worst) t->worst = q;
        }
        t->elements++;
    }
    if (!conf_is_poison(out + sh->arrays, CONF_GUARD * sizeof(float)))
        conf_mismatch(t, "reduce %s %zu×%zu wrote past the end", op_name[op], sh->arrays,
                      sh->len);
    if (sh->arrays * ((sh->len + ACCEL__REDUCE_SEG - 1) / ACCEL__REDUCE_SEG) < 2) return;
    /* the same call in uneven batches gives the same bits (segments do not move) */
    c.out = again;
    conf_poison(again, (sh->arrays + CONF_GUARD) * sizeof(float));
    st = run(d, &c, 4, seed);
    t->batched++;
    if (st != ACCEL_OK || memcmp(out, again, (sh->arrays + CONF_GUARD) * sizeof(float)) != 0)
        conf_mismatch(t, "reduce %s%s %zu×%zu %s in batches: %s", op_name[op], how, sh->arrays,
                      sh->len, dist_name[dist],
                      st != ACCEL_OK ? accel_last_error(d->ctx) : "results differ from one batch");
}

void conf_reduce(const conf_dev *d, conf_tally *t)
{
    size_t max_x = 0, max_a = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        if (shapes[i].arrays * shapes[i].len > max_x) max_x = shapes[i].arrays * shapes[i].len;
        if (shapes[i].arrays > max_a) max_a = shapes[i].arrays;
    }
    float *x = malloc((max_x + 1) * sizeof *x);
    float *out = malloc((max_a + CONF_GUARD) * sizeof *out);
    float *again = malloc((max_a + CONF_GUARD) * sizeof *again);
    uint64_t seed = 0xD1B54A32D192ED03ull;
    if (!x || !out || !again) {
        TEST_FAIL_("out of memory");
        goto done;
    }
    /* float-float too where the device would otherwise use float64 (the CPU has one path) */
    int ff_runs = d->is_cpu ? 1 : 2;
    for (int ff = 0; ff < ff_runs; ff++)
        for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
            for (int dist = 0; dist < N_DIST; dist++) {
                const shape *sh = &shapes[si];
                if (sh->len > 70000 && (dist == D_INTEGER || dist == D_WIDE)) continue;
                fill(x, sh->arrays, sh->len, dist, &seed);
                for (int op = 0; op < 5; op++)
                    one_case(d, t, x, out, again, sh, (accel_reduce_op)op, dist, ff, &seed);
            }
done:
    free(x);
    free(out);
    free(again);
}
