/* executor.c — runs an operation on the planned device and falls back in policy order.
 *
 * One call walks the device order of the selection policy (accel__select_order, cached per
 * operation; CPU last, and the CPU always ends the walk):
 *   - a device that fails with unavailable/device lost, out of memory (after bisection),
 *     a kernel or launch error, or "unsupported" is left for the next one, which runs the
 *     items not yet done with the same inputs;
 *   - a device excluded by ACCEL_ALL_GPU=0 or ACCEL_<OP>_GPU=0 (disabled_by_config), with no
 *     code for the operation (unsupported_op) or lost earlier (unavailable) is skipped, and
 *     the skip is recorded like a fallback that cost no time;
 *   - ACCEL_STRICT=1 turns every fallback into ACCEL_ERR_STRICT, except disabled_by_config:
 *     that one is the user's own plan, not something that happened to them;
 *   - errors that would fail on any device (invalid argument, host out of memory, I/O, …)
 *     are returned at once.
 * On out of memory the batch is first split on the same device: items are run in ranges
 * [begin, end); what succeeded is kept; the next size is bisected between the largest size
 * that worked and the smallest that failed, both remembered per (operation, device) so the
 * next call starts at the known-good size. ACCEL_BATCH_SIZE caps every range, and on devices
 * other than the CPU the operation's memory formula against the device budget caps it too.
 *
 * Cost on the success path: one lock to read the cached order, two clock reads, one lock to
 * update the counters — no allocation, no formatting (docs/benchmarks.md, "Executor"). */
#include "core/executor.h"
#include "core/backend.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/planner.h"
#include "core/select.h"

static void bump_gen(accel__exec_state *s)
{
    if (s) __atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
}

static int is_fallback_status(accel_status st)
{
    switch (st) {
    case ACCEL_ERR_UNAVAILABLE:
    case ACCEL_ERR_DEVICE_LOST:
    case ACCEL_ERR_DEVICE_OOM:
    case ACCEL_ERR_KERNEL:
    case ACCEL_ERR_UNSUPPORTED:
    case ACCEL_ERR_NOT_BUILT_IN:
    case ACCEL_ERR_VENDOR:
    case ACCEL_ERR_TIMEOUT:
    case ACCEL_ERR_DISABLED: return 1;
    default: return 0;
    }
}

static accel_fallback_reason reason_of(accel_status st)
{
    switch (st) {
    case ACCEL_ERR_DEVICE_OOM: return ACCEL_FALLBACK_OOM;
    case ACCEL_ERR_KERNEL: return ACCEL_FALLBACK_KERNEL_ERROR;
    case ACCEL_ERR_UNSUPPORTED:
    case ACCEL_ERR_NOT_BUILT_IN: return ACCEL_FALLBACK_UNSUPPORTED_OP;
    case ACCEL_ERR_DISABLED: return ACCEL_FALLBACK_DISABLED_BY_CONFIG;
    default: return ACCEL_FALLBACK_UNAVAILABLE;
    }
}

void accel__device_mark_lost(accel_ctx *ctx, accel__device *d, const char *why)
{
    accel__exec_state *s = accel__exec_state_get(ctx);
    pthread_mutex_lock(&ctx->lock);
    int was = d->info.usable;
    __atomic_store_n(&d->info.usable, 0, __ATOMIC_RELEASE);
    snprintf(d->info.verdict, sizeof d->info.verdict, "unusable: device lost: %s", why);
    pthread_mutex_unlock(&ctx->lock);
    if (s && d->info.index >= 0 && d->info.index < ACCEL__EXEC_MAX_DEVS)
        __atomic_store_n(&s->lost[d->info.index], 1, __ATOMIC_RELEASE);
    bump_gen(s);
    if (was)
        ACCEL_LOG_WARN("device %d (%s) lost (%s); this context will not use it again",
                       d->info.index, d->info.name, why);
}

/* ---- the cached order ------------------------------------------------------------------ */

static accel_status build_order(accel_ctx *ctx, accel__exec_state *s, const accel__op *op,
                                accel__exec_slot *slot)
{
    accel__selection sel;
    slot->n_order = 0;
    FORWARD_IF_ERROR(accel__select_order(ctx, op->name, &sel));
    int k = 0;
    for (size_t i = 0; i < sel.n && k < ACCEL__EXEC_MAX_DEVS; i++) {
        const accel__candidate *c = &sel.c[i];
        const accel__device *d = &ctx->devs[c->index];
        uint8_t act;
        int cpu = d->info.kind == ACCEL_KIND_CPU;
        if (cpu)
            act = ACCEL__ACT_RUN;
        else if (c->index < ACCEL__EXEC_MAX_DEVS &&
                 __atomic_load_n(&s->lost[c->index], __ATOMIC_ACQUIRE))
            act = ACCEL__ACT_SKIP_LOST;
        else if (c->eligible)
            act = ACCEL__ACT_RUN;
        else if (c->reason == ACCEL_FALLBACK_DISABLED_BY_CONFIG)
            act = ACCEL__ACT_SKIP_DISABLED;
        else if (c->reason == ACCEL_FALLBACK_UNSUPPORTED_OP)
            act = ACCEL__ACT_SKIP_UNSUPPORTED;
        else
            act = ACCEL__ACT_IGNORE;
        slot->order[k] = (int16_t)c->index;
        slot->action[k] = act;
        k++;
        if (cpu) break; /* the CPU ends the walk, even when a setting put it first */
    }
    slot->n_order = k;
    return ACCEL_OK;
}

/* ctx->lock held. Index of the counters of operation `name`, created on first use. */
static int stats_index_locked(accel_ctx *ctx, const char *name)
{
    char key[sizeof ctx->stats[0].s.op];
    accel__strlcpy(key, name, sizeof key);
    for (size_t i = 0; i < ctx->n_stats; i++)
        if (strcmp(ctx->stats[i].s.op, key) == 0) return (int)i;
    if (ctx->n_stats == ctx->cap_stats) {
        size_t cap = ctx->cap_stats ? ctx->cap_stats * 2 : 8;
        accel__stats_entry *v = realloc(ctx->stats, cap * sizeof *v);
        if (!v) return -1;
        ctx->stats = v;
        ctx->cap_stats = cap;
    }
    accel__stats_entry *e = &ctx->stats[ctx->n_stats];
    memset(e, 0, sizeof *e);
    e->s.struct_size = sizeof e->s;
    memcpy(e->s.op, key, sizeof key);
    return (int)ctx->n_stats++;
}

/* ---- one call -------------------------------------------------------------------------- */

typedef struct walk {
    accel_ctx *ctx;
    accel__exec_state *s;
    const accel__op *op;
    void *call;
    int slot;  /* index into s->slots, -1 when the table is full */
    int stats; /* index into ctx->stats, -1 unknown */
    size_t n, pos;
    accel_run_record r;
    uint64_t fb[6];
    int16_t order[ACCEL__EXEC_MAX_DEVS];
    uint8_t action[ACCEL__EXEC_MAX_DEVS];
    int n_order;
} walk;

/* Finds or builds the operation's order and copies it into the walk. */
static accel_status walk_order(walk *w)
{
    accel__exec_state *s = w->s;
    pthread_mutex_lock(&s->lock);
    accel__exec_slot *slot = NULL, local;
    int si = -1;
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].op == w->op) {
            si = i;
            break;
        }
    if (si < 0 && s->n_slots < ACCEL__EXEC_MAX_OPS) {
        si = s->n_slots++;
        memset(&s->slots[si], 0, sizeof s->slots[si]);
        s->slots[si].op = w->op;
        s->slots[si].stats_index = -1;
    }
    if (si >= 0) {
        slot = &s->slots[si];
    } else {
        memset(&local, 0, sizeof local);
        local.stats_index = -1;
        slot = &local;
    }
    unsigned gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
    if (slot->gen != gen) {
        accel_status st = build_order(w->ctx, s, w->op, slot);
        if (st != ACCEL_OK) {
            slot->gen = 0;
            pthread_mutex_unlock(&s->lock);
            return st;
        }
        slot->gen = gen;
    }
    if (slot->stats_index < 0) {
        pthread_mutex_lock(&w->ctx->lock);
        slot->stats_index = stats_index_locked(w->ctx, w->op->name);
        pthread_mutex_unlock(&w->ctx->lock);
    }
    w->slot = si;
    w->stats = slot->stats_index;
    w->n_order = slot->n_order;
    memcpy(w->order, slot->order, (size_t)slot->n_order * sizeof w->order[0]);
    memcpy(w->action, slot->action, (size_t)slot->n_order);
    pthread_mutex_unlock(&s->lock);
    return ACCEL_OK;
}

static accel__exec_mem mem_read(walk *w, int dev)
{
    accel__exec_mem m = {0, 0};
    if (w->slot < 0 || dev < 0 || dev >= ACCEL__EXEC_MAX_DEVS) return m;
    pthread_mutex_lock(&w->s->lock);
    m = w->s->slots[w->slot].mem[dev];
    pthread_mutex_unlock(&w->s->lock);
    return m;
}

/* Records that `n` items ran (ok) or failed with OOM (!ok) on `dev`; returns the new memory. */
static accel__exec_mem mem_note(walk *w, int dev, size_t n, int ok, accel__exec_mem local)
{
    if (w->slot < 0 || dev < 0 || dev >= ACCEL__EXEC_MAX_DEVS) {
        /* no table entry: keep the memory for the rest of this call only */
        if (ok) {
            if (n > local.good) local.good = n;
            if (local.bad && n >= local.bad) local.bad = 0;
        } else {
            if (!local.bad || n < local.bad) local.bad = n;
            if (local.good >= n) local.good = 0;
        }
        return local;
    }
    pthread_mutex_lock(&w->s->lock);
    accel__exec_mem *m = &w->s->slots[w->slot].mem[dev];
    if (ok) {
        if (n > m->good) m->good = n;
        if (m->bad && n >= m->bad) m->bad = 0; /* memory was freed since that failure */
    } else {
        if (!m->bad || n < m->bad) m->bad = n;
        if (m->good >= n) m->good = 0; /* memory shrank since that success */
    }
    accel__exec_mem out = *m;
    pthread_mutex_unlock(&w->s->lock);
    return out;
}

/* Runs items [w->pos, w->n) on one device with the batch cap and OOM bisection. Advances
 * w->pos past what succeeded; *lost gets the time of failed tries. */
static accel_status attempt(walk *w, accel__device *d, double *lost)
{
    accel_ctx *ctx = w->ctx;
    const accel__op *op = w->op;
    int cpu = d->info.kind == ACCEL_KIND_CPU;
    int di = d->info.index;
    *lost = 0;
    RETURN_ERROR_IF(!d->ops || !d->ops->run, ACCEL_ERR_UNAVAILABLE, "device %d (%s): %s", di,
                    d->info.name, d->info.verdict);
    if (!__atomic_load_n(&d->opened, __ATOMIC_ACQUIRE)) {
        double t0 = accel__now_ms();
        accel_status st = accel__device_ensure_open(ctx, d);
        if (st != ACCEL_OK) {
            *lost += accel__now_ms() - t0;
            return st;
        }
    }
    char site[48] = "op:";
    if (!cpu) {
        RETURN_ERROR_IF(!op->run_device, ACCEL_ERR_UNSUPPORTED,
                        "%s has no device code; device %d (%s) cannot run it", op->name, di,
                        d->info.name);
        /* selection asks supports_op of opened devices; one opened just now is asked here */
        RETURN_ERROR_IF(d->ops->supports_op && !d->ops->supports_op(d, op),
                        ACCEL_ERR_UNSUPPORTED, "device %d (%s) has no kernels for %s", di,
                        d->info.name, op->name);
        accel__strlcpy(site + 3, op->name, sizeof site - 3);
    }
    accel__exec_mem mem = mem_read(w, di);
    size_t try_n = w->n - w->pos;
    if (w->s->batch_cap && try_n > (size_t)w->s->batch_cap) try_n = (size_t)w->s->batch_cap;
    if (!cpu && try_n > 1) {
        size_t pre = accel__plan_exec_limit(ctx, d, op, w->call);
        if (pre && try_n > pre) try_n = pre;
    }
    if (mem.bad && try_n >= mem.bad)
        try_n = (mem.good && mem.good < mem.bad) ? mem.good : (mem.bad > 1 ? mem.bad / 2 : 1);
    while (w->pos < w->n) {
        size_t want = w->n - w->pos < try_n ? w->n - w->pos : try_n;
        double t0 = accel__now_ms();
        accel_status st = cpu ? ACCEL_OK : accel__fault_check(ctx, d, site);
        if (st == ACCEL_OK) st = d->ops->run(d, op, w->call, w->pos, w->pos + want);
        if (st == ACCEL_OK) {
            w->pos += want;
            if (want > mem.good || (mem.bad && want >= mem.bad))
                mem = mem_note(w, di, want, 1, mem);
            continue;
        }
        *lost += accel__now_ms() - t0;
        if (st != ACCEL_ERR_DEVICE_OOM) return st;
        mem = mem_note(w, di, want, 0, mem);
        if (want == 1) return st;
        w->r.n_splits++;
        size_t g = mem.good;
        try_n = (g && g < want) ? g + (want - g) / 2 : want / 2;
        if (try_n < 1) try_n = 1;
        ACCEL_LOG_DEBUG("%s: out of memory on device %d with %zu items; retrying with %zu",
                        op->name, di, want, try_n);
    }
    return ACCEL_OK;
}

static int next_runnable(const walk *w, int k)
{
    for (int j = k + 1; j < w->n_order; j++)
        if (w->action[j] != ACCEL__ACT_IGNORE) return j;
    return -1;
}

/* "convert" → "ACCEL_CONVERT_GPU", as config.c spells the per-operation switch. */
static void op_gpu_key(const char *op, char *key, size_t cap)
{
    size_t k = 0;
    for (const char *p = "ACCEL_"; *p && k + 1 < cap; p++) key[k++] = *p;
    for (const char *p = op; *p && k + 5 < cap; p++)
        key[k++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    accel__strlcpy(key + k, "_GPU", cap - k);
}

static accel_status walk_run(walk *w)
{
    accel_ctx *ctx = w->ctx;
    accel_status last = ACCEL_ERR_UNAVAILABLE;
    char msg[256];
    int ran_any = 0;
    for (int k = 0; k < w->n_order; k++) {
        uint8_t act = w->action[k];
        if (act == ACCEL__ACT_IGNORE) continue;
        accel__device *d = &ctx->devs[w->order[k]];
        if (w->r.device_planned < 0) w->r.device_planned = d->info.index;
        accel_status st;
        accel_fallback_reason reason;
        double lost = 0;
        if (act == ACCEL__ACT_RUN) {
            ran_any = 1;
            st = attempt(w, d, &lost);
            w->r.time_lost_ms += lost;
            if (st == ACCEL_OK) {
                w->r.device_used = d->info.index;
                return ACCEL_OK;
            }
            if (!is_fallback_status(st)) return st;
            reason = reason_of(st);
            accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
            if (st == ACCEL_ERR_DEVICE_LOST && d->info.kind != ACCEL_KIND_CPU)
                accel__device_mark_lost(ctx, d, msg);
        } else if (act == ACCEL__ACT_SKIP_DISABLED) {
            reason = ACCEL_FALLBACK_DISABLED_BY_CONFIG;
            st = ACCEL_ERR_DISABLED;
            if (!accel__cfg_bool(ctx, ACCEL__CFG_ALL_GPU)) {
                snprintf(msg, sizeof msg, "GPUs disabled by ACCEL_ALL_GPU=%s (%s)",
                         accel__cfg_str(ctx, ACCEL__CFG_ALL_GPU),
                         accel__cfg_source(ctx, ACCEL__CFG_ALL_GPU));
            } else {
                char key[80];
                op_gpu_key(w->op->name, key, sizeof key);
                snprintf(msg, sizeof msg, "GPU disabled for %s by %s=0", w->op->name, key);
            }
        } else if (act == ACCEL__ACT_SKIP_UNSUPPORTED) {
            reason = ACCEL_FALLBACK_UNSUPPORTED_OP;
            st = ACCEL_ERR_UNSUPPORTED;
            snprintf(msg, sizeof msg, "device %d (%s) has no kernels for %s", d->info.index,
                     d->info.name, w->op->name);
        } else {
            reason = ACCEL_FALLBACK_UNAVAILABLE;
            st = ACCEL_ERR_DEVICE_LOST;
            snprintf(msg, sizeof msg, "device %d (%s) was lost earlier in this context: %s",
                     d->info.index, d->info.name, d->info.verdict);
        }
        last = st;
        int nk = next_runnable(w, k);
        if (nk < 0) { /* nothing left to fall back to: the call fails with this error */
            if (act != ACCEL__ACT_RUN) accel__set_error(st, __FILE__, __LINE__, "%s", msg);
            break;
        }
        const accel__device *nd = &ctx->devs[w->order[nk]];
        if (w->s->strict && reason != ACCEL_FALLBACK_DISABLED_BY_CONFIG) {
            if (w->r.n_fallbacks == 0) {
                w->r.reason = reason;
                accel__strlcpy(w->r.message, msg, sizeof w->r.message);
            }
            return ACCEL_ERROR(
                ACCEL_ERR_STRICT,
                "%s on device %d (%s): %s (%s); ACCEL_STRICT=%s (%s) refuses to "
                "fall back to device %d (%s)",
                w->op->name, d->info.index, d->info.name, accel_fallback_reason_name(reason), msg,
                accel__cfg_str(ctx, ACCEL__CFG_STRICT), accel__cfg_source(ctx, ACCEL__CFG_STRICT),
                nd->info.index, nd->info.name);
        }
        if (w->r.n_fallbacks == 0) {
            w->r.reason = reason;
            accel__strlcpy(w->r.message, msg, sizeof w->r.message);
        }
        w->r.n_fallbacks++;
        w->fb[reason]++;
        /* a runtime failure is news every time; a standing exclusion is logged once */
        int loud = act == ACCEL__ACT_RUN;
        if (!loud && w->slot >= 0 && d->info.index < ACCEL__EXEC_MAX_DEVS) {
            pthread_mutex_lock(&w->s->lock);
            uint8_t *warned = &w->s->slots[w->slot].warned[d->info.index];
            loud = !*warned;
            *warned = 1;
            pthread_mutex_unlock(&w->s->lock);
        }
        accel__log_level lvl = !loud                                         ? ACCEL__LOG_DEBUG
                               : reason == ACCEL_FALLBACK_DISABLED_BY_CONFIG ? ACCEL__LOG_INFO
                                                                             : ACCEL__LOG_WARN;
        accel__log(lvl, "%s: %s on device %d (%s): %s; running items %zu..%zu on device %d (%s)",
                   w->op->name, accel_fallback_reason_name(reason), d->info.index, d->info.name,
                   msg, w->pos, w->n, nd->info.index, nd->info.name);
    }
    if (!ran_any && last == ACCEL_ERR_UNAVAILABLE)
        return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "%s: no usable device", w->op->name);
    return last;
}

static void walk_init(walk *w, accel_ctx *ctx, accel__exec_state *s, const accel__op *op,
                      void *call)
{
    w->ctx = ctx;
    w->s = s;
    w->op = op;
    w->call = call;
    w->slot = -1;
    w->stats = -1;
    w->pos = 0;
    memset(&w->r, 0, sizeof w->r);
    w->r.struct_size = sizeof w->r;
    w->r.device_planned = w->r.device_used = -1;
    memset(w->fb, 0, sizeof w->fb);
}

/* Counters and the caller's record. */
static void walk_finish(walk *w, accel_status st, double t0, accel_run_record *rec)
{
    accel_ctx *ctx = w->ctx;
    pthread_mutex_lock(&ctx->lock);
    int i = w->stats;
    if (i < 0 || (size_t)i >= ctx->n_stats) i = stats_index_locked(ctx, w->op->name);
    if (i >= 0) {
        accel_op_stats *e = &ctx->stats[i].s;
        e->calls++;
        for (int r = 0; r < 6; r++) e->fallbacks[r] += w->fb[r];
        if (st != ACCEL_OK) e->failures++;
        e->time_lost_ms += w->r.time_lost_ms;
    }
    pthread_mutex_unlock(&ctx->lock);
    if (!rec) return;
    w->r.elapsed_ms = accel__now_ms() - t0;
    size_t sz = rec->struct_size ? rec->struct_size : sizeof *rec;
    if (sz > sizeof *rec) sz = sizeof *rec;
    w->r.struct_size = rec->struct_size ? rec->struct_size : sizeof *rec;
    memcpy(rec, &w->r, sz);
}

accel_status accel__exec_from(accel_ctx *ctx, int first, const accel__op *op, void *call,
                              accel_run_record *rec)
{
    RETURN_ERROR_IF(!ctx || !op || !call || !op->n_items, ACCEL_ERR_INVALID_ARG,
                    "accel__exec: NULL argument");
    RETURN_ERROR_IF(first >= (int)ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "device %d out of range (0..%zu)", first, ctx->n_devs - 1);
    double t0 = accel__now_ms();
    accel__exec_state *s = accel__exec_state_get(ctx);
    RETURN_ERROR_IF(!s, ACCEL_ERR_NO_MEMORY, "out of memory for the executor state");
    walk w;
    walk_init(&w, ctx, s, op, call);
    accel_status st = walk_order(&w);
    if (st == ACCEL_OK && first >= 0) {
        /* the given device first, then the policy order without it */
        accel__device *fd = &ctx->devs[first];
        int16_t o[ACCEL__EXEC_MAX_DEVS];
        uint8_t a[ACCEL__EXEC_MAX_DEVS];
        int n = 0;
        o[n] = (int16_t)first;
        int lost =
            first < ACCEL__EXEC_MAX_DEVS && __atomic_load_n(&s->lost[first], __ATOMIC_ACQUIRE);
        a[n++] = lost                                                  ? ACCEL__ACT_SKIP_LOST
                 : __atomic_load_n(&fd->info.usable, __ATOMIC_ACQUIRE) ? ACCEL__ACT_RUN
                                                                       : ACCEL__ACT_IGNORE;
        if (fd->info.kind != ACCEL_KIND_CPU)
            for (int k = 0; k < w.n_order && n < ACCEL__EXEC_MAX_DEVS; k++)
                if (w.order[k] != first) {
                    o[n] = w.order[k];
                    a[n++] = w.action[k];
                }
        memcpy(w.order, o, (size_t)n * sizeof o[0]);
        memcpy(w.action, a, (size_t)n);
        w.n_order = n;
    }
    if (st == ACCEL_OK) {
        w.n = op->n_items(call);
        st = walk_run(&w);
    }
    walk_finish(&w, st, t0, rec);
    return st;
}

accel_status accel__exec(accel_ctx *ctx, const accel__op *op, void *call, accel_run_record *rec)
{
    return accel__exec_from(ctx, -1, op, call, rec);
}

accel_status accel__exec_on(accel_ctx *ctx, size_t index, const accel__op *op, void *call,
                            accel_run_record *rec)
{
    RETURN_ERROR_IF(!ctx || !op || !call || !op->n_items, ACCEL_ERR_INVALID_ARG,
                    "accel__exec_on: NULL argument");
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND, "device %zu out of range (0..%zu)",
                    index, ctx->n_devs - 1);
    double t0 = accel__now_ms();
    accel__exec_state *s = accel__exec_state_get(ctx);
    RETURN_ERROR_IF(!s, ACCEL_ERR_NO_MEMORY, "out of memory for the executor state");
    walk w;
    walk_init(&w, ctx, s, op, call);
    /* the order itself is not used, only the slot (OOM memory) and the counters it finds; a
     * selection error (say, a strict ACCEL_DEVICE that is absent) does not concern this call */
    (void)walk_order(&w);
    accel__device *d = &ctx->devs[index];
    accel_status st;
    w.r.device_planned = (int)index;
    if (!d->info.usable) {
        st = ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "device %zu (%s): %s", index, d->info.name,
                         d->info.verdict);
    } else {
        w.n = op->n_items(call);
        double lost = 0;
        st = attempt(&w, d, &lost);
        w.r.time_lost_ms += lost;
        if (st == ACCEL_OK)
            w.r.device_used = (int)index;
        else if (st == ACCEL_ERR_DEVICE_LOST && d->info.kind != ACCEL_KIND_CPU)
            accel__device_mark_lost(ctx, d, accel__last_error_text());
    }
    walk_finish(&w, st, t0, rec);
    return st;
}

void accel__exec_mem_get(accel_ctx *ctx, const accel__op *op, size_t device, size_t *good,
                         size_t *bad)
{
    *good = *bad = 0;
    accel__exec_state *s = accel__exec_state_get(ctx);
    if (!s || device >= ACCEL__EXEC_MAX_DEVS) return;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->n_slots; i++)
        if (s->slots[i].op == op) {
            *good = s->slots[i].mem[device].good;
            *bad = s->slots[i].mem[device].bad;
        }
    pthread_mutex_unlock(&s->lock);
}
