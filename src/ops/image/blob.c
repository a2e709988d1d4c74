/* blob.c — cv2.dnn.blobFromImage's arithmetic for 8-bit images: the pixel is converted to
 * float32, the mean (given per blob channel, i.e. after swapRB) subtracted, the result
 * multiplied by the float32 scale — two float32 roundings, never fused (as OpenCV's
 * subtract and convertTo give them; checked against cv2 in tests/image). */
#include "image_internal.h"

void accel__img_blob_rows(const img_t *src, const float mean[3], float scale, int swap, float *out,
                          int r0, int r1)
{
    const size_t plane = (size_t)src->w * (size_t)src->h;
    const int cn = src->c;
    for (int k = 0; k < 3; k++) {
        const int ch = swap ? 2 - k : k;
        const float m = mean[k];
        for (int y = r0; y < r1; y++) {
            const uint8_t *s = src->p + (size_t)y * src->stride + ch;
            float *o = out + (size_t)k * plane + (size_t)y * (size_t)src->w;
            for (int x = 0; x < src->w; x++) {
                float d = (float)s[(size_t)x * (size_t)cn] - m;
                o[x] = d * scale;
            }
        }
    }
}
