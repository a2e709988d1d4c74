/* fuzz_ogg_end — the check of an Ogg file's end (accel__audio_ogg_check_end, source.c): the
 * last 65 307 bytes searched backwards for a page header whose lacing table and body end
 * exactly at the end of the input. Whatever the bytes, the answer is "whole" or "truncated",
 * the position is kept, and "whole" agrees with a plain restatement: some page header in the
 * tail (capture pattern, version 0) whose page ends at the end, the last such marked
 * end-of-stream. The same bytes read as a pipe, in pieces whose sizes the bytes choose, are
 * checked at their end from the copy of the last bytes that the walk over a stream keeps
 * (accel__audio_ogg_check_stream): the verdict and its words must be the file's, or, where the
 * walk met a second logical stream, the file's refusal of a chained file. They are read once
 * more behind zeros, so that the stream passes, at a byte the input chooses, the 65 307 bytes
 * the walk keeps or the 130 614 of its buffer (where it moves what it keeps to its start).
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

/* The last error's words, or "" for ACCEL_OK. */
static void last_words(accel_status st, char *out, size_t cap)
{
    snprintf(out, cap, "%s", st == ACCEL_OK ? "" : accel_last_error(NULL));
    accel__clear_error();
}

/* d, n read as a file and as a pipe (16 bytes sniffed, the walk started over them, a decoder's
 * reads of odd sizes over part of the rest, the rest read through the walk at its end): the
 * pipe's verdict at its end is the file's, in the same words. */
static void pipe_agrees(const uint8_t *d, size_t n, unsigned seed)
{
    audio_input in;
    char end_msg[512], chain_msg[512], pipe_msg[512];
    accel__audio_input_memory(d, n, "fuzz.ogg", 0, &in);
    accel_status end = accel__audio_ogg_check_end(&in);
    last_words(end, end_msg, sizeof end_msg);
    accel_status chain = accel__audio_ogg_check_chain(&in);
    last_words(chain, chain_msg, sizeof chain_msg);
    accel__audio_input_close(&in);

    accel__audio_input_memory(d, n, "fuzz.ogg", 1, &in);
    static unsigned char buf[70000]; /* a piece as long as the walk's copy, now and then */
    size_t got = 0, piece = 1 + seed % 4096;
    FUZZ_CHECK(accel__audio_input_read_full(&in, buf, 16, &got) == ACCEL_OK);
    accel__audio_input_walk_ogg(&in);
    FUZZ_CHECK(in.ogg_walking);
    accel__audio_input_commit(&in);
    int64_t stop = (int64_t)(n / 256 * (seed % 256));
    while (in.pos < stop && got) {
        FUZZ_CHECK(accel__audio_input_read(&in, buf, piece, &got) == ACCEL_OK);
        piece = 1 + (piece * 131 + 17) % (piece % 8 ? 4096 : sizeof buf);
    }
    accel_status st = accel__audio_ogg_check_stream(&in, 1);
    last_words(st, pipe_msg, sizeof pipe_msg);
    FUZZ_CHECK(in.consumed == (int64_t)n || chain != ACCEL_OK);
    if (chain != ACCEL_OK) {
        FUZZ_CHECK(st == chain && strcmp(pipe_msg, chain_msg) == 0);
    } else {
        FUZZ_CHECK(st == end && strcmp(pipe_msg, end_msg) == 0);
    }
    accel__audio_input_close(&in);
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

    /* (an Ogg stream's first byte is 'O': the others choose) */
    unsigned seed = data[size - 1] | (unsigned)data[size / 2] << 8 | (unsigned)data[0] << 16;
    pipe_agrees(data, size, seed);
    /* once more behind zeros, so that the stream passes the bytes the walk keeps, or the
     * length of its buffer (where it moves them), at a byte of the input that the bytes choose */
    static uint8_t padded[2 * ACCEL__OGG_MAX_PAGE + 70000]; /* zeros but while in use */
    size_t cross = (seed >> 1) % size, past = seed & 1 ? 2 * ACCEL__OGG_MAX_PAGE : ACCEL__OGG_MAX_PAGE;
    size_t pad = cross < past ? past - cross : 0;
    if (pad && size <= sizeof padded - pad) {
        memcpy(padded + pad, data, size);
        pipe_agrees(padded, pad + size, seed * 7 + 1);
        memset(padded + pad, 0, size);
    }
    return 0;
}
