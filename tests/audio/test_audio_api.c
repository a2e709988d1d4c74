/* test_audio_api.c — the public audio API's contract: presets, parameter checks that name the
 * field and the values allowed, output shapes at the edges of each reference's framing,
 * argument errors, the .npy header, the demo clip and the benchmark cases. */
#include "audio_test_util.h"
#include "core/bench.h"

#include <unistd.h>

static void shape_is(const char *preset, const char *key, size_t n, int nd, size_t a, size_t b, size_t c)
{
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset(preset, &p));
    if (key) ASSERT_EQ_INT(params_set(&p, key), 0);
    size_t s[3] = {9, 9, 9};
    int d = 0;
    ASSERT_OK(accel_audio_shape(&p, n, s, &d));
    if (d != nd || s[0] != a || s[1] != b || (nd == 3 && s[2] != c))
        TEST_FAIL_("%s %s, %zu samples: shape (%zu, %zu, %zu)/%d, want (%zu, %zu, %zu)/%d", preset, key ? key : "", n,
                   s[0], s[1], s[2], d, a, b, c, nd);
}

int main(void)
{
    accel_audio_params p = {.struct_size = sizeof p};
    const char *names[] = {"whisper-80", "whisper-128", "vggish", "fbank", "fbank-80"};
    for (int i = 0; i < 5; i++) {
        ASSERT_OK(accel_audio_params_preset(names[i], &p));
        ASSERT_OK(accel_audio_params_check(&p));
        ASSERT_EQ_INT(p.struct_size, sizeof p);
    }
    ASSERT_STATUS(accel_audio_params_preset("mfcc", &p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "allowed: whisper-80, whisper-128, vggish, fbank, fbank-80");
    accel_audio_params_preset("fbank-80", &p);
    ASSERT_EQ_INT(p.n_mels, 80);
    ASSERT_EQ_INT(p.window_type, ACCEL_AUDIO_WIN_HAMMING);
    ASSERT_NEAR(p.sample_scale, 32768.0, 0);
    ASSERT_EQ_INT(p.subtract_mean, 1);
    ASSERT_NEAR(p.dither, 0, 0);

    /* checks name the field and the values allowed */
    accel_audio_params_preset("whisper-80", &p);
    p.sample_rate = 44100;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "sample_rate 44100 (allowed for whisper: 16000)");
    accel_audio_params_preset("whisper-80", &p);
    p.padding = (accel_audio_padding)7;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "allowed: openai, faster-whisper, none");
    accel_audio_params_preset("fbank", &p);
    p.n_mels = 3;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "num_mel_bins 3");
    accel_audio_params_preset("fbank", &p);
    p.high_freq = 9000;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "high_freq 9000");
    accel_audio_params_preset("fbank", &p);
    p.window_type = (accel_audio_window)9;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "povey, hamming, hanning, rectangular, blackman");
    accel_audio_params_preset("fbank", &p);
    p.min_duration = -1;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "min_duration -1 s (must be >= 0)");
    p.struct_size = 8;
    ASSERT_STATUS(accel_audio_params_check(&p), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "struct_size");

    /* shapes at the framing edges */
    shape_is("whisper-80", NULL, 0, 2, 80, 3000, 0);
    shape_is("whisper-80", NULL, 159, 2, 80, 3000, 0);
    shape_is("whisper-80", NULL, 160, 2, 80, 3001, 0);
    shape_is("whisper-80", "padding=faster-whisper", 0, 2, 80, 1, 0);
    shape_is("whisper-80", "padding=faster-whisper", 16000, 2, 80, 101, 0);
    shape_is("whisper-128", "padding=none", 16000, 2, 128, 100, 0);
    shape_is("whisper-80", "windows=1", 0, 3, 0, 80, 3000);
    shape_is("whisper-80", "windows=1", 160, 3, 1, 80, 3000);
    shape_is("whisper-80", "windows=1", 16000 * 30, 3, 1, 80, 3000);
    shape_is("whisper-80", "windows=1", 16000 * 30 + 160, 3, 2, 80, 3000);
    shape_is("vggish", NULL, 15599, 3, 0, 96, 64);  /* 95 frames */
    shape_is("vggish", NULL, 15600, 3, 1, 96, 64);  /* 96 frames */
    shape_is("fbank", NULL, 399, 2, 0, 23, 0);
    shape_is("fbank", NULL, 400, 2, 1, 23, 0);
    shape_is("fbank", "snip_edges=0", 400, 2, 3, 23, 0); /* (n + hop/2) / hop */
    shape_is("fbank", "use_energy=1", 16000, 2, 98, 24, 0);
    /* torchaudio: len(waveform) < min_duration * sample_frequency gives an empty result */
    shape_is("fbank-80", "min_duration=1.0", 15999, 2, 0, 80, 0);
    shape_is("fbank-80", "min_duration=1.0", 16000, 2, 98, 80, 0);
    shape_is("fbank-80", "min_duration=0.5", 16000, 2, 98, 80, 0);

    /* arguments */
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    p.struct_size = sizeof p; /* the preset fills only as much as struct_size says */
    accel_audio_params_preset("whisper-80", &p);
    float x[1600] = {0}, out[80 * 10];
    ASSERT_STATUS(accel_audio_features(ctx, &p, ACCEL_F32, x, 1600, out, 80 * 10, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "accel_audio_shape");
    p.padding = ACCEL_AUDIO_PAD_NONE;
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_F32, x, 1600, out, 80 * 10, &rec));
    ASSERT_EQ_INT(rec.device_used, 0);
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    ASSERT_NEAR(out[0], (-10.0 + 4.0) / 4.0, 1e-6); /* silence: the 1e-10 floor */
    ASSERT_STATUS(accel_audio_features(ctx, &p, ACCEL_U8, x, 1600, out, 80 * 10, NULL), ACCEL_ERR_INVALID_ARG);
    int16_t i16[1600] = {0};
    ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_I16, i16, 1600, out, 80 * 10, NULL));

    /* the .npy header: 128 bytes, v1.0, readable */
    char hdr[128];
    size_t sh[3] = {2, 96, 64};
    ASSERT_OK(accel__npy_header(hdr, sh, 3));
    ASSERT_TRUE(memcmp(hdr, "\x93NUMPY\x01\x00\x76\x00", 10) == 0);
    ASSERT_TRUE(hdr[127] == '\n');
    char htxt[129];
    memcpy(htxt, hdr, 128);
    htxt[128] = '\0';
    ASSERT_CONTAINS(htxt + 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 96, 64), }");
    char path[600];
    snprintf(path, sizeof path, "%s/test-audio-api-%ld.npy", ACCEL_TEST_BUILD, (long)getpid());
    float v[6] = {1, 2, 3, 4, 5, 6};
    size_t s2[2] = {2, 3}, g[3];
    int gd;
    ASSERT_OK(accel__npy_write(path, v, s2, 2));
    float *back = npy_read(path, g, &gd);
    ASSERT_TRUE(back && gd == 2 && g[0] == 2 && g[1] == 3 && memcmp(back, v, sizeof v) == 0);
    free(back);
    unlink(path);

    /* the demo clip: speech-like level, not silent, deterministic */
    float *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    ASSERT_OK(accel__audio_demo_clip(2.0, &d1, &n1));
    ASSERT_OK(accel__audio_demo_clip(2.0, &d2, &n2));
    ASSERT_EQ_INT(n1, 32000);
    ASSERT_TRUE(n1 == n2 && memcmp(d1, d2, n1 * sizeof *d1) == 0);
    float peak = 0;
    for (size_t i = 0; i < n1; i++) peak = fmaxf(peak, fabsf(d1[i]));
    ASSERT_NEAR(peak, 0.7, 1e-6);
    free(d1);
    free(d2);

    /* every audio case of `accel bench` runs at its small size: 30 s of 16 kHz audio */
    static const char *const cases[] = {"whisper-80", "whisper-128", "vggish", "fbank-80"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const accel__bench_case *bc = accel__bench_case_find(cases[i]);
        ASSERT_TRUE(bc != NULL);
        if (!bc) continue;
        ASSERT_EQ_INT(bc->sizes[0], 30);
        void *call = NULL;
        size_t in = 0, out = 0;
        ASSERT_OK(bc->make(bc->sizes[0], 0, &call, &in, &out));
        if (!call) continue;
        ASSERT_EQ_INT(in, 30 * 16000 * sizeof(float)); /* 30 s of samples */
        ASSERT_TRUE(out > 0);
        ASSERT_OK(accel__exec(ctx, accel__bench_case_op(bc), call, NULL));
        bc->destroy(call);
    }
    ASSERT_TRUE(accel__bench_case_find("whisper-80@soon") == NULL);
    ASSERT_TRUE(accel__op_find("whisper") && accel__op_find("vggish") && accel__op_find("fbank"));
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
