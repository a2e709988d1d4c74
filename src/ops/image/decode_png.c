/* decode_png.c — PNG through libspng, opened with dlopen on first use.
 *
 * OpenCV 4.6 reads PNG with libpng and, for IMREAD_COLOR, asks it for: 16-bit samples cut to
 * their high byte (png_set_strip_16), alpha dropped (png_set_strip_alpha, without compositing),
 * palettes expanded, gray of 1, 2 or 4 bits scaled to 8, gray copied to three channels, no
 * gamma correction, tRNS ignored. libspng's SPNG_FMT_RGB8 without SPNG_DECODE_TRNS and
 * SPNG_DECODE_GAMMA makes the same pixels (checked for every colour type and depth in
 * tests/image); this file then swaps R and B for BGR, row by row as libspng decodes them.
 * The EXIF orientation comes from an eXIf chunk before the image data, which OpenCV 4.6 hands
 * to its EXIF reader as it is (no "Exif\0\0" prefix). */
#include "image_internal.h"

#ifdef ACCEL_HAVE_SPNG
#include <spng.h>
#include <stdlib.h>
#include <string.h>

#include "ops/audio/lazy_lib.h"

#define SPNG_FUNCS(X)                                                                        \
    X(spng_ctx_new) X(spng_ctx_free) X(spng_set_png_buffer) X(spng_get_ihdr)                  \
    X(spng_decoded_image_size) X(spng_decode_image) X(spng_strerror) X(spng_get_exif)         \
    X(spng_set_image_limits) X(spng_set_chunk_limits) X(spng_set_ihdr) X(spng_set_option)         \
    X(spng_encode_image) X(spng_get_png_buffer) X(spng_get_row_info) X(spng_decode_row)

static struct {
    SPNG_FUNCS(AUDIO_LAZY_PTR)
} sp;
static const char *const sp_symbols[] = {SPNG_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof sp == sizeof sp_symbols / sizeof *sp_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const sp_sonames[] = {"libspng.so.0"};
static audio_lazy_lib sp_lib = {
    .what = "libspng",
    .sonames = sp_sonames,
    .n_sonames = 1,
    .symbols = sp_symbols,
    .slots = (void **)&sp,
    .n_symbols = sizeof sp_symbols / sizeof *sp_symbols,
    .install = "libspng0",
    .once = PTHREAD_ONCE_INIT,
};

static accel_status open_png(const char *name, const uint8_t *b, size_t n, spng_ctx **out,
                             struct spng_ihdr *ihdr)
{
    FORWARD_IF_ERROR(accel__audio_lazy_load(&sp_lib, name));
    spng_ctx *c = sp.spng_ctx_new(0);
    RETURN_ERROR_IF(!c, ACCEL_ERR_NO_MEMORY, "'%s': out of memory for a PNG decoder", name);
    /* the pixel limit is checked by the caller; chunk sizes are bounded so that a crafted
     * text or profile chunk cannot make the decoder allocate gigabytes */
    sp.spng_set_image_limits(c, 0x7fffffffu, 0x7fffffffu);
    sp.spng_set_chunk_limits(c, (size_t)64 << 20, (size_t)64 << 20);
    int rc = sp.spng_set_png_buffer(c, b, n);
    if (rc == 0) rc = sp.spng_get_ihdr(c, ihdr);
    if (rc != 0) {
        sp.spng_ctx_free(c);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not a readable PNG header: %s", name,
                           sp.spng_strerror(rc));
    }
    *out = c;
    return ACCEL_OK;
}

accel_status accel__png_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    memset(hd, 0, sizeof *hd);
    spng_ctx *c = NULL;
    struct spng_ihdr ihdr;
    FORWARD_IF_ERROR(open_png(name, b, n, &c, &ihdr));
    hd->w = (int)ihdr.width;
    hd->h = (int)ihdr.height;
    hd->interlaced = ihdr.interlace_method != 0;
    struct spng_exif ex;
    memset(&ex, 0, sizeof ex);
    if (sp.spng_get_exif(c, &ex) == 0 && ex.data && ex.length > 0)
        hd->orientation = accel__exif_orientation((const uint8_t *)ex.data, ex.length);
    sp.spng_ctx_free(c);
    RETURN_ERROR_IF(ihdr.width > 0x7fffffffu || ihdr.height > 0x7fffffffu, ACCEL_ERR_FORMAT,
                    "'%s': PNG header claims %u×%u pixels", name, ihdr.width, ihdr.height);
    return ACCEL_OK;
}

/* R and B of rows [y0, y1) swapped, for BGR. */
static void png_bgr_rows(img_t *dst, int ring, int y0, int y1)
{
    if (dst->rgb) return;
    for (int y = y0; y < y1; y++) {
        uint8_t *p = accel__img_row(dst, ring, y);
        for (int x = 0; x < dst->w; x++, p += 3) {
            uint8_t t = p[0];
            p[0] = p[2];
            p[2] = t;
        }
    }
}

/* libspng's progressive decoding, row by row into dst: exactly the loop spng_decode_image runs
 * without SPNG_DECODE_PROGRESSIVE (each row to the place its row_info names, until SPNG_EOI),
 * so the pixels and the failures are the same, with each finished band of rows reported as it
 * is done. An interlaced (Adam7) image has no final row before its last pass: it is reported
 * whole, at the end. */
accel_status accel__png_decode(const char *name, const uint8_t *b, size_t n, img_t *dst, int ring,
                               void (*ready)(void *arg, int rows), void *arg)
{
    enum { STEP = IMG_ROW_STEP }; /* rows reported at a time */
    spng_ctx *c = NULL;
    struct spng_ihdr ihdr;
    FORWARD_IF_ERROR(open_png(name, b, n, &c, &ihdr));
    if (ring && ihdr.interlace_method != 0) {
        sp.spng_ctx_free(c);
        return ACCEL_ERROR(ACCEL_ERR_INTERNAL, "'%s': an interlaced PNG cannot be decoded into "
                           "a ring of rows", name);
    }
    size_t len = 0;
    int rc = sp.spng_decoded_image_size(c, SPNG_FMT_RGB8, &len);
    if (rc == 0 && (ihdr.width != (uint32_t)dst->w || ihdr.height != (uint32_t)dst->h ||
                    len != (size_t)dst->w * (size_t)dst->h * 3))
        rc = SPNG_EOVERFLOW;
    if (rc == 0) rc = sp.spng_decode_image(c, NULL, 0, SPNG_FMT_RGB8, SPNG_DECODE_PROGRESSIVE);
    const int interlaced = ihdr.interlace_method != 0;
    int done = 0, told = 0; /* rows [0, done) finished (not interlaced) */
    while (rc == 0) {
        struct spng_row_info ri;
        rc = sp.spng_get_row_info(c, &ri);
        if (rc != 0) break;
        if (ri.row_num >= (uint32_t)dst->h) {
            rc = SPNG_EINTERNAL;
            break;
        }
        rc = sp.spng_decode_row(c, accel__img_row(dst, ring, (int)ri.row_num), (size_t)dst->w * 3);
        if ((rc == 0 || rc == SPNG_EOI) && !interlaced) {
            done = (int)ri.row_num + 1;
            if (done - told >= STEP || done == dst->h) {
                png_bgr_rows(dst, ring, told, done);
                if (ready) ready(arg, done);
                told = done;
            }
        }
    }
    sp.spng_ctx_free(c);
    if (rc != SPNG_EOI) {
        int trunc = rc == SPNG_EOF || rc == SPNG_IO_EOF;
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s PNG: %s", name, trunc ? "truncated" : "corrupt",
                           sp.spng_strerror(rc));
    }
    if (interlaced || told < dst->h) {
        png_bgr_rows(dst, 0, told, dst->h);
        if (ready) ready(arg, dst->h);
    }
    return ACCEL_OK;
}

accel_status accel__png_encode(const img_t *src, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    FORWARD_IF_ERROR(accel__audio_lazy_load(&sp_lib, "PNG encoder"));
    RETURN_ERROR_IF(src->c != 1 && src->c != 3 && src->c != 4, ACCEL_ERR_INVALID_ARG,
                    "PNG encoding: %d channels (allowed: 1, 3, 4)", src->c);
    /* PNG stores R, G, B: a BGR image is swapped into a packed copy first */
    const size_t row = (size_t)src->w * (size_t)src->c;
    uint8_t *pix = malloc(row * (size_t)src->h);
    RETURN_ERROR_IF(!pix, ACCEL_ERR_NO_MEMORY, "out of memory encoding a %d×%d image", src->w, src->h);
    for (int y = 0; y < src->h; y++) {
        uint8_t *d = pix + (size_t)y * row;
        memcpy(d, src->p + (size_t)y * src->stride, row);
        if (src->c > 1 && !src->rgb)
            for (int x = 0; x < src->w; x++) {
                uint8_t t = d[x * src->c];
                d[x * src->c] = d[x * src->c + 2];
                d[x * src->c + 2] = t;
            }
    }
    spng_ctx *c = sp.spng_ctx_new(SPNG_CTX_ENCODER);
    if (!c) {
        free(pix);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for a PNG encoder");
    }
    struct spng_ihdr ihdr = {(uint32_t)src->w, (uint32_t)src->h, 8,
                             (uint8_t)(src->c == 1 ? SPNG_COLOR_TYPE_GRAYSCALE
                                       : src->c == 3 ? SPNG_COLOR_TYPE_TRUECOLOR
                                                     : SPNG_COLOR_TYPE_TRUECOLOR_ALPHA),
                             0, 0, 0};
    int rc = sp.spng_set_option(c, SPNG_ENCODE_TO_BUFFER, 1);
    if (rc == 0) rc = sp.spng_set_ihdr(c, &ihdr);
    if (rc == 0) rc = sp.spng_encode_image(c, pix, row * (size_t)src->h, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
    size_t len = 0;
    void *buf = NULL;
    if (rc == 0) buf = sp.spng_get_png_buffer(c, &len, &rc);
    sp.spng_ctx_free(c);
    free(pix);
    RETURN_ERROR_IF(rc != 0 || !buf, ACCEL_ERR_VENDOR, "libspng could not encode a %d×%d image: %s",
                    src->w, src->h, sp.spng_strerror(rc));
    *out = buf; /* allocated by libspng with the C library's malloc */
    *n = len;
    return ACCEL_OK;
}

#else

accel_status accel__png_encode(const img_t *src, uint8_t **out, size_t *n)
{
    (void)src;
    *out = NULL;
    *n = 0;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "PNG support is not built in (build with libspng-dev)");
}

accel_status accel__png_header(const char *name, const uint8_t *b, size_t n, img_header *hd)
{
    (void)b, (void)n, (void)hd;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': PNG support is not built in (build with "
                       "libspng-dev)", name);
}

accel_status accel__png_decode(const char *name, const uint8_t *b, size_t n, img_t *dst, int ring,
                               void (*ready)(void *arg, int rows), void *arg)
{
    (void)b, (void)n, (void)dst, (void)ring, (void)ready, (void)arg;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': PNG support is not built in (build with "
                       "libspng-dev)", name);
}

#endif
