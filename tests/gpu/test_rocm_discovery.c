/* AMD GPU discovery on the captured sysfs tree tests/data/sysfs-amd (two GPUs: an MI210 and a
 * RX 6800 XT), with the HIP runtime made unloadable (ACCEL_HIP_LIBRARY names a missing file):
 * both GPUs are listed with what sysfs says and the verdict "libamdhip64.so not found";
 * HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES select and order them as the runtime would; the
 * verdict is cached and a corrupt cache entry is replaced. */
#include "test.h"
#include "test_files.h"
#include "discover/rocm.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MI210_UUID "GPU-1a2b3c4d5e6f7081"

static accel_ctx *ctx;

/* Discovers with the given visibility variables (NULL: unset); returns the count. */
static size_t discover(const char *hip, const char *rocr, accel__devlist *l, bool no_cache)
{
    if (hip) setenv("HIP_VISIBLE_DEVICES", hip, 1);
    else unsetenv("HIP_VISIBLE_DEVICES");
    if (rocr) setenv("ROCR_VISIBLE_DEVICES", rocr, 1);
    else unsetenv("ROCR_VISIBLE_DEVICES");
    memset(l, 0, sizeof *l);
    ASSERT_OK(accel__discover_rocm(ctx, l, no_cache));
    return l->n;
}

static int verdict_files(char *first, size_t cap)
{
    char dir[1024];
    int n = 0;
    if (first) first[0] = '\0';
    if (accel__cache_path(NULL, "verdicts", dir, sizeof dir) != ACCEL_OK) return -1;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "rocm-", 5) != 0) continue;
        if (n++ == 0 && first) snprintf(first, cap, "%s/%s", dir, e->d_name);
    }
    if (d) closedir(d);
    return n;
}

static void scan_checks(void)
{
    accel__rocm_gpu *g = NULL;
    size_t n = 0;
    ASSERT_OK(accel__rocm_scan(&g, &n));
    ASSERT_EQ_INT(n, 2);
    if (n != 2) {
        free(g);
        return;
    }
    ASSERT_EQ_INT(g[0].node, 1);
    ASSERT_STR_EQ(g[0].arch, "gfx90a");
    ASSERT_STR_EQ(g[0].pci_bus_id, "0000:03:00.0");
    ASSERT_STR_EQ(g[0].uuid, MI210_UUID);
    ASSERT_STR_EQ(g[0].drm_card, "card0");
    ASSERT_STR_EQ(g[0].product, "AMD Instinct MI210");
    ASSERT_EQ_INT(g[0].compute_units, 104);
    ASSERT_EQ_INT(g[0].vendor_id, 0x1002);
    ASSERT_EQ_INT(g[0].device_id, 0x740f);
    ASSERT_EQ_INT(g[0].vram_total, 68702699520LL);
    ASSERT_EQ_INT(g[0].vram_used, 12582912);
    ASSERT_EQ_INT(g[0].apu, 0);

    ASSERT_EQ_INT(g[1].node, 2);
    ASSERT_STR_EQ(g[1].arch, "gfx1030");
    ASSERT_STR_EQ(g[1].pci_bus_id, "0000:23:00.0");
    ASSERT_STR_EQ(g[1].uuid, "");
    ASSERT_STR_EQ(g[1].drm_card, "card1");
    ASSERT_STR_EQ(g[1].product, "");
    ASSERT_EQ_INT(g[1].compute_units, 72);
    ASSERT_EQ_INT(g[1].vram_total, 17163091968LL); /* from mem_banks: card1 has no VRAM files */
    ASSERT_EQ_INT(g[1].vram_used, -1);

    /* The visibility rules themselves. */
    size_t keep[2];
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, NULL, NULL, keep), 2);
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, "1,0", NULL, keep), 2);
    ASSERT_EQ_INT(keep[0], 1);
    ASSERT_EQ_INT(keep[1], 0);
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, NULL, "0,0", keep), 1); /* repeated: stops */
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, NULL, " 1 , 0", keep), 2);
    ASSERT_EQ_INT(keep[0], 1);
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, "gpu-1A2B3C4D5E6F7081", NULL, keep), 1);
    ASSERT_EQ_INT(keep[0], 0);
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, "GPU-ffffffffffffffff", NULL, keep), 0);
    ASSERT_EQ_INT(accel__rocm_visible(g, 2, NULL, "x", keep), 0);
    free(g);
}

int main(void)
{
    char root[1024];
    snprintf(root, sizeof root, "%s/sysfs-amd", ACCEL_TEST_DATA);
    setenv(ACCEL__ENV_SYSFS_ROOT, root, 1);
    setenv("ACCEL_HIP_LIBRARY", "/nonexistent/libamdhip64.so", 1);
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) TEST_DONE();
    test_wipe_cache("verdicts", "rocm-");

    /* No KFD topology: nothing listed, and HIP is not even probed. */
    accel__devlist l;
    setenv(ACCEL__ENV_SYSFS_ROOT, "/nonexistent-sysfs", 1);
    ASSERT_EQ_INT(discover(NULL, NULL, &l, false), 0);
    accel__devlist_free(&l);
    ASSERT_EQ_INT(verdict_files(NULL, 0), 0);
    setenv(ACCEL__ENV_SYSFS_ROOT, root, 1);

    scan_checks();

    ASSERT_EQ_INT(discover(NULL, NULL, &l, true), 2);
    for (size_t i = 0; i < l.n; i++) {
        const accel__device *d = &l.v[i];
        ASSERT_EQ_INT(d->info.kind, ACCEL_KIND_ROCM);
        ASSERT_EQ_INT(d->info.routes, ACCEL_ROUTE_HIP);
        ASSERT_EQ_INT(d->info.usable, 0);
        ASSERT_TRUE(d->ops == NULL);
        ASSERT_EQ_INT(d->backend_index, (int)i);
        ASSERT_STR_EQ(d->info.vendor, "AMD");
        ASSERT_STR_EQ(d->info.driver_version, "amdgpu 6.7.0");
        ASSERT_TRUE(strncmp(d->info.verdict, "unusable: libamdhip64.so not found", 34) == 0);
        ASSERT_CONTAINS(d->info.verdict, "install ROCm");
        printf("device %zu: %s [%s %s] %s\n", i, d->info.name, d->info.arch, d->info.pci_bus_id,
               d->info.verdict);
    }
    if (l.n == 2) {
        ASSERT_STR_EQ(l.v[0].info.name, "AMD Instinct MI210");
        ASSERT_STR_EQ(l.v[0].info.arch, "gfx90a");
        ASSERT_STR_EQ(l.v[0].info.uuid, MI210_UUID);
        ASSERT_EQ_INT(l.v[0].info.compute_units, 104);
        ASSERT_EQ_INT(l.v[0].info.mem_total, 68702699520LL);
        ASSERT_EQ_INT(l.v[0].info.mem_used, 12582912);
        ASSERT_EQ_INT(l.v[0].info.mem_free, 68702699520LL - 12582912);
        ASSERT_STR_EQ(l.v[1].info.name, "AMD GPU gfx1030 (device 0x73bf)");
        ASSERT_STR_EQ(l.v[1].info.pci_bus_id, "0000:23:00.0");
        ASSERT_EQ_INT(l.v[1].info.mem_free, -1);
    }
    accel__devlist_free(&l);

    /* Visibility, as the runtime applies it. */
    ASSERT_EQ_INT(discover("1", NULL, &l, true), 1);
    if (l.n == 1) {
        ASSERT_STR_EQ(l.v[0].info.arch, "gfx1030");
        ASSERT_EQ_INT(l.v[0].backend_index, 0);
    }
    accel__devlist_free(&l);
    ASSERT_EQ_INT(discover(NULL, MI210_UUID, &l, true), 1);
    if (l.n == 1) ASSERT_STR_EQ(l.v[0].info.arch, "gfx90a");
    accel__devlist_free(&l);
    ASSERT_EQ_INT(discover("1", "1,0", &l, true), 1); /* HIP's 1 is ROCR's second: node 1 */
    if (l.n == 1) ASSERT_STR_EQ(l.v[0].info.arch, "gfx90a");
    accel__devlist_free(&l);
    ASSERT_EQ_INT(discover("0,7,1", NULL, &l, true), 1); /* stops at the invalid 7 */
    accel__devlist_free(&l);
    ASSERT_EQ_INT(discover("", NULL, &l, true), 0);
    accel__devlist_free(&l);
    ASSERT_EQ_INT(discover("-1", NULL, &l, true), 0);
    accel__devlist_free(&l);

    /* The verdict cache: written, reused, and a corrupt entry is rewritten. */
    test_wipe_cache("verdicts", "rocm-");
    ASSERT_EQ_INT(discover(NULL, NULL, &l, false), 2);
    accel__devlist_free(&l);
    char path[1400];
    ASSERT_EQ_INT(verdict_files(path, sizeof path), 1);
    char *text = NULL;
    size_t n = 0;
    ASSERT_OK(accel__read_file(path, &text, &n));
    ASSERT_CONTAINS(text, "libamdhip64.so not found");
    free(text);
    ASSERT_EQ_INT(discover(NULL, NULL, &l, false), 2);
    if (l.n) ASSERT_CONTAINS(l.v[0].info.verdict, "libamdhip64.so not found");
    accel__devlist_free(&l);
    ASSERT_OK(accel__write_file_atomic(path, "accel-rocm-verdict 1\nkey nonsense\n", 34, 0600));
    ASSERT_EQ_INT(discover(NULL, NULL, &l, false), 2);
    if (l.n) ASSERT_CONTAINS(l.v[0].info.verdict, "libamdhip64.so not found");
    accel__devlist_free(&l);
    ASSERT_OK(accel__read_file(path, &text, &n));
    ASSERT_CONTAINS(text, "libamdhip64.so not found");
    free(text);

    unsetenv("HIP_VISIBLE_DEVICES");
    unsetenv("ROCR_VISIBLE_DEVICES");
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
