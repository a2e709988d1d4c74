/* fuzz_wav — the built-in RIFF WAV reader (src/ops/audio/decode_wav.c): header, chunks, every
 * sample format, and the finite-sample check. The bytes are read twice, as a file (any
 * position readable) and as a pipe (forward only, no size), and both readings must agree:
 * the same frames, or both refused. The header and chunk structure sit in the first bytes:
 * fuzz.sh flags: -max_len=4096 */
#include "fuzz.h"
#include "ops/audio/audio_internal.h"

#include <math.h>

typedef struct {
    accel_status st;
    int rate, channels;
    int64_t frames;  /* delivered */
    uint64_t hash;   /* of the samples' bits */
    size_t first_bad;
} reading;

static reading decode(const uint8_t *data, size_t size, int as_stream)
{
    reading r = {0};
    r.first_bad = SIZE_MAX;
    audio_input in;
    accel__audio_input_memory(data, size, "fuzz.wav", as_stream, &in);
    audio_decoder d;
    r.st = accel__audio_wav_open(&in, &d);
    if (r.st == ACCEL_OK) {
        accel__audio_input_commit(&in);
        r.rate = d.rate;
        r.channels = d.channels;
        FUZZ_CHECK(d.channels >= 1 && d.rate >= 1);
        size_t cap = 4096;
        float *buf = malloc(cap * (size_t)d.channels * sizeof *buf);
        FUZZ_CHECK(buf != NULL);
        uint64_t h = 0;
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
            if (bad < vals && r.first_bad == SIZE_MAX) r.first_bad = (size_t)r.frames * (size_t)d.channels + bad;
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reading file = decode(data, size, 0), pipe = decode(data, size, 1);
    /* A file knows its size and refuses a data chunk longer than it; a pipe cannot know and
     * finds the end while reading. Both refuse such input, maybe at different steps. */
    FUZZ_CHECK((file.st == ACCEL_OK) == (pipe.st == ACCEL_OK));
    if (file.st == ACCEL_OK) {
        FUZZ_CHECK(file.frames == pipe.frames && file.hash == pipe.hash);
        FUZZ_CHECK(file.rate == pipe.rate && file.channels == pipe.channels);
        FUZZ_CHECK(file.first_bad == pipe.first_bad);
    }
    return 0;
}
