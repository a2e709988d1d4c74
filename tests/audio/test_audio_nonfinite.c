/* test_audio_nonfinite.c — a NaN or ±Inf anywhere in a clip is refused, naming the first such
 * sample, whichever part of the work reads it: the frame runs check the samples their frames
 * read (on the CPU each batch as the kernel reads it, on a device each slice before its
 * upload) and the call checks the samples no frame reads (past the last frame, between frames
 * when the hop is longer than the frame). Every position near the edges and a stride through
 * the middle, for each preset and framing; two bad samples name the first; a batch names its
 * clip; int16 input is not checked (it cannot hold one); finite samples whose power
 * overflows are not refused. On the test OpenCL device too when there is one. */
#include "audio_test_util.h"
#include "cl_device.h"

#include <math.h>

#define N 17000

typedef struct {
    const char *name;
    accel_audio_params p;
} config;

static int n_configs(config *c)
{
    const char *presets[] = {"whisper-80", "whisper-128", "vggish", "fbank-80", "fbank"};
    int k = 0;
    for (int i = 0; i < 5; i++) {
        c[k].name = presets[i];
        c[k].p = (accel_audio_params){.struct_size = sizeof c[k].p};
        ASSERT_OK(accel_audio_params_preset(presets[i], &c[k].p));
        k++;
    }
    c[k].name = "whisper-80, 30-s windows";
    c[k].p = c[0].p;
    c[k].p.windows = 1;
    k++;
    c[k].name = "fbank, snip_edges 0 (reflected edges)";
    c[k].p = c[4].p;
    c[k].p.snip_edges = 0;
    k++;
    c[k].name = "fbank, 10-ms frames every 25 ms (gaps between frames)";
    c[k].p = c[4].p;
    c[k].p.frame_length_ms = 10;
    c[k].p.frame_shift_ms = 25;
    k++;
    c[k].name = "fbank, min_duration 2 s (no frames)";
    c[k].p = c[4].p;
    c[k].p.min_duration = 2.0;
    k++;
    return k;
}

static const char *kind_of(int i) { return i % 3 == 0 ? "NaN" : i % 3 == 1 ? "+Inf" : "-Inf"; }
static float value_of(int i) { return i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY; }

/* One call with x[bad] (and x[bad2] when ≥ 0) not finite: refused, naming bad. */
static void refused(accel_ctx *ctx, int dev, const config *c, float *x, int bad, int bad2)
{
    x[bad] = value_of(bad);
    if (bad2 >= 0) x[bad2] = NAN;
    size_t shape[3];
    int nd;
    accel_status st;
    float *o = features_on(ctx, dev, &c->p, x, N, shape, &nd, &st);
    char want[64];
    snprintf(want, sizeof want, "sample %d is %s", bad, kind_of(bad));
    if (st != ACCEL_ERR_INVALID_ARG || !strstr(accel_last_error(NULL), want))
        TEST_FAIL_("%s, device %d, sample %d set to %s: %s, \"%s\" (wanted ACCEL_ERR_INVALID_ARG, \"%s\")",
                   c->name, dev, bad, kind_of(bad), accel_status_name(st), accel_last_error(NULL), want);
    free(o);
    x[bad] = 0.25f;
    if (bad2 >= 0) x[bad2] = 0.25f;
}

/* Positions: every one within 900 samples of either end, then every `stride`-th. */
static int positions(int stride, int *pos)
{
    int k = 0;
    for (int i = 0; i < N; i++)
        if (i < 900 || i >= N - 900 || i % stride == 0) pos[k++] = i;
    return k;
}

static void sweep(accel_ctx *ctx, int dev, const char *where, int stride)
{
    config cs[16];
    int nc = n_configs(cs);
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++) x[i] = 0.25f * sinf(0.01f * (float)i);
    static int pos[N];
    int np = positions(stride, pos);
    for (int ci = 0; ci < nc; ci++) {
        size_t shape[3];
        int nd;
        accel_status st;
        /* finite: accepted, every value written */
        float *o = features_on(ctx, dev, &cs[ci].p, x, N, shape, &nd, &st);
        ASSERT_OK(st);
        size_t len = shape_total(shape, nd);
        for (size_t i = 0; i < len; i++)
            if (!isfinite(o[i])) TEST_FAIL_("%s on %s: value %zu not written", cs[ci].name, where, i);
        free(o);
        /* finite but huge: the power overflows float (its sums are +Inf or NaN, as a
         * non-finite sample's are), yet nothing is refused */
        x[N / 2] = 3e38f;
        x[N / 2 + 1] = -3e38f;
        o = features_on(ctx, dev, &cs[ci].p, x, N, shape, &nd, &st);
        if (st != ACCEL_OK)
            TEST_FAIL_("%s on %s: finite samples of 3e38 refused: %s, \"%s\"", cs[ci].name, where,
                       accel_status_name(st), accel_last_error(NULL));
        free(o);
        x[N / 2] = 0.25f * sinf(0.01f * (float)(N / 2));
        x[N / 2 + 1] = 0.25f * sinf(0.01f * (float)(N / 2 + 1));
        for (int k = 0; k < np; k++) refused(ctx, dev, &cs[ci], x, pos[k], -1);
        /* two: the first is named whichever run meets the other first */
        refused(ctx, dev, &cs[ci], x, 40, N - 3);
        refused(ctx, dev, &cs[ci], x, N / 2, N - 1);
        printf("  %-52s %s: %d positions refused, each named\n", cs[ci].name, where, np + 2);
    }
    free(x);
}

/* A batch names the clip; int16 clips are not checked and run. */
static void batch(accel_ctx *ctx)
{
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset("whisper-80", &p));
    size_t shape[3];
    int nd;
    ASSERT_OK(accel_audio_shape(&p, N, shape, &nd));
    size_t len = shape_total(shape, nd);
    float *x[3], *o[3];
    size_t lens[3] = {N, N, N};
    for (int c = 0; c < 3; c++) {
        x[c] = malloc(N * sizeof *x[c]);
        o[c] = malloc(len * sizeof *o[c]);
        for (int i = 0; i < N; i++) x[c][i] = 0.1f * (float)((i * (c + 3)) % 17) / 17.0f;
    }
    x[1][9000] = -INFINITY;
    const void *clips[3] = {x[0], x[1], x[2]};
    ASSERT_STATUS(accel_audio_features_batch(ctx, &p, ACCEL_F32, clips, lens, 3, o, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "clip 1, sample 9000 is -Inf");
    x[1][9000] = 0;
    ASSERT_OK(accel_audio_features_batch(ctx, &p, ACCEL_F32, clips, lens, 3, o, NULL));
    int16_t *s = malloc(N * sizeof *s);
    for (int i = 0; i < N; i++) s[i] = (int16_t)(i % 2000 - 1000);
    ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_I16, s, N, o[0], len, NULL));
    printf("  batch of 3: clip 1 named; int16 input runs\n");
    free(s);
    for (int c = 0; c < 3; c++) {
        free(x[c]);
        free(o[c]);
    }
}

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    char why[256];
    int dev = cld_attach(ctx, why, sizeof why);
    int cpu = (int)ctx->n_devs - 1;
    sweep(ctx, cpu, "CPU", 7);
    batch(ctx);
    if (dev >= 0) sweep(ctx, dev, ctx->devs[dev].info.name, 211);
    else printf("  no OpenCL device (%s): the device runs' check is not exercised here\n", why);
    accel_ctx_destroy(ctx);
    return 0;
}
