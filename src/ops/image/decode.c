/* decode.c — one image file (or buffer) to BGR pixels, as cv2.imread(path, IMREAD_COLOR):
 * the format from the content, the header checked against ACCEL_IMAGE_MAX_PIXELS before any
 * pixel is allocated, the decoder of the format, then the EXIF orientation (JPEG and PNG, as
 * OpenCV 4.6 reads it; WebP has none there) applied with OpenCV's flips and transposes:
 *   2 flip left-right   3 rotate 180°   4 flip top-bottom   5 transpose
 *   6 transpose + flip left-right (90° clockwise)   7 transpose + rotate 180°
 *   8 transpose + flip top-bottom (90° anticlockwise). */
#include "image_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

img_format accel__img_sniff(const uint8_t *b, size_t n)
{
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return IMG_FMT_JPEG;
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return IMG_FMT_PNG;
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0) return IMG_FMT_WEBP;
    return IMG_FMT_UNKNOWN;
}

const char *accel__img_format_name(img_format f)
{
    switch (f) {
    case IMG_FMT_JPEG: return "jpeg";
    case IMG_FMT_PNG: return "png";
    case IMG_FMT_WEBP: return "webp";
    default: return "";
    }
}

accel_status accel__img_orient(const img_t *src, int o, img_t *dst)
{
    *dst = *src;
    if (o < 2 || o > 8) return ACCEL_OK;
    const int W = src->w, H = src->h, cn = src->c;
    const int tr = o >= 5;
    img_t d = {NULL, tr ? H : W, tr ? W : H, cn, 0, src->rgb};
    d.stride = (size_t)d.w * (size_t)cn;
    d.p = accel__img_alloc(d.stride * (size_t)d.h);
    RETURN_ERROR_IF(!d.p, ACCEL_ERR_NO_MEMORY, "out of memory turning a %d×%d image", W, H);
    for (int r = 0; r < d.h; r++) {
        uint8_t *out = d.p + (size_t)r * d.stride;
        for (int c = 0; c < d.w; c++, out += cn) {
            int sr, sc;
            switch (o) {
            case 2: sr = r, sc = W - 1 - c; break;
            case 3: sr = H - 1 - r, sc = W - 1 - c; break;
            case 4: sr = H - 1 - r, sc = c; break;
            case 5: sr = c, sc = r; break;
            case 6: sr = H - 1 - c, sc = r; break;
            case 7: sr = H - 1 - c, sc = W - 1 - r; break;
            default: sr = c, sc = W - 1 - r; break; /* 8 */
            }
            const uint8_t *s = src->p + (size_t)sr * src->stride + (size_t)sc * (size_t)cn;
            for (int k = 0; k < cn; k++) out[k] = s[k];
        }
    }
    *dst = d;
    return ACCEL_OK;
}

/* Reads a whole file; messages name it. */
accel_status accel__img_read_file(const char *path, uint8_t **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        RETURN_ERROR_IF(e == ENOENT || e == ENOTDIR, ACCEL_ERR_NOT_FOUND, "'%s': no such file", path);
        return ACCEL_ERROR(ACCEL_ERR_IO, "'%s': %s", path, strerror(e));
    }
    RETURN_ERROR_IF(S_ISDIR(st.st_mode), ACCEL_ERR_IO, "'%s': is a directory, not an image file", path);
    FILE *f = fopen(path, "rb");
    RETURN_ERROR_IF(!f, ACCEL_ERR_IO, "'%s': cannot open: %s", path, strerror(errno));
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 65536, len = 0;
    uint8_t *b = malloc(cap + 1);
    if (!b) {
        fclose(f);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %zu bytes", path, cap);
    }
    for (;;) {
        size_t got = fread(b + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
        if (len == cap) { /* the file grew, or a pipe: read on */
            uint8_t *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                fclose(f);
                return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory", path);
            }
            b = nb;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(b);
        return ACCEL_ERROR(ACCEL_ERR_IO, "'%s': read error", path);
    }
    *data = b;
    *n = len;
    return ACCEL_OK;
}

accel_status accel__img_decode_buffer(const char *name, const uint8_t *b, size_t n,
                                      const accel_image_decode_params *p, long long max_pixels,
                                      accel_image_decoded *out)
{
    return accel__img_decode_buffer_rows(name, b, n, p, max_pixels, out, NULL);
}

/* A sink's view of the pixels: set before the first rows are reported (the image's final
 * size), so the rows it is told about are where it will find them. */
typedef struct sink_rows {
    const img_row_sink *sink;
    img_t im;
} sink_rows;

static void sink_ready(void *arg, int rows)
{
    sink_rows *s = arg;
    s->sink->rows(s->sink->arg, &s->im, rows);
}

accel_status accel__img_decode_buffer_rows(const char *name, const uint8_t *b, size_t n,
                                           const accel_image_decode_params *p,
                                           long long max_pixels, accel_image_decoded *out,
                                           const img_row_sink *sink)
{
    RETURN_ERROR_IF(n == 0, ACCEL_ERR_FORMAT, "'%s': empty file (0 bytes)", name);
    img_format fmt = accel__img_sniff(b, n);
    if (fmt == IMG_FMT_UNKNOWN) {
        char lead[40] = "";
        size_t k = 0;
        for (size_t i = 0; i < n && i < 8; i++) k += (size_t)snprintf(lead + k, sizeof lead - k, "%02x", b[i]);
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not a JPEG, PNG or WebP image (%zu bytes "
                           "starting %s)", name, n, lead);
    }
    accel__strlcpy(out->format, accel__img_format_name(fmt), sizeof out->format);
    img_header hd;
    if (fmt == IMG_FMT_JPEG) FORWARD_IF_ERROR(accel__jpeg_header(name, b, n, &hd));
    else if (fmt == IMG_FMT_PNG) FORWARD_IF_ERROR(accel__png_header(name, b, n, &hd));
    else FORWARD_IF_ERROR(accel__webp_header(name, b, n, &hd));
    RETURN_ERROR_IF(hd.w <= 0 || hd.h <= 0, ACCEL_ERR_FORMAT, "'%s': header claims %d×%d pixels",
                    name, hd.w, hd.h);
    long long px = (long long)hd.w * (long long)hd.h;
    RETURN_ERROR_IF(px > max_pixels, ACCEL_ERR_FORMAT,
                    "'%s': header claims %d×%d = %lld pixels, above ACCEL_IMAGE_MAX_PIXELS=%lld "
                    "(refused before decoding)", name, hd.w, hd.h, px, max_pixels);
    out->stored_width = hd.w;
    out->stored_height = hd.h;
    int orient = p->ignore_orientation ? 1 : hd.orientation;
    if (orient < 2 || orient > 8) orient = 1;
    int denom = 1;
    if (fmt == IMG_FMT_JPEG && p->scale_denom > 1) {
        denom = p->scale_denom;
    } else if (fmt == IMG_FMT_JPEG && (p->min_width > 0 || p->min_height > 0)) {
        for (int d = 8; d >= 2; d /= 2) {
            int sw, sh;
            accel__jpeg_scaled(hd.w, hd.h, d, &sw, &sh);
            int ow = orient >= 5 ? sh : sw, oh = orient >= 5 ? sw : sh;
            if (ow >= p->min_width && oh >= p->min_height) {
                denom = d;
                break;
            }
        }
    }
    img_t im = {NULL, hd.w, hd.h, 3, 0, p->order == ACCEL_RGB};
    if (denom > 1) accel__jpeg_scaled(hd.w, hd.h, denom, &im.w, &im.h);
    im.stride = (size_t)im.w * 3;
    im.p = accel__img_alloc(im.stride * (size_t)im.h);
    RETURN_ERROR_IF(!im.p, ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %d×%d pixels", name, im.w,
                    im.h);
    accel_status st;
    /* the rows reported as they come when they are final (not turned afterwards); a JPEG
     * through libjpeg's API as OpenCV drives it, through TurboJPEG where that API is missing */
    sink_rows sr = {sink, im};
    int by_rows = sink && orient == 1;
    void (*ready)(void *, int) = by_rows ? sink_ready : NULL;
    if (fmt == IMG_FMT_JPEG) {
        st = accel__jpeg_decode_rows(name, b, n, denom, &im, out->message, sizeof out->message,
                                     ready, &sr);
        if (st == ACCEL_ERR_UNAVAILABLE || st == ACCEL_ERR_NOT_BUILT_IN) {
            by_rows = 0;
            st = accel__jpeg_decode(name, b, n, denom, &im, out->message, sizeof out->message);
        }
    } else if (fmt == IMG_FMT_PNG) {
        st = accel__png_decode(name, b, n, &im, ready, &sr);
    } else {
        st = accel__webp_decode(name, b, n, &im, ready, &sr);
    }
    if (st != ACCEL_OK) {
        if (by_rows) sink->drop(sink->arg); /* rows were reported: their reader stops first */
        free(im.p);
        return st;
    }
    img_t o;
    st = accel__img_orient(&im, orient, &o);
    if (st != ACCEL_OK) {
        free(im.p);
        return st;
    }
    if (o.p != im.p) free(im.p);
    out->scale_denom = denom;
    out->orientation = orient;
    out->image.data = o.p;
    out->image.width = o.w;
    out->image.height = o.h;
    out->image.channels = 3;
    out->image.stride = o.stride;
    out->image.order = o.rgb ? ACCEL_RGB : ACCEL_BGR;
    if (sink && !by_rows) sink->rows(sink->arg, &o, o.h);
    return ACCEL_OK;
}
