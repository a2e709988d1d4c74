/* test_audio_fft.c — the lane FFT of every instruction set against a double-precision DFT,
 * for the sizes the front ends use (400, 512), every radix path (2, 3, 4, 5, 8, generic
 * primes), in both plans (radix 4, and radix 8 where the size allows: every build runs both,
 * whichever it uses), odd lengths, and the smallest ones; plus the fast logarithm against
 * log(). */
#include "audio_test_util.h"

static void check_size(const audio_isa *isa, int n, int radix8)
{
    audio_fft_plan pl;
    ASSERT_OK(radix8 ? accel__audio_fft_plan8(&pl, n) : accel__audio_fft_plan(&pl, n));
    if (radix8 && n == 512) ASSERT_EQ_INT(pl.radix[0], 8); /* 256 = 8·8·4 */
    size_t L = AUDIO_LANES, nb = (size_t)n / 2 + 1;
    float *x = aligned_alloc(64, ((size_t)n * L * sizeof(float) + 63) & ~(size_t)63);
    float *pw = aligned_alloc(64, (nb * L * sizeof(float) + 63) & ~(size_t)63);
    size_t sf = (size_t)2 * (size_t)(4 * (pl.m + 1) + (int)nb) * L + 64; /* room for double lanes */
    float *scratch = aligned_alloc(64, (sf * sizeof(float) + 63) & ~(size_t)63);
    uint64_t s = 0x1234567u + (uint64_t)n;
    for (size_t i = 0; i < (size_t)n * L; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    isa->fft_power(&pl, x, pw, scratch);
    /* the double-lane FFT of the same frames */
    double *xd = aligned_alloc(64, ((size_t)n * L * sizeof(double) + 63) & ~(size_t)63);
    double *pd = aligned_alloc(64, (nb * L * sizeof(double) + 63) & ~(size_t)63);
    double *sd = aligned_alloc(64, (sf * sizeof(double) + 63) & ~(size_t)63);
    for (size_t i = 0; i < (size_t)n * L; i++) xd[i] = x[i];
    isa->fft_power_d(&pl, xd, pd, sd);
    double worst = 0, worst_d = 0;
    for (size_t l = 0; l < L; l++) {
        double energy = 0;
        for (int k = 0; k < n; k++) energy += (double)x[(size_t)k * L + l] * x[(size_t)k * L + l];
        for (size_t k = 0; k < nb; k++) {
            double re = 0, im = 0;
            for (int t = 0; t < n; t++) {
                double a = -2.0 * M_PI * (double)((k * (size_t)t) % (size_t)n) / n;
                re += x[(size_t)t * L + l] * cos(a);
                im += x[(size_t)t * L + l] * sin(a);
            }
            /* amplitude error relative to the frame's norm (what a float FFT can promise) */
            double err = fabs(sqrt(pw[k * L + l]) - sqrt(re * re + im * im)) / sqrt(energy);
            if (err > worst) worst = err;
            double err_d = fabs(sqrt(pd[k * L + l]) - sqrt(re * re + im * im)) / sqrt(energy);
            if (err_d > worst_d) worst_d = err_d;
        }
    }
    double bound = 2e-6 * (1.0 + log2((double)n));
    if (!(worst <= bound)) TEST_FAIL_("%s FFT of %d (radix-%d plan): amplitude error %.3g > %.3g (%d stages)", isa->name, n,
                                        radix8 ? 8 : 4, worst, bound, pl.n_stages);
    double bound_d = 1e-13 * (1.0 + log2((double)n));
    if (!(worst_d <= bound_d)) TEST_FAIL_("%s double FFT of %d (radix-%d plan): amplitude error %.3g > %.3g", isa->name, n,
                                              radix8 ? 8 : 4, worst_d, bound_d);
    free(xd);
    free(pd);
    free(sd);
    free(x);
    free(pw);
    free(scratch);
    accel__audio_fft_free(&pl);
}

int main(void)
{
    const int sizes[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 22, 25, 27, 30, 49, 64, 97, 100, 121,
                         128, 200, 240, 256, 320, 400, 441, 512, 551, 640, 1000, 1024, 1102};
    const audio_isa *isas[4] = {accel__audio_isa_generic(), accel__audio_isa_avx2(), accel__audio_isa_avx512(),
                                accel__audio_isa_neon()};
    const char *names[4] = {"generic", "avx2", "avx512", "neon"};
    for (int k = 0; k < 4; k++) {
        if (!isas[k]) {
            printf("%s: not available on this CPU or compiler\n", names[k]);
            continue;
        }
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
            for (int r8 = 0; r8 < 2; r8++) check_size(isas[k], sizes[i], r8);
        printf("%s: %zu FFT sizes checked, radix-4 and radix-8 plans\n", isas[k]->name, sizeof sizes / sizeof *sizes);
    }
    /* the logarithm the kernels use */
    double worst = 0;
    for (double v = 1e-30; v < 1e30; v *= 1.0137) {
        float f = (float)v;
        double err = fabs((double)accel__audio_ln(f) - log((double)f));
        double rel = err / fmax(fabs(log((double)f)), 1.0);
        if (rel > worst) worst = rel;
    }
    if (!(worst <= 3e-7)) TEST_FAIL_("fast ln: relative error %.3g > 3e-7", worst);
    printf("fast ln: worst relative error %.3g\n", worst);
    ASSERT_STATUS(accel__audio_fft_plan(&(audio_fft_plan){0}, 1), ACCEL_ERR_INVALID_ARG);
    TEST_DONE();
}
