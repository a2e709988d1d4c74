/* fuzz_mpg123 — MPEG audio through libmpg123 as accel drives it (src/ops/audio/decode_mpg123.c):
 * the feed loop, the search for a first frame within 1 MiB, format changes, the early-end check
 * against the Xing/Info header. The bytes are read as a file and as a pipe, and both readings
 * must agree: the same frames, or both refused. Frames are short; the Xing header is in the
 * first one: fuzz.sh flags: -max_len=16384 */
#include "fuzz_audio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reading file = fuzz_decode(accel__audio_mpg123_open, "fuzz.mp3", data, size, 0),
                 pipe = fuzz_decode(accel__audio_mpg123_open, "fuzz.mp3", data, size, 1);
    FUZZ_CHECK(file.st == pipe.st);
    if (file.st == ACCEL_OK) {
        FUZZ_CHECK(file.frames == pipe.frames && file.hash == pipe.hash);
        FUZZ_CHECK(file.rate == pipe.rate && file.channels == pipe.channels);
    }
    return 0;
}
