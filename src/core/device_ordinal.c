/* device_ordinal.c — accel_device_ordinal(): which device of its vendor runtime an accel device
 * is, so that frameworks in the same process (PyTorch's torch.device("cuda", n), ONNX Runtime's
 * device_id, CTranslate2's device_index) can be pointed at the device accel chose. accel's own
 * index orders usable GPUs first and the CPU last, so it is not the runtime's ordinal. */
#include "core/backend.h"

accel_status accel_device_ordinal(const accel_ctx *ctx, size_t index, int *ordinal)
{
    RETURN_ERROR_IF(!ctx || !ordinal, ACCEL_ERR_INVALID_ARG, "accel_device_ordinal: NULL argument");
    *ordinal = -1;
    RETURN_ERROR_IF(index >= ctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "device %zu does not exist (this context has %zu devices, 0..%zu)", index,
                    ctx->n_devs, ctx->n_devs - 1);
    const accel__device *d = &ctx->devs[index];
    /* CUDA: the cuDeviceGet ordinal; ROCm: the HIP ordinal once hidden GPUs are skipped (the
     * backend table says which backends keep such an ordinal). OpenCL keeps a packed
     * platform/device pair there, which no framework names a device by. */
    if (d->backend && d->backend->ordinals) *ordinal = d->backend_index;
    return ACCEL_OK;
}
