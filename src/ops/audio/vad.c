/* vad.c — energy-based voice activity detection and chunking of long inputs.
 *
 * One pass over the source keeps only the frame energies (4 bytes per 10 ms: 4 MB for three
 * hours), so any length fits. The threshold adapts to the recording: speech must be
 * margin_db above the noise floor (10th percentile of frame energies) — or, for a recording
 * with little dynamics (no pauses: everything is "loud"), within 6 dB of its loud level (95th
 * percentile) — and above an absolute floor. Chunks tile the input and are cut in pauses, so
 * a model that takes fixed-length windows never sees a word cut in two where a pause exists
 * nearby. */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

accel_status accel_audio_vad_params_default(accel_audio_vad_params *vp)
{
    RETURN_ERROR_IF(!vp, ACCEL_ERR_INVALID_ARG, "accel_audio_vad_params_default: NULL");
    accel_audio_vad_params d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.frame_ms = 10.0;
    d.margin_db = 12.0;
    d.min_level_dbfs = -55.0;
    d.min_speech_ms = 150.0;
    d.min_silence_ms = 300.0;
    d.pad_ms = 100.0;
    d.chunk_s = 0.0;
    d.op = NULL;
    size_t sz = vp->struct_size && vp->struct_size < sizeof d ? vp->struct_size : sizeof d;
    memcpy(vp, &d, sz);
    vp->struct_size = sz;
    return ACCEL_OK;
}

static accel_status check(const accel_audio_vad_params *vp)
{
    RETURN_ERROR_IF(!vp || vp->struct_size < sizeof *vp, ACCEL_ERR_INVALID_ARG,
                    "VAD params: NULL or struct_size too small (fill them with accel_audio_vad_params_default)");
    RETURN_ERROR_IF(!(vp->frame_ms >= 1 && vp->frame_ms <= 1000), ACCEL_ERR_INVALID_ARG,
                    "VAD params: frame_ms %g (allowed: 1..1000)", vp->frame_ms);
    RETURN_ERROR_IF(!(vp->margin_db >= 0) || !(vp->min_speech_ms >= 0) || !(vp->min_silence_ms >= 0) ||
                        !(vp->pad_ms >= 0) || !(vp->chunk_s >= 0) || !isfinite(vp->min_level_dbfs),
                    ACCEL_ERR_INVALID_ARG,
                    "VAD params: margin_db, min_speech_ms, min_silence_ms, pad_ms and chunk_s must be >= 0");
    return ACCEL_OK;
}

typedef struct track {
    float *db;      /* energy per frame, dBFS */
    size_t n, cap;
    int frame;      /* samples per frame */
    int rate;
    int64_t samples;
    float thr;
} track;

static accel_status push(track *t, float v)
{
    if (t->n == t->cap) {
        size_t c = t->cap ? t->cap * 2 : 4096;
        float *d = realloc(t->db, c * sizeof *d);
        RETURN_ERROR_IF(!d, ACCEL_ERR_NO_MEMORY, "out of memory for the energy track");
        t->db = d;
        t->cap = c;
    }
    t->db[t->n++] = v;
    return ACCEL_OK;
}

static float to_db(double sum_sq, int n) { return (float)(10.0 * log10(sum_sq / (n > 0 ? n : 1) + 1e-12)); }

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Reads the source and fills the energy track and the threshold. */
static accel_status energies(const accel_audio_vad_params *vp, accel_audio_source *src, track *t)
{
    memset(t, 0, sizeof *t);
    accel_audio_info info = {.struct_size = sizeof info};
    FORWARD_IF_ERROR(accel_audio_source_info(src, &info));
    t->rate = info.rate;
    t->frame = (int)(vp->frame_ms * info.rate / 1000.0 + 0.5);
    if (t->frame < 1) t->frame = 1;
    enum { B = 65536 };
    float *buf = malloc(B * sizeof *buf);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory");
    double acc = 0;
    int in_frame = 0;
    accel_status st = ACCEL_OK;
    for (;;) {
        size_t got = 0;
        st = accel_audio_read(src, buf, B, &got);
        if (st != ACCEL_OK || got == 0) break;
        t->samples += (int64_t)got;
        for (size_t i = 0; i < got && st == ACCEL_OK; i++) {
            acc += (double)buf[i] * buf[i];
            if (++in_frame == t->frame) {
                st = push(t, to_db(acc, in_frame));
                acc = 0;
                in_frame = 0;
            }
        }
        if (st != ACCEL_OK) break;
    }
    free(buf);
    if (st == ACCEL_OK && in_frame > 0) st = push(t, to_db(acc, in_frame));
    if (st != ACCEL_OK) {
        free(t->db);
        t->db = NULL;
        return st;
    }
    t->thr = INFINITY;
    if (t->n) {
        float *s = malloc(t->n * sizeof *s);
        if (!s) {
            free(t->db);
            t->db = NULL;
            return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        }
        memcpy(s, t->db, t->n * sizeof *s);
        qsort(s, t->n, sizeof *s, cmp_float);
        float p10 = s[(t->n - 1) / 10], p95 = s[(t->n - 1) * 95 / 100];
        free(s);
        float rel = fminf(p10 + (float)vp->margin_db, p95 - 6.0f);
        t->thr = fmaxf((float)vp->min_level_dbfs, rel);
    }
    return ACCEL_OK;
}

typedef struct seglist {
    accel_audio_segment *v;
    size_t n, cap;
} seglist;

static accel_status seg_add(seglist *l, double a, double b)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 64;
        accel_audio_segment *v = realloc(l->v, c * sizeof *v);
        RETURN_ERROR_IF(!v, ACCEL_ERR_NO_MEMORY, "out of memory for segments");
        l->v = v;
        l->cap = c;
    }
    l->v[l->n].start_s = a;
    l->v[l->n].end_s = b;
    l->n++;
    return ACCEL_OK;
}

/* Speech segments in frames: runs above the threshold, short pauses bridged, short bursts
 * dropped, padded, merged. */
static accel_status speech(const accel_audio_vad_params *vp, const track *t, seglist *out)
{
    double fs = (double)t->frame / t->rate; /* seconds per frame */
    size_t bridge = (size_t)(vp->min_silence_ms / 1000.0 / fs + 0.5);
    double dur = (double)t->samples / t->rate;
    seglist raw = {0};
    accel_status st = ACCEL_OK;
    for (size_t i = 0; i < t->n && st == ACCEL_OK;) {
        if (t->db[i] < t->thr) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < t->n && t->db[j] >= t->thr) j++;
        if (raw.n && (double)i - raw.v[raw.n - 1].end_s < (double)bridge)
            raw.v[raw.n - 1].end_s = (double)j; /* bridge a short pause */
        else
            st = seg_add(&raw, (double)i, (double)j);
        i = j;
    }
    for (size_t k = 0; k < raw.n && st == ACCEL_OK; k++) {
        double a = raw.v[k].start_s * fs, b = raw.v[k].end_s * fs;
        if (b > dur) b = dur;
        if ((b - a) * 1000.0 < vp->min_speech_ms) continue;
        a -= vp->pad_ms / 1000.0;
        b += vp->pad_ms / 1000.0;
        if (a < 0) a = 0;
        if (b > dur) b = dur;
        if (out->n && a <= out->v[out->n - 1].end_s)
            out->v[out->n - 1].end_s = b;
        else
            st = seg_add(out, a, b);
    }
    free(raw.v);
    return st;
}

static accel_status finish(seglist *l, accel_status st, accel_audio_segment **segs, size_t *n)
{
    if (st != ACCEL_OK) {
        free(l->v);
        return st;
    }
    *segs = l->v;
    *n = l->n;
    return ACCEL_OK;
}

accel_status accel_audio_vad(accel_ctx *ctx, const accel_audio_vad_params *vp, accel_audio_source *src,
                             accel_audio_segment **segs, size_t *n_segs)
{
    (void)ctx;
    RETURN_ERROR_IF(!src || !segs || !n_segs, ACCEL_ERR_INVALID_ARG, "accel_audio_vad: NULL argument");
    *segs = NULL;
    *n_segs = 0;
    FORWARD_IF_ERROR(check(vp));
    track t;
    FORWARD_IF_ERROR(energies(vp, src, &t));
    seglist l = {0};
    accel_status st = speech(vp, &t, &l);
    free(t.db);
    return finish(&l, st, segs, n_segs);
}

accel_status accel_audio_chunk(accel_ctx *ctx, const accel_audio_vad_params *vp, accel_audio_source *src,
                               accel_audio_segment **segs, size_t *n_segs)
{
    RETURN_ERROR_IF(!src || !segs || !n_segs, ACCEL_ERR_INVALID_ARG, "accel_audio_chunk: NULL argument");
    *segs = NULL;
    *n_segs = 0;
    FORWARD_IF_ERROR(check(vp));
    /* cuts fall on frame boundaries: a target shorter than a frame cannot be honoured, and
     * 1e-9 s once made billions of chunks until the process was killed for memory */
    RETURN_ERROR_IF(vp->chunk_s > 0 && vp->chunk_s < vp->frame_ms / 1000.0, ACCEL_ERR_INVALID_ARG,
                    "VAD params: chunk_s %g s is shorter than one frame of the detector (allowed: "
                    "0 for the planned length, or at least frame_ms = %g s)",
                    vp->chunk_s, vp->frame_ms / 1000.0);
    /* ACCEL_CHUNK_SECONDS stands in for a chunk_s of 0, and the same floor holds for it: 1e-6
     * through the setting made two million chunks of 0.000 s from 2 s of audio, 1e-9 billions */
    double setting = ctx && !(vp->chunk_s > 0) ? accel__cfg_double(ctx, ACCEL__CFG_CHUNK_SECONDS) : -1;
    RETURN_ERROR_IF(setting > 0 && setting < vp->frame_ms / 1000.0, ACCEL_ERR_CONFIG,
                    "ACCEL_CHUNK_SECONDS=%s (from %s): shorter than one frame of the detector, "
                    "where VAD chunks are cut (allowed: at least frame_ms = %g s)",
                    accel__cfg_str(ctx, ACCEL__CFG_CHUNK_SECONDS),
                    accel__cfg_source(ctx, ACCEL__CFG_CHUNK_SECONDS), vp->frame_ms / 1000.0);
    if (vp->op && ctx) {
        /* an operation no one has is said before the audio is read (and when chunk_s leaves
         * nothing to plan), in the planner's words: a plan of one second asked for */
        accel_plan probe;
        memset(&probe, 0, sizeof probe);
        probe.struct_size = sizeof probe;
        accel_status pst = accel_plan_chunk(ctx, vp->op, 1.0, 16000, -1, &probe);
        if (pst == ACCEL_ERR_NOT_FOUND) return pst;
    }
    track t;
    FORWARD_IF_ERROR(energies(vp, src, &t));
    double dur = (double)t.samples / (t.rate > 0 ? t.rate : 1);
    double target = vp->chunk_s;
    accel_status st = ACCEL_OK;
    if (!(target > 0))
        st = accel__audio_chunk_seconds(ctx, vp->op ? vp->op : "whisper", dur, t.rate, 30.0, &target);
    seglist sp = {0}, out = {0};
    if (st == ACCEL_OK) st = speech(vp, &t, &sp);
    double fs = (double)t.frame / t.rate;
    /* a planned length is never below one frame either (a device with almost no memory) */
    if (target < fs) target = fs;
    double pos = 0;
    size_t k = 0; /* first speech segment that may end after pos */
    while (st == ACCEL_OK && dur - pos > target) {
        double lo = pos + target / 2, hi = pos + target, cut = -1;
        /* pauses are the gaps between speech segments (and before the first, after the last) */
        while (k < sp.n && sp.v[k].end_s <= pos) k++;
        double best_end = -1;
        for (size_t i = k; i <= sp.n; i++) {
            double ga = i == 0 ? 0.0 : sp.v[i - 1].end_s;
            double gb = i == sp.n ? dur : sp.v[i].start_s;
            if (ga >= hi) break;
            double a = ga > lo ? ga : lo, b = gb < hi ? gb : hi;
            if (b > a && b >= best_end) {
                best_end = b;
                cut = (a + b) / 2;
            }
        }
        if (cut < 0) { /* no pause: the quietest frame of the second half */
            size_t fa = (size_t)(lo / fs), fb = (size_t)(hi / fs);
            if (fb > t.n) fb = t.n;
            size_t bi = fa;
            for (size_t f = fa; f < fb; f++)
                if (t.db[f] <= t.db[bi]) bi = f;
            cut = (double)bi * fs;
            if (cut <= pos) cut = hi;
        }
        st = seg_add(&out, pos, cut);
        pos = cut;
    }
    if (st == ACCEL_OK && dur > pos) st = seg_add(&out, pos, dur);
    free(sp.v);
    free(t.db);
    return finish(&out, st, segs, n_segs);
}
