/* precision.h — the capability table behind accel_precision_allowed() (precision.c). */
#ifndef ACCEL_PRECISION_H
#define ACCEL_PRECISION_H

#include "core/internal.h"

/* The ACCEL_PREC_* set a device can use (no ACCEL_PRECISION): its backend's precision slot,
 * fp32 alone when the backend has none or the device has no backend. */
unsigned accel__precision_capable(const accel__device *d);

/* "8 GB" for the fp16 rules, tested as ≥ 7.5 GiB: an "8 GB" card reports a little less. */
#define ACCEL__FP16_MIN_MEM ((int64_t)15 << 29)
/* "fp32|fp16" for a mask ("none" for 0), into buf. */
void accel__precision_names(unsigned mask, char *buf, size_t cap);

#endif
