/* test_audio_decode.c — every input path gives the same samples: the built-in WAV reader,
 * libsndfile (FLAC, Ogg), FFmpeg (mp3, m4a, opus), 8/16/24-bit and float WAV, stereo
 * mix-down, resampling (44.1 and 8 kHz) and memory sources; and every bad input fails with
 * its reason and the file's name. */
#include "audio_test_util.h"

#include <errno.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

/* Under `make asan`: libsndfile 1.2.0 leaks libvorbis's setup (about 6 KB) when a Vorbis
 * header fails part-way, as an Ogg cut inside its setup headers below makes it do; the open
 * returns NULL, so there is nothing for accel to free (docs/audio.md; xiph/vorbis#125). The
 * codec library's own allocations are suppressed, accel's are still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libvorbis.so\n"; }

static float *load(accel_ctx *ctx, const char *rel, int rate, size_t *n, accel_audio_info *info, accel_status *st)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, rel);
    float *x = NULL;
    *st = accel_audio_load(ctx, path, rate, &x, n, info);
    return x;
}

/* Lossy and resampled inputs: the whisper features of the overlapping part agree. */
static double feature_gap(accel_ctx *ctx, const float *a, size_t na, const float *b, size_t nb)
{
    size_t n = na < nb ? na : nb;
    accel_audio_params p = {.struct_size = sizeof p};
    accel_audio_params_preset("whisper-80", &p);
    p.padding = ACCEL_AUDIO_PAD_NONE;
    size_t sa[3], sb[3];
    int nd;
    accel_status st;
    float *fa = features_on(ctx, -1, &p, a, n, sa, &nd, &st);
    float *fb = features_on(ctx, -1, &p, b, n, sb, &nd, &st);
    double mean = 0;
    size_t len = shape_total(sa, nd);
    for (size_t i = 0; i < len; i++) mean += fabs((double)fa[i] - fb[i]) / (double)len;
    free(fa);
    free(fb);
    return mean;
}

static void bad(accel_ctx *ctx, const char *rel, accel_status want, const char *reason)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, rel);
    float *x = NULL;
    size_t n = 0;
    accel_status st = accel_audio_load(ctx, path, 16000, &x, &n, NULL);
    const char *msg = accel_last_error(NULL);
    printf("  %-28s -> %s: %s\n", rel, accel_status_name(st), msg);
    ASSERT_STATUS(st, want);
    ASSERT_CONTAINS(msg, path);
    ASSERT_CONTAINS(msg, reason);
    ASSERT_TRUE(x == NULL);
}

/* NaN and ±Inf from memory: refused naming the sample, in sources and in direct calls. */
static void nonfinite(accel_ctx *ctx)
{
    float x[4000];
    for (int i = 0; i < 4000; i++) x[i] = 0.01f * (float)(i % 7);
    x[2500] = -INFINITY;
    accel_audio_source *src = NULL;
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, x, 4000, 16000, 16000, &src));
    float buf[4000];
    size_t got = 0;
    ASSERT_STATUS(accel_audio_read(src, buf, 4000, &got), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "sample 2500 is -Inf");
    accel_audio_close(src);
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset("fbank-80", &p));
    size_t shape[3];
    int nd = 0;
    ASSERT_OK(accel_audio_shape(&p, 4000, shape, &nd));
    float *out = malloc(shape[0] * shape[1] * sizeof *out);
    x[2500] = 0.0f;
    x[17] = NAN;
    ASSERT_STATUS(accel_audio_features(ctx, &p, ACCEL_F32, x, 4000, out, shape[0] * shape[1], NULL),
                  ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "sample 17 is NaN");
    x[17] = 0.0f;
    ASSERT_OK(accel_audio_features(ctx, &p, ACCEL_F32, x, 4000, out, shape[0] * shape[1], NULL));
    free(out);
}

/* accel_audio_features_npy() refuses to write over the file its source reads. */
/* MPEG audio through libmpg123 says nothing on standard error: libsndfile used to decode MPEG
 * in a WAV with libmpg123, which printed "Warning: Xing stream size off by more than 1%, …"
 * there for a cut file. accel drives libmpg123 quietly and reports the early end itself,
 * naming the file: through the sources (MPEG in a WAV goes to it first), and directly (an MP3
 * goes to FFmpeg first when it is built in). */
static void mpeg_quiet(accel_ctx *ctx)
{
    char path[1024], err[4096];
    snprintf(path, sizeof path, "%s/bad/truncated_mp3.wav", AUDIO_DATA);
    float *x = NULL;
    size_t n = 0;
    accel_audio_info info = {.struct_size = sizeof info};
    test_capture cap;
    test_capture_begin(&cap, 2);
    accel_status st = accel_audio_load(ctx, path, 16000, &x, &n, &info);
    test_capture_end(&cap, err, sizeof err);
    const char *msg = accel_last_error(NULL);
    printf("  bad/truncated_mp3.wav -> %s: %s; standard error: \"%s\"\n", accel_status_name(st),
           msg, err);
    ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(msg, path);
    ASSERT_CONTAINS(msg, "truncated or corrupt: decoded 0.25 s of the 0.75 s");
    ASSERT_STR_EQ(err, "");
    accel_audio_free(x);

    /* directly: the cut MP3 and the whole one */
    const char *files[] = {"bad/truncated.mp3", "variants/speech_c.mp3"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, files[k]);
        audio_input in;
        ASSERT_OK(accel__audio_input_open(path, &in));
        audio_decoder d;
        float buf[4096];
        int64_t frames = 0;
        test_capture_begin(&cap, 2);
        st = accel__audio_mpg123_open(&in, &d);
        if (st == ACCEL_OK) {
            size_t got = 0;
            do {
                st = d.read(d.state, buf, 4096 / (size_t)d.channels, &got);
                frames += (int64_t)got;
            } while (st == ACCEL_OK && got);
        }
        test_capture_end(&cap, err, sizeof err);
        msg = accel_last_error(NULL);
        printf("  %s through libmpg123 -> %s, %lld frames: %s; standard error: \"%s\"\n",
               files[k], accel_status_name(st), (long long)frames, st ? msg : "", err);
        ASSERT_STR_EQ(err, "");
        if (k == 0) {
            ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
            ASSERT_CONTAINS(msg, path);
            ASSERT_CONTAINS(msg, "truncated or corrupt: decoded 0.25 s of the 0.75 s");
        } else {
            ASSERT_OK(st);
            ASSERT_EQ_INT(d.rate, 16000);
            ASSERT_EQ_INT(frames, 12000); /* what the Info header announces, gapless */
            ASSERT_EQ_INT(d.frames, 12000);
        }
        if (k == 1 || st != ACCEL_OK) d.close(d.state);
        accel__audio_input_close(&in);
    }
}

static void output_is_input(accel_ctx *ctx)
{
    char path[700];
    snprintf(path, sizeof path, "%s/test-audio-decode-%ld.wav", ACCEL_TEST_BUILD, (long)getpid());
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s/variants/speech_c.wav' '%s'", AUDIO_DATA, path);
    ASSERT_EQ_INT(system(cmd), 0);
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset("fbank-80", &p));
    accel_audio_source *src = NULL;
    ASSERT_OK(accel_audio_open(ctx, path, 16000, &src));
    ASSERT_STATUS(accel_audio_features_npy(ctx, &p, src, path, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "is the input");
    accel_audio_close(src);
    snprintf(cmd, sizeof cmd, "cmp -s '%s/variants/speech_c.wav' '%s'", AUDIO_DATA, path);
    ASSERT_EQ_INT(system(cmd), 0); /* untouched */
    unlink(path);
}

/* first and second (files of tests/data/audio) joined into one file in the build tree, named
 * with ext: its path in out. */
static void join(const char *first, const char *second, const char *ext, char *out, size_t cap)
{
    snprintf(out, cap, "%s/test-audio-join-%ld.%s", ACCEL_TEST_BUILD, (long)getpid(), ext);
    FILE *f = fopen(out, "wb");
    ASSERT_TRUE(f != NULL);
    for (int k = 0; k < 2 && f; k++) {
        char path[1024], buf[4096];
        snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, k ? second : first);
        FILE *in = fopen(path, "rb");
        ASSERT_TRUE(in != NULL);
        size_t got;
        while (in && (got = fread(buf, 1, sizeof buf, in)) > 0) ASSERT_EQ_INT(fwrite(buf, 1, got, f), got);
        if (in) fclose(in);
    }
    if (f) ASSERT_EQ_INT(fclose(f), 0);
}

/* A file of tests/data/audio read whole: its bytes (to free) and their count in *len. */
static unsigned char *slurp(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, rel);
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        TEST_FAIL_("%s: cannot be read: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *b = NULL;
    size_t cap = 0, got;
    do {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *r = realloc(b, cap);
            ASSERT_TRUE(r != NULL);
            if (!r) break;
            b = r;
        }
        got = fread(b + *len, 1, cap - *len, f);
        *len += got;
    } while (got);
    fclose(f);
    return b;
}

/* bytes[0, len) through a pipe, as `… | accel …` gives them: decoded from /dev/fd/N while a
 * child process writes them. The input's name goes to name. */
static accel_status load_pipe_bytes(accel_ctx *ctx, const unsigned char *bytes, size_t len, float **x, size_t *n,
                                    accel_audio_info *info, char *name, size_t name_cap)
{
    int rd;
    pid_t pid = pipe_feed(bytes, len, 4096, &rd);
    if (pid < 0) return ACCEL_ERR_IO;
    snprintf(name, name_cap, "/dev/fd/%d", rd);
    *x = NULL;
    accel_status st = accel_audio_load(ctx, name, 16000, x, n, info);
    close(rd);
    int ws = 0;
    waitpid(pid, &ws, 0);
    ASSERT_TRUE(WIFEXITED(ws) || WIFSIGNALED(ws));
    return st;
}

/* first and second (files of tests/data/audio; second may be NULL) one after the other
 * through a pipe, as `cat first second | accel …` gives them. */
static accel_status load_pipe(accel_ctx *ctx, const char *first, const char *second, float **x, size_t *n,
                              accel_audio_info *info, char *name, size_t name_cap)
{
    size_t n0 = 0, n1 = 0;
    unsigned char *a = slurp(first, &n0), *b = second ? slurp(second, &n1) : NULL;
    unsigned char *both = malloc(n0 + n1 + 1);
    ASSERT_TRUE(both != NULL);
    accel_status st = ACCEL_ERR_IO;
    if (both && a && (b || !second)) {
        memcpy(both, a, n0);
        if (b) memcpy(both + n0, b, n1);
        st = load_pipe_bytes(ctx, both, n0 + n1, x, n, info, name, name_cap);
    }
    free(both);
    free(a);
    free(b);
    return st;
}

/* A stream whose channel count changes part-way, two halves joined as a broadcast's stereo
 * programme then a mono one may be (FFmpeg's path): decoded whole it is the two halves decoded
 * apart, the frames of each channel count mixed down alike — the same up to the decoder's
 * state across the join (AAC's overlap of a frame with the next, MPEG's filter bank). FFmpeg's
 * converter had trusted the header's layout and read a second channel the mono frames lack
 * (SIGSEGV in libswresample). A change of sample rate is refused, naming it. */
static void channel_change(accel_ctx *ctx, const char *first, const char *second, const char *ext)
{
    accel_status st;
    accel_audio_info info = {.struct_size = sizeof info};
    size_t n0 = 0, n1 = 0, n = 0;
    float *a = load(ctx, first, 16000, &n0, &info, &st);
    ASSERT_OK(st);
    int ch0 = info.source_channels;
    float *b = load(ctx, second, 16000, &n1, &info, &st);
    ASSERT_OK(st);
    ASSERT_TRUE(ch0 != info.source_channels);
    char joined[700];
    join(first, second, ext, joined, sizeof joined);
    float *x = NULL;
    ASSERT_OK(accel_audio_load(ctx, joined, 16000, &x, &n, &info));
    printf("  %s + %s: %s (%s), %d ch announced, %zu + %zu -> %zu samples\n", first, second, info.decoder,
           info.format, info.source_channels, n0, n1, n);
    ASSERT_STR_EQ(info.decoder, "ffmpeg");
    ASSERT_EQ_INT(n, n0 + n1);
    if (x && n == n0 + n1) {
        size_t edge = 2304; /* two MPEG frames, more than two AAC frames */
        double before = n0 > edge ? max_abs_diff(x, a, n0 - edge) : 0;
        double after = max_abs_diff(x + n0 + edge, b + edge, n1 - edge);
        printf("    first half up to the join: max |diff| %.3g; second half past it: %.3g\n", before, after);
        ASSERT_NEAR(before, 0, 0);
        ASSERT_NEAR(after, 0, 1e-3);
    }
    accel_audio_free(x);
    accel_audio_free(a);
    accel_audio_free(b);
    unlink(joined);
}

/* The same joined MPEG stream through a pipe goes to libmpg123, which had refused the change
 * ("the MPEG stream changes from 16000 Hz, 1 channels to 16000 Hz, 2 channels"): it folds the
 * frames of the other channel count by FFmpeg's mean. libmpg123 starts its decoding afresh at
 * the change, so the pipe gives the halves decoded apart (through pipes too) to float rounding,
 * and the file (FFmpeg) to the two decoders' rounding but for the frame after the join, where
 * FFmpeg carries its filter bank's state over. */
static void channel_change_pipe(accel_ctx *ctx, const char *first, const char *second, const char *ext)
{
    accel_status st;
    accel_audio_info info = {.struct_size = sizeof info};
    char joined[700], name[64];
    join(first, second, ext, joined, sizeof joined);
    size_t n = 0, np = 0, n0 = 0, n1 = 0;
    float *x = NULL, *p = NULL, *a = NULL, *b = NULL;
    ASSERT_OK(accel_audio_load(ctx, joined, 16000, &x, &n, NULL));
    ASSERT_OK(load_pipe(ctx, first, NULL, &a, &n0, NULL, name, sizeof name));
    ASSERT_OK(load_pipe(ctx, second, NULL, &b, &n1, NULL, name, sizeof name));
    st = load_pipe(ctx, first, second, &p, &np, &info, name, sizeof name);
    printf("  %s + %s through a pipe -> %s: %s (%s), %d ch announced, %zu + %zu -> %zu samples (the file: %zu)\n",
           first, second, accel_status_name(st), info.decoder, info.format, info.source_channels, n0, n1, np, n);
    ASSERT_OK(st);
    ASSERT_STR_EQ(info.decoder, "mpg123");
    ASSERT_EQ_INT(np, n0 + n1);
    ASSERT_EQ_INT(np, n);
    if (p && a && b && np == n0 + n1) {
        double d0 = max_abs_diff(p, a, n0), d1 = max_abs_diff(p + n0, b, n1);
        printf("    against the halves through pipes: max |diff| %.3g before the join, %.3g from it\n", d0, d1);
        ASSERT_NEAR(d0, 0, 0);
        ASSERT_NEAR(d1, 0, 1e-6);
    }
    if (x && p && np == n && n > n0 + 2304) {
        size_t edge = 2304; /* two MPEG frames */
        double before = max_abs_diff(p, x, n0), join_d = max_abs_diff(p + n0, x + n0, edge),
               after = max_abs_diff(p + n0 + edge, x + n0 + edge, n - n0 - edge);
        printf("    against the file (FFmpeg): max |diff| %.3g before the join, %.3g over its two frames, %.3g past\n",
               before, join_d, after);
        ASSERT_NEAR(before, 0, 1e-4);
        ASSERT_NEAR(after, 0, 1e-4);
    }
    accel_audio_free(x);
    accel_audio_free(p);
    accel_audio_free(a);
    accel_audio_free(b);
    unlink(joined);
}

static void rate_change(accel_ctx *ctx)
{
    char joined[700];
    join("variants/speech_c_mono_first.mp2", "variants/speech_c_22k_second.mp2", "mp2", joined, sizeof joined);
    float *x = NULL;
    size_t n = 0;
    accel_status st = accel_audio_load(ctx, joined, 16000, &x, &n, NULL);
    printf("  16 kHz then 22.05 kHz MPEG -> %s: %s\n", accel_status_name(st), accel_last_error(NULL));
    ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), joined);
    ASSERT_CONTAINS(accel_last_error(NULL), "sample rate changes part-way");
    ASSERT_TRUE(x == NULL);
    unlink(joined);
}

/* From a pipe libmpg123 refuses a change of sample rate in FFmpeg's words. */
static void rate_change_pipe(accel_ctx *ctx)
{
    float *x = NULL;
    size_t n = 0;
    char name[64];
    accel_status st = load_pipe(ctx, "variants/speech_c_mono_first.mp2", "variants/speech_c_22k_second.mp2", &x,
                                &n, NULL, name, sizeof name);
    printf("  16 kHz then 22.05 kHz MPEG through a pipe -> %s: %s\n", accel_status_name(st), accel_last_error(NULL));
    ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), name);
    ASSERT_CONTAINS(accel_last_error(NULL), "unsupported: the sample rate changes part-way (22050 Hz at ");
    ASSERT_CONTAINS(accel_last_error(NULL), "where the stream announced 16000 Hz)");
    ASSERT_TRUE(x == NULL);
}

/* A chained Ogg file through a pipe: the page walk that refuses one from its path before
 * decoding is made over the bytes as they go by, and the rest after the decoder's end is read
 * through it, so the pipe is refused in the same words, naming the same byte (libsndfile had
 * decoded the first stream and dropped the rest without a word). One stream still decodes. */
static void chained_pipe(accel_ctx *ctx)
{
    struct {
        const char *first, *second;
        long long at; /* where the second stream begins; -1: one stream */
    } cases[] = {{"bad/chained.ogg", NULL, 6913},
                 {"variants/speech_c.opus", "variants/speech_c.ogg", 0},
                 {"variants/speech_c.ogg", "variants/speech_c.opus", 0},
                 {"variants/speech_c.ogg", NULL, -1},
                 {"variants/speech_c.opus", NULL, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[1024], name[64], want[160];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, cases[i].first);
        ASSERT_EQ_INT(stat(path, &sb), 0);
        long long at = cases[i].at ? cases[i].at : (long long)sb.st_size;
        float *x = NULL;
        size_t n = 0;
        accel_audio_info info = {.struct_size = sizeof info};
        accel_status st = load_pipe(ctx, cases[i].first, cases[i].second, &x, &n, &info, name, sizeof name);
        printf("  %s%s%s through a pipe -> %s, %zu samples: %s\n", cases[i].first, cases[i].second ? " + " : "",
               cases[i].second ? cases[i].second : "", accel_status_name(st), n, st ? accel_last_error(NULL) : "");
        if (at < 0) {
            ASSERT_OK(st);
            ASSERT_TRUE(n > 11000 && n < 13000);
        } else {
            snprintf(want, sizeof want, "unsupported: a chained Ogg file (a second logical stream begins at byte %lld)",
                     at);
            ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
            ASSERT_CONTAINS(accel_last_error(NULL), name);
            ASSERT_CONTAINS(accel_last_error(NULL), want);
            ASSERT_TRUE(x == NULL);
        }
        accel_audio_free(x);
    }
}

/* The error's words after "'name': ", for comparing a pipe's with a file's. */
/* RF64 and BW64, WAV's 64-bit forms (EBU Tech 3306, ITU-R BS.2088): FFmpeg's RF64 from a
 * pipe (ds64 sizes left at 0) decodes to the end, as the same samples the file gives; a
 * chunk whose size is in the ds64 table is skipped; a size in no table, and a ds64 too short,
 * are named. Before the built-in reader read RF64, the pipe's stream gave 0 samples. */
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> 8 * i); }
static void put64(unsigned char *p, uint64_t v) { put32(p, (uint32_t)v), put32(p + 4, (uint32_t)(v >> 32)); }

static size_t bw64(unsigned char *b, const int16_t *x, size_t n, int in_table, uint32_t ds64_size)
{
    size_t o = 0;
    memcpy(b, "BW64\xff\xff\xff\xffWAVEds64", 16);
    put32(b + 16, ds64_size);
    memset(b + 20, 0, 40);
    put64(b + 20, 0);             /* RIFF size: not needed to read */
    put64(b + 28, 2 * (uint64_t)n); /* the data's */
    put64(b + 36, n);             /* samples */
    put32(b + 44, in_table);      /* table: junk's size */
    memcpy(b + 48, "junk", 4);
    put64(b + 52, 6);
    o = 20 + ds64_size;
    memcpy(b + o, "fmt \x10\0\0\0\x01\0\x01\0", 12);
    put32(b + o + 12, 16000);
    put32(b + o + 16, 32000);
    memcpy(b + o + 20, "\x02\0\x10\0", 4);
    o += 24;
    memcpy(b + o, "junk\xff\xff\xff\xff" "abcdef", 14);
    o += 14;
    memcpy(b + o, "data\xff\xff\xff\xff", 8);
    o += 8;
    for (size_t i = 0; i < n; i++) b[o + 2 * i] = (unsigned char)x[i], b[o + 2 * i + 1] = (unsigned char)(x[i] >> 8);
    return o + 2 * n;
}

static void rf64(accel_ctx *ctx, const float *ref, size_t n_ref)
{
    printf("RF64 and BW64:\n");
    size_t len = 0, n = 0;
    float *x = NULL;
    accel_audio_info info = {.struct_size = sizeof info};
    char name[64];
    const char *files[] = {"variants/speech_c_rf64.wav", "variants/speech_c_rf64_stream.wav"};
    for (int f = 0; f < 2; f++) {
        unsigned char *bytes = slurp(files[f], &len);
        if (!bytes) continue;
        for (int way = 0; way < 2; way++) { /* the file, then through a pipe */
            accel_status st = way ? load_pipe_bytes(ctx, bytes, len, &x, &n, &info, name, sizeof name)
                                  : (x = load(ctx, files[f], 16000, &n, &info, &st), st);
            printf("  %-36s %s: %s, %s (%s), %zu samples\n", files[f], way ? "pipe" : "file",
                   accel_status_name(st), info.decoder, info.format, n);
            ASSERT_OK(st);
            ASSERT_STR_EQ(info.decoder, "wav");
            ASSERT_EQ_INT(n, n_ref);
            if (st == ACCEL_OK && n == n_ref) ASSERT_NEAR(max_abs_diff(x, ref, n), 0, 0);
            accel_audio_free(x);
            x = NULL;
        }
        free(bytes);
    }

    enum { N = 1000 };
    int16_t s[N];
    float want[N];
    for (int i = 0; i < N; i++) s[i] = (int16_t)(i * 61 - 30000), want[i] = (float)s[i] / 32768.0f;
    static unsigned char b[200 + 2 * N];
    struct {
        int in_table;
        uint32_t ds64_size;
        const char *reason; /* NULL: decodes */
    } cases[] = {{1, 40, NULL},
                 {0, 40, "its 'junk' chunk's size is not in the ds64 chunk"},
                 {1, 20, "ds64 chunk of 20 bytes (at least 28)"}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        len = bw64(b, s, N, cases[c].in_table, cases[c].ds64_size);
        accel_audio_source *src = NULL;
        accel_status st = accel_audio_open_buffer(ctx, b, len, "made.wav", 16000, &src);
        if (st == ACCEL_OK) st = accel_audio_read_all(src, &x, &n);
        const char *msg = accel_last_error(NULL);
        printf("  BW64, case %zu -> %s%s%s\n", c, accel_status_name(st), st ? ": " : "", st ? msg : "");
        if (!cases[c].reason) {
            ASSERT_OK(st);
            ASSERT_EQ_INT(n, N);
            if (st == ACCEL_OK && n == N) ASSERT_NEAR(max_abs_diff(x, want, N), 0, 0);
        } else {
            ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
            ASSERT_CONTAINS(msg, "made.wav");
            ASSERT_CONTAINS(msg, cases[c].reason);
        }
        accel_audio_free(x);
        x = NULL;
        accel_audio_close(src);
    }
}

/* A data size that a writer to a pipe puts for "length unknown" (SoX 0x7ffff000, arecord
 * 0x7fffff00 and 0x80000000): the samples there are, from memory (the size known) and from a
 * pipe, in 16 and 24 bits (0x7ffff000 is no whole number of 3-byte frames). Were accel
 * strict, `sox … -t wav - | accel audio features -` was "truncated". Any other size past the
 * end still is. */
static accel_status load_buffer(accel_ctx *ctx, const unsigned char *b, size_t len, float **x, size_t *n)
{
    accel_audio_source *src = NULL;
    *x = NULL;
    *n = 0;
    accel_status st = accel_audio_open_buffer(ctx, b, len, "made.wav", 16000, &src);
    if (st == ACCEL_OK) st = accel_audio_read_all(src, x, n);
    accel_audio_close(src);
    return st;
}

static void placeholder_sizes(accel_ctx *ctx, const float *ref, size_t n_ref)
{
    printf("placeholder data sizes:\n");
    const char *files[] = {"variants/speech_c.wav", "variants/speech_c_s24.wav"};
    const uint32_t sizes[] = {0x7ffff000u, 0x7fffff00u, 0x80000000u, 600000}; /* the last, whole frames of 2 and 3 bytes */
    for (int f = 0; f < 2; f++) {
        size_t len = 0;
        unsigned char *b = slurp(files[f], &len);
        if (!b) continue;
        size_t at = 12;
        while (at + 8 <= len && memcmp(b + at, "data", 4) != 0)
            at += 8 + ((size_t)b[at + 4] | (size_t)b[at + 5] << 8 | (size_t)b[at + 6] << 16);
        ASSERT_TRUE(at + 8 <= len);
        if (at + 8 > len) {
            free(b);
            continue;
        }
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            put32(b + at + 4, sizes[k]);
            put32(b + 4, sizes[k] + (uint32_t)at);
            for (int way = 0; way < 2; way++) { /* memory, then a pipe */
                float *x = NULL;
                size_t n = 0;
                char name[64];
                accel_audio_info info = {.struct_size = sizeof info};
                accel_status st = way ? load_pipe_bytes(ctx, b, len, &x, &n, &info, name, sizeof name)
                                      : load_buffer(ctx, b, len, &x, &n);
                const char *msg = accel_last_error(NULL);
                printf("  %s, data size 0x%08x, %s: %s, %zu samples%s%s\n", files[f], sizes[k], way ? "pipe" : "memory",
                       accel_status_name(st), n, st ? ": " : "", st ? msg : "");
                if (sizes[k] == 600000) { /* no writer's placeholder: cut short */
                    ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
                    ASSERT_CONTAINS(msg, "truncated");
                } else {
                    ASSERT_OK(st);
                    ASSERT_EQ_INT(n, n_ref);
                    if (st == ACCEL_OK && n == n_ref) ASSERT_NEAR(max_abs_diff(x, ref, n), 0, 0);
                }
                accel_audio_free(x);
            }
        }
        free(b);
    }
}

/* A WAV whose data size says "unknown" — a streaming writer's 0xFFFFFFFF, 0 with the RIFF size
 * unset, SoX's placeholder, an RF64 whose ds64 sizes FFmpeg left at 0 — with chunks a writer
 * appended after the samples (a LIST/INFO chunk; an odd-sized chunk and its pad byte, or without
 * it; two chunks): the samples end where the chunks begin, from memory, a file and a pipe alike
 * (the LIST chunk's 34 bytes had been read as 17 more 16-bit samples). In 8-bit mono an odd count
 * is followed by its pad byte. Bytes in the samples that look like a chunk but do not run to the
 * end stay samples. */
static void trailing_chunks(accel_ctx *ctx)
{
    printf("data of unknown length, then chunks:\n");
    static const unsigned char list[] = "LIST\x1a\0\0\0INFOISFT\x0e\0\0\0Lavf60.16.100"; /* and its NUL */
    static const unsigned char id3[] = "id3 \x05\0\0\0ID3\x04\0";
    static const unsigned char junk[] = "JUNK\x0c\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    struct {
        const char *what;
        const unsigned char *a, *b;
        size_t na, nb;
    } tails[] = {{"nothing", NULL, NULL, 0, 0},
                 {"LIST/INFO", list, NULL, sizeof list, 0},
                 {"an odd chunk and its pad", id3, (const unsigned char *)"", sizeof id3 - 1, 1},
                 {"an odd chunk, no pad", id3, NULL, sizeof id3 - 1, 0},
                 {"LIST and JUNK", list, junk, sizeof list, sizeof junk - 1},
                 {"a chunk's look-alike in the samples", NULL, NULL, 0, 0}};
    struct {
        const char *file;
        int drop; /* samples left out: an odd count of 8-bit ones */
    } srcs[] = {{"variants/speech_c.wav", 0},
                {"variants/speech_c_s24.wav", 0},
                {"variants/speech_c_u8.wav", 1},
                {"variants/speech_c_rf64_stream.wav", 0}};
    char path[700];
    snprintf(path, sizeof path, "%s/test-audio-trailing-%ld.wav", ACCEL_TEST_BUILD, (long)getpid());
    for (size_t f = 0; f < sizeof srcs / sizeof *srcs; f++) {
        accel_status st;
        size_t n_ref = 0, len = 0;
        float *ref = load(ctx, srcs[f].file, 16000, &n_ref, NULL, &st);
        ASSERT_OK(st);
        unsigned char *b = slurp(srcs[f].file, &len);
        size_t at = 12;
        while (b && at + 8 <= len && memcmp(b + at, "data", 4) != 0)
            at += 8 + ((size_t)b[at + 4] | (size_t)b[at + 5] << 8 | (size_t)b[at + 6] << 16);
        ASSERT_TRUE(b && ref && n_ref > 0 && at + 8 <= len);
        if (!b || !ref || !n_ref || at + 8 > len) {
            free(b);
            accel_audio_free(ref);
            continue;
        }
        size_t block = (len - at - 8) / n_ref, want = n_ref - (size_t)srcs[f].drop, data = want * block;
        int rf64 = !memcmp(b, "RF64", 4);
        unsigned char *w = malloc(at + 8 + data + 1 + sizeof list + sizeof junk);
        ASSERT_TRUE(w != NULL);
        for (int kind = 0; w && kind < (rf64 ? 1 : 3); kind++) {
            for (size_t t = 0; t < sizeof tails / sizeof *tails; t++) {
                memcpy(w, b, at + 8 + data);
                if (!rf64) { /* 0xFFFFFFFF; 0 with the RIFF size 0; SoX's placeholder */
                    static const uint32_t dsz[] = {0xFFFFFFFFu, 0, 0x7ffff000u}, rsz[] = {0xFFFFFFFFu, 0, 0x7ffff024u};
                    put32(w + 4, rsz[kind]);
                    put32(w + at + 4, dsz[kind]);
                }
                size_t n = at + 8 + data;
                if (tails[t].na && data % 2) w[n++] = 0; /* the data's pad byte */
                if (tails[t].na) memcpy(w + n, tails[t].a, tails[t].na), n += tails[t].na;
                if (tails[t].nb) memcpy(w + n, tails[t].b, tails[t].nb), n += tails[t].nb;
                /* a chunk header in the samples, ending 2 bytes short of the end */
                size_t fake = at + 8 + data - 40;
                if (t == sizeof tails / sizeof *tails - 1) memcpy(w + fake, "LIST\x1e\0\0\0", 8);
                for (int way = 0; way < 3; way++) { /* memory, a file, a pipe */
                    float *x = NULL;
                    size_t got = 0;
                    char name[64];
                    if (way == 0) {
                        st = load_buffer(ctx, w, n, &x, &got);
                    } else if (way == 1) {
                        FILE *o = fopen(path, "wb");
                        ASSERT_TRUE(o != NULL);
                        if (o) {
                            ASSERT_EQ_INT(fwrite(w, 1, n, o), n);
                            ASSERT_EQ_INT(fclose(o), 0);
                        }
                        st = accel_audio_load(ctx, path, 16000, &x, &got, NULL);
                    } else {
                        st = load_pipe_bytes(ctx, w, n, &x, &got, NULL, name, sizeof name);
                    }
                    size_t same = t == sizeof tails / sizeof *tails - 1 ? (fake - at - 8) / block : want;
                    if (st != ACCEL_OK || got != want || !x || max_abs_diff(x, ref, same) != 0)
                        printf("  %s, data size kind %d, then %s, %s: %s, %zu samples (want %zu)\n", srcs[f].file, kind,
                               tails[t].what, way == 0 ? "memory" : way == 1 ? "file" : "pipe", accel_status_name(st),
                               got, want);
                    ASSERT_OK(st);
                    ASSERT_EQ_INT(got, want);
                    if (x && got == want) ASSERT_NEAR(max_abs_diff(x, ref, same), 0, 0);
                    accel_audio_free(x);
                }
            }
        }
        printf("  %s, data sizes of unknown length (%s), then each ending, from memory, a file and a pipe: %zu "
               "samples\n", srcs[f].file, rf64 ? "the ds64's 0" : "0xFFFFFFFF, 0, SoX's", want);
        if (f == 0) { /* 16-bit, 100 times over: longer than the ACCEL__WAV_TAIL bytes a pipe holds back */
            enum { TIMES = 100 };
            unsigned char *l = malloc(at + 8 + TIMES * data + sizeof list);
            float *lref = malloc(TIMES * want * sizeof *lref);
            ASSERT_TRUE(l && lref && TIMES * data > 2 * ACCEL__WAV_TAIL);
            if (l && lref) {
                memcpy(l, b, at + 8);
                put32(l + 4, 0xFFFFFFFFu);
                put32(l + at + 4, 0xFFFFFFFFu);
                for (int k = 0; k < TIMES; k++) {
                    memcpy(l + at + 8 + k * data, b + at + 8, data);
                    memcpy(lref + k * want, ref, want * sizeof *lref);
                }
                size_t n = at + 8 + TIMES * data;
                memcpy(l + n, list, sizeof list);
                n += sizeof list;
                for (int way = 0; way < 2; way++) { /* memory, a pipe */
                    float *x = NULL;
                    size_t got = 0;
                    char name[64];
                    st = way ? load_pipe_bytes(ctx, l, n, &x, &got, NULL, name, sizeof name) : load_buffer(ctx, l, n, &x, &got);
                    printf("  the same 100 times over, then LIST/INFO, %s: %s, %zu samples\n", way ? "pipe" : "memory",
                           accel_status_name(st), got);
                    ASSERT_OK(st);
                    ASSERT_EQ_INT(got, TIMES * want);
                    if (x && got == TIMES * want) ASSERT_NEAR(max_abs_diff(x, lref, got), 0, 0);
                    accel_audio_free(x);
                }
            }
            free(l);
            free(lref);
        }
        free(w);
        free(b);
        accel_audio_free(ref);
    }
    unlink(path);
}

static const char *reason_of(const char *msg, const char *name)
{
    size_t k = strlen(name);
    if (msg[0] == '\'' && !strncmp(msg + 1, name, k) && !strncmp(msg + 1 + k, "': ", 3)) return msg + k + 4;
    return msg;
}

/* An Ogg stream cut short through a pipe: refused once the input ends, as the file is before
 * decoding, in the same words (the decoders had delivered the pages that were there as a
 * shorter clip, without a word): cut inside a page header, inside a page's lacing table,
 * inside a page body, and at the page boundary before the last page (every page whole, the
 * last unmarked). A whole stream decodes from the pipe to the file's samples, bit for bit. */
static void truncated_ogg_pipe(accel_ctx *ctx, const char *rel)
{
    size_t len = 0;
    unsigned char *b = slurp(rel, &len);
    if (!b) return;
    /* where the pages begin */
    size_t at[256], pages = 0;
    for (size_t off = 0; off + 27 <= len && pages < 256 && !memcmp(b + off, "OggS", 4);) {
        size_t body = 0;
        for (size_t j = 0; j < b[off + 26]; j++) body += b[off + 27 + j];
        at[pages++] = off;
        off += 27 + b[off + 26] + body;
    }
    ASSERT_TRUE(pages >= 3); /* the identification page, the setup pages, audio */
    if (pages < 3) {
        free(b);
        return;
    }
    size_t last = at[pages - 1], last_body = last + 27 + b[last + 26];
    /* (cut inside the setup headers, or the Opus stream anywhere, no decoder takes the pipe:
     * libsndfile called it "malformed"; the file's words are given there too) */
    struct {
        const char *where;
        size_t cut;
        const char *reason;
    } cuts[] = {{"inside the last page's header", last + 13, "the file ends inside an Ogg page"},
                {"inside the last page's lacing table", last + 28, "the file ends inside an Ogg page"},
                {"inside the last page's body", last_body + (len - last_body) / 2, "the file ends inside an Ogg page"},
                {"one byte short", len - 1, "the file ends inside an Ogg page"},
                {"at the last page's start", last, "its last Ogg page does not end the stream"},
                {"inside the setup headers' page", at[1] + 40, "the file ends inside an Ogg page"}};
    char path[700], name[64];
    snprintf(path, sizeof path, "%s/test-audio-cut-%ld.ogg", ACCEL_TEST_BUILD, (long)getpid());
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        FILE *f = fopen(path, "wb");
        ASSERT_TRUE(f != NULL);
        if (!f) break;
        ASSERT_EQ_INT(fwrite(b, 1, cuts[i].cut, f), cuts[i].cut);
        ASSERT_EQ_INT(fclose(f), 0);
        float *x = NULL;
        size_t n = 0;
        accel_status fst = accel_audio_load(ctx, path, 16000, &x, &n, NULL);
        char fmsg[1024];
        snprintf(fmsg, sizeof fmsg, "%s", reason_of(accel_last_error(NULL), path));
        ASSERT_TRUE(x == NULL);
        accel_audio_free(x);
        x = NULL;
        accel_status pst = load_pipe_bytes(ctx, b, cuts[i].cut, &x, &n, NULL, name, sizeof name);
        const char *pmsg = accel_last_error(NULL);
        printf("  %s cut %s (%zu of %zu bytes): the file -> %s, the pipe -> %s, %zu samples: %s\n", rel,
               cuts[i].where, cuts[i].cut, len, accel_status_name(fst), accel_status_name(pst), n,
               pst ? pmsg : "");
        ASSERT_STATUS(fst, ACCEL_ERR_FORMAT);
        ASSERT_STATUS(pst, ACCEL_ERR_FORMAT);
        ASSERT_TRUE(x == NULL);
        ASSERT_CONTAINS(fmsg, cuts[i].reason);
        if (pst != ACCEL_OK) {
            ASSERT_CONTAINS(pmsg, name);
            ASSERT_STR_EQ(reason_of(pmsg, name), fmsg);
        }
        accel_audio_free(x);
    }
    unlink(path);

    /* whole: the file's samples */
    snprintf(path, sizeof path, "%s/%s", AUDIO_DATA, rel);
    float *xf = NULL, *xp = NULL;
    size_t nf = 0, np = 0;
    ASSERT_OK(accel_audio_load(ctx, path, 16000, &xf, &nf, NULL));
    ASSERT_OK(load_pipe_bytes(ctx, b, len, &xp, &np, NULL, name, sizeof name));
    printf("  %s whole: the file %zu samples, the pipe %zu\n", rel, nf, np);
    ASSERT_EQ_INT(np, nf);
    if (xf && xp && np == nf) ASSERT_TRUE(memcmp(xf, xp, nf * sizeof *xf) == 0);
    accel_audio_free(xf);
    accel_audio_free(xp);
    free(b);
}

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    size_t n_ref = 0, n = 0;
    accel_status st;
    accel_audio_info info = {.struct_size = sizeof info};
    float *ref = load(ctx, "variants/speech_c.wav", 16000, &n_ref, &info, &st);
    ASSERT_OK(st);
    ASSERT_EQ_INT(n_ref, 12000);
    ASSERT_STR_EQ(info.decoder, "wav");
    ASSERT_EQ_INT(info.source_rate, 16000);
    ASSERT_EQ_INT(info.frames, 12000);

    const unsigned built = accel__audio_built();
    const unsigned SF = ACCEL__AUDIO_HAVE_SNDFILE, SX = ACCEL__AUDIO_HAVE_SOXR, FF = ACCEL__AUDIO_HAVE_FFMPEG,
                   MP = ACCEL__AUDIO_HAVE_MPG123;
    printf("built with:%s%s%s%s\n", built & SF ? " libsndfile" : "", built & SX ? " libsoxr" : "",
           built & FF ? " FFmpeg" : "", built & MP ? " libmpg123" : "");
    /* lossless: the same samples */
    struct {
        const char *file, *decoder;
        double tol;
        unsigned need; /* any of these libraries */
    } exact[] = {{"variants/speech_c.flac", "sndfile", 0, SF}, {"variants/speech_c_s24.wav", "wav", 0, 0},
                 {"variants/speech_c_f32.wav", "wav", 0, 0},   {"variants/speech_c_stereo.wav", "wav", 0, 0},
                 {"variants/speech_c_u8.wav", "wav", 3.0 / 128, 0}, {"variants/speech_c.w64", "sndfile", 0, SF}};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++) {
        if (exact[i].need && !(built & exact[i].need)) {
            printf("  %-30s skipped: needs a library this build lacks\n", exact[i].file);
            continue;
        }
        float *x = load(ctx, exact[i].file, 16000, &n, &info, &st);
        ASSERT_OK(st);
        if (!x) continue;
        printf("  %-30s %s (%s), %d ch, %zu samples\n", exact[i].file, info.decoder, info.format, info.source_channels, n);
        ASSERT_STR_EQ(info.decoder, exact[i].decoder);
        ASSERT_EQ_INT(n, n_ref);
        if (n == n_ref) ASSERT_NEAR(max_abs_diff(x, ref, n), 0, exact[i].tol);
        accel_audio_free(x);
    }
    ASSERT_EQ_INT(info.source_channels, 1);

    /* resampled by libsoxr, and lossy codecs: close in the features */
    struct {
        const char *file;
        unsigned need_all, need_any;
        double gap;
    } near[] = {{"variants/speech_c_44k.wav", SX, 0, 0.02},  {"variants/speech_c.ogg", 0, SF | FF, 0.08},
                {"variants/speech_c.mp3", 0, FF | SF, 0.08}, {"variants/speech_c.m4a", 0, FF, 0.08},
                {"variants/speech_c.opus", 0, SF | FF, 0.08}, {"variants/speech_c_ulaw_stream.wav", 0, SF | FF, 0.08}};
    for (size_t i = 0; i < sizeof near / sizeof *near; i++) {
        if ((built & near[i].need_all) != near[i].need_all || (near[i].need_any && !(built & near[i].need_any))) {
            printf("  %-30s skipped: needs a library this build lacks\n", near[i].file);
            continue;
        }
        float *x = load(ctx, near[i].file, 16000, &n, &info, &st);
        ASSERT_OK(st);
        if (!x) continue;
        double g = feature_gap(ctx, x, n, ref, n_ref);
        printf("  %-30s %s (%s), %d Hz %d ch, %zu samples, mean whisper gap %.4f\n", near[i].file, info.decoder,
               info.format, info.source_rate, info.source_channels, n, g);
        /* codecs may keep their last frame's padding (AAC: up to 1024 samples) */
        if (!(fabs((double)n - (double)n_ref) <= 0.05 * (double)n_ref))
            TEST_FAIL_("%s: %zu samples, want about %zu", near[i].file, n, n_ref);
        if (!(g <= near[i].gap)) TEST_FAIL_("%s: whisper features differ by %.4f on average (> %.4f)", near[i].file, g, near[i].gap);
        accel_audio_free(x);
    }
    if (built & FF) {
        channel_change(ctx, "variants/speech_c_stereo_first.aac", "variants/speech_c_mono_second.aac", "aac");
        channel_change(ctx, "variants/speech_c_mono_first.mp2", "variants/speech_c_stereo_second.mp2", "mp2");
        rate_change(ctx);
    }
    if ((built & FF) && (built & MP)) {
        channel_change_pipe(ctx, "variants/speech_c_mono_first.mp2", "variants/speech_c_stereo_second.mp2", "mp2");
        channel_change_pipe(ctx, "variants/speech_c_stereo_second.mp2", "variants/speech_c_mono_first.mp2", "mp2");
    }
    if (built & MP) rate_change_pipe(ctx);
    /* another rate asked for: no resampling when it matches the file */
    float *x8 = load(ctx, "variants/speech_c_8k.wav", 8000, &n, &info, &st);
    ASSERT_OK(st);
    ASSERT_EQ_INT(n, 6000);
    ASSERT_EQ_INT(info.rate, 8000);
    accel_audio_free(x8);
    x8 = load(ctx, "variants/speech_c_8k.wav", 0, &n, &info, &st);
    if (built & SX) {
        ASSERT_OK(st);
        ASSERT_EQ_INT(n, 12000);
        ASSERT_EQ_INT(info.rate, 16000);
    } else { /* no resampler: refused, with the way out */
        ASSERT_STATUS(st, ACCEL_ERR_NOT_BUILT_IN);
        ASSERT_CONTAINS(accel_last_error(NULL), "needs libsoxr");
        ASSERT_CONTAINS(accel_last_error(NULL), "speech_c_8k.wav");
    }
    accel_audio_free(x8);

    /* memory sources: float32, int16 (divided by 32768), and resampled */
    int16_t *i16 = malloc(n_ref * sizeof *i16);
    for (size_t i = 0; i < n_ref; i++) i16[i] = (int16_t)lrintf(ref[i] * 32768.0f);
    accel_audio_source *src = NULL;
    ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_I16, i16, n_ref, 16000, 16000, &src));
    float *buf = malloc(n_ref * 2 * sizeof *buf);
    size_t got = 0, tot = 0;
    do {
        ASSERT_OK(accel_audio_read(src, buf + tot, 777, &got));
        tot += got;
    } while (got);
    ASSERT_EQ_INT(tot, n_ref);
    ASSERT_NEAR(max_abs_diff(buf, ref, n_ref), 0, 0);
    accel_audio_close(src);
    if (built & SX) {
        ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_F32, ref, n_ref, 16000, 32000, &src));
        tot = 0;
        do {
            ASSERT_OK(accel_audio_read(src, buf + tot, 4096, &got));
            tot += got;
        } while (got && tot < 2 * n_ref);
        ASSERT_EQ_INT(tot, 2 * n_ref);
        accel_audio_close(src);
    }
    ASSERT_STATUS(accel_audio_open_memory(ctx, ACCEL_U8, ref, n_ref, 16000, 16000, &src), ACCEL_ERR_INVALID_ARG);
    free(buf);
    free(i16);

    /* bad inputs: the status, the file's name and the reason */
    printf("bad inputs:\n");
    bad(ctx, "does_not_exist.wav", ACCEL_ERR_NOT_FOUND, "No such file");
    bad(ctx, "variants", ACCEL_ERR_IO, "directory");
    bad(ctx, "bad/empty.wav", ACCEL_ERR_FORMAT, "empty file");
    bad(ctx, "bad/truncated.wav", ACCEL_ERR_FORMAT, "truncated");
    bad(ctx, "bad/corrupt.wav", ACCEL_ERR_FORMAT, "corrupt");
    bad(ctx, "bad/unsupported_codec.wav", ACCEL_ERR_FORMAT, "unsupported codec");
    bad(ctx, "bad/not_audio.wav", ACCEL_ERR_FORMAT, built & (SF | FF) ? "not a recognised" : "reads only WAV");
    if (built & SF) bad(ctx, "bad/truncated.flac", ACCEL_ERR_FORMAT, "truncated");
    /* a video file without audio: FFmpeg's reason, not libsndfile's "Format not recognised." */
    if (built & FF) bad(ctx, "bad/no_audio.mp4", ACCEL_ERR_FORMAT, "(no audio stream)");
    /* two Ogg streams one after the other: libsndfile decoded the first without a word */
    bad(ctx, "bad/chained.ogg", ACCEL_ERR_FORMAT, "a chained Ogg file (a second logical stream begins at byte 6913)");
    rf64(ctx, ref, n_ref);
    placeholder_sizes(ctx, ref, n_ref);
    trailing_chunks(ctx);
    /* μ-law RF64 from a pipe: no length, and no decoder reads it to the end */
    bad(ctx, "bad/ulaw_rf64_stream.wav", ACCEL_ERR_FORMAT,
        "this RF64 stream has no length (its ds64 sizes are 0, as a writer to a pipe leaves them)");
    if (built & (SF | FF)) {
        chained_pipe(ctx);
        truncated_ogg_pipe(ctx, "variants/speech_c.ogg");
        truncated_ogg_pipe(ctx, "variants/speech_c.opus");
    }
    /* an MP3 cut short: FFmpeg stops at the last whole frame without a word, the Info header
     * says how long it was */
    if (built & FF) bad(ctx, "bad/truncated.mp3", ACCEL_ERR_FORMAT, "decoded 0.29 s of the 0.83 s");
    if (built & MP) mpeg_quiet(ctx);
    /* samples must be finite: the first bad one is named */
    bad(ctx, "bad/nan.wav", ACCEL_ERR_FORMAT, "sample 12345 (at 0.772 s) is NaN");
    nonfinite(ctx);
    output_is_input(ctx);

    accel_audio_free(ref);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
