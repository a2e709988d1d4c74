/* The planner's arithmetic: budgets with ACCEL_MEMORY_LIMIT_GB, ACCEL_MEMORY_FRACTION and the
 * keep-free margin; unified memory against a captured /proc and cgroup tree (v2 and v1); batch
 * plans from the formula with the ACCEL_BATCH_SIZE cap; a calibrated plan on a fake device
 * whose device code allocates exactly a + b·n; the executor's pre-plan; chunk plans. */
#include "test.h"
#include "fake.h"
#include "core/bench.h"
#include "core/planner.h"

#include <sys/stat.h>
#include <unistd.h>

#define GiB ((int64_t)1 << 30)
#define MiB ((int64_t)1 << 20)

static accel_ctx *ctx_with(const char *k1, const char *v1, const char *k2, const char *v2)
{
    accel_option o[3] = {{"ACCEL_LOG_LEVEL", "error"}, {k1, v1}, {k2, v2}};
    return fake_ctx(o, k2 ? 3 : k1 ? 2 : 1);
}

static fake_dev *gpu(accel_ctx *ctx, int64_t fr, int64_t total)
{
    static fake_dev f;
    fake_init(&f);
    f.has_mem_info = 1;
    f.mem_free = fr;
    f.mem_total = total;
    fake_attach(ctx, &f, 1, 1);
    return &f;
}

static void test_budgets(void)
{
    accel__budget b;
    /* 6 GiB free of 8: margin 5 % of 8 GiB */
    accel_ctx *ctx = ctx_with(NULL, NULL, NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    accel__device_budget(ctx, &ctx->devs[0], &b);
    int64_t margin = 8 * GiB / 100 * 5;
    ASSERT_EQ_INT(b.margin, margin);
    ASSERT_EQ_INT(b.budget, 6 * GiB - margin);
    ASSERT_STR_EQ(b.source, "measured now");
    ASSERT_CONTAINS(b.why, "keep-free");
    accel_ctx_destroy(ctx);
    /* a small device keeps 256 MiB free */
    ctx = ctx_with(NULL, NULL, NULL, NULL);
    gpu(ctx, 1 * GiB, 2 * GiB);
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget, 1 * GiB - 256 * MiB);
    accel_ctx_destroy(ctx);
    /* the limit caps it */
    ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "2", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget, 2 * GiB);
    ASSERT_CONTAINS(b.why, "ACCEL_MEMORY_LIMIT_GB=2 (api)");
    accel_ctx_destroy(ctx);
    /* a fraction of the total caps it */
    ctx = ctx_with("ACCEL_MEMORY_FRACTION", "0.25", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget, 2 * GiB);
    accel_ctx_destroy(ctx);
    /* both: the smaller wins; free memory below both wins over them */
    ctx = ctx_with("ACCEL_MEMORY_FRACTION", "0.5", "ACCEL_MEMORY_LIMIT_GB", "3");
    gpu(ctx, 6 * GiB, 8 * GiB);
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget, 3 * GiB);
    accel_ctx_destroy(ctx);
    ctx = ctx_with("ACCEL_MEMORY_FRACTION", "0.5", "ACCEL_MEMORY_LIMIT_GB", "3");
    gpu(ctx, 1 * GiB, 8 * GiB);
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget, GiB - margin); /* free memory less the margin is below both caps */
    accel_ctx_destroy(ctx);
    /* no memory information: the discovery figure, else unknown */
    ctx = ctx_with(NULL, NULL, NULL, NULL);
    fake_dev *f = gpu(ctx, 0, 0);
    f->has_mem_info = 0;
    ctx->devs[0].info.mem_free = 3 * GiB;
    ctx->devs[0].info.mem_total = 4 * GiB;
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_STR_EQ(b.source, "at discovery");
    ASSERT_EQ_INT(b.budget, 3 * GiB - 256 * MiB);
    ctx->devs[0].info.mem_free = ctx->devs[0].info.mem_total = -1;
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget, -1);
    accel_ctx_destroy(ctx);
    ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "1", "ACCEL_MEMORY_FRACTION", "0.5");
    f = gpu(ctx, 0, 0);
    f->has_mem_info = 0;
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.budget,
                  1 * GiB); /* the limit alone; the fraction of an unknown total is skipped */
    ASSERT_CONTAINS(b.why, "ACCEL_MEMORY_FRACTION ignored");
    accel_ctx_destroy(ctx);
}

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    if (!f) {
        TEST_FAIL_("cannot write %s", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void test_unified(void)
{
    char root[] = "/tmp/accel-planner-XXXXXX";
    if (!mkdtemp(root)) TEST_SKIP("cannot create a temporary directory");
    char proc[600], sys[600], sys1[600];
    snprintf(proc, sizeof proc, "%s/proc", root);
    snprintf(sys, sizeof sys, "%s/sys", root);
    snprintf(sys1, sizeof sys1, "%s/sys1", root);
    write_file(proc, "meminfo",
               "MemTotal:        8000000 kB\nMemFree:  100 kB\nMemAvailable:    4000000 kB\n");
    write_file(proc, "self/cgroup", "0::/test.slice/job\n");
    write_file(sys, "fs/cgroup/test.slice/memory.max", "2147483648\n");
    write_file(sys, "fs/cgroup/test.slice/memory.current", "1073741824\n");
    write_file(sys, "fs/cgroup/test.slice/job/memory.max", "max\n");
    write_file(sys, "fs/cgroup/test.slice/job/memory.current", "1000\n");
    setenv(ACCEL__ENV_PROCFS_ROOT, proc, 1);

    /* no cgroup files: host MemAvailable, margin 5 % of MemTotal */
    setenv(ACCEL__ENV_SYSFS_ROOT, root, 1);
    accel_ctx *ctx = ctx_with(NULL, NULL, NULL, NULL);
    accel__budget b;
    accel__device_budget(ctx, accel__cpu_device(ctx), &b);
    ASSERT_EQ_INT(b.free_bytes, (int64_t)4000000 * 1024);
    ASSERT_EQ_INT(b.total_bytes, (int64_t)8000000 * 1024);
    ASSERT_EQ_INT(b.margin, (int64_t)8000000 * 1024 / 100 * 5);
    ASSERT_STR_EQ(b.source, "host MemAvailable");

    /* meminfo values whose bytes do not fit int64_t are unknown, not wrapped (kB × 1024 was a
     * signed overflow); a negative cgroup usage is no usage */
    write_file(proc, "meminfo", "MemTotal: 9007199254740992 kB\nMemAvailable: 99999999999999999999 kB\n");
    int64_t host_total = 0;
    ASSERT_EQ_INT(accel__host_available(&host_total, NULL, 0), -1);
    ASSERT_EQ_INT(host_total, -1);
    write_file(proc, "meminfo", "MemTotal: 9007199254740991 kB\nMemAvailable:    4000000 kB\n");
    ASSERT_EQ_INT(accel__host_available(&host_total, NULL, 0), (int64_t)4000000 * 1024);
    ASSERT_EQ_INT(host_total, (int64_t)9007199254740991 * 1024);
    write_file(proc, "meminfo",
               "MemTotal:        8000000 kB\nMemFree:  100 kB\nMemAvailable:    4000000 kB\n");

    /* cgroup v2: the parent's limit − usage is the tightest (the job itself says "max") */
    setenv(ACCEL__ENV_SYSFS_ROOT, sys, 1);
    accel__device_budget(ctx, accel__cpu_device(ctx), &b);
    ASSERT_EQ_INT(b.free_bytes, GiB);
    ASSERT_EQ_INT(b.total_bytes, 2 * GiB);
    ASSERT_EQ_INT(b.budget, GiB - 256 * MiB);
    ASSERT_STR_EQ(b.source, "cgroup limit − usage");

    /* cgroup v1 */
    write_file(proc, "self/cgroup", "12:cpu,cpuacct:/x\n4:memory:/docker/abc\n");
    write_file(sys1, "fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "1610612736\n");
    write_file(sys1, "fs/cgroup/memory/docker/abc/memory.usage_in_bytes", "536870912\n");
    write_file(sys1, "fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    setenv(ACCEL__ENV_SYSFS_ROOT, sys1, 1);
    accel__device_budget(ctx, accel__cpu_device(ctx), &b);
    ASSERT_EQ_INT(b.free_bytes, GiB);
    ASSERT_EQ_INT(b.total_bytes, 1536 * MiB);
    /* a unified-memory GPU (PoCL, an iGPU) is budgeted the same way, whatever its driver says */
    fake_dev f;
    fake_init(&f);
    f.has_mem_info = 1;
    f.mem_free = 100 * GiB;
    f.mem_total = 100 * GiB;
    fake_attach(ctx, &f, 1, 1);
    ctx->devs[0].info.unified_memory = 1;
    accel__device_budget(ctx, &ctx->devs[0], &b);
    ASSERT_EQ_INT(b.free_bytes, GiB);
    accel_ctx_destroy(ctx);
    unsetenv(ACCEL__ENV_PROCFS_ROOT);
    unsetenv(ACCEL__ENV_SYSFS_ROOT);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", root);
}

static void test_fit(void)
{
    ASSERT_EQ_INT(accel__plan_fit(1100, 100, 10), 90); /* 1100/1.1 = 1000; (1000−100)/10 */
    ASSERT_EQ_INT(accel__plan_fit(1100, 0, 0), SIZE_MAX);
    ASSERT_EQ_INT(accel__plan_fit(1100, 1001, 0), 0);
    ASSERT_EQ_INT(accel__plan_fit(1100, 995, 10), 0);
    ASSERT_EQ_INT(accel__plan_fit(-1, 0, 10), 0);
}

/* ---- a registered case for plans: y = k·x + 1 with a formula and a device footprint ---- */

static int64_t cal_a = 4096, cal_b = 24;

static int64_t big_fixed(const void *c)
{
    (void)c;
    return MiB;
}

static accel_status cal_device(accel__devq *q, void *call, size_t b, size_t e)
{
    /* allocates exactly a + b·n (in two buffers, like real device code) and computes */
    accel__buffer *x = NULL, *y = NULL;
    size_t fixed = (size_t)cal_a, per = (size_t)cal_b * (e - b);
    FORWARD_IF_ERROR(accel__devq_alloc(q, fixed, &x));
    accel_status st = accel__devq_alloc(q, per, &y);
    if (st == ACCEL_OK) st = scale_cpu(NULL, call, b, e);
    accel__devq_free(q, y);
    accel__devq_free(q, x);
    return st;
}

static const accel__op plan_op = {
    .name = "plan_test",
    .n_items = scale_items,
    .bytes_fixed = big_fixed,
    .bytes_per_item = scale_per_item, /* 8 B per item by the formula */
    .run_cpu = scale_cpu,
    .run_device = cal_device,
};

static const accel__op *plan_get(void) { return &plan_op; }

static accel_status plan_make(size_t items, size_t item_size, void **call, size_t *in, size_t *out)
{
    (void)item_size;
    *call = scale_new(items, 2.0f);
    *in = *out = items * sizeof(float);
    return ACCEL_OK;
}

static void plan_destroy(void *c) { scale_free(c); }

/* a signal operation: frames of 400 samples every 160 → n frames for s seconds */
static size_t frames_of(double s, int rate) { return (size_t)(s * rate / 160); }

static accel_status signal_make(double seconds, int rate, void **call)
{
    *call = scale_new(frames_of(seconds, rate), 1.0f);
    return ACCEL_OK;
}

static int64_t frame_bytes(const void *c)
{
    (void)c;
    return 400 * 4 + 80 * 4;
}

static const accel__op signal_op = {
    .name = "signal_test",
    .n_items = scale_items,
    .bytes_fixed = big_fixed,
    .bytes_per_item = frame_bytes,
    .run_cpu = scale_cpu,
};
static const accel__op *signal_get(void) { return &signal_op; }

static const accel__bench_case plan_case = {
    .op = "plan_test",
    .about = "planner test",
    .sizes = {10, 100, 1000},
    .get_op = plan_get,
    .make = plan_make,
    .destroy = plan_destroy,
};
static const accel__bench_case signal_case = {
    .op = "signal_test",
    .about = "chunk planner test",
    .sizes = {10, 100, 1000},
    .get_op = signal_get,
    .make = plan_make,
    .destroy = plan_destroy,
    .make_signal = signal_make,
};

static void test_batch(void)
{
    accel_ctx *ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "1", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    accel_plan p = {.struct_size = sizeof p};
    ASSERT_OK(accel_plan_batch(ctx, "plan_test", 0, 0, 0, &p));
    ASSERT_EQ_INT(p.device, 0);
    ASSERT_EQ_INT(p.budget_bytes, GiB);
    ASSERT_EQ_INT(p.bytes_fixed, MiB);
    ASSERT_EQ_INT(p.bytes_per_item, 8);
    ASSERT_EQ_INT(p.calibrated, 0);
    ASSERT_EQ_INT(p.batch, (GiB * 10 / 11 - MiB) / 8);
    ASSERT_CONTAINS(p.why, "formula of plan_test");
    /* device < 0: the device selection would choose (the fake GPU) */
    ASSERT_OK(accel_plan_batch(ctx, "plan_test", 0, -1, 0, &p));
    ASSERT_EQ_INT(p.device, 0);
    ASSERT_STATUS(accel_plan_batch(ctx, "no_such_op", 0, 0, 0, &p), ACCEL_ERR_NOT_FOUND);
    ASSERT_STATUS(accel_plan_batch(ctx, "plan_test", 0, 9, 0, &p), ACCEL_ERR_NOT_FOUND);

    /* calibrated: two runs measure a + b·n exactly, replacing the formula */
    ASSERT_OK(accel_plan_batch(ctx, "plan_test", 0, 0, 1, &p));
    ASSERT_EQ_INT(p.calibrated, 1);
    ASSERT_EQ_INT(p.bytes_fixed, cal_a);
    ASSERT_EQ_INT(p.bytes_per_item, cal_b);
    ASSERT_EQ_INT(p.batch, (GiB * 10 / 11 - cal_a) / cal_b);
    ASSERT_CONTAINS(p.why, "calibrated");
    cal_a = 100000;
    cal_b = 1000;
    ASSERT_OK(accel_plan_batch(ctx, "plan_test", 0, 0, 1, &p));
    ASSERT_EQ_INT(p.bytes_fixed, cal_a);
    ASSERT_EQ_INT(p.bytes_per_item, cal_b);
    /* on the CPU nothing is allocated through the counting allocator: the formula stays */
    ASSERT_OK(accel_plan_batch(ctx, "plan_test", 0, 1, 1, &p));
    ASSERT_EQ_INT(p.calibrated, 0);
    ASSERT_EQ_INT(p.bytes_per_item, 8);
    ASSERT_CONTAINS(p.why, "no growth");
    accel_ctx_destroy(ctx);

    /* ACCEL_BATCH_SIZE caps the plan */
    ctx = ctx_with("ACCEL_BATCH_SIZE", "1000", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    ASSERT_OK(accel_plan_batch(ctx, "plan_test", 0, 0, 0, &p));
    ASSERT_EQ_INT(p.batch, 1000);
    ASSERT_CONTAINS(p.why, "ACCEL_BATCH_SIZE=1000 (api)");
    accel_ctx_destroy(ctx);

    /* nothing fits: an error that gives the numbers, with the plan filled in */
    ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "0.0005", NULL, NULL); /* 512 KiB < 1 MiB fixed */
    gpu(ctx, 6 * GiB, 8 * GiB);
    ASSERT_STATUS(accel_plan_batch(ctx, "plan_test", 0, 0, 0, &p), ACCEL_ERR_DEVICE_OOM);
    ASSERT_EQ_INT(p.batch, 0);
    ASSERT_CONTAINS(accel_last_error(ctx), "one item needs");
    accel_ctx_destroy(ctx);
}

static void test_exec_preplan(void)
{
    /* a budget of ~1 KiB: the executor splits by the formula before anything fails */
    accel_ctx *ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "0.000001", NULL, NULL); /* 1073 B */
    fake_dev *f = gpu(ctx, 6 * GiB, 8 * GiB);
    scale_call *c = scale_new(1000, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(rec.n_splits, 0);
    size_t want = 1073 * 10 / 11 / 8; /* 121 */
    ASSERT_EQ_INT(f->run_end[0] - f->run_begin[0], want);
    ASSERT_EQ_INT(f->n_runs, (int)((1000 + want - 1) / want));
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_chunk(void)
{
    accel_ctx *ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "0.01", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    accel_plan p = {.struct_size = sizeof p};
    ASSERT_OK(accel_plan_chunk(ctx, "signal_test", 600.0, 16000, 0, &p));
    /* bytes(s) = 1 MiB + frames(s)·1920 with 100 frames per second */
    int64_t b = (int64_t)(0.01 * (double)GiB);
    double per_s = 100.0 * 1920;
    double want = floor((double)(b * 10 / 11 - MiB) / per_s * 16000) / 16000;
    ASSERT_NEAR(p.chunk_seconds, want, 1e-9);
    ASSERT_EQ_INT(p.batch, (size_t)llround(want * 16000));
    ASSERT_EQ_INT(p.bytes_fixed, MiB);
    ASSERT_CONTAINS(p.why, "chunk(s) for 600.000 s");
    /* a short input fits whole */
    ASSERT_OK(accel_plan_chunk(ctx, "signal_test", 2.5, 16000, 0, &p));
    ASSERT_NEAR(p.chunk_seconds, 2.5, 1e-9);
    /* bad input */
    ASSERT_STATUS(accel_plan_chunk(ctx, "signal_test", 0, 16000, 0, &p), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(accel_plan_chunk(ctx, "signal_test", 10, 0, 0, &p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "rate 0 Hz");
    /* a signal of more than 2^53 samples: its chunk count was (long long) of 1e290 (INT64_MIN
     * in `accel plan --json`), its why cut in the middle of a 300-digit number */
    ASSERT_STATUS(accel_plan_chunk(ctx, "signal_test", 1e300, 16000, 0, &p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "allowed: at most 2^53 (9007199254740992) samples");
    ASSERT_STATUS(accel_plan_chunk(ctx, "signal_test", 9007199254740992.0 / 16000 * 2, 16000, 0, &p),
                  ACCEL_ERR_INVALID_ARG);
    ASSERT_OK(accel_plan_chunk(ctx, "signal_test", 9007199254740992.0 / 16000, 16000, 0, &p));
    accel_ctx_destroy(ctx);
    /* ACCEL_CHUNK_SECONDS overrides, never beyond the input */
    ctx = ctx_with("ACCEL_CHUNK_SECONDS", "30", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    ASSERT_OK(accel_plan_chunk(ctx, "signal_test", 600.0, 16000, 0, &p));
    ASSERT_NEAR(p.chunk_seconds, 30.0, 1e-9);
    ASSERT_CONTAINS(p.why, "ACCEL_CHUNK_SECONDS=30 (api)");
    ASSERT_OK(accel_plan_chunk(ctx, "signal_test", 12.0, 16000, 0, &p));
    ASSERT_NEAR(p.chunk_seconds, 12.0, 1e-9);
    /* an input shorter than one sample is not a device too small (it used to blame the budget) */
    ASSERT_STATUS(accel_plan_chunk(ctx, "signal_test", 1e-5, 16000, 0, &p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "shorter than one sample at 16000 Hz");
    ASSERT_TRUE(!strstr(accel_last_error(ctx), "fits device"));
    accel_ctx_destroy(ctx);
    /* nor is an ACCEL_CHUNK_SECONDS shorter than one sample */
    ctx = ctx_with("ACCEL_CHUNK_SECONDS", "0.00001", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    ASSERT_STATUS(accel_plan_chunk(ctx, "signal_test", 600.0, 16000, 0, &p), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(ctx), "ACCEL_CHUNK_SECONDS=0.00001 (from api): shorter than "
                                           "one sample at 16000 Hz");
    ASSERT_TRUE(!strstr(accel_last_error(ctx), "fits device"));
    /* without make_signal one item is one sample: plan_test at 8 B per sample */
    accel_ctx_destroy(ctx);
    ctx = ctx_with("ACCEL_MEMORY_LIMIT_GB", "0.01", NULL, NULL);
    gpu(ctx, 6 * GiB, 8 * GiB);
    ASSERT_OK(accel_plan_chunk(ctx, "plan_test", 3600.0, 48000, 0, &p));
    want = floor((double)(b * 10 / 11 - MiB) / (8.0 * 48000) * 48000) / 48000;
    ASSERT_NEAR(p.chunk_seconds, want, 1e-9);
    ASSERT_EQ_INT(p.bytes_per_item, 8);
    accel_ctx_destroy(ctx);
}

int main(void)
{
    ASSERT_OK(accel__bench_case_add(&plan_case));
    ASSERT_OK(accel__bench_case_add(&signal_case));
    ASSERT_STATUS(accel__bench_case_add(&plan_case), ACCEL_ERR_INVALID_ARG);
    test_budgets();
    test_unified();
    test_fit();
    test_batch();
    test_exec_preplan();
    test_chunk();
    TEST_DONE();
}
