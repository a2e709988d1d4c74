/* devcall.c — the handle operations' device code runs on (see devcall.h), and the run and
 * supports_op slots of device backends built on it. The memory counters live in the
 * executor's per-context state, indexed by device index; the benchmark account is
 * thread-local. */
#include "core/devcall.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

#include "core/executor.h"

static _Thread_local accel__dev_account account;

accel__dev_account *accel__dev_account_begin(void)
{
    memset(&account, 0, sizeof account);
    account.active = 1;
    return &account;
}

void accel__dev_account_end(void) { account.active = 0; }

/* ---- memory counters -------------------------------------------------------------------- */

static accel__exec_state *state_of(accel__device *dev, int *idx)
{
    *idx = dev->info.index;
    if (!dev->ctx || *idx < 0 || *idx >= ACCEL__EXEC_MAX_DEVS) return NULL;
    return accel__exec_state_get(dev->ctx);
}

static void mem_add(accel__device *dev, int64_t bytes)
{
    int i;
    accel__exec_state *s = state_of(dev, &i);
    if (!s) return;
    int64_t cur = __atomic_add_fetch(&s->mem_cur[i], bytes, __ATOMIC_RELAXED);
    int64_t peak = __atomic_load_n(&s->mem_peak[i], __ATOMIC_RELAXED);
    while (cur > peak && !__atomic_compare_exchange_n(&s->mem_peak[i], &peak, cur, 1,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

int64_t accel__dev_mem_current(accel__device *dev)
{
    int i;
    accel__exec_state *s = state_of(dev, &i);
    return s ? __atomic_load_n(&s->mem_cur[i], __ATOMIC_RELAXED) : 0;
}

int64_t accel__dev_mem_peak(accel__device *dev)
{
    int i;
    accel__exec_state *s = state_of(dev, &i);
    return s ? __atomic_load_n(&s->mem_peak[i], __ATOMIC_RELAXED) : 0;
}

void accel__dev_mem_reset_peak(accel__device *dev)
{
    int i;
    accel__exec_state *s = state_of(dev, &i);
    if (s)
        __atomic_store_n(&s->mem_peak[i], __atomic_load_n(&s->mem_cur[i], __ATOMIC_RELAXED),
                         __ATOMIC_RELAXED);
}

accel_status accel__dev_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    RETURN_ERROR_IF(!dev->ops || !dev->ops->buffer_alloc, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot allocate buffers", dev->info.index, dev->info.name);
    FORWARD_IF_ERROR(dev->ops->buffer_alloc(dev, bytes, out));
    mem_add(dev, (int64_t)bytes);
    return ACCEL_OK;
}

void accel__dev_free(accel__device *dev, accel__buffer *buf, size_t bytes)
{
    if (!buf) return;
    if (dev->ops && dev->ops->buffer_free) dev->ops->buffer_free(dev, buf);
    mem_add(dev, -(int64_t)bytes);
}

/* ---- the handle ------------------------------------------------------------------------- */

typedef struct live_buffer {
    accel__buffer *buf;
    size_t bytes;
} live_buffer;

#define DEVQ_INLINE 16 /* buffers held at once without a heap allocation (audio holds 11) */

struct accel__devq {
    accel__device *dev;
    const accel__op *op;
    live_buffer *live; /* the buffers allocated and not yet freed, with their sizes */
    size_t n_live, cap_live;
    live_buffer inline_live[DEVQ_INLINE];
};

const accel_device_info *accel__devq_info(const accel__devq *q) { return &q->dev->info; }

accel_status accel__devq_kernel(accel__devq *q, const char *name, accel__kernel **out)
{
    accel__device *dev = q->dev;
    *out = NULL;
    RETURN_ERROR_IF(!dev->ops->kernel_get, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) has no kernels", dev->info.index, dev->info.name);
    return dev->ops->kernel_get(dev, name, out);
}

static int remember(accel__devq *q, accel__buffer *buf, size_t bytes)
{
    if (q->n_live == q->cap_live) {
        size_t cap = q->cap_live * 2;
        live_buffer *v = q->live == q->inline_live ? malloc(cap * sizeof *v)
                                                   : realloc(q->live, cap * sizeof *v);
        if (!v) return 0;
        if (q->live == q->inline_live) memcpy(v, q->inline_live, sizeof q->inline_live);
        q->live = v;
        q->cap_live = cap;
    }
    q->live[q->n_live++] = (live_buffer){buf, bytes};
    return 1;
}

accel_status accel__devq_alloc(accel__devq *q, size_t bytes, accel__buffer **out)
{
    accel__device *dev = q->dev;
    *out = NULL;
    RETURN_ERROR_IF(!dev->ops->buffer_alloc, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot allocate buffers", dev->info.index, dev->info.name);
    FORWARD_IF_ERROR(dev->ops->buffer_alloc(dev, bytes, out));
    if (!remember(q, *out, bytes)) {
        dev->ops->buffer_free(dev, *out);
        *out = NULL;
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of host memory tracking device buffers");
    }
    mem_add(dev, (int64_t)bytes);
    if (account.active) {
        account.allocs++;
        account.alloc_bytes += bytes;
    }
    return ACCEL_OK;
}

accel_status accel__devq_wrap(accel__devq *q, void *addr, size_t bytes, accel__buffer **out)
{
    accel__device *dev = q->dev;
    *out = NULL;
    RETURN_ERROR_IF(!dev->ops->buffer_wrap, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s, %s) cannot take memory the caller allocated", dev->info.index,
                    dev->info.name, dev->ops->name);
    FORWARD_IF_ERROR(dev->ops->buffer_wrap(dev, addr, bytes, out));
    /* remembered with 0 bytes: released like the others, never counted as memory in use */
    if (!remember(q, *out, 0)) {
        dev->ops->buffer_free(dev, *out);
        *out = NULL;
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of host memory tracking device buffers");
    }
    if (account.active) {
        account.wraps++;
        account.wrap_bytes += bytes;
    }
    return ACCEL_OK;
}

static void release(accel__devq *q, size_t i)
{
    accel__device *dev = q->dev;
    live_buffer b = q->live[i];
    q->live[i] = q->live[--q->n_live];
    if (dev->ops->buffer_free) dev->ops->buffer_free(dev, b.buf);
    mem_add(dev, -(int64_t)b.bytes);
}

void accel__devq_free(accel__devq *q, accel__buffer *buf)
{
    if (!buf) return;
    for (size_t i = q->n_live; i-- > 0;)
        if (q->live[i].buf == buf) {
            release(q, i);
            return;
        }
    /* not a buffer of this handle: freeing it would free someone else's memory */
    ACCEL_LOG_ERROR("%s: device code freed a buffer it did not allocate through its handle "
                    "(ignored)",
                    q->op ? q->op->name : "device code");
}

accel_status accel__devq_copy_h2d(accel__devq *q, accel__buffer *dst, size_t dst_off,
                                  const void *src, size_t bytes)
{
    accel__device *dev = q->dev;
    RETURN_ERROR_IF(!dev->ops->copy_h2d, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot copy to the device", dev->info.index, dev->info.name);
    if (!account.active) return dev->ops->copy_h2d(dev, dst, dst_off, src, bytes);
    double t0 = accel__now_ms();
    accel_status st = dev->ops->copy_h2d(dev, dst, dst_off, src, bytes);
    account.copy_ms += accel__now_ms() - t0;
    if (st == ACCEL_OK) account.h2d_bytes += bytes;
    return st;
}

accel_status accel__devq_copy_d2h(accel__devq *q, void *dst, accel__buffer *src, size_t src_off,
                                  size_t bytes)
{
    accel__device *dev = q->dev;
    RETURN_ERROR_IF(!dev->ops->copy_d2h, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot copy from the device", dev->info.index, dev->info.name);
    if (!account.active) return dev->ops->copy_d2h(dev, dst, src, src_off, bytes);
    double t0 = accel__now_ms();
    accel_status st = dev->ops->copy_d2h(dev, dst, src, src_off, bytes);
    account.copy_ms += accel__now_ms() - t0;
    if (st == ACCEL_OK) account.d2h_bytes += bytes;
    return st;
}

accel_status accel__devq_copy_d2d(accel__devq *q, accel__buffer *dst, size_t dst_off,
                                  accel__buffer *src, size_t src_off, size_t bytes)
{
    accel__device *dev = q->dev;
    RETURN_ERROR_IF(!dev->ops->copy_d2d, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot copy on the device", dev->info.index, dev->info.name);
    if (!account.active) return dev->ops->copy_d2d(dev, dst, dst_off, src, src_off, bytes);
    double t0 = accel__now_ms();
    accel_status st = dev->ops->copy_d2d(dev, dst, dst_off, src, src_off, bytes);
    account.copy_ms += accel__now_ms() - t0;
    if (st == ACCEL_OK) account.d2d_bytes += bytes;
    return st;
}

accel_status accel__devq_launch(accel__devq *q, accel__kernel *k, const accel__launch *geom,
                                const accel__arg *args, int n_args)
{
    accel__device *dev = q->dev;
    RETURN_ERROR_IF(!dev->ops->launch, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot launch kernels", dev->info.index, dev->info.name);
    if (!account.active) return dev->ops->launch(dev, k, geom, args, n_args);
    account.kernels++;
    void *timer = NULL;
    int timed = dev->ops->timer_start && dev->ops->timer_stop &&
                dev->ops->timer_start(dev, &timer) == ACCEL_OK;
    accel_status st = dev->ops->launch(dev, k, geom, args, n_args);
    if (timed) {
        double ms = 0;
        /* the stop waits for the kernel; a failed stop only loses the figure */
        if (dev->ops->timer_stop(dev, timer, &ms) == ACCEL_OK && st == ACCEL_OK) {
            account.kernel_ms += ms;
            account.kernels_timed++;
        }
    }
    return st;
}

accel_status accel__devq_sync(accel__devq *q)
{
    accel__device *dev = q->dev;
    return dev->ops->synchronize ? dev->ops->synchronize(dev) : ACCEL_OK;
}

/* ---- the run and supports_op slots of device backends ----------------------------------- */

/* The first kernel `op` lists that `dev` lacks (with the backend's reason in the thread's
 * error), or NULL when it has them all. */
static const char *missing_kernel(accel__device *dev, const accel__op *op)
{
    for (const char *const *k = op->kernels; k && *k; k++) {
        accel__kernel *kk = NULL;
        if (!dev->ops->kernel_get || dev->ops->kernel_get(dev, *k, &kk) != ACCEL_OK) return *k;
    }
    return NULL;
}

int accel__device_code_supports(const accel__device *dev, const accel__op *op)
{
    if (!op || !op->run_device || !dev->ops) return 0;
    /* a missing kernel is an answer here, not the caller's error */
    char saved[1024];
    accel__strlcpy(saved, accel__last_error_text(), sizeof saved);
    int ok = missing_kernel((accel__device *)dev, op) == NULL;
    accel__restore_error(saved);
    return ok;
}

accel_status accel__device_code_run(accel__device *dev, const accel__op *op, void *call,
                                    size_t begin, size_t end)
{
    RETURN_ERROR_IF(!op->run_device, ACCEL_ERR_UNSUPPORTED,
                    "%s has no device code; device %d (%s) cannot run it", op->name,
                    dev->info.index, dev->info.name);
    /* opened here when the context was created without warm-up */
    FORWARD_IF_ERROR(accel__device_ensure_open(dev->ctx, dev));
    const char *k = missing_kernel(dev, op);
    if (k) {
        char why[512];
        accel__strlcpy(why, accel__last_error_text(), sizeof why);
        const char *note = dev->ops->kernel_note ? dev->ops->kernel_note(dev) : NULL;
        return ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED, "%s on device %d (%s): kernel %s missing: %s%s%s%s",
                           op->name, dev->info.index, dev->info.name, k, why,
                           note ? " (" : "", note ? note : "", note ? ")" : "");
    }
    accel__devq q = {.dev = dev, .op = op, .cap_live = DEVQ_INLINE};
    q.live = q.inline_live;
    accel_status st = op->run_device(&q, call, begin, end);
    if (q.n_live) {
        /* a failing path may return early; its buffers go back here, counted */
        ACCEL_LOG_DEBUG("%s on device %d: %zu buffer%s left allocated by the device code, freed",
                        op->name, dev->info.index, q.n_live, q.n_live == 1 ? "" : "s");
        while (q.n_live) release(&q, q.n_live - 1);
    }
    if (q.live != q.inline_live) free(q.live);
    return st;
}
