/* backend_slots.c — see backend_slots.h. */
#include "backend_slots.h"
#include "core/devcall.h"

#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void slots_device_init(accel__device *dev, accel_ctx *ctx, const accel__backend_ops *ops,
                       accel_device_kind kind, int index)
{
    memset(dev, 0, sizeof *dev);
    accel__device_info_init(&dev->info);
    dev->info.kind = kind;
    dev->info.usable = 1;
    snprintf(dev->info.name, sizeof dev->info.name, "%s device %d", ops->name, index);
    accel__strlcpy(dev->info.verdict, "usable", sizeof dev->info.verdict);
    dev->ops = ops;
    dev->backend_index = index;
    dev->ctx = ctx;
    pthread_mutex_init(&dev->lock, NULL);
}

static const uint32_t POISON = 0x7fc0dead; /* a NaN no kernel writes by accident */

/* An operation naming a kernel no device has: never supported. */
static accel_status never_runs(accel__devq *q, void *call, size_t begin, size_t end)
{
    (void)q;
    (void)call;
    (void)begin;
    (void)end;
    return ACCEL_ERROR(ACCEL_ERR_INTERNAL, "device code of an unsupported operation ran");
}
static const char *const missing_kernels[] = {"ak_no_such_kernel", NULL};
static const accel__op missing_kernel_op = {
    .name = "needs_a_missing_kernel", .run_device = never_runs, .kernels = missing_kernels};

static void memory_slots(accel__device *dev)
{
    const accel__backend_ops *o = dev->ops;
    int64_t free_b = -1, total_b = -1;
    ASSERT_OK(o->mem_info(dev, &free_b, &total_b));
    ASSERT_TRUE(total_b > 0);
    ASSERT_TRUE(free_b > 0 && free_b <= total_b);
    printf("memory: %.2f GiB free of %.2f GiB\n", (double)free_b / (1 << 30),
           (double)total_b / (1 << 30));

    /* Copies both ways and on the device, at odd offsets and sizes. */
    const size_t n = (1u << 20) + 7;
    uint32_t *src = malloc(n * 4), *back = malloc(n * 4);
    ASSERT_TRUE(src && back);
    for (size_t i = 0; i < n; i++) src[i] = (uint32_t)(i * 2654435761u);
    accel__buffer *a = NULL, *b = NULL;
    ASSERT_OK(o->buffer_alloc(dev, n * 4, &a));
    ASSERT_OK(o->buffer_alloc(dev, n * 4, &b));
    if (a && b) {
        ASSERT_OK(o->copy_h2d(dev, a, 0, src, n * 4));
        memset(back, 0, n * 4);
        ASSERT_OK(o->copy_d2h(dev, back, a, 0, n * 4));
        ASSERT_TRUE(memcmp(src, back, n * 4) == 0);
        ASSERT_OK(o->copy_d2d(dev, b, 12, a, 4, n * 4 - 16));
        memset(back, 0, n * 4);
        ASSERT_OK(o->copy_d2h(dev, back, b, 12, n * 4 - 16));
        ASSERT_TRUE(memcmp(src + 1, back, n * 4 - 16) == 0);
        ASSERT_OK(o->copy_d2h(dev, back, a, 40, 4));
        ASSERT_EQ_INT(back[0], src[10]);
        /* Out of bounds, and zero bytes. */
        ASSERT_STATUS(o->copy_h2d(dev, a, 8, src, n * 4), ACCEL_ERR_INVALID_ARG);
        ASSERT_STATUS(o->copy_d2h(dev, back, a, n * 4 + 1, 0), ACCEL_ERR_INVALID_ARG);
        ASSERT_STATUS(o->copy_d2d(dev, b, 0, a, 4, n * 4), ACCEL_ERR_INVALID_ARG);
        ASSERT_OK(o->copy_h2d(dev, a, n * 4, src, 0));
    }
    o->buffer_free(dev, a);
    o->buffer_free(dev, b);

    accel__buffer *z = NULL;
    ASSERT_OK(o->buffer_alloc(dev, 0, &z));
    ASSERT_OK(o->copy_h2d(dev, z, 0, src, 0));
    o->buffer_free(dev, z);

    /* An allocation larger than the device: out of memory, as a status. */
    accel__buffer *huge = NULL;
    ASSERT_STATUS(o->buffer_alloc(dev, (size_t)total_b * 4, &huge), ACCEL_ERR_DEVICE_OOM);
    ASSERT_TRUE(huge == NULL);
    ASSERT_TRUE(strlen(accel_last_error(NULL)) > 0);

    /* Pinned host memory as a copy source. */
    if (o->host_alloc) {
        void *pinned = NULL;
        ASSERT_OK(o->host_alloc(dev, n * 4, &pinned));
        if (pinned) {
            memcpy(pinned, src, n * 4);
            accel__buffer *c = NULL;
            ASSERT_OK(o->buffer_alloc(dev, n * 4, &c));
            if (c) {
                ASSERT_OK(o->copy_h2d(dev, c, 0, pinned, n * 4));
                memset(pinned, 0, n * 4);
                ASSERT_OK(o->copy_d2h(dev, pinned, c, 0, n * 4));
                ASSERT_TRUE(memcmp(src, pinned, n * 4) == 0);
            }
            o->buffer_free(dev, c);
            o->host_free(dev, pinned);
        }
    }
    free(src);
    free(back);
}

/* Caller-owned device memory (mem_alloc, buffer_wrap, mem_free): a wrapped buffer copies like
 * any other, at an offset into the caller's memory, is bounds-checked against the size it was
 * wrapped with, and freeing its handle leaves the memory to its owner. */
static void caller_memory_slots(accel__device *dev)
{
    const accel__backend_ops *o = dev->ops;
    ASSERT_TRUE(o->mem_alloc && o->mem_free && o->buffer_wrap);
    if (!o->mem_alloc || !o->mem_free || !o->buffer_wrap) return;
    const size_t n = 4096;
    uint32_t src[4096], back[4096];
    for (size_t i = 0; i < n; i++) src[i] = (uint32_t)(i * 2246822519u);
    void *mem = NULL;
    ASSERT_OK(o->mem_alloc(dev, n * 4, &mem));
    ASSERT_TRUE(mem != NULL);
    if (!mem) return;
    accel__buffer *w = NULL, *tail = NULL;
    ASSERT_OK(o->buffer_wrap(dev, mem, n * 4, &w));
    ASSERT_OK(o->copy_h2d(dev, w, 0, src, n * 4));
    o->buffer_free(dev, w); /* the handle only: the data stay */
    ASSERT_OK(o->buffer_wrap(dev, (unsigned char *)mem + 64, n * 4 - 64, &tail));
    memset(back, 0, sizeof back);
    ASSERT_OK(o->copy_d2h(dev, back, tail, 0, n * 4 - 64));
    ASSERT_TRUE(memcmp(back, src + 16, n * 4 - 64) == 0);
    ASSERT_STATUS(o->copy_d2h(dev, back, tail, 0, n * 4), ACCEL_ERR_INVALID_ARG);
    o->buffer_free(dev, tail);
    ASSERT_STATUS(o->buffer_wrap(dev, NULL, 16, &w), ACCEL_ERR_INVALID_ARG);
    ASSERT_TRUE(w == NULL);
    o->mem_free(dev, mem);

    /* more than the device has: out of memory, as a status */
    int64_t free_b = -1, total_b = -1;
    ASSERT_OK(o->mem_info(dev, &free_b, &total_b));
    void *huge = NULL;
    ASSERT_STATUS(o->mem_alloc(dev, (size_t)total_b * 4, &huge), ACCEL_ERR_DEVICE_OOM);
    ASSERT_TRUE(huge == NULL);
}

/* ak_fill_f32 over the first m of n poisoned floats, with the given group size. */
static void fill_check(accel__device *dev, accel__kernel *k, size_t n, size_t m, size_t local,
                       float v)
{
    const accel__backend_ops *o = dev->ops;
    float *host = malloc(n * sizeof *host);
    ASSERT_TRUE(host != NULL);
    if (!host) return;
    for (size_t i = 0; i < n; i++) memcpy(&host[i], &POISON, 4);
    accel__buffer *y = NULL;
    ASSERT_OK(o->buffer_alloc(dev, n * sizeof *host, &y));
    if (!y) {
        free(host);
        return;
    }
    ASSERT_OK(o->copy_h2d(dev, y, 0, host, n * sizeof *host));
    accel__arg args[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = y},
                          {.type = ACCEL__ARG_I32, .v.i32 = (int32_t)m},
                          {.type = ACCEL__ARG_F32, .v.f32 = v}};
    accel__launch g = {.dims = 1, .global = {m, 1, 1}, .local = {local, 0, 0}};
    ASSERT_OK(o->launch(dev, k, &g, args, 3));
    ASSERT_OK(o->synchronize(dev));
    ASSERT_OK(o->copy_d2h(dev, host, y, 0, n * sizeof *host));
    size_t wrong = 0, first = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &host[i], 4);
        int ok = i < m ? host[i] == v : bits == POISON;
        if (!ok && wrong++ == 0) first = i;
    }
    if (wrong)
        TEST_FAIL_("fill of %zu of %zu (group %zu): %zu wrong elements, first at %zu", m, n,
                   local, wrong, first);
    o->buffer_free(dev, y);
    free(host);
}

static void kernel_slots(accel__device *dev, int expect_kernels)
{
    const accel__backend_ops *o = dev->ops;
    const char *note = o->kernel_note ? o->kernel_note(dev) : "";
    printf("kernels: %s\n", note);
    accel__kernel *k = NULL;
    accel_status st = o->kernel_get(dev, "ak_fill_f32", &k);
    if (st != ACCEL_OK) printf("no fill kernel on this device: %s\n", accel_last_error(NULL));
    if (expect_kernels == 1) ASSERT_OK(st);
    if (expect_kernels == 0) {
        ASSERT_TRUE(st != ACCEL_OK);
        ASSERT_TRUE(strncmp(note, "no kernels", 10) == 0);
    }
    accel__kernel *none = NULL;
    ASSERT_STATUS(o->kernel_get(dev, "ak_no_such_kernel", &none), ACCEL_ERR_UNSUPPORTED);
    ASSERT_EQ_INT(o->supports_op(dev, &missing_kernel_op), 0);
    ASSERT_EQ_INT(o->supports_op(dev, NULL), 0);
    if (st != ACCEL_OK) return;
    fill_check(dev, k, 1000003, 999998, 0, 3.5f);   /* default group size, not a multiple */
    fill_check(dev, k, 4096, 4096, 128, -1.25f);     /* exact multiple of the group */
    fill_check(dev, k, 77, 1, 64, 42.0f);            /* one item */
    fill_check(dev, k, 33, 0, 0, 1.0f);              /* nothing: launch skipped */

    /* Geometry the device cannot run is refused before the driver sees it. */
    accel__arg args[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = NULL},
                          {.type = ACCEL__ARG_I32, .v.i32 = 0},
                          {.type = ACCEL__ARG_F32, .v.f32 = 0}};
    accel__launch bad_dims = {.dims = 0};
    ASSERT_STATUS(o->launch(dev, k, &bad_dims, args, 3), ACCEL_ERR_INVALID_ARG);
    accel__launch big_group = {.dims = 1, .global = {4096, 1, 1}, .local = {4096, 0, 0}};
    ASSERT_STATUS(o->launch(dev, k, &big_group, args, 3), ACCEL_ERR_INVALID_ARG);
    accel__launch too_many = {.dims = 2, .global = {32, 32, 1}, .local = {32, 64, 1}};
    ASSERT_STATUS(o->launch(dev, k, &too_many, args, 3), ACCEL_ERR_INVALID_ARG);

    /* Device timers around a launch. */
    if (o->timer_start && o->timer_stop) {
        const size_t n = 1 << 20;
        accel__buffer *y = NULL;
        ASSERT_OK(o->buffer_alloc(dev, n * 4, &y));
        void *t = NULL;
        ASSERT_OK(o->timer_start(dev, &t));
        args[0].v.buf = y;
        args[1].v.i32 = (int32_t)n;
        accel__launch g = {.dims = 1, .global = {n, 1, 1}, .local = {0, 0, 0}};
        ASSERT_OK(o->launch(dev, k, &g, args, 3));
        double ms = -1;
        if (t) ASSERT_OK(o->timer_stop(dev, t, &ms));
        printf("fill of %zu floats: %.3f ms (device events)\n", n, ms);
        ASSERT_TRUE(ms >= 0 && ms < 10000);
        o->buffer_free(dev, y);
    }
}

/* An operation whose device code fills call->n floats through the slots, to see that run()
 * reaches run_device() when kernels exist and refuses with ACCEL_ERR_UNSUPPORTED otherwise. */
typedef struct {
    size_t n;
    float *out;
    int device_runs;
} fill_call;

static size_t fill_items(const void *call) { return ((const fill_call *)call)->n; }

static accel_status fill_device(accel__devq *q, void *vcall, size_t begin, size_t end)
{
    fill_call *c = vcall;
    c->device_runs++;
    size_t n = end - begin;
    accel__kernel *k = NULL;
    accel__buffer *y = NULL;
    FORWARD_IF_ERROR(accel__devq_kernel(q, "ak_fill_f32", &k));
    FORWARD_IF_ERROR(accel__devq_alloc(q, n * sizeof(float), &y));
    accel__arg args[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = y},
                          {.type = ACCEL__ARG_I32, .v.i32 = (int32_t)n},
                          {.type = ACCEL__ARG_F32, .v.f32 = 7.0f}};
    accel__launch g = {.dims = 1, .global = {n, 1, 1}};
    accel_status st = accel__devq_launch(q, k, &g, args, 3);
    if (st == ACCEL_OK) st = accel__devq_copy_d2h(q, c->out + begin, y, 0, n * sizeof(float));
    accel__devq_free(q, y);
    return st;
}

static const char *const fill_kernels[] = {"ak_fill_f32", NULL};
static const accel__op fill_op = {
    .name = "slots_fill",
    .n_items = fill_items,
    .run_device = fill_device,
    .kernels = fill_kernels,
};

static void run_slot(accel__device *dev, int have_kernels)
{
    float out[100] = {0};
    fill_call c = {.n = 100, .out = out};
    accel_status st = dev->ops->run(dev, &fill_op, &c, 10, 90);
    if (!have_kernels) {
        ASSERT_STATUS(st, ACCEL_ERR_UNSUPPORTED);
        ASSERT_EQ_INT(c.device_runs, 0);
        return;
    }
    ASSERT_OK(st);
    ASSERT_EQ_INT(c.device_runs, 1);
    int wrong = 0;
    for (int i = 0; i < 100; i++) wrong += out[i] != ((i >= 10 && i < 90) ? 7.0f : 0.0f);
    ASSERT_EQ_INT(wrong, 0);
}

/* supports_op() of every registered operation: 1 exactly when it has device code and every
 * kernel it names is on the device. */
static void supports_slot(accel__device *dev)
{
    for (size_t i = 0; i < accel__op_count(); i++) {
        const accel__op *op = accel__op_at(i);
        int want = op->run_device != NULL;
        for (const char *const *k = op->kernels; want && k && *k; k++) {
            accel__kernel *kk = NULL;
            want = dev->ops->kernel_get(dev, *k, &kk) == ACCEL_OK;
        }
        if (dev->ops->supports_op(dev, op) != want)
            TEST_FAIL_("supports_op(%s) is %d, kernels say %d", op->name,
                       dev->ops->supports_op(dev, op), want);
    }
}

int slots_run(accel__device *dev, int expect_kernels)
{
    memory_slots(dev);
    caller_memory_slots(dev);
    kernel_slots(dev, expect_kernels);
    accel__kernel *k = NULL;
    run_slot(dev, dev->ops->kernel_get(dev, "ak_fill_f32", &k) == ACCEL_OK);
    supports_slot(dev);
    return accel_test_failures;
}
