/* The fallback executor on a fake GPU: every reason (unavailable, oom, kernel_error,
 * disabled_by_config through ACCEL_<OP>_GPU=0 and ACCEL_ALL_GPU=0, unsupported_op), the right
 * result after a fallback, the record's fields, the counters, strict mode, lost devices, lazy
 * opening, partial progress, and counters under several threads. */
#include "test.h"
#include "fake.h"

static accel_op_stats stats_of(accel_ctx *ctx, const char *op)
{
    accel_op_stats s;
    memset(&s, 0, sizeof s);
    size_t n = 0;
    accel_stats_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        accel_op_stats t;
        accel_stats_get(ctx, i, &t);
        if (strcmp(t.op, op) == 0) s = t;
    }
    return s;
}

/* One fake device failing its runs with `st`: falls back to the CPU with `reason`. */
static void fallback_for_status(accel_status st, accel_fallback_reason reason)
{
    accel_option quiet = {"ACCEL_LOG_LEVEL", "error"};
    accel_ctx *ctx = fake_ctx(&quiet, 1);
    fake_dev f;
    fake_init(&f);
    f.run_status = st;
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(1000, 3.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(who_count(c, 'c', 0, 1000), 1000);
    ASSERT_EQ_INT(rec.device_planned, 0);
    ASSERT_EQ_INT(rec.device_used, 1);
    ASSERT_EQ_INT(rec.n_fallbacks, 1);
    ASSERT_EQ_INT(rec.reason, reason);
    ASSERT_CONTAINS(rec.message, "fails with");
    ASSERT_TRUE(rec.time_lost_ms >= 0 && rec.time_lost_ms <= rec.elapsed_ms);
    accel_op_stats s = stats_of(ctx, "scale_test");
    ASSERT_EQ_INT(s.calls, 1);
    ASSERT_EQ_INT(s.fallbacks[reason], 1);
    ASSERT_EQ_INT(s.failures, 0);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_success_on_device(void)
{
    accel_ctx *ctx = fake_ctx(NULL, 0);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(777, 0.5f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(who_count(c, 'g', 0, 777), 777);
    ASSERT_EQ_INT(rec.device_planned, 0);
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_NONE);
    ASSERT_EQ_INT(rec.n_splits, 0);
    ASSERT_STR_EQ(rec.message, "");
    ASSERT_EQ_INT(f.n_runs, 1);
    ASSERT_EQ_INT(f.used, 0); /* every buffer freed */
    /* an older, shorter record is filled only up to its struct_size */
    unsigned char small[64];
    memset(small, 0xAB, sizeof small);
    accel_run_record *old = (accel_run_record *)small;
    old->struct_size = offsetof(accel_run_record, n_fallbacks);
    ASSERT_OK(accel__exec(ctx, &scale_op, c, old));
    ASSERT_EQ_INT(old->device_used, 0);
    ASSERT_EQ_INT(small[offsetof(accel_run_record, n_fallbacks)], 0xAB);
    accel_op_stats s = stats_of(ctx, "scale_test");
    ASSERT_EQ_INT(s.calls, 2);
    ASSERT_EQ_INT(
        s.fallbacks[1] + s.fallbacks[2] + s.fallbacks[3] + s.fallbacks[4] + s.fallbacks[5], 0);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_fault_reasons(void)
{
    static const struct {
        const char *fault;
        accel_fallback_reason reason;
        const char *text;
    } cases[] = {
        {"launch@launch", ACCEL_FALLBACK_KERNEL_ERROR,
         "kernel launch failed (injected by ACCEL_FAULT=launch@launch"},
        {"kernel@op:scale_test", ACCEL_FALLBACK_KERNEL_ERROR, "kernel failed (injected"},
        {"unavailable@op:scale_test", ACCEL_FALLBACK_UNAVAILABLE, "device unavailable (injected"},
        {"unavailable@copy:1", ACCEL_FALLBACK_UNAVAILABLE,
         "injected by ACCEL_FAULT=unavailable@copy:1"},
        {"oom@alloc", ACCEL_FALLBACK_OOM, "out of memory (injected by ACCEL_FAULT=oom@alloc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        accel_option o[2] = {{"ACCEL_FAULT", cases[i].fault}, {"ACCEL_LOG_LEVEL", "error"}};
        accel_ctx *ctx = fake_ctx(o, 2);
        fake_dev f;
        fake_init(&f);
        fake_attach(ctx, &f, 1, 1);
        scale_call *c = scale_new(64, 2.0f);
        accel_run_record rec = {.struct_size = sizeof rec};
        ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
        ASSERT_EQ_INT(scale_wrong(c), 0);
        ASSERT_EQ_INT(rec.device_used, 1);
        ASSERT_EQ_INT(rec.reason, cases[i].reason);
        ASSERT_CONTAINS(rec.message, cases[i].text);
        ASSERT_EQ_INT(f.used, 0);
        if (cases[i].reason == ACCEL_FALLBACK_OOM) /* bisected down to one item first */
            ASSERT_EQ_INT(rec.n_splits, 6);
        scale_free(c);
        accel_ctx_destroy(ctx);
    }
}

static void test_lost(void)
{
    accel_option o[2] = {{"ACCEL_FAULT", "lost@copy:2"}, {"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx = fake_ctx(o, 2);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(100, 1.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec)); /* copy 1 (h2d) passes, copy 2 (d2h) is lost */
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNAVAILABLE);
    ASSERT_CONTAINS(rec.message, "device lost (injected");
    const accel_device_info *info;
    ASSERT_OK(accel_device_get(ctx, 0, &info));
    ASSERT_EQ_INT(info->usable, 0);
    ASSERT_CONTAINS(info->verdict, "device lost");
    /* later calls skip the lost device without trying it, and say so */
    int runs = f.n_runs;
    scale_call *c2 = scale_new(100, 4.0f);
    ASSERT_OK(accel__exec(ctx, &scale_op, c2, &rec));
    ASSERT_EQ_INT(scale_wrong(c2), 0);
    ASSERT_EQ_INT(f.n_runs, runs);
    ASSERT_EQ_INT(rec.device_planned, 0);
    ASSERT_EQ_INT(rec.device_used, 1);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNAVAILABLE);
    ASSERT_CONTAINS(rec.message, "was lost earlier");
    ASSERT_NEAR(rec.time_lost_ms, 0, 1e-9);
    accel_op_stats s = stats_of(ctx, "scale_test");
    ASSERT_EQ_INT(s.fallbacks[ACCEL_FALLBACK_UNAVAILABLE], 2);
    scale_free(c);
    scale_free(c2);
    accel_ctx_destroy(ctx);
}

static void test_disabled(const char *key, const char *value)
{
    accel_option o[3] = {{key, value}, {"ACCEL_LOG_LEVEL", "error"}, {"ACCEL_STRICT", "1"}};
    /* strict mode too: a GPU the user switched off is the user's plan, not a failure */
    for (int strict = 0; strict < 2; strict++) {
        accel_ctx *ctx = fake_ctx(o, strict ? 3 : 2);
        fake_dev f;
        fake_init(&f);
        fake_attach(ctx, &f, 1, 1);
        scale_call *c = scale_new(50, 2.0f);
        accel_run_record rec = {.struct_size = sizeof rec};
        ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
        ASSERT_EQ_INT(scale_wrong(c), 0);
        ASSERT_EQ_INT(f.n_runs, 0);
        ASSERT_EQ_INT(rec.device_planned, 0);
        ASSERT_EQ_INT(rec.device_used, 1);
        ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_DISABLED_BY_CONFIG);
        ASSERT_CONTAINS(rec.message, key);
        ASSERT_NEAR(rec.time_lost_ms, 0, 1e-9);
        accel_op_stats s = stats_of(ctx, "scale_test");
        ASSERT_EQ_INT(s.fallbacks[ACCEL_FALLBACK_DISABLED_BY_CONFIG], 1);
        scale_free(c);
        accel_ctx_destroy(ctx);
    }
}

static void test_unsupported(void)
{
    /* no device code at all */
    accel__op cpu_only = scale_op;
    cpu_only.name = "scale_cpu_only";
    cpu_only.run_device = NULL;
    accel_option quiet = {"ACCEL_LOG_LEVEL", "error"};
    accel_ctx *ctx = fake_ctx(&quiet, 1);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(10, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &cpu_only, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNSUPPORTED_OP);
    ASSERT_CONTAINS(rec.message, "no device code");
    ASSERT_EQ_INT(stats_of(ctx, "scale_cpu_only").fallbacks[ACCEL_FALLBACK_UNSUPPORTED_OP], 1);
    scale_free(c);
    accel_ctx_destroy(ctx);
    /* the backend answers "unsupported" */
    fallback_for_status(ACCEL_ERR_UNSUPPORTED, ACCEL_FALLBACK_UNSUPPORTED_OP);
    fallback_for_status(ACCEL_ERR_NOT_BUILT_IN, ACCEL_FALLBACK_UNSUPPORTED_OP);
}

static void test_strict(void)
{
    accel_option o[2] = {{"ACCEL_STRICT", "1"}, {"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx = fake_ctx(o, 2);
    fake_dev f;
    fake_init(&f);
    f.run_status = ACCEL_ERR_KERNEL;
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(20, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_STATUS(accel__exec(ctx, &scale_op, c, &rec), ACCEL_ERR_STRICT);
    const char *msg = accel_last_error(ctx);
    ASSERT_CONTAINS(msg, "device 0 (fake0)");
    ASSERT_CONTAINS(msg, "kernel_error");
    ASSERT_CONTAINS(msg, "ACCEL_STRICT=1 (api)");
    char cpu_name[300];
    snprintf(cpu_name, sizeof cpu_name, "device 1 (%s)", accel__cpu_device(ctx)->info.name);
    ASSERT_CONTAINS(msg, cpu_name);
    ASSERT_EQ_INT(who_count(c, 'c', 0, 20), 0); /* the CPU did not run */
    ASSERT_EQ_INT(rec.device_planned, 0);
    ASSERT_EQ_INT(rec.device_used, -1);
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_KERNEL_ERROR);
    accel_op_stats s = stats_of(ctx, "scale_test");
    ASSERT_EQ_INT(s.failures, 1);
    ASSERT_EQ_INT(s.fallbacks[ACCEL_FALLBACK_KERNEL_ERROR], 0);
    /* OOM bisection stays on the device, so strict mode allows it */
    f.run_status = ACCEL_OK;
    f.capacity = 8 * 16;
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(rec.n_splits, 1);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_not_a_device_failure(void)
{
    accel_ctx *ctx = fake_ctx(NULL, 0);
    fake_dev f;
    fake_init(&f);
    f.run_status = ACCEL_ERR_INVALID_ARG; /* the same inputs would fail anywhere */
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(20, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_STATUS(accel__exec(ctx, &scale_op, c, &rec), ACCEL_ERR_INVALID_ARG);
    ASSERT_EQ_INT(who_count(c, 'c', 0, 20), 0);
    ASSERT_EQ_INT(stats_of(ctx, "scale_test").failures, 1);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_partial_progress(void)
{
    /* batches of 100; the third device call fails: items 0..199 stay done on the device, the
     * CPU does 200..999 only */
    accel_option o[2] = {{"ACCEL_BATCH_SIZE", "100"}, {"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx = fake_ctx(o, 2);
    fake_dev f;
    fake_init(&f);
    f.run_status = ACCEL_ERR_KERNEL;
    f.fail_from_run = 3;
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(1000, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(who_count(c, 'g', 0, 200), 200);
    ASSERT_EQ_INT(who_count(c, 'c', 200, 1000), 800);
    ASSERT_EQ_INT(f.n_runs, 3);
    ASSERT_EQ_INT(f.run_end[1] - f.run_begin[1], 100);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_KERNEL_ERROR);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_two_devices(void)
{
    /* the first GPU fails, the second one runs it: the walk is the policy order, not "GPU then
     * CPU" */
    accel_option quiet = {"ACCEL_LOG_LEVEL", "error"};
    accel_ctx *ctx = fake_ctx(&quiet, 1);
    fake_dev f[2];
    fake_init(&f[0]);
    fake_init(&f[1]);
    f[0].run_status = ACCEL_ERR_UNAVAILABLE;
    fake_attach(ctx, f, 2, 1);
    scale_call *c = scale_new(33, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(who_count(c, 'g', 0, 33), 33);
    ASSERT_EQ_INT(rec.device_planned, 0);
    ASSERT_EQ_INT(rec.device_used, 1);
    ASSERT_EQ_INT(rec.n_fallbacks, 1);
    /* both fail: two fallbacks, the CPU finishes */
    f[1].run_status = ACCEL_ERR_KERNEL;
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(rec.device_used, 2);
    ASSERT_EQ_INT(rec.n_fallbacks, 2);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNAVAILABLE); /* the first fallback's reason */
    accel_op_stats s = stats_of(ctx, "scale_test");
    ASSERT_EQ_INT(s.fallbacks[ACCEL_FALLBACK_UNAVAILABLE], 2);
    ASSERT_EQ_INT(s.fallbacks[ACCEL_FALLBACK_KERNEL_ERROR], 1);
    accel_ctx_destroy(ctx);
    scale_free(c);
}

static void test_lazy_open(void)
{
    accel_option quiet = {"ACCEL_LOG_LEVEL", "error"};
    accel_ctx *ctx = fake_ctx(&quiet, 1);
    fake_dev f[2];
    fake_init(&f[0]);
    fake_init(&f[1]);
    f[1].open_status = ACCEL_ERR_KERNEL; /* kernels fail to build */
    fake_attach(ctx, f, 2, 0);
    scale_call *c = scale_new(10, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(f[0].opens, 1);
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(f[0].opens, 1); /* opened once */
    /* device 1 fails to open on first use: marked unusable, the call falls back */
    ASSERT_OK(accel__exec_from(ctx, 1, &scale_op, c, &rec));
    ASSERT_EQ_INT(rec.device_planned, 1);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_KERNEL_ERROR);
    ASSERT_CONTAINS(rec.message, "open failed");
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(ctx->devs[1].info.usable, 0);
    ASSERT_CONTAINS(ctx->devs[1].info.verdict, "open failed");
    ASSERT_EQ_INT(scale_wrong(c), 0);
    scale_free(c);
    accel_ctx_destroy(ctx);

    /* ACCEL_FAULT=unavailable@open on the lazy open */
    accel_option o[2] = {{"ACCEL_FAULT", "unavailable@open"}, {"ACCEL_LOG_LEVEL", "error"}};
    ctx = fake_ctx(o, 2);
    fake_init(&f[0]);
    fake_attach(ctx, f, 1, 0);
    c = scale_new(10, 2.0f);
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(f[0].opens, 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_UNAVAILABLE);
    ASSERT_EQ_INT(rec.device_used, 1);
    ASSERT_EQ_INT(scale_wrong(c), 0);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_exec_on(void)
{
    accel_option quiet = {"ACCEL_LOG_LEVEL", "error"};
    accel_ctx *ctx = fake_ctx(&quiet, 1);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(10, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec_on(ctx, 1, &scale_op, c, &rec));
    ASSERT_EQ_INT(who_count(c, 'c', 0, 10), 10);
    ASSERT_EQ_INT(rec.device_used, 1);
    f.run_status = ACCEL_ERR_KERNEL;
    ASSERT_STATUS(accel__exec_on(ctx, 0, &scale_op, c, &rec), ACCEL_ERR_KERNEL); /* no fallback */
    ASSERT_EQ_INT(rec.device_used, -1);
    ASSERT_STATUS(accel__exec_on(ctx, 7, &scale_op, c, &rec), ACCEL_ERR_NOT_FOUND);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

static void test_zero_items(void)
{
    accel_ctx *ctx = fake_ctx(NULL, 0);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    scale_call *c = scale_new(0, 2.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(f.n_runs, 0);
    scale_free(c);
    accel_ctx_destroy(ctx);
}

typedef struct {
    accel_ctx *ctx;
    int calls, bad;
} thread_arg;

static void *worker(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < a->calls; i++) {
        scale_call *c = scale_new(64, (float)(i % 7));
        accel_run_record rec = {.struct_size = sizeof rec};
        if (accel__exec(a->ctx, &scale_op, c, &rec) != ACCEL_OK || scale_wrong(c)) a->bad++;
        scale_free(c);
    }
    return NULL;
}

static void test_threads(void)
{
    /* every op-site call fails: every call falls back, and the counters add up exactly */
    accel_option o[2] = {{"ACCEL_FAULT", "kernel@op:scale_test"}, {"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx = fake_ctx(o, 2);
    fake_dev f;
    fake_init(&f);
    fake_attach(ctx, &f, 1, 1);
    pthread_t t[4];
    thread_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (thread_arg){ctx, 200, 0};
        pthread_create(&t[i], NULL, worker, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ASSERT_EQ_INT(a[i].bad, 0);
    }
    accel_op_stats s = stats_of(ctx, "scale_test");
    ASSERT_EQ_INT(s.calls, 800);
    ASSERT_EQ_INT(s.fallbacks[ACCEL_FALLBACK_KERNEL_ERROR], 800);
    ASSERT_EQ_INT(s.failures, 0);
    accel_ctx_destroy(ctx);
}

int main(void)
{
    test_success_on_device();
    fallback_for_status(ACCEL_ERR_UNAVAILABLE, ACCEL_FALLBACK_UNAVAILABLE);
    fallback_for_status(ACCEL_ERR_DEVICE_OOM, ACCEL_FALLBACK_OOM);
    fallback_for_status(ACCEL_ERR_KERNEL, ACCEL_FALLBACK_KERNEL_ERROR);
    test_fault_reasons();
    test_lost();
    test_disabled("ACCEL_SCALE_TEST_GPU", "0");
    test_disabled("ACCEL_ALL_GPU", "0");
    test_unsupported();
    test_strict();
    test_not_a_device_failure();
    test_partial_progress();
    test_two_devices();
    test_lazy_open();
    test_exec_on();
    test_zero_items();
    test_threads();
    TEST_DONE();
}
