/* conformance.c — runs one operation's cases (--op NAME) on every usable device of a context
 * and prints what it compared, per device. `--registry` instead checks that every registered
 * operation has cases here, so a new operation cannot go untested.
 *
 * Devices come from discovery: the CPU always; OpenCL (PoCL in CI), CUDA and HIP devices
 * whenever present and usable. Each device runs the same cases; the CPU also serves as the
 * path every device's results must agree with, through the shared references.
 *
 * `--require-kind KIND` (cuda, rocm, opencl, cpu) runs the cases on the devices of that kind
 * only, and fails unless there is one and every one of them ran them: a device of that kind
 * that is unusable, or does not offer the operation although it has kernels, is a failure,
 * not a skip. The one exception, exit 77 (skip), is a device whose backend has no kernels at
 * all (built without nvcc and no NVRTC, say): there is nothing to test. The stand-in drivers'
 * entries (tests/gpu/fake_*) use it, so they cannot pass without running on the stand-in.
 *
 * `--skip-if-absent` (with --require-kind) exits 77 instead of failing when the machine has no
 * device of that kind at all (an OpenCL run on a machine without PoCL); a device of that kind
 * that is there must still run the cases.
 *
 * `--max-audio-samples N` (N ≥ 16411) leaves out the audio inputs longer than N samples, for
 * entries where the longest (331 s, more frames than a device slice) cost more than they test:
 * under a 1-MB budget every batch is far smaller than a slice anyway. */
#include "conf.h"

#include <strings.h>

typedef struct op_case {
    const char *name;
    void (*run)(const conf_dev *d, conf_tally *t);
    const char *compared; /* one line for the summary */
} op_case;

static const op_case cases[] = {
    {"convert", conf_convert,
     "5 source × 2 destination types × 13 sizes (0 … 2^20+3) × up to 5 scale/offset pairs, "
     "bit-exact float32 / correctly rounded float16, plus uneven batches, plus one call of "
     "2^24+5 elements"},
    {"reduce", conf_reduce,
     "sum/mean/var/min/max × 15 shapes (0-length, 1000×7, 1×(2^20+3) …) × 5 data kinds "
     "(NaN, inf, offset mean, wide magnitudes) against long double, plus uneven batches"},
    {"noop", conf_noop, "one empty call per device, executed where asked"},
    {"whisper", conf_whisper,
     "whisper-80 and whisper-128 on noise and a loud tone, 0 … 5296007 samples (up to "
     "twelve 30-s windows), against the CPU within 2e-4; also through the direct-DFT route"},
    {"vggish", conf_vggish, "vggish on noise and a loud tone, 0 … 5296007 samples, against the "
     "CPU within 1e-3; also through the direct-DFT route"},
    {"fbank", conf_fbank, "fbank-80 on noise and a loud tone, 0 … 5296007 samples, against the "
     "CPU within 1e-3; also through the direct-DFT route, with 23-ms frames (n_fft 368), as on a "
     "GPU (the float route), and as on a device without fp64 (float-float; also by the DFT route)"},
    {"image_decode", conf_image_decode, "4 JPEGs (1×1 … 640×480, some DCT-scaled) in one batch, "
     "identical to the CPU's pixels in uneven batches"},
    {"image_gray", conf_image_gray, "9 images of mixed sizes and 1/3/4 channels, BGR and RGB, "
     "padded rows in and out, identical to OpenCV's 15-bit formula and to the CPU"},
    {"image_resize", conf_image_resize, "9 images resized linear and area (enlarging, 2×/odd "
     "reductions, to 1 pixel), identical to the CPU in uneven batches"},
    {"image_blob", conf_image_blob, "5 images to 112×112 ArcFace blobs (resized where needed), "
     "identical to (p − mean)·scale and to the CPU"},
    {"scrfd_input", conf_scrfd_input, "5 images letterboxed into 96×64 blobs, identical to the "
     "CPU, det_scale as SCRFD computes it"},
    {"scrfd_output", conf_scrfd_output, "4 images of random SCRFD outputs (one without key "
     "points), the same faces as the CPU in descending score"},
    {"image_warp", conf_image_warp, "9 random similarities, identical to warpAffine's fixed "
     "point restated here and to the CPU"},
    {"arcface_align", conf_arcface_align, "4 faces (1, 3, 4 channels) to 112×112 crops, "
     "identical to the CPU"},
    {"image_quality", conf_image_quality, "9 images of mixed sizes, the four measures within "
     "1e-12 relative of a long-double two-pass reference, identical to the CPU"},
    {"image_enhance", conf_image_enhance, "6 images upscaled (or not) and CLAHE'd, 1/3/4 "
     "channels, identical to the CPU"},
    {"scrfd_prepare", conf_scrfd_prepare, "5 JPEGs (1×1 … 640×480) decoded, letterboxed into "
     "96×64 blobs and measured in one call, identical to decode + scrfd_input + image_quality"},
};

void conf_noop(const conf_dev *d, conf_tally *t)
{
    accel__noop_call c = {0};
    accel_status st = conf_exec(d, &accel__op_noop, &c);
    t->cases++;
    t->elements++;
    if (st != ACCEL_OK)
        conf_mismatch(t, "noop failed: %s (%s)", accel_status_name(st), accel_last_error(d->ctx));
}

static const op_case *find_case(const char *name)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (strcmp(cases[i].name, name) == 0) return &cases[i];
    return NULL;
}

static int check_registry(void)
{
    for (size_t i = 0; i < accel__op_count(); i++) {
        const accel__op *op = accel__op_at(i);
        if (!find_case(op->name))
            TEST_FAIL_("operation \"%s\" is registered but has no conformance cases", op->name);
        else
            printf("registered operation %s: has conformance cases\n", op->name);
    }
    TEST_DONE();
}

/* The device kind named `name` as accel_device_kind_name() spells it, or -1. */
static int kind_named(const char *name)
{
    for (int k = ACCEL_KIND_CPU; k <= ACCEL_KIND_METAL; k++)
        if (strcasecmp(accel_device_kind_name((accel_device_kind)k), name) == 0) return k;
    return -1;
}

int main(int argc, char **argv)
{
    const char *want = NULL;
    int kind = -1, skip_absent = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--registry") == 0) return check_registry();
        if (strcmp(argv[i], "--skip-if-absent") == 0) {
            skip_absent = 1;
        } else if (strcmp(argv[i], "--op") == 0 && i + 1 < argc) {
            want = argv[++i];
        } else if (strcmp(argv[i], "--max-audio-samples") == 0 && i + 1 < argc) {
            char *end = NULL;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (!*argv[i] || *end || v < 16411) {
                fprintf(stderr, "--max-audio-samples %s: a number of samples, at least 16411\n",
                        argv[i]);
                return 2;
            }
            conf_audio_max_samples = (size_t)v;
        } else if (strcmp(argv[i], "--require-kind") == 0 && i + 1 < argc) {
            if ((kind = kind_named(argv[++i])) < 0) {
                fprintf(stderr, "--require-kind %s: not a device kind (cpu, cuda, rocm, opencl)\n",
                        argv[i]);
                return 2;
            }
        } else {
            want = NULL;
            break;
        }
    }
    if (!want) {
        fprintf(stderr,
                "usage: %s --op NAME [--require-kind KIND [--skip-if-absent]] "
                "[--max-audio-samples N] | --registry\n",
                argv[0]);
        return 2;
    }
    const op_case *oc = find_case(want);
    const accel__op *op = accel__op_find(want);
    if (!oc || !op) {
        fprintf(stderr, "unknown operation \"%s\"\n", want);
        return 2;
    }
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    if (!ctx) TEST_DONE();
    const char *budget = getenv("ACCEL_MEMORY_LIMIT_GB");
    printf("%s: %s\n", want, oc->compared);
    if (budget) printf("memory budget: ACCEL_MEMORY_LIMIT_GB=%s (batches split by the executor)\n", budget);
    int ran = 0, of_kind = 0, without_kernels = 0;
    for (size_t i = 0; i < ctx->n_devs; i++) {
        accel__device *dev = &ctx->devs[i];
        const accel_device_info *info = &dev->info;
        const char *kname = accel_device_kind_name(info->kind);
        if (kind >= 0 && (int)info->kind != kind) {
            printf("device %zu (%s %s): not a %s device, not tested\n", i, kname, info->name,
                   accel_device_kind_name((accel_device_kind)kind));
            continue;
        }
        of_kind++;
        if (!info->usable || !dev->ops) {
            printf("device %zu (%s %s): skipped, %s\n", i, kname, info->name, info->verdict);
            if (kind >= 0) TEST_FAIL_("--require-kind %s: device %zu is unusable: %s", kname, i,
                                      info->verdict);
            continue;
        }
        if (dev->ops->supports_op && !dev->ops->supports_op(dev, op)) {
            const char *note = dev->ops->kernel_note ? dev->ops->kernel_note(dev) : "";
            printf("device %zu (%s %s): does not offer %s (%s)\n", i, kname, info->name, want,
                   note);
            if (kind >= 0 && strncmp(note, "no kernels", 10) == 0)
                without_kernels++;
            else if (kind >= 0)
                TEST_FAIL_("--require-kind %s: device %zu does not offer %s", kname, i, want);
            continue;
        }
        conf_dev d = {ctx, i, dev, info->kind == ACCEL_KIND_CPU};
        conf_tally t = {0};
        double t0 = accel__now_ms();
        oc->run(&d, &t);
        ran++;
        const char *note = dev->ops->kernel_note ? dev->ops->kernel_note(dev) : "";
        printf("device %zu (%s %s%s%s): %ld calls, %ld values compared, %ld outside tolerance, "
               "%ld batched re-runs identical check, worst error %.3g of tolerance, %.0f ms\n",
               i, accel_device_kind_name(info->kind), info->name, note[0] ? ", " : "", note,
               t.cases, t.elements, t.mismatches, t.batched, t.worst, accel__now_ms() - t0);
    }
    if (kind >= 0 && of_kind == 0 && skip_absent) {
        accel_ctx_destroy(ctx);
        TEST_SKIP("this machine has no %s device", accel_device_kind_name((accel_device_kind)kind));
    }
    if (kind >= 0 && of_kind == 0)
        TEST_FAIL_("--require-kind %s: this machine has no %s device (see `accel devices`)",
                   accel_device_kind_name((accel_device_kind)kind),
                   accel_device_kind_name((accel_device_kind)kind));
    accel_ctx_destroy(ctx);
    if (kind >= 0 && without_kernels && !ran && !accel_test_failures)
        TEST_SKIP("the %s device has no kernels in this build; nothing to test",
                  accel_device_kind_name((accel_device_kind)kind));
    if (!ran) TEST_FAIL_("no device ran %s", want);
    TEST_DONE();
}
