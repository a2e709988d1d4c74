/* image_cpu.c — the image operations, timed in-process through the public API, for
 * bench/image_peers.py (which times OpenCV on the same files in the same run) and bench/gpu.sh.
 * On the CPU unless --device names a device kind (decoding always runs on the CPU).
 *
 *   accel_bench_image_cpu [--threads T] [--reps K] [--device KIND] [--batch N] CASE FILE...
 *
 * --device cpu|opencl|cuda|rocm: where the operations run (ACCEL_BACKEND=KIND with
 * ACCEL_STRICT=1, so a fallback is an error, not a CPU figure under a device's name); exits 3
 * when the machine has no usable device of that kind. --batch N: images per call of `blobq`.
 *
 * Cases (each file is read into memory first; times are per call, best and median of K):
 *   quality     the five measures of each decoded image, one image per call
 *   area224     INTER_AREA to 224×224 of each decoded image, one per call
 *   scrfd       SCRFD letterbox + blob (640×640) of each decoded image, one per call
 *   decode      JPEG/PNG/WebP bytes → BGR pixels, one file per call
 *   pipeline    bytes → SCRFD blob + quality: one accel_scrfd_prepare_memory call per file
 *               (its decoded image kept, as a face pipeline keeps it to align the faces)
 *   pipeline3   the same as three calls per file: decode, accel_scrfd_input, quality
 *   batch       all files at once: accel_scrfd_prepare_memory on 16 files per call, reported
 *               as images per second
 *   batch3      the same as three batched calls (decode, SCRFD blobs, quality) per 16 files
 *   blobq       N decoded images (the files' decoded images repeated to N) → SCRFD blobs +
 *               quality: one call of each over all N (transfers included on a device), per
 *               batch, and images per second
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
    const char *threads = "2", *device = "cpu";
    int reps = 10, nbatch = 16;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--threads") && a + 1 < argc) threads = argv[++a];
        else if (!strcmp(argv[a], "--reps") && a + 1 < argc) reps = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--device") && a + 1 < argc) device = argv[++a];
        else if (!strcmp(argv[a], "--batch") && a + 1 < argc) nbatch = atoi(argv[++a]);
        else break;
    }
    if (argc - a < 2 || reps < 1 || nbatch < 1) {
        fprintf(stderr, "usage: %s [--threads T] [--reps K] [--device KIND] [--batch N] "
                        "quality|area224|scrfd|decode|pipeline|pipeline3|batch|batch3|blobq FILE...\n", argv[0]);
        return 2;
    }
    const char *cs = argv[a++];
    size_t n = (size_t)(argc - a);
    file *f = calloc(n, sizeof *f);
    int on_cpu = !strcmp(device, "cpu");
    accel_option opt[3] = {{"ACCEL_NUM_THREADS", threads}, {"ACCEL_BACKEND", device},
                           {"ACCEL_STRICT", "1"}};
    accel_ctx *ctx = NULL, *cpu = NULL; /* the timed calls'; the CPU's, for the inputs */
    if (accel_ctx_create(&cpu, opt, 1, ACCEL_CTX_NO_DISCOVERY) != ACCEL_OK ||
        (!on_cpu && accel_ctx_create(&ctx, opt, 3, 0) != ACCEL_OK)) {
        fprintf(stderr, "%s\n", accel_last_error(NULL));
        return 1;
    }
    if (on_cpu) ctx = cpu;
    const accel_device_info *dev = NULL;
    size_t n_dev = 0;
    accel_device_count(ctx, &n_dev);
    for (size_t i = 0; i < n_dev && !dev; i++) {
        const accel_device_info *d = NULL;
        if (accel_device_get(ctx, i, &d) == ACCEL_OK && d->usable &&
            !strcmp(accel_device_kind_name(d->kind), device))
            dev = d;
    }
    if (!dev) {
        fprintf(stderr, "no usable %s device on this machine\n", device);
        return 3;
    }
    for (size_t i = 0; i < n; i++) {
        f[i].path = argv[a + i];
        if (read_all(&f[i]) != 0) {
            fprintf(stderr, "cannot read %s\n", f[i].path);
            return 1;
        }
        accel_image_decoded_init(&f[i].dec, 1);
        const void *d = f[i].data;
        if (accel_image_decode_memory(cpu, NULL, &d, &f[i].size, &f[i].path, 1, &f[i].dec, NULL) != ACCEL_OK) {
            fprintf(stderr, "%s\n", f[i].dec.message);
            return 1;
        }
    }
    double *t = malloc((size_t)reps * sizeof *t);
    uint8_t *small = malloc(224 * 224 * 3);
    int blobq = !strcmp(cs, "blobq");
    size_t nb = blobq ? (size_t)nbatch : BATCH;
    float *blob = malloc(nb * 3 * 640 * 640 * sizeof *blob);
    double *ds = malloc(nb * sizeof *ds);
    accel_image *bin = malloc(nb * sizeof *bin);
    accel_quality *bq = malloc(nb * sizeof *bq);
    if (!t || !small || !blob || !ds || !bin || !bq) {
        fprintf(stderr, "out of memory for a batch of %zu\n", nb);
        return 1;
    }
    for (size_t k = 0; k < nb; k++) bin[k] = f[k % n].dec.image, bq[k].struct_size = sizeof bq[k];
    int batch = !strcmp(cs, "batch") || !strcmp(cs, "batch3") || blobq;
    int fused = !strcmp(cs, "batch") || !strcmp(cs, "pipeline");
    accel_run_record rec = {.struct_size = sizeof rec};
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms();
        if (blobq) {
            accel_status st = accel_scrfd_input(ctx, bin, nb, 640, 640, blob, ds, NULL, &rec);
            if (st == ACCEL_OK) st = accel_image_quality(ctx, NULL, bin, nb, bq, &rec);
            if (st != ACCEL_OK) {
                fprintf(stderr, "blobq on %s: %s\n", device, accel_last_error(ctx));
                return 1;
            }
        } else if (batch) {
            for (size_t i0 = 0; i0 < n; i0 += BATCH) {
                size_t m = n - i0 < BATCH ? n - i0 : BATCH;
                const void *data[BATCH];
                size_t sizes[BATCH];
                accel_image_decoded d[BATCH];
                accel_image in[BATCH];
                accel_quality q[BATCH];
                for (size_t k = 0; k < m; k++) data[k] = f[i0 + k].data, sizes[k] = f[i0 + k].size;
                accel_image_decoded_init(d, m);
                for (size_t k = 0; k < m; k++) q[k].struct_size = sizeof q[k];
                if (fused) {
                    accel_scrfd_prepare_memory(ctx, NULL, data, sizes, NULL, m, 640, 640, blob, ds,
                                               NULL, q, d, NULL);
                } else {
                    accel_image_decode_memory(cpu, NULL, data, sizes, NULL, m, d, NULL);
                    for (size_t k = 0; k < m; k++) in[k] = d[k].image;
                    accel_scrfd_input(ctx, in, m, 640, 640, blob, ds, NULL, NULL);
                    accel_image_quality(ctx, NULL, in, m, q, NULL);
                }
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
                } else if (!strcmp(cs, "pipeline")) {
                    accel_image_decoded d;
                    accel_image_decoded_init(&d, 1);
                    const void *data = f[i].data;
                    accel_quality q = {.struct_size = sizeof q};
                    accel_scrfd_prepare_memory(ctx, NULL, &data, &f[i].size, NULL, 1, 640, 640,
                                               blob, ds, NULL, &q, &d, NULL);
                    accel_image_decoded_free(&d, 1);
                } else if (!strcmp(cs, "decode") || !strcmp(cs, "pipeline3")) {
                    accel_image_decoded d;
                    accel_image_decoded_init(&d, 1);
                    const void *data = f[i].data;
                    accel_image_decode_memory(cpu, NULL, &data, &f[i].size, NULL, 1, &d, NULL);
                    if (!strcmp(cs, "pipeline3")) {
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
    size_t images = blobq ? nb : n;
    printf("{\"case\": \"%s\", \"device\": \"%s\", \"device_name\": \"%s\", \"threads\": %s, "
           "\"files\": %zu, \"images\": %zu, \"reps\": %d, \"best_ms\": %.4f, \"median_ms\": %.4f%s",
           cs, device, dev->name, threads, n, images, reps, t[0], t[reps / 2], batch ? "" : "}\n");
    if (batch) printf(", \"images_per_s\": %.2f}\n", (double)images / (t[0] / 1e3));
    for (size_t i = 0; i < n; i++) {
        accel_image_decoded_free(&f[i].dec, 1);
        free(f[i].data);
    }
    free(f), free(t), free(small), free(blob), free(ds), free(bin), free(bq);
    if (ctx != cpu) accel_ctx_destroy(ctx);
    accel_ctx_destroy(cpu);
    return 0;
}
