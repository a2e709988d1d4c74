/* config_test.h — helpers for the configuration tests: a scratch directory, files in it, and
 * a context built from options, the environment and a file. */
#ifndef ACCEL_TEST_CONFIG_H
#define ACCEL_TEST_CONFIG_H

#include "test.h"
#include "cli_run.h"
#include "core/backend.h"

#include <sys/stat.h>

static char scratch_dir[256];

static void scratch_init(void)
{
    snprintf(scratch_dir, sizeof scratch_dir, "/tmp/accel-config-test-XXXXXX");
    if (!mkdtemp(scratch_dir)) {
        perror("mkdtemp");
        exit(1);
    }
}

/* Writes `text` to <scratch>/<name> (creating parent directories) and returns the path
 * (static buffer per call site is not needed: callers copy). */
static const char *scratch_file(const char *name, const char *text)
{
    static char path[8][512];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 512, "%s/%s", scratch_dir, name);
    for (char *s = p + strlen(scratch_dir) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0700);
            *s = '/';
        }
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return p;
}

static void scratch_cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", scratch_dir);
}

static accel_status make_ctx(accel_ctx **ctx, const accel_option *opts, size_t n)
{
    *ctx = NULL;
    return accel_ctx_create(ctx, opts, n, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP);
}

#define ASSERT_SETTING(ctx, key, want_value, want_source)                     \
    do {                                                                      \
        const char *cfg_v_ = NULL, *cfg_s_ = NULL;                                    \
        ASSERT_OK(accel_config_get((ctx), (key), &cfg_v_, &cfg_s_));                  \
        ASSERT_STR_EQ(cfg_v_, (want_value));                                      \
        ASSERT_STR_EQ(cfg_s_, (want_source));                                     \
    } while (0)

#endif
