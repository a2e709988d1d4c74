/* fuzz_image.h — what the image decoding targets (fuzz_jpeg_rows, fuzz_png_webp_rows) share:
 * a reader of decoded rows that checks how they are handed on (decode.c's img_row_sink), a
 * comparison of pixels, and the check of an image turned by its EXIF orientation. */
#ifndef ACCEL_FUZZ_IMAGE_H
#define ACCEL_FUZZ_IMAGE_H

#include "fuzz.h"
#include "ops/image/image_internal.h"

/* The rows a reader was told of: they grow, never pass the image's height, come from one
 * image, and none comes after drop. */
typedef struct fuzz_rows_seen {
    int calls, rows, h, dropped;
    const uint8_t *p;
} fuzz_rows_seen;

static void fuzz_on_rows(void *arg, const img_t *im, int rows)
{
    fuzz_rows_seen *s = arg;
    FUZZ_CHECK(!s->dropped);
    FUZZ_CHECK(rows > s->rows && rows <= im->h && im->w > 0 && im->h > 0 && im->c == 3);
    FUZZ_CHECK(!s->calls || (im->p == s->p && im->h == s->h));
    s->calls++;
    s->rows = rows;
    s->h = im->h;
    s->p = im->p;
}

static void fuzz_on_drop(void *arg) { ((fuzz_rows_seen *)arg)->dropped = 1; }

/* 1 when a decoded image holds w × h BGR pixels equal to p's (rows `stride` apart). */
static int fuzz_same_pixels(const accel_image *a, const uint8_t *p, size_t stride, int w, int h)
{
    if (a->width != w || a->height != h) return 0;
    for (int y = 0; y < h; y++)
        if (memcmp(a->data + (size_t)y * a->stride, p + (size_t)y * stride, (size_t)w * 3)) return 0;
    return 1;
}

/* The same bytes decoded with their EXIF orientation applied — turned as the rows come
 * (decode.c's ring) — against the upright decode turned afterwards by accel__img_orient: the
 * same verdict, and the same pixels. */
static void fuzz_check_turned(const uint8_t *data, size_t size, accel_status upright_st,
                              const accel_image *up)
{
    accel_image_decode_params p;
    accel_image_decode_params_init(&p);
    accel_image_decoded t;
    accel_image_decoded_init(&t, 1);
    accel_status st = accel__img_decode_buffer("fuzz", data, size, &p, 1 << 22, &t);
    accel__clear_error();
    FUZZ_CHECK(st == upright_st);
    if (st == ACCEL_OK) {
        img_t src = {up->data, up->width, up->height, 3, up->stride, 0}, o;
        FUZZ_CHECK(accel__img_orient(&src, t.orientation, &o) == ACCEL_OK);
        FUZZ_CHECK(fuzz_same_pixels(&t.image, o.p, o.stride, o.w, o.h));
        if (o.p != src.p) free(o.p);
    }
    accel_image_decoded_free(&t, 1);
}

#endif
