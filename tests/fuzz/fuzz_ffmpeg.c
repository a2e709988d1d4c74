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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_library_decoder(accel__audio_ffmpeg_open, "fuzz.m4a", data, size);
    return 0;
}
