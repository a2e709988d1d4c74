/* decode_jpeg_rows.c — JPEG pixels through libjpeg's own API (the libjpeg.so.62 of the same
 * libjpeg-turbo that TurboJPEG wraps, opened with dlopen on first use), a few rows at a time:
 * every JPEG accel_image_decode decodes, and accel_scrfd_prepare's, whose blob and quality
 * start on the top of an image while its bottom is still being decoded (op_scrfd_prepare.c).
 *
 * The settings are OpenCV's and TurboJPEG's (decode_jpeg.c): accurate integer IDCT, fancy
 * upsampling, BGR or RGB straight from libjpeg-turbo's colour converter (CMYK and YCCK as
 * CMYK, converted per row as OpenCV converts it), DCT scaling by scale_denom — the pixels are
 * cv2.imread's and tjDecompress2's. What fails is what fails cv2.imread (JpegDecoder::readData):
 * an error before the last row is read; an error after it, while libjpeg reads on to the end
 * of the file, leaves the image, which readData has already kept. Warnings never stop it, but
 * data that end before the last row make the image "truncated" (docs/image.md), and the first
 * other warning is kept as a message. Without this library, decode.c uses TurboJPEG. */
#include "image_internal.h"

int accel__jpeg_rows_off;

#ifdef ACCEL_HAVE_LIBJPEG
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "ops/audio/lazy_lib.h"

#define JL_FUNCS(X)                                                                          \
    X(jpeg_std_error) X(jpeg_CreateDecompress) X(jpeg_mem_src) X(jpeg_read_header)            \
    X(jpeg_start_decompress) X(jpeg_read_scanlines) X(jpeg_finish_decompress)                 \
    X(jpeg_destroy_decompress)

static struct {
    JL_FUNCS(AUDIO_LAZY_PTR)
} jl;
static const char *const jl_symbols[] = {JL_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof jl == sizeof jl_symbols / sizeof *jl_symbols * sizeof(void *),
               "one pointer per entry point");
static const char *const jl_sonames[] = {"libjpeg.so.62"};
static audio_lazy_lib jl_lib = {
    .what = "libjpeg-turbo (libjpeg API)",
    .sonames = jl_sonames,
    .n_sonames = 1,
    .symbols = jl_symbols,
    .slots = (void **)&jl,
    .n_symbols = sizeof jl_symbols / sizeof *jl_symbols,
    .install = "libjpeg62-turbo",
    .once = PTHREAD_ONCE_INIT,
};

/* libjpeg reports through the error manager: a fatal error jumps back, a warning is counted
 * and the first one kept (libjpeg's own emit_message shows only the first); running out of
 * data is remembered whenever it happens. */
typedef struct jl_err {
    struct jpeg_error_mgr pub;
    jmp_buf back;
    char msg[JMSG_LENGTH_MAX];   /* the first warning */
    char fatal[JMSG_LENGTH_MAX]; /* the error that stopped libjpeg */
    int warned;
    int eof;                     /* "Premature end of JPEG file" was seen */
} jl_err;

static void jl_error_exit(j_common_ptr ci)
{
    jl_err *e = (jl_err *)ci->err;
    e->pub.format_message(ci, e->fatal);
    longjmp(e->back, 1);
}

static void jl_emit_message(j_common_ptr ci, int level)
{
    jl_err *e = (jl_err *)ci->err;
    if (level >= 0) return; /* trace messages */
    if (e->pub.msg_code == JWRN_JPEG_EOF) e->eof = 1;
    if (!e->warned) e->pub.format_message(ci, e->msg);
    e->warned = 1;
    e->pub.num_warnings++;
}

/* The decoder as OpenCV 4.6's JpegDecoder::readData drives it: an error before the last row
 * is read fails the image; an error after it (while libjpeg reads on to the end of the file)
 * leaves the image, as readData has already kept it; warnings never stop it. */
accel_status accel__jpeg_decode_rows(const char *name, const uint8_t *b, size_t n, int denom,
                                     img_t *dst, int ring, char *warn, size_t warn_cap,
                                     void (*ready)(void *arg, int rows), void *arg)
{
    RETURN_ERROR_IF(accel__jpeg_rows_off, ACCEL_ERR_UNAVAILABLE, "'%s': libjpeg's API turned off "
                    "(a test)", name);
    FORWARD_IF_ERROR(accel__audio_lazy_load(&jl_lib, name));
    if (warn && warn_cap) warn[0] = 0;
    enum { STEP = IMG_ROW_STEP }; /* rows per call at most, and reported at a time */
    struct jpeg_decompress_struct ci;
    jl_err e;
    memset(&ci, 0, sizeof ci);
    memset(&e, 0, sizeof e);
    ci.err = jl.jpeg_std_error(&e.pub);
    e.pub.error_exit = jl_error_exit;
    e.pub.emit_message = jl_emit_message;
    uint8_t *volatile cmyk = NULL; /* four-component rows, before their conversion */
    volatile int all_rows = 0, truncated = 0;
    if (setjmp(e.back)) {
        jl.jpeg_destroy_decompress(&ci); /* safe on a partly created object */
        free(cmyk);
        if (!all_rows)
            return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': corrupt JPEG: %s", name, e.fatal);
        if (truncated) /* the rows were incomplete before the error after them */
            return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': truncated: the JPEG data end before the "
                               "image does (Premature end of JPEG file)", name);
        if (warn && warn_cap)
            snprintf(warn, warn_cap, "%s%s%slibjpeg error after the last row (the image is kept, "
                     "as cv2.imread keeps it): %s", e.warned ? "libjpeg warning: " : "",
                     e.warned ? e.msg : "", e.warned ? "; " : "", e.fatal);
        return ACCEL_OK;
    }
    jl.jpeg_CreateDecompress(&ci, JPEG_LIB_VERSION, sizeof ci);
    jl.jpeg_mem_src(&ci, b, (unsigned long)n);
    jl.jpeg_read_header(&ci, TRUE);
    const int four = ci.num_components == 4;
    ci.out_color_space = four ? JCS_CMYK : dst->rgb ? JCS_EXT_RGB : JCS_EXT_BGR;
    ci.scale_num = 1;
    ci.scale_denom = (unsigned)denom;
    jl.jpeg_start_decompress(&ci);
    if ((int)ci.output_width != dst->w || (int)ci.output_height != dst->h ||
        ci.output_components != (four ? 4 : 3)) {
        int w = (int)ci.output_width, h = (int)ci.output_height, c = ci.output_components;
        jl.jpeg_destroy_decompress(&ci);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': the JPEG decodes to %d×%d×%d, not the "
                           "%d×%d its header gave", name, w, h, c, dst->w, dst->h);
    }
    if (four && !(cmyk = malloc((size_t)STEP * (size_t)dst->w * 4))) {
        jl.jpeg_destroy_decompress(&ci);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %d CMYK rows", name, STEP);
    }
    JSAMPROW rows[STEP];
    int told = 0;
    while (ci.output_scanline < ci.output_height) {
        /* never across a multiple of STEP, so that a step's rows are reported together */
        const int y = (int)ci.output_scanline, to_step = STEP - y % STEP;
        const int k = dst->h - y < to_step ? dst->h - y : to_step;
        for (int j = 0; j < k; j++)
            rows[j] = four ? cmyk + (size_t)j * (size_t)dst->w * 4 : accel__img_row(dst, ring, y + j);
        jl.jpeg_read_scanlines(&ci, rows, (JDIMENSION)k);
        const int now = (int)ci.output_scanline;
        if (four)
            for (int j = y; j < now; j++)
                accel__img_cmyk_row(cmyk + (size_t)(j - y) * (size_t)dst->w * 4,
                                    accel__img_row(dst, ring, j), dst->w, dst->rgb);
        /* rows past the end of the data are libjpeg's grey: not reported */
        if (ready && !e.eof && (now % STEP == 0 || now == dst->h) && now > told) {
            ready(arg, now);
            told = now;
        }
    }
    truncated = e.eof;
    all_rows = 1;
    jl.jpeg_finish_decompress(&ci);
    jl.jpeg_destroy_decompress(&ci);
    free(cmyk);
    if (truncated)
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': truncated: the JPEG data end before the "
                           "image does (Premature end of JPEG file)", name);
    if (e.warned && warn && warn_cap) snprintf(warn, warn_cap, "libjpeg warning: %s", e.msg);
    return ACCEL_OK;
}

#else

accel_status accel__jpeg_decode_rows(const char *name, const uint8_t *b, size_t n, int denom,
                                     img_t *dst, int ring, char *warn, size_t warn_cap,
                                     void (*ready)(void *arg, int rows), void *arg)
{
    (void)b, (void)n, (void)denom, (void)dst, (void)ring, (void)warn, (void)warn_cap, (void)ready,
        (void)arg;
    return ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN, "'%s': JPEG decoding by rows is not built in "
                       "(build with libjpeg62-turbo-dev)", name);
}

#endif
