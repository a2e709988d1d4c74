/* cuda.h — NVIDIA discovery: what the driver API and NVML say, as discovery and the doctor
 * both need it (see docs/discovery-nvidia.md).
 *
 * One entry point, accel__cuda_inspect(), does the work for both: it finds libcuda.so.1
 * without loading it, takes the cached probe outcome when the verdict cache has one for the
 * same driver, library files and environment, and otherwise runs the probe in a forked child
 * with a time limit (load, cuDriverGetVersion, cuInit, per device: properties, a throwaway
 * context, cuMemGetInfo, a 1 MiB allocation; then NVML). The outcome comes back as a report
 * (what the doctor prints) and, when asked, as devices appended to a list.
 *
 * Also here: CUDA_VISIBLE_DEVICES read the way the driver reads it, so accel can say what a
 * value does ("hides every device", "names device 5 but there are 2"), and PCI bus id
 * normalisation used to match CUDA's devices with NVML's. */
#ifndef ACCEL_DISCOVER_CUDA_H
#define ACCEL_DISCOVER_CUDA_H

#include "core/backend.h"

/* ---------------------------------------------------------------------------------------- */
/* CUDA_VISIBLE_DEVICES                                                                      */
/* ---------------------------------------------------------------------------------------- */

#define ACCEL__CVD_MAX 64

typedef enum {
    ACCEL__CVD_UNSET = 0, /* variable absent: every device is visible */
    ACCEL__CVD_ORDINALS,  /* "2,0": device indices, in CUDA's enumeration order */
    ACCEL__CVD_UUIDS,     /* "GPU-8932f937-…,GPU-1a": UUIDs or unique prefixes of them */
    ACCEL__CVD_MIG        /* "MIG-…": MIG instances */
} accel__cvd_kind;

/* A parsed value. The driver's rules, as observed and as PyTorch mirrors them:
 *  - the first entry decides the kind: "GPU-…" UUIDs, "MIG-…" MIG instances, else indices;
 *  - an index entry is read like strtoul after trimming blanks ("1gpu" is 1); an entry
 *    with no leading digits, or a negative one ("-1"), ends the list there;
 *  - a UUID/MIG entry without the kind's prefix ends the list there;
 *  - a repeated entry makes the driver show no device at all;
 *  - set but empty hides every device. */
typedef struct accel__cuda_visible {
    accel__cvd_kind kind;
    int n;                          /* entries in effect; 0 with kind != UNSET hides all */
    int ordinal[ACCEL__CVD_MAX];    /* ORDINALS */
    char id[ACCEL__CVD_MAX][96];    /* UUIDS and MIG, as written */
    int n_raw;                      /* comma-separated entries in the value */
    int stopped_at;                 /* raw entry where reading stopped; -1 when none */
    int repeated;                   /* a repeated entry emptied the list */
    char value[256];                /* the value (cut to fit), "" when unset */
    char stop_entry[96];            /* the entry where reading stopped */
} accel__cuda_visible;

/* Parses `value` (NULL = the variable is unset). Never fails: every string has a meaning. */
void accel__cuda_visible_parse(const char *value, accel__cuda_visible *out);

/* Applies `v` to the machine's physical devices given in CUDA's enumeration order
 * (uuids[i] = "GPU-…" of device i, or NULL when unknown). Writes the physical index of each
 * visible device, in visible order, into map (ACCEL__CVD_MAX entries) and returns how many.
 * Returns -1 when it cannot tell (MIG entries; a UUID entry with unknown UUIDs). `why` (may be
 * NULL) receives why reading stopped early, or "". */
int accel__cuda_visible_resolve(const accel__cuda_visible *v, int n_physical,
                                const char *const *uuids, int *map, char *why, size_t cap);

typedef enum {
    ACCEL__CVD_FINE = 0,           /* unset, or every entry names a device */
    ACCEL__CVD_PARTLY_IGNORED = 1, /* some entries name no device and are ignored */
    ACCEL__CVD_HIDES_ALL = 2       /* no device is visible because of the value */
} accel__cvd_effect;

/* One sentence on what the value does on this machine (n_physical < 0 when the number of
 * physical GPUs is unknown; uuids as for resolve, may be NULL): "" for unset, else e.g.
 * "CUDA_VISIBLE_DEVICES=5 names device 5, but this machine has 2 NVIDIA GPUs (0..1): no
 * device is visible". Returns the effect. */
accel__cvd_effect accel__cuda_visible_explain(const accel__cuda_visible *v, int n_physical,
                                              const char *const *uuids, char *buf, size_t cap);

/* ---------------------------------------------------------------------------------------- */
/* Inspection                                                                                */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__cuda_report {
    int lib_found;                 /* a libcuda.so.1 exists where the loader looks */
    char lib_path[512];            /* the file the probe loaded, else the one found, else "" */
    char lib_searched[1024];       /* where the loader looks (filled when not found) */
    int driver_version;            /* cuDriverGetVersion(): 12040 is 12.4; -1 unknown */
    char kernel_module_version[64]; /* from /proc/driver/nvidia/version, "" when absent */
    int usable;                    /* the probe got through the driver API part */
    char verdict[512];             /* "usable", or why not ("unusable: killed by SIGABRT while
                                      loading libcuda.so.1", "no libcuda.so.1: …") */
    int n_devices;                 /* CUDA devices the driver shows (after CUDA_VISIBLE_DEVICES) */
    int n_usable;                  /* of those, the ones that passed context + allocation */
    int nvml_found;                /* libnvidia-ml.so.1 loaded and nvmlInit succeeded */
    char nvml_path[512];
    char nvml_driver_version[64];  /* "550.54.14", or "" */
    char nvml_verdict[512];        /* "usable", or why NVML gave nothing */
    int nvml_n_devices;            /* physical NVIDIA GPUs NVML counts; -1 unknown */
    int from_cache;                /* the outcome came from the verdict cache: no probe ran */
    int in_process;                /* libcuda was already loaded here: probed without fork */
    double probe_ms;               /* time the probe took when it ran (0 from the cache) */
    accel__cuda_visible visible;   /* CUDA_VISIBLE_DEVICES as read at inspection */
    accel__cvd_effect visible_effect;
    char visible_note[512];        /* accel__cuda_visible_explain() of it, "" when unset */
    char probe_output[600];        /* what libcuda/NVML printed in the probe child (captured,
                                      one line), "" when nothing */
} accel__cuda_report;

/* Inspects the NVIDIA stack: fills *rep (always, also on failure) and, when `out` is not
 * NULL, appends one device per CUDA device the driver shows (kind ACCEL_KIND_CUDA, route
 * ACCEL_ROUTE_CUDA, backend_index = the CUDA ordinal after CUDA_VISIBLE_DEVICES; the context
 * attaches the CUDA ops table to the usable ones). A missing libcuda.so.1 or a probe that
 * crashed, hung or failed gives zero devices and ACCEL_OK with the reason in rep->verdict.
 *
 * With `no_cache` false a cached outcome is used when its key matches (driver kernel module,
 * boot, library file identities, LD_LIBRARY_PATH, CUDA_VISIBLE_DEVICES, CUDA_DEVICE_ORDER,
 * probe time limit, groups); either way a fresh outcome is stored. A cached outcome gives
 * identity and capability; free memory is as it was at the probe (the backend refreshes it
 * with mem_info when it opens the device), and the instantaneous NVML readings (utilization,
 * temperature, power) are left unknown (-1) rather than shown stale.
 * @return ACCEL_OK, or ACCEL_ERR_NO_MEMORY / ACCEL_ERR_INTERNAL (fork or pipe failed). */
accel_status accel__cuda_inspect(accel_ctx *ctx, bool no_cache, accel__cuda_report *rep,
                                 accel__devlist *out);

/* Number of probe children this process has started for NVIDIA discovery (tests use it to
 * show that a warm cache needs none). */
int accel__cuda_probes_started(void);

#endif
