/* serve_ops.c — the operations a worker runs on a request's body: audio features, image
 * quality, image blobs. Each gives what the matching command writes for one file — the same
 * .npy bytes (`accel audio features -o`, `accel image blob -o`), the same numbers
 * (`accel image quality --json`) — or, for the arrays, the same values as JSON. The body is
 * decoded from memory: nothing is written to disk.
 *
 * Status codes: a body accel cannot decode or parameters it refuses are the client's error
 * (400, with accel's message naming the reason); a format this build has no decoder for is
 * 415; a failure on every device, fallbacks included, is 500. */
#include "serve.h"

#include "ops/audio/audio_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int code_of(accel_status st)
{
    switch (st) {
    case ACCEL_ERR_INVALID_ARG:
    case ACCEL_ERR_FORMAT:
    case ACCEL_ERR_NOT_FOUND:
        return 400;
    case ACCEL_ERR_NOT_BUILT_IN:
        return 415;
    default:
        return 500;
    }
}

/* A failed request is counted with the time it took on the worker (since t0,
 * accel__now_ms()): a decode that fails late costs as much as one that succeeds. */
static void failed(sv_job *job, const char *op, accel_status st, const char *msg, double t0)
{
    sv_answer_error(&job->ans, code_of(st), accel_status_name(st), "%s", msg);
    sv_metrics_op(job->srv->metrics, op, -1, 0, (accel__now_ms() - t0) / 1000.0, NULL,
                  accel_status_name(st));
}

static void device_text(accel_ctx *ctx, int index, char *buf, size_t cap)
{
    const accel_device_info *d = NULL;
    if (index < 0 || accel_device_get(ctx, (size_t)index, &d) != ACCEL_OK)
        snprintf(buf, cap, "none");
    else
        snprintf(buf, cap, "%s %d (%s)", accel_device_kind_name(d->kind), d->index, d->name);
}

/* The headers every operation answer carries: where it ran. */
static void where(sv_job *job, accel_ctx *ctx, const accel_run_record *rec, const size_t *shape, int nd)
{
    char dev[300];
    device_text(ctx, rec->device_used, dev, sizeof dev);
    sv_answer_header(&job->ans, "X-Accel-Device", "%s", dev);
    sv_answer_header(&job->ans, "X-Accel-Fallbacks", "%d%s%s", rec->n_fallbacks,
                     rec->n_fallbacks ? " " : "",
                     rec->n_fallbacks ? accel_fallback_reason_name(rec->reason) : "");
    if (shape) {
        char s[96] = "";
        size_t k = 0;
        for (int i = 0; i < nd; i++)
            k += (size_t)snprintf(s + k, k < sizeof s ? sizeof s - k : 0, "%s%zu", i ? "," : "", shape[i]);
        sv_answer_header(&job->ans, "X-Accel-Shape", "%s", s);
    }
    snprintf(job->ans.note, sizeof job->ans.note, "device=\"%s\" fallbacks=%d%s%s", dev,
             rec->n_fallbacks, rec->n_fallbacks ? " reason=" : "",
             rec->n_fallbacks ? accel_fallback_reason_name(rec->reason) : "");
}

/* A .npy file in memory: the header the CLI writes (accel__npy_header: 128 bytes, which is
 * also what `accel image blob` writes for a blob's shape) and the float32 values. */
static int npy_answer(sv_job *job, const float *data, const size_t *shape, int nd)
{
    char hdr[128];
    if (accel__npy_header(hdr, shape, nd) != ACCEL_OK) return -1;
    size_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    char *body = malloc(128 + n * sizeof(float));
    if (!body) return -1;
    memcpy(body, hdr, 128);
    if (n) memcpy(body + 128, data, n * sizeof(float));
    job->ans.code = 200;
    job->ans.ctype = "application/x-npy";
    job->ans.body = body;
    job->ans.n = 128 + n * sizeof(float);
    return 0;
}

/* A float32 in the fewest digits that read back as the same float32. */
static void put_float(sv_buf *b, float v)
{
    if (!isfinite(v)) {
        sv_buf_put(b, "null", 4);
        return;
    }
    char t[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, (double)v);
        if (strtof(t, NULL) == v || prec == 9) break;
    }
    sv_buf_put(b, t, strlen(t));
}

/* data as nested arrays of `shape` */
static void put_array(sv_buf *b, const float *data, const size_t *shape, int nd)
{
    if (nd == 1) {
        sv_buf_put(b, "[", 1);
        for (size_t i = 0; i < shape[0]; i++) {
            if (i) sv_buf_put(b, ",", 1);
            put_float(b, data[i]);
        }
        sv_buf_put(b, "]", 1);
        return;
    }
    size_t inner = 1;
    for (int i = 1; i < nd; i++) inner *= shape[i];
    sv_buf_put(b, "[", 1);
    for (size_t i = 0; i < shape[0]; i++) {
        if (i) sv_buf_put(b, ",", 1);
        put_array(b, data + i * inner, shape + 1, nd - 1);
    }
    sv_buf_put(b, "]", 1);
}

static void put_shape(sv_buf *b, const size_t *shape, int nd)
{
    sv_buf_put(b, "[", 1);
    for (int i = 0; i < nd; i++) sv_buf_printf(b, "%s%zu", i ? ", " : "", shape[i]);
    sv_buf_put(b, "]", 1);
}

/* ---- audio features -------------------------------------------------------------------- */

static int64_t frames_of(const accel_audio_params *p, const size_t *shape)
{
    if (p->kind == ACCEL_AUDIO_WHISPER) return p->windows ? (int64_t)(shape[0] * shape[2]) : (int64_t)shape[1];
    if (p->kind == ACCEL_AUDIO_VGGISH) return (int64_t)(shape[0] * shape[1]);
    return (int64_t)shape[0];
}

static const char *padding_name(accel_audio_padding p)
{
    return p == ACCEL_AUDIO_PAD_OPENAI ? "openai" : p == ACCEL_AUDIO_PAD_FASTER_WHISPER ? "faster-whisper" : "none";
}

void sv_op_audio_features(sv_job *job)
{
    accel_ctx *ctx = atomic_load(&job->srv->ctx);
    const sv_request *r = job->req;
    const accel_audio_params *p = &r->audio;
    double t0 = accel__now_ms();
    accel_audio_source *src = NULL;
    accel_status st = accel_audio_open_buffer(ctx, job->body, job->body_n, "the request body",
                                              p->sample_rate, &src);
    if (st != ACCEL_OK) {
        failed(job, r->preset, st, accel_last_error(NULL), t0);
        return;
    }
    float *x = NULL;
    size_t n = 0;
    st = accel_audio_read_all(src, &x, &n);
    accel_audio_info info = {.struct_size = sizeof info};
    accel_audio_source_info(src, &info);
    char msg[600];
    accel__strlcpy(msg, accel_last_error(NULL), sizeof msg);
    accel_audio_close(src);
    if (st != ACCEL_OK) {
        free(x);
        failed(job, r->preset, st, msg, t0);
        return;
    }
    size_t shape[3] = {0};
    int nd = 0;
    accel_audio_shape(p, n, shape, &nd);
    size_t len = 1;
    for (int i = 0; i < nd; i++) len *= shape[i];
    /* for a .npy answer the features are computed into the answer itself, after its header */
    int npy = r->fmt == SV_FMT_NPY;
    char *body = malloc(128 + (len ? len : 1) * sizeof(float));
    float *out = body ? (float *)(body + (npy ? 128 : 0)) : NULL;
    accel_run_record rec = {.struct_size = sizeof rec};
    double c0 = accel__now_ms();
    st = out ? accel_audio_features(ctx, p, ACCEL_F32, x, n, out, len, &rec)
             : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory for features of shape %zu×%zu×%zu",
                           shape[0], shape[1], nd > 2 ? shape[2] : 1);
    double compute_ms = accel__now_ms() - c0;
    free(x);
    if (st != ACCEL_OK) {
        free(body);
        failed(job, r->preset, st, accel_last_error(ctx), t0);
        return;
    }
    int ok;
    if (npy) {
        ok = accel__npy_header(body, shape, nd) == ACCEL_OK;
        if (ok) {
            job->ans.code = 200;
            job->ans.ctype = "application/x-npy";
            job->ans.body = body;
            job->ans.n = 128 + len * sizeof(float);
            body = NULL;
        }
    } else {
        char dev[300];
        device_text(ctx, rec.device_used, dev, sizeof dev);
        sv_buf b = {0};
        sv_buf_printf(&b, "{\"preset\": ");
        sv_buf_json_str(&b, r->preset);
        if (p->kind == ACCEL_AUDIO_WHISPER) sv_buf_printf(&b, ", \"padding\": \"%s\", \"windows\": %s",
                                                       padding_name(p->padding), p->windows ? "true" : "false");
        sv_buf_printf(&b, ", \"shape\": ");
        put_shape(&b, shape, nd);
        sv_buf_printf(&b, ", \"frames\": %lld, \"seconds\": ", (long long)frames_of(p, shape));
        sv_buf_num(&b, (double)n / p->sample_rate);
        sv_buf_printf(&b, ", \"decoder\": ");
        sv_buf_json_str(&b, info.decoder);
        sv_buf_printf(&b, ", \"format\": ");
        sv_buf_json_str(&b, info.format);
        sv_buf_printf(&b, ", \"source_rate\": %d, \"source_channels\": %d, \"device\": ",
                      info.source_rate, info.source_channels);
        sv_buf_json_str(&b, dev);
        sv_buf_printf(&b, ", \"device_index\": %d, \"fallbacks\": %d, \"fallback_reason\": \"%s\", "
                          "\"compute_ms\": ",
                      rec.device_used, rec.n_fallbacks, accel_fallback_reason_name(rec.reason));
        sv_buf_num(&b, compute_ms); /* as the CLI's --json writes it, not rounded */
        sv_buf_printf(&b, ", \"features\": ");
        put_array(&b, out, shape, nd);
        sv_buf_printf(&b, "}\n");
        ok = !b.oom;
        if (ok) {
            job->ans.code = 200;
            job->ans.ctype = "application/json";
            job->ans.body = b.s;
            job->ans.n = b.n;
        } else {
            free(b.s);
        }
    }
    free(body);
    if (!ok) {
        failed(job, r->preset, ACCEL_ERR_NO_MEMORY, "out of memory formatting the features", t0);
        return;
    }
    where(job, ctx, &rec, shape, nd);
    sv_metrics_op(job->srv->metrics, r->preset, rec.device_used, (uint64_t)frames_of(p, shape),
                  (accel__now_ms() - t0) / 1000.0, &rec, NULL);
}

/* ---- images ---------------------------------------------------------------------------- */

/* Decodes the body into *d; 0, or -1 after answering the error (the request began at t0). */
static int decode_image(sv_job *job, const char *op, accel_image_decoded *d, double t0)
{
    accel_ctx *ctx = atomic_load(&job->srv->ctx);
    const void *data = job->body;
    size_t size = job->body_n;
    const char *name = "the request body";
    accel_image_decoded_init(d, 1);
    accel_image_decode_memory(ctx, NULL, &data, &size, &name, 1, d, NULL);
    if (d->status == ACCEL_OK) return 0;
    failed(job, op, d->status, d->message[0] ? d->message : accel_strerror(d->status), t0);
    accel_image_decoded_free(d, 1);
    return -1;
}

void sv_op_image_quality(sv_job *job)
{
    accel_ctx *ctx = atomic_load(&job->srv->ctx);
    double t0 = accel__now_ms();
    accel_image_decoded d;
    if (decode_image(job, "image_quality", &d, t0) != 0) return;
    accel_quality q = {.struct_size = sizeof q};
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_status st = accel_image_quality(ctx, NULL, &d.image, 1, &q, &rec);
    if (st == ACCEL_OK) st = q.status;
    if (st != ACCEL_OK) {
        accel_image_decoded_free(&d, 1);
        failed(job, "image_quality", st, accel_last_error(ctx), t0);
        return;
    }
    /* the numbers through accel's JSON writer, so they read exactly as
     * `accel image quality --json` prints them */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        accel__json j;
        accel__json_init(&j, f, 0);
        accel__json_begin_object(&j, NULL);
        accel__json_int(&j, "width", q.width);
        accel__json_int(&j, "height", q.height);
        accel__json_num(&j, "blur_laplacian_var", q.blur_laplacian_var);
        accel__json_num(&j, "brightness", q.brightness);
        accel__json_num(&j, "contrast", q.contrast);
        accel__json_num(&j, "sharpness_tenengrad", q.sharpness_tenengrad);
        accel__json_num(&j, "overall", q.overall);
        accel__json_str(&j, "format", d.format);
        accel__json_int(&j, "orientation", d.orientation);
        accel__json_end_object(&j);
        accel__json_finish(&j);
        fclose(f);
    }
    accel_image_decoded_free(&d, 1);
    if (!text) {
        failed(job, "image_quality", ACCEL_ERR_NO_MEMORY, "out of memory formatting the quality", t0);
        return;
    }
    job->ans.code = 200;
    job->ans.ctype = "application/json";
    job->ans.body = text;
    job->ans.n = len;
    where(job, ctx, &rec, NULL, 0);
    sv_metrics_op(job->srv->metrics, "image_quality", rec.device_used, 1, (accel__now_ms() - t0) / 1000.0,
                  &rec, NULL);
}

void sv_op_image_blob(sv_job *job)
{
    accel_ctx *ctx = atomic_load(&job->srv->ctx);
    const sv_request *r = job->req;
    double t0 = accel__now_ms();
    int scrfd = !strcmp(r->model, "scrfd");
    const char *op = scrfd ? "scrfd_input" : "image_blob"; /* the operations' own names */
    accel_image_decoded d;
    if (decode_image(job, op, &d, t0) != 0) return;
    const int S = r->size;
    size_t shape[4] = {1, 3, (size_t)S, (size_t)S};
    float *blob = malloc(shape[1] * shape[2] * shape[3] * sizeof *blob);
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_status st = ACCEL_ERR_NO_MEMORY, one = ACCEL_OK;
    double det_scale = 1.0;
    if (blob && scrfd) {
        st = accel_scrfd_input(ctx, &d.image, 1, S, S, blob, &det_scale, &one, &rec);
    } else if (blob) {
        accel_blob_params bp;
        accel_blob_params_preset("arcface", &bp);
        bp.width = bp.height = S;
        st = accel_image_blob(ctx, &bp, &d.image, 1, blob, &one, &rec);
    }
    if (st == ACCEL_OK) st = one;
    int w = d.image.width, h = d.image.height;
    accel_image_decoded_free(&d, 1);
    if (st != ACCEL_OK) {
        free(blob);
        failed(job, op, st, blob ? accel_last_error(ctx) : "out of memory for the blob", t0);
        return;
    }
    int ok;
    if (r->fmt == SV_FMT_NPY) {
        ok = npy_answer(job, blob, shape, 4) == 0;
    } else {
        sv_buf b = {0};
        sv_buf_printf(&b, "{\"model\": \"%s\", \"size\": %d, \"width\": %d, \"height\": %d, ",
                      r->model, S, w, h);
        if (scrfd) {
            sv_buf_printf(&b, "\"det_scale\": ");
            sv_buf_num(&b, det_scale);
            sv_buf_printf(&b, ", ");
        }
        sv_buf_printf(&b, "\"shape\": ");
        put_shape(&b, shape, 4);
        sv_buf_printf(&b, ", \"blob\": ");
        put_array(&b, blob, shape, 4);
        sv_buf_printf(&b, "}\n");
        ok = !b.oom;
        if (ok) {
            job->ans.code = 200;
            job->ans.ctype = "application/json";
            job->ans.body = b.s;
            job->ans.n = b.n;
        } else {
            free(b.s);
        }
    }
    free(blob);
    if (!ok) {
        failed(job, op, ACCEL_ERR_NO_MEMORY, "out of memory formatting the blob", t0);
        return;
    }
    where(job, ctx, &rec, shape, 4);
    if (scrfd) {
        char t[32];
        sv_num_text(t, det_scale);
        sv_answer_header(&job->ans, "X-Accel-Det-Scale", "%s", t);
    }
    sv_metrics_op(job->srv->metrics, op, rec.device_used, 1, (accel__now_ms() - t0) / 1000.0, &rec, NULL);
}
