/* decode_mpg123.c — MPEG audio (MP3, and MPEG in WAV) through libmpg123, when built with it
 * (ACCEL_HAVE_MPG123). It is tried after FFmpeg and before libsndfile for MPEG input.
 *
 * Why accel drives libmpg123 itself: libsndfile decodes MPEG with libmpg123 too, but leaves
 * it printing its own warnings on standard error ("Warning: Xing stream size off by more
 * than 1%, …" for a truncated file), which corrupts a program's output and says nothing
 * about which file. Here the handle is MPG123_QUIET, problems come back through mpg123's
 * error API, and an early end is reported as accel reports it for the other decoders: the
 * file's name, what its header announces and what was decoded.
 *
 * The feed API is used (bytes handed over as they are read from the input), so a pipe needs
 * no seeking and no off_t crosses the interface but mpg123_length's; leading bytes that are
 * not MPEG (a RIFF header) are skipped by mpg123's own resync. A stream whose channel count
 * changes part-way is folded to its first frame's count as FFmpeg's path folds one (mp_read).
 * libmpg123 is opened on first use (lazy_lib.h), not linked. */
#include "audio_internal.h"

#ifdef ACCEL_HAVE_MPG123
#include <mpg123.h>

#include "lazy_lib.h"

/* Entry points by their C names: two-level, so that a header which maps a name to its
 * large-file variant (mpg123_length → mpg123_length_64) gives that variant's symbol too. */
#define MPG_FUNCS(X)                                                                         \
    X(mpg123_init) X(mpg123_new) X(mpg123_delete) X(mpg123_param) X(mpg123_format_none)     \
    X(mpg123_format) X(mpg123_rates) X(mpg123_open_feed) X(mpg123_feed) X(mpg123_read)      \
    X(mpg123_getformat) X(mpg123_length) X(mpg123_close) X(mpg123_strerror)                 \
    X(mpg123_plain_strerror)
#define MPG_STR(name) #name
#define MPG_NAME(name) MPG_STR(name),

static struct {
    MPG_FUNCS(AUDIO_LAZY_PTR)
} mpl;
static const char *const mpl_symbols[] = {MPG_FUNCS(MPG_NAME)};
_Static_assert(sizeof mpl == sizeof mpl_symbols / sizeof *mpl_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const mpl_sonames[] = {"libmpg123.so.0"};
static audio_lazy_lib mpl_lib = {
    .what = "libmpg123",
    .sonames = mpl_sonames,
    .n_sonames = 1,
    .symbols = mpl_symbols,
    .slots = (void **)&mpl,
    .n_symbols = sizeof mpl_symbols / sizeof *mpl_symbols,
    .install = "libmpg123-0",
    .once = PTHREAD_ONCE_INIT,
};

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FEED_BYTES 16384
/* Bytes read without finding one MPEG frame before the input is refused (mpg123 would scan a
 * whole non-MPEG file), counted from the end of a leading ID3v2 tag. */
#define SYNC_LIMIT (1 << 20)
/* Frames decoded at a time while the stream's channel count differs from its first one. */
#define FOLD_FRAMES 4096

typedef struct mp_state {
    mpg123_handle *mh;
    audio_input *in;
    int channels, rate;
    int out_channels; /* what libmpg123 delivers now: a joined stream changes part-way */
    float *fold;      /* FOLD_FRAMES frames of out_channels, before folding to channels */
    int in_done;      /* the input has no more bytes */
    int done;
    int64_t expected; /* frames announced by the Xing/Info header, -1 when none */
    int64_t decoded;
    int64_t sync_limit; /* SYNC_LIMIT past a leading ID3v2 tag */
    char path[1024];
} mp_state;

static void mp_close(void *state)
{
    mp_state *s = state;
    if (!s) return;
    if (s->mh) {
        mpl.mpg123_close(s->mh);
        mpl.mpg123_delete(s->mh);
    }
    free(s->fold);
    free(s);
}

/* Hands the decoder the next block of the input; sets in_done at its end. */
static accel_status feed(mp_state *s)
{
    unsigned char buf[FEED_BYTES];
    size_t got = 0;
    int first = s->in->pos == 0;
    FORWARD_IF_ERROR(accel__audio_input_read(s->in, buf, sizeof buf, &got));
    /* A leading ID3v2 tag (a cover picture makes it megabytes) is not audio: the search for a
     * first frame counts from its end. Its size: four 7-bit bytes, the footer's 10 more. */
    if (first && got >= 10 && memcmp(buf, "ID3", 3) == 0 && buf[3] != 0xFF && buf[4] != 0xFF &&
        !((buf[6] | buf[7] | buf[8] | buf[9]) & 0x80))
        s->sync_limit += 10 + ((int64_t)buf[6] << 21 | (int64_t)buf[7] << 14 | (int64_t)buf[8] << 7 | buf[9]) +
                         (buf[5] & 0x10 ? 10 : 0);
    if (!got) {
        s->in_done = 1;
        return ACCEL_OK;
    }
    int r = mpl.mpg123_feed(s->mh, buf, got);
    RETURN_ERROR_IF(r != MPG123_OK, ACCEL_ERR_FORMAT, "'%s': corrupt MPEG audio: %s", s->path,
                    mpl.mpg123_strerror(s->mh));
    return ACCEL_OK;
}

/* At the end: fewer frames than the Xing/Info header announces is an early end (a cut
 * download), which libmpg123 itself only mentions on standard error, and not when quiet. */
static accel_status check_length(mp_state *s)
{
    if (s->expected <= 0 || s->decoded >= s->expected) return ACCEL_OK;
    char detail[64];
    snprintf(detail, sizeof detail, " (%lld of %lld frames)", (long long)s->decoded,
             (long long)s->expected);
    return accel__audio_input_cut_short(s->in, s->decoded, s->expected, s->rate, detail);
}

/* n frames of k channels from `from` into `to` at the announced channel count: each frame's
 * mean in every channel, as FFmpeg's path (decode_ffmpeg.c, convert) folds them, so that a
 * stream read from a pipe (here) and from its path (FFmpeg) agree. */
static void fold(const float *from, size_t n, size_t k, float *to, size_t ch)
{
    float inv = 1.0f / (float)k;
    for (size_t i = 0; i < n; i++) {
        float acc = 0.0f;
        for (size_t c = 0; c < k; c++) acc += from[i * k + c];
        float m = k == 2 ? acc * 0.5f : acc * inv;
        for (size_t c = 0; c < ch; c++) to[i * ch + c] = m;
    }
}

/* A stream whose channel count changes part-way (two programmes joined, `cat stereo.mp2
 * mono.mp2`) is decoded through, the frames of the other count folded to the first's; one
 * whose sample rate changes is refused, in FFmpeg's words. */
static accel_status mp_read(void *state, float *buf, size_t cap, size_t *got)
{
    mp_state *s = state;
    size_t ch = (size_t)s->channels, done = 0;
    *got = 0;
    while (done < cap && !s->done) {
        size_t k = (size_t)s->out_channels, want = cap - done, bytes = 0;
        float *to = buf + done * ch;
        if (k != ch) {
            if (want > FOLD_FRAMES) want = FOLD_FRAMES;
            to = s->fold;
        }
        int r = mpl.mpg123_read(s->mh, (unsigned char *)to, want * k * sizeof(float), &bytes);
        size_t n = bytes / (k * sizeof(float));
        if (k != ch) fold(s->fold, n, k, buf + done * ch, ch);
        done += n;
        s->decoded += (int64_t)n;
        if (r == MPG123_OK && bytes) continue;
        if (r == MPG123_OK) r = MPG123_NEED_MORE; /* nothing came out: it wants input */
        if (r == MPG123_NEW_FORMAT) {
            long rate = 0;
            int nch = 0, enc = 0;
            mpl.mpg123_getformat(s->mh, &rate, &nch, &enc);
            RETURN_ERROR_IF(rate != s->rate, ACCEL_ERR_FORMAT,
                            "'%s': unsupported: the sample rate changes part-way (%ld Hz at %.2f s, "
                            "where the stream announced %d Hz)",
                            s->path, rate, (double)s->decoded / s->rate, s->rate);
            RETURN_ERROR_IF(nch < 1 || nch > 2 || enc != MPG123_ENC_FLOAT_32, ACCEL_ERR_FORMAT,
                            "'%s': corrupt: a frame of %d channels (encoding 0x%x) at %.2f s", s->path,
                            nch, enc, (double)s->decoded / s->rate);
            if (nch != s->channels && !s->fold) {
                s->fold = malloc(FOLD_FRAMES * 2 * sizeof *s->fold);
                RETURN_ERROR_IF(!s->fold, ACCEL_ERR_NO_MEMORY, "out of memory decoding '%s'", s->path);
            }
            s->out_channels = nch;
            continue;
        }
        if (r == MPG123_NEED_MORE) {
            if (s->in_done) {
                s->done = 1;
                break;
            }
            FORWARD_IF_ERROR(feed(s));
            continue;
        }
        if (r == MPG123_DONE) {
            s->done = 1;
            break;
        }
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt MPEG audio after %.2f s: %s", s->path,
                           (double)s->decoded / s->rate, mpl.mpg123_strerror(s->mh));
    }
    if (s->done) FORWARD_IF_ERROR(check_length(s));
    *got = done;
    return ACCEL_OK;
}

/* Feeds the input until the first frame gives the stream's format. */
static accel_status first_format(mp_state *s, long *rate, int *ch)
{
    int enc = 0;
    size_t bytes = 0;
    unsigned char none[1];
    for (;;) {
        int r = mpl.mpg123_read(s->mh, none, 0, &bytes);
        if (r == MPG123_NEW_FORMAT) break;
        if (r == MPG123_NEED_MORE || r == MPG123_OK) {
            RETURN_ERROR_IF(s->in_done || s->in->pos >= s->sync_limit, ACCEL_ERR_FORMAT,
                            "'%s': no MPEG audio frame in its first %lld bytes", s->path,
                            (long long)s->in->pos);
            FORWARD_IF_ERROR(feed(s));
            continue;
        }
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not MPEG audio: %s", s->path,
                           mpl.mpg123_strerror(s->mh));
    }
    mpl.mpg123_getformat(s->mh, rate, ch, &enc);
    RETURN_ERROR_IF(enc != MPG123_ENC_FLOAT_32, ACCEL_ERR_FORMAT,
                    "'%s': libmpg123 does not give float samples here (encoding 0x%x)", s->path,
                    enc);
    return ACCEL_OK;
}

accel_status accel__audio_mpg123_open(audio_input *in, audio_decoder *d)
{
    const char *path = in->name;
    FORWARD_IF_ERROR(accel__audio_lazy_load(&mpl_lib, path));
    FORWARD_IF_ERROR(accel__audio_input_seek(in, 0));
    mpl.mpg123_init(); /* needed before 1.27, a no-op since; safe to repeat */
    mp_state *s = calloc(1, sizeof *s);
    RETURN_ERROR_IF(!s, ACCEL_ERR_NO_MEMORY, "out of memory opening '%s'", path);
    s->in = in;
    s->expected = -1;
    s->sync_limit = SYNC_LIMIT;
    accel__strlcpy(s->path, path, sizeof s->path);
    int err = MPG123_OK;
    s->mh = mpl.mpg123_new(NULL, &err);
    if (!s->mh) {
        free(s);
        return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "'%s': libmpg123: %s", path,
                           mpl.mpg123_plain_strerror(err));
    }
    /* quiet: problems come back as codes, never as lines on standard error; gapless: the
     * encoder's delay and padding are removed, so a whole file gives the frames its header
     * announces; no resampling: the source resamples */
    mpl.mpg123_param(s->mh, MPG123_ADD_FLAGS, MPG123_QUIET | MPG123_GAPLESS, 0.0);
    mpl.mpg123_param(s->mh, MPG123_REMOVE_FLAGS, MPG123_AUTO_RESAMPLE, 0.0);
    mpl.mpg123_format_none(s->mh);
    const long *rates = NULL;
    size_t n_rates = 0;
    mpl.mpg123_rates(&rates, &n_rates);
    for (size_t i = 0; i < n_rates; i++)
        mpl.mpg123_format(s->mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_FLOAT_32);
    accel_status st = ACCEL_OK;
    if (mpl.mpg123_open_feed(s->mh) != MPG123_OK)
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': libmpg123: %s", path, mpl.mpg123_strerror(s->mh));
    long rate = 0;
    int ch = 0;
    if (st == ACCEL_OK) st = first_format(s, &rate, &ch);
    if (st == ACCEL_OK && (rate < 1 || ch < 1 || ch > 2))
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %d channels at %ld Hz", path, ch, rate);
    if (st != ACCEL_OK) {
        mp_close(s);
        return st;
    }
    s->rate = (int)rate;
    s->channels = ch;
    s->out_channels = ch;
    /* known from the Xing/Info header only: the feed API never guesses from the size */
    off_t len = mpl.mpg123_length(s->mh);
    s->expected = len > 0 ? (int64_t)len : -1;
    memset(d, 0, sizeof *d);
    d->name = "mpg123";
    d->state = s;
    d->rate = s->rate;
    d->channels = ch;
    d->frames = s->expected;
    snprintf(d->format, sizeof d->format, "MPEG audio, float");
    d->read = mp_read;
    d->close = mp_close;
    return ACCEL_OK;
}

#else

accel_status accel__audio_mpg123_open(audio_input *in, audio_decoder *d)
{
    (void)d;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': libmpg123 support is not built in", in->name);
}

#endif
