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

accel_status accel__audio_chunk_seconds(accel_ctx *ctx, const char *op, double duration_s,
                                        int rate, double def, double *out)
{
    *out = def;
    double setting = ctx ? accel__cfg_double(ctx, ACCEL__CFG_CHUNK_SECONDS) : -1;
    if (setting > 0) {
        *out = setting;
        return ACCEL_OK;
    }
    if (!ctx) return ACCEL_OK;
    accel_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.struct_size = sizeof plan;
    /* a pipe's length is not known: there is nothing to plan for, and the default is kept */
    accel_status st = accel_plan_chunk(ctx, op, duration_s > 0 ? duration_s : def, rate, -1, &plan);
    if (st == ACCEL_ERR_NOT_FOUND || st == ACCEL_ERR_INVALID_ARG) return st;
    /* a device whose memory cannot be planned for (no formula, a failed query) runs the
     * default, the length streaming was measured with */
    if (st == ACCEL_OK && plan.chunk_seconds > 0 && plan.chunk_seconds < def)
        *out = plan.chunk_seconds;
    return ACCEL_OK;
}
