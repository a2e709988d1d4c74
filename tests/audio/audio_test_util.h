/* audio_test_util.h — helpers the audio tests share: .npy reading, files, comparisons. */
#ifndef ACCEL_AUDIO_TEST_UTIL_H
#define ACCEL_AUDIO_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/audio/audio_internal.h"
#include "test.h"

#define AUDIO_DATA ACCEL_TEST_DATA "/audio"

/* bytes[0, len) through a pipe, as `… | accel …` gives them: a child process writes them in
 * pieces of `piece` bytes (and exits 1 when the reader stops early). Returns the child's pid
 * with the reading end in *rd, or -1 after a test failure. */
static pid_t pipe_feed(const unsigned char *bytes, size_t len, size_t piece, int *rd)
{
    int fd[2];
    *rd = -1;
    if (pipe(fd) != 0) {
        TEST_FAIL_("pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        TEST_FAIL_("fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        for (size_t off = 0; off < len;) {
            ssize_t k = write(fd[1], bytes + off, len - off < piece ? len - off : piece);
            if (k <= 0) _exit(1); /* the reader stopped early */
            off += (size_t)k;
        }
        _exit(0);
    }
    close(fd[1]);
    *rd = fd[0];
    return pid;
}

/* Reads a float32 little-endian C-order .npy; returns the data (malloc'd) or NULL. */
static float *npy_read(const char *path, size_t shape[3], int *ndim)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char pre[10];
    float *data = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) goto out;
    size_t hl = (size_t)pre[8] | (size_t)pre[9] << 8;
    char hdr[1024];
    if (hl >= sizeof hdr || fread(hdr, 1, hl, f) != hl) goto out;
    hdr[hl] = '\0';
    if (!strstr(hdr, "'descr': '<f4'") || !strstr(hdr, "'fortran_order': False")) goto out;
    char *s = strstr(hdr, "'shape': (");
    if (!s) goto out;
    s += 10;
    *ndim = 0;
    size_t total = 1;
    while (*s && *s != ')') {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s) break;
        if (*ndim < 3) shape[(*ndim)++] = (size_t)v;
        total *= (size_t)v;
        s = end;
        while (*s == ',' || *s == ' ') s++;
    }
    data = malloc((total ? total : 1) * sizeof *data);
    if (data && total && fread(data, sizeof *data, total, f) != total) {
        free(data);
        data = NULL;
    }
    if (data && fgetc(f) != EOF) { /* bytes past the array: a writer left stale data */
        free(data);
        data = NULL;
    }
out:
    fclose(f);
    return data;
}

static size_t shape_total(const size_t *shape, int nd)
{
    size_t t = 1;
    for (int i = 0; i < nd; i++) t *= shape[i];
    return t;
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) m = d; /* NaN counts as the largest difference */
    }
    return m;
}

/* Sets a params field from "key=value" (the golden manifest's keys). 0 on success. */
static int params_set(accel_audio_params *p, const char *kv)
{
    char key[64];
    const char *eq = strchr(kv, '=');
    if (!eq || (size_t)(eq - kv) >= sizeof key) return -1;
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    const char *v = eq + 1;
    double d = atof(v);
    int i = atoi(v);
#define SETI(name) if (!strcmp(key, #name)) { p->name = i; return 0; }
#define SETD(name) if (!strcmp(key, #name)) { p->name = d; return 0; }
    if (!strcmp(key, "padding")) {
        p->padding = !strcmp(v, "openai") ? ACCEL_AUDIO_PAD_OPENAI
                     : !strcmp(v, "faster-whisper") ? ACCEL_AUDIO_PAD_FASTER_WHISPER : ACCEL_AUDIO_PAD_NONE;
        return 0;
    }
    if (!strcmp(key, "window_type")) {
        static const char *const names[] = {"povey", "hamming", "hanning", "rectangular", "blackman"};
        for (int k = 0; k < 5; k++)
            if (!strcmp(v, names[k])) {
                p->window_type = (accel_audio_window)k;
                return 0;
            }
        return -1;
    }
    SETI(n_mels) SETI(windows) SETI(remove_dc_offset) SETI(snip_edges) SETI(round_to_power_of_two)
    SETI(use_energy) SETI(raw_energy) SETI(htk_compat) SETI(use_log_fbank) SETI(use_power)
    SETI(subtract_mean) SETI(sample_rate)
    SETD(frame_length_ms) SETD(frame_shift_ms) SETD(dither) SETD(preemphasis_coefficient)
    SETD(energy_floor) SETD(low_freq) SETD(high_freq) SETD(blackman_coeff) SETD(sample_scale) SETD(vtln_warp) SETD(vtln_low) SETD(vtln_high)
    SETD(min_duration)
#undef SETI
#undef SETD
    return -1;
}

/* Features of x through the given device (-1: planned), output allocated. */
static float *features_on(accel_ctx *ctx, int dev, const accel_audio_params *p, const float *x, size_t n,
                          size_t shape[3], int *nd, accel_status *st)
{
    *st = accel_audio_shape(p, n, shape, nd);
    if (*st != ACCEL_OK) return NULL;
    size_t len = shape_total(shape, *nd);
    float *out = malloc((len ? len : 1) * sizeof *out);
    for (size_t i = 0; i < len; i++) out[i] = NAN; /* every value must be written */
    const void *clip = x;
    float *outs[1] = {out};
    *st = accel__audio_features_on(ctx, dev, p, ACCEL_F32, &clip, &n, 1, outs, NULL);
    if (*st != ACCEL_OK) {
        free(out);
        return NULL;
    }
    return out;
}

/* 1 when a device cannot run the audio operations (no kernels there yet): not a failure. */
static int device_skips(accel_status st)
{
    return st == ACCEL_ERR_UNSUPPORTED || st == ACCEL_ERR_NOT_BUILT_IN || st == ACCEL_ERR_UNAVAILABLE;
}

#endif
