/* conf_audio.c — the audio front ends on one device against the CPU's result, within each
 * preset's documented bound (docs/audio.md), on white noise, a loud tone and edge lengths
 * (no sample, one sample, one frame ± 1, a prime, several 30-s windows, more frames than a
 * device computes in one slice), outputs poisoned with guard elements after the end. The
 * golden tests (tests/audio) compare the CPU with the
 * reference implementations; this file extends that to every device.
 *
 * Besides the presets as they are, two variants take a device's other route, the direct DFT
 * in global memory (frames, DFT, filterbank kernels) instead of the FFT kernels, on the
 * shorter inputs: every preset with the device reporting 1 KiB of local memory (what a device
 * with less local memory than the FFT kernels declare gets), and fbank-80 with 23-ms frames
 * not rounded to a power of two (n_fft 368 = 16·23, a size the FFT kernels do not take).
 * fbank-80 also runs as on a GPU with float64 where the device computes on the host's CPU
 * (PoCL: host_cpu set to 0; a device that computes on the host runs Kaldi all in float64),
 * the frames its float kernel flags computed again in float64; with the device's fp64 set to 0
 * (the information src/ops/audio/device.c reads: the code a device without double precision
 * runs), those frames computed again in float-float instead; and with that and 1 KiB of local
 * memory, every frame in float-float by the direct-DFT route. */
#include "conf.h"
#include "ops/audio/audio_internal.h"

#include <math.h>

enum { AS_IS, SMALL_LOCAL_MEMORY, FRAMES_23MS, AS_GPU, NO_FP64, NO_FP64_SMALL_LOCAL_MEMORY };

typedef struct {
    const char *preset;
    double tol; /* largest |device − CPU| allowed, output units */
    int variant;
    const char *label;
} audio_preset;

/* Shape and length of the output for n samples; 0 (with a mismatch) when there is none. */
static int out_len(conf_tally *t, const audio_preset *ap, const accel_audio_params *p, size_t n,
                   size_t *len)
{
    size_t shape[3];
    int nd = 0;
    if (accel_audio_shape(p, n, shape, &nd) != ACCEL_OK) {
        conf_mismatch(t, "%s: no shape for %zu samples: %s", ap->label, n, accel_last_error(NULL));
        return 0;
    }
    *len = 1;
    for (int i = 0; i < nd; i++) *len *= shape[i];
    return 1;
}

/* Compares clip k's output with the CPU's: every element written and within tolerance, the
 * guard elements after it untouched. */
static void compare(conf_tally *t, const audio_preset *ap, const char *what, size_t n,
                    const float *got, const float *ref, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        t->elements++;
        if (conf_is_poison(&got[i], sizeof got[i])) {
            conf_mismatch(t, "%s%s, %zu samples: element %zu never written", ap->label, what, n, i);
            continue;
        }
        double e = fabs((double)got[i] - (double)ref[i]);
        if (e / ap->tol > t->worst) t->worst = e / ap->tol;
        if (!(e <= ap->tol))
            conf_mismatch(t, "%s%s, %zu samples: element %zu: device %.9g, CPU %.9g", ap->label,
                          what, n, i, got[i], ref[i]);
    }
    if (!conf_is_poison(got + len, CONF_GUARD * sizeof *got))
        conf_mismatch(t, "%s%s, %zu samples: written past the end", ap->label, what, n);
}

/* One call with n_clips clips (xs[k], ns[k] samples) on the device and on the CPU. */
static void clips_case(const conf_dev *d, conf_tally *t, const audio_preset *ap,
                       const float *const *xs, const size_t *ns, size_t n_clips, int cpu_index)
{
    accel_audio_params p = {.struct_size = sizeof p};
    if (accel_audio_params_preset(ap->preset, &p) != ACCEL_OK) {
        conf_mismatch(t, "%s: preset unknown: %s", ap->preset, accel_last_error(NULL));
        return;
    }
    if (ap->variant == FRAMES_23MS) {
        p.frame_length_ms = 23.0;
        p.round_to_power_of_two = 0;
    }
    enum { MAX_CLIPS = 8 };
    size_t len[MAX_CLIPS];
    float *got[MAX_CLIPS] = {0}, *ref[MAX_CLIPS] = {0};
    const void *clips[MAX_CLIPS];
    int ok = n_clips <= MAX_CLIPS;
    for (size_t k = 0; ok && k < n_clips; k++) {
        clips[k] = xs[k];
        ok = out_len(t, ap, &p, ns[k], &len[k]);
        if (ok) {
            got[k] = malloc((len[k] + CONF_GUARD) * sizeof *got[k]);
            ref[k] = malloc((len[k] + CONF_GUARD) * sizeof *ref[k]);
            ok = got[k] && ref[k];
            if (!ok) conf_mismatch(t, "out of memory");
        }
        if (ok) {
            conf_poison(got[k], (len[k] + CONF_GUARD) * sizeof *got[k]);
            conf_poison(ref[k], (len[k] + CONF_GUARD) * sizeof *ref[k]);
        }
    }
    if (ok) {
        accel_run_record rec = {.struct_size = sizeof rec};
        int64_t local_mem = d->dev->info.local_mem;
        int fp64 = d->dev->info.fp64, host_cpu = d->dev->info.host_cpu;
        if (ap->variant == AS_GPU) d->dev->info.host_cpu = 0;
        if (ap->variant == SMALL_LOCAL_MEMORY || ap->variant == NO_FP64_SMALL_LOCAL_MEMORY)
            d->dev->info.local_mem = 1024;
        if (ap->variant == NO_FP64 || ap->variant == NO_FP64_SMALL_LOCAL_MEMORY) d->dev->info.fp64 = 0;
        accel_status st = accel__audio_features_on(d->ctx, (int)d->index, &p, ACCEL_F32, clips,
                                                   ns, n_clips, got, &rec);
        d->dev->info.local_mem = local_mem;
        d->dev->info.fp64 = fp64;
        d->dev->info.host_cpu = host_cpu;
        accel_status sr = accel__audio_features_on(d->ctx, cpu_index, &p, ACCEL_F32, clips, ns,
                                                   n_clips, ref, NULL);
        t->cases++;
        if (st != ACCEL_OK || sr != ACCEL_OK) {
            conf_mismatch(t, "%s, %zu samples%s: device %s, CPU %s (%s)", ap->label, ns[0],
                          n_clips > 1 ? " and more clips" : "", accel_status_name(st),
                          accel_status_name(sr), accel_last_error(d->ctx));
        } else {
            if (rec.device_used != (int)d->index)
                conf_mismatch(t, "%s, %zu samples: ran on device %d, not %zu", ap->label, ns[0],
                              rec.device_used, d->index);
            for (size_t k = 0; k < n_clips; k++) {
                char what[48] = "";
                if (n_clips > 1) snprintf(what, sizeof what, " (clip %zu of %zu)", k, n_clips);
                compare(t, ap, what, ns[k], got[k], ref[k], len[k]);
            }
        }
    }
    for (size_t k = 0; k < n_clips && k < MAX_CLIPS; k++) {
        free(got[k]);
        free(ref[k]);
    }
}

static void one(const conf_dev *d, conf_tally *t, const audio_preset *ap, const float *x,
                size_t n, int cpu_index)
{
    clips_case(d, t, ap, &x, &n, 1, cpu_index);
}

size_t conf_audio_max_samples = (size_t)-1;

void conf_audio(const conf_dev *d, conf_tally *t, const char *op)
{
    static const audio_preset presets[] = {
        {"whisper-80", 2e-4, AS_IS, "whisper-80"},
        {"whisper-128", 2e-4, AS_IS, "whisper-128"},
        {"vggish", 1e-3, AS_IS, "vggish"},
        {"fbank-80", 1e-3, AS_IS, "fbank-80"},
        {"whisper-80", 2e-4, SMALL_LOCAL_MEMORY, "whisper-80 (DFT route)"},
        {"whisper-128", 2e-4, SMALL_LOCAL_MEMORY, "whisper-128 (DFT route)"},
        {"vggish", 1e-3, SMALL_LOCAL_MEMORY, "vggish (DFT route)"},
        {"fbank-80", 1e-3, SMALL_LOCAL_MEMORY, "fbank-80 (DFT route)"},
        {"fbank-80", 1e-3, FRAMES_23MS, "fbank-80, 23-ms frames"},
        {"fbank-80", 1e-3, AS_GPU, "fbank-80 (as on a GPU)"},
        {"fbank-80", 1e-3, NO_FP64, "fbank-80 (no fp64)"},
        {"fbank-80", 1e-3, NO_FP64_SMALL_LOCAL_MEMORY, "fbank-80 (no fp64, DFT route)"}};
    /* 61 s: three whisper windows, the last one partial; 331 s: more frames than a device
     * computes in one slice (SLICE in src/ops/audio/device.c) */
    static const size_t sizes[] = {0, 1, 399, 400, 401, 16411, 15360, 976000, 5296007};
    const size_t dft_max = 16411; /* the DFT route's cases: O(n_fft²) per frame */
    size_t cpu = d->ctx->n_devs - 1;
    size_t nmax = sizes[sizeof sizes / sizeof *sizes - 1];
    float *noise = malloc(nmax * sizeof *noise), *tone = malloc(nmax * sizeof *tone);
    if (!noise || !tone) {
        conf_mismatch(t, "out of memory");
        free(noise);
        free(tone);
        return;
    }
    uint64_t seed = 0x5eed0a0d10ull;
    for (size_t i = 0; i < nmax; i++) {
        noise[i] = (float)(conf_uniform(&seed) * 2 - 1) * 0.3f;
        tone[i] = (float)(0.99 * sin(2 * M_PI * 440.0 * (double)i / 16000.0));
    }
    for (size_t k = 0; k < sizeof presets / sizeof *presets; k++) {
        accel_audio_params p = {.struct_size = sizeof p};
        accel_audio_params_preset(presets[k].preset, &p);
        if (strcmp(accel__audio_op(p.kind)->name, op) != 0) continue;
        /* the device-information variants change nothing on the CPU, and as a GPU nothing on one */
        int v = presets[k].variant;
        if ((v == AS_GPU || v == NO_FP64 || v == NO_FP64_SMALL_LOCAL_MEMORY) && d->is_cpu) continue;
        if (v == AS_GPU && !d->dev->info.host_cpu) continue;
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            int long_ok = presets[k].variant == AS_IS || presets[k].variant == AS_GPU || presets[k].variant == NO_FP64;
            if (!long_ok && sizes[s] > dft_max) continue;
            if (sizes[s] > conf_audio_max_samples) continue;
            one(d, t, &presets[k], noise, sizes[s], (int)cpu);
            if (sizes[s] >= 400 && sizes[s] <= 16411) one(d, t, &presets[k], tone, sizes[s], (int)cpu);
        }
        /* several clips in one call: a device call's frames span clips (and, with a small
         * memory budget, batches end inside them) */
        const float *xs[] = {noise, tone, noise + 7, tone + 3, noise + 11};
        size_t ns[] = {16411, 0, 401,
                       presets[k].variant == SMALL_LOCAL_MEMORY || presets[k].variant == FRAMES_23MS ||
                               presets[k].variant == NO_FP64_SMALL_LOCAL_MEMORY
                           ? 4000
                           : 976000,
                       1};
        for (size_t c = 0; c < sizeof ns / sizeof *ns; c++)
            if (ns[c] > conf_audio_max_samples) ns[c] = conf_audio_max_samples;
        clips_case(d, t, &presets[k], xs, ns, sizeof ns / sizeof *ns, (int)cpu);
    }
    free(noise);
    free(tone);
}

void conf_whisper(const conf_dev *d, conf_tally *t) { conf_audio(d, t, "whisper"); }
void conf_vggish(const conf_dev *d, conf_tally *t) { conf_audio(d, t, "vggish"); }
void conf_fbank(const conf_dev *d, conf_tally *t) { conf_audio(d, t, "fbank"); }
