/* fuzz_exif — the image family's own parsing of what a photograph carries
 * (src/ops/image/exif.c): the JPEG marker walk to the first APP1 segment, and the EXIF
 * orientation reader, fed the way the decoders feed it — the APP1 payload after its 6-byte
 * "Exif\0\0" of a JPEG (decode_jpeg.c), and a PNG's eXIf chunk, which is the TIFF data itself
 * (decode_png.c). Whatever the bytes: a segment found lies within them, an orientation is a
 * 16-bit value, and the image transform takes any orientation the reader gives.
 *
 * Seeds: the JPEG files of tests/data/image and those a test run generated (EXIF orientations
 * 1 to 8 in both byte orders, OpenCV's quirks), and the TIFF data inside them.
 * fuzz.sh flags: -max_len=8192 */
#include "fuzz.h"
#include "ops/image/image_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

static void orient_pixels(int orientation)
{
    /* a 3 × 2 image, each pixel different: every transform must keep its pixels */
    uint8_t px[2 * 3 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)i;
    img_t src = {px, 3, 2, 3, 9, 0}, dst = {0};
    if (accel__img_orient(&src, orientation, &dst) != ACCEL_OK) {
        accel__clear_error();
        return;
    }
    FUZZ_CHECK(dst.p != NULL && dst.c == 3);
    FUZZ_CHECK((dst.w == 3 && dst.h == 2) || (dst.w == 2 && dst.h == 3));
    unsigned sum = 0;
    for (int y = 0; y < dst.h; y++)
        for (int x = 0; x < dst.w * 3; x++) sum += dst.p[(size_t)y * dst.stride + (size_t)x];
    FUZZ_CHECK(sum == 17u * 18u / 2u); /* the same 18 bytes, rearranged */
    if (dst.p != src.p) free(dst.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* as a JPEG stream */
    size_t len = 0;
    const uint8_t *app1 = accel__jpeg_first_app1(data, size, &len);
    if (app1) {
        FUZZ_CHECK(app1 > data && app1 <= data + size);
        FUZZ_CHECK(len <= (size_t)(data + size - app1));
        if (len > 6) {
            int o = accel__exif_orientation(app1 + 6, len - 6);
            FUZZ_CHECK(o >= 0 && o <= 0xFFFF);
            orient_pixels(o);
        }
    } else {
        FUZZ_CHECK(len == 0);
    }
    /* as a PNG's eXIf chunk: the TIFF data from its first byte */
    int o = accel__exif_orientation(data, size);
    FUZZ_CHECK(o >= 0 && o <= 0xFFFF);
    return 0;
}
