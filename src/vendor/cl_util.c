/* cl_util.c — OpenCL queries and source builds, shared by discovery and the backend. */
#include "vendor/cl_util.h"

#include "core/kernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The OpenCL implementation's first device enumeration is not safe to run from two threads:
 * PoCL 3.1 initialises its devices inside the first clGetDeviceIDs (hwloc topology, driver
 * set-up) without excluding a second caller, which meanwhile gets CL_DEVICE_NOT_FOUND or
 * device handles whose names are not yet set (clGetDeviceInfo then crashes in strlen). A plain
 * program doing clGetPlatformIDs + clGetDeviceIDs + clGetDeviceInfo in two threads crashes
 * there too; once one enumeration has finished, concurrent use is fine. So every enumeration
 * of platforms and devices in this process — two contexts opening their device at once,
 * discovery in one while another opens — runs under this lock. They are rare (device open and
 * discovery), so the lock costs nothing measurable. */
static pthread_mutex_t enum_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t enum_atfork_once = PTHREAD_ONCE_INIT;

/* A probe child forked while another thread enumerates gets the lock unlocked, not held by a
 * thread it does not have. */
static void enum_lock_reset(void) { pthread_mutex_init(&enum_lock, NULL); }

static void enum_atfork(void) { pthread_atfork(NULL, NULL, enum_lock_reset); }

static void enum_begin(void)
{
    pthread_once(&enum_atfork_once, enum_atfork);
    pthread_mutex_lock(&enum_lock);
}

static void enum_end(void) { pthread_mutex_unlock(&enum_lock); }

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    size_t lead = strspn(s, " \t");
    if (lead) memmove(s, s + lead, n - lead + 1);
}

void accel__cl_platform_str(const accel__cl_api *api, cl_platform_id p, cl_platform_info what,
                            char *buf, size_t cap)
{
    buf[0] = '\0';
    if (api->clGetPlatformInfo(p, what, cap - 1, buf, NULL) != ACCEL_CL_SUCCESS) buf[0] = '\0';
    buf[cap - 1] = '\0';
    trim(buf);
}

void accel__cl_device_str(const accel__cl_api *api, cl_device_id d, cl_device_info what, char *buf,
                          size_t cap)
{
    buf[0] = '\0';
    /* A value longer than the buffer is an error (CL_INVALID_VALUE); ask its size first so long
     * extension lists still come back. */
    size_t need = 0;
    if (api->clGetDeviceInfo(d, what, 0, NULL, &need) != ACCEL_CL_SUCCESS) return;
    if (need < cap) {
        if (api->clGetDeviceInfo(d, what, cap - 1, buf, NULL) != ACCEL_CL_SUCCESS) buf[0] = '\0';
    } else {
        char *tmp = malloc(need + 1);
        if (!tmp) return;
        if (api->clGetDeviceInfo(d, what, need, tmp, NULL) == ACCEL_CL_SUCCESS) {
            tmp[need] = '\0';
            accel__strlcpy(buf, tmp, cap);
        }
        free(tmp);
    }
    buf[cap - 1] = '\0';
    trim(buf);
}

int accel__cl_has_ext(const char *exts, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = exts; (p = strstr(p, ext)) != NULL; p += n) {
        int starts = p == exts || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends) return 1;
    }
    return 0;
}

static long long dev_ulong(const accel__cl_api *api, cl_device_id d, cl_device_info what)
{
    cl_ulong v = 0;
    if (api->clGetDeviceInfo(d, what, sizeof v, &v, NULL) != ACCEL_CL_SUCCESS) return -1;
    return (long long)v;
}

static long long dev_uint(const accel__cl_api *api, cl_device_id d, cl_device_info what)
{
    cl_uint v = 0;
    if (api->clGetDeviceInfo(d, what, sizeof v, &v, NULL) != ACCEL_CL_SUCCESS) return -1;
    return (long long)v;
}

static long long dev_size(const accel__cl_api *api, cl_device_id d, cl_device_info what)
{
    size_t v = 0;
    if (api->clGetDeviceInfo(d, what, sizeof v, &v, NULL) != ACCEL_CL_SUCCESS) return -1;
    return (long long)v;
}

/* The PCI address through whichever vendor extension the device offers, so that a card seen
 * through CUDA or HIP as well is listed once. */
static void pci_bus_id(const accel__cl_api *api, cl_device_id d, const char *exts, char *buf,
                       size_t cap)
{
    buf[0] = '\0';
    if (accel__cl_has_ext(exts, "cl_khr_pci_bus_info")) {
        accel__cl_pci_bus_info_khr info;
        if (api->clGetDeviceInfo(d, ACCEL_CL_DEVICE_PCI_BUS_INFO_KHR, sizeof info, &info, NULL) ==
            ACCEL_CL_SUCCESS) {
            snprintf(buf, cap, "%04x:%02x:%02x.%x", info.pci_domain & 0xffff, info.pci_bus & 0xff,
                     info.pci_device & 0x1f, info.pci_function & 0x7);
            return;
        }
    }
    if (accel__cl_has_ext(exts, "cl_nv_device_attribute_query")) {
        cl_uint bus = 0, slot = 0, domain = 0;
        if (api->clGetDeviceInfo(d, ACCEL_CL_DEVICE_PCI_BUS_ID_NV, sizeof bus, &bus, NULL) ==
                ACCEL_CL_SUCCESS &&
            api->clGetDeviceInfo(d, ACCEL_CL_DEVICE_PCI_SLOT_ID_NV, sizeof slot, &slot, NULL) ==
                ACCEL_CL_SUCCESS) {
            /* older drivers lack the domain query: domain 0 is then the only possibility */
            if (api->clGetDeviceInfo(d, ACCEL_CL_DEVICE_PCI_DOMAIN_ID_NV, sizeof domain, &domain,
                                     NULL) != ACCEL_CL_SUCCESS)
                domain = 0;
            snprintf(buf, cap, "%04x:%02x:%02x.%x", domain & 0xffff, bus & 0xff, (slot >> 3) & 0x1f,
                     slot & 0x7);
            return;
        }
    }
    if (accel__cl_has_ext(exts, "cl_amd_device_attribute_query")) {
        accel__cl_topology_amd t;
        memset(&t, 0, sizeof t);
        if (api->clGetDeviceInfo(d, ACCEL_CL_DEVICE_TOPOLOGY_AMD, sizeof t, &t, NULL) ==
                ACCEL_CL_SUCCESS &&
            t.raw.type == ACCEL_CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD) {
            /* the AMD query has no domain; AMD's own tools assume 0 as well */
            snprintf(buf, cap, "0000:%02x:%02x.%x", (unsigned char)t.pcie.bus,
                     (unsigned char)t.pcie.device & 0x1f, (unsigned char)t.pcie.function & 0x7);
        }
    }
}

void accel__cl_query(const accel__cl_api *api, cl_platform_id p, cl_device_id d, accel__cl_props *o)
{
    memset(o, 0, sizeof *o);
    accel__cl_platform_str(api, p, ACCEL_CL_PLATFORM_NAME, o->platform_name,
                           sizeof o->platform_name);
    accel__cl_platform_str(api, p, ACCEL_CL_PLATFORM_VENDOR, o->platform_vendor,
                           sizeof o->platform_vendor);
    accel__cl_platform_str(api, p, ACCEL_CL_PLATFORM_VERSION, o->platform_version,
                           sizeof o->platform_version);
    accel__cl_device_str(api, d, ACCEL_CL_DEVICE_NAME, o->name, sizeof o->name);
    accel__cl_device_str(api, d, ACCEL_CL_DEVICE_VENDOR, o->vendor, sizeof o->vendor);
    accel__cl_device_str(api, d, ACCEL_CL_DEVICE_VERSION, o->version, sizeof o->version);
    accel__cl_device_str(api, d, ACCEL_CL_DRIVER_VERSION, o->driver, sizeof o->driver);
    accel__cl_device_str(api, d, ACCEL_CL_DEVICE_OPENCL_C_VERSION, o->c_version,
                         sizeof o->c_version);
    char exts[4096];
    accel__cl_device_str(api, d, ACCEL_CL_DEVICE_EXTENSIONS, exts, sizeof exts);
    pci_bus_id(api, d, exts, o->pci_bus_id, sizeof o->pci_bus_id);
    o->amd_attributes = accel__cl_has_ext(exts, "cl_amd_device_attribute_query");

    long long type = dev_ulong(api, d, ACCEL_CL_DEVICE_TYPE);
    o->type = type < 0 ? 0 : (unsigned long long)type;
    o->compute_units = (int)dev_uint(api, d, ACCEL_CL_DEVICE_MAX_COMPUTE_UNITS);
    o->global_mem = dev_ulong(api, d, ACCEL_CL_DEVICE_GLOBAL_MEM_SIZE);
    o->local_mem = dev_ulong(api, d, ACCEL_CL_DEVICE_LOCAL_MEM_SIZE);
    o->max_alloc = dev_ulong(api, d, ACCEL_CL_DEVICE_MAX_MEM_ALLOC_SIZE);
    o->max_work_group = dev_size(api, d, ACCEL_CL_DEVICE_MAX_WORK_GROUP_SIZE);
    o->fp16 = accel__cl_has_ext(exts, "cl_khr_fp16");
    /* OpenCL 1.2+ reports double support through the fp config even without the extension name */
    o->fp64 = accel__cl_has_ext(exts, "cl_khr_fp64") ||
              dev_ulong(api, d, ACCEL_CL_DEVICE_DOUBLE_FP_CONFIG) > 0;
    /* CL_DEVICE_HOST_UNIFIED_MEMORY is deprecated since 2.0 and may be unanswered; a CPU device
     * shares host memory by definition. */
    long long unified = dev_uint(api, d, ACCEL_CL_DEVICE_HOST_UNIFIED_MEMORY);
    o->unified = unified > 0 || (o->type & ACCEL_CL_DEVICE_TYPE_CPU) != 0;
    o->available = dev_uint(api, d, ACCEL_CL_DEVICE_AVAILABLE) > 0;
    o->compiler = dev_uint(api, d, ACCEL_CL_DEVICE_COMPILER_AVAILABLE) > 0;
}

static accel_status platforms_locked(const accel__cl_api *api, cl_platform_id **platforms,
                                     cl_uint *n)
{
    *platforms = NULL;
    *n = 0;
    cl_uint count = 0;
    cl_int e = api->clGetPlatformIDs(0, NULL, &count);
    if (e == ACCEL_CL_PLATFORM_NOT_FOUND_KHR || (e == ACCEL_CL_SUCCESS && count == 0))
        return ACCEL_OK;
    FORWARD_IF_ERROR(ACCEL_CL(e, "clGetPlatformIDs"));
    cl_platform_id *v = calloc(count, sizeof *v);
    RETURN_ERROR_IF(!v, ACCEL_ERR_NO_MEMORY, "out of memory listing OpenCL platforms");
    e = api->clGetPlatformIDs(count, v, &count);
    if (e != ACCEL_CL_SUCCESS) {
        free(v);
        return ACCEL_CL(e, "clGetPlatformIDs");
    }
    *platforms = v;
    *n = count;
    return ACCEL_OK;
}

accel_status accel__cl_platforms(const accel__cl_api *api, cl_platform_id **platforms, cl_uint *n)
{
    enum_begin();
    accel_status st = platforms_locked(api, platforms, n);
    enum_end();
    return st;
}

static accel_status devices_locked(const accel__cl_api *api, cl_platform_id p,
                                   cl_device_id **devices, cl_uint *n)
{
    *devices = NULL;
    *n = 0;
    cl_uint count = 0;
    cl_int e = api->clGetDeviceIDs(p, ACCEL_CL_DEVICE_TYPE_ALL, 0, NULL, &count);
    if (e == ACCEL_CL_DEVICE_NOT_FOUND || (e == ACCEL_CL_SUCCESS && count == 0)) return ACCEL_OK;
    FORWARD_IF_ERROR(ACCEL_CL(e, "clGetDeviceIDs"));
    cl_device_id *v = calloc(count, sizeof *v);
    RETURN_ERROR_IF(!v, ACCEL_ERR_NO_MEMORY, "out of memory listing OpenCL devices");
    e = api->clGetDeviceIDs(p, ACCEL_CL_DEVICE_TYPE_ALL, count, v, &count);
    if (e != ACCEL_CL_SUCCESS) {
        free(v);
        return ACCEL_CL(e, "clGetDeviceIDs");
    }
    *devices = v;
    *n = count;
    return ACCEL_OK;
}

accel_status accel__cl_devices(const accel__cl_api *api, cl_platform_id p, cl_device_id **devices,
                               cl_uint *n)
{
    enum_begin();
    accel_status st = devices_locked(api, p, devices, n);
    enum_end();
    return st;
}

accel_status accel__cl_device_at(const accel__cl_api *api, int pi, int di, cl_platform_id *p,
                                 cl_device_id *d)
{
    cl_platform_id *plats;
    cl_uint np;
    FORWARD_IF_ERROR(accel__cl_platforms(api, &plats, &np));
    if (pi < 0 || (cl_uint)pi >= np) {
        free(plats);
        return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "OpenCL platform %d not found (%u platforms)", pi,
                           np);
    }
    *p = plats[pi];
    free(plats);
    cl_device_id *devs;
    cl_uint nd;
    FORWARD_IF_ERROR(accel__cl_devices(api, *p, &devs, &nd));
    if (di < 0 || (cl_uint)di >= nd) {
        free(devs);
        return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND,
                           "OpenCL device %d of platform %d not found (%u devices)", di, pi, nd);
    }
    *d = devs[di];
    free(devs);
    return ACCEL_OK;
}

/* Flattens a build log to one line (" | " between its lines) so it fits the error buffer and a
 * log line; compilers put the first error at the start, which is the part that is kept when
 * the message is cut. Returns a malloc'd string or NULL. */
static char *squeeze_log(const char *log)
{
    size_t n = strlen(log);
    char *out = malloc(3 * n + 1);
    if (!out) return NULL;
    char *w = out;
    for (const char *r = log; *r; r++) {
        if (*r == '\r') continue;
        if (*r == '\n') {
            if (w > out && w[-1] != ' ') {
                memcpy(w, " | ", 3);
                w += 3;
            }
            continue;
        }
        *w++ = *r;
    }
    *w = '\0';
    trim(out);
    while ((n = strlen(out)) >= 2 && out[n - 1] == '|') {
        out[n - 1] = '\0';
        trim(out);
    }
    return out;
}

accel_status accel__cl_build_source(const accel__cl_api *api, cl_context c, cl_device_id d,
                                    const char *what, const char *src, size_t len,
                                    const char *options, cl_program *out)
{
    *out = NULL;
    cl_int e = 0;
    cl_program prog = api->clCreateProgramWithSource(c, 1, &src, &len, &e);
    if (!prog || e != ACCEL_CL_SUCCESS) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: clCreateProgramWithSource", what);
        return ACCEL_CL(e ? e : ACCEL_CL_OUT_OF_HOST_MEMORY, msg);
    }
    e = api->clBuildProgram(prog, 1, &d, options ? options : "", NULL, NULL);
    if (e == ACCEL_CL_SUCCESS) {
        *out = prog;
        return ACCEL_OK;
    }
    size_t need = 0;
    char *log = NULL;
    if (api->clGetProgramBuildInfo(prog, d, ACCEL_CL_PROGRAM_BUILD_LOG, 0, NULL, &need) ==
            ACCEL_CL_SUCCESS &&
        need > 0 && (log = malloc(need + 1)) != NULL) {
        if (api->clGetProgramBuildInfo(prog, d, ACCEL_CL_PROGRAM_BUILD_LOG, need, log, NULL) !=
            ACCEL_CL_SUCCESS)
            log[0] = '\0';
        log[need] = '\0';
    }
    char *flat = log ? squeeze_log(log) : NULL;
    api->clReleaseProgram(prog);
    const char *name = accel__cl_error_name(e);
    accel_status st = accel__cl_status(e);
    if (st != ACCEL_ERR_DEVICE_OOM && st != ACCEL_ERR_NO_MEMORY) st = ACCEL_ERR_KERNEL;
    st = ACCEL_ERROR(st, "%s: clBuildProgram: %s (%d); build log: %s", what,
                     name ? name : "unknown OpenCL error", (int)e,
                     flat && flat[0] ? flat : "(empty)");
    ACCEL_LOG_DEBUG("%s: full build log: %s", what, log ? log : "(none)");
    free(flat);
    free(log);
    return st;
}

long long accel__cl_host_available(void)
{
    char path[512], buf[4096];
    snprintf(path, sizeof path, "%s/meminfo", accel__procfs_root());
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long long kb = -1;
    while (fgets(buf, sizeof buf, f))
        if (sscanf(buf, "MemAvailable: %lld kB", &kb) == 1) break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

const accel__kernel_source *accel__cl_family_of(const char *kernel)
{
    char pat[160];
    snprintf(pat, sizeof pat, "void %s(", kernel);
    for (size_t i = 0; i < accel__kernel_source_count; i++)
        if (strstr(accel__kernel_sources[i].text, pat)) return &accel__kernel_sources[i];
    return NULL;
}

static atomic_int in_process;

int accel__cl_in_process(void) { return atomic_load(&in_process); }

void accel__cl_mark_in_process(void) { atomic_store(&in_process, 1); }
