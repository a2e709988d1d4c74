/* select.h — the ordered candidate list that selection and the executor share. */
#ifndef ACCEL_SELECT_H
#define ACCEL_SELECT_H

#include "core/internal.h"

#define ACCEL__MAX_CANDIDATES 64

typedef struct accel__candidate {
    int index;                    /* device index */
    double score;
    int eligible;                 /* may run the op */
    accel_fallback_reason reason; /* why not, when a setting or the op excluded it */
    char rule[192];               /* the rule or setting that placed it */
} accel__candidate;

typedef struct accel__selection {
    accel__candidate c[ACCEL__MAX_CANDIDATES];
    size_t n;
    int chosen;         /* device index, -1 if none */
    char warning[384];  /* a requested device that could not be used */
    int logged;         /* this call logged the warning (once per context and text) */
} accel__selection;

/* Orders every device for operation `op` (NULL: any). */
accel_status accel__select_order(accel_ctx *ctx, const char *op, accel__selection *sel);

#endif
