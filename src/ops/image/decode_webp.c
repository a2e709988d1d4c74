/* decode_webp.c — WebP through libwebp's incremental decoder, opened with dlopen on first use.
 *
 * OpenCV 4.6 reads the header from the file's first 32 bytes (WebPGetFeatures on them; a
 * shorter file is refused), then decodes with WebPDecodeBGRInto (WebPDecodeBGRAInto for images
 * with alpha, then drops the alpha: the colour samples are the same, libwebp's BGRA mode is
 * not premultiplied). It reads no EXIF from WebP files, so no orientation is applied to them.
 * Animated WebP files are refused (the simple API decodes single images only, as in OpenCV). */
#include "image_internal.h"

#ifdef ACCEL_HAVE_WEBP
#include <string.h>
#include <webp/decode.h>

#include "ops/audio/lazy_lib.h"

#define WEBP_FUNCS(X)                                                                        \
    X(WebPGetFeaturesInternal) X(WebPINewRGB) X(WebPIUpdate) X(WebPIDecGetRGB) X(WebPIDelete) \
    X(WebPDecodeBGRInto) X(WebPDecodeRGBInto)

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
    /* as OpenCV 4.6 reads it (WebPDecoder::readHeader): a file of at least 32 bytes, whose
     * features are read from those 32 bytes alone */
    RETURN_ERROR_IF(n < 32, ACCEL_ERR_FORMAT, "'%s': %zu bytes, too short for a WebP file (at "
                    "least 32, as OpenCV reads it)", name, n);
    WebPBitstreamFeatures f;
    VP8StatusCode s = wp.WebPGetFeaturesInternal(b, 32, &f, WEBP_DECODER_ABI_VERSION);
    RETURN_ERROR_IF(s != VP8_STATUS_OK, ACCEL_ERR_FORMAT, "'%s': not a readable WebP header: %s",
                    name, vp8_status(s));
    RETURN_ERROR_IF(f.has_animation, ACCEL_ERR_FORMAT,
                    "'%s': animated WebP is not supported (single images only)", name);
    hd->w = f.width;
    hd->h = f.height;
    return ACCEL_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1 when the file ends before its RIFF container or its VP8/VP8L chunk does. The one-call
 * decoders (WebPDecodeBGRInto, which OpenCV calls) know they were given the whole file and
 * refuse such data as NOT_ENOUGH_DATA before decoding; the incremental decoder, told nothing
 * of the end, decodes what is there. The walk is libwebp's own (webp_dec.c: ParseRIFF,
 * ParseVP8X, ParseOptionalChunks, ParseVP8Header); where it finds anything else wrong it
 * says 0 and leaves the verdict to the decoder, which fails on the same data. */
static int webp_cut_short(const uint8_t *b, size_t n)
{
    if (n < 12) return 0;
    const uint32_t riff = le32(b + 4);
    if ((uint64_t)riff + 8 > (uint64_t)n) return 1;
    size_t off = 12;
    if (n - off >= 18 && !memcmp(b + off, "VP8X", 4)) {
        off += 18;
        /* the optional chunks (ICCP, ALPH, EXIF, …) up to the image's */
        uint64_t total = 4 + 18;
        for (;;) {
            if (n - off < 8) return 0;
            if (!memcmp(b + off, "VP8 ", 4) || !memcmp(b + off, "VP8L", 4)) break;
            const uint64_t disk = (8 + (uint64_t)le32(b + off + 4) + 1) & ~(uint64_t)1;
            total += disk;
            if (total > riff || n - off < disk) return 0;
            off += (size_t)disk;
        }
    }
    if (n - off < 8 || (memcmp(b + off, "VP8 ", 4) && memcmp(b + off, "VP8L", 4))) return 0;
    return (uint64_t)le32(b + off + 4) > (uint64_t)(n - off - 8);
}

/* libwebp's incremental decoder, handed the file in pieces so that the rows decoded so far can
 * be reported while the rest is decoded. Its output is WebPDecodeBGRInto's (the same decoder,
 * options and colour conversion; tests/image compares both with cv2.imread); a file whose
 * data run out before the image does stays SUSPENDED after its last byte: truncated. */
accel_status accel__webp_decode(const char *name, const uint8_t *b, size_t n, img_t *dst,
                                void (*ready)(void *arg, int rows), void *arg)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&wp_lib, name));
    RETURN_ERROR_IF(webp_cut_short(b, n), ACCEL_ERR_FORMAT, "'%s': truncated WebP data (the file "
                    "ends before its RIFF container or image chunk does)", name);
    size_t size = dst->stride * (size_t)(dst->h - 1) + (size_t)dst->w * 3;
    WebPIDecoder *idec = wp.WebPINewRGB(dst->rgb ? MODE_RGB : MODE_BGR, dst->p, size, (int)dst->stride);
    RETURN_ERROR_IF(!idec, ACCEL_ERR_NO_MEMORY, "'%s': out of memory for a WebP decoder", name);
    /* without a reader of rows, the whole file at once; with one, about 16 pieces */
    size_t piece = ready ? n / 16 : n;
    if (piece < 4096) piece = 4096;
    VP8StatusCode s = VP8_STATUS_SUSPENDED;
    int told = 0;
    for (size_t fed = 0; fed < n && s == VP8_STATUS_SUSPENDED;) {
        fed = n - fed > piece ? fed + piece : n;
        s = wp.WebPIUpdate(idec, b, fed);
        int rows = 0;
        if (ready && (s == VP8_STATUS_SUSPENDED || s == VP8_STATUS_OK) &&
            wp.WebPIDecGetRGB(idec, &rows, NULL, NULL, NULL) && rows > told && rows < dst->h) {
            ready(arg, rows);
            told = rows;
        }
    }
    wp.WebPIDelete(idec);
    if (s != VP8_STATUS_OK && told == 0 &&
        (dst->rgb ? wp.WebPDecodeRGBInto(b, n, dst->p, size, (int)dst->stride)
                  : wp.WebPDecodeBGRInto(b, n, dst->p, size, (int)dst->stride)))
        /* nothing handed on yet, so the one-call decoder (cv2.imread's) has the last word: it
         * reads some malformed files the incremental one refuses (a VP8 stream in the RIFF
         * container without its chunk header) */
        s = VP8_STATUS_OK;
    if (s != VP8_STATUS_OK) {
        WebPBitstreamFeatures f;
        VP8StatusCode hs = wp.WebPGetFeaturesInternal(b, n, &f, WEBP_DECODER_ABI_VERSION);
        int trunc = hs == VP8_STATUS_NOT_ENOUGH_DATA || s == VP8_STATUS_SUSPENDED;
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s WebP data%s%s", name,
                           trunc ? "truncated" : "corrupt", hs != VP8_STATUS_OK ? ": " : "",
                           hs != VP8_STATUS_OK ? vp8_status(hs) : "");
    }
    if (ready) ready(arg, dst->h);
    return ACCEL_OK;
}

#else

accel_status accel__webp_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    (void)b, (void)n, (void)hd;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': WebP support is not built in (build with "
                       "libwebp-dev)", name);
}

accel_status accel__webp_decode(const char *name, const uint8_t *b, size_t n, img_t *dst,
                                void (*ready)(void *arg, int rows), void *arg)
{
    (void)b, (void)n, (void)dst, (void)ready, (void)arg;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': WebP support is not built in (build with "
                       "libwebp-dev)", name);
}

#endif
