/* image_ops.h — the image operations' calls (what the executor hands to run_cpu), the batch
 * bookkeeping of the public wrappers, and the descriptors (src/ops/registry.c lists them).
 *
 * Every call starts with an img_batch: the per-image status the wrapper checked, and the
 * status run_cpu leaves for each image it could not finish (out of host memory). run_cpu
 * returns ACCEL_OK in both cases, so a bad image neither stops its neighbours nor triggers a
 * fallback. Its memory formula counts the largest image of the call for every item. */
#ifndef ACCEL_IMAGE_OPS_H
#define ACCEL_IMAGE_OPS_H

#include "image_internal.h"

/* ---- batch bookkeeping ------------------------------------------------------------------ */

typedef struct img_batch {
    const char *op;          /* operation name, for messages */
    size_t n;
    accel_status *st;        /* per image */
    int64_t item_bytes;      /* memory of the largest item (the formula's per-item bytes) */
    size_t first_bad;        /* first failed image, its message */
    char first_msg[320];
    accel__device *dev;      /* the device run_cpu was given, for the pool */
    char **msg;              /* per image: why it failed (malloc'd), NULL while it has not */
} img_batch;

/* Starts a call's batch, and clears the calling thread's per-image messages of its last call
 * (accel_image_item_error), which batch_end replaces with this call's. */
accel_status accel__img_batch_init(img_batch *b, const char *op, size_t n);
/* Marks image i failed with a message (the first one is kept for accel_last_error, each
 * image's own for accel_image_item_error). */
void accel__img_batch_fail(img_batch *b, size_t i, accel_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Views of a caller's accel_image array; an unusable description fails its image ("what"
 * names the array in the message: "input", "output"). ACCEL_ERR_INVALID_ARG for a NULL
 * array or an unusable first struct_size (no image can be read then). */
accel_status accel__img_batch_views(img_batch *b, const char *what, const accel_image *arr,
                                    unsigned allowed, img_t *v);
/* Ends a call: per-image statuses to `status_out` (may be NULL), and the call's status: the
 * executor's failure if any, else the first failed image's (message: operation, image, reason,
 * how many failed), else ACCEL_OK. Each failed image's message becomes the calling thread's
 * (accel_image_item_error): its own, else the executor's when the call failed as a whole.
 * Frees the batch. */
accel_status accel__img_batch_end(img_batch *b, accel_status exec, accel_status *status_out);
/* Frees a batch that accel__img_batch_end did not (the release functions). */
void accel__img_batch_free(img_batch *b);
/* Stores a status for image i from a worker, with the reason (may be NULL: none known): the
 * first failure wins, its reason with it. */
void accel__img_item_fail(img_batch *b, size_t i, accel_status st, const char *msg);
/* Sets image i's reason, replacing any (a decoded file's message is the one its result holds). */
void accel__img_batch_note(img_batch *b, size_t i, const char *msg);
/* Forgets the calling thread's per-image messages: every public image call starts so, so that
 * accel_image_item_error never answers for an earlier call. */
void accel__img_errors_reset(void);

/* A parallel-for over bands of rows of the images [begin, end) of a call: fn(call, image,
 * r0, r1) for every band of every image whose status is still OK and rows(call, i) > 0. A band
 * that fails marks its image. */
typedef int (*img_rows_fn)(void *call, size_t i);
typedef accel_status (*img_band_fn)(void *call, size_t i, int r0, int r1);
accel_status accel__img_run_bands(img_batch *b, void *call, size_t begin, size_t end,
                                  img_rows_fn rows, int band, img_band_fn fn);

/* ---- calls ------------------------------------------------------------------------------ */

typedef struct img_gray_call {
    img_batch b;             /* first: the executor's call pointer is the batch's */
    img_t *in, *out;
} img_gray_call;

typedef struct img_resize_call {
    img_batch b;
    img_t *in, *out;
    img_interp interp;
    img_resize_plan **plan;  /* per image, made in run_cpu */
} img_resize_call;

typedef struct img_blob_call {
    img_batch b;
    img_t *in;
    int width, height;
    float mean[3], scale;
    int swap;
    float *out;              /* n · 3 · height · width */
    uint8_t **tmp;           /* per image: the resized image when its size differs */
    img_resize_plan **plan;
} img_blob_call;

typedef struct img_scrfd_in_call {
    img_batch b;
    img_t *in;
    int iw, ih;
    float *blob;             /* n · 3 · ih · iw */
    int *nw, *nh;            /* letterboxed size per image */
    uint8_t **tmp;           /* per image: the resized image (nw × nh) */
    img_resize_plan **plan;
} img_scrfd_in_call;

typedef struct img_scrfd_out_call {
    img_batch b;
    accel_scrfd_params p;
    const accel_scrfd_outputs *nets;
    size_t nets_elem;
    accel_faces *out;
    size_t out_elem;
} img_scrfd_out_call;

typedef struct img_align_call {
    img_batch b;
    img_t *in, *crop;
    double (*M)[6];
    int size;
    float *blob;             /* n · 3 · size · size, or NULL */
} img_align_call;

typedef struct img_quality_call {
    img_batch b;
    img_t *in;
    accel_quality_params p;
    img_qsums *sums;         /* per band of Q_BAND rows */
    size_t *slot;            /* first band of each image in sums (n + 1 entries) */
    accel_quality *out;
    size_t out_elem;
} img_quality_call;

typedef struct img_enhance_call {
    img_batch b;
    img_t *in, *out;         /* out: allocated by prepare */
    double *scale;           /* per image */
    accel_enhance_params p;
} img_enhance_call;

typedef struct img_decode_call {
    img_batch b;
    accel_image_decode_params p;
    long long max_pixels;
    const char *const *paths;     /* files, or … */
    const void *const *data;      /* … buffers of sizes[i] bytes, named names[i] */
    const size_t *sizes;
    const char *const *names;
    accel_image_decoded *out;
    size_t out_elem;
    size_t n;                     /* the results, known before the batch is (a call refused
                                     as a whole marks them all) */
} img_decode_call;

/* Setting up and tearing down each call (the public wrappers, the benchmark cases and the
 * conformance suite share them). prepare checks the arguments: a problem of the whole call is
 * its return value, a problem of one image that image's status in c->b; release frees what
 * prepare and run_cpu allocated (the batch included, when accel__img_batch_end did not). */
accel_status accel__img_gray_prepare(img_gray_call *c, const accel_image *in,
                                     const accel_image *out, size_t n);
void accel__img_gray_release(img_gray_call *c);
accel_status accel__img_resize_prepare(img_resize_call *c, accel_interp interp,
                                       const accel_image *in, const accel_image *out, size_t n);
void accel__img_resize_release(img_resize_call *c);
accel_status accel__img_blob_prepare(img_blob_call *c, const accel_blob_params *p,
                                     const accel_image *in, size_t n, float *out);
void accel__img_blob_release(img_blob_call *c);
accel_status accel__img_scrfd_in_prepare(img_scrfd_in_call *c, const accel_image *in, size_t n,
                                         int input_width, int input_height, float *blob,
                                         double *det_scale);
void accel__img_scrfd_in_release(img_scrfd_in_call *c);
/* What run_cpu does for image i, in pieces: its resize plan and resized image (a failure
 * marks the image), blob rows [r0, r1) (the letterboxed rows from the source's rows, the
 * canvas below them), and how many source rows, from the top, blob rows [0, r1) read. */
void accel__img_scrfd_in_setup(img_scrfd_in_call *c, size_t i);
accel_status accel__img_scrfd_in_band(img_scrfd_in_call *c, size_t i, int r0, int r1);
int accel__img_scrfd_in_src_rows(const img_scrfd_in_call *c, size_t i, int r1);
accel_status accel__img_scrfd_out_prepare(img_scrfd_out_call *c, const accel_scrfd_params *p,
                                          const accel_scrfd_outputs *nets, size_t n,
                                          accel_faces *out);
void accel__img_scrfd_out_release(img_scrfd_out_call *c);
/* landmarks (arcface_align, crops of size × size) or matrices (image_warp) */
accel_status accel__img_align_prepare(img_align_call *c, const accel_image *images,
                                      const float *landmarks, const double *matrices, size_t n,
                                      int size, const accel_image *crops, float *blob);
void accel__img_align_release(img_align_call *c);
accel_status accel__img_quality_prepare(img_quality_call *c, const accel_quality_params *p,
                                        const accel_image *in, size_t n, accel_quality *out);
void accel__img_quality_release(img_quality_call *c);
/* The checks of caller's quality parameters (messages name image_quality). */
accel_status accel__img_quality_check(const accel_quality_params *p);
/* the outputs are allocated here, in c->out; ctx (may be NULL) gives ACCEL_IMAGE_MAX_PIXELS */
accel_status accel__img_enhance_prepare(img_enhance_call *c, accel_ctx *ctx,
                                        const accel_enhance_params *p, const accel_image *in,
                                        size_t n);
void accel__img_enhance_release(img_enhance_call *c);
/* the size an image is enhanced to and the scale (1 when it is large enough) */
void accel__img_enhance_size(int w, int h, int min_side, int *dw, int *dh, double *scale);
/* c->paths, or c->data / c->sizes / c->names, set before; finish ends the batch (the first
 * failed file's own message) and returns the call's status. A call that fails as a whole (its
 * arguments, or the executor: no device may run it) fails every file that has no failure of
 * its own, with the call's message, so that no result is left looking decoded. */
accel_status accel__img_decode_results(img_decode_call *c, size_t n, accel_image_decoded *out);
accel_status accel__img_decode_prepare(img_decode_call *c, accel_ctx *ctx,
                                       const accel_image_decode_params *params, size_t n,
                                       accel_image_decoded *out);
accel_status accel__img_decode_finish(img_decode_call *c, accel_status st);
/* Reads and decodes file or buffer i of the call into its result (rows reported to `sink`,
 * which may be NULL); a failure is stored in the result and the batch and returned. */
accel_status accel__img_decode_item(img_decode_call *c, size_t i, const img_row_sink *sink);

/* accel_scrfd_prepare: decode (the decoding call's fields, paths or buffers set by the caller
 * before setup), SCRFD input and quality of each file (op_scrfd_prepare.c). */
typedef struct img_prepare_call {
    img_decode_call d;       /* first: its batch is the call's */
    int iw, ih;
    float *blob;             /* n · 3 · ih · iw */
    double *det_scale;       /* may be NULL */
    accel_quality_params qp;
    accel_quality *q;        /* may be NULL: no quality */
    size_t q_elem;
    accel_image_decoded *own; /* the results when the caller wants no pixels */
    struct prep_file *f;     /* files [begin, end) of the run (op_scrfd_prepare.c) */
    size_t begin;
    int pipelined;
} img_prepare_call;
accel_status accel__img_prepare_setup(img_prepare_call *c, accel_ctx *ctx,
                                      const accel_image_decode_params *params, size_t n,
                                      int input_width, int input_height, float *blob,
                                      double *det_scale, const accel_quality_params *qp,
                                      accel_quality *quality, accel_image_decoded *decoded);
/* Ends a call after its run (`st`, the executor's): the quality statuses, the decoding call's
 * end (the first failed file's message); frees what setup allocated. */
accel_status accel__img_prepare_finish(img_prepare_call *c, accel_status st);

/* ---- descriptors ------------------------------------------------------------------------ */

extern const accel__op accel__op_image_decode, accel__op_image_gray, accel__op_image_resize,
    accel__op_image_blob, accel__op_scrfd_input, accel__op_scrfd_output, accel__op_image_warp,
    accel__op_arcface_align, accel__op_image_quality, accel__op_image_enhance,
    accel__op_scrfd_prepare;

/* SCRFD output decoding of one image (scrfd.c). */
accel_status accel__scrfd_decode(const accel_scrfd_params *p, const accel_scrfd_outputs *o,
                                 accel_face **faces, size_t *n_faces, char *why, size_t cap);

#endif
