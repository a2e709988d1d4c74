/* context.c — creating a context: configuration, discovery, merging, ordering, opening.
 *
 * Order of devices: usable GPUs first (the selection policy ranks them again per call),
 * unusable ones after them (still listed, with their verdict), the CPU always last. The same
 * physical card seen through two APIs (CUDA and OpenCL, say) is matched by PCI bus id and kept
 * once, with both routes: the entry from the richer API (CUDA, then HIP) stays. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void accel__device_info_init(accel_device_info *d)
{
    memset(d, 0, sizeof *d);
    d->struct_size = sizeof *d;
    d->index = -1;
    d->cc_major = d->cc_minor = -1;
    d->compute_units = -1;
    d->mem_total = d->mem_free = d->mem_used = -1;
    d->driver_cuda_version = -1;
    d->utilization_percent = d->temperature_c = d->power_mw = -1;
    d->local_mem = d->max_alloc = -1;
    d->fp16 = d->fp64 = -1;
    d->physical_cores = d->logical_cores = d->usable_cores = -1;
    d->cgroup_mem_limit = -1;
    d->unified_memory = 0;
    d->host_cpu = 0;
}

accel__device *accel__devlist_add(accel__devlist *list)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        accel__device *v = realloc(list->v, cap * sizeof *v);
        if (!v) return NULL;
        list->v = v;
        list->cap = cap;
    }
    accel__device *d = &list->v[list->n++];
    memset(d, 0, sizeof *d);
    accel__device_info_init(&d->info);
    return d;
}

void accel__devlist_free(accel__devlist *list)
{
    free(list->v);
    list->v = NULL;
    list->n = list->cap = 0;
}

const char *accel_device_kind_name(accel_device_kind kind)
{
    switch (kind) {
    case ACCEL_KIND_CPU: return "cpu";
    case ACCEL_KIND_CUDA: return "cuda";
    case ACCEL_KIND_ROCM: return "rocm";
    case ACCEL_KIND_OPENCL: return "opencl";
    case ACCEL_KIND_METAL: return "metal";
    }
    return "unknown";
}

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

/* Folds an OpenCL entry into a CUDA/HIP entry for the same PCI device. */
static void merge_routes(accel__devlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        accel__device *a = &l->v[i];
        if (a->info.kind != ACCEL_KIND_OPENCL || !a->info.pci_bus_id[0]) continue;
        for (size_t j = 0; j < l->n; j++) {
            accel__device *b = &l->v[j];
            if (j == i || b->info.kind == ACCEL_KIND_OPENCL) continue;
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

static int rank(const accel__device *d)
{
    if (d->info.kind == ACCEL_KIND_CPU) return 3;
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
    if (!(flags & ACCEL_CTX_NO_DISCOVERY)) {
        /* A discoverer that fails leaves its kind empty; the others still run. */
        if (accel__discover_cuda(ctx, &list, no_cache) != ACCEL_OK)
            ACCEL_LOG_WARN("CUDA discovery failed: %s", accel__last_error_text());
        if (accel__discover_rocm(ctx, &list, no_cache) != ACCEL_OK)
            ACCEL_LOG_WARN("ROCm discovery failed: %s", accel__last_error_text());
        if (accel__discover_opencl(ctx, &list, no_cache) != ACCEL_OK)
            ACCEL_LOG_WARN("OpenCL discovery failed: %s", accel__last_error_text());
        merge_routes(&list);
    }
    size_t before_cpu = list.n;
    st = accel__discover_cpu(ctx, &list);
    if (st != ACCEL_OK || list.n == before_cpu) {
        for (size_t i = 0; i < list.n; i++)
            if (list.v[i].ops && list.v[i].opened && list.v[i].ops->close)
                list.v[i].ops->close(&list.v[i]);
        accel__devlist_free(&list);
        accel__probe_memo_free(ctx);
        accel__config_free(ctx->cfg);
        pthread_mutex_destroy(&ctx->lock);
        free(ctx);
        return st != ACCEL_OK ? st : ACCEL_ERROR(ACCEL_ERR_INTERNAL, "CPU discovery added no device");
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
        if (flags & ACCEL_CTX_NO_WARMUP && d->info.kind != ACCEL_KIND_CPU) continue;
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
