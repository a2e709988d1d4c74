/* devcall.c — counting wrappers around the backend slots that operations' device code uses.
 * See devcall.h for why they exist. The counters live in the executor's per-context state,
 * indexed by device index. */
#include "core/devcall.h"

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

static accel__exec_state *state_of(accel__device *dev, int *idx)
{
    *idx = dev->info.index;
    if (!dev->ctx || *idx < 0 || *idx >= ACCEL__EXEC_MAX_DEVS) return NULL;
    return accel__exec_state_get(dev->ctx);
}

accel_status accel__dev_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    RETURN_ERROR_IF(!dev->ops || !dev->ops->buffer_alloc, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot allocate buffers", dev->info.index, dev->info.name);
    accel_status st = dev->ops->buffer_alloc(dev, bytes, out);
    if (st != ACCEL_OK) return st;
    int i;
    accel__exec_state *s = state_of(dev, &i);
    if (s) {
        int64_t cur = __atomic_add_fetch(&s->mem_cur[i], (int64_t)bytes, __ATOMIC_RELAXED);
        int64_t peak = __atomic_load_n(&s->mem_peak[i], __ATOMIC_RELAXED);
        while (cur > peak && !__atomic_compare_exchange_n(&s->mem_peak[i], &peak, cur, 1,
                                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
    }
    return ACCEL_OK;
}

void accel__dev_free(accel__device *dev, accel__buffer *buf, size_t bytes)
{
    if (!buf) return;
    if (dev->ops && dev->ops->buffer_free) dev->ops->buffer_free(dev, buf);
    int i;
    accel__exec_state *s = state_of(dev, &i);
    if (s) __atomic_sub_fetch(&s->mem_cur[i], (int64_t)bytes, __ATOMIC_RELAXED);
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

accel_status accel__dev_copy_h2d(accel__device *dev, accel__buffer *dst, size_t dst_off,
                                 const void *src, size_t bytes)
{
    RETURN_ERROR_IF(!dev->ops || !dev->ops->copy_h2d, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot copy to the device", dev->info.index, dev->info.name);
    if (!account.active) return dev->ops->copy_h2d(dev, dst, dst_off, src, bytes);
    double t0 = accel__now_ms();
    accel_status st = dev->ops->copy_h2d(dev, dst, dst_off, src, bytes);
    account.copy_ms += accel__now_ms() - t0;
    if (st == ACCEL_OK) account.h2d_bytes += bytes;
    return st;
}

accel_status accel__dev_copy_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t src_off,
                                 size_t bytes)
{
    RETURN_ERROR_IF(!dev->ops || !dev->ops->copy_d2h, ACCEL_ERR_UNSUPPORTED,
                    "device %d (%s) cannot copy from the device", dev->info.index, dev->info.name);
    if (!account.active) return dev->ops->copy_d2h(dev, dst, src, src_off, bytes);
    double t0 = accel__now_ms();
    accel_status st = dev->ops->copy_d2h(dev, dst, src, src_off, bytes);
    account.copy_ms += accel__now_ms() - t0;
    if (st == ACCEL_OK) account.d2h_bytes += bytes;
    return st;
}

accel_status accel__dev_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                               const accel__arg *args, int n_args)
{
    RETURN_ERROR_IF(!dev->ops || !dev->ops->launch, ACCEL_ERR_UNSUPPORTED,
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
