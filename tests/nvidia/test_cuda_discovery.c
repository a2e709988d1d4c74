/* NVIDIA discovery against the fake libraries (tests/fakes): one scenario per ctest entry,
 * chosen by argv[1]; the entry's environment puts the variant first on LD_LIBRARY_PATH.
 * Every scenario checks that the host process survives whatever the library does, that the
 * verdict names the cause, and that the time limit holds. */
#include "test.h"
#include "test_files.h"
#include "core/backend.h"
#include "discover/cuda.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define GIB (1024ll * 1024 * 1024)
#define MIB (1024ll * 1024)

/* ---- helpers ------------------------------------------------------------------------------ */

static void verdict_dir(char *buf, size_t cap)
{
    if (accel__cache_path(NULL, "verdicts", buf, cap) != ACCEL_OK) buf[0] = '\0';
}

/* Path of the one CUDA verdict file whose key names `needle` (0 when none). */
static int cuda_verdict_file(const char *needle, char *out, size_t cap)
{
    char dir[1024];
    verdict_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (strncmp(e->d_name, "cuda-", 5) != 0) continue;
        snprintf(out, cap, "%s/%s", dir, e->d_name);
        char *text = NULL;
        size_t n = 0;
        if (accel__read_file(out, &text, &n) == ACCEL_OK && strstr(text, needle)) found = 1;
        free(text);
    }
    closedir(d);
    return found;
}

static accel_ctx *open_ctx(unsigned flags)
{
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, NULL, 0, flags | ACCEL_CTX_NO_WARMUP);
    if (st != ACCEL_OK) {
        fprintf(stderr, "accel_ctx_create: %s: %s\n", accel_status_name(st), accel_last_error(NULL));
        exit(1);
    }
    return ctx;
}

static int cuda_devices(accel_ctx *ctx, accel__device **v, int cap)
{
    int n = 0;
    for (size_t i = 0; i < ctx->n_devs; i++)
        if (ctx->devs[i].info.kind == ACCEL_KIND_CUDA && n < cap) v[n++] = &ctx->devs[i];
    return n;
}

static void inspect(accel__cuda_report *rep, bool no_cache)
{
    accel_ctx *ctx = open_ctx(ACCEL_CTX_NO_DISCOVERY); /* for its configuration only */
    ASSERT_OK(accel__cuda_inspect(ctx, no_cache, rep, NULL));
    accel_ctx_destroy(ctx);
}

static void check_h100(const accel__device *d, int live_nvml)
{
    const accel_device_info *i = &d->info;
    ASSERT_STR_EQ(i->name, "Fake H100");
    ASSERT_EQ_INT(i->kind, ACCEL_KIND_CUDA);
    ASSERT_TRUE(i->routes & ACCEL_ROUTE_CUDA);
    ASSERT_EQ_INT(i->usable, 1);
    ASSERT_STR_EQ(i->verdict, "usable");
    ASSERT_STR_EQ(i->vendor, "NVIDIA");
    ASSERT_STR_EQ(i->pci_bus_id, "0000:41:00.0");
    ASSERT_STR_EQ(i->uuid, "GPU-a1b2c3d4-0000-4000-8000-000000000041");
    ASSERT_STR_EQ(i->arch, "sm_90");
    ASSERT_EQ_INT(i->cc_major, 9);
    ASSERT_EQ_INT(i->cc_minor, 0);
    ASSERT_EQ_INT(i->compute_units, 132);
    ASSERT_EQ_INT(i->mem_total, 80 * GIB);
    ASSERT_EQ_INT(i->mem_free, 80 * GIB - 512 * MIB); /* cuMemGetInfo in the probe's context */
    ASSERT_EQ_INT(i->driver_cuda_version, 12040);
    ASSERT_EQ_INT(i->mem_used, 1 * GIB);                 /* NVML, matched by bus id */
    ASSERT_EQ_INT(i->utilization_percent, live_nvml ? 7 : -1);
    ASSERT_EQ_INT(i->temperature_c, live_nvml ? 41 : -1);
    ASSERT_EQ_INT(i->power_mw, live_nvml ? 71000 : -1);
    ASSERT_EQ_INT(i->unified_memory, 0);
    ASSERT_TRUE(d->ops == &accel__backend_cuda);
}

static void check_t4(const accel__device *d, int ordinal, int live_nvml)
{
    const accel_device_info *i = &d->info;
    ASSERT_STR_EQ(i->name, "Fake T4");
    ASSERT_STR_EQ(i->pci_bus_id, "0000:42:00.0");
    ASSERT_STR_EQ(i->uuid, "GPU-a1b2c3d4-0000-4000-8000-000000000042");
    ASSERT_STR_EQ(i->arch, "sm_75");
    ASSERT_EQ_INT(i->compute_units, 40);
    ASSERT_EQ_INT(i->mem_total, 16 * GIB);
    ASSERT_EQ_INT(i->mem_used, 2 * GIB);
    ASSERT_EQ_INT(i->utilization_percent, live_nvml ? 3 : -1);
    ASSERT_EQ_INT(i->temperature_c, live_nvml ? 52 : -1);
    ASSERT_EQ_INT(d->backend_index, ordinal);
}

/* ---- scenarios ---------------------------------------------------------------------------- */

static void scenario_ok(void)
{
    int p0 = accel__cuda_probes_started();
    accel_ctx *ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 2);
    if (cuda_devices(ctx, v, 8) == 2) {
        check_h100(v[0], 1);
        ASSERT_EQ_INT(v[0]->backend_index, 0);
        ASSERT_STR_EQ(v[0]->info.driver_version, "550.54.14"); /* NVML's string */
        check_t4(v[1], 1, 1);
    }
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + 1);
    ASSERT_EQ_INT(ctx->devs[ctx->n_devs - 1].info.kind, ACCEL_KIND_CPU);
    accel_ctx_destroy(ctx);

    /* the report the doctor reads, now from the cache */
    accel__cuda_report rep;
    inspect(&rep, false);
    ASSERT_EQ_INT(rep.from_cache, 1);
    ASSERT_EQ_INT(rep.lib_found, 1);
    ASSERT_CONTAINS(rep.lib_path, "/fakes/ok/libcuda.so.1");
    ASSERT_EQ_INT(rep.driver_version, 12040);
    ASSERT_EQ_INT(rep.usable, 1);
    ASSERT_STR_EQ(rep.verdict, "usable");
    ASSERT_EQ_INT(rep.n_devices, 2);
    ASSERT_EQ_INT(rep.n_usable, 2);
    ASSERT_EQ_INT(rep.nvml_found, 1);
    ASSERT_CONTAINS(rep.nvml_path, "/fakes/ok/libnvidia-ml.so.1");
    ASSERT_STR_EQ(rep.nvml_driver_version, "550.54.14");
    ASSERT_STR_EQ(rep.nvml_verdict, "usable");
    ASSERT_EQ_INT(rep.nvml_n_devices, 2);
    ASSERT_EQ_INT(rep.visible.kind, ACCEL__CVD_UNSET);
    ASSERT_STR_EQ(rep.visible_note, "");
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + 1);

    /* a warm context: same devices, no fork; instantaneous NVML readings are not replayed */
    ctx = open_ctx(0);
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 2);
    if (cuda_devices(ctx, v, 8) == 2) {
        check_h100(v[0], 0);
        check_t4(v[1], 1, 0);
    }
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + 1);
    accel_ctx_destroy(ctx);

    /* opening a device goes to the CUDA backend's ops table */
    ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    if (ctx && cuda_devices(ctx, v, 8) == 2)
        ASSERT_TRUE(v[0]->opened || strstr(v[0]->info.verdict, "open failed") != NULL);
    accel_ctx_destroy(ctx);
}

/* Runs inspection with CUDA_VISIBLE_DEVICES=value (NULL: unset) and returns the report. */
static void with_visible(const char *value, accel__cuda_report *rep, accel__device **v, int *n)
{
    if (value)
        setenv("CUDA_VISIBLE_DEVICES", value, 1);
    else
        unsetenv("CUDA_VISIBLE_DEVICES");
    accel_ctx *ctx = open_ctx(0); /* probes (the key changed with the value) */
    static accel__device copies[8];
    accel__device *found[8];
    *n = cuda_devices(ctx, found, 8);
    for (int i = 0; i < *n; i++) {
        copies[i] = *found[i];
        v[i] = &copies[i];
    }
    accel_ctx_destroy(ctx);
    inspect(rep, false); /* the report, from the record just cached */
    ASSERT_EQ_INT(rep->from_cache, 1);
}

static void scenario_visible(void)
{
    accel__cuda_report rep;
    accel__device *v[8];
    int n;
    /* as the ctest environment sets it: CUDA_VISIBLE_DEVICES=1 */
    const char *env = getenv("CUDA_VISIBLE_DEVICES");
    ASSERT_TRUE(env && strcmp(env, "1") == 0);
    with_visible("1", &rep, v, &n);
    ASSERT_EQ_INT(n, 1);
    if (n == 1) check_t4(v[0], 0, 1); /* CUDA ordinal 0 after filtering, NVML by bus id */
    ASSERT_EQ_INT(rep.visible_effect, ACCEL__CVD_FINE);
    ASSERT_STR_EQ(rep.visible_note, "CUDA_VISIBLE_DEVICES=1 shows device 1 as CUDA device 0");

    with_visible("1,0", &rep, v, &n); /* order as given */
    ASSERT_EQ_INT(n, 2);
    if (n == 2) {
        check_t4(v[0], 0, 1);
        ASSERT_STR_EQ(v[1]->info.name, "Fake H100");
        ASSERT_EQ_INT(v[1]->backend_index, 1);
    }

    with_visible("GPU-a1b2c3d4-0000-4000-8000-000000000042", &rep, v, &n);
    ASSERT_EQ_INT(n, 1);
    if (n == 1) check_t4(v[0], 0, 1);

    with_visible("5", &rep, v, &n);
    ASSERT_EQ_INT(n, 0);
    ASSERT_EQ_INT(rep.visible_effect, ACCEL__CVD_HIDES_ALL);
    ASSERT_STR_EQ(rep.verdict,
                  "no CUDA device visible: CUDA_VISIBLE_DEVICES=5: entry 0 names device 5, but "
                  "this machine has 2 NVIDIA GPUs (0..1): no CUDA device is visible");

    with_visible("0,7,1", &rep, v, &n); /* the driver stops at 7 */
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(rep.visible_effect, ACCEL__CVD_PARTLY_IGNORED);
    ASSERT_CONTAINS(rep.visible_note, "names device 7");

    with_visible("", &rep, v, &n);
    ASSERT_EQ_INT(n, 0);
    ASSERT_CONTAINS(rep.verdict, "is set but empty: it hides every CUDA device");

    with_visible("-1", &rep, v, &n);
    ASSERT_EQ_INT(n, 0);
    ASSERT_EQ_INT(rep.visible_effect, ACCEL__CVD_HIDES_ALL);

    with_visible("GPU-a1b2", &rep, v, &n); /* a prefix of both UUIDs */
    ASSERT_EQ_INT(n, 0);
    ASSERT_CONTAINS(rep.verdict, "matches more than one GPU's UUID");

    with_visible(NULL, &rep, v, &n);
    ASSERT_EQ_INT(n, 2);
}

static void scenario_init_fails(void)
{
    accel_ctx *ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 0);
    ASSERT_EQ_INT(ctx->devs[ctx->n_devs - 1].info.kind, ACCEL_KIND_CPU); /* the CPU is still last */
    accel_ctx_destroy(ctx);
    accel__cuda_report rep;
    inspect(&rep, false);
    ASSERT_EQ_INT(rep.usable, 0);
    ASSERT_EQ_INT(rep.lib_found, 1);
    ASSERT_STR_EQ(rep.verdict, "unusable: cuInit: CUDA_ERROR_UNKNOWN (999: unknown error)");
    ASSERT_EQ_INT(rep.driver_version, 12040); /* asked before cuInit */
    ASSERT_EQ_INT(rep.nvml_found, 1);         /* NVML still ran, to explain */
    ASSERT_STR_EQ(rep.nvml_driver_version, "550.54.14");
}

static void scenario_abort_on_load(void)
{
    double t0 = accel__now_ms();
    accel_ctx *ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 0);
    accel_ctx_destroy(ctx);
    ASSERT_TRUE(accel__now_ms() - t0 < 5000);
    accel__cuda_report rep;
    inspect(&rep, false);
    ASSERT_STR_EQ(rep.verdict, "unusable: killed by SIGABRT while loading libcuda.so.1");
    ASSERT_EQ_INT(rep.lib_found, 1);
    ASSERT_CONTAINS(rep.lib_path, "/fakes/abort_on_load/libcuda.so.1");
    ASSERT_EQ_INT(rep.driver_version, -1);
    ASSERT_EQ_INT(rep.nvml_found, 0);
    ASSERT_CONTAINS(rep.nvml_verdict, "not reached");
}

static void scenario_hang_in_init(void)
{
    double t0 = accel__now_ms();
    accel_ctx *ctx = open_ctx(0);
    double dt = accel__now_ms() - t0;
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 0);
    accel_ctx_destroy(ctx);
    fprintf(stderr, "hang: context created in %.0f ms (limit ACCEL_PROBE_TIMEOUT_MS=1000)\n", dt);
    ASSERT_TRUE(dt >= 900 && dt < 5000);
    accel__cuda_report rep;
    t0 = accel__now_ms();
    inspect(&rep, false); /* the verdict is cached: no second wait */
    dt = accel__now_ms() - t0;
    ASSERT_TRUE(dt < 500);
    ASSERT_EQ_INT(rep.from_cache, 1);
    ASSERT_STR_EQ(rep.verdict, "unusable: CUDA probe did not finish within 1000 ms while calling "
                               "cuInit (killed)");
    ASSERT_EQ_INT(rep.driver_version, 12040);
}

static void scenario_old_driver(void)
{
    accel_ctx *ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 2);
    if (cuda_devices(ctx, v, 8) == 2) {
        ASSERT_EQ_INT(v[0]->info.driver_cuda_version, 11020);
        ASSERT_EQ_INT(v[0]->info.usable, 1);
        char module[512] = "";
        accel__read_text("/proc/driver/nvidia/version", module, sizeof module);
        if (!module[0]) ASSERT_STR_EQ(v[0]->info.driver_version, "11.2"); /* no NVML here */
        ASSERT_EQ_INT(v[0]->info.utilization_percent, -1);
    }
    accel_ctx_destroy(ctx);
    accel__cuda_report rep;
    inspect(&rep, false);
    ASSERT_EQ_INT(rep.driver_version, 11020);
    ASSERT_EQ_INT(rep.nvml_found, 0);
    ASSERT_CONTAINS(rep.nvml_verdict, "cannot use libnvidia-ml.so.1");
}

static void scenario_missing_symbol(void)
{
    accel_ctx *ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 0);
    accel_ctx_destroy(ctx);
    accel__cuda_report rep;
    inspect(&rep, false);
    ASSERT_EQ_INT(rep.usable, 0);
    ASSERT_CONTAINS(rep.verdict, "unusable: cannot use libcuda.so.1: ");
    ASSERT_CONTAINS(rep.verdict, "symbol cuMemGetInfo_v2 not found");
    ASSERT_EQ_INT(rep.driver_version, 12040); /* read on its own despite the missing symbol */
}

static void scenario_nvml_hang(void)
{
    double t0 = accel__now_ms();
    accel_ctx *ctx = open_ctx(0);
    double dt = accel__now_ms() - t0;
    ASSERT_TRUE(dt < 5000);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 2); /* a hung NVML does not cost the CUDA devices */
    if (cuda_devices(ctx, v, 8) == 2) {
        ASSERT_EQ_INT(v[0]->info.usable, 1);
        ASSERT_EQ_INT(v[0]->info.mem_used, -1);
        ASSERT_EQ_INT(v[0]->info.utilization_percent, -1);
        ASSERT_EQ_INT(v[0]->info.mem_free, 80 * GIB - 512 * MIB);
    }
    accel_ctx_destroy(ctx);
    accel__cuda_report rep;
    inspect(&rep, false);
    ASSERT_STR_EQ(rep.verdict, "usable");
    ASSERT_EQ_INT(rep.nvml_found, 0);
    ASSERT_STR_EQ(rep.nvml_verdict, "unusable: CUDA probe did not finish within 1000 ms while "
                                    "calling nvmlInit_v2 (killed)");
}

static void scenario_nolib(void)
{
    int p0 = accel__cuda_probes_started();
    accel__cuda_report rep;
    accel_ctx *ctx = open_ctx(ACCEL_CTX_NO_DISCOVERY);
    double t0 = accel__now_ms();
    ASSERT_OK(accel__cuda_inspect(ctx, false, &rep, NULL));
    double dt = accel__now_ms() - t0;
    accel_ctx_destroy(ctx);
    if (rep.lib_found) TEST_SKIP("this machine has a real libcuda.so.1 (%s)", rep.lib_path);
    fprintf(stderr, "no libcuda: inspection took %.2f ms\n", dt);
    ASSERT_TRUE(dt < 100);
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0); /* nothing to probe, no fork */
    ASSERT_CONTAINS(rep.verdict, "no libcuda.so.1");
    ASSERT_CONTAINS(rep.lib_searched, "ld.so cache");
    ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 0);
    accel_ctx_destroy(ctx);
}

static int copy_file(const char *from, const char *to)
{
    char *data = NULL;
    size_t n = 0;
    if (accel__read_file(from, &data, &n) != ACCEL_OK) return -1;
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    int ok = fd >= 0 && write(fd, data, n) == (ssize_t)n;
    if (fd >= 0) close(fd);
    free(data);
    return ok ? 0 : -1;
}

static void set_mtime(const char *path, long sec)
{
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    ASSERT_EQ_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Expects one inspection: from the cache or probed (probes_started tells). */
static void expect(int cached, const char *what)
{
    int p0 = accel__cuda_probes_started();
    accel__cuda_report rep;
    inspect(&rep, false);
    if (rep.from_cache != cached)
        fprintf(stderr, "while checking: %s\n", what);
    ASSERT_EQ_INT(rep.from_cache, cached);
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + (cached ? 0 : 1));
    ASSERT_STR_EQ(rep.verdict, "usable");
}

static void scenario_cache(char **argv)
{
    /* The libraries are copied to a private directory, so they can be touched. The loader
     * reads LD_LIBRARY_PATH at start-up only: set it, then run this program again. */
    char lib[1024], cache_root[1024];
    if (accel__cache_path(NULL, "", cache_root, sizeof cache_root) != ACCEL_OK) exit(1);
    snprintf(lib, sizeof lib, "%s/lib", cache_root);
    if (!getenv("ACCEL_TEST_REEXEC")) {
        mkdir(lib, 0755);
        const char *names[] = {"libcuda.so.1", "libnvidia-ml.so.1"};
        for (int i = 0; i < 2; i++) {
            char from[1200], to[1200];
            snprintf(from, sizeof from, "%s/fakes/ok/%s", ACCEL_TEST_BUILD, names[i]);
            snprintf(to, sizeof to, "%s/%s", lib, names[i]);
            if (copy_file(from, to) != 0) {
                fprintf(stderr, "cannot copy %s to %s\n", from, to);
                exit(1);
            }
        }
        setenv("LD_LIBRARY_PATH", lib, 1);
        setenv("ACCEL_TEST_REEXEC", "1", 1);
        execv("/proc/self/exe", argv);
        perror("execv");
        exit(1);
    }
    char cuda[1200], nvml[1200], file[2048];
    snprintf(cuda, sizeof cuda, "%s/libcuda.so.1", lib);
    snprintf(nvml, sizeof nvml, "%s/libnvidia-ml.so.1", lib);
    test_wipe_cache("verdicts", "");

    expect(0, "first run probes");
    expect(1, "second run uses the cache");
    ASSERT_TRUE(cuda_verdict_file(cuda, file, sizeof file)); /* the key names the library file */

    /* a flipped byte: ignored, probed afresh, rewritten */
    char *text = NULL;
    size_t n = 0;
    ASSERT_OK(accel__read_file(file, &text, &n));
    if (text && n > 10) {
        text[n - 10] ^= 0x01;
        FILE *f = fopen(file, "wb");
        fwrite(text, 1, n, f);
        fclose(f);
    }
    free(text);
    expect(0, "a corrupt file is ignored");
    expect(1, "and rewritten");

    /* truncated to a few bytes, then empty */
    ASSERT_EQ_INT(truncate(file, 7), 0);
    expect(0, "a truncated file is ignored");
    ASSERT_EQ_INT(truncate(file, 0), 0);
    expect(0, "an empty file is ignored");
    expect(1, "and rewritten");

    /* no_cache probes afresh (and stores) */
    int p0 = accel__cuda_probes_started();
    accel__cuda_report rep;
    inspect(&rep, true);
    ASSERT_EQ_INT(rep.from_cache, 0);
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + 1);
    accel_ctx *ctx = open_ctx(ACCEL_CTX_NO_CACHE);
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + 2);
    accel_ctx_destroy(ctx);
    expect(1, "after no_cache the cache is warm");

    /* a changed library file (new mtime) is another key */
    set_mtime(cuda, 1000000000);
    expect(0, "a touched libcuda invalidates the verdict");
    expect(1, "and the new one is cached");
    set_mtime(nvml, 1000000000);
    expect(0, "a touched libnvidia-ml invalidates the verdict");

    /* the environment the driver reads is part of the key */
    setenv("CUDA_VISIBLE_DEVICES", "0", 1);
    expect(0, "another CUDA_VISIBLE_DEVICES is another key");
    unsetenv("CUDA_VISIBLE_DEVICES");
    expect(1, "back to the first value: its record is still there");
}

static void scenario_in_process(void)
{
    /* The application loaded libcuda itself: a forked child must not use it, so discovery
     * runs the driver API part here and only NVML in a child. */
    void *h = dlopen("libcuda.so.1", RTLD_NOW);
    ASSERT_TRUE(h != NULL);
    if (!h) return;
    int p0 = accel__cuda_probes_started();
    accel__cuda_report rep;
    inspect(&rep, true);
    ASSERT_EQ_INT(rep.in_process, 1);
    ASSERT_EQ_INT(rep.n_devices, 2);
    ASSERT_EQ_INT(rep.nvml_found, 1);
    ASSERT_EQ_INT(accel__cuda_probes_started(), p0 + 1);
    inspect(&rep, false);
    ASSERT_EQ_INT(rep.from_cache, 1);
    accel_ctx *ctx = open_ctx(0);
    accel__device *v[8];
    ASSERT_EQ_INT(cuda_devices(ctx, v, 8), 2);
    if (cuda_devices(ctx, v, 8) == 2) check_h100(v[0], 0);
    accel_ctx_destroy(ctx);
}

int main(int argc, char **argv)
{
    const char *s = argc > 1 ? argv[1] : "ok";
    if (strcmp(s, "cache") != 0) test_wipe_cache("verdicts", ""); /* the cache scenario wipes after its re-exec */
    if (strcmp(s, "ok") == 0) scenario_ok();
    else if (strcmp(s, "visible") == 0) scenario_visible();
    else if (strcmp(s, "init_fails") == 0) scenario_init_fails();
    else if (strcmp(s, "abort_on_load") == 0) scenario_abort_on_load();
    else if (strcmp(s, "hang_in_init") == 0) scenario_hang_in_init();
    else if (strcmp(s, "old_driver") == 0) scenario_old_driver();
    else if (strcmp(s, "missing_symbol") == 0) scenario_missing_symbol();
    else if (strcmp(s, "nvml_hang") == 0) scenario_nvml_hang();
    else if (strcmp(s, "nolib") == 0) scenario_nolib();
    else if (strcmp(s, "cache") == 0) scenario_cache(argv);
    else if (strcmp(s, "in_process") == 0) scenario_in_process();
    else {
        fprintf(stderr, "unknown scenario '%s'\n", s);
        return 2;
    }
    TEST_DONE();
}
