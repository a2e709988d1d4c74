/* noop.c — an operation that does nothing, one item: what remains of a call's time is the
 * executor's own cost (selection, record keeping, dispatch), which benchmarks measure. */
#include "basic.h"

static size_t noop_items(const void *vc)
{
    (void)vc;
    return 1;
}

static int64_t noop_bytes(const void *vc)
{
    (void)vc;
    return 0;
}

static accel_status noop_run_cpu(accel__device *dev, void *vc, size_t begin, size_t end)
{
    (void)dev;
    (void)vc;
    (void)begin;
    (void)end;
    return ACCEL_OK;
}

static accel_status noop_run_device(accel__devq *q, void *vc, size_t begin, size_t end)
{
    (void)q;
    (void)vc;
    (void)begin;
    (void)end;
    return ACCEL_OK;
}

static const char *const noop_kernels[] = {NULL};

const accel__op accel__op_noop = {
    .name = "noop",
    .n_items = noop_items,
    .bytes_fixed = noop_bytes,
    .bytes_per_item = noop_bytes,
    .run_cpu = noop_run_cpu,
    .run_device = noop_run_device,
    .kernels = noop_kernels,
};
