/* OOM bisection on a fake device with a byte capacity: the result is complete and right, the
 * remembered sizes are the largest that worked and the smallest that failed, the next call
 * starts at the known-good size, and a new failure bisects between the two rather than
 * halving. */
#include "test.h"
#include "fake.h"

static void expect_runs(const fake_dev *f, int from, const size_t *sizes, int n)
{
    ASSERT_EQ_INT(f->n_runs - from, n);
    for (int i = 0; i < n && from + i < f->n_runs; i++) {
        size_t got = f->run_end[from + i] - f->run_begin[from + i];
        if (got != sizes[i]) {
            fprintf(stderr, "run %d: %zu items, expected %zu\n", from + i + 1, got, sizes[i]);
            ASSERT_EQ_INT(got, sizes[i]);
        }
    }
}

int main(void)
{
    accel_option quiet = {"ACCEL_LOG_LEVEL", "error"};
    accel_ctx *ctx = fake_ctx(&quiet, 1);
    fake_dev f;
    fake_init(&f);
    f.capacity = 300 * 8; /* 8 bytes per item: at most 300 items at once */
    fake_attach(ctx, &f, 1, 1);

    /* first call: 1000 fails, 500 fails, 250 works; the rest goes in 250s */
    scale_call *c = scale_new(1000, 3.0f);
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel__exec(ctx, &scale_op, c, &rec));
    ASSERT_EQ_INT(scale_wrong(c), 0);
    ASSERT_EQ_INT(who_count(c, 'g', 0, 1000), 1000);
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    ASSERT_EQ_INT(rec.n_splits, 2);
    ASSERT_TRUE(rec.time_lost_ms >= 0);
    static const size_t first[] = {1000, 500, 250, 250, 250, 250};
    expect_runs(&f, 0, first, 6);
    size_t good, bad;
    accel__exec_mem_get(ctx, &scale_op, 0, &good, &bad);
    ASSERT_EQ_INT(good, 250);
    ASSERT_EQ_INT(bad, 500);
    ASSERT_EQ_INT(f.used, 0);

    /* the next call starts at the known-good size: no failed attempt */
    scale_call *c2 = scale_new(1000, 5.0f);
    int from = f.n_runs;
    ASSERT_OK(accel__exec(ctx, &scale_op, c2, &rec));
    ASSERT_EQ_INT(scale_wrong(c2), 0);
    ASSERT_EQ_INT(rec.n_splits, 0);
    static const size_t second[] = {250, 250, 250, 250};
    expect_runs(&f, from, second, 4);

    /* a call below the known failure tries its full size; when that fails the next size is the
     * midpoint between the known-good 250 and the new failure (325, not 200), then 287 */
    scale_call *c3 = scale_new(400, 2.0f);
    from = f.n_runs;
    ASSERT_OK(accel__exec(ctx, &scale_op, c3, &rec));
    ASSERT_EQ_INT(scale_wrong(c3), 0);
    ASSERT_EQ_INT(rec.n_splits, 2);
    static const size_t third[] = {400, 325, 287, 113};
    expect_runs(&f, from, third, 4);
    accel__exec_mem_get(ctx, &scale_op, 0, &good, &bad);
    ASSERT_EQ_INT(good, 287);
    ASSERT_EQ_INT(bad, 325);

    /* the device shrinks below the known-good size: that size fails, memory of it is dropped,
     * and bisection continues down (halving, since nothing smaller is known to work) */
    f.capacity = 100 * 8;
    scale_call *c4 = scale_new(600, 1.0f);
    from = f.n_runs;
    ASSERT_OK(accel__exec(ctx, &scale_op, c4, &rec));
    ASSERT_EQ_INT(scale_wrong(c4), 0);
    ASSERT_EQ_INT(who_count(c4, 'g', 0, 600), 600);
    static const size_t fourth[] = {287, 143, 71, 71, 71, 71, 71, 71, 71, 71, 32};
    expect_runs(&f, from, fourth, 11);
    accel__exec_mem_get(ctx, &scale_op, 0, &good, &bad);
    ASSERT_EQ_INT(good, 71);
    ASSERT_EQ_INT(bad, 143);

    /* ACCEL_BATCH_SIZE caps every device call; OOM memory is per context */
    accel_option capped[2] = {{"ACCEL_BATCH_SIZE", "64"}, {"ACCEL_LOG_LEVEL", "error"}};
    accel_ctx *ctx2 = fake_ctx(capped, 2);
    fake_dev g;
    fake_init(&g);
    fake_attach(ctx2, &g, 1, 1);
    scale_call *c5 = scale_new(200, 2.0f);
    ASSERT_OK(accel__exec(ctx2, &scale_op, c5, &rec));
    ASSERT_EQ_INT(scale_wrong(c5), 0);
    static const size_t fifth[] = {64, 64, 64, 8};
    expect_runs(&g, 0, fifth, 4);
    /* … on the CPU too */
    scale_call *c6 = scale_new(200, 2.0f);
    ASSERT_OK(accel__exec_on(ctx2, 1, &scale_op, c6, &rec));
    ASSERT_EQ_INT(scale_wrong(c6), 0);

    /* nothing fits at all: bisect to one item, then fall back to the CPU with reason oom; the
     * items done before are not redone */
    g.capacity = 0;
    scale_call *c7 = scale_new(100, 2.0f);
    ASSERT_OK(accel__exec(ctx2, &scale_op, c7, &rec));
    ASSERT_EQ_INT(scale_wrong(c7), 0);
    ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_OOM);
    ASSERT_EQ_INT(rec.device_used, 1);
    ASSERT_EQ_INT(who_count(c7, 'c', 0, 100), 100);
    ASSERT_EQ_INT(rec.n_splits, 6); /* 64 → 32 → 16 → 8 → 4 → 2 → 1 */
    accel__exec_mem_get(ctx2, &scale_op, 0, &good, &bad);
    ASSERT_EQ_INT(good, 0);
    ASSERT_EQ_INT(bad, 1);

    scale_free(c);
    scale_free(c2);
    scale_free(c3);
    scale_free(c4);
    scale_free(c5);
    scale_free(c6);
    scale_free(c7);
    accel_ctx_destroy(ctx);
    accel_ctx_destroy(ctx2);
    TEST_DONE();
}
