/* fuzz_ffmpeg — whatever FFmpeg's libavformat/libavcodec take (m4a/AAC, Opus, MP3, WAV, the
 * audio of video files) as accel drives them (src/ops/audio/decode_ffmpeg.c): the AVIO
 * callbacks over accel's input (read, seek, AVSEEK_SIZE; none on a pipe), the stream and
 * decoder set-up, the conversion to interleaved float and the check of the decoded length
 * against the container's duration. The bytes are read as a file twice and as a pipe:
 * every reading ends in a sample stream or a format error, and the two readings of the file
 * agree to the bit. The container's header and first packets are in the first bytes:
 * fuzz.sh flags: -max_len=16384 */
#include "fuzz_audio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* a stream, a format error, or (a build without the library, or without it installed) the
 * same refusal for every input */
static int known(accel_status st)
{
    return st == ACCEL_OK || st == ACCEL_ERR_FORMAT || st == ACCEL_ERR_IO || st == ACCEL_ERR_NOT_BUILT_IN ||
           st == ACCEL_ERR_UNAVAILABLE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reading a = fuzz_decode(accel__audio_ffmpeg_open, "fuzz.m4a", data, size, 0),
                 b = fuzz_decode(accel__audio_ffmpeg_open, "fuzz.m4a", data, size, 0),
                 pipe = fuzz_decode(accel__audio_ffmpeg_open, "fuzz.m4a", data, size, 1);
    FUZZ_CHECK(known(a.st) && known(pipe.st));
    FUZZ_CHECK(a.st == b.st && a.frames == b.frames && a.hash == b.hash);
    FUZZ_CHECK(a.frames >= 0 && pipe.frames >= 0);
    return 0;
}
