/* accel_device_ordinal() on the fake libcuda of tests/fakes (scenario ok: Fake H100 at
 * 0000:41:00.0 is CUDA ordinal 0, Fake T4 at 0000:42:00.0 ordinal 1). With
 * CUDA_VISIBLE_DEVICES=1 (argument "visible") the driver shows only the T4, as ordinal 0: the
 * ordinal is the runtime's, the one frameworks in the same process use. */
#include "test.h"

#include <string.h>

int main(int argc, char **argv)
{
    int visible = argc > 1 && strcmp(argv[1], "visible") == 0;
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_WARMUP | ACCEL_CTX_NO_CACHE));
    if (!ctx) TEST_DONE();
    size_t n = 0;
    ASSERT_OK(accel_device_count(ctx, &n));
    int seen_h100 = 0, seen_t4 = 0;
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d = NULL;
        int ord = -2;
        ASSERT_OK(accel_device_get(ctx, i, &d));
        ASSERT_OK(accel_device_ordinal(ctx, i, &ord));
        if (d->kind != ACCEL_KIND_CUDA) {
            ASSERT_EQ_INT(ord, -1);
            continue;
        }
        if (strstr(d->name, "H100")) {
            seen_h100 = 1;
            ASSERT_STR_EQ(d->pci_bus_id, "0000:41:00.0");
            ASSERT_EQ_INT(ord, 0);
        } else if (strstr(d->name, "T4")) {
            seen_t4 = 1;
            ASSERT_STR_EQ(d->pci_bus_id, "0000:42:00.0");
            ASSERT_EQ_INT(ord, visible ? 0 : 1);
        }
    }
    ASSERT_EQ_INT(seen_h100, !visible);
    ASSERT_EQ_INT(seen_t4, 1);
    int ord = 7;
    ASSERT_STATUS(accel_device_ordinal(ctx, n, &ord), ACCEL_ERR_NOT_FOUND);
    ASSERT_EQ_INT(ord, -1);
    ASSERT_CONTAINS(accel_last_error(ctx), "does not exist");
    ASSERT_STATUS(accel_device_ordinal(ctx, 0, NULL), ACCEL_ERR_INVALID_ARG);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
