/* call.c — what the CPU and the device runs of one call share about its clips: which samples
 * a run's frames read (the finite-sample check that rides along with them, and its error),
 * whisper's noted least values per stretch of stored frames and fbank's column sums per block
 * (accel__audio_call_notes, used by the post pass in ops.c). */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint32_t f32_bits(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static float bits_f32(uint32_t u)
{
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static accel_status call_colsums(audio_call *c)
{
    const audio_plan *pl = c->plan;
    c->gsum = calloc(c->n_clips ? c->n_clips : 1, sizeof *c->gsum);
    c->gok = calloc(c->n_clips ? c->n_clips : 1, sizeof *c->gok);
    RETURN_ERROR_IF(!c->gsum || !c->gok, ACCEL_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < c->n_clips; i++) {
        const audio_clip *cl = &c->clips[i];
        int64_t stored = cl->f_store - cl->f_origin;
        size_t nb = stored > 0 ? (size_t)((stored + AUDIO_COLSUM_BLOCK - 1) / AUDIO_COLSUM_BLOCK) : 0;
        c->gsum[i] = malloc((nb ? nb : 1) * (size_t)pl->n_out * sizeof **c->gsum);
        c->gok[i] = calloc(nb ? nb : 1, 1);
        RETURN_ERROR_IF(!c->gsum[i] || !c->gok[i], ACCEL_ERR_NO_MEMORY, "out of memory for fbank's column sums");
    }
    return ACCEL_OK;
}

accel_status accel__audio_call_notes(audio_call *c)
{
    const audio_plan *pl = c->plan;
    if (pl->p.kind == ACCEL_AUDIO_FBANK && pl->p.subtract_mean) return call_colsums(c);
    if (pl->p.kind != ACCEL_AUDIO_WHISPER) return ACCEL_OK;
    c->seg_min = calloc(c->n_clips ? c->n_clips : 1, sizeof *c->seg_min);
    c->n_seg = calloc(c->n_clips ? c->n_clips : 1, sizeof *c->n_seg);
    RETURN_ERROR_IF(!c->seg_min || !c->n_seg, ACCEL_ERR_NO_MEMORY, "out of memory");
    const uint32_t none = f32_bits(INFINITY);
    for (size_t i = 0; i < c->n_clips; i++) {
        const audio_clip *cl = &c->clips[i];
        int64_t stored = cl->f_store - cl->f_origin;
        c->n_seg[i] = stored > 0 ? (stored + AUDIO_SEGMENT - 1) / AUDIO_SEGMENT : 0;
        size_t k = (size_t)pl->n_out * (size_t)c->n_seg[i];
        c->seg_min[i] = malloc((k ? k : 1) * sizeof **c->seg_min);
        RETURN_ERROR_IF(!c->seg_min[i], ACCEL_ERR_NO_MEMORY, "out of memory for whisper's stretch minima");
        for (size_t j = 0; j < k; j++) c->seg_min[i][j] = none;
    }
    return ACCEL_OK;
}

void accel__audio_note_min(uint32_t *slot, float v)
{
    uint32_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
    while (v < bits_f32(cur) &&
           !__atomic_compare_exchange_n(slot, &cur, f32_bits(v), 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

void accel__audio_whisper_put(audio_call *c, size_t ci, int64_t f0, int nf, float *v, ptrdiff_t ks, ptrdiff_t fs)
{
    if (!c->seg_min) return;
    const audio_clip *cl = &c->clips[ci];
    int n_out = c->plan->n_out;
    int64_t end = f0 + nf < cl->f_store ? f0 + nf : cl->f_store;
    for (int j = 0; j < nf; j++)
        for (int k = 0; k < n_out; k++) {
            float *p = v + k * ks + j * fs;
            *p = (*p + 4.0f) * 0.25f;
        }
    for (int64_t a = f0; a < end;) {
        int64_t seg = (a - cl->f_origin) / AUDIO_SEGMENT;
        int64_t b = cl->f_origin + (seg + 1) * AUDIO_SEGMENT;
        if (b > end) b = end;
        uint32_t *row = c->seg_min[ci] + seg;
        int64_t n = b - a;
        for (int k = 0; k < n_out; k++) {
            const float *p = v + k * ks + (a - f0) * fs;
            float m = INFINITY;
            for (int64_t j = 0; j < n; j++) m = p[j * fs] < m ? p[j * fs] : m;
            accel__audio_note_min(row + (int64_t)k * c->n_seg[ci], m);
        }
        a = b;
    }
}

void accel__audio_frames_span(const audio_plan *pl, const audio_signal *sig, int64_t fa, int64_t fb,
                              int64_t *a, int64_t *b)
{
    int64_t s = fa * pl->hop - pl->pad_left;
    int64_t e = (fb - 1) * pl->hop - pl->pad_left + pl->win, next = fb * pl->hop - pl->pad_left;
    if (next > e) e = next;
    int64_t lo = sig->base, hi = sig->base + sig->len;
    *a = s > lo ? s : lo;
    *b = e < hi ? e : hi;
    if (*b < *a) *b = *a;
}

int accel__audio_frames_nonfinite(const audio_plan *pl, const audio_signal *sig, int64_t fa, int64_t fb)
{
    if (sig->x16) return 0; /* 16-bit samples are all finite */
    int64_t a, b;
    accel__audio_frames_span(pl, sig, fa, fb, &a, &b);
    size_t n = (size_t)(b - a);
    return accel__audio_first_nonfinite(sig->x + (a - sig->base), n) < n;
}

accel_status accel__audio_nonfinite_error(const audio_call *c, size_t ci)
{
    const audio_signal *sig = &c->clips[ci].sig;
    size_t bad = sig->x16 ? (size_t)sig->len : accel__audio_first_nonfinite(sig->x, (size_t)sig->len);
    if (bad == (size_t)sig->len) /* cannot be: a run saw one */
        return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "audio features: clip %zu has a sample that is not finite", ci);
    return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "audio features: clip %zu, sample %lld is %s (samples must be finite)",
                       ci, (long long)(sig->base + (int64_t)bad), accel__audio_nonfinite_name(sig->x[bad]));
}
