/* cuda_kernels.h — CUDA kernel images: the fatbin nvcc embedded at build time, and run-time
 * compilation of the kernel sources through NVRTC with an on-disk cache.
 *
 * Nothing here talks to the driver: the backend (cuda_backend.c) loads the images. That keeps
 * compilation and the cache testable on a machine without a GPU. */
#ifndef ACCEL_CUDA_KERNELS_H
#define ACCEL_CUDA_KERNELS_H

#include "vendor/nvrtc_api.h"
#include "core/internal.h"
#include "core/kernels.h"

/* The fatbin embedded at build time (cmake/part_cuda.cmake). Returns 1 and sets the pointers
 * when the library was built with one, 0 otherwise. `archs` lists its contents, e.g.
 * "sm_75 sm_80 sm_86 sm_89 sm_90 compute_90". */
int accel__cuda_fatbin(const unsigned char **data, size_t *size, const char **archs);

/* What NVRTC is asked to produce: SASS for sm_<arch> (a cubin the driver loads as is) or PTX
 * for compute_<arch> (which the driver compiles for the GPU at load). */
typedef struct accel__cuda_target {
    int arch;  /* 75 for sm_75 / compute_75 */
    int cubin; /* 1: cubin for sm_<arch>; 0: PTX for compute_<arch> */
} accel__cuda_target;

/* Chooses the NVRTC target for a GPU of compute capability cc_major.cc_minor: a cubin for the
 * GPU's own architecture when this NVRTC supports it and can emit cubins, else PTX for the
 * newest architecture it supports that is not newer than the GPU. ACCEL_ERR_UNSUPPORTED (with
 * the architectures NVRTC knows) when it supports none that old. */
accel_status accel__cuda_nvrtc_target(const accel__nvrtc_api *nv, int cc_major, int cc_minor,
                                      accel__cuda_target *out);

/* A compiled kernel image, owned by the caller (accel__cuda_image_free). */
typedef struct accel__cuda_image {
    unsigned char *data; /* cubin bytes, or PTX text; always NUL-terminated */
    size_t size;         /* bytes (PTX: including the terminating NUL, as the driver wants) */
    accel__cuda_target target;
    int from_cache;      /* 1 when read back from the disk cache */
    char cache_file[1024]; /* where it is cached, "" when caching was not possible */
} accel__cuda_image;

/* Compiles one kernel family for `target` with NVRTC, or reads the result back from the disk
 * cache (<cache dir>/kernels/cuda). The cache key holds everything that changes the binary:
 * the source text's hash, the target, the driver version, the NVRTC version and the compiler
 * options. A cache entry that does not verify (bad header, other key, wrong length or
 * checksum) is rebuilt and rewritten, never trusted. `ctx` may be NULL (default cache dir).
 * A compilation error returns ACCEL_ERR_KERNEL with NVRTC's log in the message. */
accel_status accel__cuda_nvrtc_image(const accel_ctx *ctx, const accel__nvrtc_api *nv,
                                     const accel__kernel_source *src, accel__cuda_target target,
                                     int driver_version, accel__cuda_image *out);
void accel__cuda_image_free(accel__cuda_image *img);

/* Checks the bytes of a kernel cache entry ("ACCELKC1\n", "key <key>\n", "size <bytes> hash
 * <16 hex>\n", then the image) against `key`. Every field is parsed strictly and the size is
 * compared with the bytes there before anything is hashed. @return 0 with *payload (pointing
 * into buf) and *size set, or -1 with the reason in why. */
int accel__cuda_cache_parse(const char *buf, size_t n, const char *key, const char **payload,
                            size_t *size, char *why, size_t why_cap);

/* "sm_90" or "compute_90" for a target, into buf. */
void accel__cuda_target_name(accel__cuda_target t, char *buf, size_t cap);

#endif
