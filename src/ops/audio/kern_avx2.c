/* kern_avx2.c — the audio kernel compiled for AVX2 + FMA (flags from cmake/part_audio.cmake),
 * used when the CPU has them. */
#include "audio_internal.h"

#if defined(__x86_64__) && defined(ACCEL_AUDIO_ISA_AVX2)
#define KERN_SUFFIX avx2
#include "kern_impl.h"

const audio_isa *accel__audio_isa_avx2(void)
{
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? &isa_tableavx2 : NULL;
}
#else
const audio_isa *accel__audio_isa_avx2(void) { return NULL; }
#endif
