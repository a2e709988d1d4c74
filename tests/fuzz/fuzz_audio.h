/* fuzz_audio.h — what the audio decoders' fuzz targets share: one decode of the bytes through a
 * decoder's open function, as a file (any position readable) or as a pipe (forward only, no
 * size), summed up so that the two readings can be compared. */
#ifndef ACCEL_FUZZ_AUDIO_H
#define ACCEL_FUZZ_AUDIO_H

#include "fuzz.h"
#include "ops/audio/audio_internal.h"

typedef struct {
    accel_status st;
    int rate, channels;
    int64_t frames;   /* delivered */
    uint64_t hash;    /* of the samples' bits */
    size_t first_bad; /* index of the first non-finite sample, SIZE_MAX when none */
} fuzz_reading;

/* as_stream 2: a file whose samples are taken in place where the decoder offers them
 * (audio_decoder.view16: 16-bit mono PCM), widened here as the kernels widen them. */
static inline fuzz_reading fuzz_decode(accel_status (*open)(audio_input *, audio_decoder *),
                                       const char *name, const uint8_t *data, size_t size,
                                       int as_stream)
{
    fuzz_reading r = {0};
    r.first_bad = SIZE_MAX;
    audio_input in;
    accel__audio_input_memory(data, size, name, as_stream == 1, &in);
    audio_decoder d;
    r.st = open(&in, &d);
    if (r.st == ACCEL_OK) {
        accel__audio_input_commit(&in);
        r.rate = d.rate;
        r.channels = d.channels;
        FUZZ_CHECK(d.channels >= 1 && d.rate >= 1);
        size_t cap = 4096;
        float *buf = malloc(cap * (size_t)d.channels * sizeof *buf);
        FUZZ_CHECK(buf != NULL);
        uint64_t h = 0;
        const int16_t *x16 = NULL;
        int64_t n16 = 0;
        if (as_stream == 2 && d.view16 && d.view16(d.state, &x16, &n16)) {
            FUZZ_CHECK(d.channels == 1 && n16 >= 0);
            for (int64_t i = 0; i < n16;) { /* hashed in the pieces a read would give */
                size_t got = (size_t)(n16 - i) < cap ? (size_t)(n16 - i) : cap;
                for (size_t k = 0; k < got; k++) buf[k] = (float)x16[i + (int64_t)k] * (1.0f / 32768.0f);
                h = accel__hash64(buf, got * sizeof *buf, h);
                r.frames += (int64_t)got;
                i += (int64_t)got;
            }
        }
        for (int guard = 0; guard < 1 << 20; guard++) {
            size_t got = 0;
            accel_status st = d.read(d.state, buf, cap, &got);
            if (st != ACCEL_OK) {
                r.st = st;
                break;
            }
            if (!got) break;
            FUZZ_CHECK(got <= cap);
            size_t vals = got * (size_t)d.channels;
            size_t bad = accel__audio_first_nonfinite(buf, vals);
            if (bad < vals && r.first_bad == SIZE_MAX)
                r.first_bad = (size_t)r.frames * (size_t)d.channels + bad;
            h = accel__hash64(buf, vals * sizeof *buf, h);
            r.frames += (int64_t)got;
        }
        r.hash = h;
        free(buf);
        d.close(d.state);
    }
    accel__clear_error();
    accel__audio_input_close(&in);
    return r;
}

/* What the targets of a decoding library (fuzz_sndfile, fuzz_ffmpeg) check: the bytes read
 * twice as a file and once as a pipe end in a sample stream or a format error (or, in a build
 * without the library or without it installed, the same refusal for every input), and the two
 * readings of the file agree to the bit: nothing depends on memory left unset. */
static inline int fuzz_decoder_status_known(accel_status st)
{
    return st == ACCEL_OK || st == ACCEL_ERR_FORMAT || st == ACCEL_ERR_IO || st == ACCEL_ERR_NOT_BUILT_IN ||
           st == ACCEL_ERR_UNAVAILABLE;
}

static inline void fuzz_library_decoder(accel_status (*open)(audio_input *, audio_decoder *), const char *name,
                                        const uint8_t *data, size_t size)
{
    fuzz_reading a = fuzz_decode(open, name, data, size, 0), b = fuzz_decode(open, name, data, size, 0),
                 pipe = fuzz_decode(open, name, data, size, 1);
    FUZZ_CHECK(fuzz_decoder_status_known(a.st) && fuzz_decoder_status_known(pipe.st));
    FUZZ_CHECK(a.st == b.st && a.frames == b.frames && a.hash == b.hash);
    FUZZ_CHECK(a.frames >= 0 && pipe.frames >= 0);
}

#endif
