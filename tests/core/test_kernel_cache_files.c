/* The kernel caches' file checks on crafted bytes (the cache directory is the user's, so its
 * files are untrusted input): sizes that overflow or lie, a checksum that is not hex, a file
 * for another key — each refused with its reason, and a valid entry accepted. */
#include "test.h"
#include "backends/cuda/cuda_kernels.h"
#include "backends/opencl/cl_program_cache.h"

#include <inttypes.h>

static const char *cuda_why(const char *file, size_t n, const char *key)
{
    static char why[256];
    const char *payload = NULL;
    size_t size = 0;
    why[0] = '\0';
    if (accel__cuda_cache_parse(file, n, key, &payload, &size, why, sizeof why) == 0) return NULL;
    return why;
}

static void cuda_entry(char *buf, size_t cap, const char *key, const char *size, const char *hash,
                       const char *payload)
{
    snprintf(buf, cap, "ACCELKC1\nkey %s\nsize %s hash %s\n%s", key, size, hash, payload);
}

int main(void)
{
    const char *key = "family=basic target=sm_90";
    char f[512], hash[32];
    snprintf(hash, sizeof hash, "%016" PRIx64, accel__hash64("PTX", 3, 0));

    cuda_entry(f, sizeof f, key, "3", hash, "PTX");
    ASSERT_TRUE(cuda_why(f, strlen(f), key) == NULL);
    const char *payload = NULL;
    size_t size = 0;
    char why[256];
    ASSERT_EQ_INT(accel__cuda_cache_parse(f, strlen(f), key, &payload, &size, why, sizeof why), 0);
    ASSERT_EQ_INT(size, 3);
    ASSERT_TRUE(payload && memcmp(payload, "PTX", 3) == 0);

    cuda_entry(f, sizeof f, key, "99999999999999999999", hash, "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "bad size line");
    cuda_entry(f, sizeof f, key, "18446744073709551615", hash, "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "header says 18446744073709551615");
    cuda_entry(f, sizeof f, key, "-3", hash, "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "bad size line");
    cuda_entry(f, sizeof f, key, "3", "0x1234", "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "bad size line");
    cuda_entry(f, sizeof f, key, "3", "ffffffffffffffffff", "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "bad size line");
    cuda_entry(f, sizeof f, key, "2", hash, "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "3 payload bytes, header says 2");
    cuda_entry(f, sizeof f, key, "3", "0000000000000000", "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "checksum");
    cuda_entry(f, sizeof f, "family=other", "3", hash, "PTX");
    ASSERT_CONTAINS(cuda_why(f, strlen(f), key), "key differs");
    ASSERT_CONTAINS(cuda_why("ACCELKC1\n", 9, key), "key differs");
    ASSERT_CONTAINS(cuda_why("", 0, key), "bad header");

    /* OpenCL program binaries: the 32-byte binary header */
    unsigned char b[64];
    uint64_t k = 0x1122334455667788ull;
    memset(b, 0, sizeof b);
    memcpy(b, ACCEL__CLBIN_MAGIC, 8);
    for (int i = 0; i < 8; i++) b[8 + i] = (unsigned char)(k >> (8 * i));
    memcpy(b + 32, "binary", 6);
    uint64_t len = 6, sum = accel__hash64(b + 32, 6, 0);
    for (int i = 0; i < 8; i++) {
        b[16 + i] = (unsigned char)(len >> (8 * i));
        b[24 + i] = (unsigned char)(sum >> (8 * i));
    }
    ASSERT_TRUE(accel__clbin_check(b, 38, k) == NULL);
    ASSERT_STR_EQ(accel__clbin_check(b, 38, k + 1), "written for another key");
    ASSERT_STR_EQ(accel__clbin_check(b, 37, k), "length does not match the header");
    ASSERT_STR_EQ(accel__clbin_check(b, 31, k), "shorter than its header");
    for (int i = 0; i < 8; i++) b[16 + i] = 0xff; /* a length of 2^64 − 1 */
    ASSERT_STR_EQ(accel__clbin_check(b, 38, k), "length does not match the header");
    TEST_DONE();
}
