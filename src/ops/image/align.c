/* align.c — insightface face_align.estimate_norm: the least-squares similarity transform
 * (Umeyama, as scikit-image's SimilarityTransform.estimate) from five landmarks to ArcFace's
 * reference points, with the reference's own arithmetic, so that the matrix is the same to the
 * last bit and the crop the same to the last byte.
 *
 * What the reference computes (skimage 0.19 _umeyama on the float32 arrays insightface passes,
 * numpy 1.24):
 *   - the means of the landmarks and of the reference points, their centred copies, the
 *     2×2 cross-covariance A = dᵀ·s / 5 and the coordinates' variances in float32, each sum
 *     taken in order;
 *   - U, S, Vᵀ = numpy.linalg.svd(A): numpy's linalg computes in double whatever the input
 *     and rounds the results to float32, through LAPACK's dgesdd. For a 2×2 matrix dgesdd
 *     takes one Householder reflection to make A upper bidiagonal (dlarfg, dlarf), then dbdsqr
 *     either finds the off-diagonal negligible or solves the 2×2 block with dlasv2 and its two
 *     rotations, makes the singular values positive, sorts them, and applies the reflection
 *     to U. The same steps run below in double; a last bit of difference there is lost in the
 *     rounding to float32 (60 000 landmark sets of faces, mirrored faces, turned faces and
 *     random points, five crop sizes: every matrix bit-identical to skimage's, on OpenBLAS and
 *     on netlib's BLAS alike);
 *   - then in double: R = U·diag(d)·Vᵀ (d₂ = −1 when det A < 0), the scale (S·d) / Σ var,
 *     the translation mean(dst) − scale·(R·mean(src)), and R·scale.
 * The singular vectors' signs are LAPACK's, and they matter: R is the same either way, but
 * only LAPACK's choice gives its last bits.
 *
 * The reference points are float32, scaled in float32 by size/112 (or size/128 with an 8/128
 * shift in x) as numpy scales them. Five landmarks that coincide or lie on a line are refused
 * (skimage would return NaN or fit a degenerate transform). */
#include "image_internal.h"

#include <float.h>
#include <math.h>

static const float arcface_dst[10] = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                                      71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};

/* A double rounded to float. Through a volatile: GCC 12's SLP vectorizer at -O2 was seen to
 * drop a double → float → double round trip in this file, keeping the double. */
static float narrow(double x)
{
    volatile float f = (float)x;
    return f;
}

/* Fortran's SIGN(a, b): |a| with the sign of b. */
static double sign_of(double a, double b) { return signbit(b) ? -fabs(a) : fabs(a); }

/* LAPACK's dlapy2: √(x² + y²) without overflow, in its order of operations. */
static double lapy2(double x, double y)
{
    double xa = fabs(x), ya = fabs(y);
    double w = xa > ya ? xa : ya, z = xa > ya ? ya : xa;
    if (z == 0.0) return w;
    double q = z / w;
    return w * sqrt(1.0 + q * q);
}

/* LAPACK's dlasv2: the SVD of the upper triangular [f g; 0 h], its rotations and signs. */
static void lasv2(double f, double g, double h, double *ssmin, double *ssmax, double *snr, double *csr,
                  double *snl, double *csl)
{
    const double eps = DBL_EPSILON / 2; /* dlamch('E') */
    double ft = f, fa = fabs(ft), ht = h, ha = fabs(h);
    int pmax = 1, swap = ha > fa;
    if (swap) {
        pmax = 3;
        double t = ft;
        ft = ht, ht = t;
        t = fa, fa = ha, ha = t;
    }
    double gt = g, ga = fabs(gt), clt = 1, crt = 1, slt = 0, srt = 0, smin = ha, smax = fa;
    if (ga != 0.0) {
        int gasmal = 1;
        if (ga > fa) {
            pmax = 2;
            if (fa / ga < eps) { /* a very large g */
                gasmal = 0;
                smax = ga;
                smin = ha > 1.0 ? fa / (ga / ha) : (fa / ga) * ha;
                clt = 1, slt = ht / gt, srt = 1, crt = ft / gt;
            }
        }
        if (gasmal) {
            double d = fa - ha, l = d == fa ? 1.0 : d / fa;
            double m = gt / ft, t = 2.0 - l, mm = m * m, tt = t * t;
            double s = sqrt(tt + mm), r = l == 0.0 ? fabs(m) : sqrt(l * l + mm);
            double a = 0.5 * (s + r);
            smin = ha / a;
            smax = fa * a;
            if (mm == 0.0)
                t = l == 0.0 ? sign_of(2.0, ft) * sign_of(1.0, gt) : gt / sign_of(d, ft) + m / t;
            else
                t = (m / (s + t) + m / (r + l)) * (1.0 + a);
            l = sqrt(t * t + 4.0);
            crt = 2.0 / l;
            srt = t / l;
            clt = (crt + srt * m) / a;
            slt = (ht / ft) * srt / a;
        }
    }
    if (swap) *csl = srt, *snl = crt, *csr = slt, *snr = clt;
    else *csl = clt, *snl = slt, *csr = crt, *snr = srt;
    double tsign = pmax == 1   ? sign_of(1, *csr) * sign_of(1, *csl) * sign_of(1, f)
                   : pmax == 2 ? sign_of(1, *snr) * sign_of(1, *csl) * sign_of(1, g)
                               : sign_of(1, *snr) * sign_of(1, *snl) * sign_of(1, h);
    *ssmax = sign_of(smax, tsign);
    *ssmin = sign_of(smin, tsign * sign_of(1, f) * sign_of(1, h));
}

/* dgesdd's steps for a 2×2 matrix (a[i][j] row i, column j): A = U·diag(S)·VT. */
static void svd2(const double a[2][2], double U[2][2], double S[2], double VT[2][2])
{
    /* dgebd2: one reflection H = I − τ·v·vᵀ, v = (1, v2), zeroes a[1][0] */
    double a12 = a[0][1], a22 = a[1][1], d1 = a[0][0], tau = 0.0, v2 = 0.0;
    if (a[1][0] != 0.0) {
        double alpha = a[0][0], beta = -sign_of(lapy2(alpha, fabs(a[1][0])), alpha);
        tau = (beta - alpha) / beta;
        v2 = a[1][0] * (1.0 / (alpha - beta));
        d1 = beta;
        double w = a12 + a22 * v2, t = -tau * w; /* dlarf on the second column */
        a12 = a12 + t;
        a22 = a22 + v2 * t;
    }
    double d[2] = {d1, a22}, e = a12;
    double u[2][2] = {{1, 0}, {0, 1}}, vt[2][2] = {{1, 0}, {0, 1}};
    /* dbdsqr: the off-diagonal is negligible below its threshold, else dlasv2 */
    const double eps = DBL_EPSILON / 2, unfl = DBL_MIN;
    double tolmul = pow(eps, -0.125);
    tolmul = tolmul > 100 ? 100 : tolmul;
    tolmul = tolmul < 10 ? 10 : tolmul;
    double sminoa = fabs(d[0]);
    if (sminoa != 0.0) {
        double mu = fabs(d[1]) * (sminoa / (sminoa + fabs(e)));
        if (mu < sminoa) sminoa = mu;
    }
    sminoa = sminoa / sqrt(2.0);
    double th1 = tolmul * eps * sminoa, th2 = 6.0 * (2.0 * (2.0 * unfl));
    double thresh = th1 > th2 ? th1 : th2;
    if (!(fabs(e) <= thresh || e == 0.0)) {
        double smn, smx, snr, csr, snl, csl;
        lasv2(d[0], e, d[1], &smn, &smx, &snr, &csr, &snl, &csl);
        d[0] = smx, d[1] = smn;
        for (int j = 0; j < 2; j++) { /* drot of VT's rows, then of U's columns */
            double x = vt[0][j], y = vt[1][j];
            vt[0][j] = csr * x + snr * y;
            vt[1][j] = csr * y - snr * x;
        }
        for (int i = 0; i < 2; i++) {
            double x = u[i][0], y = u[i][1];
            u[i][0] = csl * x + snl * y;
            u[i][1] = csl * y - snl * x;
        }
    }
    for (int i = 0; i < 2; i++) /* positive, the row of VT negated with it */
        if (d[i] < 0.0) {
            d[i] = -d[i];
            vt[i][0] = -vt[i][0], vt[i][1] = -vt[i][1];
        }
    if (!(d[1] <= d[0])) { /* decreasing */
        double t = d[0];
        d[0] = d[1], d[1] = t;
        for (int j = 0; j < 2; j++) t = vt[0][j], vt[0][j] = vt[1][j], vt[1][j] = t;
        for (int i = 0; i < 2; i++) t = u[i][0], u[i][0] = u[i][1], u[i][1] = t;
    }
    if (tau != 0.0) /* dormbr: U = H·U */
        for (int j = 0; j < 2; j++) {
            double w = u[0][j] + u[1][j] * v2, t = -tau * w;
            u[0][j] = u[0][j] + t;
            u[1][j] = u[1][j] + v2 * t;
        }
    for (int i = 0; i < 2; i++) {
        S[i] = d[i];
        for (int j = 0; j < 2; j++) U[i][j] = u[i][j], VT[i][j] = vt[i][j];
    }
}

/* insightface's crop sizes: a multiple of 112 (ArcFace) or of 128 (with its 8-pixel shift) */
static int crop_size_ok(int size) { return size > 0 && (size % 112 == 0 || size % 128 == 0); }

accel_status accel__arcface_matrix(const float lmk[10], int size, double M[6], char *why, size_t cap)
{
    if (!crop_size_ok(size)) {
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
        ratio = narrow((double)size / 112.0);
        diff_x = 0.0f;
    } else {
        ratio = narrow((double)size / 128.0);
        diff_x = narrow(8.0 * ((double)size / 128.0));
    }
    /* the same checks as before, in double: coincident or collinear landmarks are refused */
    double sm64[2] = {0, 0}, C[2][2] = {{0, 0}, {0, 0}};
    for (int k = 0; k < 5; k++) sm64[0] += lmk[2 * k], sm64[1] += lmk[2 * k + 1];
    sm64[0] /= 5, sm64[1] /= 5;
    for (int k = 0; k < 5; k++) {
        double sx = lmk[2 * k] - sm64[0], sy = lmk[2 * k + 1] - sm64[1];
        C[0][0] += sx * sx, C[0][1] += sx * sy, C[1][1] += sy * sy;
    }
    /* eigenvalues of the landmarks' scatter: both ~0 → coincident, the smaller ~0 → on a line */
    double tr = C[0][0] + C[1][1];
    double disc = sqrt((C[0][0] - C[1][1]) * (C[0][0] - C[1][1]) + 4 * C[0][1] * C[0][1]);
    double l1 = (tr + disc) / 2, l2 = (tr - disc) / 2;
    double spread = fabs(sm64[0]) + fabs(sm64[1]) + 1.0;
    if (!(l1 > 1e-12 * spread * spread)) {
        snprintf(why, cap, "the five landmarks coincide (%.6g, %.6g)", sm64[0], sm64[1]);
        return ACCEL_ERR_INVALID_ARG;
    }
    if (l2 < 1e-6 * l1) {
        snprintf(why, cap, "the five landmarks are collinear (no face has its eyes, nose and "
                 "mouth on one line)");
        return ACCEL_ERR_INVALID_ARG;
    }
    /* float32, as numpy: the reference points scaled, the means, centred points, A = dᵀ·s / 5 */
    float src[5][2], dst[5][2], sm[2], dm[2], sd[5][2], dd[5][2], A[2][2];
    for (int k = 0; k < 5; k++) {
        src[k][0] = lmk[2 * k], src[k][1] = lmk[2 * k + 1];
        dst[k][0] = arcface_dst[2 * k] * ratio + diff_x;
        dst[k][1] = arcface_dst[2 * k + 1] * ratio;
    }
    for (int j = 0; j < 2; j++) {
        float a = src[0][j], b = dst[0][j];
        for (int k = 1; k < 5; k++) a = a + src[k][j], b = b + dst[k][j];
        sm[j] = a / 5.0f;
        dm[j] = b / 5.0f;
    }
    for (int k = 0; k < 5; k++)
        for (int j = 0; j < 2; j++) sd[k][j] = src[k][j] - sm[j], dd[k][j] = dst[k][j] - dm[j];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            float t = 0.0f;
            for (int k = 0; k < 5; k++) t = t + dd[k][i] * sd[k][j];
            A[i][j] = t / 5.0f;
        }
    /* the variances of the centred landmarks (numpy's var: their mean taken off again) */
    float var[2];
    for (int j = 0; j < 2; j++) {
        float a = sd[0][j];
        for (int k = 1; k < 5; k++) a = a + sd[k][j];
        float mean = a / 5.0f, q = 0.0f;
        for (int k = 0; k < 5; k++) {
            float x = sd[k][j] - mean;
            q = k ? q + x * x : x * x;
        }
        var[j] = q / 5.0f;
    }
    float var_sum = var[0] + var[1];
    /* the SVD in double, rounded to float32 (numpy.linalg) */
    double Ad[2][2] = {{A[0][0], A[0][1]}, {A[1][0], A[1][1]}}, Ud[2][2], Sd[2], Vd[2][2];
    svd2(Ad, Ud, Sd, Vd);
    double U[2][2], S[2], V[2][2];
    for (int i = 0; i < 2; i++) {
        S[i] = narrow(Sd[i]);
        for (int j = 0; j < 2; j++) U[i][j] = narrow(Ud[i][j]), V[i][j] = narrow(Vd[i][j]);
    }
    /* double from here: d from the sign of det A (exact: the products of floats are exact) */
    double dsg[2] = {1.0, (double)A[0][0] * A[1][1] - (double)A[0][1] * A[1][0] < 0 ? -1.0 : 1.0};
    double R[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) R[i][j] = (U[i][0] * dsg[0]) * V[0][j] + (U[i][1] * dsg[1]) * V[1][j];
    double scale = (1.0 / (double)var_sum) * (S[0] * dsg[0] + S[1] * dsg[1]);
    for (int i = 0; i < 2; i++) {
        double y = R[i][0] * (double)sm[0] + R[i][1] * (double)sm[1];
        M[3 * i + 2] = (double)dm[i] - scale * y;
        M[3 * i] = R[i][0] * scale;
        M[3 * i + 1] = R[i][1] * scale;
    }
    return ACCEL_OK;
}

accel_status accel_arcface_matrix(const float landmarks[10], int size, double M[6])
{
    RETURN_ERROR_IF(!landmarks || !M, ACCEL_ERR_INVALID_ARG, "accel_arcface_matrix: NULL argument");
    /* the size is its own argument: not reported as the landmarks' fault */
    RETURN_ERROR_IF(!crop_size_ok(size), ACCEL_ERR_INVALID_ARG,
                    "size: %d (allowed: a multiple of 112 or of 128)", size);
    char why[200];
    accel_status st = accel__arcface_matrix(landmarks, size, M, why, sizeof why);
    RETURN_ERROR_IF(st != ACCEL_OK, st, "landmarks: %s", why);
    return ACCEL_OK;
}
