/* decode_ffmpeg.c — anything FFmpeg's libavformat/libavcodec decode (mp3, m4a/aac, opus, the
 * audio track of video files), when built with them (ACCEL_HAVE_FFMPEG). The best audio
 * stream is decoded and converted by libswresample to interleaved float at its own rate and
 * channel count; mixing down and resampling are the source's job, the same for every
 * decoder. FFmpeg is opened with dlopen on first use (lazy_lib.h). */
#include "audio_internal.h"

#ifdef ACCEL_HAVE_FFMPEG
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include "lazy_lib.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FFmpeg is opened on first use (lazy_lib.h): libavutil links OpenCL, VA-API and DRM. */
#define FF_FUNCS(X)                                                                            \
    X(av_find_best_stream) \
    X(av_free) \
    X(av_malloc) \
    X(av_frame_alloc) \
    X(av_frame_free) \
    X(av_frame_unref) \
    X(av_log_set_level) \
    X(av_packet_alloc) \
    X(av_packet_free) \
    X(av_packet_unref) \
    X(av_read_frame) \
    X(av_rescale_q) \
    X(av_strerror) \
    X(avcodec_alloc_context3) \
    X(avcodec_find_decoder) \
    X(avcodec_free_context) \
    X(avcodec_get_name) \
    X(avcodec_open2) \
    X(avcodec_parameters_to_context) \
    X(avcodec_receive_frame) \
    X(avcodec_send_packet) \
    X(avformat_alloc_context) \
    X(avformat_close_input) \
    X(avformat_find_stream_info) \
    X(avformat_open_input) \
    X(avio_alloc_context) \
    X(avio_context_free) \
    X(swr_alloc_set_opts2) \
    X(swr_convert) \
    X(swr_free) \
    X(swr_init)

static struct {
    FF_FUNCS(AUDIO_LAZY_PTR)
} ff;
static const char *const ff_symbols[] = {FF_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof ff == sizeof ff_symbols / sizeof *ff_symbols * sizeof(void *),
               "one pointer per entry point");

#define FF_STR2(x) #x
#define FF_STR(x) FF_STR2(x)
static const char *const ff_sonames[] = {
    "libavutil.so." FF_STR(LIBAVUTIL_VERSION_MAJOR),
    "libswresample.so." FF_STR(LIBSWRESAMPLE_VERSION_MAJOR),
    "libavcodec.so." FF_STR(LIBAVCODEC_VERSION_MAJOR),
    "libavformat.so." FF_STR(LIBAVFORMAT_VERSION_MAJOR),
};
static audio_lazy_lib ff_lib = {
    .what = "FFmpeg",
    .sonames = ff_sonames,
    .n_sonames = 4,
    .symbols = ff_symbols,
    .slots = (void **)&ff,
    .n_symbols = sizeof ff_symbols / sizeof *ff_symbols,
    .install = "libavformat59 libavcodec59 libswresample4",
    .once = PTHREAD_ONCE_INIT,
};

typedef struct ff_state {
    AVFormatContext *fmt;
    AVIOContext *io;   /* reads the input (input.c), not the path */
    audio_input *in;
    AVCodecContext *dec;
    SwrContext *swr;
    AVPacket *pkt;
    AVFrame *frm;
    int stream;
    int channels;
    float *pend;       /* converted samples not yet delivered (interleaved) */
    size_t pend_frames, pend_pos, pend_cap;
    int draining, done;
    int64_t expected;  /* frames the container's header announces; -1 when it does not (or
                          when FFmpeg estimated them from the bit rate and the file's size) */
    int64_t decoded;   /* frames converted so far */
    int rate;
    int in_format;     /* the sample format (enum AVSampleFormat) and channel count the */
    int in_channels;   /* converter takes: the last frame's */
    char path[1024];
} ff_state;

static const char *fferr(int e, char *buf, size_t cap)
{
    ff.av_strerror(e, buf, cap);
    return buf;
}

/* Converts the decoded frame into pend, at the channel count announced at the open. A frame
 * is checked against what the converter was set up for, never trusted to match the header: a
 * new sample format (FLAC's bits per sample) or channel count (an ADTS or MPEG stream that goes
 * from stereo to mono, or a corrupt file whose frames disagree with its header) gets a new
 * converter, and a frame of another channel count is folded to the announced one by its mean
 * put in every channel — what the source's down-mix (the mean of the channels) then gives
 * back. A change of sample rate part-way is refused, as libmpg123's path refuses one. */
static accel_status convert(ff_state *s)
{
    AVFrame *f = s->frm;
    int rate = f->sample_rate > 0 ? f->sample_rate : s->rate;
    int k = f->ch_layout.nb_channels;
    RETURN_ERROR_IF(k < 1, ACCEL_ERR_FORMAT, "'%s': corrupt: a frame of %d channels at %.2f s", s->path, k,
                    (double)s->decoded / s->rate);
    RETURN_ERROR_IF(rate != s->rate, ACCEL_ERR_FORMAT,
                    "'%s': unsupported: the sample rate changes part-way (%d Hz at %.2f s, where the "
                    "stream announced %d Hz)", s->path, rate, (double)s->decoded / s->rate, s->rate);
    char eb[128];
    if (f->format != s->in_format || k != s->in_channels) {
        ff.swr_free(&s->swr);
        int r = ff.swr_alloc_set_opts2(&s->swr, &f->ch_layout, AV_SAMPLE_FMT_FLT, s->rate, &f->ch_layout,
                                       (enum AVSampleFormat)f->format, s->rate, 0, NULL);
        if (r >= 0) r = ff.swr_init(s->swr);
        RETURN_ERROR_IF(r < 0, ACCEL_ERR_FORMAT, "'%s': cannot convert its samples after %.2f s: %s",
                        s->path, (double)s->decoded / s->rate, fferr(r, eb, sizeof eb));
        s->in_format = f->format;
        s->in_channels = k;
    }
    int n = f->nb_samples;
    size_t need = (size_t)n * (size_t)(k > s->channels ? k : s->channels);
    if (need > s->pend_cap) {
        float *p = realloc(s->pend, need * sizeof *p);
        RETURN_ERROR_IF(!p, ACCEL_ERR_NO_MEMORY, "out of memory decoding '%s'", s->path);
        s->pend = p;
        s->pend_cap = need;
    }
    uint8_t *out[1] = {(uint8_t *)s->pend};
    int got = ff.swr_convert(s->swr, out, n, (const uint8_t **)f->extended_data, n);
    RETURN_ERROR_IF(got < 0, ACCEL_ERR_FORMAT, "'%s': sample conversion failed: %s", s->path,
                    fferr(got, eb, sizeof eb));
    if (k != s->channels) { /* in place: frame i is read (k values) before it is written */
        size_t ch = (size_t)s->channels, kk = (size_t)k;
        float inv = 1.0f / (float)k;
        if (kk > ch) {
            for (size_t i = 0; i < (size_t)got; i++) {
                float acc = 0.0f;
                for (size_t c = 0; c < kk; c++) acc += s->pend[i * kk + c];
                float m = kk == 2 ? acc * 0.5f : acc * inv;
                for (size_t c = 0; c < ch; c++) s->pend[i * ch + c] = m;
            }
        } else { /* fewer channels than announced: from the last frame back */
            for (size_t i = (size_t)got; i-- > 0;) {
                float acc = 0.0f;
                for (size_t c = 0; c < kk; c++) acc += s->pend[i * kk + c];
                float m = kk == 2 ? acc * 0.5f : acc * inv;
                for (size_t c = 0; c < ch; c++) s->pend[i * ch + c] = m;
            }
        }
    }
    s->pend_frames = (size_t)got;
    s->pend_pos = 0;
    s->decoded += got;
    return ACCEL_OK;
}

/* At the end of the stream: fewer frames than the header announces (beyond the codec's own
 * priming and padding) means the file ended early — a truncated download, a cut copy. The
 * decoder itself says nothing then: it stops at the last whole packet. */
static accel_status check_length(ff_state *s)
{
    if (s->expected <= 0) return ACCEL_OK;
    int64_t fs = s->dec->frame_size > 0 ? s->dec->frame_size : 1152;
    int64_t slack = 3 * fs + s->expected / 100; /* priming + padding: under 3 codec frames */
    ACCEL_LOG_DEBUG("'%s': decoded %lld frames, the header announces %lld (slack %lld)", s->path,
                    (long long)s->decoded, (long long)s->expected, (long long)slack);
    if (s->decoded + slack >= s->expected) return ACCEL_OK;
    char detail[96];
    snprintf(detail, sizeof detail, ", with the encoder's padding (%lld of %lld frames)",
             (long long)s->decoded, (long long)s->expected);
    return accel__audio_input_cut_short(s->in, s->decoded, s->expected, s->rate, detail);
}

/* What a pipe adds to a read error: an MP4/M4A written without +faststart keeps its index
 * (the moov atom) after the audio, and a pipe cannot go back from the index to the audio
 * (FFmpeg says only "Invalid data found when processing input"). */
static const char *pipe_note(const ff_state *s)
{
    int mp4 = s->fmt && s->fmt->iformat && strstr(s->fmt->iformat->name, "mp4");
    return !s->in->seekable && mp4 ? "; an MP4/M4A whose index (its moov atom) follows the audio cannot "
                                     "be read from a pipe: give its path, or remux it with "
                                     "`ffmpeg -i IN -c copy -movflags +faststart OUT`"
                                   : "";
}

/* Decodes until a frame is converted or the stream ends. */
static accel_status next_frame(ff_state *s)
{
    char eb[128];
    for (;;) {
        int r = ff.avcodec_receive_frame(s->dec, s->frm);
        if (r == 0) {
            accel_status st = convert(s);
            ff.av_frame_unref(s->frm);
            return st;
        }
        if (r == AVERROR_EOF) {
            s->done = 1;
            return ACCEL_OK;
        }
        if (r != AVERROR(EAGAIN))
            return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %s%s", s->path, fferr(r, eb, sizeof eb), pipe_note(s));
        if (s->draining) {
            s->done = 1;
            return ACCEL_OK;
        }
        r = ff.av_read_frame(s->fmt, s->pkt);
        if (r == AVERROR_EOF) {
            s->draining = 1;
            ff.avcodec_send_packet(s->dec, NULL);
            continue;
        }
        if (r < 0) return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %s%s", s->path, fferr(r, eb, sizeof eb), pipe_note(s));
        if (s->pkt->stream_index == s->stream) {
            r = ff.avcodec_send_packet(s->dec, s->pkt);
            if (r < 0 && r != AVERROR(EAGAIN)) {
                ff.av_packet_unref(s->pkt);
                return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %s%s", s->path, fferr(r, eb, sizeof eb), pipe_note(s));
            }
        }
        ff.av_packet_unref(s->pkt);
    }
}

static accel_status ff_read(void *state, float *buf, size_t cap, size_t *got)
{
    ff_state *s = state;
    size_t done = 0;
    while (done < cap) {
        if (s->pend_pos < s->pend_frames) {
            size_t k = s->pend_frames - s->pend_pos;
            if (k > cap - done) k = cap - done;
            memcpy(buf + done * (size_t)s->channels, s->pend + s->pend_pos * (size_t)s->channels,
                   k * (size_t)s->channels * sizeof *buf);
            s->pend_pos += k;
            done += k;
            continue;
        }
        if (s->done) break;
        accel_status st = next_frame(s);
        if (st != ACCEL_OK) return st;
        if (s->done) FORWARD_IF_ERROR(check_length(s));
    }
    *got = done;
    return ACCEL_OK;
}

static void ff_close(void *state)
{
    ff_state *s = state;
    if (!s) return;
    ff.swr_free(&s->swr);
    ff.avcodec_free_context(&s->dec);
    ff.avformat_close_input(&s->fmt);
    if (s->io) {
        ff.av_free(s->io->buffer); /* FFmpeg may have replaced it: free the one it holds */
        ff.avio_context_free(&s->io);
    }
    ff.av_packet_free(&s->pkt);
    ff.av_frame_free(&s->frm);
    free(s->pend);
    free(s);
}

static int io_read(void *opaque, uint8_t *buf, int size)
{
    audio_input *in = opaque;
    size_t got = 0;
    if (size <= 0) return 0;
    if (accel__audio_input_read(in, buf, (size_t)size, &got) != ACCEL_OK) {
        accel__clear_error();
        return AVERROR(EIO);
    }
    return got ? (int)got : AVERROR_EOF;
}

static int64_t io_seek(void *opaque, int64_t off, int whence)
{
    audio_input *in = opaque;
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return in->size >= 0 ? in->size : -1;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? in->pos : in->size;
    if (base < 0 || (off > 0 && base > INT64_MAX - off)) return -1;
    if (accel__audio_input_seek(in, base + off) != ACCEL_OK) {
        accel__clear_error();
        return -1;
    }
    return in->pos;
}

accel_status accel__audio_ffmpeg_open(audio_input *in, audio_decoder *d)
{
    const char *path = in->name;
    FORWARD_IF_ERROR(accel__audio_lazy_load(&ff_lib, path));
    FORWARD_IF_ERROR(accel__audio_input_seek(in, 0));
    char eb[128];
    accel_status st = ACCEL_OK;
    ff.av_log_set_level(AV_LOG_QUIET);
    ff_state *s = calloc(1, sizeof *s);
    RETURN_ERROR_IF(!s, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel__strlcpy(s->path, path, sizeof s->path);
    s->in = in;
    const int io_size = 1 << 16;
    unsigned char *io_buf = ff.av_malloc(io_size);
    s->fmt = ff.avformat_alloc_context();
    if (io_buf)
        s->io = ff.avio_alloc_context(io_buf, io_size, 0, in, io_read, NULL,
                                      in->seekable ? io_seek : NULL);
    if (!s->io || !s->fmt) {
        if (!s->io) ff.av_free(io_buf);
        st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    s->io->seekable = in->seekable ? AVIO_SEEKABLE_NORMAL : 0;
    s->fmt->pb = s->io;
    /* the name only guides the probe (by extension); the bytes come from s->io */
    int r = ff.avformat_open_input(&s->fmt, path, NULL, NULL);
    if (r < 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not a recognised audio format (%s)", path, fferr(r, eb, sizeof eb));
        goto fail;
    }
    r = ff.avformat_find_stream_info(s->fmt, NULL);
    if (r < 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %s%s", path, fferr(r, eb, sizeof eb), pipe_note(s));
        goto fail;
    }
    r = ff.av_find_best_stream(s->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (r < 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': no audio stream", path);
        goto fail;
    }
    s->stream = r;
    AVCodecParameters *par = s->fmt->streams[r]->codecpar;
    const AVCodec *codec = ff.avcodec_find_decoder(par->codec_id);
    if (!codec) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': unsupported codec '%s' (no decoder in this FFmpeg)", path,
                         ff.avcodec_get_name(par->codec_id));
        goto fail;
    }
    s->dec = ff.avcodec_alloc_context3(codec);
    s->pkt = ff.av_packet_alloc();
    s->frm = ff.av_frame_alloc();
    if (!s->dec || !s->pkt || !s->frm) {
        st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    if ((r = ff.avcodec_parameters_to_context(s->dec, par)) < 0 || (r = ff.avcodec_open2(s->dec, codec, NULL)) < 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': cannot open the %s decoder: %s", path, codec->name,
                         fferr(r, eb, sizeof eb));
        goto fail;
    }
    if (s->dec->ch_layout.nb_channels < 1 || s->dec->sample_rate < 1) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %d channels at %d Hz", path,
                         s->dec->ch_layout.nb_channels, s->dec->sample_rate);
        goto fail;
    }
    s->channels = s->dec->ch_layout.nb_channels;
    s->in_format = s->dec->sample_fmt;
    s->in_channels = s->channels;
    r = ff.swr_alloc_set_opts2(&s->swr, &s->dec->ch_layout, AV_SAMPLE_FMT_FLT, s->dec->sample_rate,
                            &s->dec->ch_layout, s->dec->sample_fmt, s->dec->sample_rate, 0, NULL);
    if (r < 0 || (r = ff.swr_init(s->swr)) < 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': cannot convert its samples: %s", path, fferr(r, eb, sizeof eb));
        goto fail;
    }
    memset(d, 0, sizeof *d);
    d->name = "ffmpeg";
    d->state = s;
    d->rate = s->dec->sample_rate;
    d->channels = s->channels;
    AVStream *as = s->fmt->streams[s->stream];
    d->frames = as->duration > 0 ? ff.av_rescale_q(as->duration, as->time_base, (AVRational){1, d->rate}) : -1;
    s->rate = d->rate;
    s->expected = s->fmt->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE ? -1 : d->frames;
    snprintf(d->format, sizeof d->format, "%s in %s", codec->name, s->fmt->iformat->name);
    d->read = ff_read;
    d->close = ff_close;
    return ACCEL_OK;
fail:
    ff_close(s);
    return st;
}

#else

accel_status accel__audio_ffmpeg_open(audio_input *in, audio_decoder *d)
{
    (void)d;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': FFmpeg support is not built in", in->name);
}

#endif
