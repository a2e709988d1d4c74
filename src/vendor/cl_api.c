/* cl_api.c — dlopen wrapper for the OpenCL ICD loader. The library is never linked: a machine
 * without it simply has zero OpenCL devices. The load runs once per process (pthread_once). */
#include "vendor/cl_api.h"

#include "vendor/dl_open.h"

#include <string.h>

static accel__cl_api api;
static accel__dl_lib dl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    static const char *const names[] = {ACCEL__CL_LIBRARY};
    if (accel__dl_open(&dl, NULL, names, 1, ACCEL__CL_LIBRARY, NULL) != ACCEL_OK) return;
#define ACCEL__CL_SYM(ret, fname, sym, params)                                                     \
    if (!accel__dl_sym(&dl, &api.fname, sym, NULL, 1, " (ICD loader older than OpenCL 1.2?)"))    \
        goto fail;
    ACCEL__CL_API(ACCEL__CL_SYM)
#undef ACCEL__CL_SYM
    api.lib = dl.handle;
    accel__strlcpy(api.path, dl.path, sizeof api.path);
    return;
fail:
    memset(&api, 0, sizeof api);
}

accel_status accel__cl_api_load(const accel__cl_api **out)
{
    pthread_once(&once, load);
    *out = NULL;
    RETURN_ERROR_IF(dl.status != ACCEL_OK, dl.status, "%s", dl.error);
    *out = &api;
    return ACCEL_OK;
}

const char *accel__cl_error_name(cl_int code)
{
    switch (code) {
#define ACCEL__CL_ERR_NAME(id, value)                                                              \
    case value: return #id;
        ACCEL__CL_ERRORS(ACCEL__CL_ERR_NAME)
#undef ACCEL__CL_ERR_NAME
    }
    return NULL;
}

accel_status accel__cl_status(cl_int code)
{
    switch (code) {
    case ACCEL_CL_SUCCESS: return ACCEL_OK;
    case ACCEL_CL_MEM_OBJECT_ALLOCATION_FAILURE:
    case ACCEL_CL_OUT_OF_RESOURCES: return ACCEL_ERR_DEVICE_OOM;
    case ACCEL_CL_OUT_OF_HOST_MEMORY: return ACCEL_ERR_NO_MEMORY;
    case ACCEL_CL_DEVICE_NOT_FOUND:
    case ACCEL_CL_DEVICE_NOT_AVAILABLE:
    case ACCEL_CL_PLATFORM_NOT_FOUND_KHR: return ACCEL_ERR_UNAVAILABLE;
    case ACCEL_CL_CONTEXT_TERMINATED_KHR: return ACCEL_ERR_DEVICE_LOST;
    case ACCEL_CL_COMPILER_NOT_AVAILABLE:
    case ACCEL_CL_BUILD_PROGRAM_FAILURE:
    case ACCEL_CL_COMPILE_PROGRAM_FAILURE:
    case ACCEL_CL_LINKER_NOT_AVAILABLE:
    case ACCEL_CL_LINK_PROGRAM_FAILURE:
    case ACCEL_CL_INVALID_BINARY:
    case ACCEL_CL_INVALID_BUILD_OPTIONS:
    case ACCEL_CL_INVALID_PROGRAM:
    case ACCEL_CL_INVALID_PROGRAM_EXECUTABLE:
    case ACCEL_CL_INVALID_KERNEL_NAME:
    case ACCEL_CL_INVALID_KERNEL_DEFINITION:
    case ACCEL_CL_INVALID_KERNEL:
    case ACCEL_CL_INVALID_ARG_INDEX:
    case ACCEL_CL_INVALID_ARG_VALUE:
    case ACCEL_CL_INVALID_ARG_SIZE:
    case ACCEL_CL_INVALID_KERNEL_ARGS:
    case ACCEL_CL_INVALID_WORK_DIMENSION:
    case ACCEL_CL_INVALID_WORK_GROUP_SIZE:
    case ACCEL_CL_INVALID_WORK_ITEM_SIZE:
    case ACCEL_CL_INVALID_GLOBAL_OFFSET:
    case ACCEL_CL_INVALID_GLOBAL_WORK_SIZE:
    case ACCEL_CL_INVALID_COMPILER_OPTIONS:
    case ACCEL_CL_INVALID_LINKER_OPTIONS:
    case ACCEL_CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST: return ACCEL_ERR_KERNEL;
    default: return ACCEL_ERR_VENDOR;
    }
}

accel_status accel__cl_check(cl_int code, const char *what, const char *file, int line)
{
    if (code == ACCEL_CL_SUCCESS) return ACCEL_OK;
    const char *name = accel__cl_error_name(code);
    return accel__set_error(accel__cl_status(code), file, line, "%s: %s (%d)", what,
                            name ? name : "unknown OpenCL error", (int)code);
}
