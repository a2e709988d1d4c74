/* image_cpu.c — the image operations on the CPU, timed in-process through the public API, for
 * bench/image_peers.py, which times OpenCV on the same files in the same run.
 *
 *   accel_bench_image_cpu --threads T --reps K CASE FILE...
 *
 * Cases (each file is read into memory first; times are per call, best and median of K):
 *   quality     the five measures of each decoded image, one image per call
 *   area224     INTER_AREA to 224×224 of each decoded image, one per call
 *   scrfd       SCRFD letterbox + blob (640×640) of each decoded image, one per call
 *   decode      JPEG/PNG/WebP bytes → BGR pixels, one file per call
 *   pipeline    bytes → decoded → SCRFD blob + quality: one call of each operation per file
 *   batch       all files at once: decode, SCRFD blobs and quality as three batched calls
 *               (16 files per call), reported as images per second
 * Prints one JSON document. Built by CMake as the optional target accel_bench_image_cpu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct file {
    const char *path;
    void *data;
    size_t size;
    accel_image_decoded dec;
} file;

static int read_all(file *f)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->data = malloc((size_t)n + 1);
    f->size = f->data ? fread(f->data, 1, (size_t)n, fp) : 0;
    fclose(fp);
    return f->size == (size_t)n ? 0 : -1;
}

#define BATCH 16

int main(int argc, char **argv)
{
    const char *threads = "2";
    int reps = 10;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--threads") && a + 1 < argc) threads = argv[++a];
        else if (!strcmp(argv[a], "--reps") && a + 1 < argc) reps = atoi(argv[++a]);
        else break;
    }
    if (argc - a < 2 || reps < 1) {
        fprintf(stderr, "usage: %s [--threads T] [--reps K] quality|area224|scrfd|decode|pipeline|batch FILE...\n", argv[0]);
        return 2;
    }
    const char *cs = argv[a++];
    size_t n = (size_t)(argc - a);
    file *f = calloc(n, sizeof *f);
    accel_option opt = {"ACCEL_NUM_THREADS", threads};
    accel_ctx *ctx = NULL;
    if (accel_ctx_create(&ctx, &opt, 1, ACCEL_CTX_NO_DISCOVERY) != ACCEL_OK) {
        fprintf(stderr, "%s\n", accel_last_error(NULL));
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        f[i].path = argv[a + i];
        if (read_all(&f[i]) != 0) {
            fprintf(stderr, "cannot read %s\n", f[i].path);
            return 1;
        }
        accel_image_decoded_init(&f[i].dec, 1);
        const void *d = f[i].data;
        if (accel_image_decode_memory(ctx, NULL, &d, &f[i].size, &f[i].path, 1, &f[i].dec, NULL) != ACCEL_OK) {
            fprintf(stderr, "%s\n", f[i].dec.message);
            return 1;
        }
    }
    double *t = malloc((size_t)reps * sizeof *t);
    uint8_t *small = malloc(224 * 224 * 3);
    float *blob = malloc((size_t)BATCH * 3 * 640 * 640 * sizeof *blob);
    double ds[BATCH];
    int batch = !strcmp(cs, "batch");
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        if (batch) {
            for (size_t i0 = 0; i0 < n; i0 += BATCH) {
                size_t m = n - i0 < BATCH ? n - i0 : BATCH;
                const void *data[BATCH];
                size_t sizes[BATCH];
                accel_image_decoded d[BATCH];
                accel_image in[BATCH];
                accel_quality q[BATCH];
                for (size_t k = 0; k < m; k++) data[k] = f[i0 + k].data, sizes[k] = f[i0 + k].size;
                accel_image_decoded_init(d, m);
                accel_image_decode_memory(ctx, NULL, data, sizes, NULL, m, d, NULL);
                for (size_t k = 0; k < m; k++) in[k] = d[k].image, q[k].struct_size = sizeof q[k];
                accel_scrfd_input(ctx, in, m, 640, 640, blob, ds, NULL, NULL);
                accel_image_quality(ctx, NULL, in, m, q, NULL);
                accel_image_decoded_free(d, m);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                accel_image *im = &f[i].dec.image;
                if (!strcmp(cs, "quality")) {
                    accel_quality q = {.struct_size = sizeof q};
                    accel_image_quality(ctx, NULL, im, 1, &q, NULL);
                } else if (!strcmp(cs, "area224")) {
                    accel_image o = ACCEL_IMAGE_INIT(small, 224, 224, 3);
                    accel_image_resize(ctx, ACCEL_INTERP_AREA, im, &o, 1, NULL, NULL);
                } else if (!strcmp(cs, "scrfd")) {
                    accel_scrfd_input(ctx, im, 1, 640, 640, blob, ds, NULL, NULL);
                } else if (!strcmp(cs, "decode") || !strcmp(cs, "pipeline")) {
                    accel_image_decoded d;
                    accel_image_decoded_init(&d, 1);
                    const void *data = f[i].data;
                    accel_image_decode_memory(ctx, NULL, &data, &f[i].size, NULL, 1, &d, NULL);
                    if (!strcmp(cs, "pipeline")) {
                        accel_quality q = {.struct_size = sizeof q};
                        accel_scrfd_input(ctx, &d.image, 1, 640, 640, blob, ds, NULL, NULL);
                        accel_image_quality(ctx, NULL, &d.image, 1, &q, NULL);
                    }
                    accel_image_decoded_free(&d, 1);
                } else {
                    fprintf(stderr, "unknown case %s\n", cs);
                    return 2;
                }
            }
        }
        t[r] = (now_ms() - t0) / (batch ? 1 : (double)n);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    printf("{\"case\": \"%s\", \"threads\": %s, \"files\": %zu, \"reps\": %d, \"best_ms\": %.4f, "
           "\"median_ms\": %.4f%s", cs, threads, n, reps, t[0], t[reps / 2], batch ? "" : "}\n");
    if (batch) printf(", \"images_per_s\": %.2f}\n", (double)n / (t[0] / 1e3));
    for (size_t i = 0; i < n; i++) {
        accel_image_decoded_free(&f[i].dec, 1);
        free(f[i].data);
    }
    free(f), free(t), free(small), free(blob);
    accel_ctx_destroy(ctx);
    return 0;
}
