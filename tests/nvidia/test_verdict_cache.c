/* The verdict cache: store and load, and every way a file can be wrong (truncated, bit flip,
 * other version, other key) is a miss that the next store repairs. */
#include "test.h"
#include "test_files.h"
#include "discover/verdict_cache.h"


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
    TEST_DONE();
}
