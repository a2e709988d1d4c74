/* The HIP backend's slots on a real AMD GPU (HIP ordinal ACCEL_TEST_HIP_DEVICE, default 0).
 * Skips (77) with the reason when HIP is not installed, does not initialise, or sees no GPU.
 * hipInit runs in a probe child first, so a runtime that crashes on this machine ends in a
 * skip with that reason, not in a dead test.
 *
 * ACCEL_TEST_EXPECT_KERNELS=1|0 states whether the fill kernel must be there; unset, it must
 * not be when the library has no code objects, and may be either otherwise (the GPU's target
 * may be missing from them). The ctest entry test_hip_backend_fake runs it against the
 * stand-in runtime (tests/gpu/fake_hip), whose device 0 is a gfx90a. */
#include "test.h"
#include "backend_slots.h"
#include "vendor/hip_api.h"
#include "backends/hip/hip_kernels.h"

#include <stdlib.h>

static int count_devices(void *arg, accel__probe_chan *chan)
{
    (void)arg;
    const accel__hip_api *api = NULL;
    if (accel__hip_api_load(&api) != ACCEL_OK) {
        accel__probe_fail(chan, "%s", accel_last_error(NULL));
        return 1;
    }
    int n = 0;
    if (ACCEL_HIP(api, hipInit(0), "hipInit") != ACCEL_OK ||
        ACCEL_HIP(api, hipGetDeviceCount(&n), "hipGetDeviceCount") != ACCEL_OK) {
        accel__probe_fail(chan, "%s", accel_last_error(NULL));
        return 1;
    }
    accel__probe_reply(chan, &n, sizeof n);
    return 0;
}

int main(void)
{
    accel__probe_result r;
    ASSERT_OK(accel__probe_run("libamdhip64", count_devices, NULL, 30000, &r));
    int count = 0;
    if (r.ok && r.reply_len == sizeof count) memcpy(&count, r.reply, sizeof count);
    if (!r.ok) TEST_SKIP("no HIP device: %s", r.verdict);
    accel__probe_result_free(&r);
    if (count == 0) TEST_SKIP("no HIP device: the runtime reports none");
    const char *want = getenv("ACCEL_TEST_HIP_DEVICE");
    int index = want ? atoi(want) : 0;
    if (index < 0 || index >= count) TEST_SKIP("ACCEL_TEST_HIP_DEVICE=%s: %d devices", want, count);

    const unsigned char *co;
    size_t con;
    const char *archs;
    int expect = accel__hip_codeobj(&co, &con, &archs) ? -1 : 0;
    const char *e = getenv("ACCEL_TEST_EXPECT_KERNELS");
    if (e && *e) expect = atoi(e);

    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) TEST_DONE();
    accel__device dev;
    slots_device_init(&dev, ctx, &accel__backend_hip, ACCEL_KIND_ROCM, index);
    ASSERT_STR_EQ(accel__backend_hip.name, "rocm");
    ASSERT_OK(dev.ops->open(&dev));
    if (dev.impl) {
        accel_test_failures += slots_run(&dev, expect);
        dev.ops->close(&dev);
    }
    pthread_mutex_destroy(&dev.lock);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
