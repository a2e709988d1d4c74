/* run_log.c — the JSON-lines log of a corpus run (accel_run_log_*): one line per input and a
 * summary line at the end (schema in docs/cli.md, "Corpus runs"). Each line is built in memory
 * and handed to one write() on a descriptor opened O_APPEND: the kernel appends it whole at
 * the end of the file, so processes sharing a log (local file systems; NFS does not honour
 * O_APPEND across clients) never interleave inside a line, and a run killed at any moment
 * leaves only whole lines behind. */
#include "corpus_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct accel_run_log {
    int fd; /* -1: counting only */
    char *path;
    double t0;
    uint64_t done, skipped, failed;
    pthread_mutex_t mu;
};

const char *accel_item_status_name(accel_item_status s)
{
    switch (s) {
    case ACCEL_ITEM_DONE: return "done";
    case ACCEL_ITEM_SKIPPED: return "skipped";
    case ACCEL_ITEM_FAILED: return "failed";
    }
    return "unknown";
}

accel_status accel_run_log_open(const char *path, accel_run_log **out)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "accel_run_log_open: NULL argument");
    *out = NULL;
    accel_run_log *l = calloc(1, sizeof *l);
    RETURN_ERROR_IF(!l, ACCEL_ERR_NO_MEMORY, "run log: out of memory");
    l->fd = -1;
    if (path) {
        l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (l->fd < 0) {
            int e = errno;
            free(l);
            return ACCEL_ERROR(ACCEL_ERR_IO, "cannot open the run log '%s': %s", path, strerror(e));
        }
        l->path = strdup(path);
    }
    pthread_mutex_init(&l->mu, NULL);
    l->t0 = accel__now_ms();
    *out = l;
    return ACCEL_OK;
}

/* Milliseconds to the microsecond: a log is read by people and by scripts. */
static double round3(double ms) { return round(ms * 1000.0) / 1000.0; }

accel_status accel_corpus_item_json(const accel_corpus_item *it, char **line)
{
    RETURN_ERROR_IF(!it || !line, ACCEL_ERR_INVALID_ARG, "accel_corpus_item_json: NULL argument");
    *line = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    RETURN_ERROR_IF(!f, ACCEL_ERR_NO_MEMORY, "run log: out of memory");
    accel__json j;
    accel__json_init(&j, f, 0);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "path", it->input ? it->input : "");
    accel__json_str(&j, "status", accel_item_status_name(it->status));
    accel__json_str(&j, "output", it->output[0] ? it->output : NULL);
    accel__json_str(&j, "device", it->device[0] ? it->device : NULL);
    accel__json_num(&j, "ms", round3(it->ms));
    accel__json_str(&j, "fallback",
                    it->n_fallbacks > 0 ? accel_fallback_reason_name(it->fallback) : NULL);
    accel__json_str(&j, "error", it->status == ACCEL_ITEM_FAILED ? it->error : NULL);
    if (it->ndim > 0 && it->status != ACCEL_ITEM_FAILED) {
        accel__json_begin_array(&j, "shape");
        for (int i = 0; i < it->ndim && i < 4; i++) accel__json_int(&j, NULL, (long long)it->shape[i]);
        accel__json_end_array(&j);
    }
    if (it->det_scale > 0 && it->status == ACCEL_ITEM_DONE) accel__json_num(&j, "det_scale", it->det_scale);
    if (ACCEL__ITEM_HAS(it, warning) && it->warning[0] && it->status == ACCEL_ITEM_DONE)
        accel__json_str(&j, "warning", it->warning);
    accel__json_end_object(&j);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "run log: out of memory");
    }
    *line = buf;
    return ACCEL_OK;
}

/* One write() of the line and its newline; a short write (a full disk, a signal) is finished
 * with more writes, which O_APPEND still places at the end. */
static accel_status put_line(accel_run_log *l, char *line)
{
    if (l->fd < 0) return ACCEL_OK;
    size_t n = strlen(line);
    line[n] = '\n'; /* the memstream's NUL becomes the newline */
    const char *p = line;
    size_t left = n + 1;
    while (left) {
        ssize_t w = write(l->fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            line[n] = '\0';
            return ACCEL_ERROR(ACCEL_ERR_IO, "cannot append to the run log '%s': %s", l->path,
                               strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    line[n] = '\0';
    return ACCEL_OK;
}

accel_status accel_run_log_item(accel_run_log *l, const accel_corpus_item *it)
{
    RETURN_ERROR_IF(!l || !it, ACCEL_ERR_INVALID_ARG, "accel_run_log_item: NULL argument");
    char *line = NULL;
    FORWARD_IF_ERROR(accel_corpus_item_json(it, &line));
    /* the memstream buffer has room for its NUL: the newline takes its place */
    pthread_mutex_lock(&l->mu);
    if (it->status == ACCEL_ITEM_DONE) l->done++;
    else if (it->status == ACCEL_ITEM_SKIPPED) l->skipped++;
    else l->failed++;
    accel_status st = put_line(l, line);
    pthread_mutex_unlock(&l->mu);
    free(line);
    return st;
}

accel_status accel_run_log_summary(accel_run_log *l, accel_run_summary *sum)
{
    RETURN_ERROR_IF(!l, ACCEL_ERR_INVALID_ARG, "accel_run_log_summary: NULL argument");
    pthread_mutex_lock(&l->mu);
    accel_run_summary s = {.struct_size = sizeof s, .done = l->done, .skipped = l->skipped,
                           .failed = l->failed};
    s.seconds = (accel__now_ms() - l->t0) / 1000.0;
    uint64_t total = s.done + s.skipped + s.failed;
    s.files_per_second = s.seconds > 0 ? (double)total / s.seconds : 0;
    char *buf = NULL;
    size_t len = 0;
    accel_status st = ACCEL_OK;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "run log: out of memory");
    } else {
        accel__json j;
        accel__json_init(&j, f, 0);
        accel__json_begin_object(&j, NULL);
        accel__json_bool(&j, "summary", 1);
        accel__json_int(&j, "done", (long long)s.done);
        accel__json_int(&j, "skipped", (long long)s.skipped);
        accel__json_int(&j, "failed", (long long)s.failed);
        accel__json_num(&j, "seconds", round(s.seconds * 1000.0) / 1000.0);
        accel__json_num(&j, "files_per_second", round(s.files_per_second * 100.0) / 100.0);
        accel__json_end_object(&j);
        if (fclose(f) != 0 || !buf) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "run log: out of memory");
        else st = put_line(l, buf);
        free(buf);
    }
    pthread_mutex_unlock(&l->mu);
    if (sum) {
        size_t keep = sum->struct_size && sum->struct_size < sizeof s ? sum->struct_size : sizeof s;
        memcpy(sum, &s, keep);
        sum->struct_size = keep;
    }
    return st;
}

void accel_run_log_close(accel_run_log *l)
{
    if (!l) return;
    if (l->fd >= 0) close(l->fd);
    pthread_mutex_destroy(&l->mu);
    free(l->path);
    free(l);
}
