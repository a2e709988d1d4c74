/* test_audio_stream.c — accel_audio_features_npy(): streamed in chunks far shorter than the
 * input, the .npy equals the whole-input computation bit for bit, for every kind and option
 * that touches the edges (whisper paddings and windows, Kaldi snip_edges=0, dither, energy,
 * mean normalisation); the whole input split among one, two or three threads and calls of
 * odd sizes (so that runs begin and end inside fbank's column-sum blocks and whisper's
 * stretches) gives the same bits; a failed input leaves no file; and a 20-minute file is
 * processed in bounded memory. */
#include "audio_test_util.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[512];
/* contexts splitting the whole-input work differently (threads, items per call) */
static accel_ctx *split_ctx[3];

/* x[0, n) as a float WAV in memory whose data size is 0xFFFFFFFF (a streaming recorder's
 * "to the end"). Read through a pipe (open_piped) its length is known only at the end, so
 * whisper takes the spill path (from memory or a file the reader finds the data's end up
 * front). */
static unsigned char *streamed_wav(const float *x, size_t n, size_t *bytes)
{
    unsigned char h[44] = "RIFF\xff\xff\xff\xffWAVEfmt \x10\0\0\0\x03\0\x01\0\x80\x3e\0\0\0\xfa\0\0\x04\0\x20\0data\xff\xff\xff\xff";
    unsigned char *b = malloc(44 + n * 4);
    if (!b) return NULL;
    memcpy(b, h, 44);
    if (n) memcpy(b + 44, x, n * 4); /* little-endian hosts (the float WAV is little-endian) */
    *bytes = 44 + n * 4;
    return b;
}

/* bytes[0, len) through a pipe, as `… | accel …` gives them: a child process writes them, the
 * source reads /dev/fd/N. piped_done, after the source is closed, waits for the writer. */
typedef struct piped {
    pid_t pid;
    int fd;
} piped;

static accel_status open_piped(accel_ctx *ctx, const unsigned char *bytes, size_t len, piped *pp,
                               accel_audio_source **src)
{
    *src = NULL;
    pp->pid = pipe_feed(bytes, len, 65536, &pp->fd);
    if (pp->pid < 0) return ACCEL_ERR_IO;
    char name[64];
    snprintf(name, sizeof name, "/dev/fd/%d", pp->fd);
    return accel_audio_open(ctx, name, 16000, src);
}

static void piped_done(piped *pp)
{
    if (pp->fd >= 0) close(pp->fd);
    if (pp->pid > 0) waitpid(pp->pid, NULL, 0);
    pp->fd = pp->pid = -1;
}

/* src streamed to the .npy at `path` (and closed), read back: NULL unless its shape, and the
 * result's, are shape[0 … nd). */
static float *stream_back(accel_ctx *ctx, const accel_audio_params *p, accel_audio_source *src, const char *path,
                          accel_audio_result *res, const size_t *shape, int nd)
{
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_audio_features_npy(ctx, p, src, path, res, &rec));
    accel_audio_close(src);
    size_t gs[3];
    int gnd = 0;
    float *got = npy_read(path, gs, &gnd);
    ASSERT_TRUE(got != NULL);
    ASSERT_EQ_INT(gnd, nd);
    ASSERT_EQ_INT(res->ndim, nd);
    for (int i = 0; i < nd && i < gnd; i++) {
        ASSERT_EQ_INT(gs[i], shape[i]);
        ASSERT_EQ_INT(res->shape[i], shape[i]);
    }
    if (got && (gnd != nd || shape_total(gs, gnd) != shape_total(shape, nd))) {
        free(got);
        return NULL;
    }
    return got;
}

static void compare_stream(accel_ctx *ctx, const char *label, const accel_audio_params *p, const float *x, size_t n)
{
    size_t shape[3];
    int nd;
    accel_status st;
    float *want = features_on(ctx, -1, p, x, n, shape, &nd, &st);
    ASSERT_OK(st);
    for (int i = 0; want && i < (int)(sizeof split_ctx / sizeof *split_ctx); i++) {
        size_t s2[3];
        int nd2 = 0;
        float *other = features_on(split_ctx[i], -1, p, x, n, s2, &nd2, &st);
        ASSERT_OK(st);
        size_t len = shape_total(shape, nd);
        if (other && memcmp(other, want, len * sizeof(float)) != 0)
            TEST_FAIL_("%s (%zu samples): the whole input split another way (context %d) differs by %.3g", label, n,
                       i, max_abs_diff(other, want, len));
        free(other);
    }
    char path[700];
    snprintf(path, sizeof path, "%s/stream.npy", tmpdir);
    accel_audio_source *src = NULL;
    for (int way = 0; way < 2; way++) {
        /* way 0: a memory source (length known: whisper written in place); way 1: a WAV of
         * unknown length through a pipe (whisper through the spill file) */
        size_t wb = 0;
        unsigned char *wav = way ? streamed_wav(x, n, &wb) : NULL;
        piped pp = {-1, -1};
        if (way) ASSERT_OK(open_piped(ctx, wav, wb, &pp, &src));
        else ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
        const char *how = way ? "length unknown" : "length known";
        accel_audio_result res = {.struct_size = sizeof res};
        float *got = stream_back(ctx, p, src, path, &res, shape, nd);
        piped_done(&pp);
        size_t len = shape_total(shape, nd);
        if (got && want && memcmp(got, want, len * sizeof(float)) != 0)
            TEST_FAIL_("%s (%zu samples, %s): streamed output differs from the whole-input one by %.3g", label, n,
                       how, max_abs_diff(got, want, len));
        printf("  %-28s %7zu samples, %-14s %zu chunks of %.2f s, shape (%zu, %zu%s): identical\n", label, n, how,
               res.n_chunks, res.chunk_seconds, shape[0], shape[1], nd == 3 ? ", …" : "");
        ASSERT_TRUE(res.device_used >= 0);
        ASSERT_NEAR(res.seconds, (double)n / 16000, 1e-9);
        free(got);
        free(wav);
        unlink(path);
    }
    free(want);
}

/* Files whose decoder gives an exact count up front (libsndfile's FLAC and Ogg) take whisper's
 * in-place route like a WAV (no spill file); the .npy equals the features of the decoded
 * samples. Those whose count is an estimate (MP3, Opus through FFmpeg) keep the spill route and
 * equal them too. */
static void exact_counts(accel_ctx *ctx)
{
    static const struct {
        const char *file;
        unsigned need; /* the decoders that must be built in */
        int exact;     /* through libsndfile: a trusted count */
    } files[] = {
        {"variants/speech_c.flac", ACCEL__AUDIO_HAVE_SNDFILE, 1},
        {"variants/speech_c.ogg", ACCEL__AUDIO_HAVE_SNDFILE, 1},
        {"variants/speech_c.wav", 0, 1},
        {"variants/speech_c.mp3", ACCEL__AUDIO_HAVE_FFMPEG | ACCEL__AUDIO_HAVE_MPG123, 0},
        {"variants/speech_c.opus", ACCEL__AUDIO_HAVE_SNDFILE | ACCEL__AUDIO_HAVE_FFMPEG, 0}, /* either route */
    };
    const char *presets[][2] = {{"whisper-80", NULL}, {"whisper-128", "windows=1"}};
    char path[700], file[900];
    snprintf(path, sizeof path, "%s/exact.npy", tmpdir);
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        if (files[f].need && !(accel__audio_built() & files[f].need)) {
            printf("  %s: its decoder is not built in, skipped\n", files[f].file);
            continue;
        }
        snprintf(file, sizeof file, "%s/%s", AUDIO_DATA, files[f].file);
        float *x = NULL;
        size_t n = 0;
        ASSERT_OK(accel_audio_load(ctx, file, 16000, &x, &n, NULL));
        for (size_t k = 0; x && k < sizeof presets / sizeof *presets; k++) {
            accel_audio_params p = {.struct_size = sizeof p};
            ASSERT_OK(accel_audio_params_preset(presets[k][0], &p));
            if (presets[k][1]) ASSERT_EQ_INT(params_set(&p, presets[k][1]), 0);
            size_t shape[3];
            int nd;
            accel_status st;
            float *want = features_on(ctx, -1, &p, x, n, shape, &nd, &st);
            ASSERT_OK(st);
            accel_audio_source *src = NULL;
            ASSERT_OK(accel_audio_open(ctx, file, 16000, &src));
            int64_t exact = accel__audio_source_exact_frames(src);
            /* MP3's and Opus's decoders in this build may count exactly or not: only the others
             * are held to it */
            if (files[f].exact && exact != (int64_t)n)
                TEST_FAIL_("%s: exact count %lld, %zu samples decoded", files[f].file, (long long)exact, n);
            accel_audio_result res = {.struct_size = sizeof res};
            float *got = stream_back(ctx, &p, src, path, &res, shape, nd);
            size_t len = shape_total(shape, nd);
            if (got && want && memcmp(got, want, len * sizeof(float)) != 0)
                TEST_FAIL_("%s %s: streamed output differs from the decoded samples' features by %.3g",
                           files[f].file, presets[k][0], max_abs_diff(got, want, len));
            printf("  %-24s %-12s %7zu samples, %s: identical\n", files[f].file, presets[k][0], n,
                   exact >= 0 ? "count exact up front (in place)" : "count at the end (spill file)");
            free(got);
            free(want);
            unlink(path);
        }
        accel_audio_free(x);
    }
}

/* Inputs of one chunk or less whose length is known up front are computed whole and written in
 * one piece (stream.c, run_whole): the .npy equals the whole-input features from a float array
 * (copied in), an int16 array and a WAV file (read in place), a FLAC (decoded, its count exact),
 * for every kind; a FLAC that fails half-way leaves nothing. The default 60-s chunk holds these
 * files whole (the other tests' context streams them in 0.67-s chunks). */
static void whole_inputs(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) return;
    float *x = NULL, *xf = NULL;
    size_t n = 0, nf = 0;
    ASSERT_OK(accel_audio_load(ctx, AUDIO_DATA "/speech_b.wav", 16000, &x, &n, NULL));
    int flac = (accel__audio_built() & ACCEL__AUDIO_HAVE_SNDFILE) != 0;
    if (flac) ASSERT_OK(accel_audio_load(ctx, AUDIO_DATA "/variants/speech_c.flac", 16000, &xf, &nf, NULL));
    int16_t *x16 = malloc((n ? n : 1) * sizeof *x16);
    ASSERT_TRUE(x && x16);
    if (!x || !x16) return;
    for (size_t i = 0; i < n; i++) { /* a 16-bit WAV's samples: exact both ways */
        float v = x[i] * 32768.0f;
        x16[i] = (int16_t)(v > 32767.0f ? 32767.0f : v < -32768.0f ? -32768.0f : v);
        ASSERT_TRUE((float)x16[i] / 32768.0f == x[i]);
    }
    const char *cfg[][3] = {{"whisper-80", "padding=openai", NULL},       {"whisper-80", "padding=none", NULL},
                            {"whisper-128", "padding=openai", "windows=1"}, {"vggish", NULL, NULL},
                            {"fbank-80", NULL, NULL},                      {"fbank", "dither=1.0", "use_energy=1"},
                            {"fbank-80", "min_duration=20", NULL}};
    const char *how[] = {"float array", "int16 array", "WAV file", "FLAC file"};
    char path[700], partial[800];
    snprintf(path, sizeof path, "%s/whole.npy", tmpdir);
    snprintf(partial, sizeof partial, "%s.partial-%ld", path, (long)getpid());
    for (size_t c = 0; c < sizeof cfg / sizeof *cfg; c++) {
        accel_audio_params p = {.struct_size = sizeof p};
        ASSERT_OK(accel_audio_params_preset(cfg[c][0], &p));
        for (int k = 1; k < 3 && cfg[c][k]; k++) ASSERT_EQ_INT(params_set(&p, cfg[c][k]), 0);
        for (int way = 0; way < 4; way++) {
            if (way == 3 && !flac) continue;
            const float *ref = way == 3 ? xf : x;
            size_t rn = way == 3 ? nf : n, shape[3];
            int nd;
            accel_status st;
            float *want = features_on(ctx, -1, &p, ref, rn, shape, &nd, &st);
            ASSERT_OK(st);
            accel_audio_source *src = NULL;
            if (way == 0) ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
            else if (way == 1) ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_I16, x16, n, 16000, 16000, &src));
            else if (way == 2) ASSERT_OK(accel_audio_open(ctx, AUDIO_DATA "/speech_b.wav", 16000, &src));
            else ASSERT_OK(accel_audio_open(ctx, AUDIO_DATA "/variants/speech_c.flac", 16000, &src));
            accel_audio_result res = {.struct_size = sizeof res};
            float *got = src ? stream_back(ctx, &p, src, path, &res, shape, nd) : NULL;
            size_t len = shape_total(shape, nd);
            if (got && want && memcmp(got, want, len * sizeof(float)) != 0)
                TEST_FAIL_("%s %s (%s): the one-piece output differs from the whole-input features by %.3g",
                           cfg[c][0], cfg[c][1] ? cfg[c][1] : "", how[way], max_abs_diff(got, want, len));
            ASSERT_EQ_INT(res.n_chunks, 1);
            ASSERT_TRUE(res.device_used >= 0);
            ASSERT_NEAR(res.seconds, (double)rn / 16000, 1e-9);
            ASSERT_TRUE(access(partial, F_OK) != 0);
            printf("  whole %-12s %-16s %-12s %6zu samples, shape (%zu, %zu%s): identical\n", cfg[c][0],
                   cfg[c][1] ? cfg[c][1] : "", how[way], rn, shape[0], nd > 1 ? shape[1] : 0, nd == 3 ? ", …" : "");
            free(got);
            free(want);
            unlink(path);
        }
    }
    /* a FLAC whose decoding fails half-way, its count taken up front: nothing is left */
    for (int w = 0; w < 2 && flac; w++) {
        accel_audio_params pw = {.struct_size = sizeof pw};
        accel_audio_params_preset(w ? "whisper-80" : "vggish", &pw);
        accel_audio_source *src = NULL;
        ASSERT_OK(accel_audio_open(ctx, AUDIO_DATA "/bad/truncated.flac", 16000, &src));
        ASSERT_TRUE(accel__audio_source_exact_frames(src) > 0);
        ASSERT_STATUS(accel_audio_features_npy(ctx, &pw, src, path, NULL, NULL), ACCEL_ERR_FORMAT);
        ASSERT_CONTAINS(accel_last_error(NULL), "truncated.flac");
        accel_audio_close(src);
        ASSERT_TRUE(access(path, F_OK) != 0);
        ASSERT_TRUE(access(partial, F_OK) != 0);
    }
    free(x16);
    accel_audio_free(x);
    accel_audio_free(xf);
    accel_ctx_destroy(ctx);
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void write_long_wav(const char *path, const float *x, size_t n, size_t total)
{
    FILE *f = fopen(path, "wb");
    uint32_t data = (uint32_t)(total * 2);
    unsigned char h[44] = "RIFF____WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data____";
    uint32_t riff = data + 36;
    memcpy(h + 4, &riff, 4);
    memcpy(h + 40, &data, 4);
    fwrite(h, 1, 44, f);
    int16_t blk[4096];
    for (size_t i = 0; i < total;) {
        size_t k = total - i < 4096 ? total - i : 4096;
        for (size_t j = 0; j < k; j++) blk[j] = (int16_t)lrintf(x[(i + j) % n] * 30000.0f);
        fwrite(blk, 2, k, f);
        i += k;
    }
    fclose(f);
}

/* Bounded memory: 20 minutes from disk with the default chunk length, measured first, before
 * anything else raised the peak. The whole input in memory would be 77 MB of float32 before
 * any output. */
static void bounded_memory(const float *x, size_t n)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    accel_audio_params p = {.struct_size = sizeof p};
    accel_audio_source *src = NULL;
    char path[700], wav[700];
    snprintf(wav, sizeof wav, "%s/long.wav", tmpdir);
    size_t total = (size_t)16000 * 60 * 20;
    write_long_wav(wav, x, n, total);
    snprintf(path, sizeof path, "%s/long.npy", tmpdir);
    ASSERT_OK(accel_audio_params_preset("whisper-80", &p));
    long before = maxrss_kb();
    ASSERT_OK(accel_audio_open(ctx, wav, 16000, &src));
    accel_audio_result res = {.struct_size = sizeof res};
    double t0 = accel__now_ms();
    ASSERT_OK(accel_audio_features_npy(ctx, &p, src, path, &res, NULL));
    double ms = accel__now_ms() - t0;
    accel_audio_close(src);
    long grew = maxrss_kb() - before;
    printf("  20 min whisper-80 from disk: %zu chunks of %.0f s, shape (%zu, %zu), %.0f ms, peak memory +%ld KB\n",
           res.n_chunks, res.chunk_seconds, res.shape[0], res.shape[1], ms, grew);
    ASSERT_EQ_INT(res.shape[1], (total + 480000) / 160);
    if (!(grew < 40 * 1024)) TEST_FAIL_("peak memory grew by %ld KB streaming 20 minutes (bound 40 MB)", grew);
    /* and the file holds what the whole input in memory gives (the default chunks: the bands
     * written up to page boundaries, the rest held back for the next chunk) */
    float *w = NULL;
    size_t wn = 0;
    ASSERT_OK(accel_audio_load(ctx, wav, 16000, &w, &wn, NULL));
    ASSERT_EQ_INT(wn, total);
    size_t shape[3], gs[3];
    int nd = 0, gnd = 0;
    accel_status st;
    float *want = w ? features_on(ctx, -1, &p, w, wn, shape, &nd, &st) : NULL;
    float *got = npy_read(path, gs, &gnd);
    ASSERT_TRUE(want && got && nd == gnd && shape_total(gs, gnd) == shape_total(shape, nd));
    if (want && got && nd == gnd && shape_total(gs, gnd) == shape_total(shape, nd) &&
        memcmp(got, want, shape_total(shape, nd) * sizeof(float)) != 0)
        TEST_FAIL_("20 min whisper-80 from disk differs from the whole input in memory by %.3g",
                   max_abs_diff(got, want, shape_total(shape, nd)));
    free(want);
    free(got);
    accel_audio_free(w);
    unlink(wav);
    unlink(path);
    accel_ctx_destroy(ctx);
}

/* An output the file system refuses: whisper in place reserves its file (fallocate) before the
 * first chunk, so the call fails at once, naming the file and the reason, and leaves nothing
 * behind. Here the refusal is RLIMIT_FSIZE's (EFBIG), which the test can set; a full disk
 * refuses fallocate the same way (ENOSPC), where the sparse ftruncate before it did not. In a
 * child, whose limit dies with it. */
static void refused_up_front(const float *x, size_t n)
{
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        /* a context of its own: the parent's worker threads are not in the child */
        accel_ctx *ctx = NULL;
        accel_option one[] = {{"ACCEL_NUM_THREADS", "1"}};
        if (accel_ctx_create(&ctx, one, 1, ACCEL_CTX_NO_DISCOVERY) != ACCEL_OK) _exit(2);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {256 * 1024, 256 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(3);
        size_t total = (size_t)16000 * 120;
        float *y = malloc(total * sizeof *y);
        if (!y) _exit(4);
        for (size_t i = 0; i < total; i++) y[i] = x[i % n];
        accel_audio_params p = {.struct_size = sizeof p};
        if (accel_audio_params_preset("whisper-80", &p) != ACCEL_OK) _exit(5);
        accel_audio_source *src = NULL;
        if (accel_audio_open_memory(ctx, ACCEL_F32, y, total, 16000, 16000, &src) != ACCEL_OK) _exit(6);
        char path[700], partial[800];
        snprintf(path, sizeof path, "%s/too_big.npy", tmpdir);
        accel_audio_result res = {.struct_size = sizeof res};
        accel_status st = accel_audio_features_npy(ctx, &p, src, path, &res, NULL);
        int ok = st == ACCEL_ERR_IO && strstr(accel_last_error(NULL), "too_big.npy") &&
                 strstr(accel_last_error(NULL), strerror(EFBIG)) && res.n_chunks == 0 &&
                 access(path, F_OK) != 0;
        accel__audio_partial_path(path, partial, sizeof partial);
        ok = ok && access(partial, F_OK) != 0;
        if (!ok) fprintf(stderr, "status %d, chunks %zu: %s\n", (int)st, res.n_chunks, accel_last_error(NULL));
        _exit(ok ? 0 : 1);
    }
    int ws = 0;
    ASSERT_TRUE(waitpid(pid, &ws, 0) == pid);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        TEST_FAIL_("an output over RLIMIT_FSIZE: not refused before the first chunk (child status %d)", ws);
    else
        printf("  output refused before the first chunk (RLIMIT_FSIZE as a full disk): named, nothing left\n");
}

/* The names accel writes under before the rename, "<out>.partial-<pid>" and the whisper
 * spill's "<out>.spill-<pid>", are predictable: a link planted at them beforehand (by anyone
 * who can write to the output's directory) was written through, so its target was replaced
 * by the features. The links are left alone now, their targets unchanged, the output whole. */
static void planted_links(accel_ctx *ctx, const float *x, size_t n)
{
    const char *presets[] = {"whisper-80", "fbank-80"};
    for (int k = 0; k < 2; k++) {
        for (int streamed = 0; streamed < 2; streamed++) { /* a streamed WAV: the spill path */
            char out[700], victim[700], link1[800], link2[800];
            snprintf(out, sizeof out, "%s/planted-%d-%d.npy", tmpdir, k, streamed);
            snprintf(victim, sizeof victim, "%s/victim-%d-%d.txt", tmpdir, k, streamed);
            snprintf(link1, sizeof link1, "%s.partial-%ld", out, (long)getpid());
            snprintf(link2, sizeof link2, "%s.spill-%ld", out, (long)getpid());
            FILE *f = fopen(victim, "w");
            ASSERT_TRUE(f != NULL);
            if (!f) return;
            fputs("keep me\n", f);
            fclose(f);
            unlink(link1);
            unlink(link2);
            ASSERT_EQ_INT(symlink(victim, link1), 0);
            ASSERT_EQ_INT(symlink(victim, link2), 0);
            accel_audio_params p = {.struct_size = sizeof p};
            ASSERT_OK(accel_audio_params_preset(presets[k], &p));
            size_t wb = 0;
            unsigned char *wav = streamed ? streamed_wav(x, n, &wb) : NULL;
            accel_audio_source *src = NULL;
            piped pp = {-1, -1};
            if (streamed) ASSERT_OK(open_piped(ctx, wav, wb, &pp, &src));
            else ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
            size_t shape[3];
            int nd = 0;
            ASSERT_OK(accel_audio_shape(&p, n, shape, &nd));
            accel_audio_result res = {.struct_size = sizeof res};
            float *got = src ? stream_back(ctx, &p, src, out, &res, shape, nd) : NULL;
            piped_done(&pp);
            ASSERT_TRUE(got != NULL);
            free(got);
            free(wav);
            char text[32] = "";
            f = fopen(victim, "r");
            if (f) {
                if (!fgets(text, sizeof text, f)) text[0] = '\0';
                fclose(f);
            }
            printf("  planted links, %s%s: the link's target holds \"%.*s\"\n", presets[k],
                   streamed ? " (spill)" : "", (int)strcspn(text, "\n"), text);
            ASSERT_STR_EQ(text, "keep me\n");
            struct stat sb;
            ASSERT_TRUE(lstat(link1, &sb) != 0); /* the partial name is renamed away */
            unlink(link1);
            unlink(link2);
            unlink(victim);
            unlink(out);
        }
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/test-audio-stream-%ld", ACCEL_TEST_BUILD, (long)getpid());
    mkdir(tmpdir, 0777);
    accel_option opt[] = {{"ACCEL_CHUNK_SECONDS", "0.37"}};
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, opt, 1, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) return 1;
    accel_option split[3][2] = {{{"ACCEL_NUM_THREADS", "1"}, {"ACCEL_BATCH_SIZE", "1000000"}},
                                {{"ACCEL_NUM_THREADS", "3"}, {"ACCEL_BATCH_SIZE", "1000"}},
                                {{"ACCEL_NUM_THREADS", "2"}, {"ACCEL_BATCH_SIZE", "333"}}};
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(accel_ctx_create(&split_ctx[i], split[i], 2, ACCEL_CTX_NO_DISCOVERY));
        if (!split_ctx[i]) return 1;
    }
    float *x = NULL;
    size_t n = 0;
    ASSERT_OK(accel_audio_load(ctx, AUDIO_DATA "/speech_b.wav", 16000, &x, &n, NULL));
    if (!x) return 1;
    bounded_memory(x, n);
    refused_up_front(x, n);
    exact_counts(ctx);
    whole_inputs();
    planted_links(ctx, x, n);
    /* 50 s: speech repeated with a little noise, so chunk boundaries fall everywhere */
    size_t nl = 16000 * 50; /* 5000 frames: 39 column-sum blocks */
    float *y = malloc(nl * sizeof *y);
    uint32_t s = 12345;
    for (size_t i = 0; i < nl; i++) {
        s = s * 1103515245u + 12345u;
        y[i] = x[i % n] + ((float)(s >> 9) / 8388608.0f - 0.5f) * 0.002f;
    }
    /* the same, 100 dB quieter for its first 30 s: whisper's floor rises late, so frames
     * written early under a lower floor must be floored again */
    float *q = malloc(nl * sizeof *q);
    for (size_t i = 0; i < nl; i++) q[i] = i < 16000 * 30 ? y[i] * 1e-5f : y[i];
    /* and louder by 6 dB every 4 s: the floor rises in every chunk, and the stretches raised at
     * the end lie in every chunk, close enough to be read and written in runs across chunks */
    float *r = malloc(nl * sizeof *r);
    for (size_t i = 0; i < nl; i++) r[i] = y[i] * ldexpf(1.0f, (int)(i / (16000 * 4))) / 4096.0f;
    struct {
        const char *label, *preset, *keys[4];
    } cfg[] = {
        {"whisper-80 openai", "whisper-80", {"padding=openai"}},
        {"whisper-80 faster-whisper", "whisper-80", {"padding=faster-whisper"}},
        {"whisper-80 none", "whisper-80", {"padding=none"}},
        {"whisper-128 openai windows", "whisper-128", {"padding=openai", "windows=1"}},
        {"whisper-80 faster windows", "whisper-80", {"padding=faster-whisper", "windows=1"}},
        {"vggish", "vggish", {0}},
        {"fbank-80", "fbank-80", {0}},
        {"fbank defaults", "fbank", {0}},
        {"fbank snip_edges=0", "fbank", {"snip_edges=0", "frame_shift_ms=7", "frame_length_ms=20"}},
        {"fbank dither energy", "fbank", {"dither=1.0", "use_energy=1", "subtract_mean=1", "round_to_power_of_two=0"}},
        /* frames streamed before the end is known are dropped: speech_b is under 20 s, the 50-s signal over */
        {"fbank-80 min_duration", "fbank-80", {"min_duration=20"}},
    };
    for (size_t c = 0; c < sizeof cfg / sizeof *cfg; c++) {
        accel_audio_params p = {.struct_size = sizeof p};
        ASSERT_OK(accel_audio_params_preset(cfg[c].preset, &p));
        for (int k = 0; k < 4 && cfg[c].keys[k]; k++) ASSERT_EQ_INT(params_set(&p, cfg[c].keys[k]), 0);
        compare_stream(ctx, cfg[c].label, &p, x, n);
        compare_stream(ctx, cfg[c].label, &p, y, nl);
        compare_stream(ctx, cfg[c].label, &p, q, nl);
        compare_stream(ctx, cfg[c].label, &p, r, nl);
        compare_stream(ctx, cfg[c].label, &p, x, 1);
        compare_stream(ctx, cfg[c].label, &p, x, 0);
    }

    /* 11 minutes: outputs over AUDIO_NT_BYTES, which whole-input runs write with non-temporal
     * stores (the streamed chunks are small and do not) */
    {
        size_t nlong = (size_t)16000 * 660;
        float *lng = malloc(nlong * sizeof *lng);
        ASSERT_TRUE(lng != NULL);
        for (size_t i = 0; lng && i < nlong; i++) lng[i] = y[i % nl];
        const char *big[] = {"whisper-80", "fbank-80", "vggish"};
        for (int b = 0; lng && b < 3; b++) {
            accel_audio_params p = {.struct_size = sizeof p};
            ASSERT_OK(accel_audio_params_preset(big[b], &p));
            size_t shape[3];
            int nd;
            ASSERT_OK(accel_audio_shape(&p, nlong, shape, &nd));
            ASSERT_TRUE(shape_total(shape, nd) * sizeof(float) > AUDIO_NT_BYTES || b == 2);
            compare_stream(ctx, big[b], &p, lng, nlong);
        }
        free(lng);
    }

    /* failures leave nothing behind */
    accel_audio_params p = {.struct_size = sizeof p};
    accel_audio_params_preset("fbank-80", &p);
    char path[700];
    snprintf(path, sizeof path, "%s/no/such/dir/out.npy", tmpdir);
    accel_audio_source *src = NULL;
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 16000, 16000, &src));
    ASSERT_STATUS(accel_audio_features_npy(ctx, &p, src, path, NULL, NULL), ACCEL_ERR_IO);
    accel_audio_close(src);
    /* a file that fails half-way: fbank streams frame-major, whisper in place (the FLAC's count
     * is taken up front and its file laid out before the decoding fails) */
    for (int w = 0; w < 2 && (accel__audio_built() & ACCEL__AUDIO_HAVE_SNDFILE); w++) {
        accel_audio_params pw = {.struct_size = sizeof pw};
        accel_audio_params_preset(w ? "whisper-80" : "fbank-80", &pw);
        ASSERT_OK(accel_audio_open(ctx, AUDIO_DATA "/bad/truncated.flac", 16000, &src));
        snprintf(path, sizeof path, "%s/trunc.npy", tmpdir);
        ASSERT_STATUS(accel_audio_features_npy(ctx, &pw, src, path, NULL, NULL), ACCEL_ERR_FORMAT);
        ASSERT_CONTAINS(accel_last_error(NULL), "truncated.flac");
        accel_audio_close(src);
        ASSERT_TRUE(access(path, F_OK) != 0);
        char partial[800];
        snprintf(partial, sizeof partial, "%s.partial-%ld", path, (long)getpid());
        ASSERT_TRUE(access(partial, F_OK) != 0);
    }
    /* a source at another rate than the features need */
    snprintf(path, sizeof path, "%s/rate.npy", tmpdir);
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, n, 8000, 8000, &src));
    ASSERT_STATUS(accel_audio_features_npy(ctx, &p, src, path, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    accel_audio_close(src);

    rmdir(tmpdir);
    free(q);
    free(r);
    free(y);
    accel_audio_free(x);
    for (int i = 0; i < 3; i++) accel_ctx_destroy(split_ctx[i]);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
