/* image_internal.h — what the files of the image family share (src/ops/image/).
 *
 * Layers, bottom up:
 *   pixel kernels      color.c (gray, YCrCb), resize.c (linear, area), warp.c (affine),
 *                      clahe.c, quality.c, blob.c — plain C on one image (or a band of rows),
 *                      each reproducing OpenCV 4.6's arithmetic for 8-bit images
 *   face pre/post      scrfd.c (letterbox, output decode + NMS), align.c (Umeyama, norm_crop)
 *   decoding           decode.c (format sniffing, limits, orientation), decode_jpeg.c,
 *                      decode_png.c, decode_webp.c, exif.c, codec_lib.c (dlopen)
 *   operations         op_*.c: the accel__op descriptors (items are images), their calls and
 *                      public functions (argument checks, per-image status, accel__exec)
 *   device code        dev.c (submissions, copies, launches; dev.h), dev_gray.c, dev_resize.c,
 *                      dev_warp.c, dev_enhance.c: run_device of each operation, running the
 *                      kernels of src/kernels/image.kern on the tables made by the layers above
 *
 * A batch item is one image. Per-image failures (a corrupt file, an image of the wrong shape)
 * are stored in the call and never returned by run_cpu, so the executor neither falls back
 * nor stops the other images for them; the public wrapper reports them afterwards.
 */
#ifndef ACCEL_IMAGE_INTERNAL_H
#define ACCEL_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

/* ---- views ------------------------------------------------------------------------------ */

/* One image as the kernels see it: 8-bit, h rows of w pixels of c channels, `stride` bytes
 * from row to row; `rgb` 1 when the channels are R, G, B (else B, G, R). */
typedef struct img_t {
    uint8_t *p;
    int w, h, c;
    size_t stride;
    int rgb;
} img_t;

/* Reads element i of a caller's array of accel_image whose elements are `elem` bytes apart
 * (the first element's struct_size); fields beyond `elem` take their defaults. Returns 0 and
 * fills *v, or -1 with `why` set when the description is unusable (NULL data, sizes ≤ 0,
 * channels not in `allowed` (a bit per count), a stride shorter than a row). */
int accel__img_view(const accel_image *arr, size_t elem, size_t i, unsigned allowed, img_t *v,
                    char *why, size_t cap);
/* The element size of a caller's accel_image array (its first element's struct_size), or 0
 * when it is not usable (too small to hold the fields of version 0.1). */
size_t accel__img_elem(const accel_image *arr);
/* Pointer to element i of an array of structs `elem` bytes apart. */
#define IMG_AT(type, arr, elem, i) ((type *)((char *)(arr) + (size_t)(i) * (elem)))

/* ---- work split ------------------------------------------------------------------------- */

/* A parallel-for over (image, band of rows) pieces of a batch: piece k covers rows
 * [r0, r1) of image `img`. Built from the number of rows of each image and a band height. */
typedef struct img_bands {
    size_t n_pieces;
    size_t *first;   /* first piece of each image (n_images + 1 entries) */
    int *rows;       /* rows of each image */
    int band;        /* rows per piece */
    size_t n_images;
} img_bands;

accel_status accel__img_bands_init(img_bands *b, size_t n_images, const int *rows, int band);
void accel__img_bands_free(img_bands *b);
/* The image and row range of piece k. */
void accel__img_band_of(const img_bands *b, size_t k, size_t *img, int *r0, int *r1);

typedef void (*img_task_fn)(void *arg, size_t begin, size_t end);
/* Runs fn over tasks [0, n) on the CPU device's pool (serially without one or for dev NULL). */
void accel__img_parallel(const accel__device *dev, size_t n, img_task_fn fn, void *arg);

/* ---- colour ----------------------------------------------------------------------------- */

/* OpenCV 4.6 COLOR_BGR2GRAY for one row (the baseline kernel; accel__img_kern(dev)->gray_row
 * is the same at the device's SIMD level). */
void accel__img_gray_row(const uint8_t *src, int cn, int rgb, uint8_t *dst, int n);
/* COLOR_BGR2YCrCb / YCrCb2BGR for 8-bit (14-bit fixed point). */
void accel__img_ycrcb_row(const uint8_t *src, int cn, int rgb, uint8_t *dst, int n);
void accel__img_ycrcb_to_bgr_row(const uint8_t *src, int rgb, uint8_t *dst, int dcn, int n);
/* A decoded CMYK row (as libjpeg gives Adobe CMYK and YCCK JPEGs) to BGR (RGB when rgb), as
 * OpenCV's icvCvt_CMYK2BGR_8u_C4C3R: c' = k − ((255 − c)·k >> 8) for c, m, y giving R, G, B. */
void accel__img_cmyk_row(const uint8_t *src, uint8_t *dst, int n, int rgb);

/* ---- kernels compiled per SIMD level (kern.h) -------------------------------------------- */

/* One entry of an area-resize table (OpenCV's DecimateAlpha): destination and source index
 * (times the channel count for columns) and weight. */
typedef struct area_tab {
    int di, si;
    float alpha;
} area_tab;

/* accumulated measures of a band of rows, see quality.c */
typedef struct img_qsums img_qsums;

typedef struct img_kern {
    const char *name; /* "baseline", "avx2", "avx512" */
    /* OpenCV 4.6 COLOR_BGR2GRAY / RGB2GRAY of one row of n pixels of cn (1, 3, 4) channels:
     * (B·3735 + G·19235 + R·9798 + 2^14) >> 15 */
    void (*gray_row)(const uint8_t *src, int cn, int rgb, uint8_t *dst, int n);
    /* the quality sums of rows [r0, r1) (quality.c says what they are) */
    accel_status (*quality_rows)(const img_t *src, int r0, int r1, img_qsums *s);
    /* the horizontal pass of the general area resize for nr ≤ 8 source rows (swcn bytes
     * each) into out[r] (dwcn floats each); scratch holds area_scratch(swcn, dwcn) bytes */
    void (*area_hpass)(const uint8_t *const *rows, int nr, int swcn, int cn, const area_tab *tab,
                       int ntab, int dwcn, float *const *out, void *scratch);
    size_t (*area_scratch)(int swcn, int dwcn);
} img_kern;

/* The table for the level the CPU device chose (ACCEL_CPU_SIMD), or the detected one when dev
 * is NULL. */
const img_kern *accel__img_kern(const accel__device *dev);
extern const img_kern accel__img_kern_baseline;
/* The table of one level (an accel__simd_level), NULL when this binary or processor lacks it. */
const img_kern *accel__img_kern_level(int level);

/* ---- resize (resize.c) ------------------------------------------------------------------ */

typedef enum { IMG_LINEAR = 0, IMG_AREA = 1 } img_interp;

/* A prepared resize of one source size to one destination size (tables of coefficients).
 * Built once per (image, size) and applied to bands of destination rows. */
typedef struct img_resize_plan img_resize_plan;

accel_status accel__img_resize_plan(int sw, int sh, int dw, int dh, int cn, img_interp interp,
                                    img_resize_plan **out);
/* The kernels the plan's rows use (NULL: the baseline ones). */
void accel__img_resize_plan_kern(img_resize_plan *p, const img_kern *k);
void accel__img_resize_plan_free(img_resize_plan *p);
/* Destination rows [r0, r1) of `dst` from `src` (sizes as planned); ACCEL_ERR_NO_MEMORY when
 * its two rows of work space cannot be allocated. */
accel_status accel__img_resize_rows(const img_resize_plan *p, const img_t *src, img_t *dst, int r0,
                                    int r1);
/* How many source rows, from the top, destination rows [0, r1) of a linear plan read (all
 * of them for an area plan). */
int accel__img_resize_src_rows(const img_resize_plan *p, int r1);
/* Suggested band height for this plan (rows that share most of their source rows). */
int accel__img_resize_band(const img_resize_plan *p);
/* The plan as the device's resize kernel reads it (src/kernels/image.kern, ak_img_resize):
 * fills `tab` (at most accel__img_resize_tab_ints(sw, sh, dw, dh) ints) and params[3], and
 * returns the kernel's mode: 1 linear, 2 area with integer scales, 3 area tables. */
size_t accel__img_resize_tab_ints(int sw, int sh, int dw, int dh);
int accel__img_resize_tables(const img_resize_plan *p, int32_t *tab, int params[3]);

/* ---- affine warp (warp.c) --------------------------------------------------------------- */

/* cv2.warpAffine(src, M, (dw, dh), INTER_LINEAR, BORDER_CONSTANT, 0) for 8-bit images with
 * OpenCV 4.6's fixed point: M (forward, 2×3, row major) is inverted in double, coordinates
 * are rounded to 1/1024 then to 1/32 of a pixel, weights are 15-bit. Rows [r0, r1). */
void accel__img_warp_affine_rows(const img_t *src, img_t *dst, const double M[6], int r0,
                                 int r1);
/* The same warp's fixed-point positions for a dw × dh destination, as the device kernel reads
 * them (ak_img_warp): X0[dh], Y0[dh] (the row terms, + 16), then adelta[dw], bdelta[dw] (the
 * column terms); 2·(dw + dh) ints, the integers the rows above compute. */
void accel__img_warp_tables(const double M[6], int dw, int dh, int32_t *tab);

/* ---- blobs (blob.c) --------------------------------------------------------------------- */

/* NCHW float32 plane set of one image (c·h·w floats at out): channel k of the blob is channel
 * (swap ? 2 - k : k) of the image, value ((float)p − mean[k]) · scale, rounded as OpenCV's
 * blobFromImage rounds it (subtract, then multiply, in float32). Rows [r0, r1). */
void accel__img_blob_rows(const img_t *src, const float mean[3], float scale, int swap, float *out,
                          int r0, int r1);

/* ---- quality (quality.c) ---------------------------------------------------------------- */

/* Integer sums of one band of rows of the gray image (made from the colour image on the fly):
 * gray values, their squares, Laplacian values and squares, Tenengrad gx²+gy². Sums over the
 * bands of an image give exact totals (no rounding until the division). */
struct img_qsums {
    int64_t g, g2;      /* Σ gray, Σ gray² */
    int64_t l, l2;      /* Σ Laplacian, Σ Laplacian² */
    int64_t t;          /* Σ (gx² + gy²) */
};
/* Sums of two parts of an image (integers: the order of the parts does not matter). */
static inline void accel__img_qsums_add(img_qsums *t, const img_qsums *s)
{
    t->g += s->g, t->g2 += s->g2, t->l += s->l, t->l2 += s->l2, t->t += s->t;
}

/* The measures and `overall` of an image of n pixels from its totals (quality.c). */
void accel__img_quality_measures(const img_qsums *t, int64_t n, const accel_quality_params *p,
                                 accel_quality *q);

/* ---- CLAHE (clahe.c) -------------------------------------------------------------------- */

/* cv2.createCLAHE(clip, (tx, ty)).apply() on a one-channel 8-bit image, in three steps so the
 * work can be split: prepare (sizes, clip), the tables of tiles [k0, k1) (tx · ty in all),
 * then destination rows [r0, r1) (src and dst may be the same image). */
typedef struct img_clahe {
    int tx, ty;        /* grid */
    int tw, th;        /* tile size (of the extended image) */
    int ew, eh;        /* extended image size */
    int clip;          /* clip limit in pixels per bin, 0: none */
    float lut_scale;
    uint8_t *lut;      /* tx · ty tables of 256 */
} img_clahe;

accel_status accel__img_clahe_prepare(const img_t *src, double clip_limit, int tx, int ty,
                                      img_clahe *c);
/* prepare without the tables (c->lut NULL): the sizes and the clip of a w × h image */
void accel__img_clahe_geometry(int w, int h, double clip_limit, int tx, int ty, img_clahe *c);
void accel__img_clahe_tiles(const img_t *src, img_clahe *c, int k0, int k1);
void accel__img_clahe_rows(const img_t *src, img_t *dst, const img_clahe *c, int r0, int r1);
void accel__img_clahe_free(img_clahe *c);

/* ---- face pre- and post-processing ------------------------------------------------------ */

/* insightface SCRFD.detect(): the size the image is resized to inside the (iw × ih) input and
 * the scale back to the image. */
void accel__scrfd_letterbox(int w, int h, int iw, int ih, int *nw, int *nh, double *det_scale);

/* Similarity transform (2×3) from five landmarks to ArcFace's points for `size` (a multiple of
 * 112 or 128), as skimage's SimilarityTransform.estimate (Umeyama); accel_status with a
 * message for coincident or collinear landmarks. */
accel_status accel__arcface_matrix(const float lmk[10], int size, double M[6], char *why,
                                   size_t cap);

/* ---- decoding --------------------------------------------------------------------------- */

typedef enum { IMG_FMT_UNKNOWN = 0, IMG_FMT_JPEG, IMG_FMT_PNG, IMG_FMT_WEBP } img_format;

/* The format of a file from its first bytes (at least 12 read, fewer for short files). */
img_format accel__img_sniff(const uint8_t *b, size_t n);
const char *accel__img_format_name(img_format f);

/* What a decoder learns from the header before any pixel is allocated. */
typedef struct img_header {
    int w, h;          /* as stored */
    int orientation;   /* EXIF orientation 1..8 as OpenCV reads it; 1 when none */
    int cmyk;          /* JPEG in CMYK or YCCK */
    int interlaced;    /* PNG stored interlaced (Adam7): no row is final before the last pass */
} img_header;

/* The decoders that work by rows (JPEG through libjpeg's API, PNG) hand rows on every
 * IMG_ROW_STEP rows and at the end. Given a ring (ring = 1), they decode into IMG_ROW_STEP
 * rows of pixels only — row y at row y % IMG_ROW_STEP — and their reader must take each
 * step's rows when told (decode.c turns an EXIF-oriented image into place that way, without
 * a second whole image). */
#define IMG_ROW_STEP 16
static inline uint8_t *accel__img_row(const img_t *im, int ring, int y)
{
    return im->p + (size_t)(ring ? y % IMG_ROW_STEP : y) * im->stride;
}

/* Decoders: header only, then pixels into dst (3 channels, BGR or RGB, dst->w × dst->h, the
 * stored size divided by `denom`; denom > 1 only for JPEG). Messages name `name`. */
accel_status accel__jpeg_header(const char *name, const uint8_t *b, size_t n, img_header *hd);
accel_status accel__jpeg_decode(const char *name, const uint8_t *b, size_t n, int denom, img_t *dst,
                                char *warn, size_t warn_cap);
/* The size of a JPEG decoded at 1/denom (libjpeg's ceil(w / denom)). */
void accel__jpeg_scaled(int w, int h, int denom, int *sw, int *sh);
accel_status accel__png_header(const char *name, const uint8_t *b, size_t n, img_header *hd);
/* PNG and WebP pixels into dst, ready(arg, k) (when not NULL) called as rows [0, k) are final:
 * a non-interlaced PNG every few rows, an interlaced one at its end; a WebP as the pieces of
 * the file it is handed decode (decode_png.c, decode_webp.c). */
accel_status accel__png_decode(const char *name, const uint8_t *b, size_t n, img_t *dst, int ring,
                               void (*ready)(void *arg, int rows), void *arg);
accel_status accel__webp_header(const char *name, const uint8_t *b, size_t n, img_header *hd);
accel_status accel__webp_decode(const char *name, const uint8_t *b, size_t n, img_t *dst,
                                void (*ready)(void *arg, int rows), void *arg);

/* EXIF orientation from the payload of a JPEG APP1 segment, as OpenCV 4.6's ExifReader reads
 * it: the 6 bytes after the segment length are skipped unchecked, the TIFF header follows, the
 * entries of IFD0 are read in order until one cannot be read, and the first Orientation tag
 * read wins. Returns 1..8, or 0 when there is none (values outside 1..8 are returned as they
 * are; the caller applies only 2..8). Never reads outside [b, b+n). */
int accel__exif_orientation(const uint8_t *b, size_t n);
/* The first APP1 segment of a JPEG stream (before its first SOS), or NULL. */
const uint8_t *accel__jpeg_first_app1(const uint8_t *b, size_t n, size_t *len);

/* Applies EXIF orientation 2..8 to src (3 channels) into a new image (OpenCV's flips and
 * transposes); orientation 1 or unknown values return ACCEL_OK and leave *dst = *src. For
 * images decoded whole (TurboJPEG, interlaced PNG); the others are turned as their rows come
 * (decode.c). */
accel_status accel__img_orient(const img_t *src, int orientation, img_t *dst);

/* The reason in a per-image message (accel_image_item_error), without what places the image
 * in its batch ("image_blob: input image 3: ", "arcface_align: face 0: "): for a caller that
 * names the image itself, as the CLI and corpus runs name the file, where the position in a
 * batch of 16 would only mislead. A message without such a prefix (a decoded file's, which
 * names the file, or a whole call's) is returned as it is. */
const char *accel__img_item_reason(const char *msg);

/* Reads a whole regular file into memory (*data malloc'd); messages name the path. A FIFO,
 * a device or a socket is refused without blocking or reading (ACCEL_ERR_IO). */
accel_status accel__img_read_file(const char *path, uint8_t **data, size_t *n);
/* Decodes one encoded image into out (format, sizes, orientation, pixels, and a decoder
 * warning in out->message); the pixels are allocated with accel__img_alloc. */
accel_status accel__img_decode_buffer(const char *name, const uint8_t *b, size_t n,
                                      const accel_image_decode_params *p, long long max_pixels,
                                      accel_image_decoded *out);
/* Where decoded rows go as they are made: rows(arg, im, k) says rows [0, k) of `im` (its
 * final size and pixels) are decoded; k grows with each call and the last call has
 * k = im->h. An image without EXIF rotation is reported a few rows at a time as it is decoded
 * (a JPEG through libjpeg's API, a non-interlaced PNG, a WebP; an interlaced PNG at its end);
 * a turned one, or a JPEG through TurboJPEG, once, when whole. A file found corrupt or
 * truncated after some rows were reported calls drop(arg) before its pixels are freed: drop
 * returns once nothing reads them any more. */
typedef struct img_row_sink {
    void (*rows)(void *arg, const img_t *im, int rows);
    void (*drop)(void *arg);
    void *arg;
} img_row_sink;
accel_status accel__img_decode_buffer_rows(const char *name, const uint8_t *b, size_t n,
                                           const accel_image_decode_params *p,
                                           long long max_pixels, accel_image_decoded *out,
                                           const img_row_sink *sink);
/* A JPEG into dst (as accel__jpeg_decode, not CMYK) through libjpeg's API, ready(arg, k)
 * called as rows [0, k) are done; ACCEL_ERR_UNAVAILABLE / ACCEL_ERR_NOT_BUILT_IN without that
 * library (decode_jpeg_rows.c). */
accel_status accel__jpeg_decode_rows(const char *name, const uint8_t *b, size_t n, int denom,
                                     img_t *dst, int ring, char *warn, size_t warn_cap,
                                     void (*ready)(void *arg, int rows), void *arg);
/* Tests only: nonzero makes accel__jpeg_decode_rows answer ACCEL_ERR_UNAVAILABLE, as where
 * libjpeg.so.62 is missing, so that decode.c's TurboJPEG route can be checked here. */
extern int accel__jpeg_rows_off;
/* PNG encoding (libspng; 8-bit gray, RGB or RGBA as the image's channels; `accel image
 * enhance -o OUT.png`); *out is malloc'd. */
accel_status accel__png_encode(const img_t *src, uint8_t **out, size_t *n);
/* JPEG encoding (TurboJPEG, 4:2:0, or gray for one channel), for benchmark inputs; *out is
 * malloc'd. */
accel_status accel__jpeg_encode(const img_t *src, int quality, uint8_t **out, size_t *n);

/* Pixels allocated by the image family (decode, enhance): 64-byte aligned, freed with free(). */
uint8_t *accel__img_alloc(size_t bytes);

#endif
