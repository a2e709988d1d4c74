/* cmd_devices.c — `accel devices [--json] [--no-cache]`: every device found. */
#include "cli.h"

#include <string.h>

const char *const accel_cli_devices_help = "list every compute device ([--json] [--no-cache])";

int accel_cli_devices(int argc, char **argv)
{
    unsigned flags = ACCEL_CTX_NO_WARMUP;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (accel_cli_is(argv[i], "--json", NULL))
            json = 1;
        else if (accel_cli_is(argv[i], "--no-cache", NULL))
            flags |= ACCEL_CTX_NO_CACHE;
        else if (accel_cli_is(argv[i], "--help", "-h")) {
            printf("usage: accel devices [--json] [--no-cache]\n");
            return 0;
        } else {
            accel_cli_error("devices", "unknown option '%s' (allowed: --json, --no-cache)", argv[i]);
            return 2;
        }
    }
    accel_ctx *ctx = accel_cli_open(flags);
    if (!ctx) return 2;
    size_t n = 0;
    accel_device_count(ctx, &n);
    (void)json;
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        accel_device_get(ctx, i, &d);
        printf("%d  %-7s %s  [%s]\n", d->index, accel_device_kind_name(d->kind), d->name,
               d->verdict);
    }
    accel_ctx_destroy(ctx);
    return 0;
}
