/* `accel cache show|clear|path`: lists every cached file with its size, removes them all
 * (printing what it removed), keeps the cache directory itself, never follows a symbolic link
 * out of it, and rejects unknown subcommands with exit code 2, and a cache directory that is a
 * file or cannot be made too; without ACCEL_CACHE_DIR, an absolute XDG_CACHE_HOME places it
 * and a relative one is ignored. */
#include "test.h"
#include "cli_run.h"
#include "test_files.h"

#include <sys/stat.h>

static char out[16384];

/* Runs `accel <args…>`; keeps its stdout then its stderr in `out`. Returns the exit code. */
static int run_env(const char *const *env, const char *const *args)
{
    cli_result r = cli_run(env, args);
    snprintf(out, sizeof out, "%s%s", r.out ? r.out : "", r.err ? r.err : "");
    printf("$ accel");
    for (const char *const *a = args; *a; a++) printf(" %s", *a);
    printf("\n%s", out);
    cli_free(&r);
    return r.code;
}

static int run(const char *const *args) { return run_env(NULL, args); }

/* A file of n bytes ('x'). */
static void write_file(const char *path, size_t n)
{
    char data[2048];
    ASSERT_TRUE(n <= sizeof data);
    memset(data, 'x', sizeof data);
    test_write_file(path, data, n <= sizeof data ? n : sizeof data);
}

int main(void)
{
    const char *root = getenv("ACCEL_CACHE_DIR");
    if (!root || !*root) TEST_SKIP("ACCEL_CACHE_DIR is not set (run through ctest)");
    char p[4096], outside[4096], keep[4096];
    snprintf(p, sizeof p, "mkdir -p '%s/kernels/opencl' '%s/verdicts' '%s-outside'", root, root,
             root);
    ASSERT_EQ_INT(system(p), 0);
    snprintf(p, sizeof p, "%s/kernels/opencl/basic-0123456789abcdef.bin", root);
    write_file(p, 1234);
    snprintf(p, sizeof p, "%s/verdicts/opencl.txt", root);
    write_file(p, 56);
    snprintf(outside, sizeof outside, "%s-outside", root);
    snprintf(keep, sizeof keep, "%s/keep.txt", outside);
    write_file(keep, 7);
    snprintf(p, sizeof p, "%s/link", root);
    unlink(p);
    ASSERT_EQ_INT(symlink(outside, p), 0);

    ASSERT_EQ_INT(run((const char *const[]){"cache", "path", NULL}), 0);
    ASSERT_CONTAINS(out, root);

    ASSERT_EQ_INT(run((const char *const[]){"cache", "show", NULL}), 0);
    ASSERT_CONTAINS(out, "1234  kernels/opencl/basic-0123456789abcdef.bin");
    ASSERT_CONTAINS(out, "56  verdicts/opencl.txt");
    ASSERT_TRUE(strstr(out, "keep.txt") == NULL);

    ASSERT_EQ_INT(run((const char *const[]){"cache", "clear", NULL}), 0);
    ASSERT_CONTAINS(out, "removed         1234  kernels/opencl/basic-0123456789abcdef.bin");
    ASSERT_CONTAINS(out, "removed           56  verdicts/opencl.txt");
    ASSERT_CONTAINS(out, "removed 3 files");
    struct stat st;
    ASSERT_EQ_INT(stat(root, &st), 0); /* the directory itself stays */
    snprintf(p, sizeof p, "%s/kernels", root);
    ASSERT_TRUE(stat(p, &st) != 0);
    snprintf(p, sizeof p, "%s/link", root);
    ASSERT_TRUE(lstat(p, &st) != 0);
    ASSERT_EQ_INT(stat(keep, &st), 0); /* the link's target is untouched */

    ASSERT_EQ_INT(run((const char *const[]){"cache", "show", NULL}), 0);
    ASSERT_CONTAINS(out, "0 files, 0 bytes");

    ASSERT_EQ_INT(run((const char *const[]){"cache", "wipe", NULL}), 2);
    ASSERT_CONTAINS(out, "unknown subcommand 'wipe' (allowed: show, clear, path)");
    ASSERT_EQ_INT(run((const char *const[]){"cache", NULL}), 2);

    /* ACCEL_CACHE_DIR naming a file, or a place no directory can be made: no cache to show or
     * clear, exit 2 naming it (it used to list "0 files" and exit 0, or exit 1, the code of
     * a file that could not be removed) */
    char file[4200], env_file[4300], env_sub[4300];
    snprintf(file, sizeof file, "%s/a-file", outside);
    write_file(file, 3);
    snprintf(env_file, sizeof env_file, "ACCEL_CACHE_DIR=%s", file);
    snprintf(env_sub, sizeof env_sub, "ACCEL_CACHE_DIR=%s/sub", file);
    static const char *const subs[] = {"path", "show", "clear"};
    for (size_t i = 0; i < 3; i++) {
        const char *const args[] = {"cache", subs[i], NULL};
        ASSERT_EQ_INT(run_env((const char *const[]){env_file, NULL}, args), 2);
        ASSERT_CONTAINS(out, "is not a directory");
        ASSERT_CONTAINS(out, file);
        ASSERT_EQ_INT(run_env((const char *const[]){env_sub, NULL}, args), 2);
        ASSERT_CONTAINS(out, "cannot create cache directory");
    }
    ASSERT_EQ_INT(stat(file, &st), 0); /* the file is left alone */

    /* without ACCEL_CACHE_DIR: $XDG_CACHE_HOME/accel when that is absolute; a relative one is
     * invalid (the XDG base directory spec) and ~/.cache/accel is used, so the cache never
     * follows the current directory */
    char env_home[4300], env_xdg[4300], want[4300];
    snprintf(env_home, sizeof env_home, "HOME=%s", outside);
    snprintf(env_xdg, sizeof env_xdg, "XDG_CACHE_HOME=%s/xdg", outside);
    const char *const path_args[] = {"cache", "path", NULL};
    ASSERT_EQ_INT(run_env((const char *const[]){"ACCEL_CACHE_DIR=", env_home, env_xdg, NULL}, path_args), 0);
    snprintf(want, sizeof want, "%s/xdg/accel", outside);
    ASSERT_CONTAINS(out, want);
    ASSERT_EQ_INT(run_env((const char *const[]){"ACCEL_CACHE_DIR=", env_home, "XDG_CACHE_HOME=relative/cache", NULL},
                          path_args),
                  0);
    snprintf(want, sizeof want, "%s/.cache/accel", outside);
    ASSERT_CONTAINS(out, want);
    ASSERT_TRUE(strstr(out, "relative/cache") == NULL);
    TEST_DONE();
}
