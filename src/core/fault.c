/* fault.c — ACCEL_FAULT: make a named device call fail exactly as the real failure would, so
 * every fallback path can be exercised on a machine without a GPU.
 *
 * Backends call accel__fault_check(ctx, dev, "alloc"|"copy"|"launch") at the top of those
 * slots, the executor checks "op:<name>" before running an operation on a device and "open"
 * before opening one. Faults fire only on non-CPU devices: the CPU is the device of last
 * resort, and a fault there would only test that everything fails.
 *
 * Counting is per context and per site, over every non-CPU device: "oom@alloc:3" fails the
 * third allocation the context makes on any GPU. The state is one flat block (the context
 * frees it with free()); counters are atomics, so checks from several threads need no lock. */
#include "core/fault.h"
#include "core/backend.h"

#include <ctype.h>
#include <errno.h>
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

static const char *const kind_names[] = {"oom", "launch", "lost", "unavailable", "kernel"};

accel_status accel__fault_status(accel__fault_kind kind)
{
    switch (kind) {
    case ACCEL__FAULT_OOM: return ACCEL_ERR_DEVICE_OOM;
    case ACCEL__FAULT_LAUNCH:
    case ACCEL__FAULT_KERNEL: return ACCEL_ERR_KERNEL;
    case ACCEL__FAULT_LOST: return ACCEL_ERR_DEVICE_LOST;
    case ACCEL__FAULT_UNAVAILABLE: return ACCEL_ERR_UNAVAILABLE;
    }
    return ACCEL_ERR_INTERNAL;
}

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

static int bad(char *why, size_t cap, const char *item, const char *fmt, const char *detail)
{
    char d[160];
    snprintf(d, sizeof d, fmt, detail);
    snprintf(why, cap, "item '%s': %s", item, d);
    return -1;
}

static int parse_item(const char *item, accel__fault_rule *r, char *why, size_t cap)
{
    memset(r, 0, sizeof *r);
    accel__strlcpy(r->text, item, sizeof r->text);
    const char *at = strchr(item, '@');
    if (!at) return bad(why, cap, item, "%s", "missing '@' between KIND and SITE");
    size_t kl = (size_t)(at - item);
    int kind = -1;
    for (int k = 0; k < 5; k++)
        if (strlen(kind_names[k]) == kl && strncmp(item, kind_names[k], kl) == 0) kind = k;
    if (kind < 0) {
        char k[64];
        accel__strlcpy(k, item, kl + 1 < sizeof k ? kl + 1 : sizeof k);
        return bad(why, cap, item,
                   "unknown kind '%s' (kinds: oom, launch, lost, unavailable, kernel)", k);
    }
    r->kind = (accel__fault_kind)kind;
    const char *site = at + 1, *colon;
    if (strncmp(site, "op:", 3) == 0) {
        const char *name = site + 3;
        size_t nl = 0;
        while (name[nl] && (isalnum((unsigned char)name[nl]) || name[nl] == '_' ||
                            name[nl] == '-' || name[nl] == '.'))
            nl++;
        if (nl == 0) return bad(why, cap, item, "%s", "op: needs an operation name (op:convert)");
        colon = name + nl;
        if (*colon && *colon != ':')
            return bad(why, cap, item, "unexpected '%s' after the operation name", colon);
    } else {
        colon = strchr(site, ':');
        size_t sl = colon ? (size_t)(colon - site) : strlen(site);
        static const char *const sites[] = {"alloc", "copy", "launch", "open"};
        int ok = 0;
        for (int s = 0; s < 4; s++)
            if (strlen(sites[s]) == sl && strncmp(site, sites[s], sl) == 0) ok = 1;
        if (!ok) {
            char s[64];
            accel__strlcpy(s, site, sl + 1 < sizeof s ? sl + 1 : sizeof s);
            return bad(why, cap, item,
                       "unknown site '%s' (sites: alloc, copy, launch, open, op:<name>)", s);
        }
    }
    size_t sl = colon && *colon ? (size_t)(colon - site) : strlen(site);
    if (sl >= sizeof r->site) return bad(why, cap, item, "%s", "site name too long");
    memcpy(r->site, site, sl);
    r->site[sl] = '\0';
    if (colon && *colon == ':') {
        const char *num = colon + 1;
        if (!isdigit((unsigned char)*num))
            return bad(why, cap, item, "'%s' is not a call number (N or N+, N ≥ 1)", num);
        char *end;
        errno = 0;
        unsigned long n = strtoul(num, &end, 10);
        if (errno || n == 0) return bad(why, cap, item, "call number '%s' must be ≥ 1", num);
        if (*end == '+') {
            r->from_nth = 1;
            end++;
        }
        if (*end) return bad(why, cap, item, "'%s' is not a call number (N or N+, N ≥ 1)", num);
        r->nth = n;
    }
    return 0;
}

int accel__fault_parse(const char *spec, accel__fault_rule *rules, int max_rules, char *why,
                       size_t why_cap)
{
    if (!spec) return 0;
    int n = 0;
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        /* tolerate spaces around items ("oom@alloc, lost@copy") */
        while (len && isspace((unsigned char)*p)) p++, len--;
        while (len && isspace((unsigned char)p[len - 1])) len--;
        if (len == 0) {
            snprintf(why, why_cap, "empty item in the list");
            return -1;
        }
        if (len >= sizeof item) {
            snprintf(why, why_cap, "item '%.40s…' is too long", p);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (n >= max_rules) {
            snprintf(why, why_cap, "more than %d items", max_rules);
            return -1;
        }
        if (parse_item(item, &rules[n], why, why_cap) != 0) return -1;
        n++;
        if (!comma) break;
        p = comma + 1;
        if (!*p) {
            snprintf(why, why_cap, "empty item after the last ','");
            return -1;
        }
    }
    return n;
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
