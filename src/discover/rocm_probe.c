/* rocm_probe.c — HIP's view of the AMD GPUs, taken in a forked child (accel__probe_run) so
 * that a runtime that aborts, hangs or crashes while loading becomes a verdict, and cached on
 * disk so that later processes skip the fork and the runtime's start-up cost.
 *
 * The child loads libamdhip64, calls hipInit, counts the devices and, for each, reads its
 * name, PCI bus id and memory and makes a small allocation. It answers in text lines:
 *     lib\t<path>   driver\t<n>   runtime\t<n>
 *     dev\t<ordinal>\t<pci bus id>\t<total>\t<free>\t<alloc ok>\t<name> */
#include "discover/rocm.h"

#include "vendor/hip_api.h"
#include "core/text.h"
#include "discover/verdict_cache.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_ALLOC_BYTES (1u << 20)

/* ---- the child ---------------------------------------------------------------------------- */

/* Why hipInit may have failed, from the device node every ROCm process needs. */
static const char *kfd_hint(void)
{
    if (access("/dev/kfd", R_OK | W_OK) == 0) return "";
    if (errno == ENOENT) return "; /dev/kfd does not exist (is the amdgpu kernel driver loaded?)";
    if (errno == EACCES)
        return "; no read/write permission on /dev/kfd (add the user to the render and video "
               "groups)";
    return "";
}

static void clean(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

static int probe_body(void *arg, accel__probe_chan *chan)
{
    (void)arg;
    accel__probe_step(chan, "loading libamdhip64");
    const accel__hip_api *api = NULL;
    if (accel__hip_api_load(&api) != ACCEL_OK) {
        accel__probe_fail(chan,
                          "%s; install ROCm (Debian 12: apt-get install libamdhip64-5; "
                          "elsewhere AMD's ROCm packages)",
                          accel__last_error_text());
        return 2;
    }
    /* Sent at once, so that the verdict cache knows the library even when hipInit fails. */
    char lib_line[600];
    int ll = snprintf(lib_line, sizeof lib_line, "lib\t%s\n", api->path);
    if (ll > 0 && (size_t)ll < sizeof lib_line) accel__probe_reply(chan, lib_line, (size_t)ll);
    accel__text t = {0};
    accel__probe_step(chan, "calling hipInit");
    if (ACCEL_HIP(api, hipInit(0), "hipInit") != ACCEL_OK) {
        accel__probe_fail(chan, "%s%s", accel__last_error_text(), kfd_hint());
        return 3;
    }
    int v = 0;
    if (api->hipDriverGetVersion(&v) == ACCEL_HIP_SUCCESS)
        accel__text_printf(&t, "driver\t%d\n", v);
    if (api->hipRuntimeGetVersion(&v) == ACCEL_HIP_SUCCESS)
        accel__text_printf(&t, "runtime\t%d\n", v);
    accel__probe_step(chan, "calling hipGetDeviceCount");
    int count = 0;
    hipError_t r = api->hipGetDeviceCount(&count);
    if (r == ACCEL_HIP_ERROR_NO_DEVICE) {
        count = 0; /* HIP says so when every GPU is hidden or unsupported: not a failure */
    } else if (r != ACCEL_HIP_SUCCESS) {
        accel__hip_check(api, r, "hipGetDeviceCount", __FILE__, __LINE__);
        accel__probe_fail(chan, "%s%s", accel__last_error_text(), kfd_hint());
        accel__text_free(&t);
        return 4;
    }
    for (int i = 0; i < count; i++) {
        accel__probe_step(chan, "querying HIP device %d", i);
        hipDevice_t d = 0;
        char name[256] = "", pci[64] = "";
        size_t total = 0, freeb = 0;
        if (api->hipDeviceGet(&d, i) != ACCEL_HIP_SUCCESS) d = i;
        if (api->hipDeviceGetName(name, (int)sizeof name, d) != ACCEL_HIP_SUCCESS) name[0] = '\0';
        if (api->hipDeviceGetPCIBusId(pci, (int)sizeof pci, i) != ACCEL_HIP_SUCCESS) pci[0] = '\0';
        if (api->hipDeviceTotalMem(&total, d) != ACCEL_HIP_SUCCESS) total = 0;
        name[sizeof name - 1] = pci[sizeof pci - 1] = '\0';
        clean(name);
        clean(pci);
        int alloc_ok = 0;
        if (api->hipSetDevice(i) == ACCEL_HIP_SUCCESS) {
            if (api->hipMemGetInfo(&freeb, &total) != ACCEL_HIP_SUCCESS) freeb = 0;
            accel__probe_step(chan, "allocating on HIP device %d", i);
            void *p = NULL;
            if (api->hipMalloc(&p, PROBE_ALLOC_BYTES) == ACCEL_HIP_SUCCESS && p) {
                alloc_ok = api->hipFree(p) == ACCEL_HIP_SUCCESS;
            }
        }
        accel__text_printf(&t, "dev\t%d\t%s\t%zu\t%zu\t%d\t%s\n", i, pci, total, freeb, alloc_ok,
                           name);
    }
    if (t.len) accel__probe_reply(chan, t.s, t.len);
    accel__text_free(&t);
    return 0;
}

/* ---- parsing the answer ------------------------------------------------------------------- */

/* A whole number of a reply field; 0 when it is not one or does not fit an int (atoi's
 * behaviour out of range is undefined). */
static int field_int(const char *s)
{
    int64_t v;
    return accel__parse_i64(s, &v) == 0 && v >= INT_MIN && v <= INT_MAX ? (int)v : 0;
}

static int64_t field_i64(const char *s)
{
    int64_t v;
    return accel__parse_i64(s, &v) == 0 ? v : 0;
}

static void parse_reply(const char *reply, accel__hip_probe *out)
{
    for (const char *p = reply; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[1024];
        if (len >= sizeof line) len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl ? nl + 1 : NULL;
        char *f[7];
        int nf = 0;
        for (char *s = line; nf < 7;) {
            f[nf++] = s;
            char *tab = strchr(s, '\t');
            if (!tab) break;
            *tab = '\0';
            s = tab + 1;
        }
        if (nf == 2 && strcmp(f[0], "lib") == 0) {
            accel__strlcpy(out->lib_path, f[1], sizeof out->lib_path);
        } else if (nf == 2 && strcmp(f[0], "driver") == 0) {
            out->driver_version = field_int(f[1]);
        } else if (nf == 2 && strcmp(f[0], "runtime") == 0) {
            out->runtime_version = field_int(f[1]);
        } else if (nf == 7 && strcmp(f[0], "dev") == 0 && out->n_devs < 1024) {
            accel__hip_seen *nd = realloc(out->devs, (out->n_devs + 1) * sizeof *nd);
            if (!nd) return;
            out->devs = nd;
            accel__hip_seen *s = &nd[out->n_devs++];
            memset(s, 0, sizeof *s);
            s->ordinal = field_int(f[1]);
            accel__strlcpy(s->pci_bus_id, f[2], sizeof s->pci_bus_id);
            for (char *c = s->pci_bus_id; *c; c++)
                if (*c >= 'A' && *c <= 'F') *c = (char)(*c - 'A' + 'a');
            s->total = field_i64(f[3]);
            s->free = field_i64(f[4]);
            s->alloc_ok = field_int(f[5]);
            accel__strlcpy(s->name, f[6], sizeof s->name);
        }
    }
}

/* ---- the verdict cache (verdict_cache.h) ------------------------------------------------- */

/* The stored data: "ok <0|1>\nverdict <text>\nlibid <identity of the library file>\n", then the
 * child's reply lines as parse_reply reads them. */
#define CACHE_FORMAT "rocm-probe 1"

static void cache_key(const accel__rocm_gpu *gpus, size_t n, accel__vkey *k)
{
    char path[600];
    accel__vkey_add(k, "format", CACHE_FORMAT);
    accel__vkey_add(k, "accel", accel_version_string());
    snprintf(path, sizeof path, "%s/sys/kernel/random/boot_id", accel__procfs_root());
    accel__vkey_add_text_file(k, "boot", path);
    accel__vkey_add_file(k, "ldcache", "/etc/ld.so.cache");
    accel__vkey_add_file(k, "kfd", "/dev/kfd");
    const char *vars[] = {ACCEL__ENV_HIP_LIBRARY, "LD_LIBRARY_PATH", "HIP_VISIBLE_DEVICES",
                          "ROCR_VISIBLE_DEVICES"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        accel__vkey_add(k, vars[i], getenv(vars[i]));
    for (size_t i = 0; i < n; i++) {
        char gpu[160];
        snprintf(gpu, sizeof gpu, "%s/%s", gpus[i].pci_bus_id, gpus[i].arch);
        accel__vkey_add(k, "gpu", gpu);
    }
}

/* Reads "<label> <value>\n" at *p into value; 0 on success. */
static int data_line(const char **p, const char *label, char *value, size_t cap)
{
    size_t ll = strlen(label);
    const char *nl = strchr(*p, '\n');
    if (!nl || strncmp(*p, label, ll) != 0 || (*p)[ll] != ' ') return -1;
    const char *v = *p + ll + 1;
    snprintf(value, cap, "%.*s", (int)(nl - v), v);
    *p = nl + 1;
    return 0;
}

int accel__rocm_cache_parse(const char *data, accel__hip_probe *out, char *libid, size_t libid_cap)
{
    const char *p = data;
    char okflag[8], verdict[512];
    if (data_line(&p, "ok", okflag, sizeof okflag) != 0 ||
        data_line(&p, "verdict", verdict, sizeof verdict) != 0 ||
        data_line(&p, "libid", libid, libid_cap) != 0 ||
        (strcmp(okflag, "0") != 0 && strcmp(okflag, "1") != 0))
        return -1;
    parse_reply(p, out);
    out->ok = okflag[0] == '1';
    accel__strlcpy(out->verdict, verdict, sizeof out->verdict);
    return 0;
}

/* Fills out from the entry cached under `key`; 1 when there is one, it parses, and the library
 * file it names is unchanged. */
static int cache_load(accel_ctx *ctx, const char *key, accel__hip_probe *out)
{
    unsigned char *data = NULL;
    size_t n = 0;
    if (accel__verdict_load(ctx, "rocm", key, &data, &n, NULL, 0) != ACCEL_OK) return 0;
    char libid[700];
    int ok = 0;
    if (accel__rocm_cache_parse((const char *)data, out, libid, sizeof libid) != 0) goto done;
    if (out->lib_path[0]) {
        char now[700];
        accel__file_identity(out->lib_path, now, sizeof now);
        if (strcmp(now, libid) != 0) goto done; /* the library changed: probe again */
    }
    ok = 1;
done:
    if (!ok) {
        ACCEL_LOG_DEBUG("ROCm: cached verdict unreadable or its library changed; probing again");
        free(out->devs);
        out->devs = NULL;
        out->n_devs = 0;
        out->lib_path[0] = '\0';
        out->ok = 0;
        out->verdict[0] = '\0';
    }
    free(data);
    return ok;
}

static void cache_store(accel_ctx *ctx, const char *key, const accel__hip_probe *p,
                        const char *reply, size_t reply_n)
{
    char libid[700] = "", verdict[sizeof p->verdict];
    if (p->lib_path[0]) accel__file_identity(p->lib_path, libid, sizeof libid);
    accel__strlcpy(verdict, p->verdict, sizeof verdict);
    clean(verdict); /* one line */
    accel__text t = {0};
    accel__text_printf(&t, "ok %d\nverdict %s\nlibid %s\n", p->ok ? 1 : 0, verdict, libid);
    accel__text_put(&t, reply, reply_n);
    if (!t.oom && accel__verdict_store(ctx, "rocm", key, t.s, t.len) != ACCEL_OK)
        ACCEL_LOG_DEBUG("cannot cache the ROCm verdict: %s", accel__last_error_text());
    accel__text_free(&t);
}

accel_status accel__rocm_probe(accel_ctx *ctx, const accel__rocm_gpu *gpus, size_t n,
                               bool no_cache, accel__hip_probe *out)
{
    memset(out, 0, sizeof *out);
    accel__vkey key;
    accel__vkey_init(&key);
    cache_key(gpus, n, &key);
    if (!no_cache && !key.oom && cache_load(ctx, key.s, out)) {
        out->from_cache = 1;
        ACCEL_LOG_DEBUG("ROCm verdict from cache: %s", out->verdict);
        accel__vkey_free(&key);
        return ACCEL_OK;
    }
    long long timeout = ctx ? accel__cfg_int(ctx, ACCEL__CFG_PROBE_TIMEOUT_MS) : -1;
    if (timeout <= 0) timeout = 15000;
    accel__probe_result r;
    accel_status st = accel__probe_run("libamdhip64", probe_body, NULL, (int)timeout, &r);
    if (st != ACCEL_OK) {
        accel__vkey_free(&key);
        return st;
    }
    out->ok = r.ok;
    accel__strlcpy(out->verdict, r.verdict, sizeof out->verdict);
    if (r.reply) parse_reply((const char *)r.reply, out);
    if (!key.oom) cache_store(ctx, key.s, out, r.reply ? (const char *)r.reply : "", r.reply_len);
    accel__probe_result_free(&r);
    accel__vkey_free(&key);
    return ACCEL_OK;
}

void accel__hip_probe_free(accel__hip_probe *p)
{
    free(p->devs);
    p->devs = NULL;
    p->n_devs = 0;
}
