/* fuzz_mpg123 — MPEG audio through libmpg123 as accel drives it (src/ops/audio/decode_mpg123.c):
 * the feed loop, the search for a first frame within 1 MiB, format changes, the early-end check
 * against the Xing/Info header. The bytes are read as a file and as a pipe, and both readings
 * must agree: the same frames, or both refused. Frames are short; the Xing header is in the
 * first one: fuzz.sh flags: -max_len=16384 */
#include "fuzz.h"
#include "ops/audio/audio_internal.h"

typedef struct {
    accel_status st;
    int rate, channels;
    int64_t frames; /* delivered */
    uint64_t hash;  /* of the samples' bits */
} reading;

static reading decode(const uint8_t *data, size_t size, int as_stream)
{
    reading r = {0};
    audio_input in;
    accel__audio_input_memory(data, size, "fuzz.mp3", as_stream, &in);
    audio_decoder d;
    r.st = accel__audio_mpg123_open(&in, &d);
    if (r.st == ACCEL_OK) {
        accel__audio_input_commit(&in);
        r.rate = d.rate;
        r.channels = d.channels;
        FUZZ_CHECK(d.channels >= 1 && d.channels <= 2 && d.rate >= 1);
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
            h = accel__hash64(buf, got * (size_t)d.channels * sizeof *buf, h);
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
    FUZZ_CHECK(file.st == pipe.st);
    if (file.st == ACCEL_OK) {
        FUZZ_CHECK(file.frames == pipe.frames && file.hash == pipe.hash);
        FUZZ_CHECK(file.rate == pipe.rate && file.channels == pipe.channels);
    }
    return 0;
}
