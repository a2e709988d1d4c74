/* fault_placeholder.c — accel__fault_check until fault injection (fault.c) is built in: no
 * fault is ever configured, so every call proceeds. */
#include "internal.h"

accel_status accel__fault_check(accel_ctx *ctx, const accel__device *dev, const char *site)
{
    (void)ctx;
    (void)dev;
    (void)site;
    return ACCEL_OK;
}
