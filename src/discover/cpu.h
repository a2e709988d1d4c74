/* cpu.h — the host CPU as accel sees it (internal).
 *
 * Everything is read from the procfs and sysfs roots (accel__procfs_root(),
 * accel__sysfs_root(); redirected by ACCEL_PROCFS_ROOT / ACCEL_SYSFS_ROOT), so the parsers
 * run unchanged on captured trees. Only the "live" read (accel__cpu_host_read with live=1)
 * adds what the running process itself can observe: CPUID/getauxval for the SIMD features,
 * and sched_getaffinity for the cores this process may run on.
 *
 * Usable cores = min(online logical CPUs, CPUs in the affinity mask, ceil(cgroup CPU quota)),
 * at least 1. The quota is rounded up: a 1.5-core quota lets two threads make progress
 * (each throttled to 75%), and rounding down would leave half a core idle — the same choice
 * the JVM and Go's runtime make. */
#ifndef ACCEL_DISCOVER_CPU_H
#define ACCEL_DISCOVER_CPU_H

#include "core/backend.h"

#include <stdint.h>

/* Fine-grained features (bits of accel__cpu_facts.features); the public ACCEL_SIMD_* mask
 * and the x86-64 micro-architecture level are derived from them. */
enum {
    ACCEL__CPUF_SSE3 = 0,
    ACCEL__CPUF_SSSE3,
    ACCEL__CPUF_SSE41,
    ACCEL__CPUF_SSE42,
    ACCEL__CPUF_POPCNT,
    ACCEL__CPUF_CX16,
    ACCEL__CPUF_LAHF,
    ACCEL__CPUF_MOVBE,
    ACCEL__CPUF_XSAVE,
    ACCEL__CPUF_AVX,
    ACCEL__CPUF_AVX2,
    ACCEL__CPUF_BMI1,
    ACCEL__CPUF_BMI2,
    ACCEL__CPUF_F16C,
    ACCEL__CPUF_FMA,
    ACCEL__CPUF_LZCNT,
    ACCEL__CPUF_AVX512F,
    ACCEL__CPUF_AVX512BW,
    ACCEL__CPUF_AVX512CD,
    ACCEL__CPUF_AVX512DQ,
    ACCEL__CPUF_AVX512VL,
    ACCEL__CPUF_AVX512FP16,
    ACCEL__CPUF_NEON,
    ACCEL__CPUF_SVE,
    ACCEL__CPUF_SVE2,
    ACCEL__CPUF_COUNT
};
#define ACCEL__CPUF(x) (1ull << ACCEL__CPUF_##x)

typedef enum { ACCEL__CPU_ISA_UNKNOWN = 0, ACCEL__CPU_ISA_X86, ACCEL__CPU_ISA_ARM } accel__cpu_isa;

/* What /proc/cpuinfo says. */
typedef struct accel__cpuinfo {
    accel__cpu_isa isa;
    char name[256];      /* "Intel(R) Xeon(R) Platinum 8480+", "ARM Neoverse-V1" */
    char vendor[64];     /* "Intel", "AMD", "ARM", "Ampere", … */
    int aarch64;         /* Arm: 1 for a 64-bit ("CPU architecture: 8") core */
    uint64_t features;   /* ACCEL__CPUF bits */
    int logical_cores;   /* "processor" entries (online CPUs); 0 when none */
    int physical_cores;  /* distinct (physical id, core id); 0 when cpuinfo does not say */
} accel__cpuinfo;

/* Parses the text of /proc/cpuinfo (x86 "flags", Arm "Features"/"CPU implementer"). */
void accel__cpuinfo_parse(const char *text, accel__cpuinfo *out);

/* Parses /proc/meminfo: MemTotal and MemAvailable in bytes (MemAvailable falls back to
 * MemFree + Buffers + Cached on kernels before 3.14). -1 for what is missing.
 * @return 0 when MemTotal was found. */
int accel__meminfo_parse(const char *text, int64_t *total, int64_t *available);

/* ACCEL_SIMD_* from feature bits. */
unsigned accel__cpu_simd_mask(uint64_t features);

/* "x86-64", "x86-64-v2", "-v3" or "-v4" (psABI levels) from feature bits. */
const char *accel__x86_level(uint64_t features);

/* The features the running process can use, from CPUID and XGETBV (x86: AVX needs the OS to
 * save YMM state, AVX-512 the opmask/ZMM state) or getauxval(AT_HWCAP) (aarch64).
 * @return 0 with *features set, -1 on other architectures. */
int accel__cpu_runtime_features(uint64_t *features);

/* Control-group limits of the process. */
typedef struct accel__cgroup {
    int version;           /* 2, 1, or 0 when no limit file was found */
    double cpu_quota;      /* cores (quota / period), -1 when unlimited */
    int64_t mem_limit;     /* bytes, -1 when unlimited */
    int64_t mem_headroom;  /* least (limit − working set) over the limited groups, where the
                              working set is usage less inactive file cache; -1 unlimited */
    char cpu_file[512];    /* the file that set cpu_quota, "" when none */
    char mem_file[512];    /* the file that set mem_limit, "" when none */
} accel__cgroup;

/* Finds the process's cgroups in <procfs>/self/cgroup and reads, from the hierarchies under
 * <sysfs>/fs/cgroup, cgroup v2 cpu.max and memory.max (+ memory.current, memory.stat) or
 * cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us and memory.limit_in_bytes
 * (+ memory.usage_in_bytes, memory.stat). Every group from the process's own up to the mount
 * root counts (a parent's limit applies to its children): the least quota, the least limit
 * and the least headroom win. Values of 2^62 and more (v1's "unlimited") are no limit. When the process's path
 * does not exist under the mount (a container whose own group is mounted as the root), the
 * mount root is read. Missing files mean "no limit"; never fails. */
void accel__cgroup_read(const char *sysfs_root, const char *procfs_root, accel__cgroup *out);

/* min(logical, affinity when > 0, ceil(quota) when > 0), at least 1. */
int accel__cpu_usable_cores(int logical, int affinity, double quota);

/* Everything accel reports about the host CPU. */
typedef struct accel__cpu_host {
    accel__cpuinfo ci;
    char arch[32];          /* "x86-64-v4", "aarch64", "armv7", "" */
    unsigned simd;          /* ACCEL_SIMD_* */
    int simd_from_cpuid;    /* 1 when features came from CPUID/getauxval, 0 from cpuinfo */
    int logical_cores, physical_cores, affinity_cores, usable_cores;
    int64_t mem_total, mem_available; /* /proc/meminfo, bytes, -1 unknown */
    int64_t mem_free;       /* min(mem_available, cgroup limit − working set) */
    accel__cgroup cg;
} accel__cpu_host;

/* Reads the host under the given roots. With `live` set (the roots are the real /proc and
 * /sys), SIMD features come from the CPU itself and the affinity mask is applied; otherwise
 * the captured files are the whole truth. @return ACCEL_OK; never fails for missing files. */
accel_status accel__cpu_host_read(const char *sysfs_root, const char *procfs_root, int live,
                                  accel__cpu_host *out);

#endif
