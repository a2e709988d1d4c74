/* CPU facts from captured /proc and /sys trees: an x86 server with AVX-512 under a cgroup v2
 * quota, an Arm Neoverse-V1 with NEON/SVE in a cgroup v1 container, the same container seeing
 * its group as the cgroupfs root, and the parsers on their own. */
#include "test.h"
#include "discover/cpu.h"

#include <unistd.h>

#define GiB (1024ll * 1024 * 1024)
#define MiB (1024ll * 1024)

static void x86_avx512_cgroup2(void)
{
    accel__cpu_host h;
    ASSERT_OK(accel__cpu_host_read(ACCEL_TEST_DATA "/sysfs-cgroup2",
                                   ACCEL_TEST_DATA "/procfs-x86-avx512", 0, &h));
    ASSERT_STR_EQ(h.ci.name, "Intel(R) Xeon(R) Platinum 8480+");
    ASSERT_STR_EQ(h.ci.vendor, "Intel");
    ASSERT_EQ_INT(h.logical_cores, 8);
    ASSERT_EQ_INT(h.physical_cores, 4); /* 2 packages x 2 cores x 2 threads */
    ASSERT_STR_EQ(h.arch, "x86-64-v4");
    unsigned want = ACCEL_SIMD_SSE42 | ACCEL_SIMD_AVX | ACCEL_SIMD_AVX2 | ACCEL_SIMD_FMA |
                    ACCEL_SIMD_F16C | ACCEL_SIMD_AVX512F | ACCEL_SIMD_AVX512BW |
                    ACCEL_SIMD_AVX512VL | ACCEL_SIMD_AVX512DQ | ACCEL_SIMD_AVX512FP16;
    ASSERT_EQ_INT(h.simd, want);
    ASSERT_EQ_INT(h.simd_from_cpuid, 0);
    ASSERT_EQ_INT(h.mem_total, 32594060ll * 1024);
    ASSERT_EQ_INT(h.mem_available, 20480000ll * 1024);
    /* cgroup v2: job.service cpu.max 150000/100000 under an unlimited parent */
    ASSERT_EQ_INT(h.cg.version, 2);
    ASSERT_NEAR(h.cg.cpu_quota, 1.5, 1e-9);
    ASSERT_CONTAINS(h.cg.cpu_file, "system.slice/job.service/cpu.max");
    ASSERT_EQ_INT(h.usable_cores, 2); /* ceil(1.5) */
    /* memory.max 4 GiB (parent 8 GiB); working set 2 GiB - 0.5 GiB inactive file */
    ASSERT_EQ_INT(h.cg.mem_limit, 4 * GiB);
    ASSERT_CONTAINS(h.cg.mem_file, "job.service/memory.max");
    ASSERT_EQ_INT(h.cg.mem_headroom, 4 * GiB - (2 * GiB - 512 * MiB));
    ASSERT_EQ_INT(h.mem_free, 4 * GiB - (2 * GiB - 512 * MiB));
}

static void arm_sve_cgroup1(void)
{
    accel__cpu_host h;
    ASSERT_OK(accel__cpu_host_read(ACCEL_TEST_DATA "/sysfs-cgroup1",
                                   ACCEL_TEST_DATA "/procfs-arm-sve", 0, &h));
    ASSERT_EQ_INT(h.ci.isa, ACCEL__CPU_ISA_ARM);
    ASSERT_STR_EQ(h.ci.name, "ARM Neoverse-V1");
    ASSERT_STR_EQ(h.ci.vendor, "ARM");
    ASSERT_STR_EQ(h.arch, "aarch64");
    ASSERT_EQ_INT(h.simd, ACCEL_SIMD_NEON | ACCEL_SIMD_SVE);
    ASSERT_TRUE((h.ci.features & ACCEL__CPUF(SVE2)) == 0);
    ASSERT_EQ_INT(h.logical_cores, 4);
    ASSERT_EQ_INT(h.ci.physical_cores, 0);  /* Arm cpuinfo has no core id … */
    ASSERT_EQ_INT(h.physical_cores, 4);     /* … sysfs topology has */
    ASSERT_EQ_INT(h.mem_total, 7918228ll * 1024);
    /* cgroup v1: cpu,cpuacct/docker/3f2a9c quota 250000/100000, parents unlimited (-1) */
    ASSERT_EQ_INT(h.cg.version, 1);
    ASSERT_NEAR(h.cg.cpu_quota, 2.5, 1e-9);
    ASSERT_CONTAINS(h.cg.cpu_file, "cpu,cpuacct/docker/3f2a9c/cpu.cfs_quota_us");
    ASSERT_EQ_INT(h.usable_cores, 3);
    /* 1 GiB limit; 768 MiB usage less 256 MiB total_inactive_file; v1 "unlimited" parents */
    ASSERT_EQ_INT(h.cg.mem_limit, 1 * GiB);
    ASSERT_EQ_INT(h.cg.mem_headroom, 512 * MiB);
    ASSERT_EQ_INT(h.mem_free, 512 * MiB);
}

static void container_root_cgroup1(void)
{
    /* The container's own group is mounted as the root: /docker/3f2a9c does not exist there. */
    accel__cpu_host h;
    ASSERT_OK(accel__cpu_host_read(ACCEL_TEST_DATA "/sysfs-cgroup1-ns",
                                   ACCEL_TEST_DATA "/procfs-arm-sve", 0, &h));
    ASSERT_NEAR(h.cg.cpu_quota, 0.5, 1e-9);
    ASSERT_EQ_INT(h.usable_cores, 1);
    ASSERT_EQ_INT(h.cg.mem_limit, 256 * MiB);
    ASSERT_EQ_INT(h.mem_free, 128 * MiB);
    ASSERT_EQ_INT(h.physical_cores, 4); /* no topology captured: logical */
}

static void no_cgroup(void)
{
    accel__cgroup cg;
    accel__cgroup_read(ACCEL_TEST_DATA "/no-such-sysfs", ACCEL_TEST_DATA "/no-such-procfs", &cg);
    ASSERT_EQ_INT(cg.version, 0);
    ASSERT_NEAR(cg.cpu_quota, -1, 0);
    ASSERT_EQ_INT(cg.mem_limit, -1);
    ASSERT_EQ_INT(cg.mem_headroom, -1);
}

static void put(const char *root, const char *rel, const char *text)
{
    char path[1200], cmd[1300];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
    ASSERT_EQ_INT(system(cmd), 0);
    FILE *f = fopen(path, "w");
    ASSERT_TRUE(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* Hostile numbers in cgroup files: a usage of INT64_MIN minus the inactive file cache was a
 * signed overflow; out-of-range numbers were saturated by strtoll. Each is now no figure. */
static void cgroup_hostile_numbers(void)
{
    char root[600];
    snprintf(root, sizeof root, "%s/test-cgroup-numbers-%ld", ACCEL_TEST_BUILD, (long)getpid());
    char proc[700], sys[700];
    snprintf(proc, sizeof proc, "%s/proc", root);
    snprintf(sys, sizeof sys, "%s/sys", root);
    put(proc, "self/cgroup", "0::/job\n");
    put(sys, "fs/cgroup/cgroup.controllers", "cpu memory\n");
    put(sys, "fs/cgroup/job/memory.max", "1073741824\n");
    put(sys, "fs/cgroup/job/memory.current", "-9223372036854775808\n");
    put(sys, "fs/cgroup/job/memory.stat", "inactive_file 4096\n");
    put(sys, "fs/cgroup/job/cpu.max", "99999999999999999999 100000\n");
    accel__cgroup cg;
    accel__cgroup_read(sys, proc, &cg);
    ASSERT_EQ_INT(cg.mem_limit, GiB);
    ASSERT_EQ_INT(cg.mem_headroom, GiB); /* usage unknown: the whole limit */
    ASSERT_NEAR(cg.cpu_quota, -1, 0);    /* a quota past 2^63 is no quota */
    put(sys, "fs/cgroup/job/memory.max", "18446744073709551616\n");
    put(sys, "fs/cgroup/job/memory.current", "100\n");
    put(sys, "fs/cgroup/job/memory.stat", "inactive_file 99999999999999999999\n");
    put(sys, "fs/cgroup/job/cpu.max", "150000 100000\n");
    accel__cgroup_read(sys, proc, &cg);
    ASSERT_EQ_INT(cg.mem_limit, -1);
    ASSERT_NEAR(cg.cpu_quota, 1.5, 1e-12);
    put(sys, "fs/cgroup/job/memory.max", "1000\n");
    accel__cgroup_read(sys, proc, &cg);
    ASSERT_EQ_INT(cg.mem_headroom, 900); /* an unreadable inactive_file counts as none */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ASSERT_EQ_INT(system(cmd), 0);
}

static void parsers(void)
{
    ASSERT_EQ_INT(accel__cpu_usable_cores(8, -1, 1.5), 2);
    ASSERT_EQ_INT(accel__cpu_usable_cores(8, -1, 2.0), 2);
    ASSERT_EQ_INT(accel__cpu_usable_cores(8, 3, -1), 3);
    ASSERT_EQ_INT(accel__cpu_usable_cores(2, -1, 4.0), 2);
    ASSERT_EQ_INT(accel__cpu_usable_cores(4, -1, 0.01), 1);
    ASSERT_EQ_INT(accel__cpu_usable_cores(0, -1, -1), 1);

    int64_t t, a;
    ASSERT_EQ_INT(accel__meminfo_parse("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\n"
                                       "Cached: 200 kB\n",
                                       &t, &a),
                  0);
    ASSERT_EQ_INT(t, 1000 * 1024);
    ASSERT_EQ_INT(a, 310 * 1024); /* kernels before 3.14 have no MemAvailable */
    ASSERT_EQ_INT(accel__meminfo_parse("garbage\n", &t, &a), -1);
    ASSERT_EQ_INT(t, -1);
    /* values whose bytes do not fit int64_t are unknown, never wrapped (the kB multiplication
     * was a signed overflow) */
    ASSERT_EQ_INT(accel__meminfo_parse("MemTotal: 9007199254740992 kB\nMemAvailable: "
                                       "99999999999999999999 kB\n", &t, &a), -1);
    ASSERT_EQ_INT(t, -1);
    ASSERT_EQ_INT(a, -1);
    ASSERT_EQ_INT(accel__meminfo_parse("MemTotal: 9007199254740991 kB\nMemAvailable: "
                                       "9223372036854775807\n", &t, &a), 0);
    ASSERT_EQ_INT(t, 9007199254740991LL * 1024);
    ASSERT_EQ_INT(a, INT64_MAX);
    ASSERT_EQ_INT(accel__meminfo_parse("MemTotal: 1 kB\nMemFree: 9007199254740991 kB\nBuffers: "
                                       "9007199254740991 kB\n", &t, &a), 0);
    ASSERT_EQ_INT(a, -1); /* free + buffers does not fit */
    ASSERT_EQ_INT(accel__meminfo_parse("MemTotal: -5 kB\n", &t, &a), -1);
    /* "cpu cores" times the packages does not fit an int: not a core count */
    accel__cpuinfo big;
    accel__cpuinfo_parse("processor : 0\nphysical id : 0\ncpu cores : 2147483647\n\n"
                         "processor : 1\nphysical id : 1\ncpu cores : 2147483647\n", &big);
    ASSERT_EQ_INT(big.physical_cores, 0);

    accel__cpuinfo ci;
    accel__cpuinfo_parse("processor : 0\nvendor_id : AuthenticAMD\nmodel name : AMD   EPYC  7763 "
                         "64-Core Processor\nflags : fpu pni ssse3 sse4_1 sse4_2 popcnt cx16 "
                         "lahf_lm\n",
                         &ci);
    ASSERT_STR_EQ(ci.vendor, "AMD");
    ASSERT_STR_EQ(ci.name, "AMD EPYC 7763 64-Core Processor");
    ASSERT_STR_EQ(accel__x86_level(ci.features), "x86-64-v2");
    ASSERT_EQ_INT(accel__cpu_simd_mask(ci.features), ACCEL_SIMD_SSE42);
    ASSERT_EQ_INT(ci.logical_cores, 1);
    /* AVX2 without BMI2 etc. is not v3 */
    accel__cpuinfo_parse("flags : pni ssse3 sse4_1 sse4_2 popcnt cx16 lahf_lm avx avx2 fma", &ci);
    ASSERT_STR_EQ(accel__x86_level(ci.features), "x86-64-v2");
    ASSERT_EQ_INT(accel__cpu_simd_mask(ci.features),
                  ACCEL_SIMD_SSE42 | ACCEL_SIMD_AVX | ACCEL_SIMD_AVX2 | ACCEL_SIMD_FMA);
    accel__cpuinfo_parse("", &ci);
    ASSERT_EQ_INT(ci.isa, ACCEL__CPU_ISA_UNKNOWN);
    ASSERT_EQ_INT(ci.logical_cores, 0);
}

/* On this machine: CPUID must agree with what the kernel lists in /proc/cpuinfo. */
static void live(void)
{
    accel__cpu_host h;
    ASSERT_OK(accel__cpu_host_read("/sys", "/proc", 1, &h));
    ASSERT_TRUE(h.logical_cores >= 1);
    ASSERT_TRUE(h.usable_cores >= 1 && h.usable_cores <= h.logical_cores);
    ASSERT_TRUE(h.affinity_cores >= 1);
    ASSERT_TRUE(h.mem_total > 0);
    uint64_t rt;
#if defined(__x86_64__) || defined(__i386__)
    const accel__cpu_isa built_for = ACCEL__CPU_ISA_X86;
#elif defined(__aarch64__) || defined(__arm__)
    const accel__cpu_isa built_for = ACCEL__CPU_ISA_ARM;
#else
    const accel__cpu_isa built_for = ACCEL__CPU_ISA_UNKNOWN;
#endif
    /* under a user-mode emulator (qemu-aarch64 on x86-64), /proc/cpuinfo describes the host,
     * not the CPU this binary sees: nothing to compare */
    if (h.ci.isa != built_for)
        printf("live check skipped: /proc/cpuinfo describes another architecture (emulated)\n");
    else if (accel__cpu_runtime_features(&rt) == 0 && h.ci.isa != ACCEL__CPU_ISA_UNKNOWN) {
        ASSERT_EQ_INT(h.simd_from_cpuid, 1);
        ASSERT_EQ_INT(accel__cpu_simd_mask(rt), accel__cpu_simd_mask(h.ci.features));
    }
}

int main(void)
{
    x86_avx512_cgroup2();
    arm_sve_cgroup1();
    container_root_cgroup1();
    no_cgroup();
    parsers();
    cgroup_hostile_numbers();
    live();
    TEST_DONE();
}
