/* cl_util.h — OpenCL queries and builds shared by the discoverer (which runs them in a probe
 * child) and the backend (which runs them in the host process). Everything here goes through
 * the dlopen table of cl_api.h. */
#ifndef ACCEL_CL_UTIL_H
#define ACCEL_CL_UTIL_H

#include "vendor/cl_api.h"

/* Build options of every program accel builds (part of the program cache key). */
#define ACCEL__CL_BUILD_OPTIONS ""

/* accel__device.backend_index of the OpenCL device `device` of platform `platform`, in the ICD
 * loader's order. */
#define ACCEL__CL_INDEX(platform, device) (((platform) << 16) | (device))
#define ACCEL__CL_INDEX_PLATFORM(index) ((index) >> 16)
#define ACCEL__CL_INDEX_DEVICE(index) ((index)&0xffff)

/* 1 once this process has called into an OpenCL implementation (a device was opened). From
 * then on forking a probe child is unsafe — the implementation's worker threads do not exist
 * in the child — so discovery reuses what this process already learnt. */
int accel__cl_in_process(void);
/* Marks OpenCL as live in this process (the backend calls it before its first OpenCL call). */
void accel__cl_mark_in_process(void);

/* A device's identity and the properties accel lists. Text fields are trimmed; numbers that
 * the device does not answer are -1. */
typedef struct accel__cl_props {
    char platform_name[128], platform_vendor[128], platform_version[160];
    char name[256], vendor[128], version[160], driver[128], c_version[128];
    char pci_bus_id[32];     /* "0000:01:00.0" when a vendor extension gives it, else "" */
    unsigned long long type; /* ACCEL_CL_DEVICE_TYPE_* bits */
    int compute_units;
    long long global_mem, local_mem, max_alloc, max_work_group;
    int fp16, fp64;     /* 1 / 0 */
    int unified;        /* host-unified memory, or a CPU device */
    int available;      /* CL_DEVICE_AVAILABLE */
    int compiler;       /* CL_DEVICE_COMPILER_AVAILABLE */
    int amd_attributes; /* cl_amd_device_attribute_query: free memory can be asked */
} accel__cl_props;

/* Reads a platform or device text property into buf (trimmed; "" when the query fails). */
void accel__cl_platform_str(const accel__cl_api *api, cl_platform_id p, cl_platform_info what,
                            char *buf, size_t cap);
void accel__cl_device_str(const accel__cl_api *api, cl_device_id d, cl_device_info what, char *buf,
                          size_t cap);
/* 1 when the space-separated extension list `exts` names `ext` exactly. */
int accel__cl_has_ext(const char *exts, const char *ext);

/* Fills every field of *out for device d of platform p. Never fails: unanswered queries give
 * -1 / "". */
void accel__cl_query(const accel__cl_api *api, cl_platform_id p, cl_device_id d,
                     accel__cl_props *out);

/* The platforms and devices, in the loader's order. *platforms and *devices are malloc'd
 * (caller frees). A platform with no device gives 0 devices, not an error. A loader with no
 * platform at all (CL_PLATFORM_NOT_FOUND_KHR) gives n = 0 and ACCEL_OK. */
accel_status accel__cl_platforms(const accel__cl_api *api, cl_platform_id **platforms, cl_uint *n);
accel_status accel__cl_devices(const accel__cl_api *api, cl_platform_id p, cl_device_id **devices,
                               cl_uint *n);

/* The (platform, device) pair at indices (pi, di). ACCEL_ERR_NOT_FOUND when out of range. */
accel_status accel__cl_device_at(const accel__cl_api *api, int pi, int di, cl_platform_id *p,
                                 cl_device_id *d);

/* Builds `src` for device d in context c. On failure returns ACCEL_ERR_KERNEL with
 * "what: CL_BUILD_PROGRAM_FAILURE (-11); build log: …" (the log trimmed to fit). */
accel_status accel__cl_build_source(const accel__cl_api *api, cl_context c, cl_device_id d,
                                    const char *what, const char *src, size_t len,
                                    const char *options, cl_program *out);

/* Host memory the kernel says is available (MemAvailable), in bytes; -1 when unknown. */
long long accel__cl_host_available(void);

/* The kernel source family that defines `kernel` ("ak_fill_f32" → "basic"), or NULL. */
const struct accel__kernel_source *accel__cl_family_of(const char *kernel);

#endif
