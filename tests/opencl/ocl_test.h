/* ocl_test.h — finding the first usable OpenCL device for the OpenCL tests. */
#ifndef ACCEL_OCL_TEST_H
#define ACCEL_OCL_TEST_H

#include "test.h"
#include "core/backend.h"
#include "core/devcall.h"

/* A context with every device opened, and its first usable OpenCL device; exits 77 when there
 * is none (no ICD loader or no platform on this machine). */
static inline accel__device *ocl_test_device(accel_ctx **ctx, unsigned flags)
{
    accel_status st = accel_ctx_create(ctx, NULL, 0, flags);
    if (st != ACCEL_OK) {
        fprintf(stderr, "accel_ctx_create: %s\n", accel_last_error(NULL));
        exit(1);
    }
    for (size_t i = 0; i < (*ctx)->n_devs; i++) {
        accel__device *d = &(*ctx)->devs[i];
        if (d->info.kind == ACCEL_KIND_OPENCL && d->info.usable) return d;
    }
    for (size_t i = 0; i < (*ctx)->n_devs; i++)
        fprintf(stderr, "device %zu: %s %s [%s]\n", i,
                accel_device_kind_name((*ctx)->devs[i].info.kind), (*ctx)->devs[i].info.name,
                (*ctx)->devs[i].info.verdict);
    accel_ctx_destroy(*ctx);
    TEST_SKIP("no usable OpenCL device on this machine (install pocl-opencl-icd)");
    return NULL;
}

#endif
