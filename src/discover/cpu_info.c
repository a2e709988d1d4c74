/* cpu_info.c — parsers for /proc/cpuinfo and /proc/meminfo, and what follows from the feature
 * bits (ACCEL_SIMD_* mask, x86-64 level). Pure functions of the text, so captured files from
 * other machines test them. */
#include "discover/cpu.h"

#include "core/text.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *flag;
    int bit;
} flag_bit;

/* x86 "flags" names as the kernel prints them (arch/x86/include/asm/cpufeatures.h). */
static const flag_bit x86_flags[] = {
    {"pni", ACCEL__CPUF_SSE3},           {"ssse3", ACCEL__CPUF_SSSE3},
    {"sse4_1", ACCEL__CPUF_SSE41},       {"sse4_2", ACCEL__CPUF_SSE42},
    {"popcnt", ACCEL__CPUF_POPCNT},      {"cx16", ACCEL__CPUF_CX16},
    {"lahf_lm", ACCEL__CPUF_LAHF},       {"movbe", ACCEL__CPUF_MOVBE},
    {"xsave", ACCEL__CPUF_XSAVE},        {"avx", ACCEL__CPUF_AVX},
    {"avx2", ACCEL__CPUF_AVX2},          {"bmi1", ACCEL__CPUF_BMI1},
    {"bmi2", ACCEL__CPUF_BMI2},          {"f16c", ACCEL__CPUF_F16C},
    {"fma", ACCEL__CPUF_FMA},            {"abm", ACCEL__CPUF_LZCNT},
    {"avx512f", ACCEL__CPUF_AVX512F},    {"avx512bw", ACCEL__CPUF_AVX512BW},
    {"avx512cd", ACCEL__CPUF_AVX512CD},  {"avx512dq", ACCEL__CPUF_AVX512DQ},
    {"avx512vl", ACCEL__CPUF_AVX512VL},  {"avx512_fp16", ACCEL__CPUF_AVX512FP16},
};

/* Arm "Features" names (arch/arm64/kernel/cpuinfo.c; "neon" on 32-bit kernels). */
static const flag_bit arm_flags[] = {
    {"asimd", ACCEL__CPUF_NEON},
    {"neon", ACCEL__CPUF_NEON},
    {"sve", ACCEL__CPUF_SVE},
    {"sve2", ACCEL__CPUF_SVE2},
};

static uint64_t parse_flags(const char *v, const flag_bit *tab, size_t n)
{
    uint64_t f = 0;
    while (*v) {
        while (*v == ' ' || *v == '\t') v++;
        const char *s = v;
        while (*v && *v != ' ' && *v != '\t') v++;
        size_t len = (size_t)(v - s);
        for (size_t i = 0; i < n && len; i++)
            if (strlen(tab[i].flag) == len && memcmp(tab[i].flag, s, len) == 0)
                f |= 1ull << tab[i].bit;
    }
    return f;
}

/* Copies `v` with runs of blanks collapsed (Intel pads its brand strings). */
static void copy_collapsed(char *dst, size_t cap, const char *v)
{
    size_t k = 0;
    int blank = 0;
    for (; *v && k + 1 < cap; v++) {
        if (isspace((unsigned char)*v)) {
            blank = 1;
            continue;
        }
        if (blank && k) dst[k++] = ' ';
        blank = 0;
        if (k + 1 < cap) dst[k++] = *v;
    }
    dst[k] = '\0';
}

typedef struct {
    unsigned implementer;
    const char *vendor;
} arm_vendor;

static const arm_vendor arm_vendors[] = {
    {0x41, "ARM"},      {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"},
    {0x48, "HiSilicon"}, {0x4e, "NVIDIA"},  {0x51, "Qualcomm"}, {0x61, "Apple"},
    {0xc0, "Ampere"},
};

typedef struct {
    unsigned implementer, part;
    const char *name;
} arm_part;

/* Server and common client cores (Linux arch/arm64/include/asm/cputype.h). */
static const arm_part arm_parts[] = {
    {0x41, 0xd03, "Cortex-A53"},  {0x41, 0xd04, "Cortex-A35"},  {0x41, 0xd05, "Cortex-A55"},
    {0x41, 0xd07, "Cortex-A57"},  {0x41, 0xd08, "Cortex-A72"},  {0x41, 0xd09, "Cortex-A73"},
    {0x41, 0xd0a, "Cortex-A75"},  {0x41, 0xd0b, "Cortex-A76"},  {0x41, 0xd0c, "Neoverse-N1"},
    {0x41, 0xd0d, "Cortex-A77"},  {0x41, 0xd40, "Neoverse-V1"}, {0x41, 0xd41, "Cortex-A78"},
    {0x41, 0xd44, "Cortex-X1"},   {0x41, 0xd46, "Cortex-A510"}, {0x41, 0xd47, "Cortex-A710"},
    {0x41, 0xd48, "Cortex-X2"},   {0x41, 0xd49, "Neoverse-N2"}, {0x41, 0xd4f, "Neoverse-V2"},
    {0x41, 0xd80, "Cortex-A520"}, {0x41, 0xd81, "Cortex-A720"}, {0x41, 0xd82, "Cortex-X4"},
    {0x41, 0xd84, "Neoverse-V3"}, {0x41, 0xd8e, "Neoverse-N3"}, {0x46, 0x001, "A64FX"},
    {0x48, 0xd01, "Kunpeng-920"}, {0xc0, 0xac3, "AmpereOne"},
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int is_number(const char *v)
{
    if (!*v) return 0;
    for (; *v; v++)
        if (!isdigit((unsigned char)*v)) return 0;
    return 1;
}

void accel__cpuinfo_parse(const char *text, accel__cpuinfo *out)
{
    memset(out, 0, sizeof *out);
    if (!text) return;
    uint64_t *cores = NULL; /* (physical id << 32 | core id) per processor */
    size_t n_cores = 0, cap_cores = 0;
    long phys = -1, core = -1, cpu_cores = -1;
    long packages_seen[64];
    int n_packages = 0;
    unsigned implementer = 0, part = 0;
    int have_impl = 0, have_part = 0, have_flags = 0;
    const char *p = text;
    for (;;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        int blank = 1;
        for (size_t i = 0; i < len; i++)
            if (!isspace((unsigned char)p[i])) blank = 0;
        const char *colon = memchr(p, ':', len);
        if (!blank && colon) {
            char key[64], val[8192];
            size_t kl = (size_t)(colon - p);
            while (kl && isspace((unsigned char)p[kl - 1])) kl--;
            if (kl >= sizeof key) kl = sizeof key - 1;
            memcpy(key, p, kl);
            key[kl] = '\0';
            const char *v = colon + 1;
            while (v < p + len && isspace((unsigned char)*v)) v++;
            size_t vl = (size_t)(p + len - v);
            while (vl && isspace((unsigned char)v[vl - 1])) vl--;
            if (vl >= sizeof val) vl = sizeof val - 1;
            memcpy(val, v, vl);
            val[vl] = '\0';

            if (strcmp(key, "processor") == 0 && is_number(val)) {
                out->logical_cores++;
            } else if (strcmp(key, "model name") == 0 && !out->name[0]) {
                copy_collapsed(out->name, sizeof out->name, val);
            } else if (strcmp(key, "vendor_id") == 0 && !out->vendor[0]) {
                out->isa = ACCEL__CPU_ISA_X86;
                const char *vn = strcmp(val, "GenuineIntel") == 0   ? "Intel"
                                 : strcmp(val, "AuthenticAMD") == 0 ? "AMD"
                                 : strcmp(val, "HygonGenuine") == 0 ? "Hygon"
                                                                    : val;
                accel__strlcpy(out->vendor, vn, sizeof out->vendor);
            } else if (strcmp(key, "flags") == 0 && !have_flags) {
                have_flags = 1; /* hybrid cores list the same flags: read one */
                out->isa = ACCEL__CPU_ISA_X86;
                out->features |= parse_flags(val, x86_flags, sizeof x86_flags / sizeof *x86_flags);
            } else if (strcmp(key, "Features") == 0) {
                out->isa = ACCEL__CPU_ISA_ARM;
                out->features |= parse_flags(val, arm_flags, sizeof arm_flags / sizeof *arm_flags);
            } else if (strcmp(key, "physical id") == 0 && is_number(val)) {
                phys = strtol(val, NULL, 10);
            } else if (strcmp(key, "core id") == 0 && is_number(val)) {
                core = strtol(val, NULL, 10);
            } else if (strcmp(key, "cpu cores") == 0 && is_number(val) && cpu_cores < 0) {
                cpu_cores = strtol(val, NULL, 10);
            } else if (strcmp(key, "CPU implementer") == 0 && !have_impl) {
                implementer = (unsigned)strtoul(val, NULL, 0);
                have_impl = 1;
                out->isa = ACCEL__CPU_ISA_ARM;
            } else if (strcmp(key, "CPU part") == 0 && !have_part) {
                part = (unsigned)strtoul(val, NULL, 0);
                have_part = 1;
            } else if (strcmp(key, "CPU architecture") == 0) {
                out->aarch64 = strtol(val, NULL, 10) >= 8;
            }
        }
        if (blank || !eol) {
            /* end of one processor's record */
            if (phys >= 0 && core >= 0) {
                if (n_cores == cap_cores) {
                    size_t nc = cap_cores ? cap_cores * 2 : 64;
                    uint64_t *nv = realloc(cores, nc * sizeof *nv);
                    if (nv) {
                        cores = nv;
                        cap_cores = nc;
                    }
                }
                if (n_cores < cap_cores)
                    cores[n_cores++] = ((uint64_t)phys << 32) | (uint64_t)(uint32_t)core;
            }
            if (phys >= 0) {
                int seen = 0;
                for (int i = 0; i < n_packages; i++) seen |= packages_seen[i] == phys;
                if (!seen && n_packages < 64) packages_seen[n_packages++] = phys;
            }
            phys = core = -1;
        }
        if (!eol) break;
        p = eol + 1;
    }
    if (n_cores) {
        qsort(cores, n_cores, sizeof *cores, cmp_u64);
        int distinct = 0;
        for (size_t i = 0; i < n_cores; i++)
            if (i == 0 || cores[i] != cores[i - 1]) distinct++;
        out->physical_cores = distinct;
    } else if (cpu_cores > 0) {
        /* "cpu cores" is text: a product that does not fit an int says nothing */
        long long pc = (long long)(cpu_cores < INT_MAX ? cpu_cores : INT_MAX) * (n_packages ? n_packages : 1);
        out->physical_cores = pc <= INT_MAX ? (int)pc : 0;
    }
    free(cores);

    if (out->isa == ACCEL__CPU_ISA_ARM) {
        if (!out->vendor[0] && have_impl) {
            for (size_t i = 0; i < sizeof arm_vendors / sizeof *arm_vendors; i++)
                if (arm_vendors[i].implementer == implementer)
                    accel__strlcpy(out->vendor, arm_vendors[i].vendor, sizeof out->vendor);
            if (!out->vendor[0])
                snprintf(out->vendor, sizeof out->vendor, "implementer 0x%02x", implementer);
        }
        if (!out->name[0] && have_impl) {
            const char *pn = NULL;
            for (size_t i = 0; i < sizeof arm_parts / sizeof *arm_parts; i++)
                if (arm_parts[i].implementer == implementer && arm_parts[i].part == part)
                    pn = arm_parts[i].name;
            if (pn)
                snprintf(out->name, sizeof out->name, "%s %s", out->vendor, pn);
            else
                snprintf(out->name, sizeof out->name, "%s CPU part 0x%03x", out->vendor, part);
        }
    }
}

/* One "Key:   123 kB" line: the value in bytes, or -1 when the line is not such a line or its
 * value does not fit in int64_t once multiplied by the unit (never wrapped). */
static int64_t meminfo_value(const char *p, size_t len, char *key, size_t key_cap)
{
    const char *colon = memchr(p, ':', len);
    if (!colon || colon == p || (size_t)(colon - p) >= key_cap) return -1;
    memcpy(key, p, (size_t)(colon - p));
    key[colon - p] = '\0';
    char num[32];
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    size_t k = 0;
    while (v < end && *v >= '0' && *v <= '9' && k + 1 < sizeof num) num[k++] = *v++;
    num[k] = '\0';
    uint64_t x;
    if (accel__parse_u64(num, &x) != 0 || (v < end && *v >= '0' && *v <= '9')) return -1;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    uint64_t unit = (v < end && (v[0] == 'k' || v[0] == 'K')) ? 1024 : 1; /* "kB" */
    uint64_t bytes;
    if (__builtin_mul_overflow(x, unit, &bytes) || bytes > (uint64_t)INT64_MAX) return -1;
    return (int64_t)bytes;
}

int accel__meminfo_parse(const char *text, int64_t *total, int64_t *available)
{
    int64_t t = -1, a = -1, fr = -1, buf = -1, cached = -1;
    const char *p = text ? text : "";
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char key[64];
        int64_t bytes = meminfo_value(p, len, key, sizeof key);
        if (bytes >= 0) {
            if (strcmp(key, "MemTotal") == 0) t = bytes;
            else if (strcmp(key, "MemAvailable") == 0) a = bytes;
            else if (strcmp(key, "MemFree") == 0) fr = bytes;
            else if (strcmp(key, "Buffers") == 0) buf = bytes;
            else if (strcmp(key, "Cached") == 0) cached = bytes;
        }
        if (!eol) break;
        p = eol + 1;
    }
    /* kernels before 3.14: free + buffers + page cache, unknown if the sum does not fit */
    if (a < 0 && fr >= 0 &&
        (__builtin_add_overflow(fr, buf > 0 ? buf : 0, &a) ||
         __builtin_add_overflow(a, cached > 0 ? cached : 0, &a)))
        a = -1;
    *total = t;
    *available = a;
    return t >= 0 ? 0 : -1;
}

unsigned accel__cpu_simd_mask(uint64_t f)
{
    static const struct {
        int bit;
        unsigned simd;
    } map[] = {
        {ACCEL__CPUF_SSE42, ACCEL_SIMD_SSE42},       {ACCEL__CPUF_AVX, ACCEL_SIMD_AVX},
        {ACCEL__CPUF_AVX2, ACCEL_SIMD_AVX2},         {ACCEL__CPUF_FMA, ACCEL_SIMD_FMA},
        {ACCEL__CPUF_F16C, ACCEL_SIMD_F16C},         {ACCEL__CPUF_AVX512F, ACCEL_SIMD_AVX512F},
        {ACCEL__CPUF_AVX512BW, ACCEL_SIMD_AVX512BW}, {ACCEL__CPUF_AVX512VL, ACCEL_SIMD_AVX512VL},
        {ACCEL__CPUF_AVX512DQ, ACCEL_SIMD_AVX512DQ}, {ACCEL__CPUF_AVX512FP16, ACCEL_SIMD_AVX512FP16},
        {ACCEL__CPUF_NEON, ACCEL_SIMD_NEON},         {ACCEL__CPUF_SVE, ACCEL_SIMD_SVE},
    };
    unsigned m = 0;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (f & (1ull << map[i].bit)) m |= map[i].simd;
    return m;
}

const char *accel__x86_level(uint64_t f)
{
    /* The x86-64 psABI micro-architecture levels. */
    const uint64_t v2 = ACCEL__CPUF(SSE3) | ACCEL__CPUF(SSSE3) | ACCEL__CPUF(SSE41) |
                        ACCEL__CPUF(SSE42) | ACCEL__CPUF(POPCNT) | ACCEL__CPUF(CX16) |
                        ACCEL__CPUF(LAHF);
    const uint64_t v3 = v2 | ACCEL__CPUF(AVX) | ACCEL__CPUF(AVX2) | ACCEL__CPUF(BMI1) |
                        ACCEL__CPUF(BMI2) | ACCEL__CPUF(F16C) | ACCEL__CPUF(FMA) |
                        ACCEL__CPUF(LZCNT) | ACCEL__CPUF(MOVBE) | ACCEL__CPUF(XSAVE);
    const uint64_t v4 = v3 | ACCEL__CPUF(AVX512F) | ACCEL__CPUF(AVX512BW) |
                        ACCEL__CPUF(AVX512CD) | ACCEL__CPUF(AVX512DQ) | ACCEL__CPUF(AVX512VL);
    if ((f & v4) == v4) return "x86-64-v4";
    if ((f & v3) == v3) return "x86-64-v3";
    if ((f & v2) == v2) return "x86-64-v2";
    return "x86-64";
}
