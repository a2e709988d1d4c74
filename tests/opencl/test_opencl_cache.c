/* The OpenCL program cache: the first open builds from source and caches, the second loads
 * from the cache; a cache file that is corrupt (flipped byte, truncated, another key) or that
 * the driver refuses (well-framed garbage) is detected, rebuilt from source and rewritten, and
 * the kernels still compute the right thing. */
#include "ocl_test.h"
#include "test_files.h"

#include "backends/opencl/cl_program_cache.h"
#include "backends/opencl/opencl_backend.h"

#include <dirent.h>
#include <unistd.h>

static char dir[4096];

/* The cache files now in the kernel cache directory (up to 16). */
static int cache_files(char names[][512])
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 16;)
        if (strstr(e->d_name, ".bin") && !strstr(e->d_name, ".tmp"))
            snprintf(names[n++], 512, "%s/%s", dir, e->d_name);
    closedir(d);
    return n;
}

/* Opens a context and returns its OpenCL device's counts; checks that ak_fill_f32 works. */
static accel__opencl_cache_counts open_and_count(void)
{
    accel_ctx *ctx;
    accel__device *d = ocl_test_device(&ctx, 0);
    accel__opencl_cache_counts c;
    memset(&c, 0, sizeof c);
    ASSERT_OK(accel__opencl_cache_counts_get(d, &c));
    accel__kernel *k = NULL;
    ASSERT_OK(d->ops->kernel_get(d, "ak_fill_f32", &k));
    accel__buffer *b = NULL;
    ASSERT_OK(d->ops->buffer_alloc(d, 100 * sizeof(float), &b));
    accel__arg a[3] = {{.type = ACCEL__ARG_BUFFER, .v.buf = b},
                       {.type = ACCEL__ARG_I32, .v.i32 = 100},
                       {.type = ACCEL__ARG_F32, .v.f32 = 0.5f}};
    accel__launch g = {1, {100, 1, 1}, {0, 0, 0}};
    float out[100];
    if (k) ASSERT_OK(d->ops->launch(d, k, &g, a, 3));
    ASSERT_OK(d->ops->copy_d2h(d, out, b, 0, sizeof out));
    for (int i = 0; i < 100; i++)
        if (out[i] != 0.5f) {
            TEST_FAIL_("element %d is %g after the fill", i, (double)out[i]);
            break;
        }
    d->ops->buffer_free(d, b);
    printf("%s\n", d->ops->kernel_note(d));
    accel_ctx_destroy(ctx);
    return c;
}

static void expect_rebuild(const char *what, int families)
{
    accel__opencl_cache_counts c = open_and_count();
    if (c.rejected != 1 || c.built != 1 || c.from_cache != families - 1)
        TEST_FAIL_("%s: want 1 rejected, 1 built, %d from cache; saw %d, %d, %d", what,
                   families - 1, c.rejected, c.built, c.from_cache);
    /* the rebuilt entry was written back and is trusted next time */
    c = open_and_count();
    if (c.from_cache != families || c.rejected != 0)
        TEST_FAIL_("%s: after the rebuild want %d from cache; saw %d (%d rejected)", what, families,
                   c.from_cache, c.rejected);
}

int main(void)
{
    accel_ctx *ctx;
    accel__device *d = ocl_test_device(&ctx, ACCEL_CTX_NO_WARMUP);
    (void)d;
    ASSERT_OK(accel__cache_path(ctx, "kernels/opencl", dir, sizeof dir));
    accel_ctx_destroy(ctx);
    /* start from an empty kernel cache */
    char names[16][512];
    int n = cache_files(names);
    for (int i = 0; i < n; i++) unlink(names[i]);

    accel__opencl_cache_counts c = open_and_count();
    ASSERT_TRUE(c.families >= 1);
    ASSERT_EQ_INT(c.built, c.families);
    ASSERT_EQ_INT(c.from_cache, 0);
    ASSERT_EQ_INT(c.rejected, 0);
    ASSERT_EQ_INT(c.failed, 0);
    int families = c.families;
    n = cache_files(names);
    ASSERT_EQ_INT(n, families);
    if (n < 1) TEST_DONE();

    c = open_and_count();
    ASSERT_EQ_INT(c.from_cache, families);
    ASSERT_EQ_INT(c.built, 0);

    /* a flipped byte in the payload */
    char *data;
    size_t len;
    ASSERT_OK(accel__read_file(names[0], &data, &len));
    ASSERT_TRUE(len > ACCEL__CLBIN_HEADER + 16);
    data[ACCEL__CLBIN_HEADER + (len - ACCEL__CLBIN_HEADER) / 2] ^= 0x20;
    test_write_file(names[0], data, len);
    expect_rebuild("flipped byte", families);
    free(data);

    /* truncated */
    ASSERT_OK(accel__read_file(names[0], &data, &len));
    test_write_file(names[0], data, 20);
    expect_rebuild("truncated", families);

    /* another key in the header */
    data[9] ^= 1;
    test_write_file(names[0], data, len);
    expect_rebuild("other key", families);
    free(data);

    /* framed correctly, but not a program binary: the driver must refuse it, and accel with it */
    const char *slash = strrchr(names[0], '-');
    unsigned long long key = slash ? strtoull(slash + 1, NULL, 16) : 0;
    const char garbage[] = "this is not a program binary for any OpenCL driver";
    ASSERT_OK(accel__clbin_store(names[0], key, garbage, sizeof garbage));
    expect_rebuild("garbage binary", families);

    /* an empty file */
    test_write_file(names[0], "", 0);
    expect_rebuild("empty file", families);
    TEST_DONE();
}
