/* cmd_config.c — `accel config [--show] [--get KEY]`: the effective configuration, each value
 * with where it came from (api, env, file:PATH:LINE, default). See docs/configuration.md. */
#include "cli.h"

#include <stdlib.h>

const char *const accel_cli_config_help =
    "print the effective configuration and where each value came from ([--show] [--get KEY])";

int accel_cli_config(int argc, char **argv)
{
    const char *get = NULL;
    for (int i = 1; i < argc; i++) {
        if (accel_cli_is(argv[i], "--show", NULL)) {
            continue;
        } else if (accel_cli_is(argv[i], "--get", NULL)) {
            if (i + 1 >= argc) {
                accel_cli_error("config", "--get needs a key, e.g. --get ACCEL_BACKEND");
                return 2;
            }
            get = argv[++i];
        } else if (accel_cli_is(argv[i], "--help", "-h")) {
            printf("usage: accel config [--show] [--get KEY]\n"
                   "  --show     every key, its value and its source (the default)\n"
                   "  --get KEY  one key: its value, a tab, its source\n"
                   "Sources, strongest first: api, env, file:PATH:LINE, default.\n"
                   "The file is $ACCEL_CONFIG, else $XDG_CONFIG_HOME/accel/config.ini, else\n"
                   "~/.config/accel/config.ini (docs/configuration.md).\n"
                   "exit status: 0 shown, 2 usage or configuration error\n");
            return 0;
        } else {
            accel_cli_error("config", "unknown option '%s' (allowed: --show, --get KEY)", argv[i]);
            return 2;
        }
    }
    /* The configuration alone: no device is discovered or opened. */
    accel_ctx *ctx = accel_cli_open(ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP);
    if (!ctx) return 2;
    int rc = 0;
    if (get) {
        const char *value, *source;
        if (accel_config_get(ctx, get, &value, &source) == ACCEL_OK) {
            printf("%s\t%s\n", value, source);
        } else {
            accel_cli_error("config", "%s", accel_last_error(ctx));
            rc = 2;
        }
    } else {
        char *text = NULL;
        if (accel_config_dump(ctx, &text) == ACCEL_OK) {
            fputs(text, stdout);
            free(text);
        } else {
            accel_cli_error("config", "%s", accel_last_error(ctx));
            rc = 2;
        }
    }
    accel_ctx_destroy(ctx);
    return rc;
}
