/* input.c — the bytes of one audio input, opened once and shared by the format sniff and
 * every decoder that tries it.
 *
 * Why once: a pipe, a FIFO, process substitution (/dev/fd/63) or standard input can be read
 * only once. Opening the path a second time to decode found either the rest of the stream
 * (a valid WAV through <(cat x.wav) was "not a RIFF WAVE file") or, for a FIFO whose writer
 * had finished, no writer at all (the open blocked forever). One descriptor also means the
 * file that was checked (its device and inode: an output must never be its own input) is the
 * file that is decoded.
 *
 * A regular file is read with pread at the decoder's position, so decoders seek freely. A
 * stream keeps a copy of what it has read until a decoder commits to it (up to
 * AUDIO_INPUT_REPLAY bytes), so that the sniff, and a decoder that gives up on the header,
 * leave the next decoder the stream from its first byte. After the commit a stream only
 * goes forward (skipping forward reads and discards).
 *
 * A decoder that reads the bytes as they are (PCM WAV) takes a view instead of a copy:
 * memory in place, a regular file through one read-only mapping, whose pages are given back
 * behind the reader every few MB so that memory stays bounded on long files (pipes keep the
 * read path). */
#include "audio_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUDIO_INPUT_REPLAY (1u << 20)

static accel_status input_init(audio_input *in, const char *name)
{
    memset(in, 0, sizeof *in);
    in->fd = -1;
    in->size = -1;
    accel__strlcpy(in->name, name, sizeof in->name);
    return ACCEL_OK;
}

accel_status accel__audio_input_open(const char *path, audio_input *in)
{
    int std_in = strcmp(path, "-") == 0;
    input_init(in, std_in ? "<stdin>" : path);
    int fd = std_in ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return ACCEL_ERROR(e == ENOENT || e == ENOTDIR ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO,
                           "cannot open '%s': %s", path, strerror(e));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        if (!std_in) close(fd);
        return ACCEL_ERROR(ACCEL_ERR_IO, "cannot open '%s': %s", in->name, strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        if (!std_in) close(fd);
        return ACCEL_ERROR(ACCEL_ERR_IO, "'%s' is a directory, not an audio file", in->name);
    }
    in->fd = fd;
    in->own_fd = !std_in;
    in->dev = sb.st_dev;
    in->ino = sb.st_ino;
    in->has_identity = 1;
    /* a regular file that pread can read at any offset; anything else is a stream */
    in->seekable = S_ISREG(sb.st_mode) && pread(fd, NULL, 0, 0) == 0;
    in->size = in->seekable ? (int64_t)sb.st_size : -1;
    in->recording = !in->seekable;
    return ACCEL_OK;
}

void accel__audio_input_memory(const void *data, size_t n, const char *name, int as_stream,
                               audio_input *in)
{
    input_init(in, name);
    in->mem = data;
    in->mem_n = n;
    in->seekable = !as_stream;
    in->size = as_stream ? -1 : (int64_t)n;
    in->recording = as_stream;
}

void accel__audio_input_close(audio_input *in)
{
    if (!in) return;
    if (in->map) munmap((void *)in->map, in->map_len);
    in->map = NULL;
    if (in->own_fd && in->fd >= 0) close(in->fd);
    in->fd = -1;
    free(in->replay);
    in->replay = NULL;
    in->replay_n = in->replay_cap = 0;
    free(in->ogg.tail);
    in->ogg.tail = NULL;
    in->ogg_walking = 0;
}

void accel__audio_input_commit(audio_input *in) { in->recording = 0; }

void accel__audio_input_walk_ogg(audio_input *in)
{
    if (in->seekable || in->ogg_walking || (int64_t)in->replay_n != in->consumed) return;
    memset(&in->ogg, 0, sizeof in->ogg);
    in->ogg.chain_at = -1;
    in->ogg_walking = 1;
    accel__audio_ogg_walk_feed(&in->ogg, in->replay, in->replay_n);
}

/* One read(2) of the stream, appended to the replay copy while recording. */
static accel_status stream_read(audio_input *in, void *buf, size_t n, size_t *got)
{
    ssize_t k;
    if (in->mem) { /* memory read as a stream: the fuzz targets and tests */
        size_t left = in->mem_n - (size_t)in->consumed;
        k = (ssize_t)(n < left ? n : left);
        memcpy(buf, in->mem + in->consumed, (size_t)k);
    } else {
        do {
            k = read(in->fd, buf, n);
        } while (k < 0 && errno == EINTR);
        RETURN_ERROR_IF(k < 0, ACCEL_ERR_IO, "'%s': read error: %s", in->name, strerror(errno));
    }
    *got = (size_t)k;
    in->consumed += k;
    if (in->ogg_walking && k > 0) accel__audio_ogg_walk_feed(&in->ogg, buf, (size_t)k);
    if (in->recording && k > 0) {
        if (in->replay_n + (size_t)k > AUDIO_INPUT_REPLAY) {
            in->recording = 0; /* too long a header to keep: from here on, forward only */
        } else {
            if (in->replay_n + (size_t)k > in->replay_cap) {
                size_t cap = in->replay_cap ? in->replay_cap : 4096;
                while (cap < in->replay_n + (size_t)k) cap *= 2;
                unsigned char *r = realloc(in->replay, cap);
                RETURN_ERROR_IF(!r, ACCEL_ERR_NO_MEMORY, "out of memory reading '%s'", in->name);
                in->replay = r;
                in->replay_cap = cap;
            }
            memcpy(in->replay + in->replay_n, buf, (size_t)k);
            in->replay_n += (size_t)k;
        }
    }
    return ACCEL_OK;
}

accel_status accel__audio_input_read(audio_input *in, void *buf, size_t n, size_t *got)
{
    *got = 0;
    if (n == 0) return ACCEL_OK;
    if (in->mem && in->seekable) {
        size_t left = in->pos < in->size ? (size_t)(in->size - in->pos) : 0;
        size_t k = n < left ? n : left;
        memcpy(buf, in->mem + in->pos, k);
        in->pos += (int64_t)k;
        *got = k;
        return ACCEL_OK;
    }
    if (in->seekable) {
        ssize_t k;
        do {
            k = pread(in->fd, buf, n, (off_t)in->pos);
        } while (k < 0 && errno == EINTR);
        RETURN_ERROR_IF(k < 0, ACCEL_ERR_IO, "'%s': read error: %s", in->name, strerror(errno));
        in->pos += k;
        *got = (size_t)k;
        return ACCEL_OK;
    }
    /* a stream: bytes still held in the replay copy first */
    if (in->pos < in->consumed) {
        RETURN_ERROR_IF(in->pos >= (int64_t)in->replay_n, ACCEL_ERR_IO,
                        "'%s': cannot go back in a pipe (read it from a file instead)", in->name);
        size_t k = (size_t)(in->replay_n - (size_t)in->pos);
        if (k > n) k = n;
        memcpy(buf, in->replay + in->pos, k);
        in->pos += (int64_t)k;
        *got = k;
        return ACCEL_OK;
    }
    if (!in->recording && in->replay) { /* a decoder committed and is past the copy */
        free(in->replay);
        in->replay = NULL;
        in->replay_n = in->replay_cap = 0;
    }
    size_t k = 0;
    FORWARD_IF_ERROR(stream_read(in, buf, n, &k));
    in->pos += (int64_t)k;
    *got = k;
    return ACCEL_OK;
}

accel_status accel__audio_input_read_full(audio_input *in, void *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t k = 0;
        FORWARD_IF_ERROR(accel__audio_input_read(in, (char *)buf + *got, n - *got, &k));
        if (k == 0) break;
        *got += k;
    }
    return ACCEL_OK;
}

accel_status accel__audio_input_seek(audio_input *in, int64_t pos)
{
    RETURN_ERROR_IF(pos < 0, ACCEL_ERR_FORMAT, "'%s': seek before the start", in->name);
    if (in->seekable) {
        in->pos = pos;
        return ACCEL_OK;
    }
    if (pos < in->consumed) {
        /* back (or forward) within what was read: only the replay copy still holds it */
        RETURN_ERROR_IF(pos >= (int64_t)in->replay_n, ACCEL_ERR_IO,
                        "'%s': cannot go back in a pipe (read it from a file instead)", in->name);
        in->pos = pos;
        return ACCEL_OK;
    }
    /* forward in a stream: read and discard */
    in->pos = in->consumed;
    unsigned char skip[4096];
    while (in->consumed < pos) {
        size_t want = (size_t)(pos - in->consumed) < sizeof skip ? (size_t)(pos - in->consumed)
                                                                 : sizeof skip;
        size_t k = 0;
        FORWARD_IF_ERROR(stream_read(in, skip, want, &k));
        if (k == 0) break; /* the end: the position stays where the data ended */
    }
    in->pos = in->consumed;
    return ACCEL_OK;
}

accel_status accel__audio_input_cut_short(const audio_input *in, int64_t decoded, int64_t announced,
                                          int rate, const char *detail)
{
    return ACCEL_ERROR(ACCEL_ERR_FORMAT,
                       "'%s': truncated or corrupt: decoded %.2f s of the %.2f s that its header "
                       "announces%s",
                       in->name, (double)decoded / rate, (double)announced / rate,
                       detail ? detail : "");
}

/* Pages of the mapping given back behind the reader once this many bytes have been read. */
#define AUDIO_INPUT_RELEASE (4u << 20)

static void release_to(audio_input *in, int64_t pos)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t behind = pos > 0 ? (size_t)pos / page * page : 0;
    if (behind > in->map_len) behind = in->map_len / page * page;
    if (behind >= in->map_released + AUDIO_INPUT_RELEASE) {
        madvise((void *)(in->map + in->map_released), behind - in->map_released, MADV_DONTNEED);
        in->map_released = behind;
    }
}

void accel__audio_input_release(audio_input *in, const void *upto)
{
    if (!in->map) return;
    const unsigned char *u = upto;
    if (u < in->map || u > in->map + in->map_len) return;
    release_to(in, (int64_t)(u - in->map));
}

void accel__audio_input_populate(audio_input *in, const void *p, size_t n)
{
#ifdef MADV_POPULATE_READ
    if (!in->map || !n) return;
    const unsigned char *a = p, *b = a + n;
    if (a < in->map + in->map_released) a = in->map + in->map_released;
    if (b > in->map + in->map_len) b = in->map + in->map_len;
    if (a >= b) return;
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t page = pg > 0 ? (uintptr_t)pg : 4096;
    uintptr_t lo = (uintptr_t)a & ~(page - 1), hi = ((uintptr_t)b + page - 1) & ~(page - 1);
    madvise((void *)lo, hi - lo, MADV_POPULATE_READ); /* an older kernel says EINVAL: faults then */
#else
    (void)in, (void)p, (void)n;
#endif
}

const unsigned char *accel__audio_input_view(audio_input *in, size_t n, size_t *got)
{
    *got = 0;
    if (!in->seekable) return NULL;
    const unsigned char *base = in->mem;
    if (!base) {
        if (in->fd < 0 || in->size <= 0 || (uint64_t)in->size > SIZE_MAX) return NULL;
        if (!in->map) {
            void *m = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
            if (m == MAP_FAILED) return NULL; /* the read path then */
            madvise(m, (size_t)in->size, MADV_SEQUENTIAL);
            in->map = m;
            in->map_len = (size_t)in->size;
            in->map_released = 0;
        }
        base = in->map;
        /* give back what is behind the reader (whole pages; the file's pages stay cached) */
        release_to(in, in->pos);
    }
    size_t left = in->pos < in->size ? (size_t)(in->size - in->pos) : 0;
    size_t k = n < left ? n : left;
    const unsigned char *p = base + in->pos;
    in->pos += (int64_t)k;
    *got = k;
    return p;
}
