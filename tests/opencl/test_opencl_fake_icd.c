/* Crash isolation of OpenCL discovery, with a fake libOpenCL.so.1 first on LD_LIBRARY_PATH
 * (FAKE_OPENCL_MODE picks the fault): an ICD that aborts or hangs in clGetPlatformIDs becomes a
 * verdict within the time limit and the host lives on; a device that crashes its self-test is
 * unusable with the crash named while the next device is still tested in a new child; no
 * platform means no device and no error. Each outcome is cached and read back, and a cache
 * file cut short or bit-flipped is ignored and rewritten. */
#include "test.h"
#include "test_files.h"
#include "core/internal.h"
#include "discover/opencl_discover.h"
#include "discover/verdict_cache.h"

static const accel_device_info *cl_dev(const accel__devlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].info.kind == ACCEL_KIND_OPENCL && strcmp(l->v[i].info.name, name) == 0)
            return &l->v[i].info;
    TEST_FAIL_("no OpenCL device named %s", name);
    return NULL;
}

static void check_devices(const accel__devlist *l, const char *when)
{
    fprintf(stderr, "%s: %zu devices\n", when, l->n);
    ASSERT_EQ_INT(l->n, 2);
    const accel_device_info *a = cl_dev(l, "fake0"), *b = cl_dev(l, "fake1");
    if (!a || !b) return;
    fprintf(stderr, "fake0: %s\nfake1: %s\n", a->verdict, b->verdict);
    ASSERT_EQ_INT(a->usable, 0);
    ASSERT_CONTAINS(a->verdict, "killed by SIGSEGV while testing fake0: creating a context");
    ASSERT_EQ_INT(b->usable, 0);
    ASSERT_CONTAINS(b->verdict, "clCreateContext: CL_DEVICE_NOT_AVAILABLE (-2)");
    ASSERT_STR_EQ(a->pci_bus_id, "0000:3b:00.0");
    ASSERT_STR_EQ(b->pci_bus_id, "0000:65:02.1");
    ASSERT_STR_EQ(a->vendor, "Fake Vendor");
    ASSERT_STR_EQ(a->arch, "OpenCL 1.2 gpu");
    ASSERT_EQ_INT(a->compute_units, 4);
    ASSERT_EQ_INT(a->mem_total, 1ll << 30);
    ASSERT_EQ_INT(a->mem_free, -1);
    ASSERT_EQ_INT(a->local_mem, 65536);
    ASSERT_EQ_INT(a->max_alloc, 1ll << 28);
    ASSERT_EQ_INT(a->fp16, 1);
    ASSERT_EQ_INT(b->fp16, 0);
    ASSERT_EQ_INT(a->fp64, 0);
    ASSERT_EQ_INT(a->unified_memory, 0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    accel_ctx *ctx;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    char cache[4096], *original = NULL;
    size_t original_len = 0;
    /* the verdict file discovery uses: the one stored under this environment's key */
    accel__text key = {0};
    accel__ocl_key_text(&key);
    ASSERT_TRUE(!key.oom && key.s);
    ASSERT_OK(accel__verdict_path(ctx, "opencl", key.s ? key.s : "", cache, sizeof cache));
    accel__text_free(&key);
    for (int round = 0; round < 4; round++) {
        /* round 0 probes; round 1 must give the same answer from the cache, quickly; rounds 2
         * and 3 find the cache file cut short and bit-flipped: it is ignored, the answer is the
         * same and the file is rewritten as it was */
        const char *when = round == 0 ? "probe" : round == 1 ? "cached" : "corrupt cache";
        if (round == 1) ASSERT_OK(accel__read_file(cache, &original, &original_len));
        if (round == 2 && original) test_write_file(cache, original, original_len / 2);
        if (round == 3 && original) {
            original[original_len / 2] ^= 0x01;
            test_write_file(cache, original, original_len);
            original[original_len / 2] ^= 0x01;
        }
        accel__devlist l = {0};
        double t0 = accel__now_ms();
        accel_status st = accel__discover_opencl(ctx, &l, round == 0);
        double ms = accel__now_ms() - t0;
        fprintf(stderr, "%s %s: %s in %.1f ms: %s\n", mode, when, accel_status_name(st), ms,
                accel_last_error(NULL));
        if (strcmp(mode, "abort") == 0) {
            ASSERT_STATUS(st, ACCEL_ERR_VENDOR);
            ASSERT_CONTAINS(accel_last_error(NULL),
                            "killed by SIGABRT while calling clGetPlatformIDs");
            ASSERT_EQ_INT(l.n, 0);
        } else if (strcmp(mode, "hang") == 0) {
            ASSERT_STATUS(st, ACCEL_ERR_VENDOR);
            ASSERT_CONTAINS(accel_last_error(NULL),
                            "did not finish within 1000 ms while calling clGetPlatformIDs");
            ASSERT_EQ_INT(l.n, 0);
            ASSERT_TRUE(ms < 5000.0);
        } else if (strcmp(mode, "none") == 0) {
            ASSERT_OK(st);
            ASSERT_EQ_INT(l.n, 0);
        } else if (strcmp(mode, "devices") == 0) {
            ASSERT_OK(st);
            check_devices(&l, when);
        } else {
            TEST_FAIL_("unknown mode '%s'", mode);
        }
        if (round == 1) ASSERT_TRUE(ms < 100.0);
        if (round >= 2 && original) {
            char *now = NULL;
            size_t now_len = 0;
            ASSERT_OK(accel__read_file(cache, &now, &now_len));
            ASSERT_TRUE(now && now_len == original_len && memcmp(now, original, now_len) == 0);
            free(now);
        }
        accel__devlist_free(&l);
    }
    free(original);
    accel_ctx_destroy(ctx);

    /* a whole context still comes up, with the CPU last and usable */
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    size_t n = 0;
    ASSERT_OK(accel_device_count(ctx, &n));
    const accel_device_info *cpu;
    ASSERT_OK(accel_device_get(ctx, n - 1, &cpu));
    ASSERT_EQ_INT(cpu->kind, ACCEL_KIND_CPU);
    ASSERT_EQ_INT(cpu->usable, 1);
    for (size_t i = 0; i + 1 < n; i++) {
        const accel_device_info *d;
        ASSERT_OK(accel_device_get(ctx, i, &d));
        if (d->kind == ACCEL_KIND_OPENCL) ASSERT_EQ_INT(d->usable, 0);
    }
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
