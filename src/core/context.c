/* context.c — creating a context: configuration, discovery, merging, ordering, opening.
 *
 * Discovery runs the discoverer of every entry of the backend table (core/backends.c) in its
 * order; a backend the table marks as not built, or whose API version differs from the core's,
 * is skipped with a message. The context then attaches the backend's ops table to each usable
 * device its discoverer listed.
 *
 * Order of devices: usable GPUs first (the selection policy ranks them again per call),
 * unusable ones after them (still listed, with their verdict), the CPU always last. The same
 * physical card seen through a native API and a generic one (CUDA and OpenCL, say) is matched
 * by PCI bus id and kept once, with both routes: the native API's entry stays. */
#include "core/backend.h"
#include "core/executor.h"

#include <stdlib.h>
#include <string.h>

const char *accel_fallback_reason_name(accel_fallback_reason r)
{
    switch (r) {
    case ACCEL_FALLBACK_NONE: return "none";
    case ACCEL_FALLBACK_UNAVAILABLE: return "unavailable";
    case ACCEL_FALLBACK_OOM: return "oom";
    case ACCEL_FALLBACK_KERNEL_ERROR: return "kernel_error";
    case ACCEL_FALLBACK_DISABLED_BY_CONFIG: return "disabled_by_config";
    case ACCEL_FALLBACK_UNSUPPORTED_OP: return "unsupported_op";
    }
    return "unknown";
}

/* Folds the entry of a generic API (OpenCL) into a native API's entry (CUDA, ROCm) for the same
 * PCI device. */
static void merge_routes(accel__devlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        accel__device *a = &l->v[i];
        if (!a->backend->generic || !a->info.pci_bus_id[0]) continue;
        for (size_t j = 0; j < l->n; j++) {
            accel__device *b = &l->v[j];
            if (j == i || b->backend->generic || b->backend->host) continue;
            if (strcmp(a->info.pci_bus_id, b->info.pci_bus_id) != 0) continue;
            b->info.routes |= a->info.routes;
            if (!b->info.opencl_version[0])
                accel__strlcpy(b->info.opencl_version, a->info.opencl_version,
                               sizeof b->info.opencl_version);
            if (a->ops && a->ops->close && a->opened) a->ops->close(a);
            memmove(a, a + 1, (l->n - i - 1) * sizeof *a);
            l->n--;
            i--;
            break;
        }
    }
}

/* Runs one backend's discoverer and attaches the backend to what it listed. A backend that
 * is not built is skipped quietly, one of another API version with a warning; a discoverer
 * that fails leaves its backend empty and the others still run — except the host's, without
 * which there is no context. */
accel_status accel__discover_backend(accel_ctx *ctx, const accel__backend_desc *be,
                                    accel__devlist *list, bool no_cache, size_t *host_devices)
{
    accel_status st = accel__backend_check(be);
    if (st == ACCEL_ERR_NOT_BUILT_IN) {
        ACCEL_LOG_DEBUG("%s", accel__last_error_text());
        return be->host ? st : ACCEL_OK;
    }
    if (st != ACCEL_OK) {
        ACCEL_LOG_WARN("%s", accel__last_error_text());
        return be->host ? st : ACCEL_OK;
    }
    size_t before = list->n;
    st = be->discover(ctx, list, no_cache);
    if (st != ACCEL_OK) {
        if (be->host) return st;
        ACCEL_LOG_WARN("%s discovery failed: %s", be->label, accel__last_error_text());
    }
    for (size_t i = before; i < list->n; i++) {
        accel__device *d = &list->v[i];
        d->backend = be;
        d->ops = d->info.usable ? be->ops : NULL;
    }
    if (be->host) *host_devices += list->n - before;
    return ACCEL_OK;
}

static int rank(const accel__device *d)
{
    if (d->backend->host) return 3;
    return d->info.usable ? 1 : 2;
}

static int cmp_devices(const void *pa, const void *pb)
{
    const accel__device *a = pa, *b = pb;
    int ra = rank(a), rb = rank(b);
    if (ra != rb) return ra - rb;
    return 0;
}

accel__device *accel__cpu_device(accel_ctx *ctx) { return &ctx->devs[ctx->n_devs - 1]; }

static void log_device(const accel__device *d)
{
    const accel_device_info *i = &d->info;
    char mem[48] = "memory unknown";
    if (i->mem_total >= 0)
        snprintf(mem, sizeof mem, "%.1f GiB", (double)i->mem_total / (1024.0 * 1024 * 1024));
    ACCEL_LOG_INFO("device %d: %s %s (%s%s%s), %s, %s", i->index,
                   accel_device_kind_name(i->kind), i->name, i->arch[0] ? i->arch : "",
                   i->pci_bus_id[0] ? " " : "", i->pci_bus_id, mem, i->verdict);
}

accel_status accel_ctx_create(accel_ctx **out, const accel_option *options, size_t n_options,
                              unsigned flags)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "accel_ctx_create: out is NULL");
    RETURN_ERROR_IF(n_options && !options, ACCEL_ERR_INVALID_ARG,
                    "accel_ctx_create: options is NULL but n_options is %zu", n_options);
    *out = NULL;
    accel__clear_error();
    accel_ctx *ctx = calloc(1, sizeof *ctx);
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_NO_MEMORY, "out of memory creating a context");
    ctx->flags = flags;
    pthread_mutex_init(&ctx->lock, NULL);
    accel_status st = accel__config_load(&ctx->cfg, options, n_options);
    if (st != ACCEL_OK) {
        pthread_mutex_destroy(&ctx->lock);
        free(ctx);
        return st;
    }
    int lvl = accel__log_parse_level(accel__cfg_str(ctx, ACCEL__CFG_LOG_LEVEL));
    if (lvl >= 0) accel__log_set_level((accel__log_level)lvl);

    bool no_cache = (flags & ACCEL_CTX_NO_CACHE) != 0;
    accel__devlist list = {0};
    size_t host_devices = 0;
    st = ACCEL_OK;
    for (size_t b = 0; b < accel__backend_count() && st == ACCEL_OK; b++) {
        const accel__backend_desc *be = accel__backend_at(b);
        if (!be->host && (flags & ACCEL_CTX_NO_DISCOVERY)) continue;
        st = accel__discover_backend(ctx, be, &list, no_cache, &host_devices);
    }
    if (st == ACCEL_OK) merge_routes(&list);
    if (st != ACCEL_OK || host_devices == 0) {
        for (size_t i = 0; i < list.n; i++)
            if (list.v[i].ops && list.v[i].opened && list.v[i].ops->close)
                list.v[i].ops->close(&list.v[i]);
        accel__devlist_free(&list);
        accel__probe_memo_free(ctx);
        accel__config_free(ctx->cfg);
        pthread_mutex_destroy(&ctx->lock);
        free(ctx);
        return st != ACCEL_OK ? st : ACCEL_ERROR(ACCEL_ERR_INTERNAL, "host discovery added no device");
    }
    /* stable sort: GPUs keep discovery order within their rank */
    for (size_t i = 1; i < list.n; i++) {
        accel__device tmp = list.v[i];
        size_t j = i;
        while (j > 0 && cmp_devices(&list.v[j - 1], &tmp) > 0) {
            list.v[j] = list.v[j - 1];
            j--;
        }
        list.v[j] = tmp;
    }
    ctx->devs = list.v;
    ctx->n_devs = list.n;
    for (size_t i = 0; i < ctx->n_devs; i++) {
        accel__device *d = &ctx->devs[i];
        d->info.index = (int)i;
        d->ctx = ctx;
        pthread_mutex_init(&d->lock, NULL);
    }
    /* Open the usable devices now: this is where kernels are compiled or loaded (warm-up). */
    for (size_t i = 0; i < ctx->n_devs; i++) {
        accel__device *d = &ctx->devs[i];
        if (!d->info.usable || !d->ops || !d->ops->open || d->opened) continue;
        if (flags & ACCEL_CTX_NO_WARMUP && !d->backend->host) continue;
        accel_status os = accel__fault_check(ctx, d, "open");
        if (os == ACCEL_OK) os = d->ops->open(d);
        if (os == ACCEL_OK) {
            d->opened = 1;
        } else {
            d->info.usable = 0;
            snprintf(d->info.verdict, sizeof d->info.verdict, "unusable: open failed: %s",
                     accel__last_error_text());
            ACCEL_LOG_WARN("device %zu (%s): %s", i, d->info.name, d->info.verdict);
        }
    }
    for (size_t i = 0; i < ctx->n_devs; i++) log_device(&ctx->devs[i]);
    accel__clear_error();
    *out = ctx;
    return ACCEL_OK;
}

accel_status accel__device_ensure_open(accel_ctx *ctx, accel__device *d)
{
    if (__atomic_load_n(&d->opened, __ATOMIC_ACQUIRE)) return ACCEL_OK;
    RETURN_ERROR_IF(!d->ops, ACCEL_ERR_UNAVAILABLE, "device %d (%s): %s", d->info.index,
                    d->info.name, d->info.verdict);
    if (!d->ops->open) {
        __atomic_store_n(&d->opened, 1, __ATOMIC_RELEASE);
        return ACCEL_OK;
    }
    accel_status st = ACCEL_OK;
    pthread_mutex_lock(&d->lock);
    if (!d->opened) {
        if (!d->info.usable) {
            st = ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "device %d (%s): %s", d->info.index,
                             d->info.name, d->info.verdict);
        } else {
            st = accel__fault_check(ctx, d, "open");
            if (st == ACCEL_OK) st = d->ops->open(d);
            if (st == ACCEL_OK) {
                __atomic_store_n(&d->opened, 1, __ATOMIC_RELEASE);
            } else {
                char msg[256];
                accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
                if (ctx) pthread_mutex_lock(&ctx->lock);
                __atomic_store_n(&d->info.usable, 0, __ATOMIC_RELEASE);
                snprintf(d->info.verdict, sizeof d->info.verdict, "unusable: open failed: %s", msg);
                if (ctx) pthread_mutex_unlock(&ctx->lock);
                ACCEL_LOG_WARN("device %d (%s): %s", d->info.index, d->info.name, d->info.verdict);
                accel__set_error(st, __FILE__, __LINE__, "device %d (%s): open failed: %s",
                                 d->info.index, d->info.name, msg);
            }
        }
        /* opened: supports_op can now be asked; failed: the device leaves the order. The
         * executor rebuilds its cached device orders when the generation changes. */
        accel__exec_state *s = ctx ? accel__exec_state_get(ctx) : NULL;
        if (s) __atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&d->lock);
    return st;
}

int accel__device_offers(accel_ctx *ctx, accel__device *d, const accel__op *op, char *why,
                         size_t cap)
{
    if (!d->ops || !d->ops->supports_op) return 1;
    if (d->backend && d->backend->host) return 1;
    if (accel__device_ensure_open(ctx, d) != ACCEL_OK) return 1;
    if (d->ops->supports_op(d, op)) return 1;
    if (!op->run_device) {
        snprintf(why, cap, "%s has no device code; it runs on the CPU", op->name);
    } else {
        const char *note = d->ops->kernel_note ? d->ops->kernel_note(d) : "";
        snprintf(why, cap, "the device lacks the kernels of %s%s%s%s", op->name,
                 note && *note ? " (" : "", note ? note : "", note && *note ? ")" : "");
    }
    return 0;
}

accel_status accel_warmup(accel_ctx *ctx)
{
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "accel_warmup: ctx is NULL");
    accel_status first = ACCEL_OK;
    for (size_t i = 0; i < ctx->n_devs; i++) {
        accel__device *d = &ctx->devs[i];
        if (!d->info.usable || !d->ops || d->opened || !d->ops->open) continue;
        pthread_mutex_lock(&d->lock);
        accel_status st = d->opened ? ACCEL_OK : accel__fault_check(ctx, d, "open");
        if (st == ACCEL_OK && !d->opened) st = d->ops->open(d);
        if (st == ACCEL_OK) d->opened = 1;
        pthread_mutex_unlock(&d->lock);
        if (st != ACCEL_OK && first == ACCEL_OK) first = st;
    }
    return first;
}

void accel_ctx_destroy(accel_ctx *ctx)
{
    if (!ctx) return;
    for (size_t i = 0; i < ctx->n_devs; i++) {
        accel__device *d = &ctx->devs[i];
        if (d->opened && d->ops && d->ops->close) d->ops->close(d);
        pthread_mutex_destroy(&d->lock);
    }
    free(ctx->devs);
    free(ctx->stats);
    free(ctx->exec_state);
    free(ctx->fault_state);
    accel__probe_memo_free(ctx);
    accel__config_free(ctx->cfg);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

accel_status accel_device_count(const accel_ctx *ctx, size_t *n)
{
    RETURN_ERROR_IF(!ctx || !n, ACCEL_ERR_INVALID_ARG, "accel_device_count: NULL argument");
    *n = ctx->n_devs;
    return ACCEL_OK;
}

accel_status accel_device_get(const accel_ctx *ctx, size_t index, const accel_device_info **info)
{
    RETURN_ERROR_IF(!ctx || !info, ACCEL_ERR_INVALID_ARG, "accel_device_get: NULL argument");
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "device index %zu out of range (this machine has %zu devices: 0..%zu)", index,
                    ctx->n_devs, ctx->n_devs - 1);
    *info = &ctx->devs[index].info;
    return ACCEL_OK;
}

void accel__device_list_text(const accel_ctx *ctx, char *buf, size_t cap)
{
    size_t k = 0;
    if (!cap) return;
    buf[0] = '\0';
    for (size_t i = 0; i < ctx->n_devs && k < cap; i++) {
        const accel_device_info *d = &ctx->devs[i].info;
        /* the bus id where there is one: what a --device BUS that matched nothing meant */
        k += (size_t)snprintf(buf + k, cap - k, "%s%zu %s (%s%s%s%s)", i ? ", " : "", i,
                              accel_device_kind_name(d->kind), d->name,
                              d->pci_bus_id[0] ? ", " : "", d->pci_bus_id,
                              d->usable ? "" : ", not usable");
    }
}

accel_status accel_stats_count(const accel_ctx *ctx, size_t *n)
{
    RETURN_ERROR_IF(!ctx || !n, ACCEL_ERR_INVALID_ARG, "accel_stats_count: NULL argument");
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    *n = ctx->n_stats;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    return ACCEL_OK;
}

accel_status accel_stats_get(const accel_ctx *ctx, size_t i, accel_op_stats *out)
{
    RETURN_ERROR_IF(!ctx || !out, ACCEL_ERR_INVALID_ARG, "accel_stats_get: NULL argument");
    pthread_mutex_lock((pthread_mutex_t *)&ctx->lock);
    if (i >= ctx->n_stats) {
        pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
        return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "statistics entry %zu out of range", i);
    }
    *out = ctx->stats[i].s;
    pthread_mutex_unlock((pthread_mutex_t *)&ctx->lock);
    return ACCEL_OK;
}
