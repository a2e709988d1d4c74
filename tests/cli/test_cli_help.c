/* Help and suggestions: `accel help VERB` and `accel VERB --help` print that verb's help
 * (audio vad its own, version too); an unknown command or option names the nearest one; tables
 * never cut a device name and keep their rows aligned for long names (convert-f16). */
#include "cli_test.h"

static const char *const verbs[] = {"audio", "bench", "cache", "config", "devices", "doctor",
                                    "plan",  "select", "stats", "version"};

static void help(void)
{
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        cli_result a = RUN(NULL, "help", verbs[i]);
        cli_result b = RUN(NULL, verbs[i], "--help");
        cli_result c = RUN(NULL, verbs[i], "-h");
        EXPECT_EXIT(a, 0);
        EXPECT_EXIT(b, 0);
        EXPECT_EXIT(c, 0);
        char want[64];
        snprintf(want, sizeof want, "usage: accel %s", verbs[i]);
        if (strncmp(a.out, want, strlen(want)) != 0)
            TEST_FAIL_("accel help %s starts \"%.40s\"", verbs[i], a.out);
        ASSERT_STR_EQ(a.out, b.out);
        ASSERT_STR_EQ(b.out, c.out);
        if (strcmp(verbs[i], "audio") != 0) ASSERT_CONTAINS(a.out, "-h, --help");
        cli_free(&a);
        cli_free(&b);
        cli_free(&c);
    }
    /* the subcommands of audio have their own help */
    const char *subs[][2] = {{"vad", "--chunks"}, {"features", "--padding"}};
    for (size_t i = 0; i < 2; i++) {
        cli_result a = RUN(NULL, "help", "audio", subs[i][0]);
        cli_result b = RUN(NULL, "audio", subs[i][0], "--help");
        EXPECT_EXIT(a, 0);
        EXPECT_EXIT(b, 0);
        char want[64];
        snprintf(want, sizeof want, "usage: accel audio %s", subs[i][0]);
        if (strncmp(b.out, want, strlen(want)) != 0)
            TEST_FAIL_("accel audio %s --help starts \"%.40s\"", subs[i][0], b.out);
        ASSERT_STR_EQ(a.out, b.out);
        ASSERT_CONTAINS(b.out, subs[i][1]);
        cli_free(&a);
        cli_free(&b);
    }
    cli_result r = RUN(NULL, "audio", "vad", "--help");
    ASSERT_NOT_CONTAINS(r.out, "--preset"); /* not the features help */
    cli_free(&r);
    /* the help lists every option with its other spellings */
    r = RUN(NULL, "bench", "--help");
    ASSERT_CONTAINS(r.out, "--op, --operation NAME");
    ASSERT_CONTAINS(r.out, "--gpu, --no-gpu");
    ASSERT_CONTAINS(r.out, "--image-size small|medium|large|WxH");
    ASSERT_CONTAINS(r.out, "--format table|json|csv|md");
    cli_free(&r);
    r = RUN(NULL, "help");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "commands:");
    cli_free(&r);
    r = RUN(NULL, "help", "help"); /* was "unknown command 'help'; did you mean 'help'?" */
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "commands:");
    cli_free(&r);
    /* cache's subcommands: help for a real one, an error for another (it printed the help) */
    r = RUN(NULL, "help", "cache", "show");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "usage: accel cache");
    cli_free(&r);
    const char *const *wipe[] = {(const char *const[]){"help", "cache", "wipe", NULL},
                                 (const char *const[]){"cache", "wipe", "--help", NULL}};
    for (size_t i = 0; i < 2; i++) {
        r = run_accel(NULL, wipe[i]);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "unknown subcommand 'wipe'");
        ASSERT_STR_EQ(r.out, "");
        cli_free(&r);
    }
}

static void suggestions(void)
{
    cli_result r = RUN(NULL, "docter");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "unknown command 'docter'; did you mean 'doctor'?");
    cli_free(&r);
    r = RUN(NULL, "help", "devcies");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "unknown command 'devcies'; did you mean 'devices'?");
    cli_free(&r);
    r = RUN(NULL, "frobnicate");
    EXPECT_EXIT(r, 2);
    ASSERT_NOT_CONTAINS(r.err, "did you mean");
    ASSERT_CONTAINS(r.err, "allowed: audio, bench");
    cli_free(&r);
    r = RUN(NULL, "cache", "shwo");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "did you mean 'show'?");
    cli_free(&r);
    r = RUN(NULL, "audio", "vda", "x.wav");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "did you mean 'vad'?");
    cli_free(&r);
    /* every verb: an unknown option is refused with the nearest and the list */
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        cli_result u = strcmp(verbs[i], "audio") == 0 ? RUN(NULL, "audio", "vad", "--jsno")
                       : strcmp(verbs[i], "cache") == 0 ? RUN(NULL, "cache", "show", "--jsno")
                                                         : RUN(NULL, verbs[i], "--jsno");
        EXPECT_EXIT(u, 2);
        ASSERT_CONTAINS(u.err, "unknown option '--jsno'; did you mean '--json'?");
        ASSERT_CONTAINS(u.err, "(allowed: ");
        cli_free(&u);
    }
}

/* Every line of `text` that starts with `prefix` has `col` at the same offset. */
static void aligned(const char *text, const char *const *prefixes, size_t n, const char *col)
{
    long at = -1;
    for (size_t i = 0; i < n; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n%s ", prefixes[i]);
        const char *line = strstr(text, want);
        if (!line) {
            TEST_FAIL_("no row for %s in: %s", prefixes[i], text);
            continue;
        }
        line++;
        const char *end = strchr(line, '\n');
        const char *c = strstr(line, col);
        if (!c || (end && c > end)) {
            TEST_FAIL_("row %s lacks \"%s\"", prefixes[i], col);
            continue;
        }
        if (at < 0) at = c - line;
        if (c - line != at)
            TEST_FAIL_("row %s: \"%s\" at column %ld, other rows at %ld:\n%s", prefixes[i], col,
                       (long)(c - line), at, text);
    }
}

static void columns(void)
{
    const char *const cpu[] = {"ACCEL_BACKEND=cpu", NULL};
    /* rows stay aligned for convert-f16, in stats and in bench */
    const char *ops[] = {"convert-f16", "noop", "empty"};
    cli_result r = RUN(cpu, "stats", "--op", "convert-f16,noop,empty", "--size", "16");
    EXPECT_EXIT(r, 0);
    char *text = malloc(strlen(r.out) + 2);
    sprintf(text, "\n%s", r.out);
    /* right-aligned counters: every row ends at the same column */
    const char *line = text + 1;
    long len = -1;
    for (int i = 0; i < 4 && line; i++) {
        const char *e = strchr(line, '\n');
        long l = e ? e - line : (long)strlen(line);
        if (len < 0) len = l;
        if (l != len) TEST_FAIL_("stats rows of different lengths:\n%s", r.out);
        line = e ? e + 1 : NULL;
    }
    free(text);
    cli_free(&r);
    r = RUN(cpu, "bench", "--op", "convert-f16,noop,empty", "--size", "16", "--iterations", "1",
            "--device", "cpu");
    EXPECT_EXIT(r, 0);
    text = malloc(strlen(r.out) + 2);
    sprintf(text, "\n%s", r.out);
    aligned(text, ops, 3, " custom ");
    free(text);
    cli_free(&r);

    /* a long CPU name is shown whole in devices, select --explain and bench */
    const char *root = scratch("procfs");
    const char *model = "Intel(R) Xeon(R) Platinum 8480+ Engineering Sample QS Stepping E5 with "
                        "a Long Name";
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cp -r '%s/procfs-x86-avx512' '%s' && sed -i 's/^model name.*/model name\t: %s/' "
             "'%s/cpuinfo'",
             ACCEL_TEST_DATA, root, model, root);
    if (system(cmd) != 0) {
        TEST_FAIL_("could not make the captured procfs: %s", cmd);
        return;
    }
    char procfs[600];
    snprintf(procfs, sizeof procfs, "ACCEL_PROCFS_ROOT=%s", root);
    const char *const env[] = {procfs, "ACCEL_BACKEND=cpu", NULL};
    r = RUN(env, "devices");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, model);
    cli_free(&r);
    r = RUN(env, "select", "--explain");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, model);
    cli_free(&r);
    r = RUN(env, "bench", "--op", "noop", "--device", "cpu", "--iterations", "1");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, model);
    cli_free(&r);
}

int main(void)
{
    cli_isolate_env();
    help();
    suggestions();
    columns();
    scratch_remove();
    TEST_DONE();
}
