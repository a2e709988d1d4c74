/* kern_neon.c — the audio kernel compiled for AArch64 Advanced SIMD (flags from
 * cmake/part_audio.cmake): four frames per 128-bit register as in the generic build, with
 * multiply-adds contracted into FMLA/FMLS (FMA is part of every AArch64 processor, and
 * generic keeps them apart) and the frame transpose written with arm_neon.h (kern_impl.h), so
 * that it does not depend on __builtin_shufflevector (GCC 12 and later, Clang). Used when the
 * processor reports Advanced SIMD. */
#include "audio_internal.h"

#if defined(__aarch64__) && defined(ACCEL_AUDIO_ISA_NEON)
#include "backends/cpu/cpu.h"

#define KERN_SUFFIX neon
#define KERN_NEON 1
#include "kern_impl.h"

const audio_isa *accel__audio_isa_neon(void)
{
    return accel__simd_cpu_has(ACCEL__SIMD_NEON) ? &isa_tableneon : NULL;
}
#else
const audio_isa *accel__audio_isa_neon(void) { return NULL; }
#endif
