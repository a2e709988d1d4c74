/* devlist.c — device entries and the growable list that discoverers fill.
 *
 * A leaf: it calls nothing but the C library, so the discoverers (src/discover/) that append
 * to a list and the context (context.c) that runs them and takes the result do not call into
 * each other's files. */
#include "core/backend.h"

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

accel_ctx *accel__device_ctx(const accel__device *dev) { return dev ? dev->ctx : NULL; }
