/* decode_webp.c — WebP through libwebp (its one-call decoder, or its incremental one when rows
 * are read as they come), opened with dlopen on first use.
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

/* WebPDecodeBGRInto (or RGB) of the whole file into dst, as cv2.imread decodes it: 1 when it
 * decoded. */
static int one_call(const uint8_t *b, size_t n, img_t *dst, size_t size)
{
    return (dst->rgb ? wp.WebPDecodeRGBInto(b, n, dst->p, size, (int)dst->stride)
                     : wp.WebPDecodeBGRInto(b, n, dst->p, size, (int)dst->stride)) != NULL;
}

/* Without a reader of rows: WebPDecodeBGRInto, what cv2.imread calls. With one: libwebp's
 * incremental decoder, handed the file in about 16 pieces so that the rows decoded so far can
 * be reported while the rest is decoded — the same decoder, options and colour conversion, and
 * made to give the one-call decoder's verdicts (fuzz_png_webp_rows): a file cut short of its
 * RIFF container or image chunk is refused first in both ways (the incremental decoder, told
 * nothing of the end, would decode what is there), and a file the incremental decoder refuses
 * before any row is handed on (a VP8 stream in the RIFF container without its chunk header)
 * goes to the one-call decoder, which has the last word. */
accel_status accel__webp_decode(const char *name, const uint8_t *b, size_t n, img_t *dst,
                                void (*ready)(void *arg, int rows), void *arg)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&wp_lib, name));
    RETURN_ERROR_IF(webp_cut_short(b, n), ACCEL_ERR_FORMAT, "'%s': truncated WebP data (the file "
                    "ends before its RIFF container or image chunk does)", name);
    const size_t size = dst->stride * (size_t)(dst->h - 1) + (size_t)dst->w * 3;
    int ok, told = 0;
    if (!ready) {
        ok = one_call(b, n, dst, size);
    } else {
        WebPIDecoder *idec = wp.WebPINewRGB(dst->rgb ? MODE_RGB : MODE_BGR, dst->p, size,
                                            (int)dst->stride);
        RETURN_ERROR_IF(!idec, ACCEL_ERR_NO_MEMORY, "'%s': out of memory for a WebP decoder", name);
        size_t piece = n / 16;
        if (piece < 4096) piece = 4096;
        VP8StatusCode s = VP8_STATUS_SUSPENDED;
        for (size_t fed = 0; fed < n && s == VP8_STATUS_SUSPENDED;) {
            fed = n - fed > piece ? fed + piece : n;
            s = wp.WebPIUpdate(idec, b, fed);
            int rows = 0;
            if ((s == VP8_STATUS_SUSPENDED || s == VP8_STATUS_OK) &&
                wp.WebPIDecGetRGB(idec, &rows, NULL, NULL, NULL) && rows > told && rows < dst->h) {
                ready(arg, rows);
                told = rows;
            }
        }
        wp.WebPIDelete(idec);
        ok = s == VP8_STATUS_OK || (told == 0 && one_call(b, n, dst, size));
    }
    if (!ok) {
        WebPBitstreamFeatures f;
        VP8StatusCode hs = wp.WebPGetFeaturesInternal(b, n, &f, WEBP_DECODER_ABI_VERSION);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s WebP data%s%s", name,
                           hs == VP8_STATUS_NOT_ENOUGH_DATA ? "truncated" : "corrupt",
                           hs != VP8_STATUS_OK ? ": " : "", hs != VP8_STATUS_OK ? vp8_status(hs) : "");
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
