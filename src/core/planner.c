/* planner.c — how much memory a device offers and how much work fits in it.
 *
 * Budget of a device (docs/planning.md):
 *   free    = dev->ops->mem_info() when the device is open, else the discovery figure;
 *             unified-memory devices (the CPU, PoCL, integrated GPUs) use the host's
 *             MemAvailable, reduced by the tightest cgroup limit, because their "device
 *             memory" is the memory every other process on the host competes for
 *   margin  = max(256 MiB, 5 % of total): room for the driver, the display, other users
 *   budget  = min(free − margin, ACCEL_MEMORY_LIMIT_GB × 2^30, ACCEL_MEMORY_FRACTION × total)
 * Batch: the largest n with (a + b·n) × 1.10 ≤ budget, from the operation's formula
 * (bytes_fixed = a, bytes_per_item = b) or from two measured peaks (calibrated), capped by
 * ACCEL_BATCH_SIZE. Chunk: the longest stretch of signal whose bytes fit the same way.
 * The arithmetic is exact integers where it can be, and every plan says in words how it got
 * its number (accel_plan.why). */
#include "core/planner.h"
#include "core/backend.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "core/devcall.h"
#include "core/executor.h"
#include "core/opnames.h"
#include "core/select.h"
#include "core/text.h"

#define GIB (1024.0 * 1024.0 * 1024.0)
#define MIB (1024.0 * 1024.0)

static void human(int64_t bytes, char *buf, size_t cap)
{
    if (bytes < 0)
        snprintf(buf, cap, "unknown");
    else if (bytes >= (int64_t)1 << 30)
        snprintf(buf, cap, "%.2f GiB", (double)bytes / GIB);
    else if (bytes >= (int64_t)1 << 20)
        snprintf(buf, cap, "%.1f MiB", (double)bytes / MIB);
    else
        snprintf(buf, cap, "%lld B", (long long)bytes);
}

/* ---- host memory ----------------------------------------------------------------------- */

/* "Name:   123 kB" in /proc/meminfo text, in bytes; -1 when absent or when the bytes do not
 * fit int64_t (the kB multiplication is checked, never wrapped). */
static int64_t meminfo_field(const char *text, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, name, nl) != 0 || p[nl] != ':') {
            p = eol ? eol + 1 : NULL;
            continue;
        }
        p += nl + 1;
        while (*p == ' ' || *p == '\t') p++;
        uint64_t kb, bytes;
        if (accel__parse_u64_prefix(p, &kb, NULL) != 0 || __builtin_mul_overflow(kb, 1024, &bytes) ||
            bytes > (uint64_t)INT64_MAX)
            return -1;
        return (int64_t)bytes;
    }
    return -1;
}

/* A byte count in a cgroup file: strict, never negative; -1 when absent or not a number. */
static int64_t read_i64(const char *path, int *is_max)
{
    char buf[64];
    if (is_max) *is_max = 0;
    if (accel__read_text(path, buf, sizeof buf) != 0) return -1;
    if (strcmp(buf, "max") == 0) {
        if (is_max) *is_max = 1;
        return -1;
    }
    int64_t v;
    if (accel__parse_i64(buf, &v) != 0 || v < 0) return -1;
    return v;
}

/* The tightest (limit − usage) and limit over the process's cgroup and its ancestors. */
static void cgroup_room(int64_t *room, int64_t *limit)
{
    *room = *limit = -1;
    char path[512], text[4096];
    snprintf(path, sizeof path, "%s/self/cgroup", accel__procfs_root());
    if (accel__read_text(path, text, sizeof text) != 0) return;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* v2: "0::/a/b"; v1: "N:memory:/a/b" (controllers may be comma-joined) */
        char *c1 = strchr(line, ':');
        if (!c1) continue;
        char *c2 = strchr(c1 + 1, ':');
        if (!c2) continue;
        *c2 = '\0';
        const char *ctrl = c1 + 1, *cg = c2 + 1;
        int v2 = strcmp(line, "0:") == 0 || (line[0] == '0' && c1 == line + 1 && !*ctrl);
        int v1 = 0;
        if (!v2) {
            char tmp[128];
            accel__strlcpy(tmp, ctrl, sizeof tmp);
            char *s2 = NULL;
            for (char *t = strtok_r(tmp, ",", &s2); t; t = strtok_r(NULL, ",", &s2))
                if (strcmp(t, "memory") == 0) v1 = 1;
            if (!v1) continue;
        }
        char rel[384];
        accel__strlcpy(rel, cg, sizeof rel);
        for (;;) {
            char lim_p[1024], use_p[1024];
            const char *base = v2 ? "fs/cgroup" : "fs/cgroup/memory";
            const char *lim_f = v2 ? "memory.max" : "memory.limit_in_bytes";
            const char *use_f = v2 ? "memory.current" : "memory.usage_in_bytes";
            const char *sep = (rel[0] == '/' && rel[1] == '\0') ? "" : rel;
            snprintf(lim_p, sizeof lim_p, "%s/%s%s/%s", accel__sysfs_root(), base, sep, lim_f);
            snprintf(use_p, sizeof use_p, "%s/%s%s/%s", accel__sysfs_root(), base, sep, use_f);
            int64_t lim = read_i64(lim_p, NULL);
            /* v1 writes "no limit" as a huge page-aligned number */
            if (lim > 0 && lim < ((int64_t)1 << 60)) {
                int64_t use = read_i64(use_p, NULL);
                int64_t r = use >= 0 ? lim - use : lim;
                if (r < 0) r = 0;
                if (*room < 0 || r < *room) *room = r;
                if (*limit < 0 || lim < *limit) *limit = lim;
            }
            char *slash = strrchr(rel, '/');
            if (!slash || (slash == rel && rel[1] == '\0')) break;
            if (slash == rel)
                rel[1] = '\0';
            else
                *slash = '\0';
        }
    }
}

int64_t accel__host_available(int64_t *total, char *source, size_t source_cap)
{
    char path[512], text[8192];
    snprintf(path, sizeof path, "%s/meminfo", accel__procfs_root());
    int64_t avail = -1, tot = -1;
    if (accel__read_text(path, text, sizeof text) == 0) {
        avail = meminfo_field(text, "MemAvailable");
        tot = meminfo_field(text, "MemTotal");
    }
    if (source) accel__strlcpy(source, "host MemAvailable", source_cap);
    int64_t room, limit;
    cgroup_room(&room, &limit);
    if (room >= 0 && (avail < 0 || room < avail)) {
        avail = room;
        if (source) accel__strlcpy(source, "cgroup limit − usage", source_cap);
    }
    if (limit >= 0 && (tot < 0 || limit < tot)) tot = limit;
    if (total) *total = tot;
    return avail;
}

/* ---- budgets --------------------------------------------------------------------------- */

accel_status accel__device_budget(accel_ctx *ctx, accel__device *dev, accel__budget *b)
{
    memset(b, 0, sizeof *b);
    b->free_bytes = b->total_bytes = b->limit = b->fraction_cap = b->budget = -1;
    if (dev->info.unified_memory) {
        int64_t tot = -1;
        b->free_bytes = accel__host_available(&tot, b->source, sizeof b->source);
        b->total_bytes = tot;
        if (dev->info.cgroup_mem_limit > 0 &&
            (b->total_bytes < 0 || dev->info.cgroup_mem_limit < b->total_bytes))
            b->total_bytes = dev->info.cgroup_mem_limit;
    }
    if (b->free_bytes < 0 && dev->ops && dev->ops->mem_info &&
        __atomic_load_n(&dev->opened, __ATOMIC_ACQUIRE)) {
        int64_t f = -1, t = -1;
        if (dev->ops->mem_info(dev, &f, &t) == ACCEL_OK && f >= 0) {
            b->free_bytes = f;
            if (t > 0) b->total_bytes = t;
            accel__strlcpy(b->source, "measured now", sizeof b->source);
        }
    }
    if (b->free_bytes < 0 && dev->info.mem_free >= 0) {
        b->free_bytes = dev->info.mem_free;
        accel__strlcpy(b->source, "at discovery", sizeof b->source);
    }
    if (b->total_bytes < 0 && dev->info.mem_total > 0) b->total_bytes = dev->info.mem_total;
    if (b->free_bytes < 0) accel__strlcpy(b->source, "unknown", sizeof b->source);

    int64_t pct = b->total_bytes > 0 ? b->total_bytes / 100 * ACCEL__PLAN_MARGIN_PERCENT : 0;
    b->margin = pct > ACCEL__PLAN_MARGIN_MIN ? pct : ACCEL__PLAN_MARGIN_MIN;
    double gb = accel__cfg_double(ctx, ACCEL__CFG_MEMORY_LIMIT_GB);
    if (gb > 0) b->limit = (int64_t)(gb * GIB);
    double frac = accel__cfg_double(ctx, ACCEL__CFG_MEMORY_FRACTION);
    if (frac > 0 && b->total_bytes > 0) b->fraction_cap = (int64_t)(frac * (double)b->total_bytes);

    char f[32], t[32], m[32], out[32];
    human(b->free_bytes, f, sizeof f);
    human(b->total_bytes, t, sizeof t);
    human(b->margin, m, sizeof m);
    size_t n = 0;
    int64_t budget = -1;
    if (b->free_bytes >= 0) {
        budget = b->free_bytes - b->margin;
        if (budget < 0) budget = 0;
        n += (size_t)snprintf(b->why + n, sizeof b->why - n,
                              "free %s (%s) − keep-free %s (max(256 MiB, 5%% of total %s))", f,
                              b->source, m, t);
    } else {
        n += (size_t)snprintf(b->why + n, sizeof b->why - n, "free memory unknown");
    }
    if (b->limit >= 0 && n < sizeof b->why) {
        human(b->limit, out, sizeof out);
        n += (size_t)snprintf(b->why + n, sizeof b->why - n,
                              "; ACCEL_MEMORY_LIMIT_GB=%s (%s) caps at %s",
                              accel__cfg_str(ctx, ACCEL__CFG_MEMORY_LIMIT_GB),
                              accel__cfg_source(ctx, ACCEL__CFG_MEMORY_LIMIT_GB), out);
        if (budget < 0 || b->limit < budget) budget = b->limit;
    }
    if (frac > 0 && n < sizeof b->why) {
        if (b->fraction_cap >= 0) {
            human(b->fraction_cap, out, sizeof out);
            n += (size_t)snprintf(b->why + n, sizeof b->why - n,
                                  "; ACCEL_MEMORY_FRACTION=%s (%s) caps at %s",
                                  accel__cfg_str(ctx, ACCEL__CFG_MEMORY_FRACTION),
                                  accel__cfg_source(ctx, ACCEL__CFG_MEMORY_FRACTION), out);
            if (budget < 0 || b->fraction_cap < budget) budget = b->fraction_cap;
        } else {
            n += (size_t)snprintf(b->why + n, sizeof b->why - n,
                                  "; ACCEL_MEMORY_FRACTION ignored: total memory unknown");
        }
    }
    b->budget = budget;
    if (n < sizeof b->why) {
        human(budget, out, sizeof out);
        snprintf(b->why + n, sizeof b->why - n, " → budget %s", out);
    }
    return ACCEL_OK;
}

int64_t accel__plan_usable(int64_t budget)
{
    if (budget <= 0) return 0;
    return budget / 11 * 10 + budget % 11 * 10 / 11; /* no overflow for any int64 */
}

size_t accel__plan_fit(int64_t budget, int64_t a, int64_t b)
{
    if (budget < 0) return 0;
    if (a < 0) a = 0;
    int64_t usable = accel__plan_usable(budget);
    if (b <= 0) return a <= usable ? SIZE_MAX : 0;
    if (usable - a < b) return 0;
    uint64_t n = (uint64_t)((usable - a) / b);
    return n >= (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)n;
}

static int formula(const accel__op *op, void *call, int64_t *a, int64_t *b)
{
    if (!op->bytes_per_item) return 0;
    *b = op->bytes_per_item(call);
    *a = op->bytes_fixed ? op->bytes_fixed(call) : 0;
    return *b >= 0 && *a >= 0;
}

size_t accel__plan_exec_limit(accel_ctx *ctx, accel__device *dev, const accel__op *op, void *call)
{
    int64_t a, b;
    if (!formula(op, call, &a, &b) || b <= 0) return 0;
    accel__exec_state *s = accel__exec_state_get(ctx);
    int i = dev->info.index;
    int64_t budget = -1;
    double now = accel__now_ms();
    int cached = 0;
    if (s && i >= 0 && i < ACCEL__EXEC_MAX_DEVS) {
        pthread_mutex_lock(&s->lock);
        if (now - s->budget_at_ms[i] < 50.0) {
            budget = s->budget[i];
            cached = 1;
        }
        pthread_mutex_unlock(&s->lock);
    }
    if (!cached) {
        accel__budget bd;
        accel__device_budget(ctx, dev, &bd);
        budget = bd.budget;
        if (s && i >= 0 && i < ACCEL__EXEC_MAX_DEVS) {
            pthread_mutex_lock(&s->lock);
            s->budget[i] = budget;
            s->budget_at_ms[i] = now;
            pthread_mutex_unlock(&s->lock);
        }
    }
    if (budget < 0) return 0;
    size_t n = accel__plan_fit(budget, a, b);
    return n ? n : 1;
}

/* ---- batch plans ----------------------------------------------------------------------- */

static accel_status resolve_device(accel_ctx *ctx, const char *op, int device, int *out)
{
    if (device >= 0) {
        RETURN_ERROR_IF((size_t)device >= ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                        "device %d out of range (this machine has devices 0..%zu)", device,
                        ctx->n_devs - 1);
        *out = device;
        return ACCEL_OK;
    }
    accel__selection sel;
    FORWARD_IF_ERROR(accel__select_order(ctx, op, &sel));
    *out = sel.chosen;
    return ACCEL_OK;
}

static void plan_init(accel_plan *plan)
{
    size_t sz = plan->struct_size;
    memset(plan, 0, sizeof *plan);
    plan->struct_size = sz ? sz : sizeof *plan;
    plan->device = -1;
    plan->budget_bytes = -1;
}

/* Runs items [0, n) of `call` on `d` and returns the peak device memory it allocated above what
 * was in use before. */
static accel_status measure_peak(accel_ctx *ctx, accel__device *d, const accel__op *op, void *call,
                                 size_t n, int64_t *peak)
{
    int64_t base = accel__dev_mem_current(d);
    accel__dev_mem_reset_peak(d);
    accel_status st = ACCEL_OK;
    if (d->info.kind != ACCEL_KIND_CPU) {
        char site[48] = "op:";
        accel__strlcpy(site + 3, op->name, sizeof site - 3);
        st = accel__fault_check(ctx, d, site);
    }
    if (st == ACCEL_OK) st = d->ops->run(d, op, call, 0, n);
    if (st != ACCEL_OK) return st;
    *peak = accel__dev_mem_peak(d) - base;
    return ACCEL_OK;
}

accel_status accel__plan_batch_call(accel_ctx *ctx, const accel__op *op, void *call, int device,
                                    int calibrate, accel_plan *plan)
{
    RETURN_ERROR_IF(!ctx || !op || !call || !plan, ACCEL_ERR_INVALID_ARG,
                    "accel_plan_batch: NULL argument");
    plan_init(plan);
    int di;
    FORWARD_IF_ERROR(resolve_device(ctx, op->name, device, &di));
    accel__device *d = &ctx->devs[di];
    plan->device = di;
    accel__budget bd;
    accel__device_budget(ctx, d, &bd);
    plan->budget_bytes = bd.budget;

    int64_t a = 0, b = 0;
    int have = formula(op, call, &a, &b);
    char how[320];
    if (have)
        snprintf(how, sizeof how, "bytes = %lld + %lld·n (formula of %s)", (long long)a,
                 (long long)b, op->name);
    else
        snprintf(how, sizeof how, "%s has no memory formula", op->name);

    if (calibrate) {
        size_t n = op->n_items(call);
        RETURN_ERROR_IF(n < 1, ACCEL_ERR_INVALID_ARG, "calibrating %s needs a call of at least 1 item",
                        op->name);
        RETURN_ERROR_IF(!d->info.usable || !d->ops || !d->ops->run, ACCEL_ERR_UNAVAILABLE,
                        "cannot calibrate on device %d (%s): %s", di, d->info.name,
                        d->info.verdict);
        FORWARD_IF_ERROR(accel__device_ensure_open(ctx, d));
        char skip[240] = "";
        if (!accel__device_offers(ctx, d, op, skip, sizeof skip)) {
            /* the executor never runs it there: there is no memory of it to measure */
            size_t k = strlen(how);
            snprintf(how + k, sizeof how - k, "; not calibrated: %s", skip);
        } else if (n < 2) {
            /* one item cannot give a slope: measure it and keep the formula */
            int64_t p1 = 0;
            accel_status st = measure_peak(ctx, d, op, call, n, &p1);
            if (st != ACCEL_OK)
                return ACCEL_ERROR(st, "calibrating %s on device %d (%s) failed: %s", op->name,
                                   di, d->info.name, accel__last_error_text());
            size_t k = strlen(how);
            snprintf(how + k, sizeof how - k,
                     "; calibration measured %lld B at n=%zu (%s's calls hold one item: no slope "
                     "to fit)",
                     (long long)p1, n, op->name);
        } else {
            /* the last item of a call may be a remainder (reduce's last, shorter segment):
             * with 3 items or more it is left out, so both runs hold whole items only */
            size_t n2 = n >= 3 ? n - 1 : n, n1 = n2 / 2;
            int64_t p1 = 0, p2 = 0;
            double t0 = accel__now_ms();
            accel_status st = measure_peak(ctx, d, op, call, n1, &p1);
            if (st == ACCEL_OK) st = measure_peak(ctx, d, op, call, n2, &p2);
            double secs = (accel__now_ms() - t0) / 1000.0;
            if (st != ACCEL_OK)
                return ACCEL_ERROR(st, "calibrating %s on device %d (%s) failed: %s", op->name,
                                   di, d->info.name, accel__last_error_text());
            if (p2 > p1) {
                /* round the slope up: under-estimating it is what runs out of memory */
                int64_t slope = (p2 - p1 + (int64_t)(n2 - n1) - 1) / (int64_t)(n2 - n1);
                int64_t fixed = p1 - slope * (int64_t)n1;
                if (fixed < 0) fixed = 0;
                a = fixed;
                b = slope;
                have = 1;
                plan->calibrated = 1;
                snprintf(how, sizeof how,
                         "bytes = %lld + %lld·n (calibrated: peaks %lld B at n=%zu, %lld B at "
                         "n=%zu; the runs took %.2f s)",
                         (long long)a, (long long)b, (long long)p1, n1, (long long)p2, n2, secs);
            } else {
                size_t k = strlen(how);
                snprintf(how + k, sizeof how - k,
                         "; calibration measured %lld B at n=%zu and %lld B at n=%zu (no growth: "
                         "the device code's memory does not grow with the batch at these sizes)",
                         (long long)p1, n1, (long long)p2, n2);
            }
        }
    }
    plan->bytes_fixed = a;
    plan->bytes_per_item = b;

    accel_status result = ACCEL_OK;
    char tail[200];
    size_t batch;
    if (!have || b <= 0) {
        batch = SIZE_MAX;
        snprintf(tail, sizeof tail, "no per-item memory: any batch fits");
    } else if (bd.budget < 0) {
        batch = SIZE_MAX;
        snprintf(tail, sizeof tail, "memory unknown: no limit from memory");
    } else {
        batch = accel__plan_fit(bd.budget, a, b);
        snprintf(tail, sizeof tail, "× %.2f safety ≤ budget → batch %zu", ACCEL__PLAN_SAFETY,
                 batch);
        if (batch == 0) {
            result = ACCEL_ERROR(ACCEL_ERR_DEVICE_OOM,
                                 "%s: one item needs %lld B × %.2f but device %d (%s) has a "
                                 "budget of %lld B",
                                 op->name, (long long)(a + b), ACCEL__PLAN_SAFETY, di, d->info.name,
                                 (long long)bd.budget);
        }
    }
    long long cap = accel__cfg_int(ctx, ACCEL__CFG_BATCH_SIZE);
    size_t k = strlen(tail);
    if (cap > 0 && batch > (size_t)cap) {
        batch = (size_t)cap;
        snprintf(tail + k, sizeof tail - k, "; ACCEL_BATCH_SIZE=%lld (%s) caps it at %lld", cap,
                 accel__cfg_source(ctx, ACCEL__CFG_BATCH_SIZE), cap);
    }
    plan->batch = batch;
    /* the conclusion first: a long budget explanation may be cut at the end, never the result */
    snprintf(plan->why, sizeof plan->why, "%s; %s. Device %d (%s): %s", how, tail, di,
             d->info.name, bd.why);
    return result;
}

/* The preset that builds calls of the operation for its formula: the one named, or the
 * family's default (core/opnames.h). */
static accel_status case_for(const char *op, const accel__bench_case **c, const accel__op **o)
{
    RETURN_ERROR_IF(!op, ACCEL_ERR_INVALID_ARG, "operation name is NULL");
    accel__op_ref ref;
    FORWARD_IF_ERROR(accel__op_resolve(op, &ref));
    RETURN_ERROR_IF(!ref.op, ACCEL_ERR_NOT_BUILT_IN,
                    "operation '%s' is not built into this library", op);
    RETURN_ERROR_IF(!ref.pre, ACCEL_ERR_UNSUPPORTED,
                    "operation '%s' has no planning case (src/core/bench_cases.c)", op);
    *c = ref.pre;
    *o = ref.op;
    return ACCEL_OK;
}

/* Calibration runs the first n₂ and n₁ items of one call of n items (accel__plan_batch_call).
 * The call holds enough items that the memory growing with them (the formula's b·n) is
 * CALIBRATION_BYTES, far above what allocations round to (a page, a 256-B alignment per
 * buffer), so the slope is measured, not the rounding; and no more, so it takes a moment
 * (whisper: 44 s of audio rather than the 1024 s it once ran; an image operation: 2 images). At least 2 items; without a formula,
 * CALIBRATION_ITEMS; never more than an eighth of what the formula says fits the device. */
#define CALIBRATION_BYTES (4 << 20)
#define CALIBRATION_ITEMS 1024

/* The operation's items a calibration call of `o` should hold, from the formula evaluated on
 * `call` (which depends on the call: a reduce item is a segment of up to 64 Ki elements). */
static size_t calibration_items(accel_ctx *ctx, const accel__op *o, void *call, int device)
{
    int64_t a = 0, b = 0;
    size_t want = CALIBRATION_ITEMS;
    if (formula(o, call, &a, &b) && b > 0) want = (size_t)((CALIBRATION_BYTES + b - 1) / b);
    accel_plan pre = {.struct_size = sizeof pre};
    /* a formula that says nothing fits may be wrong: calibration is how to find out */
    if (accel__plan_batch_call(ctx, o, call, device, 0, &pre) == ACCEL_OK && pre.batch / 8 < want)
        want = pre.batch / 8;
    return want < 2 ? 2 : want;
}

/* The case builds calls in its own items (a second of audio, an element of an array), which
 * are not the operation's (a frame, a segment): the case's count grows until the operation's
 * reaches the target, or the case's largest size is reached (noop's calls always hold one
 * item). */
static accel_status calibration_call(accel_ctx *ctx, const accel__bench_case *c,
                                     const accel__op *o, size_t item_size, int device,
                                     void **out)
{
    *out = NULL;
    size_t bin, bout, k = 1;
    void *call = NULL;
    FORWARD_IF_ERROR(c->make(k, item_size, &call, &bin, &bout));
    size_t most = c->sizes[2] > 0 ? c->sizes[2] : (size_t)1 << 30;
    for (int step = 0; step < 64 && k < most; step++) {
        size_t n = o->n_items(call), want = calibration_items(ctx, o, call, device);
        if (n >= want) break;
        /* the next count aims at the target in proportion (no items yet: twice as many) */
        size_t next = n ? (size_t)ceil((double)k * (double)want / (double)n) : 2 * k;
        if (next <= k) next = k + 1;
        if (next > most) next = most;
        c->destroy(call);
        call = NULL;
        k = next;
        FORWARD_IF_ERROR(c->make(k, item_size, &call, &bin, &bout));
    }
    *out = call;
    return ACCEL_OK;
}

accel_status accel_plan_batch(accel_ctx *ctx, const char *op, size_t item_size, int device,
                              int calibrate, accel_plan *plan)
{
    RETURN_ERROR_IF(!ctx || !plan, ACCEL_ERR_INVALID_ARG, "accel_plan_batch: NULL argument");
    const accel__bench_case *c = NULL;
    const accel__op *o = NULL;
    FORWARD_IF_ERROR(case_for(op, &c, &o));
    void *call = NULL;
    size_t bin, bout;
    if (calibrate)
        FORWARD_IF_ERROR(calibration_call(ctx, c, o, item_size, device, &call));
    else
        FORWARD_IF_ERROR(c->make(2, item_size, &call, &bin, &bout));
    accel_status st = accel__plan_batch_call(ctx, o, call, device, calibrate, plan);
    c->destroy(call);
    return st;
}

/* ---- chunk plans ----------------------------------------------------------------------- */

static accel_status bytes_of_signal(const accel__bench_case *c, const accel__op *o, double sec,
                                    int rate, int64_t *bytes)
{
    void *call = NULL;
    size_t bin, bout;
    size_t samples = (size_t)llround(sec * rate);
    if (c->make_signal)
        FORWARD_IF_ERROR(c->make_signal(sec, rate, &call));
    else
        FORWARD_IF_ERROR(c->make(samples, 0, &call, &bin, &bout));
    int64_t a = 0, b = 0;
    int have = formula(o, call, &a, &b);
    size_t n = o->n_items(call);
    c->destroy(call);
    *bytes = have ? a + b * (int64_t)n : 0;
    return ACCEL_OK;
}

accel_status accel_plan_chunk(accel_ctx *ctx, const char *op, double duration_s, int rate,
                              int device, accel_plan *plan)
{
    RETURN_ERROR_IF(!ctx || !plan, ACCEL_ERR_INVALID_ARG, "accel_plan_chunk: NULL argument");
    RETURN_ERROR_IF(!(duration_s > 0) || !isfinite(duration_s), ACCEL_ERR_INVALID_ARG,
                    "duration %g s: must be a number of seconds greater than 0", duration_s);
    RETURN_ERROR_IF(rate <= 0, ACCEL_ERR_INVALID_ARG, "rate %d Hz: must be at least 1", rate);
    RETURN_ERROR_IF(duration_s * rate > ACCEL__PLAN_MAX_SAMPLES, ACCEL_ERR_INVALID_ARG,
                    "duration %g s at %d Hz: %g samples; allowed: at most 2^53 (%.0f) samples",
                    duration_s, rate, duration_s * rate, ACCEL__PLAN_MAX_SAMPLES);
    const accel__bench_case *c = NULL;
    const accel__op *o = NULL;
    FORWARD_IF_ERROR(case_for(op, &c, &o));
    plan_init(plan);
    int di;
    FORWARD_IF_ERROR(resolve_device(ctx, o->name, device, &di));
    accel__device *d = &ctx->devs[di];
    plan->device = di;
    accel__budget bd;
    accel__device_budget(ctx, d, &bd);
    plan->budget_bytes = bd.budget;

    /* bytes(s) = fixed + per_second·s, from the formula at 1 s and 2 s of signal */
    int64_t b1, b2;
    FORWARD_IF_ERROR(bytes_of_signal(c, o, 1.0, rate, &b1));
    FORWARD_IF_ERROR(bytes_of_signal(c, o, 2.0, rate, &b2));
    int64_t per_s = b2 - b1 > 0 ? b2 - b1 : 0;
    int64_t fixed = b1 - per_s > 0 ? b1 - per_s : 0;
    plan->bytes_fixed = fixed;
    plan->bytes_per_item = (per_s + rate - 1) / rate; /* per sample */

    double chunk;
    char how[240];
    accel_status result = ACCEL_OK;
    double setting = accel__cfg_double(ctx, ACCEL__CFG_CHUNK_SECONDS);
    if (setting > 0) {
        chunk = setting < duration_s ? setting : duration_s;
        snprintf(how, sizeof how, "ACCEL_CHUNK_SECONDS=%s (%s) sets the chunk",
                 accel__cfg_str(ctx, ACCEL__CFG_CHUNK_SECONDS),
                 accel__cfg_source(ctx, ACCEL__CFG_CHUNK_SECONDS));
        if (bd.budget >= 0 &&
            (double)(fixed + per_s * chunk) * ACCEL__PLAN_SAFETY > (double)bd.budget) {
            size_t k = strlen(how);
            snprintf(how + k, sizeof how - k, " (above the budget: the executor will split it)");
        }
    } else if (per_s == 0) {
        chunk = duration_s;
        snprintf(how, sizeof how, "%s needs no memory per second of signal: one chunk", o->name);
    } else if (bd.budget < 0) {
        chunk = duration_s;
        snprintf(how, sizeof how, "memory unknown: one chunk");
    } else {
        double usable = (double)(accel__plan_usable(bd.budget) - fixed);
        chunk = usable > 0 ? usable / (double)per_s : 0;
        snprintf(how, sizeof how,
                 "bytes = %lld + %lld·seconds at %d Hz; (budget / %.2f − %lld) / %lld = %.3f s",
                 (long long)fixed, (long long)per_s, rate, ACCEL__PLAN_SAFETY, (long long)fixed,
                 (long long)per_s, chunk);
        if (chunk >= duration_s) chunk = duration_s;
    }
    /* whole samples only */
    double samples = floor(chunk * rate + 1e-9);
    if (samples < 1) {
        plan->batch = 0;
        plan->chunk_seconds = 0;
        /* memory is the reason only when it cut the chunk: an input, or an ACCEL_CHUNK_SECONDS,
         * shorter than one sample is not a device that is too small */
        if (chunk >= duration_s)
            result = ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                                 "%s: the input, %g s, is shorter than one sample at %d Hz; "
                                 "allowed: at least %g s",
                                 o->name, duration_s, rate, 1.0 / rate);
        else if (setting > 0)
            result = ACCEL_ERROR(ACCEL_ERR_CONFIG,
                                 "ACCEL_CHUNK_SECONDS=%s (from %s): shorter than one sample at %d "
                                 "Hz; allowed: at least %g s at this rate",
                                 accel__cfg_str(ctx, ACCEL__CFG_CHUNK_SECONDS),
                                 accel__cfg_source(ctx, ACCEL__CFG_CHUNK_SECONDS), rate, 1.0 / rate);
        else
            result = ACCEL_ERROR(ACCEL_ERR_DEVICE_OOM,
                                 "%s: not even one sample of signal fits device %d (%s): %s",
                                 o->name, di, d->info.name, bd.why);
    } else {
        plan->batch = (size_t)samples;
        plan->chunk_seconds = samples / rate;
    }
    double n_chunks = plan->chunk_seconds > 0 ? ceil(duration_s / plan->chunk_seconds - 1e-9) : 0;
    snprintf(plan->why, sizeof plan->why,
             "%s → chunks of %.3f s (%zu samples), %.0f chunk(s) for %.3f s. Device %d (%s): %s",
             how, plan->chunk_seconds, plan->batch, n_chunks, duration_s, di, d->info.name,
             bd.why);
    return result;
}
