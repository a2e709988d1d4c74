/* chunk_len.c — the chunk length for long inputs: the planner's (accel_plan_chunk, which
 * sizes chunks from the input's duration and the device's memory and honours
 * ACCEL_CHUNK_SECONDS), else ACCEL_CHUNK_SECONDS, else the caller's default. */
#include "audio_internal.h"

#include <string.h>

double accel__audio_chunk_seconds(accel_ctx *ctx, const char *op, double duration_s, int rate,
                                  double def, const char **source)
{
    const char *src = "default";
    double v = def;
    if (ctx) {
        accel_plan plan;
        memset(&plan, 0, sizeof plan);
        plan.struct_size = sizeof plan;
        if (accel_plan_chunk(ctx, op, duration_s, rate, -1, &plan) == ACCEL_OK && plan.chunk_seconds > 0) {
            v = plan.chunk_seconds;
            src = "planner";
        }
    }
    if (ctx && src[0] == 'd') {
        double c = accel__cfg_double(ctx, ACCEL__CFG_CHUNK_SECONDS);
        if (c > 0) {
            v = c;
            src = "ACCEL_CHUNK_SECONDS";
        }
    }
    if (source) *source = src;
    return v;
}
