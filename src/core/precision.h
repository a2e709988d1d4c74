/* precision.h — the capability table behind accel_precision_allowed() (precision.c). */
#ifndef ACCEL_PRECISION_H
#define ACCEL_PRECISION_H

#include "core/internal.h"

/* The ACCEL_PREC_* set a device can use, from its description alone (no ACCEL_PRECISION). */
unsigned accel__precision_capable(const accel_device_info *d);
/* "fp32|fp16" for a mask ("none" for 0), into buf. */
void accel__precision_names(unsigned mask, char *buf, size_t cap);

#endif
