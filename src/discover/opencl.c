/* opencl.c — OpenCL discovery: every platform and device behind the ICD loader.
 *
 * Why a child process: enumerating OpenCL loads every installed ICD, and a broken ICD can
 * crash or hang its host. The whole job — enumerate, then per device create a context and a
 * buffer, build accel's trivial kernel (ak_fill_f32), run it and check the result — runs in a
 * forked child (accel__probe_run) that sends text records back. A child that dies while
 * testing device k gives device k that verdict, and a new child tests the devices after it.
 *
 * Why a cache: the child costs a fork, the ICDs' start-up and a kernel build (70 ms to 1 s on
 * PoCL, depending on PoCL's own kernel cache). Its records are kept in <cache
 * dir>/verdicts/opencl.txt under a key made of what can change the answer: the loader and ICD files
 * (identities), ld.so.cache, the environment variables OpenCL implementations read, the device
 * nodes, the CPU count and host memory, the probe kernel's source and accel's version. A warm run
 * reads one small file. A corrupt or mismatched file is ignored and rewritten.
 *
 * Once this process has opened an OpenCL device, forking a child to call OpenCL is unsafe
 * (the implementation's threads are not in the child); discovery then reuses the records this
 * process already used.
 *
 * The parts: opencl_probe.c (the child), opencl_records.c (the record format), opencl_key.c
 * (the cache key); see opencl_discover.h. */
#include "discover/opencl_discover.h"

#include "backends/opencl/opencl_backend.h"

#include <stdlib.h>
#include <string.h>

/* ---- the cache file --------------------------------------------------------------------- */

static accel_status cache_file(accel_ctx *ctx, char *path, size_t cap)
{
    char dir[3072];
    FORWARD_IF_ERROR(accel__cache_path(ctx, "verdicts", dir, sizeof dir));
    snprintf(path, cap, "%s/opencl.txt", dir);
    return ACCEL_OK;
}

/* The record text of a cache file that is intact and was written under `key`; NULL else. */
static char *cache_read(const char *path, uint64_t key)
{
    char *data;
    size_t n;
    if (accel__read_file(path, &data, &n) != ACCEL_OK) return NULL;
    char head[128];
    snprintf(head, sizeof head, "%s\nkey %016llx\n", ACCEL__OCL_CACHE_FORMAT,
             (unsigned long long)key);
    size_t hl = strlen(head);
    const char *why = NULL;
    char *body = NULL;
    if (n < hl || memcmp(data, head, hl) != 0) {
        why = strncmp(data, ACCEL__OCL_CACHE_FORMAT "\n", strlen(ACCEL__OCL_CACHE_FORMAT) + 1) == 0
                  ? "written for another configuration"
                  : "not an accel OpenCL discovery file";
    } else {
        /* the body ends with "end <hash of the body>\n" */
        char *end = NULL;
        for (char *p = data + hl; (p = strstr(p, "end ")) != NULL; p++)
            if (p == data + hl || p[-1] == '\n') end = p;
        unsigned long long want = 0;
        if (!end || sscanf(end, "end %16llx\n", &want) != 1 || strchr(end, '\n') != data + n - 1)
            why = "truncated";
        else if (accel__hash64(data + hl, (size_t)(end - (data + hl)), 0) != want)
            why = "checksum mismatch";
        else {
            size_t bl = (size_t)(end - (data + hl));
            body = malloc(bl + 1);
            if (body) {
                memcpy(body, data + hl, bl);
                body[bl] = '\0';
            }
        }
    }
    if (why) ACCEL_LOG_INFO("opencl: cached discovery %s ignored (%s); probing again", path, why);
    free(data);
    return body;
}

static void cache_write(const char *path, uint64_t key, const char *body)
{
    accel__text t = {0};
    accel__text_printf(&t, "%s\nkey %016llx\n", ACCEL__OCL_CACHE_FORMAT, (unsigned long long)key);
    accel__text_puts(&t, body);
    accel__text_printf(&t, "end %016llx\n",
                      (unsigned long long)accel__hash64(body, strlen(body), 0));
    if (!t.oom && accel__write_file_atomic(path, t.s, t.len) != ACCEL_OK)
        ACCEL_LOG_WARN("opencl: cannot cache the discovery: %s", accel__last_error_text());
    free(t.s);
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
        d->ops = &accel__backend_opencl;
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
    uint64_t k = accel__hash64(key.s, key.len, 0);
    free(key.s);

    char path[4096] = "";
    if (cache_file(ctx, path, sizeof path) != ACCEL_OK) {
        ACCEL_LOG_WARN("opencl: discovery cache disabled: %s", accel__last_error_text());
        path[0] = '\0';
    }
    const char *source = "cache";
    char *body = NULL;
    if (!no_cache && path[0]) body = cache_read(path, k);
    if (body) {
        accel__ocl_reclist check = {0};
        if (accel__ocl_parse_records(body, strlen(body), &check) != 0) {
            ACCEL_LOG_INFO("opencl: cached discovery %s ignored (malformed records); probing again",
                           path);
            free(body);
            body = NULL;
        }
        free(check.v);
    }
    if (!body && accel__opencl_in_process()) {
        source = "this process";
        body = memo_get();
        if (!body) {
            accel__text t = {0};
            accel_status st = enumerate_here(&t);
            if (st != ACCEL_OK) {
                free(t.s);
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
            return st;
        }
        body = t.s ? t.s : strdup("");
        RETURN_ERROR_IF(!body, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");
        if (path[0]) cache_write(path, k, body);
    }
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
