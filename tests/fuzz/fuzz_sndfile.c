/* fuzz_sndfile — FLAC, Ogg Vorbis/Opus, AIFF, CAF, … through libsndfile as accel drives it
 * (src/ops/audio/decode_sndfile.c): the virtual I/O over accel's input (length, seek, read,
 * tell), the open checks (channels, rate), the trusted frame count and the truncation check
 * against it. The bytes are read as a file twice and as a pipe (forward only, no size, where
 * libsndfile cannot seek): whatever they are, every reading ends in a sample stream or a
 * format error, and the two readings of the file agree to the bit (nothing depends on memory
 * left unset). The format is known from the first bytes, a frame is a few kilobytes:
 * fuzz.sh flags: -max_len=16384 */
#include "fuzz_audio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* libsndfile 1.2.0 leaks libvorbis's setup when a Vorbis header fails part-way (the open
 * returns NULL, so there is nothing for accel to free: about 6 KB per such file; upstream's
 * reports: xiph/vorbis#125, libsndfile#922). Leaks allocated inside the codec libraries are
 * theirs; a leak of accel's own allocations is still a finding. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libvorbis.so\nleak:libogg.so\nleak:libFLAC.so\nleak:libopus.so\n"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_library_decoder(accel__audio_sndfile_open, "fuzz.flac", data, size);
    return 0;
}
