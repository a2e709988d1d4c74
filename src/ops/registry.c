/* registry.c — every operation accel offers, by name. An operation family defines its
 * accel__op descriptors in src/ops/<family>/ and is listed here. */
#include "../core/internal.h"

#include <string.h>

#include "basic/basic.h"

/* audio front ends (src/ops/audio/ops.c) */
extern const accel__op accel__op_whisper, accel__op_vggish, accel__op_fbank;
/* image operations (src/ops/image/op_*.c) */
extern const accel__op accel__op_image_decode, accel__op_image_gray, accel__op_image_resize,
    accel__op_image_blob, accel__op_scrfd_input, accel__op_scrfd_output, accel__op_image_warp,
    accel__op_arcface_align, accel__op_image_quality, accel__op_image_enhance;

static const accel__op *const ops[] = {
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
};

size_t accel__op_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (ops[i]) n++;
    return n;
}

const accel__op *accel__op_at(size_t i)
{
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        if (!ops[k]) continue;
        if (i == 0) return ops[k];
        i--;
    }
    return NULL;
}

const accel__op *accel__op_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (ops[i] && strcmp(ops[i]->name, name) == 0) return ops[i];
    return NULL;
}
