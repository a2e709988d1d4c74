/* test_image_refs.c GROUP DIR [DEVICE-KIND] — checks the image operations against the
 * references that make_image_refs.py wrote into DIR (manifest.txt: one case per line, see that
 * script), on the device auto chooses, or on a device of DEVICE-KIND (opencl: PoCL in CI)
 * with every fallback an error.
 *
 * Cases run in batches of mixed sizes (up to BATCH images per call), so every check is also a
 * check of variable-size batches. What is compared, per group:
 *   decode, gray, resize, blob, scrfd_in, warp, clahe, enhance   identical bytes / floats
 *   scrfd_out                                                     identical boxes, scores, points
 *   warp         cv2.warpAffine given skimage's matrix: identical
 *   align        the ArcFace matrix fitted here against skimage's, 3000 landmark sets (faces,
 *                mirrored, turned, random points; four crop sizes): bit-identical; the whole
 *                norm_crop on photographs and noise: identical bytes
 *   quality      each measure within 1e-9 relative
 *   prepare      accel_scrfd_prepare on the files: the SCRFD blob of cv2.imread's image
 *                identical, the quality measures within 1e-9 relative, in one batch, one
 *                file per call (decoded by rows beside the blob and quality), two files per
 *                call on three threads, and on one thread */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/image/image_internal.h"
#include "test.h"

#define BATCH 12

/* ---- .npy ---- */

typedef struct npy {
    char descr[8]; /* "|u1", "<f4", "<f8" */
    size_t shape[4];
    int ndim;
    size_t n;      /* elements */
    void *data;
} npy;

static const char *g_dir;
static const char *g_kind; /* the device kind asked for, or NULL */

static int npy_load(const char *name, npy *a)
{
    memset(a, 0, sizeof *a);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        TEST_FAIL_("cannot open %s", path);
        return -1;
    }
    unsigned char pre[10];
    char hdr[1024];
    int ok = fread(pre, 1, 10, f) == 10 && memcmp(pre, "\x93NUMPY", 6) == 0 && pre[6] == 1;
    size_t hl = ok ? ((size_t)pre[8] | (size_t)pre[9] << 8) : 0;
    ok = ok && hl < sizeof hdr && fread(hdr, 1, hl, f) == hl;
    if (ok) {
        hdr[hl] = 0;
        char *d = strstr(hdr, "'descr': '");
        char *s = strstr(hdr, "'shape': (");
        ok = d && s && strstr(hdr, "'fortran_order': False");
        if (ok) {
            memcpy(a->descr, d + 10, 3);
            s += 10;
            a->n = 1;
            while (*s && *s != ')' && a->ndim < 4) {
                char *end;
                unsigned long long v = strtoull(s, &end, 10);
                if (end == s) break;
                a->shape[a->ndim++] = (size_t)v;
                a->n *= (size_t)v;
                s = end;
                while (*s == ',' || *s == ' ') s++;
            }
        }
    }
    size_t es = !strcmp(a->descr, "|u1") ? 1 : !strcmp(a->descr, "<f4") ? 4 : !strcmp(a->descr, "<f8") ? 8 : 0;
    ok = ok && es;
    if (ok) {
        a->data = malloc(a->n * es + 1);
        ok = a->data && fread(a->data, es, a->n, f) == a->n;
    }
    fclose(f);
    if (!ok) {
        free(a->data);
        a->data = NULL;
        TEST_FAIL_("%s: not a readable .npy of uint8, float32 or float64", path);
        return -1;
    }
    return 0;
}

static accel_image view_of(const npy *a)
{
    accel_image im = ACCEL_IMAGE_INIT((uint8_t *)a->data, (int)a->shape[1], (int)a->shape[0],
                                      a->ndim == 3 ? (int)a->shape[2] : 1);
    return im;
}

/* ---- comparison ---- */

typedef struct tally {
    size_t cases, bad_cases;
    size_t values, exact, off1, worse;
} tally;

/* Compares bytes; `tol` levels allowed. Returns 0 when within. */
static int cmp_u8(tally *t, const char *what, const uint8_t *got, size_t gstride, const npy *ref,
                  int tol)
{
    size_t h = ref->shape[0], row = ref->shape[1] * (ref->ndim == 3 ? ref->shape[2] : 1);
    const uint8_t *r = ref->data;
    size_t bad = 0, first = (size_t)-1;
    int maxd = 0;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < row; x++) {
            int d = abs((int)got[y * gstride + x] - (int)r[y * row + x]);
            t->values++;
            if (d == 0) t->exact++;
            else if (d == 1) t->off1++;
            else t->worse++;
            if (d > tol) {
                if (first == (size_t)-1) first = y * row + x;
                bad++;
            }
            if (d > maxd) maxd = d;
        }
    t->cases++;
    if (bad) {
        t->bad_cases++;
        TEST_FAIL_("%s: %zu of %zu values differ by more than %d (max %d; first at row %zu, "
                   "offset %zu: got %d, want %d)", what, bad, h * row, tol, maxd, first / row,
                   first % row, got[(first / row) * gstride + first % row], r[first]);
        return -1;
    }
    return 0;
}

static int cmp_f32(tally *t, const char *what, const float *got, const npy *ref)
{
    const float *r = ref->data;
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < ref->n; i++) {
        t->values++;
        if (memcmp(&got[i], &r[i], 4) == 0 || (isnan(got[i]) && isnan(r[i]))) {
            t->exact++;
        } else {
            if (!bad) first = i;
            bad++;
        }
    }
    t->cases++;
    if (bad) {
        t->bad_cases++;
        TEST_FAIL_("%s: %zu of %zu floats differ (first at %zu: got %.9g, want %.9g)", what, bad,
                   ref->n, first, got[first], r[first]);
        return -1;
    }
    return 0;
}

/* ---- the manifest ---- */

#define MAXF 24
typedef struct line {
    char *f[MAXF];
    int nf;
    char buf[1024];
} line;

static line *lines;
static size_t n_lines;

static int read_manifest(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.txt", g_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        TEST_FAIL_("cannot open %s", path);
        return -1;
    }
    size_t cap = 0;
    char buf[1024];
    while (fgets(buf, sizeof buf, f)) {
        if (n_lines == cap) {
            cap = cap ? cap * 2 : 64;
            line *nl = realloc(lines, cap * sizeof *lines);
            if (!nl) break;
            lines = nl;
        }
        memcpy(lines[n_lines++].buf, buf, sizeof buf);
    }
    fclose(f);
    /* fields point into each line's own buffer: split once the array has stopped moving */
    size_t k = 0;
    for (size_t i = 0; i < n_lines; i++) {
        line *l = &lines[k];
        if (k != i) memcpy(l->buf, lines[i].buf, sizeof l->buf);
        l->nf = 0;
        for (char *tok = strtok(l->buf, " \n"); tok && l->nf < MAXF; tok = strtok(NULL, " \n"))
            l->f[l->nf++] = tok;
        if (l->nf) k++;
    }
    n_lines = k;
    return 0;
}

static accel_ctx *ctx;

static void report(const char *group, const tally *t)
{
    printf("%s: %zu cases, %zu failed; %zu values: %zu identical (%.6f%%), %zu off by 1, %zu "
           "off by more\n", group, t->cases, t->bad_cases, t->values, t->exact,
           t->values ? 100.0 * (double)t->exact / (double)t->values : 100.0, t->off1, t->worse);
}

/* ---- groups ---- */

static void run_decode(void)
{
    tally t = {0};
    size_t i = 0;
    while (i < n_lines) {
        /* one call per batch of consecutive files that share the parameters */
        size_t n = 0, idx[BATCH];
        static char pbuf[BATCH][4096];
        const char *paths[BATCH];
        int denom = atoi(lines[i].f[3]), ign = atoi(lines[i].f[4]);
        for (; i < n_lines && n < BATCH; i++) {
            if (atoi(lines[i].f[3]) != denom || atoi(lines[i].f[4]) != ign) break;
            snprintf(pbuf[n], sizeof pbuf[n], "%s/%s", g_dir, lines[i].f[1]);
            paths[n] = pbuf[n];
            idx[n++] = i;
        }
        accel_image_decode_params p;
        accel_image_decode_params_init(&p);
        p.scale_denom = denom;
        p.ignore_orientation = ign;
        accel_image_decoded out[BATCH];
        accel_image_decoded_init(out, n);
        accel_status st = accel_image_decode(ctx, &p, paths, n, out, NULL);
        if (st != ACCEL_OK) TEST_FAIL_("decode batch: %s", accel_last_error(ctx));
        for (size_t k = 0; k < n; k++) {
            const line *l = &lines[idx[k]];
            npy ref;
            if (npy_load(l->f[2], &ref) != 0) continue;
            if (out[k].status != ACCEL_OK) {
                TEST_FAIL_("decode %s: %s", l->f[1], out[k].message);
            } else if ((size_t)out[k].image.height != ref.shape[0] ||
                       (size_t)out[k].image.width != ref.shape[1]) {
                TEST_FAIL_("decode %s (1/%d): %d×%d, OpenCV %zu×%zu", l->f[1], denom,
                           out[k].image.width, out[k].image.height, ref.shape[1], ref.shape[0]);
            } else {
                char what[256];
                snprintf(what, sizeof what, "decode %s (1/%d, orientation %d)", l->f[1], denom,
                         out[k].orientation);
                cmp_u8(&t, what, out[k].image.data, out[k].image.stride, &ref, 0);
            }
            free(ref.data);
        }
        accel_image_decoded_free(out, n);
    }
    report("decode", &t);
}

/* Loads the first field after the name as an input image for a batch. */
typedef struct batch_in {
    npy in[BATCH], ref[BATCH];
    accel_image iv[BATCH];
    size_t line[BATCH];
    size_t n;
} batch_in;

static void batch_free(batch_in *b)
{
    for (size_t k = 0; k < b->n; k++) free(b->in[k].data), free(b->ref[k].data);
    b->n = 0;
}

static void run_gray(void)
{
    tally t = {0};
    for (size_t i = 0; i < n_lines; i += BATCH) {
        batch_in b = {0};
        accel_image ov[BATCH];
        uint8_t *buf[BATCH];
        for (size_t k = i; k < n_lines && k < i + BATCH; k++, b.n++) {
            npy_load(lines[k].f[1], &b.in[b.n]);
            npy_load(lines[k].f[2], &b.ref[b.n]);
            b.iv[b.n] = view_of(&b.in[b.n]);
            buf[b.n] = malloc(b.in[b.n].shape[0] * b.in[b.n].shape[1]);
            accel_image o = ACCEL_IMAGE_INIT(buf[b.n], b.iv[b.n].width, b.iv[b.n].height, 1);
            ov[b.n] = o;
        }
        ASSERT_OK(accel_image_gray(ctx, b.iv, ov, b.n, NULL, NULL));
        for (size_t k = 0; k < b.n; k++) {
            cmp_u8(&t, lines[i + k].f[1], buf[k], (size_t)ov[k].width, &b.ref[k], 0);
            free(buf[k]);
        }
        batch_free(&b);
    }
    report("gray", &t);
}

static void run_resize(void)
{
    tally t = {0};
    for (int interp = 0; interp < 2; interp++) {
        const char *name = interp ? "area" : "linear";
        size_t k = 0;
        while (k < n_lines) {
            batch_in b = {0};
            accel_image ov[BATCH];
            uint8_t *buf[BATCH];
            for (; k < n_lines && b.n < BATCH; k++) {
                const line *l = &lines[k];
                if (strcmp(l->f[2], name) != 0) continue;
                npy_load(l->f[1], &b.in[b.n]);
                npy_load(l->f[5], &b.ref[b.n]);
                b.iv[b.n] = view_of(&b.in[b.n]);
                int w = atoi(l->f[3]), h = atoi(l->f[4]);
                buf[b.n] = malloc((size_t)w * h * b.iv[b.n].channels);
                accel_image o = ACCEL_IMAGE_INIT(buf[b.n], w, h, b.iv[b.n].channels);
                ov[b.n] = o;
                b.line[b.n++] = k;
            }
            if (!b.n) break;
            ASSERT_OK(accel_image_resize(ctx, interp ? ACCEL_INTERP_AREA : ACCEL_INTERP_LINEAR,
                                         b.iv, ov, b.n, NULL, NULL));
            for (size_t j = 0; j < b.n; j++) {
                char what[256];
                snprintf(what, sizeof what, "resize %s %dx%dx%d -> %dx%d (%s)", name, b.iv[j].width,
                         b.iv[j].height, b.iv[j].channels, ov[j].width, ov[j].height,
                         lines[b.line[j]].f[5]);
                cmp_u8(&t, what, buf[j], (size_t)ov[j].width * ov[j].channels, &b.ref[j], 0);
                free(buf[j]);
            }
            batch_free(&b);
        }
    }
    report("resize", &t);
}

static void run_blob(void)
{
    tally t = {0};
    for (size_t i = 0; i < n_lines; i++) {
        const line *l = &lines[i];
        npy in, ref;
        if (npy_load(l->f[1], &in) || npy_load(l->f[9], &ref)) continue;
        accel_blob_params p;
        accel_blob_params_preset("arcface", &p);
        p.width = atoi(l->f[2]), p.height = atoi(l->f[3]);
        p.scale = strtod(l->f[4], NULL);
        for (int k = 0; k < 3; k++) p.mean[k] = strtof(l->f[5 + k], NULL);
        p.swap_rb = atoi(l->f[8]);
        accel_image iv[2] = {view_of(&in), view_of(&in)}; /* twice: a batch of two */
        float *out = malloc(2 * ref.n * sizeof *out);
        ASSERT_OK(accel_image_blob(ctx, &p, iv, 2, out, NULL, NULL));
        char what[200];
        snprintf(what, sizeof what, "blob %s %dx%d", l->f[1], p.width, p.height);
        cmp_f32(&t, what, out, &ref);
        cmp_f32(&t, what, out + ref.n, &ref);
        free(out), free(in.data), free(ref.data);
    }
    report("blob", &t);
}

static void run_scrfd_in(void)
{
    tally t = {0};
    size_t i = 0;
    while (i < n_lines) {
        batch_in b = {0};
        int iw = atoi(lines[i].f[2]), ih = atoi(lines[i].f[3]);
        for (; i < n_lines && b.n < 4; i++, b.n++) {
            if (atoi(lines[i].f[2]) != iw || atoi(lines[i].f[3]) != ih) break;
            npy_load(lines[i].f[1], &b.in[b.n]);
            npy_load(lines[i].f[4], &b.ref[b.n]);
            b.iv[b.n] = view_of(&b.in[b.n]);
            b.line[b.n] = i;
        }
        size_t plane = (size_t)3 * iw * ih;
        float *blob = malloc(b.n * plane * sizeof *blob);
        double ds[BATCH];
        ASSERT_OK(accel_scrfd_input(ctx, b.iv, b.n, iw, ih, blob, ds, NULL, NULL));
        for (size_t k = 0; k < b.n; k++) {
            const line *l = &lines[b.line[k]];
            char what[200];
            snprintf(what, sizeof what, "scrfd_input %s %dx%d into %dx%d", l->f[1], b.iv[k].width,
                     b.iv[k].height, iw, ih);
            cmp_f32(&t, what, blob + k * plane, &b.ref[k]);
            double want = strtod(l->f[5], NULL);
            if (ds[k] != want) TEST_FAIL_("%s: det_scale %.17g, want %.17g", what, ds[k], want);
        }
        free(blob);
        batch_free(&b);
    }
    report("scrfd_in", &t);
}

static void run_scrfd_out(void)
{
    tally t = {0};
    size_t n = n_lines;
    npy arrs[16][9];
    accel_scrfd_outputs *o = calloc(n, sizeof *o);
    accel_faces *f = calloc(n, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        const line *l = &lines[i];
        o[i].struct_size = sizeof o[i];
        f[i].struct_size = sizeof f[i];
        for (int j = 0; j < 9; j++) {
            char name[256];
            snprintf(name, sizeof name, "%s_%d.npy", l->f[1], j);
            npy_load(name, &arrs[i][j]);
        }
        for (int s = 0; s < 3; s++) {
            o[i].scores[s] = arrs[i][s].data;
            o[i].bboxes[s] = arrs[i][3 + s].data;
            o[i].kps[s] = arrs[i][6 + s].data;
        }
        o[i].det_scale = strtod(l->f[3], NULL);
        o[i].image_width = atoi(l->f[4]);
        o[i].image_height = atoi(l->f[5]);
    }
    /* max_num differs per case: one call per case, then all cases without max_num together */
    for (size_t i = 0; i < n; i++) {
        const line *l = &lines[i];
        accel_scrfd_params p;
        accel_scrfd_params_init(&p);
        p.max_faces = atoi(l->f[6]);
        ASSERT_OK(accel_scrfd_output(ctx, &p, &o[i], 1, &f[i], NULL));
        npy det, kps;
        if (npy_load(l->f[7], &det) || npy_load(l->f[8], &kps)) continue;
        size_t k = det.n ? det.shape[0] : 0;
        if (f[i].n_faces != k) {
            t.cases++, t.bad_cases++;
            TEST_FAIL_("scrfd_output %s: %zu faces, insightface %zu", l->f[1], f[i].n_faces, k);
        } else if (k == 0) {
            t.cases++;
        } else {
            float *got = malloc(k * 15 * sizeof *got);
            for (size_t j = 0; j < k; j++) {
                const accel_face *q = &f[i].faces[j];
                float v[5] = {q->x1, q->y1, q->x2, q->y2, q->score};
                memcpy(got + 5 * j, v, sizeof v);
                memcpy(got + 5 * k + 10 * j, q->kps, sizeof q->kps);
            }
            char what[200];
            snprintf(what, sizeof what, "scrfd_output %s boxes and scores", l->f[1]);
            cmp_f32(&t, what, got, &det);
            snprintf(what, sizeof what, "scrfd_output %s points", l->f[1]);
            cmp_f32(&t, what, got + 5 * k, &kps);
            free(got);
        }
        printf("scrfd_output %s: %zu faces (insightface %zu)\n", l->f[1], f[i].n_faces, k);
        free(det.data), free(kps.data);
    }
    accel_faces_free(f, n);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 9; j++) free(arrs[i][j].data);
    free(o), free(f);
    report("scrfd_out", &t);
}

/* The ArcFace blob of a crop, as blobFromImages(1/127.5, 127.5, swapRB) computes it. */
static int blob_matches_crop(const float *b, const uint8_t *crop, int size)
{
    const size_t plane = (size_t)size * size;
    const float scale = (float)(1.0 / 127.5);
    for (int k = 0; k < 3; k++)
        for (size_t p = 0; p < plane; p++) {
            float want = ((float)crop[p * 3 + (size_t)(2 - k)] - 127.5f) * scale;
            if (memcmp(&b[(size_t)k * plane + p], &want, 4) != 0) return 0;
        }
    return 1;
}

static void run_warp_align(void)
{
    tally tw = {0}, ta[2] = {{0}, {0}};
    int maxd[2] = {0, 0};
    /* warp: OpenCV's warpAffine with skimage's own matrix, batched through the public API */
    size_t i = 0;
    while (i < n_lines) {
        batch_in b = {0};
        accel_image ov[BATCH];
        uint8_t *buf[BATCH];
        double M[BATCH * 6];
        for (; i < n_lines && b.n < BATCH; i++) {
            const line *l = &lines[i];
            if (strcmp(l->f[0], "warp") != 0) continue;
            npy_load(l->f[1], &b.in[b.n]);
            npy_load(l->f[9], &b.ref[b.n]);
            b.iv[b.n] = view_of(&b.in[b.n]);
            int size = atoi(l->f[2]);
            for (int k = 0; k < 6; k++) M[6 * b.n + (size_t)k] = strtod(l->f[3 + k], NULL);
            buf[b.n] = malloc((size_t)size * size * 3);
            accel_image o = ACCEL_IMAGE_INIT(buf[b.n], size, size, 3);
            ov[b.n] = o;
            b.line[b.n++] = i;
        }
        if (!b.n) break;
        ASSERT_OK(accel_image_warp_affine(ctx, b.iv, M, b.n, ov, NULL, NULL));
        for (size_t k = 0; k < b.n; k++) {
            char what[200];
            snprintf(what, sizeof what, "warp %s %d (line %zu)", lines[b.line[k]].f[1], ov[k].width,
                     b.line[k] + 1);
            cmp_u8(&tw, what, buf[k], (size_t)ov[k].width * 3, &b.ref[k], 0);
            free(buf[k]);
        }
        batch_free(&b);
    }
    /* the matrix alone: accel_arcface_matrix against skimage's fit, bit for bit */
    size_t n_mat = 0, bad_mat = 0;
    for (i = 0; i < n_lines; i++) {
        const line *l = &lines[i];
        if (strcmp(l->f[0], "matrix") != 0 || l->nf < 18) continue;
        int size = atoi(l->f[1]);
        float lmk[10];
        double M[6], want[6];
        for (int k = 0; k < 10; k++) lmk[k] = strtof(l->f[2 + k], NULL);
        for (int k = 0; k < 6; k++) want[k] = strtod(l->f[12 + k], NULL);
        n_mat++;
        if (accel_arcface_matrix(lmk, size, M) != ACCEL_OK) {
            if (bad_mat++ < 5) TEST_FAIL_("matrix (line %zu): %s", i + 1, accel_last_error(NULL));
            continue;
        }
        if (memcmp(M, want, sizeof M) != 0 && bad_mat++ < 5)
            TEST_FAIL_("matrix (line %zu, size %d): [%.17g %.17g %.17g; %.17g %.17g %.17g], skimage's "
                       "[%.17g %.17g %.17g; %.17g %.17g %.17g]", i + 1, size, M[0], M[1], M[2], M[3], M[4],
                       M[5], want[0], want[1], want[2], want[3], want[4], want[5]);
    }
    printf("matrix (accel_arcface_matrix against skimage's SimilarityTransform): %zu landmark sets, "
           "%zu bit-identical\n", n_mat, n_mat - bad_mat);
    ASSERT_TRUE(n_mat >= 1000);
    /* align: the whole norm_crop, the matrix fitted here; each face alone */
    for (i = 0; i < n_lines; i++) {
        const line *l = &lines[i];
        if (strcmp(l->f[0], "align") != 0) continue;
        int noise = l->nf > 15 && strcmp(l->f[15], "noise") == 0;
        npy in, ref;
        if (npy_load(l->f[1], &in)) continue;
        if (npy_load(l->f[13], &ref)) {
            free(in.data);
            continue;
        }
        int size = atoi(l->f[2]);
        float lmk[10];
        for (int k = 0; k < 10; k++) lmk[k] = strtof(l->f[3 + k], NULL);
        accel_image iv = view_of(&in);
        uint8_t *crop = calloc((size_t)size * size * 3, 1);
        accel_image cv = ACCEL_IMAGE_INIT(crop, size, size, 3);
        float *b = malloc((size_t)3 * size * size * sizeof *b);
        ASSERT_OK(accel_arcface_align(ctx, &iv, lmk, 1, size, &cv, b, NULL, NULL));
        char what[200];
        snprintf(what, sizeof what, "align %s %d (line %zu)", l->f[1], size, i + 1);
        cmp_u8(&ta[noise], what, crop, (size_t)size * 3, &ref, 0);
        const uint8_t *r = ref.data;
        for (size_t k = 0; k < ref.n; k++) {
            int d = abs((int)crop[k] - (int)r[k]);
            if (d > maxd[noise]) maxd[noise] = d;
        }
        if (!blob_matches_crop(b, crop, size)) TEST_FAIL_("%s: the blob is not the crop's", what);
        free(b), free(crop), free(in.data), free(ref.data);
    }
    report("warp (OpenCV's warpAffine, skimage's matrix)", &tw);
    for (int k = 0; k < 2; k++) {
        report(k ? "align on random noise (norm_crop, matrix fitted here)"
                 : "align on photographs (norm_crop, matrix fitted here)", &ta[k]);
        printf("  largest difference %d levels\n", maxd[k]);
        if (ta[k].exact != ta[k].values)
            TEST_FAIL_("align: %zu of %zu values differ from norm_crop's", (size_t)(ta[k].values - ta[k].exact),
                       (size_t)ta[k].values);
    }
}

static void run_quality(void)
{
    tally t = {0};
    double worst = 0;
    for (size_t i = 0; i < n_lines; i += 4) {
        batch_in b = {0};
        for (size_t k = i; k < n_lines && k < i + 4; k++, b.n++) {
            npy_load(lines[k].f[1], &b.in[b.n]);
            b.iv[b.n] = view_of(&b.in[b.n]);
            b.line[b.n] = k;
        }
        accel_quality q[4];
        for (size_t k = 0; k < b.n; k++) q[k].struct_size = sizeof q[k];
        ASSERT_OK(accel_image_quality(ctx, NULL, b.iv, b.n, q, NULL));
        for (size_t k = 0; k < b.n; k++) {
            const line *l = &lines[b.line[k]];
            double got[4] = {q[k].blur_laplacian_var, q[k].brightness, q[k].contrast,
                             q[k].sharpness_tenengrad};
            static const char *names[4] = {"blur_laplacian_var", "brightness", "contrast",
                                           "sharpness_tenengrad"};
            t.cases++;
            for (int m = 0; m < 4; m++) {
                double want = strtod(l->f[2 + m], NULL);
                double rel = fabs(got[m] - want) / (fabs(want) > 1e-300 ? fabs(want) : 1.0);
                t.values++;
                if (got[m] == want) t.exact++;
                if (rel > worst) worst = rel;
                if (!(rel <= 1e-9))
                    TEST_FAIL_("quality %s (%dx%d) %s: %.17g, OpenCV %.17g (relative %.3g)",
                               l->f[1], b.iv[k].width, b.iv[k].height, names[m], got[m], want, rel);
            }
            if (!(q[k].overall >= 0 && q[k].overall <= 1))
                TEST_FAIL_("quality %s: overall %g outside [0, 1]", l->f[1], q[k].overall);
        }
        batch_free(&b);
    }
    report("quality", &t);
    printf("quality: largest relative difference from OpenCV/numpy %.3g (bound 1e-9)\n", worst);
}

static void run_clahe_enhance(void)
{
    tally tc = {0}, te = {0};
    for (size_t i = 0; i < n_lines; i++) {
        const line *l = &lines[i];
        int clahe = strcmp(l->f[0], "clahe") == 0;
        npy in, ref;
        if (npy_load(l->f[1], &in)) continue;
        if (npy_load(clahe ? l->f[5] : l->f[7], &ref)) {
            free(in.data);
            continue;
        }
        accel_enhance_params p;
        accel_enhance_params_init(&p);
        double want_scale = 1.0;
        if (clahe) {
            p.min_short_side = 0;
            p.clip_limit = strtod(l->f[2], NULL);
            p.tiles_x = atoi(l->f[3]), p.tiles_y = atoi(l->f[4]);
        } else {
            p.min_short_side = atoi(l->f[2]);
            p.clip_limit = strtod(l->f[3], NULL);
            p.tiles_x = atoi(l->f[4]), p.tiles_y = atoi(l->f[5]);
            want_scale = strtod(l->f[6], NULL);
        }
        accel_image iv = view_of(&in), out = ACCEL_IMAGE_INIT(NULL, 0, 0, 0);
        double scale = 0;
        accel_status st;
        char what[200];
        snprintf(what, sizeof what, "%s %s (line %zu)", l->f[0], l->f[1], i + 1);
        if (clahe && p.clip_limit == 0) {
            /* clipLimit 0 is CLAHE without clipping, which accel_image_enhance spells as "no
             * CLAHE": run the kernel directly */
            img_t s = {in.data, iv.width, iv.height, 1, (size_t)iv.width, 0};
            uint8_t *d = malloc(in.n);
            img_t dv = {d, iv.width, iv.height, 1, (size_t)iv.width, 0};
            img_clahe c;
            ASSERT_OK(accel__img_clahe_prepare(&s, 0.0, p.tiles_x, p.tiles_y, &c));
            accel__img_clahe_tiles(&s, &c, 0, c.tx * c.ty);
            accel__img_clahe_rows(&s, &dv, &c, 0, iv.height);
            accel__img_clahe_free(&c);
            cmp_u8(&tc, what, d, (size_t)iv.width, &ref, 0);
            free(d);
        } else {
            st = accel_image_enhance(ctx, &p, &iv, 1, &out, &scale, NULL, NULL);
            ASSERT_OK(st);
            if (st == ACCEL_OK) {
                if ((size_t)out.width != ref.shape[1] || (size_t)out.height != ref.shape[0])
                    TEST_FAIL_("%s: %dx%d, OpenCV %zux%zu", what, out.width, out.height,
                               ref.shape[1], ref.shape[0]);
                else
                    cmp_u8(clahe ? &tc : &te, what, out.data, out.stride, &ref, 0);
                if (scale != want_scale) TEST_FAIL_("%s: scale %.17g, want %.17g", what, scale, want_scale);
                accel_image_free(&out, 1);
            }
        }
        free(in.data), free(ref.data);
    }
    report("clahe", &tc);
    report("enhance", &te);
}

/* The measures of quality q against the reference fields f[0..3]; the largest relative
 * difference goes to *worst. */
static void quality_vs(tally *t, const char *what, const accel_quality *q, char *const *f,
                       double *worst)
{
    double got[4] = {q->blur_laplacian_var, q->brightness, q->contrast, q->sharpness_tenengrad};
    static const char *names[4] = {"blur_laplacian_var", "brightness", "contrast",
                                   "sharpness_tenengrad"};
    for (int m = 0; m < 4; m++) {
        double want = strtod(f[m], NULL);
        double rel = fabs(got[m] - want) / (fabs(want) > 1e-300 ? fabs(want) : 1.0);
        t->values++;
        if (got[m] == want) t->exact++;
        if (rel > *worst) *worst = rel;
        if (!(rel <= 1e-9))
            TEST_FAIL_("%s %s: %.17g, OpenCV %.17g (relative %.3g)", what, names[m], got[m],
                       want, rel);
    }
}

/* accel_scrfd_prepare over lines [i0, i1) (one input size), `per` files per call, on `c`. */
static void prepare_calls(accel_ctx *c, const char *how, size_t i0, size_t i1, size_t per,
                          tally *t, double *worst)
{
    const int iw = atoi(lines[i0].f[2]), ih = atoi(lines[i0].f[3]);
    const size_t plane = (size_t)3 * iw * ih;
    for (size_t i = i0; i < i1; i += per) {
        const size_t n = i1 - i < per ? i1 - i : per;
        static char pbuf[BATCH][4096];
        const char *paths[BATCH];
        for (size_t k = 0; k < n; k++) {
            snprintf(pbuf[k], sizeof pbuf[k], "%s/%s", g_dir, lines[i + k].f[1]);
            paths[k] = pbuf[k];
        }
        float *blob = malloc(n * plane * sizeof *blob);
        for (size_t k = 0; k < n * plane; k++) blob[k] = 1e30f; /* poison: unwritten fails */
        double ds[BATCH];
        accel_quality q[BATCH];
        for (size_t k = 0; k < n; k++) q[k].struct_size = sizeof q[k];
        accel_image_decoded d[BATCH];
        accel_image_decoded_init(d, n);
        accel_run_record rec = {.struct_size = sizeof rec};
        accel_status st = accel_scrfd_prepare(c, NULL, paths, n, iw, ih, blob, ds, NULL, q, d, &rec);
        if (st != ACCEL_OK) TEST_FAIL_("scrfd_prepare (%s): %s", how, accel_last_error(c));
        /* on a device asked for, the blob (and the quality) ran there */
        const accel_device_info *di = NULL;
        if (g_kind && c == ctx &&
            (accel_device_get(c, (size_t)rec.device_used, &di) != ACCEL_OK ||
             strcmp(accel_device_kind_name(di->kind), g_kind) != 0))
            TEST_FAIL_("scrfd_prepare (%s): ran on device %d, not on the %s device", how,
                       rec.device_used, g_kind);
        for (size_t k = 0; k < n; k++) {
            const line *l = &lines[i + k];
            char what[300];
            snprintf(what, sizeof what, "scrfd_prepare %s into %dx%d (%s)", l->f[1], iw, ih, how);
            npy ref;
            if (npy_load(l->f[4], &ref) != 0) continue;
            cmp_f32(t, what, blob + k * plane, &ref);
            free(ref.data);
            double want = strtod(l->f[5], NULL);
            if (ds[k] != want) TEST_FAIL_("%s: det_scale %.17g, want %.17g", what, ds[k], want);
            if (q[k].status != ACCEL_OK || d[k].status != ACCEL_OK)
                TEST_FAIL_("%s: status %d/%d: %s", what, q[k].status, d[k].status, d[k].message);
            if (q[k].width != d[k].image.width || q[k].height != d[k].image.height)
                TEST_FAIL_("%s: quality of %dx%d, image %dx%d", what, q[k].width, q[k].height,
                           d[k].image.width, d[k].image.height);
            quality_vs(t, what, &q[k], l->f + 6, worst);
        }
        accel_image_decoded_free(d, n);
        free(blob);
    }
}

static void run_prepare(void)
{
    tally t = {0};
    double worst = 0;
    accel_ctx *one = NULL, *three = NULL;
    accel_option o1 = {"ACCEL_NUM_THREADS", "1"}, o3 = {"ACCEL_NUM_THREADS", "3"};
    ASSERT_OK(accel_ctx_create(&one, &o1, 1, ACCEL_CTX_NO_DISCOVERY));
    ASSERT_OK(accel_ctx_create(&three, &o3, 1, ACCEL_CTX_NO_DISCOVERY));
    for (size_t i = 0; i < n_lines;) {
        size_t j = i;
        while (j < n_lines && !strcmp(lines[j].f[2], lines[i].f[2]) &&
               !strcmp(lines[j].f[3], lines[i].f[3]))
            j++;
        prepare_calls(ctx, "a batch", i, j, BATCH, &t, &worst);
        prepare_calls(ctx, "one file per call", i, j, 1, &t, &worst);
        if (three) prepare_calls(three, "two files per call, 3 threads", i, j, 2, &t, &worst);
        if (one) prepare_calls(one, "one thread", i, j, BATCH, &t, &worst);
        i = j;
    }
    accel_ctx_destroy(one);
    accel_ctx_destroy(three);
    report("prepare", &t);
    printf("prepare: largest relative difference of a quality measure from OpenCV/numpy %.3g "
           "(bound 1e-9)\n", worst);
}

/* With a device kind: the operations run on a device of that kind (ACCEL_BACKEND) and any
 * fallback is an error (ACCEL_STRICT=1), so the references check the device's kernels; exits
 * 77 when the machine has no usable device of that kind. */
static void on_device(const char *kind)
{
    accel_option opt[2] = {{"ACCEL_BACKEND", kind}, {"ACCEL_STRICT", "1"}};
    ASSERT_OK(accel_ctx_create(&ctx, opt, 2, 0));
    if (!ctx) return;
    size_t n = 0;
    accel_device_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d = NULL;
        if (accel_device_get(ctx, i, &d) == ACCEL_OK && d->usable &&
            strcmp(accel_device_kind_name(d->kind), kind) == 0) {
            printf("running on device %zu (%s %s), fallbacks are errors\n", i, kind, d->name);
            return;
        }
    }
    accel_ctx_destroy(ctx);
    TEST_SKIP("no usable %s device on this machine", kind);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s GROUP DIR [DEVICE-KIND]\n", argv[0]);
        return 2;
    }
    const char *group = argv[1];
    g_dir = argv[2];
    if (read_manifest() != 0) TEST_DONE();
    if (argc == 4) {
        g_kind = argv[3];
        on_device(argv[3]);
    }
    else
        ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, 0));
    if (!ctx) TEST_DONE();
    if (!strcmp(group, "decode")) run_decode();
    else if (!strcmp(group, "gray")) run_gray();
    else if (!strcmp(group, "resize")) run_resize();
    else if (!strcmp(group, "blob")) run_blob();
    else if (!strcmp(group, "scrfd_in")) run_scrfd_in();
    else if (!strcmp(group, "scrfd_out")) run_scrfd_out();
    else if (!strcmp(group, "align")) run_warp_align();
    else if (!strcmp(group, "quality")) run_quality();
    else if (!strcmp(group, "clahe")) run_clahe_enhance();
    else if (!strcmp(group, "prepare")) run_prepare();
    else TEST_FAIL_("unknown group %s", group);
    accel_ctx_destroy(ctx);
    free(lines);
    TEST_DONE();
}
