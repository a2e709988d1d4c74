/* test_audio_fbank32.c — the Kaldi filterbanks run in float32 but for their samples' mean (DC
 * offset), taken in double, and for frames with a band beyond the float FFT's range, computed
 * again in double (kern_impl.h, kaldi_f32): held here to a float64 computation
 * written out in the test (frames, DC offset, pre-emphasis, window, direct DFT, the plan's
 * filterbank, log, mean) on the inputs where float loses most — near-silent frames, a large
 * DC offset under a quiet signal, random frames from −120 dB to full scale, a pure tone, hum,
 * loud speech without its low frequencies (0.03 from float64 without the double rescue) —
 * and on real speech, with every CPU kernel instruction set. Bound: 1e-3 in natural log (the
 * goldens' bound for fbank).
 *
 * The same cases on a test OpenCL device (tests/audio/cl_device.h; PoCL in CI), in the four
 * ways src/ops/audio/device.c chooses from the device's information (set here; the code that
 * runs is what a device with that information runs): as a device computing on the host's CPU
 * with float64 (PoCL), all in float64 (ak_audio_fbank_d); as a GPU with float64, in float with
 * the mean in float64 (ak_audio_fbank_fd) and the flagged frames again in float64; as a
 * device without float64 (fp64 0), the mean in float-float (ak_audio_fbank_f) and the flagged
 * frames again in float-float; and that with 1 KB of local memory, every frame in float-float
 * (the direct-DFT route). Each device run must compute every frame the way asked (device.c's
 * counters), and on the input whose low bands a float FFT cannot resolve, compute some again.
 * Without OpenCL (or without float64 there) those runs are left out (said so). */
#include "audio_test_util.h"
#include "cl_device.h"

#include <float.h>
#include <math.h>

/* fbank-80 (or the params given) of x[0, n) in float64: out[f][k], frames × n_mels. */
static double *reference(const accel_audio_params *p, const float *x, size_t n, size_t *frames)
{
    audio_plan pl;
    if (accel__audio_plan_init(&pl, p) != ACCEL_OK) return NULL;
    audio_frames fr;
    accel__audio_frames(&pl, (int64_t)n, &fr);
    size_t nf = (size_t)fr.total, nm = (size_t)pl.n_mels, nb = (size_t)pl.n_bins;
    float *dense = accel__audio_mel_dense(&pl.mel);
    double *out = calloc(nf * nm + 1, sizeof *out);
    double *frm = malloc((size_t)pl.n_fft * sizeof *frm), *pw = malloc(nb * sizeof *pw);
    double *cs = malloc((size_t)pl.n_fft * sizeof *cs), *sn = malloc((size_t)pl.n_fft * sizeof *sn);
    for (int i = 0; i < pl.n_fft; i++) {
        cs[i] = cos(2.0 * M_PI * i / pl.n_fft);
        sn[i] = sin(2.0 * M_PI * i / pl.n_fft);
    }
    for (size_t f = 0; f < nf; f++) {
        const float *s = x + f * (size_t)pl.hop; /* snip_edges: frames inside the signal */
        double mean = 0;
        for (int k = 0; k < pl.win; k++) mean += (frm[k] = (double)s[k] * p->sample_scale);
        mean /= pl.win;
        for (int k = 0; k < pl.win; k++) frm[k] -= mean;
        for (int k = pl.win - 1; k >= 1; k--) frm[k] -= p->preemphasis_coefficient * frm[k - 1];
        frm[0] -= p->preemphasis_coefficient * frm[0];
        for (int k = 0; k < pl.n_fft; k++) frm[k] = k < pl.win ? frm[k] * pl.windowd[k] : 0.0;
        for (size_t b = 0; b < nb; b++) {
            double re = 0, im = 0;
            for (int k = 0; k < pl.win; k++) {
                size_t j = (b * (size_t)k) % (size_t)pl.n_fft;
                re += frm[k] * cs[j];
                im -= frm[k] * sn[j];
            }
            pw[b] = re * re + im * im;
        }
        for (size_t m = 0; m < nm; m++) {
            double acc = 0;
            for (size_t b = 0; b < nb; b++) acc += (double)dense[m * nb + b] * pw[b];
            out[f * nm + m] = log(acc > FLT_EPSILON ? acc : FLT_EPSILON);
        }
    }
    if (p->subtract_mean)
        for (size_t m = 0; m < nm; m++) {
            double sum = 0;
            for (size_t f = 0; f < nf; f++) sum += out[f * nm + m];
            for (size_t f = 0; f < nf; f++) out[f * nm + m] -= sum / (double)nf;
        }
    free(dense);
    free(frm);
    free(pw);
    free(cs);
    free(sn);
    accel__audio_plan_free(&pl);
    *frames = nf;
    return out;
}

static double worst_all = 0;
static int cl_dev = -1; /* the test OpenCL device, or -1 */
static int cpu_dev = -1; /* the CPU */
static int expect_redo_all; /* the case being run must have frames computed again */

/* Largest |got − want| over nf·n_mels values, at *at. */
static double max_err(const float *got, const double *want, size_t len, size_t *at)
{
    double err = 0;
    for (size_t k = 0; k < len; k++) {
        double d = fabs((double)got[k] - want[k]);
        if (!(d <= err)) {
            err = d;
            *at = k;
        }
    }
    return err;
}

enum { DEV_HOST_FP64, DEV_FP64, DEV_NO_FP64, DEV_NO_FP64_DFT };

/* The case on the OpenCL device in one of the three ways above; returns the number of frames
 * computed again. redo: for DEV_FP64, 1 when some frames must be computed again (an input
 * the CPU computes some frames of again); for DEV_NO_FP64, the number DEV_FP64 computed
 * again (the same float kernel flags the same frames). */
static uint64_t check_device(accel_ctx *ctx, const char *label, const accel_audio_params *p, const float *x,
                             size_t n, const double *want, size_t nf, int mode, uint64_t redo)
{
    static const char *names[] = {"host CPU, fp64", "GPU, fp64", "no fp64", "no fp64, DFT"};
    accel_device_info *info = &ctx->devs[cl_dev].info;
    int keep_fp64 = info->fp64, keep_host = info->host_cpu;
    int64_t keep_mem = info->local_mem;
    info->host_cpu = mode == DEV_HOST_FP64;
    if (mode == DEV_NO_FP64 || mode == DEV_NO_FP64_DFT) info->fp64 = 0;
    if (mode == DEV_NO_FP64_DFT) info->local_mem = 1024;
    audio_kaldi_counts k0, k1;
    accel__audio_kaldi_counts(&k0);
    size_t shape[3];
    int nd;
    accel_status st;
    float *got = features_on(ctx, cl_dev, p, x, n, shape, &nd, &st); /* NaN-filled before the run */
    accel__audio_kaldi_counts(&k1);
    info->fp64 = keep_fp64;
    info->host_cpu = keep_host;
    info->local_mem = keep_mem;
    ASSERT_OK(st);
    if (!got) return 0;
    uint64_t fl = k1.float_frames - k0.float_frames, rd = k1.redone_double - k0.redone_double;
    uint64_t rf = k1.redone_ff - k0.redone_ff, ff = k1.ff_frames - k0.ff_frames;
    uint64_t db = k1.double_frames - k0.double_frames;
    /* where it ran and what it computed again */
    if (mode == DEV_HOST_FP64) {
        ASSERT_EQ_INT(db, nf);
        ASSERT_EQ_INT(fl + rd + rf + ff, 0);
    } else if (mode == DEV_NO_FP64_DFT) {
        ASSERT_EQ_INT(ff, nf);
        ASSERT_EQ_INT(fl + rd + rf + db, 0);
    } else {
        ASSERT_EQ_INT(db, 0);
        ASSERT_EQ_INT(fl, nf);
        ASSERT_EQ_INT(ff, 0);
        ASSERT_EQ_INT(mode == DEV_FP64 ? rf : rd, 0);
        if (mode == DEV_FP64 && redo) ASSERT_TRUE(rd > 0);
        if (mode == DEV_NO_FP64 && redo) ASSERT_EQ_INT(rf, redo);
        if (mode == DEV_NO_FP64 && expect_redo_all) ASSERT_TRUE(rf > 0);
    }
    size_t at = 0;
    double err = max_err(got, want, nf * (size_t)p->n_mels, &at);
    if (!(err <= 1e-3))
        TEST_FAIL_("%s, %s: max error %.3g > 1e-3 (frame %zu, band %zu: %.6f, float64 %.6f)", label, names[mode], err,
                   at / (size_t)p->n_mels, at % (size_t)p->n_mels, got[at], want[at]);
    printf("  %-44s %-15s %5zu frames (%llu %s in %s): max error from float64 %.3g\n", label, names[mode], nf,
           (unsigned long long)(mode == DEV_NO_FP64_DFT ? ff : mode == DEV_HOST_FP64 ? db : rd + rf),
           mode == DEV_NO_FP64_DFT || mode == DEV_HOST_FP64 ? "all" : "again",
           mode == DEV_FP64 || mode == DEV_HOST_FP64 ? "float64" : "float-float", err);
    if (err > worst_all) worst_all = err;
    free(got);
    return rd + rf;
}

/* The case on every CPU kernel and on the device; expect_redo: an input some of whose frames a
 * float FFT cannot resolve (the device must compute some again). */
static double scale_override; /* > 0: the sample scale the case runs with */

static void check(accel_ctx *ctx, const char *label, const char *preset, const float *x, size_t n, int expect_redo)
{
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset(preset, &p));
    if (scale_override > 0) p.sample_scale = scale_override;
    {
        /* the CPU takes the mean as two floats where the scaled samples are exact in float
         * (a power-of-two scale ≥ 1, no dither), in double lanes otherwise */
        audio_plan pl;
        ASSERT_OK(accel__audio_plan_init(&pl, &p));
        int e, pow2 = p.sample_scale >= 1.0 && frexp(p.sample_scale, &e) == 0.5 && !(p.dither > 0);
        ASSERT_EQ_INT(pl.kaldi_fmean, pow2);
        printf("  %-44s CPU: the frame's mean %s\n", label, pl.kaldi_fmean ? "as two floats" : "in double lanes");
        accel__audio_plan_free(&pl);
    }
    size_t nf = 0;
    double *want = reference(&p, x, n, &nf);
    ASSERT_TRUE(want != NULL);
    const audio_isa *isas[] = {accel__audio_isa_generic(), accel__audio_isa_avx2(), accel__audio_isa_avx512(),
                               accel__audio_isa_neon()};
    for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
        if (!isas[i]) continue;
        accel__audio_force_isa(isas[i]);
        size_t shape[3];
        int nd;
        accel_status st;
        float *got = features_on(ctx, cpu_dev, &p, x, n, shape, &nd, &st);
        ASSERT_OK(st);
        if (!got || !want) break;
        ASSERT_EQ_INT(shape[0], nf);
        double err = 0;
        size_t at = 0;
        for (size_t k = 0; k < nf * (size_t)p.n_mels; k++) {
            double d = fabs((double)got[k] - want[k]);
            if (!(d <= err)) {
                err = d;
                at = k;
            }
        }
        if (!(err <= 1e-3))
            TEST_FAIL_("%s, %s kernel: max error %.3g > 1e-3 (frame %zu, band %zu: %.6f, float64 %.6f)", label,
                       isas[i]->name, err, at / (size_t)p.n_mels, at % (size_t)p.n_mels, got[at], want[at]);
        printf("  %-44s %-8s %5zu frames: max error from float64 %.3g (bound 1e-3)\n", label, isas[i]->name, nf,
               err);
        if (err > worst_all) worst_all = err;
        free(got);
    }
    accel__audio_force_isa(NULL);
    if (cl_dev >= 0 && want) {
        expect_redo_all = expect_redo;
        uint64_t redo = 0;
        if (ctx->devs[cl_dev].info.fp64 == 1) {
            check_device(ctx, label, &p, x, n, want, nf, DEV_HOST_FP64, 0);
            redo = check_device(ctx, label, &p, x, n, want, nf, DEV_FP64, (uint64_t)expect_redo);
        } else {
            printf("  %-44s (no float64 on this OpenCL device: its float64 routes left out)\n", label);
        }
        check_device(ctx, label, &p, x, n, want, nf, DEV_NO_FP64, redo);
        check_device(ctx, label, &p, x, n, want, nf, DEV_NO_FP64_DFT, 0);
    }
    free(want);
}

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) return 1;
    char why[256];
    cl_dev = cld_attach(ctx, why, sizeof why);
    cpu_dev = (int)ctx->n_devs - 1;
    if (cl_dev < 0) printf("no OpenCL device (%s): the device runs are left out\n", why);
    else printf("OpenCL device %d: %s\n", cl_dev, ctx->devs[cl_dev].info.name);
    float *sp = NULL;
    size_t ns = 0;
    ASSERT_OK(accel_audio_load(ctx, AUDIO_DATA "/speech_a.wav", 16000, &sp, &ns, NULL));
    if (!sp) return 1;
    check(ctx, "speech", "fbank-80", sp, ns, 0);
    check(ctx, "speech (fbank defaults)", "fbank", sp, ns, 0);

    size_t n = 16000 * 3;
    float *x = malloc(n * sizeof *x);
    uint32_t r = 2463534242u;
#define RND() (r ^= r << 13, r ^= r >> 17, r ^= r << 5, (float)r / 4294967296.0f - 0.5f)
    /* near-silent: speech 80 dB down (about one LSB of 16-bit audio) */
    for (size_t i = 0; i < n; i++) x[i] = sp[i % ns] * 1e-4f;
    check(ctx, "speech at -80 dB", "fbank-80", x, n, 0);
    /* a large DC offset under a quiet signal: the mean must come off exactly */
    for (size_t i = 0; i < n; i++) x[i] = 0.25f + sp[i % ns] * 1e-3f;
    check(ctx, "DC offset 0.25 under speech at -60 dB", "fbank-80", x, n, 0);
    scale_override = 1000.0; /* not a power of two: the mean in double lanes */
    check(ctx, "the same, sample_scale 1000", "fbank-80", x, n, 0);
    scale_override = 0;
    for (size_t i = 0; i < n; i++) x[i] = -0.5f + RND() * 2e-5f;
    check(ctx, "DC offset -0.5 under noise at -100 dB", "fbank-80", x, n, 0);
    /* random frames: white noise whose level jumps every 0.1 s between -120 dB and 0 dB */
    double level = 1.0;
    for (size_t i = 0; i < n; i++) {
        if (i % 1600 == 0) level = pow(10.0, -6.0 * (RND() + 0.5));
        x[i] = (float)(RND() * level);
    }
    check(ctx, "white noise, level -120..0 dB per 0.1 s", "fbank-80", x, n, 0);
    /* a pure tone near full scale with a quiet noise floor: the bands far from it are 100 dB
     * below the frame's peak */
    for (size_t i = 0; i < n; i++) x[i] = 0.9f * (float)sin(2 * M_PI * 440.0 * (double)i / 16000) + RND() * 1e-5f;
    check(ctx, "tone -1 dB over noise at -100 dB", "fbank-80", x, n, 0);
    /* mains hum near full scale under quiet speech: the pre-emphasis (x[k] − 0.97·x[k−1], in
     * float) cancels most of the hum */
    for (size_t i = 0; i < n; i++)
        x[i] = 0.8f * (float)sin(2 * M_PI * 50.0 * (double)i / 16000) + sp[i % ns] * 1e-3f;
    check(ctx, "50 Hz hum -2 dB under speech at -60 dB", "fbank-80", x, n, 0);
    /* loud speech with its lowest frequencies taken away (differenced twice, unquantised):
     * the lowest bands lie 100 dB and more below the frame, beyond what a float FFT resolves
     * (those frames are computed in double) */
    for (size_t i = 0; i < n; i++) {
        size_t j = i % ns;
        float a = sp[j], b = j > 0 ? sp[j - 1] : 0.0f, c = j > 1 ? sp[j - 2] : 0.0f;
        x[i] = 2.0f * (a - 2.0f * b + c);
    }
    check(ctx, "speech without its low frequencies", "fbank-80", x, n, 1);
    /* 16-bit quantised speech with its quiet gaps digital silence */
    for (size_t i = 0; i < n; i++) {
        float v = (i / 8000) % 2 ? 0.0f : sp[i % ns];
        x[i] = roundf(v * 32768.0f) / 32768.0f;
    }
    check(ctx, "quantised speech with silent gaps", "fbank-80", x, n, 0);
    printf("largest error from float64: %.3g\n", worst_all);
    free(x);
    accel_audio_free(sp);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
