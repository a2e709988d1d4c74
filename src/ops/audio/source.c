/* source.c — accel_audio_source: a file (through a decoder) or caller memory, delivered as
 * mono float32 at the rate asked for, in bounded memory.
 *
 * Decoder choice: RIFF WAV (and RF64, BW64) goes to the built-in reader (strict about truncation); a WAV codec
 * it lacks, and every other file, goes to libsndfile, then FFmpeg. MPEG audio goes to FFmpeg
 * (it counts MPEG frames exactly where libsndfile estimates) and to libmpg123, quiet, before
 * libsndfile (open_decoder says in which order). Channels are averaged (what VGGish's np.mean
 * and most pipelines do), then libsoxr resamples. */
#include "audio_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_FRAMES 16384

struct accel_audio_source {
    accel_ctx *ctx;
    char path[1024];
    audio_input in;   /* the input, opened once; the decoder reads through it */
    int has_in;
    audio_decoder dec;
    int has_dec;
    /* memory */
    const void *mem;
    accel_dtype mem_type;
    size_t mem_n, mem_pos;
    /* conversion */
    int out_rate;
    audio_resampler *rs;
    size_t block;                  /* input frames per block: fewer when upsampling */
    float *ibuf;                   /* decoded block, interleaved */
    size_t icap;
    float *mono;                   /* mixed down */
    size_t mcap;
    float *pend;                   /* ready for delivery */
    int64_t decoded;               /* frames taken from the decoder or memory so far */
    size_t plen, ppos, pcap;
    int in_done, flushed;
    accel_audio_info info;
    const int16_t *pcm16_at; /* the samples in place, once accel__audio_source_pcm16 took them */
};

/* An Ogg file (Vorbis, Opus, FLAC in Ogg) ends with a whole page marked end-of-stream. Cut
 * short, it ends inside a page, or after a page without the mark; the decoders then deliver
 * the pages that are there, with the count of the last one as the stream's length, and a
 * half file would read as a shorter clip. The last ACCEL__OGG_MAX_PAGE bytes (t, n: all of
 * the input when it is shorter) are searched backwards for a page header whose page ends
 * exactly at the end of the input. 0: found and marked end-of-stream; 1: none ends there;
 * 2: found, unmarked. A file's tail is read from its end (accel__audio_ogg_check_end); a
 * stream's is the one its walk kept (accel__audio_ogg_check_stream), so both are judged on
 * the same bytes by this one rule. */
static int ogg_end_verdict(const unsigned char *t, size_t n)
{
    for (int64_t i = (int64_t)n - 27; i >= 0; i--) {
        if (t[i] != 'O' || memcmp(t + i, "OggS", 4) != 0 || t[i + 4] != 0) continue;
        size_t nseg = t[i + 26], body = 0;
        if ((size_t)i + 27 + nseg > n) continue;
        for (size_t j = 0; j < nseg; j++) body += t[i + 27 + j];
        if ((size_t)i + 27 + nseg + body != n) continue;
        return (t[i + 5] & 0x04) ? 0 : 2;
    }
    return 1;
}

static accel_status end_error(const audio_input *in, int verdict)
{
    RETURN_ERROR_IF(verdict == 1, ACCEL_ERR_FORMAT,
                    "'%s': truncated or corrupt: the file ends inside an Ogg page", in->name);
    RETURN_ERROR_IF(verdict == 2, ACCEL_ERR_FORMAT,
                    "'%s': truncated or corrupt: its last Ogg page does not end the stream (no "
                    "end-of-stream mark: cut short, or a recording never closed)", in->name);
    return ACCEL_OK;
}

/* Checked before decoding on seekable inputs; a pipe's end is checked once it has gone by
 * (accel__audio_ogg_check_stream). */
accel_status accel__audio_ogg_check_end(audio_input *in)
{
    int64_t back = in->size < ACCEL__OGG_MAX_PAGE ? in->size : ACCEL__OGG_MAX_PAGE, at = in->pos;
    unsigned char *t = malloc((size_t)back);
    RETURN_ERROR_IF(!t, ACCEL_ERR_NO_MEMORY, "out of memory reading '%s'", in->name);
    size_t got = 0;
    accel_status st = accel__audio_input_seek(in, in->size - back);
    if (st == ACCEL_OK) st = accel__audio_input_read_full(in, t, (size_t)back, &got);
    int verdict = st == ACCEL_OK ? ogg_end_verdict(t, got) : 0;
    free(t);
    if (st == ACCEL_OK) st = accel__audio_input_seek(in, at);
    FORWARD_IF_ERROR(st);
    return end_error(in, verdict);
}

static accel_status chain_error(const audio_input *in, int64_t at)
{
    return ACCEL_ERROR(ACCEL_ERR_FORMAT,
                       "'%s': unsupported: a chained Ogg file (a second logical stream begins at "
                       "byte %lld): accel decodes a single stream; convert it to one first",
                       in->name, (long long)at);
}

/* A chained Ogg file holds logical streams one after another (`cat a.ogg b.ogg`, a radio
 * recording that changes programme): a page that begins a stream follows pages of audio.
 * libsndfile decodes the first stream and ends there without a word (two chained 1-s Vorbis
 * streams gave 1 s), and FFmpeg drops what follows a change of codec or channel mapping, so
 * it is refused, naming where the second stream begins. Streams multiplexed side by side (an
 * .ogv's Theora and Vorbis) put all their first pages at the start, and pass. Page headers
 * are read one by one on seekable inputs (a pipe cannot go back to decode after the walk). */
accel_status accel__audio_ogg_check_chain(audio_input *in)
{
    int64_t at = in->pos, off = 0;
    int audio_seen = 0;
    unsigned char p[27 + 255];
    accel_status st = ACCEL_OK;
    while (off < in->size) {
        size_t got = 0;
        if ((st = accel__audio_input_seek(in, off)) != ACCEL_OK) break;
        if ((st = accel__audio_input_read_full(in, p, sizeof p, &got)) != ACCEL_OK) break;
        /* not a page where one should be: corrupt, which the decoder reports */
        if (got < 27 || memcmp(p, "OggS", 4) != 0 || got < 27 + (size_t)p[26]) break;
        int64_t body = 0;
        for (size_t j = 0; j < p[26]; j++) body += p[27 + j];
        if (!(p[5] & 0x02)) {
            audio_seen = 1;
        } else if (audio_seen) {
            st = chain_error(in, off);
            break;
        }
        off += 27 + (int64_t)p[26] + body;
    }
    FORWARD_IF_ERROR(st);
    return accel__audio_input_seek(in, at);
}

/* From a pipe the walk cannot be made before decoding: it is made as the decoder reads, and
 * where the decoder ends (libsndfile may stop at the end of the first stream, leaving the rest
 * unread) the rest is read through it, up to the page that begins a second stream or the end
 * of the input (past bytes that are no page too: a file's end is checked whatever comes
 * before it). Nothing is kept but the walk's copy of the last bytes: 4 KB at a time. Then the
 * end is checked on that copy, which holds what a file's check reads from its end: the
 * decoders had delivered a stream cut short (`head -c 50000 talk.ogg | accel …`) as a
 * shorter clip without a word. */
accel_status accel__audio_ogg_check_stream(audio_input *in, int at_end)
{
    if (!in->ogg_walking) return ACCEL_OK;
    if (at_end && in->ogg.chain_at < 0) {
        unsigned char skip[4096];
        /* from the last byte read (a decoder may have gone back within the copy it held) */
        FORWARD_IF_ERROR(accel__audio_input_seek(in, in->consumed));
        size_t k = 1;
        while (k && in->ogg.chain_at < 0)
            FORWARD_IF_ERROR(accel__audio_input_read(in, skip, sizeof skip, &k));
    }
    if (in->ogg.chain_at >= 0) return chain_error(in, in->ogg.chain_at);
    if (!at_end) return ACCEL_OK;
    RETURN_ERROR_IF(in->ogg.tail_lost, ACCEL_ERR_NO_MEMORY, "out of memory reading '%s'", in->name);
    size_t k = in->ogg.tail_n < ACCEL__OGG_MAX_PAGE ? in->ogg.tail_n : ACCEL__OGG_MAX_PAGE;
    return end_error(in, ogg_end_verdict(in->ogg.tail + in->ogg.tail_n - k, k));
}

/* Sniffs the format from the input's first bytes and opens the first decoder that takes it.
 * Every decoder reads the same input from its first byte, so a pipe is read once. */
static accel_status open_decoder(audio_input *in, audio_decoder *d)
{
    const char *path = in->name;
    unsigned char h[16] = {0};
    size_t k = 0;
    FORWARD_IF_ERROR(accel__audio_input_read_full(in, h, sizeof h, &k));
    RETURN_ERROR_IF(k == 0, ACCEL_ERR_FORMAT, "'%s': empty file (0 bytes)", path);

    /* RIFF, or its 64-bit forms RF64 and BW64 */
    int is_wav = k >= 12 &&
                 (memcmp(h, "RIFF", 4) == 0 || memcmp(h, "RF64", 4) == 0 || memcmp(h, "BW64", 4) == 0) &&
                 memcmp(h + 8, "WAVE", 4) == 0;
    /* an MPEG frame header: 11 sync bits, a version other than the reserved 01 and a layer
     * other than the reserved 00. ADTS AAC starts with the same sync and layer 00: taken for
     * MPEG, an ADTS stream from a pipe went to libmpg123, which resynced on false frames in it
     * and refused it ("the MPEG stream changes from 44100 Hz, …") */
    int is_mp3 = (k >= 3 && memcmp(h, "ID3", 3) == 0) ||
                 (k >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 && (h[1] & 0x18) != 0x08 &&
                  (h[1] & 0x06) != 0);
    if (k >= 4 && memcmp(h, "OggS", 4) == 0 && in->seekable && in->size > 0) {
        FORWARD_IF_ERROR(accel__audio_ogg_check_end(in));
        FORWARD_IF_ERROR(accel__audio_ogg_check_chain(in));
    } else if (k >= 4 && memcmp(h, "OggS", 4) == 0) {
        accel__audio_input_walk_ogg(in);
    }
    accel_status st = ACCEL_ERR_FORMAT;
    char first[512] = "";
    if (is_wav) {
        st = accel__audio_wav_open(in, d);
        if (st == ACCEL_OK) accel__audio_input_commit(in);
        if (st != ACCEL_ERR_UNSUPPORTED) return st; /* decoded, or truncated/corrupt */
        accel__strlcpy(first, accel__last_error_text(), sizeof first);
    }
    /* MP3 to FFmpeg first (exact frame count), then to libmpg123 driven by accel (quiet:
     * libsndfile's use of it prints mpg123's warnings on standard error), then libsndfile.
     * MPEG in a WAV (format tags 0x0050, 0x0055), and an MP3 read from a pipe, to libmpg123
     * first: it reads the stream's Xing/Info header (past a RIFF one), so an early end is
     * reported and the encoder's padding trimmed, where FFmpeg takes the WAV header's word, and
     * from a pipe knows no length: either way it decoded a cut file without a word.
     * libsndfile reads a pipe through the copy the input keeps of its first bytes, and fails
     * cleanly when it would seek past them */
    accel_status (*order[3])(audio_input *, audio_decoder *) = {accel__audio_sndfile_open,
                                                                accel__audio_ffmpeg_open, NULL};
    if (is_mp3 && in->seekable) {
        order[0] = accel__audio_ffmpeg_open;
        order[1] = accel__audio_mpg123_open;
        order[2] = accel__audio_sndfile_open;
    } else if (is_mp3 || (is_wav && (in->wav_tag == 0x0050 || in->wav_tag == 0x0055))) {
        order[0] = accel__audio_mpg123_open;
        order[1] = accel__audio_ffmpeg_open;
        order[2] = accel__audio_sndfile_open;
    }
    int built = 0;
    for (int i = 0; i < 3 && order[i]; i++) {
        st = order[i](in, d);
        if (st == ACCEL_OK) {
            accel__audio_input_commit(in);
            return ACCEL_OK;
        }
        if (st != ACCEL_ERR_NOT_BUILT_IN) {
            built = 1;
            /* the first decoder's reason, unless it only did not recognise the bytes and a
             * later one did and says what is wrong ("no audio stream" in a video file, where
             * libsndfile says "Format not recognised.") */
            const char *msg = accel__last_error_text();
            if (!first[0] || (strstr(first, "recognised") && !strstr(msg, "recognised")))
                accel__strlcpy(first, msg, sizeof first);
        }
    }
    if (is_wav) /* a WAV whose codec nobody decodes */
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "%s", first);
    if (!built)
        return ACCEL_ERROR(ACCEL_ERR_FORMAT,
                           "'%s': not a WAV file, and this build reads only WAV (built without "
                           "libsndfile and FFmpeg)", path);
    /* the decoders' messages start with the path: keep only their reason */
    const char *why = first;
    size_t pl = strlen(path);
    if (why[0] == '\'' && !strncmp(why + 1, path, pl) && !strncmp(why + 1 + pl, "': ", 3)) why += pl + 4;
    return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not a recognised or supported audio format (%s)",
                       path, why[0] ? why : "no decoder accepted it");
}

static accel_status finish_open(accel_audio_source *s, int in_rate)
{
    s->info.struct_size = sizeof s->info;
    s->info.rate = s->out_rate;
    /* a block's output, waiting in s->pend, stays about BLOCK_FRAMES samples whatever the
     * ratio (1 Hz to 16 kHz once made each block's output a gigabyte) */
    s->block = BLOCK_FRAMES;
    if (in_rate > 0 && in_rate < s->out_rate) {
        s->block = (size_t)((double)BLOCK_FRAMES * in_rate / s->out_rate);
        if (s->block < 1) s->block = 1;
    }
    if (in_rate != s->out_rate) FORWARD_IF_ERROR(accel__audio_resampler_new(in_rate, s->out_rate, &s->rs));
    return ACCEL_OK;
}

/* A source over `in` (opened by the caller, taken over here: closed on failure too). */
static accel_status open_input(accel_ctx *ctx, audio_input *in, int rate, accel_audio_source **out)
{
    accel_audio_source *s = calloc(1, sizeof *s);
    if (!s) {
        accel__audio_input_close(in);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory opening '%s'", in->name);
    }
    s->ctx = ctx;
    s->out_rate = rate ? rate : 16000;
    s->in = *in;
    s->has_in = 1;
    accel__strlcpy(s->path, s->in.name, sizeof s->path);
    accel_status st = open_decoder(&s->in, &s->dec);
    if (st == ACCEL_ERR_FORMAT && s->in.ogg_walking) {
        /* no decoder took an Ogg stream: one cut short or chained is refused in the file's
         * words, as the file's checks come before any decoder tries it (from a pipe
         * libsndfile calls an Opus stream cut short "malformed") */
        char why[512];
        accel__strlcpy(why, accel__last_error_text(), sizeof why);
        accel_status ogg = accel__audio_ogg_check_stream(&s->in, 1);
        if (ogg != ACCEL_OK)
            st = ogg;
        else
            accel__restore_error(why);
    }
    if (st != ACCEL_OK) {
        accel__audio_input_close(&s->in);
        free(s);
        return st;
    }
    s->has_dec = 1;
    /* an Ogg stream whose second link the decoder's open already read */
    if ((st = accel__audio_ogg_check_stream(&s->in, 0)) != ACCEL_OK) {
        accel_audio_close(s);
        return st;
    }
    accel__strlcpy(s->info.decoder, s->dec.name, sizeof s->info.decoder);
    accel__strlcpy(s->info.format, s->dec.format, sizeof s->info.format);
    s->info.source_rate = s->dec.rate;
    s->info.source_channels = s->dec.channels;
    s->info.source_frames = s->dec.frames;
    st = finish_open(s, s->dec.rate);
    if (st != ACCEL_OK) {
        char msg[512];
        accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
        accel_status r = ACCEL_ERROR(st, "'%s': %s", s->path, msg);
        accel_audio_close(s);
        return r;
    }
    *out = s;
    return ACCEL_OK;
}

accel_status accel_audio_open(accel_ctx *ctx, const char *path, int rate, accel_audio_source **out)
{
    RETURN_ERROR_IF(!path || !out, ACCEL_ERR_INVALID_ARG, "accel_audio_open: NULL argument");
    *out = NULL;
    RETURN_ERROR_IF(rate < 0 || rate > 768000, ACCEL_ERR_INVALID_ARG,
                    "accel_audio_open: rate %d Hz (allowed: 0 for 16000, or 1..768000)", rate);
    audio_input in;
    FORWARD_IF_ERROR(accel__audio_input_open(path, &in));
    return open_input(ctx, &in, rate, out);
}

accel_status accel_audio_open_memory(accel_ctx *ctx, accel_dtype dtype, const void *samples,
                                     size_t n, int in_rate, int rate, accel_audio_source **out)
{
    RETURN_ERROR_IF(!out || (!samples && n), ACCEL_ERR_INVALID_ARG, "accel_audio_open_memory: NULL argument");
    *out = NULL;
    RETURN_ERROR_IF(dtype != ACCEL_F32 && dtype != ACCEL_I16, ACCEL_ERR_INVALID_ARG,
                    "accel_audio_open_memory: sample type %d (allowed: ACCEL_F32, ACCEL_I16)", (int)dtype);
    RETURN_ERROR_IF(in_rate < 1 || in_rate > 768000 || rate < 0 || rate > 768000, ACCEL_ERR_INVALID_ARG,
                    "accel_audio_open_memory: rates %d and %d Hz (allowed: 1..768000; 0 for 16000 out)",
                    in_rate, rate);
    accel_audio_source *s = calloc(1, sizeof *s);
    RETURN_ERROR_IF(!s, ACCEL_ERR_NO_MEMORY, "out of memory");
    s->ctx = ctx;
    s->out_rate = rate ? rate : 16000;
    accel__strlcpy(s->path, "(memory)", sizeof s->path);
    s->mem = samples;
    s->mem_type = dtype;
    s->mem_n = n;
    accel__strlcpy(s->info.decoder, "memory", sizeof s->info.decoder);
    accel__strlcpy(s->info.format, dtype == ACCEL_F32 ? "float32" : "int16", sizeof s->info.format);
    s->info.source_rate = in_rate;
    s->info.source_channels = 1;
    s->info.source_frames = (int64_t)n;
    accel_status st = finish_open(s, in_rate);
    if (st != ACCEL_OK) {
        accel_audio_close(s);
        return st;
    }
    *out = s;
    return ACCEL_OK;
}

/* Decoded frames must be finite: the error names the first that is not, by frame (counted
 * from s->decoded), channel and time. */
static accel_status check_finite(const accel_audio_source *s, const float *x, size_t frames)
{
    size_t ch = (size_t)s->dec.channels;
    if (s->dec.finite) return ACCEL_OK;
    size_t bad = accel__audio_first_nonfinite(x, frames * ch);
    if (bad == frames * ch) return ACCEL_OK;
    int64_t frame = s->decoded + (int64_t)(bad / ch);
    char chan[32] = "";
    if (ch > 1) snprintf(chan, sizeof chan, " of channel %zu", bad % ch + 1);
    return ACCEL_ERROR(ACCEL_ERR_FORMAT,
                       "'%s': sample %lld%s (at %.3f s) is %s: audio samples must be finite "
                       "numbers", s->path, (long long)frame, chan, (double)frame / s->dec.rate,
                       accel__audio_nonfinite_name(x[bad]));
}

/* The decoder's next frames. An Ogg stream (a pipe) is refused as a chained file is before
 * decoding, as soon as the walk over its bytes meets a second logical stream, or at the
 * decoder's end, once the rest of the stream is read through the walk; and there, as a file
 * cut short is before decoding, when it does not end with a whole page marked end-of-stream. */
static accel_status decode(accel_audio_source *s, float *buf, size_t cap, size_t *got)
{
    FORWARD_IF_ERROR(s->dec.read(s->dec.state, buf, cap, got));
    return accel__audio_ogg_check_stream(&s->in, *got == 0 && cap > 0);
}

/* Decodes the next block into s->mono; *n 0 at the end. */
static accel_status next_block(accel_audio_source *s, const float **mono, size_t *n)
{
    *n = 0;
    if (!s->block) s->block = BLOCK_FRAMES;
    if (!s->has_dec) {
        size_t k = s->mem_n - s->mem_pos;
        if (k > s->block) k = s->block;
        if (s->mem_type == ACCEL_F32) {
            *mono = (const float *)s->mem + s->mem_pos;
        } else {
            if (s->mcap < k) {
                float *m = realloc(s->mono, BLOCK_FRAMES * sizeof *m);
                RETURN_ERROR_IF(!m, ACCEL_ERR_NO_MEMORY, "out of memory");
                s->mono = m;
                s->mcap = BLOCK_FRAMES;
            }
            accel__audio_widen16(s->mono, (const unsigned char *)s->mem + 2 * s->mem_pos, k);
            *mono = s->mono;
        }
        if (s->mem_type == ACCEL_F32) {
            size_t bad = accel__audio_first_nonfinite(*mono, k);
            RETURN_ERROR_IF(bad < k, ACCEL_ERR_INVALID_ARG,
                            "audio source: sample %zu is %s (samples must be finite)",
                            s->mem_pos + bad, accel__audio_nonfinite_name((*mono)[bad]));
        }
        s->mem_pos += k;
        s->decoded += (int64_t)k;
        *n = k;
        return ACCEL_OK;
    }
    size_t ch = (size_t)s->dec.channels;
    if (s->icap < BLOCK_FRAMES * ch) {
        float *b = realloc(s->ibuf, BLOCK_FRAMES * ch * sizeof *b);
        RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory decoding '%s'", s->path);
        s->ibuf = b;
        s->icap = BLOCK_FRAMES * ch;
    }
    size_t got = 0;
    FORWARD_IF_ERROR(decode(s, s->ibuf, s->block, &got));
    FORWARD_IF_ERROR(check_finite(s, s->ibuf, got));
    s->decoded += (int64_t)got;
    if (ch == 1) {
        *mono = s->ibuf;
    } else {
        if (s->mcap < BLOCK_FRAMES) {
            float *m = realloc(s->mono, BLOCK_FRAMES * sizeof *m);
            RETURN_ERROR_IF(!m, ACCEL_ERR_NO_MEMORY, "out of memory");
            s->mono = m;
            s->mcap = BLOCK_FRAMES;
        }
        float inv = 1.0f / (float)ch;
        for (size_t i = 0; i < got; i++) {
            float acc = 0.0f;
            for (size_t c = 0; c < ch; c++) acc += s->ibuf[i * ch + c];
            s->mono[i] = ch == 2 ? acc * 0.5f : acc * inv;
        }
        *mono = s->mono;
    }
    *n = got;
    return ACCEL_OK;
}

accel_status accel_audio_read(accel_audio_source *s, float *buf, size_t cap, size_t *got)
{
    RETURN_ERROR_IF(!s || !got || (!buf && cap), ACCEL_ERR_INVALID_ARG, "accel_audio_read: NULL argument");
    size_t done = 0;
    while (done < cap) {
        if (s->ppos < s->plen) {
            size_t k = s->plen - s->ppos;
            if (k > cap - done) k = cap - done;
            memcpy(buf + done, s->pend + s->ppos, k * sizeof *buf);
            s->ppos += k;
            done += k;
            continue;
        }
        if (s->in_done && (s->flushed || !s->rs)) break;
        if (s->has_dec && s->dec.channels == 1 && !s->rs && cap - done >= BLOCK_FRAMES) {
            /* mono at the rate asked for: decoded straight into the caller's buffer */
            size_t k = 0;
            accel_status st = decode(s, buf + done, cap - done, &k);
            if (st == ACCEL_OK) st = check_finite(s, buf + done, k);
            if (st != ACCEL_OK) {
                *got = done;
                s->info.frames += (int64_t)done;
                return st;
            }
            s->decoded += (int64_t)k;
            done += k;
            if (k == 0) s->in_done = 1;
            continue;
        }
        const float *mono = NULL;
        size_t n = 0;
        if (!s->in_done) {
            accel_status st = next_block(s, &mono, &n);
            if (st != ACCEL_OK) {
                *got = done;
                s->info.frames += (int64_t)done;
                return st;
            }
            if (n == 0) s->in_done = 1;
        }
        s->plen = s->ppos = 0;
        if (s->rs) {
            accel_status st = accel__audio_resample(s->rs, mono, n, s->in_done, &s->pend, &s->plen, &s->pcap);
            if (st != ACCEL_OK) {
                *got = done;
                return ACCEL_ERROR(st, "'%s': %s", s->path, accel__last_error_text());
            }
            if (s->in_done) s->flushed = 1;
        } else if (n) {
            /* no conversion: deliver straight from the block */
            size_t k = n < cap - done ? n : cap - done;
            memcpy(buf + done, mono, k * sizeof *buf);
            done += k;
            if (k < n) {
                if (s->pcap < n - k) {
                    float *p = realloc(s->pend, (n - k) * sizeof *p);
                    RETURN_ERROR_IF(!p, ACCEL_ERR_NO_MEMORY, "out of memory");
                    s->pend = p;
                    s->pcap = n - k;
                }
                memcpy(s->pend, mono + k, (n - k) * sizeof *buf);
                s->plen = n - k;
            }
        }
    }
    s->info.frames += (int64_t)done;
    *got = done;
    return ACCEL_OK;
}

accel_status accel_audio_source_info(const accel_audio_source *s, accel_audio_info *info)
{
    RETURN_ERROR_IF(!s || !info, ACCEL_ERR_INVALID_ARG, "accel_audio_source_info: NULL argument");
    size_t sz = info->struct_size && info->struct_size < sizeof *info ? info->struct_size : sizeof *info;
    memcpy(info, &s->info, sz);
    info->struct_size = sz;
    return ACCEL_OK;
}

const char *accel__audio_source_path(const accel_audio_source *s) { return s ? s->path : ""; }

int64_t accel__audio_source_exact_frames(const accel_audio_source *s)
{
    if (!s || s->rs || s->decoded || s->info.frames) return -1;
    if (!s->has_dec) return (int64_t)s->mem_n;
    /* the built-in WAV reader and libsndfile with a count it trusts stop at the declared size
     * and call a shorter input truncated; other decoders' counts may be estimates */
    return s->dec.exact ? s->dec.frames : -1;
}

int accel__audio_source_pcm16(accel_audio_source *s, const int16_t **x, int64_t *n)
{
    /* int16 memory is in the host's order, as the kernels read it; a WAV's little-endian
     * samples are offered by its reader only on a little-endian host (wav_view16) */
    if (!s || s->rs || s->decoded || s->info.frames || s->plen > s->ppos || s->in_done) return 0;
    if (!s->has_dec) {
        if (s->mem_type != ACCEL_I16 || ((uintptr_t)s->mem & 1)) return 0;
        *x = (const int16_t *)s->mem;
        *n = (int64_t)s->mem_n;
        s->mem_pos = s->mem_n;
    } else if (!s->dec.view16 || !s->dec.view16(s->dec.state, x, n)) {
        return 0;
    } else {
        s->pcm16_at = *x;
    }
    s->decoded += *n;
    s->info.frames += *n;
    s->in_done = 1;
    return 1;
}

void accel__audio_source_release(accel_audio_source *s, int64_t upto)
{
    if (!s || !s->pcm16_at || !s->has_in || upto <= 0) return;
    accel__audio_input_release(&s->in, s->pcm16_at + (size_t)upto);
}

void accel__audio_source_populate(accel_audio_source *s, int64_t from, int64_t to)
{
    if (!s || !s->pcm16_at || !s->has_in || to <= from || from < 0) return;
    accel__audio_input_populate(&s->in, s->pcm16_at + (size_t)from, (size_t)(to - from) * sizeof *s->pcm16_at);
}

int accel__audio_source_seekable(const accel_audio_source *s)
{
    return s && s->has_in && s->in.seekable;
}

int accel__audio_source_identity(const accel_audio_source *s, dev_t *dev, ino_t *ino)
{
    if (!s || !s->has_in || !s->in.has_identity) return 0;
    *dev = s->in.dev;
    *ino = s->in.ino;
    return 1;
}

size_t accel__audio_first_nonfinite(const float *x, size_t n)
{
    /* one pass without a branch per sample, on the exponent bits (all ones: NaN or ±Inf),
     * 16 samples a step into four independent vectors (one vector is one chain of dependent
     * ORs, a third of the speed); the position only when something was found */
    typedef uint32_t u4 __attribute__((vector_size(16)));
    const u4 ex = (u4){0} + 0x7f800000u;
    u4 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        u4 v0, v1, v2, v3;
        memcpy(&v0, x + i, sizeof v0);
        memcpy(&v1, x + i + 4, sizeof v1);
        memcpy(&v2, x + i + 8, sizeof v2);
        memcpy(&v3, x + i + 12, sizeof v3);
        b0 |= (u4)((v0 & ex) == ex);
        b1 |= (u4)((v1 & ex) == ex);
        b2 |= (u4)((v2 & ex) == ex);
        b3 |= (u4)((v3 & ex) == ex);
    }
    u4 b = b0 | b1 | b2 | b3;
    uint32_t bad = b[0] | b[1] | b[2] | b[3];
    for (; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    if (!bad) return n;
    for (i = 0; i < n; i++)
        if (!isfinite(x[i])) return i;
    return n;
}

const char *accel__audio_nonfinite_name(float v)
{
    return isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

void accel_audio_close(accel_audio_source *s)
{
    if (!s) return;
    if (s->has_dec && s->dec.close) s->dec.close(s->dec.state);
    if (s->has_in) accel__audio_input_close(&s->in);
    accel__audio_resampler_free(s->rs);
    free(s->ibuf);
    free(s->mono);
    free(s->pend);
    free(s);
}

void accel_audio_free(void *p) { free(p); }

unsigned accel__audio_built(void)
{
    unsigned b = 0;
#ifdef ACCEL_HAVE_SNDFILE
    b |= ACCEL__AUDIO_HAVE_SNDFILE;
#endif
#ifdef ACCEL_HAVE_SOXR
    b |= ACCEL__AUDIO_HAVE_SOXR;
#endif
#ifdef ACCEL_HAVE_FFMPEG
    b |= ACCEL__AUDIO_HAVE_FFMPEG;
#endif
#ifdef ACCEL_HAVE_MPG123
    b |= ACCEL__AUDIO_HAVE_MPG123;
#endif
    return b;
}

accel_status accel_audio_read_all(accel_audio_source *s, float **samples, size_t *n)
{
    RETURN_ERROR_IF(!s || !samples || !n, ACCEL_ERR_INVALID_ARG, "accel_audio_read_all: NULL argument");
    *samples = NULL;
    *n = 0;
    /* the announced length at the output rate, room for the resampler's tail; a header may lie,
     * so it sizes the first allocation only up to 64 Mi samples (256 MiB) and the rest grows */
    enum { FIRST_MAX = 1 << 26, TAIL = 4096 };
    size_t cap = 1 << 16;
    if (s->info.source_frames > 0 && s->info.source_rate > 0) {
        double want = (double)s->info.source_frames * s->out_rate / s->info.source_rate + TAIL;
        cap = want < FIRST_MAX ? (size_t)want : FIRST_MAX;
    }
    float *buf = malloc(cap * sizeof *buf);
    size_t len = 0;
    accel_status st = ACCEL_OK;
    for (;;) {
        if (buf && len == cap) {
            float *b = cap <= SIZE_MAX / 2 / sizeof *b ? realloc(buf, cap * 2 * sizeof *b) : NULL;
            if (!b) free(buf);
            buf = b;
            cap *= 2;
        }
        if (!buf) {
            st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY,
                             "'%s': its decoded samples (%zu so far, %.1f MiB of float32, "
                             "growing) do not fit in memory",
                             s->path, len, (double)len * sizeof(float) / 1048576.0);
            break;
        }
        size_t got = 0;
        st = accel_audio_read(s, buf + len, cap - len, &got);
        if (st != ACCEL_OK || got == 0) break;
        len += got;
    }
    if (st != ACCEL_OK) {
        free(buf);
        return st;
    }
    if (cap - len > TAIL) { /* give back what the announced length or the last doubling left over */
        float *b = realloc(buf, (len ? len : 1) * sizeof *b);
        if (b) buf = b;
    }
    *samples = buf;
    *n = len;
    return ACCEL_OK;
}

accel_status accel_audio_load(accel_ctx *ctx, const char *path, int rate, float **samples, size_t *n,
                              accel_audio_info *info)
{
    RETURN_ERROR_IF(!samples || !n, ACCEL_ERR_INVALID_ARG, "accel_audio_load: NULL output");
    *samples = NULL;
    *n = 0;
    accel_audio_source *s = NULL;
    FORWARD_IF_ERROR(accel_audio_open(ctx, path, rate, &s));
    float *buf = NULL;
    size_t len = 0;
    accel_status st = accel_audio_read_all(s, &buf, &len);
    if (st == ACCEL_OK && info) st = accel_audio_source_info(s, info);
    accel_audio_close(s);
    if (st != ACCEL_OK) {
        free(buf);
        return st;
    }
    *samples = buf;
    *n = len;
    return ACCEL_OK;
}

/* An encoded file in memory: an input over the caller's bytes (input.c), read in place like
 * a regular file, so every decoder takes it as it takes a file and messages name the
 * caller's label. */
accel_status accel_audio_open_buffer(accel_ctx *ctx, const void *data, size_t n, const char *name,
                                     int rate, accel_audio_source **out)
{
    RETURN_ERROR_IF(!out || (!data && n), ACCEL_ERR_INVALID_ARG, "accel_audio_open_buffer: NULL argument");
    *out = NULL;
    RETURN_ERROR_IF(rate < 0 || rate > 768000, ACCEL_ERR_INVALID_ARG,
                    "accel_audio_open_buffer: rate %d Hz (allowed: 0 for 16000, or 1..768000)", rate);
    if (!name || !*name) name = "(memory)";
    RETURN_ERROR_IF(n == 0, ACCEL_ERR_FORMAT, "'%s': empty (0 bytes)", name);
    audio_input in;
    accel__audio_input_memory(data, n, name, 0, &in);
    return open_input(ctx, &in, rate, out);
}
