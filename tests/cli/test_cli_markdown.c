/* --format md writes a GitHub-flavoured Markdown table that shows each value as written: a
 * CPU named `Evil|CPU \| <b>x</b>, "q"` (a captured /proc tree, ACCEL_PROCFS_ROOT) keeps its
 * `|`, its backslash and its `<b>` (not an HTML tag); CSV quotes it (RFC 4180). Before, `<b>`
 * made the rest of the name bold and the value's own `\|` lost its backslash. */
#include "cli_test.h"

static void copy(const char *from, const char *to, const char *model)
{
    FILE *in = fopen(from, "r"), *out = fopen(to, "w");
    if (!in || !out) TEST_FAIL_("cannot copy %s to %s", from, to);
    char line[4096];
    while (in && out && fgets(line, sizeof line, in)) {
        if (model && strncmp(line, "model name", 10) == 0)
            fprintf(out, "model name\t: %s\n", model);
        else
            fputs(line, out);
    }
    if (in) fclose(in);
    if (out) fclose(out);
}

int main(void)
{
    cli_isolate_env();
    const char *root = scratch("proc");
    mkdir(root, 0755);
    char from[512], to[600];
    const char *files[] = {"cpuinfo", "meminfo"};
    for (int i = 0; i < 2; i++) {
        snprintf(from, sizeof from, "%s/procfs-x86-avx512/%s", ACCEL_TEST_DATA, files[i]);
        snprintf(to, sizeof to, "%s/%s", root, files[i]);
        copy(from, to, i == 0 ? "Evil|CPU \\| <b>x</b>, \"q\"" : NULL);
    }
    char env0[700];
    snprintf(env0, sizeof env0, "ACCEL_PROCFS_ROOT=%s", root);
    const char *const env[] = {env0, "ACCEL_BACKEND=cpu", NULL};

    cli_result r = RUN(env, "devices", "--format", "md");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "| Evil\\|CPU \\\\\\| \\<b>x\\</b>, \"q\" |");
    cli_free(&r);

    r = RUN(env, "devices", "--query", "index,name", "--format", "md");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "| Evil\\|CPU \\\\\\| \\<b>x\\</b>, \"q\" |");
    cli_free(&r);

    r = RUN(env, "devices", "--format", "csv");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, ",\"Evil|CPU \\| <b>x</b>, \"\"q\"\"\",");
    cli_free(&r);
    TEST_DONE();
}
