/* scrfd.c — insightface's SCRFD detector around its model (model_zoo/scrfd.py, restated):
 *
 * Before: im_ratio = h / w and model_ratio = ih / iw in double; the side that binds becomes
 * the input's and the other int()-truncated (new_w = int(ih / im_ratio) or
 * new_h = int(iw · im_ratio)); det_scale = new_h / h.
 *
 * After, per stride s (8, 16, 32), in float32 as numpy computes it: anchor centres
 * (col · s, row · s), repeated for each of the A anchors; distances × s; boxes
 * (cx − l, cy − t, cx + r, cy + b); key points (cx + dx, cy + dy); candidates whose score is
 * ≥ the threshold, all strides concatenated, divided by (float)det_scale, ordered by
 * descending score; NMS as SCRFD.nms (areas (x2 − x1 + 1)(y2 − y1 + 1), overlap
 * inter / (area_i + area_j − inter), dropped when > threshold); with max_faces, detect()'s
 * 'default' metric (area − 2 · squared offset from the image centre) picks the faces.
 * Ties in score are ordered as the reverse of a stable sort (numpy's argsort()[::-1] when its
 * sort keeps equal keys in place, which it does for short arrays). */
#include "image_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void accel__scrfd_letterbox(int w, int h, int iw, int ih, int *nw, int *nh, double *det_scale)
{
    double im_ratio = (double)h / w;
    double model_ratio = (double)ih / iw;
    if (im_ratio > model_ratio) {
        *nh = ih;
        *nw = (int)(*nh / im_ratio);
    } else {
        *nw = iw;
        *nh = (int)(*nw * im_ratio);
    }
    *det_scale = (double)*nh / h;
}

typedef struct cand {
    float box[4];
    float score;
    float kps[10];
    size_t index; /* in the concatenation of all strides */
} cand;

/* descending score, ties: the later candidate first (reverse of a stable ascending sort) */
static int by_score_desc(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->score > b->score) return -1;
    if (a->score < b->score) return 1;
    return a->index < b->index ? 1 : a->index > b->index ? -1 : 0;
}

/* np.maximum / np.minimum: a NaN on either side gives NaN */
static inline float np_max(float a, float b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }
static inline float np_min(float a, float b) { return isnan(a) || isnan(b) ? NAN : a < b ? a : b; }

typedef struct keyed {
    float v;
    size_t i;
} keyed;

static int by_value_desc(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->v > b->v) return -1;
    if (a->v < b->v) return 1;
    return a->i < b->i ? 1 : a->i > b->i ? -1 : 0;
}

accel_status accel__scrfd_decode(const accel_scrfd_params *p, const accel_scrfd_outputs *o,
                                 accel_face **faces, size_t *n_faces, char *why, size_t cap)
{
    *faces = NULL;
    *n_faces = 0;
    const int A = p->n_anchors;
    /* count the candidates first */
    size_t n = 0;
    for (int si = 0; si < p->n_strides; si++) {
        const int s = p->strides[si];
        const size_t K = (size_t)(p->input_height / s) * (size_t)(p->input_width / s) * (size_t)A;
        if (!o->scores[si] || !o->bboxes[si]) {
            snprintf(why, cap, "stride %d: scores or boxes are NULL", s);
            return ACCEL_ERR_INVALID_ARG;
        }
        for (size_t k = 0; k < K; k++) n += o->scores[si][k] >= p->score_threshold;
    }
    int has_kps = 1;
    for (int si = 0; si < p->n_strides; si++) has_kps &= o->kps[si] != NULL;
    cand *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) {
        snprintf(why, cap, "out of memory for %zu candidates", n);
        return ACCEL_ERR_NO_MEMORY;
    }
    const float ds = (float)o->det_scale;
    size_t m = 0, base = 0;
    for (int si = 0; si < p->n_strides; si++) {
        const int s = p->strides[si];
        const int width = p->input_width / s;
        const size_t K = (size_t)(p->input_height / s) * (size_t)width * (size_t)A;
        const float fs = (float)s;
        for (size_t k = 0; k < K; k++) {
            float score = o->scores[si][k];
            if (!(score >= p->score_threshold)) continue;
            size_t loc = k / (size_t)A;
            float cx = (float)((int)(loc % (size_t)width) * s);
            float cy = (float)((int)(loc / (size_t)width) * s);
            const float *d = o->bboxes[si] + 4 * k;
            cand *q = &c[m++];
            q->box[0] = (cx - d[0] * fs) / ds;
            q->box[1] = (cy - d[1] * fs) / ds;
            q->box[2] = (cx + d[2] * fs) / ds;
            q->box[3] = (cy + d[3] * fs) / ds;
            q->score = score;
            q->index = base + k;
            if (has_kps) {
                const float *kp = o->kps[si] + 10 * k;
                for (int j = 0; j < 5; j++) {
                    q->kps[2 * j] = (cx + kp[2 * j] * fs) / ds;
                    q->kps[2 * j + 1] = (cy + kp[2 * j + 1] * fs) / ds;
                }
            } else {
                memset(q->kps, 0, sizeof q->kps);
            }
        }
        base += K;
    }
    qsort(c, m, sizeof *c, by_score_desc);
    /* SCRFD.nms sorts the (already sorted) scores again: with the same tie rule, equal scores
     * come back in the opposite order */
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && c[j].score == c[i].score) j++;
        for (size_t a = i, b = j - 1; a < b; a++, b--) {
            cand t = c[a];
            c[a] = c[b];
            c[b] = t;
        }
        i = j;
    }
    float *area = malloc((m ? m : 1) * sizeof *area);
    unsigned char *gone = calloc(m ? m : 1, 1);
    size_t *keep = malloc((m ? m : 1) * sizeof *keep);
    if (!area || !gone || !keep) {
        free(c), free(area), free(gone), free(keep);
        snprintf(why, cap, "out of memory for NMS of %zu candidates", m);
        return ACCEL_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < m; i++)
        area[i] = (c[i].box[2] - c[i].box[0] + 1.0f) * (c[i].box[3] - c[i].box[1] + 1.0f);
    const float thr = p->nms_threshold;
    size_t nk = 0;
    for (size_t i = 0; i < m; i++) {
        if (gone[i]) continue;
        keep[nk++] = i;
        for (size_t j = i + 1; j < m; j++) {
            if (gone[j]) continue;
            float xx1 = np_max(c[i].box[0], c[j].box[0]);
            float yy1 = np_max(c[i].box[1], c[j].box[1]);
            float xx2 = np_min(c[i].box[2], c[j].box[2]);
            float yy2 = np_min(c[i].box[3], c[j].box[3]);
            float w = xx2 - xx1 + 1.0f, h = yy2 - yy1 + 1.0f;
            w = isnan(w) || w > 0.0f ? w : 0.0f; /* np.maximum(0.0, ·) keeps NaN */
            h = isnan(h) || h > 0.0f ? h : 0.0f;
            float inter = w * h;
            float ovr = inter / (area[i] + area[j] - inter);
            if (!(ovr <= thr)) gone[j] = 1;
        }
    }
    size_t nout = nk;
    size_t *pick = keep;
    keyed *kv = NULL;
    if (p->max_faces > 0 && nk > (size_t)p->max_faces) {
        kv = malloc(nk * sizeof *kv);
        if (!kv) {
            free(c), free(area), free(gone), free(keep);
            snprintf(why, cap, "out of memory");
            return ACCEL_ERR_NO_MEMORY;
        }
        const int icx = o->image_width / 2, icy = o->image_height / 2;
        for (size_t k = 0; k < nk; k++) {
            const cand *q = &c[keep[k]];
            float ar = (q->box[2] - q->box[0]) * (q->box[3] - q->box[1]);
            float ox = (q->box[0] + q->box[2]) / 2.0f - (float)icx;
            float oy = (q->box[1] + q->box[3]) / 2.0f - (float)icy;
            float dist = ox * ox + oy * oy;
            kv[k].v = ar - dist * 2.0f;
            kv[k].i = k;
        }
        qsort(kv, nk, sizeof *kv, by_value_desc);
        nout = (size_t)p->max_faces;
    }
    accel_face *f = malloc((nout ? nout : 1) * sizeof *f);
    if (!f) {
        free(c), free(area), free(gone), free(keep), free(kv);
        snprintf(why, cap, "out of memory");
        return ACCEL_ERR_NO_MEMORY;
    }
    for (size_t k = 0; k < nout; k++) {
        const cand *q = &c[pick[kv ? kv[k].i : k]];
        f[k].x1 = q->box[0];
        f[k].y1 = q->box[1];
        f[k].x2 = q->box[2];
        f[k].y2 = q->box[3];
        f[k].score = q->score;
        memcpy(f[k].kps, q->kps, sizeof f[k].kps);
    }
    free(c), free(area), free(gone), free(keep), free(kv);
    *faces = f;
    *n_faces = nout;
    return ACCEL_OK;
}
