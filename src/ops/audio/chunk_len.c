/* chunk_len.c — the chunk length for long inputs: ACCEL_CHUNK_SECONDS when set, else the
 * caller's default shortened to what the planner (accel_plan_chunk: the input's duration and
 * the device's memory) says fits.
 *
 * Why the planner only shortens: it answers "how long a chunk fits", and on a host with
 * gigabytes free that is the whole input — but streaming exists to keep memory bounded, and a
 * chunk longer than the default buys no speed. So the default (60 s for features, 30 s for VAD
 * chunks) is the length wanted and the plan a ceiling on a device with little memory. */
#include "audio_internal.h"

#include <string.h>

double accel__audio_chunk_seconds(accel_ctx *ctx, const char *op, double duration_s, int rate,
                                  double def, const char **source)
{
    const char *src = "default";
    double v = def;
    double setting = ctx ? accel__cfg_double(ctx, ACCEL__CFG_CHUNK_SECONDS) : -1;
    if (setting > 0) {
        v = setting;
        src = "ACCEL_CHUNK_SECONDS";
    } else if (ctx) {
        accel_plan plan;
        memset(&plan, 0, sizeof plan);
        plan.struct_size = sizeof plan;
        if (accel_plan_chunk(ctx, op, duration_s, rate, -1, &plan) == ACCEL_OK &&
            plan.chunk_seconds > 0 && plan.chunk_seconds < def) {
            v = plan.chunk_seconds;
            src = "planner";
        }
    }
    if (source) *source = src;
    return v;
}
