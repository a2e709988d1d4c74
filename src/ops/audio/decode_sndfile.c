/* decode_sndfile.c — every format libsndfile reads (FLAC, Ogg Vorbis/Opus, AIFF, CAF, W64,
 * RF64, ADPCM/μ-law WAV, …), when the library was built with it (ACCEL_HAVE_SNDFILE). A file
 * that ends before the frame count its header announces is reported as truncated (except
 * MPEG, whose count libsndfile estimates). */
#include "audio_internal.h"

#ifdef ACCEL_HAVE_SNDFILE
#include <sndfile.h>

#include "lazy_lib.h"

/* libsndfile is opened on first use (lazy_lib.h), not linked. */
#define SFL_FUNCS(X) X(sf_readf_float) X(sf_error) X(sf_strerror) X(sf_close) X(sf_open_virtual) X(sf_command)

static struct {
    SFL_FUNCS(AUDIO_LAZY_PTR)
} sfl;
static const char *const sfl_symbols[] = {SFL_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof sfl == sizeof sfl_symbols / sizeof *sfl_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const sfl_sonames[] = {"libsndfile.so.1"};
static audio_lazy_lib sfl_lib = {
    .what = "libsndfile",
    .sonames = sfl_sonames,
    .n_sonames = 1,
    .symbols = sfl_symbols,
    .slots = (void **)&sfl,
    .n_symbols = sizeof sfl_symbols / sizeof *sfl_symbols,
    .install = "libsndfile1",
    .once = PTHREAD_ONCE_INIT,
};
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sf_state {
    SNDFILE *sf;
    int64_t frames;  /* announced, -1 when not trusted */
    int64_t done;
    char path[1024];
} sf_state;

static accel_status sf_read(void *state, float *buf, size_t cap, size_t *got)
{
    sf_state *s = state;
    sf_count_t n = sfl.sf_readf_float(s->sf, buf, (sf_count_t)cap);
    *got = 0;
    int err = n < 0 || (n == 0 && sfl.sf_error(s->sf) != SF_ERR_NO_ERROR);
    if ((err || n == 0) && s->frames >= 0 && s->done < s->frames)
        return ACCEL_ERROR(ACCEL_ERR_FORMAT,
                           "'%s': truncated or corrupt: decoded %lld of the %lld frames its header "
                           "announces%s%s", s->path, (long long)s->done, (long long)s->frames,
                           err ? "; libsndfile: " : "", err ? sfl.sf_strerror(s->sf) : "");
    RETURN_ERROR_IF(err, ACCEL_ERR_FORMAT, "'%s': corrupt: %s", s->path, sfl.sf_strerror(s->sf));
    s->done += n;
    *got = (size_t)n;
    return ACCEL_OK;
}

static void sf_close_state(void *state)
{
    sf_state *s = state;
    if (!s) return;
    if (s->sf) sfl.sf_close(s->sf);
    free(s);
}

/* libsndfile reads through the input (virtual I/O), so it decodes the bytes that were
 * sniffed, from the one descriptor. */
static sf_count_t vio_len(void *user)
{
    audio_input *in = user;
    return in->size >= 0 ? (sf_count_t)in->size : SF_COUNT_MAX;
}

static sf_count_t vio_seek(sf_count_t off, int whence, void *user)
{
    audio_input *in = user;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? in->pos : in->size;
    if (base < 0 || (off > 0 && base > INT64_MAX - off)) return -1;
    /* On a stream, a position near vio_len's SF_COUNT_MAX is libsndfile looking for an Ogg's
     * last page (its length): going there read the whole pipe through, and past the copy the
     * input keeps (1 MiB) libsndfile could not come back, and decoded the pages it held (a
     * 3-minute Vorbis stream gave 0.45 s, without a word). Refused, it learns no length and
     * decodes the stream to its end. */
    if (!in->seekable && base + off > SF_COUNT_MAX / 2) return -1;
    if (accel__audio_input_seek(in, base + off) != ACCEL_OK) {
        accel__clear_error();
        return -1;
    }
    return (sf_count_t)in->pos;
}

static sf_count_t vio_read(void *ptr, sf_count_t count, void *user)
{
    audio_input *in = user;
    size_t got = 0;
    if (count <= 0) return 0;
    if (accel__audio_input_read_full(in, ptr, (size_t)count, &got) != ACCEL_OK) {
        accel__clear_error();
        return 0;
    }
    return (sf_count_t)got;
}

static sf_count_t vio_write(const void *ptr, sf_count_t count, void *user)
{
    (void)ptr;
    (void)count;
    (void)user;
    return 0;
}

static sf_count_t vio_tell(void *user) { return (sf_count_t)((audio_input *)user)->pos; }

accel_status accel__audio_sndfile_open(audio_input *in, audio_decoder *d)
{
    const char *path = in->name;
    FORWARD_IF_ERROR(accel__audio_lazy_load(&sfl_lib, path));
    FORWARD_IF_ERROR(accel__audio_input_seek(in, 0));
    static SF_VIRTUAL_IO vio = {vio_len, vio_seek, vio_read, vio_write, vio_tell};
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sfl.sf_open_virtual(&vio, SFM_READ, &info, in);
    if (!sf) return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s", path, sfl.sf_strerror(NULL));
    if (info.channels < 1 || info.samplerate < 1) {
        sfl.sf_close(sf);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt: %d channels at %d Hz", path, info.channels,
                           info.samplerate);
    }
    sf_state *s = calloc(1, sizeof *s);
    if (!s) {
        sfl.sf_close(sf);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    s->sf = sf;
    accel__strlcpy(s->path, path, sizeof s->path);
    int major = info.format & SF_FORMAT_TYPEMASK;
    /* SF_COUNT_MAX: a stream whose length libsndfile could not learn (it cannot seek to the
     * end of a pipe). On a stream it also takes the length vio_len gives, SF_COUNT_MAX, for the
     * file's: a count worked out from it (W64, AIFF: about 2^61 frames; 1024 channels of 8
     * bytes still give over 2^49), or from a WAV data size that a streaming writer left as
     * "to the end" (`ffmpeg -f wav -` of μ-law: 0xFFFFFFFF bytes), is no count, and trusted it
     * made a whole stream "truncated" */
    int known = info.frames > 0 && info.frames != SF_COUNT_MAX;
    if (!in->seekable && (in->wav_streamed || info.frames >= (sf_count_t)1 << 49)) known = 0;
    s->frames = (major == SF_FORMAT_MPEG || !known) ? -1 : (int64_t)info.frames;
    memset(d, 0, sizeof *d);
    d->name = "sndfile";
    d->state = s;
    d->rate = info.samplerate;
    d->channels = info.channels;
    d->frames = known ? (int64_t)info.frames : -1;
    /* a trusted count (not MPEG, whose count libsndfile estimates): libsndfile reads no frame
     * past it, and sf_read calls fewer truncated */
    d->exact = s->frames >= 0;
    SF_FORMAT_INFO fi = {.format = major};
    SF_FORMAT_INFO si = {.format = info.format & SF_FORMAT_SUBMASK};
    const char *maj = sfl.sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 ? fi.name : "?";
    const char *sub = sfl.sf_command(NULL, SFC_GET_FORMAT_INFO, &si, sizeof si) == 0 ? si.name : "?";
    snprintf(d->format, sizeof d->format, "%s, %s", maj, sub);
    d->read = sf_read;
    d->close = sf_close_state;
    return ACCEL_OK;
}

#else

accel_status accel__audio_sndfile_open(audio_input *in, audio_decoder *d)
{
    (void)d;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': libsndfile support is not built in", in->name);
}

#endif
