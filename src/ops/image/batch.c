/* batch.c — per-image bookkeeping of the image operations' calls, the calling thread's
 * per-image messages (accel_image_item_error), and the band runner their CPU code shares
 * (image_ops.h). */
#include "image_ops.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- the calling thread's per-image messages ---- */

/* The messages of the thread's last image call, one per image (NULL: it did not fail). A key
 * with a destructor rather than _Thread_local storage, so that a thread that ends (a Python
 * worker's, a server's) frees its call's messages. */
typedef struct item_errors {
    size_t n;
    char **msg;
} item_errors;

static pthread_key_t errs_key;
static int errs_key_ok;
static pthread_once_t errs_once = PTHREAD_ONCE_INIT;

static void errs_clear(item_errors *e)
{
    for (size_t i = 0; e->msg && i < e->n; i++) free(e->msg[i]);
    free(e->msg);
    e->msg = NULL;
    e->n = 0;
}

static void errs_destroy(void *p)
{
    errs_clear(p);
    free(p);
}

static void errs_init(void) { errs_key_ok = pthread_key_create(&errs_key, errs_destroy) == 0; }

static item_errors *errs(int create)
{
    pthread_once(&errs_once, errs_init);
    if (!errs_key_ok) return NULL;
    item_errors *e = pthread_getspecific(errs_key);
    if (!e && create && (e = calloc(1, sizeof *e)) && pthread_setspecific(errs_key, e) != 0) {
        free(e);
        e = NULL;
    }
    return e;
}

void accel__img_errors_reset(void)
{
    item_errors *e = errs(0);
    if (e) errs_clear(e);
}

const char *accel_image_item_error(size_t i)
{
    const item_errors *e = errs(0);
    return e && i < e->n && e->msg[i] ? e->msg[i] : "";
}

const char *accel__img_item_reason(const char *msg)
{
    const char *s = msg, *p = s;
    while ((*p >= 'a' && *p <= 'z') || *p == '_') p++; /* "image_blob: " */
    if (p > s && p[0] == ':' && p[1] == ' ') s = p + 2;
    p = s;
    while ((*p >= 'a' && *p <= 'z') || *p == ' ') p++; /* "input image ", "face " */
    if (p > s && p[-1] == ' ' && *p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9') p++;
        if (p[0] == ':' && p[1] == ' ') s = p + 2;
    }
    return s;
}

/* ---- the batch ---- */

accel_status accel__img_batch_init(img_batch *b, const char *op, size_t n)
{
    memset(b, 0, sizeof *b);
    accel__img_errors_reset();
    RETURN_ERROR_IF(n == 0, ACCEL_ERR_INVALID_ARG, "%s: empty batch (no images given)", op);
    b->op = op;
    b->n = n;
    b->first_bad = (size_t)-1;
    b->st = calloc(n ? n : 1, sizeof *b->st);
    b->msg = calloc(n ? n : 1, sizeof *b->msg);
    if (!b->st || !b->msg) {
        accel__img_batch_free(b);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "%s: out of memory for %zu images", op, n);
    }
    return ACCEL_OK;
}

void accel__img_batch_free(img_batch *b)
{
    for (size_t i = 0; b->msg && i < b->n; i++) free(b->msg[i]);
    free(b->msg);
    free(b->st);
    b->msg = NULL;
    b->st = NULL;
}

void accel__img_batch_fail(img_batch *b, size_t i, accel_status st, const char *fmt, ...)
{
    char msg[sizeof b->first_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (b->st[i] == ACCEL_OK) b->st[i] = st;
    if (!b->msg[i]) b->msg[i] = strdup(msg); /* NULL when out of memory: the status's text */
    if (b->first_bad == (size_t)-1 || i < b->first_bad) {
        b->first_bad = i;
        memcpy(b->first_msg, msg, sizeof msg);
    }
}

void accel__img_item_fail(img_batch *b, size_t i, accel_status st, const char *msg)
{
    accel_status ok = ACCEL_OK;
    /* the worker that stores the status stores the reason: the two always agree */
    if (!__atomic_compare_exchange_n(&b->st[i], &ok, st, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return;
    if (msg && *msg && !b->msg[i]) b->msg[i] = strdup(msg);
}

void accel__img_batch_note(img_batch *b, size_t i, const char *msg)
{
    char *m = msg && *msg ? strdup(msg) : NULL;
    if (!m) return;
    free(b->msg[i]);
    b->msg[i] = m;
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

/* "op: reason" for image i, as accel_last_error words the first failure (without the count) */
static char *item_text(const img_batch *b, size_t i, const char *exec_msg)
{
    char text[1024];
    if (b->msg[i])
        snprintf(text, sizeof text, "%s: %s", b->op, b->msg[i]);
    else if (exec_msg) /* the call failed as a whole: its own message names what failed */
        snprintf(text, sizeof text, "%s", exec_msg);
    else
        snprintf(text, sizeof text, "%s: image %zu: %s", b->op, i, accel_strerror(b->st[i]));
    return strdup(text);
}

accel_status accel__img_batch_end(img_batch *b, accel_status exec, accel_status *status_out)
{
    char exec_msg[1024] = "";
    if (exec != ACCEL_OK) accel__strlcpy(exec_msg, accel__last_error_text(), sizeof exec_msg);
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
        else if (b->msg[first])
            accel__strlcpy(msg, b->msg[first], sizeof msg);
        else
            snprintf(msg, sizeof msg, "image %zu: %s", first, accel_strerror(ret));
        ACCEL_ERROR(ret, "%s: %s (%zu of %zu images failed; the others are done)", b->op, msg, bad,
                    b->n);
    }
    /* each failed image's message, for accel_image_item_error; an image that did not fail has
     * none */
    item_errors *e = bad ? errs(1) : NULL;
    if (e) {
        errs_clear(e);
        for (size_t i = 0; i < b->n; i++) {
            char *t = b->st[i] != ACCEL_OK ? item_text(b, i, exec != ACCEL_OK ? exec_msg : NULL) : NULL;
            free(b->msg[i]);
            b->msg[i] = t;
        }
        e->msg = b->msg;
        e->n = b->n;
        b->msg = NULL;
    }
    accel__img_batch_free(b);
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
        /* the band functions fail through RETURN_ERROR_IF: this thread's message is theirs */
        if (st != ACCEL_OK) accel__img_item_fail(r->b, i, st, accel__last_error_text());
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
