/* fuzz_ogg_chain — the walk over an Ogg file's page headers that refuses a chained file
 * (accel__audio_ogg_check_chain, source.c): from the first byte, page by page (27-byte header,
 * lacing table, body), a page that begins a logical stream after a page that does not. Whatever
 * the bytes, the answer is "one link" or "chained", the position is kept, and the answer agrees
 * with a plain restatement of the rule, which also names the same byte. The same bytes read as
 * a pipe, in pieces whose sizes the bytes choose, go through the walk made as they are read
 * (accel__audio_input_walk_ogg, accel__audio_ogg_check_stream), which must agree too; where it
 * finds one link, its check of the stream's end must give the file's (fuzz_ogg_end checks
 * that one further).
 * fuzz.sh flags: -max_len=16384 */
#include "fuzz_audio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* -1: one link (or the walk stops at bytes that are no page); else the offset of the page
 * that begins a second stream. */
static long long reference(const uint8_t *d, size_t n)
{
    size_t off = 0;
    int audio = 0;
    while (off < n) {
        if (n - off < 27 || memcmp(d + off, "OggS", 4) != 0) return -1;
        size_t seg = d[off + 26];
        if (n - off < 27 + seg) return -1;
        size_t body = 0;
        for (size_t j = 0; j < seg; j++) body += d[off + 27 + j];
        if (!(d[off + 5] & 2))
            audio = 1;
        else if (audio)
            return (long long)off;
        off += 27 + seg + body;
    }
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0; /* an empty input never reaches the walk */
    audio_input in;
    accel__audio_input_memory(data, size, "fuzz.ogg", 0, &in);
    accel__audio_input_seek(&in, size / 3);
    int64_t at = in.pos;
    accel_status st = accel__audio_ogg_check_chain(&in);
    FUZZ_CHECK(st == ACCEL_OK || st == ACCEL_ERR_FORMAT);
    long long want = reference(data, size);
    FUZZ_CHECK((st == ACCEL_OK) == (want < 0));
    if (st == ACCEL_OK) {
        FUZZ_CHECK(in.pos == at);
    } else {
        char needle[64];
        snprintf(needle, sizeof needle, "begins at byte %lld)", want);
        FUZZ_CHECK(strstr(accel_last_error(NULL), needle) != NULL);
    }
    accel__audio_input_close(&in);
    accel__clear_error();

    /* the file's end, for the stream's check of its end */
    accel__audio_input_memory(data, size, "fuzz.ogg", 0, &in);
    accel_status end = accel__audio_ogg_check_end(&in);
    char end_msg[512];
    snprintf(end_msg, sizeof end_msg, "%s", end == ACCEL_OK ? "" : accel_last_error(NULL));
    accel__audio_input_close(&in);
    accel__clear_error();

    /* as a pipe: the sniff's first bytes, the walk started over them, then a decoder's reads
     * of odd sizes over some of the rest, and the rest read through it at the decoder's end */
    accel__audio_input_memory(data, size, "fuzz.ogg", 1, &in);
    unsigned char buf[512];
    size_t got = 0, piece = 1 + data[0] % sizeof buf;
    FUZZ_CHECK(accel__audio_input_read_full(&in, buf, 16, &got) == ACCEL_OK);
    accel__audio_input_walk_ogg(&in);
    FUZZ_CHECK(in.ogg_walking);
    accel__audio_input_commit(&in);
    while (in.pos < (int64_t)(size / 2) && got) {
        FUZZ_CHECK(accel__audio_input_read(&in, buf, piece, &got) == ACCEL_OK);
        piece = 1 + (piece * 31 + 7) % sizeof buf;
    }
    st = accel__audio_ogg_check_stream(&in, 1);
    FUZZ_CHECK(st == ACCEL_OK || st == ACCEL_ERR_FORMAT);
    if (want >= 0) {
        char needle[64];
        snprintf(needle, sizeof needle, "begins at byte %lld)", want);
        FUZZ_CHECK(st == ACCEL_ERR_FORMAT && strstr(accel_last_error(NULL), needle) != NULL);
    } else {
        FUZZ_CHECK(st == end);
        if (st != ACCEL_OK) FUZZ_CHECK(strcmp(accel_last_error(NULL), end_msg) == 0);
    }
    accel__audio_input_close(&in);
    accel__clear_error();
    return 0;
}
