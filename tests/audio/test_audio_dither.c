/* test_audio_dither.c — the fbank dither is the noise torchaudio adds (dither · N(0, 1) per
 * sample of each frame, independent across samples and frames), shown by its statistics:
 * silence with dither 1 through Kaldi's linear chain (DC removal, pre-emphasis, povey window,
 * 512-point power spectrum, mel filterbank, no log) must give, averaged over many frames, the
 * mel energies that white Gaussian noise of variance 1 gives in expectation. A wrong scale, a
 * uniform instead of Gaussian variance, noise shared across samples (coloured spectrum) or
 * across frames (no averaging) each move some band far outside the tolerance.
 *
 * The expectation: the chain is linear, so for white noise of variance σ² bin k has
 * E|X_k|² = σ² Σ_j |X_k(e_j)|², e_j being a unit impulse at sample j of the frame; it is
 * computed here in double by a direct DFT, independently of the library's FFT. */
#include "audio_test_util.h"

#include <float.h>

#define N_SECONDS 120
#define RATE 16000

/* E|X_k|² / σ² for the Kaldi chain with window w (win samples), n_fft points. */
static void expected_power(const double *w, int win, int n_fft, double preemph, double *pw)
{
    int nb = n_fft / 2 + 1;
    double *x = malloc((size_t)n_fft * sizeof *x);
    for (int k = 0; k < nb; k++) pw[k] = 0;
    for (int j = 0; j < win; j++) {
        for (int i = 0; i < n_fft; i++) x[i] = 0;
        x[j] = 1.0;
        double mean = 1.0 / win; /* remove_dc_offset */
        for (int i = 0; i < win; i++) x[i] -= mean;
        for (int i = win - 1; i > 0; i--) x[i] -= preemph * x[i - 1]; /* torchaudio: x[0] uses itself */
        x[0] -= preemph * x[0];
        for (int i = 0; i < win; i++) x[i] *= w[i];
        for (int k = 0; k < nb; k++) {
            double re = 0, im = 0;
            for (int i = 0; i < win; i++) {
                double a = -2.0 * M_PI * (double)((long long)k * i % n_fft) / n_fft;
                re += x[i] * cos(a);
                im += x[i] * sin(a);
            }
            pw[k] += re * re + im * im;
        }
    }
    free(x);
}

int main(void)
{
    accel_ctx *ctx = NULL;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    if (!ctx) return 1;
    accel_audio_params p = {.struct_size = sizeof p};
    ASSERT_OK(accel_audio_params_preset("fbank", &p)); /* povey, DC removal, pre-emphasis 0.97 */
    p.n_mels = 40;
    p.dither = 1.0;
    p.use_log_fbank = 0;
    const double sigma = 1.0;

    audio_plan pl;
    ASSERT_OK(accel__audio_plan_init(&pl, &p));
    double *pw = malloc((size_t)pl.n_bins * sizeof *pw);
    expected_power(pl.windowd, pl.win, pl.n_fft, p.preemphasis_coefficient, pw);
    double expect[64] = {0};
    for (int m = 0; m < pl.mel.n_mels; m++)
        for (int c = 0; c < pl.mel.count[m]; c++)
            expect[m] += pl.mel.w[pl.mel.off[m] + (size_t)c] * pw[pl.mel.start[m] + c] * sigma * sigma;

    size_t n = (size_t)N_SECONDS * RATE;
    float *x = calloc(n, sizeof *x); /* silence: everything in the output is the dither */
    size_t shape[3];
    int nd;
    accel_status st;
    float *y = features_on(ctx, -1, &p, x, n, shape, &nd, &st);
    ASSERT_OK(st);
    ASSERT_TRUE(y && nd == 2 && shape[1] == 40);
    if (!y) return 1;
    size_t nf = shape[0];
    double worst = 0;
    for (int m = 0; m < 40; m++) {
        double s = 0, s2 = 0;
        for (size_t f = 0; f < nf; f++) {
            double v = y[f * 40 + (size_t)m];
            s += v;
            s2 += v * v;
        }
        double mean = s / (double)nf, var = s2 / (double)nf - mean * mean;
        double se = sqrt(var > 0 ? var / (double)nf : 0);
        double rel = fabs(mean / expect[m] - 1.0);
        if (rel > worst) worst = rel;
        /* six standard errors of the frames' mean, and never more than 5 % */
        if (fabs(mean - expect[m]) > 6 * se || rel > 0.05)
            TEST_FAIL_("band %d: mean mel energy %.6g over %zu frames, white noise of variance %g gives "
                       "%.6g (%.2f %%, standard error %.3g)",
                       m, mean, nf, sigma * sigma, expect[m], 100 * rel, se);
    }
    /* the noise of one frame does not repeat in the next: frames 0 and 1 differ */
    ASSERT_TRUE(nf > 2 && memcmp(y, y + 40, 40 * sizeof *y) != 0);
    printf("dither 1 on %d s of silence: %zu frames, 40 bands within %.2f %% of white noise's "
           "expected mel energies\n", N_SECONDS, nf, 100 * worst);

    /* dither 0 on silence: nothing but the log floor, exactly */
    p.dither = 0;
    p.use_log_fbank = 1;
    float *z = features_on(ctx, -1, &p, x, RATE, shape, &nd, &st);
    ASSERT_OK(st);
    for (size_t i = 0; z && i < shape[0] * shape[1]; i++)
        if (z[i] != logf(FLT_EPSILON)) {
            TEST_FAIL_("dither 0, silence: value %zu is %.9g, want ln(FLT_EPSILON)", i, z[i]);
            break;
        }
    free(z);
    free(y);
    free(x);
    free(pw);
    accel__audio_plan_free(&pl);
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
