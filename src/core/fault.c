/* fault.c — ACCEL_FAULT: make a named device call fail exactly as the real failure would, so
 * every fallback path can be exercised on a machine without a GPU.
 *
 * Backends call accel__fault_check(ctx, dev, "alloc"|"copy"|"launch") at the top of those
 * slots, the executor checks "op:<name>" before running an operation on a device and "open"
 * before opening one. Faults fire only on non-CPU devices: the CPU is the device of last
 * resort, and a fault there would only test that everything fails.
 *
 * Counting is per context and per site, over every non-CPU device: "oom@alloc:3" fails the
 * third allocation the context makes on any GPU. The syntax is parsed by fault_spec.c. The
 * state is one flat block (the context frees it with free()); counters are atomics, so checks
 * from several threads need no lock. */
#include "core/fault.h"
#include "core/backend.h"

#include <stdlib.h>
#include <string.h>

typedef struct fault_state {
    int n_rules;
    int n_sites;
    accel__fault_rule rules[ACCEL__FAULT_MAX_RULES];
    int rule_site[ACCEL__FAULT_MAX_RULES]; /* index into sites */
    char sites[ACCEL__FAULT_MAX_RULES][ACCEL__FAULT_SITE_MAX];
    unsigned long count[ACCEL__FAULT_MAX_RULES]; /* calls seen per site */
    char spec[512];                              /* the whole setting, for messages */
} fault_state;

/* The wording of the real failure, so logs read the same as in the field. */
static const char *kind_text(accel__fault_kind kind)
{
    switch (kind) {
    case ACCEL__FAULT_OOM: return "out of memory";
    case ACCEL__FAULT_LAUNCH: return "kernel launch failed";
    case ACCEL__FAULT_KERNEL: return "kernel failed";
    case ACCEL__FAULT_LOST: return "device lost";
    case ACCEL__FAULT_UNAVAILABLE: return "device unavailable";
    }
    return "fault";
}

static fault_state *state_get(accel_ctx *ctx)
{
    fault_state *fs = __atomic_load_n((fault_state **)&ctx->fault_state, __ATOMIC_ACQUIRE);
    if (fs) return fs;
    pthread_mutex_lock(&ctx->lock);
    fs = ctx->fault_state;
    if (!fs) {
        fs = calloc(1, sizeof *fs);
        if (fs) {
            char why[256];
            const char *spec = accel__cfg_str(ctx, ACCEL__CFG_FAULT);
            accel__strlcpy(fs->spec, spec, sizeof fs->spec);
            int n = accel__fault_parse(spec, fs->rules, ACCEL__FAULT_MAX_RULES, why, sizeof why);
            if (n < 0) { /* validated at load; only reachable if validation was bypassed */
                ACCEL_LOG_ERROR("ACCEL_FAULT=%s ignored: %s", spec, why);
                n = 0;
            }
            fs->n_rules = n;
            for (int i = 0; i < n; i++) {
                int s = 0;
                while (s < fs->n_sites && strcmp(fs->sites[s], fs->rules[i].site) != 0) s++;
                if (s == fs->n_sites) {
                    memcpy(fs->sites[s], fs->rules[i].site, sizeof fs->sites[s]);
                    fs->n_sites++;
                }
                fs->rule_site[i] = s;
            }
            __atomic_store_n((fault_state **)&ctx->fault_state, fs, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&ctx->lock);
    return fs;
}

accel_status accel__fault_check(accel_ctx *ctx, const accel__device *dev, const char *site)
{
    if (!ctx || !dev || !site || dev->info.kind == ACCEL_KIND_CPU) return ACCEL_OK;
    fault_state *fs = state_get(ctx);
    if (!fs || fs->n_rules == 0) return ACCEL_OK;
    int s = 0;
    while (s < fs->n_sites && strcmp(fs->sites[s], site) != 0) s++;
    if (s == fs->n_sites) return ACCEL_OK;
    unsigned long call = __atomic_add_fetch(&fs->count[s], 1, __ATOMIC_RELAXED);
    for (int i = 0; i < fs->n_rules; i++) {
        const accel__fault_rule *r = &fs->rules[i];
        if (fs->rule_site[i] != s) continue;
        int fire = r->nth == 0 || call == r->nth || (r->from_nth && call > r->nth);
        if (!fire) continue;
        ACCEL_LOG_DEBUG("fault injected at %s call %lu on device %d: %s", site, call,
                        dev->info.index, r->text);
        return ACCEL_ERROR(accel__fault_status(r->kind),
                           "%s (injected by ACCEL_FAULT=%s at %s call %lu on device %d)",
                           kind_text(r->kind), r->text, site, call, dev->info.index);
    }
    return ACCEL_OK;
}
