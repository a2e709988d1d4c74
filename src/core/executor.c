/* executor.c — runs an operation on the planned device and falls back in policy order.
 * (First version: tries each eligible device in order, CPU last, and records the first
 * fallback. Bisection on out-of-memory, fault injection, strict mode and counters extend it.) */
#include "internal.h"

#include <string.h>

#include "core/select.h"

static accel_fallback_reason reason_of(accel_status st)
{
    switch (st) {
    case ACCEL_ERR_DEVICE_OOM: return ACCEL_FALLBACK_OOM;
    case ACCEL_ERR_KERNEL: return ACCEL_FALLBACK_KERNEL_ERROR;
    case ACCEL_ERR_UNSUPPORTED:
    case ACCEL_ERR_NOT_BUILT_IN: return ACCEL_FALLBACK_UNSUPPORTED_OP;
    default: return ACCEL_FALLBACK_UNAVAILABLE;
    }
}

static void rec_init(accel_run_record *rec)
{
    if (!rec) return;
    size_t sz = rec->struct_size ? rec->struct_size : sizeof *rec;
    memset(rec, 0, sz < sizeof *rec ? sz : sizeof *rec);
    rec->struct_size = sz;
    rec->device_planned = rec->device_used = -1;
}

accel_status accel__exec_on(accel_ctx *ctx, size_t index, const accel__op *op, void *call,
                            accel_run_record *rec)
{
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND, "device %zu out of range", index);
    rec_init(rec);
    accel__device *d = &ctx->devs[index];
    RETURN_ERROR_IF(!d->info.usable || !d->ops, ACCEL_ERR_UNAVAILABLE, "device %zu (%s): %s",
                    index, d->info.name, d->info.verdict);
    double t0 = accel__now_ms();
    accel_status st = d->ops->run(d, op, call, 0, op->n_items(call));
    if (rec) {
        rec->device_planned = rec->device_used = (int)index;
        rec->elapsed_ms = accel__now_ms() - t0;
    }
    return st;
}

accel_status accel__exec(accel_ctx *ctx, const accel__op *op, void *call, accel_run_record *rec)
{
    RETURN_ERROR_IF(!ctx || !op || !call, ACCEL_ERR_INVALID_ARG, "NULL argument");
    rec_init(rec);
    accel__selection sel;
    FORWARD_IF_ERROR(accel__select_order(ctx, op->name, &sel));
    double t0 = accel__now_ms();
    accel_status last = ACCEL_ERR_UNAVAILABLE;
    size_t n = op->n_items(call);
    int attempts = 0;
    for (size_t i = 0; i < sel.n; i++) {
        if (!sel.c[i].eligible) continue;
        accel__device *d = &ctx->devs[sel.c[i].index];
        if (rec && rec->device_planned < 0) rec->device_planned = d->info.index;
        double ta = accel__now_ms();
        last = d->ops->run(d, op, call, 0, n);
        if (last == ACCEL_OK) {
            if (rec) {
                rec->device_used = d->info.index;
                rec->elapsed_ms = accel__now_ms() - t0;
            }
            return ACCEL_OK;
        }
        attempts++;
        if (rec) {
            if (rec->n_fallbacks == 0) {
                rec->reason = reason_of(last);
                accel__strlcpy(rec->message, accel__last_error_text(), sizeof rec->message);
            }
            rec->n_fallbacks++;
            rec->time_lost_ms += accel__now_ms() - ta;
        }
        ACCEL_LOG_WARN("%s on device %d (%s) failed: %s; falling back", op->name, d->info.index,
                       d->info.name, accel__last_error_text());
    }
    (void)attempts;
    return last;
}
