/* bench_case.c — the audio presets as `accel bench` cases (core/bench.h): whisper-80,
 * whisper-128, vggish, fbank and fbank-80 (every preset of accel_audio_params_preset, so that a
 * preset name means the same to `accel audio` and to bench, plan and stats), an item being one second of 16 kHz speech-like audio made
 * by the library (bench.c), so small = 30 s and medium = 20 min as the benchmarks report them.
 * The timed call is the operation itself (framing, FFT, mel, log) on the device; the whole-clip
 * post pass (whisper's floor at max − 8, fbank's mean normalisation) runs on the host and is
 * timed by `accel audio features` end to end instead. */
#include "audio_internal.h"
#include "core/bench.h"

#include <stdlib.h>

typedef struct bench_audio {
    audio_call call; /* first: the engine passes this pointer to the operation */
    audio_plan pl;
    audio_clip clip;
    audio_bench *src; /* samples and output buffer */
} bench_audio;

static void destroy(void *p)
{
    bench_audio *b = p;
    if (!b) return;
    accel__audio_call_free(&b->call);
    accel__audio_plan_free(&b->pl);
    accel__audio_bench_free(b->src);
    free(b);
}

/* synth: the speech-like samples and an output buffer (timed calls); otherwise silent samples
 * and no output (the chunk planner's memory formula only needs the shapes). */
static accel_status make_preset(const char *preset, double seconds, int synth, void **call, size_t *in,
                                size_t *out)
{
    bench_audio *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_status st = synth ? accel__audio_bench_new(preset, seconds, &b->src)
                            : accel__audio_bench_shape(preset, seconds, &b->src);
    if (st == ACCEL_OK) st = accel__audio_plan_init(&b->pl, &b->src->p);
    if (st == ACCEL_OK) {
        accel__audio_clip_whole(&b->pl, &b->clip, b->src->x, b->src->n, b->src->out);
        st = accel__audio_call_init(&b->call, &b->pl, &b->clip, 1);
    }
    if (st != ACCEL_OK) {
        destroy(b);
        return st;
    }
    if (in) *in = b->src->n * sizeof(float);
    if (out) *out = b->src->out_len * sizeof(float);
    *call = b;
    return ACCEL_OK;
}

#define AUDIO_CASE(id, preset, kind)                                                         \
    static const accel__op *id##_op(void) { return accel__audio_op(kind); }                  \
    static accel_status id##_make(size_t items, size_t item_size, void **call, size_t *in,   \
                                  size_t *out)                                               \
    {                                                                                        \
        (void)item_size;                                                                     \
        return make_preset(preset, (double)items, 1, call, in, out);                         \
    }                                                                                        \
    static accel_status id##_signal(double seconds, int rate, void **call)                   \
    {                                                                                        \
        (void)rate;                                                                          \
        return make_preset(preset, seconds, 0, call, NULL, NULL);                            \
    }                                                                                        \
    const accel__bench_case accel__bench_case_##id = {                                       \
        .op = preset,                                                                        \
        .about = preset " features of speech-like audio; an item is one second at 16 kHz",   \
        .sizes = {30, 1200, 3600},                                                           \
        .get_op = id##_op,                                                                   \
        .make = id##_make,                                                                   \
        .destroy = destroy,                                                                  \
        .make_signal = id##_signal,                                                          \
    };

AUDIO_CASE(whisper80, "whisper-80", ACCEL_AUDIO_WHISPER)
AUDIO_CASE(whisper128, "whisper-128", ACCEL_AUDIO_WHISPER)
AUDIO_CASE(vggish, "vggish", ACCEL_AUDIO_VGGISH)
AUDIO_CASE(fbank, "fbank", ACCEL_AUDIO_FBANK)
AUDIO_CASE(fbank80, "fbank-80", ACCEL_AUDIO_FBANK)
