/* exec_state.c — the per-context execution state that the executor, the planner, the
 * counting device calls and precision share (executor.h), created on first use.
 *
 * In a file of its own so that those files depend on the state, not on each other: the
 * executor calls the planner (batch limits), and the planner and the device calls read the
 * state; with the state inside executor.c they called each other. */
#include "core/executor.h"

#include <stdlib.h>

accel__exec_state *accel__exec_state_get(accel_ctx *ctx)
{
    accel__exec_state *s =
        __atomic_load_n((accel__exec_state **)&ctx->exec_state, __ATOMIC_ACQUIRE);
    if (s) return s;
    pthread_mutex_lock(&ctx->lock);
    s = ctx->exec_state;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (s) {
            pthread_mutex_init(&s->lock, NULL);
            s->gen = 1;
            long long cap = accel__cfg_int(ctx, ACCEL__CFG_BATCH_SIZE);
            s->batch_cap = cap > 0 ? cap : 0;
            s->strict = accel__cfg_bool(ctx, ACCEL__CFG_STRICT);
            for (int i = 0; i < ACCEL__EXEC_MAX_DEVS; i++) {
                s->budget[i] = -1;
                s->budget_at_ms[i] = -1e300;
            }
            __atomic_store_n((accel__exec_state **)&ctx->exec_state, s, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    return s;
}
