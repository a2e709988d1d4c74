/* test_image_device.c — the image family's device paths beyond the conformance cases, on an
 * OpenCL device (PoCL in CI) whose largest allocation is small (POCL_MEMORY_LIMIT=1 gives
 * 256 MiB, set by the ctest entry):
 *   - a call whose images need more than that in one buffer runs in several submissions (one
 *     launch each, seen by the counting handle) and gives the CPU's bytes;
 *   - one image that alone needs more fails with ACCEL_ERR_DEVICE_OOM on that device, naming
 *     the image, and through the executor falls back to the CPU with reason "oom";
 *   - an image that fails its checks in the middle of a batch fails alone: the others are
 *     computed on the device, its output is left as it was.
 * And, on every machine first: the descriptor fields the host fills (src/ops/image/dev.h) are
 * the ones the kernels read (src/kernels/image.kern), number for number.
 * Exits 77 without an OpenCL device, or when its largest allocation is above 512 MiB (the
 * first two checks would then need gigabytes of images). */
#include "test.h"
#include "core/backend.h"
#include "core/devcall.h"
#include "ops/image/dev.h"

#include <stdlib.h>
#include <string.h>

static accel_ctx *ctx;
static size_t dev_idx, cpu_idx;

static uint8_t *noise(size_t bytes, uint32_t seed)
{
    uint8_t *p = malloc(bytes);
    if (!p) return NULL;
    for (size_t i = 0; i < bytes; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
    }
    return p;
}

/* Gray of `n` w × h images on the device and on the CPU; returns the kernels the device
 * launched, -1 on failure. */
static int gray_pair(int n, int w, int h)
{
    size_t px = (size_t)w * (size_t)h;
    uint8_t *pix = noise(px * 3, 7);
    uint8_t *a = malloc(px * (size_t)n), *b = malloc(px * (size_t)n);
    if (!pix || !a || !b) {
        TEST_FAIL_("out of host memory for %d images of %d×%d", n, w, h);
        free(pix), free(a), free(b);
        return -1;
    }
    accel_image in[8], oa[8], ob[8];
    for (int i = 0; i < n; i++) {
        accel_image v = ACCEL_IMAGE_INIT(pix, w, h, 3);
        in[i] = v;
        in[i].order = i % 2 ? ACCEL_RGB : ACCEL_BGR; /* two different results */
        accel_image o = ACCEL_IMAGE_INIT(a + (size_t)i * px, w, h, 1);
        oa[i] = o;
        o.data = b + (size_t)i * px;
        ob[i] = o;
    }
    memset(a, 0xFF, px * (size_t)n);
    img_gray_call ca, cb;
    int kernels = -1;
    ASSERT_OK(accel__img_gray_prepare(&ca, in, oa, (size_t)n));
    ASSERT_OK(accel__img_gray_prepare(&cb, in, ob, (size_t)n));
    accel__dev_account *acc = accel__dev_account_begin();
    accel_status st = accel__exec_on(ctx, dev_idx, &accel__op_image_gray, &ca, NULL);
    accel__dev_account_end();
    ASSERT_OK(st);
    ASSERT_OK(accel__exec_on(ctx, cpu_idx, &accel__op_image_gray, &cb, NULL));
    if (st == ACCEL_OK) {
        kernels = acc->kernels;
        printf("%d images of %d×%d (%zu MiB of sources): %d kernels, %d buffers, %llu MiB up\n", n,
               w, h, (px * 3 * (size_t)n) >> 20, acc->kernels, acc->allocs,
               (unsigned long long)(acc->h2d_bytes >> 20));
        if (memcmp(a, b, px * (size_t)n) != 0) TEST_FAIL_("the device's gray images differ from the CPU's");
    }
    accel__img_gray_release(&ca);
    accel__img_gray_release(&cb);
    free(pix), free(a), free(b);
    return kernels;
}

static void split_submissions(int64_t max_alloc)
{
    /* each image a little over a quarter of the largest allocation: three per submission */
    const int w = 8192;
    int h = (int)(max_alloc / 4 / (w * 3)) + 1;
    int k = gray_pair(5, w, h);
    if (k >= 0 && k != 2)
        TEST_FAIL_("5 images of %d×%d over a %lld-byte allocation limit: %d launches, want 2 "
                   "submissions of one launch", w, h, (long long)max_alloc, k);
    /* the same call with small images: one submission */
    k = gray_pair(5, 64, 48);
    if (k >= 0 && k != 1) TEST_FAIL_("5 small images: %d launches, want 1", k);
}

static void one_image_too_big(int64_t max_alloc)
{
    const int w = 8192, h = (int)(max_alloc / (w * 3)) + 8;
    size_t px = (size_t)w * (size_t)h;
    uint8_t *pix = noise(px * 3, 11), *g = malloc(px), *ref = malloc(px);
    if (!pix || !g || !ref) {
        TEST_FAIL_("out of host memory for a %d×%d image", w, h);
        free(pix), free(g), free(ref);
        return;
    }
    accel_image in = ACCEL_IMAGE_INIT(pix, w, h, 3), out = ACCEL_IMAGE_INIT(g, w, h, 1);
    img_gray_call c;
    ASSERT_OK(accel__img_gray_prepare(&c, &in, &out, 1));
    accel_status st = accel__exec_on(ctx, dev_idx, &accel__op_image_gray, &c, NULL);
    printf("one %d×%d image on the device: %s (%s)\n", w, h, accel_status_name(st),
           accel_last_error(ctx));
    ASSERT_STATUS(st, ACCEL_ERR_DEVICE_OOM);
    ASSERT_CONTAINS(accel_last_error(ctx), "image 0 needs a device buffer of");
    accel__img_gray_release(&c);
    /* through the executor: bisected to one image, then the CPU */
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_image_gray(ctx, &in, &out, 1, NULL, &rec));
    printf("through the executor: planned device %d, ran on device %d after %s\n",
           rec.device_planned, rec.device_used, accel_fallback_reason_name(rec.reason));
    ASSERT_EQ_INT(rec.device_planned, (int)dev_idx);
    ASSERT_EQ_INT(rec.device_used, (int)cpu_idx);
    ASSERT_EQ_INT((int)rec.reason, (int)ACCEL_FALLBACK_OOM);
    accel_image r = ACCEL_IMAGE_INIT(ref, w, h, 1);
    img_gray_call cc;
    ASSERT_OK(accel__img_gray_prepare(&cc, &in, &r, 1));
    ASSERT_OK(accel__exec_on(ctx, cpu_idx, &accel__op_image_gray, &cc, NULL));
    accel__img_gray_release(&cc);
    if (memcmp(g, ref, px) != 0) TEST_FAIL_("the fallen-back gray image differs from the CPU's");
    free(pix), free(g), free(ref);
}

static void bad_image_in_the_middle(void)
{
    uint8_t *pix = noise(40 * 30 * 3, 3);
    uint8_t out[3][40 * 30], ref[40 * 30];
    memset(out, 0xAB, sizeof out);
    accel_image in[3], o[3];
    for (int i = 0; i < 3; i++) {
        accel_image v = ACCEL_IMAGE_INIT(pix, 40, 30, 3);
        in[i] = v;
        accel_image w = ACCEL_IMAGE_INIT(out[i], i == 1 ? 39 : 40, 30, 1); /* 1: wrong size */
        o[i] = w;
    }
    accel_status st3[3];
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_status st = accel_image_gray(ctx, in, o, 3, st3, &rec);
    printf("batch with a bad image: %s, statuses %s %s %s, ran on device %d (%s)\n",
           accel_status_name(st), accel_status_name(st3[0]), accel_status_name(st3[1]),
           accel_status_name(st3[2]), rec.device_used, accel_last_error(ctx));
    ASSERT_STATUS(st, ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image 1");
    ASSERT_EQ_INT(rec.device_used, (int)dev_idx);
    ASSERT_EQ_INT(st3[0], ACCEL_OK);
    ASSERT_EQ_INT(st3[2], ACCEL_OK);
    accel_image r = ACCEL_IMAGE_INIT(ref, 40, 30, 1);
    img_gray_call c;
    ASSERT_OK(accel__img_gray_prepare(&c, &in[0], &r, 1));
    ASSERT_OK(accel__exec_on(ctx, cpu_idx, &accel__op_image_gray, &c, NULL));
    accel__img_gray_release(&c);
    if (memcmp(out[0], ref, sizeof ref) || memcmp(out[2], ref, sizeof ref))
        TEST_FAIL_("images 0 and 2 differ from the CPU's");
    for (size_t k = 0; k < sizeof out[1]; k++)
        if (out[1][k] != 0xAB) {
            TEST_FAIL_("the failed image's output was written (byte %zu)", k);
            break;
        }
    free(pix);
}

/* Every "#define AK_IMG_<NAME> <number>" of image.kern against dev.h's IMGD_<NAME>. */
static void descriptor_fields(void)
{
    static const struct {
        const char *name;
        long value;
    } host[] = {{"D", IMGD_N},          {"IN_OFF", IMGD_IN_OFF},   {"IN_STRIDE", IMGD_IN_STRIDE},
                {"IN_W", IMGD_IN_W},    {"IN_H", IMGD_IN_H},       {"IN_C", IMGD_IN_C},
                {"FLAGS", IMGD_FLAGS},  {"OUT_OFF", IMGD_OUT_OFF}, {"OUT_W", IMGD_OUT_W},
                {"OUT_H", IMGD_OUT_H},  {"OUT_C", IMGD_OUT_C},     {"TAB_OFF", IMGD_TAB_OFF},
                {"MODE", IMGD_MODE},    {"P0", IMGD_P0},           {"WG", IMGDEV_WG}};
    const size_t n_host = sizeof host / sizeof *host;
    const char *path = ACCEL_TEST_DATA "/../../src/kernels/image.kern";
    FILE *f = fopen(path, "r");
    if (!f) {
        TEST_FAIL_("cannot open %s", path);
        return;
    }
    char line[512];
    size_t seen = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64];
        long v;
        if (sscanf(line, "#define AK_IMG_%63[A-Z0-9_] %ld", name, &v) != 2) continue;
        for (size_t k = 0; k < n_host; k++) {
            if (strcmp(name, host[k].name) != 0) continue;
            seen++;
            if (v != host[k].value)
                TEST_FAIL_("image.kern's AK_IMG_%s is %ld, dev.h's is %ld", name, v, host[k].value);
        }
    }
    fclose(f);
    if (seen != n_host) TEST_FAIL_("image.kern defines %zu of the %zu descriptor fields", seen, n_host);
    printf("descriptor: %zu fields of image.kern agree with dev.h\n", seen);
}

int main(void)
{
    descriptor_fields();
    accel_option opt[1] = {{"ACCEL_BACKEND", "opencl"}};
    ASSERT_OK(accel_ctx_create(&ctx, opt, 1, 0));
    if (!ctx) TEST_DONE();
    int found = 0;
    int64_t max_alloc = 0;
    for (size_t i = 0; i < ctx->n_devs; i++) {
        const accel__device *d = &ctx->devs[i];
        if (d->info.kind == ACCEL_KIND_CPU) cpu_idx = i;
        if (!found && d->info.kind == ACCEL_KIND_OPENCL && d->info.usable && d->ops &&
            d->ops->supports_op && d->ops->supports_op(d, &accel__op_image_gray)) {
            found = 1;
            dev_idx = i;
            max_alloc = d->info.max_alloc;
        }
    }
    if (!found) {
        accel_ctx_destroy(ctx);
        TEST_SKIP("no usable OpenCL device with the image kernels (install pocl-opencl-icd)");
    }
    printf("device %zu (%s): largest allocation %lld bytes\n", dev_idx, ctx->devs[dev_idx].info.name,
           (long long)max_alloc);
    bad_image_in_the_middle();
    if (max_alloc <= 0 || max_alloc > ((int64_t)512 << 20)) {
        accel_ctx_destroy(ctx);
        if (accel_test_failures) TEST_DONE();
        TEST_SKIP("the device's largest allocation (%lld bytes) is above 512 MiB: the split "
                  "checks need a small one (POCL_MEMORY_LIMIT=1)", (long long)max_alloc);
    }
    split_submissions(max_alloc);
    one_image_too_big(max_alloc);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
