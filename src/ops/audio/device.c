/* device.c — run_device of the audio operations: the kernels of src/kernels/audio.kern
 * through the counting handle of core/devcall.h (buffers, copies, launches), never asking
 * which backend it is. Frames are computed in slices of at most SLICE frames per clip; each slice uploads the
 * samples its frames read, runs one kernel that takes each frame from samples to features
 * (ak_audio_logmel_f, ak_audio_fbank_d: an FFT in local memory) or, for sizes the FFT does
 * not take, frames → (Kaldi pre-processing →) direct DFT → filterbank, and copies the
 * frame-major values back, which the host puts into the output layout (tracking whisper's
 * maximum). Kaldi filterbanks on a GPU run in float (ak_audio_fbank_fd / _f: the frame's mean
 * in float64 / float-float, the rest in float, as the CPU's kaldi_f32) and the kernel flags the
 * frames a float FFT cannot resolve; those are computed again wide in a second launch on the
 * flagged frames alone — in float64 (ak_audio_fbank_d) where the device has it, else in
 * float-float (ak_audio_kaldi_ff, _dft_ff, _mel_kf) — and put over the float rows on the host.
 * A device that computes on the host's CPU cores (PoCL) with float64 runs Kaldi all in float64
 * (ak_audio_fbank_d), faster there. For sizes the FFT kernels do not take, Kaldi runs all in
 * float64 (frames, pre-processing, DFT, filterbank), or all in float-float on a device
 * without float64. The whole-input post pass then runs on the host, as for the CPU path. Any failure returns its
 * status: the executor falls back (and bisects the batch on out-of-memory). Every device call
 * goes through the handle, so `accel bench` reports bytes and kernel time and the planner's
 * calibration sees the memory. */
#include "audio_internal.h"
#include "core/devcall.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SLICE 32768 /* frames per launch set: bounds the device buffers (≈ 30 MB for Kaldi) */

typedef struct dev_tables {
    accel__buffer *window, *cs, *band, *w, *prm; /* window and cs in float, or double (KALDI_DOUBLE) */
    accel__buffer *windowd, *csd;                /* double, for flagged frames (redo_d) */
    accel__buffer *wff, *csff;                   /* float-float (KALDI_FF, or flagged frames) */
} dev_tables;

/* How Kaldi filterbanks run (whisper and vggish: KALDI_NONE). */
typedef enum kaldi_route {
    KALDI_NONE,
    KALDI_FLOAT,  /* FFT sizes, GPUs and devices without float64: ak_audio_fbank_fd or _f, the
                   * flagged frames again in float64 (redo_d) or float-float */
    KALDI_DOUBLE, /* all in float64: ak_audio_fbank_d (FFT sizes, host-CPU devices), or frames_d,
                   * kaldi_pre, dft_d, mel_d (other sizes) */
    KALDI_FF      /* other sizes, no float64: kaldi_ff, dft_ff, mel_kf on every frame */
} kaldi_route;

enum { B_X, B_FRAMES, B_SPEC, B_OUT, B_ENERGY, B_FLAGS, B_LIST, B_OUT2, B_FF_FRAMES, B_FF_SPEC, B_FF_ENERGY, B_N };

typedef struct dev_run {
    accel__devq *q;
    const audio_plan *pl;
    kaldi_route kaldi;
    int redo_d;  /* KALDI_FLOAT: flagged frames in float64 (1) or in float-float (0) */
    int radices; /* FFT stages (accel__audio_fft_radices), 0: the direct DFT route */
    int group;   /* work items per frame of the FFT kernels */
    accel__kernel *k_fft;                            /* the FFT route's one kernel */
    accel__kernel *k_frames, *k_pre, *k_dft, *k_mel; /* the DFT route */
    accel__kernel *k_redo;                           /* ak_audio_fbank_d on a list of frames */
    accel__kernel *k_ff_pre, *k_ff_dft, *k_ff_mel;   /* the float-float chain */
    dev_tables t;
    accel__buffer *bufs[B_N];
    int *flags_host, *list_host; /* SLICE each */
    float *redo_host;            /* SLICE · n_out */
} dev_run;

static uint64_t n_float_frames, n_redone_double, n_redone_ff, n_ff_frames, n_double_frames;

void accel__audio_kaldi_counts(audio_kaldi_counts *out)
{
    out->float_frames = __atomic_load_n(&n_float_frames, __ATOMIC_RELAXED);
    out->redone_double = __atomic_load_n(&n_redone_double, __ATOMIC_RELAXED);
    out->redone_ff = __atomic_load_n(&n_redone_ff, __ATOMIC_RELAXED);
    out->ff_frames = __atomic_load_n(&n_ff_frames, __ATOMIC_RELAXED);
    out->double_frames = __atomic_load_n(&n_double_frames, __ATOMIC_RELAXED);
}

static void release(dev_run *r, accel__buffer **b)
{
    accel__devq_free(r->q, *b);
    *b = NULL;
}

static accel_status upload(dev_run *r, accel__buffer **b, const void *data, size_t bytes)
{
    FORWARD_IF_ERROR(accel__devq_alloc(r->q, bytes ? bytes : 4, b));
    if (bytes) FORWARD_IF_ERROR(accel__devq_copy_h2d(r->q, *b, 0, data, bytes));
    return ACCEL_OK;
}

/* Samples [lo, hi) of sig as floats on the device; 16-bit samples widened on the host first. */
static accel_status upload_samples(dev_run *r, accel__buffer **b, const audio_signal *sig, int64_t lo, int64_t hi)
{
    size_t n = (size_t)(hi - lo);
    if (!sig->x16) return upload(r, b, sig->x + (lo - sig->base), n * sizeof(float));
    float *f = malloc(n ? n * sizeof *f : sizeof *f);
    RETURN_ERROR_IF(!f, ACCEL_ERR_NO_MEMORY, "out of memory for %zu samples", n);
    accel__audio_widen16(f, sig->x16 + (lo - sig->base), n);
    accel_status st = upload(r, b, f, n * sizeof(float));
    free(f);
    return st;
}

/* The float-float split of v: hi = v rounded to float, lo = the rest rounded to float. */
static void split_ff(double v, float *two)
{
    two[0] = (float)v;
    two[1] = (float)(v - (double)two[0]);
}

static accel_status make_tables(dev_run *r)
{
    const audio_plan *pl = r->pl;
    int n = pl->n_fft, nm = pl->n_mels;
    int dbl = r->kaldi == KALDI_DOUBLE, want_d = dbl || (r->kaldi == KALDI_FLOAT && r->redo_d);
    int want_f = !dbl && r->kaldi != KALDI_FF;
    int want_ff = r->kaldi == KALDI_FF || (r->kaldi == KALDI_FLOAT && !r->redo_d);
    double *csd = malloc((size_t)n * 2 * sizeof *csd);
    float *csf = malloc((size_t)n * 4 * sizeof *csf); /* float: 2 per point; float-float: 4 */
    float *wff = malloc((size_t)pl->win * 2 * sizeof *wff);
    int *band = malloc((size_t)nm * 3 * sizeof *band);
    accel_status st = (!csd || !csf || !wff || !band) ? ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory") : ACCEL_OK;
    for (int t = 0; st == ACCEL_OK && t < n; t++) {
        double a = 2.0 * M_PI * (double)t / (double)n;
        csd[2 * t] = cos(a);
        csd[2 * t + 1] = sin(a);
    }
    for (int b = 0; st == ACCEL_OK && b < nm; b++) {
        band[3 * b] = pl->mel.start[b];
        band[3 * b + 1] = pl->mel.count[b];
        band[3 * b + 2] = (int)pl->mel.off[b];
    }
    double prm[2] = {pl->p.dither, pl->p.preemphasis_coefficient};
    if (st == ACCEL_OK) st = upload(r, &r->t.band, band, (size_t)nm * 3 * sizeof *band);
    if (st == ACCEL_OK) st = upload(r, &r->t.w, pl->mel.w, pl->mel.off[nm] * sizeof(float));
    if (st == ACCEL_OK && want_f) {
        for (int t = 0; t < 2 * n; t++) csf[t] = (float)csd[t];
        st = upload(r, &r->t.cs, csf, (size_t)n * 2 * sizeof *csf);
        if (st == ACCEL_OK) st = upload(r, &r->t.window, pl->window, (size_t)pl->win * sizeof(float));
    }
    if (st == ACCEL_OK && want_d) {
        st = upload(r, dbl ? &r->t.cs : &r->t.csd, csd, (size_t)n * 2 * sizeof *csd);
        if (st == ACCEL_OK)
            st = upload(r, dbl ? &r->t.window : &r->t.windowd, pl->windowd, (size_t)pl->win * sizeof(double));
        if (st == ACCEL_OK) st = upload(r, &r->t.prm, prm, sizeof prm);
    }
    if (st == ACCEL_OK && want_ff) {
        for (int t = 0; t < 2 * n; t++) split_ff(csd[t], csf + 2 * t); /* cos hi, lo, sin hi, lo */
        for (int k = 0; k < pl->win; k++) split_ff(pl->windowd[k], wff + 2 * k);
        st = upload(r, &r->t.csff, csf, (size_t)n * 4 * sizeof *csf);
        if (st == ACCEL_OK) st = upload(r, &r->t.wff, wff, (size_t)pl->win * 2 * sizeof *wff);
    }
    free(csd);
    free(csf);
    free(wff);
    free(band);
    return st;
}

/* Work items per frame of the FFT kernels: 64 covers the widest stage of the usual sizes
 * (radix 4 on 256 points; 100 radix-2 butterflies on 200 take two rounds) and is two warps.
 * A device that computes on the host's CPU cores (PoCL) runs a work-group as a loop over its
 * items, restarted at every barrier: there fewer items doing more butterflies each cost less
 * (8: about 1.3–1.5× faster than 64 with PoCL). */
#define FFT_GROUP 64
#define FFT_GROUP_HOST_CPU 8
#define FFT_MAXM 512 /* AK_AUDIO_FFT_MAXM in audio.kern */
/* Local memory the FFT kernels declare (audio.kern): re, im (2·MAXM each) and the bins
 * (MAXM + 1) in float; re, im, frame/bins (2·MAXM each) and 64 partial sums in double. */
#define FFT_LOCAL_F ((5 * FFT_MAXM + 1) * 4)
#define FFT_LOCAL_D ((6 * FFT_MAXM + 64) * 8)
/* ak_audio_fbank_f: FFT_LOCAL_F and 2·64 float sums (ak_audio_fbank_fd: and 64 double ones) */
#define FFT_LOCAL_KF ((5 * FFT_MAXM + 1 + 2 * 64) * 4 + 64 * 8)

/* The stages of the FFT kernels for a real transform of n_fft points (3 bits per stage, stage 0
 * lowest), or 0 when the kernels cannot do it (odd n_fft, n_fft/2 over FFT_MAXM or with a
 * prime factor over 5): those sizes keep the direct DFT. Radix 4 first, then 2, 3, 5. */
int accel__audio_fft_radices(int n_fft)
{
    if (n_fft < 4 || n_fft % 2 != 0 || n_fft / 2 > FFT_MAXM) return 0;
    int m = n_fft / 2, packed = 0, shift = 0;
    static const int order[] = {4, 2, 3, 5};
    for (int i = 0; i < 4; i++)
        while (m % order[i] == 0) {
            packed |= order[i] << shift;
            shift += 3;
            m /= order[i];
        }
    return m == 1 ? packed : 0; /* at most 9 stages for m ≤ 512: fits in 27 bits */
}

static accel__arg abuf(accel__buffer *b) { return (accel__arg){.type = ACCEL__ARG_BUFFER, .v.buf = b}; }
static accel__arg ai32(int v) { return (accel__arg){.type = ACCEL__ARG_I32, .v.i32 = v}; }
static accel__arg ai64(int64_t v) { return (accel__arg){.type = ACCEL__ARG_I64, .v.i64 = v}; }
static accel__arg af32(float v) { return (accel__arg){.type = ACCEL__ARG_F32, .v.f32 = v}; }

static accel__launch geom2(int a, int b)
{
    accel__launch g;
    memset(&g, 0, sizeof g);
    g.dims = 2;
    g.global[0] = (size_t)a;
    g.global[1] = (size_t)b;
    g.global[2] = 1;
    return g;
}

/* The clip samples that frames [fa, fb) read — through the edge rules too — clamped to what
 * the clip's buffer holds. */
static void sample_range(const audio_plan *pl, const audio_signal *sig, int64_t fa, int64_t fb, int64_t *lo,
                         int64_t *hi)
{
    int64_t s = fa * pl->hop - pl->pad_left, e = (fb - 1) * pl->hop - pl->pad_left + pl->win;
    int64_t n = sig->n;
    int64_t a = s > 0 ? s : 0, b = e < n ? e : n;
    if (pl->framing == AUDIO_FRAMING_KALDI) {
        if (s < 0 && b < -s) b = -s;                  /* x[-i-1] */
        if (e > n && a > 2 * n - e) a = 2 * n - e;    /* x[2n-1-i] */
    } else if (pl->framing == AUDIO_FRAMING_CENTER) {
        int64_t vlen = n + sig->pad;
        if (s < -(vlen - 1) || e > 2 * vlen - 1) { /* numpy's repeated reflection: all of it */
            a = 0;
            b = n;
        } else {
            if (s < 0 && b < -s + 1) b = -s + 1;       /* x[-i] */
            if (e > vlen && 2 * vlen - 1 - e < n) {   /* x[2(vlen-1)-i], where not a padding zero */
                int64_t m = 2 * vlen - 1 - e;
                if (a > m) a = m;
                b = n;
            }
        }
    }
    if (a < 0) a = 0;
    if (b > n) b = n;
    if (a < sig->base) a = sig->base;
    if (b > sig->base + sig->len) b = sig->base + sig->len;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* The FFT kernels' geometry: one work-group of r->group items per frame. */
static accel__launch fft_geom(const dev_run *r, int nf)
{
    accel__launch g = geom2(r->group, nf);
    g.local[0] = (size_t)r->group;
    g.local[1] = 1;
    g.local[2] = 1;
    return g;
}

/* spec = power (or magnitude) spectrum of frames by the direct DFT, one item per bin. */
static accel_status spectrum(dev_run *r, accel__buffer *spec, accel__buffer *frames, int nf, int magnitude)
{
    const audio_plan *pl = r->pl;
    accel__launch g = geom2(pl->n_bins, nf);
    accel__arg a[] = {abuf(spec), abuf(frames), abuf(r->t.cs), ai32(pl->n_fft), ai32(pl->n_bins), ai32(nf),
                      ai32(magnitude)};
    return accel__devq_launch(r->q, r->k_dft, &g, a, (int)(sizeof a / sizeof *a));
}

static accel__launch geom1(int n)
{
    accel__launch g;
    memset(&g, 0, sizeof g);
    g.dims = 1;
    g.global[0] = (size_t)n;
    g.global[1] = g.global[2] = 1;
    return g;
}

/* Kaldi all in float-float for nf frames (with `list`: frames fa + list[i]; without: fa + i)
 * into out (nf rows of n_out): pre-processing, DFT, filterbank (ak_audio_kaldi_ff, _dft_ff,
 * _mel_kf). */
static accel_status ff_chain(dev_run *r, audio_clip *cl, int64_t lo, int64_t hi, int64_t fa, int nf,
                             accel__buffer *list, accel__buffer *out)
{
    const audio_plan *pl = r->pl;
    const accel_audio_params *p = &pl->p;
    accel__devq *d = r->q;
    int N = pl->n_fft, nb = pl->n_bins;
    int framing = pl->framing == AUDIO_FRAMING_KALDI ? 2 : 0;
    accel__buffer **fr = &r->bufs[B_FF_FRAMES], **spec = &r->bufs[B_FF_SPEC], **energy = &r->bufs[B_FF_ENERGY];
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)N * 2 * sizeof(float), fr));
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)nb * sizeof(float), spec));
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * sizeof(float), energy));
    float c[2];
    split_ff(p->preemphasis_coefficient, c);
    int flags = (p->remove_dc_offset ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->raw_energy ? 4 : 0);
    accel__launch g = geom1(nf);
    /* without a list the kernel reads none: any buffer stands in for it */
    accel__arg a1[] = {abuf(*fr), abuf(*energy), abuf(r->bufs[B_X]), abuf(r->t.wff), abuf(list ? list : *energy),
                       ai32(list != NULL), ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N), ai32(pl->win),
                       ai32(pl->hop), ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n), af32(cl->sig.scale),
                       af32((float)p->dither), af32(c[0]), af32(c[1]), ai32(flags)};
    FORWARD_IF_ERROR(accel__devq_launch(d, r->k_ff_pre, &g, a1, (int)(sizeof a1 / sizeof *a1)));
    g = geom2(nb, nf);
    accel__arg a2[] = {abuf(*spec), abuf(*fr), abuf(r->t.csff), ai32(N), ai32(pl->win), ai32(nb), ai32(nf),
                       ai32(!p->use_power)};
    FORWARD_IF_ERROR(accel__devq_launch(d, r->k_ff_dft, &g, a2, (int)(sizeof a2 / sizeof *a2)));
    g = geom2(pl->n_out, nf);
    int mflags = (p->use_log_fbank ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->htk_compat ? 4 : 0);
    accel__arg a3[] = {abuf(out), abuf(*spec), abuf(*energy), abuf(r->t.band), abuf(r->t.w), ai32(nb),
                       ai32(pl->n_mels), ai32(nf), ai32(mflags), af32(pl->log_energy_floor)};
    return accel__devq_launch(d, r->k_ff_mel, &g, a3, (int)(sizeof a3 / sizeof *a3));
}

/* Kaldi in float on frames [fa, fa + nf) into *out (the FFT route), then the frames the kernel
 * flagged again wide into host_redo (their rows, in flag order), the flagged frames' offsets in
 * r->list_host; returns their number in *n_redo. */
static accel_status kaldi_float(dev_run *r, audio_clip *cl, int64_t lo, int64_t hi, int64_t fa, int nf,
                                int *n_redo)
{
    const audio_plan *pl = r->pl;
    const accel_audio_params *p = &pl->p;
    accel__devq *d = r->q;
    int framing = pl->framing == AUDIO_FRAMING_KALDI ? 2 : 0;
    int flags = (p->remove_dc_offset ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->raw_energy ? 4 : 0);
    int mflags = (p->use_log_fbank ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->htk_compat ? 4 : 0);
    accel__buffer **fl = &r->bufs[B_FLAGS];
    *n_redo = 0;
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * sizeof(int), fl));
    accel__launch g = fft_geom(r, nf);
    accel__arg a1[] = {abuf(r->bufs[B_OUT]), abuf(*fl), abuf(r->bufs[B_X]), abuf(r->t.window), abuf(r->t.cs),
                       abuf(r->t.band), abuf(r->t.w), ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(pl->n_fft),
                       ai32(pl->win), ai32(pl->hop), ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n),
                       af32(cl->sig.scale), af32((float)p->dither), af32((float)p->preemphasis_coefficient),
                       ai32(flags), ai32(pl->n_bins), ai32(pl->n_mels), ai32(mflags), af32(pl->log_energy_floor),
                       ai32(!p->use_power), ai32(r->radices), af32((float)AUDIO_KALDI_RANGE)};
    FORWARD_IF_ERROR(accel__devq_launch(d, r->k_fft, &g, a1, (int)(sizeof a1 / sizeof *a1)));
    FORWARD_IF_ERROR(accel__devq_copy_d2h(d, r->flags_host, *fl, 0, (size_t)nf * sizeof(int)));
    FORWARD_IF_ERROR(accel__devq_sync(d));
    int n = 0;
    for (int f = 0; f < nf; f++)
        if (r->flags_host[f]) r->list_host[n++] = f;
    __atomic_fetch_add(&n_float_frames, (uint64_t)nf, __ATOMIC_RELAXED);
    if (n == 0) return ACCEL_OK;
    accel__buffer **out2 = &r->bufs[B_OUT2];
    FORWARD_IF_ERROR(upload(r, &r->bufs[B_LIST], r->list_host, (size_t)n * sizeof(int)));
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)n * (size_t)pl->n_out * sizeof(float), out2));
    if (r->redo_d) {
        g = fft_geom(r, n);
        accel__arg a2[] = {abuf(*out2), abuf(r->bufs[B_X]), abuf(r->t.windowd), abuf(r->t.prm), abuf(r->t.csd),
                           abuf(r->t.band), abuf(r->t.w), ai64(lo), ai64(hi - lo), ai64(fa), ai32(n),
                           ai32(pl->n_fft), ai32(pl->win), ai32(pl->hop), ai32(pl->pad_left), ai32(framing),
                           ai64(cl->sig.n), af32(cl->sig.scale), ai32(flags), ai32(pl->n_bins), ai32(pl->n_mels),
                           ai32(mflags), af32(pl->log_energy_floor), ai32(!p->use_power), ai32(r->radices),
                           abuf(r->bufs[B_LIST]), ai32(1)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_redo, &g, a2, (int)(sizeof a2 / sizeof *a2)));
    } else {
        FORWARD_IF_ERROR(ff_chain(r, cl, lo, hi, fa, n, r->bufs[B_LIST], *out2));
    }
    FORWARD_IF_ERROR(accel__devq_copy_d2h(d, r->redo_host, *out2, 0, (size_t)n * (size_t)pl->n_out * sizeof(float)));
    __atomic_fetch_add(r->redo_d ? &n_redone_double : &n_redone_ff, (uint64_t)n, __ATOMIC_RELAXED);
    *n_redo = n;
    return ACCEL_OK;
}

static accel_status run_slice(dev_run *r, audio_call *c, audio_clip *cl, int64_t fa, int64_t fb, float *host)
{
    const audio_plan *pl = r->pl;
    accel__devq *d = r->q;
    int nf = (int)(fb - fa), N = pl->n_fft, nb = pl->n_bins, n_out = pl->n_out;
    int dbl = r->kaldi == KALDI_DOUBLE, n_redo = 0;
    size_t esz = dbl ? sizeof(double) : sizeof(float);
    accel__buffer **x = &r->bufs[B_X], **frames = &r->bufs[B_FRAMES], **spec = &r->bufs[B_SPEC],
                  **out = &r->bufs[B_OUT], **energy = &r->bufs[B_ENERGY];
    if (c->check && accel__audio_frames_nonfinite(pl, &cl->sig, fa, fb))
        return accel__audio_nonfinite_error(c, (size_t)(cl - c->clips));
    int64_t lo, hi;
    sample_range(pl, &cl->sig, fa, fb, &lo, &hi);
    FORWARD_IF_ERROR(upload_samples(r, x, &cl->sig, lo, hi));
    if (!r->radices && r->kaldi != KALDI_FF) { /* the FFT kernels keep both in local memory */
        FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)N * esz, frames));
        FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)nb * esz, spec));
    }
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)n_out * sizeof(float), out));
    int framing = pl->framing == AUDIO_FRAMING_CENTER ? 1 : pl->framing == AUDIO_FRAMING_KALDI ? 2 : 0;
    accel__launch g = geom2(N, nf);
    if (r->kaldi == KALDI_FLOAT) {
        FORWARD_IF_ERROR(kaldi_float(r, cl, lo, hi, fa, nf, &n_redo));
    } else if (r->kaldi == KALDI_FF) {
        FORWARD_IF_ERROR(ff_chain(r, cl, lo, hi, fa, nf, NULL, *out));
        __atomic_fetch_add(&n_ff_frames, (uint64_t)nf, __ATOMIC_RELAXED);
    } else if (dbl && r->radices) {
        const accel_audio_params *p = &pl->p;
        g = fft_geom(r, nf);
        int flags = (p->remove_dc_offset ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->raw_energy ? 4 : 0);
        int mflags = (p->use_log_fbank ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->htk_compat ? 4 : 0);
        /* no list: any buffer stands in for it */
        accel__arg a1[] = {abuf(*out), abuf(*x), abuf(r->t.window), abuf(r->t.prm), abuf(r->t.cs), abuf(r->t.band),
                           abuf(r->t.w), ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N), ai32(pl->win),
                           ai32(pl->hop), ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n), af32(cl->sig.scale),
                           ai32(flags), ai32(nb), ai32(pl->n_mels), ai32(mflags), af32(pl->log_energy_floor),
                           ai32(!p->use_power), ai32(r->radices), abuf(r->t.band), ai32(0)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_fft, &g, a1, (int)(sizeof a1 / sizeof *a1)));
        __atomic_fetch_add(&n_double_frames, (uint64_t)nf, __ATOMIC_RELAXED);
    } else if (!dbl && r->radices) {
        g = fft_geom(r, nf);
        accel__arg a1[] = {abuf(*out), abuf(*x), abuf(r->t.window), abuf(r->t.cs), abuf(r->t.band), abuf(r->t.w),
                           ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N), ai32(pl->win), ai32(pl->hop),
                           ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n), ai64(cl->sig.n + cl->sig.pad),
                           ai32(nb), ai32(pl->n_mels), ai32(pl->logkind == AUDIO_LOG_VGGISH),
                           ai32(pl->logkind == AUDIO_LOG_WHISPER ? 0 : 1), ai32(r->radices)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_fft, &g, a1, (int)(sizeof a1 / sizeof *a1)));
    } else if (!dbl) {
        accel__arg a1[] = {abuf(*frames), abuf(*x), abuf(r->t.window), ai64(lo), ai64(hi - lo), ai64(fa),
                           ai32(nf), ai32(N), ai32(pl->win), ai32(pl->hop), ai32(pl->pad_left), ai32(framing),
                           ai64(cl->sig.n), ai64(cl->sig.n + cl->sig.pad)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_frames, &g, a1, (int)(sizeof a1 / sizeof *a1)));
        FORWARD_IF_ERROR(spectrum(r, *spec, *frames, nf, pl->logkind == AUDIO_LOG_VGGISH));
        g = geom2(pl->n_mels, nf);
        accel__arg a3[] = {abuf(*out), abuf(*spec), abuf(r->t.band), abuf(r->t.w), ai32(nb), ai32(pl->n_mels),
                           ai32(nf), ai32(pl->logkind == AUDIO_LOG_WHISPER ? 0 : 1)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_mel, &g, a3, (int)(sizeof a3 / sizeof *a3)));
    } else {
        const accel_audio_params *p = &pl->p;
        FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * sizeof(double), energy));
        accel__arg a1[] = {abuf(*frames), abuf(*x), ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N),
                           ai32(pl->win), ai32(pl->hop), ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n),
                           af32(cl->sig.scale)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_frames, &g, a1, (int)(sizeof a1 / sizeof *a1)));
        int flags = (p->remove_dc_offset ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->raw_energy ? 4 : 0);
        accel__launch g1 = geom1(nf);
        accel__arg a2[] = {abuf(*frames), abuf(*energy), abuf(r->t.window), abuf(r->t.prm), ai64(fa), ai32(nf),
                           ai32(N), ai32(pl->win), ai32(flags)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_pre, &g1, a2, (int)(sizeof a2 / sizeof *a2)));
        FORWARD_IF_ERROR(spectrum(r, *spec, *frames, nf, !p->use_power));
        g = geom2(n_out, nf);
        int mflags = (p->use_log_fbank ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->htk_compat ? 4 : 0);
        accel__arg a4[] = {abuf(*out), abuf(*spec), abuf(*energy), abuf(r->t.band), abuf(r->t.w), ai32(nb),
                           ai32(pl->n_mels), ai32(nf), ai32(mflags), af32(pl->log_energy_floor)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_mel, &g, a4, (int)(sizeof a4 / sizeof *a4)));
        __atomic_fetch_add(&n_double_frames, (uint64_t)nf, __ATOMIC_RELAXED);
    }
    FORWARD_IF_ERROR(accel__devq_copy_d2h(d, host, *out, 0, (size_t)nf * (size_t)n_out * sizeof(float)));
    FORWARD_IF_ERROR(accel__devq_sync(d));
    for (int i = 0; i < B_N; i++) release(r, &r->bufs[i]);
    /* the frames computed again wide replace their float rows */
    for (int i = 0; i < n_redo; i++)
        memcpy(host + (size_t)r->list_host[i] * (size_t)n_out, r->redo_host + (size_t)i * (size_t)n_out,
               (size_t)n_out * sizeof *host);

    /* into the clip's layout; whisper's maximum over every computed frame */
    const audio_layout *y = &cl->lay;
    float mx = -INFINITY;
    if (pl->logkind == AUDIO_LOG_WHISPER)
        for (size_t i = 0; i < (size_t)nf * (size_t)n_out; i++) mx = host[i] > mx ? host[i] : mx;
    accel__audio_whisper_put(c, (size_t)(cl - c->clips), fa, nf, host, 1, n_out);
    for (int f = 0; f < nf; f++) {
        const float *v = host + (size_t)f * (size_t)n_out;
        int64_t fc = fa + f;
        if (fc >= cl->f_store) continue;
        int64_t rel = fc - cl->f_origin, w = rel / y->wf;
        float *dst = cl->out + w * y->ws + (rel - w * y->wf) * y->fs;
        for (int k = 0; k < n_out; k++) dst[k * y->ks] = v[k];
    }
    if (pl->logkind == AUDIO_LOG_WHISPER) {
        pthread_mutex_lock(&c->lock);
        if (mx > cl->max) cl->max = mx;
        pthread_mutex_unlock(&c->lock);
    }
    return ACCEL_OK;
}

accel_status accel__audio_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    audio_call *c = call;
    const audio_plan *pl = c->plan;
    const accel_device_info *info = accel__devq_info(q);
    if (end <= begin) return ACCEL_OK;
    dev_run r;
    memset(&r, 0, sizeof r);
    r.q = q;
    r.pl = pl;
    r.group = info->host_cpu ? FFT_GROUP_HOST_CPU : FFT_GROUP;
    /* sizes the FFT takes: one kernel does it all; other sizes: frames, (Kaldi
     * pre-processing,) DFT, filterbank. A device that reports less local memory than the
     * kernel declares takes the DFT route. */
    r.radices = accel__audio_fft_radices(pl->n_fft);
    int fits_f = !(info->local_mem > 0 && info->local_mem < (pl->kaldi_pre ? FFT_LOCAL_KF : FFT_LOCAL_F));
    int fits_d = !(info->local_mem > 0 && info->local_mem < FFT_LOCAL_D);
    if (!fits_f) r.radices = 0;
    accel_status st = ACCEL_OK;
    if (pl->kaldi_pre) {
        /* float64 where the device does not say it lacks it and its kernels were built (the
         * program leaves them out where the compiler has no double); else float-float */
        int has64 = info->fp64 != 0;
        if (r.radices) {
            /* On a device that computes on the host's CPU cores float64 costs what float32 does,
             * and the float route's extra work (the flags, a second launch) made it 1.1–1.5× slower
             * than all in float64 on PoCL (docs/benchmarks.md); a GPU runs float64 at 1/2 to
             * 1/64 of float32's rate and takes the float route. */
            if (has64 && info->host_cpu && fits_d && accel__devq_kernel(q, "ak_audio_fbank_d", &r.k_fft) == ACCEL_OK) {
                r.kaldi = KALDI_DOUBLE;
            } else {
                r.kaldi = KALDI_FLOAT; /* the mean in float64 where the device has it, else float-float */
                if (!(has64 && accel__devq_kernel(q, "ak_audio_fbank_fd", &r.k_fft) == ACCEL_OK))
                    st = accel__devq_kernel(q, "ak_audio_fbank_f", &r.k_fft);
                r.redo_d = st == ACCEL_OK && has64 && fits_d &&
                           accel__devq_kernel(q, "ak_audio_fbank_d", &r.k_redo) == ACCEL_OK;
            }
        } else {
            r.kaldi = has64 && accel__devq_kernel(q, "ak_audio_frames_d", &r.k_frames) == ACCEL_OK &&
                              accel__devq_kernel(q, "ak_audio_kaldi_pre", &r.k_pre) == ACCEL_OK &&
                              accel__devq_kernel(q, "ak_audio_dft_d", &r.k_dft) == ACCEL_OK &&
                              accel__devq_kernel(q, "ak_audio_mel_d", &r.k_mel) == ACCEL_OK
                          ? KALDI_DOUBLE
                          : KALDI_FF;
        }
        if (st == ACCEL_OK) accel__clear_error(); /* a missing float64 kernel is not this call's failure */
        if (st == ACCEL_OK && (r.kaldi == KALDI_FF || (r.kaldi == KALDI_FLOAT && !r.redo_d))) {
            st = accel__devq_kernel(q, "ak_audio_kaldi_ff", &r.k_ff_pre);
            if (st == ACCEL_OK) st = accel__devq_kernel(q, "ak_audio_dft_ff", &r.k_ff_dft);
            if (st == ACCEL_OK) st = accel__devq_kernel(q, "ak_audio_mel_kf", &r.k_ff_mel);
        }
    } else if (r.radices) {
        st = accel__devq_kernel(q, "ak_audio_logmel_f", &r.k_fft);
    } else {
        st = accel__devq_kernel(q, "ak_audio_frames_f", &r.k_frames);
        if (st == ACCEL_OK) st = accel__devq_kernel(q, "ak_audio_dft_f", &r.k_dft);
        if (st == ACCEL_OK) st = accel__devq_kernel(q, "ak_audio_mel_f", &r.k_mel);
    }
    if (st == ACCEL_OK) st = make_tables(&r);
    if (st == ACCEL_OK && r.kaldi == KALDI_FLOAT) {
        r.flags_host = malloc((size_t)SLICE * sizeof *r.flags_host);
        r.list_host = malloc((size_t)SLICE * sizeof *r.list_host);
        r.redo_host = malloc((size_t)SLICE * (size_t)pl->n_out * sizeof *r.redo_host);
        if (!r.flags_host || !r.list_host || !r.redo_host) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    float *host = NULL;
    if (st == ACCEL_OK) {
        host = malloc((size_t)SLICE * (size_t)pl->n_out * sizeof *host);
        if (!host) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    /* walk the clips that hold items [begin, end) */
    for (size_t ci = 0; st == ACCEL_OK && ci < c->n_clips; ci++) {
        size_t a = c->prefix[ci], b = c->prefix[ci + 1];
        if (b <= begin || a >= end || a == b) continue;
        audio_clip *cl = &c->clips[ci];
        int64_t fa = cl->f_begin + (int64_t)((begin > a ? begin : a) - a);
        int64_t fb = cl->f_begin + (int64_t)((end < b ? end : b) - a);
        for (int64_t f = fa; st == ACCEL_OK && f < fb; f += SLICE)
            st = run_slice(&r, c, cl, f, f + SLICE < fb ? f + SLICE : fb, host);
    }
    free(host);
    free(r.flags_host);
    free(r.list_host);
    free(r.redo_host);
    for (int i = 0; i < B_N; i++) release(&r, &r.bufs[i]);
    accel__buffer **tables[] = {&r.t.window, &r.t.cs,  &r.t.band, &r.t.w,   &r.t.prm,
                                &r.t.windowd, &r.t.csd, &r.t.wff, &r.t.csff};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) release(&r, tables[i]);
    return st;
}
