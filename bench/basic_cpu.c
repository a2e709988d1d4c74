/* basic_cpu.c — convert and reduce on the CPU against this machine's memcpy bandwidth.
 *
 *   accel_bench_basic_cpu [--sizes N,N,...] [--iterations K] [--threads T]
 *
 * For each case and size: K runs of memcpy moving the same number of bytes as the operation —
 * split over the pool's threads, and on one thread (the C library switches to non-temporal
 * stores only for single copies above a size threshold, so either can be the faster) — then
 * K runs of the operation through the public API (accel_convert / accel_reduce, CPU device).
 * Measuring the yardstick right next to each case keeps both under the same conditions on a
 * machine whose bandwidth drifts (a shared virtual machine can vary by 2× within minutes).
 * Bandwidth counts bytes read + bytes written: an f32 -> f32 convert of n elements moves 8n
 * bytes, a memcpy of B bytes moves 2B, a reduce of n floats moves 4n. Reported per case:
 * best and median time, best-of bandwidth of the operation and of the faster memcpy, and
 * their ratio. Reductions only read, and one core's read stream is slower than a copy's read
 * + write total, so for them a read-only yardstick is timed too: the C library's memchr over
 * the same bytes (fraction_of_read). Prints one JSON document.
 * Built by CMake as the optional target accel_bench_basic_cpu; bench/basic_numpy.py runs it
 * next to numpy on the same sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/cpu/cpu.h"
#include "core/internal.h"
#include "ops/basic/basic.h"

typedef struct conv_case {
    const char *name;
    accel_dtype s, d;
    float scale, offset;
} conv_case;

static const conv_case conv_cases[] = {
    {"i16_to_f32", ACCEL_I16, ACCEL_F32, 1.0f / 32768.0f, 0.0f},
    {"u8_to_f32", ACCEL_U8, ACCEL_F32, 2.0f / 255.0f, -1.0f},
    {"f32_to_f16", ACCEL_F32, ACCEL_F16, 1.0f, 0.0f},
    {"f16_to_f32", ACCEL_F16, ACCEL_F32, 1.0f, 0.0f},
    {"f32_to_f32", ACCEL_F32, ACCEL_F32, 0.5f, 1.0f},
};
static const char *const red_names[] = {"sum", "mean", "var", "min", "max"};

typedef struct bench {
    accel_ctx *ctx;
    int iters;
    unsigned char *msrc, *mdst; /* memcpy buffers */
    double *op_ms, *cp_ms, *cp1_ms;
    accel__json *j;
} bench;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fills the source with finite values of its type (the same as bench/basic_numpy.py). */
static void fill(accel_dtype t, void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case ACCEL_U8: ((uint8_t *)p)[i] = (uint8_t)(i % 251); break;
        case ACCEL_I16: ((int16_t *)p)[i] = (int16_t)((i * 7) % 65536 - 32768); break;
        case ACCEL_I32: ((int32_t *)p)[i] = (int32_t)(i % 100000); break;
        case ACCEL_F16: ((uint16_t *)p)[i] = (uint16_t)(0x3c00 + i % 1000); break;
        case ACCEL_F32: ((float *)p)[i] = (float)(i % 1000) * 0.01f; break;
        }
    }
}

typedef accel_status (*run_fn)(bench *b, const void *arg);

/* Read-only yardstick for reductions: the C library's memchr (vectorised like memcpy)
 * searching for a byte the buffer does not hold, one contiguous share per pool thread. */
typedef struct scan_job {
    const unsigned char *p;
    size_t bytes, chunk;
    int found;
} scan_job;

static void scan_chunks(void *arg, size_t t0, size_t t1)
{
    scan_job *s = arg;
    for (size_t t = t0; t < t1; t++) {
        size_t b = t * s->chunk, e = b + s->chunk > s->bytes ? s->bytes : b + s->chunk;
        if (memchr(s->p + b, 0xAB, e - b)) s->found = 1;
    }
}

static double memchr_ms(accel__pool *pool, const unsigned char *p, size_t bytes)
{
    size_t parts = (size_t)accel__pool_threads(pool);
    scan_job s = {p, bytes, (bytes / parts + 4095) & ~(size_t)4095, 0};
    double t0 = accel__now_ms();
    accel__pool_for(pool, (bytes + s.chunk - 1) / s.chunk, scan_chunks, &s);
    double ms = accel__now_ms() - t0;
    return s.found ? -1.0 : ms;
}

static void measure(bench *b, const char *op, const char *cs, size_t n, double bytes, run_fn fn,
                    const void *arg, int read_only)
{
    double rd_best = 1e300;
    size_t copy = (size_t)(bytes / 2);
    /* the yardstick right before the operation, as a block: a memcpy between two runs of the
     * operation would evict its data from the caches, which repeated calls in a pipeline keep */
    for (int it = 0; it < b->iters; it++) {
        b->cp_ms[it] = accel__cpu_memcpy_ms(b->ctx->cpu_pool, b->mdst, b->msrc, copy);
        b->cp1_ms[it] = accel__cpu_memcpy_ms(NULL, b->mdst, b->msrc, copy);
        if (read_only) {
            double r1 = memchr_ms(b->ctx->cpu_pool, b->msrc, (size_t)bytes);
            double r2 = memchr_ms(NULL, b->msrc, (size_t)bytes);
            if (r1 > 0 && r1 < rd_best) rd_best = r1;
            if (r2 > 0 && r2 < rd_best) rd_best = r2;
        }
    }
    fn(b, arg); /* warm: pages, threads, caches as a repeated call sees them */
    for (int it = 0; it < b->iters; it++) {
        double t0 = accel__now_ms();
        accel_status st = fn(b, arg);
        b->op_ms[it] = accel__now_ms() - t0;
        if (st != ACCEL_OK) {
            fprintf(stderr, "%s %s failed: %s\n", op, cs, accel_last_error(b->ctx));
            exit(1);
        }
    }
    qsort(b->op_ms, (size_t)b->iters, sizeof *b->op_ms, cmp_double);
    qsort(b->cp_ms, (size_t)b->iters, sizeof *b->cp_ms, cmp_double);
    qsort(b->cp1_ms, (size_t)b->iters, sizeof *b->cp1_ms, cmp_double);
    double best = b->op_ms[0], med = b->op_ms[b->iters / 2];
    double cp_best = b->cp_ms[0] < b->cp1_ms[0] ? b->cp_ms[0] : b->cp1_ms[0];
    double gbs = bytes / (best * 1e-3) / 1e9, cp = bytes / (cp_best * 1e-3) / 1e9;
    accel__json *j = b->j;
    accel__json_begin_object(j, NULL);
    accel__json_str(j, "operation", op);
    accel__json_str(j, "case", cs);
    accel__json_int(j, "n", (long long)n);
    accel__json_num(j, "min_ms", best);
    accel__json_num(j, "median_ms", med);
    accel__json_num(j, "bytes_moved", bytes);
    accel__json_num(j, "gb_per_s", gbs);
    accel__json_num(j, "memcpy_gb_per_s", cp);
    accel__json_num(j, "memcpy_threads_gb_per_s", bytes / (b->cp_ms[0] * 1e-3) / 1e9);
    accel__json_num(j, "memcpy_one_thread_gb_per_s", bytes / (b->cp1_ms[0] * 1e-3) / 1e9);
    accel__json_num(j, "fraction_of_memcpy", gbs / cp);
    if (read_only && rd_best < 1e300) {
        double rd = bytes / (rd_best * 1e-3) / 1e9;
        accel__json_num(j, "memchr_read_gb_per_s", rd);
        accel__json_num(j, "fraction_of_read", gbs / rd);
    }
    accel__json_end_object(j);
}

typedef struct conv_arg {
    const conv_case *cc;
    const void *src;
    void *dst;
    size_t n;
} conv_arg;

static accel_status run_convert(bench *b, const void *vp)
{
    const conv_arg *a = vp;
    return accel_convert(b->ctx, a->cc->s, a->src, a->cc->d, a->dst, a->n, a->cc->scale,
                         a->cc->offset, NULL);
}

typedef struct red_arg {
    accel_reduce_op op;
    const float *x;
    size_t n;
    float *out;
} red_arg;

static accel_status run_reduce(bench *b, const void *vp)
{
    const red_arg *a = vp;
    return accel_reduce(b->ctx, a->op, a->x, 1, a->n, a->out, NULL);
}

int main(int argc, char **argv)
{
    size_t sizes[8] = {(size_t)1 << 20, (size_t)1 << 24, (size_t)1 << 26};
    int n_sizes = 3, iters = 15;
    const char *threads = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            n_sizes = 0;
            for (char *p = argv[++i]; *p && n_sizes < 8;) {
                sizes[n_sizes++] = strtoull(p, &p, 10);
                if (*p == ',') p++;
            }
        } else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            iters = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--sizes N,N,...] [--iterations K] [--threads T]\n",
                    argv[0]);
            return 2;
        }
    }
    if (iters < 1 || iters > 1000) iters = 15;
    accel_option opt = {"ACCEL_NUM_THREADS", threads};
    bench b = {0};
    b.iters = iters;
    if (accel_ctx_create(&b.ctx, threads ? &opt : NULL, threads ? 1 : 0,
                         ACCEL_CTX_NO_DISCOVERY) != ACCEL_OK) {
        fprintf(stderr, "context: %s\n", accel_last_error(NULL));
        return 1;
    }
    accel__device *cpu = accel__cpu_device(b.ctx);
    size_t max_n = 0;
    for (int i = 0; i < n_sizes; i++)
        if (sizes[i] > max_n) max_n = sizes[i];
    void *src = malloc(max_n * 4), *dst = malloc(max_n * 4);
    b.msrc = malloc(max_n * 4);
    b.mdst = malloc(max_n * 4);
    float *out = malloc(sizeof *out);
    b.op_ms = calloc((size_t)iters, sizeof *b.op_ms);
    b.cp_ms = calloc((size_t)iters, sizeof *b.cp_ms);
    b.cp1_ms = calloc((size_t)iters, sizeof *b.cp1_ms);
    if (!src || !dst || !b.msrc || !b.mdst || !out || !b.op_ms || !b.cp_ms || !b.cp1_ms) {
        fprintf(stderr, "out of memory for %zu elements\n", max_n);
        return 1;
    }
    memset(dst, 0, max_n * 4);
    memset(b.msrc, 1, max_n * 4);
    memset(b.mdst, 2, max_n * 4);

    accel__json j;
    b.j = &j;
    accel__json_init(&j, stdout, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "benchmark", "convert and reduce on the CPU");
    accel__json_str(&j, "simd", accel__simd_name(accel__cpu_simd(cpu)));
    accel__json_int(&j, "threads", accel__pool_threads(b.ctx->cpu_pool));
    accel__json_int(&j, "iterations", iters);
    accel__json_num(&j, "memcpy_256MiB_gb_per_s", accel__cpu_membw_gbs(b.ctx->cpu_pool, 0));
    accel__json_str(&j, "convention",
                    "GB/s = (bytes read + bytes written) / best time; memcpy of the same bytes "
                    "timed in alternation with the operation");
    accel__json_begin_array(&j, "results");
    for (int zi = 0; zi < n_sizes; zi++) {
        size_t n = sizes[zi];
        for (size_t c = 0; c < sizeof conv_cases / sizeof *conv_cases; c++) {
            const conv_case *cc = &conv_cases[c];
            fill(cc->s, src, n);
            conv_arg a = {cc, src, dst, n};
            double bytes = (double)n * (double)(accel__dtype_size(cc->s) + accel__dtype_size(cc->d));
            measure(&b, "convert", cc->name, n, bytes, run_convert, &a, 0);
        }
        fill(ACCEL_F32, src, n);
        for (int op = 0; op < 5; op++) {
            red_arg a = {(accel_reduce_op)op, src, n, out};
            measure(&b, "reduce", red_names[op], n, (double)n * 4.0, run_reduce, &a, 1);
        }
    }
    accel__json_end_array(&j);
    accel__json_end_object(&j);
    accel__json_finish(&j);
    free(b.op_ms);
    free(b.cp_ms);
    free(b.cp1_ms);
    free(b.msrc);
    free(b.mdst);
    free(src);
    free(dst);
    free(out);
    accel_ctx_destroy(b.ctx);
    return 0;
}
