/* test_audio_pcm16.c — 16-bit PCM read where it lies. The whisper, vggish and Kaldi kernels take
 * int16 samples without a converted copy (in memory, and from a mapped 16-bit mono WAV when
 * streaming to a .npy); their output must equal, bit for bit, that of the same samples
 * converted to float first (x / 32768), on every kernel build this processor runs, on the
 * OpenCL device where there is one, for every length (frames at the edges, partial batches),
 * at any address (an odd one is converted), and through the stream's chunks. The source
 * offers its samples in place only when that is what they are: 16-bit, mono, at the rate
 * asked for, not read from yet. Outputs are poisoned with NaN before each run. */
#include "audio_test_util.h"
#include "cl_device.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static char tmpdir[512];

static int16_t *make_pcm(size_t n, uint32_t seed)
{
    int16_t *s = malloc((n ? n : 1) * sizeof *s + 2);
    if (!s) TEST_SKIP("out of memory");
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        double tone = 9000.0 * sin(2 * M_PI * 310.0 * (double)i / 16000.0);
        int v = (int)tone + (int)(seed >> 20) - 2048;
        if (i % 997 == 5) v = -32768; /* the extremes */
        if (i % 991 == 7) v = 32767;
        if (i > n / 2 && i < n / 2 + 4000) v = (int)(seed >> 31); /* near silence */
        s[i] = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
    }
    return s;
}

static float *to_float32(const int16_t *s, size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    if (!x) TEST_SKIP("out of memory");
    for (size_t i = 0; i < n; i++) x[i] = (float)s[i] / 32768.0f;
    return x;
}

/* Features of `clip` (dtype) on device dev (-1: planned), into a NaN-poisoned buffer. */
static float *run(accel_ctx *ctx, int dev, const accel_audio_params *p, accel_dtype dtype, const void *clip,
                  size_t n, size_t *len, accel_status *st)
{
    size_t shape[3];
    int nd;
    ASSERT_OK(accel_audio_shape(p, n, shape, &nd));
    *len = shape_total(shape, nd);
    float *out = malloc((*len ? *len : 1) * sizeof *out);
    if (!out) TEST_SKIP("out of memory");
    for (size_t i = 0; i < *len; i++) out[i] = NAN;
    float *outs[1] = {out};
    *st = accel__audio_features_on(ctx, dev, p, dtype, &clip, &n, 1, outs, NULL);
    return out;
}

static void same(const char *what, const float *a, const float *b, size_t len)
{
    size_t first = len, d = 0;
    for (size_t i = 0; i < len; i++)
        if (memcmp(&a[i], &b[i], sizeof *a) != 0) {
            if (first == len) first = i;
            d++;
        }
    if (d)
        TEST_FAIL_("%s: %zu of %zu values differ; the first, %zu, is %.9g where the float input gives %.9g", what,
                   d, len, first, (double)a[first], (double)b[first]);
}

typedef struct {
    const char *preset;
    int padding; /* -1: the preset's */
} variant;

static const variant variants[] = {
    {"whisper-80", -1}, {"whisper-80", ACCEL_AUDIO_PAD_NONE}, {"whisper-80", ACCEL_AUDIO_PAD_FASTER_WHISPER},
    {"whisper-128", -1}, {"vggish", -1},     {"fbank-80", -1},
};
#define N_VARIANTS (sizeof variants / sizeof *variants)

static void params_of(const variant *v, accel_audio_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    ASSERT_OK(accel_audio_params_preset(v->preset, p));
    if (v->padding >= 0) p->padding = (accel_audio_padding)v->padding;
}

/* In memory, every variant and length, aligned and at an odd address, against the floats. */
static void in_memory(accel_ctx *ctx, int dev, const char *label)
{
    static const size_t lens[] = {1, 160, 399, 400, 401, 1000, 16000 + 37, 16000 * 31 + 5};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        size_t n = lens[li];
        int16_t *s = make_pcm(n, 2463534242u + (uint32_t)li);
        float *x = to_float32(s, n);
        /* the same samples one byte further on: an odd address, which the kernels do not
         * read in place */
        unsigned char *odd_buf = malloc(n * 2 + 2);
        if (!odd_buf) TEST_SKIP("out of memory");
        memcpy(odd_buf + 1, s, n * 2);
        for (size_t v = 0; v < N_VARIANTS; v++) {
            accel_audio_params p;
            params_of(&variants[v], &p);
            size_t l1, l2, l3;
            accel_status s1, s2, s3;
            float *want = run(ctx, dev, &p, ACCEL_F32, x, n, &l1, &s1);
            float *got = run(ctx, dev, &p, ACCEL_I16, s, n, &l2, &s2);
            float *odd = run(ctx, dev, &p, ACCEL_I16, odd_buf + 1, n, &l3, &s3);
            if (dev >= 0 && device_skips(s1)) {
                free(want), free(got), free(odd);
                continue;
            }
            ASSERT_OK(s1);
            ASSERT_OK(s2);
            ASSERT_OK(s3);
            ASSERT_EQ_INT(l1, l2);
            char what[200];
            snprintf(what, sizeof what, "%s, %s padding %d, %zu samples in place", label, variants[v].preset,
                     variants[v].padding, n);
            same(what, got, want, l1);
            snprintf(what, sizeof what, "%s, %s padding %d, %zu samples at an odd address", label,
                     variants[v].preset, variants[v].padding, n);
            same(what, odd, want, l1);
            free(want), free(got), free(odd);
        }
        free(odd_buf);
        free(x);
        free(s);
    }
}

/* A RIFF WAV of n frames of `ch` channels and `bits` bits (PCM) from s (mono; repeated per
 * channel, 24-bit as the 16-bit value shifted up). */
static unsigned char *wav_bytes(const int16_t *s, size_t n, int ch, int bits, int rate, size_t *bytes)
{
    size_t bpf = (size_t)ch * (size_t)(bits / 8), data = n * bpf;
    unsigned char *b = malloc(44 + data);
    if (!b) TEST_SKIP("out of memory");
    uint32_t v32[] = {(uint32_t)(36 + data), 16, (uint32_t)rate, (uint32_t)(rate * (int)bpf), (uint32_t)data};
    memcpy(b, "RIFF", 4);
    memcpy(b + 4, &v32[0], 4);
    memcpy(b + 8, "WAVEfmt ", 8);
    memcpy(b + 16, &v32[1], 4);
    uint16_t fmt[] = {1, (uint16_t)ch};
    memcpy(b + 20, fmt, 4);
    memcpy(b + 24, &v32[2], 4);
    memcpy(b + 28, &v32[3], 4);
    uint16_t blk[] = {(uint16_t)bpf, (uint16_t)bits};
    memcpy(b + 32, blk, 4);
    memcpy(b + 36, "data", 4);
    memcpy(b + 40, &v32[4], 4);
    unsigned char *d = b + 44;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ch; c++) {
            if (bits == 16) {
                memcpy(d, &s[i], 2);
                d += 2;
            } else {
                int32_t w = (int32_t)s[i] * 256;
                d[0] = (unsigned char)(w & 0xFF);
                d[1] = (unsigned char)((w >> 8) & 0xFF);
                d[2] = (unsigned char)((w >> 16) & 0xFF);
                d += 3;
            }
        }
    *bytes = 44 + data;
    return b;
}

static void write_file(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    ASSERT_TRUE(fwrite(b, 1, n, f) == n);
    ASSERT_TRUE(fclose(f) == 0);
}

/* Which sources offer their samples in place. */
static void offers(accel_ctx *ctx, const int16_t *s, size_t n)
{
    struct {
        int ch, bits, rate, open_rate, read_first, want;
    } cases[] = {
        {1, 16, 16000, 16000, 0, 1}, /* the one that is */
        {2, 16, 16000, 16000, 0, 0}, /* stereo: mixed down */
        {1, 24, 16000, 16000, 0, 0}, /* 24-bit: converted */
        {1, 16, 8000, 16000, 0, 0},  /* another rate: resampled */
        {1, 16, 16000, 16000, 1, 0}, /* already read from */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t bytes;
        unsigned char *w = wav_bytes(s, n, cases[i].ch, cases[i].bits, cases[i].rate, &bytes);
        char path[700];
        snprintf(path, sizeof path, "%s/offer%zu.wav", tmpdir, i);
        write_file(path, w, bytes);
        for (int way = 0; way < 2; way++) { /* a file (mapped), the same bytes in memory */
            accel_audio_source *src = NULL;
            accel_status st = way == 0 ? accel_audio_open(ctx, path, cases[i].open_rate, &src)
                                       : accel_audio_open_buffer(ctx, w, bytes, "offer.wav", cases[i].open_rate, &src);
            if (st != ACCEL_OK && cases[i].rate != cases[i].open_rate && device_skips(st)) {
                printf("(resampling not available here: %s)\n", accel_last_error(NULL));
                continue;
            }
            ASSERT_OK(st);
            if (cases[i].read_first) {
                float f[10];
                size_t got = 0;
                ASSERT_OK(accel_audio_read(src, f, 10, &got));
            }
            const int16_t *x = NULL;
            int64_t k = 0;
            int r = accel__audio_source_pcm16(src, &x, &k);
            if (r != cases[i].want)
                TEST_FAIL_("case %zu (%d channels, %d bits, %d Hz opened at %d%s, %s): offered %d, want %d", i,
                           cases[i].ch, cases[i].bits, cases[i].rate, cases[i].open_rate,
                           cases[i].read_first ? ", read from" : "", way ? "memory" : "file", r, cases[i].want);
            if (r) {
                ASSERT_EQ_INT(k, (int64_t)n);
                ASSERT_TRUE(memcmp(x, s, n * 2) == 0);
                /* everything taken: the source is at its end */
                float f[4];
                size_t got = 1;
                ASSERT_OK(accel_audio_read(src, f, 4, &got));
                ASSERT_EQ_INT(got, 0);
                accel__audio_source_release(src, k); /* gives pages back; harmless in memory */
            }
            accel_audio_close(src);
        }
        unlink(path);
        free(w);
    }
}

/* Pages of [p, p + n) that are mapped in this process (/proc/self/pagemap's "present" bit);
 * -1 where the kernel does not say. */
static long pages_present(const void *p, size_t n)
{
    long page = sysconf(_SC_PAGESIZE);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    uintptr_t a = (uintptr_t)p / (uintptr_t)page, b = ((uintptr_t)p + n + (uintptr_t)page - 1) / (uintptr_t)page;
    long count = 0;
    for (uintptr_t v = a; v < b; v++) {
        uint64_t e = 0;
        if (pread(fd, &e, sizeof e, (off_t)(v * sizeof e)) != (ssize_t)sizeof e) {
            close(fd);
            return -1;
        }
        count += (long)(e >> 63);
    }
    close(fd);
    return count;
}

/* Whether this kernel maps pages in on request (MADV_POPULATE_READ, Linux 5.14+). */
static int kernel_populates(void)
{
#ifdef MADV_POPULATE_READ
    long page = sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 0;
    int ok = madvise(m, (size_t)page, MADV_POPULATE_READ) == 0;
    munmap(m, (size_t)page);
    return ok;
#else
    return 0;
#endif
}

/* A mapped WAV's samples mapped in ahead of the kernels (the stream's next chunk): the pages
 * asked for are present afterwards, requests past the end or before the start do nothing
 * wrong, and the samples are unchanged. Memory sources ignore it. */
static void populates(accel_ctx *ctx, const int16_t *s, size_t n)
{
    size_t bytes;
    unsigned char *w = wav_bytes(s, n, 1, 16, 16000, &bytes);
    char path[700];
    snprintf(path, sizeof path, "%s/populate.wav", tmpdir);
    write_file(path, w, bytes);
    long page = sysconf(_SC_PAGESIZE);
    int can = kernel_populates();
    for (int way = 0; way < 2; way++) {
        accel_audio_source *src = NULL;
        ASSERT_OK(way == 0 ? accel_audio_open(ctx, path, 16000, &src)
                           : accel_audio_open_buffer(ctx, w, bytes, "populate.wav", 16000, &src));
        const int16_t *x = NULL;
        int64_t k = 0;
        ASSERT_TRUE(accel__audio_source_pcm16(src, &x, &k));
        ASSERT_EQ_INT(k, (int64_t)n);
        /* the middle third, then the rest past the end, then nonsense */
        int64_t a = k / 3, b = 2 * k / 3;
        accel__audio_source_populate(src, a, b);
        long inner = (long)((size_t)(b - a) * 2 / (size_t)page) - 1; /* pages wholly inside */
        long have = pages_present(x + a, (size_t)(b - a) * 2);
        if (way == 0 && can && have >= 0 && have < inner)
            TEST_FAIL_("%ld of the %ld pages asked for are mapped in", have, inner);
        if (way == 0 && can && have < 0) printf("(/proc/self/pagemap unreadable: the pages mapped in not checked)\n");
        accel__audio_source_populate(src, b, k + 100000);
        accel__audio_source_populate(src, -7, 3);
        accel__audio_source_populate(src, 9, 9);
        accel__audio_source_populate(src, 9, 2);
        accel__audio_source_release(src, k / 2); /* pages behind given back: asked again, skipped */
        accel__audio_source_populate(src, 0, k);
        ASSERT_TRUE(memcmp(x, s, n * 2) == 0);
        accel_audio_close(src);
    }
    if (!can) printf("(this kernel does not map pages in on request: only the requests' safety checked)\n");
    unlink(path);
    free(w);
}

/* int16 memory sources: offered in place at an even address only */
static void offers_memory(accel_ctx *ctx, const int16_t *s, size_t n)
{
    unsigned char *odd = malloc(n * 2 + 1);
    if (!odd) TEST_SKIP("out of memory");
    memcpy(odd + 1, s, n * 2);
    for (int k = 0; k < 2; k++) {
        accel_audio_source *src = NULL;
        ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_I16, k ? (const void *)(odd + 1) : s, n, 16000, 16000, &src));
        const int16_t *x = NULL;
        int64_t got = 0;
        int r = accel__audio_source_pcm16(src, &x, &got);
        if (r != !k) TEST_FAIL_("int16 memory at an %s address: offered %d", k ? "odd" : "even", r);
        if (r) ASSERT_TRUE(x == s && got == (int64_t)n);
        accel_audio_close(src);
    }
    free(odd);
}

/* 16-bit mono WAV files streamed to .npy (default chunks and 7 s chunks) equal the in-memory
 * features of the floats; so do other WAVs of the same samples, read the float way. */
static void streamed(const int16_t *s, size_t n)
{
    float *x = to_float32(s, n);
    size_t bytes;
    unsigned char *w = wav_bytes(s, n, 1, 16, 16000, &bytes);
    char wav[700], npy[700];
    snprintf(wav, sizeof wav, "%s/speech16.wav", tmpdir);
    snprintf(npy, sizeof npy, "%s/speech16.npy", tmpdir);
    write_file(wav, w, bytes);
    unsigned char *odd = malloc(n * 2 + 1); /* the samples one byte on: read the float way */
    if (!odd) TEST_SKIP("out of memory");
    memcpy(odd + 1, s, n * 2);
    for (int chunks = 0; chunks < 2; chunks++) {
        if (chunks) setenv("ACCEL_CHUNK_SECONDS", "7", 1);
        accel_ctx *ctx = NULL;
        ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
        unsetenv("ACCEL_CHUNK_SECONDS");
        for (size_t v = 0; v < N_VARIANTS; v++) {
            accel_audio_params p;
            params_of(&variants[v], &p);
            size_t len;
            accel_status st;
            float *want = run(ctx, -1, &p, ACCEL_F32, x, n, &len, &st);
            ASSERT_OK(st);
            static const char *const ways[] = {"a WAV file", "a WAV in memory", "int16 memory",
                                               "int16 memory at an odd address"};
            for (int way = 0; way < 4; way++) {
                accel_audio_source *src = NULL;
                if (way == 0) ASSERT_OK(accel_audio_open(ctx, wav, 16000, &src));
                else if (way == 1) ASSERT_OK(accel_audio_open_buffer(ctx, w, bytes, "speech16.wav", 16000, &src));
                else ASSERT_OK(accel_audio_open_memory(ctx, ACCEL_I16, way == 2 ? (const void *)s : odd + 1, n,
                                                       16000, 16000, &src));
                accel_audio_result res = {.struct_size = sizeof res};
                unlink(npy);
                ASSERT_OK(accel_audio_features_npy(ctx, &p, src, npy, &res, NULL));
                accel_audio_close(src);
                if (chunks) ASSERT_TRUE(res.n_chunks >= 10);
                size_t shape[3];
                int nd;
                float *got = npy_read(npy, shape, &nd);
                ASSERT_TRUE(got != NULL);
                ASSERT_EQ_INT(shape_total(shape, nd), len);
                char what[200];
                snprintf(what, sizeof what, "%s padding %d streamed from %s, %s chunks", variants[v].preset,
                         variants[v].padding, ways[way], chunks ? "7 s" : "default");
                same(what, got, want, len);
                free(got);
            }
            free(want);
        }
        accel_ctx_destroy(ctx);
    }
    unlink(npy);
    unlink(wav);
    free(odd);
    free(w);
    free(x);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/accel-pcm16-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ASSERT_TRUE(mkdtemp(tmpdir) != NULL);

    /* every kernel build this processor runs */
    int builds = 0;
    for (int lv = 0; lv < ACCEL__SIMD_COUNT; lv++) {
        accel__simd_level level = (accel__simd_level)lv;
        if (!accel__simd_runs(level)) continue;
        setenv("ACCEL_CPU_SIMD", accel__simd_name(level), 1);
        accel_ctx *ctx = NULL;
        ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
        const audio_isa *isa = accel__audio_isa_for(level);
        accel__audio_force_isa(isa);
        char label[64];
        snprintf(label, sizeof label, "CPU, %s build", isa->name);
        in_memory(ctx, -1, label);
        accel__audio_force_isa(NULL);
        printf("%s: int16 in place equals float32 (%zu variants, 8 lengths, aligned and odd)\n", label,
               N_VARIANTS);
        accel_ctx_destroy(ctx);
        builds++;
    }
    unsetenv("ACCEL_CPU_SIMD");
    ASSERT_TRUE(builds >= 1);

    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    char why[256];
    int dev = cld_attach(ctx, why, sizeof why);
    if (dev >= 0) {
        in_memory(ctx, dev, ctx->devs[dev].info.name);
        printf("OpenCL device %s: int16 samples widened on upload equal float32\n", ctx->devs[dev].info.name);
    } else {
        printf("(no OpenCL device: %s)\n", why);
    }
    accel_ctx_destroy(ctx);

    ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    size_t n = 16000 * 95 + 123; /* 95 s: two default chunks and a part */
    int16_t *s = make_pcm(n, 88172645u);
    offers(ctx, s, 16000 * 3 + 5);
    offers_memory(ctx, s, 16000 * 3 + 5);
    populates(ctx, s, 16000 * 30 + 11);
    printf("sources: only 16-bit mono at the rate asked for, unread, offer their samples in place\n");
    accel_ctx_destroy(ctx);
    streamed(s, n);
    printf("streamed: 16-bit WAV (file and memory) and int16 memory (even and odd address) to .npy equal the "
           "float features, default and 7 s chunks\n");
    free(s);
    ASSERT_TRUE(rmdir(tmpdir) == 0); /* every file it made removed */
    TEST_DONE();
}
