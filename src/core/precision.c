/* precision.c — which number formats an operation may use on a device (docs/precision.md).
 *
 * Capability comes from the device description alone, so the table can be checked without
 * the hardware; each backend answers for its devices through its `precision` slot (the rules
 * live in src/backends/<name>/):
 *   every device      fp32
 *   CPU               int8 (the integer paths of the CPU kernels)
 *   CUDA              fp16 from compute capability 7.0 with at least 8 GB; tf32 and bf16
 *                     from 8.0 (Ampere)
 *   ROCm              fp16 with at least 8 GB; bf16 on CDNA2/3 (gfx90a, gfx94x, gfx95x) and
 *                     RDNA3/4 (gfx11xx, gfx12xx)
 *   OpenCL            fp16 when the device has cl_khr_fp16 (accel_device_info.fp16 == 1)
 * "8 GB" is tested as ≥ 7.5 GiB: an "8 GB" card reports a little less than 8 GiB.
 * ACCEL_PRECISION=auto allows the whole set; a named format allows fp32 plus that format if the
 * device has it, otherwise fp32 alone with a warning (ACCEL_ERR_STRICT under ACCEL_STRICT=1). */
#include "core/precision.h"
#include "core/backend.h"

#include <string.h>
#include <strings.h>

#include "core/executor.h"

static const struct {
    unsigned bit;
    const char *name;
} formats[] = {
    {ACCEL_PREC_FP32, "fp32"}, {ACCEL_PREC_TF32, "tf32"}, {ACCEL_PREC_FP16, "fp16"},
    {ACCEL_PREC_BF16, "bf16"}, {ACCEL_PREC_INT8, "int8"},
};

void accel__precision_names(unsigned mask, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap) buf[0] = '\0';
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (mask & formats[i].bit && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", formats[i].name);
    if (n == 0 && cap) accel__strlcpy(buf, "none", cap);
}

unsigned accel__precision_capable(const accel__device *d)
{
    unsigned m = d->ops && d->ops->precision ? d->ops->precision(d) : 0;
    return m | ACCEL_PREC_FP32;
}

accel_status accel_precision_allowed(const accel_ctx *cctx, size_t index, unsigned *mask)
{
    RETURN_ERROR_IF(!cctx || !mask, ACCEL_ERR_INVALID_ARG,
                    "accel_precision_allowed: NULL argument");
    RETURN_ERROR_IF(index >= cctx->n_devs, ACCEL_ERR_NOT_FOUND,
                    "device index %zu out of range (0..%zu)", index, cctx->n_devs - 1);
    accel_ctx *ctx = (accel_ctx *)cctx; /* the warning-once flags live in the executor state */
    const accel_device_info *d = &ctx->devs[index].info;
    unsigned cap = accel__precision_capable(&ctx->devs[index]);
    const char *want = accel__cfg_str(ctx, ACCEL__CFG_PRECISION);
    if (!*want || strcasecmp(want, "auto") == 0) {
        *mask = cap;
        return ACCEL_OK;
    }
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (strcasecmp(want, formats[i].name) == 0) bit = formats[i].bit;
    if (bit & cap) {
        *mask = ACCEL_PREC_FP32 | bit;
        return ACCEL_OK;
    }
    char can[64];
    accel__precision_names(cap, can, sizeof can);
    *mask = ACCEL_PREC_FP32;
    if (accel__cfg_bool(ctx, ACCEL__CFG_STRICT))
        return ACCEL_ERROR(ACCEL_ERR_STRICT,
                           "ACCEL_PRECISION=%s (%s): device %zu (%s) cannot use %s (it can: %s); "
                           "ACCEL_STRICT=%s (%s) refuses to use fp32 instead",
                           want, accel__cfg_source(ctx, ACCEL__CFG_PRECISION), index, d->name, want,
                           can, accel__cfg_str(ctx, ACCEL__CFG_STRICT),
                           accel__cfg_source(ctx, ACCEL__CFG_STRICT));
    accel__exec_state *s = accel__exec_state_get(ctx);
    int first = 1;
    if (s && index < ACCEL__EXEC_MAX_DEVS)
        first = !__atomic_exchange_n(&s->precision_warned[index], 1, __ATOMIC_RELAXED);
    if (first)
        ACCEL_LOG_WARN("ACCEL_PRECISION=%s (%s): device %zu (%s) cannot use %s (it can: %s); "
                       "using fp32",
                       want, accel__cfg_source(ctx, ACCEL__CFG_PRECISION), index, d->name, want,
                       can);
    return ACCEL_OK;
}
