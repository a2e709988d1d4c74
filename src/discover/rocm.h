/* rocm.h — AMD GPU discovery, shared by rocm.c (assembly), rocm_sysfs.c (the kernel's view)
 * and rocm_probe.c (HIP's view, crash-isolated, with a verdict cache). */
#ifndef ACCEL_DISCOVER_ROCM_H
#define ACCEL_DISCOVER_ROCM_H

#include "core/backend.h"

/* One AMD GPU as the amdgpu/KFD driver shows it in sysfs. Unknown numbers are -1, text "". */
typedef struct accel__rocm_gpu {
    int node;            /* KFD topology node number */
    char arch[32];       /* "gfx90a", from gfx_target_version */
    char pci_bus_id[32]; /* "0000:03:00.0", lower case */
    char uuid[40];       /* "GPU-<16 hex digits>" from unique_id, as ROCr names it; "" if none */
    char drm_card[32];   /* "card1" */
    char product[128];   /* device/product_name, "" when the driver does not export it */
    int vendor_id, device_id;
    int compute_units;   /* simd_count / simd_per_cu */
    int apu;             /* the node also has CPU cores: memory is host memory */
    int64_t vram_total, vram_used;
} accel__rocm_gpu;

/* Reads every GPU node under <sysfs root>/class/kfd/kfd/topology/nodes (nodes without SIMDs
 * are CPUs and skipped), in node order (the order ROCr numbers them), and completes each from
 * its DRM card (<sysfs root>/class/drm/card*\/device, matched by PCI slot name): VRAM total
 * and used, product name. *out is malloc'd (free it); *n may be 0. */
accel_status accel__rocm_scan(accel__rocm_gpu **out, size_t *n);

/* Applies ROCR_VISIBLE_DEVICES (indices or GPU-<uuid>, over all GPUs) and then
 * HIP_VISIBLE_DEVICES (indices over what ROCR left, or UUIDs) to gpus[0..n), as the runtimes do:
 * fills keep[] with the indices of the visible GPUs in runtime order and returns their count.
 * NULL values mean unset; an empty value hides every GPU; parsing stops at the first entry
 * that is not valid (out of range, unknown UUID, repeated), keeping the ones before it. */
size_t accel__rocm_visible(const accel__rocm_gpu *gpus, size_t n, const char *rocr,
                           const char *hip, size_t *keep);

/* What HIP reports for one device, from the probe. */
typedef struct accel__hip_seen {
    int ordinal;
    char pci_bus_id[32];
    char name[256];
    int64_t total, free;
    int alloc_ok; /* a small hipMalloc/hipFree worked */
} accel__hip_seen;

typedef struct accel__hip_probe {
    int ok;               /* the HIP stack loaded and initialised */
    char verdict[512];    /* "usable" or "unusable: …" */
    char lib_path[512];   /* the libamdhip64 file that loaded */
    int driver_version, runtime_version;
    accel__hip_seen *devs; /* malloc'd */
    size_t n_devs;
    int from_cache;
} accel__hip_probe;

/* Loads and exercises HIP in a forked child with the configured time limit (hipInit, device
 * count, names, PCI ids, memory, a small allocation per device), or takes the cached verdict
 * (verdict_cache.h: <cache dir>/verdicts/rocm-*.v1) unless no_cache. The cache key covers
 * accel's version, the library search (ACCEL_HIP_LIBRARY, LD_LIBRARY_PATH, the ld.so cache),
 * /dev/kfd, the visibility variables, the GPUs sysfs shows and the boot; a cached entry that
 * the verdict cache rejects, whose library file changed, or that does not parse, is probed
 * afresh and rewritten. */
accel_status accel__rocm_probe(accel_ctx *ctx, const accel__rocm_gpu *gpus, size_t n,
                               bool no_cache, accel__hip_probe *out);
void accel__hip_probe_free(accel__hip_probe *p);

/* Parses the data of a cached ROCm verdict ("ok", "verdict", "libid" lines, then the probe's
 * reply lines) into *out (zeroed by the caller; out->devs is malloc'd) and the library's
 * identity into libid. @return 0, or -1 when the header lines are malformed. */
int accel__rocm_cache_parse(const char *data, accel__hip_probe *out, char *libid, size_t libid_cap);

#endif
