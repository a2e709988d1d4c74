/* device.c — run_device of the audio operations: the kernels of src/kernels/audio.kern
 * through the counting handle of core/devcall.h (buffers, copies, launches), never asking
 * which backend it is. Frames are computed in slices of at most SLICE frames per clip; each slice uploads the
 * samples its frames read, runs one kernel that takes each frame from samples to features
 * (ak_audio_logmel_f, ak_audio_fbank_d: an FFT in local memory) or, for sizes the FFT does
 * not take, frames → (Kaldi pre-processing →) direct DFT → filterbank, and copies the
 * frame-major values back, which the host puts into the output layout (tracking whisper's
 * maximum). The whole-input post pass then runs on the host, as for the CPU path. Any failure returns its
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
    accel__buffer *window, *cs, *band, *w, *prm;
} dev_tables;

typedef struct dev_run {
    accel__devq *q;
    const audio_plan *pl;
    int dbl; /* Kaldi: double precision path */
    int radices; /* FFT stages (accel__audio_fft_radices), 0: the direct DFT route */
    int group;   /* work items per frame of the FFT kernels */
    accel__kernel *k_fft;                            /* the FFT route's one kernel */
    accel__kernel *k_frames, *k_pre, *k_dft, *k_mel; /* the DFT route */
    dev_tables t;
    accel__buffer *bufs[6];
} dev_run;

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

static accel_status make_tables(dev_run *r)
{
    const audio_plan *pl = r->pl;
    int n = pl->n_fft, nm = pl->n_mels;
    size_t esz = r->dbl ? sizeof(double) : sizeof(float);
    void *cs = malloc((size_t)n * 2 * esz);
    int *band = malloc((size_t)nm * 3 * sizeof *band);
    accel_status st = (!cs || !band) ? ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory") : ACCEL_OK;
    for (int t = 0; st == ACCEL_OK && t < n; t++) {
        double a = 2.0 * M_PI * (double)t / (double)n;
        if (r->dbl) {
            ((double *)cs)[2 * t] = cos(a);
            ((double *)cs)[2 * t + 1] = sin(a);
        } else {
            ((float *)cs)[2 * t] = (float)cos(a);
            ((float *)cs)[2 * t + 1] = (float)sin(a);
        }
    }
    for (int b = 0; st == ACCEL_OK && b < nm; b++) {
        band[3 * b] = pl->mel.start[b];
        band[3 * b + 1] = pl->mel.count[b];
        band[3 * b + 2] = (int)pl->mel.off[b];
    }
    double prm[2] = {pl->p.dither, pl->p.preemphasis_coefficient};
    if (st == ACCEL_OK) st = upload(r, &r->t.cs, cs, (size_t)n * 2 * esz);
    if (st == ACCEL_OK) st = upload(r, &r->t.band, band, (size_t)nm * 3 * sizeof *band);
    if (st == ACCEL_OK) st = upload(r, &r->t.w, pl->mel.w, pl->mel.off[nm] * sizeof(float));
    if (st == ACCEL_OK)
        st = r->dbl ? upload(r, &r->t.window, pl->windowd, (size_t)pl->win * sizeof(double))
                    : upload(r, &r->t.window, pl->window, (size_t)pl->win * sizeof(float));
    if (st == ACCEL_OK && r->dbl) st = upload(r, &r->t.prm, prm, sizeof prm);
    free(cs);
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

static accel_status run_slice(dev_run *r, audio_call *c, audio_clip *cl, int64_t fa, int64_t fb, float *host)
{
    const audio_plan *pl = r->pl;
    accel__devq *d = r->q;
    int nf = (int)(fb - fa), N = pl->n_fft, nb = pl->n_bins, n_out = pl->n_out;
    size_t esz = r->dbl ? sizeof(double) : sizeof(float);
    accel__buffer **x = &r->bufs[0], **frames = &r->bufs[1], **spec = &r->bufs[2], **out = &r->bufs[3],
                  **energy = &r->bufs[4];
    if (c->check && accel__audio_frames_nonfinite(pl, &cl->sig, fa, fb))
        return accel__audio_nonfinite_error(c, (size_t)(cl - c->clips));
    int64_t lo, hi;
    sample_range(pl, &cl->sig, fa, fb, &lo, &hi);
    FORWARD_IF_ERROR(upload(r, x, cl->sig.x + (lo - cl->sig.base), (size_t)(hi - lo) * sizeof(float)));
    if (!r->radices) { /* the FFT kernels keep both in local memory */
        FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)N * esz, frames));
        FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)nb * esz, spec));
    }
    FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * (size_t)n_out * sizeof(float), out));
    int framing = pl->framing == AUDIO_FRAMING_CENTER ? 1 : pl->framing == AUDIO_FRAMING_KALDI ? 2 : 0;
    accel__launch g = geom2(N, nf);
    if (!r->dbl && r->radices) {
        g = fft_geom(r, nf);
        accel__arg a1[] = {abuf(*out), abuf(*x), abuf(r->t.window), abuf(r->t.cs), abuf(r->t.band), abuf(r->t.w),
                           ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N), ai32(pl->win), ai32(pl->hop),
                           ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n), ai64(cl->sig.n + cl->sig.pad),
                           ai32(nb), ai32(pl->n_mels), ai32(pl->logkind == AUDIO_LOG_VGGISH),
                           ai32(pl->logkind == AUDIO_LOG_WHISPER ? 0 : 1), ai32(r->radices)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_fft, &g, a1, (int)(sizeof a1 / sizeof *a1)));
    } else if (!r->dbl) {
        accel__arg a1[] = {abuf(*frames), abuf(*x), abuf(r->t.window), ai64(lo), ai64(hi - lo), ai64(fa),
                           ai32(nf), ai32(N), ai32(pl->win), ai32(pl->hop), ai32(pl->pad_left), ai32(framing),
                           ai64(cl->sig.n), ai64(cl->sig.n + cl->sig.pad)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_frames, &g, a1, (int)(sizeof a1 / sizeof *a1)));
        FORWARD_IF_ERROR(spectrum(r, *spec, *frames, nf, pl->logkind == AUDIO_LOG_VGGISH));
        g = geom2(pl->n_mels, nf);
        accel__arg a3[] = {abuf(*out), abuf(*spec), abuf(r->t.band), abuf(r->t.w), ai32(nb), ai32(pl->n_mels),
                           ai32(nf), ai32(pl->logkind == AUDIO_LOG_WHISPER ? 0 : 1)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_mel, &g, a3, (int)(sizeof a3 / sizeof *a3)));
    } else if (r->radices) {
        const accel_audio_params *p = &pl->p;
        g = fft_geom(r, nf);
        int flags = (p->remove_dc_offset ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->raw_energy ? 4 : 0);
        int mflags = (p->use_log_fbank ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->htk_compat ? 4 : 0);
        accel__arg a1[] = {abuf(*out), abuf(*x), abuf(r->t.window), abuf(r->t.prm), abuf(r->t.cs), abuf(r->t.band),
                           abuf(r->t.w), ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N), ai32(pl->win),
                           ai32(pl->hop), ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n), af32(cl->sig.scale),
                           ai32(flags), ai32(nb), ai32(pl->n_mels), ai32(mflags), af32(pl->log_energy_floor),
                           ai32(!p->use_power), ai32(r->radices)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_fft, &g, a1, (int)(sizeof a1 / sizeof *a1)));
    } else {
        const accel_audio_params *p = &pl->p;
        FORWARD_IF_ERROR(accel__devq_alloc(d, (size_t)nf * sizeof(double), energy));
        accel__arg a1[] = {abuf(*frames), abuf(*x), ai64(lo), ai64(hi - lo), ai64(fa), ai32(nf), ai32(N),
                           ai32(pl->win), ai32(pl->hop), ai32(pl->pad_left), ai32(framing), ai64(cl->sig.n),
                           af32(cl->sig.scale)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_frames, &g, a1, (int)(sizeof a1 / sizeof *a1)));
        int flags = (p->remove_dc_offset ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->raw_energy ? 4 : 0);
        accel__launch g1;
        memset(&g1, 0, sizeof g1);
        g1.dims = 1;
        g1.global[0] = (size_t)nf;
        g1.global[1] = g1.global[2] = 1;
        accel__arg a2[] = {abuf(*frames), abuf(*energy), abuf(r->t.window), abuf(r->t.prm), ai64(fa), ai32(nf),
                           ai32(N), ai32(pl->win), ai32(flags)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_pre, &g1, a2, (int)(sizeof a2 / sizeof *a2)));
        FORWARD_IF_ERROR(spectrum(r, *spec, *frames, nf, !p->use_power));
        g = geom2(n_out, nf);
        int mflags = (p->use_log_fbank ? 1 : 0) | (p->use_energy ? 2 : 0) | (p->htk_compat ? 4 : 0);
        accel__arg a4[] = {abuf(*out), abuf(*spec), abuf(*energy), abuf(r->t.band), abuf(r->t.w), ai32(nb),
                           ai32(pl->n_mels), ai32(nf), ai32(mflags), af32(pl->log_energy_floor)};
        FORWARD_IF_ERROR(accel__devq_launch(d, r->k_mel, &g, a4, (int)(sizeof a4 / sizeof *a4)));
    }
    FORWARD_IF_ERROR(accel__devq_copy_d2h(d, host, *out, 0, (size_t)nf * (size_t)n_out * sizeof(float)));
    FORWARD_IF_ERROR(accel__devq_sync(d));
    for (int i = 0; i < 5; i++) release(r, &r->bufs[i]);

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
    r.dbl = pl->kaldi_pre;
    if (r.dbl && info->fp64 == 0)
        return ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED, "%s: Kaldi filterbanks need double precision, which this "
                           "device lacks", info->name);
    /* sizes the FFT takes: one kernel does it all; other sizes: frames, (Kaldi
     * pre-processing,) DFT, filterbank */
    r.radices = accel__audio_fft_radices(pl->n_fft);
    /* a device that reports less local memory than the kernel declares takes the DFT route */
    if (info->local_mem > 0 && info->local_mem < (r.dbl ? FFT_LOCAL_D : FFT_LOCAL_F)) r.radices = 0;
    r.group = info->host_cpu ? FFT_GROUP_HOST_CPU : FFT_GROUP;
    accel_status st = ACCEL_OK;
    if (r.radices) {
        st = accel__devq_kernel(q, r.dbl ? "ak_audio_fbank_d" : "ak_audio_logmel_f", &r.k_fft);
    } else {
        st = accel__devq_kernel(q, r.dbl ? "ak_audio_frames_d" : "ak_audio_frames_f", &r.k_frames);
        if (st == ACCEL_OK && r.dbl) st = accel__devq_kernel(q, "ak_audio_kaldi_pre", &r.k_pre);
        if (st == ACCEL_OK) st = accel__devq_kernel(q, r.dbl ? "ak_audio_dft_d" : "ak_audio_dft_f", &r.k_dft);
        if (st == ACCEL_OK) st = accel__devq_kernel(q, r.dbl ? "ak_audio_mel_d" : "ak_audio_mel_f", &r.k_mel);
    }
    if (st == ACCEL_OK) st = make_tables(&r);
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
    for (int i = 0; i < 6; i++) release(&r, &r.bufs[i]);
    release(&r, &r.t.window);
    release(&r, &r.t.cs);
    release(&r, &r.t.band);
    release(&r, &r.t.w);
    release(&r, &r.t.prm);
    return st;
}
