/* executor.h — what the executor shares with the planner, the device-call wrappers, precision
 * and the benchmark engine: the per-context execution state and a few entry points beyond
 * accel__exec/accel__exec_on (declared in internal.h).
 *
 * The state is one flat block, allocated on first use and released by accel_ctx_destroy()
 * with free(): it holds no pointers to other allocations, so no destructor is needed. Sizes are
 * fixed (ACCEL__EXEC_MAX_OPS operations, ACCEL__EXEC_MAX_DEVS devices); an operation beyond
 * the table still runs, it only recomputes its device order on every call. */
#ifndef ACCEL_EXECUTOR_H
#define ACCEL_EXECUTOR_H

#include "core/internal.h"

#define ACCEL__EXEC_MAX_OPS 64
#define ACCEL__EXEC_MAX_DEVS 64

/* What the executor does with one candidate of the policy order. */
typedef enum {
    ACCEL__ACT_IGNORE = 0,       /* never usable (probe verdict): not part of the walk */
    ACCEL__ACT_RUN = 1,          /* try it */
    ACCEL__ACT_SKIP_DISABLED,    /* ACCEL_ALL_GPU=0 or ACCEL_<OP>_GPU=0: a recorded skip */
    ACCEL__ACT_SKIP_UNSUPPORTED, /* the device has no code for the operation */
    ACCEL__ACT_SKIP_LOST         /* lost earlier in this context */
} accel__exec_action;

/* OOM memory of one (operation, device): the largest item count that ran and the smallest
 * that failed with out-of-memory; 0 means "not known". */
typedef struct accel__exec_mem {
    size_t good, bad;
} accel__exec_mem;

typedef struct accel__exec_slot {
    const accel__op *op; /* key (NULL: free slot) */
    unsigned gen;        /* state generation the order was built at; 0: not built */
    int n_order;
    int16_t order[ACCEL__EXEC_MAX_DEVS];
    uint8_t action[ACCEL__EXEC_MAX_DEVS];
    int stats_index; /* index into ctx->stats, -1 until known */
    accel__exec_mem mem[ACCEL__EXEC_MAX_DEVS];
    uint8_t warned[ACCEL__EXEC_MAX_DEVS]; /* a static skip was logged once at warn level */
} accel__exec_slot;

typedef struct accel__exec_state {
    pthread_mutex_t lock; /* guards slots, lost, budgets. Lock order: this lock may be held
                             while taking ctx->lock, never the other way round */
    unsigned gen;         /* bumped atomically when a device is lost or opened lazily */
    long long batch_cap;  /* ACCEL_BATCH_SIZE, 0 when unset */
    int strict;           /* ACCEL_STRICT */
    int n_slots;
    uint8_t lost[ACCEL__EXEC_MAX_DEVS];
    uint8_t precision_warned[ACCEL__EXEC_MAX_DEVS];
    /* device memory allocated through accel__dev_alloc (current and peak, bytes; atomics) */
    int64_t mem_cur[ACCEL__EXEC_MAX_DEVS];
    int64_t mem_peak[ACCEL__EXEC_MAX_DEVS];
    /* budget cache for batch pre-planning: value (-1 unknown) and when it was measured */
    int64_t budget[ACCEL__EXEC_MAX_DEVS];
    double budget_at_ms[ACCEL__EXEC_MAX_DEVS];
    accel__exec_slot slots[ACCEL__EXEC_MAX_OPS];
} accel__exec_state;

/* The context's execution state, created on first use (thread-safe). NULL only when out of
 * memory. */
accel__exec_state *accel__exec_state_get(accel_ctx *ctx);

/* Runs `op` with `first` (a device index) as the planned device, then the policy order without
 * it, with the same fallback rules as accel__exec. first < 0: the policy's own order (that is
 * accel__exec). The benchmark engine uses it to time one device while recording fallbacks. */
accel_status accel__exec_from(accel_ctx *ctx, int first, const accel__op *op, void *call,
                              accel_run_record *rec);

/* Marks a device lost: unusable for the rest of the context, skipped with reason
 * "unavailable" by later calls. */
void accel__device_mark_lost(accel_ctx *ctx, accel__device *dev, const char *why);

/* The remembered OOM sizes of (op, device); zeros when none. */
void accel__exec_mem_get(accel_ctx *ctx, const accel__op *op, size_t device, size_t *good,
                         size_t *bad);

#endif
