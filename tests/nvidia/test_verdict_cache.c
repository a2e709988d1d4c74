/* The verdict cache: store and load, and every way a file can be wrong (truncated, bit flip,
 * other version, other key, sizes made to overflow, a FIFO in its place) is a miss that the
 * next store repairs; and a context opens over crafted files in every verdict's place and
 * rewrites them. */
#include "test.h"
#include "test_files.h"
#include "discover/verdict_cache.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static char *slurp(const char *path, size_t *n)
{
    char *d = NULL;
    if (accel__read_file(path, &d, n) != ACCEL_OK) return NULL;
    return d;
}

static int loads(const char *key, const char *want, char *why, size_t cap)
{
    unsigned char *data = NULL;
    size_t n = 0;
    accel_status st = accel__verdict_load(NULL, "test", key, &data, &n, why, cap);
    int ok = st == ACCEL_OK && n == strlen(want) && memcmp(data, want, n) == 0;
    free(data);
    return st == ACCEL_OK ? (ok ? 1 : -1) : 0;
}

/* A header whose sizes are chosen to defeat the length check, followed by `body`. */
static void write_crafted(const char *path, const char *klen, const char *dlen, const char *body)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "accel-verdict 1\nwhat test\nkey %s\ndata %s\nsum "
                     "0000000000000000\n\n%s", klen, dlen, body);
    test_write_file(path, buf, (size_t)n);
}

/* Creates and destroys a context in a fresh child (discovery keeps what it found in the
 * process, so only a new process reads the cache); the child's exit status: 0 when it opened,
 * 128 + the signal that killed it. */
static int context_in_child(const char *backend)
{
    pid_t pid = fork();
    if (pid == 0) {
        accel_option o[] = {{"ACCEL_BACKEND", backend}};
        accel_ctx *ctx = NULL;
        accel_status st = accel_ctx_create(&ctx, o, 1, 0);
        accel_ctx_destroy(ctx);
        _exit(st == ACCEL_OK ? 0 : 1);
    }
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid) return -1;
    return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

/* Every file in <cache>/verdicts replaced by a crafted one; a context still opens (CPU only
 * too), and discovery rewrites each file as a valid verdict. */
static void context_over_crafted_files(void)
{
    ASSERT_EQ_INT(context_in_child("auto"), 0); /* fills the cache for this machine */
    char dir[1024];
    ASSERT_OK(accel__cache_path(NULL, "verdicts", dir, sizeof dir));
    DIR *d = opendir(dir);
    ASSERT_TRUE(d != NULL);
    if (!d) return;
    char names[32][256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 32;)
        if (e->d_name[0] != '.' && strncmp(e->d_name, "test-", 5) != 0)
            accel__strlcpy(names[n++], e->d_name, sizeof names[0]);
    closedir(d);
    printf("  %d verdict file(s) written by discovery on this machine\n", n);
    for (int i = 0; i < n; i++) {
        char p[1400], what[64];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        snprintf(what, sizeof what, "%.*s", (int)strcspn(names[i], "-"), names[i]);
        char buf[512];
        int k = snprintf(buf, sizeof buf, "accel-verdict 1\nwhat %s\nkey 18446744073709551615\n"
                         "data 2\nsum 0000000000000000\n\nx", what);
        test_write_file(p, buf, (size_t)k);
    }
    ASSERT_EQ_INT(context_in_child("cpu"), 0);
    ASSERT_EQ_INT(context_in_child("auto"), 0);
    for (int i = 0; i < n; i++) {
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        size_t fn = 0;
        char *f = slurp(p, &fn);
        /* rebuilt: no longer the crafted 2^64 − 1 key length */
        ASSERT_TRUE(f && !strstr(f, "key 18446744073709551615"));
        if (f && strstr(f, "key 18446744073709551615")) TEST_FAIL_("%s was not rebuilt", p);
        free(f);
    }
}

int main(void)
{
    test_wipe_cache("verdicts", "");
    accel__vkey k;
    accel__vkey_init(&k);
    accel__vkey_add(&k, "driver", "12040");
    accel__vkey_add(&k, "env", NULL);
    accel__vkey_add(&k, "odd", "a\nb\\c");
    accel__vkey_add_file(&k, "lib", "/definitely/not/here.so");
    accel__vkey_add_file(&k, "none", "");
    ASSERT_STR_EQ(k.s, "driver=12040\nenv=(unset)\nodd=a\\nb\\\\c\n"
                          "lib=/definitely/not/here.so:absent\nnone=(none)\n");
    const char *key = k.s;
    const char data[] = "line one\nline\ttwo\n\0binary";
    const size_t dn = sizeof data - 1;
    char why[256];

    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "no cached verdict");

    ASSERT_OK(accel__verdict_store(NULL, "test", key, data, dn));
    unsigned char *got = NULL;
    size_t gn = 0;
    ASSERT_OK(accel__verdict_load(NULL, "test", key, &got, &gn, NULL, 0));
    ASSERT_EQ_INT(gn, dn);
    ASSERT_TRUE(got && memcmp(got, data, dn) == 0);
    free(got);

    char path[4096];
    ASSERT_OK(accel__verdict_path(NULL, "test", key, path, sizeof path));
    size_t fn = 0;
    char *file = slurp(path, &fn);
    ASSERT_TRUE(file != NULL);
    if (!file) TEST_DONE();
    ASSERT_TRUE(strncmp(file, "accel-verdict 1\nwhat test\n", 26) == 0);

    /* a flipped byte in the data: checksum mismatch */
    char *bad = malloc(fn);
    memcpy(bad, file, fn);
    bad[fn - 3] ^= 0x20;
    test_write_file(path, bad, fn);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "checksum");

    /* truncated */
    test_write_file(path, file, fn - 5);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "header says");

    /* garbage, and an empty file */
    test_write_file(path, "not a verdict at all", 20);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "not a version 1 verdict file");
    test_write_file(path, "", 0);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);

    /* another format version */
    memcpy(bad, file, fn);
    bad[14] = '9';
    test_write_file(path, bad, fn);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "not a version 1");

    /* a well-formed file for another key under this key's name (a hash collision) */
    ASSERT_OK(accel__verdict_store(NULL, "test", "other=1\n", data, dn));
    char other[4096];
    ASSERT_OK(accel__verdict_path(NULL, "test", "other=1\n", other, sizeof other));
    ASSERT_EQ_INT(rename(other, path), 0);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "another key");

    /* sizes that overflow: a key length of 2^64 − 1 plus a data length of 2 wraps to the one
     * byte there is; a length past 2^64 is no number at all (strtoull would saturate it) */
    write_crafted(path, "18446744073709551615", "2", "x");
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "header says 18446744073709551615 + 2");
    write_crafted(path, "1", "18446744073709551615", "x");
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "header says 1 + 18446744073709551615");
    write_crafted(path, "99999999999999999999", "1", "x");
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "malformed header");
    write_crafted(path, "-1", "1", "x");
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "malformed header");
    write_crafted(path, "+1", "0", "x");
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "malformed header");

    /* a FIFO in the file's place is not opened for reading (that would block) */
    unlink(path);
    ASSERT_EQ_INT(mkfifo(path, 0600), 0);
    ASSERT_EQ_INT(loads(key, "", why, sizeof why), 0);
    ASSERT_CONTAINS(why, "not a regular file");
    unlink(path);

    /* the next store repairs it */
    ASSERT_OK(accel__verdict_store(NULL, "test", key, data, dn));
    got = NULL;
    ASSERT_OK(accel__verdict_load(NULL, "test", key, &got, &gn, NULL, 0));
    ASSERT_EQ_INT(gn, dn);
    ASSERT_TRUE(got && memcmp(got, data, dn) == 0);
    free(got);

    /* a different key is a different file */
    accel__vkey k2;
    accel__vkey_init(&k2);
    accel__vkey_add(&k2, "driver", "12050");
    char p2[4096];
    ASSERT_OK(accel__verdict_path(NULL, "test", k2.s, p2, sizeof p2));
    ASSERT_TRUE(strcmp(p2, path) != 0);
    ASSERT_EQ_INT(loads(k2.s, "", why, sizeof why), 0);

    /* an empty payload is a valid record */
    ASSERT_OK(accel__verdict_store(NULL, "test", k2.s, "", 0));
    ASSERT_OK(accel__verdict_load(NULL, "test", k2.s, &got, &gn, NULL, 0));
    ASSERT_EQ_INT(gn, 0);
    free(got);

    free(bad);
    free(file);
    accel__vkey_free(&k);
    accel__vkey_free(&k2);
    context_over_crafted_files();
    TEST_DONE();
}
