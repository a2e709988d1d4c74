/* Every bad value gives ACCEL_ERR_CONFIG and a message naming the key, the value, where it
 * came from and the values allowed — from the environment, the API and the file — and the
 * file's own faults (malformed line, foreign section, unknown key, missing file) name
 * PATH:LINE. */
#include "config_test.h"
#include "core/config_file.h"

/* Creates a context with KEY=VALUE in the environment and checks the failure. */
static void bad_env(const char *key, const char *value, const char *allowed)
{
    setenv(key, value, 1);
    accel_ctx *ctx;
    accel_status st = make_ctx(&ctx, NULL, 0);
    const char *msg = accel_last_error(NULL);
    char kv[256];
    snprintf(kv, sizeof kv, "%s=%s", key, value);
    if (st != ACCEL_ERR_CONFIG)
        TEST_FAIL_("%s: saw %s, want ERR_CONFIG", kv, accel_status_name(st));
    ASSERT_CONTAINS(msg, kv);
    ASSERT_CONTAINS(msg, "(from env");
    ASSERT_CONTAINS(msg, "allowed: ");
    ASSERT_CONTAINS(msg, allowed);
    if (ctx) accel_ctx_destroy(ctx);
    unsetenv(key);
}

static void bad_api(const char *key, const char *value, const char *allowed)
{
    accel_option o = {key, value};
    accel_ctx *ctx;
    ASSERT_STATUS(make_ctx(&ctx, &o, 1), ACCEL_ERR_CONFIG);
    const char *msg = accel_last_error(NULL);
    ASSERT_CONTAINS(msg, key);
    ASSERT_CONTAINS(msg, value);
    ASSERT_CONTAINS(msg, "(from api)");
    ASSERT_CONTAINS(msg, allowed);
    if (ctx) accel_ctx_destroy(ctx);
}

/* The configuration file at `path`; the error must contain each of the NULL-terminated
 * `want`. */
static void bad_file_at(const char *path, const char *const *want)
{
    setenv("ACCEL_CONFIG", path, 1);
    accel_ctx *ctx;
    ASSERT_STATUS(make_ctx(&ctx, NULL, 0), ACCEL_ERR_CONFIG);
    const char *msg = accel_last_error(NULL);
    for (; *want; want++) {
        char buf[700];
        /* "@" stands for the file's path */
        const char *at = strchr(*want, '@');
        if (at)
            snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - *want), *want, path, at + 1);
        else
            snprintf(buf, sizeof buf, "%s", *want);
        ASSERT_CONTAINS(msg, buf);
    }
    if (ctx) accel_ctx_destroy(ctx);
    unsetenv("ACCEL_CONFIG");
}

/* bad_file for n bytes that may hold NULs. */
static void bad_file_n(const char *name, const char *bytes, size_t n, const char *const *want)
{
    const char *path = scratch_file(name, "");
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f && fwrite(bytes, 1, n, f) == n);
    if (f) fclose(f);
    bad_file_at(path, want);
}

/* A file with `text`. */
static void bad_file(const char *name, const char *text, const char *const *want)
{
    bad_file_at(scratch_file(name, text), want);
}

/* Long values are kept whole or refused, never cut: values used to be cut to 255 characters
 * before they were validated, so a 300-character serve token (16..512 allowed) was stored as
 * its first 255 characters, and a 600-character one passed as such. */
static void long_values(void)
{
    static char tok[700], dir[600], huge[5000];
    memset(tok, 'a', 300);
    tok[300] = '\0';
    accel_option o = {"ACCEL_SERVE_TOKEN", tok};
    accel_ctx *ctx;
    ASSERT_OK(make_ctx(&ctx, &o, 1));
    const char *v = "", *src = "";
    if (ctx) {
        ASSERT_OK(accel_config_get(ctx, "ACCEL_SERVE_TOKEN", &v, &src));
        ASSERT_EQ_INT(strlen(v), 300);
        accel_ctx_destroy(ctx);
    }
    /* 600 characters: above the token's own limit, refused by it (not cut to a valid one) */
    memset(tok, 'a', 600);
    tok[600] = '\0';
    ASSERT_STATUS(make_ctx(&ctx, &o, 1), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_SERVE_TOKEN=(hidden, 600 characters)");
    if (ctx) accel_ctx_destroy(ctx);
    /* a long path from the environment, whole */
    snprintf(dir, sizeof dir, "/tmp/%0400d/cache", 7);
    setenv("ACCEL_CACHE_DIR", dir, 1);
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        ASSERT_OK(accel_config_get(ctx, "ACCEL_CACHE_DIR", &v, &src));
        ASSERT_STR_EQ(v, dir);
        accel_ctx_destroy(ctx);
    }
    /* beyond what any key takes: an error naming the key and the limit, from each source */
    memset(huge, '7', 4500);
    huge[4500] = '\0';
    setenv("ACCEL_CACHE_DIR", huge, 1);
    ASSERT_STATUS(make_ctx(&ctx, NULL, 0), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_CACHE_DIR (from env): a value of 4500 "
                                            "characters is too long; allowed: at most 4096 "
                                            "characters");
    if (ctx) accel_ctx_destroy(ctx);
    unsetenv("ACCEL_CACHE_DIR");
    accel_option h = {"ACCEL_FAULT", huge};
    ASSERT_STATUS(make_ctx(&ctx, &h, 1), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_FAULT (from api): a value of 4500 characters");
    if (ctx) accel_ctx_destroy(ctx);
}

static const char backends[] = "auto|cuda|rocm|opencl|metal|cpu (hip = rocm, mps = metal)";
static const char booleans[] = "0|1|true|false|yes|no|on|off";

int main(void)
{
    cli_isolate_env();
    scratch_init();

    bad_env("ACCEL_BACKEND", "gpux", backends);
    bad_env("GPU_BACKEND", "gpux", backends);
    bad_env("ACCEL_MEMORY_LIMIT_GB", "-2", "a number of GB greater than 0");
    bad_env("ACCEL_MEMORY_LIMIT_GB", "0", "greater than 0");
    bad_env("ACCEL_MEMORY_LIMIT_GB", "ten", "a number of GB greater than 0");
    bad_env("ACCEL_MEMORY_FRACTION", "1.5", "a number in (0, 1]");
    bad_env("ACCEL_MEMORY_FRACTION", "0", "a number in (0, 1]");
    bad_env("ACCEL_MEMORY_FRACTION", "half", "a number in (0, 1]");
    bad_env("ACCEL_BATCH_SIZE", "lots", "a whole number ≥ 1");
    bad_env("ACCEL_BATCH_SIZE", "0", "a whole number ≥ 1");
    bad_env("ACCEL_BATCH_SIZE", "-4", "a whole number ≥ 1");
    bad_env("ACCEL_NUM_THREADS", "2.5", "a whole number ≥ 1");
    bad_env("ACCEL_CHUNK_SECONDS", "-30", "greater than 0");
    bad_env("ACCEL_CHUNK_SECONDS", "0x10", "greater than 0"); /* strtod reads hex: not here */
    bad_env("ACCEL_MEMORY_LIMIT_GB", "inf", "a number of GB greater than 0");
    bad_env("ACCEL_STRICT", "maybe", booleans);
    bad_env("ACCEL_ALL_GPU", "2", booleans);
    bad_env("ACCEL_CONVERT_GPU", "sometimes", booleans);
    bad_env("ACCEL_LOG_LEVEL", "loud", "error|warn|info|debug");
    bad_env("ACCEL_PRECISION", "fp8", "auto|fp32|tf32|fp16|bf16|int8");
    bad_env("ACCEL_DEVICE", "-1", "a device index");
    bad_env("ACCEL_DEVICE", "gpu0", "or a PCI bus id");
    /* a bus id no card has (bus 0x100), or spelt as no API spells one: refused, not a
     * setting that matches nothing (the selection reads it with the same parser) */
    bad_env("ACCEL_DEVICE", "0:100:00.0", "or a PCI bus id");
    bad_env("ACCEL_DEVICE", "+01:00.0", "or a PCI bus id");
    bad_env("ACCEL_PROBE_TIMEOUT_MS", "5", "a whole number of ms ≥ 100");
    bad_env("ACCEL_SERVE_LISTEN", "8080", "no ':PORT'; allowed: HOST:PORT");
    bad_env("ACCEL_SERVE_LISTEN", "localhost:99999", "port 0..65535");
    bad_env("ACCEL_SERVE_LISTEN", "::1:8080", "[::1]:8765");
    /* bracketed, each fault named as it is (not "goes in brackets") */
    bad_env("ACCEL_SERVE_LISTEN", "[::1]", "no ':PORT' after the ']'");
    bad_env("ACCEL_SERVE_LISTEN", "[::1", "no ']' after the IPv6 address");
    bad_env("ACCEL_SERVE_LISTEN", "[]:8080", "no address in the brackets");
    bad_env("ACCEL_SERVE_LISTEN", "[::1]8080", "':PORT' does not follow the ']'");
    bad_env("ACCEL_SERVE_WORKERS", "0", "a whole number 1..256");
    bad_env("ACCEL_SERVE_QUEUE", "-1", "a whole number 0..100000");
    bad_env("ACCEL_SERVE_BODY_LIMIT_MB", "0", "a number of MB in (0, 4096]");
    bad_env("ACCEL_SERVE_TIME_LIMIT_S", "soon", "a number of seconds in (0, 86400]");
    bad_env("ACCEL_SERVE_CLIENT_TIMEOUT_S", "7200", "(0, 3600]");
    /* a wrong token is refused without being echoed */
    for (int k = 0; k < 3; k++) {
        const char *tok = k == 2 ? "================" : k ? "has space in the middle" : "short-secret";
        setenv("ACCEL_SERVE_TOKEN", tok, 1);
        accel_ctx *tctx;
        ASSERT_STATUS(make_ctx(&tctx, NULL, 0), ACCEL_ERR_CONFIG);
        const char *msg = accel_last_error(NULL);
        ASSERT_CONTAINS(msg, k == 2 ? "ACCEL_SERVE_TOKEN=(hidden, 16 characters) (from env): only '=' padding"
                             : k     ? "ACCEL_SERVE_TOKEN=(hidden, 23 characters) (from env): character 4"
                                     : "ACCEL_SERVE_TOKEN=(hidden, 12 characters) (from env): 12 characters");
        ASSERT_CONTAINS(msg, "allowed: empty (no token), or 16..512 characters");
        ASSERT_TRUE(strstr(msg, tok) == NULL);
        if (tctx) accel_ctx_destroy(tctx);
        unsetenv("ACCEL_SERVE_TOKEN");
    }

    long_values();

    bad_api("ACCEL_BACKEND", "gpux", backends);
    bad_api("ACCEL_MEMORY_FRACTION", "1.5", "(0, 1]");
    bad_api("ACCEL_FRACTION", "0.5", "allowed: ACCEL_BACKEND,"); /* unknown key */
    /* a relative cache directory would be another one in each directory accel runs from */
    bad_api("ACCEL_CACHE_DIR", "relcache", "a relative path, which would name another directory "
                                           "for each directory accel runs from; allowed: an "
                                           "absolute path");
    bad_api("ACCEL_CACHE_DIR", "~/cache", "an absolute path"); /* no shell expands it here */

    /* a bad value in the environment is an error even when the API overrides it */
    setenv("ACCEL_BATCH_SIZE", "x", 1);
    accel_option ok = {"ACCEL_BATCH_SIZE", "8"};
    accel_ctx *ctx;
    ASSERT_STATUS(make_ctx(&ctx, &ok, 1), ACCEL_ERR_CONFIG);
    if (ctx) accel_ctx_destroy(ctx);
    unsetenv("ACCEL_BATCH_SIZE");

    if (accel__config_file_supported()) {
        bad_file("value.ini", "[accel]\nACCEL_BACKEND = gpux\n",
                 (const char *const[]){"ACCEL_BACKEND=gpux", "(from file:@:2)", backends, NULL});
        bad_file("fraction.ini", "ACCEL_BATCH_SIZE = 4\n\nACCEL_MEMORY_FRACTION = 1.5\n",
                 (const char *const[]){"ACCEL_MEMORY_FRACTION=1.5", "file:@:3", "(0, 1]", NULL});
        bad_file("text.ini", "ACCEL_NUM_THREADS = four\n",
                 (const char *const[]){"ACCEL_NUM_THREADS=four", "file:@:1", "whole number",
                                       NULL});
        bad_file("malformed.ini", "[accel]\nACCEL_STRICT = 1\nACCEL_BACKEND cuda\n",
                 (const char *const[]){"@:3: malformed line 'ACCEL_BACKEND cuda'",
                                       "allowed: KEY = VALUE", NULL});
        bad_file("section.ini", "[accel\nACCEL_BACKEND = cpu\n",
                 (const char *const[]){"@:1: malformed line '[accel'", NULL});
        bad_file("foreign.ini", "[gpu]\nACCEL_BACKEND = cpu\n",
                 (const char *const[]){"@:2: ACCEL_BACKEND = cpu is in section [gpu]",
                                       "[accel]", NULL});
        bad_file("unknown.ini", "ACCEL_BACKEND = cpu\nACCEL_FRACTION = 0.5\n",
                 (const char *const[]){"ACCEL_FRACTION=0.5", "unknown configuration key",
                                       "file:@:2", "allowed: ACCEL_BACKEND", NULL});
        char long_line[400];
        snprintf(long_line, sizeof long_line, "ACCEL_FAULT = %0300d\n", 0);
        bad_file("long.ini", long_line, (const char *const[]){"@:1: line too long", NULL});
        /* NUL bytes: a line holding one is named, never parsed as the text before it (the
         * message used to quote '' after reading one byte before its buffer) */
        bad_file_n("nul.ini", "ACCEL_STRICT = 1\nACCEL_BACKEND = c\0pu\n", 38,
                   (const char *const[]){"@:2: contains a NUL byte", NULL});
        bad_file_n("nul-first.ini", "\0\n", 2, (const char *const[]){"@:1: contains a NUL byte", NULL});
        bad_file_n("nul-only.ini", "\0", 1, (const char *const[]){"@:1: contains a NUL byte", NULL});
        bad_file_n("nul-late.ini", "[accel\nx\0\n", 10,
                   (const char *const[]){"@:1: malformed line '[accel'", NULL});
        /* a file of more than 1 MiB is refused, and an endless one (/dev/zero) is not read
         * for ever: reading stops at the limit */
        {
            const char line[] = "ACCEL_BATCH_SIZE = 4\n";
            size_t n = 0, cap = (2u << 20) + sizeof line;
            char *big = malloc(cap);
            while (big && n + sizeof line - 1 < cap - 1) {
                memcpy(big + n, line, sizeof line - 1);
                n += sizeof line - 1;
            }
            if (big)
                bad_file_n("big.ini", big, n,
                           (const char *const[]){"@: larger than 1024 KiB", "allowed: ", NULL});
            free(big);
            bad_file_at("/dev/zero", (const char *const[]){"/dev/zero:1: contains a NUL byte", NULL});
        }
        /* the file's bad value counts even when the environment sets the key */
        setenv("ACCEL_BACKEND", "cpu", 1);
        bad_file("shadowed.ini", "ACCEL_BACKEND = gpux\n",
                 (const char *const[]){"ACCEL_BACKEND=gpux", "file:@:1", NULL});
        unsetenv("ACCEL_BACKEND");
    }

    /* ACCEL_CONFIG that names no file, or a directory */
    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.ini", scratch_dir);
    setenv("ACCEL_CONFIG", missing, 1);
    ASSERT_STATUS(make_ctx(&ctx, NULL, 0), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), missing);
    ASSERT_CONTAINS(accel_last_error(NULL), "No such file");
    setenv("ACCEL_CONFIG", scratch_dir, 1);
    ASSERT_STATUS(make_ctx(&ctx, NULL, 0), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "is a directory");
    unsetenv("ACCEL_CONFIG");

    /* and a good configuration still loads after all that */
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    accel_ctx_destroy(ctx);
    scratch_cleanup();
    TEST_DONE();
}
