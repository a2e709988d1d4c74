/* NVRTC: every kernel family compiles to PTX (each kernel an .entry) and to a cubin; the
 * target choice follows the architectures NVRTC reports; the disk cache returns the same
 * image, and a corrupt or truncated entry is rebuilt rather than trusted; a compilation error
 * comes back as ACCEL_ERR_KERNEL with the compiler's log. Needs no GPU. Skips (77) when
 * libnvrtc does not load through the loader paths or $ACCEL_NVRTC_PATH. */
#include "test.h"
#include "test_files.h"
#include "backends/cuda/cuda_kernels.h"
#include "image_scan.h"
#include "kernel_names.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_entry(const char *ptx, const char *name)
{
    char want[96];
    snprintf(want, sizeof want, ".entry %s(", name);
    return strstr(ptx, want) != NULL;
}

static void family_checks(const accel__nvrtc_api *nv, const accel__kernel_source *src,
                          accel__cuda_target ptx_t, int cubin_arch)
{
    char names[1024];
    kernel_names(src->text, names, sizeof names);
    printf("family %s: %s\n", src->family, names);
    ASSERT_TRUE(names[0] != '\0');

    accel__cuda_image img;
    ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, ptx_t, 13000, &img));
    if (img.data) {
        const char *ptx = (const char *)img.data;
        char target[32];
        snprintf(target, sizeof target, ".target sm_%d", ptx_t.arch);
        ASSERT_CONTAINS(ptx, ".version");
        ASSERT_CONTAINS(ptx, target);
        ASSERT_EQ_INT(img.size, strlen(ptx) + 1); /* the driver wants the NUL counted */
        char tmp[1024];
        accel__strlcpy(tmp, names, sizeof tmp);
        for (char *t = strtok(tmp, " "); t; t = strtok(NULL, " "))
            if (!has_entry(ptx, t)) TEST_FAIL_("PTX of %s has no .entry %s", src->family, t);
    }
    accel__cuda_image_free(&img);

    if (cubin_arch > 0) {
        accel__cuda_target ct = {cubin_arch, 1};
        ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, ct, 13000, &img));
        if (img.data) {
            ASSERT_TRUE(img.size > 64 && memcmp(img.data, "\177ELF", 4) == 0);
            char tmp[1024];
            accel__strlcpy(tmp, names, sizeof tmp);
            for (char *t = strtok(tmp, " "); t; t = strtok(NULL, " "))
                if (!contains(img.data, img.size, t))
                    TEST_FAIL_("cubin of %s lacks %s", src->family, t);
        }
        accel__cuda_image_free(&img);
    }
}

static void cache_checks(const accel__nvrtc_api *nv, const accel__kernel_source *src,
                         accel__cuda_target t)
{
    test_wipe_cache("kernels/cuda", "");
    accel__cuda_image a, b, c;
    ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12040, &a));
    ASSERT_EQ_INT(a.from_cache, 0);
    ASSERT_TRUE(a.cache_file[0] && access(a.cache_file, R_OK) == 0);
    ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12040, &b));
    ASSERT_EQ_INT(b.from_cache, 1);
    ASSERT_EQ_INT(b.size, a.size);
    ASSERT_TRUE(a.data && b.data && memcmp(a.data, b.data, a.size) == 0);
    accel__cuda_image_free(&b);

    /* Another driver is another key: its own file, compiled afresh. */
    ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12080, &c));
    ASSERT_EQ_INT(c.from_cache, 0);
    ASSERT_TRUE(strcmp(c.cache_file, a.cache_file) != 0);
    accel__cuda_image_free(&c);

    /* One flipped payload byte: detected by the checksum, rebuilt, rewritten. */
    char *file = NULL;
    size_t n = 0;
    ASSERT_OK(accel__read_file(a.cache_file, &file, &n));
    if (file && n > 10) {
        file[n - 10] ^= 0x20;
        ASSERT_OK(accel__write_file_atomic(a.cache_file, file, n, 0600));
        ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12040, &b));
        ASSERT_EQ_INT(b.from_cache, 0);
        ASSERT_TRUE(b.data && b.size == a.size && memcmp(a.data, b.data, a.size) == 0);
        accel__cuda_image_free(&b);
        ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12040, &b));
        ASSERT_EQ_INT(b.from_cache, 1);
        accel__cuda_image_free(&b);
        /* Truncated to half, then garbage: rebuilt both times. */
        ASSERT_OK(accel__write_file_atomic(a.cache_file, file, n / 2, 0600));
        ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12040, &b));
        ASSERT_EQ_INT(b.from_cache, 0);
        accel__cuda_image_free(&b);
        ASSERT_OK(accel__write_file_atomic(a.cache_file, "garbage", 7, 0600));
        ASSERT_OK(accel__cuda_nvrtc_image(NULL, nv, src, t, 12040, &b));
        ASSERT_EQ_INT(b.from_cache, 0);
        ASSERT_TRUE(b.data && b.size == a.size && memcmp(a.data, b.data, a.size) == 0);
        accel__cuda_image_free(&b);
    }
    free(file);
    accel__cuda_image_free(&a);
}

int main(void)
{
    const accel__nvrtc_api *nv = NULL;
    if (accel__nvrtc_api_load(&nv) != ACCEL_OK)
        TEST_SKIP("NVRTC not available: %s", accel_last_error(NULL));
    printf("NVRTC %d.%d from %s\n", nv->major, nv->minor, nv->path);

    /* Architectures this NVRTC knows; the oldest gets PTX, sm_90 (or the newest) a cubin. */
    int archs[256], n = 0;
    if (nv->nvrtcGetNumSupportedArchs && nv->nvrtcGetSupportedArchs &&
        nv->nvrtcGetNumSupportedArchs(&n) == 0 && n > 0 && n <= 256)
        nv->nvrtcGetSupportedArchs(archs);
    else
        archs[n++] = 75;
    int lo = archs[0], hi = archs[0], has90 = 0;
    for (int i = 0; i < n; i++) {
        if (archs[i] < lo) lo = archs[i];
        if (archs[i] > hi) hi = archs[i];
        has90 |= archs[i] == 90;
    }
    int cubin_arch = nv->nvrtcGetCUBIN ? (has90 ? 90 : hi) : 0;

    /* Target choice. */
    accel__cuda_target t;
    ASSERT_OK(accel__cuda_nvrtc_target(nv, hi / 10, hi % 10, &t));
    ASSERT_EQ_INT(t.arch, hi);
    ASSERT_EQ_INT(t.cubin, nv->nvrtcGetCUBIN != NULL);
    if (nv->nvrtcGetSupportedArchs) {
        ASSERT_OK(accel__cuda_nvrtc_target(nv, 15, 9, &t)); /* newer than any: PTX of the newest */
        ASSERT_EQ_INT(t.arch, hi);
        ASSERT_EQ_INT(t.cubin, 0);
        if (lo > 10) {
            ASSERT_STATUS(accel__cuda_nvrtc_target(nv, 1, 0, &t), ACCEL_ERR_UNSUPPORTED);
            ASSERT_CONTAINS(accel_last_error(NULL), "this GPU is sm_10");
        }
    }
    ASSERT_STATUS(accel__cuda_nvrtc_target(nv, 0, 0, &t), ACCEL_ERR_INVALID_ARG);

    accel__cuda_target ptx_t = {lo, 0};
    ASSERT_TRUE(accel__kernel_source_count > 0);
    for (size_t i = 0; i < accel__kernel_source_count; i++)
        family_checks(nv, &accel__kernel_sources[i], ptx_t, cubin_arch);

    cache_checks(nv, &accel__kernel_sources[0], ptx_t);

    /* A family that does not compile: a kernel error with NVRTC's log. */
    static const char broken_text[] = "extern \"C\" __global__ void ak_broken(float *y) { y[0] = nope; }\n";
    accel__kernel_source broken = {"broken", broken_text, sizeof broken_text - 1};
    accel__cuda_image img;
    ASSERT_STATUS(accel__cuda_nvrtc_image(NULL, nv, &broken, ptx_t, 12040, &img),
                  ACCEL_ERR_KERNEL);
    ASSERT_CONTAINS(accel_last_error(NULL), "could not compile kernel family 'broken'");
    ASSERT_CONTAINS(accel_last_error(NULL), "nope");
    ASSERT_TRUE(img.data == NULL);
    TEST_DONE();
}
