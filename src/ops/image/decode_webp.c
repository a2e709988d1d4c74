/* decode_webp.c — WebP through libwebp's simple decoding API, opened with dlopen on first use.
 *
 * OpenCV 4.6 decodes WebP with WebPDecodeBGRInto (WebPDecodeBGRAInto for images with alpha,
 * then drops the alpha: the colour samples are the same, libwebp's BGRA mode is not
 * premultiplied). It reads no EXIF from WebP files, so no orientation is applied to them.
 * Animated WebP files are refused (the simple API decodes single images only, as in OpenCV). */
#include "image_internal.h"

#ifdef ACCEL_HAVE_WEBP
#include <string.h>
#include <webp/decode.h>

#include "ops/audio/lazy_lib.h"

#define WEBP_FUNCS(X) X(WebPGetFeaturesInternal) X(WebPDecodeBGRInto) X(WebPDecodeRGBInto)

static struct {
    WEBP_FUNCS(AUDIO_LAZY_PTR)
} wp;
static const char *const wp_symbols[] = {WEBP_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof wp == sizeof wp_symbols / sizeof *wp_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const wp_sonames[] = {"libwebp.so.7"};
static audio_lazy_lib wp_lib = {
    .what = "libwebp",
    .sonames = wp_sonames,
    .n_sonames = 1,
    .symbols = wp_symbols,
    .slots = (void **)&wp,
    .n_symbols = sizeof wp_symbols / sizeof *wp_symbols,
    .install = "libwebp7",
    .once = PTHREAD_ONCE_INIT,
};

static const char *vp8_status(VP8StatusCode s)
{
    switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
    default: return "error";
    }
}

accel_status accel__webp_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&wp_lib, name));
    memset(hd, 0, sizeof *hd);
    WebPBitstreamFeatures f;
    VP8StatusCode s = wp.WebPGetFeaturesInternal(b, n, &f, WEBP_DECODER_ABI_VERSION);
    RETURN_ERROR_IF(s != VP8_STATUS_OK, ACCEL_ERR_FORMAT, "'%s': not a readable WebP header: %s",
                    name, vp8_status(s));
    RETURN_ERROR_IF(f.has_animation, ACCEL_ERR_FORMAT,
                    "'%s': animated WebP is not supported (single images only)", name);
    hd->w = f.width;
    hd->h = f.height;
    return ACCEL_OK;
}

accel_status accel__webp_decode(const char *name, const uint8_t *b, size_t n, img_t *dst)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&wp_lib, name));
    size_t size = dst->stride * (size_t)(dst->h - 1) + (size_t)dst->w * 3;
    uint8_t *r = dst->rgb ? wp.WebPDecodeRGBInto(b, n, dst->p, size, (int)dst->stride)
                          : wp.WebPDecodeBGRInto(b, n, dst->p, size, (int)dst->stride);
    if (!r) {
        WebPBitstreamFeatures f;
        VP8StatusCode s = wp.WebPGetFeaturesInternal(b, n, &f, WEBP_DECODER_ABI_VERSION);
        /* the RIFF header says how long the file should be */
        uint32_t riff = n >= 8 ? (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
                                     (uint32_t)b[7] << 24
                               : 0;
        int trunc = s == VP8_STATUS_NOT_ENOUGH_DATA || (uint64_t)riff + 8 > (uint64_t)n;
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s WebP data%s%s", name,
                           trunc ? "truncated" : "corrupt", s != VP8_STATUS_OK ? ": " : "",
                           s != VP8_STATUS_OK ? vp8_status(s) : "");
    }
    return ACCEL_OK;
}

#else

accel_status accel__webp_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    (void)b, (void)n, (void)hd;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': WebP support is not built in (build with "
                       "libwebp-dev)", name);
}

accel_status accel__webp_decode(const char *name, const uint8_t *b, size_t n, img_t *dst)
{
    (void)b, (void)n, (void)dst;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': WebP support is not built in (build with "
                       "libwebp-dev)", name);
}

#endif
