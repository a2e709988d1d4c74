/* bench.c — the input of the audio benchmark cases (bench_case.c): a preset on N seconds of
 * speech-like audio made by the library (formant vowels plus low noise, so no download and the
 * same input everywhere), with its output buffer; or, for the chunk planner's memory formula,
 * the same shapes on silent samples without an output. */
#include "audio_internal.h"

#include <stdlib.h>
#include <string.h>



static accel_status bench_make(const char *preset, double seconds, int synth, audio_bench **out)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "audio bench: NULL output");
    *out = NULL;
    audio_bench *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory");
    b->p.struct_size = sizeof b->p;
    accel_status st = accel_audio_params_preset(preset, &b->p);
    if (st == ACCEL_OK && synth) {
        st = accel__audio_demo_clip(seconds, &b->x, &b->n);
        uint32_t s = 0x2545F491u;
        for (size_t i = 0; i < b->n; i++) { /* noise at about -60 dBFS between the vowels */
            s = s * 1664525u + 1013904223u;
            b->x[i] += ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.003f;
        }
    } else if (st == ACCEL_OK) {
        st = accel__audio_demo_len(seconds, &b->n);
        b->x = st == ACCEL_OK ? calloc(b->n ? b->n : 1, sizeof *b->x) : NULL; /* pages untouched until read */
        if (st == ACCEL_OK && !b->x) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    size_t shape[3];
    int nd = 0;
    if (st == ACCEL_OK) st = accel_audio_shape(&b->p, b->n, shape, &nd);
    b->out_len = 1;
    for (int i = 0; st == ACCEL_OK && i < nd; i++) b->out_len *= shape[i];
    if (st == ACCEL_OK && synth) {
        b->out = malloc((b->out_len ? b->out_len : 1) * sizeof *b->out);
        if (!b->out) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    if (st != ACCEL_OK) {
        accel__audio_bench_free(b);
        return st;
    }
    *out = b;
    return ACCEL_OK;
}

accel_status accel__audio_bench_new(const char *preset, double seconds, audio_bench **out)
{
    return bench_make(preset, seconds, 1, out);
}

accel_status accel__audio_bench_shape(const char *preset, double seconds, audio_bench **out)
{
    return bench_make(preset, seconds, 0, out);
}

void accel__audio_bench_free(audio_bench *b)
{
    if (!b) return;
    free(b->x);
    free(b->out);
    free(b);
}
