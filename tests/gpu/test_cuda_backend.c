/* The CUDA backend's slots on a real GPU (device ACCEL_TEST_CUDA_DEVICE, default 0). Skips
 * (77) with the reason when there is no usable CUDA device.
 *
 * ACCEL_TEST_EXPECT_KERNELS=1|0 states whether the fill kernel must be there; unset, it must
 * be when the library has a fatbin or NVRTC loads. The ctest entries run this binary three
 * ways: as built, with NVRTC forced (ACCEL_CUDA_NVRTC=1, kernels compiled and cached), and
 * with neither (the "no kernels" path: memory works, operations refuse); the
 * test_cuda_backend_fake* entries run the same three against the stand-in libcuda
 * (tests/gpu/fake_cuda, see docs/cuda.md), on any machine. */
#include "test.h"
#include "backend_slots.h"
#include "vendor/cuda_api.h"
#include "backends/cuda/cuda_kernels.h"

#include <stdlib.h>

int main(void)
{
    const accel__cuda_api *api = NULL;
    if (accel__cuda_api_load(&api) != ACCEL_OK)
        TEST_SKIP("no CUDA device: %s", accel_last_error(NULL));
    if (ACCEL_CU(api, cuInit(0), "cuInit") != ACCEL_OK)
        TEST_SKIP("no CUDA device: %s", accel_last_error(NULL));
    int count = 0;
    if (ACCEL_CU(api, cuDeviceGetCount(&count), "cuDeviceGetCount") != ACCEL_OK || count == 0)
        TEST_SKIP("no CUDA device: the driver (%s) reports none", api->path);
    const char *want = getenv("ACCEL_TEST_CUDA_DEVICE");
    int index = want ? atoi(want) : 0;
    if (index < 0 || index >= count) TEST_SKIP("ACCEL_TEST_CUDA_DEVICE=%s: %d devices", want, count);

    int expect = -1;
    const char *e = getenv("ACCEL_TEST_EXPECT_KERNELS");
    if (e && *e) {
        expect = atoi(e);
    } else {
        const unsigned char *fb;
        size_t fbn;
        const char *archs;
        const char *force = getenv("ACCEL_CUDA_NVRTC");
        const accel__nvrtc_api *nv = NULL;
        int fatbin = accel__cuda_fatbin(&fb, &fbn, &archs) && !(force && force[0] == '1');
        expect = fatbin || accel__nvrtc_api_load(&nv) == ACCEL_OK;
    }

    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) TEST_DONE();
    accel__device dev;
    slots_device_init(&dev, ctx, &accel__backend_cuda, ACCEL_KIND_CUDA, index);
    ASSERT_STR_EQ(accel__backend_cuda.name, "cuda");
    ASSERT_EQ_INT(accel__backend_cuda.api_version, ACCEL__BACKEND_API);
    double t0 = accel__now_ms();
    ASSERT_OK(dev.ops->open(&dev));
    printf("open (context, stream, kernels): %.1f ms\n", accel__now_ms() - t0);
    if (dev.impl) {
        accel_test_failures += slots_run(&dev, expect);
        dev.ops->close(&dev);
        ASSERT_TRUE(dev.impl == NULL);
        /* A second open finds NVRTC output in the cache. */
        ASSERT_OK(dev.ops->open(&dev));
        printf("reopen: %s\n", dev.ops->kernel_note(&dev));
        dev.ops->close(&dev);
    }
    /* Slots on a device that is not open fail cleanly. */
    accel__buffer *b = NULL;
    ASSERT_STATUS(dev.ops->buffer_alloc(&dev, 16, &b), ACCEL_ERR_UNAVAILABLE);
    pthread_mutex_destroy(&dev.lock);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
