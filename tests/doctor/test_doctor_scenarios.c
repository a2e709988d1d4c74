/* Fault scenarios for `accel doctor`: the real accel binary runs with small fake vendor
 * libraries first on LD_LIBRARY_PATH (a libcuda.so.1 whose cuInit fails, one that aborts on
 * load, one that hangs in cuInit, an old driver beside a newer CUDA runtime, a libcudnn.so.9
 * without libcudnn_ops.so.9), on a captured sysfs/procfs tree, and as the machine is. Each must
 * give the right verdict within its time limit, exit normally (the host process survives
 * whatever the libraries do) with the documented exit code, and print JSON that validates
 * against docs/schemas/doctor.schema.json (tests/doctor/check_doctor.py checks the fields).
 *
 * Usage: test_doctor_scenarios SCENARIO (one ctest entry per scenario). */
#include "test.h"
#include "cli_run.h"
#include "test_files.h"
#include "core/internal.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAKES ACCEL_TEST_BUILD "/fakes"
#define SRC ACCEL_TEST_DATA "/../.." /* the source tree */

typedef struct {
    const char *name;
    const char *fakes;     /* ':'-separated variants under <build>/fakes, first on the path */
    int inhibit_cache;     /* run through `ld.so --inhibit-cache` with no ld.so cache at all */
    const char *env[4];    /* extra "KEY=VALUE" */
    int want_rc;           /* -1: whatever the machine gives (still checked for consistency) */
    double max_seconds;
    int require_schema;
    const char *expect[12]; /* for check_doctor.py */
    /* Text that standard error must hold exactly once (NULL: not checked): the doctor says
     * what it waits for once per probe, so this also counts the probes of one stack. */
    const char *stderr_once;
    int devices_json; /* also run `accel devices --json`: its output must be JSON */
} scenario;

static const scenario scenarios[] = {
    {"init_fails", "init_fails", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=FAIL~cuInit~CUDA_ERROR_UNKNOWN", "lib:libcuda.so.1@library.via==LD_LIBRARY_PATH"}},
    {"abort_on_load", "abort_on_load", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=FAIL~killed by SIGABRT while loading libcuda.so.1"}},
    /* Probed once (by discovery; the doctor's own question reuses that outcome), and the
     * doctor says what it is waiting for meanwhile. */
    {"hang_in_init", "hang_in_init", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=FAIL~did not finish within 1000 ms~cuInit"},
     "accel doctor: waiting for CUDA probe (calling cuInit)"},
    /* A libcuda that prints: the JSON stays valid, and what it said is shown in its check. */
    {"prints", "prints:ok", 0, {NULL}, -1, 10, 0,
     {"lib:libcuda.so.1=PASS~cuInit ok, 2 device(s)~printed during the probe~fake libcuda: "
      "loaded {\"not\": \"json\"} fake libcuda: a warning on stderr fake libcuda: cuInit called",
      "lib:libcuda.so.1@probe_output==fake libcuda: loaded {\"not\": \"json\"} fake libcuda: "
      "a warning on stderr fake libcuda: cuInit called"},
     NULL, 1},
    /* NVML is tried inside the CUDA probe, after libcuda: beside a libcuda that aborts it is
     * not probed, and its line points at libcuda's rather than telling to reinstall NVML (it
     * said "NVML: not reached … -- fix: reinstall libnvidia-ml1"). */
    {"nvml_after_abort", "abort_on_load:nvml_old", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=FAIL~killed by SIGABRT",
      "lib:libnvidia-ml.so.1=WARN~not probed~the CUDA probe ended before NVML~make libcuda.so.1 "
      "work first~!reinstall libnvidia-ml1"}},
    /* NVML without libcuda and without an NVIDIA GPU: not probed, nothing to fix (it said
     * PASS "NVML:  (not used without libcuda)", an empty verdict). */
    {"nvml_alone", "nvml_old", 0, {NULL}, -1, 10, 0,
     {"lib:libnvidia-ml.so.1=INFO~not probed~not used without it~!NVML:  ("}},
    /* A libcuda without an entry point accel calls: a newer driver is the fix, not
     * reinstalling the one there (it said "reinstall the NVIDIA driver"). */
    {"missing_symbol", "missing_symbol", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=FAIL~symbol cuMemGetInfo_v2 not found~lacks an entry point accel "
      "calls~install a current NVIDIA driver~!reinstall the NVIDIA driver"}},
    /* A libcuda whose constructor ends the process with status 0: failed, not "usable". */
    {"exit_on_load", "exit_on_load", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=FAIL~exited with status 0 while loading libcuda.so.1~before replying"}},
    {"old_driver", "old_driver:cudart12", 0, {NULL}, 2, 10, 0,
     {"lib:libcuda.so.1=PASS~cuDriverGetVersion 11020", "lib:libcudart.so.12=PASS",
      "lib:libcudart.so.12@library.version==12.4",
      "lib:libcudart.so.12@library.version_source==cudaRuntimeGetVersion()",
      "lib:libcudart.so.12@library.via==LD_LIBRARY_PATH",
      "cuda.compat:libcudart.so.12=FAIL~CUDA 12.4~CUDA 11.2~11020"}},
    /* No ld.so cache (for the loader and for accel alike), so a cuDNN installed on the machine
     * cannot stand in for the missing sub-library. */
    {"cudnn_missing_ops", "cudnn9_noops", 1, {"ACCEL_LD_SO_CACHE=/nonexistent/ld.so.cache"}, 2, 10,
     0,
     {"lib:libcudnn.so.9=FAIL~killed by SIGABRT while loading libcudnn.so.9~libcudnn_ops.so.9",
      "lib:libcudnn_ops.so.9=FAIL~missing~libcudnn.so.9",
      "lib:libcudnn_ops.so.9@library.found==False", "lib:libcudnn.so.9@library.load.ok==False",
      /* what the library printed before it aborted, inside its own check */
      "lib:libcudnn.so.9=FAIL~libcudnn.so.9 printed during the probe: \"Could not load library "
      "libcudnn_ops.so.9",
      /* the summary never calls an installed (and failing) cuDNN "not needed" */
      "runtimes.optional=*~!cuDNN"}},
    /* A pip wheel's cuDNN front library first on the path, a complete cuDNN after it: seven
     * sub-libraries come from the other install, which is one warning listing them, with the
     * fix in pip's terms. */
    {"cudnn_mixed", "wheel/site-packages/nvidia/cudnn/lib:cudnn9", 1,
     {"ACCEL_LD_SO_CACHE=/nonexistent/ld.so.cache"}, -1, 10, 0,
     {"lib:libcudnn.so.9=WARN~two cuDNN installs are being mixed~7 of its sub-libraries~"
      "libcudnn_ops.so.9, libcudnn_cnn.so.9~pip uninstall nvidia-cudnn-cu12",
      "lib:libcudnn_ops.so.9=PASS~not beside libcudnn.so.9", "lib:libcudnn_heuristic.so.9=PASS",
      "count:two cuDNN installs are being mixed==1"}},
    /* The wheel's front library alone: the fix reinstalls the wheel (its CUDA major read from
     * the runtime wheel beside it), not a Debian package. */
    {"cudnn_wheel_incomplete", "wheel/site-packages/nvidia/cudnn/lib", 1,
     {"ACCEL_LD_SO_CACHE=/nonexistent/ld.so.cache"}, 2, 10, 0,
     {"lib:libcudnn.so.9=FAIL~incomplete~pip install --force-reinstall nvidia-cudnn-cu12",
      "lib:libcudnn_ops.so.9=FAIL~missing~nvidia-cudnn-cu12"}},
    /* The control: the same fake cuDNN with its sub-libraries passes. */
    {"cudnn_complete", "cudnn9", 0, {NULL}, -1, 10, 0,
     {"lib:libcudnn.so.9=PASS~libcudnn_ops loaded", "lib:libcudnn.so.9@library.version==9.1.0",
      "lib:libcudnn_ops.so.9=PASS", "lib:libcudnn_heuristic.so.9=PASS",
      "lib:libcudnn.so.9@library.load.ok==True"}},
    /* A captured machine: two NVIDIA GPUs with the driver bound, an AMD GPU with none; the
     * visible-devices variables point at devices that do not exist. */
    {"captured_tree", "ok", 0,
     {"ACCEL_SYSFS_ROOT=" SRC "/tests/data/sysfs-pci",
      "ACCEL_PROCFS_ROOT=" SRC "/tests/data/procfs-nvidia", "CUDA_VISIBLE_DEVICES=5",
      "HIP_VISIBLE_DEVICES=0,3"},
     2, 10, 0,
     {"pci:0000:01:00.0=PASS~kernel driver nvidia", "pci:0000:c3:00.0=FAIL~no kernel driver",
      "nvidia.kernel_module=PASS~535.104.05", "amd.kernel_module=FAIL~1 AMD GPU",
      "env.CUDA_VISIBLE_DEVICES=FAIL~5", "env.HIP_VISIBLE_DEVICES=WARN~3 names no device",
      "lib:libcuda.so.1=PASS~because of CUDA_VISIBLE_DEVICES"}},
    /* The machine as it is. */
    {"machine", NULL, 0, {NULL}, -1, 60, 1, {"rule:no-gpu", "accel.version=PASS"}},
};

/* The program interpreter of `exe` (PT_INTERP), so a scenario can run it with
 * `ld.so --inhibit-cache` on any architecture. */
static int interp_of(const char *exe, char *out, size_t cap)
{
    int fd = open(exe, O_RDONLY);
    if (fd < 0) return -1;
    ElfW(Ehdr) eh;
    int rc = -1;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh) {
        for (int i = 0; i < eh.e_phnum; i++) {
            ElfW(Phdr) ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (size_t)i * eh.e_phentsize)) !=
                (ssize_t)sizeof ph)
                break;
            if (ph.p_type != PT_INTERP || ph.p_filesz >= cap) continue;
            if (pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) == (ssize_t)ph.p_filesz) {
                out[ph.p_filesz] = '\0';
                rc = 0;
            }
            break;
        }
    }
    close(fd);
    return rc;
}

/* Runs argv with a time limit; its stdout goes to `out_path`, its stderr to ours. */
static cli_result run(char *const argv[], const char *out_path, double limit_s)
{
    cli_result r = test_spawn(argv, NULL, limit_s);
    test_write_file(out_path, r.out, strlen(r.out));
    fputs(r.err, stderr);
    return r;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCENARIO\n", argv[0]);
        return 2;
    }
    const scenario *sc = NULL;
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
        if (strcmp(scenarios[i].name, argv[1]) == 0) sc = &scenarios[i];
    if (!sc) {
        fprintf(stderr, "unknown scenario '%s'\n", argv[1]);
        return 2;
    }
    if (access("/usr/bin/python3", X_OK) != 0)
        TEST_SKIP("/usr/bin/python3 is needed to read the JSON report");
    const char *accel = ACCEL_TEST_BUILD "/accel";
    if (access(accel, X_OK) != 0) TEST_SKIP("%s was not built (ACCEL_BUILD_CLI=OFF)", accel);

    /* Environment: the fakes first on the library path, a fresh cache, 1 s probe limit. */
    if (sc->fakes) {
        char path[4096] = "";
        char copy[512];
        accel__strlcpy(copy, sc->fakes, sizeof copy);
        char *save = NULL;
        for (char *v = strtok_r(copy, ":", &save); v; v = strtok_r(NULL, ":", &save)) {
            char dir[1024];
            snprintf(dir, sizeof dir, "%s/%s", FAKES, v);
            struct stat st;
            if (stat(dir, &st) != 0) {
                TEST_FAIL_("fake libraries %s were not built", dir);
                TEST_DONE();
            }
            size_t n = strlen(path);
            snprintf(path + n, sizeof path - n, "%s%s", n ? ":" : "", dir);
        }
        const char *old = getenv("LD_LIBRARY_PATH");
        if (old && *old) {
            size_t n = strlen(path);
            snprintf(path + n, sizeof path - n, ":%s", old);
        }
        setenv("LD_LIBRARY_PATH", path, 1);
    }
    for (int i = 0; i < 4 && sc->env[i]; i++) {
        char kv[1024];
        accel__strlcpy(kv, sc->env[i], sizeof kv);
        char *eq = strchr(kv, '=');
        *eq = '\0';
        setenv(kv, eq + 1, 1);
    }
    if (!getenv("ACCEL_PROBE_TIMEOUT_MS")) setenv("ACCEL_PROBE_TIMEOUT_MS", "1000", 1);

    char tmp[] = "/tmp/accel-doctor-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmp) != NULL);
    char report[600], cache[600];
    snprintf(report, sizeof report, "%s/report.json", tmp);
    snprintf(cache, sizeof cache, "%s/cache", tmp);
    setenv("ACCEL_CACHE_DIR", cache, 1);

    char interp[512];
    char *args[8];
    int a = 0;
    if (sc->inhibit_cache) {
        if (interp_of(accel, interp, sizeof interp) != 0)
            TEST_SKIP("cannot read the program interpreter of %s", accel);
        args[a++] = interp;
        args[a++] = "--inhibit-cache";
    }
    args[a++] = (char *)accel;
    args[a++] = "doctor";
    args[a++] = "--json";
    args[a++] = "--no-cache";
    args[a] = NULL;

    cli_result r = run(args, report, sc->max_seconds + 20);
    fprintf(stderr, "scenario %s: %.2f s\n", sc->name, r.seconds);
    if (sc->stderr_once) {
        int seen = 0;
        for (const char *p = r.err; (p = strstr(p, sc->stderr_once)) != NULL; p++) seen++;
        if (seen != 1)
            TEST_FAIL_("standard error holds \"%s\" %d times, want once", sc->stderr_once, seen);
    }
    if (r.timed_out) {
        TEST_FAIL_("accel doctor did not finish within %.0f s", sc->max_seconds + 20);
        TEST_DONE();
    }
    if (r.signal) {
        TEST_FAIL_("accel doctor was killed by signal %d: the host process must survive",
                   r.signal);
        TEST_DONE();
    }
    ASSERT_TRUE(r.code >= 0);
    int rc = r.code;
    if (sc->want_rc >= 0) ASSERT_EQ_INT(rc, sc->want_rc);
    ASSERT_TRUE(rc >= 0 && rc <= 2);
    ASSERT_TRUE(r.seconds <= sc->max_seconds);
    cli_free(&r);

    char rcs[16];
    snprintf(rcs, sizeof rcs, "%d", rc);
    char *py[24];
    int p = 0;
    py[p++] = "/usr/bin/python3";
    py[p++] = SRC "/tests/doctor/check_doctor.py";
    py[p++] = report;
    py[p++] = SRC "/docs/schemas/doctor.schema.json";
    py[p++] = rcs;
    if (sc->require_schema) py[p++] = "--require-schema";
    for (int i = 0; i < 12 && sc->expect[i]; i++) py[p++] = (char *)sc->expect[i];
    py[p] = NULL;
    cli_result check = test_spawn(py, NULL, 60);
    fputs(check.out, stderr);
    fputs(check.err, stderr);
    int prc = check.timed_out || check.signal ? -1 : check.code;
    cli_free(&check);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (prc == 77) {
        if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", tmp);
        TEST_SKIP("python3 jsonschema is not installed: the report could not be validated");
    }
    ASSERT_EQ_INT(prc, 0);
    if (sc->devices_json) {
        /* discovery alone, the same library: standard output must be one JSON document */
        char devs[600];
        snprintf(devs, sizeof devs, "%s/devices.json", tmp);
        char *dargs[] = {(char *)accel, "devices", "--json", "--no-cache", NULL};
        cli_result d = run(dargs, devs, sc->max_seconds + 20);
        ASSERT_EQ_INT(d.code, 0);
        cli_free(&d);
        char *vj[] = {"/usr/bin/python3", "-c",
                      "import json,sys; json.load(open(sys.argv[1])); print('devices: valid JSON')",
                      devs, NULL};
        cli_result v = test_spawn(vj, NULL, 60);
        fputs(v.out, stderr);
        fputs(v.err, stderr);
        ASSERT_EQ_INT(v.code, 0);
        cli_free(&v);
    }
    if (accel_test_failures == 0 && system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", tmp);
    if (accel_test_failures) fprintf(stderr, "report kept in %s\n", report);
    TEST_DONE();
}
