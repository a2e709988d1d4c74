/* cl_api.h — OpenCL through the ICD loader (libOpenCL.so.1) behind dlopen. Every entry point
 * accel uses has a typedef and a pointer here; accel__cl_api_load() resolves them all. No
 * OpenCL header is needed at build time: the few types and constants are restated from the
 * Khronos headers (their numbering is part of the stable ABI). */
#ifndef ACCEL_CL_API_H
#define ACCEL_CL_API_H

#include "core/internal.h"

#include <stddef.h>
#include <stdint.h>

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef cl_uint cl_bool;
typedef cl_ulong cl_bitfield;
typedef cl_bitfield cl_device_type;
typedef cl_bitfield cl_mem_flags;
typedef cl_bitfield cl_map_flags;
typedef cl_bitfield cl_command_queue_properties;
typedef cl_bitfield cl_device_fp_config;
typedef cl_uint cl_platform_info;
typedef cl_uint cl_device_info;
typedef cl_uint cl_program_info;
typedef cl_uint cl_program_build_info;
typedef cl_uint cl_kernel_info;
typedef cl_uint cl_kernel_work_group_info;
typedef cl_uint cl_profiling_info;
typedef cl_int cl_build_status;
typedef intptr_t cl_context_properties;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;

/* X(ID, value) — every error code accel can name, from cl.h and cl_ext.h. */
#define ACCEL__CL_ERRORS(X)                                                                 \
    X(CL_SUCCESS, 0)                                                                        \
    X(CL_DEVICE_NOT_FOUND, -1)                                                              \
    X(CL_DEVICE_NOT_AVAILABLE, -2)                                                          \
    X(CL_COMPILER_NOT_AVAILABLE, -3)                                                        \
    X(CL_MEM_OBJECT_ALLOCATION_FAILURE, -4)                                                 \
    X(CL_OUT_OF_RESOURCES, -5)                                                              \
    X(CL_OUT_OF_HOST_MEMORY, -6)                                                            \
    X(CL_PROFILING_INFO_NOT_AVAILABLE, -7)                                                  \
    X(CL_MEM_COPY_OVERLAP, -8)                                                              \
    X(CL_IMAGE_FORMAT_MISMATCH, -9)                                                         \
    X(CL_IMAGE_FORMAT_NOT_SUPPORTED, -10)                                                   \
    X(CL_BUILD_PROGRAM_FAILURE, -11)                                                        \
    X(CL_MAP_FAILURE, -12)                                                                  \
    X(CL_MISALIGNED_SUB_BUFFER_OFFSET, -13)                                                 \
    X(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, -14)                                    \
    X(CL_COMPILE_PROGRAM_FAILURE, -15)                                                      \
    X(CL_LINKER_NOT_AVAILABLE, -16)                                                         \
    X(CL_LINK_PROGRAM_FAILURE, -17)                                                         \
    X(CL_DEVICE_PARTITION_FAILED, -18)                                                      \
    X(CL_KERNEL_ARG_INFO_NOT_AVAILABLE, -19)                                                \
    X(CL_INVALID_VALUE, -30)                                                                \
    X(CL_INVALID_DEVICE_TYPE, -31)                                                          \
    X(CL_INVALID_PLATFORM, -32)                                                             \
    X(CL_INVALID_DEVICE, -33)                                                               \
    X(CL_INVALID_CONTEXT, -34)                                                              \
    X(CL_INVALID_QUEUE_PROPERTIES, -35)                                                     \
    X(CL_INVALID_COMMAND_QUEUE, -36)                                                        \
    X(CL_INVALID_HOST_PTR, -37)                                                             \
    X(CL_INVALID_MEM_OBJECT, -38)                                                           \
    X(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR, -39)                                              \
    X(CL_INVALID_IMAGE_SIZE, -40)                                                           \
    X(CL_INVALID_SAMPLER, -41)                                                              \
    X(CL_INVALID_BINARY, -42)                                                               \
    X(CL_INVALID_BUILD_OPTIONS, -43)                                                        \
    X(CL_INVALID_PROGRAM, -44)                                                              \
    X(CL_INVALID_PROGRAM_EXECUTABLE, -45)                                                   \
    X(CL_INVALID_KERNEL_NAME, -46)                                                          \
    X(CL_INVALID_KERNEL_DEFINITION, -47)                                                    \
    X(CL_INVALID_KERNEL, -48)                                                               \
    X(CL_INVALID_ARG_INDEX, -49)                                                            \
    X(CL_INVALID_ARG_VALUE, -50)                                                            \
    X(CL_INVALID_ARG_SIZE, -51)                                                             \
    X(CL_INVALID_KERNEL_ARGS, -52)                                                          \
    X(CL_INVALID_WORK_DIMENSION, -53)                                                       \
    X(CL_INVALID_WORK_GROUP_SIZE, -54)                                                      \
    X(CL_INVALID_WORK_ITEM_SIZE, -55)                                                       \
    X(CL_INVALID_GLOBAL_OFFSET, -56)                                                        \
    X(CL_INVALID_EVENT_WAIT_LIST, -57)                                                      \
    X(CL_INVALID_EVENT, -58)                                                                \
    X(CL_INVALID_OPERATION, -59)                                                            \
    X(CL_INVALID_GL_OBJECT, -60)                                                            \
    X(CL_INVALID_BUFFER_SIZE, -61)                                                          \
    X(CL_INVALID_MIP_LEVEL, -62)                                                            \
    X(CL_INVALID_GLOBAL_WORK_SIZE, -63)                                                     \
    X(CL_INVALID_PROPERTY, -64)                                                             \
    X(CL_INVALID_IMAGE_DESCRIPTOR, -65)                                                     \
    X(CL_INVALID_COMPILER_OPTIONS, -66)                                                     \
    X(CL_INVALID_LINKER_OPTIONS, -67)                                                       \
    X(CL_INVALID_DEVICE_PARTITION_COUNT, -68)                                               \
    X(CL_INVALID_PIPE_SIZE, -69)                                                            \
    X(CL_INVALID_DEVICE_QUEUE, -70)                                                         \
    X(CL_INVALID_SPEC_ID, -71)                                                              \
    X(CL_MAX_SIZE_RESTRICTION_EXCEEDED, -72)                                                \
    X(CL_PLATFORM_NOT_FOUND_KHR, -1001)                                                     \
    X(CL_CONTEXT_TERMINATED_KHR, -1121)

enum {
#define ACCEL__CL_ERR_ENUM(id, value) ACCEL_##id = value,
    ACCEL__CL_ERRORS(ACCEL__CL_ERR_ENUM)
#undef ACCEL__CL_ERR_ENUM
};

/* Info names and flags (cl.h, cl_ext.h). */
enum {
    ACCEL_CL_FALSE = 0,
    ACCEL_CL_TRUE = 1,
    ACCEL_CL_PLATFORM_PROFILE = 0x0900,
    ACCEL_CL_PLATFORM_VERSION = 0x0901,
    ACCEL_CL_PLATFORM_NAME = 0x0902,
    ACCEL_CL_PLATFORM_VENDOR = 0x0903,
    ACCEL_CL_PLATFORM_EXTENSIONS = 0x0904,
    ACCEL_CL_DEVICE_TYPE = 0x1000,
    ACCEL_CL_DEVICE_VENDOR_ID = 0x1001,
    ACCEL_CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002,
    ACCEL_CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
    ACCEL_CL_DEVICE_MAX_CLOCK_FREQUENCY = 0x100C,
    ACCEL_CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010,
    ACCEL_CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F,
    ACCEL_CL_DEVICE_LOCAL_MEM_SIZE = 0x1023,
    ACCEL_CL_DEVICE_AVAILABLE = 0x1027,
    ACCEL_CL_DEVICE_COMPILER_AVAILABLE = 0x1028,
    ACCEL_CL_DEVICE_NAME = 0x102B,
    ACCEL_CL_DEVICE_VENDOR = 0x102C,
    ACCEL_CL_DRIVER_VERSION = 0x102D,
    ACCEL_CL_DEVICE_PROFILE = 0x102E,
    ACCEL_CL_DEVICE_VERSION = 0x102F,
    ACCEL_CL_DEVICE_EXTENSIONS = 0x1030,
    ACCEL_CL_DEVICE_DOUBLE_FP_CONFIG = 0x1032,
    ACCEL_CL_DEVICE_HALF_FP_CONFIG = 0x1033,
    ACCEL_CL_DEVICE_HOST_UNIFIED_MEMORY = 0x1035,
    ACCEL_CL_DEVICE_OPENCL_C_VERSION = 0x103D,
    /* cl_nv_device_attribute_query */
    ACCEL_CL_DEVICE_PCI_BUS_ID_NV = 0x4008,
    ACCEL_CL_DEVICE_PCI_SLOT_ID_NV = 0x4009,
    ACCEL_CL_DEVICE_PCI_DOMAIN_ID_NV = 0x400A,
    /* cl_amd_device_attribute_query */
    ACCEL_CL_DEVICE_TOPOLOGY_AMD = 0x4037,
    ACCEL_CL_DEVICE_GLOBAL_FREE_MEMORY_AMD = 0x4039,
    ACCEL_CL_DEVICE_TOPOLOGY_TYPE_PCIE_AMD = 1,
    /* cl_khr_pci_bus_info */
    ACCEL_CL_DEVICE_PCI_BUS_INFO_KHR = 0x410F,
    ACCEL_CL_CONTEXT_PLATFORM = 0x1084,
    ACCEL_CL_PROGRAM_NUM_DEVICES = 0x1162,
    ACCEL_CL_PROGRAM_BINARY_SIZES = 0x1165,
    ACCEL_CL_PROGRAM_BINARIES = 0x1166,
    ACCEL_CL_PROGRAM_BUILD_STATUS = 0x1181,
    ACCEL_CL_PROGRAM_BUILD_LOG = 0x1183,
    ACCEL_CL_KERNEL_FUNCTION_NAME = 0x1190,
    ACCEL_CL_KERNEL_NUM_ARGS = 0x1191,
    ACCEL_CL_KERNEL_WORK_GROUP_SIZE = 0x11B0,
    ACCEL_CL_PROFILING_COMMAND_START = 0x1282,
    ACCEL_CL_PROFILING_COMMAND_END = 0x1283,
};

#define ACCEL_CL_DEVICE_TYPE_DEFAULT ((cl_device_type)1 << 0)
#define ACCEL_CL_DEVICE_TYPE_CPU ((cl_device_type)1 << 1)
#define ACCEL_CL_DEVICE_TYPE_GPU ((cl_device_type)1 << 2)
#define ACCEL_CL_DEVICE_TYPE_ACCELERATOR ((cl_device_type)1 << 3)
#define ACCEL_CL_DEVICE_TYPE_CUSTOM ((cl_device_type)1 << 4)
#define ACCEL_CL_DEVICE_TYPE_ALL ((cl_device_type)0xFFFFFFFF)
#define ACCEL_CL_QUEUE_PROFILING_ENABLE ((cl_command_queue_properties)1 << 1)
#define ACCEL_CL_MEM_READ_WRITE ((cl_mem_flags)1 << 0)
#define ACCEL_CL_MEM_ALLOC_HOST_PTR ((cl_mem_flags)1 << 4)
#define ACCEL_CL_MAP_READ ((cl_map_flags)1 << 0)
#define ACCEL_CL_MAP_WRITE ((cl_map_flags)1 << 1)

/* cl_khr_pci_bus_info's answer. */
typedef struct {
    cl_uint pci_domain, pci_bus, pci_device, pci_function;
} accel__cl_pci_bus_info_khr;

/* CL_DEVICE_TOPOLOGY_AMD's answer (type 1 = PCIe). */
typedef union {
    struct {
        cl_uint type;
        cl_uint data[5];
    } raw;
    struct {
        cl_uint type;
        signed char unused[17];
        signed char bus, device, function;
    } pcie;
} accel__cl_topology_amd;

typedef void (*accel__cl_notify_fn)(const char *errinfo, const void *private_info, size_t cb,
                                    void *user_data);
typedef void (*accel__cl_build_notify_fn)(cl_program program, void *user_data);

/* X(return, name, exported symbol, (parameters)) — the entry points every ICD loader exports
 * since OpenCL 1.2. */
#define ACCEL__CL_API(X)                                                                    \
    X(cl_int, clGetPlatformIDs, "clGetPlatformIDs",                                         \
      (cl_uint n, cl_platform_id * platforms, cl_uint * n_out))                             \
    X(cl_int, clGetPlatformInfo, "clGetPlatformInfo",                                       \
      (cl_platform_id p, cl_platform_info what, size_t size, void *value, size_t *size_out))  \
    X(cl_int, clGetDeviceIDs, "clGetDeviceIDs",                                             \
      (cl_platform_id p, cl_device_type type, cl_uint n, cl_device_id * devices,            \
       cl_uint * n_out))                                                                    \
    X(cl_int, clGetDeviceInfo, "clGetDeviceInfo",                                           \
      (cl_device_id d, cl_device_info what, size_t size, void *value, size_t *size_out))    \
    X(cl_context, clCreateContext, "clCreateContext",                                       \
      (const cl_context_properties *props, cl_uint n, const cl_device_id *devices,          \
       accel__cl_notify_fn notify, void *user_data, cl_int *err))                           \
    X(cl_int, clReleaseContext, "clReleaseContext", (cl_context c))                         \
    X(cl_command_queue, clCreateCommandQueue, "clCreateCommandQueue",                       \
      (cl_context c, cl_device_id d, cl_command_queue_properties props, cl_int * err))      \
    X(cl_int, clReleaseCommandQueue, "clReleaseCommandQueue", (cl_command_queue q))         \
    X(cl_int, clFinish, "clFinish", (cl_command_queue q))                                   \
    X(cl_mem, clCreateBuffer, "clCreateBuffer",                                             \
      (cl_context c, cl_mem_flags flags, size_t size, void *host, cl_int *err))             \
    X(cl_int, clReleaseMemObject, "clReleaseMemObject", (cl_mem m))                         \
    X(cl_int, clEnqueueReadBuffer, "clEnqueueReadBuffer",                                   \
      (cl_command_queue q, cl_mem m, cl_bool blocking, size_t off, size_t size, void *dst,  \
       cl_uint n_wait, const cl_event *wait, cl_event *ev))                                 \
    X(cl_int, clEnqueueWriteBuffer, "clEnqueueWriteBuffer",                                 \
      (cl_command_queue q, cl_mem m, cl_bool blocking, size_t off, size_t size,             \
       const void *src, cl_uint n_wait, const cl_event *wait, cl_event *ev))                \
    X(cl_int, clEnqueueCopyBuffer, "clEnqueueCopyBuffer",                                   \
      (cl_command_queue q, cl_mem src, cl_mem dst, size_t src_off, size_t dst_off,          \
       size_t size, cl_uint n_wait, const cl_event *wait, cl_event *ev))                    \
    X(void *, clEnqueueMapBuffer, "clEnqueueMapBuffer",                                     \
      (cl_command_queue q, cl_mem m, cl_bool blocking, cl_map_flags flags, size_t off,      \
       size_t size, cl_uint n_wait, const cl_event *wait, cl_event *ev, cl_int *err))       \
    X(cl_int, clEnqueueUnmapMemObject, "clEnqueueUnmapMemObject",                           \
      (cl_command_queue q, cl_mem m, void *p, cl_uint n_wait, const cl_event *wait,         \
       cl_event *ev))                                                                       \
    X(cl_program, clCreateProgramWithSource, "clCreateProgramWithSource",                   \
      (cl_context c, cl_uint n, const char **strings, const size_t *lengths, cl_int *err))   \
    X(cl_program, clCreateProgramWithBinary, "clCreateProgramWithBinary",                   \
      (cl_context c, cl_uint n, const cl_device_id *devices, const size_t *lengths,         \
       const unsigned char **binaries, cl_int *binary_status, cl_int *err))                 \
    X(cl_int, clBuildProgram, "clBuildProgram",                                             \
      (cl_program p, cl_uint n, const cl_device_id *devices, const char *options,           \
       accel__cl_build_notify_fn notify, void *user_data))                                  \
    X(cl_int, clGetProgramInfo, "clGetProgramInfo",                                         \
      (cl_program p, cl_program_info what, size_t size, void *value, size_t *size_out))     \
    X(cl_int, clGetProgramBuildInfo, "clGetProgramBuildInfo",                               \
      (cl_program p, cl_device_id d, cl_program_build_info what, size_t size, void *value,  \
       size_t *size_out))                                                                   \
    X(cl_int, clReleaseProgram, "clReleaseProgram", (cl_program p))                         \
    X(cl_kernel, clCreateKernel, "clCreateKernel",                                          \
      (cl_program p, const char *name, cl_int *err))                                        \
    X(cl_int, clCreateKernelsInProgram, "clCreateKernelsInProgram",                         \
      (cl_program p, cl_uint n, cl_kernel * kernels, cl_uint * n_out))                      \
    X(cl_int, clGetKernelInfo, "clGetKernelInfo",                                           \
      (cl_kernel k, cl_kernel_info what, size_t size, void *value, size_t *size_out))       \
    X(cl_int, clGetKernelWorkGroupInfo, "clGetKernelWorkGroupInfo",                         \
      (cl_kernel k, cl_device_id d, cl_kernel_work_group_info what, size_t size,            \
       void *value, size_t *size_out))                                                      \
    X(cl_int, clReleaseKernel, "clReleaseKernel", (cl_kernel k))                            \
    X(cl_int, clSetKernelArg, "clSetKernelArg",                                             \
      (cl_kernel k, cl_uint index, size_t size, const void *value))                         \
    X(cl_int, clEnqueueNDRangeKernel, "clEnqueueNDRangeKernel",                             \
      (cl_command_queue q, cl_kernel k, cl_uint dims, const size_t *offset,                 \
       const size_t *global, const size_t *local, cl_uint n_wait, const cl_event *wait,     \
       cl_event *ev))                                                                       \
    X(cl_int, clEnqueueMarkerWithWaitList, "clEnqueueMarkerWithWaitList",                   \
      (cl_command_queue q, cl_uint n_wait, const cl_event *wait, cl_event *ev))             \
    X(cl_int, clWaitForEvents, "clWaitForEvents", (cl_uint n, const cl_event *events))      \
    X(cl_int, clGetEventProfilingInfo, "clGetEventProfilingInfo",                           \
      (cl_event e, cl_profiling_info what, size_t size, void *value, size_t *size_out))     \
    X(cl_int, clReleaseEvent, "clReleaseEvent", (cl_event e))

typedef struct accel__cl_api {
    void *lib;      /* dlopen handle */
    char path[512]; /* the file libOpenCL.so.1 resolved to */
#define ACCEL__CL_PTR(ret, name, sym, params) ret(*name) params;
    ACCEL__CL_API(ACCEL__CL_PTR)
#undef ACCEL__CL_PTR
} accel__cl_api;

/* The ICD loader's soname. */
#define ACCEL__CL_LIBRARY "libOpenCL.so.1"

/* Loads libOpenCL.so.1 and resolves every entry point. Returns ACCEL_ERR_UNAVAILABLE with
 * "libOpenCL.so.1: <dlerror>" when the loader is absent, and ACCEL_ERR_VENDOR naming the
 * symbol when one is missing. Loading the ICD loader does not load any ICD: that happens on
 * the first clGetPlatformIDs. The table is process-wide, loaded once; later calls return the
 * same table. */
accel_status accel__cl_api_load(const accel__cl_api **out);

/* "CL_OUT_OF_RESOURCES" for -5; NULL for a code accel does not know. */
const char *accel__cl_error_name(cl_int code);

/* The accel status a cl error code means: allocation failure and out of resources →
 * ACCEL_ERR_DEVICE_OOM, out of host memory → ACCEL_ERR_NO_MEMORY, device not found or not
 * available → ACCEL_ERR_UNAVAILABLE, build, compiler and kernel errors → ACCEL_ERR_KERNEL,
 * everything else → ACCEL_ERR_VENDOR. */
accel_status accel__cl_status(cl_int code);

/* Turns a cl error code into an accel status and records "what: CL_NAME (code)" (or
 * "what: unknown OpenCL error (code)"). ACCEL_OK for CL_SUCCESS. */
accel_status accel__cl_check(cl_int code, const char *what, const char *file, int line);
#define ACCEL_CL(code, what) accel__cl_check((code), (what), __FILE__, __LINE__)

#endif
