/* The benchmark engine on a fake GPU and the CPU: statistics, device selection, success rate
 * and the fallback record when a timed call falls back (and when ACCEL_STRICT refuses it),
 * bytes counted by the copy wrappers, bandwidth fractions, the analysis against the CPU; then
 * the JSON report validated against docs/schemas/bench.schema.json and the SVG chart parsed
 * as XML (tests/exec/check_bench.py, with /usr/bin/python3).
 * Arguments: SCHEMA CHECKER OUTPUT_DIR. */
#include "test.h"
#include "fake.h"
#include "core/bench.h"

#include <unistd.h>

static const accel__op *scale_get(void) { return &scale_op; }

static accel_status scale_make(size_t items, size_t item_size, void **call, size_t *in, size_t *out)
{
    (void)item_size;
    *call = scale_new(items, 2.0f);
    *in = *out = items * sizeof(float);
    return ACCEL_OK;
}

static void scale_destroy(void *c) { scale_free(c); }

static const accel__bench_case scale_case = {
    .op = "scale_test",
    .about = "y = k·x + 1 on float32 (test operation)",
    .sizes = {100, 1000, 10000},
    .get_op = scale_get,
    .make = scale_make,
    .destroy = scale_destroy,
};

/* An operation whose first call in a process is slow (as a device building kernels for a new
 * shape is), every later one quick. */
static int slow_first_calls;
static accel_status slow_first_cpu(accel__device *d, void *call, size_t b, size_t e)
{
    if (slow_first_calls++ == 0) usleep(300 * 1000);
    return scale_cpu(d, call, b, e);
}
static const accel__op slow_first_op = {
    .name = "slow_first_test",
    .n_items = scale_items,
    .bytes_fixed = scale_fixed,
    .bytes_per_item = scale_per_item,
    .run_cpu = slow_first_cpu,
};
static const accel__op *slow_first_get(void) { return &slow_first_op; }
static const accel__bench_case slow_first_case = {
    .op = "slow_first_test",
    .about = "y = k·x + 1, the first call 300 ms (test operation)",
    .sizes = {100, 1000, 10000},
    .get_op = slow_first_get,
    .make = scale_make,
    .destroy = scale_destroy,
};

/* --quick does not time a first call's set-up as the operation: one call is a warm-up, and a
 * first call much slower than the rest is named in the report. */
static void test_quick_warms_up(void)
{
    accel_ctx *ctx = fake_ctx(NULL, 0);
    static const char *const ops[] = {"slow_first_test"};
    accel__bench_opts o = {.ops = ops, .n_ops = 1, .quick = 1, .devices = "cpu",
                           .bandwidth_bytes = (size_t)1 << 20};
    accel__bench_report *r = NULL;
    ASSERT_OK(accel__bench_run(ctx, &o, &r));
    if (!r) return;
    ASSERT_EQ_INT(r->opts.warmup, 1);
    ASSERT_EQ_INT(r->n_results, 1);
    const accel__bench_result *x = &r->results[0];
    ASSERT_EQ_INT(x->successes, x->iterations);
    ASSERT_TRUE(x->first_call_ms >= 250);
    if (!(x->e2e.max < 150)) TEST_FAIL_("a timed call took %.1f ms: the first call was timed", x->e2e.max);
    char *text = NULL;
    size_t len = 0;
    FILE *ft = open_memstream(&text, &len);
    accel__bench_write_text(ctx, r, ft);
    fclose(ft);
    ASSERT_CONTAINS(text, "first calls, not timed");
    ASSERT_CONTAINS(text, "slow_first_test small on device 0");
    free(text);
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);
}

/* Verdicts read as ratios, never as percentages like "-2021166.3 %". */
static void test_ratio_text(void)
{
    char b[96];
    accel__bench_ratio_text(0.0589, b, sizeof b);
    ASSERT_STR_EQ(b, "0.059× the CPU (17× slower)");
    accel__bench_ratio_text(1.0 / 20212.0, b, sizeof b);
    ASSERT_STR_EQ(b, "4.9e-05× the CPU (20212× slower)");
    accel__bench_ratio_text(14.2, b, sizeof b);
    ASSERT_STR_EQ(b, "14× the CPU (14× faster)");
    accel__bench_ratio_text(3.17, b, sizeof b);
    ASSERT_STR_EQ(b, "3.2× the CPU (3.2× faster)");
    accel__bench_ratio_text(0.5, b, sizeof b);
    ASSERT_STR_EQ(b, "0.50× the CPU (2.0× slower)");
    accel__bench_ratio_text(1.02, b, sizeof b);
    ASSERT_STR_EQ(b, "1.02× the CPU (about the same)");
}

static void test_stats(void)
{
    double v[5] = {5, 1, 4, 2, 3};
    accel__bench_stats s;
    accel__bench_stats_of(v, 5, &s);
    ASSERT_NEAR(s.mean, 3, 1e-12);
    ASSERT_NEAR(s.median, 3, 1e-12);
    ASSERT_NEAR(s.min, 1, 1e-12);
    ASSERT_NEAR(s.max, 5, 1e-12);
    ASSERT_NEAR(s.p95, 5, 1e-12);
    ASSERT_NEAR(s.stddev, sqrt(2.5), 1e-12);
    double w[20];
    for (int i = 0; i < 20; i++) w[i] = 20 - i;
    accel__bench_stats_of(w, 20, &s);
    ASSERT_NEAR(s.median, 10.5, 1e-12);
    ASSERT_NEAR(s.p95, 19, 1e-12); /* nearest rank: the 19th of 20 */
    accel__bench_stats_of(w, 1, &s);
    ASSERT_NEAR(s.stddev, 0, 1e-12);
    ASSERT_EQ_INT(accel__bench_parse_size("medium", NULL), 1);
    size_t n = 0;
    ASSERT_EQ_INT(accel__bench_parse_size("1234", &n), 3);
    ASSERT_EQ_INT(n, 1234);
    ASSERT_EQ_INT(accel__bench_parse_size("0", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("-5", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("big", &n), -1);
}

/* --size N is digits only, 1..INT64_MAX: strtoull alone took " -5" as 2^64 - 5 items (a bench
 * of "18446744073709551611 items" that reported "items": -1 in JSON, against the schema) */
static void test_size_forms(void)
{
    size_t n = 0;
    ASSERT_EQ_INT(accel__bench_parse_size(" -5", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("+5", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size(" 7", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("7 ", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("18446744073709551615", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("9223372036854775808", &n), -1);
    ASSERT_EQ_INT(accel__bench_parse_size("9223372036854775807", &n), 3);
    ASSERT_TRUE(n == (size_t)INT64_MAX);
    ASSERT_EQ_INT(accel__bench_parse_size("007", &n), 3);
    ASSERT_EQ_INT(n, 7);
}

static void test_devices(void)
{
    accel_ctx *ctx = fake_ctx(NULL, 0);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    int idx[4];
    size_t n;
    ASSERT_OK(accel__bench_devices(ctx, "cpu", idx, &n));
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(idx[0], 1);
    ASSERT_OK(accel__bench_devices(ctx, "gpu", idx, &n));
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(idx[0], 0);
    ASSERT_OK(accel__bench_devices(ctx, "all", idx, &n));
    ASSERT_EQ_INT(n, 2);
    ASSERT_OK(accel__bench_devices(ctx, "opencl,cpu,0", idx, &n));
    ASSERT_EQ_INT(n, 2);
    ASSERT_OK(accel__bench_devices(ctx, "1", idx, &n));
    ASSERT_EQ_INT(idx[0], 1);
    ASSERT_STATUS(accel__bench_devices(ctx, "cuda", idx, &n), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(ctx), "--device cuda: no usable cuda device on this machine "
                                           "(devices: 0 opencl (fake0), 1 cpu (");
    ASSERT_STATUS(accel__bench_devices(ctx, "hip", idx, &n), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(ctx), "--device hip: no usable rocm device");
    /* a device named twice is timed once, and is no error */
    ASSERT_OK(accel__bench_devices(ctx, "all,cpu", idx, &n));
    ASSERT_EQ_INT(n, 2);
    ASSERT_STATUS(accel__bench_devices(ctx, "7", idx, &n), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(accel__bench_devices(ctx, "warp", idx, &n), ACCEL_ERR_INVALID_ARG);
    /* the words of every verb's --device, then bench's own */
    ASSERT_CONTAINS(accel_last_error(ctx), "--device warp: unknown device; allowed: auto, all, "
                                           "gpu, cuda, rocm, opencl, metal, cpu (hip = rocm, "
                                           "mps = metal), or a device index 0..1");
    ASSERT_STATUS(accel__bench_devices(ctx, "cdua", idx, &n), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "did you mean 'cuda'?");
    ASSERT_STATUS(accel__bench_devices(ctx, "-1", idx, &n), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "--device -1: a device index is 0 or more; allowed:");
    ASSERT_STATUS(accel__bench_devices(ctx, "+1", idx, &n), ACCEL_ERR_INVALID_ARG);
    /* read by the library's accel__device_word_read, as every verb's --device: the same
     * refusals in the same words */
    ASSERT_STATUS(accel__bench_devices(ctx, "99999999999999999999", idx, &n),
                  ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "no device has an index this large; allowed:");
    ASSERT_STATUS(accel__bench_devices(ctx, "cpu,01:00", idx, &n), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "--device 01:00: not a PCI bus id ([DOMAIN:]BUS:"
                                           "DEVICE.FUNCTION, hexadecimal); allowed:");
    ASSERT_STATUS(accel__bench_devices(ctx, "0000:7f:00.0", idx, &n), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "--device 0000:7f:00.0: no such device on this machine");
    /* auto: the one device selection chooses, as in the verbs that run on one device */
    size_t chosen = 9;
    ASSERT_OK(accel_select(ctx, NULL, &chosen, NULL));
    ASSERT_OK(accel__bench_devices(ctx, "auto", idx, &n));
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(idx[0], (int)chosen);
    ASSERT_OK(accel__bench_devices(ctx, "AUTO,cpu", idx, &n));
    ASSERT_EQ_INT(n, chosen == 1 ? 1 : 2);
    /* an empty name is refused, not read as "all" ("") or as no device at all (",") */
    ASSERT_OK(accel__bench_devices(ctx, NULL, idx, &n));
    ASSERT_EQ_INT(n, 2);
    const char *const empty[] = {"", ",", "0,", ",1", "0,,1"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        ASSERT_STATUS(accel__bench_devices(ctx, empty[i], idx, &n), ACCEL_ERR_INVALID_ARG);
        ASSERT_CONTAINS(accel_last_error(ctx), "an empty device name; allowed: auto, all, gpu");
    }
    accel_ctx_destroy(ctx);
}

static accel__bench_report *run(accel_ctx *ctx)
{
    static const char *const ops[] = {"scale_test", "empty"};
    accel__bench_opts o = {.ops = ops,
                           .n_ops = 2,
                           .size = "1000",
                           .iterations = 3,
                           .warmup = 1,
                           .devices = "all",
                           .bandwidth_bytes = (size_t)1 << 20};
    accel__bench_report *r = NULL;
    ASSERT_OK(accel__bench_run(ctx, &o, &r));
    return r;
}

static void test_report(const char *schema, const char *checker, const char *outdir)
{
    /* the second op-site call (the first timed one on the fake GPU) fails with a kernel error */
    accel_option o[2] = {{"ACCEL_FAULT", "kernel@op:scale_test:2"}, {"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx = fake_ctx(o, 2);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    /* a long name, as a GPU's can be: the chart's bars start right of it */
    snprintf(ctx->devs[0].info.name, sizeof ctx->devs[0].info.name,
             "NVIDIA GeForce RTX 4090 Laptop GPU (MAX-Q)");
    accel__bench_report *r = run(ctx);
    if (!r) return;
    ASSERT_EQ_INT(r->n_results, 4);
    const accel__bench_result *g = &r->results[0], *c = &r->results[1];
    ASSERT_STR_EQ(g->op, "scale_test");
    ASSERT_STR_EQ(g->size_label, "custom");
    ASSERT_EQ_INT(g->items, 1000);
    ASSERT_EQ_INT(g->device, 0);
    ASSERT_EQ_INT(g->iterations, 3);
    ASSERT_EQ_INT(g->successes, 2);
    ASSERT_CONTAINS(g->error, "ran on device 1 after kernel_error on device 0");
    ASSERT_EQ_INT(g->bytes_measured, 1);
    ASSERT_NEAR(g->bytes_moved, 8000, 1e-9);
    ASSERT_TRUE(g->e2e.min <= g->e2e.median && g->e2e.median <= g->e2e.max);
    ASSERT_NEAR(g->throughput, 1000 / (g->e2e.mean / 1e3), 1e-6 * g->throughput);
    ASSERT_TRUE(g->bandwidth_fraction > 0);
    ASSERT_EQ_INT(g->kernel_ms < 0, 1); /* the fake has no device timers */
    ASSERT_EQ_INT(c->device, 1);
    ASSERT_EQ_INT(c->successes, 3);
    ASSERT_EQ_INT(c->bytes_measured, 0);
    ASSERT_NEAR(c->bytes_moved, 8000, 1e-9);
    ASSERT_TRUE(c->bandwidth_fraction > 0);
    ASSERT_EQ_INT(r->n_fallbacks, 1);
    const accel__bench_fallback *fb = &r->fallbacks[0];
    ASSERT_EQ_INT(fb->phase_timed, 1);
    ASSERT_EQ_INT(fb->iteration, 1); /* the first timed call, numbered from 1 */
    ASSERT_EQ_INT(fb->reason, ACCEL_FALLBACK_KERNEL_ERROR);
    ASSERT_EQ_INT(fb->device_tried, 0);
    ASSERT_EQ_INT(fb->device_used, 1);
    ASSERT_CONTAINS(fb->message, "injected by ACCEL_FAULT=kernel@op:scale_test:2");
    ASSERT_EQ_INT(r->n_devices, 2);
    ASSERT_TRUE(r->devices[0].h2d_gbps > 0 && r->devices[0].d2h_gbps > 0);
    ASSERT_TRUE(r->devices[1].memcpy_gbps > 0);
    ASSERT_STR_EQ(r->results[2].op, "empty");

    char json[1024], svg[1024], cmd[4096];
    snprintf(json, sizeof json, "%s/bench_report.json", outdir);
    snprintf(svg, sizeof svg, "%s/bench_report.svg", outdir);
    FILE *fj = fopen(json, "w"), *fs = fopen(svg, "w");
    if (!fj || !fs) TEST_SKIP("cannot write into %s", outdir);
    accel__bench_write_json(ctx, r, fj);
    accel__bench_write_svg(ctx, r, fs);
    fclose(fj);
    fclose(fs);
    /* the text report names the fallback and the analysis */
    char *text = NULL;
    size_t len = 0;
    FILE *ft = open_memstream(&text, &len);
    accel__bench_write_text(ctx, r, ft);
    fclose(ft);
    ASSERT_CONTAINS(text, "kernel_error on device 0, ran on device 1");
    /* one headline per operation, as a ratio; no percentages, no bandwidth for "empty" */
    ASSERT_CONTAINS(text, "verdict (mean end-to-end time per call, against the CPU):\n"
                          "  scale_test custom (1000 items): ");
    ASSERT_CONTAINS(text, "\n  empty custom (1000 items): ");
    ASSERT_CONTAINS(text, "× the CPU (");
    ASSERT_TRUE(strstr(text, " %,") == NULL);
    ASSERT_TRUE(strstr(text, "0.00 ") == NULL);
    {
        /* the empty operation's rows: no GB/s figure */
        const char *row = strstr(text, "\nempty ");
        ASSERT_TRUE(row != NULL);
        if (row) {
            const char *eol = strchr(row + 1, '\n');
            char line[256];
            size_t k = eol ? (size_t)(eol - row) : strlen(row);
            if (k >= sizeof line) k = sizeof line - 1;
            memcpy(line, row, k);
            line[k] = '\0';
            ASSERT_CONTAINS(line, "        -      -");
        }
    }
    free(text);
    /* a slow call's bandwidth keeps its digits (it was "0.00" on a loaded machine) */
    for (size_t i = 0; i < r->n_results; i++)
        if (r->results[i].bytes_moved > 0 && r->results[i].successes > 0) {
            r->results[i].bandwidth_gbps = 0.000812;
            r->results[i].bandwidth_fraction = 0.0001;
            text = NULL;
            ft = open_memstream(&text, &len);
            accel__bench_write_text(ctx, r, ft);
            fclose(ft);
            ASSERT_CONTAINS(text, " 0.000812 ");
            ASSERT_TRUE(strstr(text, "0.00 ") == NULL);
            free(text);
            break;
        }
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' '%s' '%s'", checker, schema, json, svg);
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc))
        TEST_FAIL_("cannot run %s", cmd);
    else if (WEXITSTATUS(rc) == 77)
        TEST_SKIP("python3 jsonschema missing: report not validated");
    else if (WEXITSTATUS(rc) != 0)
        TEST_FAIL_("%s: exit %d", cmd, WEXITSTATUS(rc));

    /* strict: the fallback is refused and recorded as such */
    accel_option s[3] = {{"ACCEL_FAULT", "kernel@op:scale_test:2"},
                         {"ACCEL_LOG_LEVEL", "error"},
                         {"ACCEL_STRICT", "1"}};
    ctx = fake_ctx(s, 3);
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    r = run(ctx);
    if (!r) return;
    ASSERT_EQ_INT(r->results[0].successes, 2);
    ASSERT_CONTAINS(r->results[0].error, "ERR_STRICT");
    ASSERT_EQ_INT(r->n_fallbacks, 1);
    ASSERT_EQ_INT(r->fallbacks[0].refused, 1);
    ASSERT_EQ_INT(r->fallbacks[0].device_used, -1);
    snprintf(json, sizeof json, "%s/bench_report_strict.json", outdir);
    fj = fopen(json, "w");
    accel__bench_write_json(ctx, r, fj);
    fclose(fj);
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' '%s'", checker, schema, json);
    rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || (WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 77))
        TEST_FAIL_("%s failed", cmd);
}

/* A device that does not offer an operation is not timed through fallbacks: its result is
 * skipped, with the reason, and the run has no fallback. */
static void test_skips_unoffered(const char *schema, const char *checker, const char *outdir)
{
    accel_option o[1] = {{"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx = fake_ctx(o, 1);
    fake_dev f;
    fake_init(&f);
    f.supports = 0;
    fake_attach(ctx, &f, 1, 1);
    accel__bench_report *r = run(ctx);
    if (!r) return;
    ASSERT_EQ_INT(r->n_results, 4);
    const accel__bench_result *g = &r->results[0], *c = &r->results[1];
    ASSERT_EQ_INT(g->device, 0);
    ASSERT_EQ_INT(g->skipped, 1);
    ASSERT_EQ_INT(g->iterations, 0);
    ASSERT_EQ_INT(g->successes, 0);
    ASSERT_CONTAINS(g->skip, "the device lacks the kernels of scale_test");
    ASSERT_EQ_INT(c->skipped, 0);
    ASSERT_EQ_INT(c->successes, 3);
    ASSERT_EQ_INT(r->n_fallbacks, 0);
    ASSERT_EQ_INT(f.n_runs, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *ft = open_memstream(&text, &len);
    accel__bench_write_text(ctx, r, ft);
    fclose(ft);
    ASSERT_CONTAINS(text, "skipped: the device lacks the kernels of scale_test");
    ASSERT_CONTAINS(text, "the CPU (device 1) is fastest; device 0 (fake0) does not offer it");
    ASSERT_CONTAINS(text, "fallbacks: 0");
    free(text);
    char json[1024], cmd[4096];
    snprintf(json, sizeof json, "%s/bench_report_skipped.json", outdir);
    FILE *fj = fopen(json, "w");
    if (!fj) TEST_SKIP("cannot write into %s", outdir);
    accel__bench_write_json(ctx, r, fj);
    fclose(fj);
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' '%s'", checker, schema, json);
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc) || (WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 77))
        TEST_FAIL_("%s failed", cmd);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s SCHEMA CHECKER OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    ASSERT_OK(accel__bench_case_add(&scale_case));
    ASSERT_OK(accel__bench_case_add(&slow_first_case));
    test_ratio_text();
    test_quick_warms_up();
    test_stats();
    test_size_forms();
    test_devices();
    test_report(argv[1], argv[2], argv[3]);
    test_skips_unoffered(argv[1], argv[2], argv[3]);
    TEST_DONE();
}
