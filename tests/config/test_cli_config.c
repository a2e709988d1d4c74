/* The accel tool and configuration: `config --show` prints each value with its source, every
 * command that reads the configuration exits 2 on a bad value (naming key, value and what is
 * allowed), `select` explains and exits 1 when ACCEL_STRICT refuses a fallback; the server's
 * token is never printed. */
#include "config_test.h"
#include "core/config_file.h"

static cli_result run(const char *const *env, const char *const *argv)
{
    cli_result r = cli_run(env, argv);
    if (r.code < 0) TEST_FAIL_("could not run accel");
    return r;
}

#define EXPECT_EXIT(r, code_)                                                                \
    do {                                                                                     \
        if ((r).code != (code_))                                                             \
            TEST_FAIL_("exit code %d, want %d; stdout: %s; stderr: %s", (r).code, (code_),   \
                       (r).out, (r).err);                                                    \
    } while (0)

int main(void)
{
    cli_isolate_env();
    scratch_init();
    const char *const show[] = {"config", "--show", NULL};
    const char *const devices[] = {"devices", NULL};
    const char *const devices_json[] = {"devices", "--json", NULL};
    const char *const select[] = {"select", NULL};
    const char *const explain[] = {"select", "--explain", NULL};

    /* every value and its source */
    const char *file = scratch_file("cli.ini", "[accel]\nACCEL_BATCH_SIZE = 12\n");
    char env_cfg[600], src[700];
    snprintf(env_cfg, sizeof env_cfg, "ACCEL_CONFIG=%s", file);
    {
        const char *const env[] = {env_cfg, "ACCEL_BACKEND=cpu", NULL};
        cli_result r = run(env, show);
        EXPECT_EXIT(r, 0);
        snprintf(src, sizeof src, "file:%s:2", file);
        ASSERT_CONTAINS(r.out, "ACCEL_BATCH_SIZE");
        ASSERT_CONTAINS(r.out, src);
        ASSERT_CONTAINS(r.out, "ACCEL_BACKEND                cpu"); /* the key column fits the longest key */
        ASSERT_CONTAINS(r.out, "env");
        ASSERT_CONTAINS(r.out, "ACCEL_STRICT");
        ASSERT_CONTAINS(r.out, "default");
        cli_free(&r);
        const char *const get[] = {"config", "--get", "ACCEL_BATCH_SIZE", NULL};
        r = run(env, get);
        EXPECT_EXIT(r, 0);
        char line[800];
        snprintf(line, sizeof line, "12\t%s\n", src);
        ASSERT_STR_EQ(r.out, line);
        cli_free(&r);
        const char *const get_bad[] = {"config", "--get", "ACCEL_NOPE", NULL};
        r = run(env, get_bad);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "unknown configuration key 'ACCEL_NOPE'");
        ASSERT_CONTAINS(r.err, "allowed: ACCEL_CONFIG, ACCEL_BACKEND, ");
        ASSERT_CONTAINS(r.err, "ACCEL_ALL_GPU");
        ASSERT_CONTAINS(r.err, "GPU_BACKEND, ACCEL_<OP>_GPU)");
        cli_free(&r);
        /* the nearest key: a typo, and the lower case a config file accepts */
        const char *const typos[][2] = {{"ACCEL_BACKND", "ACCEL_BACKEND"},
                                        {"accel_batch_size", "ACCEL_BATCH_SIZE"}};
        for (size_t i = 0; i < 2; i++) {
            const char *const get_typo[] = {"config", "--get", typos[i][0], NULL};
            r = run(env, get_typo);
            EXPECT_EXIT(r, 2);
            char want[128];
            snprintf(want, sizeof want, "did you mean '%s'?", typos[i][1]);
            ASSERT_CONTAINS(r.err, want);
            cli_free(&r);
        }
        /* an operation's switch of no operation (it printed an empty value, exit 0); one that
         * exists still answers, unset */
        const char *const get_op_typo[] = {"config", "--get", "ACCEL_WHISPR_GPU", NULL};
        r = run(env, get_op_typo);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "unknown operation switch 'ACCEL_WHISPR_GPU'; did you mean 'ACCEL_WHISPER_GPU'?");
        ASSERT_CONTAINS(r.err, "ACCEL_IMAGE_QUALITY_GPU");
        ASSERT_STR_EQ(r.out, "");
        cli_free(&r);
        const char *const get_op[] = {"config", "--get", "ACCEL_WHISPER_GPU", NULL};
        r = run(env, get_op);
        EXPECT_EXIT(r, 0);
        ASSERT_STR_EQ(r.out, "\tdefault\n");
        cli_free(&r);
    }

    /* the server's token is never printed: not by --show, --get or the doctor */
    {
        const char *token = "s3cret-token-0123456789abcdef";
        char env_token[128];
        snprintf(env_token, sizeof env_token, "ACCEL_SERVE_TOKEN=%s", token);
        const char *const env[] = {env_token, "ACCEL_BACKEND=cpu", NULL};
        const char *const *shows[] = {
            show,
            (const char *const[]){"config", "--show", "--json", NULL},
            (const char *const[]){"config", "--get", "ACCEL_SERVE_TOKEN", NULL},
            (const char *const[]){"config", "--get", "ACCEL_SERVE_TOKEN", "--json", NULL},
            (const char *const[]){"config", "--get", "ACCEL_SERVE_TOKEN", "--format", "csv", NULL},
            (const char *const[]){"doctor", NULL},
            (const char *const[]){"doctor", "--json", NULL},
        };
        for (size_t c = 0; c < sizeof shows / sizeof *shows; c++) {
            cli_result r = run(env, shows[c]);
            if (strcmp(shows[c][0], "doctor") != 0) EXPECT_EXIT(r, 0);
            ASSERT_CONTAINS(r.out, "(set, hidden)");
            if (strstr(r.out, token) || strstr(r.err, token))
                TEST_FAIL_("accel %s %s printed the token: %s%s", shows[c][0],
                           shows[c][1] ? shows[c][1] : "", r.out, r.err);
            cli_free(&r);
        }
    }

    /* a bad value: every command that reads the configuration exits 2 */
    const char *const *commands[] = {show, devices, devices_json, select, explain};
    const char *const bad[][2] = {
        {"ACCEL_BACKEND=gpux", "auto|cuda|rocm|opencl|metal|cpu"},
        {"ACCEL_MEMORY_LIMIT_GB=-1", "greater than 0"},
        {"ACCEL_MEMORY_FRACTION=1.5", "(0, 1]"},
        {"ACCEL_BATCH_SIZE=abc", "a whole number"},
    };
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++)
        for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
            const char *const env[] = {bad[b][0], NULL};
            cli_result r = run(env, commands[c]);
            EXPECT_EXIT(r, 2);
            ASSERT_CONTAINS(r.err, bad[b][0]);
            ASSERT_CONTAINS(r.err, bad[b][1]);
            cli_free(&r);
        }
    /* a malformed config line */
    if (accel__config_file_supported()) {
        const char *broken = scratch_file("broken.ini", "ACCEL_BACKEND = cpu\nthis is not ini\n");
        char env_broken[600];
        snprintf(env_broken, sizeof env_broken, "ACCEL_CONFIG=%s", broken);
        for (size_t c = 0; c < sizeof commands / sizeof *commands; c++) {
            const char *const env[] = {env_broken, NULL};
            cli_result r = run(env, commands[c]);
            EXPECT_EXIT(r, 2);
            snprintf(src, sizeof src, "%s:2: malformed line 'this is not ini'", broken);
            ASSERT_CONTAINS(r.err, src);
            cli_free(&r);
        }
    }

    /* select: the chosen device, the explanation, a refused fallback, bad options */
    {
        const char *const env[] = {"ACCEL_BACKEND=cpu", NULL};
        cli_result r = run(env, explain);
        EXPECT_EXIT(r, 0);
        ASSERT_CONTAINS(r.out, "ACCEL_BACKEND    cpu          env");
        ASSERT_CONTAINS(r.out, "chosen by ACCEL_BACKEND=cpu (env)");
        ASSERT_CONTAINS(r.out, "chosen: device");
        cli_free(&r);
        r = run(env, select);
        EXPECT_EXIT(r, 0);
        ASSERT_CONTAINS(r.out, " cpu ");
        cli_free(&r);
    }
    {
        const char *const env[] = {"ACCEL_DEVICE=99", NULL};
        cli_result r = run(env, select);
        EXPECT_EXIT(r, 0); /* a warning, and the next device */
        ASSERT_CONTAINS(r.err, "ACCEL_DEVICE=99 (env): requested device unavailable");
        cli_free(&r);
        const char *const strict[] = {"ACCEL_DEVICE=99", "ACCEL_STRICT=1", NULL};
        r = run(strict, explain);
        EXPECT_EXIT(r, 1);
        ASSERT_CONTAINS(r.err, "ACCEL_STRICT=1 (env) forbids using another");
        ASSERT_CONTAINS(r.out, "chosen: none");
        cli_free(&r);
    }
    {
        const char *const unknown_op[] = {"select", "--op", "no_such_op", NULL};
        cli_result r = run(NULL, unknown_op);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "unknown operation 'no_such_op'");
        cli_free(&r);
        const char *const bad_opt[] = {"config", "--shwo", NULL};
        r = run(NULL, bad_opt);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "unknown option '--shwo'");
        cli_free(&r);
        const char *const no_op[] = {"select", "--op", NULL};
        r = run(NULL, no_op);
        EXPECT_EXIT(r, 2);
        cli_free(&r);
    }
    scratch_cleanup();
    TEST_DONE();
}
