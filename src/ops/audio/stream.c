/* stream.c — accel_audio_features_npy(): features of an input of any length in bounded
 * memory.
 *
 * The source is read in chunks of the planned length into a buffer that keeps, in front of
 * each chunk, the samples still needed by frames that straddle the boundary. Each step runs
 * the operation through the executor on the frames whose windows are complete; frames near
 * the start use the start's edge rule, and frames that may touch the end wait until the end is
 * known. Every frame is therefore computed from exactly the samples, and by the same kernel
 * lane arithmetic, as in a whole-input call: the file equals accel_audio_features(). A
 * source of 16-bit mono PCM lying in memory (a mapped WAV at the features' rate) is not read
 * at all: the same chunks of frames run over its samples in place, which the kernels widen
 * as they read them (accel__audio_source_pcm16), the pages of the next chunk mapped in on a
 * side thread while one is computed.
 *
 * An input of one chunk or less whose length is known up front is computed whole instead and
 * written in one piece (run_whole): the stream's threads and piecewise writes cost a short clip
 * ten times its compute.
 *
 * Output: vggish and fbank frames go straight into the .npy body (frame-major, like the
 * output). whisper's layout is band-major and its floor needs the maximum of the whole input.
 * When the source knows its exact length up front (a WAV with a declared data size, memory,
 * a file whose decoder enforces its header's count: accel__audio_source_exact_frames),
 * whisper frames too go straight to their final place, each chunk floored at the running
 * maximum − 8: (max(v, fl) + 4) / 4 is monotonic in v and the floor only rises, so a value
 * written under an earlier floor becomes the final one by max(w, (fl + 4) / 4), and only the
 * bands of chunks whose least value lies under the final floor are read back for it.
 * Otherwise (a length only known at the end: a streamed WAV, MP3, resampling)
 * they go to an anonymous spill file, and the last pass applies the floor while transposing
 * blocks into place. fbank's mean normalisation is a last pass in place. Everything is written
 * under "<npy>.partial-<pid>" and renamed at the end. */
#include "audio_internal.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define HUGE_N (INT64_MAX / 8)
/* The chunk streaming holds unless ACCEL_CHUNK_SECONDS asks for another: 60 s of float32 is
 * 3.8 MB, and 6000 frames per call keep a device busy. The planner only shortens it (a device
 * with little memory), never lengthens it (chunk_len.c), so memory does not grow with the
 * input. */
#define AUDIO_STREAM_CHUNK_S 60.0
#define BLOCK 3000 /* frames per block in the last pass (whisper windows are 3000 frames) */

/* One job at a time on a thread beside the compute (the next chunk's decoding or mapping in,
 * the last chunk's writing), started and then joined; a failure comes back with its message.
 * The thread is made at the first job and kept until side_stop(), so a stream of n chunks
 * makes two threads, not 2n (a thread's creation and exit cost 50-75 µs here). Without a thread
 * (pthread_create failed) each job runs at once on the caller's. */
typedef struct side_job {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int made;    /* mu and cv initialised; th tried */
    int running; /* th exists */
    int pending; /* a job was started and not joined */
    int ready, done, quit; /* under mu: a job handed over, finished; the thread to end */
    accel_status (*fn)(void *);
    void *arg;
    accel_status st;
    char msg[1024];
} side_job;

static void side_run(side_job *j)
{
    j->st = j->fn(j->arg);
    if (j->st != ACCEL_OK) accel__strlcpy(j->msg, accel__last_error_text(), sizeof j->msg);
}

static void *side_main(void *p)
{
    side_job *j = p;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->ready && !j->quit) pthread_cond_wait(&j->cv, &j->mu);
        if (!j->ready) break;
        j->ready = 0;
        pthread_mutex_unlock(&j->mu);
        side_run(j);
        pthread_mutex_lock(&j->mu);
        j->done = 1;
        pthread_cond_broadcast(&j->cv);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static void side_start(side_job *j, accel_status (*fn)(void *), void *arg)
{
    if (!j->made) {
        j->made = 1;
        pthread_mutex_init(&j->mu, NULL);
        pthread_cond_init(&j->cv, NULL);
        j->running = pthread_create(&j->th, NULL, side_main, j) == 0;
    }
    j->fn = fn;
    j->arg = arg;
    j->pending = 1;
    if (!j->running) {
        side_run(j);
        return;
    }
    pthread_mutex_lock(&j->mu);
    j->done = 0;
    j->ready = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

static accel_status side_join(side_job *j)
{
    if (!j->pending) return ACCEL_OK;
    if (j->running) {
        pthread_mutex_lock(&j->mu);
        while (!j->done) pthread_cond_wait(&j->cv, &j->mu);
        pthread_mutex_unlock(&j->mu);
    }
    j->pending = 0;
    return j->st == ACCEL_OK ? ACCEL_OK : ACCEL_ERROR(j->st, "%s", j->msg);
}

/* Ends the thread (after side_join: no job is in flight). */
static void side_stop(side_job *j)
{
    if (!j->made) return;
    if (j->running) {
        pthread_mutex_lock(&j->mu);
        j->quit = 1;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        pthread_join(j->th, NULL);
    }
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    j->made = j->running = j->pending = j->ready = j->done = j->quit = 0; /* as new: startable again */
}

/* The writing of one computed chunk (a side job). */
typedef struct put_job {
    struct stream *s;
    int64_t fa, fb;
    float *cbuf;
    float floor_v;
    /* whisper in place: cbuf holds (v + 4) / 4 and, per band and stretch of AUDIO_SEGMENT
     * frames, its least value (float bits, n_seg per band; the stream's wseg owns them) */
    uint32_t *mins;
    int64_t n_seg;
} put_job;

typedef struct stream {
    accel_ctx *ctx;
    const audio_plan *pl;
    const char *npy;
    char tmp[1100];
    int fd;       /* the .npy being written */
    int spill;    /* whisper: raw log10 frames, frame-major */
    audio_colsum cs;
    int have_cs;
    float max;
    accel_run_record agg;
    int have_rec;
    size_t n_chunks;
    double compute_ms;
    double read_ms, write_ms, finish_ms; /* the other stages (logged at info level) */
    float *cbuf[2]; /* chunks' frames: one computed while the other is written */
    size_t ccap[2];
    int cw;         /* the buffer the next chunk is computed into */
    side_job writer; /* the last chunk's writing */
    put_job put[2];
    side_job reader; /* the next chunk's decoding */
    /* whisper written in place (the length known up front): rows of `row_len` frames (the
     * total, or 3000 per window), and per chunk, band and stretch of AUDIO_SEGMENT frames the
     * least value written */
    int direct;
    int pcm; /* the kernels read 16-bit samples in place */
    int whole; /* a short input computed whole and written in one piece (run_whole) */
    int64_t row_len;
    int64_t stored;  /* frames that hold computed values (the rest: zero frames, padding) */
    struct wseg {
        int64_t fa, fb;
        uint32_t *mins; /* float bits, n_seg per band */
        int64_t n_seg;
    } *seg;
    size_t n_seg, seg_cap;
    /* whisper in place, band-major rows: each band's frames after its last page boundary in the
     * file, held back to go out with the next chunk's, so that every write but a row's last
     * ends on a page boundary (a page filled by two writes cost ext4 a partial-page pass
     * each time: 12 % of the writing); carry_at[m] is the band's first frame not yet written,
     * carry[m · carry_cap …] its frames from there */
    float *carry;
    int64_t *carry_at;
    int64_t carry_cap;
    int64_t carry_to; /* the end of the held frames: the next chunk's first frame */
    int final;       /* the chunk being handed to the writer is the input's last */
} stream;

/* in writes of at most ACCEL__WRITE_PIECE bytes (core/internal.h) */
static accel_status pwrite_all(int fd, const void *p, size_t n, off_t off, const char *what)
{
    const char *c = p;
    while (n) {
        ssize_t k = pwrite(fd, c, n < ACCEL__WRITE_PIECE ? n : ACCEL__WRITE_PIECE, off);
        if (k < 0 && errno == EINTR) continue;
        RETURN_ERROR_IF(k <= 0, ACCEL_ERR_IO, "cannot write '%s': %s", what, strerror(errno));
        c += k;
        n -= (size_t)k;
        off += k;
    }
    return ACCEL_OK;
}

static accel_status pwritev_all(int fd, struct iovec *iov, int n, off_t off, const char *what)
{
    while (n > 0) {
        ssize_t k = pwritev(fd, iov, n, off);
        if (k < 0 && errno == EINTR) continue;
        RETURN_ERROR_IF(k <= 0, ACCEL_ERR_IO, "cannot write '%s': %s", what, strerror(errno));
        off += k;
        while (n > 0 && (size_t)k >= iov->iov_len) {
            k -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    return ACCEL_OK;
}

static accel_status pread_all(int fd, void *p, size_t n, off_t off, const char *what)
{
    char *c = p;
    while (n) {
        ssize_t k = pread(fd, c, n, off);
        if (k < 0 && errno == EINTR) continue;
        RETURN_ERROR_IF(k <= 0, ACCEL_ERR_IO, "cannot read back '%s': %s", what, k < 0 ? strerror(errno) : "short file");
        c += k;
        n -= (size_t)k;
        off += k;
    }
    return ACCEL_OK;
}

static float whisper_value(float v, float fl) { return ((v > fl ? v : fl) + 4.0f) / 4.0f; }

/* Byte offset of frame f of band m in the .npy of whisper's layout (band-major rows, or
 * windows of 3000 frames per band). */
static off_t whisper_off(const stream *s, int m, int64_t f)
{
    if (s->pl->p.windows) {
        int64_t w = f / AUDIO_WHISPER_WINDOW_FRAMES;
        return 128 + ((off_t)(w * s->pl->n_mels + m) * AUDIO_WHISPER_WINDOW_FRAMES +
                      (f - w * AUDIO_WHISPER_WINDOW_FRAMES)) * 4;
    }
    return 128 + ((off_t)m * s->row_len + f) * 4;
}

/* Reads (rd) or writes frames [fa, fb) of band m at v, split where a window ends. */
static accel_status whisper_io(stream *s, int m, int64_t fa, int64_t fb, float *v, int rd)
{
    while (fa < fb) {
        int64_t end = fb;
        if (s->pl->p.windows) {
            int64_t wend = (fa / AUDIO_WHISPER_WINDOW_FRAMES + 1) * AUDIO_WHISPER_WINDOW_FRAMES;
            if (wend < end) end = wend;
        }
        size_t bytes = (size_t)(end - fa) * 4;
        off_t off = whisper_off(s, m, fa);
        FORWARD_IF_ERROR(rd ? pread_all(s->fd, v, bytes, off, s->tmp) : pwrite_all(s->fd, v, bytes, off, s->tmp));
        v += end - fa;
        fa = end;
    }
    return ACCEL_OK;
}

/* Band m's frames [fa, fb) (at v), after those held back from earlier chunks: written up to
 * the last page boundary before fb (all of them for the input's last chunk), the rest held
 * back. */
static accel_status carry_put(stream *s, int m, int64_t fa, int64_t fb, const float *v)
{
    int64_t at = s->carry_at[m], held = fa - at, end = fb;
    float *c = s->carry + (size_t)m * (size_t)s->carry_cap;
    if (!s->final) {
        off_t off = whisper_off(s, m, fb);
        end = fb - (int64_t)(off % 4096) / 4;
        if (end < at) end = at;
    }
    if (end > at) {
        struct iovec iov[2];
        int n = 0;
        int64_t from_c = end < fa ? end - at : held; /* frames written from the held ones */
        if (from_c > 0) iov[n++] = (struct iovec){c, (size_t)from_c * 4};
        if (end > fa) iov[n++] = (struct iovec){(void *)v, (size_t)(end - fa) * 4};
        FORWARD_IF_ERROR(pwritev_all(s->fd, iov, n, whisper_off(s, m, at), s->tmp));
        if (from_c < held) memmove(c, c + from_c, (size_t)(held - from_c) * 4);
    }
    /* held now: [end, fb) */
    int64_t keep_c = end < fa ? fa - end : 0;
    int64_t from_v = end > fa ? end - fa : 0;
    RETURN_ERROR_IF(keep_c + (fb - fa - from_v) > s->carry_cap, ACCEL_ERR_INTERNAL,
                    "'%s': %lld frames held back, room for %lld", s->tmp,
                    (long long)(keep_c + fb - fa - from_v), (long long)s->carry_cap);
    if (fb - fa > from_v) memcpy(c + keep_c, v + from_v, (size_t)(fb - fa - from_v) * 4);
    s->carry_at[m] = end;
    return ACCEL_OK;
}

/* v[f] = max(v[f], flv) for f < n: a stretch raised to the floor, (fl + 4) / 4. */
static void raise_to_floor(float *v, int64_t n, float flv)
{
    for (int64_t f = 0; f < n; f++) v[f] = v[f] > flv ? v[f] : flv;
}

/* whisper in place: the chunk's frames [fa, fb) (band-major in cbuf, (v + 4) / 4 with their
 * stretch minima `mins`, kept by the stream for the last pass and updated here to what is
 * written) floored at fl (the running maximum − 8) and written to their final
 * places; frames at or past `stored` are not written. Only the stretches holding a value under
 * the floor are touched: max((v + 4) / 4, (fl + 4) / 4) is the floored value, bit for bit. */
static accel_status whisper_put(stream *s, int64_t fa, int64_t fb, float *cbuf, float fl, uint32_t *mins,
                                int64_t n_seg)
{
    const int nm = s->pl->n_mels;
    int64_t nf = fb - fa, ne = (fb < s->stored ? fb : s->stored) - fa;
    if (ne <= 0) return ACCEL_OK;
    RETURN_ERROR_IF(s->carry_at && fa != s->carry_to, ACCEL_ERR_INTERNAL,
                    "'%s': chunk at frame %lld after the frames held back up to %lld", s->tmp, (long long)fa,
                    (long long)s->carry_to);
    const float flv = whisper_value(fl, fl);
    uint32_t flb;
    memcpy(&flb, &flv, sizeof flb);
    for (int m = 0; m < nm; m++) {
        float *row = cbuf + (size_t)m * (size_t)nf;
        for (int64_t g = 0; g < n_seg; g++) {
            float v;
            memcpy(&v, &mins[m * n_seg + g], sizeof v);
            if (v < flv) {
                int64_t a = g * AUDIO_SEGMENT, b = a + AUDIO_SEGMENT < ne ? a + AUDIO_SEGMENT : ne;
                raise_to_floor(row + a, b - a, flv);
                mins[m * n_seg + g] = flb;
            }
        }
        if (s->carry_at) FORWARD_IF_ERROR(carry_put(s, m, fa, fa + ne, row));
        else FORWARD_IF_ERROR(whisper_io(s, m, fa, fa + ne, row, 0));
    }
    s->carry_to = fa + ne;
    return ACCEL_OK;
}

/* The first failure among the pool's workers on a last pass, with its message. */
typedef struct first_failure {
    pthread_mutex_t mu;
    accel_status st;
    char msg[1024];
} first_failure;

#define FIRST_FAILURE_INIT {PTHREAD_MUTEX_INITIALIZER, ACCEL_OK, ""}

static void note_failure(first_failure *f, accel_status st)
{
    if (st == ACCEL_OK) return;
    pthread_mutex_lock(&f->mu);
    if (f->st == ACCEL_OK) {
        f->st = st;
        accel__strlcpy(f->msg, accel__last_error_text(), sizeof f->msg);
    }
    pthread_mutex_unlock(&f->mu);
}

/* ACCEL_OK, or the first failure again in this thread (its message kept). */
static accel_status failure_of(first_failure *f)
{
    pthread_mutex_destroy(&f->mu);
    RETURN_ERROR_IF(f->st != ACCEL_OK, f->st, "%s", f->msg);
    return ACCEL_OK;
}

/* The end of whisper in place: the final floor applied to the stretches written under a lower
 * one that hold values below it (runs of nearby stretches read and written in one piece),
 * bands in parallel on the pool (each band's row is its own part of the file), then
 * the frames of appended zeros only. */
typedef struct finish_task {
    stream *s;
    size_t s0, s1;  /* the chunks (stream.seg) to look at */
    float flv;      /* the final floor, (fl + 4) / 4 */
    size_t cap;     /* the longest chunk, frames */
    first_failure fail;
} finish_task;

/* Flagged stretches closer than this (frames) are read and written as one run, the frames
 * between them along (raising those changes nothing): a read and a write of a few kilobytes more
 * cost less than two more system calls. */
#define FINISH_JOIN (8 * AUDIO_SEGMENT)

/* Band m's frames [f0, f1) read, raised to the floor and written back. */
static accel_status finish_run(stream *s, int m, int64_t f0, int64_t f1, float *row, float flv)
{
    FORWARD_IF_ERROR(whisper_io(s, m, f0, f1, row, 1));
    raise_to_floor(row, f1 - f0, flv);
    return whisper_io(s, m, f0, f1, row, 0);
}

static void finish_bands(void *arg, size_t mb, size_t me)
{
    finish_task *t = arg;
    stream *s = t->s;
    const float flv = t->flv;
    const int64_t cap = (int64_t)(t->cap ? t->cap : 1);
    float *row = malloc((size_t)cap * sizeof *row);
    accel_status st = row ? ACCEL_OK : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    for (size_t m = mb; st == ACCEL_OK && m < me; m++) {
        /* the open run [r0, r1): a band's frames lie in one row of the file across chunks */
        int64_t r0 = -1, r1 = -1;
        for (size_t i = t->s0; st == ACCEL_OK && i < t->s1; i++) {
            const struct wseg *g = &s->seg[i];
            const uint32_t *mn = g->mins + (int64_t)m * g->n_seg;
            for (int64_t a = 0; st == ACCEL_OK && a < g->n_seg; a++) {
                float v;
                memcpy(&v, &mn[a], sizeof v);
                if (!(v < flv)) continue; /* nothing of this stretch under the final floor */
                int64_t f0 = g->fa + a * AUDIO_SEGMENT, f1 = f0 + AUDIO_SEGMENT < g->fb ? f0 + AUDIO_SEGMENT : g->fb;
                if (r0 >= 0 && f0 - r1 <= FINISH_JOIN && f1 - r0 <= cap) {
                    r1 = f1;
                    continue;
                }
                if (r0 >= 0) st = finish_run(s, (int)m, r0, r1, row, flv);
                r0 = f0;
                r1 = f1;
            }
        }
        if (st == ACCEL_OK && r0 >= 0) st = finish_run(s, (int)m, r0, r1, row, flv);
    }
    free(row);
    note_failure(&t->fail, st);
}

/* Chunks s0 … s1−1 (stream.seg) raised to the final floor (every chunk computed); with
 * `tail`, the frames of appended zeros written too. */
static accel_status whisper_direct_finish(stream *s, const audio_frames *fr, size_t s0, size_t s1, int tail)
{
    const int nm = s->pl->n_mels;
    float z = accel__audio_whisper_zero_value();
    float mx = s->max;
    if (fr->computed < fr->total && z > mx) mx = z;
    float fl = mx - 8.0f, zv = whisper_value(z, fl);
    finish_task t = {s, s0, s1, whisper_value(fl, fl), 0, FIRST_FAILURE_INIT};
    for (size_t i = s0; i < s1; i++)
        if ((size_t)(s->seg[i].fb - s->seg[i].fa) > t.cap) t.cap = (size_t)(s->seg[i].fb - s->seg[i].fa);
    if (s1 > s0) accel__audio_parallel(s->ctx, (size_t)nm, 1, finish_bands, &t);
    FORWARD_IF_ERROR(failure_of(&t.fail));
    int64_t have = fr->computed < fr->stored ? fr->computed : fr->stored;
    accel_status st = ACCEL_OK;
    if (tail && fr->stored > have) {
        size_t need = (size_t)(fr->stored - have);
        float *row = malloc(need * sizeof *row);
        RETURN_ERROR_IF(!row, ACCEL_ERR_NO_MEMORY, "out of memory");
        for (size_t f = 0; f < need; f++) row[f] = zv;
        for (int m = 0; st == ACCEL_OK && m < nm; m++) st = whisper_io(s, m, have, fr->stored, row, 0);
        free(row);
    }
    return st;
}

static void merge_rec(stream *s, const accel_run_record *r)
{
    if (!s->have_rec) {
        s->agg = *r;
        s->have_rec = 1;
        return;
    }
    if (s->agg.n_fallbacks == 0 && r->n_fallbacks) {
        s->agg.reason = r->reason;
        memcpy(s->agg.message, r->message, sizeof r->message);
    }
    s->agg.n_fallbacks += r->n_fallbacks;
    s->agg.time_lost_ms += r->time_lost_ms;
    s->agg.n_splits += r->n_splits;
    s->agg.device_used = r->device_used;
}

static accel_status put_chunk(void *arg)
{
    put_job *j = arg;
    stream *s = j->s;
    const audio_plan *pl = s->pl;
    size_t nf = (size_t)(j->fb - j->fa), bytes = nf * (size_t)pl->n_out * sizeof(float);
    double t0 = accel__now_ms();
    accel_status st;
    if (s->direct) {
        st = whisper_put(s, j->fa, j->fb, j->cbuf, j->floor_v, j->mins, j->n_seg);
    } else if (pl->p.kind == ACCEL_AUDIO_WHISPER) {
        st = pwrite_all(s->spill, j->cbuf, bytes, (off_t)j->fa * pl->n_out * 4, "spill file");
    } else {
        if (s->have_cs) accel__audio_colsum_add(&s->cs, j->cbuf, (int64_t)nf);
        st = pwrite_all(s->fd, j->cbuf, bytes, 128 + (off_t)j->fa * pl->n_out * 4, s->tmp);
    }
    s->write_ms += accel__now_ms() - t0;
    return st;
}

/* Runs frames [fa, fb) of the input held in sig, then hands them to the writer (which writes
 * them while the next chunk is read and computed). */
static accel_status run_frames(stream *s, const audio_signal *sig, int64_t fa, int64_t fb)
{
    const audio_plan *pl = s->pl;
    /* an input without frames still asks the executor once, so the record names the device */
    if (fb <= fa && s->n_chunks) return ACCEL_OK;
    if (fb < fa) fb = fa;
    size_t nf = (size_t)(fb - fa), need = nf * (size_t)pl->n_out;
    int w = s->cw;
    if (need > s->ccap[w]) {
        /* the writer is done with it (joined before the last chunk's was started) */
        free(s->cbuf[w]);
        s->ccap[w] = 0;
        float *b = s->cbuf[w] = accel__big_alloc(need * sizeof *b);
        RETURN_ERROR_IF(!b, ACCEL_ERR_NO_MEMORY, "out of memory for %zu frames", nf);
        s->ccap[w] = need;
    }
    audio_clip cl;
    memset(&cl, 0, sizeof cl);
    cl.sig = *sig;
    cl.f_begin = fa;
    cl.f_end = fb;
    cl.f_origin = fa;
    /* whisper in place stores the frames before the appended zeros (the others need none) */
    const int64_t f_stored = fb < s->stored ? fb : s->stored;
    cl.f_store = s->direct ? f_stored : INT64_MAX;
    cl.out = s->cbuf[w];
    cl.lay.wf = INT64_MAX / 4;
    cl.lay.fs = s->direct ? 1 : pl->n_out; /* whisper in place: band-major within the chunk */
    cl.lay.ks = s->direct ? (int64_t)nf : 1;
    audio_call call;
    FORWARD_IF_ERROR(accel__audio_call_init(&call, pl, &cl, 1));
    if (s->direct) { /* the runs store (v + 4) / 4 and note stretch minima (whisper_put) */
        accel_status ns = accel__audio_call_notes(&call);
        if (ns != ACCEL_OK) {
            accel__audio_call_free(&call);
            return ns;
        }
    }
    accel_run_record r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    double t0 = accel__now_ms();
    accel_status st = accel__exec(s->ctx, accel__audio_op(pl->p.kind), &call, &r);
    s->compute_ms += accel__now_ms() - t0;
    uint32_t *mins = NULL;
    int64_t n_seg = 0;
    if (call.seg_min) { /* the writer takes them */
        mins = call.seg_min[0];
        n_seg = call.n_seg[0];
        call.seg_min[0] = NULL;
    }
    accel__audio_call_free(&call);
    if (st != ACCEL_OK) free(mins);
    FORWARD_IF_ERROR(st);
    merge_rec(s, &r);
    s->n_chunks++;
    if (cl.max > s->max) s->max = cl.max;
    /* the previous chunk's writing is done before this one's starts (in order, one buffer
     * each) */
    st = side_join(&s->writer);
    if (st == ACCEL_OK && mins && f_stored > fa) {
        /* the stream keeps the chunk's minima for the last pass; the writer updates them */
        if (s->n_seg == s->seg_cap) {
            size_t cap = s->seg_cap ? 2 * s->seg_cap : 64;
            struct wseg *g = realloc(s->seg, cap * sizeof *g);
            if (!g) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
            else s->seg = g, s->seg_cap = cap;
        }
        if (st == ACCEL_OK) s->seg[s->n_seg++] = (struct wseg){fa, f_stored, mins, n_seg};
    } else {
        free(mins);
        mins = NULL;
    }
    if (st != ACCEL_OK) free(mins);
    FORWARD_IF_ERROR(st);
    s->put[w] = (put_job){s, fa, fb, s->cbuf[w], s->max - 8.0f, mins, n_seg};
    side_start(&s->writer, put_chunk, &s->put[w]);
    s->cw = 1 - w;
    return ACCEL_OK;
}

void accel__audio_partial_path(const char *npy_path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.partial-%ld", npy_path, (long)getpid());
}

int accel__audio_partial_open(const char *tmp, int flags, mode_t mode)
{
    for (int tries = 0;; tries++) {
        int fd = open(tmp, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST || tries) return fd;
        unlink(tmp); /* a link goes, not its target */
    }
}

/* The last pass of whisper: spill (frame-major, raw log10) → the .npy (band-major or
 * windows), floor and scale applied. */
static accel_status whisper_finish(stream *s, const audio_frames *fr)
{
    const audio_plan *pl = s->pl;
    int nm = pl->n_mels;
    float z = accel__audio_whisper_zero_value();
    float mx = s->max;
    if (fr->computed < fr->total && z > mx) mx = z;
    float fl = mx - 8.0f, zv = whisper_value(z, fl);
    int win = pl->p.windows;
    int64_t rows_len = win ? AUDIO_WHISPER_WINDOW_FRAMES : fr->total; /* frames per output row */
    int64_t limit = win ? fr->windows * AUDIO_WHISPER_WINDOW_FRAMES : fr->total;
    float *blk = malloc((size_t)BLOCK * (size_t)nm * sizeof *blk);
    float *row = malloc((size_t)BLOCK * sizeof *row);
    accel_status st = (!blk || !row) ? ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory") : ACCEL_OK;
    for (int64_t fa = 0; st == ACCEL_OK && fa < limit; fa += BLOCK) {
        int64_t fb = fa + BLOCK < limit ? fa + BLOCK : limit;
        int64_t have = fr->computed < fr->stored ? fr->computed : fr->stored; /* frames in the spill */
        int64_t ra = fa < have ? fa : have, rb = fb < have ? fb : have;
        if (rb > ra)
            st = pread_all(s->spill, blk, (size_t)(rb - ra) * (size_t)nm * 4, (off_t)ra * nm * 4, "spill file");
        for (int m = 0; st == ACCEL_OK && m < nm; m++) {
            for (int64_t f = fa; f < fb; f++) {
                float v;
                if (f < rb) v = whisper_value(blk[(size_t)(f - fa) * (size_t)nm + (size_t)m], fl);
                else if (f < fr->stored) v = zv;          /* frames of appended zeros only */
                else v = 0.0f;                            /* the last window's padding */
                row[f - fa] = v;
            }
            off_t off;
            if (win) {
                int64_t w = fa / AUDIO_WHISPER_WINDOW_FRAMES;
                off = 128 + ((off_t)(w * nm + m) * AUDIO_WHISPER_WINDOW_FRAMES + (fa - w * AUDIO_WHISPER_WINDOW_FRAMES)) * 4;
            } else {
                off = 128 + ((off_t)m * rows_len + fa) * 4;
            }
            st = pwrite_all(s->fd, row, (size_t)(fb - fa) * 4, off, s->tmp);
        }
    }
    free(blk);
    free(row);
    return st;
}

/* fbank's mean taken off every frame in the file, blocks of BLOCK frames read, centred and
 * written back in parallel on the pool (each block its own part of the file; ext4 takes the
 * writes one at a time, the reads and the subtraction overlap them). */
typedef struct fbank_task {
    stream *s;
    int64_t frames;
    const double *mean;
    first_failure fail;
} fbank_task;

static void fbank_blocks(void *arg, size_t b0, size_t b1)
{
    fbank_task *t = arg;
    stream *s = t->s;
    const int n_out = s->pl->n_out;
    float *blk = malloc((size_t)BLOCK * (size_t)n_out * sizeof *blk);
    accel_status st = blk ? ACCEL_OK : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    for (size_t b = b0; st == ACCEL_OK && b < b1; b++) {
        int64_t fa = (int64_t)b * BLOCK, fb = fa + BLOCK < t->frames ? fa + BLOCK : t->frames;
        size_t bytes = (size_t)(fb - fa) * (size_t)n_out * 4;
        off_t off = 128 + (off_t)fa * n_out * 4;
        st = pread_all(s->fd, blk, bytes, off, s->tmp);
        if (st != ACCEL_OK) break;
        for (int64_t f = 0; f < fb - fa; f++)
            for (int k = 0; k < n_out; k++) blk[f * n_out + k] = (float)(blk[f * n_out + k] - t->mean[k]);
        st = pwrite_all(s->fd, blk, bytes, off, s->tmp);
    }
    free(blk);
    note_failure(&t->fail, st);
}

static accel_status fbank_finish(stream *s, int64_t frames)
{
    accel__audio_colsum_mean(&s->cs);
    fbank_task t = {s, frames, s->cs.total, FIRST_FAILURE_INIT};
    size_t n_blk = frames > 0 ? (size_t)((frames + BLOCK - 1) / BLOCK) : 0;
    accel__audio_parallel(s->ctx, n_blk, 1, fbank_blocks, &t);
    return failure_of(&t.fail);
}

/* Maps in the pages of samples [from, to) of a mapped 16-bit source (a side job: the next
 * chunk's, while this one is computed). */
typedef struct populate_job {
    accel_audio_source *src;
    int64_t from, to;
} populate_job;

static accel_status populate_samples(void *arg)
{
    populate_job *j = arg;
    accel__audio_source_populate(j->src, j->from, j->to);
    return ACCEL_OK;
}

/* Fills dst with up to cap samples, fewer only at the end of the input (a side job). */
typedef struct read_job {
    stream *s;
    accel_audio_source *src;
    float *dst;
    size_t cap, got;
    int eof;
} read_job;

static accel_status read_more(void *arg)
{
    read_job *j = arg;
    double t0 = accel__now_ms();
    accel_status st = ACCEL_OK;
    j->got = 0;
    j->eof = 0;
    while (j->got < j->cap) {
        size_t k = 0;
        st = accel_audio_read(j->src, j->dst + j->got, j->cap - j->got, &k);
        if (st != ACCEL_OK) break;
        if (k == 0) {
            j->eof = 1;
            break;
        }
        j->got += k;
    }
    j->s->read_ms += accel__now_ms() - t0;
    return st;
}

/* The result's shape, length and chunk length (the rest is filled by the caller). */
static void set_result(accel_audio_result *res, const accel_audio_params *p, const size_t *shape, int nd,
                       int64_t n, int64_t chunk)
{
    if (!res) return;
    res->ndim = nd;
    for (int i = 0; i < 3; i++) res->shape[i] = i < nd ? shape[i] : 0;
    res->seconds = (double)n / p->sample_rate;
    res->chunk_seconds = (double)chunk / p->sample_rate;
}

/* An input of one chunk or less whose length is known up front (a mapped WAV, a decoder that
 * enforces its header's count) is computed whole, as accel_audio_features() computes it, and
 * its .npy written in one piece. A chunk's worth of samples and features is what the stream
 * holds anyway; what it saves is the stream's machinery, which on a short clip costs ten times
 * the compute (a writer thread, whisper's rows written piece by piece: 160 writes for a 5-s
 * clip with openai padding). */
static accel_status run_whole(stream *s, accel_audio_source *src, const int16_t *pcm, int64_t n, int64_t chunk,
                              accel_audio_result *res)
{
    const audio_plan *pl = s->pl;
    const accel_audio_params *p = &pl->p;
    size_t shape[3];
    int nd;
    FORWARD_IF_ERROR(accel_audio_shape(p, (size_t)n, shape, &nd));
    size_t len = 1;
    for (int i = 0; i < nd; i++) len *= shape[i];
    float *x = NULL;
    accel_status st = ACCEL_OK;
    if (!pcm) {
        /* one sample more than declared, to tell a decoder that delivers more */
        x = accel__thread_scratch(ACCEL__SCRATCH_AUDIO_IN, ((size_t)n + 1) * sizeof *x);
        RETURN_ERROR_IF(!x, ACCEL_ERR_NO_MEMORY, "out of memory for %lld samples", (long long)n);
        read_job rj = {s, src, x, (size_t)n + 1, 0, 0};
        st = read_more(&rj);
        if (st == ACCEL_OK && rj.got != (size_t)n)
            st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': delivered %s%lld samples where its header declared %lld",
                             accel__audio_source_path(src), rj.got > (size_t)n ? "more than " : "",
                             (long long)(rj.got > (size_t)n ? n : (int64_t)rj.got), (long long)n);
    }
    /* the header, then the body (128 bytes keep the floats aligned); like the samples, in the
     * thread's kept buffers: a corpus of short clips maps their pages in once, not per file */
    float *buf = st == ACCEL_OK ? accel__thread_scratch(ACCEL__SCRATCH_AUDIO_OUT, 128 + len * sizeof(float)) : NULL;
    if (st == ACCEL_OK && !buf) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for %zu values", len);
    accel_run_record r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    if (st == ACCEL_OK) {
        const void *clip = pcm ? (const void *)pcm : (const void *)x;
        size_t nn = (size_t)n;
        float *body = buf + 128 / sizeof(float);
        double t0 = accel__now_ms();
        st = accel__audio_features_on(s->ctx, -1, p, pcm ? ACCEL_I16 : ACCEL_F32, &clip, &nn, 1, &body, &r);
        s->compute_ms += accel__now_ms() - t0;
        if (st == ACCEL_OK) {
            merge_rec(s, &r);
            s->n_chunks = 1;
        }
    }
    if (st == ACCEL_OK) st = accel__npy_header((char *)buf, shape, nd);
    if (st == ACCEL_OK) {
        double t0 = accel__now_ms();
        st = pwrite_all(s->fd, buf, 128 + len * sizeof(float), 0, s->tmp);
        s->write_ms += accel__now_ms() - t0;
    }
    FORWARD_IF_ERROR(st);
    set_result(res, p, shape, nd, n, chunk);
    return ACCEL_OK;
}

static accel_status run_stream(stream *s, accel_audio_source *src, accel_audio_result *res)
{
    const audio_plan *pl = s->pl;
    const accel_audio_params *p = &pl->p;
    accel_audio_info info = {.struct_size = sizeof info};
    FORWARD_IF_ERROR(accel_audio_source_info(src, &info));
    RETURN_ERROR_IF(info.rate != p->sample_rate, ACCEL_ERR_INVALID_ARG,
                    "'%s': the source delivers %d Hz, the features need %d Hz (open it with that rate)",
                    accel__audio_source_path(src), info.rate, p->sample_rate);
    const char *op = accel__audio_op(p->kind)->name;
    double est = info.source_frames > 0 && info.source_rate > 0 ? (double)info.source_frames / info.source_rate : 0;
    double chunk_s;
    FORWARD_IF_ERROR(accel__audio_chunk_seconds(s->ctx, op, est, p->sample_rate,
                                                AUDIO_STREAM_CHUNK_S, &chunk_s));
    int64_t chunk = (int64_t)(chunk_s * p->sample_rate);
    int64_t min_chunk = (int64_t)pl->hop * AUDIO_LANES * 4 + pl->win;
    if (chunk < min_chunk) chunk = min_chunk;
    int64_t margin = 2 * (int64_t)pl->win + pl->hop + (pl->pad_left > 0 ? pl->pad_left : 0);
    size_t cap = (size_t)(chunk + margin);
    int64_t exact = p->kind == ACCEL_AUDIO_WHISPER ? accel__audio_source_exact_frames(src) : -1;
    /* 16-bit mono PCM lying in memory (a mapped WAV) is read by the kernels where it lies: no
     * reader, no conversion, no copies */
    const int16_t *pcm = NULL;
    int64_t pcm_n = 0;
    s->pcm = accel__audio_source_pcm16(src, &pcm, &pcm_n);
    int64_t known = s->pcm ? pcm_n : accel__audio_source_exact_frames(src);
    if (known > 0 && known <= chunk) {
        s->whole = 1;
        return run_whole(s, src, pcm, known, chunk, res);
    }
    /* otherwise two buffers: the next chunk is decoded into one while the other is computed */
    float *bufs[2] = {NULL, NULL};
    if (!pcm) {
        bufs[0] = accel__big_alloc(cap * sizeof(float));
        bufs[1] = accel__big_alloc(cap * sizeof(float));
        if (!bufs[0] || !bufs[1]) {
            free(bufs[0]);
            free(bufs[1]);
            return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for a chunk of %.1f s", chunk_s);
        }
    }
    int64_t pad = p->kind == ACCEL_AUDIO_WHISPER
                      ? (p->padding == ACCEL_AUDIO_PAD_OPENAI ? AUDIO_WHISPER_PAD_OPENAI
                         : p->padding == ACCEL_AUDIO_PAD_FASTER_WHISPER ? AUDIO_WHISPER_PAD_FASTER : 0)
                      : 0;
    float scale = p->kind == ACCEL_AUDIO_FBANK ? (float)p->sample_scale : 1.0f;
    accel_status st = ACCEL_OK;
    if (exact >= 0) {
        /* whisper in place: the layout is known before the first chunk */
        audio_frames fx;
        accel__audio_frames(pl, exact, &fx);
        size_t shape[3];
        int nd;
        st = accel_audio_shape(p, (size_t)exact, shape, &nd);
        off_t body = 4;
        for (int i = 0; i < nd; i++) body *= (off_t)shape[i];
        /* the blocks reserved up front: a full disk fails here, before any compute, and the
         * scattered writes need no reservation each (8 % of their cost on ext4); a file system
         * without fallocate gets the size only. From a pipe the header's count is a claim
         * nothing has checked yet (a WAV header may announce 4 GB before a second of audio):
         * the size only, sparse, so a false claim ends as "truncated", not as a full disk */
        int reserve = accel__audio_source_seekable(src);
        if (st == ACCEL_OK && (!reserve || fallocate(s->fd, 0, 0, 128 + body) != 0) &&
            ((reserve && errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL) ||
             ftruncate(s->fd, 128 + body) != 0))
            st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot write '%s': %s", s->tmp, strerror(errno));
        s->direct = 1;
        s->row_len = p->windows ? AUDIO_WHISPER_WINDOW_FRAMES : fx.total;
        s->stored = fx.stored;
        if (st == ACCEL_OK && !p->windows) {
            s->carry_cap = 4096 / sizeof(float);
            s->carry = malloc((size_t)pl->n_mels * (size_t)s->carry_cap * sizeof *s->carry);
            s->carry_at = calloc((size_t)pl->n_mels, sizeof *s->carry_at);
            if (!s->carry || !s->carry_at) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
        }
    } else if (p->kind == ACCEL_AUDIO_WHISPER) {
        char sp[1100];
        snprintf(sp, sizeof sp, "%s.spill-%ld", s->npy, (long)getpid());
        s->spill = accel__audio_partial_open(sp, O_RDWR, 0600);
        if (s->spill < 0) st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot create '%s': %s", sp, strerror(errno));
        else unlink(sp); /* anonymous from now on */
    }
    if (st != ACCEL_OK) {
        free(bufs[0]);
        free(bufs[1]);
        return st;
    }
    /* bufs[cur] holds samples [b0, b1); the reader fills the other one after the samples the
     * next frames still need (copied to its front) */
    int64_t b0 = 0, b1 = 0, f_next = 0;
    int cur = 0;
    read_job rj = {s, src, bufs[0], cap, 0, 0};
    if (pcm) {
        /* the same chunks of frames over the samples in place; the pages behind the next
         * chunk's first frame are given back as it goes (bounded memory on long inputs), the
         * next chunk's are mapped in beside this one's compute (touched by the kernels
         * instead, the mapping faults every 16 pages on the computing threads: docs/audio.md) */
        populate_job pj = {src, 0, chunk < pcm_n ? chunk : pcm_n};
        populate_samples(&pj);
        while (st == ACCEL_OK && b1 + chunk < pcm_n) {
            b1 += chunk;
            int64_t f_hi = (b1 - pl->win + pl->pad_left) / pl->hop + 1;
            pj = (populate_job){src, b1, b1 + chunk < pcm_n ? b1 + chunk : pcm_n};
            side_start(&s->reader, populate_samples, &pj);
            if (f_hi > f_next) {
                audio_signal sig = {NULL, 0, pcm_n, HUGE_N, pad, scale, pcm};
                st = run_frames(s, &sig, f_next, f_hi);
                f_next = f_hi;
            }
            accel_status ps = side_join(&s->reader);
            if (st == ACCEL_OK) st = ps;
            int64_t keep = f_next * pl->hop - pl->pad_left - pl->win;
            if (keep > 0) accel__audio_source_release(src, keep);
        }
        b1 = pcm_n;
    } else {
        side_start(&s->reader, read_more, &rj);
    }
    for (; !pcm;) {
        st = side_join(&s->reader);
        if (st != ACCEL_OK) break;
        b1 += (int64_t)rj.got;
        if (rj.eof) break;
        float *buf = bufs[cur];
        /* frames whose windows end inside the buffer; the end is not known yet */
        int64_t f_hi = (b1 - pl->win + pl->pad_left) / pl->hop + 1;
        int64_t f_to = f_hi > f_next ? f_hi : f_next;
        /* keep what the next frames (and an end reflection) may read */
        int64_t keep = f_to * pl->hop - pl->pad_left - pl->win;
        if (keep < b0) keep = b0;
        float *nxt = bufs[1 - cur];
        size_t tail = (size_t)(b1 - keep);
        memcpy(nxt, buf + (keep - b0), tail * sizeof *nxt);
        rj = (read_job){s, src, nxt + tail, cap - tail, 0, 0};
        side_start(&s->reader, read_more, &rj);
        if (f_hi > f_next) {
            audio_signal sig = {buf, b0, b1 - b0, HUGE_N, pad, scale, NULL};
            st = run_frames(s, &sig, f_next, f_hi);
            f_next = f_hi;
        }
        b0 = keep;
        cur = 1 - cur;
        if (st != ACCEL_OK) break;
    }
    /* nothing may run beside us past this point (the buffers are freed below) */
    accel_status rs = side_join(&s->reader);
    if (st == ACCEL_OK) st = rs;
    audio_frames fr;
    int64_t n = b1;
    accel__audio_frames(pl, n, &fr);
    if (st == ACCEL_OK && s->carry_at) {
        /* what the bands hold back goes out before the last chunk, whose writing then runs
         * beside the last pass over the chunks before it */
        st = side_join(&s->writer);
        s->final = 1;
        for (int m = 0; st == ACCEL_OK && m < pl->n_mels; m++)
            st = carry_put(s, m, s->carry_to, s->carry_to, NULL);
    }
    if (st == ACCEL_OK) {
        audio_signal sig = {bufs[cur], b0, b1 - b0, n, pad, scale, pcm};
        int64_t end = p->kind == ACCEL_AUDIO_VGGISH ? fr.total : fr.computed;
        st = run_frames(s, &sig, f_next, end);
    }
    /* whisper in place: every chunk is computed, so the final floor is known; the chunks
     * before the last are raised to it while the writer writes the last one (whose own
     * stretches are looked at after it) */
    size_t early = s->n_seg ? s->n_seg - 1 : 0;
    double te = accel__now_ms();
    if (st == ACCEL_OK && s->direct && n == exact) st = whisper_direct_finish(s, &fr, 0, early, 0);
    s->finish_ms += accel__now_ms() - te;
    accel_status ws = side_join(&s->writer);
    if (st == ACCEL_OK) st = ws;
    free(bufs[0]);
    free(bufs[1]);
    FORWARD_IF_ERROR(st);

    size_t shape[3];
    int nd;
    FORWARD_IF_ERROR(accel_audio_shape(p, (size_t)n, shape, &nd));
    double tf = accel__now_ms();
    if (s->direct) {
        RETURN_ERROR_IF(n != exact, ACCEL_ERR_FORMAT, "'%s': delivered %lld samples where its header declared %lld",
                        accel__audio_source_path(src), (long long)n, (long long)exact);
        FORWARD_IF_ERROR(whisper_direct_finish(s, &fr, early, s->n_seg, 1));
    } else if (p->kind == ACCEL_AUDIO_WHISPER) {
        FORWARD_IF_ERROR(whisper_finish(s, &fr));
    } else if (p->kind == ACCEL_AUDIO_VGGISH) {
        RETURN_ERROR_IF(ftruncate(s->fd, 128 + (off_t)fr.stored * pl->n_out * 4) != 0, ACCEL_ERR_IO,
                        "cannot write '%s': %s", s->tmp, strerror(errno));
    } else {
        if (s->have_cs) FORWARD_IF_ERROR(fbank_finish(s, fr.total));
        /* frames streamed out before the end was known are dropped when the whole signal turns
         * out shorter than min_duration */
        RETURN_ERROR_IF(ftruncate(s->fd, 128 + (off_t)fr.stored * pl->n_out * 4) != 0, ACCEL_ERR_IO,
                        "cannot write '%s': %s", s->tmp, strerror(errno));
    }
    char hdr[128];
    FORWARD_IF_ERROR(accel__npy_header(hdr, shape, nd));
    FORWARD_IF_ERROR(pwrite_all(s->fd, hdr, 128, 0, s->tmp));
    s->finish_ms += accel__now_ms() - tf;
    set_result(res, p, shape, nd, n, chunk);
    return ACCEL_OK;
}

/* A write error names what the user asked for: the output, not its partial file (which is
 * gone by now), and the spill file as the output's. */
static void name_output(const char *tmp, const char *npy)
{
    char msg[1024], out[2048];
    accel__strlcpy(msg, accel__last_error_text(), sizeof msg);
    size_t tl = strlen(tmp), k = 0;
    out[0] = '\0';
    for (const char *c = msg; *c && k + 1 < sizeof out;) {
        const char *rep = NULL;
        size_t skip = 0;
        if (tl && !strncmp(c, tmp, tl)) rep = npy, skip = tl;
        else if (!strncmp(c, "'spill file'", 12)) rep = "the spill file beside '", skip = 12;
        if (rep) {
            int w = snprintf(out + k, sizeof out - k, "%s%s%s", rep, skip == 12 ? npy : "",
                             skip == 12 ? "'" : "");
            k += w > 0 ? (size_t)w : 0;
            if (k >= sizeof out) k = sizeof out - 1;
            c += skip;
        } else {
            out[k++] = *c++;
        }
    }
    out[k] = '\0';
    accel__set_error(ACCEL_ERR_IO, __FILE__, __LINE__, "%s", out);
}

accel_status accel_audio_features_npy(accel_ctx *ctx, const accel_audio_params *p,
                                      accel_audio_source *src, const char *npy_path,
                                      accel_audio_result *res, accel_run_record *rec)
{
    RETURN_ERROR_IF(!ctx || !src || !npy_path, ACCEL_ERR_INVALID_ARG, "accel_audio_features_npy: NULL argument");
    double t0 = accel__now_ms();
    audio_plan pl;
    FORWARD_IF_ERROR(accel__audio_plan_init(&pl, p));
    stream s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.pl = &pl;
    s.npy = npy_path;
    s.spill = -1;
    s.max = -INFINITY;
    accel__audio_partial_path(npy_path, s.tmp, sizeof s.tmp);
    accel_status st = ACCEL_OK;
    /* an output that is the input itself (by device and inode: a hard link or a symlink to it
     * counts) would replace the audio with its features when the file is renamed into place */
    struct stat ob;
    dev_t idev;
    ino_t iino;
    if (accel__audio_source_identity(src, &idev, &iino) && stat(npy_path, &ob) == 0 &&
        ob.st_dev == idev && ob.st_ino == iino) {
        accel__audio_plan_free(&pl);
        return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                           "'%s' is the input '%s' itself (the same file): writing the features "
                           "there would replace the audio; choose another output",
                           npy_path, accel__audio_source_path(src));
    }
    s.fd = accel__audio_partial_open(s.tmp, O_RDWR, 0666);
    if (s.fd < 0) st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot create '%s': %s", s.tmp, strerror(errno));
    if (st == ACCEL_OK && p->kind == ACCEL_AUDIO_FBANK && p->subtract_mean) {
        st = accel__audio_colsum_init(&s.cs, pl.n_out);
        s.have_cs = st == ACCEL_OK;
    }
    if (res) {
        size_t sz = res->struct_size && res->struct_size < sizeof *res ? res->struct_size : sizeof *res;
        memset(res, 0, sz);
        res->struct_size = sz;
    }
    if (st == ACCEL_OK) st = run_stream(&s, src, res);
    side_stop(&s.reader);
    side_stop(&s.writer);
    if (s.fd >= 0 && close(s.fd) != 0 && st == ACCEL_OK)
        st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot write '%s': %s", s.tmp, strerror(errno));
    if (s.spill >= 0) close(s.spill);
    if (st == ACCEL_OK && accel__rename_over(s.tmp, npy_path) != 0)
        st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot put '%s' in place: %s", npy_path, strerror(errno));
    if (st != ACCEL_OK && s.fd >= 0) unlink(s.tmp); /* nothing is left for a failed input */
    if (st == ACCEL_ERR_IO) name_output(s.tmp, npy_path);
    if (s.have_rec && rec) {
        size_t sz = rec->struct_size && rec->struct_size < sizeof *rec ? rec->struct_size : sizeof *rec;
        s.agg.struct_size = sz;
        s.agg.elapsed_ms = accel__now_ms() - t0;
        memcpy(rec, &s.agg, sz);
    }
    ACCEL_LOG_INFO("audio features '%s' -> '%s': read %.1f ms, compute %.1f ms, write %.1f ms, last pass "
                   "%.1f ms, whole call %.1f ms (%zu chunks; %s; %s)", accel__audio_source_path(src), npy_path,
                   s.read_ms, s.compute_ms, s.write_ms, s.finish_ms, accel__now_ms() - t0, s.n_chunks,
                   s.pcm ? "16-bit samples read in place" : "samples decoded to float",
                   s.whole ? "whole, one buffer" : s.direct ? "whisper in place"
                                                : s.spill >= 0 ? "whisper through a spill file" : "frames streamed");
    if (res) {
        res->n_chunks = s.n_chunks;
        res->device_used = s.have_rec ? s.agg.device_used : -1;
        res->n_fallbacks = s.agg.n_fallbacks;
        res->reason = s.agg.reason;
        res->compute_ms = s.compute_ms;
        res->elapsed_ms = accel__now_ms() - t0;
    }
    if (s.have_cs) accel__audio_colsum_free(&s.cs);
    free(s.cbuf[0]);
    free(s.cbuf[1]);
    free(s.carry);
    free(s.carry_at);
    for (size_t i = 0; i < s.n_seg; i++) free(s.seg[i].mins);
    free(s.seg);
    accel__audio_plan_free(&pl);
    return st;
}
