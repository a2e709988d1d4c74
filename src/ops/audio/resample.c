/* resample.c — sample-rate conversion for decoded audio: libsoxr at its high-quality setting
 * (SOXR_HQ: 20-bit precision, linear phase, pass band to 91.3 % of Nyquist), streaming so a
 * long file never sits whole in memory. Without libsoxr, inputs at another rate than the one
 * asked for are refused with ACCEL_ERR_NOT_BUILT_IN. */
#include "audio_internal.h"

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
};

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
    *out = r;
    return ACCEL_OK;
}

static accel_status grow(float **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return ACCEL_OK;
    size_t c = *cap ? *cap : 4096;
    while (c < need) c *= 2;
    float *b = realloc(*buf, c * sizeof *b);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory resampling");
    *buf = b;
    *cap = c;
    return ACCEL_OK;
}

accel_status accel__audio_resample(audio_resampler *r, const float *in, size_t n, int flush,
                                   float **buf, size_t *len, size_t *cap)
{
    size_t used = 0;
    while (used < n) {
        size_t room = (size_t)((double)(n - used) * r->ratio) + 256;
        FORWARD_IF_ERROR(grow(buf, cap, *len + room));
        size_t idone = 0, odone = 0;
        soxr_error_t err = sox.soxr_process(r->s, in + used, n - used, &idone, *buf + *len, room, &odone);
        RETURN_ERROR_IF(err, ACCEL_ERR_VENDOR, "libsoxr: %s", err);
        used += idone;
        *len += odone;
        if (idone == 0 && odone == 0) break;
    }
    if (flush)
        for (;;) {
            FORWARD_IF_ERROR(grow(buf, cap, *len + 4096));
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
