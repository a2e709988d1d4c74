/* OpenCL discovery agrees with clinfo: the same devices in the same order, with the same
 * names, vendors, compute units, global and local memory, maximum allocation and fp64/fp16
 * support. Checked on a fresh probe and again on the cached records. Skips when clinfo or any
 * OpenCL platform is absent. */
#include "test.h"
#include "core/backend.h"

#include <ctype.h>
#include <sys/wait.h>

typedef struct {
    char suffix[64]; /* clinfo's platform tag, "POCL" */
    int dev;
    char name[256], vendor[128], version[256], exts[4096], double_cfg[512];
    char unified[32], type[64];
    long long cu, global, local, max_alloc;
} cl_dev_info;

static cl_dev_info devs[64];
static int n_devs;
static char platforms[16][64];
static int n_platforms = -1;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

static cl_dev_info *dev_of(const char *suffix, int d)
{
    for (int i = 0; i < n_devs; i++)
        if (strcmp(devs[i].suffix, suffix) == 0 && devs[i].dev == d) return &devs[i];
    if (n_devs == 64) return NULL;
    cl_dev_info *x = &devs[n_devs++];
    memset(x, 0, sizeof *x);
    snprintf(x->suffix, sizeof x->suffix, "%s", suffix);
    x->dev = d;
    x->cu = x->global = x->local = x->max_alloc = -1;
    return x;
}

/* clinfo --raw: "#PLATFORMS  n", then per platform "[TAG/<star>]  KEY  value" (<star> being a
 * literal asterisk) and per device "[TAG/i]  KEY  value". */
static int read_clinfo(void)
{
    FILE *p = popen("clinfo --raw 2>/dev/null", "r");
    if (!p) return -1;
    char line[8192];
    while (fgets(line, sizeof line, p)) {
        char *s = trim(line);
        if (strncmp(s, "#PLATFORMS", 10) == 0) {
            n_platforms = atoi(s + 10);
            continue;
        }
        if (s[0] != '[') continue;
        char *close = strchr(s, ']');
        if (!close) continue;
        *close = '\0';
        char *tag = s + 1, *slash = strchr(tag, '/');
        if (!slash) continue;
        *slash = '\0';
        const char *idx = slash + 1;
        char *rest = trim(close + 1);
        char *key = rest;
        while (*rest && !isspace((unsigned char)*rest)) rest++;
        if (*rest) *rest++ = '\0';
        char *value = trim(rest);
        if (strcmp(tag, "OCLICD") == 0) continue;
        if (strcmp(idx, "*") == 0) {
            if (strcmp(key, "CL_PLATFORM_NAME") == 0 && n_platforms > 0) {
                int known = 0;
                for (int i = 0; i < 16 && platforms[i][0]; i++)
                    known |= strcmp(platforms[i], tag) == 0;
                for (int i = 0; i < 16 && !known; i++)
                    if (!platforms[i][0]) {
                        snprintf(platforms[i], sizeof platforms[i], "%s", tag);
                        break;
                    }
            }
            continue;
        }
        cl_dev_info *d = dev_of(tag, atoi(idx));
        if (!d) continue;
        if (strcmp(key, "CL_DEVICE_NAME") == 0)
            snprintf(d->name, sizeof d->name, "%s", value);
        else if (strcmp(key, "CL_DEVICE_VENDOR") == 0)
            snprintf(d->vendor, sizeof d->vendor, "%s", value);
        else if (strcmp(key, "CL_DEVICE_VERSION") == 0)
            snprintf(d->version, sizeof d->version, "%s", value);
        else if (strcmp(key, "CL_DEVICE_EXTENSIONS") == 0)
            snprintf(d->exts, sizeof d->exts, " %s ", value);
        else if (strcmp(key, "CL_DEVICE_DOUBLE_FP_CONFIG") == 0)
            snprintf(d->double_cfg, sizeof d->double_cfg, "%s", value);
        else if (strcmp(key, "CL_DEVICE_HOST_UNIFIED_MEMORY") == 0)
            snprintf(d->unified, sizeof d->unified, "%s", value);
        else if (strcmp(key, "CL_DEVICE_TYPE") == 0)
            snprintf(d->type, sizeof d->type, "%s", value);
        else if (strcmp(key, "CL_DEVICE_MAX_COMPUTE_UNITS") == 0)
            d->cu = atoll(value);
        else if (strcmp(key, "CL_DEVICE_GLOBAL_MEM_SIZE") == 0)
            d->global = atoll(value);
        else if (strcmp(key, "CL_DEVICE_LOCAL_MEM_SIZE") == 0)
            d->local = atoll(value);
        else if (strcmp(key, "CL_DEVICE_MAX_MEM_ALLOC_SIZE") == 0)
            d->max_alloc = atoll(value);
    }
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* clinfo's devices in platform order, then device order. */
static int ordered(cl_dev_info **out)
{
    int n = 0;
    for (int p = 0; p < 16 && platforms[p][0]; p++)
        for (int d = 0; d < 64; d++)
            for (int i = 0; i < n_devs; i++)
                if (strcmp(devs[i].suffix, platforms[p]) == 0 && devs[i].dev == d)
                    out[n++] = &devs[i];
    return n;
}

static void compare(const accel__devlist *l, const char *when)
{
    cl_dev_info *want[64];
    int n = ordered(want);
    size_t got = 0;
    for (size_t i = 0; i < l->n; i++) got += l->v[i].info.kind == ACCEL_KIND_OPENCL;
    if ((int)got != n) TEST_FAIL_("%s: accel found %zu OpenCL devices, clinfo %d", when, got, n);
    for (int i = 0; i < n && (size_t)i < l->n; i++) {
        const accel_device_info *a = &l->v[i].info;
        const cl_dev_info *c = want[i];
        fprintf(stderr, "%s: device %d: accel '%s' / clinfo '%s'\n", when, i, a->name, c->name);
        ASSERT_EQ_INT(a->kind, ACCEL_KIND_OPENCL);
        ASSERT_STR_EQ(a->name, c->name);
        ASSERT_STR_EQ(a->vendor, c->vendor);
        /* opencl_version holds 63 characters; PoCL's version string is longer */
        size_t vl = strlen(c->version) < sizeof a->opencl_version - 1
                        ? strlen(c->version)
                        : sizeof a->opencl_version - 1;
        ASSERT_EQ_INT(strlen(a->opencl_version), vl);
        ASSERT_TRUE(strncmp(a->opencl_version, c->version, vl) == 0);
        ASSERT_EQ_INT(a->compute_units, c->cu);
        ASSERT_EQ_INT(a->mem_total, c->global);
        ASSERT_EQ_INT(a->local_mem, c->local);
        ASSERT_EQ_INT(a->max_alloc, c->max_alloc);
        int fp64 = strstr(c->exts, " cl_khr_fp64 ") != NULL || c->double_cfg[0] != '\0';
        int fp16 = strstr(c->exts, " cl_khr_fp16 ") != NULL;
        ASSERT_EQ_INT(a->fp64, fp64);
        ASSERT_EQ_INT(a->fp16, fp16);
        int unified = strcmp(c->unified, "CL_TRUE") == 0 || strstr(c->type, "CL_DEVICE_TYPE_CPU");
        ASSERT_EQ_INT(a->unified_memory, unified);
        ASSERT_EQ_INT(a->routes, ACCEL_ROUTE_OPENCL);
        ASSERT_TRUE(a->mem_free == -1 || (a->mem_free > 0 && a->mem_free <= a->mem_total));
        /* PoCL runs accel's kernels; a real GPU without a broken stack should too */
        fprintf(stderr, "%s: verdict: %s\n", when, a->verdict);
        if (strstr(c->version, "PoCL")) ASSERT_STR_EQ(a->verdict, "usable");
    }
}

int main(void)
{
    int rc = read_clinfo();
    if (rc == 127 || n_platforms < 0) TEST_SKIP("clinfo is not installed (Debian package clinfo)");
    if (n_platforms == 0) TEST_SKIP("clinfo reports no OpenCL platform on this machine");

    accel_ctx *ctx;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    accel__devlist probed = {0}, cached = {0};
    double t0 = accel__now_ms();
    ASSERT_OK(accel__discover_opencl(ctx, &probed, true));
    double t1 = accel__now_ms();
    ASSERT_OK(accel__discover_opencl(ctx, &cached, false));
    double t2 = accel__now_ms();
    fprintf(stderr, "probe %.1f ms, cached %.2f ms\n", t1 - t0, t2 - t1);
    compare(&probed, "probe");
    compare(&cached, "cache");
    /* the warm path reads one small file */
    ASSERT_TRUE(t2 - t1 < 50.0);
    accel__devlist_free(&probed);
    accel__devlist_free(&cached);
    accel_ctx_destroy(ctx);

    /* and the public API lists them too */
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_WARMUP));
    size_t n = 0, n_cl = 0;
    ASSERT_OK(accel_device_count(ctx, &n));
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *info;
        ASSERT_OK(accel_device_get(ctx, i, &info));
        n_cl += info->kind == ACCEL_KIND_OPENCL || (info->routes & ACCEL_ROUTE_OPENCL);
    }
    cl_dev_info *want[64];
    ASSERT_EQ_INT(n_cl, ordered(want));
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
