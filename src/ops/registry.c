/* registry.c — every operation accel offers: the operation table (core/internal.h). An
 * operation family defines its accel__op descriptors in src/ops/<family>/ and is listed here.
 *
 * Data only: the lookups by name and index are the core's (src/core/op_table.c), so the core
 * reads this table as it reads the backend table and never calls a function of src/ops/. */
#include "../core/internal.h"

#include "basic/basic.h"

/* audio front ends (src/ops/audio/ops.c) */
extern const accel__op accel__op_whisper, accel__op_vggish, accel__op_fbank;
/* image operations (src/ops/image/op_*.c) */
extern const accel__op accel__op_image_decode, accel__op_image_gray, accel__op_image_resize,
    accel__op_image_blob, accel__op_scrfd_input, accel__op_scrfd_output, accel__op_image_warp,
    accel__op_arcface_align, accel__op_image_quality, accel__op_image_enhance,
    accel__op_scrfd_prepare;

const accel__op *const accel__op_table[] = {
    &accel__op_convert, /* basic/ */
    &accel__op_reduce,
    &accel__op_noop,
    &accel__op_whisper, /* audio/ */
    &accel__op_vggish,
    &accel__op_fbank,
    &accel__op_image_decode, /* image/ */
    &accel__op_image_gray,
    &accel__op_image_resize,
    &accel__op_image_blob,
    &accel__op_scrfd_input,
    &accel__op_scrfd_output,
    &accel__op_image_warp,
    &accel__op_arcface_align,
    &accel__op_image_quality,
    &accel__op_image_enhance,
    &accel__op_scrfd_prepare,
};

const size_t accel__op_table_len = sizeof accel__op_table / sizeof *accel__op_table;
