/* fuzz_png_webp_rows — PNG and WebP decoding as accel drives libspng and libwebp (decode.c,
 * decode_png.c, decode_webp.c: what accel_image_decode and, row by row, accel_scrfd_prepare
 * read), whatever the bytes:
 *   - decoded whole and by rows, the status, the error text, the message and every pixel are
 *     the same; the rows reported grow, never pass the image's height, end at it on success,
 *     and a failure after rows were reported is announced (drop) before the pixels go;
 *   - against the libraries' one-call decoders, which OpenCV 4.6 calls (spng_decode_image
 *     without SPNG_DECODE_PROGRESSIVE, as accel called it before; WebPDecodeBGRInto), on the
 *     files whose header accel accepts (a WebP's read from its first 32 bytes, as OpenCV
 *     reads it): each decodes the bytes exactly when accel does, to the same pixels. The
 *     regression input raw-vp8-header-past-32-bytes.webp is one WebPDecodeBGRInto decodes
 *     whole and cv2.imread refuses on its first 32 bytes. accel decodes row by row
 *     (libspng) and in pieces (libwebp's incremental decoder) so that a reader can start on
 *     the top of the image; this is the check that neither changes a pixel or a verdict.
 *   - decoded with its EXIF orientation (a PNG's eXIf chunk; turned as its rows come), the
 *     upright image turned afterwards (accel__img_orient): the same verdict and pixels.
 * Pixels are capped at 2^22, so that a header claiming a huge image is refused quickly, as
 * ACCEL_IMAGE_MAX_PIXELS refuses it.
 *
 * Seeds: the PNG and WebP files of tests/data/image and small ones of every colour type, bit
 * depth, interlacing, lossy and lossless, with alpha (scripts/fuzz_seeds.sh).
 * fuzz.sh flags: -max_len=65536 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_image.h"

/* The one-call decoders, opened as accel opens the libraries (by their sonames). */
typedef struct spng_ctx spng_ctx;
static spng_ctx *(*png_new)(int);
static void (*png_free)(spng_ctx *);
static int (*png_limits)(spng_ctx *, uint32_t, uint32_t);
static int (*png_chunk_limits)(spng_ctx *, size_t, size_t);
static int (*png_buffer)(spng_ctx *, const void *, size_t);
static int (*png_size)(spng_ctx *, int, size_t *);
static int (*png_decode)(spng_ctx *, void *, size_t, int, int);
static uint8_t *(*webp_bgr_into)(const uint8_t *, size_t, uint8_t *, size_t, int);
enum { SPNG_FMT_RGB8_ = 4 }; /* spng.h: SPNG_FMT_RGB8 */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    void *sp = dlopen("libspng.so.0", RTLD_NOW), *wp = dlopen("libwebp.so.7", RTLD_NOW);
    if (sp) {
        *(void **)&png_new = dlsym(sp, "spng_ctx_new");
        *(void **)&png_free = dlsym(sp, "spng_ctx_free");
        *(void **)&png_limits = dlsym(sp, "spng_set_image_limits");
        *(void **)&png_chunk_limits = dlsym(sp, "spng_set_chunk_limits");
        *(void **)&png_buffer = dlsym(sp, "spng_set_png_buffer");
        *(void **)&png_size = dlsym(sp, "spng_decoded_image_size");
        *(void **)&png_decode = dlsym(sp, "spng_decode_image");
    }
    if (wp) *(void **)&webp_bgr_into = dlsym(wp, "WebPDecodeBGRInto");
    return 0;
}

/* The library's one-call decode of an image of the header's size, BGR, into *px (malloc'd);
 * 1 when it decoded, 0 when it failed, -1 when it was not run (library missing, no header,
 * too large). */
static int one_call(img_format fmt, const uint8_t *data, size_t size, uint8_t **px, int *w, int *h)
{
    img_header hd;
    *px = NULL;
    if (fmt == IMG_FMT_PNG ? !png_decode || accel__png_header("fuzz", data, size, &hd) != ACCEL_OK
                           : !webp_bgr_into || accel__webp_header("fuzz", data, size, &hd) != ACCEL_OK)
        return -1;
    if (hd.w <= 0 || hd.h <= 0 || (long long)hd.w * hd.h > (1 << 22)) return -1;
    *w = hd.w, *h = hd.h;
    const size_t len = (size_t)hd.w * (size_t)hd.h * 3;
    if (!(*px = malloc(len))) return -1;
    if (fmt == IMG_FMT_WEBP) return webp_bgr_into(data, size, *px, len, hd.w * 3) == *px;
    spng_ctx *c = png_new(0);
    if (!c) return -1;
    png_limits(c, 0x7fffffffu, 0x7fffffffu);
    png_chunk_limits(c, (size_t)64 << 20, (size_t)64 << 20);
    size_t need = 0;
    int ok = png_buffer(c, data, size) == 0 && png_size(c, SPNG_FMT_RGB8_, &need) == 0 &&
             need == len && png_decode(c, *px, len, SPNG_FMT_RGB8_, 0) == 0;
    png_free(c);
    for (size_t k = 0; ok && k < len; k += 3) {
        uint8_t t = (*px)[k];
        (*px)[k] = (*px)[k + 2];
        (*px)[k + 2] = t;
    }
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const img_format fmt = accel__img_sniff(data, size);
    if (fmt != IMG_FMT_PNG && fmt != IMG_FMT_WEBP) return 0;
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    p.ignore_orientation = 1;
    accel_image_decoded whole, rows;
    accel_image_decoded_init(&whole, 1);
    accel_image_decoded_init(&rows, 1);
    static char err_whole[1024];
    accel_status a = accel__img_decode_buffer("fuzz", data, size, &p, 1 << 22, &whole);
    accel__strlcpy(err_whole, a == ACCEL_OK ? "" : accel__last_error_text(), sizeof err_whole);
    accel__clear_error();
    fuzz_rows_seen s = {0, 0, 0, 0, NULL};
    img_row_sink sink = {fuzz_on_rows, fuzz_on_drop, &s};
    accel_status b = accel__img_decode_buffer_rows("fuzz", data, size, &p, 1 << 22, &rows, &sink);
    FUZZ_CHECK(a == b && !strcmp(whole.message, rows.message));
    FUZZ_CHECK(b == ACCEL_OK || !strcmp(err_whole, accel__last_error_text()));
    accel__clear_error();
    uint8_t *ref = NULL;
    int w = 0, h = 0;
    const int lib = one_call(fmt, data, size, &ref, &w, &h);
    accel__clear_error();
    if (b == ACCEL_OK) {
        FUZZ_CHECK(s.calls > 0 && s.rows == rows.image.height && !s.dropped);
        FUZZ_CHECK(fuzz_same_pixels(&rows.image, whole.image.data, whole.image.stride,
                                    whole.image.width, whole.image.height));
        if (lib >= 0) FUZZ_CHECK(lib == 1 && fuzz_same_pixels(&rows.image, ref, (size_t)w * 3, w, h));
    } else {
        FUZZ_CHECK(rows.image.data == NULL && whole.image.data == NULL);
        FUZZ_CHECK(s.calls == 0 || s.dropped);
        FUZZ_CHECK(lib != 1);
    }
    fuzz_check_turned(data, size, b, &whole.image);
    free(ref);
    accel_image_decoded_free(&whole, 1);
    accel_image_decoded_free(&rows, 1);
    return 0;
}
