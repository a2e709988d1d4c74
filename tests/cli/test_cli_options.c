/* One spelling of options: --op everywhere with --operation as its long form, `--opt value`
 * and `--opt=value` alike, typed values refused with the values allowed, the nearest option
 * suggested; `accel bench` takes the face-crawler benchmark tool's options (--operation,
 * --image-size, --gpu/--no-gpu, --batch-size, --iterations). */
#include "cli_test.h"

int main(void)
{
    cli_isolate_env();
    const char *const cpu[] = {"ACCEL_BACKEND=cpu", NULL};

    /* --operation and --op=NAME wherever --op is taken */
    const char *const *forms[] = {
        (const char *const[]){"select", "--operation", "fbank", "--explain", NULL},
        (const char *const[]){"select", "--op=fbank", "--explain", NULL},
        (const char *const[]){"plan", "--operation", "fbank", NULL},
        (const char *const[]){"plan", "--op=fbank", NULL},
        (const char *const[]){"stats", "--operation", "fbank", "--size", "1", NULL},
        (const char *const[]){"stats", "--operation=fbank", "--size=1", NULL},
        (const char *const[]){"bench", "--operation", "fbank", "--size", "1", "--iterations",
                              "1", "--warmup", "0", "--device", "cpu", NULL},
        (const char *const[]){"bench", "--op=fbank", "--size=1", "--iterations=1", "--warmup=0",
                              "--device=cpu", NULL},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        cli_result r = run_accel(cpu, forms[i]);
        EXPECT_EXIT(r, 0);
        ASSERT_CONTAINS(r.out, "fbank");
        cli_free(&r);
    }
    cli_result r = RUN(cpu, "audio", "features", "--demo", "1", "--op", "fbank-80");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "demo: fbank-80");
    cli_free(&r);
    r = RUN(cpu, "audio", "features", "--demo=1", "--operation=vggish");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "demo: vggish of 1.0 s");
    cli_free(&r);

    /* one --device vocabulary: what works in one verb works in the next, and a value refused
     * is refused in the same words */
    {
        const char *const *const verbs[] = {
            (const char *const[]){"plan", "--op", "fbank", NULL},
            (const char *const[]){"stats", "--op", "fbank", "--size", "1", NULL},
            (const char *const[]){"bench", "--op", "fbank", "--size", "1", "--iterations", "1",
                                  "--warmup", "0", NULL},
            (const char *const[]){"audio", "features", "--demo", "1", "--op", "fbank", NULL},
        };
        static const struct {
            const char *value;
            int code;
            const char *err;
        } cases[] = {
            {"cpu", 0, NULL},
            {"Cpu", 0, NULL},
            {"auto", 0, NULL},
            /* bench's own words come first in its list: there tpu is nearest gpu */
            {"tpu", 2, "--device tpu: unknown device; did you mean '"},
            {"-1", 2, "--device -1: a device index is 0 or more; allowed: auto, "},
        };
        for (size_t v = 0; v < sizeof verbs / sizeof *verbs; v++)
            for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
                const char *argv[16];
                size_t k = 0;
                for (const char *const *w = verbs[v]; *w; w++) argv[k++] = *w;
                argv[k++] = "--device";
                argv[k++] = cases[c].value;
                argv[k] = NULL;
                r = run_accel(cpu, argv);
                if (r.code != cases[c].code)
                    TEST_FAIL_("accel %s --device %s: exit %d, want %d; stderr: %s", argv[0],
                               cases[c].value, r.code, cases[c].code, r.err);
                if (cases[c].err) {
                    ASSERT_CONTAINS(r.err, cases[c].err);
                    ASSERT_CONTAINS(r.err, "cuda, rocm, opencl, metal, cpu (hip = rocm, mps = "
                                           "metal), or a device index");
                }
                cli_free(&r);
            }
        /* serve refuses it before it starts */
        r = RUN(cpu, "serve", "--device", "tpu");
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "accel serve: error: --device tpu: unknown device; did you mean "
                               "'cpu'? allowed: auto, cuda");
        cli_free(&r);
    }

    /* a PCI bus id, read as ACCEL_DEVICE reads one: every spelling of one is taken (plan and
     * stats, which name the device, then say this machine has none there; audio hands it to
     * the library, which warns and takes the policy's choice); one cut short, with other
     * characters or past a field's range is refused by every verb in the same words */
    {
        static const char *const spellings[] = {"0000:99:00.0", "00000000:99:00.0", "99:00.0",
                                                "0000:AB:1f.7"};
        for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
            char want[128];
            snprintf(want, sizeof want, "--device %s: no such device on this machine (devices: ",
                     spellings[i]);
            r = RUN(cpu, "plan", "--op", "fbank", "--device", spellings[i]);
            EXPECT_EXIT(r, 2);
            ASSERT_CONTAINS(r.err, want);
            cli_free(&r);
            r = RUN(cpu, "stats", "--op", "fbank", "--size", "1", "--device", spellings[i]);
            EXPECT_EXIT(r, 2);
            ASSERT_CONTAINS(r.err, want);
            cli_free(&r);
            snprintf(want, sizeof want, "ACCEL_DEVICE=%s (api): requested device unavailable",
                     spellings[i]);
            r = RUN(cpu, "audio", "features", "--demo", "1", "--op", "fbank", "--device",
                    spellings[i]);
            EXPECT_EXIT(r, 0);
            ASSERT_CONTAINS(r.err, want);
            cli_free(&r);
        }
        static const char *const malformed[] = {"01:00", "zz:00.0", "01:00.0x", "0000:01:00.0 ",
                                                " 01:00.0", "+01:00.0", "0:100:00.0", "01:20.0"};
        const char *const *const verbs[] = {
            (const char *const[]){"plan", "--op", "fbank", NULL},
            (const char *const[]){"stats", "--op", "fbank", "--size", "1", NULL},
            (const char *const[]){"audio", "features", "--demo", "1", "--op", "fbank", NULL},
            (const char *const[]){"serve", NULL},
            (const char *const[]){"bench", "--op", "fbank", "--size", "1", "--iterations", "1",
                                  "--warmup", "0", NULL},
        };
        for (size_t v = 0; v < sizeof verbs / sizeof *verbs; v++)
            for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
                const char *argv[16];
                size_t k = 0;
                for (const char *const *w = verbs[v]; *w; w++) argv[k++] = *w;
                argv[k++] = "--device";
                argv[k++] = malformed[i];
                argv[k] = NULL;
                r = run_accel(cpu, argv);
                char want[128];
                snprintf(want, sizeof want, "--device %s: not a PCI bus id ([DOMAIN:]BUS:DEVICE."
                                            "FUNCTION, hexadecimal); allowed: auto, ",
                         malformed[i]);
                EXPECT_EXIT(r, 2);
                ASSERT_CONTAINS(r.err, want);
                ASSERT_CONTAINS(r.err, "or PCI bus id such as 0000:01:00.0");
                cli_free(&r);
            }
    }

    /* typed values: the option, the value and what is allowed */
    r = RUN(cpu, "stats", "--iterations", "0");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--iterations 0: expected a whole number 1..10000000");
    cli_free(&r);
    r = RUN(cpu, "plan", "--op", "convert", "--size", "-3");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--size -3: expected a whole number ≥ 1");
    cli_free(&r);
    r = RUN(cpu, "plan", "--op", "convert", "--duration", "0", "--rate", "16000");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--duration 0: expected a number > 0");
    cli_free(&r);
    /* a signal longer than 2^53 samples is refused, not planned as INT64_MIN chunks */
    r = RUN(cpu, "plan", "--op", "whisper", "--duration", "1e300", "--rate", "16000", "--json");
    EXPECT_EXIT(r, 2);
    ASSERT_STR_EQ(r.out, "");
    ASSERT_CONTAINS(r.err, "--duration 1e300 at --rate 16000: 1.6e+304 samples; allowed: at most "
                           "2^53 (9007199254740992) samples");
    cli_free(&r);
    r = RUN(cpu, "devices", "--format", "xlsx");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--format xlsx: allowed: table, json, csv, md");
    cli_free(&r);
    r = RUN(cpu, "audio", "features", "--demo", "1", "--padding", "opena");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "did you mean 'openai'? allowed: openai, faster-whisper, none");
    cli_free(&r);
    r = RUN(cpu, "select", "--explain=yes");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--explain takes no value");
    cli_free(&r);
    r = RUN(cpu, "plan", "--op", "--json");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--op needs a value (NAME)");
    cli_free(&r);

    /* a misspelt option: the nearest, then the list */
    r = RUN(cpu, "bench", "--iteration", "3");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "unknown option '--iteration'; did you mean '--iterations'?");
    ASSERT_CONTAINS(r.err, "allowed: --op/--operation, --size, --image-size");
    cli_free(&r);
    r = RUN(cpu, "stats", "--devcie=1");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "unknown option '--devcie'; did you mean '--device'?");
    cli_free(&r);

    /* the face-crawler tool's options on bench */
    r = RUN(cpu, "bench", "--operation", "convert", "--no-gpu", "--batch-size", "10",
            "--iterations", "2", "--warmup", "0", "--size", "100", "--json");
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "\"device_kind\": \"cpu\"");
    ASSERT_NOT_CONTAINS(r.out, "\"device_kind\": \"opencl\"");
    ASSERT_CONTAINS(r.out, "\"batch_size\": 10");
    ASSERT_CONTAINS(r.out, "\"iterations\": 2");
    cli_free(&r);
    {
        /* --gpu: the GPUs only; with none usable it is the same as --device gpu */
        r = RUN(cpu, "bench", "--operation", "convert", "--gpu", "--iterations", "1", "--size", "10",
                "--json");
        cli_result d = RUN(cpu, "bench", "--operation", "convert", "--device", "gpu",
                           "--iterations", "1", "--size", "10", "--json");
        ASSERT_EQ_INT(r.code, d.code);
        ASSERT_NOT_CONTAINS(r.out, "\"device_kind\": \"cpu\"");
        cli_free(&d);
        cli_free(&r);
    }
    r = RUN(cpu, "bench", "--operation", "convert", "--gpu", "--device", "cpu");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--gpu and --device both choose devices");
    cli_free(&r);
    r = RUN(cpu, "bench", "--operation", "convert", "--image-size", "huge");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--image-size huge: allowed: small (640x480), medium (1920x1080), "
                           "large (3840x2160), or WxH");
    cli_free(&r);
    r = RUN(cpu, "bench", "--operation", "convert", "--image-size", "0x480");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--image-size 0x480: allowed:");
    cli_free(&r);
    r = RUN(cpu, "bench", "--operation", "convert,whisper", "--image-size", "640x480");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--image-size 640x480: none of the operations selected "
                           "(convert,whisper) takes an image size");
    cli_free(&r);
    r = RUN(cpu, "bench", "--operation", "convert", "--image-size", "medium", "--batch-size",
            "0");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--batch-size 0: expected a whole number 1..1000000");
    cli_free(&r);
    TEST_DONE();
}
