/* image_scan.h — reading the kernel images the GPU backends embed or build (fatbins, clang
 * offload bundles, cubins, PTX) in tests: little-endian fields, a byte search, and membership
 * in a space-separated list ("sm_80 sm_90", "ak_fill_f32 ak_scale_f32"). */
#ifndef ACCEL_TEST_IMAGE_SCAN_H
#define ACCEL_TEST_IMAGE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le32(const unsigned char *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}
static inline uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* 1 when `w` is one of the space-separated words of `list`. */
static inline int has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

/* 1 when the n bytes at `hay` contain the characters of `needle` (without its NUL). */
static inline int contains(const unsigned char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0) return 1;
    return 0;
}

#endif
