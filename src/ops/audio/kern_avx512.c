/* kern_avx512.c — the audio kernel compiled for AVX-512 (one 16-lane batch is one zmm
 * register), used when the CPU has AVX-512F/VL/DQ. */
#include "audio_internal.h"

#if defined(__x86_64__) && defined(ACCEL_AUDIO_ISA_AVX512)
#define KERN_SUFFIX avx512
#include "kern_impl.h"

const audio_isa *accel__audio_isa_avx512(void)
{
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma"))
               ? &isa_tableavx512
               : NULL;
}
#else
const audio_isa *accel__audio_isa_avx512(void) { return NULL; }
#endif
