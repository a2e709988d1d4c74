/* accel_device_query / accel_device_processes: the live figures and process lists of each
 * kind of device, against the stand-in drivers and captured trees (one ctest entry per
 * scenario, chosen by argv[1]):
 *   nvml       the ok fake libcuda + NVML: the newest entry points (memory v2, whose used
 *              figure leaves out 256 MiB reserved; _v3 process lists)
 *   nvml_old   an NVML without them: the unversioned entry points and v1 records
 *   nvml_hang  an NVML the discovery probe found hanging: never called in this process
 *   amd        sysfs-amd + procfs-drm: amdgpu's sysfs figures and the DRM clients
 *   cpu        this machine's CPU through /proc and /sys */
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024LL * 1024)
#define GIB (1024LL * MIB)

static accel_ctx *open_ctx(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_WARMUP));
    if (!ctx) exit(1);
    return ctx;
}

static int find(accel_ctx *ctx, accel_device_kind kind, const char *bus)
{
    size_t n = 0;
    accel_device_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) == ACCEL_OK && d->kind == kind &&
            (!bus || strcmp(d->pci_bus_id, bus) == 0))
            return (int)i;
    }
    return -1;
}

static accel_device_sample query(accel_ctx *ctx, int i)
{
    accel_device_sample s = {.struct_size = sizeof s};
    ASSERT_OK(accel_device_query(ctx, (size_t)i, &s));
    ASSERT_EQ_INT(s.index, i);
    return s;
}

static size_t processes(accel_ctx *ctx, int i, accel_device_process *p, size_t cap)
{
    for (size_t k = 0; k < cap; k++) p[k].struct_size = sizeof *p;
    size_t n = 99;
    ASSERT_OK(accel_device_processes(ctx, (size_t)i, p, cap, &n));
    return n;
}

static void self_comm(char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/comm", "r");
    out[0] = '\0';
    if (f && fgets(out, (int)cap, f)) out[strcspn(out, "\n")] = '\0';
    if (f) fclose(f);
}

static void nvml(int old)
{
    accel_ctx *ctx = open_ctx();
    int h100 = find(ctx, ACCEL_KIND_CUDA, "0000:41:00.0"), t4 = find(ctx, ACCEL_KIND_CUDA, "0000:42:00.0");
    ASSERT_TRUE(h100 >= 0 && t4 >= 0);
    if (h100 < 0 || t4 < 0) return;
    accel_device_sample s = query(ctx, h100);
    ASSERT_STR_EQ(s.source, "nvml");
    /* v2 leaves the 256 MiB the driver reserves out of `used`; v1 counts them */
    ASSERT_EQ_INT(s.mem_used, old ? 1 * GIB : 1 * GIB - 256 * MIB);
    ASSERT_EQ_INT(s.mem_total, 80 * GIB);
    ASSERT_EQ_INT(s.utilization_percent, 7);
    ASSERT_EQ_INT(s.mem_busy_percent, 3);
    ASSERT_EQ_INT(s.temperature_c, 41);
    ASSERT_EQ_INT(s.power_mw, 71000);
    ASSERT_EQ_INT(s.power_limit_mw, 700000);
    accel_device_process p[4];
    size_t n = processes(ctx, h100, p, 4);
    ASSERT_EQ_INT(n, 2); /* this process, and process 1 listed as compute and as graphics */
    if (n == 2) {
        char comm[64];
        self_comm(comm, sizeof comm);
        ASSERT_EQ_INT(p[0].pid, getpid());
        ASSERT_EQ_INT(p[0].mem_used, 512 * MIB);
        ASSERT_STR_EQ(p[0].name, comm);
        ASSERT_EQ_INT(p[1].pid, 1);
        ASSERT_EQ_INT(p[1].mem_used, -1); /* NVML_VALUE_NOT_AVAILABLE */
    }
    /* a short array: the count of all, the biggest user written */
    accel_device_process one[1];
    n = processes(ctx, h100, one, 1);
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(one[0].pid, getpid());
    size_t k = 7;
    ASSERT_OK(accel_device_processes(ctx, (size_t)h100, NULL, 0, &k));
    ASSERT_EQ_INT(k, 2);
    s = query(ctx, t4);
    ASSERT_EQ_INT(s.mem_total, 16 * GIB);
    ASSERT_EQ_INT(s.power_limit_mw, 70000);
    ASSERT_EQ_INT(processes(ctx, t4, p, 4), 0);
    accel_ctx_destroy(ctx);
}

static void nvml_hang(void)
{
    accel_ctx *ctx = open_ctx();
    int i = find(ctx, ACCEL_KIND_CUDA, NULL);
    ASSERT_TRUE(i >= 0);
    if (i < 0) return;
    /* discovery's probe timed out in NVML: the device has no NVML figures, and querying it
     * must not call NVML here (it would hang this test until ctest kills it) */
    accel_device_sample s = query(ctx, i);
    ASSERT_STR_EQ(s.source, "");
    ASSERT_EQ_INT(s.mem_used, -1);
    ASSERT_EQ_INT(s.utilization_percent, -1);
    accel_device_process p[2];
    ASSERT_EQ_INT(processes(ctx, i, p, 2), 0);
    accel_ctx_destroy(ctx);
}

static void amd(void)
{
    accel_ctx *ctx = open_ctx();
    int mi210 = find(ctx, ACCEL_KIND_ROCM, "0000:03:00.0"), rx = find(ctx, ACCEL_KIND_ROCM, "0000:23:00.0");
    ASSERT_TRUE(mi210 >= 0 && rx >= 0);
    if (mi210 < 0 || rx < 0) return;
    accel_device_sample s = query(ctx, mi210);
    ASSERT_STR_EQ(s.source, "sysfs");
    ASSERT_EQ_INT(s.mem_used, 12582912);
    ASSERT_EQ_INT(s.mem_total, 68702699520LL);
    ASSERT_EQ_INT(s.utilization_percent, 37);
    ASSERT_EQ_INT(s.mem_busy_percent, 12);
    ASSERT_EQ_INT(s.temperature_c, 48);
    ASSERT_EQ_INT(s.power_mw, 187000);
    ASSERT_EQ_INT(s.power_limit_mw, 300000);
    accel_device_process p[4];
    size_t n = processes(ctx, mi210, p, 4);
    ASSERT_EQ_INT(n, 2);
    if (n == 2) {
        ASSERT_EQ_INT(p[0].pid, 4242); /* one client open twice: counted once */
        ASSERT_EQ_INT(p[0].mem_used, 1 * GIB);
        ASSERT_STR_EQ(p[0].name, "whisper-worker");
        ASSERT_EQ_INT(p[1].pid, 4244); /* two clients: summed */
        ASSERT_EQ_INT(p[1].mem_used, 320 * MIB);
        ASSERT_STR_EQ(p[1].name, "two-clients");
    }
    /* the RX 6800 XT's card has no VRAM or busy files: nothing read but its process */
    s = query(ctx, rx);
    ASSERT_EQ_INT(s.utilization_percent, -1);
    ASSERT_EQ_INT(s.temperature_c, -1);
    n = processes(ctx, rx, p, 4);
    ASSERT_EQ_INT(n, 1);
    if (n == 1) {
        ASSERT_EQ_INT(p[0].pid, 4243);
        ASSERT_EQ_INT(p[0].mem_used, 4 * MIB);
    }
    accel_ctx_destroy(ctx);
}

static void cpu(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP));
    if (!ctx) return;
    int i = find(ctx, ACCEL_KIND_CPU, NULL);
    accel_device_sample s = query(ctx, i);
    ASSERT_STR_EQ(s.source, "procfs");
    ASSERT_TRUE(s.mem_total > 0);
    ASSERT_TRUE(s.mem_used > 0 && s.mem_used <= s.mem_total);
    ASSERT_TRUE(s.utilization_percent >= 0 && s.utilization_percent <= 100);
    ASSERT_EQ_INT(s.mem_busy_percent, -1);
    fprintf(stderr, "cpu: %lld/%lld bytes, %d%% busy, %d C, %d mW (limit %d)\n",
            (long long)s.mem_used, (long long)s.mem_total, s.utilization_percent,
            s.temperature_c, s.power_mw, s.power_limit_mw);
    /* a second reading right away is a rate over the time since the first */
    s = query(ctx, i);
    ASSERT_TRUE(s.utilization_percent >= 0 && s.utilization_percent <= 100);
    accel_device_process p[2];
    ASSERT_EQ_INT(processes(ctx, i, p, 2), 0);
    /* the caller's mistakes */
    accel_device_sample bad = {.struct_size = 0};
    ASSERT_STATUS(accel_device_query(ctx, (size_t)i, &bad), ACCEL_ERR_INVALID_ARG);
    accel_device_sample far = {.struct_size = sizeof far};
    ASSERT_STATUS(accel_device_query(ctx, 99, &far), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "out of range");
    accel_ctx_destroy(ctx);
}

int main(int argc, char **argv)
{
    const char *sc = argc > 1 ? argv[1] : "cpu";
    if (!strcmp(sc, "nvml")) nvml(0);
    else if (!strcmp(sc, "nvml_old")) nvml(1);
    else if (!strcmp(sc, "nvml_hang")) nvml_hang();
    else if (!strcmp(sc, "amd")) amd();
    else cpu();
    TEST_DONE();
}
