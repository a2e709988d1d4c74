/* ops.c — the operations "whisper", "vggish" and "fbank" for the executor: items are frames
 * (over all clips of a call), the CPU path runs the lane kernel on threads, the post pass
 * (whole-clip statistics) runs on the host after the frames are done. */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

accel_status accel__audio_call_init(audio_call *c, const audio_plan *pl, audio_clip *clips, size_t n)
{
    memset(c, 0, sizeof *c);
    c->plan = pl;
    c->clips = clips;
    c->n_clips = n;
    c->prefix = malloc((n + 1) * sizeof *c->prefix);
    RETURN_ERROR_IF(!c->prefix, ACCEL_ERR_NO_MEMORY, "out of memory");
    c->prefix[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t k = clips[i].f_end - clips[i].f_begin;
        c->prefix[i + 1] = c->prefix[i] + (size_t)(k > 0 ? k : 0);
        clips[i].max = -INFINITY;
    }
    pthread_mutex_init(&c->lock, NULL);
    return ACCEL_OK;
}

void accel__audio_call_free(audio_call *c)
{
    if (c->prefix) pthread_mutex_destroy(&c->lock);
    free(c->prefix);
    c->prefix = NULL;
    for (size_t i = 0; c->seg_min && i < c->n_clips; i++) free(c->seg_min[i]);
    free(c->seg_min);
    free(c->n_seg);
    c->seg_min = NULL;
    c->n_seg = NULL;
    for (size_t i = 0; c->gsum && i < c->n_clips; i++) free(c->gsum[i]);
    for (size_t i = 0; c->gok && i < c->n_clips; i++) free(c->gok[i]);
    free(c->gsum);
    free(c->gok);
    c->gsum = NULL;
    c->gok = NULL;
}

/* Band-major outputs (whisper: value k of every frame contiguous) go out a tile at a time:
 * AUDIO_TILE frames' values gathered from the kernel's batches, then each value's run of
 * frames written in one piece; one batch at a time they got a 64-byte write into each of n_out
 * rows far apart, which cost more than computing the batch (measured: 128 frames per tile
 * halved that cost, 512 halved it again). A tile spans at most TILE_SEGS of whisper's
 * stretches. Frame-major outputs (vggish, fbank) are written a batch at a time: each frame's
 * values are one contiguous run already, gathered from the batch's few kilobytes. */
#define AUDIO_TILE (32 * AUDIO_LANES)
#define TILE_SEGS (AUDIO_TILE / AUDIO_SEGMENT + 1)

/* Stores tile[k][j] (row stride `ts`: AUDIO_TILE for a tile, AUDIO_LANES for one batch's
 * vals) of frames f0 … f0+nf−1 at their places in the clip's output; runs of frames through
 * nt->put_nt when nt is not NULL (outputs larger than a cache). */
static void store(const audio_plan *pl, audio_clip *cl, int64_t f0, int nf, const float *tile, size_t ts,
                  const audio_isa *nt)
{
    const audio_layout *y = &cl->lay;
    int n_out = pl->n_out;
    int64_t last = f0 + nf - 1;
    if (last >= cl->f_store) nf = (int)(cl->f_store - f0);
    if (nf <= 0) return;
    f0 -= cl->f_origin;
    last = f0 + nf - 1;
    int64_t w0 = f0 / y->wf, w1 = last / y->wf;
    if (w0 == w1) {
        float *base = cl->out + w0 * y->ws + (f0 - w0 * y->wf) * y->fs;
        if (y->fs == 1 && nt) {
            nt->put_nt(base, (ptrdiff_t)y->ks, tile, (ptrdiff_t)ts, n_out, (size_t)nf);
        } else if (y->fs == 1) {
            for (int k = 0; k < n_out; k++) memcpy(base + k * y->ks, tile + (size_t)k * ts, (size_t)nf * sizeof(float));
        } else {
            for (int l = 0; l < nf; l++) {
                float *o = base + l * y->fs;
                for (int k = 0; k < n_out; k++) o[k * y->ks] = tile[(size_t)k * ts + l];
            }
        }
        return;
    }
    for (int l = 0; l < nf; l++) {
        int64_t f = f0 + l, w = f / y->wf;
        float *o = cl->out + w * y->ws + (f - w * y->wf) * y->fs;
        for (int k = 0; k < n_out; k++) o[k * y->ks] = tile[(size_t)k * ts + l];
    }
}

/* The kernel's vals[k][lane] of one batch into columns j … j+AUDIO_LANES−1 of the tile. */
static void to_tile(int n_out, const float *vals, float *tile, int j)
{
    for (int k = 0; k < n_out; k++)
        memcpy(tile + (size_t)k * AUDIO_TILE + j, vals + (size_t)k * AUDIO_LANES, AUDIO_LANES * sizeof(float));
}

/* whisper noting its stretch minima: the build's tile_whisper() writes (v + 4) / 4 into the
 * tile and keeps, per value, four running minima over the stretch (`least`, a stride of
 * TILE_SEGS per value: a batch never crosses a stretch), so that no loop is one chain of
 * dependent scalar minima. */
typedef float audio_v4 __attribute__((vector_size(16)));

static float least_of(audio_v4 m)
{
    float r = m[0];
    for (int i = 1; i < 4; i++) r = m[i] < r ? m[i] : r;
    return r;
}

/* A frame-major batch (frames f0 … f0+nf−1, all stored, one window, values contiguous) through
 * the build's rows(), its values added to `sums` when not NULL; with `stage` (outputs larger
 * than a cache, frames contiguous) turned there and written out in one run of non-temporal
 * stores. 0 when the layout needs store(). */
static int store_rows(const audio_isa *isa, const audio_plan *pl, audio_clip *cl, int64_t f0, int nf,
                      const float *vals, double *sums, float *stage)
{
    const audio_layout *y = &cl->lay;
    int64_t r = f0 - cl->f_origin;
    if (y->ks != 1 || f0 + nf > cl->f_store || r / y->wf != (r + nf - 1) / y->wf) return 0;
    int64_t w = r / y->wf;
    float *dst = cl->out + w * y->ws + (r - w * y->wf) * y->fs;
    if (stage && y->fs == pl->n_out) {
        isa->rows(vals, pl->n_out, nf, stage, pl->n_out, sums);
        isa->put_nt(dst, 0, stage, 0, 1, (size_t)nf * (size_t)pl->n_out);
    } else {
        isa->rows(vals, pl->n_out, nf, dst, (ptrdiff_t)y->fs, sums);
    }
    return 1;
}

typedef struct cpu_task {
    audio_call *call;
    const audio_isa *isa; /* the build for the CPU device's SIMD level */
    size_t begin;
    accel_status st;
    size_t bad_clip; /* the first clip seen holding a non-finite sample; SIZE_MAX: none */
} cpu_task;

/* The largest of the batch's values (vals[k · AUDIO_LANES + l], frames l < nf), NaN left out. */
static float vals_max(const float *vals, int n_out, int nf)
{
    float mx = -INFINITY;
    for (int k = 0; k < n_out; k++)
        for (int l = 0; l < nf; l++) mx = vals[(size_t)k * AUDIO_LANES + (size_t)l] > mx ? vals[(size_t)k * AUDIO_LANES + (size_t)l] : mx;
    return mx;
}

static void cpu_part(void *arg, size_t b, size_t e)
{
    cpu_task *t = arg;
    audio_call *c = t->call;
    const audio_plan *pl = c->plan;
    size_t sfl = (AUDIO_SCRATCH_FLOATS(pl) + 15) & ~(size_t)15;
    size_t vfl = (size_t)pl->n_out * AUDIO_LANES;
    size_t bytes = (sfl + vfl + (size_t)pl->n_out * (AUDIO_TILE + 4 * TILE_SEGS)) * sizeof(float);
    /* the thread's own, kept across calls: a stream's chunks reuse its pages */
    float *scratch = accel__thread_scratch(ACCEL__SCRATCH_AUDIO, bytes);
    if (!scratch) {
        t->st = ACCEL_ERR_NO_MEMORY;
        return;
    }
    float *vals = scratch + sfl, *tile = vals + vfl;
    double *gs = c->gsum ? malloc((size_t)pl->n_out * sizeof *gs) : NULL; /* the open block's sums */
    if (c->gsum && !gs) {
        t->st = ACCEL_ERR_NO_MEMORY;
        return;
    }
    audio_v4 *least = (audio_v4 *)(tile + (size_t)pl->n_out * AUDIO_TILE), none = (audio_v4){0} + INFINITY;
    const int noted = c->seg_min != NULL;
    const audio_isa *ntb = c->nt_out && t->isa->put_nt ? t->isa : NULL; /* non-temporal stores */
    size_t item = t->begin + b, stop = t->begin + e;
    /* the clip holding `item` */
    size_t lo = 0, hi = c->n_clips;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->prefix[mid] <= item) lo = mid;
        else hi = mid;
    }
    for (size_t ci = lo; ci < c->n_clips && item < stop; ci++) {
        audio_clip *cl = &c->clips[ci];
        size_t cend = c->prefix[ci + 1] < stop ? c->prefix[ci + 1] : stop;
        if (item >= cend) continue;
        float mx = -INFINITY;
        int64_t f = cl->f_begin + (int64_t)(item - c->prefix[ci]);
        int64_t fe = cl->f_begin + (int64_t)(cend - c->prefix[ci]);
        const int tiled = cl->lay.fs == 1;
        int64_t ft = f; /* the tile's first frame */
        int nt = 0;     /* frames in the tile */
        for (size_t k = 0; noted && k < (size_t)pl->n_out * TILE_SEGS; k++) least[k] = none;
        int g_open = 0; /* gs holds the sums of the block from its first frame on */
        while (f < fe) {
            /* batches start at multiples of AUDIO_LANES from the clip's first stored frame,
             * so that tiles fall within stretches (a lane's values do not depend on its
             * batch) */
            int64_t rel = f - cl->f_origin;
            int nf = AUDIO_LANES - (int)(rel % AUDIO_LANES);
            if (fe - f < nf) nf = (int)(fe - f);
            /* the samples must be finite: where the frames' windows cover every sample of the
             * batch's span (hop ≤ window), the kernel tells a batch whose sums are not finite
             * and only that batch's samples are scanned; otherwise all are, before */
            if (c->check && pl->hop > pl->win && accel__audio_frames_nonfinite(pl, &cl->sig, f, f + nf)) {
                pthread_mutex_lock(&c->lock);
                if (ci < t->bad_clip) t->bad_clip = ci;
                pthread_mutex_unlock(&c->lock);
                break;
            }
            float bm = t->isa->kernel(pl, &cl->sig, f, nf, scratch, vals);
            if (bm != bm) {
                if (c->check && accel__audio_frames_nonfinite(pl, &cl->sig, f, f + nf)) {
                    pthread_mutex_lock(&c->lock);
                    if (ci < t->bad_clip) t->bad_clip = ci;
                    pthread_mutex_unlock(&c->lock);
                    break;
                }
                bm = pl->logkind == AUDIO_LOG_WHISPER ? vals_max(vals, pl->n_out, nf) : -INFINITY; /* an overflow */
            }
            mx = bm > mx ? bm : mx;
            if (!tiled) {
                int64_t blk = rel / AUDIO_COLSUM_BLOCK;
                if (gs && rel % AUDIO_COLSUM_BLOCK == 0) {
                    for (int k = 0; k < pl->n_out; k++) gs[k] = 0.0;
                    g_open = 1;
                }
                if (!store_rows(t->isa, pl, cl, f, nf, vals, g_open ? gs : NULL, ntb ? tile : NULL)) {
                    store(pl, cl, f, nf, vals, AUDIO_LANES, NULL);
                    g_open = 0;
                }
                f += nf;
                int64_t bend = cl->f_origin + (blk + 1) * AUDIO_COLSUM_BLOCK;
                if (g_open && (f == bend || f == cl->f_store)) { /* the block is whole */
                    memcpy(c->gsum[ci] + blk * pl->n_out, gs, (size_t)pl->n_out * sizeof *gs);
                    c->gok[ci][blk] = 1;
                    g_open = 0;
                }
                continue;
            }
            if (noted) {
                int64_t ns = cl->f_store - f;
                size_t sub = (size_t)((f - cl->f_origin) / AUDIO_SEGMENT - (ft - cl->f_origin) / AUDIO_SEGMENT);
                t->isa->tile_whisper(pl->n_out, vals, tile + nt, AUDIO_TILE, (float *)(least + sub),
                                     4 * TILE_SEGS, ns < 0 ? 0 : ns < nf ? (int)ns : nf);
            } else {
                to_tile(pl->n_out, vals, tile, nt);
            }
            nt += nf;
            f += nf;
            if (nt + AUDIO_LANES > AUDIO_TILE || f >= fe || (f - cl->f_origin) % AUDIO_TILE == 0) {
                if (noted && ft < cl->f_store) {
                    int64_t s0 = (ft - cl->f_origin) / AUDIO_SEGMENT;
                    int64_t s1 = ((f < cl->f_store ? f : cl->f_store) - 1 - cl->f_origin) / AUDIO_SEGMENT;
                    for (int k = 0; k < pl->n_out; k++) {
                        uint32_t *row = c->seg_min[ci] + (int64_t)k * c->n_seg[ci];
                        for (int64_t g = s0; g <= s1; g++) {
                            audio_v4 *l = &least[(size_t)k * TILE_SEGS + (size_t)(g - s0)];
                            accel__audio_note_min(row + g, least_of(*l));
                            *l = none;
                        }
                    }
                }
                store(pl, cl, ft, nt, tile, AUDIO_TILE, ntb);
                ft = f;
                nt = 0;
            }
        }
        if (pl->logkind == AUDIO_LOG_WHISPER) {
            pthread_mutex_lock(&c->lock);
            if (mx > cl->max) cl->max = mx;
            pthread_mutex_unlock(&c->lock);
        }
        item = cend;
    }
    free(gs);
}

accel_status accel__audio_run_cpu(accel__device *dev, void *call, size_t begin, size_t end)
{
    audio_call *c = call;
    if (end <= begin) return ACCEL_OK;
    /* the level ACCEL_CPU_SIMD chose (or the best one) applies to the audio kernels as it
     * does to every CPU kernel */
    cpu_task t = {c, accel__audio_isa_for(accel__cpu_simd(dev)), begin, ACCEL_OK, SIZE_MAX};
    accel__audio_parallel(dev ? accel__device_ctx(dev) : NULL, end - begin, 4 * AUDIO_LANES, cpu_part, &t);
    if (t.bad_clip != SIZE_MAX) return accel__audio_nonfinite_error(c, t.bad_clip);
    RETURN_ERROR_IF(t.st != ACCEL_OK, t.st, "%s: out of memory for frame work space", c->plan->p.kind == ACCEL_AUDIO_WHISPER ? "whisper" : "audio");
    return ACCEL_OK;
}

/* ---- post pass ---- */

typedef struct post_task {
    const audio_plan *pl;
    const audio_frames *fr;
    const audio_layout *lay;
    float *out;
    float floor_v, zero_v;
    double *col_mean;
    const uint32_t *seg_min;
    int64_t n_seg;
} post_task;

/* Whisper after runs that stored (v + 4) / 4: max((v + 4)/4, (floor + 4)/4) is
 * (max(v, floor) + 4)/4 exactly (rounding is monotonic), so only the stretches whose least
 * value is under the raised floor are read. */
static void whisper_raise_noted(const post_task *t, size_t k, int64_t nc)
{
    const audio_layout *y = t->lay;
    float fu = (t->floor_v + 4.0f) / 4.0f;
    const uint32_t *mins = t->seg_min + (int64_t)k * t->n_seg;
    for (int64_t s = 0; s < t->n_seg; s++) {
        float m;
        memcpy(&m, &mins[s], sizeof m);
        if (!(m < fu)) continue;
        int64_t a = s * AUDIO_SEGMENT, b = a + AUDIO_SEGMENT < nc ? a + AUDIO_SEGMENT : nc;
        while (a < b) { /* pieces within one window */
            int64_t w = a / y->wf, e = (w + 1) * y->wf < b ? (w + 1) * y->wf : b;
            float *row = t->out + w * y->ws + (int64_t)k * y->ks + (a - w * y->wf);
            for (int64_t f = 0; f < e - a; f++) row[f] = row[f] > fu ? row[f] : fu;
            a = e;
        }
    }
}

/* Whisper: rows (mel bands) in parallel. The computed frames floored and scaled (only the
 * stretches under the floor when the runs noted them), then the frames of appended zeros
 * and the last window's padding. */
static void whisper_rows(void *arg, size_t b, size_t e)
{
    post_task *t = arg;
    const audio_frames *fr = t->fr;
    const audio_layout *y = t->lay;
    float fl = t->floor_v;
    int64_t nc = fr->computed < fr->stored ? fr->computed : fr->stored;
    for (size_t k = b; k < e; k++) {
        if (t->seg_min) {
            whisper_raise_noted(t, k, nc);
        } else if (!t->pl->p.windows) {
            float *row = t->out + (int64_t)k * y->ks;
            for (int64_t f = 0; f < nc; f++) {
                float v = row[f] > fl ? row[f] : fl;
                row[f] = (v + 4.0f) / 4.0f;
            }
        } else {
            for (int64_t w = 0; w < fr->windows; w++) {
                float *row = t->out + w * y->ws + (int64_t)k * y->ks;
                int64_t n = fr->stored - w * y->wf;
                if (n > y->wf) n = y->wf;
                for (int64_t f = 0; f < n; f++) {
                    float v = row[f] > fl ? row[f] : fl;
                    row[f] = (v + 4.0f) / 4.0f;
                }
            }
        }
        if (!t->pl->p.windows) {
            float *row = t->out + (int64_t)k * y->ks;
            for (int64_t f = nc; f < fr->stored; f++) row[f] = t->zero_v;
        } else {
            for (int64_t w = 0; w < fr->windows; w++) {
                float *row = t->out + w * y->ws + (int64_t)k * y->ks;
                int64_t n = fr->stored - w * y->wf;
                if (n > y->wf) n = y->wf;
                for (int64_t f = n < 0 ? 0 : n; f < y->wf; f++) row[f] = 0.0f; /* pad_or_trim's zeros */
            }
        }
    }
}

/* fbank: frames in parallel, after the column means are known. */
static void fbank_sub(void *arg, size_t b, size_t e)
{
    post_task *t = arg;
    int n_out = t->pl->n_out;
    for (size_t f = b; f < e; f++) {
        float *row = t->out + f * (size_t)n_out;
        for (int k = 0; k < n_out; k++) row[k] = (float)(row[k] - t->col_mean[k]);
    }
}

/* ---- column sums (fbank mean normalisation) ---- */

accel_status accel__audio_colsum_init(audio_colsum *c, int n)
{
    c->n = n;
    c->frames = 0;
    c->total = calloc((size_t)n, sizeof *c->total);
    c->part = calloc((size_t)n, sizeof *c->part);
    if (!c->total || !c->part) {
        accel__audio_colsum_free(c);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for column sums");
    }
    return ACCEL_OK;
}

void accel__audio_colsum_add(audio_colsum *c, const float *rows, int64_t n_rows)
{
    for (int64_t f = 0; f < n_rows; f++) {
        const float *r = rows + f * c->n;
        for (int k = 0; k < c->n; k++) c->part[k] += r[k];
        if (++c->frames % AUDIO_COLSUM_BLOCK == 0)
            for (int k = 0; k < c->n; k++) {
                c->total[k] += c->part[k];
                c->part[k] = 0;
            }
    }
}

void accel__audio_colsum_mean(audio_colsum *c)
{
    for (int k = 0; k < c->n; k++) {
        c->total[k] += c->part[k];
        c->part[k] = 0;
        c->total[k] /= (double)(c->frames ? c->frames : 1);
    }
}

void accel__audio_colsum_free(audio_colsum *c)
{
    free(c->total);
    free(c->part);
    c->total = c->part = NULL;
}

typedef struct colsum_task {
    const float *out;
    int64_t frames;
    int n;
    double *blocks;           /* per block, per column */
    const double *gsum;       /* noted sums, where gok says so */
    const uint8_t *gok;
} colsum_task;

static void colsum_blocks(void *arg, size_t b, size_t e)
{
    colsum_task *t = arg;
    for (size_t blk = b; blk < e; blk++) {
        double *s = t->blocks + blk * (size_t)t->n;
        if (t->gok && t->gok[blk]) {
            memcpy(s, t->gsum + blk * (size_t)t->n, (size_t)t->n * sizeof *s);
            continue;
        }
        int64_t f0 = (int64_t)blk * AUDIO_COLSUM_BLOCK, f1 = f0 + AUDIO_COLSUM_BLOCK;
        if (f1 > t->frames) f1 = t->frames;
        for (int64_t f = f0; f < f1; f++)
            for (int k = 0; k < t->n; k++) s[k] += t->out[f * t->n + k];
    }
}

float accel__audio_whisper_zero_value(void)
{
    /* log10 of the 1e-10 floor, through the same logarithm as the kernels */
    return accel__audio_ln(1e-10f) * 0.434294481903251828f;
}

accel_status accel__audio_post(accel_ctx *ctx, const audio_plan *pl, int64_t n, float max, float *out,
                               const uint32_t *seg_min, const double *gsum, const uint8_t *gok)
{
    audio_frames fr;
    accel__audio_frames(pl, n, &fr);
    audio_layout lay;
    accel__audio_layout(pl, &fr, &lay);
    post_task t = {pl, &fr, &lay, out, 0, 0, NULL, seg_min, (fr.stored + AUDIO_SEGMENT - 1) / AUDIO_SEGMENT};
    if (pl->p.kind == ACCEL_AUDIO_WHISPER) {
        float z = accel__audio_whisper_zero_value();
        if (fr.computed < fr.total && z > max) max = z;
        if (fr.total == 0) return ACCEL_OK;
        t.floor_v = max - 8.0f;
        float zc = z > t.floor_v ? z : t.floor_v;
        t.zero_v = (zc + 4.0f) / 4.0f;
        accel__audio_parallel(ctx, (size_t)pl->n_mels, 1, whisper_rows, &t);
    } else if (pl->p.kind == ACCEL_AUDIO_FBANK && pl->p.subtract_mean && fr.total > 0) {
        size_t nblk = (size_t)((fr.total + AUDIO_COLSUM_BLOCK - 1) / AUDIO_COLSUM_BLOCK);
        colsum_task ct = {out, fr.total, pl->n_out, calloc(nblk * (size_t)pl->n_out, sizeof(double)), gsum,
                          gsum && fr.stored == fr.total ? gok : NULL};
        audio_colsum cs;
        if (!ct.blocks || accel__audio_colsum_init(&cs, pl->n_out) != ACCEL_OK) {
            free(ct.blocks);
            return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for column means");
        }
        accel__audio_parallel(ctx, nblk, 1, colsum_blocks, &ct);
        for (size_t b = 0; b < nblk; b++)
            for (int k = 0; k < pl->n_out; k++) cs.total[k] += ct.blocks[b * (size_t)pl->n_out + (size_t)k];
        cs.frames = fr.total;
        accel__audio_colsum_mean(&cs);
        t.col_mean = cs.total;
        accel__audio_parallel(ctx, (size_t)fr.total, 256, fbank_sub, &t);
        free(ct.blocks);
        accel__audio_colsum_free(&cs);
    }
    return ACCEL_OK;
}

/* ---- descriptors ---- */

/* every kernel the device path may use (src/kernels/audio.kern) */
static const char *const audio_kernels[] = {"ak_audio_frames_f", "ak_audio_dft_f", "ak_audio_mel_f",
                                            "ak_audio_frames_d", "ak_audio_kaldi_pre", "ak_audio_dft_d",
                                            "ak_audio_mel_d", "ak_audio_logmel_f", "ak_audio_fbank_d", NULL};

static size_t n_items(const void *call)
{
    const audio_call *c = call;
    return c->prefix[c->n_clips];
}

static int64_t bytes_fixed(const void *call)
{
    const audio_plan *pl = ((const audio_call *)call)->plan;
    int64_t b = (int64_t)pl->n_mels * pl->n_bins * 4 + pl->win * 4 + (int64_t)pl->n_fft * 16;
    return b + (1 << 20);
}

static int64_t bytes_per_item(const void *call)
{
    const audio_plan *pl = ((const audio_call *)call)->plan;
    /* hop input samples and the output values on the device; the direct DFT route also keeps
     * one frame's samples and spectrum (double for Kaldi) there, which the FFT route holds in
     * local memory (a device with too little local memory for it takes the DFT route, so this
     * counts low there — the executor's OOM bisection covers that case) */
    int64_t b = (int64_t)pl->hop * 4 + (int64_t)pl->n_out * 4 + 8;
    if (!accel__audio_fft_radices(pl->n_fft)) {
        int64_t e = pl->kaldi_pre ? 8 : 4;
        b += (int64_t)pl->n_fft * e + (int64_t)pl->n_bins * e;
    }
    return b;
}

const accel__op accel__op_whisper = {
    .name = "whisper",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = accel__audio_run_cpu,
    .run_device = accel__audio_run_device,
    .kernels = audio_kernels,
};

const accel__op accel__op_vggish = {
    .name = "vggish",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = accel__audio_run_cpu,
    .run_device = accel__audio_run_device,
    .kernels = audio_kernels,
};

const accel__op accel__op_fbank = {
    .name = "fbank",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = accel__audio_run_cpu,
    .run_device = accel__audio_run_device,
    .kernels = audio_kernels,
};

const accel__op *accel__audio_op(accel_audio_kind kind)
{
    switch (kind) {
    case ACCEL_AUDIO_WHISPER: return &accel__op_whisper;
    case ACCEL_AUDIO_VGGISH: return &accel__op_vggish;
    default: return &accel__op_fbank;
    }
}
