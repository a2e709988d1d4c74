/* fuzz_wav — the built-in RIFF WAV reader (src/ops/audio/decode_wav.c): header, chunks, every
 * sample format, and the finite-sample check. The bytes are read three times, as a file (any
 * position readable), as a pipe (forward only, no size) and as a file whose 16-bit mono
 * samples are taken in place (view16), and the readings must agree: the same frames, or all
 * refused. The header and chunk structure sit in the first bytes:
 * fuzz.sh flags: -max_len=4096 */
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
    fuzz_reading file = fuzz_decode(accel__audio_wav_open, "fuzz.wav", data, size, 0),
                 pipe = fuzz_decode(accel__audio_wav_open, "fuzz.wav", data, size, 1),
                 view = fuzz_decode(accel__audio_wav_open, "fuzz.wav", data, size, 2);
    /* 16-bit mono samples taken in place are the samples the reads give */
    FUZZ_CHECK(view.st == file.st);
    if (file.st == ACCEL_OK) FUZZ_CHECK(view.frames == file.frames && view.hash == file.hash);
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
