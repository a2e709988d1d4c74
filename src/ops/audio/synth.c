/* synth.c — a speech-like clip made by the library itself (the demo needs no download): a
 * glottal pulse train at a slowly moving pitch through three formant resonators (a Klatt-style
 * cascade), one vowel after another with short pauses between them. Deterministic. */
#include "audio_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct reso {
    double a, b, c, y1, y2;
} reso;

static void reso_set(reso *r, double f, double bw, double fs)
{
    r->c = -exp(-2.0 * M_PI * bw / fs);
    r->b = 2.0 * exp(-M_PI * bw / fs) * cos(2.0 * M_PI * f / fs);
    r->a = 1.0 - r->b - r->c;
}

static double reso_run(reso *r, double x)
{
    double y = r->a * x + r->b * r->y1 + r->c * r->y2;
    r->y2 = r->y1;
    r->y1 = y;
    return y;
}

accel_status accel__audio_demo_len(double seconds, size_t *n)
{
    RETURN_ERROR_IF(!(seconds > 0 && seconds <= 3600), ACCEL_ERR_INVALID_ARG,
                    "demo clip: %g s (allowed: (0, 3600])", seconds);
    *n = (size_t)(seconds * 16000.0);
    return ACCEL_OK;
}

accel_status accel__audio_demo_clip(double seconds, float **out, size_t *n)
{
    const double fs = 16000.0;
    /* formants (Hz) of /a/ /i/ /u/ /e/ /o/ for an adult voice */
    static const double F[5][3] = {{730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240},
                                   {530, 1840, 2480}, {570, 840, 2410}};
    size_t len = 0;
    FORWARD_IF_ERROR(accel__audio_demo_len(seconds, &len));
    float *x = calloc(len ? len : 1, sizeof *x);
    RETURN_ERROR_IF(!x, ACCEL_ERR_NO_MEMORY, "out of memory");
    const double vowel = 0.42, pause = 0.08; /* seconds */
    reso r[3] = {{0}};
    double phase = 0;
    for (size_t i = 0; i < len; i++) {
        double t = (double)i / fs;
        double slot = fmod(t, vowel + pause);
        int v = (int)(t / (vowel + pause)) % 5;
        if (slot < 1.0 / fs) {
            for (int k = 0; k < 3; k++) reso_set(&r[k], F[v][k], 60.0 + 30.0 * k, fs);
        }
        double env = 0;
        if (slot < vowel) {
            double u = slot / vowel;
            env = sin(M_PI * u); /* rise and fall within the vowel */
        }
        double f0 = 115.0 + 20.0 * sin(2.0 * M_PI * 0.7 * t) + 4.0 * sin(2.0 * M_PI * 5.5 * t);
        phase += f0 / fs;
        double src = 0;
        if (phase >= 1.0) {
            phase -= 1.0;
            src = 1.0; /* glottal pulse */
        }
        double y = src;
        for (int k = 0; k < 3; k++) y = reso_run(&r[k], y);
        x[i] = (float)(0.25 * env * y);
    }
    /* normalise to a speech-like level: peak at -3 dBFS */
    float peak = 0;
    for (size_t i = 0; i < len; i++) peak = fmaxf(peak, fabsf(x[i]));
    if (peak > 0)
        for (size_t i = 0; i < len; i++) x[i] *= 0.7f / peak;
    *out = x;
    *n = len;
    return ACCEL_OK;
}
