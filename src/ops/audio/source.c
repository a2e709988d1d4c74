/* source.c — accel_audio_source: a file (through a decoder) or caller memory, delivered as
 * mono float32 at the rate asked for, in bounded memory.
 *
 * Decoder choice: RIFF WAV goes to the built-in reader (strict about truncation); a WAV codec
 * it lacks, and every other file, goes to libsndfile, then FFmpeg (MP3 to FFmpeg first: it
 * counts MPEG frames exactly where libsndfile estimates). Channels are averaged (what
 * VGGish's np.mean and most pipelines do), then libsoxr resamples. */
#include "audio_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_FRAMES 16384

struct accel_audio_source {
    accel_ctx *ctx;
    char path[1024];
    audio_decoder dec;
    int has_dec;
    /* memory */
    const void *mem;
    accel_dtype mem_type;
    size_t mem_n, mem_pos;
    /* conversion */
    int out_rate;
    audio_resampler *rs;
    float *ibuf;                   /* decoded block, interleaved */
    size_t icap;
    float *mono;                   /* mixed down */
    size_t mcap;
    float *pend;                   /* ready for delivery */
    size_t plen, ppos, pcap;
    int in_done, flushed;
    accel_audio_info info;
    char mem_path[64]; /* accel_audio_open_buffer: the memory file's path, which the decoders
                          name in their messages; replaced by `path` (the caller's label) */
};

/* Rewrites the thread's last error with every `from` replaced by `to`. */
static accel_status relabel_error(accel_status st, const char *from, const char *to)
{
    char msg[1024], fixed[1200];
    accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
    size_t k = 0, fl = strlen(from);
    for (const char *m = msg; *m && k + 1 < sizeof fixed;) {
        if (fl && !strncmp(m, from, fl)) {
            k += (size_t)snprintf(fixed + k, sizeof fixed - k, "%s", to);
            m += fl;
        } else {
            fixed[k++] = *m++;
        }
    }
    fixed[k < sizeof fixed ? k : sizeof fixed - 1] = '\0';
    return ACCEL_ERROR(st, "%s", fixed);
}

static accel_status open_decoder(const char *path, audio_decoder *d)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        int e = errno;
        return ACCEL_ERROR(e == ENOENT || e == ENOTDIR ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO,
                           "cannot open '%s': %s", path, strerror(e));
    }
    RETURN_ERROR_IF(S_ISDIR(sb.st_mode), ACCEL_ERR_IO, "'%s' is a directory, not an audio file", path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return ACCEL_ERROR(ACCEL_ERR_IO, "cannot open '%s': %s", path, strerror(e));
    }
    unsigned char h[16] = {0};
    size_t k = fread(h, 1, sizeof h, f);
    fclose(f);
    RETURN_ERROR_IF(k == 0, ACCEL_ERR_FORMAT, "'%s': empty file (0 bytes)", path);

    int is_wav = k >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVE", 4) == 0;
    int is_mp3 = (k >= 3 && memcmp(h, "ID3", 3) == 0) || (k >= 2 && h[0] == 0xFF && (h[1] & 0xE0) == 0xE0);
    accel_status st = ACCEL_ERR_FORMAT;
    char first[512] = "";
    if (is_wav) {
        st = accel__audio_wav_open(path, d);
        if (st != ACCEL_ERR_UNSUPPORTED) return st; /* decoded, or truncated/corrupt */
        accel__strlcpy(first, accel__last_error_text(), sizeof first);
    }
    accel_status (*order[2])(const char *, audio_decoder *) = {accel__audio_sndfile_open,
                                                               accel__audio_ffmpeg_open};
    if (is_mp3) {
        order[0] = accel__audio_ffmpeg_open;
        order[1] = accel__audio_sndfile_open;
    }
    int built = 0;
    for (int i = 0; i < 2; i++) {
        st = order[i](path, d);
        if (st == ACCEL_OK) return ACCEL_OK;
        if (st != ACCEL_ERR_NOT_BUILT_IN) {
            built = 1;
            if (!first[0]) accel__strlcpy(first, accel__last_error_text(), sizeof first);
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
    if (in_rate != s->out_rate) FORWARD_IF_ERROR(accel__audio_resampler_new(in_rate, s->out_rate, &s->rs));
    return ACCEL_OK;
}

accel_status accel_audio_open(accel_ctx *ctx, const char *path, int rate, accel_audio_source **out)
{
    RETURN_ERROR_IF(!path || !out, ACCEL_ERR_INVALID_ARG, "accel_audio_open: NULL argument");
    *out = NULL;
    RETURN_ERROR_IF(rate < 0 || rate > 768000, ACCEL_ERR_INVALID_ARG,
                    "accel_audio_open: rate %d Hz (allowed: 0 for 16000, or 1..768000)", rate);
    accel_audio_source *s = calloc(1, sizeof *s);
    RETURN_ERROR_IF(!s, ACCEL_ERR_NO_MEMORY, "out of memory");
    s->ctx = ctx;
    s->out_rate = rate ? rate : 16000;
    accel__strlcpy(s->path, path, sizeof s->path);
    accel_status st = open_decoder(path, &s->dec);
    if (st != ACCEL_OK) {
        free(s);
        return st;
    }
    s->has_dec = 1;
    accel__strlcpy(s->info.decoder, s->dec.name, sizeof s->info.decoder);
    accel__strlcpy(s->info.format, s->dec.format, sizeof s->info.format);
    s->info.source_rate = s->dec.rate;
    s->info.source_channels = s->dec.channels;
    s->info.source_frames = s->dec.frames;
    st = finish_open(s, s->dec.rate);
    if (st != ACCEL_OK) {
        char msg[512];
        accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
        accel_audio_close(s);
        return ACCEL_ERROR(st, "'%s': %s", path, msg);
    }
    *out = s;
    return ACCEL_OK;
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

/* Decodes the next block into s->mono; *n 0 at the end. */
static accel_status next_block(accel_audio_source *s, const float **mono, size_t *n)
{
    *n = 0;
    if (!s->has_dec) {
        size_t k = s->mem_n - s->mem_pos;
        if (k > BLOCK_FRAMES) k = BLOCK_FRAMES;
        if (s->mem_type == ACCEL_F32) {
            *mono = (const float *)s->mem + s->mem_pos;
        } else {
            if (s->mcap < k) {
                float *m = realloc(s->mono, BLOCK_FRAMES * sizeof *m);
                RETURN_ERROR_IF(!m, ACCEL_ERR_NO_MEMORY, "out of memory");
                s->mono = m;
                s->mcap = BLOCK_FRAMES;
            }
            const int16_t *src = (const int16_t *)s->mem + s->mem_pos;
            for (size_t i = 0; i < k; i++) s->mono[i] = (float)src[i] / 32768.0f;
            *mono = s->mono;
        }
        s->mem_pos += k;
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
    FORWARD_IF_ERROR(s->dec.read(s->dec.state, s->ibuf, BLOCK_FRAMES, &got));
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
        const float *mono = NULL;
        size_t n = 0;
        if (!s->in_done) {
            accel_status st = next_block(s, &mono, &n);
            if (st != ACCEL_OK) {
                *got = done;
                s->info.frames += (int64_t)done;
                return s->mem_path[0] ? relabel_error(st, s->mem_path, s->path) : st;
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

void accel_audio_close(accel_audio_source *s)
{
    if (!s) return;
    if (s->has_dec && s->dec.close) s->dec.close(s->dec.state);
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
    return b;
}

accel_status accel_audio_load(accel_ctx *ctx, const char *path, int rate, float **samples, size_t *n,
                              accel_audio_info *info)
{
    RETURN_ERROR_IF(!samples || !n, ACCEL_ERR_INVALID_ARG, "accel_audio_load: NULL output");
    *samples = NULL;
    *n = 0;
    accel_audio_source *s = NULL;
    FORWARD_IF_ERROR(accel_audio_open(ctx, path, rate, &s));
    size_t cap = s->info.source_frames > 0
                     ? (size_t)((double)s->info.source_frames * s->out_rate / s->info.source_rate) + 1024
                     : 1 << 16;
    float *buf = malloc(cap * sizeof *buf);
    size_t len = 0;
    accel_status st = buf ? ACCEL_OK : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory loading '%s'", path);
    while (st == ACCEL_OK) {
        if (len == cap) {
            float *b = realloc(buf, cap * 2 * sizeof *b);
            if (!b) {
                st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory loading '%s'", path);
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = 0;
        st = accel_audio_read(s, buf + len, cap - len, &got);
        len += got;
        if (st == ACCEL_OK && got == 0) break;
    }
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

/* An encoded file in memory. The decoders read files by path, so the bytes become an
 * anonymous memory file (memfd: nothing on any disk) opened through /proc/self/fd; messages
 * name the caller's label, not that path. */
accel_status accel_audio_open_buffer(accel_ctx *ctx, const void *data, size_t n, const char *name,
                                     int rate, accel_audio_source **out)
{
    RETURN_ERROR_IF(!out || (!data && n), ACCEL_ERR_INVALID_ARG, "accel_audio_open_buffer: NULL argument");
    *out = NULL;
    if (!name || !*name) name = "(memory)";
    RETURN_ERROR_IF(n == 0, ACCEL_ERR_FORMAT, "'%s': empty (0 bytes)", name);
    int fd = memfd_create("accel-audio", MFD_CLOEXEC);
    RETURN_ERROR_IF(fd < 0, ACCEL_ERR_IO, "'%s': cannot make a memory file: %s", name, strerror(errno));
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            int e = errno;
            close(fd);
            return ACCEL_ERROR(e == ENOMEM || e == ENOSPC ? ACCEL_ERR_NO_MEMORY : ACCEL_ERR_IO,
                               "'%s': cannot hold %zu bytes in memory: %s", name, n, strerror(e));
        }
        p += k;
        left -= (size_t)k;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    accel_status st = accel_audio_open(ctx, path, rate, out);
    close(fd); /* the decoder holds its own descriptor */
    /* "'/proc/self/fd/7': corrupt WAV …" → "'the request body': corrupt WAV …" */
    if (st != ACCEL_OK) return relabel_error(st, path, name);
    accel__strlcpy((*out)->path, name, sizeof (*out)->path);
    accel__strlcpy((*out)->mem_path, path, sizeof (*out)->mem_path);
    return ACCEL_OK;
}
