/* dev.h — what the image operations' device code shares (dev.c; the operations' run_device in
 * dev_gray.c, dev_resize.c, dev_warp.c, dev_enhance.c; the kernels in src/kernels/image.kern).
 *
 * A call's images go to the device in submissions: as many images as the device's largest
 * allocation (info->max_alloc) takes in each buffer, at most IMGDEV_MAX_IMAGES (usually the
 * whole call). A submission is one buffer per role (the sources, the outputs, the tables), a
 * descriptor table of IMGD_N 64-bit fields per image, and one launch per kernel over all its
 * images: CV-CUDA's variable-shape batches, not a launch per image. The sources are copied
 * as the caller's rows lie ((h − 1)·stride + w·c bytes, one copy per image), so a padded
 * stride needs no repacking; the outputs are packed on the device and copied back per image.
 *
 * Each operation's memory formula (bytes_per_item) is the largest of its images' device bytes
 * (accel__img_*_dev_bytes, the sum of what a submission allocates for that image), so the
 * planner's fixed + per_item · n bounds what any n images allocate, exactly for a batch of
 * equal images. */
#ifndef ACCEL_IMAGE_DEV_H
#define ACCEL_IMAGE_DEV_H

#include "image_ops.h"
#include "core/devcall.h"

/* The descriptor fields of src/kernels/image.kern (AK_IMG_*): the same numbers. */
enum {
    IMGD_IN_OFF = 0,
    IMGD_IN_STRIDE = 1,
    IMGD_IN_W = 2,
    IMGD_IN_H = 3,
    IMGD_IN_C = 4,
    IMGD_FLAGS = 5,
    IMGD_OUT_OFF = 6,
    IMGD_OUT_W = 7,
    IMGD_OUT_H = 8,
    IMGD_OUT_C = 9,
    IMGD_TAB_OFF = 10,
    IMGD_MODE = 11,
    IMGD_P0 = 12,
    IMGD_N = 20 /* AK_IMG_D */
};
#define IMGD_BYTES ((int64_t)IMGD_N * 8)
#define IMGDEV_WG 256             /* AK_IMG_WG: items of the group kernels */
#define IMGDEV_MAX_IMAGES 4096    /* per submission (the launch's third dimension) */
#define IMGDEV_BUFS 5             /* buffers whose size the device's max_alloc bounds */

/* Bytes a source image takes on the device: (h − 1)·stride + w·c. */
int64_t accel__imgdev_src_bytes(const img_t *v);

/* Bytes of image i of a call in each of an operation's buffers (IMGDEV_BUFS values; unused
 * ones 0). */
typedef void (*imgdev_bytes_fn)(const void *call, size_t i, int64_t bytes[IMGDEV_BUFS]);

typedef struct imgdev {
    accel__devq *q;
    const accel_device_info *info;
    size_t n;             /* images in the submission */
    size_t *item;         /* the call's index of each */
    int64_t *desc;        /* n · IMGD_N fields, zeroed */
    int max_w, max_h;     /* the launch's size: the largest output (set by the operation) */
    accel__buffer *b_desc;
} imgdev;

/* The next submission of items [begin, end) (images whose status is not OK are left out):
 * fills s and *next (where the following one starts). ACCEL_ERR_DEVICE_OOM when one image
 * alone needs more than the device's largest allocation in some buffer; the executor then
 * runs the call elsewhere. */
accel_status accel__imgdev_begin(imgdev *s, accel__devq *q, const img_batch *b, const void *call,
                                 size_t begin, size_t end, imgdev_bytes_fn bytes, size_t *next);
/* Frees what begin allocated (the device buffers go back when run_device returns, or with
 * accel__devq_free). */
void accel__imgdev_end(imgdev *s);

/* The source fields of image k (IN_*, rgb in FLAGS bit 0) and its offset *off (advanced). */
void accel__imgdev_src(imgdev *s, size_t k, const img_t *v, int64_t *off);
/* Copies a source image to buf at byte offset off, as its rows lie in host memory. */
accel_status accel__imgdev_upload(imgdev *s, accel__buffer *buf, int64_t off, const img_t *v);
/* Allocates a buffer of `bytes` (at least 4). */
accel_status accel__imgdev_alloc(imgdev *s, int64_t bytes, accel__buffer **b);
/* Copies the descriptor table to the device (s->b_desc). */
accel_status accel__imgdev_upload_desc(imgdev *s);
/* Allocates a buffer of `bytes` and copies host memory into it. */
accel_status accel__imgdev_upload_new(imgdev *s, const void *host, int64_t bytes,
                                      accel__buffer **b);
/* Copies `per` bytes of each image from buf (image k's at k · per) to host (the call's item
 * i's at i · per): one copy per run of consecutive items. */
accel_status accel__imgdev_download_rows(imgdev *s, accel__buffer *buf, void *host, size_t per);
/* Launches a pixel kernel over (max_w, max_h, n) / a group kernel over (IMGDEV_WG · groups,
 * n) in groups of IMGDEV_WG. */
accel_status accel__imgdev_pixels(imgdev *s, accel__kernel *k, const accel__arg *args, int n_args);
accel_status accel__imgdev_groups(imgdev *s, accel__kernel *k, int groups, const accel__arg *args,
                                  int n_args);
/* Copies a packed 8-bit image at byte offset off of buf into dst (its stride). */
accel_status accel__imgdev_download(imgdev *s, accel__buffer *buf, int64_t off, const img_t *dst);

static inline accel__arg imgdev_abuf(accel__buffer *b)
{
    return (accel__arg){.type = ACCEL__ARG_BUFFER, .v.buf = b};
}
static inline accel__arg imgdev_ai32(int v) { return (accel__arg){.type = ACCEL__ARG_I32, .v.i32 = v}; }
static inline accel__arg imgdev_af32(float v) { return (accel__arg){.type = ACCEL__ARG_F32, .v.f32 = v}; }
/* A float's bits as a descriptor field. */
int64_t accel__imgdev_fbits(float f);

/* ---- the operations' device code and memory per image ------------------------------------ */

accel_status accel__img_gray_run_device(accel__devq *q, void *call, size_t begin, size_t end);
accel_status accel__img_quality_run_device(accel__devq *q, void *call, size_t begin, size_t end);
accel_status accel__img_resize_run_device(accel__devq *q, void *call, size_t begin, size_t end);
accel_status accel__img_blob_run_device(accel__devq *q, void *call, size_t begin, size_t end);
accel_status accel__img_scrfd_in_run_device(accel__devq *q, void *call, size_t begin, size_t end);
accel_status accel__img_align_run_device(accel__devq *q, void *call, size_t begin, size_t end);
accel_status accel__img_enhance_run_device(accel__devq *q, void *call, size_t begin, size_t end);

int64_t accel__img_gray_dev_bytes(const img_gray_call *c, size_t i);
int64_t accel__img_quality_dev_bytes(const img_quality_call *c, size_t i);
int64_t accel__img_resize_dev_bytes(const img_resize_call *c, size_t i);
int64_t accel__img_blob_dev_bytes(const img_blob_call *c, size_t i);
int64_t accel__img_scrfd_in_dev_bytes(const img_scrfd_in_call *c, size_t i);
int64_t accel__img_align_dev_bytes(const img_align_call *c, size_t i);
int64_t accel__img_enhance_dev_bytes(const img_enhance_call *c, size_t i);

/* The kernels each needs (accel__op.kernels). */
extern const char *const accel__img_gray_kernels[], *const accel__img_quality_kernels[],
    *const accel__img_resize_kernels[], *const accel__img_blob_kernels[],
    *const accel__img_warp_kernels[], *const accel__img_align_kernels[],
    *const accel__img_enhance_kernels[];

#endif
