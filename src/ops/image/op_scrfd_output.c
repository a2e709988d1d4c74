/* op_scrfd_output.c — the operation "scrfd_output" and accel_scrfd_output(): SCRFD's decoding
 * and NMS (scrfd.c) for a batch of images, one image per task on the CPU pool. */
#include "image_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCRFD_OUTPUTS_MIN (offsetof(accel_scrfd_outputs, image_height) + sizeof(int))
#define FACES_MIN (offsetof(accel_faces, status) + sizeof(accel_status))

typedef struct out_task {
    img_scrfd_out_call *c;
    size_t begin;
} out_task;

static void out_part(void *arg, size_t b, size_t e)
{
    out_task *t = arg;
    img_scrfd_out_call *c = t->c;
    for (size_t k = b; k < e; k++) {
        size_t i = t->begin + k;
        if (c->b.st[i] != ACCEL_OK) continue;
        const accel_scrfd_outputs *o = IMG_AT(const accel_scrfd_outputs, c->nets, c->nets_elem, i);
        accel_faces *f = IMG_AT(accel_faces, c->out, c->out_elem, i);
        free(f->faces); /* a call may be run again (benchmarks) */
        f->faces = NULL;
        f->n_faces = 0;
        char why[200];
        accel_status st = accel__scrfd_decode(&c->p, o, &f->faces, &f->n_faces, why, sizeof why);
        if (st != ACCEL_OK) {
            char msg[240];
            snprintf(msg, sizeof msg, "image %zu: %s", i, why);
            accel__img_item_fail(&c->b, i, st, msg);
        }
    }
}

static accel_status out_run(accel__device *dev, void *call, size_t begin, size_t end)
{
    img_scrfd_out_call *c = call;
    c->b.dev = dev;
    out_task t = {c, begin};
    accel__img_parallel(dev, end - begin, out_part, &t);
    return ACCEL_OK;
}

static size_t n_items(const void *call) { return ((const img_batch *)call)->n; }
static int64_t bytes_fixed(const void *call) { (void)call; return 0; }
static int64_t bytes_per_item(const void *call) { return ((const img_batch *)call)->item_bytes; }

const accel__op accel__op_scrfd_output = {
    .name = "scrfd_output",
    .n_items = n_items,
    .bytes_fixed = bytes_fixed,
    .bytes_per_item = bytes_per_item,
    .run_cpu = out_run,
    .run_device = NULL, /* device kernels: docs/image.md, "Devices" */
};

void accel_scrfd_params_init(accel_scrfd_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->input_width = p->input_height = 640;
    p->n_strides = 3;
    p->strides[0] = 8, p->strides[1] = 16, p->strides[2] = 32;
    p->n_anchors = 2;
    p->score_threshold = 0.5f;
    p->nms_threshold = 0.4f;
    p->max_faces = 0;
}

void accel_faces_free(accel_faces *out, size_t n)
{
    if (!out) return;
    size_t elem = out->struct_size >= FACES_MIN ? out->struct_size : sizeof *out;
    for (size_t i = 0; i < n; i++) {
        accel_faces *f = IMG_AT(accel_faces, out, elem, i);
        free(f->faces);
        f->faces = NULL;
        f->n_faces = 0;
    }
}

static accel_status check_params(const accel_scrfd_params *p)
{
    RETURN_ERROR_IF(p->struct_size < offsetof(accel_scrfd_params, max_faces) + sizeof(int),
                    ACCEL_ERR_INVALID_ARG, "scrfd_output: params.struct_size %zu is too small "
                    "(use accel_scrfd_params_init)", p->struct_size);
    RETURN_ERROR_IF(p->n_strides < 1 || p->n_strides > 5, ACCEL_ERR_INVALID_ARG,
                    "scrfd_output: n_strides %d (allowed: 1 … 5)", p->n_strides);
    RETURN_ERROR_IF(p->n_anchors < 1 || p->n_anchors > 16, ACCEL_ERR_INVALID_ARG,
                    "scrfd_output: n_anchors %d (allowed: 1 … 16)", p->n_anchors);
    RETURN_ERROR_IF(p->input_width < 1 || p->input_height < 1, ACCEL_ERR_INVALID_ARG,
                    "scrfd_output: input size %d×%d", p->input_width, p->input_height);
    for (int s = 0; s < p->n_strides; s++)
        RETURN_ERROR_IF(p->strides[s] < 1 || p->strides[s] > p->input_width ||
                            p->strides[s] > p->input_height,
                        ACCEL_ERR_INVALID_ARG, "scrfd_output: stride %d is %d (allowed: 1 … the "
                        "input size)", s, p->strides[s]);
    RETURN_ERROR_IF(!isfinite(p->score_threshold) || !isfinite(p->nms_threshold),
                    ACCEL_ERR_INVALID_ARG, "scrfd_output: thresholds must be finite");
    RETURN_ERROR_IF(p->max_faces < 0, ACCEL_ERR_INVALID_ARG,
                    "scrfd_output: max_faces %d (allowed: 0 for all, or a count)", p->max_faces);
    return ACCEL_OK;
}

accel_status accel__img_scrfd_out_prepare(img_scrfd_out_call *c, const accel_scrfd_params *p,
                                          const accel_scrfd_outputs *nets, size_t n,
                                          accel_faces *out)
{
    memset(c, 0, sizeof *c);
    RETURN_ERROR_IF(!nets || !out, ACCEL_ERR_INVALID_ARG, "scrfd_output: NULL argument");
    RETURN_ERROR_IF(nets->struct_size < SCRFD_OUTPUTS_MIN, ACCEL_ERR_INVALID_ARG,
                    "scrfd_output: outputs[0].struct_size %zu (set it to sizeof(accel_scrfd_outputs))",
                    nets->struct_size);
    RETURN_ERROR_IF(out->struct_size < FACES_MIN, ACCEL_ERR_INVALID_ARG,
                    "scrfd_output: out[0].struct_size %zu (set it to sizeof(accel_faces))",
                    out->struct_size);
    accel_scrfd_params_init(&c->p);
    if (p) {
        FORWARD_IF_ERROR(check_params(p));
        memcpy(&c->p, p, sizeof c->p < p->struct_size ? sizeof c->p : p->struct_size);
        c->p.struct_size = sizeof c->p;
    }
    FORWARD_IF_ERROR(accel__img_batch_init(&c->b, "scrfd_output", n));
    c->nets = nets, c->nets_elem = nets->struct_size;
    c->out = out, c->out_elem = out->struct_size;
    size_t anchors = 0;
    for (int s = 0; s < c->p.n_strides; s++)
        anchors += (size_t)(c->p.input_height / c->p.strides[s]) *
                   (size_t)(c->p.input_width / c->p.strides[s]) * (size_t)c->p.n_anchors;
    c->b.item_bytes = (int64_t)anchors * (1 + 4 + 10) * 4 + (int64_t)anchors * (int64_t)sizeof(accel_face);
    for (size_t i = 0; i < n; i++) {
        const accel_scrfd_outputs *o = IMG_AT(const accel_scrfd_outputs, nets, c->nets_elem, i);
        accel_faces *f = IMG_AT(accel_faces, out, c->out_elem, i);
        if (f->struct_size == c->out_elem) {
            f->faces = NULL;
            f->n_faces = 0;
        }
        if (o->struct_size != c->nets_elem || f->struct_size != c->out_elem) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: struct_size differs from element 0's", i);
            continue;
        }
        if (!(o->det_scale > 0) || !isfinite(o->det_scale)) {
            accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                  "image %zu: det_scale %g (must be a number greater than 0)", i,
                                  o->det_scale);
            continue;
        }
        for (int s = 0; s < c->p.n_strides; s++)
            if (!o->scores[s] || !o->bboxes[s]) {
                accel__img_batch_fail(&c->b, i, ACCEL_ERR_INVALID_ARG,
                                      "image %zu: stride %d has NULL scores or boxes", i,
                                      c->p.strides[s]);
                break;
            }
    }
    return ACCEL_OK;
}

void accel__img_scrfd_out_release(img_scrfd_out_call *c)
{
    accel__img_batch_free(&c->b);
    memset(c, 0, sizeof *c);
}

accel_status accel_scrfd_output(accel_ctx *ctx, const accel_scrfd_params *p,
                                const accel_scrfd_outputs *nets, size_t n, accel_faces *out,
                                accel_run_record *rec)
{
    accel__img_errors_reset();
    RETURN_ERROR_IF(!ctx, ACCEL_ERR_INVALID_ARG, "scrfd_output: NULL context");
    img_scrfd_out_call c;
    accel_status st = accel__img_scrfd_out_prepare(&c, p, nets, n, out);
    if (st == ACCEL_OK) st = accel__exec(ctx, &accel__op_scrfd_output, &c, rec);
    if (c.b.st) {
        for (size_t i = 0; i < n; i++) {
            accel_faces *f = IMG_AT(accel_faces, out, c.out_elem, i);
            if (f->struct_size == c.out_elem) f->status = c.b.st[i] != ACCEL_OK ? c.b.st[i] : st;
        }
        st = accel__img_batch_end(&c.b, st, NULL);
    }
    accel__img_scrfd_out_release(&c);
    return st;
}
