/* batch.c — per-image bookkeeping of the image operations' calls and the band runner their
 * CPU code shares (image_ops.h). */
#include "image_ops.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

accel_status accel__img_batch_init(img_batch *b, const char *op, size_t n)
{
    memset(b, 0, sizeof *b);
    RETURN_ERROR_IF(n == 0, ACCEL_ERR_INVALID_ARG, "%s: empty batch (no images given)", op);
    b->op = op;
    b->n = n;
    b->first_bad = (size_t)-1;
    b->st = calloc(n ? n : 1, sizeof *b->st);
    RETURN_ERROR_IF(!b->st, ACCEL_ERR_NO_MEMORY, "%s: out of memory for %zu images", op, n);
    return ACCEL_OK;
}

void accel__img_batch_fail(img_batch *b, size_t i, accel_status st, const char *fmt, ...)
{
    if (b->st[i] == ACCEL_OK) b->st[i] = st;
    if (b->first_bad == (size_t)-1 || i < b->first_bad) {
        b->first_bad = i;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->first_msg, sizeof b->first_msg, fmt, ap);
        va_end(ap);
    }
}

void accel__img_item_fail(img_batch *b, size_t i, accel_status st)
{
    accel_status ok = ACCEL_OK;
    __atomic_compare_exchange_n(&b->st[i], &ok, st, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

accel_status accel__img_batch_views(img_batch *b, const char *what, const accel_image *arr,
                                    unsigned allowed, img_t *v)
{
    size_t elem = accel__img_elem(arr);
    RETURN_ERROR_IF(b->n && !arr, ACCEL_ERR_INVALID_ARG, "%s: the %s images are NULL", b->op, what);
    RETURN_ERROR_IF(b->n && !elem, ACCEL_ERR_INVALID_ARG,
                    "%s: %s image 0 has struct_size %zu (set it to sizeof(accel_image))", b->op,
                    what, arr->struct_size);
    for (size_t i = 0; i < b->n; i++) {
        char why[160];
        if (accel__img_view(arr, elem, i, allowed, &v[i], why, sizeof why) != 0)
            accel__img_batch_fail(b, i, ACCEL_ERR_INVALID_ARG, "%s image %zu: %s", what, i, why);
    }
    return ACCEL_OK;
}

accel_status accel__img_batch_end(img_batch *b, accel_status exec, accel_status *status_out)
{
    size_t bad = 0, first = (size_t)-1;
    for (size_t i = 0; i < b->n; i++) {
        if (exec != ACCEL_OK && b->st[i] == ACCEL_OK) b->st[i] = exec;
        if (b->st[i] != ACCEL_OK) {
            bad++;
            if (first == (size_t)-1) first = i;
        }
        if (status_out) status_out[i] = b->st[i];
    }
    accel_status ret = ACCEL_OK;
    if (exec != ACCEL_OK) {
        ret = exec; /* the executor's message stands */
    } else if (bad) {
        ret = b->st[first];
        char msg[320];
        if (first == b->first_bad)
            accel__strlcpy(msg, b->first_msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "image %zu: %s", first, accel_strerror(ret));
        ACCEL_ERROR(ret, "%s: %s (%zu of %zu images failed; the others are done)", b->op, msg, bad,
                    b->n);
    }
    free(b->st);
    b->st = NULL;
    return ret;
}

/* ---- bands ---- */

typedef struct band_run {
    img_batch *b;
    void *call;
    img_band_fn fn;
    img_bands bands;
    size_t begin;
} band_run;

static void band_task(void *arg, size_t k0, size_t k1)
{
    band_run *r = arg;
    for (size_t k = k0; k < k1; k++) {
        size_t img;
        int r0, r1;
        accel__img_band_of(&r->bands, k, &img, &r0, &r1);
        size_t i = r->begin + img;
        if (__atomic_load_n(&r->b->st[i], __ATOMIC_RELAXED) != ACCEL_OK) continue;
        accel_status st = r->fn(r->call, i, r0, r1);
        if (st != ACCEL_OK) accel__img_item_fail(r->b, i, st);
    }
}

accel_status accel__img_run_bands(img_batch *b, void *call, size_t begin, size_t end,
                                  img_rows_fn rows, int band, img_band_fn fn)
{
    if (end <= begin) return ACCEL_OK;
    int *r = malloc((end - begin) * sizeof *r);
    RETURN_ERROR_IF(!r, ACCEL_ERR_NO_MEMORY, "%s: out of memory", b->op);
    for (size_t i = begin; i < end; i++) r[i - begin] = b->st[i] == ACCEL_OK ? rows(call, i) : 0;
    band_run run = {b, call, fn, {0}, begin};
    accel_status st = accel__img_bands_init(&run.bands, end - begin, r, band);
    free(r);
    FORWARD_IF_ERROR(st);
    accel__img_parallel(b->dev, run.bands.n_pieces, band_task, &run);
    accel__img_bands_free(&run.bands);
    return ACCEL_OK;
}
