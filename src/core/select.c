/* select.c — where an operation runs.
 *
 * Policy until measured crossovers exist: usable discrete GPUs ranked by architecture
 * generation (CUDA compute capability, or the gfx target of an AMD GPU), then by free memory,
 * then by route (CUDA, then HIP, then OpenCL, for the same card seen through two APIs that
 * were not merged); then devices that share the host's memory (an OpenCL CPU device such as
 * PoCL, an integrated GPU), ranked by free memory; the CPU last. Under auto, a device that
 * computes on the host CPU itself (info.host_cpu: PoCL) is listed but not eligible unless a
 * setting names it (ACCEL_BACKEND=opencl, or ACCEL_DEVICE with its index). Settings narrow it:
 * ACCEL_BACKEND (a kind), ACCEL_DEVICE (an index or PCI bus id; wins over ACCEL_BACKEND),
 * ACCEL_ALL_GPU=0 and ACCEL_<OP>_GPU=0 (CPU only). A requested device that is absent or
 * unusable is a warning — logged once per context — and then exactly what auto would choose
 * (ACCEL_BACKEND=cuda on a machine without CUDA runs where auto runs, not on PoCL, which auto
 * itself excludes); under ACCEL_STRICT=1 it is ACCEL_ERR_STRICT instead.
 * accel__select_order() gives the whole order, which the executor walks when it falls back.
 *
 * Scores, shown by `accel select --explain`: discrete GPU 1000 + 100·major + 10·minor +
 * min(free GiB, 999)/100 + route/1000; unified-memory device 100 + the same memory term; CPU 0;
 * unusable −1. Generation steps (10) outweigh any memory difference (< 10), which outweighs the
 * route (< 0.01). */
#include "internal.h"
#include "core/backend.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/opnames.h"
#include "core/select.h"

/* Architecture generation as major.minor: the compute capability, or "gfx90a" → 9.0,
 * "gfx942" → 9.4, "gfx1100" → 11.0. Returns 0 when unknown. */
static int generation(const accel_device_info *d, int *major, int *minor)
{
    if (d->cc_major >= 0) {
        *major = d->cc_major;
        *minor = d->cc_minor > 0 ? d->cc_minor : 0;
        return 1;
    }
    if (strncmp(d->arch, "gfx", 3) == 0) {
        const char *p = d->arch + 3;
        size_t n = 0;
        while (isalnum((unsigned char)p[n])) n++;
        if (n < 3 || n > 4 || !isdigit((unsigned char)p[0])) return 0;
        char mj[3] = {0};
        memcpy(mj, p, n - 2);
        *major = atoi(mj);
        *minor = isdigit((unsigned char)p[n - 2]) ? p[n - 2] - '0' : 0;
        return 1;
    }
    return 0;
}

static double mem_term(const accel_device_info *d)
{
    double gib = d->mem_free > 0 ? (double)d->mem_free / (1024.0 * 1024 * 1024) : 0;
    return (gib > 999 ? 999 : gib) / 100.0;
}

/* Preference between two routes to one card, from the backend table's order: native APIs
 * before the first generic one, earlier first (CUDA 2, ROCm 1); generic APIs (OpenCL) 0. */
static double route_preference(accel_device_kind kind)
{
    size_t first_generic = accel__backend_count();
    for (size_t i = 0; i < accel__backend_count(); i++)
        if (accel__backend_at(i)->generic) {
            first_generic = i;
            break;
        }
    for (size_t i = 0; i < first_generic; i++)
        if (accel__backend_at(i)->kind == kind) return (double)(first_generic - i);
    return 0.0;
}

static double score(const accel__device *d, char *why, size_t cap)
{
    const accel_device_info *i = &d->info;
    double gib = i->mem_free > 0 ? (double)i->mem_free / (1024.0 * 1024 * 1024) : 0;
    if (i->kind == ACCEL_KIND_CPU) {
        snprintf(why, cap, "policy: the CPU is always last");
        return 0.0;
    }
    if (!i->usable) return -1.0;
    if (i->unified_memory) {
        snprintf(why, cap, "policy: shares the host's memory (%.1f GiB free), after discrete GPUs",
                 gib);
        return 100.0 + mem_term(i);
    }
    int mj = 0, mn = 0;
    int known = generation(i, &mj, &mn);
    double route = route_preference(i->kind);
    if (known)
        snprintf(why, cap, "policy: generation %d.%d (%s), %.1f GiB free", mj, mn,
                 i->arch[0] ? i->arch : "?", gib);
    else
        snprintf(why, cap, "policy: generation unknown, %.1f GiB free", gib);
    return 1000.0 + mj * 100.0 + mn * 10.0 + mem_term(i) + route / 1000.0;
}

/* Whether ACCEL_BACKEND=`backend` (a name or alias of the backend table) names device d: a
 * native API names every device it reaches (ACCEL_BACKEND=cuda, a card also seen through
 * OpenCL), a generic one (opencl) or one without a route only the devices it runs. */
static int kind_matches(const accel__device *d, const char *backend)
{
    if (strcasecmp(backend, "auto") == 0) return 1;
    const accel__backend_desc *b = accel__backend_find(backend);
    if (!b) return 0;
    if (b->generic || !b->route) return d->info.kind == b->kind;
    return (d->info.routes & b->route) != 0;
}

int accel__device_matches(const accel_device_info *info, const char *want)
{
    char *end;
    long idx = strtol(want, &end, 10);
    if (*want && !*end) return info->index == idx;
    /* "01:00.0", "0000:01:00.0" and CUDA's "00000000:01:00.0" name the same card */
    return info->pci_bus_id[0] && accel__pci_bus_id_equal(info->pci_bus_id, want);
}

/* The settings name this device itself: ACCEL_DEVICE matches it, or (without ACCEL_DEVICE)
 * ACCEL_BACKEND names its kind. */
static int named_by_settings(const accel__device *d, const char *backend, const char *want)
{
    if (want[0]) return accel__device_matches(&d->info, want);
    return strcasecmp(backend, "auto") != 0 && kind_matches(d, backend);
}

/* Logs a selection warning the first time this context meets it: an application that runs
 * a thousand operations under ACCEL_BACKEND=cuda on a machine without CUDA is told once. */
static int warn_once(accel_ctx *ctx, const char *text)
{
    uint64_t h = accel__hash64(text, strlen(text), 0);
    int first = 1;
    pthread_mutex_lock(&ctx->lock);
    for (int i = 0; i < ctx->n_warned && first; i++)
        if (ctx->warned[i] == h) first = 0;
    if (first && ctx->n_warned < (int)(sizeof ctx->warned / sizeof *ctx->warned))
        ctx->warned[ctx->n_warned++] = h;
    pthread_mutex_unlock(&ctx->lock);
    if (first) ACCEL_LOG_WARN("%s", text);
    return first;
}

accel_status accel__select_order(accel_ctx *ctx, const char *op, accel__selection *sel)
{
    memset(sel, 0, sizeof *sel);
    const char *backend = accel__cfg_str(ctx, ACCEL__CFG_BACKEND);
    const char *want = accel__cfg_str(ctx, ACCEL__CFG_DEVICE);
    bool strict = accel__cfg_bool(ctx, ACCEL__CFG_STRICT);
    bool all_gpu = accel__cfg_bool(ctx, ACCEL__CFG_ALL_GPU);
    int op_gpu = op ? accel__cfg_op_gpu(ctx, op) : -1;
    const accel__op *o = op ? accel__op_find(op) : NULL;
    size_t n = ctx->n_devs;

    for (size_t i = 0; i < n && sel->n < ACCEL__MAX_CANDIDATES; i++) {
        const accel__device *d = &ctx->devs[i];
        accel__candidate *c = &sel->c[sel->n++];
        c->index = (int)i;
        c->score = score(d, c->rule, sizeof c->rule);
        c->eligible = 1;
        if (d->info.kind == ACCEL_KIND_CPU) continue;
        if (!d->info.usable) {
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule, "excluded: %s", d->info.verdict);
            c->reason = ACCEL_FALLBACK_UNAVAILABLE;
        } else if (d->info.host_cpu && !named_by_settings(d, backend, want)) {
            /* PoCL and other OpenCL CPU devices compute on the same cores as the CPU backend,
             * through a slower path: only a setting that names them selects them. A request
             * for another kind that cannot be met falls to auto's choice, so not to them. */
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule,
                     "excluded%s: runs on the host CPU (ACCEL_BACKEND=opencl or "
                     "ACCEL_DEVICE=%d selects it)",
                     strcasecmp(backend, "auto") == 0 && !want[0] ? " under auto" : "",
                     d->info.index);
        } else if (!all_gpu) {
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule, "excluded: ACCEL_ALL_GPU=%s (%s)",
                     accel__cfg_str(ctx, ACCEL__CFG_ALL_GPU),
                     accel__cfg_source(ctx, ACCEL__CFG_ALL_GPU));
            c->reason = ACCEL_FALLBACK_DISABLED_BY_CONFIG;
        } else if (op_gpu == 0) {
            c->eligible = 0;
            char key[96];
            accel__cfg_op_gpu_key(op, key, sizeof key);
            const char *value = "", *source = "";
            accel_config_get(ctx, key, &value, &source);
            snprintf(c->rule, sizeof c->rule, "excluded: %s=%s (%s)", key, value, source);
            c->reason = ACCEL_FALLBACK_DISABLED_BY_CONFIG;
        } else if (o && d->ops && d->ops->supports_op && d->opened &&
                   !d->ops->supports_op(d, o)) {
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule, "excluded: %s has no kernel for %s", d->info.name, op);
            c->reason = ACCEL_FALLBACK_UNSUPPORTED_OP;
        }
    }
    /* order: eligible by score (descending), then the rest, CPU last */
    for (size_t i = 1; i < sel->n; i++) {
        accel__candidate t = sel->c[i];
        size_t j = i;
        while (j > 0) {
            const accel__candidate *p = &sel->c[j - 1];
            int pk = ctx->devs[p->index].info.kind == ACCEL_KIND_CPU;
            int tk = ctx->devs[t.index].info.kind == ACCEL_KIND_CPU;
            int before = (pk > tk) || (pk == tk && (p->eligible < t.eligible ||
                                                    (p->eligible == t.eligible && p->score < t.score)));
            if (!before) break;
            sel->c[j] = sel->c[j - 1];
            j--;
        }
        sel->c[j] = t;
    }
    /* settings that name a backend or a device move it to the front */
    const char *asked = NULL;
    char asked_buf[128];
    int found = -1;
    if (want[0]) {
        snprintf(asked_buf, sizeof asked_buf, "ACCEL_DEVICE=%s (%s)", want,
                 accel__cfg_source(ctx, ACCEL__CFG_DEVICE));
        asked = asked_buf;
        for (size_t i = 0; i < sel->n; i++)
            if (accel__device_matches(&ctx->devs[sel->c[i].index].info, want)) found = (int)i;
    } else if (strcasecmp(backend, "auto") != 0) {
        snprintf(asked_buf, sizeof asked_buf, "ACCEL_BACKEND=%s (%s)", backend,
                 accel__cfg_source(ctx, ACCEL__CFG_BACKEND));
        asked = asked_buf;
        for (size_t i = 0; i < sel->n && found < 0; i++)
            if (kind_matches(&ctx->devs[sel->c[i].index], backend) && sel->c[i].eligible)
                found = (int)i;
        if (found < 0)
            for (size_t i = 0; i < sel->n && found < 0; i++)
                if (kind_matches(&ctx->devs[sel->c[i].index], backend)) found = (int)i;
    }
    sel->chosen = -1;
    if (asked) {
        if (found >= 0 && sel->c[found].eligible) {
            accel__candidate t = sel->c[found];
            memmove(&sel->c[1], &sel->c[0], (size_t)found * sizeof t);
            sel->c[0] = t;
            snprintf(sel->c[0].rule, sizeof sel->c[0].rule, "chosen by %s", asked);
        } else {
            const char *why = found >= 0 ? sel->c[found].rule : "no such device on this machine";
            snprintf(sel->warning, sizeof sel->warning, "%s: requested device unavailable (%s)",
                     asked, why);
            if (strict)
                return ACCEL_ERROR(ACCEL_ERR_STRICT, "%s; ACCEL_STRICT=1 (%s) forbids using "
                                                     "another",
                                   sel->warning, accel__cfg_source(ctx, ACCEL__CFG_STRICT));
        }
    }
    for (size_t i = 0; i < sel->n; i++)
        if (sel->c[i].eligible) {
            sel->chosen = sel->c[i].index;
            break;
        }
    if (sel->warning[0] && sel->chosen >= 0) {
        char text[600];
        snprintf(text, sizeof text, "%s; using what auto would choose: device %d (%s)",
                 sel->warning, sel->chosen, ctx->devs[sel->chosen].info.name);
        sel->logged = warn_once(ctx, text);
    }
    RETURN_ERROR_IF(sel->chosen < 0, ACCEL_ERR_UNAVAILABLE, "no usable device");
    return ACCEL_OK;
}

/* One row of the settings block: KEY, its value and its source, columns at least 16 and 12
 * wide and as wide as the block's widest cell (ACCEL_IMAGE_QUALITY_GPU would push its row
 * out of line otherwise, docs/cli.md). */
typedef struct {
    char key[96];
    const char *value, *source;
} setting_row;

static void setting(setting_row *r, const accel_ctx *ctx, accel__cfg_id id, const char *name)
{
    snprintf(r->key, sizeof r->key, "%s", name);
    const char *v = accel__cfg_str(ctx, id);
    r->value = v[0] ? v : "(unset)";
    r->source = accel__cfg_source(ctx, id);
}

/* `name`: the operation as the caller named it (a preset or a family, core/opnames.h); `op`:
 * the operation's own name, which its ACCEL_<OP>_GPU key is made of. */
static char *explain_text(accel_ctx *ctx, const char *name, const char *op,
                          const accel__selection *sel, accel_status st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fprintf(f, "operation: %s\nsettings:\n", name ? name : "(any)");
    setting_row rows[5];
    size_t nr = 0;
    setting(&rows[nr++], ctx, ACCEL__CFG_BACKEND, "ACCEL_BACKEND");
    setting(&rows[nr++], ctx, ACCEL__CFG_DEVICE, "ACCEL_DEVICE");
    setting(&rows[nr++], ctx, ACCEL__CFG_ALL_GPU, "ACCEL_ALL_GPU");
    setting(&rows[nr++], ctx, ACCEL__CFG_STRICT, "ACCEL_STRICT");
    if (op) {
        setting_row *r = &rows[nr++];
        accel__cfg_op_gpu_key(op, r->key, sizeof r->key);
        const char *value = "", *source = "default";
        accel_config_get(ctx, r->key, &value, &source);
        r->value = value[0] ? value : "(unset)";
        r->source = source;
    }
    int wk = 16, wv = 12;
    for (size_t i = 0; i < nr; i++) {
        int k = (int)strlen(rows[i].key), v = (int)strlen(rows[i].value);
        if (k > wk) wk = k;
        if (v > wv) wv = v;
    }
    for (size_t i = 0; i < nr; i++)
        fprintf(f, "  %-*s %-*s %s\n", wk, rows[i].key, wv, rows[i].value, rows[i].source);
    if (sel->warning[0]) fprintf(f, "warning: %s\n", sel->warning);
    fprintf(f, "candidates, in order:\n");
    /* the name column fits the longest name: a cut name can hide which device it is */
    int wn = 16;
    for (size_t i = 0; i < sel->n; i++) {
        int n = (int)strlen(ctx->devs[sel->c[i].index].info.name);
        if (n > wn) wn = n;
    }
    for (size_t i = 0; i < sel->n; i++) {
        const accel_device_info *d = &ctx->devs[sel->c[i].index].info;
        fprintf(f, "  %s %-2d %-6s %-*s score %9.3f  %s\n",
                sel->c[i].index == sel->chosen ? "*" : " ", d->index,
                accel_device_kind_name(d->kind), wn, d->name, sel->c[i].score, sel->c[i].rule);
    }
    if (st == ACCEL_OK)
        fprintf(f, "chosen: device %d (%s)\n", sel->chosen, ctx->devs[sel->chosen].info.name);
    else
        fprintf(f, "chosen: none (%s)\n", accel__last_error_text());
    fclose(f);
    return buf;
}

accel_status accel_select(accel_ctx *ctx, const char *op, size_t *device_index, char **explain)
{
    RETURN_ERROR_IF(!ctx || !device_index, ACCEL_ERR_INVALID_ARG, "accel_select: NULL argument");
    if (explain) *explain = NULL;
    /* a preset ("whisper-80") or a family ("whisper"): placement is per operation */
    accel__op_ref ref = {0};
    if (op) FORWARD_IF_ERROR(accel__op_resolve(op, &ref));
    RETURN_ERROR_IF(op && !ref.op, ACCEL_ERR_NOT_BUILT_IN,
                    "operation '%s' is not built into this library", op);
    const char *op_name = op ? ref.op->name : NULL;
    accel__selection *sel = malloc(sizeof *sel);
    RETURN_ERROR_IF(!sel, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_status st = accel__select_order(ctx, op_name, sel);
    if (st == ACCEL_OK) *device_index = (size_t)sel->chosen;
    if (explain) {
        char saved[1024];
        accel__strlcpy(saved, accel__last_error_text(), sizeof saved);
        *explain = explain_text(ctx, op, op_name, sel, st);
        if (st != ACCEL_OK) ACCEL_ERROR(st, "%s", saved); /* keep the selection's message */
        if (!*explain && st == ACCEL_OK) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    free(sel);
    return st;
}

/* The fields of accel_candidate as of 0.1 end with `rule`. */
#define CANDIDATE_MIN (offsetof(accel_candidate, rule) + sizeof(((accel_candidate *)0)->rule))

accel_status accel_select_candidates(accel_ctx *ctx, const char *op, accel_candidate *out,
                                     size_t cap, size_t *n, char *warning, size_t warning_cap)
{
    RETURN_ERROR_IF(!ctx || !n || (cap && !out), ACCEL_ERR_INVALID_ARG,
                    "accel_select_candidates: NULL argument");
    size_t elem = cap ? out->struct_size : 0;
    RETURN_ERROR_IF(cap && elem < CANDIDATE_MIN, ACCEL_ERR_INVALID_ARG,
                    "accel_select_candidates: out[0].struct_size %zu (set it to "
                    "sizeof(accel_candidate))",
                    elem);
    *n = 0;
    if (warning && warning_cap) warning[0] = '\0';
    accel__op_ref ref = {0};
    if (op) FORWARD_IF_ERROR(accel__op_resolve(op, &ref));
    RETURN_ERROR_IF(op && !ref.op, ACCEL_ERR_NOT_BUILT_IN,
                    "operation '%s' is not built into this library", op);
    accel__selection *sel = malloc(sizeof *sel);
    RETURN_ERROR_IF(!sel, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_status st = accel__select_order(ctx, op ? ref.op->name : NULL, sel);
    *n = sel->n;
    for (size_t i = 0; i < sel->n && i < cap; i++) {
        accel_candidate *c = (accel_candidate *)((char *)out + i * elem);
        c->index = sel->c[i].index;
        c->score = sel->c[i].score;
        c->eligible = sel->c[i].eligible;
        c->chosen = st == ACCEL_OK && sel->c[i].index == sel->chosen;
        accel__strlcpy(c->rule, sel->c[i].rule, sizeof c->rule);
    }
    if (warning && warning_cap) accel__strlcpy(warning, sel->warning, warning_cap);
    free(sel);
    return st;
}
