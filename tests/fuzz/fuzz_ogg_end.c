/* fuzz_ogg_end — the check of an Ogg file's end (accel__audio_ogg_check_end, source.c): the
 * last 65 307 bytes searched backwards for a page header whose lacing table and body end
 * exactly at the end of the input. Whatever the bytes, the answer is "whole" or "truncated",
 * the position is kept, and "whole" agrees with a plain restatement: some page header in the
 * tail (capture pattern, version 0) whose page ends at the end, the last such marked
 * end-of-stream.
 * fuzz.sh flags: -max_len=70000 */
#include "fuzz_audio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* 1: a page ends at the end and the last one to do so (the nearest the end) is marked EOS;
 * 0: none ends there, or that one is unmarked. */
static int reference(const uint8_t *d, size_t n)
{
    size_t from = n > 65307 ? n - 65307 : 0;
    for (size_t i = n >= 27 ? n - 27 + 1 : 0; i-- > from;) {
        if (memcmp(d + i, "OggS", 4) != 0 || d[i + 4] != 0) continue;
        size_t seg = d[i + 26];
        if (i + 27 + seg > n) continue;
        size_t body = 0;
        for (size_t j = 0; j < seg; j++) body += d[i + 27 + j];
        if (i + 27 + seg + body == n) return (d[i + 5] & 4) != 0;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0; /* an empty input never reaches the check */
    audio_input in;
    accel__audio_input_memory(data, size, "fuzz.ogg", 0, &in);
    accel__audio_input_seek(&in, size / 3);
    int64_t at = in.pos;
    accel_status st = accel__audio_ogg_check_end(&in);
    FUZZ_CHECK(st == ACCEL_OK || st == ACCEL_ERR_FORMAT);
    FUZZ_CHECK(in.pos == at);
    FUZZ_CHECK((st == ACCEL_OK) == reference(data, size));
    accel__audio_input_close(&in);
    accel__clear_error();
    return 0;
}
