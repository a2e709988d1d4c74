/* gpu_backend.c — the host code of the CUDA and HIP backends (see gpu_backend.h).
 *
 * One device = its context made current for the calling thread (every slot does it first:
 * the calling thread may differ from call to call) plus one stream. Kernels go to that stream;
 * copies use the API's synchronous calls, ordered with a blocking stream both ways, so a copy
 * back waits for the kernels before it and a kernel waits for the copies before it, with no
 * extra synchronisation. copy_h2d/copy_d2h return once the host memory may be reused or read;
 * copy_d2d and launch are asynchronous. */
#include "backends/gpu/gpu_backend.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct accel__buffer {
    uint64_t ptr; /* the device address; 0 for an empty buffer */
    size_t bytes;
    int borrowed; /* the caller's memory (buffer_wrap): not freed with the handle */
};

struct accel__kernel {
    void *fn;
    struct accel__kernel *next;
    char name[64];
};

typedef struct gpu_timer {
    void *start, *stop;
} gpu_timer;

static accel_status not_open(const accel__device *dev, const char *api)
{
    return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "%s device %d (%s) is not open", api,
                       dev->backend_index, dev->info.name);
}
#define OPEN_OR_FAIL(dev, g)                                                                \
    accel__gpu_dev *g = (dev)->impl;                                                        \
    if (!g) return not_open(dev, (dev)->ops->name)

int accel__gpu_add_module(accel__gpu_dev *g, void *module)
{
    if (g->n_modules == ACCEL__GPU_MAX_MODULES) return 0;
    g->modules[g->n_modules++] = module;
    return 1;
}

const char *accel__gpu_note(const accel__device *dev)
{
    const accel__gpu_dev *g = dev->impl;
    return g ? g->note : NULL;
}

/* ---- open and close --------------------------------------------------------------------- */

accel_status accel__gpu_open(accel__device *dev, const accel__gpu_vendor *v)
{
    if (dev->impl) return ACCEL_OK;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "open"));
    const void *api = NULL;
    FORWARD_IF_ERROR(v->load(&api));
    accel__gpu_dev *g = calloc(1, sizeof *g);
    RETURN_ERROR_IF(!g, ACCEL_ERR_NO_MEMORY, "out of memory opening a %s device", v->api);
    g->v = v;
    g->api = api;
    g->ordinal = g->handle = dev->backend_index;
    g->cc_major = g->cc_minor = -1;
    pthread_mutex_init(&g->klock, NULL);
    dev->impl = g;
    accel_status st = v->init(g);
    if (st != ACCEL_OK) {
        char why[1024];
        accel__strlcpy(why, accel__last_error_text(), sizeof why);
        accel__gpu_close(dev);
        return ACCEL_ERROR(st, "%s device %d: %s", v->api, dev->backend_index, why);
    }
    double t0 = accel__now_ms();
    v->load_kernels(g, dev);
    ACCEL_LOG_INFO("%s device %d (%s): kernels in %.1f ms: %s", v->api, dev->backend_index,
                   dev->info.arch[0] ? dev->info.arch : "?", accel__now_ms() - t0, g->note);
    accel__clear_error();
    return ACCEL_OK;
}

void accel__gpu_close(accel__device *dev)
{
    accel__gpu_dev *g = dev->impl;
    if (!g) return;
    g->v->fini(g);
    while (g->kernels) {
        accel__kernel *k = g->kernels;
        g->kernels = k->next;
        free(k);
    }
    pthread_mutex_destroy(&g->klock);
    free(g);
    dev->impl = NULL;
}

accel_status accel__gpu_mem_info(accel__device *dev, int64_t *free_b, int64_t *total_b)
{
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(g->v->make_current(g));
    size_t f = 0, t = 0;
    FORWARD_IF_ERROR(g->v->mem_info(g, &f, &t));
    *free_b = (int64_t)f;
    *total_b = (int64_t)t;
    return ACCEL_OK;
}

/* ---- memory ----------------------------------------------------------------------------- */

accel_status accel__gpu_buffer_alloc(accel__device *dev, size_t bytes, accel__buffer **out)
{
    *out = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    OPEN_OR_FAIL(dev, g);
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory for a buffer handle");
    b->bytes = bytes;
    if (bytes) {
        accel_status st = g->v->make_current(g);
        if (st == ACCEL_OK) st = g->v->alloc(g, bytes, &b->ptr);
        if (st != ACCEL_OK) {
            free(b);
            return ACCEL_ERROR(st, "%s device %d: cannot allocate %zu bytes: %s", g->v->api,
                               dev->backend_index, bytes, accel__last_error_text());
        }
    }
    *out = b;
    return ACCEL_OK;
}

void accel__gpu_buffer_free(accel__device *dev, accel__buffer *b)
{
    accel__gpu_dev *g = dev->impl;
    if (!b) return;
    if (g && b->ptr && !b->borrowed && g->v->make_current(g) == ACCEL_OK) g->v->free(g, b->ptr);
    free(b);
}

/* Device memory handed to the caller (accel_device_alloc): an address of the vendor runtime —
 * for CUDA a CUdeviceptr in the primary context, which other users of the driver in the
 * process (PyTorch, CuPy) share; for HIP a device pointer. */
accel_status accel__gpu_mem_alloc(accel__device *dev, size_t bytes, void **ptr)
{
    *ptr = NULL;
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "alloc"));
    OPEN_OR_FAIL(dev, g);
    uint64_t p = 0;
    accel_status st = g->v->make_current(g);
    if (st == ACCEL_OK) st = g->v->alloc(g, bytes ? bytes : 1, &p);
    if (st != ACCEL_OK)
        return ACCEL_ERROR(st, "%s device %d: cannot allocate %zu bytes: %s", g->v->api,
                           dev->backend_index, bytes, accel__last_error_text());
    *ptr = (void *)(uintptr_t)p;
    return ACCEL_OK;
}

void accel__gpu_mem_free(accel__device *dev, void *ptr)
{
    accel__gpu_dev *g = dev->impl;
    if (g && ptr && g->v->make_current(g) == ACCEL_OK) g->v->free(g, (uint64_t)(uintptr_t)ptr);
}

/* A buffer handle over memory the caller owns (accel_convert_on's data, accel_device_copy's
 * addresses): the copy and launch slots take it like any buffer, buffer_free frees only the
 * handle. */
accel_status accel__gpu_buffer_wrap(accel__device *dev, void *ptr, size_t bytes,
                                    accel__buffer **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, g);
    (void)g;
    RETURN_ERROR_IF(!ptr && bytes, ACCEL_ERR_INVALID_ARG,
                    "a NULL device address cannot hold %zu bytes", bytes);
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of host memory for a buffer handle");
    b->ptr = (uint64_t)(uintptr_t)ptr;
    b->bytes = bytes;
    b->borrowed = 1;
    *out = b;
    return ACCEL_OK;
}

static accel_status check_range(const accel__device *dev, const accel__buffer *b, size_t off,
                                size_t n, const char *what)
{
    const accel__gpu_dev *g = dev->impl;
    RETURN_ERROR_IF(!b, ACCEL_ERR_INVALID_ARG, "%s: NULL buffer", what);
    RETURN_ERROR_IF(off > b->bytes || n > b->bytes - off, ACCEL_ERR_INVALID_ARG,
                    "%s: bytes [%zu, %zu + %zu) outside a %zu-byte buffer on %s device %d", what,
                    off, off, n, b->bytes, g->v->api, dev->backend_index);
    return ACCEL_OK;
}

accel_status accel__gpu_copy_h2d(accel__device *dev, accel__buffer *dst, size_t off,
                                 const void *src, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(check_range(dev, dst, off, n, "copy to device"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(g->v->make_current(g));
    return g->v->copy_h2d(g, dst->ptr + off, src, n);
}

accel_status accel__gpu_copy_d2h(accel__device *dev, void *dst, accel__buffer *src, size_t off,
                                 size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(check_range(dev, src, off, n, "copy from device"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(g->v->make_current(g));
    return g->v->copy_d2h(g, dst, src->ptr + off, n);
}

accel_status accel__gpu_copy_d2d(accel__device *dev, accel__buffer *dst, size_t doff,
                                 accel__buffer *src, size_t soff, size_t n)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "copy"));
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(check_range(dev, dst, doff, n, "device copy destination"));
    FORWARD_IF_ERROR(check_range(dev, src, soff, n, "device copy source"));
    if (!n) return ACCEL_OK;
    FORWARD_IF_ERROR(g->v->make_current(g));
    return g->v->copy_d2d(g, dst->ptr + doff, src->ptr + soff, n);
}

accel_status accel__gpu_host_alloc(accel__device *dev, size_t bytes, void **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(g->v->make_current(g));
    accel_status st = g->v->host_alloc(g, bytes ? bytes : 1, out);
    /* Pinned memory is host memory: running out of it is not a device OOM. */
    if (st == ACCEL_ERR_DEVICE_OOM)
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "cannot pin %zu bytes of host memory: %s", bytes,
                           accel__last_error_text());
    return st;
}

void accel__gpu_host_free(accel__device *dev, void *p)
{
    accel__gpu_dev *g = dev->impl;
    if (g && p && g->v->make_current(g) == ACCEL_OK) g->v->host_free(g, p);
}

/* ---- kernels ---------------------------------------------------------------------------- */

/* The kernel `name` from the loaded modules (looked up once, then remembered), or NULL. */
static accel__kernel *find_kernel(accel__gpu_dev *g, const char *name)
{
    pthread_mutex_lock(&g->klock);
    accel__kernel *k = g->kernels;
    while (k && strcmp(k->name, name) != 0) k = k->next;
    if (!k && strlen(name) < sizeof k->name && g->n_modules &&
        g->v->make_current(g) == ACCEL_OK) {
        for (size_t i = 0; i < g->n_modules; i++) {
            void *fn = NULL;
            if (!g->v->function(g, g->modules[i], name, &fn)) continue;
            k = calloc(1, sizeof *k);
            if (!k) break;
            k->fn = fn;
            accel__strlcpy(k->name, name, sizeof k->name);
            k->next = g->kernels;
            g->kernels = k;
            break;
        }
    }
    pthread_mutex_unlock(&g->klock);
    return k;
}

accel_status accel__gpu_kernel_get(accel__device *dev, const char *name, accel__kernel **out)
{
    *out = NULL;
    OPEN_OR_FAIL(dev, g);
    RETURN_ERROR_IF(!name, ACCEL_ERR_INVALID_ARG, "kernel name is NULL");
    FORWARD_IF_ERROR(g->v->make_current(g));
    *out = find_kernel(g, name);
    RETURN_ERROR_IF(!*out, ACCEL_ERR_UNSUPPORTED, "%s device %d has no kernel %s (%s)", g->v->api,
                    dev->backend_index, name, g->note);
    return ACCEL_OK;
}

static uint64_t buffer_addr(const accel__buffer *b) { return b->ptr; }

accel_status accel__gpu_launch(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                               const accel__arg *args, int n_args)
{
    FORWARD_IF_ERROR(accel__fault_check(dev->ctx, dev, "launch"));
    OPEN_OR_FAIL(dev, g);
    RETURN_ERROR_IF(!k || !geom, ACCEL_ERR_INVALID_ARG, "launch: NULL kernel or geometry");
    unsigned grid[3], block[3];
    int empty = 0;
    FORWARD_IF_ERROR(accel__gpu_grid(&g->limits, geom, grid, block, &empty));
    for (int d = 0; d < 3 && g->limits.max_items; d++)
        RETURN_ERROR_IF((unsigned long long)grid[d] * block[d] > g->limits.max_items,
                        ACCEL_ERR_INVALID_ARG,
                        "launch of %s: %u groups of %u in dimension %d exceed %s's %llu work "
                        "items",
                        k->name, grid[d], block[d], d, g->v->api, g->limits.max_items);
    accel__gpu_param vals[ACCEL__GPU_MAX_ARGS];
    void *params[ACCEL__GPU_MAX_ARGS + 1];
    size_t shared = 0;
    FORWARD_IF_ERROR(accel__gpu_pack_args(&g->limits, k->name, args, n_args, buffer_addr, vals,
                                          params, &shared));
    if (empty) return ACCEL_OK;
    FORWARD_IF_ERROR(g->v->make_current(g));
    return g->v->launch(g, k->fn, grid, block, shared, params, k->name);
}

accel_status accel__gpu_synchronize(accel__device *dev)
{
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(g->v->make_current(g));
    return g->v->synchronize(g);
}

/* ---- timers ----------------------------------------------------------------------------- */

accel_status accel__gpu_timer_start(accel__device *dev, void **timer)
{
    *timer = NULL;
    OPEN_OR_FAIL(dev, g);
    FORWARD_IF_ERROR(g->v->make_current(g));
    gpu_timer *t = calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, ACCEL_ERR_NO_MEMORY, "out of memory for a timer");
    accel_status st = g->v->event_create(g, &t->start);
    if (st == ACCEL_OK) st = g->v->event_create(g, &t->stop);
    if (st == ACCEL_OK) st = g->v->event_record(g, t->start);
    if (st != ACCEL_OK) {
        if (t->start) g->v->event_destroy(g, t->start);
        if (t->stop) g->v->event_destroy(g, t->stop);
        free(t);
        return st;
    }
    *timer = t;
    return ACCEL_OK;
}

accel_status accel__gpu_timer_stop(accel__device *dev, void *timer, double *ms)
{
    gpu_timer *t = timer;
    *ms = -1;
    RETURN_ERROR_IF(!t, ACCEL_ERR_INVALID_ARG, "timer_stop: NULL timer");
    accel__gpu_dev *g = dev->impl;
    accel_status st = g ? g->v->make_current(g) : not_open(dev, dev->ops->name);
    if (st == ACCEL_OK) st = g->v->event_record(g, t->stop);
    if (st == ACCEL_OK) st = g->v->event_synchronize(g, t->stop);
    float f = 0;
    if (st == ACCEL_OK) st = g->v->event_elapsed(g, t->start, t->stop, &f);
    if (st == ACCEL_OK) *ms = f;
    if (g) {
        g->v->event_destroy(g, t->start);
        g->v->event_destroy(g, t->stop);
    }
    free(t);
    return st;
}
