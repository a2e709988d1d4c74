/* hip_kernels.c — access to the code object bundle embedded at build time, if any. */
#include "backends/hip/hip_kernels.h"

#ifdef ACCEL_HAVE_HIP_CODEOBJ
/* Defined in the file cmake/part_hip.cmake generates from hipcc's output. */
extern const unsigned char accel__hip_codeobj_data[];
extern const size_t accel__hip_codeobj_size;
extern const char accel__hip_codeobj_archs[];
#endif

int accel__hip_codeobj(const unsigned char **data, size_t *size, const char **archs)
{
#ifdef ACCEL_HAVE_HIP_CODEOBJ
    *data = accel__hip_codeobj_data;
    *size = accel__hip_codeobj_size;
    *archs = accel__hip_codeobj_archs;
    return 1;
#else
    *data = NULL;
    *size = 0;
    *archs = "";
    return 0;
#endif
}
