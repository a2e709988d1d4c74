/* A program outside the project that uses the installed library. */
#include <accel.h>
#include <stdio.h>

int main(void)
{
    accel_ctx *ctx = NULL;
    if (accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY) != ACCEL_OK) {
        fprintf(stderr, "consumer: %s\n", accel_last_error(NULL));
        return 1;
    }
    size_t n = 0;
    accel_device_count(ctx, &n);
    printf("accel %s, %zu device(s)\n", accel_version_string(), n);
    accel_ctx_destroy(ctx);
    return accel_version_number() == ACCEL_VERSION_NUMBER && n >= 1 ? 0 : 1;
}
