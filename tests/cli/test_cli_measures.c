/* CSV and Markdown carry measures as the JSON does (docs/cli.md, "Outputs"): the shortest text
 * that reads back as the same double, not a rounding for reading. A bench on the OpenCL device
 * where one call in three falls back has a success rate of 2/3, which the JSON writes
 * 0.6666666666666666; the CSV and Markdown rows used to say 0.667. Skipped without an OpenCL
 * device (the fault is injected on a device, never on the CPU). */
#include "cli_test.h"

static cli_result bench(const char *fmt)
{
    const char *const env[] = {"ACCEL_FAULT=kernel@op:convert:2", NULL};
    return RUN(env, "bench", "--op", "convert", "--size", "5", "--iterations", "3", "--warmup",
               "0", "--device", "opencl", "--format", fmt);
}

int main(void)
{
    cli_isolate_env();
    cli_result r = bench("json");
    if (r.code == 1 && strstr(r.err, "no usable opencl")) {
        fprintf(stderr, "%s", r.err);
        cli_free(&r);
        TEST_SKIP("no OpenCL device to inject the fault on");
    }
    EXPECT_EXIT(r, 1); /* one call fell back */
    ASSERT_CONTAINS(r.out, "\"success_rate\": 0.6666666666666666,");
    cli_free(&r);

    r = bench("csv");
    EXPECT_EXIT(r, 1);
    ASSERT_CONTAINS(r.out, ",0.6666666666666666,");
    ASSERT_NOT_CONTAINS(r.out, ",0.667,");
    cli_free(&r);

    r = bench("md");
    EXPECT_EXIT(r, 1);
    ASSERT_CONTAINS(r.out, "| 0.6666666666666666 |");
    cli_free(&r);
    TEST_DONE();
}
