/* bench.c — benchmark cases of the audio front ends for `accel bench`: a preset on N seconds
 * of speech-like audio made by the library (formant vowels plus low noise, so no download and
 * the same input everywhere), computed in memory through the executor. */
#include "audio_internal.h"

#include <stdlib.h>
#include <string.h>

const char *const accel__audio_bench_cases[] = {"whisper-80@30s", "whisper-80@20min", "whisper-128@30s",
                                                "whisper-128@20min", "vggish@30s", "vggish@20min",
                                                "fbank-80@30s", "fbank-80@20min", NULL};


accel_status accel__audio_bench_new(const char *preset, double seconds, audio_bench **out)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "audio bench: NULL output");
    *out = NULL;
    audio_bench *b = calloc(1, sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory");
    b->p.struct_size = sizeof b->p;
    accel_status st = accel_audio_params_preset(preset, &b->p);
    if (st == ACCEL_OK) st = accel__audio_demo_clip(seconds, &b->x, &b->n);
    if (st == ACCEL_OK) {
        uint32_t s = 0x2545F491u;
        for (size_t i = 0; i < b->n; i++) { /* noise at about -60 dBFS between the vowels */
            s = s * 1664525u + 1013904223u;
            b->x[i] += ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.003f;
        }
        size_t shape[3];
        int nd;
        st = accel_audio_shape(&b->p, b->n, shape, &nd);
        b->out_len = 1;
        for (int i = 0; st == ACCEL_OK && i < nd; i++) b->out_len *= shape[i];
        b->out = st == ACCEL_OK ? malloc((b->out_len ? b->out_len : 1) * sizeof *b->out) : NULL;
        if (st == ACCEL_OK && !b->out) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    if (st != ACCEL_OK) {
        accel__audio_bench_free(b);
        return st;
    }
    *out = b;
    return ACCEL_OK;
}

accel_status accel__audio_bench_case(const char *name, audio_bench **out)
{
    char preset[32];
    const char *at = name ? strchr(name, '@') : NULL;
    RETURN_ERROR_IF(!at || (size_t)(at - name) >= sizeof preset, ACCEL_ERR_INVALID_ARG,
                    "audio bench case '%s' (allowed: whisper-80@30s, whisper-80@20min, …)", name ? name : "");
    memcpy(preset, name, (size_t)(at - name));
    preset[at - name] = '\0';
    char *end;
    double v = strtod(at + 1, &end);
    double seconds = !strcmp(end, "s") ? v : !strcmp(end, "min") ? v * 60 : -1;
    RETURN_ERROR_IF(!(seconds > 0), ACCEL_ERR_INVALID_ARG, "audio bench case '%s': length as 30s or 20min", name);
    return accel__audio_bench_new(preset, seconds, out);
}

accel_status accel__audio_bench_run(accel_ctx *ctx, audio_bench *b, int device, accel_run_record *rec)
{
    const void *clip = b->x;
    float *outs[1] = {b->out};
    return accel__audio_features_on(ctx, device, &b->p, ACCEL_F32, &clip, &b->n, 1, outs, rec);
}

double accel__audio_bench_seconds(const audio_bench *b) { return (double)b->n / b->p.sample_rate; }

const char *accel__audio_bench_op(const audio_bench *b) { return accel__audio_op(b->p.kind)->name; }

void accel__audio_bench_free(audio_bench *b)
{
    if (!b) return;
    free(b->x);
    free(b->out);
    free(b);
}
