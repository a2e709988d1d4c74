/* opencl.c — OpenCL discovery: every platform and device behind the ICD loader.
 *
 * Why a child process: enumerating OpenCL loads every installed ICD, and a broken ICD can
 * crash or hang its host. The whole job — enumerate, then per device create a context and a
 * buffer, build accel's trivial kernel (ak_fill_f32), run it and check the result — runs in a
 * forked child (accel__probe_run) that sends text records back. A child that dies while
 * testing device k gives device k that verdict, and a new child tests the devices after it.
 *
 * Why a cache: the child costs a fork, the ICDs' start-up and a kernel build (70 ms to 1 s on
 * PoCL, depending on PoCL's own kernel cache). Its records are kept in the verdict cache
 * (verdict_cache.h: <cache dir>/verdicts/opencl-<hash>.v1) under a key made of what can change
 * the answer (opencl_key.c): the loader and ICD files (identities), ld.so.cache, the
 * environment variables OpenCL implementations read, the device nodes, the CPU count and host
 * memory, the probe kernel's source and accel's version. A warm run reads one small file. A
 * corrupt file, or one whose records do not parse, is ignored and rewritten.
 *
 * Once this process has opened an OpenCL device, forking a child to call OpenCL is unsafe
 * (the implementation's threads are not in the child); discovery then reuses the records this
 * process already used.
 *
 * The parts: opencl_probe.c (the child), opencl_records.c (the record format), opencl_key.c
 * (the cache key); see opencl_discover.h. */
#include "discover/opencl_discover.h"

#include "vendor/cl_util.h"
#include "discover/verdict_cache.h"

#include <stdlib.h>
#include <string.h>

/* ---- the verdict cache (verdict_cache.h) ------------------------------------------------- */

/* The record text stored under `key`, when there is an intact entry whose records parse; NULL
 * otherwise (why is logged). */
static char *cache_read(accel_ctx *ctx, const char *key)
{
    unsigned char *data = NULL;
    size_t n = 0;
    if (accel__verdict_load(ctx, "opencl", key, &data, &n, NULL, 0) != ACCEL_OK) return NULL;
    accel__ocl_reclist check = {0};
    int bad = accel__ocl_parse_records((const char *)data, n, &check);
    free(check.v);
    if (bad) {
        ACCEL_LOG_INFO("opencl: cached discovery ignored (malformed records); probing again");
        free(data);
        return NULL;
    }
    return (char *)data;
}

static void cache_write(accel_ctx *ctx, const char *key, const char *body)
{
    if (accel__verdict_store(ctx, "opencl", key, body, strlen(body)) != ACCEL_OK)
        ACCEL_LOG_WARN("opencl: cannot cache the discovery: %s", accel__last_error_text());
}

/* ---- what this process already used ----------------------------------------------------- */

static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static char *memo; /* the record text of the last discovery in this process */

static void memo_set(const char *body)
{
    pthread_mutex_lock(&memo_lock);
    char *copy = strdup(body);
    if (copy) {
        free(memo);
        memo = copy;
    }
    pthread_mutex_unlock(&memo_lock);
}

static char *memo_get(void)
{
    pthread_mutex_lock(&memo_lock);
    char *copy = memo ? strdup(memo) : NULL;
    pthread_mutex_unlock(&memo_lock);
    return copy;
}

/* ---- records to devices ----------------------------------------------------------------- */

static const char *type_name(unsigned long long type)
{
    if (type & ACCEL_CL_DEVICE_TYPE_GPU) return "gpu";
    if (type & ACCEL_CL_DEVICE_TYPE_CPU) return "cpu";
    if (type & ACCEL_CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
    if (type & ACCEL_CL_DEVICE_TYPE_CUSTOM) return "custom";
    return "device";
}

static accel_status add_devices(const accel__ocl_reclist *l, accel__devlist *out)
{
    for (size_t i = 0; i < l->n; i++) {
        const accel__ocl_rec *r = &l->v[i];
        const accel__cl_props *p = &r->p;
        accel__device *d = accel__devlist_add(out);
        RETURN_ERROR_IF(!d, ACCEL_ERR_NO_MEMORY, "out of memory listing OpenCL devices");
        accel_device_info *info = &d->info;
        info->kind = ACCEL_KIND_OPENCL;
        info->routes = ACCEL_ROUTE_OPENCL;
        info->usable = r->tested && r->ok;
        accel__strlcpy(info->verdict, r->tested ? r->verdict : "unusable: not tested",
                       sizeof info->verdict);
        accel__strlcpy(info->name, p->name, sizeof info->name);
        accel__strlcpy(info->vendor, p->vendor, sizeof info->vendor);
        accel__strlcpy(info->pci_bus_id, p->pci_bus_id, sizeof info->pci_bus_id);
        /* "OpenCL 3.0 cpu": the version the device speaks and what it is */
        int maj = 0, min = 0;
        if (sscanf(p->version, "OpenCL %d.%d", &maj, &min) == 2)
            snprintf(info->arch, sizeof info->arch, "OpenCL %d.%d %s", maj, min,
                     type_name(p->type));
        else
            snprintf(info->arch, sizeof info->arch, "OpenCL %s", type_name(p->type));
        info->compute_units = p->compute_units;
        info->mem_total = p->global_mem;
        info->unified_memory = p->unified;
        info->host_cpu = (p->type & ACCEL_CL_DEVICE_TYPE_CPU) != 0;
        if (p->unified) {
            /* shared with the host: free is what the host has left, within the device's cap */
            long long host = accel__cl_host_available();
            info->mem_free =
                host >= 0 && (p->global_mem < 0 || host < p->global_mem) ? host : p->global_mem;
        }
        accel__strlcpy(info->driver_version, p->driver, sizeof info->driver_version);
        accel__strlcpy(info->opencl_version, p->version, sizeof info->opencl_version);
        info->local_mem = p->local_mem;
        info->max_alloc = p->max_alloc;
        info->fp16 = p->fp16;
        info->fp64 = p->fp64;
        d->backend_index = ACCEL__CL_INDEX(r->plat, r->dev);
    }
    return ACCEL_OK;
}

/* Without a probe: the devices as this process's OpenCL sees them now, for when a child cannot
 * be forked safely and nothing was remembered. */
static accel_status enumerate_here(accel__text *out)
{
    const accel__cl_api *api;
    if (accel__cl_api_load(&api) != ACCEL_OK) {
        accel__text_puts(out, "L");
        accel__ocl_field(out, "message", accel__last_error_text());
        accel__text_puts(out, "\n");
        return ACCEL_OK;
    }
    cl_platform_id *plats;
    cl_uint np;
    FORWARD_IF_ERROR(accel__cl_platforms(api, &plats, &np));
    accel__text verdicts = {0};
    for (cl_uint pi = 0; pi < np; pi++) {
        cl_device_id *devs;
        cl_uint nd;
        if (accel__cl_devices(api, plats[pi], &devs, &nd) != ACCEL_OK) continue;
        for (cl_uint di = 0; di < nd; di++) {
            accel__cl_props p;
            accel__cl_query(api, plats[pi], devs[di], &p);
            accel__ocl_write_device(out, (int)pi, (int)di, &p);
            accel__ocl_write_verdict(&verdicts, (int)pi, (int)di, p.available && p.compiler,
                                     p.available && p.compiler
                                         ? "usable"
                                         : "unusable: unavailable or without a compiler");
        }
        free(devs);
    }
    free(plats);
    accel__text_puts(out, "N\n");
    if (verdicts.s) accel__text_puts(out, verdicts.s);
    free(verdicts.s);
    return ACCEL_OK;
}

accel_status accel__discover_opencl(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    double t0 = accel__now_ms();
    accel__text key = {0};
    accel__ocl_key_text(&key);
    RETURN_ERROR_IF(key.oom, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");

    const char *source = "cache";
    char *body = no_cache ? NULL : cache_read(ctx, key.s);
    if (!body && accel__cl_in_process()) {
        source = "this process";
        body = memo_get();
        if (!body) {
            accel__text t = {0};
            accel_status st = enumerate_here(&t);
            if (st != ACCEL_OK) {
                free(t.s);
                accel__text_free(&key);
                return st;
            }
            body = t.s;
        }
    }
    if (!body) {
        source = "probe";
        accel__text t = {0};
        accel_status st = accel__ocl_probe_all(ctx, &t);
        if (st != ACCEL_OK) {
            free(t.s);
            accel__text_free(&key);
            return st;
        }
        body = t.s ? t.s : strdup("");
        if (body) cache_write(ctx, key.s, body);
    }
    accel__text_free(&key);
    RETURN_ERROR_IF(!body, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");
    memo_set(body);

    accel__ocl_reclist l = {0};
    int bad = accel__ocl_parse_records(body, strlen(body), &l);
    free(body);
    accel_status st = ACCEL_OK;
    if (bad) {
        st = ACCEL_ERROR(ACCEL_ERR_INTERNAL, "OpenCL discovery records are malformed");
    } else if (l.fatal[0]) {
        st = ACCEL_ERROR(ACCEL_ERR_VENDOR, "OpenCL: %s", l.fatal);
    } else {
        if (l.missing[0]) ACCEL_LOG_DEBUG("opencl: no ICD loader: %s", l.missing);
        st = add_devices(&l, out);
    }
    ACCEL_LOG_DEBUG("opencl: %zu device(s) from %s in %.2f ms", l.n, source, accel__now_ms() - t0);
    free(l.v);
    return st;
}
