/* float16 conversion (src/ops/basic/f16.h), the code behind every float16 path:
 *  - half -> float for all 65536 halves equals the definition (ldexp), NaN stays NaN;
 *  - float -> half equals an independent round-to-nearest-even (nearbyint) for every float
 *    at and around each halfway point between neighbouring halves, every half value itself,
 *    and a million random floats;
 *  - where the CPU has F16C, both directions equal the hardware bit for bit (NaN payloads
 *    included) on all halves and a stride through all 2^32 floats. */
#include "../conformance/conf.h"
#include "ops/basic/f16.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
__attribute__((target("f16c"))) static uint16_t hw_f32_to_f16(float f)
{
    return (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT), 0);
}
__attribute__((target("f16c"))) static uint32_t hw_f16_to_f32(uint16_t h)
{
    float f = _mm_cvtss_f32(_mm_cvtph_ps(_mm_set1_epi16((short)h)));
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
#endif

static long bad;

static void check_float(float f)
{
    uint16_t got = accel__f32_to_f16(f), want = conf_ref_f32_to_f16(f);
    int ok = isnan(f) ? ((got & 0x7c00) == 0x7c00 && (got & 0x3ff)) : got == want;
    if (!ok && bad++ < 10)
        TEST_FAIL_("f32 %a (0x%08x) -> f16: got 0x%04x want 0x%04x", (double)f,
                   (unsigned)(*(uint32_t *)&f), got, want);
}

int main(void)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float got = accel__f16_to_f32((uint16_t)h), want = conf_ref_f16_to_f32((uint16_t)h);
        int ok = isnan(want) ? isnan(got) : memcmp(&got, &want, 4) == 0;
        if (!ok && bad++ < 10) TEST_FAIL_("f16 0x%04x -> f32: got %a want %a", h, (double)got, (double)want);
        if (!isnan(want)) {
            /* each half value, and the floats around each halfway point to its neighbour */
            check_float(want);
            float next = accel__f16_to_f32((uint16_t)(h + 1));
            if ((h & 0x7fff) < 0x7c00 && !isnan(next) && !isinf(next) && h != 0x7fff && h != 0xffff) {
                float mid = (float)(((double)want + (double)next) / 2.0);
                check_float(mid);
                check_float(nextafterf(mid, INFINITY));
                check_float(nextafterf(mid, -INFINITY));
            }
        }
    }
    check_float(65504.0f);
    check_float(65519.99f);
    check_float(65520.0f);
    check_float(-65520.0f);
    check_float(0x1p-25f);
    check_float(nextafterf(0x1p-25f, 1.0f));
    check_float(0x1p-26f);
    check_float(1e-45f);
    check_float(INFINITY);
    check_float(-INFINITY);
    uint64_t s = 42;
    for (int i = 0; i < 1000000; i++) {
        uint32_t u = (uint32_t)(conf_rand(&s) >> 32);
        float f;
        memcpy(&f, &u, 4);
        check_float(f);
    }
#if defined(__x86_64__)
    unsigned ca, cb, cc, cd; /* F16C: CPUID leaf 1, ECX bit 29 (Clang 14's builtin lacks the name) */
    if (__get_cpuid(1, &ca, &cb, &cc, &cd) && (cc & (1u << 29))) {
        long hw_bad = 0;
        for (uint32_t h = 0; h < 65536; h++)
            if (hw_f16_to_f32((uint16_t)h) != accel__f16_to_f32_bits((uint16_t)h) && hw_bad++ < 5)
                TEST_FAIL_("f16 0x%04x: F16C gives 0x%08x, software 0x%08x", h,
                           hw_f16_to_f32((uint16_t)h), accel__f16_to_f32_bits((uint16_t)h));
        for (uint64_t u = 0; u <= 0xffffffffull; u += 61) {
            float f;
            uint32_t v = (uint32_t)u;
            memcpy(&f, &v, 4);
            if (hw_f32_to_f16(f) != accel__f32_bits_to_f16(v) && hw_bad++ < 5)
                TEST_FAIL_("f32 0x%08x: F16C gives 0x%04x, software 0x%04x", v, hw_f32_to_f16(f),
                           accel__f32_bits_to_f16(v));
        }
        printf("F16C: software conversion identical on all halves and 1 in 61 of all floats\n");
    } else {
        printf("no F16C on this CPU: hardware comparison not run\n");
    }
#endif
    printf("float16: all 65536 halves, halfway points and 1e6 random floats checked\n");
    TEST_DONE();
}
