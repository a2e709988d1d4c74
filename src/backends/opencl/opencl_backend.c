/* opencl_backend.c — the OpenCL backend: one context and one in-order, profiling queue per
 * device; every kernel family of src/kernels built from source at open (warm-up) through the
 * on-disk program-binary cache; blocking transfers; launches through accel__launch geometry.
 *
 * Operations reach this backend only through the ops table at the end of the file. */
#include "backends/opencl/opencl_backend.h"
#include "core/precision.h"

#include "vendor/cl_api.h"
#include "backends/opencl/cl_program_cache.h"
#include "vendor/cl_util.h"
#include "core/kernels.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct accel__buffer {
    cl_mem mem;
    size_t bytes; /* as asked; a 0-byte buffer holds 1 byte because OpenCL refuses size 0 */
};

struct accel__kernel {
    char name[64];
    cl_kernel k;
    cl_uint n_args;
    size_t wg_max; /* CL_KERNEL_WORK_GROUP_SIZE on this device */
};

/* Pinned host memory handed out by host_alloc: a mapped CL_MEM_ALLOC_HOST_PTR buffer. */
typedef struct host_block {
    void *p;
    cl_mem mem;
    struct host_block *next;
} host_block;

typedef struct cl_dev {
    const accel__cl_api *api;
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    accel__cl_props props;
    cl_program programs[64];
    size_t n_programs;
    struct accel__kernel *kernels;
    size_t n_kernels;
    char family_error[512]; /* the first family that failed, and why */
    accel__opencl_cache_counts counts;
    pthread_mutex_t lock; /* kernel arguments + enqueue, host blocks, allocated */
    long long allocated;
    host_block *host;
    char note[640];
} cl_dev;

static cl_dev *impl_of(const accel__device *dev) { return (cl_dev *)dev->impl; }

#define NEED_OPEN(dev)                                                                             \
    RETURN_ERROR_IF(!(dev)->impl, ACCEL_ERR_UNAVAILABLE, "OpenCL device %s is not opened",         \
                    (dev)->info.name)

/* ---- programs and the binary cache ------------------------------------------------------ */

/* `why` names the file and what is wrong with it. */
static void log_rejected(cl_dev *c, const char *path, const char *why)
{
    c->counts.rejected++;
    ACCEL_LOG_INFO("opencl: %s: %s; rebuilding from source", c->props.name, why);
    unlink(path);
}

/* Loads a cached binary; NULL when there is none or it is refused (then it is deleted). */
static cl_program program_from_cache(cl_dev *c, const char *path, uint64_t key)
{
    const accel__cl_api *api = c->api;
    unsigned char *bin;
    size_t n;
    accel_status st = accel__clbin_load(path, key, &bin, &n);
    if (st == ACCEL_ERR_NOT_FOUND) return NULL;
    if (st != ACCEL_OK) {
        log_rejected(c, path, accel__last_error_text());
        return NULL;
    }
    cl_int e = 0, bst = 0;
    const unsigned char *bins[1] = {bin};
    cl_program prog = api->clCreateProgramWithBinary(c->context, 1, &c->device, &n, bins, &bst, &e);
    free(bin);
    if (!prog || e != ACCEL_CL_SUCCESS || bst != ACCEL_CL_SUCCESS) {
        char why[4400];
        const char *name = accel__cl_error_name(e != ACCEL_CL_SUCCESS ? e : bst);
        snprintf(
            why, sizeof why,
            "cached OpenCL binary %s: the driver refused it: clCreateProgramWithBinary: %s (%d)",
            path, name ? name : "unknown OpenCL error", (int)(e != ACCEL_CL_SUCCESS ? e : bst));
        if (prog) api->clReleaseProgram(prog);
        log_rejected(c, path, why);
        return NULL;
    }
    e = api->clBuildProgram(prog, 1, &c->device, ACCEL__CL_BUILD_OPTIONS, NULL, NULL);
    if (e != ACCEL_CL_SUCCESS) {
        char why[4400];
        const char *name = accel__cl_error_name(e);
        snprintf(why, sizeof why,
                 "cached OpenCL binary %s: the driver refused it: clBuildProgram: %s (%d)", path,
                 name ? name : "unknown OpenCL error", (int)e);
        api->clReleaseProgram(prog);
        log_rejected(c, path, why);
        return NULL;
    }
    return prog;
}

static void store_binary(cl_dev *c, cl_program prog, const char *path, uint64_t key)
{
    const accel__cl_api *api = c->api;
    size_t size = 0;
    if (api->clGetProgramInfo(prog, ACCEL_CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) !=
            ACCEL_CL_SUCCESS ||
        size == 0)
        return; /* the driver offers no binary: nothing to cache */
    unsigned char *bin = malloc(size);
    if (!bin) return;
    unsigned char *bins[1] = {bin};
    if (api->clGetProgramInfo(prog, ACCEL_CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) ==
        ACCEL_CL_SUCCESS) {
        if (accel__clbin_store(path, key, bin, size) != ACCEL_OK)
            ACCEL_LOG_WARN("opencl: cannot cache a program binary: %s", accel__last_error_text());
    }
    free(bin);
}

/* Builds one kernel family: from the cache when a valid entry exists, else from source (and
 * caches the result). `cache_dir` NULL disables the cache. */
static accel_status build_family(cl_dev *c, const accel__kernel_source *src, const char *cache_dir,
                                 cl_program *out)
{
    *out = NULL;
    uint64_t key =
        accel__clbin_key(src->text, src->len, c->props.name, c->props.driver,
                         c->props.platform_version, c->props.version, ACCEL__CL_BUILD_OPTIONS);
    char path[4096] = "";
    if (cache_dir) {
        accel__clbin_path(cache_dir, src->family, key, path, sizeof path);
        double t0 = accel__now_ms();
        cl_program prog = program_from_cache(c, path, key);
        if (prog) {
            c->counts.from_cache++;
            ACCEL_LOG_INFO("opencl: %s: kernels '%s' loaded from cache %s (%.1f ms)", c->props.name,
                           src->family, path, accel__now_ms() - t0);
            *out = prog;
            return ACCEL_OK;
        }
    }
    char what[384];
    snprintf(what, sizeof what, "OpenCL kernels '%s' on %s", src->family, c->props.name);
    double t0 = accel__now_ms();
    FORWARD_IF_ERROR(accel__cl_build_source(c->api, c->context, c->device, what, src->text,
                                            src->len, ACCEL__CL_BUILD_OPTIONS, out));
    c->counts.built++;
    ACCEL_LOG_INFO("opencl: %s: kernels '%s' built from source (%.1f ms)%s%s", c->props.name,
                   src->family, accel__now_ms() - t0, path[0] ? ", cached as " : "", path);
    if (path[0]) store_binary(c, *out, path, key);
    return ACCEL_OK;
}

static accel_status add_kernels(cl_dev *c, cl_program prog)
{
    const accel__cl_api *api = c->api;
    cl_uint nk = 0;
    FORWARD_IF_ERROR(
        ACCEL_CL(api->clCreateKernelsInProgram(prog, 0, NULL, &nk), "clCreateKernelsInProgram"));
    if (nk == 0) return ACCEL_OK;
    cl_kernel *ks = calloc(nk, sizeof *ks);
    struct accel__kernel *grown = realloc(c->kernels, (c->n_kernels + nk) * sizeof *grown);
    if (!ks || !grown) {
        free(ks);
        if (grown) c->kernels = grown;
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory creating OpenCL kernels");
    }
    c->kernels = grown;
    cl_int e = api->clCreateKernelsInProgram(prog, nk, ks, &nk);
    if (e != ACCEL_CL_SUCCESS) {
        free(ks);
        return ACCEL_CL(e, "clCreateKernelsInProgram");
    }
    for (cl_uint i = 0; i < nk; i++) {
        struct accel__kernel *k = &c->kernels[c->n_kernels];
        memset(k, 0, sizeof *k);
        k->k = ks[i];
        if (api->clGetKernelInfo(ks[i], ACCEL_CL_KERNEL_FUNCTION_NAME, sizeof k->name - 1, k->name,
                                 NULL) != ACCEL_CL_SUCCESS)
            k->name[0] = '\0';
        api->clGetKernelInfo(ks[i], ACCEL_CL_KERNEL_NUM_ARGS, sizeof k->n_args, &k->n_args, NULL);
        if (api->clGetKernelWorkGroupInfo(ks[i], c->device, ACCEL_CL_KERNEL_WORK_GROUP_SIZE,
                                          sizeof k->wg_max, &k->wg_max, NULL) != ACCEL_CL_SUCCESS)
            k->wg_max = 0;
        int dup = 0;
        for (size_t j = 0; j < c->n_kernels; j++)
            if (strcmp(c->kernels[j].name, k->name) == 0) dup = 1;
        if (dup || !k->name[0]) {
            ACCEL_LOG_WARN("opencl: kernel name '%s' defined twice; the first one is used",
                           k->name);
            api->clReleaseKernel(ks[i]);
            continue;
        }
        c->n_kernels++;
    }
    free(ks);
    return ACCEL_OK;
}

/* ---- open / close ----------------------------------------------------------------------- */

static void cl_close(accel__device *dev)
{
    cl_dev *c = impl_of(dev);
    if (!c) return;
    const accel__cl_api *api = c->api;
    if (c->queue) api->clFinish(c->queue);
    while (c->host) {
        host_block *h = c->host;
        c->host = h->next;
        api->clEnqueueUnmapMemObject(c->queue, h->mem, h->p, 0, NULL, NULL);
        api->clReleaseMemObject(h->mem);
        free(h);
    }
    if (c->queue) api->clFinish(c->queue);
    for (size_t i = 0; i < c->n_kernels; i++) api->clReleaseKernel(c->kernels[i].k);
    free(c->kernels);
    for (size_t i = 0; i < c->n_programs; i++) api->clReleaseProgram(c->programs[i]);
    if (c->queue) api->clReleaseCommandQueue(c->queue);
    if (c->context) api->clReleaseContext(c->context);
    pthread_mutex_destroy(&c->lock);
    free(c);
    dev->impl = NULL;
}

static accel_status open_device(accel__device *dev, cl_dev *c)
{
    FORWARD_IF_ERROR(accel__cl_api_load(&c->api));
    const accel__cl_api *api = c->api;
    accel__cl_mark_in_process();
    int pi = ACCEL__CL_INDEX_PLATFORM(dev->backend_index);
    int di = ACCEL__CL_INDEX_DEVICE(dev->backend_index);
    FORWARD_IF_ERROR(accel__cl_device_at(api, pi, di, &c->platform, &c->device));
    accel__cl_query(api, c->platform, c->device, &c->props);
    RETURN_ERROR_IF(strcmp(c->props.name, dev->info.name) != 0, ACCEL_ERR_UNAVAILABLE,
                    "OpenCL device list changed since discovery: platform %d device %d is now "
                    "'%s', not '%s' (run `accel devices --no-cache`)",
                    pi, di, c->props.name, dev->info.name);
    cl_context_properties props[3] = {ACCEL_CL_CONTEXT_PLATFORM, (cl_context_properties)c->platform,
                                      0};
    cl_int e = 0;
    c->context = api->clCreateContext(props, 1, &c->device, NULL, NULL, &e);
    if (!c->context) return ACCEL_CL(e ? e : ACCEL_CL_OUT_OF_HOST_MEMORY, "clCreateContext");
    c->queue =
        api->clCreateCommandQueue(c->context, c->device, ACCEL_CL_QUEUE_PROFILING_ENABLE, &e);
    if (!c->queue) return ACCEL_CL(e ? e : ACCEL_CL_OUT_OF_HOST_MEMORY, "clCreateCommandQueue");

    char dir[4096];
    const char *cache_dir = dir;
    if (accel__cache_path(dev->ctx, "kernels/opencl", dir, sizeof dir) != ACCEL_OK) {
        ACCEL_LOG_WARN("opencl: program cache disabled: %s", accel__last_error_text());
        cache_dir = NULL;
    }
    accel_status first_err = ACCEL_OK;
    char first_msg[1024] = "";
    double t0 = accel__now_ms();
    for (size_t i = 0; i < accel__kernel_source_count; i++) {
        const accel__kernel_source *src = &accel__kernel_sources[i];
        c->counts.families++;
        cl_program prog = NULL;
        accel_status st = build_family(c, src, cache_dir, &prog);
        if (st == ACCEL_OK && c->n_programs < sizeof c->programs / sizeof *c->programs) {
            c->programs[c->n_programs++] = prog;
            st = add_kernels(c, prog);
        } else if (st == ACCEL_OK) {
            api->clReleaseProgram(prog);
            st = ACCEL_ERROR(ACCEL_ERR_INTERNAL, "more than %zu kernel families",
                             sizeof c->programs / sizeof *c->programs);
        }
        if (st != ACCEL_OK) {
            /* one broken family disables only the operations that need its kernels */
            c->counts.failed++;
            ACCEL_LOG_WARN("opencl: %s", accel__last_error_text());
            if (first_err == ACCEL_OK) {
                first_err = st;
                accel__strlcpy(first_msg, accel__last_error_text(), sizeof first_msg);
                accel__strlcpy(c->family_error, first_msg, sizeof c->family_error);
            }
        }
    }
    if (c->counts.failed && c->counts.failed == c->counts.families)
        return ACCEL_ERROR(first_err, "%s", first_msg);
    snprintf(c->note, sizeof c->note,
             "OpenCL C built at open: %d famil%s, %zu kernel%s (%d from cache, %d built, %d "
             "cache entries rejected) in %.0f ms%s%s",
             c->counts.families, c->counts.families == 1 ? "y" : "ies", c->n_kernels,
             c->n_kernels == 1 ? "" : "s", c->counts.from_cache, c->counts.built,
             c->counts.rejected, accel__now_ms() - t0, c->family_error[0] ? "; failed: " : "",
             c->family_error);
    return ACCEL_OK;
}

static accel_status cl_open(accel__device *dev)
{
    if (dev->impl) return ACCEL_OK;
    cl_dev *c = calloc(1, sizeof *c);
    RETURN_ERROR_IF(!c, ACCEL_ERR_NO_MEMORY, "out of memory opening an OpenCL device");
    pthread_mutex_init(&c->lock, NULL);
    dev->impl = c;
    accel_status st = open_device(dev, c);
    if (st != ACCEL_OK) {
        char msg[1024];
        accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
        if (c->api) {
            cl_close(dev);
        } else {
            pthread_mutex_destroy(&c->lock);
            free(c);
            dev->impl = NULL;
        }
        return ACCEL_ERROR(st, "%s", msg);
    }
    return ACCEL_OK;
}

/* ---- memory ----------------------------------------------------------------------------- */

static accel_status cl_mem_info(accel__device *dev, int64_t *free_b, int64_t *total_b)
{
    cl_dev *c = impl_of(dev);
    long long total = c ? c->props.global_mem : dev->info.mem_total;
    long long used = 0;
    if (c) {
        pthread_mutex_lock(&c->lock);
        used = c->allocated;
        pthread_mutex_unlock(&c->lock);
    }
    long long left = total >= 0 ? total - used : -1;
    if (left < 0 && total >= 0) left = 0;
    long long free_bytes = left;
    if (dev->info.unified_memory) {
        /* Device memory is host memory: what the host can still give is the real limit, and
         * the device's own ceiling (CL_DEVICE_GLOBAL_MEM_SIZE less what accel holds) caps it. */
        long long host = accel__cl_host_available();
        if (host >= 0 && (free_bytes < 0 || host < free_bytes)) free_bytes = host;
    } else if (c && c->props.amd_attributes) {
        /* AMD drivers say how much is free; other vendors do not, and then only what accel
         * itself allocated is subtracted. */
        size_t kb[2] = {0, 0};
        if (c->api->clGetDeviceInfo(c->device, ACCEL_CL_DEVICE_GLOBAL_FREE_MEMORY_AMD, sizeof kb,
                                    kb, NULL) == ACCEL_CL_SUCCESS &&
            kb[0] > 0)
            free_bytes = (long long)kb[0] * 1024;
    }
    *free_b = free_bytes;
    *total_b = total;
    return ACCEL_OK;
}

static accel_status cl_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    NEED_OPEN(dev);
    cl_dev *c = impl_of(dev);
    RETURN_ERROR_IF(c->props.max_alloc > 0 && (long long)bytes > c->props.max_alloc,
                    ACCEL_ERR_DEVICE_OOM,
                    "OpenCL %s: %zu bytes exceed CL_DEVICE_MAX_MEM_ALLOC_SIZE (%lld)",
                    c->props.name, bytes, c->props.max_alloc);
    accel__buffer *b = malloc(sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory");
    cl_int e = 0;
    b->mem =
        c->api->clCreateBuffer(c->context, ACCEL_CL_MEM_READ_WRITE, bytes ? bytes : 1, NULL, &e);
    if (!b->mem) {
        free(b);
        char what[128];
        snprintf(what, sizeof what, "clCreateBuffer(%zu bytes)", bytes);
        return ACCEL_CL(e ? e : ACCEL_CL_MEM_OBJECT_ALLOCATION_FAILURE, what);
    }
    b->bytes = bytes;
    pthread_mutex_lock(&c->lock);
    c->allocated += (long long)bytes;
    pthread_mutex_unlock(&c->lock);
    *out = b;
    return ACCEL_OK;
}

static void cl_free(accel__device *dev, accel__buffer *b)
{
    cl_dev *c = impl_of(dev);
    if (!b) return;
    if (c) {
        c->api->clReleaseMemObject(b->mem);
        pthread_mutex_lock(&c->lock);
        c->allocated -= (long long)b->bytes;
        pthread_mutex_unlock(&c->lock);
    }
    free(b);
}

static int out_of_bounds(const accel__buffer *b, size_t off, size_t n)
{
    return off > b->bytes || n > b->bytes - off;
}

static accel_status cl_h2d(accel__device *dev, accel__buffer *dst, size_t off, const void *src,
                           size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    NEED_OPEN(dev);
    RETURN_ERROR_IF(!dst || (!src && n), ACCEL_ERR_INVALID_ARG, "OpenCL copy_h2d: NULL pointer");
    RETURN_ERROR_IF(out_of_bounds(dst, off, n), ACCEL_ERR_INVALID_ARG,
                    "OpenCL copy_h2d: %zu bytes at offset %zu exceed the %zu-byte buffer", n, off,
                    dst->bytes);
    if (n == 0) return ACCEL_OK;
    cl_dev *c = impl_of(dev);
    return ACCEL_CL(
        c->api->clEnqueueWriteBuffer(c->queue, dst->mem, ACCEL_CL_TRUE, off, n, src, 0, NULL, NULL),
        "clEnqueueWriteBuffer");
}

static accel_status cl_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t off, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    NEED_OPEN(dev);
    RETURN_ERROR_IF(!src || (!dst && n), ACCEL_ERR_INVALID_ARG, "OpenCL copy_d2h: NULL pointer");
    RETURN_ERROR_IF(out_of_bounds(src, off, n), ACCEL_ERR_INVALID_ARG,
                    "OpenCL copy_d2h: %zu bytes at offset %zu exceed the %zu-byte buffer", n, off,
                    src->bytes);
    if (n == 0) return ACCEL_OK;
    cl_dev *c = impl_of(dev);
    return ACCEL_CL(
        c->api->clEnqueueReadBuffer(c->queue, src->mem, ACCEL_CL_TRUE, off, n, dst, 0, NULL, NULL),
        "clEnqueueReadBuffer");
}

static accel_status cl_d2d(accel__device *dev, accel__buffer *dst, size_t doff, accel__buffer *src,
                           size_t soff, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    NEED_OPEN(dev);
    RETURN_ERROR_IF(!dst || !src, ACCEL_ERR_INVALID_ARG, "OpenCL copy_d2d: NULL buffer");
    RETURN_ERROR_IF(out_of_bounds(dst, doff, n) || out_of_bounds(src, soff, n),
                    ACCEL_ERR_INVALID_ARG,
                    "OpenCL copy_d2d: %zu bytes from offset %zu of a %zu-byte buffer to offset "
                    "%zu of a %zu-byte buffer are out of bounds",
                    n, soff, src->bytes, doff, dst->bytes);
    if (n == 0) return ACCEL_OK;
    cl_dev *c = impl_of(dev);
    const accel__cl_api *api = c->api;
    if (dst == src && doff < soff + n && soff < doff + n) {
        if (doff == soff) return ACCEL_OK;
        /* OpenCL refuses overlapping copies (CL_MEM_COPY_OVERLAP); go through a scratch buffer
         * so d2d has memmove semantics like the CPU backend. */
        cl_int e = 0;
        cl_mem tmp = api->clCreateBuffer(c->context, ACCEL_CL_MEM_READ_WRITE, n, NULL, &e);
        if (!tmp) return ACCEL_CL(e ? e : ACCEL_CL_MEM_OBJECT_ALLOCATION_FAILURE, "clCreateBuffer");
        e = api->clEnqueueCopyBuffer(c->queue, src->mem, tmp, soff, 0, n, 0, NULL, NULL);
        if (e == ACCEL_CL_SUCCESS)
            e = api->clEnqueueCopyBuffer(c->queue, tmp, dst->mem, 0, doff, n, 0, NULL, NULL);
        if (e == ACCEL_CL_SUCCESS) e = api->clFinish(c->queue);
        api->clReleaseMemObject(tmp);
        return ACCEL_CL(e, "clEnqueueCopyBuffer (overlapping)");
    }
    FORWARD_IF_ERROR(ACCEL_CL(
        api->clEnqueueCopyBuffer(c->queue, src->mem, dst->mem, soff, doff, n, 0, NULL, NULL),
        "clEnqueueCopyBuffer"));
    return ACCEL_CL(api->clFinish(c->queue), "clFinish after clEnqueueCopyBuffer");
}

/* Pinned host memory pays off where transfers cross a bus; on a unified-memory device (PoCL,
 * integrated GPUs) it is ordinary host memory, so plain aligned memory is handed out. */
static accel_status cl_host_alloc(accel__device *dev, size_t bytes, void **out)
{
    *out = NULL;
    cl_dev *c = impl_of(dev);
    if (!c || dev->info.unified_memory) {
        void *p = NULL;
        RETURN_ERROR_IF(posix_memalign(&p, 64, bytes ? bytes : 1) != 0, ACCEL_ERR_NO_MEMORY,
                        "cannot allocate %zu bytes of host memory", bytes);
        *out = p;
        return ACCEL_OK;
    }
    const accel__cl_api *api = c->api;
    host_block *h = calloc(1, sizeof *h);
    RETURN_ERROR_IF(!h, ACCEL_ERR_NO_MEMORY, "out of host memory");
    cl_int e = 0;
    h->mem = api->clCreateBuffer(c->context, ACCEL_CL_MEM_READ_WRITE | ACCEL_CL_MEM_ALLOC_HOST_PTR,
                                 bytes ? bytes : 1, NULL, &e);
    if (!h->mem) {
        free(h);
        return ACCEL_CL(e ? e : ACCEL_CL_OUT_OF_HOST_MEMORY, "clCreateBuffer(ALLOC_HOST_PTR)");
    }
    h->p = api->clEnqueueMapBuffer(c->queue, h->mem, ACCEL_CL_TRUE,
                                   ACCEL_CL_MAP_READ | ACCEL_CL_MAP_WRITE, 0, bytes ? bytes : 1, 0,
                                   NULL, NULL, &e);
    if (!h->p) {
        api->clReleaseMemObject(h->mem);
        free(h);
        return ACCEL_CL(e ? e : ACCEL_CL_MAP_FAILURE, "clEnqueueMapBuffer");
    }
    pthread_mutex_lock(&c->lock);
    h->next = c->host;
    c->host = h;
    pthread_mutex_unlock(&c->lock);
    *out = h->p;
    return ACCEL_OK;
}

static void cl_host_free(accel__device *dev, void *p)
{
    if (!p) return;
    cl_dev *c = impl_of(dev);
    host_block *found = NULL;
    if (c) {
        pthread_mutex_lock(&c->lock);
        for (host_block **pp = &c->host; *pp; pp = &(*pp)->next)
            if ((*pp)->p == p) {
                found = *pp;
                *pp = found->next;
                break;
            }
        pthread_mutex_unlock(&c->lock);
    }
    if (!found) {
        free(p);
        return;
    }
    c->api->clEnqueueUnmapMemObject(c->queue, found->mem, found->p, 0, NULL, NULL);
    c->api->clFinish(c->queue);
    c->api->clReleaseMemObject(found->mem);
    free(found);
}

/* ---- kernels ---------------------------------------------------------------------------- */

static accel_status cl_kernel_get(accel__device *dev, const char *name, accel__kernel **out)
{
    *out = NULL;
    NEED_OPEN(dev);
    RETURN_ERROR_IF(!name, ACCEL_ERR_INVALID_ARG, "kernel_get: NULL name");
    cl_dev *c = impl_of(dev);
    for (size_t i = 0; i < c->n_kernels; i++)
        if (strcmp(c->kernels[i].name, name) == 0) {
            *out = &c->kernels[i];
            return ACCEL_OK;
        }
    if (c->family_error[0] && accel__cl_family_of(name))
        return ACCEL_ERROR(ACCEL_ERR_KERNEL, "OpenCL kernel %s is not available: %s", name,
                           c->family_error);
    return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "OpenCL kernel %s: no such kernel in accel's sources",
                       name);
}

static accel_status set_arg(cl_dev *c, accel__kernel *k, cl_uint i, const accel__arg *a)
{
    const accel__cl_api *api = c->api;
    cl_int e;
    switch (a->type) {
    case ACCEL__ARG_BUFFER: {
        cl_mem m = a->v.buf ? a->v.buf->mem : NULL;
        e = api->clSetKernelArg(k->k, i, sizeof m, &m);
        break;
    }
    case ACCEL__ARG_I32: e = api->clSetKernelArg(k->k, i, sizeof(int32_t), &a->v.i32); break;
    case ACCEL__ARG_U32: e = api->clSetKernelArg(k->k, i, sizeof(uint32_t), &a->v.u32); break;
    case ACCEL__ARG_F32: e = api->clSetKernelArg(k->k, i, sizeof(float), &a->v.f32); break;
    case ACCEL__ARG_I64: e = api->clSetKernelArg(k->k, i, sizeof(int64_t), &a->v.i64); break;
    case ACCEL__ARG_LOCAL: e = api->clSetKernelArg(k->k, i, a->v.local_bytes, NULL); break;
    default:
        return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "launch %s: argument %u has unknown type %d",
                           k->name, i, (int)a->type);
    }
    if (e == ACCEL_CL_SUCCESS) return ACCEL_OK;
    char what[128];
    snprintf(what, sizeof what, "launch %s: clSetKernelArg(%u)", k->name, i);
    return ACCEL_CL(e, what);
}

static accel_status cl_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                              const accel__arg *args, int n_args)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "launch"));
    NEED_OPEN(dev);
    RETURN_ERROR_IF(!k || !geom || (n_args && !args), ACCEL_ERR_INVALID_ARG,
                    "launch: NULL argument");
    RETURN_ERROR_IF(geom->dims < 1 || geom->dims > 3, ACCEL_ERR_INVALID_ARG,
                    "launch %s: dims is %d (allowed: 1, 2, 3)", k->name, geom->dims);
    RETURN_ERROR_IF(n_args < 0 || (cl_uint)n_args != k->n_args, ACCEL_ERR_INVALID_ARG,
                    "launch %s: %d arguments given, the kernel takes %u", k->name, n_args,
                    k->n_args);
    size_t global[3] = {1, 1, 1}, local[3] = {1, 1, 1};
    int has_local = geom->local[0] > 0;
    size_t group = 1;
    for (int d = 0; d < geom->dims; d++) {
        if (geom->global[d] == 0) return ACCEL_OK; /* nothing to run */
        size_t l = has_local ? (geom->local[d] ? geom->local[d] : 1) : 1;
        local[d] = l;
        group *= l;
        /* OpenCL 1.x needs global to be a multiple of local; the kernels bound-check */
        global[d] = (geom->global[d] + l - 1) / l * l;
    }
    RETURN_ERROR_IF(has_local && k->wg_max && group > k->wg_max, ACCEL_ERR_KERNEL,
                    "launch %s: work-group of %zu items exceeds this kernel's maximum %zu on %s",
                    k->name, group, k->wg_max, dev->info.name);
    cl_dev *c = impl_of(dev);
    /* arguments live in the kernel object: set-and-enqueue must not interleave across threads */
    pthread_mutex_lock(&c->lock);
    accel_status st = ACCEL_OK;
    for (int i = 0; i < n_args && st == ACCEL_OK; i++) st = set_arg(c, k, (cl_uint)i, &args[i]);
    if (st == ACCEL_OK) {
        char what[128];
        snprintf(what, sizeof what, "launch %s: clEnqueueNDRangeKernel", k->name);
        st = ACCEL_CL(c->api->clEnqueueNDRangeKernel(c->queue, k->k, (cl_uint)geom->dims, NULL,
                                                     global, has_local ? local : NULL, 0, NULL,
                                                     NULL),
                      what);
    }
    pthread_mutex_unlock(&c->lock);
    return st;
}

static accel_status cl_sync(accel__device *dev)
{
    NEED_OPEN(dev);
    cl_dev *c = impl_of(dev);
    return ACCEL_CL(c->api->clFinish(c->queue), "clFinish");
}

/* ---- timing: markers with profiling events ---------------------------------------------- */

typedef struct {
    cl_event start;
} cl_timer;

static accel_status marker(cl_dev *c, cl_event *ev)
{
    return ACCEL_CL(c->api->clEnqueueMarkerWithWaitList(c->queue, 0, NULL, ev),
                    "clEnqueueMarkerWithWaitList");
}

static accel_status cl_timer_start(accel__device *dev, void **timer)
{
    *timer = NULL;
    NEED_OPEN(dev);
    cl_timer *t = calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, ACCEL_ERR_NO_MEMORY, "out of host memory");
    accel_status st = marker(impl_of(dev), &t->start);
    if (st != ACCEL_OK) {
        free(t);
        return st;
    }
    *timer = t;
    return ACCEL_OK;
}

/* The time between the two markers' completions: on an in-order queue the first completes when
 * the work before it has, the second when the work between them has. */
static accel_status cl_timer_stop(accel__device *dev, void *timer, double *ms)
{
    *ms = 0;
    cl_timer *t = timer;
    RETURN_ERROR_IF(!t, ACCEL_ERR_INVALID_ARG, "timer_stop: NULL timer");
    cl_dev *c = impl_of(dev);
    if (!c) {
        free(t);
        return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "OpenCL device %s is not opened", dev->info.name);
    }
    const accel__cl_api *api = c->api;
    cl_event end = NULL;
    accel_status st = marker(c, &end);
    cl_ulong a = 0, b = 0;
    if (st == ACCEL_OK) st = ACCEL_CL(api->clWaitForEvents(1, &end), "clWaitForEvents");
    if (st == ACCEL_OK)
        st = ACCEL_CL(api->clGetEventProfilingInfo(t->start, ACCEL_CL_PROFILING_COMMAND_END,
                                                   sizeof a, &a, NULL),
                      "clGetEventProfilingInfo");
    if (st == ACCEL_OK)
        st = ACCEL_CL(
            api->clGetEventProfilingInfo(end, ACCEL_CL_PROFILING_COMMAND_END, sizeof b, &b, NULL),
            "clGetEventProfilingInfo");
    if (st == ACCEL_OK) *ms = b >= a ? (double)(b - a) / 1e6 : 0.0;
    if (end) api->clReleaseEvent(end);
    if (t->start) api->clReleaseEvent(t->start);
    free(t);
    return st;
}

static const char *cl_kernel_note(const accel__device *dev)
{
    const cl_dev *c = impl_of(dev);
    return c ? c->note : "OpenCL C from source, built when the device is opened";
}

/* ---- hooks for tests -------------------------------------------------------------------- */

accel_status accel__opencl_cache_counts_get(const accel__device *dev,
                                            accel__opencl_cache_counts *out)
{
    RETURN_ERROR_IF(!dev || dev->ops != &accel__backend_opencl || !dev->impl, ACCEL_ERR_INVALID_ARG,
                    "not an opened OpenCL device");
    *out = impl_of(dev)->counts;
    return ACCEL_OK;
}

accel_status accel__opencl_build_test(accel__device *dev, const char *source)
{
    RETURN_ERROR_IF(!dev || dev->ops != &accel__backend_opencl || !dev->impl || !source,
                    ACCEL_ERR_INVALID_ARG, "not an opened OpenCL device");
    cl_dev *c = impl_of(dev);
    char what[320];
    snprintf(what, sizeof what, "OpenCL test source on %s", c->props.name);
    cl_program prog = NULL;
    FORWARD_IF_ERROR(accel__cl_build_source(c->api, c->context, c->device, what, source,
                                            strlen(source), ACCEL__CL_BUILD_OPTIONS, &prog));
    c->api->clReleaseProgram(prog);
    return ACCEL_OK;
}

/* fp16 when the device has cl_khr_fp16. */
static unsigned cl_precision(const accel__device *dev)
{
    return ACCEL_PREC_FP32 | (dev->info.fp16 == 1 ? ACCEL_PREC_FP16 : 0);
}

const accel__backend_ops accel__backend_opencl = {
    .api_version = ACCEL__BACKEND_API,
    .name = "opencl",
    .open = cl_open,
    .close = cl_close,
    .mem_info = cl_mem_info,
    .buffer_alloc = cl_alloc,
    .buffer_free = cl_free,
    .copy_h2d = cl_h2d,
    .copy_d2h = cl_d2h,
    .copy_d2d = cl_d2d,
    .host_alloc = cl_host_alloc,
    .host_free = cl_host_free,
    .kernel_get = cl_kernel_get,
    .launch = cl_launch,
    .synchronize = cl_sync,
    .supports_op = accel__device_code_supports,
    .run = accel__device_code_run,
    .timer_start = cl_timer_start,
    .timer_stop = cl_timer_stop,
    .kernel_note = cl_kernel_note,
    .precision = cl_precision,
};
