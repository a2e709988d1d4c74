/* fault_placeholder.c — the fault-injection hook for builds without the ACCEL_FAULT parser:
 * no fault ever fires. It is a weak definition, so the real one (fault.c) replaces it when
 * both are linked. */
#include "internal.h"

__attribute__((weak)) accel_status accel__fault_check(accel_ctx *ctx, const accel__device *dev,
                                                      const char *site)
{
    (void)ctx;
    (void)dev;
    (void)site;
    return ACCEL_OK;
}
