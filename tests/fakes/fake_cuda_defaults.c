/* fake_cuda_defaults.c — a weak definition of every entry point accel's driver API wrapper
 * resolves (generated from ACCEL__CUDA_API, so the fake stays complete when the list grows).
 * Each answers CUDA_ERROR_NOT_SUPPORTED; fake_cuda.c overrides the ones the fake implements
 * with strong definitions. The asm label gives each function the exported name ("…_v2"). */
#include "vendor/cuda_api.h"

#define FAKE_CUDA_NOT_SUPPORTED 801

#define FAKE_DEFAULT(ret, name, sym, params)                                                \
    __attribute__((weak)) ret fake_default_##name params __asm__(sym);                      \
    __attribute__((weak)) ret fake_default_##name params { return (ret)FAKE_CUDA_NOT_SUPPORTED; }
#pragma GCC diagnostic ignored "-Wunused-parameter"
ACCEL__CUDA_API(FAKE_DEFAULT)
