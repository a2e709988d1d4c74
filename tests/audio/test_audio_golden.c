/* test_audio_golden.c — every golden of the manifest (real speech, synthetic signals, Kaldi
 * options), on every device and with every CPU kernel instruction set, against the float64
 * reference computations of scripts/make_golden_audio.py; plus whisper's 30-s windows and the
 * batch API against single calls.
 *   test_audio_golden [DIR] [--test-opencl]
 * DIR holds golden/manifest.txt and the WAVs (default tests/data/audio); --test-opencl adds the
 * first OpenCL device through tests/audio/cl_device.h (PoCL in CI), so the device kernels are
 * held to the same goldens (exit 77 when there is no OpenCL). */
#include "audio_test_util.h"
#include "cl_device.h"

typedef struct worst {
    const char *kind;
    double err;
    char what[160];
} worst;

static worst worst_of[3] = {{"whisper", 0, ""}, {"vggish", 0, ""}, {"fbank", 0, ""}};

static int check_one(accel_ctx *ctx, int dev, const char *dir, char *line, const char *isa_name)
{
    char *tok[32];
    int nt = 0;
    for (char *s = strtok(line, " \n"); s && nt < 32; s = strtok(NULL, " \n")) tok[nt++] = s;
    if (nt < 6) return 0;
    const char *name = tok[0], *wav = tok[1], *preset = tok[3];
    size_t take = (size_t)atol(tok[2]);
    double tol = 0, rel = 0;
    long keep = 0;
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset(preset, &p));
    for (int i = 4; i < nt; i++) {
        if (!strcmp(tok[i], "-")) continue;
        if (!strncmp(tok[i], "tol=", 4)) tol = atof(tok[i] + 4);
        else if (!strncmp(tok[i], "rel=", 4)) rel = atof(tok[i] + 4);
        else if (!strncmp(tok[i], "keep=", 5)) keep = atol(tok[i] + 5);
        else if (params_set(&p, tok[i]) != 0) TEST_FAIL_("%s: unknown manifest key %s", name, tok[i]);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, wav);
    float *x = NULL;
    size_t n = 0;
    ASSERT_OK(accel_audio_load(ctx, path, 16000, &x, &n, NULL));
    if (!x) return 1;
    if (take && take < n) n = take;
    snprintf(path, sizeof path, "%s/golden/%s.npy", dir, name);
    size_t gs[3], shape[3];
    int gnd = 0, nd = 0;
    float *g = npy_read(path, gs, &gnd);
    if (!g) {
        TEST_FAIL_("cannot read %s", path);
        accel_audio_free(x);
        return 1;
    }
    accel_status st;
    float *o = features_on(ctx, dev, &p, x, n, shape, &nd, &st);
    if (!o && device_skips(st)) {
        printf("  %-34s device %d: skipped (%s)\n", name, dev, accel_last_error(ctx));
        free(g);
        accel_audio_free(x);
        return 0;
    }
    ASSERT_OK(st);
    if (!o) {
        free(g);
        accel_audio_free(x);
        return 1;
    }
    double err = 0;
    if (keep) {
        /* whisper openai: the golden keeps `keep` frames; the rest equal its last one */
        ASSERT_EQ_INT(nd, 2);
        ASSERT_EQ_INT(shape[0], gs[0]);
        ASSERT_EQ_INT(gs[1], keep);
        size_t T = shape[1];
        for (size_t m = 0; m < shape[0]; m++)
            for (size_t f = 0; f < T; f++) {
                float want = g[m * gs[1] + (f < (size_t)keep ? f : (size_t)keep - 1)];
                double d = fabs((double)o[m * T + f] - want);
                if (!(d <= err)) err = d;
            }
    } else {
        ASSERT_EQ_INT(nd, gnd);
        for (int i = 0; i < nd && i < gnd; i++) ASSERT_EQ_INT(shape[i], gs[i]);
        if (nd == gnd && shape_total(shape, nd) == shape_total(gs, gnd)) {
            size_t len = shape_total(shape, nd);
            if (rel > 0) {
                for (size_t i = 0; i < len; i++) {
                    double d = fabs((double)o[i] - g[i]) / fmax(fabs((double)g[i]), 1e-3);
                    if (!(d <= err)) err = d;
                }
            } else {
                err = max_abs_diff(o, g, len);
            }
        }
    }
    double bound = rel > 0 ? rel : tol;
    if (!(err <= bound)) TEST_FAIL_("%s on device %d (%s kernel): max error %.3g > %.3g", name, dev, isa_name, err, bound);
    printf("  %-34s device %d %-7s max %s error %.3g (bound %.3g)\n", name, dev, isa_name, rel > 0 ? "relative" : "abs", err, bound);
    if (rel == 0) {
        worst *w = &worst_of[p.kind];
        if (err > w->err) {
            w->err = err;
            snprintf(w->what, sizeof w->what, "%s, device %d, %s", name, dev, isa_name);
        }
    }
    free(o);
    free(g);
    accel_audio_free(x);
    return 0;
}

/* transcribe()'s windows: window w, column c = full[:, 3000w + c] for frames < n // 160, else 0 */
static void check_windows(accel_ctx *ctx, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/speech_a.wav", dir);
    float *x = NULL;
    size_t n = 0;
    ASSERT_OK(accel_audio_load(ctx, path, 16000, &x, &n, NULL));
    /* make it longer than one window: 65 s of the clip repeated */
    size_t big = 16000 * 65;
    float *y = malloc(big * sizeof *y);
    for (size_t i = 0; i < big; i++) y[i] = x[i % n];
    for (int pad = 0; pad < 2; pad++) {
        accel_audio_params p = {.struct_size = sizeof p};
        accel_audio_params_preset("whisper-80", &p);
        p.padding = pad ? ACCEL_AUDIO_PAD_FASTER_WHISPER : ACCEL_AUDIO_PAD_OPENAI;
        size_t fs[3], ws[3];
        int fnd, wnd;
        accel_status st;
        float *full = features_on(ctx, -1, &p, y, big, fs, &fnd, &st);
        p.windows = 1;
        float *win = features_on(ctx, -1, &p, y, big, ws, &wnd, &st);
        ASSERT_TRUE(full && win);
        if (!full || !win) break;
        size_t content = big / 160;
        ASSERT_EQ_INT(wnd, 3);
        ASSERT_EQ_INT(ws[0], (content + 2999) / 3000);
        ASSERT_EQ_INT(ws[1], 80);
        ASSERT_EQ_INT(ws[2], 3000);
        size_t bad = 0;
        for (size_t w = 0; w < ws[0]; w++)
            for (size_t m = 0; m < 80; m++)
                for (size_t c = 0; c < 3000; c++) {
                    size_t f = w * 3000 + c;
                    float want = f < content ? full[m * fs[1] + f] : 0.0f;
                    if (win[(w * 80 + m) * 3000 + c] != want) bad++;
                }
        ASSERT_EQ_INT(bad, 0);
        free(full);
        free(win);
    }
    free(y);
    accel_audio_free(x);
}

/* The batch API equals single calls, clip by clip, for every kind (lengths 0 … 3 s). */
static void check_batch(accel_ctx *ctx, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/speech_b.wav", dir);
    float *x = NULL;
    size_t n = 0;
    ASSERT_OK(accel_audio_load(ctx, path, 16000, &x, &n, NULL));
    const char *presets[] = {"whisper-80", "whisper-128", "vggish", "fbank", "fbank-80"};
    /* every clip inside the loaded samples: starts go up to 985, so the longest is n − 1000
     * (it was n, which read up to 985 samples past the buffer's end: heap garbage, NaN at
     * times, which the non-finite check rightly refused) */
    size_t lens[6] = {0, 1, 399, 4000, 16001, n - 1000};
    for (int pi = 0; pi < 5; pi++) {
        accel_audio_params p = {.struct_size = sizeof p};
        accel_audio_params_preset(presets[pi], &p);
        const void *clips[6];
        float *outs[6], *single[6];
        size_t total[6];
        for (int i = 0; i < 6; i++) {
            clips[i] = x + (i * 997) % 1000; /* different starts */
            size_t sh[3];
            int nd;
            accel_audio_shape(&p, lens[i], sh, &nd);
            total[i] = shape_total(sh, nd);
            outs[i] = malloc((total[i] + 1) * sizeof(float));
            single[i] = malloc((total[i] + 1) * sizeof(float));
            ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_F32, clips[i], lens[i], single[i], total[i], NULL));
        }
        accel_run_record rec = {.struct_size = sizeof rec};
        ASSERT_OK(accel_audio_features_batch(ctx, &p, ACCEL_F32, clips, lens, 6, outs, &rec));
        ASSERT_TRUE(rec.device_used >= 0);
        for (int i = 0; i < 6; i++) {
            if (memcmp(outs[i], single[i], total[i] * sizeof(float)) != 0)
                TEST_FAIL_("%s: batch clip %d (%zu samples) differs from a single call", presets[pi], i, lens[i]);
            free(outs[i]);
            free(single[i]);
        }
    }
    accel_audio_free(x);
}

int main(int argc, char **argv)
{
    const char *dir = AUDIO_DATA;
    int with_cl = 0, custom_dir = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--test-opencl")) with_cl = 1;
        else {
            dir = argv[i];
            custom_dir = 1;
        }
    }
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, with_cl ? ACCEL_CTX_NO_DISCOVERY : 0));
    if (!ctx) return 1;
    if (with_cl) {
        char why[256];
        if (cld_attach(ctx, why, sizeof why) < 0) TEST_SKIP("%s", why);
    }
    char mpath[1024];
    snprintf(mpath, sizeof mpath, "%s/golden/manifest.txt", dir);
    FILE *mf = fopen(mpath, "r");
    if (!mf) TEST_SKIP("no manifest at %s", mpath);
    char lines[256][512];
    int nl = 0;
    while (nl < 256 && fgets(lines[nl], sizeof lines[nl], mf))
        if (lines[nl][0] != '#' && lines[nl][0] != '\n') nl++;
    fclose(mf);
    size_t n_dev = 0;
    accel_device_count(ctx, &n_dev);
    const audio_isa *isas[4] = {accel__audio_isa_generic(), accel__audio_isa_avx2(), accel__audio_isa_avx512(),
                                accel__audio_isa_neon()};
    for (size_t d = 0; d < n_dev; d++) {
        const accel_device_info *info;
        accel_device_get(ctx, d, &info);
        printf("device %zu: %s %s\n", d, accel_device_kind_name(info->kind), info->name);
        int is_cpu = info->kind == ACCEL_KIND_CPU;
        for (int k = 0; k < 4; k++) {
            if (!isas[k] || (!is_cpu && k > 0)) continue;
            if (is_cpu) accel__audio_force_isa(isas[k]);
            for (int i = 0; i < nl; i++) {
                char copy[512];
                memcpy(copy, lines[i], sizeof copy);
                check_one(ctx, (int)d, dir, copy, is_cpu ? isas[k]->name : "device");
            }
            accel__audio_force_isa(NULL);
        }
    }
    if (!custom_dir) {
        check_windows(ctx, dir);
        check_batch(ctx, dir);
    }
    printf("largest errors against the float64 references:\n");
    for (int k = 0; k < 3; k++)
        if (worst_of[k].what[0]) printf("  %-8s %.3g (%s)\n", worst_of[k].kind, worst_of[k].err, worst_of[k].what);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
