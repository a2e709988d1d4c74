/* One operation name everywhere: every verb takes the operation families (whisper, convert,
 * fbank, …) and the presets (whisper-80, convert-f16, fbank-80, …) with the same meaning,
 * prints the name it was given, and refuses an unknown name with the nearest one and the
 * names allowed. Before the shared resolver, select refused whisper-80, plan and stats
 * refused whisper, and stats --op whisper-80 printed rows named whisper. */
#include "cli_test.h"

#define ALLOWED "allowed: convert (convert-f16), reduce, noop, whisper (whisper-80, whisper-128)"

int main(void)
{
    cli_isolate_env();
    const char *const cpu[] = {"ACCEL_BACKEND=cpu", NULL};

    /* select: a preset and its family place the same way */
    cli_result r = RUN(cpu, "select", "--op", "whisper-80");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, " cpu ");
    cli_free(&r);
    r = RUN(cpu, "select", "--op", "whisper", "--explain");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "operation: whisper\n");
    ASSERT_CONTAINS(r.out, "ACCEL_WHISPER_GPU");
    cli_free(&r);
    r = RUN(cpu, "select", "--op", "convert-f16", "--explain");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "operation: convert-f16\n");
    ASSERT_CONTAINS(r.out, "ACCEL_CONVERT_GPU"); /* the switch is per operation */
    cli_free(&r);

    /* plan: the family means its first preset */
    r = RUN(cpu, "plan", "--op", "whisper");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "operation: whisper\n");
    ASSERT_CONTAINS(r.out, "batch:");
    char fam[256] = "", pre[256] = "";
    const char *m = strstr(r.out, "memory:");
    if (m) snprintf(fam, sizeof fam, "%.*s", (int)strcspn(m, "\n"), m);
    cli_free(&r);
    r = RUN(cpu, "plan", "--op", "whisper-80");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "operation: whisper-80\n");
    m = strstr(r.out, "memory:");
    if (m) snprintf(pre, sizeof pre, "%.*s", (int)strcspn(m, "\n"), m);
    ASSERT_STR_EQ(fam, pre);
    cli_free(&r);

    /* stats: each row named as given, each with its own calls */
    r = RUN(cpu, "stats", "--op", "whisper-80,whisper,convert-f16", "--size", "1",
            "--iterations", "2");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "\nwhisper-80 ");
    ASSERT_CONTAINS(r.out, "\nwhisper ");
    ASSERT_CONTAINS(r.out, "\nconvert-f16 ");
    ASSERT_NOT_CONTAINS(r.out, "\nconvert ");
    cli_free(&r);
    r = RUN(cpu, "stats", "--op", "whisper-80,whisper", "--size", "1", "--iterations", "2",
            "--json");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "\"operation\": \"whisper-80\",\n      \"calls\": 2");
    ASSERT_CONTAINS(r.out, "\"operation\": \"whisper\",\n      \"calls\": 2");
    cli_free(&r);

    /* bench: results carry the name given */
    r = RUN(cpu, "bench", "--op", "whisper,fbank-80", "--size", "1", "--iterations", "1",
            "--warmup", "0", "--device", "cpu", "--json");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "\"operation\": \"whisper\"");
    ASSERT_CONTAINS(r.out, "\"operation\": \"fbank-80\"");
    ASSERT_NOT_CONTAINS(r.out, "\"operation\": \"whisper-80\"");
    cli_free(&r);

    /* audio: a family name is its first preset there too */
    char demo_w[256] = "", demo_w80[256] = "";
    r = RUN(cpu, "audio", "features", "--demo", "1", "--preset", "whisper");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "shape (80, 3100)");
    if ((m = strstr(r.out, "shape"))) snprintf(demo_w, sizeof demo_w, "%.*s", (int)strcspn(m, "\n"), m);
    cli_free(&r);
    r = RUN(cpu, "audio", "features", "--demo", "1", "--preset", "whisper-80");
    if ((m = strstr(r.out, "shape"))) snprintf(demo_w80, sizeof demo_w80, "%.*s", (int)strcspn(m, "\n"), m);
    ASSERT_STR_EQ(demo_w, demo_w80);
    cli_free(&r);
    r = RUN(cpu, "audio", "features", "--demo", "1", "--preset", "convert");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "unknown preset 'convert' (allowed: whisper-80, whisper-128, vggish");
    cli_free(&r);

    /* an unknown name: the nearest, then every name allowed, the same from every verb */
    const char *const *verbs[] = {
        (const char *const[]){"select", "--op", "whisper80", NULL},
        (const char *const[]){"plan", "--op", "whisper80", NULL},
        (const char *const[]){"stats", "--op", "whisper80", NULL},
        (const char *const[]){"bench", "--op", "whisper80", NULL},
    };
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        r = run_accel(cpu, verbs[i]);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "unknown operation 'whisper80'; did you mean 'whisper-80'?");
        ASSERT_CONTAINS(r.err, ALLOWED);
        cli_free(&r);
    }
    /* an empty name (a script's unset variable) is refused, never skipped: stats used to run
     * nothing for --op '' and exit 0 */
    const char *const *empty[] = {
        (const char *const[]){"select", "--op", "", NULL},
        (const char *const[]){"plan", "--op", "", NULL},
        (const char *const[]){"stats", "--op", "", NULL},
        (const char *const[]){"stats", "--op", ",", NULL},
        (const char *const[]){"stats", "--op", "noop,,reduce", NULL},
        (const char *const[]){"stats", "--op", "noop,", NULL},
    };
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        r = run_accel(cpu, empty[i]);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "no operation named; allowed: ");
        ASSERT_CONTAINS(r.err, ALLOWED);
        ASSERT_STR_EQ(r.out, "");
        cli_free(&r);
    }
    TEST_DONE();
}
