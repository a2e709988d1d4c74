/* cmd_select.c — `accel select [--op NAME] [--explain] [--no-cache]`: the device the policy
 * would choose, and with --explain every candidate with its score and the rule or setting
 * that placed it. */
#include "cli.h"

#include <stdlib.h>

const char *const accel_cli_select_help =
    "print the device an operation would run on ([--op NAME] [--explain] [--no-cache])";

int accel_cli_select(int argc, char **argv)
{
    const char *op = NULL;
    int explain = 0;
    unsigned flags = ACCEL_CTX_NO_WARMUP;
    for (int i = 1; i < argc; i++) {
        if (accel_cli_is(argv[i], "--op", NULL)) {
            if (i + 1 >= argc) {
                accel_cli_error("select", "--op needs an operation name");
                return 2;
            }
            op = argv[++i];
        } else if (accel_cli_is(argv[i], "--explain", NULL)) {
            explain = 1;
        } else if (accel_cli_is(argv[i], "--no-cache", NULL)) {
            flags |= ACCEL_CTX_NO_CACHE;
        } else if (accel_cli_is(argv[i], "--help", "-h")) {
            printf("usage: accel select [--op NAME] [--explain] [--no-cache]\n"
                   "  --op NAME   the operation to place (default: any)\n"
                   "  --explain   list every candidate, its score and the rule that decided\n"
                   "  --no-cache  probe every vendor stack afresh\n"
                   "Honours ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU and\n"
                   "ACCEL_STRICT (docs/configuration.md).\n"
                   "exit status: 0 a device was chosen; 1 none may be used (ACCEL_STRICT=1\n"
                   "refused a fallback, or no usable device); 2 usage or configuration error\n");
            return 0;
        } else {
            accel_cli_error("select", "unknown option '%s' (allowed: --op NAME, --explain, "
                                      "--no-cache)",
                            argv[i]);
            return 2;
        }
    }
    accel_ctx *ctx = accel_cli_open(flags);
    if (!ctx) return 2;
    size_t chosen = 0;
    char *text = NULL;
    accel_status st = accel_select(ctx, op, &chosen, explain ? &text : NULL);
    int rc = 0;
    if (text) fputs(text, stdout); /* also when the selection failed: it says why */
    if (st == ACCEL_OK) {
        if (!text) {
            const accel_device_info *d;
            accel_device_get(ctx, chosen, &d);
            printf("%d %s %s%s%s\n", d->index, accel_device_kind_name(d->kind), d->name,
                   d->pci_bus_id[0] ? " " : "", d->pci_bus_id);
        }
    } else {
        accel_cli_error("select", "%s", accel_last_error(ctx));
        rc = (st == ACCEL_ERR_NOT_FOUND || st == ACCEL_ERR_CONFIG ||
              st == ACCEL_ERR_INVALID_ARG)
                 ? 2
                 : 1;
    }
    free(text);
    accel_ctx_destroy(ctx);
    return rc;
}
