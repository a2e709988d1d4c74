/* cl_program_cache.c — reading and writing cached OpenCL program binaries. Every check runs
 * before a byte reaches the driver: a truncated or bit-flipped file, or one written for other
 * sources or another driver, must never be loaded as if it were ours. */
#include "backends/opencl/cl_program_cache.h"

#include <stdlib.h>
#include <string.h>

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t mix_text(uint64_t h, const char *s)
{
    /* each part ends in a NUL so ("ab","c") and ("a","bc") differ */
    return accel__hash64(s ? s : "", s ? strlen(s) + 1 : 1, h);
}

uint64_t accel__clbin_key(const char *source, size_t len, const char *device_name,
                          const char *driver_version, const char *platform_version,
                          const char *device_version, const char *options)
{
    uint64_t h = accel__hash64(ACCEL__CLBIN_MAGIC, 8, 0);
    h = accel__hash64(source, len, h);
    h = mix_text(h, device_name);
    h = mix_text(h, driver_version);
    h = mix_text(h, platform_version);
    h = mix_text(h, device_version);
    h = mix_text(h, options);
    return h;
}

void accel__clbin_path(const char *dir, const char *family, uint64_t key, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s-%016llx.bin", dir, family, (unsigned long long)key);
}

const char *accel__clbin_check(const unsigned char *p, size_t len, uint64_t key)
{
    if (len < ACCEL__CLBIN_HEADER) return "shorter than its header";
    if (memcmp(p, ACCEL__CLBIN_MAGIC, 8) != 0) return "wrong magic";
    if (get64(p + 8) != key) return "written for another key";
    /* the header's length is compared, never added to or allocated */
    if (get64(p + 16) != (uint64_t)(len - ACCEL__CLBIN_HEADER)) return "length does not match the header";
    if (get64(p + 24) != accel__hash64(p + ACCEL__CLBIN_HEADER, len - ACCEL__CLBIN_HEADER, 0))
        return "checksum mismatch";
    return NULL;
}

accel_status accel__clbin_load(const char *path, uint64_t key, unsigned char **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    char *raw;
    size_t len;
    FORWARD_IF_ERROR(accel__read_file(path, &raw, &len));
    const char *bad = accel__clbin_check((const unsigned char *)raw, len, key);
    if (bad) {
        free(raw);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "cached OpenCL binary %s: %s", path, bad);
    }
    size_t payload = len - ACCEL__CLBIN_HEADER;
    memmove(raw, raw + ACCEL__CLBIN_HEADER, payload);
    *data = (unsigned char *)raw;
    *n = payload;
    return ACCEL_OK;
}

accel_status accel__clbin_store(const char *path, uint64_t key, const void *data, size_t n)
{
    unsigned char *buf = malloc(ACCEL__CLBIN_HEADER + n);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory caching %s", path);
    memcpy(buf, ACCEL__CLBIN_MAGIC, 8);
    put64(buf + 8, key);
    put64(buf + 16, (uint64_t)n);
    put64(buf + 24, accel__hash64(data, n, 0));
    memcpy(buf + ACCEL__CLBIN_HEADER, data, n);
    accel_status st = accel__write_file_atomic(path, buf, ACCEL__CLBIN_HEADER + n, 0600);
    free(buf);
    return st;
}
