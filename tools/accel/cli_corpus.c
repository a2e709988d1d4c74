/* cli_corpus.c — --manifest, --shard, --resume and --log for every multi-file verb
 * (cli_corpus.h). */
#include "cli_corpus.h"
#include "cli.h"
#include "ops/audio/audio_internal.h"
#include "ops/corpus/corpus_internal.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_corpus_open(cli_corpus *cc, const char *verb, const cli_args *a, cli_corpus_opts ix)
{
    memset(cc, 0, sizeof *cc);
    cc->shards = 1;
    const cli_value *m = &a->v[ix.manifest], *sh = &a->v[ix.shard];
    cc->resume = a->v[ix.resume].set > 0;
    cc->log = a->v[ix.log].set ? a->v[ix.log].s : NULL;
    cc->active = m->set || sh->set || cc->resume || cc->log;
    if (m->set > 1) {
        accel_cli_error(verb, "--manifest given %d times (one manifest per run; put the paths "
                              "in one file, or give more as operands)", m->set);
        return 2;
    }
    if (m->set && !strcmp(m->s, "-")) /* standard input can be read once */
        for (size_t i = 0; i < a->n_operands; i++)
            if (!strcmp(a->operands[i], "-")) {
                accel_cli_error(verb, "--manifest - and the input - both read standard input; "
                                      "give one of them as a file");
                return 2;
            }
    cc->manifest_path = m->set ? m->s : NULL;
    if (m->set && accel_manifest_read(m->s, &cc->manifest) != ACCEL_OK) {
        accel_cli_error(verb, "%s", accel_last_error(NULL));
        return 2;
    }
    if (sh->set && accel_shard_parse(sh->s, &cc->shard, &cc->shards) != ACCEL_OK) {
        accel_cli_error(verb, "--%s", accel_last_error(NULL)); /* "shard '…': why" */
        return 2;
    }
    size_t nm = accel_manifest_count(cc->manifest);
    cc->n_all = a->n_operands + nm;
    cc->all = malloc((cc->n_all ? cc->n_all : 1) * sizeof *cc->all);
    cc->inputs = malloc((cc->n_all ? cc->n_all : 1) * sizeof *cc->inputs);
    if (!cc->all || !cc->inputs) {
        accel_cli_error(verb, "out of memory for %zu inputs", cc->n_all);
        return 2;
    }
    for (size_t i = 0; i < a->n_operands; i++) cc->all[i] = a->operands[i];
    for (size_t i = 0; i < nm; i++) cc->all[a->n_operands + i] = accel_manifest_path(cc->manifest, i);
    for (size_t i = 0; i < cc->n_all; i++)
        if (cc->shards <= 1 || accel_shard_of(cc->all[i], cc->shards) == cc->shard)
            cc->inputs[cc->n++] = cc->all[i];
    return 0;
}

/* The columns a bar line may take: the terminal's width on standard error less one (a line
 * that fills the last column wraps on some terminals, and \r then goes back only to the
 * wrapped part), 80 when unknown. Asked at every line: the window may be resized. */
static int bar_cols(void)
{
    struct winsize ws;
    int c = ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    return c > 1 ? c - 1 : 1;
}

void cli_progress(int on, size_t done, size_t total, const char *name)
{
    if (!on) return;
    int cols = bar_cols();
    char counts[48];
    int nc = snprintf(counts, sizeof counts, "%zu/%zu", done, total);
    int width = cols - nc - 4; /* "[" bar "] " counts " " */
    if (width > 30) width = 30;
    if (width < 0) width = 0;
    int fill = total ? (int)((double)width * (double)done / (double)total) : width;
    int room = cols - width - nc - 4;
    if (room < 0) room = 0;
    /* the end of a long path, where its file name is */
    size_t len = strlen(name);
    const char *dots = "";
    if (len > (size_t)room) {
        dots = room > 3 ? "..." : "";
        name += len - (size_t)(room - (int)strlen(dots));
    }
    fprintf(stderr, "\r[%.*s%*s] %s %s%-*s", fill, "##############################", width - fill,
            "", counts, dots, room - (int)strlen(dots), name);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}

void cli_progress_clear(int on)
{
    if (on) fprintf(stderr, "\r%*s\r", bar_cols(), "");
}

void cli_corpus_free(cli_corpus *cc)
{
    free(cc->all);
    free(cc->inputs);
    accel_manifest_free(cc->manifest);
    memset(cc, 0, sizeof *cc);
}

/* --log FILE must be none of the run's own files: the log is appended to, so naming the
 * manifest or an input would add JSON lines to it (and the next --resume would read them as
 * paths), and naming an output would lose the log when the output is renamed over it.
 * Inputs and outputs are compared by name first (accel_cli_same_place): a string comparison
 * each; the manifest also as a file (a link to it). */
static int log_clash(const cli_corpus *cc, const char *verb, accel_corpus *step)
{
    if (!cc->log) return 0;
    /* "-" is a stream for --manifest and -o; here it would silently be a file named "-" */
    if (!strcmp(cc->log, "-")) {
        accel_cli_error(verb, "--log -: the log is a file that every run appends to; give it a "
                              "name (--log run.jsonl)");
        return 1;
    }
    if (cc->manifest_path && (accel_cli_same_place(cc->log, cc->manifest_path) ||
                              accel_cli_same_file(cc->log, cc->manifest_path))) {
        accel_cli_error(verb, "--log %s is the manifest; the log is appended to, so it needs a "
                              "file of its own", cc->log);
        return 1;
    }
    const char *bl = strrchr(cc->log, '/');
    bl = bl ? bl + 1 : cc->log;
    size_t ll = strlen(bl);
    /* outputs end in .npy or .json (or are the one -o FILE of a single input) */
    int outputs = cc->n_all <= 1 || (ll > 4 && !strcmp(bl + ll - 4, ".npy")) ||
                  (ll > 5 && !strcmp(bl + ll - 5, ".json"));
    char out[4200];
    for (size_t i = 0; i < cc->n_all; i++) {
        const char *in = cc->all[i], *bi = strrchr(in, '/');
        if (!strcmp(bi ? bi + 1 : in, bl) && accel_cli_same_place(cc->log, in)) {
            accel_cli_error(verb, "--log %s is an input of this run; the log is appended to, so "
                                  "it needs a file of its own", cc->log);
            return 1;
        }
        if (!outputs || accel_corpus_output(step, in, out, sizeof out) != ACCEL_OK) continue;
        const char *bo = strrchr(out, '/');
        if (!strcmp(bo ? bo + 1 : out, bl) && accel_cli_same_place(cc->log, out)) {
            accel_cli_error(verb, "--log %s is the output of '%s'; the log needs a file of its own",
                            cc->log, in);
            return 1;
        }
    }
    accel__clear_error();
    return 0;
}

enum { BATCH = 16 }; /* inputs per library call where they are decoded together (images) */

/* The partial files of the outputs being computed are watched, so that SIGINT, SIGTERM, SIGHUP
 * or SIGPIPE leave none behind — an image's is written in one go after the batch, an audio
 * output's while it is computed — (SIGKILL cannot be caught: --resume removes what it leaves),
 * and the run's counts so far are said on the way out. */
static char watched[BATCH][4200];
static struct {
    const char *verb;
    volatile sig_atomic_t done, skipped, failed, total;
    int bar, log, out_file;
} so_far;

static void watch(accel_corpus *step, const char *const *inputs, size_t m)
{
    char out[4200];
    for (size_t j = 0; j < m; j++) {
        watched[j][0] = '\0';
        if (accel_corpus_output(step, inputs[j], out, sizeof out) != ACCEL_OK) continue;
        accel__audio_partial_path(out, watched[j], sizeof watched[j]);
        cli_remove_on_signal(watched[j]);
    }
}

static void unwatch(size_t m)
{
    for (size_t j = 0; j < m; j++)
        if (watched[j][0]) cli_keep_on_signal(watched[j]);
}

/* async-signal-safe text: no stdio in a signal handler */
static void add(char *b, size_t *k, size_t cap, const char *s)
{
    while (*s && *k + 1 < cap) b[(*k)++] = *s++;
}

static void add_num(char *b, size_t *k, size_t cap, long v)
{
    char d[24];
    int n = 0;
    unsigned long u = v < 0 ? 0 : (unsigned long)v;
    do d[n++] = (char)('0' + u % 10); while ((u /= 10) && n < (int)sizeof d);
    while (n && *k + 1 < cap) b[(*k)++] = d[--n];
}

/* What a signal that ends the run leaves: which inputs were finished (each has its log line),
 * and that the rest is for --resume. */
static void say_interrupted(int sig)
{
    char b[600];
    size_t k = 0;
    const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP"
                     : sig == SIGPIPE ? "SIGPIPE" : "a signal";
    if (so_far.bar) add(b, &k, sizeof b, "\n");
    add(b, &k, sizeof b, "accel ");
    add(b, &k, sizeof b, so_far.verb);
    add(b, &k, sizeof b, ": interrupted by ");
    add(b, &k, sizeof b, name);
    add(b, &k, sizeof b, " after ");
    add_num(b, &k, sizeof b, (long)so_far.done + so_far.skipped + so_far.failed);
    add(b, &k, sizeof b, " of ");
    add_num(b, &k, sizeof b, so_far.total);
    add(b, &k, sizeof b, " inputs (");
    add_num(b, &k, sizeof b, so_far.done);
    add(b, &k, sizeof b, " done, ");
    add_num(b, &k, sizeof b, so_far.skipped);
    add(b, &k, sizeof b, " skipped, ");
    add_num(b, &k, sizeof b, so_far.failed);
    add(b, &k, sizeof b, " failed");
    if (so_far.log) add(b, &k, sizeof b, "; each has its line in the log, which gets no summary");
    /* --resume turns -o FILE into a directory: not a way on for a run of one named output */
    add(b, &k, sizeof b, so_far.out_file ? "); no partial output is left\n"
                                         : "); no partial output is left; --resume goes on from here\n");
    ssize_t w = write(2, b, k);
    (void)w;
}

static void count(const accel_corpus_item *it)
{
    if (it->status == ACCEL_ITEM_DONE) so_far.done++;
    else if (it->status == ACCEL_ITEM_SKIPPED) so_far.skipped++;
    else so_far.failed++;
}

int cli_corpus_run(cli_corpus *cc, const char *verb, accel_corpus *step, cli_corpus_item_fn each,
                   void *arg, size_t *failed, accel_run_summary *sum)
{
    *failed = 0;
    if (sum) memset(sum, 0, sizeof *sum); /* struct_size 0: the run did not start */
    if (!cc->checked && accel_corpus_check(step, cc->all, cc->n_all) != ACCEL_OK) {
        accel_cli_error(verb, "%s", accel_last_error(NULL));
        return 2;
    }
    if (log_clash(cc, verb, step)) return 2;
    accel_run_log *log = NULL;
    if (accel_run_log_open(cc->log, &log) != ACCEL_OK) {
        accel_cli_error(verb, "%s", accel_last_error(NULL));
        return 2;
    }
    if (cc->resume) {
        size_t removed = 0;
        if (accel_corpus_clean(step, cc->inputs, cc->n, &removed) != ACCEL_OK)
            accel_cli_error(verb, "%s", accel_last_error(NULL));
        else if (removed)
            fprintf(stderr, "accel %s: removed %zu partial file%s left by a killed run\n", verb,
                    removed, removed == 1 ? "" : "s");
    }
    accel_corpus_item *items = calloc(BATCH, sizeof *items);
    if (!items) {
        accel_run_log_close(log);
        accel_cli_error(verb, "out of memory");
        return 2;
    }
    so_far.verb = verb;
    so_far.done = so_far.skipped = so_far.failed = 0;
    so_far.total = cc->n > INT_MAX ? INT_MAX : (sig_atomic_t)cc->n;
    so_far.bar = cc->bar;
    so_far.log = cc->log != NULL;
    so_far.out_file = cc->out_file;
    cli_report_on_signal(say_interrupted);
    int rc = 0;
    /* one input per call where its output is streamed (audio), a batch where inputs are
     * decoded together (images) */
    size_t per_call = accel__corpus_streams(step) ? 1 : BATCH;
    for (size_t i0 = 0; i0 < cc->n && rc == 0; i0 += per_call) {
        size_t m = cc->n - i0 < per_call ? cc->n - i0 : per_call;
        for (size_t j = 0; j < m; j++) items[j].struct_size = sizeof items[j];
        watch(step, cc->inputs + i0, m);
        accel_corpus_run(step, cc->inputs + i0, m, items);
        unwatch(m);
        for (size_t j = 0; j < m; j++) {
            const accel_corpus_item *it = &items[j];
            if (it->status == ACCEL_ITEM_FAILED) {
                (*failed)++;
                cli_progress_clear(cc->bar); /* off the progress bar's line */
                accel_cli_error(verb, "%s", it->error);
            }
            int logged = accel_run_log_item(log, it) == ACCEL_OK;
            count(it);
            if (!logged) {
                accel_cli_error(verb, "%s", accel_last_error(NULL));
                rc = 2;
            }
            if (each) each(it, arg);
        }
    }
    cli_report_on_signal(NULL);
    free(items);
    accel_run_summary s = {.struct_size = sizeof s};
    if (accel_run_log_summary(log, &s) != ACCEL_OK && rc == 0) {
        accel_cli_error(verb, "%s", accel_last_error(NULL));
        rc = 2;
    }
    if (sum) *sum = s;
    accel_run_log_close(log);
    return rc;
}
