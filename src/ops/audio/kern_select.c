/* kern_select.c — which instruction set's kernels (kern_*.c) a CPU run uses.
 *
 * Why not in params.c: the kernels call params.c (accel__audio_sample_at, _frame_direct), so
 * the choice among them lives above both, as src/ops/image/kern_select.c does for images. */
#include "audio_internal.h"

static const audio_isa *forced_isa;

void accel__audio_force_isa(const audio_isa *isa) { forced_isa = isa; }

const audio_isa *accel__audio_isa_for(accel__simd_level level)
{
    const audio_isa *k = NULL;
    if (forced_isa) return forced_isa;
    switch (level) {
    case ACCEL__SIMD_AVX512:
        /* the audio AVX-512 build also needs VL and DQ: it may be absent where the level is
         * not */
        if ((k = accel__audio_isa_avx512()) != NULL) return k;
        /* fall through */
    case ACCEL__SIMD_AVX2:
        if ((k = accel__audio_isa_avx2()) != NULL) return k;
        break;
    case ACCEL__SIMD_NEON:
        if ((k = accel__audio_isa_neon()) != NULL) return k;
        break;
    case ACCEL__SIMD_BASELINE: break;
    }
    return accel__audio_isa_generic();
}
