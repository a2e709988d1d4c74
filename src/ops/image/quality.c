/* quality.c — the quality measures of one image from its exact integer sums (kern.h on the
 * CPU, ak_img_quality on a device), and the `overall` score (accel_quality_params,
 * docs/image.md). Both paths end here, so equal sums give equal doubles.
 *
 * From the sums over the N pixels: brightness = Σg / N; contrast = √((N·Σg² − (Σg)²) / N²);
 * blur_laplacian_var = (N·ΣL² − (ΣL)²) / N²; sharpness_tenengrad = Σ(gx² + gy²) / N. The
 * numerators are exact (128-bit integers), so each measure is rounded once, when the integer is
 * turned into a double and divided. */
#include "image_internal.h"

#include <math.h>

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

static double overall_of(const accel_quality_params *p, const accel_quality *q)
{
    double blur = clamp01(q->blur_laplacian_var / p->blur_good);
    double sharp = clamp01(q->sharpness_tenengrad / p->sharpness_good);
    double contrast = clamp01(q->contrast / p->contrast_good);
    double b = q->brightness, bright;
    if (b < p->brightness_low) bright = p->brightness_low > 0 ? b / p->brightness_low : 1;
    else if (b > p->brightness_high) bright = p->brightness_high < 255 ? (255 - b) / (255 - p->brightness_high) : 1;
    else bright = 1;
    bright = clamp01(bright);
    double wsum = p->w_blur + p->w_sharpness + p->w_contrast + p->w_brightness;
    return clamp01((p->w_blur * blur + p->w_sharpness * sharp + p->w_contrast * contrast +
                    p->w_brightness * bright) / wsum);
}

/* (N·Σx² − (Σx)²) / N², the population variance, from exact sums */
static double variance(int64_t n, int64_t s, int64_t s2)
{
#ifdef __SIZEOF_INT128__
    __int128 num = (__int128)n * s2 - (__int128)s * s;
    return (double)num / ((double)n * (double)n);
#else
    long double m = (long double)s / n;
    return (double)((long double)s2 / n - m * m);
#endif
}

void accel__img_quality_measures(const img_qsums *t, int64_t n, const accel_quality_params *p,
                                 accel_quality *q)
{
    q->brightness = (double)t->g / (double)n;
    q->contrast = sqrt(variance(n, t->g, t->g2));
    q->blur_laplacian_var = variance(n, t->l, t->l2);
    q->sharpness_tenengrad = (double)t->t / (double)n;
    q->overall = overall_of(p, q);
}
