/* bench_cases.c — the benchmark cases: how to build a call of each operation with a given
 * number of items (bench.h). Operation families add theirs to `builtin` below.
 *
 * "empty" is the executor's own case: an operation that does no work, so its time per call is
 * the cost of dispatch (cached device order, counters, records) on each device. It is not in
 * the operation registry: nobody calls it except to measure that cost. */
#include "core/bench.h"

#include <stdlib.h>
#include <string.h>

/* ---- empty ----------------------------------------------------------------------------- */

typedef struct empty_call {
    size_t n;
} empty_call;

static size_t empty_items(const void *call) { return ((const empty_call *)call)->n; }

static accel_status empty_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    (void)dev;
    (void)call;
    (void)begin;
    (void)end;
    return ACCEL_OK;
}

static accel_status empty_run_device(accel__devq *q, void *call, size_t begin, size_t end)
{
    (void)q;
    (void)call;
    (void)begin;
    (void)end;
    return ACCEL_OK;
}

static const accel__op empty_op = {
    .name = "empty",
    .n_items = empty_items,
    .run_cpu = empty_run,
    .run_device = empty_run_device,
};

static const accel__op *empty_get(void) { return &empty_op; }

static accel_status empty_make(size_t items, size_t item_size, void **call, size_t *bytes_in,
                               size_t *bytes_out)
{
    (void)item_size;
    empty_call *c = malloc(sizeof *c);
    RETURN_ERROR_IF(!c, ACCEL_ERR_NO_MEMORY, "out of memory");
    c->n = items;
    *call = c;
    *bytes_in = *bytes_out = 0;
    return ACCEL_OK;
}

static const accel__bench_case case_empty = {
    .op = "empty",
    .about = "an operation that does nothing: the executor's cost per call (items are counted, "
             "never touched)",
    .sizes = {1, 1000, 1000000},
    .get_op = empty_get,
    .make = empty_make,
    .destroy = free,
};

/* ---- the list -------------------------------------------------------------------------- */

/* The order matters: the first case listed for an operation is its family's default preset
 * (core/opnames.h: "whisper" means "whisper-80"). */
/* Cases defined next to their operations (src/ops/<family>/). */
extern const accel__bench_case accel__bench_case_convert, accel__bench_case_convert_f16,
    accel__bench_case_reduce, accel__bench_case_noop;
extern const accel__bench_case accel__bench_case_whisper80, accel__bench_case_whisper128,
    accel__bench_case_vggish, accel__bench_case_fbank, accel__bench_case_fbank80;
/* image operations (src/ops/image/bench_case.c) */
extern const accel__bench_case accel__bench_case_image_decode, accel__bench_case_image_gray,
    accel__bench_case_image_resize, accel__bench_case_image_blob, accel__bench_case_scrfd_input,
    accel__bench_case_scrfd_output, accel__bench_case_image_warp, accel__bench_case_arcface_align,
    accel__bench_case_image_quality, accel__bench_case_image_enhance,
    accel__bench_case_scrfd_prepare;

static const accel__bench_case *const builtin[] = {
    &case_empty,
    &accel__bench_case_noop,
    &accel__bench_case_convert,
    &accel__bench_case_convert_f16,
    &accel__bench_case_reduce,
    &accel__bench_case_whisper80,
    &accel__bench_case_whisper128,
    &accel__bench_case_vggish,
    &accel__bench_case_fbank,
    &accel__bench_case_fbank80,
    &accel__bench_case_image_decode,
    &accel__bench_case_image_gray,
    &accel__bench_case_image_resize,
    &accel__bench_case_image_blob,
    &accel__bench_case_scrfd_input,
    &accel__bench_case_scrfd_output,
    &accel__bench_case_image_warp,
    &accel__bench_case_arcface_align,
    &accel__bench_case_image_quality,
    &accel__bench_case_image_enhance,
    &accel__bench_case_scrfd_prepare,
};
#define N_BUILTIN (sizeof builtin / sizeof *builtin)

#define MAX_EXTRA 32
static const accel__bench_case *extra[MAX_EXTRA];
static size_t n_extra;
static pthread_mutex_t extra_lock = PTHREAD_MUTEX_INITIALIZER;

size_t accel__bench_case_count(void)
{
    pthread_mutex_lock(&extra_lock);
    size_t n = N_BUILTIN + n_extra;
    pthread_mutex_unlock(&extra_lock);
    return n;
}

const accel__bench_case *accel__bench_case_at(size_t i)
{
    if (i < N_BUILTIN) return builtin[i];
    pthread_mutex_lock(&extra_lock);
    const accel__bench_case *c = i - N_BUILTIN < n_extra ? extra[i - N_BUILTIN] : NULL;
    pthread_mutex_unlock(&extra_lock);
    return c;
}

const accel__bench_case *accel__bench_case_find(const char *op)
{
    if (!op) return NULL;
    for (size_t i = 0, n = accel__bench_case_count(); i < n; i++) {
        const accel__bench_case *c = accel__bench_case_at(i);
        if (c && strcmp(c->op, op) == 0) return c;
    }
    return NULL;
}

accel_status accel__bench_case_add(const accel__bench_case *c)
{
    RETURN_ERROR_IF(!c || !c->op || !c->make || !c->destroy, ACCEL_ERR_INVALID_ARG,
                    "benchmark case needs op, make and destroy");
    RETURN_ERROR_IF(accel__bench_case_find(c->op), ACCEL_ERR_INVALID_ARG,
                    "a benchmark case for '%s' exists already", c->op);
    pthread_mutex_lock(&extra_lock);
    int full = n_extra >= MAX_EXTRA;
    if (!full) extra[n_extra++] = c;
    pthread_mutex_unlock(&extra_lock);
    RETURN_ERROR_IF(full, ACCEL_ERR_NO_MEMORY, "more than %d added benchmark cases", MAX_EXTRA);
    return ACCEL_OK;
}

const accel__op *accel__bench_case_op(const accel__bench_case *c)
{
    if (!c) return NULL;
    return c->get_op ? c->get_op() : accel__op_find(c->op);
}

int accel__bench_takes_image_size(const accel__bench_case *c)
{
    return c && c->make_image != NULL;
}

int accel__bench_parse_image_size(const char *s, int *w, int *h)
{
    static const struct {
        const char *name;
        int w, h;
    } named[] = {{"small", 640, 480}, {"medium", 1920, 1080}, {"large", 3840, 2160}};
    if (!s) return -1;
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (strcmp(s, named[i].name) == 0) {
            *w = named[i].w;
            *h = named[i].h;
            return 0;
        }
    /* WxH: digits only on both sides of one 'x' (no sign, no spaces, no leading '+') */
    long v[2] = {0, 0};
    int k = 0, digits = 0;
    for (const char *p = s;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (v[k] > 16384) return -1;
            v[k] = v[k] * 10 + (*p - '0');
            digits++;
        } else if ((*p == 'x' || *p == 'X') && k == 0 && digits) {
            k = 1;
            digits = 0;
        } else if (!*p && k == 1 && digits) {
            break;
        } else {
            return -1;
        }
    }
    if (v[0] < 1 || v[0] > 16384 || v[1] < 1 || v[1] > 16384) return -1;
    *w = (int)v[0];
    *h = (int)v[1];
    return 0;
}
