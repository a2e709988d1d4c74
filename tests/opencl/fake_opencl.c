/* fake_opencl.c — a libOpenCL.so.1 for fault scenarios, chosen by FAKE_OPENCL_MODE:
 *   abort    clGetPlatformIDs aborts (a broken ICD killing its host)
 *   hang     clGetPlatformIDs never returns
 *   none     no platform (CL_PLATFORM_NOT_FOUND_KHR)
 *   devices  one platform with two GPUs: "fake0" (PCI through cl_khr_pci_bus_info) crashes
 *            with SIGSEGV in clCreateContext; "fake1" (PCI through the NVIDIA attributes)
 *            reports CL_DEVICE_NOT_AVAILABLE there. */
#include "vendor/cl_api.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mode(void)
{
    const char *m = getenv("FAKE_OPENCL_MODE");
    return m ? m : "";
}

#define FAKE_PLATFORM ((cl_platform_id)0x1000)
#define FAKE_DEV0 ((cl_device_id)0x2000)
#define FAKE_DEV1 ((cl_device_id)0x2001)

cl_int clGetPlatformIDs(cl_uint n, cl_platform_id *platforms, cl_uint *n_out)
{
    if (strcmp(mode(), "abort") == 0) abort();
    if (strcmp(mode(), "hang") == 0)
        for (;;) pause();
    if (strcmp(mode(), "devices") != 0) return ACCEL_CL_PLATFORM_NOT_FOUND_KHR;
    if (n_out) *n_out = 1;
    if (platforms && n >= 1) platforms[0] = FAKE_PLATFORM;
    return ACCEL_CL_SUCCESS;
}

static cl_int answer(const void *v, size_t len, size_t size, void *value, size_t *size_out)
{
    if (size_out) *size_out = len;
    if (value) {
        if (size < len) return ACCEL_CL_INVALID_VALUE;
        memcpy(value, v, len);
    }
    return ACCEL_CL_SUCCESS;
}

static cl_int answer_str(const char *s, size_t size, void *value, size_t *size_out)
{
    return answer(s, strlen(s) + 1, size, value, size_out);
}

cl_int clGetPlatformInfo(cl_platform_id p, cl_platform_info what, size_t size, void *value,
                         size_t *size_out)
{
    switch (what) {
    case ACCEL_CL_PLATFORM_NAME: return answer_str("Fake Platform", size, value, size_out);
    case ACCEL_CL_PLATFORM_VENDOR: return answer_str("accel tests", size, value, size_out);
    case ACCEL_CL_PLATFORM_VERSION: return answer_str("OpenCL 1.2 fake", size, value, size_out);
    default: return ACCEL_CL_INVALID_VALUE;
    }
}

cl_int clGetDeviceIDs(cl_platform_id p, cl_device_type type, cl_uint n, cl_device_id *devices,
                      cl_uint *n_out)
{
    if (n_out) *n_out = 2;
    if (devices && n >= 1) devices[0] = FAKE_DEV0;
    if (devices && n >= 2) devices[1] = FAKE_DEV1;
    return ACCEL_CL_SUCCESS;
}

cl_int clGetDeviceInfo(cl_device_id d, cl_device_info what, size_t size, void *value,
                       size_t *size_out)
{
    int first = d == FAKE_DEV0;
    cl_uint u;
    cl_ulong ul;
    cl_device_type t = ACCEL_CL_DEVICE_TYPE_GPU;
    switch (what) {
    case ACCEL_CL_DEVICE_NAME: return answer_str(first ? "fake0" : "fake1", size, value, size_out);
    case ACCEL_CL_DEVICE_VENDOR: return answer_str("Fake Vendor", size, value, size_out);
    case ACCEL_CL_DEVICE_VERSION: return answer_str("OpenCL 1.2 fake", size, value, size_out);
    case ACCEL_CL_DRIVER_VERSION: return answer_str("1.0", size, value, size_out);
    case ACCEL_CL_DEVICE_EXTENSIONS:
        return answer_str(first ? "cl_khr_fp16 cl_khr_pci_bus_info"
                                : "cl_khr_byte_addressable_store cl_nv_device_attribute_query",
                          size, value, size_out);
    case ACCEL_CL_DEVICE_TYPE: return answer(&t, sizeof t, size, value, size_out);
    case ACCEL_CL_DEVICE_AVAILABLE:
    case ACCEL_CL_DEVICE_COMPILER_AVAILABLE:
        u = 1;
        return answer(&u, sizeof u, size, value, size_out);
    case ACCEL_CL_DEVICE_HOST_UNIFIED_MEMORY:
        u = 0;
        return answer(&u, sizeof u, size, value, size_out);
    case ACCEL_CL_DEVICE_MAX_COMPUTE_UNITS:
        u = 4;
        return answer(&u, sizeof u, size, value, size_out);
    case ACCEL_CL_DEVICE_GLOBAL_MEM_SIZE:
        ul = 1ull << 30;
        return answer(&ul, sizeof ul, size, value, size_out);
    case ACCEL_CL_DEVICE_LOCAL_MEM_SIZE:
        ul = 65536;
        return answer(&ul, sizeof ul, size, value, size_out);
    case ACCEL_CL_DEVICE_MAX_MEM_ALLOC_SIZE:
        ul = 1ull << 28;
        return answer(&ul, sizeof ul, size, value, size_out);
    case ACCEL_CL_DEVICE_PCI_BUS_INFO_KHR: {
        if (!first) return ACCEL_CL_INVALID_VALUE;
        accel__cl_pci_bus_info_khr info = {0, 0x3b, 0, 0};
        return answer(&info, sizeof info, size, value, size_out);
    }
    case ACCEL_CL_DEVICE_PCI_BUS_ID_NV:
        u = 0x65;
        return first ? ACCEL_CL_INVALID_VALUE : answer(&u, sizeof u, size, value, size_out);
    case ACCEL_CL_DEVICE_PCI_SLOT_ID_NV:
        u = (2 << 3) | 1;
        return first ? ACCEL_CL_INVALID_VALUE : answer(&u, sizeof u, size, value, size_out);
    default: return ACCEL_CL_INVALID_VALUE;
    }
}

cl_context clCreateContext(const cl_context_properties *props, cl_uint n,
                           const cl_device_id *devices, accel__cl_notify_fn notify, void *user_data,
                           cl_int *err)
{
    if (n >= 1 && devices[0] == FAKE_DEV0) raise(SIGSEGV);
    if (err) *err = ACCEL_CL_DEVICE_NOT_AVAILABLE;
    return NULL;
}
