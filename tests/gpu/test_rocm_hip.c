/* AMD GPU discovery with the real HIP runtime of this machine over the captured sysfs tree:
 * the probe child loads libamdhip64 and runs hipInit. The GPUs of the tree are not this
 * machine's, so HIP cannot report them: each must be listed as unusable with HIP's own reason
 * (hipInit's error, or "does not report this GPU"), never as usable and never "not found",
 * and the test process must survive whatever the runtime does. Skips (77) without
 * libamdhip64. */
#include "test.h"
#include "backends/hip/hip_api.h"
#include "discover/rocm.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    char root[1024];
    snprintf(root, sizeof root, "%s/sysfs-amd", ACCEL_TEST_DATA);
    setenv(ACCEL__ENV_SYSFS_ROOT, root, 1);
    unsetenv("HIP_VISIBLE_DEVICES");
    unsetenv("ROCR_VISIBLE_DEVICES");
    const accel__hip_api *api = NULL;
    if (accel__hip_api_load(&api) != ACCEL_OK)
        TEST_SKIP("HIP runtime not installed: %s", accel_last_error(NULL));
    printf("HIP runtime: %s\n", api->path);
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) TEST_DONE();
    accel__devlist l = {0};
    double t0 = accel__now_ms();
    ASSERT_OK(accel__discover_rocm(ctx, &l, true));
    printf("probe: %.1f ms\n", accel__now_ms() - t0);
    ASSERT_EQ_INT(l.n, 2);
    for (size_t i = 0; i < l.n; i++) {
        const accel_device_info *d = &l.v[i].info;
        printf("device %zu: %s [%s] %s\n", i, d->name, d->pci_bus_id, d->verdict);
        ASSERT_EQ_INT(d->usable, 0);
        ASSERT_TRUE(strncmp(d->verdict, "unusable: ", 10) == 0);
        ASSERT_TRUE(strstr(d->verdict, "not found") == NULL);
    }
    accel__devlist_free(&l);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
