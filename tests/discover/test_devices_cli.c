/* `accel devices` on this machine and on captured trees: the JSON validates against
 * docs/schemas/devices.schema.json, the captured CPU and PCI GPUs come out as captured (a GPU
 * without a driver is reported as exactly that), the text form lists the same, and bad options
 * or settings exit 2. */
#include "test.h"
#include "cli_run.h"

#define SCHEMA ACCEL_TEST_DATA "/../../docs/schemas/devices.schema.json"
#define VALIDATOR ACCEL_TEST_DATA "/../discover/validate_json.py"

/* Writes text to a temp file and validates it; returns the validator's exit code. */
static int validate(const char *json)
{
    char path[] = "/tmp/accel-devices-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    size_t n = strlen(json);
    if (write(fd, json, n) != (ssize_t)n) n = 0;
    close(fd);
    char *const argv[] = {"/usr/bin/python3", VALIDATOR, SCHEMA, path, NULL};
    cli_result r = test_spawn(argv, NULL, 60);
    fputs(r.out, stdout);
    fputs(r.err, stderr);
    unlink(path);
    int rc = r.timed_out || r.signal ? -1 : r.code;
    cli_free(&r);
    return rc;
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) TEST_SKIP("/usr/bin/python3 is not installed");
    cli_isolate_env();

    /* this machine, as it is */
    const char *const json_args[] = {"devices", "--json", NULL};
    cli_result r = cli_run(NULL, json_args);
    ASSERT_EQ_INT(r.code, 0);
    if (r.code != 0) fprintf(stderr, "stderr: %s\n", r.err);
    int v = validate(r.out);
    if (v == 77) TEST_SKIP("python3-jsonschema is not installed");
    ASSERT_EQ_INT(v, 0);
    ASSERT_CONTAINS(r.out, "\"kind\": \"cpu\"");
    cli_free(&r);

    /* a captured machine: Sapphire Rapids procfs, and a PCI bus with two NVIDIA GPUs bound to
     * nvidia (no CUDA library here, so no API reaches them) and an AMD GPU without a driver */
    const char *const captured[] = {
        "ACCEL_SYSFS_ROOT=" ACCEL_TEST_DATA "/sysfs-pci",
        "ACCEL_PROCFS_ROOT=" ACCEL_TEST_DATA "/procfs-x86-avx512", NULL};
    r = cli_run(captured, json_args);
    ASSERT_EQ_INT(r.code, 0);
    ASSERT_EQ_INT(validate(r.out), 0);
    ASSERT_CONTAINS(r.out, "\"name\": \"Intel(R) Xeon(R) Platinum 8480+\"");
    ASSERT_CONTAINS(r.out, "\"arch\": \"x86-64-v4\"");
    ASSERT_CONTAINS(r.out, "\"avx512fp16\"");
    ASSERT_CONTAINS(r.out, "\"logical_cores\": 8");
    ASSERT_CONTAINS(r.out, "\"physical_cores\": 4");
    ASSERT_CONTAINS(r.out, "\"total_bytes\": 33376317440");
    ASSERT_CONTAINS(r.out, "\"bus_id\": \"0000:c3:00.0\"");
    ASSERT_CONTAINS(r.out, "\"status\": \"no_driver\"");
    ASSERT_CONTAINS(r.out, "\"problem\": \"GPU present but no driver is loaded\"");
    ASSERT_CONTAINS(r.out, "\"driver\": \"nvidia\"");
    ASSERT_TRUE(!strstr(r.out, "0000:00:17.0")); /* the SATA controller */
    ASSERT_TRUE(!strstr(r.out, "0000:02:00.0")); /* the BMC's display */
    cli_free(&r);

    const char *const text_args[] = {"devices", NULL};
    r = cli_run(captured, text_args);
    ASSERT_EQ_INT(r.code, 0);
    ASSERT_CONTAINS(r.out, "Intel(R) Xeon(R) Platinum 8480+");
    ASSERT_CONTAINS(r.out, "0000:c3:00.0  AMD [1002:740f]  GPU present but no driver is loaded");
    ASSERT_CONTAINS(r.out, "driver nvidia is bound but no API reaches this GPU");
    ASSERT_CONTAINS(r.out, "avx512f");
    cli_free(&r);

    const char *const bad_opt[] = {"devices", "--jsn", NULL};
    r = cli_run(NULL, bad_opt);
    ASSERT_EQ_INT(r.code, 2);
    ASSERT_CONTAINS(r.err, "unknown option '--jsn'");
    cli_free(&r);

    const char *const bad_env[] = {"ACCEL_MEMORY_FRACTION=1.5", NULL};
    r = cli_run(bad_env, json_args);
    ASSERT_EQ_INT(r.code, 2);
    ASSERT_CONTAINS(r.err, "ACCEL_MEMORY_FRACTION=1.5");
    ASSERT_CONTAINS(r.err, "(0, 1]");
    ASSERT_STR_EQ(r.out, "");
    cli_free(&r);
    TEST_DONE();
}
