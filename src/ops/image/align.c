/* align.c — insightface face_align.estimate_norm: the least-squares similarity transform
 * (Umeyama, as scikit-image's SimilarityTransform.estimate) from five landmarks to ArcFace's
 * reference points.
 *
 * For two dimensions Umeyama's SVD has a closed form. With the points centred (s from the
 * landmarks, d from the reference) and σ² = Σ|s|² (the sum of both coordinates' variances,
 * times n), the rotation that maximises trace(Rᵀ·A) for A = Σ d·sᵀ is the angle
 * atan2(A10 − A01, A00 + A11), its value √((A00 + A11)² + (A10 − A01)²) is skimage's S·d
 * whatever the sign of det A, and the matrix is
 *     [ a  −b  tx ]      a = (A00 + A11) / σ²,  b = (A10 − A01) / σ²
 *     [ b   a  ty ]      t = mean(d) − [a −b; b a]·mean(s)
 * computed in double. skimage runs on the float32 arrays insightface passes (float32 means,
 * an SVD in float32), so its matrix differs from this one in the 7th digit; the warp rounds
 * coordinates to 1/32 pixel, which rarely notices (docs/image.md gives the measured share).
 *
 * The reference points are float32, scaled in float32 by size/112 (or size/128 with an 8/128
 * shift in x) as numpy scales them. */
#include "image_internal.h"

#include <math.h>

static const float arcface_dst[10] = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                                      71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};

accel_status accel__arcface_matrix(const float lmk[10], int size, double M[6], char *why, size_t cap)
{
    if (size <= 0 || (size % 112 != 0 && size % 128 != 0)) {
        snprintf(why, cap, "crop size %d (allowed: a multiple of 112 or of 128)", size);
        return ACCEL_ERR_INVALID_ARG;
    }
    for (int i = 0; i < 10; i++)
        if (!isfinite(lmk[i])) {
            snprintf(why, cap, "landmark %d (%s) is not a finite number", i / 2, i % 2 ? "y" : "x");
            return ACCEL_ERR_INVALID_ARG;
        }
    float ratio, diff_x;
    if (size % 112 == 0) {
        ratio = (float)((double)size / 112.0);
        diff_x = 0.0f;
    } else {
        ratio = (float)((double)size / 128.0);
        diff_x = (float)(8.0 * ((double)size / 128.0));
    }
    double s[10], d[10];
    for (int i = 0; i < 10; i++) {
        float v = arcface_dst[i] * ratio;
        if (i % 2 == 0) v += diff_x;
        d[i] = v;
        s[i] = lmk[i];
    }
    double sm[2] = {0, 0}, dm[2] = {0, 0};
    for (int k = 0; k < 5; k++)
        for (int j = 0; j < 2; j++) {
            sm[j] += s[2 * k + j];
            dm[j] += d[2 * k + j];
        }
    for (int j = 0; j < 2; j++) sm[j] /= 5, dm[j] /= 5;
    double A[2][2] = {{0, 0}, {0, 0}}, C[2][2] = {{0, 0}, {0, 0}};
    for (int k = 0; k < 5; k++) {
        double sx = s[2 * k] - sm[0], sy = s[2 * k + 1] - sm[1];
        double dx = d[2 * k] - dm[0], dy = d[2 * k + 1] - dm[1];
        A[0][0] += dx * sx, A[0][1] += dx * sy, A[1][0] += dy * sx, A[1][1] += dy * sy;
        C[0][0] += sx * sx, C[0][1] += sx * sy, C[1][1] += sy * sy;
    }
    /* eigenvalues of the landmarks' scatter: both ~0 → coincident, the smaller ~0 → on a line */
    double tr = C[0][0] + C[1][1];
    double disc = sqrt((C[0][0] - C[1][1]) * (C[0][0] - C[1][1]) + 4 * C[0][1] * C[0][1]);
    double l1 = (tr + disc) / 2, l2 = (tr - disc) / 2;
    double spread = fabs(sm[0]) + fabs(sm[1]) + 1.0;
    if (!(l1 > 1e-12 * spread * spread)) {
        snprintf(why, cap, "the five landmarks coincide (%.6g, %.6g)", sm[0], sm[1]);
        return ACCEL_ERR_INVALID_ARG;
    }
    if (l2 < 1e-6 * l1) {
        snprintf(why, cap, "the five landmarks are collinear (no face has its eyes, nose and "
                 "mouth on one line)");
        return ACCEL_ERR_INVALID_ARG;
    }
    double a = (A[0][0] + A[1][1]) / tr, b = (A[1][0] - A[0][1]) / tr;
    M[0] = a, M[1] = -b;
    M[3] = b, M[4] = a;
    M[2] = dm[0] - (a * sm[0] - b * sm[1]);
    M[5] = dm[1] - (b * sm[0] + a * sm[1]);
    return ACCEL_OK;
}

accel_status accel_arcface_matrix(const float landmarks[10], int size, double M[6])
{
    RETURN_ERROR_IF(!landmarks || !M, ACCEL_ERR_INVALID_ARG, "accel_arcface_matrix: NULL argument");
    char why[200];
    accel_status st = accel__arcface_matrix(landmarks, size, M, why, sizeof why);
    RETURN_ERROR_IF(st != ACCEL_OK, st, "landmarks: %s", why);
    return ACCEL_OK;
}
