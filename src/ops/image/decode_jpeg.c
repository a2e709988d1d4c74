/* decode_jpeg.c — JPEG through libjpeg-turbo's TurboJPEG API, opened with dlopen on first use
 * (ops/audio/lazy_lib.h, the loader the audio decoders use): every header, the encoder of the
 * benchmarks and tests, and the pixels where the libjpeg API of the same library
 * (decode_jpeg_rows.c, which decodes them otherwise) is missing.
 *
 * OpenCV 4.6 decodes JPEG with the libjpeg API of the same libjpeg-turbo: accurate integer
 * IDCT, fancy upsampling, output JCS_EXT_BGR for one- and three-component files, and CMYK for
 * four-component files (Adobe CMYK or YCCK), converted by icvCvt_CMYK2BGR_8u_C4C3R:
 * c' = k − ((255 − c)·k >> 8) for c, m, y, giving R, G, B. TurboJPEG's defaults are the same
 * decoder settings (no TJFLAG_FASTDCT, no TJFLAG_FASTUPSAMPLE), so the pixels are identical.
 * DCT scaling (1/2, 1/4, 1/8) is libjpeg's scale_denom, as IMREAD_REDUCED_COLOR_N uses it.
 * Where TurboJPEG and cv2.imread part is on damaged files: tjDecompress2 reports an error that
 * follows a warning as a warning (the image then passes), and an error met after the last row
 * as a failure (cv2.imread keeps that image) — decode_jpeg_rows.c follows cv2.imread.
 *
 * A file that ends early is an error here ("truncated"), although libjpeg only warns and fills
 * the rest of the image with grey (which cv2.imread returns); other warnings (extraneous bytes
 * before a marker, …) leave the image as libjpeg made it, with the warning kept. */
#include "image_internal.h"

#ifdef ACCEL_HAVE_TURBOJPEG
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "ops/audio/lazy_lib.h"

#define TJ_FUNCS(X)                                                                          \
    X(tjInitDecompress) X(tjDecompressHeader3) X(tjDecompress2) X(tjDestroy) X(tjGetErrorStr2) \
    X(tjGetErrorCode) X(tjInitCompress) X(tjCompress2) X(tjFree)

static struct {
    TJ_FUNCS(AUDIO_LAZY_PTR)
} tj;
static const char *const tj_symbols[] = {TJ_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof tj == sizeof tj_symbols / sizeof *tj_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const tj_sonames[] = {"libturbojpeg.so.0"};
static audio_lazy_lib tj_lib = {
    .what = "libjpeg-turbo (TurboJPEG)",
    .sonames = tj_sonames,
    .n_sonames = 1,
    .symbols = tj_symbols,
    .slots = (void **)&tj,
    .n_symbols = sizeof tj_symbols / sizeof *tj_symbols,
    .install = "libturbojpeg0",
    .once = PTHREAD_ONCE_INIT,
};

void accel__jpeg_scaled(int w, int h, int denom, int *sw, int *sh)
{
    *sw = (w + denom - 1) / denom;
    *sh = (h + denom - 1) / denom;
}

/* 1 when tjDecompressHeader3's failure was only a libjpeg warning and the header was read:
 * libjpeg warns of stray bytes before a marker ("Corrupt JPEG data: 3 extraneous bytes before
 * marker 0xdb") and reads on, and so does cv2.imread, which decodes such a file as if the bytes
 * were not there. TurboJPEG returns -1 for a warning too; its error code tells them apart. A
 * header that ends early is no warning to pass over: the file is cut. */
static int header_warning(tjhandle h, int w, int ht)
{
    return tj.tjGetErrorCode(h) == TJERR_WARNING && w > 0 && ht > 0 &&
           !strstr(tj.tjGetErrorStr2(h), "Premature end");
}

accel_status accel__jpeg_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&tj_lib, name));
    memset(hd, 0, sizeof *hd);
    tjhandle h = tj.tjInitDecompress();
    RETURN_ERROR_IF(!h, ACCEL_ERR_NO_MEMORY, "'%s': TurboJPEG: %s", name, tj.tjGetErrorStr2(NULL));
    int w = 0, ht = 0, sub = 0, cs = 0;
    int rc = tj.tjDecompressHeader3(h, b, (unsigned long)n, &w, &ht, &sub, &cs);
    if (rc != 0 && header_warning(h, w, ht)) rc = 0;
    if (rc != 0) {
        char msg[200];
        accel__strlcpy(msg, tj.tjGetErrorStr2(h), sizeof msg);
        tj.tjDestroy(h);
        /* a JPEG ends with EOI (FF D9); one that stops inside its header was cut short */
        int ends = n >= 2 && b[n - 2] == 0xFF && b[n - 1] == 0xD9;
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s JPEG header: %s", name,
                           ends ? "not a readable" : "truncated or corrupt", msg);
    }
    tj.tjDestroy(h);
    hd->w = w;
    hd->h = ht;
    hd->cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
    size_t len = 0;
    const uint8_t *app1 = accel__jpeg_first_app1(b, n, &len);
    hd->orientation = app1 && len > 6 ? accel__exif_orientation(app1 + 6, len - 6) : 0;
    return ACCEL_OK;
}

accel_status accel__jpeg_decode(const char *name, const uint8_t *b, size_t n, int denom, img_t *dst,
                                char *warn, size_t warn_cap)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&tj_lib, name));
    if (warn && warn_cap) warn[0] = 0;
    tjhandle h = tj.tjInitDecompress();
    RETURN_ERROR_IF(!h, ACCEL_ERR_NO_MEMORY, "'%s': TurboJPEG: %s", name, tj.tjGetErrorStr2(NULL));
    int w = 0, ht = 0, sub = 0, cs = 0;
    if (tj.tjDecompressHeader3(h, b, (unsigned long)n, &w, &ht, &sub, &cs) != 0 &&
        !header_warning(h, w, ht)) {
        char msg[200];
        accel__strlcpy(msg, tj.tjGetErrorStr2(h), sizeof msg);
        tj.tjDestroy(h);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not a readable JPEG header: %s", name, msg);
    }
    int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
    uint8_t *tmp = NULL;
    uint8_t *out = dst->p;
    size_t pitch = dst->stride;
    if (cmyk) {
        pitch = (size_t)dst->w * 4;
        tmp = malloc(pitch * (size_t)dst->h);
        if (!tmp) {
            tj.tjDestroy(h);
            return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %d×%d CMYK pixels",
                               name, dst->w, dst->h);
        }
        out = tmp;
    }
    int pf = cmyk ? TJPF_CMYK : dst->rgb ? TJPF_RGB : TJPF_BGR;
    int rc = tj.tjDecompress2(h, b, (unsigned long)n, out, dst->w, (int)pitch, dst->h, pf, 0);
    if (rc != 0) {
        int fatal = tj.tjGetErrorCode(h) != TJERR_WARNING;
        char msg[200];
        accel__strlcpy(msg, tj.tjGetErrorStr2(h), sizeof msg);
        if (fatal || strstr(msg, "Premature end")) {
            tj.tjDestroy(h);
            free(tmp);
            if (!fatal)
                return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': truncated: the JPEG data end before "
                                   "the image does (%s)", name, msg);
            return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt JPEG: %s", name, msg);
        }
        if (warn && warn_cap) snprintf(warn, warn_cap, "libjpeg warning: %s", msg);
    }
    tj.tjDestroy(h);
    if (cmyk) {
        for (int y = 0; y < dst->h; y++)
            accel__img_cmyk_row(tmp + (size_t)y * pitch, dst->p + (size_t)y * dst->stride, dst->w,
                                dst->rgb);
        free(tmp);
    }
    return ACCEL_OK;
}

accel_status accel__jpeg_encode(const img_t *src, int quality, uint8_t **out, size_t *n)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&tj_lib, "JPEG encoder"));
    *out = NULL;
    *n = 0;
    tjhandle h = tj.tjInitCompress();
    RETURN_ERROR_IF(!h, ACCEL_ERR_NO_MEMORY, "TurboJPEG: %s", tj.tjGetErrorStr2(NULL));
    unsigned char *buf = NULL;
    unsigned long len = 0;
    int pf = src->c == 1 ? TJPF_GRAY : src->rgb ? TJPF_RGB : TJPF_BGR;
    int rc = tj.tjCompress2(h, src->p, src->w, (int)src->stride, src->h, pf, &buf, &len,
                            src->c == 1 ? TJSAMP_GRAY : TJSAMP_420, quality, 0);
    if (rc != 0) {
        char msg[200];
        accel__strlcpy(msg, tj.tjGetErrorStr2(h), sizeof msg);
        tj.tjDestroy(h);
        if (buf) tj.tjFree(buf);
        return ACCEL_ERROR(ACCEL_ERR_VENDOR, "TurboJPEG could not encode a %d×%d image: %s",
                           src->w, src->h, msg);
    }
    tj.tjDestroy(h);
    *out = malloc(len);
    if (*out) memcpy(*out, buf, len);
    tj.tjFree(buf);
    RETURN_ERROR_IF(!*out, ACCEL_ERR_NO_MEMORY, "out of memory");
    *n = len;
    return ACCEL_OK;
}

#else

void accel__jpeg_scaled(int w, int h, int denom, int *sw, int *sh)
{
    *sw = (w + denom - 1) / denom;
    *sh = (h + denom - 1) / denom;
}

accel_status accel__jpeg_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    (void)b, (void)n, (void)hd;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': JPEG support is not built in (build with "
                       "libturbojpeg0-dev)", name);
}

accel_status accel__jpeg_decode(const char *name, const uint8_t *b, size_t n, int denom, img_t *dst,
                                char *warn, size_t warn_cap)
{
    (void)b, (void)n, (void)denom, (void)dst, (void)warn, (void)warn_cap;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': JPEG support is not built in (build with "
                       "libturbojpeg0-dev)", name);
}

accel_status accel__jpeg_encode(const img_t *src, int quality, uint8_t **out, size_t *n)
{
    (void)src, (void)quality;
    *out = NULL;
    *n = 0;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "JPEG support is not built in (build with "
                       "libturbojpeg0-dev)");
}

#endif
