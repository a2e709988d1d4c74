/* decode_wav.c — the built-in RIFF WAV reader: PCM 8/16/24/32-bit and IEEE float 32/64, plain
 * or WAVE_FORMAT_EXTENSIBLE, any channel count and rate, in a RIFF file or in its 64-bit form
 * (RF64, EBU Tech 3306, and BW64, ITU-R BS.2088: the sizes past 4 GiB in a "ds64" chunk). It
 * makes the library read WAV without any optional dependency, and it is strict where
 * libsndfile is lenient: a data chunk that declares more bytes than the file holds is reported
 * as truncated (a data size of 0xFFFFFFFF, or 0 with an unset RIFF size, written by streaming
 * recorders, means "to the end of the file"; so do an RF64's ds64 sizes left at 0, as FFmpeg
 * leaves them writing to a pipe; SoX's and arecord's placeholders mean "at most"). Such data of
 * unknown length ends at the end of the input, or where chunks that run to the end of the input
 * begin (a LIST/INFO chunk a writer appends after the samples), looked for in the last
 * ACCEL__WAV_TAIL bytes: read there from a file, held back from a pipe. Samples are normalised as
 * libsndfile does (PCM by 2^(bits-1), 8-bit unsigned around 128). */
#include "audio_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wav_state {
    audio_input *in;
    int fmt;      /* 1 PCM, 3 float */
    int bits;
    int channels;
    int block;    /* bytes per frame */
    int64_t frames_left;  /* -1: to the end of the file */
    int soft_end;         /* the data may end before frames_left: a writer's placeholder size */
    unsigned char *raw;
    size_t raw_cap;
    /* a pipe whose data's length is unknown: the last ACCEL__WAV_TAIL bytes read are held back
     * until the input ends, to find there where the samples end (held_bytes) */
    int held;
    unsigned char *hold;   /* hold_n bytes not yet delivered at hold + hold_at */
    size_t hold_at, hold_n, hold_cap;
    int64_t data_read;     /* bytes of the data chunk read from the input */
    int64_t data_limit;    /* a placeholder's size: no more is read (INT64_MAX: none) */
    int ended;             /* the input ended, or data_limit was read */
    int64_t frames_end;    /* once ended: the data's frames, delivered or not */
    int64_t delivered;     /* frames delivered */
    char path[1024];
} wav_state;

static uint32_t le32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The IDs of chunks that writers put after the samples (metadata known once the recording is
 * done). Only these begin the chunks found after data of unknown length: its samples could
 * hold any other four bytes, so the chain must also start with a name a writer puts there. */
static int trailing_id(const unsigned char *p)
{
    static const char ids[][5] = {"LIST", "id3 ", "ID3 ", "JUNK", "junk", "PAD ", "FLLR", "bext", "iXML",
                                  "axml", "_PMX", "cue ", "smpl", "inst", "acid", "cart", "levl", "DISP",
                                  "PEAK", "fact", "umid", "plst"};
    /* every byte of the last MiB is tried: most are no first letter of these */
    static const unsigned char first[256] = {['L'] = 1, ['i'] = 1, ['I'] = 1, ['J'] = 1, ['j'] = 1, ['P'] = 1,
                                             ['F'] = 1, ['b'] = 1, ['a'] = 1, ['_'] = 1, ['c'] = 1, ['s'] = 1,
                                             ['l'] = 1, ['D'] = 1, ['f'] = 1, ['u'] = 1, ['p'] = 1};
    if (!first[p[0]]) return 0;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (p[0] == (unsigned char)ids[i][0] && memcmp(p, ids[i], 4) == 0) return 1;
    return 0;
}

/* 1 when p[0, n) is RIFF chunks, one after another, the last ending exactly at n (its pad byte
 * there or not); the chunks after the first may have any printable name. */
static int chunks_to_end(const unsigned char *p, size_t n)
{
    size_t at = 0;
    while (at + 8 <= n) {
        for (int k = 0; k < 4; k++)
            if (p[at + k] < 0x20 || p[at + k] > 0x7e) return 0;
        uint64_t size = le32(p + at + 4), end = at + 8 + size;
        if (end == n || (size & 1 && end + 1 == n)) return 1;
        end += size & 1;
        if (end > n) return 0;
        at = (size_t)end;
    }
    return 0;
}

/* Data of unknown length (a streaming writer's size, or a placeholder's, past the input's end)
 * runs to the end of the input, or up to chunks that run to the end of the input: t[0, n) are
 * the input's last bytes, `before` more bytes of data ahead of them. The first offset where a
 * chain of chunks starts (trailing_id) and runs to the end, at whole frames of `block` bytes
 * after the data's start (or one pad byte after an odd count), ends the samples. Returns the
 * data's whole frames. A file reads these bytes from its end, a pipe holds them back, and
 * both get the same answer from the same bytes. */
static int64_t data_frames(const unsigned char *t, size_t n, int64_t before, int block)
{
    for (size_t i = 0; i + 8 <= n; i++) {
        if (!trailing_id(t + i) || !chunks_to_end(t + i, n - i)) continue;
        int64_t d = before + (int64_t)i;
        if (d % block == 0) {
            /* 8-bit mono: an odd count is followed by its pad byte, which a sample cannot be told
             * from but for its value (0: the lowest sample) */
            if (block == 1 && d % 2 == 0 && i > 0 && t[i - 1] == 0) d--;
            return d / block;
        }
        if ((d - 1) % block == 0 && (d - 1) % 2 == 1) return (d - 1) / block;
    }
    return (before + (int64_t)n) / block;
}

/* The next bytes of a pipe's data of unknown length, whole frames, at most `bytes`: what lies
 * more than ACCEL__WAV_TAIL bytes before the end read so far, and once the input has ended the
 * frames before the chunks data_frames finds in the bytes held. Reads fill the hold until it has
 * `bytes` to give beyond those it keeps (or the input ends), so the frames come in the pieces a
 * file's reads give. */
static accel_status held_bytes(wav_state *w, size_t bytes, const unsigned char **p, size_t *n)
{
    const size_t keep = ACCEL__WAV_TAIL, block = (size_t)w->block;
    *p = NULL;
    *n = 0;
    if (!w->ended) {
        size_t need = keep + bytes;
        if (w->hold_at && w->hold_at + need > w->hold_cap) {
            memmove(w->hold, w->hold + w->hold_at, w->hold_n);
            w->hold_at = 0;
        }
        while (w->hold_n < need) {
            if (w->hold_at + w->hold_n == w->hold_cap) {
                /* grown as the bytes come (a short stream needs little), up to need + keep: the
                 * reads after that mostly go on without moving the bytes kept */
                size_t cap = w->hold_cap < 16384 ? 16384 : 2 * w->hold_cap;
                if (cap > need + keep) cap = need + keep;
                unsigned char *h = realloc(w->hold, cap);
                RETURN_ERROR_IF(!h, ACCEL_ERR_NO_MEMORY, "out of memory reading '%s'", w->path);
                w->hold = h;
                w->hold_cap = cap;
            }
            size_t room = w->hold_cap - w->hold_at - w->hold_n, k = 0;
            if ((uint64_t)(w->data_limit - w->data_read) < room) room = (size_t)(w->data_limit - w->data_read);
            if (room == 0) { /* the placeholder's size read: the data end there */
                w->ended = 1;
                w->frames_end = w->data_read / (int64_t)block;
                break;
            }
            FORWARD_IF_ERROR(accel__audio_input_read(w->in, w->hold + w->hold_at + w->hold_n, room, &k));
            if (k == 0) {
                size_t t = w->hold_n < keep ? w->hold_n : keep; /* hold_n >= min(keep, data_read) */
                w->ended = 1;
                w->frames_end = data_frames(w->hold + w->hold_at + w->hold_n - t, t, w->data_read - (int64_t)t,
                                            w->block);
                break;
            }
            w->hold_n += k;
            w->data_read += (int64_t)k;
        }
    }
    size_t frames = bytes / block;
    if (w->ended) {
        if ((uint64_t)(w->frames_end - w->delivered) < frames) frames = (size_t)(w->frames_end - w->delivered);
    } else if ((w->hold_n - keep) / block < frames) {
        frames = (w->hold_n - keep) / block;
    }
    *p = w->hold + w->hold_at;
    *n = frames * block;
    w->hold_at += *n;
    w->hold_n -= *n;
    w->delivered += (int64_t)frames;
    return ACCEL_OK;
}

static accel_status wav_read(void *state, float *buf, size_t cap, size_t *got)
{
    wav_state *w = state;
    *got = 0;
    size_t want = cap;
    if (w->frames_left >= 0 && (int64_t)want > w->frames_left) want = (size_t)w->frames_left;
    if (want == 0) return ACCEL_OK;
    size_t bytes = want * (size_t)w->block;
    size_t n = 0;
    const unsigned char *p = NULL;
    if (w->held) FORWARD_IF_ERROR(held_bytes(w, bytes, &p, &n));
    /* the bytes in place where the input allows it (memory, a mapped file), else a copy */
    else p = accel__audio_input_view(w->in, bytes, &n);
    if (!p) {
        if (bytes > w->raw_cap) {
            unsigned char *r = realloc(w->raw, bytes);
            RETURN_ERROR_IF(!r, ACCEL_ERR_NO_MEMORY, "out of memory reading '%s'", w->path);
            w->raw = r;
            w->raw_cap = bytes;
        }
        FORWARD_IF_ERROR(accel__audio_input_read_full(w->in, w->raw, bytes, &n));
        p = w->raw;
    }
    if (n < bytes && w->frames_left >= 0 && !w->soft_end)
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': truncated: the file ends inside its data chunk",
                           w->path);
    size_t frames = n / (size_t)w->block;
    size_t vals = frames * (size_t)w->channels;
    if (w->fmt == 3 && w->bits == 32) {
        for (size_t i = 0; i < vals; i++, p += 4) {
            uint32_t u = le32(p);
            float v;
            memcpy(&v, &u, 4);
            buf[i] = v;
        }
    } else if (w->fmt == 3) {
        for (size_t i = 0; i < vals; i++, p += 8) {
            uint64_t u = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
            double v;
            memcpy(&v, &u, 8);
            buf[i] = (float)v;
        }
    } else {
        switch (w->bits) {
        case 8:
            for (size_t i = 0; i < vals; i++) buf[i] = ((float)p[i] - 128.0f) / 128.0f;
            break;
        case 16:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            accel__audio_widen16(buf, p, vals); /* the samples as they lie */
#else
            for (size_t i = 0; i < vals; i++, p += 2) buf[i] = (float)(int16_t)le16(p) / 32768.0f;
#endif
            break;
        case 24:
            for (size_t i = 0; i < vals; i++, p += 3) {
                int32_t v = (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24) >> 8;
                buf[i] = (float)v / 8388608.0f;
            }
            break;
        default:
            for (size_t i = 0; i < vals; i++, p += 4) buf[i] = (float)((double)(int32_t)le32(p) / 2147483648.0);
            break;
        }
    }
    if (w->frames_left >= 0) w->frames_left -= (int64_t)frames;
    *got = frames;
    return ACCEL_OK;
}

static int wav_view16(void *state, const int16_t **x, int64_t *n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    wav_state *w = state;
    if (w->fmt != 1 || w->bits != 16 || w->channels != 1 || w->frames_left < 0 || w->soft_end || w->held) return 0;
    if ((uint64_t)w->frames_left > SIZE_MAX / 2) return 0;
    size_t bytes = (size_t)w->frames_left * 2, got = 0;
    int64_t at = w->in->pos;
    const unsigned char *p = accel__audio_input_view(w->in, bytes, &got);
    if (!p || got != bytes || ((uintptr_t)p & 1)) { /* not in memory, short, or odd: the reads then */
        if (p) w->in->pos = at;
        return 0;
    }
    *x = (const int16_t *)(const void *)p;
    *n = w->frames_left;
    w->frames_left = 0;
    return 1;
#else
    (void)state, (void)x, (void)n;
    return 0;
#endif
}

static void wav_close(void *state)
{
    wav_state *w = state;
    if (!w) return;
    free(w->raw);
    free(w->hold);
    free(w);
}

/* An RF64's ds64 chunk: the 64-bit sizes that stand for the 32-bit ones left at 0xFFFFFFFF,
 * the data chunk's and, in its table, any other chunk's. */
typedef struct ds64 {
    uint64_t riff, data;
    struct {
        unsigned char id[4];
        uint64_t size;
    } table[8];
    int n_table;
} ds64;

static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Reads the ds64 chunk of `size` bytes at the input's position into *x (`kind`: RF64 or BW64,
 * for the messages). */
static accel_status read_ds64(audio_input *in, const char *path, const char *kind, uint32_t size, ds64 *x)
{
    unsigned char b[28 + 12 * 8];
    RETURN_ERROR_IF(size < 28, ACCEL_ERR_FORMAT, "'%s': corrupt %s: ds64 chunk of %u bytes (at least 28)",
                    path, kind, size);
    size_t want = size < sizeof b ? size : sizeof b, k = 0;
    FORWARD_IF_ERROR(accel__audio_input_read_full(in, b, want, &k));
    RETURN_ERROR_IF(k != want, ACCEL_ERR_FORMAT, "'%s': truncated inside the ds64 chunk", path);
    x->riff = le64(b);
    x->data = le64(b + 8);
    uint32_t n = le32(b + 24); /* the table's entries: 4-byte id, 8-byte size */
    x->n_table = 0;
    for (uint32_t i = 0; i < n && 28 + 12 * (size_t)(i + 1) <= want; i++, x->n_table++) {
        memcpy(x->table[i].id, b + 28 + 12 * i, 4);
        x->table[i].size = le64(b + 32 + 12 * i);
    }
    return ACCEL_OK;
}

/* data_frames for a file: its last bytes read, the position kept. here: where the data begin;
 * avail: the bytes from there to the end. */
static accel_status file_data_frames(audio_input *in, const char *path, int64_t here, int64_t avail, int block,
                                     int64_t *frames)
{
    size_t t = avail < (int64_t)ACCEL__WAV_TAIL ? (size_t)avail : ACCEL__WAV_TAIL, got = 0;
    unsigned char *b = malloc(t ? t : 1);
    RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory reading '%s'", path);
    accel_status st = accel__audio_input_seek(in, here + avail - (int64_t)t);
    if (st == ACCEL_OK) st = accel__audio_input_read_full(in, b, t, &got);
    /* (a file cut since its size was taken: its reads then find it short) */
    if (st == ACCEL_OK) *frames = data_frames(b, got, avail - (int64_t)t, block);
    free(b);
    if (st == ACCEL_OK) st = accel__audio_input_seek(in, here);
    return st;
}

#define CORRUPT(...) \
    do { \
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, __VA_ARGS__); \
        goto fail; \
    } while (0)

accel_status accel__audio_wav_open(audio_input *in, audio_decoder *d)
{
    accel_status st = ACCEL_OK;
    wav_state *w = calloc(1, sizeof *w);
    RETURN_ERROR_IF(!w, ACCEL_ERR_NO_MEMORY, "out of memory");
    const char *path = in->name;
    accel__strlcpy(w->path, path, sizeof w->path);
    w->in = in;
    if ((st = accel__audio_input_seek(in, 0)) != ACCEL_OK) goto fail;
    int64_t fsize = in->size; /* -1 for a pipe: checks against the file's end are skipped */
    unsigned char h[12];
    size_t k = 0;
    if ((st = accel__audio_input_read_full(in, h, 12, &k)) != ACCEL_OK) goto fail;
    if (k != 12) CORRUPT("'%s': truncated: shorter than a RIFF header", path);
    const char *kind = memcmp(h, "RIFF", 4) == 0   ? "WAV"
                       : memcmp(h, "RF64", 4) == 0 ? "RF64"
                       : memcmp(h, "BW64", 4) == 0 ? "BW64"
                                                   : NULL;
    if (!kind || memcmp(h + 8, "WAVE", 4) != 0) CORRUPT("'%s': not a RIFF WAVE file", path);
    int wide = kind[0] != 'W'; /* RF64, BW64: sizes of 0xFFFFFFFF are in the ds64 chunk */
    ds64 x = {0};
    int have_ds64 = 0, have_fmt = 0, tag = 0, ch = 0, bits = 0, block = 0;
    uint32_t rate = 0;
    for (;;) {
        unsigned char c[8];
        if ((st = accel__audio_input_read_full(in, c, 8, &k)) != ACCEL_OK) goto fail;
        if (k == 0)
            CORRUPT("'%s': corrupt WAV: no data chunk%s", path, have_fmt ? "" : " and no fmt chunk");
        if (k != 8) CORRUPT("'%s': truncated inside a chunk header", path);
        uint32_t size32 = le32(c + 4);
        uint64_t size = size32;
        int is_data = memcmp(c, "data", 4) == 0;
        int64_t here = in->pos;
        if (wide && !have_ds64) {
            if (memcmp(c, "ds64", 4) != 0)
                CORRUPT("'%s': corrupt %s: its first chunk is '%.4s', not ds64", path, kind, (const char *)c);
            if ((st = read_ds64(in, path, kind, size32, &x)) != ACCEL_OK) goto fail;
            have_ds64 = 1;
        } else if (wide && size32 == 0xFFFFFFFFu && !is_data) {
            int i = 0;
            while (i < x.n_table && memcmp(x.table[i].id, c, 4) != 0) i++;
            if (i == x.n_table)
                CORRUPT("'%s': corrupt %s: its '%.4s' chunk's size is not in the ds64 chunk", path, kind,
                        (const char *)c);
            size = x.table[i].size;
        }
        if (size >= (uint64_t)1 << 62) /* a table's size: no file, and past any position's range */
            CORRUPT("'%s': corrupt %s: its '%.4s' chunk declares %llu bytes", path, kind, (const char *)c,
                    (unsigned long long)size);
        if (!is_data && fsize >= 0 && size > (uint64_t)(fsize - here))
            CORRUPT("'%s': corrupt or truncated WAV: its '%.4s' chunk declares %llu bytes, past the end "
                    "of the file", path, (const char *)c, (unsigned long long)size);
        if (memcmp(c, "fmt ", 4) == 0) {
            unsigned char fm[40];
            if (size < 16) CORRUPT("'%s': corrupt WAV: fmt chunk of %u bytes (at least 16)", path, size32);
            size_t want = size < sizeof fm ? (size_t)size : sizeof fm;
            if ((st = accel__audio_input_read_full(in, fm, want, &k)) != ACCEL_OK) goto fail;
            if (k != want) CORRUPT("'%s': truncated inside the fmt chunk", path);
            tag = le16(fm);
            ch = le16(fm + 2);
            rate = le32(fm + 4);
            block = le16(fm + 12);
            bits = le16(fm + 14);
            if (tag == 0xFFFE) {
                if (size < 40) CORRUPT("'%s': corrupt WAV: extensible fmt chunk of %u bytes (40)", path, size32);
                tag = le16(fm + 24); /* the sub-format GUID starts with the format tag */
            }
            have_fmt = 1;
        } else if (is_data) {
            if (!have_fmt) CORRUPT("'%s': corrupt WAV: data chunk before the fmt chunk", path);
            int64_t avail = fsize >= 0 ? fsize - here : -1;
            uint32_t riff = le32(h + 4);
            int streamed = 0;
            if (wide && size32 == 0xFFFFFFFFu) {
                /* the ds64's sizes; both 0: a writer that could not go back to fill them in */
                size = x.data;
                streamed = x.data == 0 && x.riff == 0 && avail != 0;
            } else {
                streamed = size32 == 0xFFFFFFFFu ||
                           (size32 == 0 && avail != 0 && (riff == 0 || riff == 0xFFFFFFFFu));
            }
            /* "at most this much, the length unknown", as writers to a pipe put it: SoX
             * 0x7ffff000 (its MS_UNSPEC), arecord 0x7fffff00 and, recording without a limit,
             * 0x80000000 (its largest WAV). The data may end sooner without being cut. */
            int placeholder = !wide && (size32 == 0x7ffff000u || size32 == 0x7fffff00u || size32 == 0x80000000u) &&
                              (avail < 0 || size > (uint64_t)avail);
            in->wav_tag = tag; /* the source picks the decoders of a codec this reader lacks */
            in->wav_streamed = streamed || placeholder; /* libsndfile, reading a pipe, cannot tell */
            int ok_bits = tag == 1 ? (bits == 8 || bits == 16 || bits == 24 || bits == 32)
                                   : tag == 3 && (bits == 32 || bits == 64);
            if (!ok_bits) {
                /* libsndfile and FFmpeg take the ds64's 0 for the length: no sample, no word */
                if (wide && streamed)
                    CORRUPT("'%s': unsupported: this %s stream has no length (its ds64 sizes are 0, as a "
                            "writer to a pipe leaves them) and its samples (format tag 0x%04x, %d bits) are "
                            "none that accel reads to the end: PCM of 8 to 32 bits or IEEE float",
                            path, kind, tag, bits);
                if (tag != 1 && tag != 3)
                    st = ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED, "'%s': unsupported codec: WAV format tag 0x%04x",
                                     path, tag);
                else
                    st = ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED, "'%s': unsupported codec: %s with %d bits per sample",
                                     path, tag == 1 ? "PCM" : "IEEE float", bits);
                goto fail;
            }
            if (ch < 1 || ch > 1024) CORRUPT("'%s': corrupt WAV: %d channels", path, ch);
            if (rate < 1 || rate > 4000000) CORRUPT("'%s': corrupt WAV: sample rate %u Hz", path, rate);
            if (block != ch * (bits / 8))
                CORRUPT("'%s': corrupt WAV: block align %d for %d channels of %d bits", path, block, ch, bits);
            if ((streamed || placeholder) && avail >= 0) {
                /* a file: to its end, less the chunks that run to it */
                if ((st = file_data_frames(in, path, here, avail, block, &w->frames_left)) != ACCEL_OK) goto fail;
            } else if (streamed || placeholder) {
                /* a pipe: until it ends (at most a placeholder's size), less the chunks that run
                 * to its end, found in the bytes held back */
                w->held = 1;
                w->soft_end = placeholder;
                w->data_limit = placeholder ? (int64_t)size : INT64_MAX;
                w->frames_left = placeholder ? (int64_t)(size / (uint32_t)block) : -1;
            } else {
                if (avail >= 0 && size > (uint64_t)avail)
                    CORRUPT("'%s': truncated: the data chunk declares %llu bytes, the file holds %lld",
                            path, (unsigned long long)size, (long long)avail);
                if (size % (uint32_t)block)
                    CORRUPT("'%s': corrupt WAV: data chunk of %llu bytes is not whole frames of %d bytes",
                            path, (unsigned long long)size, block);
                if (size / (uint32_t)block > (uint64_t)INT64_MAX)
                    CORRUPT("'%s': corrupt %s: a data chunk of %llu bytes", path, kind, (unsigned long long)size);
                w->frames_left = (int64_t)(size / (uint32_t)block);
            }
            break;
        }
        if (!is_data) {
            int64_t next = here + (int64_t)size + (int64_t)(size & 1);
            if ((st = accel__audio_input_seek(in, next)) != ACCEL_OK) goto fail;
        }
    }
    w->fmt = tag;
    w->bits = bits;
    w->channels = ch;
    w->block = block;
    memset(d, 0, sizeof *d);
    d->name = "wav";
    d->state = w;
    d->rate = (int)rate;
    d->channels = ch;
    d->frames = w->soft_end ? -1 : w->frames_left;
    /* reads stop at the declared size; a shorter file is an error */
    d->exact = w->frames_left >= 0 && !w->soft_end;
    snprintf(d->format, sizeof d->format, "%s %s %d-bit", kind, tag == 1 ? "PCM" : "float", bits);
    d->finite = tag == 1;
    d->read = wav_read;
    d->close = wav_close;
    d->view16 = wav_view16;
    return ACCEL_OK;
fail:
    wav_close(w);
    return st;
}
