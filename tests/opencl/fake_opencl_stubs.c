/* fake_opencl_stubs.c — every entry point accel resolves, as weak stubs that return 0/NULL, so
 * the fake ICD loader loads; fake_opencl.c overrides the ones a scenario needs. */
#include "vendor/cl_api.h"

#define STUB(ret, name, sym, params)                                                               \
    __attribute__((weak)) ret name params { return (ret)0; }
ACCEL__CL_API(STUB)
