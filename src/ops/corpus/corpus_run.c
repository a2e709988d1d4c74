/* corpus_run.c — running the per-item step (accel_corpus_run) and clearing what a killed run
 * left (accel_corpus_clean). Every output is written to "<output>.partial-PID" and renamed
 * into place when whole (the audio features stream into theirs, the images' are written in
 * one go), so an output that exists is complete; a run killed before the rename leaves the
 * partial file, which the next run over the same inputs removes once PID is gone. */
#include "corpus_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../audio/audio_internal.h"
#include "../image/image_internal.h"


#define CHUNK 16 /* images decoded (in parallel) and computed per library call */

accel_status accel__corpus_npy_header(char *hdr, size_t cap, const char *descr,
                                      const uint64_t *shape, int ndim, size_t *len)
{
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < ndim && k > 0 && (size_t)k < sizeof dict; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%llu%s", (unsigned long long)shape[i],
                      ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
    if (k > 0 && (size_t)k < sizeof dict) k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    RETURN_ERROR_IF(k < 0 || (size_t)k >= sizeof dict, ACCEL_ERR_INVALID_ARG, "npy shape too long");
    size_t total = ((size_t)k + 11 + 63) / 64 * 64; /* magic, version, length, dict, '\n' */
    RETURN_ERROR_IF(total > cap, ACCEL_ERR_INVALID_ARG, "npy header too long");
    memset(hdr, ' ', total);
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)((total - 10) & 0xff);
    hdr[9] = (char)((total - 10) >> 8);
    memcpy(hdr + 10, dict, (size_t)k);
    hdr[total - 1] = '\n';
    *len = total;
    return ACCEL_OK;
}

/* in writes of at most ACCEL__WRITE_PIECE bytes (core/internal.h); errors name `path`, the
 * output the caller asked for, not its partial file */
static accel_status write_all(int fd, const char *path, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n < ACCEL__WRITE_PIECE ? n : ACCEL__WRITE_PIECE);
        if (w < 0 && errno == EINTR) continue;
        RETURN_ERROR_IF(w <= 0, ACCEL_ERR_IO, "cannot write '%s': %s", path,
                        w < 0 ? strerror(errno) : "no space written");
        p += w;
        n -= (size_t)w;
    }
    return ACCEL_OK;
}

accel_status accel__corpus_write_atomic(const char *path, const void *head, size_t head_n,
                                        const void *data, size_t n)
{
    char tmp[4200];
    accel__audio_partial_path(path, tmp, sizeof tmp);
    int fd = accel__audio_partial_open(tmp, O_WRONLY, 0666);
    RETURN_ERROR_IF(fd < 0, ACCEL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    accel_status st = write_all(fd, path, head, head_n);
    if (st == ACCEL_OK) st = write_all(fd, path, data, n);
    if (close(fd) != 0 && st == ACCEL_OK)
        st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    if (st == ACCEL_OK && accel__rename_over(tmp, path) != 0)
        st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot put '%s' in place: %s", path, strerror(errno));
    if (st != ACCEL_OK) unlink(tmp);
    return st;
}

/* ---- clean-up of killed runs ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 1 when process `pid` is running on this machine (EPERM: it is, another user's). A zombie
 * (dead, not yet reaped by its parent: a killed Dask worker, say) writes nothing more: its
 * /proc/PID/stat says state Z or X after the command's closing parenthesis. */
static int alive(long pid)
{
    if (pid <= 0 || pid == (long)getpid()) return pid > 0;
    if (!(kill((pid_t)pid, 0) == 0 || errno == EPERM)) return 0;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1; /* no procfs: take kill()'s word */
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0) return 1;
    buf[k] = '\0';
    const char *paren = strrchr(buf, ')');
    if (!paren || paren[1] != ' ') return 1;
    return paren[2] != 'Z' && paren[2] != 'X';
}

accel_status accel_corpus_clean(const accel_corpus *c, const char *const *inputs, size_t n,
                                size_t *removed)
{
    RETURN_ERROR_IF(!c || (!inputs && n), ACCEL_ERR_INVALID_ARG, "accel_corpus_clean: NULL argument");
    if (removed) *removed = 0;
    /* the directory, and the file names (sorted) of these inputs' outputs in it */
    char dir[4096];
    if (c->flags & ACCEL_CORPUS_OUT_FILE) {
        accel__strlcpy(dir, c->out, sizeof dir);
        char *slash = strrchr(dir, '/');
        if (slash) slash[slash == dir] = '\0';
        else accel__strlcpy(dir, ".", sizeof dir);
    } else {
        accel__strlcpy(dir, c->out, sizeof dir);
    }
    char **names = calloc(n ? n : 1, sizeof *names);
    RETURN_ERROR_IF(!names, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_status st = ACCEL_OK;
    for (size_t i = 0; i < n && st == ACCEL_OK; i++) {
        char out[4200];
        st = accel_corpus_output(c, inputs[i], out, sizeof out);
        const char *base = strrchr(out, '/');
        names[i] = st == ACCEL_OK ? strdup(base ? base + 1 : out) : NULL;
        if (st == ACCEL_OK && !names[i]) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    if (st == ACCEL_OK) qsort(names, n, sizeof *names, cmp_str);
    DIR *d = st == ACCEL_OK ? opendir(dir) : NULL;
    if (st == ACCEL_OK && !d && errno != ENOENT)
        st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot list the output directory '%s': %s", dir, strerror(errno));
    for (struct dirent *e; d && (e = readdir(d));) {
        /* "<output>.partial-PID", or whisper's "<output>.spill-PID", which lives a moment
         * between its creation and its unlink */
        const char *tag = strstr(e->d_name, ".partial-") ? ".partial-" : ".spill-";
        const char *mark = strstr(e->d_name, tag);
        if (!mark) continue;
        size_t tl = strlen(tag);
        const char *digits = mark + tl;
        while (strstr(digits, tag)) { /* the last one */
            mark = strstr(digits, tag);
            digits = mark + tl;
        }
        char *end;
        long pid = strtol(digits, &end, 10);
        if (!*digits || *end || alive(pid)) continue;
        char base[1024];
        size_t bl = (size_t)(mark - e->d_name);
        if (bl >= sizeof base) continue;
        memcpy(base, e->d_name, bl);
        base[bl] = '\0';
        const char *key = base;
        if (!bsearch(&key, names, n, sizeof *names, cmp_str)) continue;
        char full[5200];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (unlink(full) == 0) {
            if (removed) (*removed)++;
            accel__log(ACCEL__LOG_INFO, "removed '%s' (left by process %ld, which is gone)", full, pid);
        } else if (errno != ENOENT) {
            st = ACCEL_ERROR(ACCEL_ERR_IO, "cannot remove '%s' (left by process %ld): %s", full, pid,
                             strerror(errno));
            break;
        }
    }
    if (d) closedir(d);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return st;
}

/* ---- running ---- */

static void item_reset(accel_corpus_item *it, const char *input)
{
    size_t sz = it->struct_size;
    memset(it, 0, sz < sizeof *it ? sz : sizeof *it);
    it->struct_size = sz;
    it->input = input;
    it->device_index = -1;
    it->audio_info.struct_size = sizeof it->audio_info;
    it->audio.struct_size = sizeof it->audio;
    it->quality.struct_size = sizeof it->quality;
}

/* The error names the input: a decoder's does already ("'a.wav': truncated …"), a write's
 * names the output, and gets the input in front. */
static void item_fail(accel_corpus_item *it, accel_status st, const char *msg)
{
    it->status = ACCEL_ITEM_FAILED;
    it->error_status = st;
    if (!msg || !*msg) msg = accel_strerror(st);
    const char *named = it->input && !strcmp(it->input, "-") ? "<stdin>" : it->input;
    if (named && !strstr(msg, named))
        snprintf(it->error, sizeof it->error, "'%s': %s", it->input, msg);
    else
        accel__strlcpy(it->error, msg, sizeof it->error);
}

static void item_device(const accel_corpus *c, accel_corpus_item *it, int index)
{
    const accel_device_info *d = NULL;
    it->device_index = index;
    if (index >= 0 && accel_device_get(c->ctx, (size_t)index, &d) == ACCEL_OK)
        snprintf(it->device, sizeof it->device, "%s:%d", accel_device_kind_name(d->kind), index);
}

static int ends_npy(const char *s)
{
    size_t n = strlen(s);
    return n >= 4 && strcmp(s + n - 4, ".npy") == 0;
}

static void shape_text(char *buf, size_t cap, const uint64_t *shape, int nd)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < nd && k + 1 < cap; i++) {
        int w = snprintf(buf + k, cap - k, "%s%llu", i ? ", " : "(", (unsigned long long)shape[i]);
        k += w > 0 ? (size_t)w : 0;
    }
    if (k + 2 < cap) snprintf(buf + k, cap - k, "%s)", nd == 1 ? "," : nd == 0 ? "(" : "");
}

/* 1 when a complete .npy can be this step's output: float32, and for audio features every
 * dimension but the time axis as this preset makes it (the dimensions that do not change
 * between two lengths), the time axis at least what an empty input gives (openai padding's
 * 3000 frames); an image blob exactly (1, 3, S, S). A run resumed with another preset or
 * model in the same directory is caught; one with another padding only where the frame
 * counts cannot overlap. */
static int fits(const accel_corpus *c, const accel_npy_info *info)
{
    if (strcmp(info->descr, "<f4") != 0 || info->fortran_order) return 0;
    if (c->kind == STEP_BLOB)
        return info->ndim == 4 && info->shape[0] == 1 && info->shape[1] == 3 &&
               info->shape[2] == (uint64_t)c->size && info->shape[3] == (uint64_t)c->size;
    if (c->kind != STEP_AUDIO) return 1;
    size_t a[3] = {0}, b[3] = {0}, z[3] = {0};
    int na = 0, nb = 0, nz = 0;
    int r = c->audio.sample_rate > 0 ? c->audio.sample_rate : 16000;
    if (accel_audio_shape(&c->audio, (size_t)r * 7, a, &na) != ACCEL_OK ||
        accel_audio_shape(&c->audio, (size_t)r * 97, b, &nb) != ACCEL_OK || na != nb) {
        accel__clear_error();
        return 1; /* no answer: take the file's word */
    }
    if (accel_audio_shape(&c->audio, 0, z, &nz) != ACCEL_OK || nz != na) {
        accel__clear_error();
        nz = 0;
    }
    if (info->ndim != na) return 0;
    for (int d = 0; d < na; d++) {
        if (a[d] == b[d] && info->shape[d] != a[d]) return 0;
        if (a[d] != b[d] && nz && info->shape[d] < z[d]) return 0;
    }
    return 1;
}

/* With ACCEL_CORPUS_RESUME: 1 when the output is complete (the item is then skipped), or when
 * it is complete but cannot be this step's (fits): the item then fails, and the file is left
 * as it is — it is some other run's work. */
static int resumed(const accel_corpus *c, accel_corpus_item *it)
{
    if (!(c->flags & ACCEL_CORPUS_RESUME)) return 0;
    double t0 = accel__now_ms();
    accel_npy_info info = {.struct_size = sizeof info};
    char keep[512];
    accel__strlcpy(keep, accel__last_error_text(), sizeof keep);
    accel_status st = accel_output_complete(it->output, &info);
    accel__restore_error(keep); /* an absent or cut output is the answer "redo it" */
    if (st != ACCEL_OK) {
        if (st != ACCEL_ERR_NOT_FOUND)
            accel__log(ACCEL__LOG_INFO, "redoing '%s': its output is not complete", it->input);
        return 0;
    }
    if (ends_npy(it->output) && !fits(c, &info)) {
        char sh[200], msg[512];
        shape_text(sh, sizeof sh, info.shape, info.ndim);
        /* the dtype, and the order when it is what differs: "(80, 3000) float32" alone would
         * name what this run makes */
        const char *dtype = strcmp(info.descr, "<f4") ? info.descr
                          : info.fortran_order        ? "float32 in Fortran order"
                                                      : "float32";
        snprintf(msg, sizeof msg,
                 "'%s' holds %s %s, which this %s run does not make: --resume goes on with a run "
                 "of the same options in the same directory; move the file away, or write to "
                 "another directory",
                 it->output, sh, dtype, c->op);
        item_fail(it, ACCEL_ERR_INVALID_ARG, msg);
        it->ms = accel__now_ms() - t0;
        return 1;
    }
    it->status = ACCEL_ITEM_SKIPPED;
    if (ends_npy(it->output)) {
        it->ndim = info.ndim < 4 ? info.ndim : 4;
        for (int i = 0; i < it->ndim; i++) it->shape[i] = info.shape[i];
    }
    it->ms = accel__now_ms() - t0;
    return 1;
}

static void run_audio(const accel_corpus *c, accel_corpus_item *it)
{
    double t0 = accel__now_ms();
    accel_audio_source *src = NULL;
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_status st = accel_audio_open(c->ctx, it->input, c->audio.sample_rate, &src);
    if (st == ACCEL_OK) st = accel_audio_features_npy(c->ctx, &c->audio, src, it->output, &it->audio, &rec);
    char msg[512];
    accel__strlcpy(msg, st != ACCEL_OK ? accel_last_error(NULL) : "", sizeof msg);
    if (src) accel_audio_source_info(src, &it->audio_info);
    accel_audio_close(src);
    it->ms = accel__now_ms() - t0;
    if (st != ACCEL_OK) {
        item_fail(it, st, msg);
        return;
    }
    it->status = ACCEL_ITEM_DONE;
    it->ndim = it->audio.ndim;
    for (int i = 0; i < it->ndim && i < 3; i++) it->shape[i] = it->audio.shape[i];
    item_device(c, it, it->audio.device_used);
    it->n_fallbacks = it->audio.n_fallbacks;
    it->fallback = it->audio.reason;
}

/* The per-image output of image quality: one JSON object, the keys of `image quality --json`. */
static accel_status quality_json(const accel_corpus_item *it, char **text, size_t *len)
{
    FILE *f = open_memstream(text, len);
    RETURN_ERROR_IF(!f, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel__json j;
    accel__json_init(&j, f, 0);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "file", it->input);
    accel__json_int(&j, "width", it->quality.width);
    accel__json_int(&j, "height", it->quality.height);
    accel__json_num(&j, "blur_laplacian_var", it->quality.blur_laplacian_var);
    accel__json_num(&j, "brightness", it->quality.brightness);
    accel__json_num(&j, "contrast", it->quality.contrast);
    accel__json_num(&j, "sharpness_tenengrad", it->quality.sharpness_tenengrad);
    accel__json_num(&j, "overall", it->quality.overall);
    if (ACCEL__ITEM_HAS(it, warning) && it->warning[0]) accel__json_str(&j, "warning", it->warning);
    accel__json_end_object(&j);
    accel__json_finish(&j); /* the newline */
    if (fclose(f) != 0 || !*text) {
        free(*text);
        *text = NULL;
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    return ACCEL_OK;
}

/* After an image call over k images with statuses st: a call that failed with every status
 * still ACCEL_OK was refused before it looked at its images, and fails them all. */
static void untouched(accel_status call, accel_status *st, size_t k)
{
    size_t ok = 0;
    for (size_t i = 0; i < k; i++) ok += st[i] == ACCEL_OK;
    for (size_t i = 0; call != ACCEL_OK && ok == k && i < k; i++) st[i] = call;
}

/* Image i's reason after an image call: its own message without its place in the batch (the
 * caller names the file), else the call's. */
static const char *image_reason(size_t i, const char *call_why)
{
    const char *m = accel_image_item_error(i);
    return *m ? accel__img_item_reason(m) : call_why;
}

/* Up to CHUNK images: decoded together (in parallel), computed in one call, written one by
 * one. The batch's time is shared evenly among its images. */
static void run_images(const accel_corpus *c, accel_corpus_item **its, size_t m)
{
    double t0 = accel__now_ms();
    const char *paths[CHUNK];
    for (size_t j = 0; j < m; j++) paths[j] = its[j]->input;
    accel_image_decoded d[CHUNK];
    accel_image_decoded_init(d, m);
    accel_status dst = accel_image_decode(c->ctx, NULL, paths, m, d, NULL);
    char call_msg[512];
    accel__strlcpy(call_msg, dst != ACCEL_OK ? accel_last_error(NULL) : "", sizeof call_msg);
    accel_image in[CHUNK];
    size_t idx[CHUNK], k = 0;
    for (size_t j = 0; j < m; j++) {
        /* a call that failed as a whole fails every file (the library says so in each result;
         * a result it did not reach is not taken for a decoded image either) */
        if (d[j].status != ACCEL_OK) {
            item_fail(its[j], d[j].status, d[j].message);
        } else if (dst != ACCEL_OK && !d[j].image.data) {
            item_fail(its[j], dst, call_msg);
        } else {
            in[k] = d[j].image, idx[k++] = j;
            /* a warning the image survived (stray bytes before a marker): said, as without -o DIR */
            if (ACCEL__ITEM_HAS(its[j], warning))
                accel__strlcpy(its[j]->warning, d[j].message, sizeof its[j]->warning);
        }
    }
    accel_run_record rec = {.struct_size = sizeof rec, .device_used = -1};
    accel_status st[CHUNK];
    if (c->kind == STEP_QUALITY && k) {
        accel_quality q[CHUNK];
        for (size_t i = 0; i < k; i++) q[i] = (accel_quality){.struct_size = sizeof q[i]};
        accel_status qst = accel_image_quality(c->ctx, NULL, in, k, q, &rec);
        char call_why[512];
        accel__strlcpy(call_why, qst != ACCEL_OK ? accel_last_error(NULL) : "", sizeof call_why);
        for (size_t i = 0; i < k; i++) st[i] = q[i].status;
        untouched(qst, st, k);
        for (size_t i = 0; i < k; i++) {
            accel_corpus_item *it = its[idx[i]];
            it->quality = q[i];
            if (st[i] != ACCEL_OK) { /* item_fail puts the input's name in front */
                item_fail(it, st[i], image_reason(i, call_why));
                continue;
            }
            char *text = NULL;
            size_t len = 0;
            accel_status w = quality_json(it, &text, &len);
            if (w == ACCEL_OK) w = accel__corpus_write_atomic(it->output, "", 0, text, len);
            free(text);
            if (w != ACCEL_OK) item_fail(it, w, accel_last_error(NULL));
            else it->status = ACCEL_ITEM_DONE;
        }
    } else if (k) {
        const size_t plane = (size_t)3 * (size_t)c->size * (size_t)c->size;
        float *blob = malloc(k * plane * sizeof *blob);
        double ds[CHUNK];
        accel_status bst = ACCEL_ERR_NO_MEMORY;
        for (size_t i = 0; i < k; i++) st[i] = ACCEL_OK, ds[i] = 1.0;
        if (blob && c->scrfd) {
            bst = accel_scrfd_input(c->ctx, in, k, c->size, c->size, blob, ds, st, &rec);
        } else if (blob) {
            accel_blob_params bp;
            accel_blob_params_preset("arcface", &bp);
            bp.width = bp.height = c->size;
            bst = accel_image_blob(c->ctx, &bp, in, k, blob, st, &rec);
        }
        char call_why[512];
        accel__strlcpy(call_why, bst != ACCEL_OK ? accel_last_error(NULL) : "", sizeof call_why);
        untouched(bst, st, k);
        uint64_t shape[4] = {1, 3, (uint64_t)c->size, (uint64_t)c->size};
        char hdr[256];
        size_t hl = 0;
        accel__corpus_npy_header(hdr, sizeof hdr, "<f4", shape, 4, &hl);
        for (size_t i = 0; i < k; i++) {
            accel_corpus_item *it = its[idx[i]];
            if (!blob || st[i] != ACCEL_OK) { /* item_fail puts the input's name in front */
                item_fail(it, blob ? st[i] : ACCEL_ERR_NO_MEMORY,
                          !blob ? "out of memory for the blob" : image_reason(i, call_why));
                continue;
            }
            accel_status w = accel__corpus_write_atomic(it->output, hdr, hl, blob + i * plane,
                                                        plane * sizeof *blob);
            if (w != ACCEL_OK) {
                item_fail(it, w, accel_last_error(NULL));
                continue;
            }
            it->status = ACCEL_ITEM_DONE;
            it->det_scale = c->scrfd ? ds[i] : 1.0;
            it->ndim = 4;
            memcpy(it->shape, shape, sizeof shape);
        }
        free(blob);
    }
    accel_image_decoded_free(d, m);
    double each = (accel__now_ms() - t0) / (double)m;
    for (size_t j = 0; j < m; j++) {
        its[j]->ms = each;
        if (its[j]->status == ACCEL_ITEM_DONE) {
            item_device(c, its[j], rec.device_used);
            its[j]->n_fallbacks = rec.n_fallbacks;
            its[j]->fallback = rec.reason;
        }
    }
}

accel_status accel_corpus_run(accel_corpus *c, const char *const *inputs, size_t n,
                              accel_corpus_item *items)
{
    RETURN_ERROR_IF(!c || (n && (!inputs || !items)), ACCEL_ERR_INVALID_ARG,
                    "accel_corpus_run: NULL argument");
    /* an older header's item ends where `warning` begins: its fields are all there is to set */
    size_t stride = n ? items[0].struct_size : sizeof *items;
    RETURN_ERROR_IF(n && stride < offsetof(accel_corpus_item, warning), ACCEL_ERR_INVALID_ARG,
                    "accel_corpus_run: items[0].struct_size %zu is smaller than any version's %zu",
                    stride, offsetof(accel_corpus_item, warning));
#define ITEM(i) ((accel_corpus_item *)((char *)items + (i) * stride))
    accel_corpus_item *batch[CHUNK];
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        accel_corpus_item *it = ITEM(i);
        it->struct_size = stride;
        item_reset(it, inputs[i]);
        accel_status st = inputs[i] ? accel_corpus_output(c, inputs[i], it->output, sizeof it->output)
                                    : ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "input %zu is NULL", i);
        if (st != ACCEL_OK) {
            item_fail(it, st, accel_last_error(NULL));
            it->output[0] = '\0';
            continue;
        }
        if (resumed(c, it)) continue;
        if (c->kind == STEP_AUDIO) {
            run_audio(c, it);
            continue;
        }
        batch[nb++] = it;
        if (nb == CHUNK) {
            run_images(c, batch, nb);
            nb = 0;
        }
    }
    if (nb) run_images(c, batch, nb);
    accel_status first = ACCEL_OK;
    for (size_t i = 0; i < n && first == ACCEL_OK; i++)
        if (ITEM(i)->status == ACCEL_ITEM_FAILED) {
            first = ITEM(i)->error_status ? ITEM(i)->error_status : ACCEL_ERR_INTERNAL;
            accel__set_error(first, __FILE__, __LINE__, "%s", ITEM(i)->error);
        }
#undef ITEM
    return first;
}
