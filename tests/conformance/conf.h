/* conf.h — the conformance suite: every registered operation on every usable device against
 * references computed here, independently of the library's code (long double sums, float16
 * rounding through nearbyint), within each operation's documented tolerance (docs/ops.md).
 * Outputs are poisoned first, with guard elements after the end, so an element that is not
 * written, or one written out of bounds, fails. */
#ifndef ACCEL_CONF_H
#define ACCEL_CONF_H

#include <stdint.h>

#include "core/backend.h"
#include "ops/basic/basic.h"
#include "test.h"

/* What one operation's cases saw on one device. */
typedef struct conf_tally {
    long cases;       /* calls made */
    long elements;    /* output values compared */
    long mismatches;  /* values outside tolerance (each printed, up to a limit) */
    double worst;     /* largest |error| / tolerance seen */
    long batched;     /* calls re-run in batches through the backend's run slot */
} conf_tally;

/* A device under test. */
typedef struct conf_dev {
    accel_ctx *ctx;
    size_t index;
    accel__device *dev;
    int is_cpu;
} conf_dev;

/* xorshift random numbers (deterministic per seed). */
uint64_t conf_rand(uint64_t *s);
double conf_uniform(uint64_t *s); /* [0, 1) */

/* Poison: every byte 0xFF (a negative NaN for float32 and float16). */
#define CONF_GUARD 64 /* elements after the end that must stay poisoned */
void conf_poison(void *p, size_t bytes);
int conf_is_poison(const void *p, size_t bytes);

/* References. */
float conf_ref_f16_to_f32(uint16_t h);            /* via ldexp */
uint16_t conf_ref_f32_to_f16(float f);            /* via nearbyint, ties to even */
float conf_ulp(float f);                          /* spacing of float32 at |f| */

/* Reports one mismatch (prints the first few of each tally). */
void conf_mismatch(conf_tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs one call of `op` on the device: through accel__exec_on, then (when `batches` > 1)
 * again through the backend's run slot split into `batches` uneven batches. */
accel_status conf_exec(const conf_dev *d, const accel__op *op, void *call);
accel_status conf_run_batched(const conf_dev *d, const accel__op *op, void *call, int batches,
                              uint64_t *seed);

/* Audio inputs longer than this many samples are left out (--max-audio-samples; default: no
 * limit). */
extern size_t conf_audio_max_samples;

/* Per operation: all cases on one device. */
void conf_convert(const conf_dev *d, conf_tally *t);
void conf_reduce(const conf_dev *d, conf_tally *t);
void conf_noop(const conf_dev *d, conf_tally *t);
void conf_whisper(const conf_dev *d, conf_tally *t);
void conf_vggish(const conf_dev *d, conf_tally *t);
void conf_fbank(const conf_dev *d, conf_tally *t);
void conf_image_decode(const conf_dev *d, conf_tally *t);
void conf_image_gray(const conf_dev *d, conf_tally *t);
void conf_image_resize(const conf_dev *d, conf_tally *t);
void conf_image_blob(const conf_dev *d, conf_tally *t);
void conf_scrfd_input(const conf_dev *d, conf_tally *t);
void conf_scrfd_output(const conf_dev *d, conf_tally *t);
void conf_image_warp(const conf_dev *d, conf_tally *t);
void conf_arcface_align(const conf_dev *d, conf_tally *t);
void conf_image_quality(const conf_dev *d, conf_tally *t);
void conf_image_enhance(const conf_dev *d, conf_tally *t);
void conf_scrfd_prepare(const conf_dev *d, conf_tally *t);

#endif
