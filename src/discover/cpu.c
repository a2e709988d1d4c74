/* cpu.c — the CPU as a device. (First version: name, logical cores, memory; the full parser
 * of /proc/cpuinfo, SIMD features and cgroup limits replaces it.) */
#include "../core/internal.h"

#include <string.h>
#include <unistd.h>

accel_status accel__discover_cpu(accel_ctx *ctx, accel__devlist *out)
{
    (void)ctx;
    accel__device *d = accel__devlist_add(out);
    RETURN_ERROR_IF(!d, ACCEL_ERR_NO_MEMORY, "out of memory");
    d->info.kind = ACCEL_KIND_CPU;
    d->info.routes = ACCEL_ROUTE_CPU;
    d->info.usable = 1;
    accel__strlcpy(d->info.verdict, "usable", sizeof d->info.verdict);
    accel__strlcpy(d->info.name, "CPU", sizeof d->info.name);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    d->info.logical_cores = d->info.usable_cores = d->info.compute_units = (int)n;
    long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
    long psz = sysconf(_SC_PAGESIZE);
    d->info.mem_total = (int64_t)pages * psz;
    d->info.mem_free = (int64_t)avail * psz;
    d->info.unified_memory = 1;
    d->ops = &accel__backend_cpu;
    return ACCEL_OK;
}
