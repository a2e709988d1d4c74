/* rocm.c — AMD GPUs: listed from sysfs (so a GPU without a working ROCm is still seen, with
 * the reason), made usable through HIP when libamdhip64 loads and works in a probe child.
 *
 * Order and visibility follow the runtime: KFD node order, then ROCR_VISIBLE_DEVICES, then
 * HIP_VISIBLE_DEVICES. A hidden GPU is not listed, as the runtime would not show it either.
 * A listed GPU is matched to HIP's device of the same PCI bus id, whose ordinal becomes the
 * backend index; one HIP does not report stays listed as unusable, saying so. */
#include "discover/rocm.h"

#include <stdlib.h>
#include <string.h>

static void fill_from_sysfs(accel__device *d, const accel__rocm_gpu *g)
{
    accel_device_info *i = &d->info;
    i->kind = ACCEL_KIND_ROCM;
    i->routes = ACCEL_ROUTE_HIP;
    accel__strlcpy(i->vendor, "AMD", sizeof i->vendor);
    if (g->product[0])
        accel__strlcpy(i->name, g->product, sizeof i->name);
    else
        snprintf(i->name, sizeof i->name, "AMD GPU%s%s (device 0x%04x)", g->arch[0] ? " " : "",
                 g->arch, g->device_id >= 0 ? (unsigned)g->device_id : 0u);
    accel__strlcpy(i->pci_bus_id, g->pci_bus_id, sizeof i->pci_bus_id);
    accel__strlcpy(i->uuid, g->uuid, sizeof i->uuid);
    accel__strlcpy(i->arch, g->arch, sizeof i->arch);
    i->compute_units = g->compute_units;
    i->mem_total = g->vram_total;
    i->mem_used = g->vram_used;
    if (g->vram_total >= 0 && g->vram_used >= 0) i->mem_free = g->vram_total - g->vram_used;
    i->unified_memory = g->apu;
    char ver[64], path[512];
    snprintf(path, sizeof path, "%s/module/amdgpu/version", accel__sysfs_root());
    if (accel__read_text(path, ver, sizeof ver) == 0 && ver[0])
        snprintf(i->driver_version, sizeof i->driver_version, "amdgpu %s", ver);
}

static const accel__hip_seen *match(const accel__hip_probe *p, const char *pci)
{
    for (size_t k = 0; pci[0] && k < p->n_devs; k++)
        if (strcmp(p->devs[k].pci_bus_id, pci) == 0) return &p->devs[k];
    return NULL;
}

accel_status accel__discover_rocm(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    accel__rocm_gpu *gpus = NULL;
    size_t n = 0;
    FORWARD_IF_ERROR(accel__rocm_scan(&gpus, &n));
    if (n == 0) {
        free(gpus);
        return ACCEL_OK; /* no AMD GPU: do not even load HIP */
    }
    size_t *keep = malloc(n * sizeof *keep);
    if (!keep) {
        free(gpus);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory listing AMD GPUs");
    }
    size_t m = accel__rocm_visible(gpus, n, getenv("ROCR_VISIBLE_DEVICES"),
                                   getenv("HIP_VISIBLE_DEVICES"), keep);
    if (m < n)
        ACCEL_LOG_INFO("ROCm: %zu of %zu AMD GPUs visible (ROCR_VISIBLE_DEVICES=%s, "
                       "HIP_VISIBLE_DEVICES=%s)",
                       m, n, getenv("ROCR_VISIBLE_DEVICES") ? getenv("ROCR_VISIBLE_DEVICES") : "",
                       getenv("HIP_VISIBLE_DEVICES") ? getenv("HIP_VISIBLE_DEVICES") : "");
    accel__hip_probe probe;
    memset(&probe, 0, sizeof probe);
    accel_status st = ACCEL_OK;
    if (m > 0) st = accel__rocm_probe(ctx, gpus, n, no_cache, &probe);
    for (size_t k = 0; st == ACCEL_OK && k < m; k++) {
        const accel__rocm_gpu *g = &gpus[keep[k]];
        accel__device *d = accel__devlist_add(out);
        if (!d) {
            st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory listing AMD GPUs");
            break;
        }
        fill_from_sysfs(d, g);
        d->backend_index = (int)k; /* the runtime's ordinal once hidden GPUs are skipped */
        if (probe.driver_version > 0 && !d->info.driver_version[0])
            snprintf(d->info.driver_version, sizeof d->info.driver_version, "HIP driver %d",
                     probe.driver_version);
        if (!probe.ok) {
            snprintf(d->info.verdict, sizeof d->info.verdict, "%s", probe.verdict);
            continue;
        }
        const accel__hip_seen *s = match(&probe, g->pci_bus_id);
        if (!s) {
            snprintf(d->info.verdict, sizeof d->info.verdict,
                     "unusable: HIP (%s) does not report this GPU (it reports %zu device%s); its "
                     "target %s may be unsupported by this ROCm",
                     probe.lib_path, probe.n_devs, probe.n_devs == 1 ? "" : "s",
                     g->arch[0] ? g->arch : "(unknown)");
            continue;
        }
        d->backend_index = s->ordinal;
        if (s->name[0]) accel__strlcpy(d->info.name, s->name, sizeof d->info.name);
        if (s->total > 0) d->info.mem_total = s->total;
        if (s->free > 0) d->info.mem_free = s->free;
        if (!s->alloc_ok) {
            snprintf(d->info.verdict, sizeof d->info.verdict,
                     "unusable: a %u-byte hipMalloc on HIP device %d failed", 1u << 20,
                     s->ordinal);
            continue;
        }
        d->info.usable = 1;
        accel__strlcpy(d->info.verdict, "usable", sizeof d->info.verdict);
    }
    accel__hip_probe_free(&probe);
    free(keep);
    free(gpus);
    return st;
}
