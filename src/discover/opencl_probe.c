/* opencl_probe.c — OpenCL discovery in a forked child (accel__probe_run): an ICD that crashes or
 * hangs takes down the child, not the host. The child lists every platform and device, sends
 * their records, then self-tests each device (context, buffer, build and run of
 * ak_fill_f32, read back) and sends a verdict per device. A child that dies on device k gives
 * k that verdict, and a new child tests the devices after k. */
#include "discover/opencl_discover.h"

#include "vendor/cl_util.h"
#include "core/kernels.h"

#include <stdlib.h>
#include <string.h>

static void set_text(char *dst, size_t cap, const char *v) { accel__strlcpy(dst, v, cap); }

/* ---- the probe child -------------------------------------------------------------------- */

typedef struct {
    int first; /* test devices from this position in enumeration order on */
} probe_arg;

static void send(accel__probe_chan *ch, accel__text *t)
{
    if (t->oom) return;
    accel__probe_reply(ch, t->s, t->len);
    t->len = 0;
    if (t->s) t->s[0] = '\0';
}

#define TEST_N 1000     /* not a multiple of any work-group size */
#define TEST_FILLED 997 /* the last elements must keep their poison */

/* Context, buffer, build, launch, read back: the smallest use of the device that proves it
 * runs accel's kernels. Returns 1 when usable; why gets "unusable: …" otherwise. */
static int self_test(const accel__cl_api *api, cl_platform_id p, cl_device_id d,
                     const accel__cl_props *props, accel__probe_chan *ch, char *why, size_t cap)
{
    if (!props->available) {
        snprintf(why, cap,
                 "unusable: the driver reports it unavailable (CL_DEVICE_AVAILABLE is "
                 "false)");
        return 0;
    }
    if (!props->compiler) {
        snprintf(why, cap,
                 "unusable: no OpenCL C compiler for it (CL_DEVICE_COMPILER_AVAILABLE "
                 "is false) and accel builds its kernels from source");
        return 0;
    }
    const accel__kernel_source *src = accel__cl_family_of(ACCEL__OCL_TEST_KERNEL);
    if (!src) {
        snprintf(why, cap, "unusable: accel was built without its kernel %s",
                 ACCEL__OCL_TEST_KERNEL);
        return 0;
    }
    int ok = 0;
    cl_int e = 0;
    cl_context c = NULL;
    cl_command_queue q = NULL;
    cl_mem buf = NULL;
    cl_program prog = NULL;
    cl_kernel k = NULL;
    static float host[TEST_N];
    accel_status st = ACCEL_OK;
    cl_context_properties cprops[3] = {ACCEL_CL_CONTEXT_PLATFORM, (cl_context_properties)p, 0};

    accel__probe_step(ch, "testing %s: creating a context", props->name);
    c = api->clCreateContext(cprops, 1, &d, NULL, NULL, &e);
    if (!c) st = ACCEL_CL(e ? e : ACCEL_CL_OUT_OF_HOST_MEMORY, "clCreateContext");
    if (st == ACCEL_OK) {
        accel__probe_step(ch, "testing %s: creating a queue and a buffer", props->name);
        q = api->clCreateCommandQueue(c, d, 0, &e);
        if (!q) st = ACCEL_CL(e ? e : ACCEL_CL_OUT_OF_HOST_MEMORY, "clCreateCommandQueue");
    }
    if (st == ACCEL_OK) {
        buf = api->clCreateBuffer(c, ACCEL_CL_MEM_READ_WRITE, sizeof host, NULL, &e);
        if (!buf) st = ACCEL_CL(e ? e : ACCEL_CL_MEM_OBJECT_ALLOCATION_FAILURE, "clCreateBuffer");
    }
    if (st == ACCEL_OK) {
        for (int i = 0; i < TEST_N; i++) host[i] = -7.25f;
        st = ACCEL_CL(
            api->clEnqueueWriteBuffer(q, buf, ACCEL_CL_TRUE, 0, sizeof host, host, 0, NULL, NULL),
            "clEnqueueWriteBuffer");
    }
    if (st == ACCEL_OK) {
        accel__probe_step(ch, "testing %s: building %s", props->name, ACCEL__OCL_TEST_KERNEL);
        st = accel__cl_build_source(api, c, d, "building " ACCEL__OCL_TEST_KERNEL, src->text,
                                    src->len, ACCEL__CL_BUILD_OPTIONS, &prog);
    }
    if (st == ACCEL_OK) {
        k = api->clCreateKernel(prog, ACCEL__OCL_TEST_KERNEL, &e);
        if (!k) st = ACCEL_CL(e ? e : ACCEL_CL_INVALID_KERNEL_NAME, "clCreateKernel");
    }
    if (st == ACCEL_OK) {
        accel__probe_step(ch, "testing %s: running %s", props->name, ACCEL__OCL_TEST_KERNEL);
        cl_int n = TEST_FILLED;
        float v = 42.5f;
        e = api->clSetKernelArg(k, 0, sizeof buf, &buf);
        if (e == ACCEL_CL_SUCCESS) e = api->clSetKernelArg(k, 1, sizeof n, &n);
        if (e == ACCEL_CL_SUCCESS) e = api->clSetKernelArg(k, 2, sizeof v, &v);
        st = ACCEL_CL(e, "clSetKernelArg");
    }
    if (st == ACCEL_OK) {
        size_t global = TEST_N;
        st = ACCEL_CL(api->clEnqueueNDRangeKernel(q, k, 1, NULL, &global, NULL, 0, NULL, NULL),
                      "clEnqueueNDRangeKernel");
    }
    if (st == ACCEL_OK) st = ACCEL_CL(api->clFinish(q), "clFinish");
    if (st == ACCEL_OK)
        st = ACCEL_CL(
            api->clEnqueueReadBuffer(q, buf, ACCEL_CL_TRUE, 0, sizeof host, host, 0, NULL, NULL),
            "clEnqueueReadBuffer");
    if (st == ACCEL_OK) {
        ok = 1;
        for (int i = 0; i < TEST_N && ok; i++) {
            float want = i < TEST_FILLED ? 42.5f : -7.25f;
            if (host[i] != want) {
                snprintf(why, cap,
                         "unusable: %s gave a wrong result (element %d is %g, expected %g)",
                         ACCEL__OCL_TEST_KERNEL, i, (double)host[i], (double)want);
                ok = 0;
            }
        }
    } else {
        snprintf(why, cap, "unusable: self-test failed: %s", accel__last_error_text());
    }
    if (k) api->clReleaseKernel(k);
    if (prog) api->clReleaseProgram(prog);
    if (buf) api->clReleaseMemObject(buf);
    if (q) api->clReleaseCommandQueue(q);
    if (c) api->clReleaseContext(c);
    if (ok) snprintf(why, cap, "usable");
    return ok;
}

static int probe_body(void *varg, accel__probe_chan *ch)
{
    const probe_arg *arg = varg;
    accel__text t = {0};
    accel__probe_step(ch, "loading " ACCEL__CL_LIBRARY);
    const accel__cl_api *api;
    if (accel__cl_api_load(&api) != ACCEL_OK) {
        accel__text_puts(&t, "L");
        accel__ocl_field(&t, "message", accel__last_error_text());
        accel__text_puts(&t, "\n");
        send(ch, &t);
        free(t.s);
        return 0;
    }
    accel__probe_step(ch, "calling clGetPlatformIDs");
    cl_platform_id *plats;
    cl_uint np;
    if (accel__cl_platforms(api, &plats, &np) != ACCEL_OK) {
        accel__probe_fail(ch, "%s", accel__last_error_text());
        return 2;
    }
    /* every device, in order, with its platform */
    typedef struct {
        cl_platform_id plat;
        cl_device_id dev;
        int pi, di;
        accel__cl_props props;
    } found;
    size_t cap = 8, n = 0;
    found *all = malloc(cap * sizeof *all);
    if (!all) {
        accel__probe_fail(ch, "out of memory");
        return 2;
    }
    for (cl_uint pi = 0; pi < np; pi++) {
        accel__probe_step(ch, "listing the devices of OpenCL platform %u", pi);
        cl_device_id *devs;
        cl_uint nd;
        if (accel__cl_devices(api, plats[pi], &devs, &nd) != ACCEL_OK) {
            /* one platform that cannot list its devices does not hide the others */
            continue;
        }
        for (cl_uint di = 0; di < nd; di++) {
            if (n == cap) {
                found *grown = realloc(all, 2 * cap * sizeof *all);
                if (!grown) {
                    accel__probe_fail(ch, "out of memory");
                    return 2;
                }
                all = grown;
                cap *= 2;
            }
            accel__probe_step(ch, "reading the properties of OpenCL platform %u device %u", pi, di);
            found *f = &all[n++];
            f->plat = plats[pi];
            f->dev = devs[di];
            f->pi = (int)pi;
            f->di = (int)di;
            accel__cl_query(api, f->plat, f->dev, &f->props);
            accel__ocl_write_device(&t, f->pi, f->di, &f->props);
        }
        free(devs);
    }
    free(plats);
    accel__text_puts(&t, "N\n");
    send(ch, &t);
    for (size_t i = (size_t)arg->first; i < n; i++) {
        char why[256];
        int ok = self_test(api, all[i].plat, all[i].dev, &all[i].props, ch, why, sizeof why);
        accel__ocl_write_verdict(&t, all[i].pi, all[i].di, ok, why);
        send(ch, &t);
    }
    free(all);
    free(t.s);
    return 0;
}

/* Runs the child until every device has a verdict: a child that dies on device k leaves k
 * with its verdict, and the next child starts after k. */
accel_status accel__ocl_probe_all(accel_ctx *ctx, accel__text *out)
{
    long long timeout = accel__cfg_int(ctx, ACCEL__CFG_PROBE_TIMEOUT_MS);
    if (timeout < 100) timeout = 15000;
    accel__ocl_reclist all = {0};
    probe_arg arg = {0};
    for (;;) {
        accel__probe_result r;
        FORWARD_IF_ERROR(accel__probe_run("OpenCL probe", probe_body, &arg, (int)timeout, &r));
        accel__ocl_reclist got = {0};
        int bad =
            r.reply_len && accel__ocl_parse_records((const char *)r.reply, r.reply_len, &got) != 0;
        ACCEL_LOG_DEBUG("opencl: probe from device %d: %s in %.0f ms", arg.first, r.verdict,
                        r.elapsed_ms);
        if (arg.first == 0) {
            if (got.missing[0] && r.ok) {
                set_text(all.missing, sizeof all.missing, got.missing);
                free(got.v);
                accel__probe_result_free(&r);
                break;
            }
            if (bad || !got.complete) {
                set_text(all.fatal, sizeof all.fatal,
                         bad ? "unusable: the probe sent malformed records" : r.verdict);
                free(got.v);
                accel__probe_result_free(&r);
                break;
            }
            all.v = got.v;
            all.n = got.n;
            all.cap = got.cap;
            got.v = NULL;
            all.complete = 1;
        } else if (!bad) {
            for (size_t i = 0; i < got.n; i++) {
                accel__ocl_rec *t = accel__ocl_find_rec(&all, got.v[i].plat, got.v[i].dev);
                if (t && got.v[i].tested) {
                    t->tested = 1;
                    t->ok = got.v[i].ok;
                    set_text(t->verdict, sizeof t->verdict, got.v[i].verdict);
                }
            }
        }
        free(got.v);
        int ok = r.ok;
        char verdict[sizeof r.verdict];
        set_text(verdict, sizeof verdict, r.verdict);
        accel__probe_result_free(&r);
        if (ok) break;
        size_t k = (size_t)arg.first;
        while (k < all.n && all.v[k].tested) k++;
        if (k >= all.n) break;
        all.v[k].tested = 1;
        all.v[k].ok = 0;
        set_text(all.v[k].verdict, sizeof all.v[k].verdict, verdict);
        arg.first = (int)k + 1;
        if ((size_t)arg.first >= all.n) break;
    }
    if (all.missing[0]) {
        accel__text_puts(out, "L");
        accel__ocl_field(out, "message", all.missing);
        accel__text_puts(out, "\n");
    } else if (all.fatal[0]) {
        accel__text_puts(out, "F");
        accel__ocl_field(out, "message", all.fatal);
        accel__text_puts(out, "\n");
    } else {
        for (size_t i = 0; i < all.n; i++)
            accel__ocl_write_device(out, all.v[i].plat, all.v[i].dev, &all.v[i].p);
        accel__text_puts(out, "N\n");
        for (size_t i = 0; i < all.n; i++)
            accel__ocl_write_verdict(
                out, all.v[i].plat, all.v[i].dev, all.v[i].tested && all.v[i].ok,
                all.v[i].tested ? all.v[i].verdict : "unusable: the probe ended before testing it");
    }
    free(all.v);
    RETURN_ERROR_IF(out->oom, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");
    return ACCEL_OK;
}
