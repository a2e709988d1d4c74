/* accel_audio_open_buffer: an encoded file held in memory decodes to exactly the samples
 * accel_audio_open gives for the file (every format this build decodes: WAV of each sample
 * type, stereo, other rates, FLAC, Ogg, MP3), its source info is the same, and its errors name
 * the caller's label — at open and while reading — never the memory file behind it. Also
 * accel_audio_read_all: the samples a loop of small reads gives, from the start and from part
 * way, nothing from a spent source, its errors as accel_audio_read's. */
#include "test.h"

#include "ops/audio/audio_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)len + 1);
    *n = b ? fread(b, 1, (size_t)len, f) : 0;
    fclose(f);
    return b;
}

static float *read_all(accel_audio_source *s, size_t *n)
{
    size_t cap = 1 << 16;
    float *x = malloc(cap * sizeof *x);
    *n = 0;
    for (;;) {
        if (cap - *n < 4096) x = realloc(x, (cap *= 2) * sizeof *x);
        size_t got = 0;
        if (accel_audio_read(s, x + *n, cap - *n, &got) != ACCEL_OK) {
            free(x);
            return NULL;
        }
        if (!got) return x;
        *n += got;
    }
}

static void same_as_file(const char *name, unsigned need)
{
    if (need && !(accel__audio_built() & need)) {
        fprintf(stderr, "%s: decoder not built, left out\n", name);
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/audio/%s", ACCEL_TEST_DATA, name);
    size_t nb = 0;
    unsigned char *bytes = slurp(path, &nb);
    ASSERT_TRUE(bytes && nb > 0);
    if (!bytes) return;
    accel_audio_source *a = NULL, *b = NULL;
    ASSERT_OK(accel_audio_open(NULL, path, 16000, &a));
    ASSERT_OK(accel_audio_open_buffer(NULL, bytes, nb, name, 16000, &b));
    if (a && b) {
        accel_audio_info ia = {.struct_size = sizeof ia}, ib = {.struct_size = sizeof ib};
        accel_audio_source_info(a, &ia);
        accel_audio_source_info(b, &ib);
        ASSERT_STR_EQ(ib.decoder, ia.decoder);
        ASSERT_STR_EQ(ib.format, ia.format);
        ASSERT_EQ_INT(ib.source_rate, ia.source_rate);
        ASSERT_EQ_INT(ib.source_channels, ia.source_channels);
        size_t na = 0, nbs = 0;
        float *xa = read_all(a, &na), *xb = read_all(b, &nbs);
        ASSERT_TRUE(xa && xb);
        ASSERT_EQ_INT(nbs, na);
        if (xa && xb && na == nbs && memcmp(xa, xb, na * sizeof *xa) != 0)
            TEST_FAIL_("%s: the samples from memory differ from the file's", name);
        fprintf(stderr, "%s: %zu samples, %s, equal\n", name, na, ib.decoder);
        free(xa);
        free(xb);
    }
    accel_audio_close(a);
    accel_audio_close(b);
    free(bytes);
}

/* accel_audio_read_all against the loop above (reads of 777 samples into a poisoned array). */
static void read_all_agrees(const char *name, unsigned need)
{
    if (need && !(accel__audio_built() & need)) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/audio/%s", ACCEL_TEST_DATA, name);
    accel_audio_source *a = NULL, *b = NULL;
    ASSERT_OK(accel_audio_open(NULL, path, 16000, &a));
    ASSERT_OK(accel_audio_open(NULL, path, 16000, &b));
    if (!a || !b) {
        accel_audio_close(a);
        accel_audio_close(b);
        return;
    }
    size_t cap = 1 << 20, n = 0, got = 1;
    float *ref = malloc(cap * sizeof *ref);
    for (size_t i = 0; i < cap; i++) ref[i] = NAN;
    while (got && n + 777 <= cap && accel_audio_read(a, ref + n, 777, &got) == ACCEL_OK) n += got;
    ASSERT_TRUE(got == 0);
    /* part way: 1000 samples read, the rest through read_all */
    float head[1000];
    size_t h = 0;
    ASSERT_OK(accel_audio_read(b, head, 1000, &h));
    float *rest = NULL;
    size_t nr = 0;
    ASSERT_OK(accel_audio_read_all(b, &rest, &nr));
    ASSERT_EQ_INT(h + nr, n);
    if (rest && h + nr == n && (memcmp(head, ref, h * sizeof *ref) != 0 ||
                                memcmp(rest, ref + h, nr * sizeof *ref) != 0))
        TEST_FAIL_("%s: read_all after %zu samples differs from reads of 777", name, h);
    /* spent: nothing, and still an array to free */
    float *none = NULL;
    size_t nn = 5;
    ASSERT_OK(accel_audio_read_all(b, &none, &nn));
    ASSERT_EQ_INT(nn, 0);
    ASSERT_TRUE(none != NULL);
    accel_audio_free(none);
    accel_audio_free(rest);
    accel_audio_close(b);
    /* from the start, through accel_audio_load */
    float *all = NULL;
    size_t na = 0;
    ASSERT_OK(accel_audio_load(NULL, path, 16000, &all, &na, NULL));
    ASSERT_EQ_INT(na, n);
    if (all && na == n && memcmp(all, ref, n * sizeof *ref) != 0)
        TEST_FAIL_("%s: accel_audio_load differs from reads of 777", name);
    fprintf(stderr, "%s: read_all %zu samples, equal\n", name, n);
    accel_audio_free(all);
    free(ref);
    accel_audio_close(a);
}

int main(void)
{
    read_all_agrees("speech_a.wav", 0);
    read_all_agrees("variants/speech_c_44k.wav", ACCEL__AUDIO_HAVE_SOXR);
    read_all_agrees("variants/speech_c.flac", ACCEL__AUDIO_HAVE_SNDFILE);
    read_all_agrees("variants/speech_c.mp3", ACCEL__AUDIO_HAVE_FFMPEG);
    {
        float *x = NULL;
        size_t n = 0;
        ASSERT_STATUS(accel_audio_read_all(NULL, &x, &n), ACCEL_ERR_INVALID_ARG);
    }

    same_as_file("speech_a.wav", 0);
    same_as_file("variants/speech_c_44k.wav", ACCEL__AUDIO_HAVE_SOXR);
    same_as_file("variants/speech_c_stereo.wav", 0);
    same_as_file("variants/speech_c_s24.wav", 0);
    same_as_file("variants/speech_c_f32.wav", 0);
    same_as_file("variants/speech_c_u8.wav", 0);
    same_as_file("variants/speech_c.flac", ACCEL__AUDIO_HAVE_SNDFILE);
    same_as_file("variants/speech_c.ogg", ACCEL__AUDIO_HAVE_SNDFILE);
    same_as_file("variants/speech_c.mp3", ACCEL__AUDIO_HAVE_FFMPEG);

    accel_audio_source *s = NULL;
    ASSERT_STATUS(accel_audio_open_buffer(NULL, "", 0, "the upload", 16000, &s), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "'the upload': empty (0 bytes)");
    const char junk[] = "this is not audio, just text that arrived as a body";
    ASSERT_STATUS(accel_audio_open_buffer(NULL, junk, sizeof junk, "the upload", 16000, &s), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "'the upload': not a recognised or supported audio format");
    ASSERT_TRUE(strstr(accel_last_error(NULL), "/proc/self/fd") == NULL);
    ASSERT_TRUE(s == NULL);
    ASSERT_STATUS(accel_audio_open_buffer(NULL, NULL, 5, NULL, 16000, &s), ACCEL_ERR_INVALID_ARG);

    /* a FLAC cut short: open succeeds, reading finds it truncated, and says so by its label */
    if (accel__audio_built() & ACCEL__AUDIO_HAVE_SNDFILE) {
        char path[1024];
        snprintf(path, sizeof path, "%s/audio/variants/speech_c.flac", ACCEL_TEST_DATA);
        size_t nb = 0;
        unsigned char *bytes = slurp(path, &nb);
        accel_status st = accel_audio_open_buffer(NULL, bytes, nb / 2, "half a FLAC", 16000, &s);
        if (st == ACCEL_OK) { /* read whole: the same error, and no array */
            float *x = (float *)&st;
            size_t n = 7;
            ASSERT_STATUS(accel_audio_read_all(s, &x, &n), ACCEL_ERR_FORMAT);
            ASSERT_CONTAINS(accel_last_error(NULL), "'half a FLAC'");
            ASSERT_TRUE(x == NULL && n == 0);
            accel_audio_close(s);
            st = accel_audio_open_buffer(NULL, bytes, nb / 2, "half a FLAC", 16000, &s);
        }
        if (st == ACCEL_OK) {
            float buf[4096];
            size_t got = 1;
            while (got && (st = accel_audio_read(s, buf, 4096, &got)) == ACCEL_OK) {
            }
            accel_audio_close(s);
        }
        ASSERT_STATUS(st, ACCEL_ERR_FORMAT);
        ASSERT_CONTAINS(accel_last_error(NULL), "'half a FLAC'");
        ASSERT_TRUE(strstr(accel_last_error(NULL), "/proc/self/fd") == NULL);
        free(bytes);
    }
    TEST_DONE();
}
