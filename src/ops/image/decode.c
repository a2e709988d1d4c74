/* decode.c — one image file (or buffer) to BGR pixels, as cv2.imread(path, IMREAD_COLOR):
 * the format from the content, the header checked against ACCEL_IMAGE_MAX_PIXELS before any
 * pixel is allocated, the decoder of the format, then the EXIF orientation (JPEG and PNG, as
 * OpenCV 4.6 reads it; WebP has none there) applied with OpenCV's flips and transposes:
 *   2 flip left-right   3 rotate 180°   4 flip top-bottom   5 transpose
 *   6 transpose + flip left-right (90° clockwise)   7 transpose + rotate 180°
 *   8 transpose + flip top-bottom (90° anticlockwise). */
#include "image_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* One pixel of cn bytes (3 for every decoded image, so that case is spelled out). */
static inline void px_copy(uint8_t *d, const uint8_t *s, int cn)
{
    if (cn == 3) {
        d[0] = s[0], d[1] = s[1], d[2] = s[2];
    } else {
        for (int k = 0; k < cn; k++) d[k] = s[k];
    }
}

/* Orientations 5..8 swap rows and columns: output row r is a column of the source. They are
 * done in tiles of T × T pixels, so that the T source rows a tile reads stay in cache while
 * its T output rows are written, rather than a whole source column per output row. */
static void orient_transpose(const img_t *src, int o, img_t *d)
{
    enum { T = 32 };
    const int W = src->w, H = src->h, cn = src->c;
    const int rev_rows = o == 6 || o == 7;  /* output column c reads source row H-1-c (else c) */
    const int rev_cols = o == 7 || o == 8;  /* output row r reads source column W-1-r (else r) */
    const ptrdiff_t step = rev_rows ? -(ptrdiff_t)src->stride : (ptrdiff_t)src->stride;
    for (int r0 = 0; r0 < d->h; r0 += T) {
        const int r1 = r0 + T < d->h ? r0 + T : d->h;
        for (int c0 = 0; c0 < d->w; c0 += T) {
            const int c1 = c0 + T < d->w ? c0 + T : d->w;
            for (int r = r0; r < r1; r++) {
                const int sc = rev_cols ? W - 1 - r : r;
                const uint8_t *s = src->p + (size_t)(rev_rows ? H - 1 - c0 : c0) * src->stride +
                                   (size_t)sc * (size_t)cn;
                uint8_t *out = d->p + (size_t)r * d->stride + (size_t)c0 * (size_t)cn;
                for (int c = c0; c < c1; c++, s += step, out += cn) px_copy(out, s, cn);
            }
        }
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
    if (tr) {
        orient_transpose(src, o, &d);
    } else {
        /* 2 flips each row, 3 flips each row and takes the rows bottom up, 4 only the latter */
        for (int r = 0; r < H; r++) {
            const uint8_t *s = src->p + (size_t)(o == 2 ? r : H - 1 - r) * src->stride;
            uint8_t *out = d.p + (size_t)r * d.stride;
            if (o == 4) {
                memcpy(out, s, (size_t)W * (size_t)cn);
                continue;
            }
            s += (size_t)(W - 1) * (size_t)cn;
            for (int c = 0; c < W; c++, s -= cn, out += cn) px_copy(out, s, cn);
        }
    }
    *dst = d;
    return ACCEL_OK;
}

/* What a path that is not a regular file names, for the message. */
static const char *kind_of(mode_t m)
{
    if (S_ISFIFO(m)) return "a named pipe (FIFO)";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

/* Reads a whole regular file; messages name it. Anything else is refused before a byte is
 * read: a FIFO would block until a writer came (O_NONBLOCK keeps even the open from waiting),
 * and a device such as /dev/zero would be read until memory ran out. The file is read to the
 * size fstat gave, and on while it grows. */
accel_status accel__img_read_file(const char *path, uint8_t **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        RETURN_ERROR_IF(e == ENOENT || e == ENOTDIR, ACCEL_ERR_NOT_FOUND, "'%s': no such file", path);
        return ACCEL_ERROR(ACCEL_ERR_IO, "'%s': cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ACCEL_ERROR(ACCEL_ERR_IO, "'%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        RETURN_ERROR_IF(S_ISDIR(st.st_mode), ACCEL_ERR_IO, "'%s': is a directory, not an image file",
                        path);
        return ACCEL_ERROR(ACCEL_ERR_IO, "'%s': %s, not an image file (images are read from "
                           "regular files only)", path, kind_of(st.st_mode));
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 65536, len = 0;
    uint8_t *b = malloc(cap + 1);
    if (!b) {
        close(fd);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %zu bytes", path, cap);
    }
    for (;;) {
        ssize_t got = read(fd, b + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int e = errno;
            free(b);
            close(fd);
            return ACCEL_ERROR(ACCEL_ERR_IO, "'%s': read error: %s", path, strerror(e));
        }
        if (got == 0) break;
        len += (size_t)got;
        if (len == cap) { /* the file grew: read on */
            uint8_t *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                close(fd);
                return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory", path);
            }
            b = nb;
            cap *= 2;
        }
    }
    close(fd);
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

/* An EXIF-oriented image turned into place as it is decoded: the decoder fills a ring of
 * IMG_ROW_STEP rows, and each step's rows go straight to their places in the turned image
 * (the mapping of accel__img_orient: output (r, c) takes source (sr, sc)). */
typedef struct turn_rows {
    img_t ring; /* the decoder's rows: w × h as decoded, IMG_ROW_STEP rows of pixels */
    img_t out;  /* the turned image */
    int orient, told;
} turn_rows;

static void turn_ready(void *arg, int rows)
{
    turn_rows *t = arg;
    const int W = t->ring.w, H = t->ring.h, o = t->orient, y0 = t->told;
    const img_t *d = &t->out;
    if (o < 5) {
        for (int y = y0; y < rows; y++) {
            const uint8_t *s = accel__img_row(&t->ring, 1, y);
            uint8_t *out = d->p + (size_t)(o == 2 ? y : H - 1 - y) * d->stride;
            if (o == 4) {
                memcpy(out, s, (size_t)W * 3);
                continue;
            }
            s += (size_t)(W - 1) * 3;
            for (int x = 0; x < W; x++, s -= 3, out += 3) px_copy(out, s, 3);
        }
    } else {
        /* source row y is output column y (5, 8) or H-1-y (6, 7); source column x is output
         * row x (5, 6) or W-1-x (7, 8): a step's rows fill a strip of 16 columns */
        const int rev_c = o == 6 || o == 7, rev_r = o == 7 || o == 8;
        const uint8_t *rows_at[IMG_ROW_STEP];
        for (int y = y0; y < rows; y++) rows_at[y - y0] = accel__img_row(&t->ring, 1, y);
        const int n = rows - y0, c0 = rev_c ? H - rows : y0; /* the strip's first column */
        for (int x = 0; x < W; x++) {
            uint8_t *out = d->p + (size_t)(rev_r ? W - 1 - x : x) * d->stride + (size_t)c0 * 3;
            const size_t sx = (size_t)x * 3;
            if (rev_c)
                for (int k = n - 1; k >= 0; k--, out += 3) px_copy(out, rows_at[k] + sx, 3);
            else
                for (int k = 0; k < n; k++, out += 3) px_copy(out, rows_at[k] + sx, 3);
        }
    }
    t->told = rows;
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
    /* an oriented JPEG or PNG (not interlaced) is turned into place as its rows come: the
     * decoder fills a ring of rows, not a whole second image */
    turn_rows tr = {.orient = orient};
    const int ring = orient != 1 && (fmt == IMG_FMT_JPEG || (fmt == IMG_FMT_PNG && !hd.interlaced));
    if (ring) {
        const int swap = orient >= 5;
        tr.out = (img_t){NULL, swap ? im.h : im.w, swap ? im.w : im.h, 3, 0, im.rgb};
        tr.out.stride = (size_t)tr.out.w * 3;
        tr.out.p = accel__img_alloc(tr.out.stride * (size_t)tr.out.h);
        RETURN_ERROR_IF(!tr.out.p, ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %d×%d pixels",
                        name, tr.out.w, tr.out.h);
    }
    im.p = accel__img_alloc(im.stride * (size_t)(ring ? IMG_ROW_STEP : im.h));
    if (!im.p) {
        free(tr.out.p);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %d×%d pixels", name,
                           im.w, im.h);
    }
    tr.ring = im;
    accel_status st;
    /* the rows reported as they come when they are final (not turned afterwards); a JPEG
     * through libjpeg's API as OpenCV drives it, through TurboJPEG where that API is missing */
    sink_rows sr = {sink, im};
    int by_rows = sink && orient == 1;
    void (*ready)(void *, int) = ring ? turn_ready : by_rows ? sink_ready : NULL;
    void *ready_arg = ring ? (void *)&tr : (void *)&sr;
    if (fmt == IMG_FMT_JPEG) {
        st = accel__jpeg_decode_rows(name, b, n, denom, &im, ring, out->message,
                                     sizeof out->message, ready, ready_arg);
        if (st == ACCEL_ERR_UNAVAILABLE || st == ACCEL_ERR_NOT_BUILT_IN) {
            /* TurboJPEG decodes whole images: a whole one, turned afterwards */
            by_rows = 0;
            if (ring) {
                free(im.p), free(tr.out.p);
                tr.out.p = NULL;
                im.p = accel__img_alloc(im.stride * (size_t)im.h);
                RETURN_ERROR_IF(!im.p, ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %d×%d "
                                "pixels", name, im.w, im.h);
            }
            st = accel__jpeg_decode(name, b, n, denom, &im, out->message, sizeof out->message);
        }
    } else if (fmt == IMG_FMT_PNG) {
        st = accel__png_decode(name, b, n, &im, ring, ready, ready_arg);
    } else {
        st = accel__webp_decode(name, b, n, &im, ready, ready_arg);
    }
    if (st != ACCEL_OK) {
        if (by_rows) sink->drop(sink->arg); /* rows were reported: their reader stops first */
        free(im.p);
        free(tr.out.p);
        return st;
    }
    img_t o;
    if (tr.out.p) {
        free(im.p); /* the ring */
        o = tr.out;
    } else {
        st = accel__img_orient(&im, orient, &o);
        if (st != ACCEL_OK) {
            free(im.p);
            return st;
        }
        if (o.p != im.p) free(im.p);
    }
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
