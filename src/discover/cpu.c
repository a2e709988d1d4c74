/* cpu.c — the CPU as a device: model, cores, SIMD features, memory, and the limits of the
 * container it runs in (see cpu.h for the rules). */
#include "discover/cpu.h"

#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Physical cores from sysfs topology: one distinct sibling list per core. Arm's cpuinfo has no
 * "core id", and SMT Arm cores (Neoverse-E1, ThunderX2) exist. */
static int sysfs_physical_cores(const char *sysfs_root)
{
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s/devices/system/cpu", sysfs_root);
    DIR *d = opendir(base);
    if (!d) return 0;
    char **lists = NULL;
    size_t n = 0, cap = 0;
    int distinct = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "cpu", 3) != 0 || e->d_name[3] < '0' || e->d_name[3] > '9')
            continue;
        char path[PATH_MAX], buf[512];
        snprintf(path, sizeof path, "%s/%s/topology/core_cpus_list", base, e->d_name);
        if (accel__read_text(path, buf, sizeof buf) != 0) {
            snprintf(path, sizeof path, "%s/%s/topology/thread_siblings_list", base, e->d_name);
            if (accel__read_text(path, buf, sizeof buf) != 0) continue;
        }
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++) seen = strcmp(lists[i], buf) == 0;
        if (seen) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nl = realloc(lists, nc * sizeof *nl);
            if (!nl) break;
            lists = nl;
            cap = nc;
        }
        lists[n] = strdup(buf);
        if (!lists[n]) break;
        n++;
        distinct++;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) free(lists[i]);
    free(lists);
    return distinct;
}

static int affinity_count(void)
{
    for (int ncpu = 1024; ncpu <= 1 << 16; ncpu *= 4) {
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (!set) return -1;
        size_t sz = CPU_ALLOC_SIZE(ncpu);
        CPU_ZERO_S(sz, set);
        if (sched_getaffinity(0, sz, set) == 0) {
            int c = CPU_COUNT_S(sz, set);
            CPU_FREE(set);
            return c;
        }
        CPU_FREE(set);
    }
    return -1;
}

static accel__cpu_isa native_isa(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return ACCEL__CPU_ISA_X86;
#elif defined(__aarch64__) || defined(__arm__)
    return ACCEL__CPU_ISA_ARM;
#else
    return ACCEL__CPU_ISA_UNKNOWN;
#endif
}

accel_status accel__cpu_host_read(const char *sysfs_root, const char *procfs_root, int live,
                                  accel__cpu_host *h)
{
    RETURN_ERROR_IF(!sysfs_root || !procfs_root || !h, ACCEL_ERR_INVALID_ARG,
                    "accel__cpu_host_read: NULL argument");
    memset(h, 0, sizeof *h);
    h->mem_total = h->mem_available = h->mem_free = -1;
    h->affinity_cores = -1;
    char path[PATH_MAX];
    char *text = NULL;
    size_t n = 0;

    snprintf(path, sizeof path, "%s/cpuinfo", procfs_root);
    if (accel__read_file(path, &text, &n) == ACCEL_OK) {
        accel__cpuinfo_parse(text, &h->ci);
        free(text);
    } else {
        ACCEL_LOG_DEBUG("cpu: %s unreadable: %s", path, accel__last_error_text());
        accel__clear_error();
    }
    snprintf(path, sizeof path, "%s/meminfo", procfs_root);
    if (accel__read_file(path, &text, &n) == ACCEL_OK) {
        accel__meminfo_parse(text, &h->mem_total, &h->mem_available);
        free(text);
    } else {
        accel__clear_error();
    }

    accel__cpu_isa isa = h->ci.isa;
    uint64_t features = h->ci.features;
    if (live) {
        if (isa == ACCEL__CPU_ISA_UNKNOWN) isa = native_isa();
        uint64_t rt;
        if (isa == native_isa() && accel__cpu_runtime_features(&rt) == 0) {
            features = rt;
            h->simd_from_cpuid = 1;
        }
        if (h->mem_total < 0) {
            long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
            long psz = sysconf(_SC_PAGESIZE);
            if (pages > 0 && psz > 0) h->mem_total = (int64_t)pages * psz;
            if (avail > 0 && psz > 0) h->mem_available = (int64_t)avail * psz;
        }
    }
    h->simd = accel__cpu_simd_mask(features);
    if (isa == ACCEL__CPU_ISA_X86) {
        accel__strlcpy(h->arch, accel__x86_level(features), sizeof h->arch);
    } else if (isa == ACCEL__CPU_ISA_ARM) {
        int is64 = h->ci.aarch64 || (features & ACCEL__CPUF(SVE));
#if defined(__aarch64__)
        if (live) is64 = 1;
#endif
        accel__strlcpy(h->arch, is64 ? "aarch64" : "arm", sizeof h->arch);
    }

    h->logical_cores = h->ci.logical_cores;
    if (h->logical_cores <= 0 && live) h->logical_cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (h->logical_cores <= 0) h->logical_cores = 1;
    h->physical_cores = h->ci.physical_cores;
    if (h->physical_cores <= 0) h->physical_cores = sysfs_physical_cores(sysfs_root);
    if (h->physical_cores <= 0 || h->physical_cores > h->logical_cores)
        h->physical_cores = h->logical_cores;

    accel__cgroup_read(sysfs_root, procfs_root, &h->cg);
    if (live) h->affinity_cores = affinity_count();
    h->usable_cores = accel__cpu_usable_cores(h->logical_cores, h->affinity_cores, h->cg.cpu_quota);

    h->mem_free = h->mem_available;
    if (h->cg.mem_headroom >= 0 && (h->mem_free < 0 || h->cg.mem_headroom < h->mem_free))
        h->mem_free = h->cg.mem_headroom;
    return ACCEL_OK;
}

accel_status accel__discover_cpu(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    (void)ctx;
    const char *procfs = accel__procfs_root(), *sysfs = accel__sysfs_root();
    /* A redirected procfs describes a captured machine: nothing of this process applies. */
    int live = strcmp(procfs, "/proc") == 0;
    accel__cpu_host h;
    FORWARD_IF_ERROR(accel__cpu_host_read(sysfs, procfs, live, &h));

    accel__device *d = accel__devlist_add(out);
    RETURN_ERROR_IF(!d, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_device_info *i = &d->info;
    i->kind = ACCEL_KIND_CPU;
    i->routes = ACCEL_ROUTE_CPU;
    i->usable = 1;
    accel__strlcpy(i->verdict, "usable", sizeof i->verdict);
    accel__strlcpy(i->name, h.ci.name[0] ? h.ci.name : "CPU", sizeof i->name);
    accel__strlcpy(i->vendor, h.ci.vendor, sizeof i->vendor);
    accel__strlcpy(i->arch, h.arch, sizeof i->arch);
    i->simd = h.simd;
    i->physical_cores = h.physical_cores;
    i->logical_cores = h.logical_cores;
    i->usable_cores = h.usable_cores;
    i->compute_units = h.usable_cores;
    i->mem_total = h.mem_total;
    i->mem_free = h.mem_free;
    i->cgroup_mem_limit = h.cg.mem_limit;
    i->unified_memory = 1;
    ACCEL_LOG_DEBUG("cpu: %d logical, %d physical, affinity %d, cgroup v%d quota %.2f (%s), "
                    "memory limit %lld (%s), SIMD from %s",
                    h.logical_cores, h.physical_cores, h.affinity_cores, h.cg.version,
                    h.cg.cpu_quota, h.cg.cpu_file[0] ? h.cg.cpu_file : "none",
                    (long long)h.cg.mem_limit, h.cg.mem_file[0] ? h.cg.mem_file : "none",
                    h.simd_from_cpuid ? "CPUID" : "cpuinfo");
    return ACCEL_OK;
}
