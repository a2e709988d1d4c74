/* The precision table for several device descriptions, and ACCEL_PRECISION restricting it:
 * a format the device has, one it lacks (fp32 with a warning, or ACCEL_ERR_STRICT). */
#include "test.h"
#include "fake.h"
#include "core/precision.h"

#define GiB ((int64_t)1 << 30)

/* A device of `kind` described so, answered by that kind's backend. */
static unsigned cap(accel_device_kind kind, int ccM, int ccm, int64_t mem, int fp16,
                    const char *arch)
{
    accel__device d;
    memset(&d, 0, sizeof d);
    accel__device_info_init(&d.info);
    d.info.kind = kind;
    d.info.cc_major = ccM;
    d.info.cc_minor = ccm;
    d.info.mem_total = mem;
    d.info.fp16 = fp16;
    snprintf(d.info.arch, sizeof d.info.arch, "%s", arch);
    d.ops = kind == ACCEL_KIND_CPU    ? &accel__backend_cpu
            : kind == ACCEL_KIND_CUDA ? &accel__backend_cuda
            : kind == ACCEL_KIND_ROCM ? &accel__backend_hip
                                      : &accel__backend_opencl;
    return accel__precision_capable(&d);
}

static void expect(unsigned got, const char *want)
{
    char names[64];
    accel__precision_names(got, names, sizeof names);
    ASSERT_STR_EQ(names, want);
}

int main(void)
{
    const int64_t card8 = (int64_t)8366784512LL; /* what an "8 GB" card reports: 7.79 GiB */
    expect(cap(ACCEL_KIND_CPU, -1, -1, 64 * GiB, -1, "x86-64-v4"), "fp32|int8");
    expect(cap(ACCEL_KIND_CUDA, 6, 1, 12 * GiB, -1, "sm_61"), "fp32");      /* Pascal */
    expect(cap(ACCEL_KIND_CUDA, 7, 0, 16 * GiB, -1, "sm_70"), "fp32|fp16"); /* V100 */
    expect(cap(ACCEL_KIND_CUDA, 7, 5, card8, -1, "sm_75"), "fp32|fp16");    /* RTX 2070 */
    expect(cap(ACCEL_KIND_CUDA, 7, 5, 4 * GiB, -1, "sm_75"), "fp32");       /* GTX 1650 */
    expect(cap(ACCEL_KIND_CUDA, 8, 0, 80 * GiB, -1, "sm_80"), "fp32|tf32|fp16|bf16");
    expect(cap(ACCEL_KIND_CUDA, 8, 6, 6 * GiB, -1, "sm_86"), "fp32|tf32|bf16"); /* 6 GB Ampere */
    expect(cap(ACCEL_KIND_CUDA, 9, 0, 80 * GiB, -1, "sm_90"), "fp32|tf32|fp16|bf16");
    expect(cap(ACCEL_KIND_CUDA, -1, -1, -1, -1, ""), "fp32"); /* unknown */
    expect(cap(ACCEL_KIND_ROCM, -1, -1, 64 * GiB, -1, "gfx90a"), "fp32|fp16|bf16");
    expect(cap(ACCEL_KIND_ROCM, -1, -1, 16 * GiB, -1, "gfx1030"), "fp32|fp16");
    expect(cap(ACCEL_KIND_ROCM, -1, -1, 24 * GiB, -1, "gfx1100"), "fp32|fp16|bf16");
    expect(cap(ACCEL_KIND_OPENCL, -1, -1, 8 * GiB, 1, "OpenCL 3.0 pocl"), "fp32|fp16");
    expect(cap(ACCEL_KIND_OPENCL, -1, -1, 8 * GiB, 0, "OpenCL 3.0"), "fp32");
    expect(cap(ACCEL_KIND_OPENCL, -1, -1, 8 * GiB, -1, ""), "fp32");

    /* through the API, on a fake device: Ampere-like CUDA in front of the CPU */
    static const char *const settings[] = {"auto", "fp16", "int8", "fp32", "bf16"};
    static const char *const want_gpu[] = {"fp32|tf32|fp16|bf16", "fp32|fp16", "fp32", "fp32",
                                           "fp32|bf16"};
    static const char *const want_cpu[] = {"fp32|int8", "fp32", "fp32|int8", "fp32", "fp32"};
    for (size_t i = 0; i < 5; i++) {
        for (int strict = 0; strict < 2; strict++) {
            accel_option o[3] = {{"ACCEL_PRECISION", settings[i]},
                                 {"ACCEL_LOG_LEVEL", "error"},
                                 {"ACCEL_STRICT", "1"}};
            accel_ctx *ctx = fake_ctx(o, strict ? 3 : 2);
            fake_dev f;
            fake_init(&f);
            fake_attach(ctx, &f, 1, 1);
            ctx->devs[0].info.kind = ACCEL_KIND_CUDA;
            /* the fake backend answers for precision as the CUDA backend does */
            static accel__backend_ops cuda_like;
            cuda_like = *ctx->devs[0].ops;
            cuda_like.precision = accel__backend_cuda.precision;
            ctx->devs[0].ops = &cuda_like;
            ctx->devs[0].info.cc_major = 8;
            ctx->devs[0].info.cc_minor = 6;
            ctx->devs[0].info.mem_total = 24 * GiB;
            unsigned m = 0;
            accel_status st = accel_precision_allowed(ctx, 0, &m);
            int lacks = strcmp(want_gpu[i], "fp32") == 0 && strcmp(settings[i], "fp32") != 0;
            ASSERT_STATUS(st, strict && lacks ? ACCEL_ERR_STRICT : ACCEL_OK);
            expect(m, want_gpu[i]);
            st = accel_precision_allowed(ctx, 1, &m);
            lacks = strcmp(want_cpu[i], "fp32") == 0 && strcmp(settings[i], "fp32") != 0;
            if (strict && lacks) {
                ASSERT_STATUS(st, ACCEL_ERR_STRICT);
                char want[400];
                snprintf(want, sizeof want,
                         "ACCEL_PRECISION=%s (api): device 1 (%s) cannot use %s", settings[i],
                         accel__cpu_device(ctx)->info.name, settings[i]);
                ASSERT_CONTAINS(accel_last_error(ctx), want);
                ASSERT_CONTAINS(accel_last_error(ctx), "it can: fp32|int8");
            } else {
                ASSERT_OK(st);
            }
            expect(m, want_cpu[i]);
            ASSERT_STATUS(accel_precision_allowed(ctx, 5, &m), ACCEL_ERR_NOT_FOUND);
            accel_ctx_destroy(ctx);
        }
    }
    TEST_DONE();
}
