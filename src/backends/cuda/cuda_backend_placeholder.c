/* cuda_backend_placeholder.c — stands in for the CUDA backend until it is part of the
 * library: discovery lists CUDA devices with this ops table, and opening one answers
 * ACCEL_ERR_NOT_BUILT_IN (the device is then marked unusable, with that reason). */
#include "core/internal.h"

static accel_status placeholder_open(accel__device *dev)
{
    (void)dev;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "the CUDA backend is not built into this library");
}

const accel__backend_ops accel__backend_cuda = {
    .api_version = ACCEL__BACKEND_API,
    .name = "cuda",
    .open = placeholder_open,
};
