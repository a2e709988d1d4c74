/* common.c — image views over the caller's accel_image arrays, the split of a batch into
 * (image, band of rows) pieces for the CPU pool, and pixel allocation. */
#include "image_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/cpu/cpu.h"

/* The fields of accel_image as of 0.1 end with `order`. */
#define IMG_ELEM_MIN (offsetof(accel_image, order) + sizeof(accel_pixel_order))

size_t accel__img_elem(const accel_image *arr)
{
    if (!arr || arr->struct_size < IMG_ELEM_MIN) return 0;
    return arr->struct_size;
}

int accel__img_view(const accel_image *arr, size_t elem, size_t i, unsigned allowed, img_t *v,
                    char *why, size_t cap)
{
    const accel_image *a = IMG_AT(const accel_image, arr, elem, i);
    memset(v, 0, sizeof *v);
    if (a->struct_size != elem) {
        snprintf(why, cap, "struct_size %zu differs from the first element's %zu", a->struct_size,
                 elem);
        return -1;
    }
    if (a->width <= 0 || a->height <= 0) {
        snprintf(why, cap, "size %d×%d (width and height must be at least 1)", a->width,
                 a->height);
        return -1;
    }
    if (a->channels < 1 || a->channels > 4 || !(allowed & (1u << a->channels))) {
        char list[32] = "";
        size_t k = 0;
        for (int c = 1; c <= 4; c++)
            if (allowed & (1u << c)) k += (size_t)snprintf(list + k, sizeof list - k, "%s%d", k ? ", " : "", c);
        snprintf(why, cap, "%d channels (allowed: %s)", a->channels, list);
        return -1;
    }
    if (a->order != ACCEL_BGR && a->order != ACCEL_RGB) {
        snprintf(why, cap, "pixel order %d (allowed: ACCEL_BGR, ACCEL_RGB)", (int)a->order);
        return -1;
    }
    size_t row = (size_t)a->width * (size_t)a->channels;
    size_t stride = a->stride ? a->stride : row;
    if (stride < row) {
        snprintf(why, cap, "stride %zu is shorter than a row of %zu bytes", stride, row);
        return -1;
    }
    if (!a->data) {
        snprintf(why, cap, "data is NULL");
        return -1;
    }
    v->p = a->data;
    v->w = a->width;
    v->h = a->height;
    v->c = a->channels;
    v->stride = stride;
    v->rgb = a->order == ACCEL_RGB;
    return 0;
}

accel_status accel__img_bands_init(img_bands *b, size_t n_images, const int *rows, int band)
{
    memset(b, 0, sizeof *b);
    b->band = band < 1 ? 1 : band;
    b->n_images = n_images;
    b->first = malloc((n_images + 1) * sizeof *b->first);
    b->rows = malloc((n_images ? n_images : 1) * sizeof *b->rows);
    if (!b->first || !b->rows) {
        accel__img_bands_free(b);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory splitting %zu images", n_images);
    }
    size_t k = 0;
    for (size_t i = 0; i < n_images; i++) {
        b->first[i] = k;
        b->rows[i] = rows[i] > 0 ? rows[i] : 0;
        k += ((size_t)b->rows[i] + (size_t)b->band - 1) / (size_t)b->band;
    }
    b->first[n_images] = k;
    b->n_pieces = k;
    return ACCEL_OK;
}

void accel__img_bands_free(img_bands *b)
{
    free(b->first);
    free(b->rows);
    b->first = NULL;
    b->rows = NULL;
}

void accel__img_band_of(const img_bands *b, size_t k, size_t *img, int *r0, int *r1)
{
    size_t lo = 0, hi = b->n_images;
    /* the image whose pieces hold k: first[lo] <= k < first[lo + 1] (images without rows
     * have no pieces and are stepped over) */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (b->first[mid] <= k) lo = mid;
        else hi = mid;
    }
    while (lo + 1 < b->n_images && b->first[lo + 1] <= k) lo++;
    size_t j = k - b->first[lo];
    *img = lo;
    *r0 = (int)(j * (size_t)b->band);
    *r1 = *r0 + b->band < b->rows[lo] ? *r0 + b->band : b->rows[lo];
}

void accel__img_parallel(const accel__device *dev, size_t n, img_task_fn fn, void *arg)
{
    if (n == 0) return;
    accel__pool *pool = dev ? accel__cpu_pool(dev) : NULL;
    if (!pool || n == 1) {
        fn(arg, 0, n);
        return;
    }
    accel__pool_for(pool, n, fn, arg);
}

/* Pixels, 64-byte aligned. From 4 MB up (a 1080p BGR image is 6.2 MB) the 2 MB-aligned
 * inside of the block is given transparent huge pages (MADV_HUGEPAGE): a process that decodes
 * one image then takes a fault per 2 MB instead of per 4 KB (`accel image quality` of a 1080p
 * JPEG on a 2-vCPU guest: 26.8 → 18.6 ms), while a loop that decodes image after image keeps
 * reusing the C library's blocks as before (the whole block 2 MB-aligned and populated cost
 * such a loop 0.4 ms a decode). */
uint8_t *accel__img_alloc(size_t bytes)
{
    size_t n = (bytes + 63) & ~(size_t)63;
    uint8_t *p = aligned_alloc(64, n ? n : 64);
#ifdef MADV_HUGEPAGE
    if (p && n >= ((size_t)4 << 20)) accel__advise_inside(p, n, (size_t)2 << 20, MADV_HUGEPAGE);
#endif
    return p;
}

void accel_image_free(accel_image *images, size_t n)
{
    if (!images) return;
    size_t elem = images[0].struct_size >= IMG_ELEM_MIN ? images[0].struct_size : sizeof *images;
    for (size_t i = 0; i < n; i++) {
        accel_image *a = IMG_AT(accel_image, images, elem, i);
        free(a->data);
        a->data = NULL;
    }
}
