/* AMD GPU discovery with the real HIP runtime of this machine over the captured sysfs tree:
 * the probe child loads libamdhip64 and runs hipInit. The GPUs of the tree are not this
 * machine's, so HIP cannot report them: each must be listed as unusable with HIP's own reason
 * (hipInit's error, or "does not report this GPU"), never as usable and never "not found",
 * and the test process must survive whatever the runtime does. The verdict cache: a second
 * probe is answered from it, and a change to the library file it names (a copy named by
 * ACCEL_HIP_LIBRARY, its time stamp moved) makes it probe afresh. Skips (77) without
 * libamdhip64. */
#include "test.h"
#include "discover/libresolve.h"
#include "discover/rocm.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void probe(accel_ctx *ctx, const accel__rocm_gpu *g, size_t n, bool no_cache,
                  int want_from_cache, const char *lib)
{
    accel__hip_probe p;
    ASSERT_OK(accel__rocm_probe(ctx, g, n, no_cache, &p));
    ASSERT_EQ_INT(p.from_cache, want_from_cache);
    ASSERT_STR_EQ(p.lib_path, lib);
    ASSERT_TRUE(strncmp(p.verdict, "unusable: ", 10) == 0);
    accel__hip_probe_free(&p);
}

static void cache_checks(accel_ctx *ctx, const char *real_lib)
{
    char dir[] = "/tmp/accel-rocm-hip-XXXXXX", lib[600], cmd[1400];
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(lib, sizeof lib, "%s/libamdhip64.so", dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", real_lib, lib);
    ASSERT_EQ_INT(system(cmd), 0);
    setenv("ACCEL_HIP_LIBRARY", lib, 1);
    accel__rocm_gpu *g = NULL;
    size_t n = 0;
    ASSERT_OK(accel__rocm_scan(&g, &n));
    probe(ctx, g, n, true, 0, lib);  /* probed, stored */
    probe(ctx, g, n, false, 1, lib); /* from the cache */
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    ASSERT_EQ_INT(utimensat(AT_FDCWD, lib, old, 0), 0);
    probe(ctx, g, n, false, 0, lib); /* the library changed: probed again */
    probe(ctx, g, n, false, 1, lib);
    free(g);
    unsetenv("ACCEL_HIP_LIBRARY");
    unlink(lib);
    rmdir(dir);
}

int main(void)
{
    char root[1024];
    snprintf(root, sizeof root, "%s/sysfs-amd", ACCEL_TEST_DATA);
    setenv(ACCEL__ENV_SYSFS_ROOT, root, 1);
    unsetenv("HIP_VISIBLE_DEVICES");
    unsetenv("ROCR_VISIBLE_DEVICES");
    /* Found without loading it here: this process must stay free of HIP so that the probe
     * children load whichever file ACCEL_HIP_LIBRARY names. */
    char runtime[1024] = "";
    accel__ldpath *lp = NULL;
    ASSERT_OK(accel__ldpath_open(&lp));
    static const char *const sonames[] = {"libamdhip64.so", "libamdhip64.so.7",
                                          "libamdhip64.so.6", "libamdhip64.so.5"};
    for (size_t i = 0; lp && !runtime[0] && i < sizeof sonames / sizeof *sonames; i++) {
        static accel__lib_info li;
        if (accel__lib_resolve(lp, sonames[i], &li) == ACCEL_OK && li.found)
            accel__strlcpy(runtime, li.realpath, sizeof runtime);
    }
    accel__ldpath_close(lp);
    if (!runtime[0] && access("/opt/rocm/lib/libamdhip64.so", R_OK) == 0)
        accel__strlcpy(runtime, "/opt/rocm/lib/libamdhip64.so", sizeof runtime);
    if (!runtime[0])
        TEST_SKIP("HIP runtime not installed (no libamdhip64.so where the loader looks)");
    printf("HIP runtime: %s\n", runtime);
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) TEST_DONE();
    accel__devlist l = {0};
    double t0 = accel__now_ms();
    ASSERT_OK(accel__discover_rocm(ctx, &l, true));
    printf("probe: %.1f ms\n", accel__now_ms() - t0);
    ASSERT_EQ_INT(l.n, 2);
    for (size_t i = 0; i < l.n; i++) {
        const accel_device_info *d = &l.v[i].info;
        printf("device %zu: %s [%s] %s\n", i, d->name, d->pci_bus_id, d->verdict);
        ASSERT_EQ_INT(d->usable, 0);
        ASSERT_TRUE(strncmp(d->verdict, "unusable: ", 10) == 0);
        ASSERT_TRUE(strstr(d->verdict, "not found") == NULL);
    }
    accel__devlist_free(&l);
    cache_checks(ctx, runtime);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
