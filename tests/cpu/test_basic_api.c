/* accel_convert / accel_reduce arguments: each bad one fails with ACCEL_ERR_INVALID_ARG and
 * a message naming it and what is allowed; good calls give the documented results (empty
 * arrays, NaN propagation, float16 rounding, the run record). */
#include "test.h"
#include "core/internal.h"

#define EXPECT_BAD(expr, needle)                                                            \
    do {                                                                                    \
        ASSERT_STATUS(expr, ACCEL_ERR_INVALID_ARG);                                         \
        ASSERT_CONTAINS(accel_last_error(ctx), needle);                                     \
    } while (0)

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) TEST_DONE();
    float f[16] = {0}, o[16];
    uint16_t h[16];
    int16_t s16[16] = {0};

    /* convert */
    ASSERT_STATUS(accel_convert(NULL, ACCEL_F32, f, ACCEL_F32, o, 4, 1, 0, NULL),
                  ACCEL_ERR_INVALID_ARG);
    EXPECT_BAD(accel_convert(ctx, ACCEL_F32, f, ACCEL_I16, o, 4, 1, 0, NULL),
               "dst_type ACCEL_I16 is not allowed; allowed: ACCEL_F32, ACCEL_F16");
    EXPECT_BAD(accel_convert(ctx, (accel_dtype)9, f, ACCEL_F32, o, 4, 1, 0, NULL),
               "src_type 9 is not a dtype; allowed: ACCEL_U8, ACCEL_I16, ACCEL_I32, ACCEL_F16, "
               "ACCEL_F32");
    EXPECT_BAD(accel_convert(ctx, ACCEL_F32, NULL, ACCEL_F32, o, 4, 1, 0, NULL),
               "src is NULL but n is 4");
    EXPECT_BAD(accel_convert(ctx, ACCEL_F32, f, ACCEL_F32, NULL, 4, 1, 0, NULL),
               "dst is NULL but n is 4");
    EXPECT_BAD(accel_convert(ctx, ACCEL_F32, f, ACCEL_F32, o, 4, NAN, 0, NULL),
               "scale is nan; it must be a finite number");
    EXPECT_BAD(accel_convert(ctx, ACCEL_F32, f, ACCEL_F32, o, 4, 1, INFINITY, NULL),
               "offset is inf");
    EXPECT_BAD(accel_convert(ctx, ACCEL_F32, f, ACCEL_F16, (char *)f + 6, 4, 1, 0, NULL),
               "src and dst overlap");
    EXPECT_BAD(accel_convert(ctx, ACCEL_I16, (char *)s16 + 1, ACCEL_F32, o, 4, 1, 0, NULL),
               "src");
    ASSERT_CONTAINS(accel_last_error(ctx), "not aligned to 2 bytes as ACCEL_I16 requires");
    ASSERT_OK(accel_convert(ctx, ACCEL_F32, NULL, ACCEL_F32, NULL, 0, 1, 0, NULL)); /* n = 0 */

    /* results: i16 PCM to float, float to half with rounding, and the record */
    int16_t pcm[4] = {-32768, -1, 0, 32767};
    accel_run_record rec = {.struct_size = sizeof rec};
    ASSERT_OK(accel_convert(ctx, ACCEL_I16, pcm, ACCEL_F32, o, 4, 1.0f / 32768.0f, 0, &rec));
    ASSERT_TRUE(o[0] == -1.0f && o[1] == -1.0f / 32768.0f && o[2] == 0.0f &&
                o[3] == 32767.0f / 32768.0f);
    ASSERT_EQ_INT(rec.device_used, (int)(ctx->n_devs - 1));
    ASSERT_EQ_INT(rec.n_fallbacks, 0);
    float in[4] = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 70000.0f, -0x1p-25f};
    ASSERT_OK(accel_convert(ctx, ACCEL_F32, in, ACCEL_F16, h, 4, 1.0f, 0.0f, NULL));
    ASSERT_EQ_INT(h[0], 0x3c00); /* tie -> even (down) */
    ASSERT_EQ_INT(h[1], 0x3c02); /* tie -> even (up) */
    ASSERT_EQ_INT(h[2], 0x7c00); /* overflow -> inf */
    ASSERT_EQ_INT(h[3], 0x8000); /* -2^-25 ties to -0 */

    /* reduce */
    EXPECT_BAD(accel_reduce(ctx, (accel_reduce_op)7, f, 1, 4, o, NULL),
               "op 7 is not a reduction; allowed: ACCEL_REDUCE_SUM, ACCEL_REDUCE_MEAN, "
               "ACCEL_REDUCE_VAR, ACCEL_REDUCE_MIN, ACCEL_REDUCE_MAX");
    EXPECT_BAD(accel_reduce(ctx, ACCEL_REDUCE_SUM, NULL, 1, 4, o, NULL), "x is NULL");
    EXPECT_BAD(accel_reduce(ctx, ACCEL_REDUCE_SUM, f, 1, 4, NULL, NULL), "out is NULL");
    EXPECT_BAD(accel_reduce(ctx, ACCEL_REDUCE_SUM, f, SIZE_MAX / 2, 4, o, NULL), "too large");
    ASSERT_OK(accel_reduce(ctx, ACCEL_REDUCE_SUM, NULL, 0, 4, NULL, NULL)); /* no arrays */

    /* len 0: 0 for sum, NaN otherwise */
    for (int op = 0; op < 5; op++) {
        o[0] = 123.0f;
        ASSERT_OK(accel_reduce(ctx, (accel_reduce_op)op, NULL, 1, 0, o, NULL));
        if (op == ACCEL_REDUCE_SUM)
            ASSERT_TRUE(o[0] == 0.0f);
        else
            ASSERT_TRUE(isnan(o[0]));
    }
    /* values and NaN */
    float v[6] = {1, 2, 3, 4, 5, 6};
    float want[5] = {21.0f, 3.5f, 35.0f / 12.0f, 1.0f, 6.0f};
    for (int op = 0; op < 5; op++) {
        ASSERT_OK(accel_reduce(ctx, (accel_reduce_op)op, v, 1, 6, o, NULL));
        ASSERT_TRUE(o[0] == want[op]);
    }
    v[4] = NAN;
    for (int op = 0; op < 5; op++) {
        ASSERT_OK(accel_reduce(ctx, (accel_reduce_op)op, v, 2, 3, o, NULL));
        ASSERT_TRUE(!isnan(o[0]) && isnan(o[1]));
    }
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
