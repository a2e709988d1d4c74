/* f16.h — exact IEEE binary16 <-> binary32 conversion in portable integer code.
 *
 * float -> half rounds to nearest, ties to even, including the subnormal range; values whose
 * magnitude rounds above 65504 become infinity; NaN stays NaN with its sign and the top ten
 * payload bits, the quiet bit set. half -> float is exact. Bit for bit what x86 F16C
 * (vcvtps2ph with round-to-nearest-even, vcvtph2ps) produces, so the scalar and SIMD paths
 * agree; the kernels in src/kernels/basic.kern use the same algorithm. The code uses no
 * floating-point operations, so it does not depend on the rounding mode or on
 * flush-to-zero settings. */
#ifndef ACCEL_OPS_F16_H
#define ACCEL_OPS_F16_H

#include <stdint.h>
#include <string.h>

static inline uint16_t accel__f32_bits_to_f16(uint32_t u)
{
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu)); /* NaN */
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* ≥ 65520 (or inf) -> inf */
    if (a >= 0x38800000u) {                                  /* normal half: ≥ 2^-14 */
        uint32_t h = ((a >> 13) - (112u << 10));
        uint32_t rem = a & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    if (a <= 0x33000000u) return (uint16_t)sign; /* ≤ 2^-25 rounds to ±0 (ties to even) */
    /* subnormal half: value = m·2^(e-150), in units of 2^-24 that is m >> (126 - e) */
    uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126u - e; /* 14..24 */
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

static inline uint32_t accel__f16_to_f32_bits(uint16_t h)
{
    uint32_t sign = ((uint32_t)h & 0x8000u) << 16;
    uint32_t e = ((uint32_t)h >> 10) & 0x1fu, m = (uint32_t)h & 0x3ffu;
    if (e == 31u) return sign | 0x7f800000u | (m ? 0x400000u | (m << 13) : 0u);
    if (e == 0u) {
        if (m == 0u) return sign;
        uint32_t fe = 113u; /* exponent of 2^-14, decreased while normalising */
        while (!(m & 0x400u)) {
            m <<= 1;
            fe--;
        }
        return sign | fe << 23 | (m & 0x3ffu) << 13;
    }
    return sign | (e + 112u) << 23 | m << 13;
}

static inline uint16_t accel__f32_to_f16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return accel__f32_bits_to_f16(u);
}

static inline float accel__f16_to_f32(uint16_t h)
{
    uint32_t u = accel__f16_to_f32_bits(h);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif
