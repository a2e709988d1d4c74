/* cl_device.h — a minimal OpenCL device for the audio tests: the backend ops table (buffers,
 * copies, kernel_get from the embedded kernel sources, launch; supports_op and run are the
 * core's, as for the library's own device backends) over
 * libOpenCL.so.1 loaded with dlopen, on the first OpenCL device (PoCL in CI). It lets the tests
 * run the audio operations' device path — src/ops/audio/device.c and src/kernels/audio.kern —
 * through the executor exactly as a real backend would, with failures injectable, while the
 * library's own OpenCL backend lives elsewhere. Include once, in a test's main file. */
#ifndef ACCEL_AUDIO_CL_DEVICE_H
#define ACCEL_AUDIO_CL_DEVICE_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <dlfcn.h>

#include "core/backend.h"
#include "core/devcall.h"
#include "core/kernels.h"
#include "ops/audio/audio_internal.h"

#define CLD_FNS(X)                                                                                         \
    X(clGetPlatformIDs, cl_int, (cl_uint, cl_platform_id *, cl_uint *))                                    \
    X(clGetDeviceIDs, cl_int, (cl_platform_id, cl_device_type, cl_uint, cl_device_id *, cl_uint *))       \
    X(clGetDeviceInfo, cl_int, (cl_device_id, cl_device_info, size_t, void *, size_t *))                   \
    X(clCreateContext, cl_context, (const cl_context_properties *, cl_uint, const cl_device_id *,         \
                                    void(CL_CALLBACK *)(const char *, const void *, size_t, void *),       \
                                    void *, cl_int *))                                                     \
    X(clCreateCommandQueue, cl_command_queue, (cl_context, cl_device_id, cl_command_queue_properties,      \
                                               cl_int *))                                                  \
    X(clCreateBuffer, cl_mem, (cl_context, cl_mem_flags, size_t, void *, cl_int *))                       \
    X(clReleaseMemObject, cl_int, (cl_mem))                                                                \
    X(clEnqueueWriteBuffer, cl_int, (cl_command_queue, cl_mem, cl_bool, size_t, size_t, const void *,     \
                                     cl_uint, const cl_event *, cl_event *))                               \
    X(clEnqueueReadBuffer, cl_int, (cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint,   \
                                    const cl_event *, cl_event *))                                         \
    X(clCreateProgramWithSource, cl_program, (cl_context, cl_uint, const char **, const size_t *, cl_int *)) \
    X(clBuildProgram, cl_int, (cl_program, cl_uint, const cl_device_id *, const char *,                   \
                               void(CL_CALLBACK *)(cl_program, void *), void *))                           \
    X(clGetProgramBuildInfo, cl_int, (cl_program, cl_device_id, cl_program_build_info, size_t, void *,    \
                                      size_t *))                                                           \
    X(clCreateKernel, cl_kernel, (cl_program, const char *, cl_int *))                                    \
    X(clReleaseKernel, cl_int, (cl_kernel))                                                                \
    X(clSetKernelArg, cl_int, (cl_kernel, cl_uint, size_t, const void *))                                 \
    X(clEnqueueNDRangeKernel, cl_int, (cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, \
                                       const size_t *, cl_uint, const cl_event *, cl_event *))             \
    X(clFinish, cl_int, (cl_command_queue))                                                                \
    X(clReleaseProgram, cl_int, (cl_program))                                                              \
    X(clReleaseCommandQueue, cl_int, (cl_command_queue))                                                   \
    X(clReleaseContext, cl_int, (cl_context))

static struct cld {
#define CLD_PTR(name, ret, args) ret(CL_API_CALL *name) args;
    CLD_FNS(CLD_PTR)
#undef CLD_PTR
    void *lib;
    cl_device_id dev;
    cl_context ctx;
    cl_command_queue q;
    cl_program prog;
    char name[256];
    int fp64;
    /* fault injection: fail the Nth launch (1-based) with this status, 0: never */
    int fail_launch_at, launches;
    accel_status fail_status;
    char build_log[4096];
    struct accel__kernel *kernels[16]; /* built once, reused */
    int n_kernels;
} cld;

struct accel__buffer {
    cl_mem m;
    size_t bytes;
};
struct accel__kernel {
    cl_kernel k;
    char name[64];
};

#define CLD_CHECK(call, what)                                                                   \
    do {                                                                                        \
        cl_int e_ = (call);                                                                     \
        if (e_ != CL_SUCCESS) return ACCEL_ERROR(ACCEL_ERR_VENDOR, "OpenCL %s: error %d", what, e_); \
    } while (0)

static accel_status cld_open(accel__device *d) { (void)d; return ACCEL_OK; }
static void cld_close(accel__device *d) { (void)d; }
static accel_status cld_mem(accel__device *d, int64_t *f, int64_t *t)
{
    (void)d;
    *f = *t = (int64_t)1 << 30;
    return ACCEL_OK;
}
static accel_status cld_alloc(accel__device *d, size_t bytes, accel__buffer **out)
{
    (void)d;
    cl_int e = 0;
    accel__buffer *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory");
    b->m = cld.clCreateBuffer(cld.ctx, CL_MEM_READ_WRITE, bytes ? bytes : 4, NULL, &e);
    if (!b->m || e != CL_SUCCESS) {
        free(b);
        return ACCEL_ERROR(ACCEL_ERR_DEVICE_OOM, "OpenCL: cannot allocate %zu bytes (error %d)", bytes, e);
    }
    b->bytes = bytes;
    *out = b;
    return ACCEL_OK;
}
static void cld_free(accel__device *d, accel__buffer *b)
{
    (void)d;
    if (!b) return;
    cld.clReleaseMemObject(b->m);
    free(b);
}
static accel_status cld_h2d(accel__device *d, accel__buffer *dst, size_t off, const void *src, size_t n)
{
    (void)d;
    CLD_CHECK(cld.clEnqueueWriteBuffer(cld.q, dst->m, CL_TRUE, off, n, src, 0, NULL, NULL), "write");
    return ACCEL_OK;
}
static accel_status cld_d2h(accel__device *d, void *dst, accel__buffer *src, size_t off, size_t n)
{
    (void)d;
    CLD_CHECK(cld.clEnqueueReadBuffer(cld.q, src->m, CL_TRUE, off, n, dst, 0, NULL, NULL), "read");
    return ACCEL_OK;
}
static accel_status cld_kernel(accel__device *d, const char *name, accel__kernel **out)
{
    (void)d;
    if (!cld.prog) {
        const char *src = NULL;
        size_t len = 0;
        for (size_t i = 0; accel__kernel_sources[i].family; i++)
            if (!strcmp(accel__kernel_sources[i].family, "audio")) {
                src = accel__kernel_sources[i].text;
                len = accel__kernel_sources[i].len;
            }
        RETURN_ERROR_IF(!src, ACCEL_ERR_NOT_FOUND, "no embedded kernel family 'audio'");
        cl_int e = 0;
        cld.prog = cld.clCreateProgramWithSource(cld.ctx, 1, &src, &len, &e);
        CLD_CHECK(e, "create program");
        e = cld.clBuildProgram(cld.prog, 1, &cld.dev, "", NULL, NULL);
        if (e != CL_SUCCESS) {
            cld.clGetProgramBuildInfo(cld.prog, cld.dev, CL_PROGRAM_BUILD_LOG, sizeof cld.build_log, cld.build_log, NULL);
            cld.clReleaseProgram(cld.prog);
            cld.prog = NULL;
            return ACCEL_ERROR(ACCEL_ERR_KERNEL, "OpenCL build of audio.kern failed (%d): %s", e, cld.build_log);
        }
    }
    for (int i = 0; i < cld.n_kernels; i++)
        if (!strcmp(cld.kernels[i]->name, name)) {
            *out = cld.kernels[i];
            return ACCEL_OK;
        }
    RETURN_ERROR_IF(cld.n_kernels == 16, ACCEL_ERR_KERNEL, "test OpenCL device: too many kernels");
    cl_int e = 0;
    accel__kernel *k = calloc(1, sizeof *k);
    RETURN_ERROR_IF(!k, ACCEL_ERR_NO_MEMORY, "out of memory");
    k->k = cld.clCreateKernel(cld.prog, name, &e);
    if (e != CL_SUCCESS) {
        free(k);
        return ACCEL_ERROR(ACCEL_ERR_KERNEL, "OpenCL kernel %s: error %d", name, e);
    }
    accel__strlcpy(k->name, name, sizeof k->name);
    cld.kernels[cld.n_kernels++] = k;
    *out = k;
    return ACCEL_OK;
}
static accel_status cld_launch(accel__device *d, accel__kernel *k, const accel__launch *g, const accel__arg *a, int n)
{
    (void)d;
    if (cld.fail_launch_at && ++cld.launches == cld.fail_launch_at)
        return ACCEL_ERROR(cld.fail_status, "injected failure of launch %d (%s)", cld.launches, k->name);
    for (int i = 0; i < n; i++) {
        cl_int e;
        switch (a[i].type) {
        case ACCEL__ARG_BUFFER: e = cld.clSetKernelArg(k->k, (cl_uint)i, sizeof(cl_mem), &a[i].v.buf->m); break;
        case ACCEL__ARG_I32: e = cld.clSetKernelArg(k->k, (cl_uint)i, 4, &a[i].v.i32); break;
        case ACCEL__ARG_U32: e = cld.clSetKernelArg(k->k, (cl_uint)i, 4, &a[i].v.u32); break;
        case ACCEL__ARG_F32: e = cld.clSetKernelArg(k->k, (cl_uint)i, 4, &a[i].v.f32); break;
        case ACCEL__ARG_I64: e = cld.clSetKernelArg(k->k, (cl_uint)i, 8, &a[i].v.i64); break;
        default: e = cld.clSetKernelArg(k->k, (cl_uint)i, a[i].v.local_bytes, NULL); break;
        }
        if (e != CL_SUCCESS) return ACCEL_ERROR(ACCEL_ERR_KERNEL, "OpenCL %s: argument %d: error %d", k->name, i, e);
    }
    /* the geometry as the library's backends take it: a local size when local[0] > 0 (the FFT
     * kernels need theirs), the global size rounded up to a multiple of it */
    size_t gl[3] = {1, 1, 1}, lo[3] = {1, 1, 1};
    int has_local = g->local[0] > 0;
    for (int i = 0; i < g->dims; i++) {
        lo[i] = has_local && g->local[i] ? g->local[i] : 1;
        gl[i] = (g->global[i] + lo[i] - 1) / lo[i] * lo[i];
    }
    CLD_CHECK(cld.clEnqueueNDRangeKernel(cld.q, k->k, (cl_uint)g->dims, NULL, gl, has_local ? lo : NULL, 0, NULL,
                                         NULL),
              "launch");
    return ACCEL_OK;
}
static accel_status cld_sync(accel__device *d)
{
    (void)d;
    CLD_CHECK(cld.clFinish(cld.q), "finish");
    return ACCEL_OK;
}
static const accel__backend_ops cld_ops = {
    .api_version = ACCEL__BACKEND_API,
    .name = "test-opencl",
    .open = cld_open,
    .close = cld_close,
    .mem_info = cld_mem,
    .buffer_alloc = cld_alloc,
    .buffer_free = cld_free,
    .copy_h2d = cld_h2d,
    .copy_d2h = cld_d2h,
    .kernel_get = cld_kernel,
    .launch = cld_launch,
    .synchronize = cld_sync,
    .supports_op = accel__device_code_supports,
    .run = accel__device_code_run,
};

/* Loads OpenCL and adds its first device to ctx in front of the CPU. Returns the device's
 * index, or -1 with the reason in `why`. */
static int cld_attach(accel_ctx *ctx, char *why, size_t cap)
{
    cld.lib = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!cld.lib) {
        snprintf(why, cap, "libOpenCL.so.1 not loadable: %s", dlerror());
        return -1;
    }
#define CLD_SYM(name, ret, args)                                     \
    *(void **)&cld.name = dlsym(cld.lib, #name);                     \
    if (!cld.name) {                                                 \
        snprintf(why, cap, "libOpenCL.so.1 lacks %s", #name);        \
        return -1;                                                   \
    }
    CLD_FNS(CLD_SYM)
#undef CLD_SYM
    cl_platform_id plats[8];
    cl_uint np = 0;
    if (cld.clGetPlatformIDs(8, plats, &np) != CL_SUCCESS || np == 0) {
        snprintf(why, cap, "no OpenCL platform (install pocl-opencl-icd)");
        return -1;
    }
    cl_uint nd = 0;
    for (cl_uint i = 0; i < np && !nd; i++)
        if (cld.clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 1, &cld.dev, &nd) != CL_SUCCESS) nd = 0;
    if (!nd) {
        snprintf(why, cap, "no OpenCL device");
        return -1;
    }
    cl_int e = 0;
    cld.ctx = cld.clCreateContext(NULL, 1, &cld.dev, NULL, NULL, &e);
    if (e == CL_SUCCESS) cld.q = cld.clCreateCommandQueue(cld.ctx, cld.dev, 0, &e);
    if (e != CL_SUCCESS) {
        snprintf(why, cap, "OpenCL context/queue: error %d", e);
        return -1;
    }
    cld.clGetDeviceInfo(cld.dev, CL_DEVICE_NAME, sizeof cld.name, cld.name, NULL);
    cl_device_fp_config fp = 0;
    cld.clGetDeviceInfo(cld.dev, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp, &fp, NULL);
    cld.fp64 = fp != 0;
    /* insert before the CPU, which stays last */
    size_t n = ctx->n_devs;
    accel__device *v = realloc(ctx->devs, (n + 1) * sizeof *v);
    if (!v) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    ctx->devs = v;
    v[n] = v[n - 1];
    v[n].info.index = (int)n;
    accel__device *d = &v[n - 1];
    memset(d, 0, sizeof *d);
    accel__device_info_init(&d->info);
    d->info.index = (int)(n - 1);
    d->info.kind = ACCEL_KIND_OPENCL;
    d->info.routes = ACCEL_ROUTE_OPENCL;
    d->info.usable = 1;
    d->info.unified_memory = 1;
    d->info.fp64 = cld.fp64;
    accel__strlcpy(d->info.verdict, "usable", sizeof d->info.verdict);
    snprintf(d->info.name, sizeof d->info.name, "%s (test OpenCL device)", cld.name);
    d->ops = &cld_ops;
    d->opened = 1;
    d->ctx = ctx;
    pthread_mutex_init(&d->lock, NULL);
    ctx->n_devs = n + 1;
    return (int)(n - 1);
}

#endif
