/* fuzz_jpeg_rows — JPEG decoding through libjpeg's API (decode_jpeg_rows.c: what
 * accel_image_decode and, row by row, accel_scrfd_prepare read), whatever the bytes:
 *   - decoded whole and by rows, the status, the message and every pixel are the same; the
 *     rows reported grow, never pass the image's height, end at it on success, and a failure
 *     after rows were reported is announced (drop) before the pixels go;
 *   - against TurboJPEG's tjDecompress2 of the same bytes (decode_jpeg.c, the fallback): when
 *     either decodes the image cleanly (no warning, no error), so does the other, to the same
 *     pixels. (Where libjpeg complains they may differ on purpose: TurboJPEG calls an error
 *     that follows a warning a warning, and an error after the last row a failure; accel
 *     follows cv2.imread, docs/image.md.)
 *   - decoded with its EXIF orientation (turned as its rows come), the upright image turned
 *     afterwards (accel__img_orient): the same verdict and pixels.
 * Pixels are capped at 2^22, so that a header claiming a huge image is refused quickly, as
 * ACCEL_IMAGE_MAX_PIXELS refuses it.
 *
 * Seeds: the JPEG files of tests/data/image (good, truncated, corrupt scan, huge header) and
 * small ones of every kind (scripts/fuzz_seeds.sh).
 * fuzz.sh flags: -max_len=65536 */
#include <string.h>

#include "fuzz_image.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* TurboJPEG's whole-image decode of the bytes (the header's size, BGR); 1 when it decoded them
 * with neither warning nor error. */
static int turbo_clean(const uint8_t *data, size_t size, img_t *im)
{
    img_header hd;
    if (accel__jpeg_header("fuzz", data, size, &hd) != ACCEL_OK) return 0;
    if (hd.w <= 0 || hd.h <= 0 || (long long)hd.w * hd.h > (1 << 22)) return 0;
    im->w = hd.w, im->h = hd.h, im->c = 3, im->rgb = 0;
    im->stride = (size_t)hd.w * 3;
    im->p = accel__img_alloc(im->stride * (size_t)hd.h);
    if (!im->p) return 0;
    char warn[256];
    return accel__jpeg_decode("fuzz", data, size, 1, im, warn, sizeof warn) == ACCEL_OK && !warn[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (accel__img_sniff(data, size) != IMG_FMT_JPEG) return 0;
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    p.ignore_orientation = 1;
    accel_image_decoded whole, rows;
    accel_image_decoded_init(&whole, 1);
    accel_image_decoded_init(&rows, 1);
    accel_status a = accel__img_decode_buffer("fuzz", data, size, &p, 1 << 22, &whole);
    accel__clear_error();
    fuzz_rows_seen s = {0, 0, 0, 0, NULL};
    img_row_sink sink = {fuzz_on_rows, fuzz_on_drop, &s};
    accel_status b = accel__img_decode_buffer_rows("fuzz", data, size, &p, 1 << 22, &rows, &sink);
    accel__clear_error();
    FUZZ_CHECK(a == b && !strcmp(whole.message, rows.message));
    img_t t = {0};
    int clean = turbo_clean(data, size, &t);
    accel__clear_error();
    if (b == ACCEL_OK) {
        FUZZ_CHECK(s.calls > 0 && s.rows == rows.image.height && !s.dropped);
        FUZZ_CHECK(fuzz_same_pixels(&rows.image, whole.image.data, whole.image.stride,
                                    whole.image.width, whole.image.height));
        if (clean || !rows.message[0])
            FUZZ_CHECK(clean && !rows.message[0] &&
                       fuzz_same_pixels(&rows.image, t.p, t.stride, t.w, t.h));
    } else {
        FUZZ_CHECK(rows.image.data == NULL && whole.image.data == NULL);
        FUZZ_CHECK(s.calls == 0 || s.dropped);
        FUZZ_CHECK(!clean);
    }
    fuzz_check_turned(data, size, b, &whole.image);
    free(t.p);
    accel_image_decoded_free(&whole, 1);
    accel_image_decoded_free(&rows, 1);
    return 0;
}
