/* dlpack.h — the DLPack ABI (https://dmlc.github.io/dlpack/latest/): the structs a tensor is
 * exchanged in, as the specification lays them out (version 1.0 for the versioned form; the
 * legacy form is DLPack 0.x's DLManagedTensor). Written from the specification; only what
 * accel reads and writes. */
#ifndef PYACCEL_DLPACK_H
#define PYACCEL_DLPACK_H

#include <stdint.h>

#define PA_DLPACK_MAJOR 1
#define PA_DLPACK_MINOR 0

/* device types */
enum {
    PA_DL_CPU = 1,
    PA_DL_CUDA = 2,
    PA_DL_CUDA_HOST = 3, /* pinned host memory: readable by the CPU */
    PA_DL_OPENCL = 4,
    PA_DL_VULKAN = 7,
    PA_DL_METAL = 8,
    PA_DL_VPI = 9,
    PA_DL_ROCM = 10,
    PA_DL_ROCM_HOST = 11, /* pinned host memory */
    PA_DL_EXT_DEV = 12,
    PA_DL_CUDA_MANAGED = 13, /* unified memory: readable by the CPU */
    PA_DL_ONEAPI = 14,
};

/* dtype codes */
enum { PA_DL_INT = 0, PA_DL_UINT = 1, PA_DL_FLOAT = 2, PA_DL_OPAQUE = 3, PA_DL_BFLOAT = 4,
       PA_DL_COMPLEX = 5, PA_DL_BOOL = 6 };

typedef struct {
    int32_t device_type; /* the specification's DLDeviceType, an int-sized enum */
    int32_t device_id;
} pa_dl_device;

typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} pa_dl_dtype;

typedef struct {
    void *data;
    pa_dl_device device;
    int32_t ndim;
    pa_dl_dtype dtype;
    int64_t *shape;
    int64_t *strides; /* in elements; NULL: compact row-major */
    uint64_t byte_offset;
} pa_dl_tensor;

typedef struct pa_dl_managed {
    pa_dl_tensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct pa_dl_managed *self);
} pa_dl_managed;

typedef struct {
    uint32_t major;
    uint32_t minor;
} pa_dl_version;

#define PA_DL_FLAG_READ_ONLY (1ull << 0)
#define PA_DL_FLAG_IS_COPIED (1ull << 1)

typedef struct pa_dl_managed_versioned {
    pa_dl_version version;
    void *manager_ctx;
    void (*deleter)(struct pa_dl_managed_versioned *self);
    uint64_t flags;
    pa_dl_tensor dl_tensor;
} pa_dl_managed_versioned;

/* capsule names */
#define PA_DL_CAPSULE "dltensor"
#define PA_DL_CAPSULE_USED "used_dltensor"
#define PA_DL_CAPSULE_V "dltensor_versioned"
#define PA_DL_CAPSULE_V_USED "used_dltensor_versioned"

_Static_assert(sizeof(pa_dl_tensor) == 48, "DLTensor is 48 bytes on LP64");
_Static_assert(sizeof(pa_dl_managed) == 64, "DLManagedTensor is 64 bytes on LP64");
_Static_assert(sizeof(pa_dl_managed_versioned) == 80, "DLManagedTensorVersioned is 80 bytes");

#endif
