/* test_audio_device.c — the audio operations' device path through the executor, on a test
 * OpenCL device (tests/audio/cl_device.h; PoCL in CI): the planned device is used and agrees
 * with the CPU; a failing launch or an out-of-memory falls back to the CPU with the reason
 * recorded and the CPU's exact result; ACCEL_<OP>_GPU=0 keeps an operation off the device;
 * streaming on the device equals the device's whole-input result. The test device reports no
 * host CPU, so Kaldi filterbanks take the GPU's float route: the frames a float FFT cannot
 * resolve computed again in float64, or in float-float where the float FFT kernel fits but the
 * float64 one does not, or on a device without double precision (its fp64 set to 0: the
 * information device.c reads). Exit 77 without OpenCL. */
#include "audio_test_util.h"
#include "cl_device.h"

#include <unistd.h>

static float *run(accel_ctx *ctx, const char *preset, const float *x, size_t n, size_t *len, accel_run_record *rec)
{
    accel_audio_params p = {.struct_size = sizeof p};
    accel_audio_params_preset(preset, &p);
    size_t sh[3];
    int nd;
    accel_audio_shape(&p, n, sh, &nd);
    *len = shape_total(sh, nd);
    float *o = malloc((*len + 1) * sizeof *o);
    rec->struct_size = sizeof *rec;
    ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_F32, x, n, o, *len, rec));
    return o;
}

static float *on_cpu(accel_ctx *ctx, int cpu, const char *preset, const float *x, size_t n)
{
    accel_audio_params p = {.struct_size = sizeof p};
    accel_audio_params_preset(preset, &p);
    size_t sh[3];
    int nd;
    accel_status st;
    float *o = features_on(ctx, cpu, &p, x, n, sh, &nd, &st);
    ASSERT_OK(st);
    return o;
}

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    char why[256];
    int dev = cld_attach(ctx, why, sizeof why);
    if (dev < 0) TEST_SKIP("%s", why);
    int cpu = (int)ctx->n_devs - 1;
    printf("device %d: %s; CPU %d\n", dev, ctx->devs[dev].info.name, cpu);
    float *x = NULL;
    size_t n = 0;
    ASSERT_OK(accel_audio_load(ctx, AUDIO_DATA "/speech_a.wav", 16000, &x, &n, NULL));

    const char *presets[] = {"whisper-80", "vggish", "fbank-80"};
    const double tol[] = {2e-4, 1e-3, 1e-3};
    for (int i = 0; i < 3; i++) {
        accel_run_record rec;
        size_t len;
        float *o = run(ctx, presets[i], x, n, &len, &rec);
        float *c = on_cpu(ctx, cpu, presets[i], x, n);
        printf("  %-10s planned %d used %d fallbacks %d, device vs CPU %.3g\n", presets[i], rec.device_planned,
               rec.device_used, rec.n_fallbacks, max_abs_diff(o, c, len));
        ASSERT_EQ_INT(rec.device_used, dev);
        ASSERT_EQ_INT(rec.n_fallbacks, 0);
        ASSERT_NEAR(max_abs_diff(o, c, len), 0, 2 * tol[i]);
        free(o);

        /* a kernel failure falls back: the CPU's exact result, the reason recorded */
        cld.fail_launch_at = 1; /* whisper and vggish launch one kernel per slice */
        cld.launches = 0;
        cld.fail_status = ACCEL_ERR_KERNEL;
        o = run(ctx, presets[i], x, n, &len, &rec);
        cld.fail_launch_at = 0;
        ASSERT_EQ_INT(rec.device_planned, dev);
        ASSERT_EQ_INT(rec.device_used, cpu);
        ASSERT_EQ_INT(rec.n_fallbacks, 1);
        ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_KERNEL_ERROR);
        ASSERT_CONTAINS(rec.message, "injected failure");
        if (memcmp(o, c, len * sizeof *o) != 0)
            TEST_FAIL_("%s: fallback result differs from the CPU's", presets[i]);
        free(o);
        /* an out-of-memory first bisects the batch on the same device: no fallback, the
         * device's result, at least one split recorded */
        {
            cld.fail_launch_at = 1; /* whisper and vggish launch one kernel per slice */
            cld.launches = 0;
            cld.fail_status = ACCEL_ERR_DEVICE_OOM;
            o = run(ctx, presets[i], x, n, &len, &rec);
            cld.fail_launch_at = 0;
            ASSERT_EQ_INT(rec.device_planned, dev);
            ASSERT_EQ_INT(rec.device_used, dev);
            ASSERT_EQ_INT(rec.n_fallbacks, 0);
            ASSERT_TRUE(rec.n_splits >= 1);
            ASSERT_NEAR(max_abs_diff(o, c, len), 0, 2 * tol[i]);
            free(o);
        }
        free(c);
    }

    /* streaming on the device equals the device's whole-input computation, bit for bit */
    {
        accel_option opt[] = {{"ACCEL_CHUNK_SECONDS", "0.3"}};
        accel_ctx *c2 = NULL;
        ASSERT_OK(accel_ctx_create(&c2, opt, 1, ACCEL_CTX_NO_DISCOVERY));
        /* share the device: attach a second view of the same OpenCL context */
        size_t nn = c2->n_devs;
        accel__device *v = realloc(c2->devs, (nn + 1) * sizeof *v);
        c2->devs = v;
        v[nn] = v[nn - 1];
        v[nn].info.index = (int)nn;
        v[nn - 1] = ctx->devs[dev];
        v[nn - 1].ctx = c2;
        v[nn - 1].info.index = (int)(nn - 1);
        c2->n_devs = nn + 1;
        for (int i = 0; i < 3; i++) {
            accel_run_record rec;
            size_t len;
            float *whole = run(c2, presets[i], x, n, &len, &rec);
            accel_audio_params p = {.struct_size = sizeof p};
            accel_audio_params_preset(presets[i], &p);
            accel_audio_source *src = NULL;
            ASSERT_OK(accel_audio_open_memory(c2, ACCEL_F32, x, n, 16000, 16000, &src));
            char path[600];
            snprintf(path, sizeof path, "%s/test-audio-device-%ld.npy", ACCEL_TEST_BUILD, (long)getpid());
            accel_audio_result res = {.struct_size = sizeof res};
            ASSERT_OK(accel_audio_features_npy(c2, &p, src, path, &res, NULL));
            accel_audio_close(src);
            size_t gs[3];
            int gd;
            float *got = npy_read(path, gs, &gd);
            ASSERT_TRUE(got != NULL);
            ASSERT_EQ_INT(res.device_used, (int)(nn - 1));
            ASSERT_TRUE(res.n_chunks >= 2);
            if (got && memcmp(got, whole, len * sizeof *got) != 0)
                TEST_FAIL_("%s: streamed on the device differs from whole-input on the device", presets[i]);
            printf("  %-10s streamed in %zu chunks on device %d: identical\n", presets[i], res.n_chunks, res.device_used);
            free(got);
            free(whole);
            unlink(path);
        }
        accel_ctx_destroy(c2);
    }

    /* a setting keeps whisper off the device: the CPU runs it, the reason recorded */
    {
        accel_option opt[] = {{"ACCEL_WHISPER_GPU", "0"}};
        accel_ctx *c3 = NULL;
        ASSERT_OK(accel_ctx_create(&c3, opt, 1, ACCEL_CTX_NO_DISCOVERY));
        size_t nn = c3->n_devs;
        accel__device *v = realloc(c3->devs, (nn + 1) * sizeof *v);
        c3->devs = v;
        v[nn] = v[nn - 1];
        v[nn].info.index = (int)nn;
        v[nn - 1] = ctx->devs[dev];
        v[nn - 1].ctx = c3;
        v[nn - 1].info.index = (int)(nn - 1);
        c3->n_devs = nn + 1;
        accel_run_record rec;
        size_t len;
        float *o = run(c3, "whisper-80", x, n, &len, &rec);
        ASSERT_EQ_INT(rec.device_used, (int)nn);
        /* recorded as a fallback that cost nothing, with its reason (docs/executor.md) */
        ASSERT_EQ_INT(rec.n_fallbacks, 1);
        ASSERT_EQ_INT(rec.reason, ACCEL_FALLBACK_DISABLED_BY_CONFIG);
        ASSERT_TRUE(rec.time_lost_ms == 0);
        free(o);
        o = run(c3, "vggish", x, n, &len, &rec); /* other operations still go to the device */
        ASSERT_EQ_INT(rec.device_used, (int)(nn - 1));
        free(o);
        accel_ctx_destroy(c3);
    }

    /* Kaldi frame sizes other than the presets' 512: the FFT kernel with a radix-3 stage
     * (240 = 2·4·2·3·5), and sizes it does not take, which keep the direct DFT (392 = 2·4·7²;
     * 401, odd); then 512 with dither and the windowed frame's energy; each on the device
     * against the CPU (the dither's noise is keyed by frame and sample: the same on both) */
    {
        const double ms[] = {15.0, 24.5, 25.0625, 25.0};
        for (int i = 0; i < 4; i++) {
            accel_audio_params p = {.struct_size = sizeof p};
            accel_audio_params_preset("fbank", &p);
            p.frame_length_ms = ms[i];
            p.round_to_power_of_two = i == 3;
            if (i == 3) {
                p.dither = 1.0;
                p.use_energy = 1;
                p.raw_energy = 0;
            }
            size_t sh[3], sh2[3];
            int nd, nd2;
            accel_status st, st2;
            float *o = features_on(ctx, dev, &p, x, n, sh, &nd, &st);
            float *c = features_on(ctx, cpu, &p, x, n, sh2, &nd2, &st2);
            ASSERT_OK(st);
            ASSERT_OK(st2);
            if (!o || !c) continue;
            size_t len = shape_total(sh, nd);
            ASSERT_TRUE(len > 0);
            printf("  fbank %g ms%s: device vs CPU %.3g\n", ms[i], i == 3 ? ", dither 1, energy" : "",
                   max_abs_diff(o, c, len));
            ASSERT_NEAR(max_abs_diff(o, c, len), 0, 1e-3);
            free(o);
            free(c);
        }
    }

    /* a device with less local memory than the double FFT kernel declares (24.5 KB) still runs
     * Kaldi by the float FFT kernel (10.5 KB), its flagged frames computed again in float-float
     * (three launches) instead of float64; 1 KB takes the direct-DFT route, in float64 (four
     * launches per slice, no float kernel); whisper's float kernel (10 KB) fits 16 KB */
    {
        int64_t keep = ctx->devs[dev].info.local_mem;
        const char *ps[] = {"fbank-80", "fbank-80", "whisper-80"};
        const int64_t mem[] = {16384, 1024, 16384};
        for (int i = 0; i < 3; i++) {
            accel_audio_params p = {.struct_size = sizeof p};
            accel_audio_params_preset(ps[i], &p);
            size_t sh[3];
            int nd;
            accel_status st;
            audio_kaldi_counts k0, k1;
            cld.fail_launch_at = 1 << 30; /* never: only counts the launches */
            cld.launches = 0;
            free(features_on(ctx, dev, &p, x, n, sh, &nd, &st));
            int usual = cld.launches;
            ctx->devs[dev].info.local_mem = mem[i];
            cld.launches = 0;
            accel__audio_kaldi_counts(&k0);
            float *o = features_on(ctx, dev, &p, x, n, sh, &nd, &st);
            accel__audio_kaldi_counts(&k1);
            ctx->devs[dev].info.local_mem = keep;
            cld.fail_launch_at = 0;
            ASSERT_OK(st);
            ASSERT_TRUE(usual > 0);
            if (i == 0) { /* every flagged frame again in float-float, none in float64 */
                ASSERT_TRUE(k1.redone_ff > k0.redone_ff);
                ASSERT_EQ_INT(k1.redone_double, k0.redone_double);
                ASSERT_TRUE(cld.launches > usual);
            } else if (i == 1) { /* all in float64 by the DFT route */
                ASSERT_EQ_INT(k1.float_frames, k0.float_frames);
                ASSERT_EQ_INT(k1.ff_frames, k0.ff_frames);
                ASSERT_TRUE(k1.double_frames > k0.double_frames);
                ASSERT_EQ_INT(cld.launches % 4, 0);
            } else {
                ASSERT_EQ_INT(cld.launches, usual);
            }
            float *c = on_cpu(ctx, cpu, ps[i], x, n);
            if (o && c) ASSERT_NEAR(max_abs_diff(o, c, shape_total(sh, nd)), 0, 1e-3);
            printf("  %-10s with %5lld B of local memory: %d launch(es) (%d usually), %llu frame(s) again in "
                   "float-float, device vs CPU %.3g\n",
                   ps[i], (long long)mem[i], cld.launches, usual,
                   (unsigned long long)(k1.redone_ff - k0.redone_ff),
                   o && c ? max_abs_diff(o, c, shape_total(sh, nd)) : -1.0);
            free(o);
            free(c);
        }
    }

    /* a device without double precision runs Kaldi on the device: the float kernel, the
     * flagged frames again in float-float (none in float64); 1 KB of local memory: every frame
     * in float-float by the direct-DFT route */
    int64_t keep_fp64 = ctx->devs[dev].info.fp64, keep_mem = ctx->devs[dev].info.local_mem;
    ctx->devs[dev].info.fp64 = 0;
    for (int i = 0; i < 2; i++) {
        audio_kaldi_counts k0, k1;
        accel_run_record rec;
        size_t len;
        if (i == 1) ctx->devs[dev].info.local_mem = 1024;
        accel__audio_kaldi_counts(&k0);
        float *o = run(ctx, "fbank-80", x, n, &len, &rec);
        accel__audio_kaldi_counts(&k1);
        ctx->devs[dev].info.local_mem = keep_mem;
        float *c = on_cpu(ctx, cpu, "fbank-80", x, n);
        double e = max_abs_diff(o, c, len);
        printf("  fbank-80   without fp64%s: used %d, fallbacks %d, %llu float frame(s), %llu again in "
               "float-float, %llu all in float-float, device vs CPU %.3g\n",
               i ? " (DFT route)" : "", rec.device_used, rec.n_fallbacks,
               (unsigned long long)(k1.float_frames - k0.float_frames),
               (unsigned long long)(k1.redone_ff - k0.redone_ff), (unsigned long long)(k1.ff_frames - k0.ff_frames),
               e);
        ASSERT_EQ_INT(rec.device_used, dev);
        ASSERT_EQ_INT(rec.n_fallbacks, 0);
        ASSERT_EQ_INT(k1.redone_double, k0.redone_double);
        if (i == 0) {
            ASSERT_TRUE(k1.float_frames > k0.float_frames);
            ASSERT_TRUE(k1.redone_ff > k0.redone_ff);
        } else {
            ASSERT_TRUE(k1.ff_frames > k0.ff_frames);
        }
        ASSERT_NEAR(e, 0, 2e-3);
        free(o);
        free(c);
    }
    ctx->devs[dev].info.fp64 = (int)keep_fp64;
    accel_audio_free(x);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
