/* features.c — accel_audio_features() and accel_audio_features_batch(): one plan, one call
 * of the operation through the executor (fallback included), then the host post pass. */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *op_label(const accel_audio_params *p)
{
    return p->kind == ACCEL_AUDIO_WHISPER ? "whisper" : p->kind == ACCEL_AUDIO_VGGISH ? "vggish" : "fbank";
}

/* int16 samples → float32 / 32768 (what whisper's and torchaudio's loaders do). */
static float *to_float(accel_dtype dtype, const void *samples, size_t n, accel_status *st)
{
    *st = ACCEL_OK;
    if (dtype == ACCEL_F32) return (float *)samples;
    float *x = malloc((n ? n : 1) * sizeof *x);
    if (!x) {
        *st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory converting %zu int16 samples", n);
        return NULL;
    }
    accel__audio_widen16(x, samples, n);
    return x;
}

static int64_t pad_of(const accel_audio_params *p)
{
    if (p->kind != ACCEL_AUDIO_WHISPER) return 0;
    return p->padding == ACCEL_AUDIO_PAD_OPENAI ? AUDIO_WHISPER_PAD_OPENAI
           : p->padding == ACCEL_AUDIO_PAD_FASTER_WHISPER ? AUDIO_WHISPER_PAD_FASTER
                                                          : 0;
}

/* Sets up clip `cl` for the whole of x[0, n) into out. */
void accel__audio_clip_whole(const audio_plan *pl, audio_clip *cl, const float *x, size_t n, float *out)
{
    audio_frames fr;
    accel__audio_frames(pl, (int64_t)n, &fr);
    memset(cl, 0, sizeof *cl);
    cl->sig.x = x;
    cl->sig.base = 0;
    cl->sig.len = (int64_t)n;
    cl->sig.n = (int64_t)n;
    cl->sig.pad = pad_of(&pl->p);
    cl->sig.scale = pl->p.kind == ACCEL_AUDIO_FBANK ? (float)pl->p.sample_scale : 1.0f;
    cl->f_begin = 0;
    cl->f_end = fr.computed;
    cl->f_store = fr.stored;
    cl->out = out;
    accel__audio_layout(pl, &fr, &cl->lay);
}

static size_t shape_len(const accel_audio_params *p, size_t n)
{
    size_t shape[3];
    int nd = 0;
    if (accel_audio_shape(p, n, shape, &nd) != ACCEL_OK) return 0;
    size_t len = 1;
    for (int i = 0; i < nd; i++) len *= shape[i];
    return len;
}

accel_status accel__audio_features_on(accel_ctx *ctx, int device, const accel_audio_params *p,
                                      accel_dtype dtype, const void *const *clips, const size_t *lens,
                                      size_t n_clips, float *const *outs, accel_run_record *rec)
{
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "audio features: NULL context");
    RETURN_ERROR_IF(n_clips && (!clips || !lens || !outs), ACCEL_ERR_INVALID_ARG,
                    "audio features: NULL clip, length or output array");
    RETURN_ERROR_IF(dtype != ACCEL_F32 && dtype != ACCEL_I16, ACCEL_ERR_INVALID_ARG,
                    "audio features: sample type %d (allowed: ACCEL_F32, ACCEL_I16)", (int)dtype);
    for (size_t i = 0; i < n_clips; i++)
        RETURN_ERROR_IF((!clips[i] && lens[i]) || (!outs[i] && shape_len(p, lens[i])),
                        ACCEL_ERR_INVALID_ARG, "audio features: clip %zu has a NULL pointer", i);
    audio_plan pl;
    FORWARD_IF_ERROR(accel__audio_plan_init(&pl, p));
    audio_clip *cl = calloc(n_clips ? n_clips : 1, sizeof *cl);
    float **conv = calloc(n_clips ? n_clips : 1, sizeof *conv);
    accel_status st = (!cl || !conv) ? ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory") : ACCEL_OK;
    for (size_t i = 0; st == ACCEL_OK && i < n_clips; i++) {
        if (dtype == ACCEL_I16 && !((uintptr_t)clips[i] & 1)) {
            /* read where they lie, widened in the kernel: no converted copy */
            accel__audio_clip_whole(&pl, &cl[i], NULL, lens[i], outs[i]);
            cl[i].sig.x16 = clips[i];
            continue;
        }
        float *x = to_float(dtype, clips[i], lens[i], &st);
        if (st != ACCEL_OK) break;
        if (dtype != ACCEL_F32) conv[i] = x;
        accel__audio_clip_whole(&pl, &cl[i], x, lens[i], outs[i]);
    }
    audio_call call;
    memset(&call, 0, sizeof call);
    if (st == ACCEL_OK) st = accel__audio_call_init(&call, &pl, cl, n_clips);
    if (st == ACCEL_OK) st = accel__audio_call_notes(&call);
    size_t out_bytes = 0;
    for (size_t i = 0; i < n_clips; i++) out_bytes += shape_len(p, lens[i]) * sizeof(float);
    call.nt_out = out_bytes > AUDIO_NT_BYTES;
    if (st == ACCEL_OK && dtype == ACCEL_F32) {
        /* samples must be finite: the runs check what their frames read, here the rest */
        call.check = 1;
        for (size_t i = 0; st == ACCEL_OK && i < n_clips; i++) {
            int64_t a = 0, b = 0, n = (int64_t)lens[i];
            if (cl[i].f_end > cl[i].f_begin) accel__audio_frames_span(&pl, &cl[i].sig, cl[i].f_begin, cl[i].f_end, &a, &b);
            const float *x = clips[i];
            if (accel__audio_first_nonfinite(x, (size_t)a) < (size_t)a ||
                accel__audio_first_nonfinite(x + b, (size_t)(n - b)) < (size_t)(n - b))
                st = accel__audio_nonfinite_error(&call, i);
        }
    }
    if (st == ACCEL_OK)
        st = device < 0 ? accel__exec(ctx, accel__audio_op(p->kind), &call, rec)
                        : accel__exec_on(ctx, (size_t)device, accel__audio_op(p->kind), &call, rec);
    if (st == ACCEL_OK)
        for (size_t i = 0; st == ACCEL_OK && i < n_clips; i++)
            st = accel__audio_post(ctx, &pl, (int64_t)lens[i], cl[i].max, outs[i],
                                   call.seg_min ? call.seg_min[i] : NULL, call.gsum ? call.gsum[i] : NULL,
                                   call.gok ? call.gok[i] : NULL);
    accel__audio_call_free(&call);
    for (size_t i = 0; conv && i < n_clips; i++) free(conv[i]);
    free(conv);
    free(cl);
    accel__audio_plan_free(&pl);
    return st;
}

accel_status accel_audio_features_batch(accel_ctx *ctx, const accel_audio_params *p,
                                        accel_dtype dtype, const void *const *clips,
                                        const size_t *lens, size_t n_clips, float *const *outs,
                                        accel_run_record *rec)
{
    return accel__audio_features_on(ctx, -1, p, dtype, clips, lens, n_clips, outs, rec);
}

accel_status accel_audio_features(accel_ctx *ctx, const accel_audio_params *p, accel_dtype dtype,
                                  const void *samples, size_t n_samples, float *out, size_t out_len,
                                  accel_run_record *rec)
{
    FORWARD_IF_ERROR(accel_audio_params_check(p));
    size_t need = shape_len(p, n_samples);
    RETURN_ERROR_IF(out_len < need, ACCEL_ERR_INVALID_ARG,
                    "audio features: output holds %zu floats, %s of %zu samples needs %zu "
                    "(see accel_audio_shape)", out_len, op_label(p), n_samples, need);
    return accel_audio_features_batch(ctx, p, dtype, &samples, &n_samples, 1, &out, rec);
}
