/* planner.h — device memory budgets and the arithmetic of batch and chunk plans (planner.c).
 * The public entry points are accel_plan_batch() and accel_plan_chunk(); docs/planning.md
 * gives the formulas. */
#ifndef ACCEL_PLANNER_H
#define ACCEL_PLANNER_H

#include "core/internal.h"

/* A plan needs (a + b·n) × ACCEL__PLAN_SAFETY ≤ budget: 10 % for allocator rounding,
 * alignment and the driver's own per-allocation bookkeeping. */
#define ACCEL__PLAN_SAFETY 1.10
/* The longest signal accel_plan_chunk() plans: duration × rate at most 2^53 samples (a
 * double counts them exactly; 17,800 years at 16 kHz), so sample and chunk counts stay exact
 * integers in the plan and its report. */
#define ACCEL__PLAN_MAX_SAMPLES 9007199254740992.0
/* Keep-free margin: max(ACCEL__PLAN_MARGIN_MIN, ACCEL__PLAN_MARGIN_PERCENT % of total). */
#define ACCEL__PLAN_MARGIN_MIN ((int64_t)256 << 20)
#define ACCEL__PLAN_MARGIN_PERCENT 5

typedef struct accel__budget {
    int64_t free_bytes;   /* free memory now, -1 unknown */
    int64_t total_bytes;  /* -1 unknown */
    int64_t margin;       /* keep-free bytes subtracted from free_bytes */
    int64_t limit;        /* ACCEL_MEMORY_LIMIT_GB in bytes, -1 unset */
    int64_t fraction_cap; /* ACCEL_MEMORY_FRACTION × total, -1 unset or total unknown */
    int64_t budget;       /* what a plan may use; -1 when nothing is known */
    char source[64];      /* where free_bytes came from */
    char why[400];        /* the arithmetic in words */
} accel__budget;

/* The budget of one device now (free memory measured through dev->ops->mem_info when the device
 * is open, else the discovery figure; unified-memory devices use the host's available memory
 * and the cgroup limit). Always ACCEL_OK; unknown parts are -1. */
accel_status accel__device_budget(accel_ctx *ctx, accel__device *dev, accel__budget *out);

/* Host memory available to this process: MemAvailable of <procfs>/meminfo, reduced by the
 * tightest cgroup (v2 memory.max − memory.current up the hierarchy, or v1 limit − usage).
 * -1 when unknown. `total` (may be NULL) gets MemTotal capped by the cgroup limit. */
int64_t accel__host_available(int64_t *total, char *source, size_t source_cap);

/* budget / SAFETY in exact integer arithmetic (budget × 10 / 11, rounded down). */
int64_t accel__plan_usable(int64_t budget);

/* Largest n with (a + b·n) × SAFETY ≤ budget: SIZE_MAX when b ≤ 0 and a fits, 0 when not
 * even one item fits. budget must be ≥ 0. */
size_t accel__plan_fit(int64_t budget, int64_t a, int64_t b);

/* The executor's pre-plan: the largest batch of `call`'s items that fits `dev`'s budget by the
 * operation's formula (budget cached for 50 ms); 0 when unknown (no formula, no budget). At
 * least 1 when the formula says nothing fits: the real attempt decides. */
size_t accel__plan_exec_limit(accel_ctx *ctx, accel__device *dev, const accel__op *op, void *call);

/* accel_plan_batch() for an operation descriptor and a concrete call (calibration runs items
 * [0, n/2) and [0, n) of it, so give it at least 2 items). */
accel_status accel__plan_batch_call(accel_ctx *ctx, const accel__op *op, void *call, int device,
                                    int calibrate, accel_plan *plan);

#endif
