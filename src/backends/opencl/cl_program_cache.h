/* cl_program_cache.h — the on-disk cache of OpenCL program binaries.
 *
 * One file per (kernel family, key) under <cache dir>/kernels/opencl/: "<family>-<key>.bin".
 * The key hashes everything that changes the binary: the source text (dialect header
 * included), the device name, the driver version, the platform and device versions and the
 * build options. A file holds
 *
 *     "ACCLBIN1"  8 bytes   magic and format version
 *     key         8 bytes   little-endian, must equal the key in the file name
 *     length      8 bytes   payload bytes
 *     checksum    8 bytes   accel__hash64 of the payload
 *     payload     the driver's program binary (CL_PROGRAM_BINARIES)
 *
 * A file that fails any check is reported as corrupt and never handed to the driver; a
 * binary the driver then refuses is the backend's to reject (it rebuilds from source). */
#ifndef ACCEL_CL_PROGRAM_CACHE_H
#define ACCEL_CL_PROGRAM_CACHE_H

#include "core/internal.h"

#define ACCEL__CLBIN_MAGIC "ACCLBIN1"
#define ACCEL__CLBIN_HEADER 32

/* The cache key of a family's program on one device. */
uint64_t accel__clbin_key(const char *source, size_t len, const char *device_name,
                          const char *driver_version, const char *platform_version,
                          const char *device_version, const char *options);

/* "<dir>/<family>-<key as 16 hex digits>.bin" into buf. */
void accel__clbin_path(const char *dir, const char *family, uint64_t key, char *buf, size_t cap);

/* Reads and checks a cache file. ACCEL_OK: *data (malloc'd, caller frees) holds the payload.
 * ACCEL_ERR_NOT_FOUND: no file. ACCEL_ERR_FORMAT: the file is there but corrupt or for
 * another key (the message says which check failed). */
accel_status accel__clbin_load(const char *path, uint64_t key, unsigned char **data, size_t *n);

/* The checks of accel__clbin_load on bytes in memory: NULL when file[0, len) is a valid entry
 * for `key` (its payload starts at file + ACCEL__CLBIN_HEADER), else which check failed. */
const char *accel__clbin_check(const unsigned char *file, size_t len, uint64_t key);

/* Writes a cache file atomically (temp + rename). */
accel_status accel__clbin_store(const char *path, uint64_t key, const void *data, size_t n);

#endif
