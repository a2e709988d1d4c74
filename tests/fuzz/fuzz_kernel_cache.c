/* fuzz_kernel_cache — the on-disk kernel caches: NVRTC images (src/backends/cuda/
 * cuda_kernels.c, a text header then the image) and OpenCL program binaries (src/backends/
 * opencl/cl_program_cache.c, a 32-byte binary header). An accepted payload must lie within
 * the file and have the length its header states. */
#include "fuzz.h"
#include "backends/cuda/cuda_kernels.h"
#include "backends/opencl/cl_program_cache.h"

static void cuda(const char *buf, size_t n, const char *key)
{
    const char *payload = NULL;
    size_t sz = 0;
    char why[256];
    if (accel__cuda_cache_parse(buf, n, key, &payload, &sz, why, sizeof why) == 0)
        FUZZ_CHECK(payload >= buf && sz <= n && (size_t)(payload - buf) + sz == n);
    else
        FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    cuda(buf, size, "family=basic source=0 target=sm_90 driver=12040 nvrtc=12.4 options=");
    /* the key the file itself holds, so the size and checksum checks are reached */
    if (size > 13 && memcmp(buf, "ACCELKC1\nkey ", 13) == 0) {
        const char *nl = memchr(buf + 13, '\n', size - 13);
        if (nl) {
            char *key = strndup(buf + 13, (size_t)(nl - buf - 13));
            FUZZ_CHECK(key != NULL);
            cuda(buf, size, key);
            free(key);
        }
    }
    /* OpenCL: for a fixed key and for the key in the header */
    uint64_t k = 0;
    if (size >= 16)
        for (int i = 7; i >= 0; i--) k = k << 8 | data[8 + i];
    uint64_t keys[2] = {0x0123456789abcdefull, k};
    for (int i = 0; i < 2; i++) {
        const char *bad = accel__clbin_check(data, size, keys[i]);
        if (!bad) FUZZ_CHECK(size >= ACCEL__CLBIN_HEADER);
    }
    return 0;
}
