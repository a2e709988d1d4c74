/* resample.c — sample-rate conversion for decoded audio: libsoxr at its high-quality setting
 * (SOXR_HQ: 20-bit precision, linear phase, pass band to 91.3 % of Nyquist), streaming so a
 * long file never sits whole in memory. Without libsoxr, inputs at another rate than the one
 * asked for are refused with ACCEL_ERR_NOT_BUILT_IN. */
#include "audio_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef ACCEL_HAVE_SOXR
#include <soxr.h>

#include "lazy_lib.h"

/* libsoxr is opened on first use (lazy_lib.h), not linked. */
#define SOX_FUNCS(X) X(soxr_create) X(soxr_delete) X(soxr_io_spec) X(soxr_process) X(soxr_quality_spec)

static struct {
    SOX_FUNCS(AUDIO_LAZY_PTR)
} sox;
static const char *const sox_symbols[] = {SOX_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof sox == sizeof sox_symbols / sizeof *sox_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const sox_sonames[] = {"libsoxr.so.0"};
static audio_lazy_lib sox_lib = {
    .what = "libsoxr",
    .sonames = sox_sonames,
    .n_sonames = 1,
    .symbols = sox_symbols,
    .slots = (void **)&sox,
    .n_symbols = sizeof sox_symbols / sizeof *sox_symbols,
    .install = "libsoxr0",
    .once = PTHREAD_ONCE_INIT,
};

struct audio_resampler {
    soxr_t s;
    double ratio;
    int in_rate, out_rate;
};

/* The most output one soxr_process call is asked for. libsoxr buffers what a call produces
 * beyond `olen` internally, sized by the input given, and does not survive its own allocation
 * failing (it copies into the buffer it did not get): 16 384 samples at 1 Hz resampled to
 * 16 kHz once asked it for a gigabyte and crashed in memcpy under an address-space limit. So
 * the input goes in pieces whose output is at most this, and libsoxr's buffers stay small. */
#define PIECE_OUT 65536

const char *accel__audio_resampler_name(void) { return "libsoxr HQ"; }

accel_status accel__audio_resampler_new(int in_rate, int out_rate, audio_resampler **out)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&sox_lib, NULL));
    audio_resampler *r = calloc(1, sizeof *r);
    RETURN_ERROR_IF(!r, ACCEL_ERR_NO_MEMORY, "out of memory");
    soxr_error_t err = NULL;
    soxr_io_spec_t io = sox.soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = sox.soxr_quality_spec(SOXR_HQ, 0);
    r->s = sox.soxr_create((double)in_rate, (double)out_rate, 1, &err, &io, &q, NULL);
    if (!r->s || err) {
        free(r);
        return ACCEL_ERROR(ACCEL_ERR_VENDOR, "libsoxr cannot resample %d Hz to %d Hz: %s", in_rate,
                           out_rate, err ? err : "unknown error");
    }
    r->ratio = (double)out_rate / (double)in_rate;
    r->in_rate = in_rate;
    r->out_rate = out_rate;
    *out = r;
    return ACCEL_OK;
}

/* Room for `need` samples in *buf: doubled, or exactly `need` when doubling is not enough
 * (one large reservation is not overshot twofold). */
static accel_status grow(audio_resampler *r, size_t n, float **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return ACCEL_OK;
    size_t c = *cap ? *cap * 2 : 4096;
    if (c < need) c = need;
    float *b = c <= SIZE_MAX / sizeof *b ? realloc(*buf, c * sizeof *b) : NULL;
    if (!b && c > need) b = realloc(*buf, need * sizeof *b), c = need;
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY,
                    "out of memory resampling %zu samples from %d Hz to %d Hz: their %zu output "
                    "samples (%.1f MiB) do not fit in memory",
                    n, r->in_rate, r->out_rate, need, (double)need * sizeof *b / 1048576.0);
    *buf = b;
    *cap = c;
    return ACCEL_OK;
}

accel_status accel__audio_resample(audio_resampler *r, const float *in, size_t n, int flush,
                                   float **buf, size_t *len, size_t *cap)
{
    /* the whole call's output reserved first: a call that cannot fit fails here, before
     * libsoxr has been given anything */
    double out_n = (double)n * r->ratio + 256.0;
    RETURN_ERROR_IF(out_n >= (double)(SIZE_MAX / sizeof(float)) - (double)*len, ACCEL_ERR_NO_MEMORY,
                    "resampling %zu samples from %d Hz to %d Hz: %.0f output samples are more "
                    "than memory can hold", n, r->in_rate, r->out_rate, out_n);
    FORWARD_IF_ERROR(grow(r, n, buf, cap, *len + (size_t)out_n));
    size_t piece = r->ratio > 1.0 ? (size_t)(PIECE_OUT / r->ratio) : PIECE_OUT;
    if (piece < 1) piece = 1;
    size_t used = 0;
    while (used < n) {
        size_t k = n - used < piece ? n - used : piece;
        size_t room = (size_t)((double)k * r->ratio) + 256;
        FORWARD_IF_ERROR(grow(r, n, buf, cap, *len + room));
        size_t idone = 0, odone = 0;
        soxr_error_t err = sox.soxr_process(r->s, in + used, k, &idone, *buf + *len, room, &odone);
        RETURN_ERROR_IF(err, ACCEL_ERR_VENDOR, "libsoxr: %s", err);
        used += idone;
        *len += odone;
        if (idone == 0 && odone == 0) break;
    }
    if (flush)
        for (;;) {
            FORWARD_IF_ERROR(grow(r, n, buf, cap, *len + 4096));
            size_t odone = 0;
            soxr_error_t err = sox.soxr_process(r->s, NULL, 0, NULL, *buf + *len, 4096, &odone);
            RETURN_ERROR_IF(err, ACCEL_ERR_VENDOR, "libsoxr: %s", err);
            *len += odone;
            if (odone == 0) break;
        }
    return ACCEL_OK;
}

void accel__audio_resampler_free(audio_resampler *r)
{
    if (!r) return;
    sox.soxr_delete(r->s);
    free(r);
}

#else

struct audio_resampler {
    int unused;
};

const char *accel__audio_resampler_name(void) { return "none (built without libsoxr)"; }

accel_status accel__audio_resampler_new(int in_rate, int out_rate, audio_resampler **out)
{
    *out = NULL;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN,
                       "resampling %d Hz to %d Hz needs libsoxr, which is not built in (give "
                       "%d Hz audio or rebuild with libsoxr-dev)", in_rate, out_rate, out_rate);
}

accel_status accel__audio_resample(audio_resampler *r, const float *in, size_t n, int flush,
                                   float **buf, size_t *len, size_t *cap)
{
    (void)r, (void)in, (void)n, (void)flush, (void)buf, (void)len, (void)cap;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "resampling is not built in");
}

void accel__audio_resampler_free(audio_resampler *r) { (void)r; }

#endif
