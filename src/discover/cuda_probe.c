/* cuda_probe.c — what the NVIDIA probe does, step by step (format in cuda_probe.h).
 *
 * Each step is announced before it runs, so a crash or a hang is reported as "killed by
 * SIGABRT while loading libcuda.so.1" or "did not finish … while calling cuInit". The usability
 * test per device is the smallest real use: a context, cuMemGetInfo, a 1 MiB allocation. */
#include "discover/cuda_probe.h"

#include "discover/cuda_outcome.h"

#include "core/text.h"

#include "vendor/cuda_api.h"
#include "vendor/nvml_api.h"

#include <stdlib.h>
#include <string.h>

/* Where lines go: the probe channel in a child, a buffer in this process. */
typedef struct {
    accel__probe_chan *chan;
    accel__text buf; /* used without a channel */
} emitter;

static void emit_step(emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit_step(emitter *e, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (e->chan)
        accel__probe_step(e->chan, "%s", text);
    else
        ACCEL_LOG_DEBUG("CUDA probe (in process): %s", text);
}

static void emit_line(emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit_line(emitter *e, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    line[n] = '\0';
    if (e->chan)
        accel__probe_reply(e->chan, line, (size_t)n);
    else
        accel__text_put(&e->buf, line, (size_t)n);
}

static void clean(const char *in, char *out, size_t cap) { accel__cuda_clean_field(in, out, cap); }

typedef struct {
    int usable, ccmaj, ccmin, sms, integrated;
    long long total, free_b;
    char bus[32], uuid[64], name[256], verdict[512];
} dev_rec;

/* Marks the device unusable with the last error's text (first failure wins). */
static void dev_fail(dev_rec *r)
{
    if (!r->usable) return;
    r->usable = 0;
    snprintf(r->verdict, sizeof r->verdict, "unusable: %s", accel__last_error_text());
}

static void probe_device(emitter *e, const accel__cuda_api *api, int i, dev_rec *r)
{
    memset(r, 0, sizeof *r);
    r->usable = 1;
    r->ccmaj = r->ccmin = r->sms = -1;
    r->total = r->free_b = -1;
    accel__strlcpy(r->verdict, "usable", sizeof r->verdict);
    emit_step(e, "reading the properties of CUDA device %d", i);
    CUdevice d = 0;
    if (ACCEL_CU(api, cuDeviceGet(&d, i), "cuDeviceGet") != ACCEL_OK) {
        dev_fail(r);
        return;
    }
    char name[256] = "";
    if (ACCEL_CU(api, cuDeviceGetName(name, (int)sizeof name - 1, d), "cuDeviceGetName") != ACCEL_OK)
        dev_fail(r);
    clean(name, r->name, sizeof r->name);
    if (ACCEL_CU(api, cuDeviceGetAttribute(&r->ccmaj, ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, d),
                 "cuDeviceGetAttribute(compute capability major)") != ACCEL_OK ||
        ACCEL_CU(api, cuDeviceGetAttribute(&r->ccmin, ACCEL_CU_ATTR_COMPUTE_CAPABILITY_MINOR, d),
                 "cuDeviceGetAttribute(compute capability minor)") != ACCEL_OK ||
        ACCEL_CU(api, cuDeviceGetAttribute(&r->sms, ACCEL_CU_ATTR_MULTIPROCESSOR_COUNT, d),
                 "cuDeviceGetAttribute(multiprocessor count)") != ACCEL_OK)
        dev_fail(r);
    if (api->cuDeviceGetAttribute(&r->integrated, ACCEL_CU_ATTR_INTEGRATED, d) != 0)
        r->integrated = 0;
    size_t total = 0;
    if (ACCEL_CU(api, cuDeviceTotalMem(&total, d), "cuDeviceTotalMem") == ACCEL_OK)
        r->total = (long long)total;
    else
        dev_fail(r);
    char bus[64] = "";
    if (ACCEL_CU(api, cuDeviceGetPCIBusId(bus, (int)sizeof bus - 1, d), "cuDeviceGetPCIBusId") !=
        ACCEL_OK)
        bus[0] = '\0'; /* integrated GPUs have none; not a reason to refuse the device */
    clean(bus, r->bus, sizeof r->bus);
    CUuuid u;
    if (api->cuDeviceGetUuid(&u, d) == ACCEL_CU_SUCCESS) {
        const unsigned char *b = (const unsigned char *)u.bytes;
        snprintf(r->uuid, sizeof r->uuid,
                 "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                 b[14], b[15]);
    } else {
        accel__strlcpy(r->uuid, "-", sizeof r->uuid);
    }
    if (!r->usable) return;

    emit_step(e, "creating a context on CUDA device %d", i);
    CUcontext c = NULL;
    if (ACCEL_CU(api, cuCtxCreate(&c, 0, d), "cuCtxCreate") != ACCEL_OK) {
        dev_fail(r);
        return;
    }
    emit_step(e, "calling cuMemGetInfo on CUDA device %d", i);
    size_t fr = 0, tot = 0;
    if (ACCEL_CU(api, cuMemGetInfo(&fr, &tot), "cuMemGetInfo") == ACCEL_OK)
        r->free_b = (long long)fr;
    else
        dev_fail(r);
    if (r->usable) {
        emit_step(e, "allocating 1 MiB on CUDA device %d", i);
        CUdeviceptr p = 0;
        if (ACCEL_CU(api, cuMemAlloc(&p, (size_t)1 << 20), "cuMemAlloc(1 MiB)") == ACCEL_OK) {
            if (ACCEL_CU(api, cuMemFree(p), "cuMemFree") != ACCEL_OK) dev_fail(r);
        } else {
            dev_fail(r);
        }
    }
    emit_step(e, "destroying the context on CUDA device %d", i);
    if (ACCEL_CU(api, cuCtxDestroy(c), "cuCtxDestroy") != ACCEL_OK) dev_fail(r);
}

/* The driver API part. Returns 0, or -1 with the reason in fail. */
static int cuda_part(emitter *e, char *fail, size_t cap)
{
    emit_step(e, "loading libcuda.so.1");
    const accel__cuda_api *api = NULL;
    accel_status st = accel__cuda_api_load(&api);
    if (st != ACCEL_OK) {
        snprintf(fail, cap, "cannot use libcuda.so.1: %s", accel__last_error_text());
        if (st == ACCEL_ERR_VENDOR) { /* the library loaded but lacks an entry point */
            emit_step(e, "calling cuDriverGetVersion");
            int v = accel__cuda_driver_version_only();
            if (v >= 0) emit_line(e, "V\t%d", v);
        }
        return -1;
    }
    char path[512];
    clean(api->path, path, sizeof path);
    emit_line(e, "L\t%s", path);
    emit_step(e, "calling cuDriverGetVersion");
    int ver = -1;
    if (api->cuDriverGetVersion(&ver) == ACCEL_CU_SUCCESS) emit_line(e, "V\t%d", ver);
    emit_step(e, "calling cuInit");
    CUresult r = api->cuInit(0);
    emit_line(e, "I\t%d", (int)r);
    if (accel__cuda_check(api, r, "cuInit", __FILE__, __LINE__) != ACCEL_OK) {
        snprintf(fail, cap, "%s", accel__last_error_text());
        return -1;
    }
    emit_step(e, "calling cuDeviceGetCount");
    int n = 0;
    if (ACCEL_CU(api, cuDeviceGetCount(&n), "cuDeviceGetCount") != ACCEL_OK) {
        snprintf(fail, cap, "%s", accel__last_error_text());
        return -1;
    }
    emit_line(e, "N\t%d", n);
    for (int i = 0; i < n; i++) {
        dev_rec rec;
        probe_device(e, api, i, &rec);
        char verdict[512];
        clean(rec.verdict, verdict, sizeof verdict);
        emit_line(e, "D\t%d\t%d\t%d\t%d\t%d\t%lld\t%lld\t%d\t%s\t%s\t%s\t%s", i, rec.usable,
                  rec.ccmaj, rec.ccmin, rec.sms, rec.total, rec.free_b, rec.integrated,
                  rec.bus[0] ? rec.bus : "-", rec.uuid, rec.name, verdict);
    }
    emit_line(e, "C");
    return 0;
}

static void nvml_device(emitter *e, const accel__nvml_api *api, unsigned i)
{
    emit_step(e, "reading NVML device %u", i);
    nvmlDevice_t d;
    if (ACCEL_NVML(api, nvmlDeviceGetHandleByIndex(i, &d), "nvmlDeviceGetHandleByIndex") !=
        ACCEL_OK)
        return;
    accel_nvmlPciInfo_t pci;
    memset(&pci, 0, sizeof pci);
    if (ACCEL_NVML(api, nvmlDeviceGetPciInfo(d, &pci), "nvmlDeviceGetPciInfo") != ACCEL_OK)
        return; /* no bus id: it cannot be matched to a CUDA device */
    char bus[40], uuid[ACCEL_NVML_UUID_BUFFER] = "", name[ACCEL_NVML_NAME_BUFFER] = "";
    pci.busId[sizeof pci.busId - 1] = '\0';
    clean(pci.busId, bus, sizeof bus);
    char cu[ACCEL_NVML_UUID_BUFFER], cn[ACCEL_NVML_NAME_BUFFER];
    if (api->nvmlDeviceGetUUID(d, uuid, sizeof uuid) != ACCEL_NVML_SUCCESS) uuid[0] = '\0';
    if (api->nvmlDeviceGetName(d, name, sizeof name) != ACCEL_NVML_SUCCESS) name[0] = '\0';
    uuid[sizeof uuid - 1] = name[sizeof name - 1] = '\0';
    clean(uuid, cu, sizeof cu);
    clean(name, cn, sizeof cn);
    long long total = -1, fr = -1, used = -1;
    accel_nvmlMemory_t m;
    if (api->nvmlDeviceGetMemoryInfo(d, &m) == ACCEL_NVML_SUCCESS) {
        total = (long long)m.total;
        fr = (long long)m.free;
        used = (long long)m.used;
    }
    int util = -1, temp = -1, power = -1;
    accel_nvmlUtilization_t u;
    if (api->nvmlDeviceGetUtilizationRates &&
        api->nvmlDeviceGetUtilizationRates(d, &u) == ACCEL_NVML_SUCCESS)
        util = (int)u.gpu;
    unsigned t, p;
    if (api->nvmlDeviceGetTemperature &&
        api->nvmlDeviceGetTemperature(d, ACCEL_NVML_TEMPERATURE_GPU, &t) == ACCEL_NVML_SUCCESS)
        temp = (int)t;
    if (api->nvmlDeviceGetPowerUsage && api->nvmlDeviceGetPowerUsage(d, &p) == ACCEL_NVML_SUCCESS)
        power = (int)p;
    emit_line(e, "MD\t%s\t%s\t%lld\t%lld\t%lld\t%d\t%d\t%d\t%s", bus, cu, total, fr, used, util,
              temp, power, cn);
}

static void nvml_part(emitter *e)
{
    emit_step(e, "loading libnvidia-ml.so.1");
    const accel__nvml_api *api = NULL;
    char why[600];
    if (accel__nvml_api_load(&api) != ACCEL_OK) {
        clean(accel__last_error_text(), why, sizeof why);
        emit_line(e, "MF\tcannot use libnvidia-ml.so.1: %s", why);
        emit_line(e, "MC");
        return;
    }
    char path[512];
    clean(api->path, path, sizeof path);
    emit_line(e, "ML\t%s", path);
    emit_step(e, "calling nvmlInit_v2");
    if (ACCEL_NVML(api, nvmlInit(), "nvmlInit_v2") != ACCEL_OK) {
        clean(accel__last_error_text(), why, sizeof why);
        emit_line(e, "MF\t%s", why);
        emit_line(e, "MC");
        return;
    }
    char ver[ACCEL_NVML_VERSION_BUFFER] = "", cv[ACCEL_NVML_VERSION_BUFFER];
    emit_step(e, "calling nvmlSystemGetDriverVersion");
    if (api->nvmlSystemGetDriverVersion(ver, sizeof ver) == ACCEL_NVML_SUCCESS) {
        ver[sizeof ver - 1] = '\0';
        clean(ver, cv, sizeof cv);
        emit_line(e, "MV\t%s", cv);
    }
    emit_step(e, "calling nvmlDeviceGetCount_v2");
    unsigned n = 0;
    if (ACCEL_NVML(api, nvmlDeviceGetCount(&n), "nvmlDeviceGetCount_v2") != ACCEL_OK) {
        clean(accel__last_error_text(), why, sizeof why);
        emit_line(e, "MF\t%s", why);
    } else {
        emit_line(e, "MN\t%u", n);
        for (unsigned i = 0; i < n && i < 256; i++) nvml_device(e, api, i);
    }
    emit_step(e, "calling nvmlShutdown");
    api->nvmlShutdown();
    emit_line(e, "MC");
}

int accel__cuda_probe_body(void *arg, accel__probe_chan *chan)
{
    const accel__cuda_probe_args *a = arg;
    emitter e = {chan, {0}};
    char fail[512] = "";
    int rc = 0;
    if (a->want_cuda) {
        emit_line(&e, "%s", ACCEL__CUDA_REPLY_MAGIC);
        rc = cuda_part(&e, fail, sizeof fail);
    }
    /* NVML runs even when the driver API part failed: its driver version and device count
     * help to explain the failure. */
    if (a->want_nvml) nvml_part(&e);
    if (rc != 0) {
        accel__probe_fail(chan, "%s", fail);
        return 3;
    }
    return 0;
}

int accel__cuda_probe_here(char **text, size_t *len, char *fail, size_t cap)
{
    emitter e = {NULL, {0}};
    emit_line(&e, "%s", ACCEL__CUDA_REPLY_MAGIC);
    int rc = cuda_part(&e, fail, cap);
    if (e.buf.oom) {
        accel__text_free(&e.buf);
        snprintf(fail, cap, "out of memory");
        rc = -1;
    }
    *text = e.buf.s;
    *len = e.buf.len;
    return rc;
}
