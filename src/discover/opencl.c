/* opencl.c — OpenCL discovery: every platform and device behind the ICD loader.
 *
 * Why a child process: enumerating OpenCL loads every installed ICD, and a broken ICD can
 * crash or hang its host. The whole job — enumerate, then per device create a context and a
 * buffer, build accel's trivial kernel (ak_fill_f32), run it and check the result — runs in a
 * forked child (accel__probe_run) that sends text records back. A child that dies while
 * testing device k gives device k that verdict, and a new child tests the devices after it.
 *
 * Why a cache: the child costs a fork, the ICDs' start-up and a kernel build (hundreds of ms on
 * PoCL). Its records are kept in <cache dir>/verdicts/opencl.txt under a key made of what can
 * change the answer: the loader and ICD files (identities), ld.so.cache, the environment
 * variables OpenCL implementations read, the device nodes, the CPU count and host memory, the
 * probe kernel's source and accel's version. A warm run reads one small file. A corrupt or
 * mismatched file is ignored and rewritten.
 *
 * Once this process has opened an OpenCL device, forking a child to call OpenCL is unsafe
 * (the implementation's threads are not in the child); discovery then reuses the records this
 * process already used. */
#include "../core/internal.h"

#include "backends/opencl/cl_util.h"
#include "backends/opencl/opencl_backend.h"
#include "core/kernels.h"

#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_FORMAT "accel-opencl-discovery 1"
#define TEST_KERNEL "ak_fill_f32"

extern char **environ;

/* ---- a growable text buffer ------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->oom) return;
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        while (cap < t->n + n + 1) cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = '\0';
}

static void puts_(text *t, const char *s) { put(t, s, strlen(s)); }

static void printf_(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(text *t, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    puts_(t, buf);
}

/* A field "\tkey=value" with tab, newline and backslash escaped, so one record is one line. */
static void field(text *t, const char *key, const char *value)
{
    printf_(t, "\t%s=", key);
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '\\': puts_(t, "\\\\"); break;
        case '\t': puts_(t, "\\t"); break;
        case '\n': puts_(t, "\\n"); break;
        case '\r': puts_(t, "\\r"); break;
        default: put(t, p, 1);
        }
    }
}

static void field_ll(text *t, const char *key, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    field(t, key, buf);
}

/* ---- records ---------------------------------------------------------------------------- */

typedef struct {
    int plat, dev;
    accel__cl_props p;
    int tested, ok;
    char verdict[256];
} rec;

typedef struct {
    rec *v;
    size_t n, cap;
    int complete;      /* the enumeration finished ('N' record) */
    char fatal[512];   /* 'F': enumeration itself failed */
    char missing[512]; /* 'L': no ICD loader */
} reclist;

static void write_device(text *t, int plat, int dev, const accel__cl_props *p)
{
    puts_(t, "D");
    field_ll(t, "plat", plat);
    field_ll(t, "dev", dev);
    field(t, "platform_name", p->platform_name);
    field(t, "platform_vendor", p->platform_vendor);
    field(t, "platform_version", p->platform_version);
    field(t, "name", p->name);
    field(t, "vendor", p->vendor);
    field(t, "version", p->version);
    field(t, "driver", p->driver);
    field(t, "c_version", p->c_version);
    field(t, "pci", p->pci_bus_id);
    field_ll(t, "type", (long long)p->type);
    field_ll(t, "compute_units", p->compute_units);
    field_ll(t, "global_mem", p->global_mem);
    field_ll(t, "local_mem", p->local_mem);
    field_ll(t, "max_alloc", p->max_alloc);
    field_ll(t, "max_work_group", p->max_work_group);
    field_ll(t, "fp16", p->fp16);
    field_ll(t, "fp64", p->fp64);
    field_ll(t, "unified", p->unified);
    field_ll(t, "available", p->available);
    field_ll(t, "compiler", p->compiler);
    field_ll(t, "amd_attributes", p->amd_attributes);
    puts_(t, "\n");
}

static void write_verdict(text *t, int plat, int dev, int ok, const char *verdict)
{
    puts_(t, "V");
    field_ll(t, "plat", plat);
    field_ll(t, "dev", dev);
    field_ll(t, "ok", ok);
    field(t, "verdict", verdict);
    puts_(t, "\n");
}

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static rec *find_rec(reclist *l, int plat, int dev)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].plat == plat && l->v[i].dev == dev) return &l->v[i];
    return NULL;
}

static void set_text(char *dst, size_t cap, const char *v) { accel__strlcpy(dst, v, cap); }

/* Parses one line in place; unknown keys are ignored so the format can grow. Returns -1 on a
 * malformed line. */
static int parse_line(char *line, reclist *l)
{
    char kind = line[0];
    if (!kind || (line[1] != '\t' && line[1] != '\0')) return -1;
    rec r;
    memset(&r, 0, sizeof r);
    r.plat = r.dev = -1;
    int ok = -1;
    char verdict[256] = "", message[512] = "";
    char *save = NULL;
    for (char *f = strtok_r(line + 1, "\t", &save); f; f = strtok_r(NULL, "\t", &save)) {
        char *eq = strchr(f, '=');
        if (!eq) return -1;
        *eq = '\0';
        char *v = eq + 1;
        unescape(v);
        long long n = strtoll(v, NULL, 10);
        accel__cl_props *p = &r.p;
#define TXT(k, dst) else if (strcmp(f, k) == 0) set_text(dst, sizeof dst, v)
#define NUM(k, dst) else if (strcmp(f, k) == 0) dst = n
        if (0) {
        }
        NUM("plat", r.plat);
        NUM("dev", r.dev);
        TXT("platform_name", p->platform_name);
        TXT("platform_vendor", p->platform_vendor);
        TXT("platform_version", p->platform_version);
        TXT("name", p->name);
        TXT("vendor", p->vendor);
        TXT("version", p->version);
        TXT("driver", p->driver);
        TXT("c_version", p->c_version);
        TXT("pci", p->pci_bus_id);
        NUM("type", p->type);
        NUM("compute_units", p->compute_units);
        NUM("global_mem", p->global_mem);
        NUM("local_mem", p->local_mem);
        NUM("max_alloc", p->max_alloc);
        NUM("max_work_group", p->max_work_group);
        NUM("fp16", p->fp16);
        NUM("fp64", p->fp64);
        NUM("unified", p->unified);
        NUM("available", p->available);
        NUM("compiler", p->compiler);
        NUM("amd_attributes", p->amd_attributes);
        NUM("ok", ok);
        TXT("verdict", verdict);
        TXT("message", message);
#undef TXT
#undef NUM
    }
    switch (kind) {
    case 'D': {
        if (r.plat < 0 || r.dev < 0 || find_rec(l, r.plat, r.dev)) return -1;
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 4;
            rec *v = realloc(l->v, cap * sizeof *v);
            if (!v) return -1;
            l->v = v;
            l->cap = cap;
        }
        l->v[l->n++] = r;
        return 0;
    }
    case 'V': {
        rec *t = find_rec(l, r.plat, r.dev);
        if (!t || ok < 0) return -1;
        t->tested = 1;
        t->ok = ok;
        set_text(t->verdict, sizeof t->verdict, verdict);
        return 0;
    }
    case 'N': l->complete = 1; return 0;
    case 'F': set_text(l->fatal, sizeof l->fatal, message[0] ? message : "failed"); return 0;
    case 'L': set_text(l->missing, sizeof l->missing, message); return 0;
    default: return -1;
    }
}

/* Parses a whole record text (a copy is made). -1 when any line is malformed. */
static int parse_records(const char *body, size_t len, reclist *l)
{
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, body, len);
    copy[len] = '\0';
    int rc = 0;
    for (char *line = copy; *line && rc == 0;) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            rc = -1;
            break;
        }
        *nl = '\0';
        rc = parse_line(line, l);
        line = nl + 1;
    }
    free(copy);
    return rc;
}

/* ---- the probe child -------------------------------------------------------------------- */

typedef struct {
    int first; /* test devices from this position in enumeration order on */
} probe_arg;

static void send(accel__probe_chan *ch, text *t)
{
    if (t->oom) return;
    accel__probe_reply(ch, t->s, t->n);
    t->n = 0;
    if (t->s) t->s[0] = '\0';
}

#define TEST_N 1000 /* not a multiple of any work-group size */
#define TEST_FILLED 997 /* the last elements must keep their poison */

/* Context, buffer, build, launch, read back: the smallest use of the device that proves it
 * runs accel's kernels. Returns 1 when usable; why gets "unusable: …" otherwise. */
static int self_test(const accel__cl_api *api, cl_platform_id p, cl_device_id d,
                     const accel__cl_props *props, accel__probe_chan *ch, char *why, size_t cap)
{
    if (!props->available) {
        snprintf(why, cap, "unusable: the driver reports it unavailable (CL_DEVICE_AVAILABLE is "
                           "false)");
        return 0;
    }
    if (!props->compiler) {
        snprintf(why, cap, "unusable: no OpenCL C compiler for it (CL_DEVICE_COMPILER_AVAILABLE "
                           "is false) and accel builds its kernels from source");
        return 0;
    }
    const accel__kernel_source *src = accel__cl_family_of(TEST_KERNEL);
    if (!src) {
        snprintf(why, cap, "unusable: accel was built without its kernel %s", TEST_KERNEL);
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
        st = ACCEL_CL(api->clEnqueueWriteBuffer(q, buf, ACCEL_CL_TRUE, 0, sizeof host, host, 0,
                                                NULL, NULL),
                      "clEnqueueWriteBuffer");
    }
    if (st == ACCEL_OK) {
        accel__probe_step(ch, "testing %s: building %s", props->name, TEST_KERNEL);
        st = accel__cl_build_source(api, c, d, "building " TEST_KERNEL, src->text, src->len,
                                    ACCEL__CL_BUILD_OPTIONS, &prog);
    }
    if (st == ACCEL_OK) {
        k = api->clCreateKernel(prog, TEST_KERNEL, &e);
        if (!k) st = ACCEL_CL(e ? e : ACCEL_CL_INVALID_KERNEL_NAME, "clCreateKernel");
    }
    if (st == ACCEL_OK) {
        accel__probe_step(ch, "testing %s: running %s", props->name, TEST_KERNEL);
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
        st = ACCEL_CL(api->clEnqueueReadBuffer(q, buf, ACCEL_CL_TRUE, 0, sizeof host, host, 0,
                                               NULL, NULL),
                      "clEnqueueReadBuffer");
    if (st == ACCEL_OK) {
        ok = 1;
        for (int i = 0; i < TEST_N && ok; i++) {
            float want = i < TEST_FILLED ? 42.5f : -7.25f;
            if (host[i] != want) {
                snprintf(why, cap, "unusable: %s gave a wrong result (element %d is %g, expected %g)",
                         TEST_KERNEL, i, (double)host[i], (double)want);
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
    text t = {0};
    accel__probe_step(ch, "loading " ACCEL__CL_LIBRARY);
    const accel__cl_api *api;
    if (accel__cl_api_load(&api) != ACCEL_OK) {
        puts_(&t, "L");
        field(&t, "message", accel__last_error_text());
        puts_(&t, "\n");
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
    size_t cap = 16, n = 0;
    cl_device_id *all = malloc(cap * sizeof *all);
    cl_platform_id *owner = malloc(cap * sizeof *owner);
    int *pidx = malloc(cap * sizeof *pidx), *didx = malloc(cap * sizeof *didx);
    accel__cl_props *props = malloc(cap * sizeof *props);
    if (!all || !owner || !pidx || !didx || !props) {
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
                cap *= 2;
                all = realloc(all, cap * sizeof *all);
                owner = realloc(owner, cap * sizeof *owner);
                pidx = realloc(pidx, cap * sizeof *pidx);
                didx = realloc(didx, cap * sizeof *didx);
                props = realloc(props, cap * sizeof *props);
                if (!all || !owner || !pidx || !didx || !props) {
                    accel__probe_fail(ch, "out of memory");
                    return 2;
                }
            }
            accel__probe_step(ch, "reading the properties of OpenCL platform %u device %u", pi, di);
            all[n] = devs[di];
            owner[n] = plats[pi];
            pidx[n] = (int)pi;
            didx[n] = (int)di;
            accel__cl_query(api, plats[pi], devs[di], &props[n]);
            write_device(&t, (int)pi, (int)di, &props[n]);
            n++;
        }
        free(devs);
    }
    puts_(&t, "N\n");
    send(ch, &t);
    for (size_t i = (size_t)arg->first; i < n; i++) {
        char why[256];
        int ok = self_test(api, owner[i], all[i], &props[i], ch, why, sizeof why);
        write_verdict(&t, pidx[i], didx[i], ok, why);
        send(ch, &t);
    }
    free(t.s);
    return 0;
}

/* Runs the child until every device has a verdict: a child that dies on device k leaves k
 * with its verdict, and the next child starts after k. */
static accel_status probe_all(accel_ctx *ctx, text *out)
{
    long long timeout = accel__cfg_int(ctx, ACCEL__CFG_PROBE_TIMEOUT_MS);
    if (timeout < 100) timeout = 15000;
    reclist all = {0};
    probe_arg arg = {0};
    for (;;) {
        accel__probe_result r;
        FORWARD_IF_ERROR(accel__probe_run("OpenCL probe", probe_body, &arg, (int)timeout, &r));
        reclist got = {0};
        int bad = r.reply_len && parse_records((const char *)r.reply, r.reply_len, &got) != 0;
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
                rec *t = find_rec(&all, got.v[i].plat, got.v[i].dev);
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
        puts_(out, "L");
        field(out, "message", all.missing);
        puts_(out, "\n");
    } else if (all.fatal[0]) {
        puts_(out, "F");
        field(out, "message", all.fatal);
        puts_(out, "\n");
    } else {
        for (size_t i = 0; i < all.n; i++) write_device(out, all.v[i].plat, all.v[i].dev, &all.v[i].p);
        puts_(out, "N\n");
        for (size_t i = 0; i < all.n; i++)
            write_verdict(out, all.v[i].plat, all.v[i].dev, all.v[i].tested && all.v[i].ok,
                          all.v[i].tested ? all.v[i].verdict
                                          : "unusable: the probe ended before testing it");
    }
    free(all.v);
    RETURN_ERROR_IF(out->oom, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");
    return ACCEL_OK;
}

/* ---- the cache key ---------------------------------------------------------------------- */

/* Where the dynamic loader would find `name`: LD_LIBRARY_PATH first, then the usual library
 * directories. ld.so.cache's own identity is part of the key as well, so a library installed
 * elsewhere (and registered with ldconfig) still changes the key. */
static void library_identity(text *t, const char *name)
{
    char id[1024];
    if (strchr(name, '/')) {
        accel__file_identity(name, id, sizeof id);
        printf_(t, "lib %s\n", id);
        return;
    }
    static const char *const dirs[] = {"/usr/local/lib",         "/usr/lib/x86_64-linux-gnu",
                                       "/lib/x86_64-linux-gnu",  "/usr/lib/aarch64-linux-gnu",
                                       "/lib/aarch64-linux-gnu", "/usr/lib64",
                                       "/lib64",                 "/usr/lib",
                                       "/lib"};
    const char *llp = getenv("LD_LIBRARY_PATH");
    char path[2048];
    if (llp && *llp) {
        char *copy = strdup(llp), *save = NULL;
        for (char *d = copy ? strtok_r(copy, ":;", &save) : NULL; d; d = strtok_r(NULL, ":;", &save)) {
            snprintf(path, sizeof path, "%s/%s", d, name);
            if (access(path, F_OK) == 0) {
                accel__file_identity(path, id, sizeof id);
                printf_(t, "lib %s\n", id);
                free(copy);
                return;
            }
        }
        free(copy);
    }
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        if (access(path, F_OK) == 0) {
            accel__file_identity(path, id, sizeof id);
            printf_(t, "lib %s\n", id);
            return;
        }
    }
    printf_(t, "lib %s:not-found\n", name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ICD registry (ocl-icd and the Khronos loader read OCL_ICD_VENDORS or /etc/OpenCL/vendors)
 * and the library each entry names. */
static void icd_identity(text *t)
{
    const char *dir = getenv("OCL_ICD_VENDORS");
    if (!dir || !*dir) dir = "/etc/OpenCL/vendors";
    char id[1024], path[2048], line[1024];
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        accel__file_identity(dir, id, sizeof id);
        printf_(t, "icd %s\n", id);
        if (accel__read_text(dir, line, sizeof line) == 0 && line[0]) library_identity(t, line);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        printf_(t, "icd-dir %s:absent\n", dir);
        return;
    }
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".icd") == 0 && (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        accel__file_identity(path, id, sizeof id);
        printf_(t, "icd %s\n", id);
        if (accel__read_text(path, line, sizeof line) == 0 && line[0]) library_identity(t, line);
        free(names[i]);
    }
}

/* Environment variables that change which OpenCL devices appear or what they report. */
static void env_identity(text *t)
{
    static const char *const prefixes[] = {"POCL_",         "OCL_ICD",       "OPENCL_",
                                           "CUDA_VISIBLE_", "HIP_VISIBLE_",  "ROCR_VISIBLE_",
                                           "GPU_DEVICE_ORDINAL", "ZE_AFFINITY_MASK", "RUSTICL_",
                                           "LD_LIBRARY_PATH="};
    const char *vars[512];
    size_t n = 0;
    for (char **e = environ; e && *e && n < 512; e++)
        for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
            if (strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0) {
                vars[n++] = *e;
                break;
            }
    qsort(vars, n, sizeof *vars, cmp_str);
    for (size_t i = 0; i < n; i++) printf_(t, "env %s\n", vars[i]);
}

static void key_text(text *t)
{
    char id[1024];
    printf_(t, "%s accel %s\n", CACHE_FORMAT, accel_version_string());
    const accel__kernel_source *src = accel__cl_family_of(TEST_KERNEL);
    printf_(t, "probe-kernel %016llx\n",
            src ? (unsigned long long)accel__hash64(src->text, src->len, 0) : 0ull);
    library_identity(t, ACCEL__CL_LIBRARY);
    accel__file_identity("/etc/ld.so.cache", id, sizeof id);
    printf_(t, "ldcache %s\n", id);
    icd_identity(t);
    const char *files = getenv("OCL_ICD_FILENAMES");
    if (files && *files) {
        char *copy = strdup(files), *save = NULL;
        for (char *f = copy ? strtok_r(copy, ":", &save) : NULL; f; f = strtok_r(NULL, ":", &save))
            library_identity(t, f);
        free(copy);
    }
    env_identity(t);
    static const char *const nodes[] = {"/dev/dri", "/dev/kfd", "/dev/nvidiactl", "/dev/nvidia0"};
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        accel__file_identity(nodes[i], id, sizeof id);
        printf_(t, "node %s\n", id);
    }
    char v[128];
    char path[512];
    snprintf(path, sizeof path, "%s/module/nvidia/version", accel__sysfs_root());
    if (accel__read_text(path, v, sizeof v) == 0) printf_(t, "nvidia-module %s\n", v);
    cpu_set_t set;
    int affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
    printf_(t, "cpus %ld %d mem %ld\n", sysconf(_SC_NPROCESSORS_ONLN), affinity,
            sysconf(_SC_PHYS_PAGES));
}

/* ---- the cache file --------------------------------------------------------------------- */

static accel_status cache_file(accel_ctx *ctx, char *path, size_t cap)
{
    char dir[3072];
    FORWARD_IF_ERROR(accel__cache_path(ctx, "verdicts", dir, sizeof dir));
    snprintf(path, cap, "%s/opencl.txt", dir);
    return ACCEL_OK;
}

/* The record text of a cache file that is intact and was written under `key`; NULL else. */
static char *cache_read(const char *path, uint64_t key)
{
    char *data;
    size_t n;
    if (accel__read_file(path, &data, &n) != ACCEL_OK) return NULL;
    char head[128];
    snprintf(head, sizeof head, "%s\nkey %016llx\n", CACHE_FORMAT, (unsigned long long)key);
    size_t hl = strlen(head);
    const char *why = NULL;
    char *body = NULL;
    if (n < hl || memcmp(data, head, hl) != 0) {
        why = strncmp(data, CACHE_FORMAT "\n", strlen(CACHE_FORMAT) + 1) == 0
                  ? "written for another configuration"
                  : "not an accel OpenCL discovery file";
    } else {
        /* the body ends with "end <hash of the body>\n" */
        char *end = NULL;
        for (char *p = data + hl; (p = strstr(p, "end ")) != NULL; p++)
            if (p == data + hl || p[-1] == '\n') end = p;
        unsigned long long want = 0;
        if (!end || sscanf(end, "end %16llx\n", &want) != 1 || strchr(end, '\n') != data + n - 1)
            why = "truncated";
        else if (accel__hash64(data + hl, (size_t)(end - (data + hl)), 0) != want)
            why = "checksum mismatch";
        else {
            size_t bl = (size_t)(end - (data + hl));
            body = malloc(bl + 1);
            if (body) {
                memcpy(body, data + hl, bl);
                body[bl] = '\0';
            }
        }
    }
    if (why) ACCEL_LOG_INFO("opencl: cached discovery %s ignored (%s); probing again", path, why);
    free(data);
    return body;
}

static void cache_write(const char *path, uint64_t key, const char *body)
{
    text t = {0};
    printf_(&t, "%s\nkey %016llx\n", CACHE_FORMAT, (unsigned long long)key);
    puts_(&t, body);
    printf_(&t, "end %016llx\n", (unsigned long long)accel__hash64(body, strlen(body), 0));
    if (!t.oom && accel__write_file_atomic(path, t.s, t.n) != ACCEL_OK)
        ACCEL_LOG_WARN("opencl: cannot cache the discovery: %s", accel__last_error_text());
    free(t.s);
}

/* ---- what this process already used ----------------------------------------------------- */

static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static char *memo; /* the record text of the last discovery in this process */

static void memo_set(const char *body)
{
    pthread_mutex_lock(&memo_lock);
    char *copy = strdup(body);
    if (copy) {
        free(memo);
        memo = copy;
    }
    pthread_mutex_unlock(&memo_lock);
}

static char *memo_get(void)
{
    pthread_mutex_lock(&memo_lock);
    char *copy = memo ? strdup(memo) : NULL;
    pthread_mutex_unlock(&memo_lock);
    return copy;
}

/* ---- records to devices ----------------------------------------------------------------- */

static const char *type_name(unsigned long long type)
{
    if (type & ACCEL_CL_DEVICE_TYPE_GPU) return "gpu";
    if (type & ACCEL_CL_DEVICE_TYPE_CPU) return "cpu";
    if (type & ACCEL_CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
    if (type & ACCEL_CL_DEVICE_TYPE_CUSTOM) return "custom";
    return "device";
}

static accel_status add_devices(const reclist *l, accel__devlist *out)
{
    for (size_t i = 0; i < l->n; i++) {
        const rec *r = &l->v[i];
        const accel__cl_props *p = &r->p;
        accel__device *d = accel__devlist_add(out);
        RETURN_ERROR_IF(!d, ACCEL_ERR_NO_MEMORY, "out of memory listing OpenCL devices");
        accel_device_info *info = &d->info;
        info->kind = ACCEL_KIND_OPENCL;
        info->routes = ACCEL_ROUTE_OPENCL;
        info->usable = r->tested && r->ok;
        accel__strlcpy(info->verdict, r->tested ? r->verdict : "unusable: not tested",
                       sizeof info->verdict);
        accel__strlcpy(info->name, p->name, sizeof info->name);
        accel__strlcpy(info->vendor, p->vendor, sizeof info->vendor);
        accel__strlcpy(info->pci_bus_id, p->pci_bus_id, sizeof info->pci_bus_id);
        /* "OpenCL 3.0 cpu": the version the device speaks and what it is */
        int maj = 0, min = 0;
        if (sscanf(p->version, "OpenCL %d.%d", &maj, &min) == 2)
            snprintf(info->arch, sizeof info->arch, "OpenCL %d.%d %s", maj, min, type_name(p->type));
        else
            snprintf(info->arch, sizeof info->arch, "OpenCL %s", type_name(p->type));
        info->compute_units = p->compute_units;
        info->mem_total = p->global_mem;
        info->unified_memory = p->unified;
        if (p->unified) {
            /* shared with the host: free is what the host has left, within the device's cap */
            long long host = accel__cl_host_available();
            info->mem_free = host >= 0 && (p->global_mem < 0 || host < p->global_mem) ? host
                                                                                      : p->global_mem;
        }
        accel__strlcpy(info->driver_version, p->driver, sizeof info->driver_version);
        accel__strlcpy(info->opencl_version, p->version, sizeof info->opencl_version);
        info->local_mem = p->local_mem;
        info->max_alloc = p->max_alloc;
        info->fp16 = p->fp16;
        info->fp64 = p->fp64;
        d->ops = &accel__backend_opencl;
        d->backend_index = ACCEL__CL_INDEX(r->plat, r->dev);
    }
    return ACCEL_OK;
}

/* Without a probe: the devices as this process's OpenCL sees them now, for when a child cannot
 * be forked safely and nothing was remembered. */
static accel_status enumerate_here(text *out)
{
    const accel__cl_api *api;
    if (accel__cl_api_load(&api) != ACCEL_OK) {
        puts_(out, "L");
        field(out, "message", accel__last_error_text());
        puts_(out, "\n");
        return ACCEL_OK;
    }
    cl_platform_id *plats;
    cl_uint np;
    FORWARD_IF_ERROR(accel__cl_platforms(api, &plats, &np));
    text verdicts = {0};
    for (cl_uint pi = 0; pi < np; pi++) {
        cl_device_id *devs;
        cl_uint nd;
        if (accel__cl_devices(api, plats[pi], &devs, &nd) != ACCEL_OK) continue;
        for (cl_uint di = 0; di < nd; di++) {
            accel__cl_props p;
            accel__cl_query(api, plats[pi], devs[di], &p);
            write_device(out, (int)pi, (int)di, &p);
            write_verdict(&verdicts, (int)pi, (int)di, p.available && p.compiler,
                          p.available && p.compiler
                              ? "usable"
                              : "unusable: unavailable or without a compiler");
        }
        free(devs);
    }
    free(plats);
    puts_(out, "N\n");
    if (verdicts.s) puts_(out, verdicts.s);
    free(verdicts.s);
    return ACCEL_OK;
}

accel_status accel__discover_opencl(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    double t0 = accel__now_ms();
    text key = {0};
    key_text(&key);
    RETURN_ERROR_IF(key.oom, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");
    uint64_t k = accel__hash64(key.s, key.n, 0);
    free(key.s);

    char path[4096] = "";
    if (cache_file(ctx, path, sizeof path) != ACCEL_OK) {
        ACCEL_LOG_WARN("opencl: discovery cache disabled: %s", accel__last_error_text());
        path[0] = '\0';
    }
    const char *source = "cache";
    char *body = NULL;
    if (!no_cache && path[0]) body = cache_read(path, k);
    if (body) {
        reclist check = {0};
        if (parse_records(body, strlen(body), &check) != 0) {
            ACCEL_LOG_INFO("opencl: cached discovery %s ignored (malformed records); probing again",
                           path);
            free(body);
            body = NULL;
        }
        free(check.v);
    }
    if (!body && accel__opencl_in_process()) {
        source = "this process";
        body = memo_get();
        if (!body) {
            text t = {0};
            accel_status st = enumerate_here(&t);
            if (st != ACCEL_OK) {
                free(t.s);
                return st;
            }
            body = t.s;
        }
    }
    if (!body) {
        source = "probe";
        text t = {0};
        accel_status st = probe_all(ctx, &t);
        if (st != ACCEL_OK) {
            free(t.s);
            return st;
        }
        body = t.s ? t.s : strdup("");
        RETURN_ERROR_IF(!body, ACCEL_ERR_NO_MEMORY, "out of memory in OpenCL discovery");
        if (path[0]) cache_write(path, k, body);
    }
    memo_set(body);

    reclist l = {0};
    int bad = parse_records(body, strlen(body), &l);
    free(body);
    accel_status st = ACCEL_OK;
    if (bad) {
        st = ACCEL_ERROR(ACCEL_ERR_INTERNAL, "OpenCL discovery records are malformed");
    } else if (l.fatal[0]) {
        st = ACCEL_ERROR(ACCEL_ERR_VENDOR, "OpenCL: %s", l.fatal);
    } else {
        if (l.missing[0]) ACCEL_LOG_DEBUG("opencl: no ICD loader: %s", l.missing);
        st = add_devices(&l, out);
    }
    ACCEL_LOG_DEBUG("opencl: %zu device(s) from %s in %.2f ms", l.n, source, accel__now_ms() - t0);
    free(l.v);
    return st;
}
