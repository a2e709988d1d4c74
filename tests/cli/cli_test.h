/* cli_test.h — what the tests of the command-line conventions share: run the built `accel`,
 * check the exit code, check that a text parses as JSON (with /usr/bin/python3's json module),
 * and a scratch directory. */
#ifndef ACCEL_TEST_CLI_TEST_H
#define ACCEL_TEST_CLI_TEST_H

#include "test.h"
#include "cli_run.h"

#include <dirent.h>
#include <sys/stat.h>

/* Runs `accel ARGS...` (NULL-terminated) with extra environment `env` (may be NULL). */
#define RUN(env, ...) run_accel((env), (const char *const[]){__VA_ARGS__, NULL})

static cli_result run_accel(const char *const *env, const char *const *argv)
{
    cli_result r = cli_run(env, argv);
    if (r.code < 0) TEST_FAIL_("could not run accel %s", argv[0]);
    return r;
}

#define EXPECT_EXIT(r, code_)                                                                \
    do {                                                                                     \
        if ((r).code != (code_))                                                             \
            TEST_FAIL_("exit code %d, want %d; stdout: %s; stderr: %s", (r).code, (code_),   \
                       (r).out, (r).err);                                                    \
    } while (0)

#define ASSERT_NOT_CONTAINS(hay, needle)                                                     \
    do {                                                                                     \
        const char *h_ = (hay), *n_ = (needle);                                              \
        if (h_ && strstr(h_, n_)) TEST_FAIL_("%s lacks \"%s\": saw \"%s\"", #hay, n_, h_);   \
    } while (0)

static int have_python(void) { return access("/usr/bin/python3", X_OK) == 0; }

/* Runs python3 CODE with `text` on its standard input; returns its exit code (-1: none). */
static int python_stdin(const char *code, const char *text)
{
    char path[] = "/tmp/accel-cli-json-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n) n = 0;
    close(fd);
    char script[4096];
    snprintf(script, sizeof script, "import sys, json\ntext = open(%s%s%s).read()\n%s", "'",
             path, "'", code);
    char *const argv[] = {"/usr/bin/python3", "-c", script, NULL};
    cli_result r = test_spawn(argv, NULL, 60);
    if (r.code != 0) fprintf(stderr, "python3: %s%s\n", r.out, r.err);
    unlink(path);
    int rc = r.timed_out || r.signal ? -1 : r.code;
    cli_free(&r);
    return rc;
}

/* Fails unless `text` is one JSON document (skipped without python3). */
#define ASSERT_JSON(text, what)                                                              \
    do {                                                                                     \
        if (have_python() && python_stdin("json.loads(text)\n", (text)) != 0)                 \
            TEST_FAIL_("%s: not JSON: %s", (what), (text));                                  \
    } while (0)

static char scratch_dir[256];

static const char *scratch(const char *name)
{
    static char paths[8][512];
    static int k;
    if (!scratch_dir[0]) {
        snprintf(scratch_dir, sizeof scratch_dir, "/tmp/accel-cli-test-XXXXXX");
        if (!mkdtemp(scratch_dir)) TEST_FAIL_("mkdtemp failed");
    }
    char *p = paths[k++ % 8];
    snprintf(p, 512, "%s/%s", scratch_dir, name);
    return p;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    size_t n = fread(b, 1, (1 << 20) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* Entries of the scratch directory whose names start with '.' (temporary files). */
static int hidden_files(void)
{
    DIR *d = opendir(scratch_dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static void scratch_remove(void)
{
    if (!scratch_dir[0]) return;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", scratch_dir);
}

#endif
