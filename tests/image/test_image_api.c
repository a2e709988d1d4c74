/* test_image_api.c — the image API's contracts: bad input of every kind named in the message
 * while the rest of the batch completes (decoding the crafted files of tests/data/image/bad,
 * bad images, landmarks and network outputs), each failed image's own message
 * (accel_image_item_error), a call that fails as a whole failing every file, FIFOs and devices
 * refused, stray bytes before a JPEG marker read past, ACCEL_IMAGE_MAX_PIXELS, empty batches,
 * struct_size, pixel order and strides, batch splitting, the run record, the decoder
 * libraries' missing-library message, and the EXIF parser on mutated data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/audio/lazy_lib.h"
#include "ops/image/image_internal.h"
#include "test.h"

#define BAD ACCEL_TEST_DATA "/image/bad/"

static accel_ctx *ctx;

static accel_image img(uint8_t *p, int w, int h, int c)
{
    accel_image a = ACCEL_IMAGE_INIT(p, w, h, c);
    return a;
}

static uint8_t *pattern(int w, int h, int c, unsigned seed)
{
    uint8_t *p = malloc((size_t)w * h * c);
    for (size_t i = 0; i < (size_t)w * h * c; i++) p[i] = (uint8_t)((i * 2654435761u + seed) >> 7);
    return p;
}

/* ---- decoding bad files ---- */

static void test_decode_bad_files(void)
{
    static const struct {
        const char *file;
        accel_status st;
        const char *says;
    } cases[] = {
        {BAD "good.jpg", ACCEL_OK, ""},
        {BAD "empty.jpg", ACCEL_ERR_FORMAT, "empty file"},
        {BAD "text.jpg", ACCEL_ERR_FORMAT, "not a JPEG, PNG or WebP image"},
        {BAD "gif.png", ACCEL_ERR_FORMAT, "not a JPEG, PNG or WebP image"},
        {BAD "truncated.jpg", ACCEL_ERR_FORMAT, "truncated or corrupt JPEG header"},
        {BAD "truncated_scan.jpg", ACCEL_ERR_FORMAT, "truncated: the JPEG data end before the image does"},
        {BAD "truncated.png", ACCEL_ERR_FORMAT, "truncated"},
        {BAD "truncated.webp", ACCEL_ERR_FORMAT, "WebP"},
        /* one byte short: cv2.imread's decoder refuses it, so does accel's incremental one */
        {BAD "last_byte_cut.webp", ACCEL_ERR_FORMAT, "truncated WebP data (the file ends before"},
        {BAD "short.webp", ACCEL_ERR_FORMAT, "24 bytes, too short for a WebP file (at least 32"},
        {BAD "huge_100000x100000.png", ACCEL_ERR_FORMAT, "100000×100000 = 10000000000 pixels, above ACCEL_IMAGE_MAX_PIXELS"},
        {BAD "huge_65500x65500.jpg", ACCEL_ERR_FORMAT, "above ACCEL_IMAGE_MAX_PIXELS"},
        {BAD "bad_crc.png", ACCEL_ERR_FORMAT, "PNG"},
        {BAD "corrupt_scan.jpg", ACCEL_OK, "libjpeg warning"},
        /* as cv2.imread: an error after the last row keeps the image, one before it does not,
         * whatever warning came first */
        {BAD "error_after_last_row.jpg", ACCEL_OK, "libjpeg error after the last row (the image is kept"},
        {BAD "error_after_warning.jpg", ACCEL_ERR_FORMAT, "corrupt JPEG: Invalid progressive parameters"},
        {BAD "animated.webp", ACCEL_ERR_FORMAT, "animated WebP"},
        {BAD "no_such_file.jpg", ACCEL_ERR_NOT_FOUND, "no such file"},
        {BAD, ACCEL_ERR_IO, "is a directory"},
        {BAD "good.png", ACCEL_OK, ""},
    };
    enum { N = sizeof cases / sizeof *cases };
    const char *paths[N];
    for (int i = 0; i < N; i++) paths[i] = cases[i].file;
    accel_image_decoded out[N];
    accel_image_decoded_init(out, N);
    accel_status st = accel_image_decode(ctx, NULL, paths, N, out, NULL);
    /* the call reports the first failure, names its file and counts the failures */
    ASSERT_EQ_INT(st, ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(ctx), "empty.jpg");
    ASSERT_CONTAINS(accel_last_error(ctx), "(16 of 20 images failed; the others are done)");
    /* each file's message, as its result holds it */
    ASSERT_STR_EQ(accel_image_item_error(0), "");
    char want[300];
    snprintf(want, sizeof want, "image_decode: %s", out[3].message);
    ASSERT_STR_EQ(accel_image_item_error(3), want);
    for (int i = 0; i < N; i++) {
        if (out[i].status != cases[i].st)
            TEST_FAIL_("%s: %s, want %s (%s)", cases[i].file, accel_status_name(out[i].status),
                       accel_status_name(cases[i].st), out[i].message);
        ASSERT_CONTAINS(out[i].message, cases[i].says);
        if (cases[i].st != ACCEL_OK) {
            ASSERT_TRUE(out[i].image.data == NULL);
            /* the message names the file */
            const char *base = strrchr(cases[i].file, '/');
            ASSERT_CONTAINS(out[i].message, base[1] ? base + 1 : "bad");
        } else {
            ASSERT_EQ_INT(out[i].image.width, 48);
            ASSERT_EQ_INT(out[i].image.height, 32);
            ASSERT_TRUE(out[i].image.data != NULL);
        }
        printf("decode %-32s %-16s %s\n", strrchr(cases[i].file, '/') + 1,
               accel_status_name(out[i].status), out[i].message);
    }
    accel_image_decoded_free(out, N);
}

/* Paths that are not regular files are refused before a byte is read: a FIFO without a writer
 * (which would block), a device that never ends (/dev/zero, read until memory ran out). */
static void test_not_regular_files(void)
{
    char dir[] = "/tmp/accel-test-image-XXXXXX", fifo[64];
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/p.jpg", dir);
    ASSERT_EQ_INT(mkfifo(fifo, 0600), 0);
    const char *paths[3] = {fifo, "/dev/zero", BAD "good.png"};
    accel_image_decoded d[3];
    accel_image_decoded_init(d, 3);
    ASSERT_STATUS(accel_image_decode(ctx, NULL, paths, 3, d, NULL), ACCEL_ERR_IO);
    ASSERT_STATUS(d[0].status, ACCEL_ERR_IO);
    ASSERT_CONTAINS(d[0].message, "p.jpg': a named pipe (FIFO), not an image file");
    ASSERT_STATUS(d[1].status, ACCEL_ERR_IO);
    ASSERT_CONTAINS(d[1].message, "'/dev/zero': a character device, not an image file");
    ASSERT_OK(d[2].status);
    printf("not regular files: '%s' | '%s'\n", d[0].message, d[1].message);
    accel_image_decoded_free(d, 3);
    unlink(fifo);
    rmdir(dir);
}

/* A decode call that fails as a whole fails every file with the call's status and message,
 * named: its parameters refused, or (ACCEL_STRICT=1 with OpenCL asked for) no device may run
 * it — never a result left untouched, status ACCEL_OK and no pixels, as if decoded. */
static void test_decode_call_fails(void)
{
    const char *paths[2] = {BAD "good.jpg", BAD "good.png"};
    accel_image_decoded d[2];
    accel_image_decoded_init(d, 2);
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    p.order = (accel_pixel_order)7;
    ASSERT_STATUS(accel_image_decode(ctx, &p, paths, 2, d, NULL), ACCEL_ERR_INVALID_ARG);
    for (int i = 0; i < 2; i++) {
        ASSERT_STATUS(d[i].status, ACCEL_ERR_INVALID_ARG);
        ASSERT_CONTAINS(d[i].message, paths[i]);
        ASSERT_CONTAINS(d[i].message, "order 7 (allowed: ACCEL_BGR, ACCEL_RGB)");
        ASSERT_TRUE(d[i].image.data == NULL && d[i].image.width == 0);
    }
    /* refused so, a call leaves the rest of the results as they were: the pixels of an earlier
     * call are still the caller's to free */
    accel_image_decoded_init(d, 2);
    ASSERT_OK(accel_image_decode(ctx, NULL, paths, 2, d, NULL));
    uint8_t *kept = d[0].image.data;
    ASSERT_STATUS(accel_image_decode(ctx, &p, paths, 2, d, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(d[0].status, ACCEL_ERR_INVALID_ARG);
    ASSERT_TRUE(d[0].image.data == kept);
    accel_image_decoded_free(d, 2);
    /* the same through accel_scrfd_prepare, refused for its input size */
    float blob[3];
    accel_image_decoded_init(d, 2);
    ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, paths, 2, 0, 640, blob, NULL, NULL, NULL, d, NULL),
                  ACCEL_ERR_INVALID_ARG);
    for (int i = 0; i < 2; i++) {
        ASSERT_STATUS(d[i].status, ACCEL_ERR_INVALID_ARG);
        ASSERT_CONTAINS(d[i].message, "input size 0×640");
    }
    accel_option opt[2] = {{"ACCEL_BACKEND", "opencl"}, {"ACCEL_STRICT", "1"}};
    accel_ctx *strict = NULL;
    if (accel_ctx_create(&strict, opt, 2, ACCEL_CTX_NO_WARMUP) != ACCEL_OK) {
        printf("decode under ACCEL_STRICT=1 on OpenCL: not checked (%s)\n", accel_last_error(NULL));
        return;
    }
    accel_image_decoded_init(d, 2);
    accel_status st = accel_image_decode(strict, NULL, paths, 2, d, NULL);
    ASSERT_TRUE(st != ACCEL_OK);
    for (int i = 0; i < 2; i++) {
        ASSERT_STATUS(d[i].status, st);
        ASSERT_CONTAINS(d[i].message, paths[i]);
        ASSERT_CONTAINS(d[i].message, "ACCEL_STRICT");
        ASSERT_TRUE(d[i].image.data == NULL);
        ASSERT_CONTAINS(accel_image_item_error((size_t)i), "ACCEL_STRICT");
    }
    printf("decode under ACCEL_STRICT=1 on OpenCL: %s\n", d[0].message);
    accel_image_decoded_free(d, 2);
    accel_ctx_destroy(strict);
}

/* accel_scrfd_prepare: the same bad files in one batch and one per call (decoded by rows
 * beside its consumer), and a 1080p JPEG, a 1080p PNG and a tall WebP cut short after most of
 * their rows were decoded and read: each bad file fails alone, named, with a zero blob, det_scale 0 and NaN quality;
 * the good ones get what the three separate calls give. */
static int blob_is(const float *b, size_t n, float v)
{
    for (size_t k = 0; k < n; k++)
        if (b[k] != v) return 0;
    return 1;
}

static void prepare_check(const char *const *paths, const accel_status *want, size_t n,
                          size_t per, int iw, int ih)
{
    const size_t plane = (size_t)3 * iw * ih;
    float *blob = malloc(n * plane * sizeof *blob), *ref = malloc(plane * sizeof *ref);
    double *ds = malloc(n * sizeof *ds);
    accel_quality *q = malloc(n * sizeof *q);
    accel_image_decoded *d = malloc(n * sizeof *d);
    for (size_t k = 0; k < n * plane; k++) blob[k] = 1e30f;
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        for (size_t k = 0; k < m; k++) q[i + k].struct_size = sizeof q[i + k];
        accel_image_decoded_init(d + i, m);
        accel_status st = accel_scrfd_prepare(ctx, NULL, paths + i, m, iw, ih, blob + i * plane,
                                              ds + i, NULL, q + i, d + i, NULL);
        accel_status first = ACCEL_OK;
        for (size_t k = 0; k < m && first == ACCEL_OK; k++) first = want[i + k];
        ASSERT_EQ_INT(st, first);
        if (st != ACCEL_OK) ASSERT_CONTAINS(accel_last_error(ctx), "scrfd_prepare");
    }
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(paths[i], '/');
        base = base[1] ? base + 1 : "bad";
        if (d[i].status != want[i] || q[i].status != want[i])
            TEST_FAIL_("scrfd_prepare %s (%zu per call): %s / %s, want %s (%s)", base, per,
                       accel_status_name(d[i].status), accel_status_name(q[i].status),
                       accel_status_name(want[i]), d[i].message);
        if (want[i] != ACCEL_OK) {
            ASSERT_CONTAINS(d[i].message, base);
            ASSERT_TRUE(d[i].image.data == NULL);
            if (!blob_is(blob + i * plane, plane, 0.0f))
                TEST_FAIL_("scrfd_prepare %s: a failed file's blob is not zeros", base);
            ASSERT_TRUE(ds[i] == 0 && isnan(q[i].brightness) && isnan(q[i].overall));
            continue;
        }
        /* the separate calls on the decoded image */
        double ds1 = -1;
        accel_quality q1 = {.struct_size = sizeof q1};
        ASSERT_OK(accel_scrfd_input(ctx, &d[i].image, 1, iw, ih, ref, &ds1, NULL, NULL));
        ASSERT_OK(accel_image_quality(ctx, NULL, &d[i].image, 1, &q1, NULL));
        if (memcmp(ref, blob + i * plane, plane * sizeof *ref) != 0 || ds1 != ds[i])
            TEST_FAIL_("scrfd_prepare %s: blob or det_scale differ from accel_scrfd_input's", base);
        if (q1.blur_laplacian_var != q[i].blur_laplacian_var || q1.brightness != q[i].brightness ||
            q1.contrast != q[i].contrast || q1.sharpness_tenengrad != q[i].sharpness_tenengrad ||
            q1.overall != q[i].overall || q1.width != q[i].width || q1.height != q[i].height)
            TEST_FAIL_("scrfd_prepare %s: quality differs from accel_image_quality's", base);
    }
    accel_image_decoded_free(d, n);
    free(blob), free(ref), free(ds), free(q), free(d);
}

/* A file's bytes written to dir/name, whole or its first `keep` bytes; the path in out. */
static void put_file(const char *dir, const char *name, const uint8_t *b, size_t keep, char *out,
                     size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    FILE *f = fopen(out, "wb");
    ASSERT_TRUE(f != NULL);
    ASSERT_TRUE(fwrite(b, 1, keep, f) == keep);
    fclose(f);
}

/* A JPEG's bytes with an EXIF APP1 segment of orientation o first (malloc'd, *en bytes). */
static uint8_t *with_orientation(const uint8_t *b, size_t n, int o, size_t *en)
{
    /* APP1 "Exif\0\0" + TIFF (II, IFD0 at 8: one entry, Orientation = o) */
    static const uint8_t app1[] = {0xFF, 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0,
                                   8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0};
    uint8_t *e = malloc(n + sizeof app1);
    memcpy(e, b, 2);
    memcpy(e + 2, app1, sizeof app1);
    e[2 + 28] = (uint8_t)o;
    memcpy(e + 2 + sizeof app1, b + 2, n - 2);
    *en = n + sizeof app1;
    return e;
}

/* A smooth 8-bit image (PNG compresses it quickly). */
static uint8_t *gradient(int w, int h)
{
    uint8_t *p = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *q = p + ((size_t)y * w + x) * 3;
            q[0] = (uint8_t)(x / 8 + y / 5), q[1] = (uint8_t)(y / 4), q[2] = (uint8_t)((x ^ y) / 9);
        }
    return p;
}

typedef struct rows_seen {
    int calls, rows, dropped;
} rows_seen;

static void seen_rows(void *arg, const img_t *im, int rows)
{
    rows_seen *s = arg;
    ASSERT_TRUE(!s->dropped && rows > s->rows && rows <= im->h);
    s->calls++;
    s->rows = rows;
}

static void seen_drop(void *arg) { ((rows_seen *)arg)->dropped = 1; }

/* How a file's rows reach a reader (decode.c's sink): a JPEG, a non-interlaced PNG and a WebP
 * a band at a time while they decode (an interlaced PNG once, whole); a file cut short after most of its rows, those rows,
 * then drop before the pixels go (a cut WebP is refused before any: its RIFF header gives
 * its length). */
static void rows_check(const char *path, accel_status want, int min_calls, int max_calls,
                       int dropped)
{
    uint8_t *b = NULL;
    size_t n = 0;
    ASSERT_OK(accel__img_read_file(path, &b, &n));
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    accel_image_decoded d;
    accel_image_decoded_init(&d, 1);
    rows_seen s = {0, 0, 0};
    img_row_sink sink = {seen_rows, seen_drop, &s};
    accel_status st = accel__img_decode_buffer_rows(path, b, n, &p, 1LL << 40, &d, &sink);
    const char *base = strrchr(path, '/') + 1;
    printf("rows %-22s %-16s %d reports, %d rows%s\n", base, accel_status_name(st), s.calls,
           s.rows, s.dropped ? ", dropped" : "");
    if (st != want || s.calls < min_calls || s.calls > max_calls || s.dropped != dropped)
        TEST_FAIL_("%s: %s with %d reports (want %s, %d to %d)%s", base, accel_status_name(st),
                   s.calls, accel_status_name(want), min_calls, max_calls,
                   s.dropped ? ", dropped" : "");
    if (st == ACCEL_OK) ASSERT_EQ_INT(s.rows, d.image.height);
    accel__clear_error();
    accel_image_decoded_free(&d, 1);
    free(b);
}

static void test_rows_reported(void)
{
    uint8_t *px = gradient(1920, 1080), *enc = NULL;
    size_t len = 0;
    img_t v = {px, 1920, 1080, 3, 1920 * 3, 0};
    char dir[] = "/tmp/accel-rows-XXXXXX", path[96];
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    if (accel__png_encode(&v, &enc, &len) == ACCEL_OK) {
        put_file(dir, "whole.png", enc, len, path, sizeof path);
        rows_check(path, ACCEL_OK, 1080 / 16, 1080 / 16 + 1, 0);
        remove(path);
        put_file(dir, "cut.png", enc, len * 7 / 10, path, sizeof path);
        rows_check(path, ACCEL_ERR_FORMAT, 1080 / 2 / 16, 1080 / 16, 1);
        remove(path);
        free(enc);
    } else {
        printf("rows: no PNG encoder here (%s); PNG not checked\n", accel_last_error(NULL));
    }
    if (accel__jpeg_encode(&v, 90, &enc, &len) == ACCEL_OK) {
        put_file(dir, "whole.jpg", enc, len, path, sizeof path);
        rows_check(path, ACCEL_OK, 1080 / 16, 1080 / 16 + 1, 0);
        remove(path);
        free(enc);
    }
    free(px);
    rmdir(dir);
    /* tall.webp: 1280 rows in 13 KB, handed to the decoder in 4-KB pieces */
    uint8_t *w = NULL;
    size_t wn = 0;
    ASSERT_OK(accel__img_read_file(BAD "tall.webp", &w, &wn));
    rows_check(BAD "tall.webp", ACCEL_OK, 3, 5, 0);
    char dir2[] = "/tmp/accel-rows-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir2) != NULL);
    put_file(dir2, "cut.webp", w, wn * 7 / 10, path, sizeof path);
    rows_check(path, ACCEL_ERR_FORMAT, 0, 0, 1); /* its RIFF header says it is cut: refused first */
    remove(path);
    rmdir(dir2);
    free(w);
    rows_check(BAD "truncated.png", ACCEL_ERR_FORMAT, 0, 1, 1);
    rows_check(BAD "last_byte_cut.webp", ACCEL_ERR_FORMAT, 0, 0, 1);
    rows_check(BAD "good.png", ACCEL_OK, 2, 2, 0);
    rows_check(BAD "interlaced.png", ACCEL_OK, 1, 1, 0); /* no row final before the last pass */
}

static void test_prepare_bad_files(void)
{
    /* a 1920×1080 JPEG, whole and cut at 70 % (most rows decoded before the end is found) */
    uint8_t *px = pattern(1920, 1080, 3, 5), *jpg = NULL;
    size_t len = 0;
    img_t v = {px, 1920, 1080, 3, 1920 * 3, 0};
    accel_status est = accel__jpeg_encode(&v, 90, &jpg, &len);
    free(px);
    if (est != ACCEL_OK) {
        printf("scrfd_prepare: no JPEG encoder here (%s); bad files not checked\n",
               accel_last_error(NULL));
        return;
    }
    char dir[] = "/tmp/accel-prepare-XXXXXX", whole[64], cut[64];
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    snprintf(whole, sizeof whole, "%s/whole.jpg", dir);
    snprintf(cut, sizeof cut, "%s/cut.jpg", dir);
    FILE *f = fopen(whole, "wb");
    fwrite(jpg, 1, len, f);
    fclose(f);
    f = fopen(cut, "wb");
    fwrite(jpg, 1, len * 7 / 10, f);
    fclose(f);
    free(jpg);
    /* the same for a PNG and a WebP, decoded by rows too */
    char png_whole[96] = BAD "good.png", png_cut[96] = BAD "truncated.png", webp_cut[96];
    px = gradient(1920, 1080);
    img_t gv = {px, 1920, 1080, 3, 1920 * 3, 0};
    uint8_t *enc = NULL;
    if (accel__png_encode(&gv, &enc, &len) == ACCEL_OK) {
        put_file(dir, "whole.png", enc, len, png_whole, sizeof png_whole);
        put_file(dir, "cut.png", enc, len * 7 / 10, png_cut, sizeof png_cut);
        free(enc);
    }
    free(px);
    ASSERT_OK(accel__img_read_file(BAD "tall.webp", &enc, &len));
    put_file(dir, "cut.webp", enc, len * 7 / 10, webp_cut, sizeof webp_cut);
    free(enc);
    /* a 1080p JPEG turned by EXIF orientation 6, and an interlaced PNG: handed over whole, so
     * the producer measures their quality beside the consumer's blob */
    char turned[96];
    ASSERT_OK(accel__img_read_file(whole, &enc, &len));
    size_t tn = 0;
    uint8_t *tj = with_orientation(enc, len, 6, &tn);
    put_file(dir, "turned.jpg", tj, tn, turned, sizeof turned);
    free(tj), free(enc);
    const char *paths[] = {whole, BAD "good.jpg", BAD "empty.jpg", BAD "text.jpg",
                           BAD "truncated.jpg", BAD "truncated_scan.jpg", cut,
                           BAD "huge_65500x65500.jpg", BAD "corrupt_scan.jpg",
                           BAD "no_such_file.jpg", BAD, BAD "good.png", BAD "truncated.png",
                           png_whole, png_cut, BAD "tall.webp", webp_cut,
                           BAD "last_byte_cut.webp", turned, BAD "interlaced.png"};
    const accel_status want[] = {ACCEL_OK, ACCEL_OK, ACCEL_ERR_FORMAT, ACCEL_ERR_FORMAT,
                                 ACCEL_ERR_FORMAT, ACCEL_ERR_FORMAT, ACCEL_ERR_FORMAT,
                                 ACCEL_ERR_FORMAT, ACCEL_OK, ACCEL_ERR_NOT_FOUND, ACCEL_ERR_IO,
                                 ACCEL_OK, ACCEL_ERR_FORMAT, ACCEL_OK, ACCEL_ERR_FORMAT,
                                 ACCEL_OK, ACCEL_ERR_FORMAT, ACCEL_ERR_FORMAT, ACCEL_OK,
                                 ACCEL_OK};
    enum { N = sizeof paths / sizeof *paths };
    prepare_check(paths, want, N, N, 640, 640);
    prepare_check(paths, want, N, 1, 640, 640);
    prepare_check(paths, want, N, 1, 320, 480);
    /* a file too elongated for a 1×640 input (48×32 → 1×0) fails alone, named; a tall one
     * (64×200 → 1×3) is made */
    char tall[64];
    snprintf(tall, sizeof tall, "%s/tall.jpg", dir);
    px = pattern(64, 200, 3, 9);
    img_t tv = {px, 64, 200, 3, 64 * 3, 0};
    ASSERT_OK(accel__jpeg_encode(&tv, 90, &jpg, &len));
    free(px);
    f = fopen(tall, "wb");
    fwrite(jpg, 1, len, f);
    fclose(f);
    free(jpg);
    const char *thin[] = {BAD "good.jpg", tall};
    const accel_status thin_want[] = {ACCEL_ERR_INVALID_ARG, ACCEL_OK};
    prepare_check(thin, thin_want, 2, 1, 1, 640);
    prepare_check(thin, thin_want, 2, 2, 1, 640);
    /* the same where the blob and quality run on a device (PoCL here): decoded on the CPU,
     * computed there, the same results and failures */
    accel_option dev_opt[2] = {{"ACCEL_BACKEND", "opencl"}, {"ACCEL_STRICT", "1"}};
    accel_ctx *cpu_ctx = ctx, *dev_ctx = NULL;
    size_t di = 0;
    const accel_device_info *info = NULL;
    if (accel_ctx_create(&dev_ctx, dev_opt, 2, 0) == ACCEL_OK &&
        accel_select(dev_ctx, "scrfd_input", &di, NULL) == ACCEL_OK &&
        accel_device_get(dev_ctx, di, &info) == ACCEL_OK && info->kind == ACCEL_KIND_OPENCL) {
        ctx = dev_ctx;
        prepare_check(paths, want, N, N, 640, 640);
        prepare_check(paths, want, N, 1, 320, 480);
        prepare_check(thin, thin_want, 2, 2, 1, 640);
        ctx = cpu_ctx;
        printf("scrfd_prepare: bad files checked on %s too\n", info->name);
    } else {
        printf("scrfd_prepare: no OpenCL device here; the device route not checked\n");
    }
    accel_ctx_destroy(dev_ctx);
    /* the call's own arguments */
    float b[3];
    accel_quality q = {.struct_size = 8};
    ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, paths, 0, 640, 640, b, NULL, NULL, NULL, NULL,
                                      NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "empty batch");
    ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, paths, 1, 0, 640, b, NULL, NULL, NULL, NULL,
                                      NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, paths, 1, 640, 640, NULL, NULL, NULL, NULL, NULL,
                                      NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, paths, 1, 640, 640, b, NULL, NULL, &q, NULL,
                                      NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "struct_size");
    /* a quality element of another size fails its file alone, named */
    {
        accel_quality q2[2] = {{.struct_size = sizeof q2[0]}, {.struct_size = sizeof q2[0] - 8}};
        accel_image_decoded d2[2];
        accel_image_decoded_init(d2, 2);
        float *b2 = malloc((size_t)2 * 3 * 64 * 64 * sizeof *b2);
        const char *two[] = {BAD "good.jpg", BAD "good.png"};
        ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, two, 2, 64, 64, b2, NULL, NULL, q2, d2, NULL),
                      ACCEL_ERR_INVALID_ARG);
        ASSERT_CONTAINS(accel_last_error(ctx), "quality 1: struct_size");
        ASSERT_EQ_INT(d2[0].status, ACCEL_OK);
        ASSERT_EQ_INT(q2[0].status, ACCEL_OK);
        ASSERT_TRUE(q2[0].width == 48 && !isnan(q2[0].brightness));
        ASSERT_EQ_INT(d2[1].status, ACCEL_ERR_INVALID_ARG);
        ASSERT_CONTAINS(d2[1].message, "quality 1: struct_size");
        ASSERT_TRUE(d2[1].image.data == NULL);
        accel_image_decoded_free(d2, 2);
        free(b2);
    }
    accel_quality_params qp;
    accel_quality_params_init(&qp);
    qp.blur_good = -1;
    ASSERT_STATUS(accel_scrfd_prepare(ctx, NULL, paths, 1, 640, 640, b, NULL, &qp, NULL, NULL,
                                      NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "blur_good");
    /* no results wanted: the pixels are freed, the blob is still made */
    float *blob = malloc((size_t)3 * 640 * 640 * sizeof *blob);
    double ds = 0;
    ASSERT_OK(accel_scrfd_prepare(ctx, NULL, paths, 1, 640, 640, blob, &ds, NULL, NULL, NULL, NULL));
    ASSERT_TRUE(ds == 1.0 / 3.0);
    free(blob);
    remove(whole), remove(cut), remove(tall), remove(webp_cut), remove(turned);
    if (strncmp(png_whole, dir, strlen(dir)) == 0) remove(png_whole), remove(png_cut);
    rmdir(dir);
}

static void test_max_pixels(void)
{
    accel_ctx *c = NULL;
    accel_option opt = {"ACCEL_IMAGE_MAX_PIXELS", "1535"}; /* good.jpg has 48 × 32 = 1536 */
    ASSERT_OK(accel_ctx_create(&c, &opt, 1, ACCEL_CTX_NO_DISCOVERY));
    const char *paths[2] = {BAD "good.jpg", BAD "good.png"};
    accel_image_decoded out[2];
    accel_image_decoded_init(out, 2);
    ASSERT_STATUS(accel_image_decode(c, NULL, paths, 2, out, NULL), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(out[0].message, "48×32 = 1536 pixels, above ACCEL_IMAGE_MAX_PIXELS=1535");
    ASSERT_CONTAINS(out[1].message, "above ACCEL_IMAGE_MAX_PIXELS=1535");
    accel_image_decoded_free(out, 2);
    accel_ctx_destroy(c);
    opt.value = "1536";
    ASSERT_OK(accel_ctx_create(&c, &opt, 1, ACCEL_CTX_NO_DISCOVERY));
    accel_image_decoded_init(out, 2);
    ASSERT_OK(accel_image_decode(c, NULL, paths, 2, out, NULL));
    accel_image_decoded_free(out, 2);
    accel_ctx_destroy(c);
    /* bad values are refused when the context is made, naming the values allowed */
    static const char *const bad[] = {"0", "-3", "lots", "1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        opt.value = bad[i];
        c = NULL;
        ASSERT_STATUS(accel_ctx_create(&c, &opt, 1, ACCEL_CTX_NO_DISCOVERY), ACCEL_ERR_CONFIG);
        ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_IMAGE_MAX_PIXELS");
        ASSERT_CONTAINS(accel_last_error(NULL), "a whole number of pixels");
        accel_ctx_destroy(c);
    }
    const char *v = NULL, *src = NULL;
    ASSERT_OK(accel_config_get(ctx, "ACCEL_IMAGE_MAX_PIXELS", &v, &src));
    ASSERT_STR_EQ(v, "1073741824");
}

/* ---- decoding from memory, orders, scaling ---- */

static void test_decode_memory(void)
{
    FILE *f = fopen(BAD "good.jpg", "rb");
    uint8_t buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    ASSERT_TRUE(n > 100);
    const void *data[3] = {buf, buf, NULL};
    size_t sizes[3] = {n, n, 0};
    const char *names[3] = {"first", NULL, "third"};
    accel_image_decoded bgr[3], rgb[3];
    accel_image_decoded_init(bgr, 3);
    accel_image_decoded_init(rgb, 3);
    ASSERT_STATUS(accel_image_decode_memory(ctx, NULL, data, sizes, names, 3, bgr, NULL),
                  ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(bgr[2].message, "'third': empty file");
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    p.order = ACCEL_RGB;
    ASSERT_STATUS(accel_image_decode_memory(ctx, &p, data, sizes, NULL, 3, rgb, NULL), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(rgb[2].message, "'image 2': empty file");
    ASSERT_EQ_INT(rgb[0].image.order, ACCEL_RGB);
    int differ = 0;
    for (int i = 0; i < 48 * 32; i++) {
        const uint8_t *a = bgr[0].image.data + 3 * i, *b = rgb[0].image.data + 3 * i;
        differ += a[0] != b[2] || a[1] != b[1] || a[2] != b[0];
    }
    ASSERT_EQ_INT(differ, 0);
    /* DCT scaling from a minimum size: 48×32 at 1/2 is 24×16 ≥ 20×10, at 1/4 12×8 is not */
    p.order = ACCEL_BGR;
    p.min_width = 20, p.min_height = 10;
    accel_image_decoded_free(rgb, 3);
    accel_image_decoded_init(rgb, 3);
    accel_image_decode_memory(ctx, &p, data, sizes, NULL, 2, rgb, NULL);
    ASSERT_EQ_INT(rgb[0].scale_denom, 2);
    ASSERT_EQ_INT(rgb[0].image.width, 24);
    ASSERT_EQ_INT(rgb[0].stored_width, 48);
    p.scale_denom = 3;
    ASSERT_STATUS(accel_image_decode_memory(ctx, &p, data, sizes, NULL, 2, rgb, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "scale_denom 3 (allowed: 0, 1, 2, 4, 8)");
    accel_image_decoded_free(bgr, 3);
    accel_image_decoded_free(rgb, 3);
}

/* ---- empty batches and struct sizes ---- */

static void test_empty_and_struct_size(void)
{
    uint8_t px[12] = {0};
    accel_image a = img(px, 2, 2, 3), g = img(px, 2, 2, 1);
    accel_quality q = {.struct_size = sizeof q};
    float blob[12];
    ASSERT_STATUS(accel_image_gray(ctx, &a, &g, 0, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image_gray: empty batch");
    ASSERT_STATUS(accel_image_quality(ctx, NULL, &a, 0, &q, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image_quality: empty batch");
    ASSERT_STATUS(accel_scrfd_input(ctx, &a, 0, 640, 640, blob, NULL, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    const char *none[1] = {NULL};
    accel_image_decoded d[1];
    accel_image_decoded_init(d, 1);
    ASSERT_STATUS(accel_image_decode(ctx, NULL, none, 0, d, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image_decode: empty batch");
    /* a first element without struct_size: nothing can be read */
    accel_image z = a;
    z.struct_size = 0;
    ASSERT_STATUS(accel_image_gray(ctx, &z, &g, 1, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "struct_size 0");
    q.struct_size = 3;
    ASSERT_STATUS(accel_image_quality(ctx, NULL, &a, 1, &q, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "sizeof(accel_quality)");
    /* arrays are walked with the first element's struct_size: a larger element (a program
     * built against a newer header) works */
    struct big {
        accel_image im;
        char later_fields[40];
    } in2[2], out2[2];
    memset(in2, 0, sizeof in2), memset(out2, 0, sizeof out2);
    uint8_t px2[2][12] = {{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}, {0}};
    uint8_t gr[2][4];
    for (int i = 0; i < 2; i++) {
        in2[i].im = img(px2[i], 2, 2, 3);
        in2[i].im.struct_size = sizeof in2[i];
        out2[i].im = img(gr[i], 2, 2, 1);
        out2[i].im.struct_size = sizeof out2[i];
    }
    ASSERT_OK(accel_image_gray(ctx, &in2[0].im, &out2[0].im, 2, NULL, NULL));
    ASSERT_EQ_INT(gr[0][0], (10 * 3735 + 20 * 19235 + 30 * 9798 + 16384) >> 15);
    ASSERT_EQ_INT(gr[1][3], 0);
}

/* ---- bad images in a batch: the others complete ---- */

static void test_bad_images_in_batch(void)
{
    uint8_t *p0 = pattern(64, 48, 3, 1), *p2 = pattern(30, 20, 4, 2), *p3 = pattern(16, 16, 2, 3);
    uint8_t g[4][64 * 48];
    accel_image in[5] = {img(p0, 64, 48, 3), img(NULL, 10, 10, 3), img(p2, 30, 20, 4),
                         img(p3, 16, 16, 2), img(p0, 64, 48, 3)};
    in[4].stride = 100; /* shorter than a row of 192 bytes */
    accel_image out[5] = {img(g[0], 64, 48, 1), img(g[1], 10, 10, 1), img(g[2], 30, 20, 1),
                          img(g[3], 16, 16, 1), img(g[3], 64, 48, 1)};
    accel_status st[5];
    ASSERT_STATUS(accel_image_gray(ctx, in, out, 5, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image_gray: input image 1: data is NULL (3 of 5 images failed");
    ASSERT_OK(st[0]);
    ASSERT_STATUS(st[1], ACCEL_ERR_INVALID_ARG);
    ASSERT_OK(st[2]);
    ASSERT_STATUS(st[3], ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(st[4], ACCEL_ERR_INVALID_ARG);
    ASSERT_EQ_INT(g[0][0], (p0[0] * 3735 + p0[1] * 19235 + p0[2] * 9798 + 16384) >> 15);
    ASSERT_EQ_INT(g[2][1], (p2[4] * 3735 + p2[5] * 19235 + p2[6] * 9798 + 16384) >> 15);
    /* each failed image has its own message, not the first one's; the others none */
    ASSERT_STR_EQ(accel_image_item_error(0), "");
    ASSERT_STR_EQ(accel_image_item_error(1), "image_gray: input image 1: data is NULL");
    ASSERT_STR_EQ(accel_image_item_error(2), "");
    ASSERT_CONTAINS(accel_image_item_error(3), "image_gray: input image 3: 2 channels (allowed: 1, 3, 4)");
    ASSERT_CONTAINS(accel_image_item_error(4), "image_gray: input image 4: stride 100");
    ASSERT_STR_EQ(accel_image_item_error(5), "");
    printf("per-image messages: '%s' | '%s' | '%s'\n", accel_image_item_error(1),
           accel_image_item_error(3), accel_image_item_error(4));
    /* messages for the other kinds of bad description */
    accel_image bad_ch = img(p3, 16, 16, 2), o = img(g[3], 16, 16, 1);
    ASSERT_STATUS(accel_image_gray(ctx, &bad_ch, &o, 1, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "2 channels (allowed: 1, 3, 4)");
    accel_image mism = img(g[3], 15, 16, 1), ok = img(p3, 8, 16, 3);
    ASSERT_STATUS(accel_image_gray(ctx, &ok, &mism, 1, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "output is 15×16, input 8×16");
    accel_image zero = img(p3, 0, 16, 3);
    ASSERT_STATUS(accel_image_gray(ctx, &zero, &o, 1, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "size 0×16");
    /* an image too elongated for the SCRFD input */
    accel_image thin[2] = {img(p0, 64, 48, 3), img(p0, 3000, 1, 3)};
    float *blob = malloc(2 * 3 * 64 * 64 * sizeof *blob);
    double ds[3];
    ASSERT_STATUS(accel_scrfd_input(ctx, thin, 2, 64, 64, blob, ds, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image 1: 3000×1 is too elongated");
    ASSERT_OK(st[0]);
    ASSERT_NEAR(ds[0], 48.0 / 48.0, 0);
    /* two elongated images: each its own size in its message */
    accel_image thin2[3] = {img(p0, 1, 3000, 3), img(p0, 64, 48, 3), img(p0, 3000, 1, 3)};
    float *blob3 = malloc(3 * 3 * 64 * 64 * sizeof *blob3);
    ASSERT_STATUS(accel_scrfd_input(ctx, thin2, 3, 64, 64, blob3, ds, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_image_item_error(0), "scrfd_input: image 0: 1×3000 is too elongated");
    ASSERT_STR_EQ(accel_image_item_error(1), "");
    ASSERT_CONTAINS(accel_image_item_error(2), "scrfd_input: image 2: 3000×1 is too elongated");
    /* the next call's success leaves none of them */
    ASSERT_OK(accel_scrfd_input(ctx, thin2 + 1, 1, 64, 64, blob3, ds, st, NULL));
    ASSERT_STR_EQ(accel_image_item_error(0), "");
    ASSERT_STR_EQ(accel_image_item_error(2), "");
    /* nor does a call refused before it looks at its images */
    ASSERT_STATUS(accel_scrfd_input(ctx, thin2, 3, 64, 64, blob3, ds, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(accel_scrfd_input(NULL, thin2, 3, 64, 64, blob3, ds, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_STR_EQ(accel_image_item_error(0), "");
    free(blob3);
    free(blob);
    free(p0), free(p2), free(p3);
}

/* ---- landmarks ---- */

static void test_bad_landmarks(void)
{
    uint8_t *p = pattern(200, 160, 3, 4);
    static const float good[10] = {80, 70, 120, 70, 100, 90, 85, 110, 115, 110};
    static const float collinear[10] = {10, 10, 20, 20, 30, 30, 40, 40, 50, 50};
    static const float same[10] = {50, 60, 50, 60, 50, 60, 50, 60, 50, 60};
    float nan_l[10], outside[10];
    memcpy(nan_l, good, sizeof nan_l);
    nan_l[3] = NAN;
    for (int k = 0; k < 10; k++) outside[k] = good[k] + (k % 2 ? 500 : 0);
    float lm[6 * 10];
    memcpy(lm, good, sizeof good);
    memcpy(lm + 10, collinear, sizeof collinear);
    memcpy(lm + 20, same, sizeof same);
    memcpy(lm + 30, nan_l, sizeof nan_l);
    memcpy(lm + 40, outside, sizeof outside);
    memcpy(lm + 50, good, sizeof good);
    accel_image in[6], crops[6];
    uint8_t c[6][112 * 112 * 3];
    for (int i = 0; i < 6; i++) in[i] = img(p, 200, 160, 3), crops[i] = img(c[i], 112, 112, 3);
    crops[5] = img(c[5], 100, 100, 3); /* wrong crop size */
    accel_status st[6];
    float *blob = malloc(6 * 3 * 112 * 112 * sizeof *blob);
    ASSERT_STATUS(accel_arcface_align(ctx, in, lm, 6, 112, crops, blob, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_OK(st[0]);
    for (int i = 1; i < 6; i++) ASSERT_STATUS(st[i], ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "face 1: the five landmarks are collinear");
    ASSERT_CONTAINS(accel_last_error(ctx), "5 of 6 images failed");
    double M[6];
    ASSERT_STATUS(accel_arcface_matrix(same, 112, M), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "coincide");
    ASSERT_STATUS(accel_arcface_matrix(nan_l, 112, M), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "landmark 1 (y) is not a finite number");
    ASSERT_STATUS(accel_arcface_matrix(good, 100, M), ACCEL_ERR_INVALID_ARG);
    /* the size's fault, named as the size (it was reported as "landmarks: crop size 100") */
    ASSERT_STR_EQ(accel_last_error(NULL), "size: 100 (allowed: a multiple of 112 or of 128)");
    ASSERT_STATUS(accel_arcface_align(ctx, in + 4, outside, 1, 112, crops, NULL, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "outside the 200×160 image");
    ASSERT_STATUS(accel_arcface_align(ctx, in + 5, good, 1, 112, crops + 5, NULL, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "crop is 100×100×3; it must be 112×112×3");
    /* the good face maps its eyes near ArcFace's points */
    ASSERT_OK(accel_arcface_matrix(good, 112, M));
    ASSERT_NEAR(M[0] * good[0] + M[1] * good[1] + M[2], 38.3, 3);
    free(blob);
    free(p);
}

/* ---- SCRFD outputs ---- */

static void test_bad_scrfd_outputs(void)
{
    const size_t K[3] = {80 * 80 * 2, 40 * 40 * 2, 20 * 20 * 2};
    float *buf = calloc((K[0] + K[1] + K[2]) * 15, sizeof *buf);
    accel_scrfd_outputs o[3];
    accel_faces f[3];
    memset(o, 0, sizeof o);
    float *p = buf;
    for (int s = 0; s < 3; s++) {
        o[0].scores[s] = p, p += K[s];
        o[0].bboxes[s] = p, p += 4 * K[s];
        o[0].kps[s] = p, p += 10 * K[s];
    }
    ((float *)o[0].scores[1])[7] = 0.9f; /* one face */
    o[0].struct_size = sizeof o[0];
    o[0].det_scale = 0.5;
    o[1] = o[0];
    o[1].bboxes[2] = NULL;
    o[2] = o[0];
    o[2].det_scale = 0;
    for (int i = 0; i < 3; i++) f[i].struct_size = sizeof f[i];
    ASSERT_STATUS(accel_scrfd_output(ctx, NULL, o, 3, f, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "image 1: stride 32 has NULL scores or boxes");
    ASSERT_OK(f[0].status);
    ASSERT_EQ_INT(f[0].n_faces, 1);
    ASSERT_STATUS(f[1].status, ACCEL_ERR_INVALID_ARG);
    ASSERT_STATUS(f[2].status, ACCEL_ERR_INVALID_ARG);
    /* the face: anchor 7 of stride 16 is the 4th location of row 0 → centre (48, 0) */
    if (f[0].n_faces == 1) {
        ASSERT_NEAR(f[0].faces[0].x1, 48 / 0.5, 0);
        ASSERT_NEAR(f[0].faces[0].score, 0.9f, 0);
    }
    accel_faces_free(f, 3);
    accel_scrfd_params sp;
    accel_scrfd_params_init(&sp);
    sp.n_strides = 7;
    ASSERT_STATUS(accel_scrfd_output(ctx, &sp, o, 1, f, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "n_strides 7 (allowed: 1 … 5)");
    free(buf);
}

/* ---- orders, strides, batch splitting, the record ---- */

static void test_order_stride_split(void)
{
    /* a BGR image with a padded stride, its RGB copy: the same gray, the same quality */
    const int w = 37, h = 29;
    uint8_t *bgr = pattern(w + 3, h, 3, 5), *rgb = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) rgb[(y * w + x) * 3 + k] = bgr[y * (w + 3) * 3 + x * 3 + 2 - k];
    accel_image in[2] = {img(bgr, w, h, 3), img(rgb, w, h, 3)};
    in[0].stride = (size_t)(w + 3) * 3;
    in[1].order = ACCEL_RGB;
    uint8_t g[2][37 * 29];
    accel_image out[2] = {img(g[0], w, h, 1), img(g[1], w, h, 1)};
    ASSERT_OK(accel_image_gray(ctx, in, out, 2, NULL, NULL));
    ASSERT_EQ_INT(memcmp(g[0], g[1], sizeof g[0]), 0);
    accel_quality q[2] = {{.struct_size = sizeof q[0]}, {.struct_size = sizeof q[1]}};
    ASSERT_OK(accel_image_quality(ctx, NULL, in, 2, q, NULL));
    ASSERT_EQ_INT(memcmp(&q[0].blur_laplacian_var, &q[1].blur_laplacian_var, 5 * sizeof(double)), 0);
    ASSERT_TRUE(q[0].overall >= 0 && q[0].overall <= 1);
    /* ACCEL_BATCH_SIZE=1 splits the call image by image: the same results */
    accel_ctx *c1 = NULL;
    accel_option opt = {"ACCEL_BATCH_SIZE", "1"};
    ASSERT_OK(accel_ctx_create(&c1, &opt, 1, 0));
    accel_quality q1[2] = {{.struct_size = sizeof q1[0]}, {.struct_size = sizeof q1[1]}};
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_image_quality(c1, NULL, in, 2, q1, &rec));
    ASSERT_EQ_INT(memcmp(&q[0].blur_laplacian_var, &q1[0].blur_laplacian_var, 5 * sizeof(double)), 0);
    /* it ran on the CPU; a GPU present has no image kernels yet: recorded as unsupported_op */
    size_t nd = 0;
    accel_device_count(c1, &nd);
    const accel_device_info *cpu = NULL;
    accel_device_get(c1, nd - 1, &cpu);
    ASSERT_EQ_INT(rec.device_used, cpu->index);
    ASSERT_TRUE(rec.reason == ACCEL_FALLBACK_NONE || rec.reason == ACCEL_FALLBACK_UNSUPPORTED_OP);
    if (rec.n_fallbacks) ASSERT_CONTAINS(rec.message, "has no kernels for image_quality");
    printf("image_quality record: planned %d, used %d, %d fallbacks (%s): %s\n", rec.device_planned,
           rec.device_used, rec.n_fallbacks, accel_fallback_reason_name(rec.reason), rec.message);
    accel_ctx_destroy(c1);
    /* the per-operation switch is a known key */
    opt.key = "ACCEL_IMAGE_QUALITY_GPU", opt.value = "0";
    ASSERT_OK(accel_ctx_create(&c1, &opt, 1, ACCEL_CTX_NO_DISCOVERY));
    accel_ctx_destroy(c1);
    free(bgr), free(rgb);
}

/* ---- enhance and free functions ---- */

static void test_enhance_outputs(void)
{
    uint8_t *p = pattern(100, 50, 3, 6);
    accel_image in[2] = {img(p, 100, 50, 3), img(NULL, 5, 5, 3)};
    accel_image out[2] = {img(NULL, 0, 0, 0), img(NULL, 0, 0, 0)};
    double scale[2];
    accel_status st[2];
    ASSERT_STATUS(accel_image_enhance(ctx, NULL, in, 2, out, scale, st, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_OK(st[0]);
    ASSERT_EQ_INT(out[0].width, 1280);
    ASSERT_EQ_INT(out[0].height, 640);
    ASSERT_NEAR(scale[0], 12.8, 1e-12);
    ASSERT_TRUE(out[1].data == NULL);
    ASSERT_NEAR(scale[1], 0, 0);
    accel_image_free(out, 2);
    ASSERT_TRUE(out[0].data == NULL);
    accel_image_free(NULL, 3);
    accel_faces_free(NULL, 3);
    accel_image_decoded_free(NULL, 3);
    accel_enhance_params ep;
    accel_enhance_params_init(&ep);
    ep.tiles_x = 0;
    ASSERT_STATUS(accel_image_enhance(ctx, &ep, in, 1, out, NULL, NULL, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "CLAHE grid 0×8");
    accel_quality_params qp;
    accel_quality_params_init(&qp);
    qp.brightness_low = 200;
    accel_quality q = {.struct_size = sizeof q};
    ASSERT_STATUS(accel_image_quality(ctx, &qp, in, 1, &q, NULL), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(ctx), "brightness range [200, 180]");
    accel_blob_params bp;
    ASSERT_STATUS(accel_blob_params_preset("yolo", &bp), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "allowed: scrfd, arcface");
    free(p);
}

/* ---- the decoder libraries' loader ---- */

static void test_missing_library(void)
{
    /* the loader every decoder uses, given a library that is not there */
    static const char *const sonames[] = {"libaccel-no-such-codec.so.0"};
    static const char *const symbols[] = {"tjInitDecompress"};
    static void *slots[1];
    static audio_lazy_lib lib = {.what = "libjpeg-turbo (TurboJPEG)", .sonames = sonames,
                                 .n_sonames = 1, .symbols = symbols, .slots = slots, .n_symbols = 1,
                                 .install = "libturbojpeg0", .once = PTHREAD_ONCE_INIT};
    ASSERT_STATUS(accel__audio_lazy_load(&lib, "photo.jpg"), ACCEL_ERR_UNAVAILABLE);
    ASSERT_CONTAINS(accel_last_error(NULL), "'photo.jpg': libjpeg-turbo (TurboJPEG) is not available");
    ASSERT_CONTAINS(accel_last_error(NULL), "install libturbojpeg0");
}

/* The pixels where libjpeg.so.62 is missing come from TurboJPEG (decode_jpeg.c): the same
 * pixels and verdicts on intact, warned and truncated files (they part only on the damaged
 * files of test_decode_bad_files, on purpose). */
static void test_turbojpeg_fallback(void)
{
    static const char *const files[] = {BAD "good.jpg", BAD "corrupt_scan.jpg",
                                        BAD "truncated_scan.jpg"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        uint8_t *b = NULL;
        size_t n = 0;
        ASSERT_OK(accel__img_read_file(files[i], &b, &n));
        accel_image_decode_params p;
        accel_image_decode_params_init(&p);
        accel_image_decoded d;
        accel_image_decoded_init(&d, 1);
        accel_status a = accel__img_decode_buffer(files[i], b, n, &p, 1 << 20, &d);
        img_header hd;
        ASSERT_OK(accel__jpeg_header(files[i], b, n, &hd));
        img_t t = {accel__img_alloc((size_t)hd.w * hd.h * 3), hd.w, hd.h, 3, (size_t)hd.w * 3, 0};
        char warn[256] = "";
        accel_status tb = accel__jpeg_decode(files[i], b, n, 1, &t, warn, sizeof warn);
        ASSERT_EQ_INT(a, tb);
        if (a == ACCEL_OK) {
            ASSERT_TRUE(!strcmp(warn, d.message));
            for (int y = 0; y < hd.h; y++)
                ASSERT_TRUE(!memcmp(d.image.data + (size_t)y * d.image.stride, t.p + (size_t)y * t.stride,
                                    (size_t)hd.w * 3));
        }
        printf("TurboJPEG fallback %-20s %s %s\n", strrchr(files[i], '/') + 1, accel_status_name(tb), warn);
        free(t.p), free(b);
        accel_image_decoded_free(&d, 1);
    }
    /* decode.c's route through TurboJPEG (libjpeg's API turned off), against libjpeg's: the
     * same pixels for an upright JPEG and for one turned by EXIF orientation 2 to 8 (which
     * libjpeg's route turns as its rows come, TurboJPEG's afterwards), and a reader of rows
     * told once, at the end */
    uint8_t *b = NULL;
    size_t n = 0;
    ASSERT_OK(accel__img_read_file(BAD "good.jpg", &b, &n));
    for (int o = 1; o <= 8; o++) {
        size_t en = 0;
        uint8_t *e = with_orientation(b, n, o, &en);
        accel_image_decode_params p;
        accel_image_decode_params_init(&p);
        accel_image_decoded lib, turbo;
        accel_image_decoded_init(&lib, 1);
        accel_image_decoded_init(&turbo, 1);
        ASSERT_OK(accel__img_decode_buffer("exif.jpg", e, en, &p, 1 << 20, &lib));
        accel__jpeg_rows_off = 1;
        rows_seen s = {0, 0, 0};
        img_row_sink sink = {seen_rows, seen_drop, &s};
        ASSERT_OK(accel__img_decode_buffer_rows("exif.jpg", e, en, &p, 1 << 20, &turbo, &sink));
        accel__jpeg_rows_off = 0;
        ASSERT_EQ_INT(lib.orientation, o);
        ASSERT_EQ_INT(lib.image.width, o >= 5 ? 32 : 48);
        ASSERT_TRUE(turbo.image.width == lib.image.width && turbo.image.height == lib.image.height);
        ASSERT_TRUE(s.calls == 1 && s.rows == lib.image.height && !s.dropped);
        for (int y = 0; y < lib.image.height; y++)
            if (memcmp(lib.image.data + (size_t)y * lib.image.stride,
                       turbo.image.data + (size_t)y * turbo.image.stride, (size_t)lib.image.width * 3))
                TEST_FAIL_("orientation %d: row %d differs between libjpeg's route and TurboJPEG's", o, y);
        accel_image_decoded_free(&lib, 1);
        accel_image_decoded_free(&turbo, 1);
        /* cut inside its image data: an error on both routes, nothing handed on */
        accel_image_decoded_init(&lib, 1);
        accel_image_decoded_init(&turbo, 1);
        ASSERT_STATUS(accel__img_decode_buffer("cut.jpg", e, en * 9 / 10, &p, 1 << 20, &lib),
                      ACCEL_ERR_FORMAT);
        accel__jpeg_rows_off = 1;
        ASSERT_STATUS(accel__img_decode_buffer("cut.jpg", e, en * 9 / 10, &p, 1 << 20, &turbo),
                      ACCEL_ERR_FORMAT);
        accel__jpeg_rows_off = 0;
        ASSERT_TRUE(lib.image.data == NULL && turbo.image.data == NULL);
        accel__clear_error();
        free(e);
    }
    free(b);
}

/* Stray bytes before a header marker (a table, the scan) are a libjpeg warning: cv2.imread
 * decodes such a file as if they were not there, and so does accel, on both routes, keeping
 * the warning in the message. */
static void test_stray_bytes_before_marker(void)
{
    uint8_t *b = NULL;
    size_t n = 0;
    ASSERT_OK(accel__img_read_file(BAD "good.jpg", &b, &n));
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    accel_image_decoded ref;
    accel_image_decoded_init(&ref, 1);
    ASSERT_OK(accel__img_decode_buffer("good.jpg", b, n, &p, 1 << 20, &ref));
    static const uint8_t markers[3] = {0xDB, 0xC4, 0xDA}; /* DQT, DHT, SOS */
    for (int m = 0; m < 3; m++) {
        size_t at = 2;
        while (at + 1 < n && !(b[at] == 0xFF && b[at + 1] == markers[m])) at++;
        ASSERT_TRUE(at + 1 < n);
        uint8_t *e = malloc(n + 3);
        memcpy(e, b, at);
        memset(e + at, 0, 3);
        memcpy(e + at + 3, b + at, n - at);
        for (int turbo = 0; turbo < 2; turbo++) {
            accel_image_decoded d;
            accel_image_decoded_init(&d, 1);
            accel__jpeg_rows_off = turbo;
            accel_status st = accel__img_decode_buffer("stray.jpg", e, n + 3, &p, 1 << 20, &d);
            accel__jpeg_rows_off = 0;
            if (st != ACCEL_OK)
                TEST_FAIL_("3 bytes before marker 0x%02X (%s): %s", markers[m],
                           turbo ? "TurboJPEG" : "libjpeg", accel_last_error(NULL));
            ASSERT_CONTAINS(d.message, "extraneous bytes before marker");
            ASSERT_TRUE(d.image.width == ref.image.width && d.image.height == ref.image.height);
            for (int y = 0; st == ACCEL_OK && y < d.image.height; y++)
                if (memcmp(d.image.data + (size_t)y * d.image.stride,
                           ref.image.data + (size_t)y * ref.image.stride, (size_t)d.image.width * 3))
                    TEST_FAIL_("3 bytes before marker 0x%02X (%s): row %d differs from the intact "
                               "file's", markers[m], turbo ? "TurboJPEG" : "libjpeg", y);
            printf("stray bytes before 0x%02X (%s): %s, '%s'\n", markers[m],
                   turbo ? "TurboJPEG" : "libjpeg", accel_status_name(st), d.message);
            accel_image_decoded_free(&d, 1);
        }
        free(e);
    }
    accel_image_decoded_free(&ref, 1);
    free(b);
}

/* ---- the EXIF parser on mutated data (a fuzz test in miniature) ---- */

static void test_exif_mutations(void)
{
    /* II, 42, IFD0 at 8: XResolution (rational at 38), Orientation 6 */
    uint8_t base[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0,
                      0x1A, 0x01, 5, 0, 1, 0, 0, 0, 38, 0, 0, 0,
                      0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,
                      0, 0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0};
    ASSERT_EQ_INT(accel__exif_orientation(base, sizeof base), 6);
    /* every prefix: never reads past the end (ASan builds check it), never crashes */
    int seen = 0;
    for (size_t n = 0; n <= sizeof base; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, base, n);
        int o = accel__exif_orientation(cut, n);
        seen |= o == 6;
        if (n < 34) ASSERT_EQ_INT(o, 0);
        free(cut);
    }
    ASSERT_TRUE(seen);
    /* random byte changes */
    uint32_t s = 12345;
    for (int it = 0; it < 200000; it++) {
        uint8_t m[sizeof base];
        memcpy(m, base, sizeof m);
        int k = 1 + (int)((s = s * 1664525u + 1013904223u) >> 29);
        for (int j = 0; j < k; j++) {
            s = s * 1664525u + 1013904223u;
            m[(s >> 8) % sizeof m] = (uint8_t)(s >> 24);
        }
        size_t n = (s >> 3) % (sizeof m + 1);
        uint8_t *heap = malloc(n ? n : 1);
        memcpy(heap, m, n);
        (void)accel__exif_orientation(heap, n);
        size_t len = 0;
        (void)accel__jpeg_first_app1(heap, n, &len);
        ASSERT_TRUE(len <= n);
        free(heap);
    }
    /* the JPEG marker walk: the first APP1, not a later one */
    uint8_t jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xE1, 0, 5, 'a', 'b', 'c',
                      0xFF, 0xE1, 0, 3, 'z', 0xFF, 0xDA, 0, 2};
    size_t len = 0;
    const uint8_t *app1 = accel__jpeg_first_app1(jpeg, sizeof jpeg, &len);
    ASSERT_TRUE(app1 == jpeg + 12);
    ASSERT_EQ_INT(len, 3);
}

int main(void)
{
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    if (!ctx) TEST_DONE();
    test_decode_bad_files();
    test_decode_call_fails();
    test_not_regular_files();
    test_rows_reported();
    test_prepare_bad_files();
    test_max_pixels();
    test_decode_memory();
    test_empty_and_struct_size();
    test_bad_images_in_batch();
    test_bad_landmarks();
    test_bad_scrfd_outputs();
    test_order_stride_split();
    test_enhance_outputs();
    test_missing_library();
    test_turbojpeg_fallback();
    test_stray_bytes_before_marker();
    test_exif_mutations();
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
