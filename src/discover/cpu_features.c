/* cpu_features.c — the SIMD features the running process may use, asked of the CPU itself.
 * /proc/cpuinfo describes the machine; this describes what executes here: on x86 an
 * instruction set whose registers the OS does not save on a context switch (XCR0) faults or
 * corrupts state, so AVX and AVX-512 count only when XGETBV says the OS enabled them. */
#include "discover/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

int accel__cpu_runtime_features(uint64_t *features)
{
    unsigned a, b, c, d;
    uint64_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return -1;
    static const struct {
        int reg_bit, feature;
    } leaf1_ecx[] = {
        {0, ACCEL__CPUF_SSE3},  {9, ACCEL__CPUF_SSSE3},   {12, ACCEL__CPUF_FMA},
        {13, ACCEL__CPUF_CX16}, {19, ACCEL__CPUF_SSE41},  {20, ACCEL__CPUF_SSE42},
        {22, ACCEL__CPUF_MOVBE}, {23, ACCEL__CPUF_POPCNT}, {26, ACCEL__CPUF_XSAVE},
        {28, ACCEL__CPUF_AVX},  {29, ACCEL__CPUF_F16C},
    };
    for (size_t i = 0; i < sizeof leaf1_ecx / sizeof *leaf1_ecx; i++)
        if (c & (1u << leaf1_ecx[i].reg_bit)) f |= 1ull << leaf1_ecx[i].feature;
    int osxsave = (c >> 27) & 1;
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    int os_avx = (xcr0 & 0x6) == 0x6;       /* XMM and YMM state */
    int os_avx512 = (xcr0 & 0xe6) == 0xe6;  /* + opmask, ZMM_Hi256, Hi16_ZMM */

    unsigned max_ext = __get_cpuid_max(0x80000000u, NULL);
    if (max_ext >= 0x80000001u && __get_cpuid(0x80000001u, &a, &b, &c, &d)) {
        if (c & 1u) f |= ACCEL__CPUF(LAHF);
        if (c & (1u << 5)) f |= ACCEL__CPUF(LZCNT);
    }
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        static const struct {
            int reg_bit, feature;
        } leaf7_ebx[] = {
            {3, ACCEL__CPUF_BMI1},      {5, ACCEL__CPUF_AVX2},      {8, ACCEL__CPUF_BMI2},
            {16, ACCEL__CPUF_AVX512F},  {17, ACCEL__CPUF_AVX512DQ}, {28, ACCEL__CPUF_AVX512CD},
            {30, ACCEL__CPUF_AVX512BW}, {31, ACCEL__CPUF_AVX512VL},
        };
        for (size_t i = 0; i < sizeof leaf7_ebx / sizeof *leaf7_ebx; i++)
            if (b & (1u << leaf7_ebx[i].reg_bit)) f |= 1ull << leaf7_ebx[i].feature;
        if (d & (1u << 23)) f |= ACCEL__CPUF(AVX512FP16);
    }
    const uint64_t avx_family = ACCEL__CPUF(AVX) | ACCEL__CPUF(AVX2) | ACCEL__CPUF(FMA) |
                                ACCEL__CPUF(F16C);
    const uint64_t avx512_family = ACCEL__CPUF(AVX512F) | ACCEL__CPUF(AVX512BW) |
                                   ACCEL__CPUF(AVX512CD) | ACCEL__CPUF(AVX512DQ) |
                                   ACCEL__CPUF(AVX512VL) | ACCEL__CPUF(AVX512FP16);
    if (!os_avx) f &= ~(avx_family | avx512_family);
    if (!os_avx512) f &= ~avx512_family;
    if (!osxsave) f &= ~ACCEL__CPUF(XSAVE);
    *features = f;
    return 0;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>

/* Bits of AT_HWCAP / AT_HWCAP2 on arm64 (asm/hwcap.h), spelled out so that old headers build. */
#define HWCAP_BIT_ASIMD (1ul << 1)
#define HWCAP_BIT_SVE (1ul << 22)
#define HWCAP2_BIT_SVE2 (1ul << 1)

int accel__cpu_runtime_features(uint64_t *features)
{
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    uint64_t f = 0;
    if (hw & HWCAP_BIT_ASIMD) f |= ACCEL__CPUF(NEON);
    if (hw & HWCAP_BIT_SVE) f |= ACCEL__CPUF(SVE);
    if (hw2 & HWCAP2_BIT_SVE2) f |= ACCEL__CPUF(SVE2);
    *features = f;
    return 0;
}

#else
int accel__cpu_runtime_features(uint64_t *features)
{
    (void)features;
    return -1;
}
#endif
