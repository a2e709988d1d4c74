/* opencl.c — opencl discovery (first version: finds nothing; the dlopen-based discoverer replaces
 * it). */
#include "../core/internal.h"

accel_status accel__discover_opencl(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    (void)ctx;
    (void)out;
    (void)no_cache;
    return ACCEL_OK;
}
