/* Every registered operation's device code goes through the counting handle (core/devcall.h):
 * on each usable non-CPU device, one call of the operation's benchmark case runs through the
 * executor while the thread's account is open, and the account must show the device work
 * the operation did — buffers allocated, bytes copied both ways and kernels launched (timed
 * with device events where the backend has them) — and the calibrated batch planner must
 * measure device memory that grows with the batch. An operation whose device code went
 * around the handle (convert and reduce once called the backend's slots directly: calibration
 * measured 0 B and `accel bench` showed no kernel time) fails here. Where the device takes
 * addresses, convert and reduce on the caller's device memory must wrap it through the handle
 * and copy no input.
 *
 * usage: test_device_counts [--require-kind KIND]
 *   --require-kind  the devices of that backend only (cuda, rocm, opencl), which must exist
 *                   and run every operation (the stand-in drivers' entries)
 * Exits 77 when the machine has no usable non-CPU device and no kind is required. */
#include "test.h"
#include "core/backend.h"
#include "core/bench.h"
#include "core/devcall.h"
#include "core/planner.h"

#include <strings.h>

/* The benchmark case that builds calls of `op`: a registered operation without one cannot be
 * measured by `accel bench` either. */
static const accel__bench_case *case_of(const accel__op *op)
{
    for (size_t i = 0; i < accel__bench_case_count(); i++) {
        const accel__bench_case *c = accel__bench_case_at(i);
        if (c && accel__bench_case_op(c) == op) return c;
    }
    return NULL;
}

static void one_call(accel_ctx *ctx, size_t di, const accel__op *op, const accel__bench_case *c)
{
    const accel__device *d = &ctx->devs[di];
    int has_kernels = op->kernels && op->kernels[0];
    size_t items = c->sizes[0] > 1 ? c->sizes[0] : 2;
    void *call = NULL;
    size_t bin = 0, bout = 0;
    ASSERT_OK(c->make(items, 0, &call, &bin, &bout));
    if (!call) return;
    accel_run_record rec = {.struct_size = sizeof rec};
    accel__dev_account *acc = accel__dev_account_begin();
    accel_status st = accel__exec_on(ctx, di, op, call, &rec);
    accel__dev_account_end();
    c->destroy(call);
    ASSERT_OK(st);
    ASSERT_EQ_INT(rec.device_used, (int)di);
    printf("  %-8s %zu items: %d buffers (%llu B), %llu B in, %llu B out, %d kernels "
           "(%d timed, %.3f ms)\n",
           op->name, items, acc->allocs, (unsigned long long)acc->alloc_bytes,
           (unsigned long long)acc->h2d_bytes, (unsigned long long)acc->d2h_bytes, acc->kernels,
           acc->kernels_timed, acc->kernel_ms);
    if (!has_kernels) return; /* noop: nothing to count */
    if (acc->allocs == 0 || acc->h2d_bytes == 0 || acc->d2h_bytes == 0 || acc->kernels == 0)
        TEST_FAIL_("%s on device %zu (%s): the counting handle saw %d buffers, %llu B in, "
                   "%llu B out, %d kernels: its device code went around the handle",
                   op->name, di, d->info.name, acc->allocs, (unsigned long long)acc->h2d_bytes,
                   (unsigned long long)acc->d2h_bytes, acc->kernels);
    if (d->ops->timer_start && acc->kernels_timed != acc->kernels)
        TEST_FAIL_("%s on device %zu: %d of %d kernels timed with device events", op->name, di,
                   acc->kernels_timed, acc->kernels);
}

/* The calibrated planner runs the operation at two batch sizes (half the call, the whole
 * call) and reads the peak memory the handle saw: it must grow with the batch. The call is
 * the case's smallest size that has at least 2 items (a reduce item is a 64 Ki-element
 * segment); audio calls of 30 s stay below the frames the device code works on at once, so
 * their memory grows too. */
static void calibration(accel_ctx *ctx, size_t di, const accel__op *op, const accel__bench_case *c)
{
    if (!op->kernels || !op->kernels[0]) return;
    void *call = NULL;
    for (int s = 0; s < 3 && !call; s++) {
        size_t bin = 0, bout = 0;
        ASSERT_OK(c->make(c->sizes[s], 0, &call, &bin, &bout));
        if (call && op->n_items(call) < 2) {
            c->destroy(call);
            call = NULL;
        }
    }
    if (!call) {
        TEST_FAIL_("%s: no case size gives a call of 2 items to calibrate with", op->name);
        return;
    }
    accel_plan plan = {.struct_size = sizeof plan};
    ASSERT_OK(accel__plan_batch_call(ctx, op, call, (int)di, 1, &plan));
    size_t items = op->n_items(call);
    c->destroy(call);
    printf("  %-8s calibration over %zu items: %.160s\n", op->name, items, plan.why);
    if (!plan.calibrated || plan.bytes_per_item <= 0)
        TEST_FAIL_("%s on device %zu: calibration measured no memory growing with the batch "
                   "(%s)",
                   op->name, di, plan.why);
}

/* Data that stay on the device (accel_convert_on, accel_reduce_on): the device code takes the
 * caller's memory through the handle (accel__devq_wrap: counted as wrapped bytes, never as
 * memory in use) and copies no input to the device; convert copies nothing back, reduce only
 * its partials. Each batch wraps its own slice, so the wrapped bytes add up to the call's. */
static void resident_calls(accel_ctx *ctx, size_t di)
{
    accel__device *d = &ctx->devs[di];
    const size_t n = 3 * 65536 + 5; /* reduce: four segments */
    float *host = malloc(n * sizeof *host), *back = malloc(n * sizeof *back);
    ASSERT_TRUE(host && back);
    if (!host || !back) goto out;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        host[i] = (float)((int)(i % 97) - 48) * 0.25f;
        sum += host[i];
    }
    void *x = NULL, *y = NULL;
    ASSERT_OK(accel_device_alloc(ctx, di, n * sizeof(float), &x));
    ASSERT_OK(accel_device_alloc(ctx, di, n * sizeof(float), &y));
    if (!x || !y) goto free_dev;
    ASSERT_OK(accel_device_copy(ctx, di, ACCEL_COPY_HOST_TO_DEVICE, x, host, n * sizeof(float)));

    accel_run_record rec = {.struct_size = sizeof rec};
    accel__dev_mem_reset_peak(d);
    int64_t mem_before = accel__dev_mem_current(d);
    accel__dev_account *acc = accel__dev_account_begin();
    accel_status st = accel_convert_on(ctx, di, ACCEL_F32, x, ACCEL_F32, y, n, 2.0f, 1.0f, &rec);
    accel__dev_account_end();
    ASSERT_OK(st);
    ASSERT_EQ_INT(rec.device_used, (int)di);
    printf("  convert on device memory, %zu items: %d wrapped (%llu B), %d buffers, %llu B in, "
           "%llu B out, %d kernels\n",
           n, acc->wraps, (unsigned long long)acc->wrap_bytes, acc->allocs,
           (unsigned long long)acc->h2d_bytes, (unsigned long long)acc->d2h_bytes, acc->kernels);
    ASSERT_TRUE(acc->wraps >= 2 && acc->wraps % 2 == 0);
    ASSERT_TRUE(acc->wrap_bytes == 2 * n * sizeof(float));
    ASSERT_EQ_INT(acc->allocs, 0);
    ASSERT_TRUE(acc->h2d_bytes == 0 && acc->d2h_bytes == 0);
    ASSERT_TRUE(acc->kernels >= 1);
    /* the caller's memory is not accel's: no memory in use, no peak */
    ASSERT_TRUE(accel__dev_mem_current(d) == mem_before);
    ASSERT_TRUE(accel__dev_mem_peak(d) == mem_before);
    ASSERT_OK(accel_device_copy(ctx, di, ACCEL_COPY_DEVICE_TO_HOST, back, y, n * sizeof(float)));
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) wrong += back[i] != host[i] * 2.0f + 1.0f;
    ASSERT_EQ_INT((int)wrong, 0);

    float r = 0;
    acc = accel__dev_account_begin();
    st = accel_reduce_on(ctx, di, ACCEL_REDUCE_SUM, x, 1, n, &r, &rec);
    accel__dev_account_end();
    ASSERT_OK(st);
    printf("  reduce on device memory, %zu elements: %d wrapped (%llu B), %d buffers, %llu B in, "
           "%llu B out, %d kernels\n",
           n, acc->wraps, (unsigned long long)acc->wrap_bytes, acc->allocs,
           (unsigned long long)acc->h2d_bytes, (unsigned long long)acc->d2h_bytes, acc->kernels);
    ASSERT_TRUE(acc->wraps >= 1 && acc->wrap_bytes == n * sizeof(float));
    ASSERT_TRUE(acc->allocs >= 1 && acc->h2d_bytes == 0 && acc->d2h_bytes > 0);
    ASSERT_TRUE(acc->kernels >= 1);
    ASSERT_NEAR((double)r, sum, 1e-3);
free_dev:
    accel_device_free(ctx, di, x);
    accel_device_free(ctx, di, y);
out:
    free(host);
    free(back);
}

int main(int argc, char **argv)
{
    const char *kind = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--require-kind") && i + 1 < argc) {
            kind = argv[++i];
        } else {
            fprintf(stderr, "usage: test_device_counts [--require-kind KIND]\n");
            return 2;
        }
    }
    const accel__backend_desc *want = kind ? accel__backend_find(kind) : NULL;
    if (kind && !want) {
        fprintf(stderr, "--require-kind %s: not a backend\n", kind);
        return 2;
    }
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    if (!ctx) TEST_DONE();
    int tested = 0, without_kernels = 0;
    for (size_t di = 0; di < ctx->n_devs; di++) {
        accel__device *d = &ctx->devs[di];
        if (d->backend && d->backend->host) continue;
        if (want && d->info.kind != want->kind) continue;
        if (!d->info.usable || !d->ops) {
            printf("device %zu (%s): %s\n", di, d->info.name, d->info.verdict);
            if (want) TEST_FAIL_("device %zu of the required kind is unusable", di);
            continue;
        }
        const char *note = d->ops->kernel_note ? d->ops->kernel_note(d) : "";
        printf("device %zu (%s %s): %s\n", di, accel_device_kind_name(d->info.kind),
               d->info.name, note);
        if (strncmp(note, "no kernels", 10) == 0) {
            without_kernels++;
            continue;
        }
        tested++;
        for (size_t i = 0; i < accel__op_count(); i++) {
            const accel__op *op = accel__op_at(i);
            if (!op->run_device) continue;
            const accel__bench_case *c = case_of(op);
            if (!c) {
                TEST_FAIL_("operation %s has no benchmark case: its device calls cannot be "
                           "counted (add one next to the operation, see core/bench.h)",
                           op->name);
                continue;
            }
            if (!d->ops->supports_op(d, op)) {
                TEST_FAIL_("device %zu has kernels but does not offer %s", di, op->name);
                continue;
            }
            one_call(ctx, di, op, c);
            calibration(ctx, di, op, c);
        }
        if (d->ops->buffer_wrap) resident_calls(ctx, di);
    }
    accel_ctx_destroy(ctx);
    if (!tested) {
        if (without_kernels) TEST_SKIP("this build has no kernels for the devices found");
        if (want) TEST_FAIL_("--require-kind %s: no usable device of that kind", kind);
        else TEST_SKIP("no usable non-CPU device (install pocl-opencl-icd)");
    }
    TEST_DONE();
}
