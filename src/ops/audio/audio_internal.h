/* audio_internal.h — what the files of the audio family share (src/ops/audio/).
 *
 * Pipeline of one frame, for every kind:
 *   framing (edge rules per reference) → Kaldi pre-processing (fbank only) → window →
 *   real FFT → power or magnitude → sparse mel filterbank → log → store in the output layout
 * Frames are processed AUDIO_LANES at a time in a "lane" layout (value index major, frame
 * minor: v[k][lane]), so every arithmetic loop runs across frames and vectorises without
 * intrinsics. The hot kernel (kern_impl.h) is compiled once per instruction set (kern_*.c) and
 * chosen at run time.
 */
#ifndef ACCEL_AUDIO_INTERNAL_H
#define ACCEL_AUDIO_INTERNAL_H

#include "core/internal.h"
#include "backends/cpu/cpu.h"

#include <stdint.h>
#include <sys/types.h>

#define AUDIO_LANES 16
#define AUDIO_MAX_STAGES 32

/* Whisper constants (openai-whisper audio.py). */
#define AUDIO_WHISPER_NFFT 400
#define AUDIO_WHISPER_HOP 160
#define AUDIO_WHISPER_WINDOW_FRAMES 3000
#define AUDIO_WHISPER_PAD_OPENAI 480000
#define AUDIO_WHISPER_PAD_FASTER 160
/* VGGish constants (vggish_params.py). */
#define AUDIO_VGGISH_WIN 400
#define AUDIO_VGGISH_HOP 160
#define AUDIO_VGGISH_NFFT 512
#define AUDIO_VGGISH_EXAMPLE 96
#define AUDIO_VGGISH_BANDS 64

/* ---- FFT (fft.c plans, kern_impl.h executes) ---- */

/* A real-input FFT of length n. Even n runs as a complex FFT of m = n/2 points on the packed
 * even/odd samples plus a split step; odd n as a complex FFT of m = n points. The complex FFT
 * is a Stockham autosort decimation in frequency with radices 4, 2, 3, 5 and a generic radix
 * for other primes; twiddles are computed in double and rounded once. */
typedef struct audio_fft_plan {
    int n;       /* real length */
    int m;       /* complex length */
    int odd;     /* n odd: complex FFT of n points with zero imaginary part */
    int n_stages;
    int radix[AUDIO_MAX_STAGES];
    int len[AUDIO_MAX_STAGES];    /* sub-sequence length entering the stage */
    int stride[AUDIO_MAX_STAGES]; /* Stockham stride s of the stage */
    size_t tw_off[AUDIO_MAX_STAGES];
    float *tw;          /* per stage, per j: (p-1) complex twiddles W^{jk}, interleaved re,im */
    float *split_re;    /* e^{-2πik/n}, k = 0..m (even n only) */
    float *split_im;
    float *gen_cos;     /* generic radix tables: cos/sin(2π r/p), per generic stage */
    float *gen_sin;
    double *twd, *split_red, *split_imd, *gen_cosd, *gen_sind; /* the same in double */
    size_t gen_off[AUDIO_MAX_STAGES];
} audio_fft_plan;

accel_status accel__audio_fft_plan(audio_fft_plan *pl, int n);
/* The same transform with radix-8 stages where n allows (fft.c). */
accel_status accel__audio_fft_plan8(audio_fft_plan *pl, int n);
void accel__audio_fft_free(audio_fft_plan *pl);

/* ---- mel filterbanks (mel.c), stored as one run of non-zero weights per band ---- */
typedef struct audio_melbank {
    int n_mels;
    int n_bins;   /* spectrum bins the bank reads (n_fft/2 + 1) */
    int *start;   /* first bin of band m */
    int *count;   /* bins in band m */
    size_t *off;  /* offset of band m's weights in w */
    float *w;
} audio_melbank;

/* librosa.filters.mel(sr, n_fft, n_mels) with htk=False, norm="slaney", fmin 0, fmax sr/2. */
accel_status accel__audio_mel_slaney(audio_melbank *mb, int sr, int n_fft, int n_mels);
/* VGGish mel_features.spectrogram_to_mel_matrix (HTK scale, no area normalisation, DC row 0). */
accel_status accel__audio_mel_vggish(audio_melbank *mb, int sr, int n_fft, int n_mels, double lo,
                                     double hi);
/* torchaudio.compliance.kaldi.get_mel_banks, Nyquist column zero; warp 1.0 for none (vlo,
 * vhi: the VTLN cutoffs, vhi < 0 meaning Nyquist + vhi). */
accel_status accel__audio_mel_kaldi(audio_melbank *mb, int sr, int n_fft, int n_mels, double lo,
                                    double hi, double warp, double vlo, double vhi);
void accel__audio_mel_free(audio_melbank *mb);
/* Dense (n_mels × n_bins) copy, for the device path and tests. Caller frees. */
float *accel__audio_mel_dense(const audio_melbank *mb);

/* ---- plan of one parameter set ---- */

typedef enum {
    AUDIO_FRAMING_DIRECT = 0,  /* frame f = x[f·hop, f·hop + win) (vggish, Kaldi snip_edges) */
    AUDIO_FRAMING_CENTER = 1,  /* numpy/torch reflect padding of win/2 (whisper) */
    AUDIO_FRAMING_KALDI = 2    /* Kaldi snip_edges=0: mirrored with edge sample repeated */
} audio_framing;

typedef enum {
    AUDIO_LOG_WHISPER = 0, /* log10(max(mel, 1e-10)) (floor and scale in the post pass) */
    AUDIO_LOG_VGGISH = 1,  /* ln(mel + 0.01) of magnitudes */
    AUDIO_LOG_KALDI = 2    /* ln(max(mel, FLT_EPSILON)) when use_log_fbank */
} audio_logkind;

typedef struct audio_plan audio_plan;
typedef struct audio_signal audio_signal;

/* The kernel: computes frames f0 .. f0+nf-1 (nf ≤ AUDIO_LANES) of `sig` into vals[k][lane]
 * (k < plan->n_out) and returns the largest value of those frames (whisper's global maximum
 * is built from it). `scratch` holds AUDIO_SCRATCH_FLOATS(plan) floats, 64-byte aligned. */
typedef float (*audio_kernel_fn)(const audio_plan *pl, const audio_signal *sig, int64_t f0, int nf,
                                 float *scratch, float *vals);

struct audio_plan {
    accel_audio_params p;
    audio_framing framing;
    audio_logkind logkind;
    int win;       /* samples per frame */
    int hop;
    int n_fft;
    int n_bins;    /* n_fft/2 + 1 */
    int n_mels;
    int n_out;     /* values per frame: n_mels (+1 with use_energy) */
    int pad_left;  /* framing offset: frame f starts at f·hop − pad_left */
    int kaldi_pre; /* Kaldi pre-processing on */
    int kaldi_fmean; /* Kaldi in float with the mean as two floats: no dither, the sample scale a
                      * power of two ≥ 1 (the scaled samples exact in float) */
    float *window; /* win */
    double *windowd; /* the same in double (Kaldi) */
    audio_fft_plan fft;
    /* The same FFT in radix-8 stages, for builds with 32 vector registers (AVX-512), where a
     * radix-8 butterfly stays in registers and saves a pass over memory; with 16 (AVX2, SSE)
     * it spills and is slower than radix 4 (measured: whisper-80 8 % slower on AVX2, 4 %
     * faster on AVX-512). */
    audio_fft_plan fft8;
    audio_melbank mel;
    float log_energy_floor; /* Kaldi: ln(energy_floor), or -inf */
};

/* Kaldi filterbanks are computed in float but for frames with a band below this fraction of
 * the frame's power (the float FFT's rounding, about ε·‖frame‖ in every bin, would show in its
 * logarithm): those are computed again in double (kern_impl.h, kaldi_f32). */
#define AUDIO_KALDI_RANGE 1e-8
/* Values per frame of a Kaldi filterbank at most (num_mel_bins ≤ 1024, and the energy). */
#define AUDIO_KALDI_MAX_OUT 1025
/* FFT buffers (4 × (m+1)), spectrum (n_bins) and Kaldi frame (win) in double lanes, then the
 * per-lane edge frames and a zero frame (LANES+1 frames of win + 16) */
#define AUDIO_SCRATCH_FLOATS(pl)                                                               \
    ((size_t)2 * AUDIO_LANES * (size_t)(4 * ((pl)->fft.m + 1) + (pl)->n_bins + (pl)->win) +    \
     (size_t)(AUDIO_LANES + 1) * (size_t)((pl)->win + 16) + 64)

accel_status accel__audio_plan_init(audio_plan *pl, const accel_audio_params *p);
void accel__audio_plan_free(audio_plan *pl);

/* ---- signals: the samples a frame reads, with the framing's edge rules ---- */
struct audio_signal {
    const float *x; /* x[i] is clip sample base + i, for i < len */
    int64_t base;
    int64_t len;
    int64_t n;      /* clip length in samples (whole input) */
    int64_t pad;    /* whisper: zeros appended before framing */
    float scale;    /* samples are multiplied by this (Kaldi sample_scale); 1 otherwise */
    /* 16-bit PCM as it lies (a mapped WAV, int16 memory): when not NULL, x is NULL and sample
     * base + i is x16[i] / 32768 — the value a conversion to float would give, exactly; the
     * kernels take it so without a converted copy of the signal (whisper and vggish widen it in
     * their frame transpose, Kaldi's pre-processing each frame as it copies it) */
    const int16_t *x16;
};

/* n host-order int16 samples at any address (an odd one too) widened to float: x / 32768, as
 * the references load int16 audio (exact in float). One vectorised loop. */
static inline void accel__audio_widen16(float *dst, const void *src, size_t n)
{
    const unsigned char *b = src;
    for (size_t i = 0; i < n; i++) {
        int16_t v;
        __builtin_memcpy(&v, b + 2 * i, sizeof v);
        dst[i] = (float)v / 32768.0f;
    }
}

/* Clip-frame counts for n samples: all frames of the reference, the frames whose values are
 * computed (whisper: later frames read only appended zeros and are constant), and the frames
 * stored (whisper windows: the content frames). */
typedef struct audio_frames {
    int64_t total;    /* frames of the reference spectrogram */
    int64_t computed; /* [0, computed) run through the kernel; the rest are all-zero frames */
    int64_t content;  /* whisper: n // 160 (what transcribe() windows) */
    int64_t stored;   /* frames written to the output */
    int64_t windows;  /* whisper windows, vggish examples */
} audio_frames;
void accel__audio_frames(const audio_plan *pl, int64_t n, audio_frames *fr);

/* Sample at virtual index i of the framed signal (edges handled), for frames that cross the
 * edges or a chunk's end. Index must be covered by sig (callers ensure it). */
float accel__audio_sample_at(const audio_plan *pl, const audio_signal *sig, int64_t i);
/* 1 when frame f reads only x[0, len) directly (no edge rule, inside the buffer); asked for
 * every frame of every batch, so inline. */
static inline int accel__audio_frame_direct(const audio_plan *pl, const audio_signal *sig, int64_t f)
{
    int64_t s = f * pl->hop - pl->pad_left;
    return s >= sig->base && s + pl->win <= sig->base + sig->len && s >= 0 && s + pl->win <= sig->n;
}

/* The kernels of one instruction set (kern_*.c). */
typedef struct audio_isa {
    const char *name; /* "generic", "avx2", "avx512", "neon" */
    audio_kernel_fn kernel;
    /* |FFT|² of AUDIO_LANES real frames of fft->n samples (x[k·LANES + lane]) into
     * power[k·LANES + lane], k ≤ n/2; `scratch` as for the kernel (tests check the FFT alone) */
    void (*fft_power)(const audio_fft_plan *fft, const float *x, float *power, float *scratch);
    /* the same in double (the Kaldi path) */
    void (*fft_power_d)(const audio_fft_plan *fft, const double *x, double *power, double *scratch);
    /* The kernel's vals[k][lane] of frames 0 … nf−1 as rows: out[l·fs + k] (frame-major
     * outputs), and when `sums` is not NULL each value added to sums[k] in double, frame after
     * frame (fbank's column sums, in the order accel__audio_colsum_add takes them). */
    void (*rows)(const float *vals, int n_out, int nf, float *out, ptrdiff_t fs, double *sums);
    /* `rows` runs of n floats, src + i·ss to dst + i·ds, written around the caches
     * (non-temporal stores; NULL where the build has none): an output larger than the
     * last-level cache then costs one pass over memory, not a read for ownership and a write. */
    void (*put_nt)(float *dst, ptrdiff_t ds, const float *src, ptrdiff_t ss, int rows, size_t n);
    /* whisper's tiles: the kernel's vals[k][lane] as (v + 4) / 4 into tile + k·ts, and the
     * least of lanes [0, nmin) merged into the four running minima at least + k·ls (ops.c) */
    void (*tile_whisper)(int n_out, const float *vals, float *tile, ptrdiff_t ts, float *least, ptrdiff_t ls,
                         int nmin);
} audio_isa;
/* NULL when not compiled in or not supported by this CPU. */
const audio_isa *accel__audio_isa_generic(void);
const audio_isa *accel__audio_isa_avx2(void);
const audio_isa *accel__audio_isa_avx512(void);
const audio_isa *accel__audio_isa_neon(void);
/* The kernels for the CPU SIMD level an operation runs at (backends/cpu/cpu.h): the widest
 * build at or below it that this CPU runs — avx512, avx2 or generic for the x86-64 levels,
 * neon or generic on AArch64 — or the one forced. */
const audio_isa *accel__audio_isa_for(accel__simd_level level);
/* Tests: make CPU runs use `isa` whatever the SIMD level (NULL: back to the level's). Not
 * thread-safe. */
void accel__audio_force_isa(const audio_isa *isa);

/* Fast natural logarithm for positive normal floats, |error| < 2 ulp + 1e-9 (used by the
 * kernels and by tests). */
float accel__audio_ln(float x);

/* ---- output layouts and the operation call ---- */

/* Where value k of clip frame f goes: out[(f / wf)·ws + (f % wf)·fs + k·ks]. */
typedef struct audio_layout {
    int64_t wf;  /* frames per window (whisper windows: 3000; else huge) */
    int64_t ws;  /* stride between windows */
    int64_t fs;  /* stride between frames */
    int64_t ks;  /* stride between values */
} audio_layout;

typedef struct audio_clip {
    audio_signal sig;
    int64_t f_begin, f_end; /* frames to compute (clip indices) */
    int64_t f_origin;       /* clip frame stored at out's frame 0 (streaming chunks) */
    int64_t f_store;        /* frames ≥ f_store are computed but not stored (whisper windows) */
    float *out;
    audio_layout lay;
    float max;              /* whisper: running maximum of log10 values (set by the op) */
} audio_clip;

typedef struct audio_call {
    const audio_plan *plan;
    audio_clip *clips;
    size_t n_clips;
    size_t *prefix; /* prefix[i] = frames before clip i; prefix[n_clips] = items */
    pthread_mutex_t lock;
    int check;      /* refuse non-finite samples: each run checks the samples its frames read
                     * (they are in the cache then), the caller those no frame reads */
    /* whisper, whole clips: the runs store (v + 4) / 4 and note, per clip, value and stretch
     * of AUDIO_SEGMENT stored frames, the least value stored (float bits, +Inf: none), so
     * that the post pass raises only the stretches holding a value under the floor instead of
     * reading and writing the whole output again. NULL: raw values, the post pass does all. */
    uint32_t **seg_min;
    int64_t *n_seg; /* per clip: stretches per value */
    /* fbank with mean subtraction, whole clips: per clip and block of AUDIO_COLSUM_BLOCK
     * stored frames, the block's column sums (gsum[ci][b·n_out + k]) where one CPU run stored
     * the whole block (gok[ci][b] = 1), so that the post pass reads the output again only
     * for the others (device runs, blocks split between two runs). NULL: none noted. */
    double **gsum;
    uint8_t **gok;
    /* the outputs are larger than a last-level cache (AUDIO_NT_BYTES): CPU runs write them
     * with non-temporal stores where the build has them (audio_isa.put_nt) */
    int nt_out;
} audio_call;

#define AUDIO_NT_BYTES ((size_t)16 << 20)

#define AUDIO_SEGMENT 128

/* *slot = min(*slot, v) on a float's bits, atomically: two threads may share a stretch at the
 * edge of their frames. */
void accel__audio_note_min(uint32_t *slot, float v);
/* seg_min (whisper) or gsum and gok (fbank subtracting its mean) for the call's clips; the
 * others keep NULL. */
accel_status accel__audio_call_notes(audio_call *c);
/* Frames f0 … f0+nf−1 of clip ci, values v[k·ks + j·fs], are about to be stored: turned into
 * (v + 4) / 4 in place and their least values per stretch noted (no-op without seg_min). The
 * device runs' host side uses it; the CPU runs do the same as they gather their tiles. */
void accel__audio_whisper_put(audio_call *c, size_t ci, int64_t f0, int nf, float *v, ptrdiff_t ks, ptrdiff_t fs);

/* Samples [*a, *b) (clip indices, within what sig holds) that frames fa … fb−1 read, and the
 * gap to frame fb when hop > win: consecutive ranges join, so checking each part's range
 * covers every sample from 0 to accel__audio_frames_end(…, f_end). */
void accel__audio_frames_span(const audio_plan *pl, const audio_signal *sig, int64_t fa, int64_t fb,
                              int64_t *a, int64_t *b);
/* 1 when the samples frames fa … fb−1 read hold a NaN or ±Inf. */
int accel__audio_frames_nonfinite(const audio_plan *pl, const audio_signal *sig, int64_t fa, int64_t fb);
/* The error for clip ci of a call whose samples are not all finite: names the first. */
accel_status accel__audio_nonfinite_error(const audio_call *c, size_t ci);

/* The operations: "whisper", "vggish", "fbank" (ops.c). */
extern const accel__op accel__op_whisper;
extern const accel__op accel__op_vggish;
extern const accel__op accel__op_fbank;
const accel__op *accel__audio_op(accel_audio_kind kind);

/* accel_audio_features_batch() on one given device (device < 0: the planned device with
 * fallback) — conformance tests run every preset on every device through it. */
accel_status accel__audio_features_on(accel_ctx *ctx, int device, const accel_audio_params *p,
                                      accel_dtype dtype, const void *const *clips, const size_t *lens,
                                      size_t n_clips, float *const *outs, accel_run_record *rec);

/* Builds prefix sums and the lock; frees them. */
accel_status accel__audio_call_init(audio_call *c, const audio_plan *pl, audio_clip *clips,
                                    size_t n);
void accel__audio_call_free(audio_call *c);
/* Describes a whole clip of n samples at x, features written to out (features.c). */
void accel__audio_clip_whole(const audio_plan *pl, audio_clip *cl, const float *x, size_t n,
                             float *out);
/* Computes frames [begin, end) of the call on a device through its counting handle (device.c). */
accel_status accel__audio_run_device(accel__devq *q, void *call, size_t begin, size_t end);
/* What the device path did with Kaldi frames since the process started (device.c): frames
 * computed by the float kernel, those of them flagged and computed again in float64 or in
 * float-float, frames computed all in float-float (the direct-DFT route of a device without
 * float64) and all in float64. Counted atomically; tests read them before and after a call. */
typedef struct audio_kaldi_counts {
    uint64_t float_frames, redone_double, redone_ff, ff_frames, double_frames;
} audio_kaldi_counts;
void accel__audio_kaldi_counts(audio_kaldi_counts *out);
/* The FFT kernels' stages for n_fft points (nonzero), or 0 when the device path takes the
 * direct DFT route for this size. */
int accel__audio_fft_radices(int n_fft);
/* Computes frames [begin, end) of the call on the CPU (threads inside). */
accel_status accel__audio_run_cpu(accel__device *dev, void *call, size_t begin, size_t end);

/* Post pass on a finished clip output (host): whisper floor at max − 8 and (x + 4) / 4 on the
 * stored frames (windows' zero padding left at 0), constant all-zero frames filled; fbank
 * column-mean subtraction. `n` is the clip length in samples. */
/* seg_min: the clip's stretch minima when the runs stored (v + 4) / 4 (NULL: raw values);
 * gsum, gok: the clip's noted column sums (audio_call; NULL: none). */
accel_status accel__audio_post(accel_ctx *ctx, const audio_plan *pl, int64_t n, float max, float *out,
                               const uint32_t *seg_min, const double *gsum, const uint8_t *gok);
/* log10 of whisper's 1e-10 floor through the kernels' logarithm (all-zero frames' value). */
float accel__audio_whisper_zero_value(void);

/* Column sums for fbank's mean normalisation, in one fixed order whoever computes them: frames
 * in blocks of AUDIO_COLSUM_BLOCK, each block summed in frame order, the blocks added in order.
 * The CPU runs sum the blocks they store whole as they store them, the in-memory post pass
 * the others in parallel, streaming adds frames as chunks arrive; all give the same bits. A
 * block is a whole number of CPU batches (which start at multiples of AUDIO_LANES), small
 * enough that few straddle two runs. */
#define AUDIO_COLSUM_BLOCK (8 * AUDIO_LANES)
typedef struct audio_colsum {
    int n;          /* columns */
    double *total;  /* finished blocks */
    double *part;   /* the open block */
    int64_t frames; /* frames added */
} audio_colsum;
accel_status accel__audio_colsum_init(audio_colsum *c, int n);
void accel__audio_colsum_add(audio_colsum *c, const float *rows, int64_t n_rows);
/* Means into c->total (frames added so far). */
void accel__audio_colsum_mean(audio_colsum *c);
void accel__audio_colsum_free(audio_colsum *c);

/* Per-clip layout of the final output for n samples. */
void accel__audio_layout(const audio_plan *pl, const audio_frames *fr, audio_layout *lay);

/* ---- threads ---- */

/* Runs fn(arg, begin, end) over [0, n) in contiguous parts of at least min_per_worker items
 * on the CPU backend's pool (the calling thread takes part); without a pool, or for small n,
 * on the calling thread. The one place that decides how audio CPU work is split. */
/* The one lock of the tables kept across calls (mel banks, FFT plans), safe across fork()
 * (threads.c). */
void accel__audio_kept_lock(void);
void accel__audio_kept_unlock(void);

typedef void (*audio_task_fn)(void *arg, size_t begin, size_t end);
void accel__audio_parallel(accel_ctx *ctx, size_t n, size_t min_per_worker, audio_task_fn fn,
                           void *arg);

/* ---- sources (source.c + decoders; ogg_walk.c) ---- */

/* The largest Ogg page: a 27-byte header, 255 lacing values, 255 segments of 255 bytes. The
 * check of an Ogg input's end looks at this many of its last bytes. */
#define ACCEL__OGG_MAX_PAGE (27 + 255 + 255 * 255)

/* The page walk of accel__audio_ogg_check_chain made over a stream's bytes as they are read
 * (a pipe cannot go back to decode after a walk): fed every byte in order by
 * accel__audio_ogg_walk_feed, it finds the same page, at the same byte, as the walk over a
 * file. It also keeps the stream's last ACCEL__OGG_MAX_PAGE bytes, the bytes the check of a
 * file's end reads, for the same check once the stream has ended. */
typedef struct audio_ogg_walk {
    unsigned char head[27 + 255]; /* the header of the page being read: 27 bytes, lacing table */
    size_t head_n;
    int64_t body_left; /* bytes of the current page's body still to come */
    int64_t page_at;   /* where the page being read begins */
    int audio_seen;    /* a page that begins no stream went by */
    int stopped;       /* bytes that are no page where one should be: the walk ends there */
    int64_t chain_at;  /* where a second logical stream begins; -1 while none was seen */
    unsigned char *tail; /* its first tail_n bytes: the last bytes fed (at least
                          * ACCEL__OGG_MAX_PAGE once that many came); tail_cap bytes, grown as
                          * they come, at most 2 × ACCEL__OGG_MAX_PAGE */
    size_t tail_n, tail_cap;
    int tail_lost; /* the buffer could not grow */
} audio_ogg_walk;
void accel__audio_ogg_walk_feed(audio_ogg_walk *w, const unsigned char *p, size_t n);

/* The bytes of one input, opened once (input.c): a file, a pipe or FIFO, standard input
 * ("-"), or memory. The format sniff and each decoder read through it. */
typedef struct audio_input {
    int fd;                /* -1 for memory */
    int own_fd;            /* closed by accel__audio_input_close (not standard input) */
    int seekable;          /* a regular file or memory: any position can be read */
    int64_t size;          /* bytes, -1 when unknown (a stream) */
    int64_t pos;           /* where the next read starts */
    int has_identity;      /* dev and ino are the file's (not memory) */
    dev_t dev;
    ino_t ino;
    const unsigned char *mem;
    size_t mem_n;
    /* a stream: bytes read from fd so far, and a copy of them while no decoder has committed */
    int64_t consumed;
    int recording;
    unsigned char *replay;
    size_t replay_n, replay_cap;
    char name[1024];       /* the path as given; "<stdin>" for "-" */
    int wav_tag;           /* the WAV format tag the built-in reader found (0: none yet) */
    int wav_streamed;      /* its data size is a streaming writer's "to the end" (0xFFFFFFFF) */
    const unsigned char *map; /* a regular file mapped for views (accel__audio_input_view) */
    size_t map_len, map_released;
    int ogg_walking;       /* an Ogg stream: every byte read goes through `ogg` */
    audio_ogg_walk ogg;
} audio_input;

/* Opens `path` ("-": standard input). Errors name it: ACCEL_ERR_NOT_FOUND, ACCEL_ERR_IO (a
 * directory, unreadable). */
accel_status accel__audio_input_open(const char *path, audio_input *in);
/* An input over n bytes of memory (the fuzz targets and tests decode from memory); with
 * as_stream it behaves as a pipe would (no size, no going back once a decoder committed). */
void accel__audio_input_memory(const void *data, size_t n, const char *name, int as_stream,
                               audio_input *in);
void accel__audio_input_close(audio_input *in);
/* Reads up to n bytes at in->pos (one read; *got 0 at the end). */
accel_status accel__audio_input_read(audio_input *in, void *buf, size_t n, size_t *got);
/* Reads n bytes unless the input ends first (*got < n then). */
accel_status accel__audio_input_read_full(audio_input *in, void *buf, size_t n, size_t *got);
/* Moves to byte pos. A stream goes back only within what it still holds (before a commit),
 * forward by reading; past its end the position stays at the end. */
accel_status accel__audio_input_seek(audio_input *in, int64_t pos);
/* The next n bytes (fewer at the end: *got) in place, without a copy, the position moved
 * past them: memory, or a regular file through a read-only mapping. NULL for a stream (and
 * where mapping fails): read them instead. The bytes stay valid until the next view or read. */
const unsigned char *accel__audio_input_view(audio_input *in, size_t n, size_t *got);
/* Gives back the mapped pages wholly before `upto` (a pointer from a view); the file's pages
 * stay cached. Nothing for memory input. */
void accel__audio_input_release(audio_input *in, const void *upto);
/* Maps in at once the pages of [p, p + n) (a range of a view) that the file's mapping holds, so
 * that the kernels reading them take no page faults (MADV_POPULATE_READ, Linux 5.14+: one
 * call where touching them faults every 16 pages). Best effort; nothing for memory input. */
void accel__audio_input_populate(audio_input *in, const void *p, size_t n);
/* Starts the page walk (audio_ogg_walk) over a stream, from its first byte: the bytes read so
 * far (still held for the decoders) and every byte read from here on; the walk's copy of the
 * last bytes is freed by accel__audio_input_close. Nothing for a stream that no longer holds
 * its first bytes, or for a seekable input (walked by accel__audio_ogg_check_chain, its end
 * checked by accel__audio_ogg_check_end). */
void accel__audio_input_walk_ogg(audio_input *in);
/* A decoder has accepted the input: a stream stops keeping a copy for the next decoder. */
void accel__audio_input_commit(audio_input *in);
/* The error for an input that ended early: "'<name>': truncated or corrupt: decoded X s of the
 * Y s that its header announces<detail>" (ACCEL_ERR_FORMAT), as every decoder words it. */
accel_status accel__audio_input_cut_short(const audio_input *in, int64_t decoded, int64_t announced,
                                          int rate, const char *detail);

/* A decoder delivers interleaved float32 at the file's rate; the source mixes down and
 * resamples. */
typedef struct audio_decoder {
    const char *name;
    void *state;
    int rate, channels;
    int64_t frames; /* -1 unknown */
    int exact; /* 1: `frames` is the header's count and reads deliver exactly that many or fail
                * (the WAV reader; libsndfile where it trusts the count), so a consumer may lay
                * out its output before reading; 0: an estimate */
    char format[64];
    int finite; /* 1: every sample is a finite number by construction (integer PCM), so the
                 * source skips its check of each block */
    /* reads up to cap frames (cap × channels floats); *got 0 at the end */
    accel_status (*read)(void *state, float *buf, size_t cap, size_t *got);
    void (*close)(void *state);
    /* optional: when the rest of the input is mono 16-bit PCM lying in memory (a mapped file),
     * points *x at it, takes all of it (*n frames; read then gives 0) and returns 1; else 0 */
    int (*view16)(void *state, const int16_t **x, int64_t *n);
} audio_decoder;

/* The decoders read `in` from its first byte (it must outlive the decoder) and name it
 * in->name in messages. */
/* Built-in RIFF WAV reader. ACCEL_ERR_UNSUPPORTED for a valid WAV whose codec it lacks. A data
 * chunk of unknown length (a streaming writer's size) ends where chunks that run to the end of
 * the input begin, looked for in its last ACCEL__WAV_TAIL bytes: read from a file's end, held
 * back from a pipe until it ends. */
#define ACCEL__WAV_TAIL ((size_t)1 << 20)
accel_status accel__audio_wav_open(audio_input *in, audio_decoder *d);
/* libsndfile (a stream only when its header fits what the input still holds);
 * ACCEL_ERR_NOT_BUILT_IN without it. */
accel_status accel__audio_sndfile_open(audio_input *in, audio_decoder *d);
/* FFmpeg, through a custom I/O context; ACCEL_ERR_NOT_BUILT_IN without it. */
accel_status accel__audio_ffmpeg_open(audio_input *in, audio_decoder *d);
/* libmpg123 for MPEG audio (MP3, MPEG in WAV), quiet, through its feed API; ACCEL_ERR_NOT_BUILT_IN
 * without it. Leading bytes that are not MPEG are skipped (at most 1 MiB). */
accel_status accel__audio_mpg123_open(audio_input *in, audio_decoder *d);

/* The optional libraries this build has (tests adapt to them). */
#define ACCEL__AUDIO_HAVE_SNDFILE 1u
#define ACCEL__AUDIO_HAVE_SOXR 2u
#define ACCEL__AUDIO_HAVE_FFMPEG 4u
#define ACCEL__AUDIO_HAVE_MPG123 8u
unsigned accel__audio_built(void);

/* Index of the first NaN or ±Inf of x[0, n), or n when all are finite. Samples must be finite:
 * the reference implementations turn one NaN into NaN features, the kernels would give the
 * features of silence, so accel refuses such input (docs/audio.md). */
size_t accel__audio_first_nonfinite(const float *x, size_t n);
/* "NaN", "+Inf" or "-Inf". */
const char *accel__audio_nonfinite_name(float v);

/* 1 with the device and inode of the file a source reads, 0 for memory (and inputs without
 * one). */
/* An Ogg input (seekable, size known) ends with a whole page marked end-of-stream: ACCEL_OK,
 * or ACCEL_ERR_FORMAT "truncated or corrupt: …" naming it. The position is kept. */
accel_status accel__audio_ogg_check_end(audio_input *in);
/* An Ogg input (seekable, size known) holds one chain link: no page that begins a logical
 * stream after pages of audio (a chained file, `cat a.ogg b.ogg`), which libsndfile would
 * decode only the first of. ACCEL_OK (also when a page is not where one should be: the
 * decoder reports that), or ACCEL_ERR_FORMAT naming the byte where the second stream begins.
 * The position is kept. */
accel_status accel__audio_ogg_check_chain(audio_input *in);
/* For an Ogg stream whose walk is on (accel__audio_input_walk_ogg): the refusal of
 * accel__audio_ogg_check_chain, once the walk has met a second stream; with at_end (the
 * decoder has ended), the rest of the stream is first read (and dropped) through the walk, up
 * to its end or the page that begins a second stream, and then a stream that ended is checked
 * as accel__audio_ogg_check_end checks a file, on the same last bytes, refused in the same
 * words. ACCEL_OK for any other input. */
accel_status accel__audio_ogg_check_stream(audio_input *in, int at_end);
/* 1 when the source reads a regular file or memory, whose length is known before decoding
 * (a header's count can be checked against it); 0 for a pipe or standard input. */
int accel__audio_source_seekable(const accel_audio_source *s);
int accel__audio_source_identity(const accel_audio_source *s, dev_t *dev, ino_t *ino);
/* The name accel_audio_features_npy() writes under before renaming to npy_path:
 * "<npy_path>.partial-<pid>" (a caller that is interrupted removes it: see cmd_audio.c). */
void accel__audio_partial_path(const char *npy_path, char *buf, size_t cap);
/* Creates the file `tmp` (such a name, or the spill's) for writing with `flags` (O_WRONLY or
 * O_RDWR) and `mode`, never through what was at that name before: the name is predictable,
 * and a link planted there by someone who can write to the directory would have had accel
 * overwrite its target. A file or link already there (left by a killed run of the same pid)
 * is removed first. Returns the descriptor, or -1 with errno set. */
int accel__audio_partial_open(const char *tmp, int flags, mode_t mode);

/* The number of samples the source will deliver, known before the first read: a memory
 * source without resampling, a file whose decoder's count is exact (audio_decoder.exact: a WAV
 * with a declared data size, libsndfile's FLAC and Ogg; each calls a shorter input truncated);
 * -1 otherwise (estimates, streamed WAV, resampling, reading begun). */
int64_t accel__audio_source_exact_frames(const accel_audio_source *s);
/* A source that is 16-bit PCM, mono, at its output rate and lies in memory (int16 memory, a
 * mapped 16-bit WAV), not read from yet: its samples in place, all of them taken (the source is
 * at its end afterwards). 0 otherwise, the source untouched. */
int accel__audio_source_pcm16(accel_audio_source *s, const int16_t **x, int64_t *n);
/* Gives back the pages of a mapped source wholly before sample `upto` (after
 * accel__audio_source_pcm16: bounded memory for long inputs). */
void accel__audio_source_release(accel_audio_source *s, int64_t upto);
/* Maps in the pages of a mapped source's samples [from, to) ahead of the kernels (after
 * accel__audio_source_pcm16). */
void accel__audio_source_populate(accel_audio_source *s, int64_t from, int64_t to);
/* The path a source was opened from ("(memory)" for memory sources). */
const char *accel__audio_source_path(const accel_audio_source *s);

/* Resampler: streaming, mono. libsoxr (HQ) when built with it. */
typedef struct audio_resampler audio_resampler;
accel_status accel__audio_resampler_new(int in_rate, int out_rate, audio_resampler **out);
/* Consumes all n input samples (in may be NULL with n 0 and flush 1 at the end) and appends
 * output to *buf (grown with realloc), *len updated. */
accel_status accel__audio_resample(audio_resampler *r, const float *in, size_t n, int flush,
                                   float **buf, size_t *len, size_t *cap);
void accel__audio_resampler_free(audio_resampler *r);
const char *accel__audio_resampler_name(void);

/* ---- .npy files (npy.c) ---- */
/* Writes a v1.0 header for float32 C-order `shape` padded to 128 bytes (so it can be
 * rewritten in place when the shape is known at the end). */
accel_status accel__npy_header(char hdr[128], const size_t *shape, int ndim);
accel_status accel__npy_write(const char *path, const float *data, const size_t *shape, int ndim);

/* ---- benchmark input (bench.c) for the `accel bench` cases (bench_case.c) ---- */
typedef struct audio_bench audio_bench;
/* A preset on N seconds of the library's speech-like audio, with its output buffer. */
struct audio_bench {
    accel_audio_params p;
    float *x;
    size_t n;
    float *out;
    size_t out_len;
};

/* `seconds` of the demo clip plus low noise for `preset`, in memory, with the output buffer
 * allocated. */
accel_status accel__audio_bench_new(const char *preset, double seconds, audio_bench **out);
/* The same shapes with silent samples and no output buffer: what the chunk planner needs to
 * evaluate a memory formula (no synthesis, nothing touched). */
accel_status accel__audio_bench_shape(const char *preset, double seconds, audio_bench **out);
void accel__audio_bench_free(audio_bench *b);

/* ---- misc ---- */
/* Chunk length for long inputs into *out: ACCEL_CHUNK_SECONDS when set, else `def`
 * shortened to what accel_plan_chunk says fits (chunk_len.c). `def` when the duration is not
 * known (a pipe) or the device's memory cannot be planned for; an unknown `op` or a bad `rate`
 * is the caller's mistake and its status is returned, never planned as `def`. */
accel_status accel__audio_chunk_seconds(accel_ctx *ctx, const char *op, double duration_s,
                                        int rate, double def, double *out);
/* A few seconds of formant-synthesised vowels at 16 kHz (the demo clip); caller frees. */
accel_status accel__audio_demo_clip(double seconds, float **out, size_t *n);
/* The demo clip's length in samples for `seconds` (16 kHz), or why not. */
accel_status accel__audio_demo_len(double seconds, size_t *n);

#endif
