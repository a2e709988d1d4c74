/* test_audio_vad.c — voice activity and chunking on signals whose speech and pauses are known:
 * segment edges within a frame or two of the truth (plus the padding), short pauses bridged,
 * short bursts dropped, chunks that tile the input, stay within the target and are cut inside
 * pauses; a recording without pauses is cut at its quietest frames. */
#include "audio_test_util.h"

typedef struct piece {
    double seconds;
    int speech;
} piece;

/* Builds the signal from the demo vowels (speech) and low noise (pause, about -66 dBFS). */
static float *build(const piece *pc, int np, size_t *n)
{
    float *v = NULL;
    size_t nv = 0;
    accel__audio_demo_clip(3.0, &v, &nv);
    size_t total = 0;
    for (int i = 0; i < np; i++) total += (size_t)(pc[i].seconds * 16000);
    float *x = malloc(total * sizeof *x);
    size_t at = 0, vi = 0;
    uint32_t s = 99;
    for (int i = 0; i < np; i++) {
        size_t k = (size_t)(pc[i].seconds * 16000);
        for (size_t j = 0; j < k; j++, at++) {
            s = s * 1664525u + 1013904223u;
            float noise = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.001f;
            /* speech: the loud middle of each demo vowel, repeated (no inner pauses) */
            float sp = 0;
            if (pc[i].speech) {
                size_t slot = 8000, idx = (vi++ % 4000) + 2000;
                sp = v[(idx + slot * ((vi / 4000) % 5)) % nv];
            }
            x[at] = sp + noise;
        }
    }
    free(v);
    *n = total;
    return x;
}

static accel_audio_segment *run(accel_ctx *ctx, const accel_audio_vad_params *vp, const float *x, size_t n,
                                int chunks, size_t *ns)
{
    accel_audio_source *src = NULL;
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
    accel_audio_segment *seg = NULL;
    ASSERT_OK(chunks ? accel_audio_chunk(ctx, vp, src, &seg, ns) : accel_audio_vad(ctx, vp, src, &seg, ns));
    accel_audio_close(src);
    return seg;
}

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    accel_audio_vad_params vp = {.struct_size = sizeof vp};
    ASSERT_OK(accel_audio_vad_params_default(&vp));

    /* speech at 0.5–1.5, 2.3–2.9 and 3.1–3.6 (the 0.2 s pause is bridged), a 0.1 s burst at 4.5
     * (dropped: shorter than min_speech_ms) */
    piece pc[] = {{0.5, 0}, {1.0, 1}, {0.8, 0}, {0.6, 1}, {0.2, 0}, {0.5, 1}, {0.9, 0}, {0.1, 1}, {1.0, 0}};
    size_t n;
    float *x = build(pc, 9, &n);
    size_t ns = 0;
    accel_audio_segment *seg = run(ctx, &vp, x, n, 0, &ns);
    for (size_t i = 0; i < ns; i++) printf("  speech %.3f – %.3f\n", seg[i].start_s, seg[i].end_s);
    ASSERT_EQ_INT(ns, 2);
    if (ns == 2) {
        double pad = vp.pad_ms / 1000, tol = 0.025;
        ASSERT_NEAR(seg[0].start_s, 0.5 - pad, tol);
        ASSERT_NEAR(seg[0].end_s, 1.5 + pad, tol);
        ASSERT_NEAR(seg[1].start_s, 2.3 - pad, tol);
        ASSERT_NEAR(seg[1].end_s, 3.6 + pad, tol);
    }
    accel_audio_free(seg);
    free(x);

    /* chunks over 95 s of 2 s speech / 0.5 s pauses, target 30 s */
    piece alt[76];
    for (int i = 0; i < 76; i++) alt[i] = (piece){i % 2 ? 0.5 : 2.0, !(i % 2)};
    x = build(alt, 76, &n);
    vp.chunk_s = 30;
    seg = run(ctx, &vp, x, n, 1, &ns);
    double dur = (double)n / 16000;
    ASSERT_TRUE(ns >= 4);
    for (size_t i = 0; i < ns; i++) {
        double len = seg[i].end_s - seg[i].start_s;
        printf("  chunk %.3f – %.3f (%.2f s)\n", seg[i].start_s, seg[i].end_s, len);
        if (!(len <= 30.0 + 1e-9 && len > 0)) TEST_FAIL_("chunk %zu is %.3f s long (target 30)", i, len);
        if (i + 1 < ns) {
            ASSERT_NEAR(seg[i].end_s, seg[i + 1].start_s, 0);
            if (!(len >= 15.0)) TEST_FAIL_("chunk %zu is %.3f s: cut before half the target", i, len);
            /* the cut lies in a pause: within [2 + 2.5k, 2.5 + 2.5k) */
            double t = fmod(seg[i].end_s, 2.5);
            if (!(t >= 2.0 && t < 2.5)) TEST_FAIL_("cut at %.3f s is not in a pause (%.3f into its 2.5 s period)", seg[i].end_s, t);
        }
    }
    if (ns) {
        ASSERT_NEAR(seg[0].start_s, 0, 0);
        ASSERT_NEAR(seg[ns - 1].end_s, dur, 1e-9);
    }
    accel_audio_free(seg);
    free(x);

    /* no pauses at all: 70 s of steady noise with a stretch 4 dB quieter (still "speech") at
     * 20–20.5 s, where the first cut must fall */
    n = 16000 * 70;
    x = malloc(n * sizeof *x);
    uint32_t s = 7;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        float a = (i >= 16000 * 20 && i < 16000 * 20 + 8000) ? 0.126f : 0.2f;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * a;
    }
    seg = run(ctx, &vp, x, n, 1, &ns);
    for (size_t i = 0; i < ns; i++) printf("  steady chunk %.3f – %.3f\n", seg[i].start_s, seg[i].end_s);
    ASSERT_TRUE(ns >= 3);
    if (ns >= 1) {
        if (!(seg[0].end_s >= 20.0 && seg[0].end_s <= 20.5)) TEST_FAIL_("first cut at %.3f s, not in the quiet stretch 20–20.5 s", seg[0].end_s);
    }
    for (size_t i = 0; i < ns; i++) ASSERT_TRUE(seg[i].end_s - seg[i].start_s <= 30.0 + 1e-9);
    accel_audio_free(seg);
    size_t nv = 0;
    seg = run(ctx, &vp, x, n, 0, &nv);
    ASSERT_EQ_INT(nv, 1); /* all of it is "speech": no pause anywhere */
    accel_audio_free(seg);
    free(x);

    /* empty input, bad parameters */
    seg = run(ctx, &vp, NULL, 0, 1, &ns);
    ASSERT_EQ_INT(ns, 0);
    accel_audio_free(seg);
    vp.frame_ms = 0;
    accel_audio_source *src = NULL;
    float one = 0;
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, &one, 1, 16000, 16000, &src));
    ASSERT_STATUS(accel_audio_vad(ctx, &vp, src, &seg, &ns), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "frame_ms");
    accel_audio_close(src);

    /* a chunk target shorter than one frame is refused before the input is read (1e-9 s once
     * made billions of chunks); one frame is the least */
    n = 16000 * 4;
    x = calloc(n, sizeof *x);
    accel_audio_vad_params_default(&vp);
    const double too_short[] = {1e-9, 1e-4, 0.0099};
    for (size_t i = 0; i < sizeof too_short / sizeof *too_short; i++) {
        vp.chunk_s = too_short[i];
        ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
        ASSERT_STATUS(accel_audio_chunk(ctx, &vp, src, &seg, &ns), ACCEL_ERR_INVALID_ARG);
        ASSERT_CONTAINS(accel_last_error(NULL), "shorter than one frame");
        ASSERT_CONTAINS(accel_last_error(NULL), "at least frame_ms = 0.01 s");
        accel_audio_close(src);
    }
    char want[64];
    snprintf(want, sizeof want, "chunk_s %g s", 1e-4);
    vp.chunk_s = 1e-4;
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
    ASSERT_STATUS(accel_audio_chunk(ctx, &vp, src, &seg, &ns), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), want);
    accel_audio_close(src);
    vp.chunk_s = 0.01;
    seg = run(ctx, &vp, x, n, 1, &ns);
    /* each at least half the target (a cut lies in its second half), the last excepted */
    ASSERT_TRUE(ns >= 400 && ns <= 801);
    for (size_t i = 0; i < ns; i++) {
        double len = seg[i].end_s - seg[i].start_s;
        if (!(len <= 0.01 + 1e-9 && (len >= 0.005 - 1e-9 || i + 1 == ns)))
            TEST_FAIL_("chunk %zu of %zu is %.9f s (target 0.01)", i, ns, len);
    }
    accel_audio_free(seg);

    /* the operation the chunks are planned for: a name the planner does not know is refused
     * with the names it does (it was planned as the default's 30 s, silently); a known one,
     * or an explicit target, still cuts */
    accel_audio_vad_params_default(&vp);
    vp.op = "whisperr";
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
    ASSERT_STATUS(accel_audio_chunk(ctx, &vp, src, &seg, &ns), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "unknown operation 'whisperr'; did you mean 'whisper'?");
    accel_audio_close(src);
    vp.op = "vggish";
    seg = run(ctx, &vp, x, n, 1, &ns);
    ASSERT_TRUE(ns == 1 && seg[0].end_s == 4.0);
    accel_audio_free(seg);

    /* ACCEL_CHUNK_SECONDS stands in for chunk_s 0 and has the same floor, said before the input
     * is read (1e-6 made 400 000 chunks of 0.000 s from these 4 s, 1e-9 billions) */
    {
        accel_option opt[] = {{"ACCEL_CHUNK_SECONDS", "1e-6"}};
        accel_ctx *c2 = NULL;
        ASSERT_OK(accel_ctx_create(&c2, opt, 1, ACCEL_CTX_NO_DISCOVERY));
        accel_audio_vad_params_default(&vp);
        ASSERT_OK(accel_audio_open_memory(c2, ACCEL_F32, x, n, 16000, 16000, &src));
        seg = NULL;
        ns = 0;
        accel_status st = accel_audio_chunk(c2, &vp, src, &seg, &ns);
        if (st != ACCEL_ERR_CONFIG)
            TEST_FAIL_("ACCEL_CHUNK_SECONDS=1e-6: %s and %zu chunks, want ERR_CONFIG", accel_status_name(st), ns);
        ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_CHUNK_SECONDS=1e-6 (from api): shorter than one frame");
        ASSERT_CONTAINS(accel_last_error(NULL), "at least frame_ms = 0.01 s");
        accel_audio_free(seg);
        accel_audio_close(src);
        vp.chunk_s = 2; /* an explicit target wins over the setting */
        seg = run(c2, &vp, x, n, 1, &ns);
        ASSERT_TRUE(ns >= 2 && ns <= 4 && seg[ns - 1].end_s == 4.0);
        accel_audio_free(seg);
        accel_ctx_destroy(c2);
    }
    free(x);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
