/* select.c — where an operation runs.
 *
 * Policy until measured crossovers exist: usable GPUs ranked by architecture generation
 * (compute capability, else OpenCL/HIP after CUDA of equal generation), then by free memory;
 * the CPU last. Settings narrow it: ACCEL_BACKEND (a kind), ACCEL_DEVICE (an index or PCI bus
 * id), ACCEL_ALL_GPU=0 and ACCEL_<OP>_GPU=0 (CPU only). A requested device that is absent or
 * unusable is a warning and the next device in order — or ACCEL_ERR_STRICT under
 * ACCEL_STRICT=1. accel__select_order() gives the whole order, which the executor walks when
 * it falls back. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/select.h"

static double score(const accel__device *d)
{
    if (d->info.kind == ACCEL_KIND_CPU) return 0.0;
    if (!d->info.usable) return -1.0;
    double s = 1000.0;
    if (d->info.cc_major >= 0) s += d->info.cc_major * 100.0 + d->info.cc_minor * 10.0;
    /* a discrete GPU beats a unified-memory OpenCL device (PoCL on the CPU, an iGPU) */
    if (d->info.unified_memory) s -= 900.0;
    double gib = d->info.mem_free > 0 ? (double)d->info.mem_free / (1024.0 * 1024 * 1024) : 0;
    s += gib > 99 ? 9.9 : gib / 10.0;
    return s;
}

static int kind_matches(const accel__device *d, const char *backend)
{
    if (strcasecmp(backend, "auto") == 0) return 1;
    if (strcasecmp(backend, "cpu") == 0) return d->info.kind == ACCEL_KIND_CPU;
    if (strcasecmp(backend, "cuda") == 0) return (d->info.routes & ACCEL_ROUTE_CUDA) != 0;
    if (strcasecmp(backend, "rocm") == 0) return (d->info.routes & ACCEL_ROUTE_HIP) != 0;
    if (strcasecmp(backend, "opencl") == 0) return d->info.kind == ACCEL_KIND_OPENCL;
    if (strcasecmp(backend, "metal") == 0) return d->info.kind == ACCEL_KIND_METAL;
    return 0;
}

static int device_matches(const accel__device *d, const char *want)
{
    char *end;
    long idx = strtol(want, &end, 10);
    if (*want && !*end) return d->info.index == idx;
    if (!d->info.pci_bus_id[0]) return 0;
    /* accept "01:00.0" for "0000:01:00.0" */
    size_t lw = strlen(want), ld = strlen(d->info.pci_bus_id);
    return lw <= ld && strcasecmp(d->info.pci_bus_id + (ld - lw), want) == 0;
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
        c->score = score(d);
        c->eligible = 1;
        snprintf(c->rule, sizeof c->rule, "policy: score %.1f", c->score);
        if (d->info.kind == ACCEL_KIND_CPU) {
            snprintf(c->rule, sizeof c->rule, "policy: the CPU is always last");
            continue;
        }
        if (!d->info.usable) {
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule, "excluded: %s", d->info.verdict);
        } else if (!all_gpu) {
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule, "excluded: ACCEL_ALL_GPU=%s (%s)",
                     accel__cfg_str(ctx, ACCEL__CFG_ALL_GPU),
                     accel__cfg_source(ctx, ACCEL__CFG_ALL_GPU));
            c->reason = ACCEL_FALLBACK_DISABLED_BY_CONFIG;
        } else if (op_gpu == 0) {
            c->eligible = 0;
            snprintf(c->rule, sizeof c->rule, "excluded: GPU disabled for %s by its setting", op);
            c->reason = ACCEL_FALLBACK_DISABLED_BY_CONFIG;
        } else if (o && d->ops && d->ops->supports_op && d->opened &&
                   !d->ops->supports_op((accel__device *)d, op)) {
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
            if (device_matches(&ctx->devs[sel->c[i].index], want)) found = (int)i;
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
                return ACCEL_ERROR(ACCEL_ERR_STRICT, "%s; ACCEL_STRICT=1 forbids using another",
                                   sel->warning);
        }
    }
    sel->chosen = -1;
    for (size_t i = 0; i < sel->n; i++)
        if (sel->c[i].eligible) {
            sel->chosen = sel->c[i].index;
            break;
        }
    if (sel->warning[0] && sel->chosen >= 0)
        ACCEL_LOG_WARN("%s; using device %d (%s)", sel->warning, sel->chosen,
                       ctx->devs[sel->chosen].info.name);
    RETURN_ERROR_IF(sel->chosen < 0, ACCEL_ERR_UNAVAILABLE, "no usable device");
    return ACCEL_OK;
}

accel_status accel_select(accel_ctx *ctx, const char *op, size_t *device_index, char **explain)
{
    RETURN_ERROR_IF(!ctx || !device_index, ACCEL_ERR_INVALID_ARG, "accel_select: NULL argument");
    if (explain) *explain = NULL;
    RETURN_ERROR_IF(op && !accel__op_find(op), ACCEL_ERR_NOT_FOUND,
                    "unknown operation '%s' (see `accel bench --list`)", op);
    accel__selection sel;
    FORWARD_IF_ERROR(accel__select_order(ctx, op, &sel));
    *device_index = (size_t)sel.chosen;
    if (explain) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        RETURN_ERROR_IF(!f, ACCEL_ERR_NO_MEMORY, "out of memory");
        fprintf(f, "operation: %s\n", op ? op : "(any)");
        fprintf(f, "ACCEL_BACKEND=%s (%s), ACCEL_DEVICE=%s (%s), ACCEL_ALL_GPU=%s, ACCEL_STRICT=%s\n",
                accel__cfg_str(ctx, ACCEL__CFG_BACKEND), accel__cfg_source(ctx, ACCEL__CFG_BACKEND),
                accel__cfg_str(ctx, ACCEL__CFG_DEVICE)[0] ? accel__cfg_str(ctx, ACCEL__CFG_DEVICE) : "(unset)",
                accel__cfg_source(ctx, ACCEL__CFG_DEVICE), accel__cfg_str(ctx, ACCEL__CFG_ALL_GPU),
                accel__cfg_str(ctx, ACCEL__CFG_STRICT));
        if (sel.warning[0]) fprintf(f, "warning: %s\n", sel.warning);
        fprintf(f, "candidates, in order:\n");
        for (size_t i = 0; i < sel.n; i++) {
            const accel_device_info *d = &ctx->devs[sel.c[i].index].info;
            fprintf(f, "  %s %d %-6s %-40s score %7.1f  %s\n",
                    sel.c[i].index == sel.chosen ? "*" : " ", d->index,
                    accel_device_kind_name(d->kind), d->name, sel.c[i].score, sel.c[i].rule);
        }
        fprintf(f, "chosen: device %d (%s)\n", sel.chosen, ctx->devs[sel.chosen].info.name);
        fclose(f);
        *explain = buf;
    }
    return ACCEL_OK;
}
