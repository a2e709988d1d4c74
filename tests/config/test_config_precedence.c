/* Configuration precedence: API options > environment > file > defaults, each value with its
 * source; the file's top level and [accel] section, lower-case keys, quotes, comments, empty
 * values; GPU_BACKEND and mps aliases; which file is read (ACCEL_CONFIG from the API or the
 * environment, XDG_CONFIG_HOME, HOME). */
#include "config_test.h"
#include "core/config_file.h"

static void layers(void)
{
    const char *path = scratch_file("layers.ini",
                                    "; accel settings\n"                   /* 1 */
                                    "# comments of both kinds\n"           /* 2 */
                                    "ACCEL_BATCH_SIZE = 16\n"              /* 3 */
                                    "[accel]\n"                            /* 4 */
                                    "ACCEL_BACKEND = cpu\n"                /* 5 */
                                    "accel_memory_fraction = 0.5\n"        /* 6 */
                                    "ACCEL_NUM_THREADS = \"3\"  ; quoted\n" /* 7 */
                                    "ACCEL_CONVERT_GPU = 0\n"              /* 8 */
                                    "ACCEL_DEVICE =\n"                     /* 9 */
                                    "\n"                                   /* 10 */
                                    "ACCEL_CHUNK_SECONDS: 30\n");          /* 11 */
    char src[600];
    setenv("ACCEL_CONFIG", path, 1);
    setenv("ACCEL_BACKEND", "opencl", 1);
    setenv("ACCEL_MEMORY_FRACTION", "0.25", 1);
    setenv("ACCEL_STRICT", "", 1); /* empty: unset */
    accel_option opts[] = {{"ACCEL_MEMORY_FRACTION", "0.75"}};
    accel_ctx *ctx;
    ASSERT_OK(make_ctx(&ctx, opts, 1));
    if (!ctx) return;
    snprintf(src, sizeof src, "file:%s:3", path);
    ASSERT_SETTING(ctx, "ACCEL_BATCH_SIZE", "16", src);            /* file only */
    ASSERT_SETTING(ctx, "ACCEL_BACKEND", "opencl", "env");         /* env over file */
    ASSERT_SETTING(ctx, "ACCEL_MEMORY_FRACTION", "0.75", "api");   /* api over env and file */
    snprintf(src, sizeof src, "file:%s:7", path);
    ASSERT_SETTING(ctx, "ACCEL_NUM_THREADS", "3", src);
    snprintf(src, sizeof src, "file:%s:8", path);
    ASSERT_SETTING(ctx, "ACCEL_CONVERT_GPU", "0", src);
    snprintf(src, sizeof src, "file:%s:11", path);
    ASSERT_SETTING(ctx, "ACCEL_CHUNK_SECONDS", "30", src);
    ASSERT_SETTING(ctx, "ACCEL_DEVICE", "", "default");
    ASSERT_SETTING(ctx, "ACCEL_STRICT", "0", "default");
    ASSERT_SETTING(ctx, "ACCEL_LOG_LEVEL", "warn", "default");
    ASSERT_SETTING(ctx, "ACCEL_CONFIG", path, "env");
    ASSERT_EQ_INT(accel__cfg_int(ctx, ACCEL__CFG_BATCH_SIZE), 16);
    ASSERT_NEAR(accel__cfg_double(ctx, ACCEL__CFG_MEMORY_FRACTION), 0.75, 1e-12);
    ASSERT_EQ_INT(accel__cfg_op_gpu(ctx, "convert"), 0);
    ASSERT_EQ_INT(accel__cfg_op_gpu(ctx, "reduce"), -1);
    char *dump = NULL;
    ASSERT_OK(accel_config_dump(ctx, &dump));
    snprintf(src, sizeof src, "file:%s:3", path);
    ASSERT_CONTAINS(dump, src);
    ASSERT_CONTAINS(dump, "ACCEL_MEMORY_FRACTION");
    ASSERT_CONTAINS(dump, "api");
    free(dump);
    accel_ctx_destroy(ctx);

    /* the API names another file: it replaces the environment's */
    const char *other = scratch_file("other.ini", "ACCEL_BATCH_SIZE = 64\n");
    accel_option o2[] = {{"ACCEL_CONFIG", other}};
    ASSERT_OK(make_ctx(&ctx, o2, 1));
    if (ctx) {
        snprintf(src, sizeof src, "file:%s:1", other);
        ASSERT_SETTING(ctx, "ACCEL_BATCH_SIZE", "64", src);
        ASSERT_SETTING(ctx, "ACCEL_CONFIG", other, "api");
        ASSERT_SETTING(ctx, "ACCEL_CONVERT_GPU", "", "default"); /* layers.ini not read */
        accel_ctx_destroy(ctx);
    }
    unsetenv("ACCEL_CONFIG");
    unsetenv("ACCEL_BACKEND");
    unsetenv("ACCEL_MEMORY_FRACTION");
    unsetenv("ACCEL_STRICT");
}

static void aliases(void)
{
    char src[600];
    const char *path = scratch_file("alias.ini", "[accel]\nGPU_BACKEND = mps\n");
    setenv("ACCEL_CONFIG", path, 1);
    accel_ctx *ctx;
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        snprintf(src, sizeof src, "file:%s:2", path);
        ASSERT_SETTING(ctx, "ACCEL_BACKEND", "metal", src); /* mps is metal */
        ASSERT_SETTING(ctx, "GPU_BACKEND", "metal", src);   /* the alias reads the same key */
        accel_ctx_destroy(ctx);
    }
    /* GPU_BACKEND in the environment beats the file, ACCEL_BACKEND beats GPU_BACKEND */
    setenv("GPU_BACKEND", "cuda", 1);
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        ASSERT_SETTING(ctx, "ACCEL_BACKEND", "cuda", "env (GPU_BACKEND)");
        accel_ctx_destroy(ctx);
    }
    setenv("ACCEL_BACKEND", "rocm", 1);
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        ASSERT_SETTING(ctx, "ACCEL_BACKEND", "rocm", "env");
        accel_ctx_destroy(ctx);
    }
    unsetenv("GPU_BACKEND");
    unsetenv("ACCEL_BACKEND");
    unsetenv("ACCEL_CONFIG");
}

static void default_file(void)
{
    char xdg[400], home[400], src[600];
    snprintf(xdg, sizeof xdg, "%s/xdg", scratch_dir);
    snprintf(home, sizeof home, "%s/home", scratch_dir);
    const char *in_xdg = scratch_file("xdg/accel/config.ini", "ACCEL_BATCH_SIZE = 7\n");
    const char *in_home = scratch_file("home/.config/accel/config.ini", "\nACCEL_BATCH_SIZE = 9\n");
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    accel_ctx *ctx;
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        snprintf(src, sizeof src, "file:%s:1", in_xdg);
        ASSERT_SETTING(ctx, "ACCEL_BATCH_SIZE", "7", src);
        ASSERT_SETTING(ctx, "ACCEL_CONFIG", in_xdg, "default");
        accel_ctx_destroy(ctx);
    }
    /* a relative XDG_CONFIG_HOME is invalid (XDG base directory spec): HOME's file is read */
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        snprintf(src, sizeof src, "file:%s:2", in_home);
        ASSERT_SETTING(ctx, "ACCEL_BATCH_SIZE", "9", src);
        accel_ctx_destroy(ctx);
    }
    /* no file at the default place: defaults, and the path is still shown */
    setenv("XDG_CONFIG_HOME", "/nonexistent/accel-test-config", 1);
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    if (ctx) {
        ASSERT_SETTING(ctx, "ACCEL_BATCH_SIZE", "", "default");
        ASSERT_SETTING(ctx, "ACCEL_CONFIG", "/nonexistent/accel-test-config/accel/config.ini",
                       "default");
        char *dump = NULL;
        ASSERT_OK(accel_config_dump(ctx, &dump));
        ASSERT_CONTAINS(dump, "(no such file)");
        free(dump);
        accel_ctx_destroy(ctx);
    }
}

/* A build without libinih: a present file is a clear error, an absent one is fine. */
static void without_inih(void)
{
    const char *path = scratch_file("any.ini", "ACCEL_BACKEND = cpu\n");
    setenv("ACCEL_CONFIG", path, 1);
    accel_ctx *ctx;
    ASSERT_STATUS(make_ctx(&ctx, NULL, 0), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), path);
    ASSERT_CONTAINS(accel_last_error(NULL), "lacks INI support");
    unsetenv("ACCEL_CONFIG");
    ASSERT_OK(make_ctx(&ctx, NULL, 0));
    accel_ctx_destroy(ctx);
}

int main(void)
{
    cli_isolate_env();
    scratch_init();
    if (accel__config_file_supported()) {
        layers();
        aliases();
        default_file();
    } else {
        fprintf(stderr, "this build reads no configuration files: checking its error\n");
        without_inih();
    }
    scratch_cleanup();
    TEST_DONE();
}
