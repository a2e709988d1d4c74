/* op_decode.c — the operation "image_decode" and accel_image_decode() /
 * accel_image_decode_memory(): files are read and decoded one per task on the CPU pool
 * (decode.c does one). The memory formula counts the largest image of the call whose size is
 * known (1920×1080 until a header has been read) and its encoded bytes. */
#include "image_ops.h"

#include <stdlib.h>
#include <string.h>

#define DECODED_MIN (offsetof(accel_image_decoded, message) + 256)

typedef struct dec_task {
    img_decode_call *c;
    size_t begin;
} dec_task;

accel_status accel__img_decode_item(img_decode_call *c, size_t i, const img_row_sink *sink)
{
    accel_image_decoded *o = IMG_AT(accel_image_decoded, c->out, c->out_elem, i);
    /* a call may be run again (benchmarks): the previous run's pixels go first */
    free(o->image.data);
    o->image.data = NULL;
    char name[64];
    const char *label;
    uint8_t *file = NULL;
    const uint8_t *b;
    size_t n;
    accel_status st = ACCEL_OK;
    if (c->paths) {
        label = c->paths[i];
        st = accel__img_read_file(label, &file, &n);
        b = file;
    } else {
        if (c->names && c->names[i]) {
            label = c->names[i];
        } else {
            snprintf(name, sizeof name, "image %zu", i);
            label = name;
        }
        b = c->data[i];
        n = c->sizes[i];
    }
    if (st == ACCEL_OK)
        st = accel__img_decode_buffer_rows(label, b, n, &c->p, c->max_pixels, o, sink);
    free(file);
    if (st != ACCEL_OK) {
        accel__strlcpy(o->message, accel__last_error_text(), sizeof o->message);
        o->status = st;
        accel__img_item_fail(&c->b, i, st, o->message);
    }
    return st;
}

static void dec_part(void *arg, size_t b, size_t e)
{
    dec_task *t = arg;
    for (size_t k = b; k < e; k++) {
        size_t i = t->begin + k;
        if (t->c->b.st[i] == ACCEL_OK) accel__img_decode_item(t->c, i, NULL);
    }
}

static accel_status dec_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_decode_call *c = call;
    c->b.dev = dev;
    dec_task t = {c, begin};
    accel__img_parallel(dev, end - begin, dec_part, &t);
    return ACCEL_OK;
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_image_decode = {
    .name = "image_decode",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = dec_run,
    .run_device = NULL, /* nvJPEG and device kernels: docs/image.md, "Devices" */
};

void accel_image_decode_params_init(accel_image_decode_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->order = ACCEL_BGR;
}

void accel_image_decoded_init(accel_image_decoded *out, size_t n)
{
    for (size_t i = 0; out && i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].struct_size = sizeof out[i];
        out[i].image.struct_size = sizeof out[i].image;
    }
}

void accel_image_decoded_free(accel_image_decoded *out, size_t n)
{
    if (!out) return;
    size_t elem = out->struct_size >= DECODED_MIN ? out->struct_size : sizeof *out;
    for (size_t i = 0; i < n; i++) {
        accel_image_decoded *o = IMG_AT(accel_image_decoded, out, elem, i);
        free(o->image.data);
        o->image.data = NULL;
    }
}

accel_status accel__img_decode_results(img_decode_call *c, size_t n, accel_image_decoded *out)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "image_decode: NULL results");
    RETURN_ERROR_IF(out->struct_size < DECODED_MIN, ACCEL_ERR_INVALID_ARG,
                    "image_decode: out[0].struct_size %zu (use accel_image_decoded_init)",
                    out->struct_size);
    c->out = out;
    c->out_elem = out->struct_size;
    c->n = n;
    return ACCEL_OK;
}

/* File i's name in messages: its path, its name, or "image i". */
static const char *label_of(const img_decode_call *c, size_t i, char *buf, size_t cap)
{
    if (c->paths && c->paths[i]) return c->paths[i];
    if (!c->paths && c->names && c->names[i]) return c->names[i];
    snprintf(buf, cap, c->paths ? "file %zu" : "image %zu", i);
    return buf;
}

/* The call failed as a whole: every result without a failure of its own gets the call's
 * status and message. After prepare has reset the results, what this call decoded is freed.
 * Before (the call's arguments were refused), only the status and message are written: the
 * rest is the caller's as it was (pixels of an earlier call it has yet to free, say). */
static void fail_all(img_decode_call *c, accel_status st)
{
    char why[sizeof c->out->message];
    accel__strlcpy(why, accel__last_error_text(), sizeof why);
    for (size_t i = 0; i < c->n; i++) {
        accel_image_decoded *o = IMG_AT(accel_image_decoded, c->out, c->out_elem, i);
        if (o->struct_size != c->out_elem) continue;
        if (c->b.st) {
            if (o->status != ACCEL_OK) continue;
            free(o->image.data); /* prepare has reset it: NULL, or this call's */
            size_t keep = o->struct_size;
            memset(o, 0, c->out_elem);
            o->struct_size = keep;
            o->image.struct_size = sizeof o->image;
        }
        o->status = st;
        char name[32];
        snprintf(o->message, sizeof o->message, "'%s': %s", label_of(c, i, name, sizeof name), why);
    }
}

accel_status accel__img_decode_prepare(img_decode_call *c, accel_ctx *ctx,
                                       const accel_image_decode_params *params, size_t n,
                                       accel_image_decoded *out)
{
    /* c->paths or c->data/sizes/names are set by the caller */
    FORWARD_IF_ERROR(accel__img_decode_results(c, n, out));
    accel_image_decode_params_init(&c->p);
    if (params) {
        RETURN_ERROR_IF(params->struct_size < offsetof(accel_image_decode_params, scale_denom) + sizeof(int),
                        ACCEL_ERR_INVALID_ARG, "image_decode: params.struct_size %zu is too small "
                        "(use accel_image_decode_params_init)", params->struct_size);
        RETURN_ERROR_IF(params->order != ACCEL_BGR && params->order != ACCEL_RGB,
                        ACCEL_ERR_INVALID_ARG, "image_decode: order %d (allowed: ACCEL_BGR, "
                        "ACCEL_RGB)", (int)params->order);
        RETURN_ERROR_IF(params->min_width < 0 || params->min_height < 0, ACCEL_ERR_INVALID_ARG,
                        "image_decode: min size %d×%d (allowed: 0 or more)", params->min_width,
                        params->min_height);
        RETURN_ERROR_IF(params->scale_denom != 0 && params->scale_denom != 1 &&
                            params->scale_denom != 2 && params->scale_denom != 4 &&
                            params->scale_denom != 8,
                        ACCEL_ERR_INVALID_ARG, "image_decode: scale_denom %d (allowed: 0, 1, 2, 4, 8)",
                        params->scale_denom);
        memcpy(&c->p, params, sizeof c->p < params->struct_size ? sizeof c->p : params->struct_size);
        c->p.struct_size = sizeof c->p;
    }
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "image_decode", n));
    c->max_pixels = ctx ? accel__cfg_int(ctx, ACCEL__CFG_IMAGE_MAX_PIXELS) : -1;
    if (c->max_pixels <= 0) c->max_pixels = ACCEL_IMAGE_MAX_PIXELS_DEFAULT;
    size_t max_in = 0;
    for (size_t i = 0; i < n; i++) {
        accel_image_decoded *o = IMG_AT(accel_image_decoded, out, c->out_elem, i);
        if (o->struct_size != c->out_elem) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "result %zu: struct_size %zu differs from element 0's", i,
                                  o->struct_size);
            continue;
        }
        size_t keep = o->struct_size;
        memset(o, 0, c->out_elem);
        o->struct_size = keep;
        o->image.struct_size = sizeof o->image;
        if (c->paths && !c->paths[i])
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG, "file %zu: the path is NULL", i);
        if (!c->paths && !c->data[i] && c->sizes[i])
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG, "image %zu: data is NULL", i);
        if (!c->paths && c->sizes[i] > max_in) max_in = c->sizes[i];
        if (c->b.st[i] != ACCEL_OK) {
            o->status = c->b.st[i];
            accel__strlcpy(o->message, c->b.msg[i] ? c->b.msg[i] : "invalid argument",
                           sizeof o->message);
        }
    }
    c->b.item_bytes = (int64_t)max_in + (int64_t)1920 * 1080 * 3;
    return ACCEL_OK;
}

accel_status accel__img_decode_finish(img_decode_call *c, accel_status st)
{
    if (st != ACCEL_OK && c->out) fail_all(c, st);
    if (!c->b.st) return st;
    /* each failed file's message is the one its result holds, which names it */
    int first = 1;
    for (size_t i = 0; i < c->b.n; i++) {
        accel_image_decoded *o = IMG_AT(accel_image_decoded, c->out, c->out_elem, i);
        if (o->struct_size != c->out_elem || (c->b.st[i] == ACCEL_OK && o->status == ACCEL_OK))
            continue;
        accel__img_batch_note(&c->b, i, o->message);
        if (first) {
            c->b.first_bad = i;
            accel__strlcpy(c->b.first_msg, o->message, sizeof c->b.first_msg);
        }
        first = 0;
    }
    return accel__img_batch_end(&c->b, st, NULL);
}

accel_status accel_image_decode(accel_ctx *ctx, const accel_image_decode_params *params,
                                const char *const *paths, size_t n, accel_image_decoded *out,
                                accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || (n && !paths), ACCEL_ERR_INVALID_ARG, "image_decode: NULL argument");
    img_decode_call c;
    memset(&c, 0, sizeof c);
    c.paths = paths;
    accel_status st = accel__img_decode_prepare(&c, ctx, params, n, out);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_decode, &c, rec);
    return accel__img_decode_finish(&c, st);
}

accel_status accel_image_decode_memory(accel_ctx *ctx, const accel_image_decode_params *params,
                                       const void *const *data, const size_t *sizes,
                                       const char *const *names, size_t n,
                                       accel_image_decoded *out, accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx || (n && (!data || !sizes)), ACCEL_ERR_INVALID_ARG,
                    "image_decode: NULL argument");
    img_decode_call c;
    memset(&c, 0, sizeof c);
    c.data = data;
    c.sizes = sizes;
    c.names = names;
    accel_status st = accel__img_decode_prepare(&c, ctx, params, n, out);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_image_decode, &c, rec);
    return accel__img_decode_finish(&c, st);
}
