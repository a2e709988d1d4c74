/* sample_nvml.c — live figures of an NVIDIA GPU from NVML: memory, utilisation, temperature,
 * power and its limit, and the processes using it.
 *
 * Why in this process: discovery already ran NVML in a probe child (cuda_probe.c) and
 * recorded its answers per device; a device whose entry carries NVML's memory figure
 * (info.mem_used) is one NVML answered for without crashing or hanging. Only such a device is
 * read here, so an NVML that the probe caught misbehaving is never called in the host.
 *
 * Entry points: the newest first (nvmlDeviceGetMemoryInfo_v2, the _v3/_v2 process lists), the
 * older ones where a driver lacks them (vendor/nvml_api.h resolves both). NVML is initialised
 * once per process and left initialised: it counts its users, and a monitor samples every
 * second. */
#include "core/backend.h"

#include "discover/sample.h"
#include "vendor/nvml_api.h"

#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const accel__nvml_api *nvml; /* NULL when NVML could not be loaded or initialised */

static void nvml_start(void)
{
    const accel__nvml_api *api = NULL;
    if (accel__nvml_api_load(&api) != ACCEL_OK) return;
    if (api->nvmlInit() != ACCEL_NVML_SUCCESS) return;
    nvml = api;
}

static int handle_of(const char *bus, nvmlDevice_t *h)
{
    if (nvml->nvmlDeviceGetHandleByPciBusId &&
        nvml->nvmlDeviceGetHandleByPciBusId(bus, h) == ACCEL_NVML_SUCCESS)
        return 0;
    unsigned count = 0;
    if (nvml->nvmlDeviceGetCount(&count) != ACCEL_NVML_SUCCESS) return -1;
    for (unsigned i = 0; i < count; i++) {
        accel_nvmlPciInfo_t pci;
        if (nvml->nvmlDeviceGetHandleByIndex(i, h) == ACCEL_NVML_SUCCESS &&
            nvml->nvmlDeviceGetPciInfo(*h, &pci) == ACCEL_NVML_SUCCESS &&
            accel__pci_bus_id_equal(pci.busId, bus))
            return 0;
    }
    return -1;
}

static void read_figures(nvmlDevice_t h, accel_device_sample *s)
{
    accel_nvmlMemory_v2_t m2 = {.version = ACCEL_NVML_MEMORY_V2};
    accel_nvmlMemory_t m;
    if (nvml->nvmlDeviceGetMemoryInfo_v2 &&
        nvml->nvmlDeviceGetMemoryInfo_v2(h, &m2) == ACCEL_NVML_SUCCESS) {
        s->mem_used = (int64_t)m2.used;
        s->mem_total = (int64_t)m2.total;
    } else if (nvml->nvmlDeviceGetMemoryInfo(h, &m) == ACCEL_NVML_SUCCESS) {
        s->mem_used = (int64_t)m.used;
        s->mem_total = (int64_t)m.total;
    }
    accel_nvmlUtilization_t u;
    if (nvml->nvmlDeviceGetUtilizationRates &&
        nvml->nvmlDeviceGetUtilizationRates(h, &u) == ACCEL_NVML_SUCCESS) {
        s->utilization_percent = (int)u.gpu;
        s->mem_busy_percent = (int)u.memory;
    }
    unsigned v;
    if (nvml->nvmlDeviceGetTemperature &&
        nvml->nvmlDeviceGetTemperature(h, ACCEL_NVML_TEMPERATURE_GPU, &v) == ACCEL_NVML_SUCCESS)
        s->temperature_c = (int)v;
    if (nvml->nvmlDeviceGetPowerUsage && nvml->nvmlDeviceGetPowerUsage(h, &v) == ACCEL_NVML_SUCCESS)
        s->power_mw = (int)v;
    if (nvml->nvmlDeviceGetEnforcedPowerLimit &&
        nvml->nvmlDeviceGetEnforcedPowerLimit(h, &v) == ACCEL_NVML_SUCCESS)
        s->power_limit_mw = (int)v;
    accel__strlcpy(s->source, "nvml", sizeof s->source);
}

/* One of NVML's process lists (compute or graphics): the newest entry point, else the v1
 * one with its two-field records. The list may grow between the sizing call and the reading
 * one, so a short buffer is retried once with room to spare. */
typedef nvmlReturn_t (*list_fn)(nvmlDevice_t, unsigned *, accel_nvmlProcessInfo_t *);
typedef nvmlReturn_t (*list_v1_fn)(nvmlDevice_t, unsigned *, accel_nvmlProcessInfo_v1_t *);

static void read_list(nvmlDevice_t h, list_fn fn, list_v1_fn fn1, accel__proc_list *l)
{
    if (!fn && !fn1) return;
    size_t rec = fn ? sizeof(accel_nvmlProcessInfo_t) : sizeof(accel_nvmlProcessInfo_v1_t);
    unsigned want = 64;
    for (int attempt = 0; attempt < 3; attempt++) {
        unsigned count = want;
        void *buf = calloc(want, rec);
        if (!buf) return;
        nvmlReturn_t r = fn ? fn(h, &count, buf) : fn1(h, &count, buf);
        if (r == ACCEL_NVML_ERROR_INSUFFICIENT_SIZE) {
            free(buf);
            want = count + 16;
            continue;
        }
        if (r == ACCEL_NVML_SUCCESS)
            for (unsigned i = 0; i < count && i < want; i++) {
                unsigned pid;
                unsigned long long used;
                if (fn) {
                    const accel_nvmlProcessInfo_t *p = (const accel_nvmlProcessInfo_t *)buf + i;
                    pid = p->pid;
                    used = p->usedGpuMemory;
                } else {
                    const accel_nvmlProcessInfo_v1_t *p = (const accel_nvmlProcessInfo_v1_t *)buf + i;
                    pid = p->pid;
                    used = p->usedGpuMemory;
                }
                accel__proc_list_add(l, (int)pid,
                                     used == ACCEL_NVML_VALUE_NOT_AVAILABLE ? -1 : (int64_t)used, 0);
            }
        free(buf);
        return;
    }
}

accel_status accel__sample_nvml(const accel__device *dev, accel_device_sample *s,
                                accel_device_process *procs, size_t stride, size_t cap, size_t *n)
{
    if (n) *n = 0;
    if (dev->info.mem_used < 0 || !dev->info.pci_bus_id[0]) return ACCEL_OK;
    pthread_once(&once, nvml_start);
    nvmlDevice_t h;
    if (!nvml || handle_of(dev->info.pci_bus_id, &h) != 0) return ACCEL_OK;
    if (s) read_figures(h, s);
    if (n) {
        accel__proc_list l = {0};
        read_list(h, nvml->nvmlDeviceGetComputeRunningProcesses,
                  nvml->nvmlDeviceGetComputeRunningProcesses_v1, &l);
        read_list(h, nvml->nvmlDeviceGetGraphicsRunningProcesses,
                  nvml->nvmlDeviceGetGraphicsRunningProcesses_v1, &l);
        accel__proc_list_emit(&l, procs, stride, cap, n);
    }
    return ACCEL_OK;
}
