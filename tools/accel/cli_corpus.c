/* cli_corpus.c — --manifest, --shard, --resume and --log for every multi-file verb
 * (cli_corpus.h). */
#include "cli_corpus.h"
#include "cli.h"
#include "ops/audio/audio_internal.h"
#include "ops/corpus/corpus_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
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

/* The partial file of an audio output is watched while it is written, so that SIGINT or
 * SIGTERM leave nothing behind (SIGKILL cannot be caught: --resume removes what it leaves). */
static char watched[4200];

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
    enum { BATCH = 16 };
    accel_corpus_item *items = calloc(BATCH, sizeof *items);
    if (!items) {
        accel_run_log_close(log);
        accel_cli_error(verb, "out of memory");
        return 2;
    }
    int rc = 0;
    /* one input per call where its output is streamed (audio: the partial file is watched),
     * a batch where inputs are decoded together (images) */
    char probe[4200];
    size_t per_call = accel__corpus_streams(step) ? 1 : BATCH;
    for (size_t i0 = 0; i0 < cc->n && rc == 0; i0 += per_call) {
        size_t m = cc->n - i0 < per_call ? cc->n - i0 : per_call;
        for (size_t j = 0; j < m; j++) items[j].struct_size = sizeof items[j];
        if (per_call == 1 && accel_corpus_output(step, cc->inputs[i0], probe, sizeof probe) == ACCEL_OK) {
            accel__audio_partial_path(probe, watched, sizeof watched);
            cli_remove_on_signal(watched);
        }
        accel_corpus_run(step, cc->inputs + i0, m, items);
        if (per_call == 1) cli_keep_on_signal(watched);
        for (size_t j = 0; j < m; j++) {
            const accel_corpus_item *it = &items[j];
            if (it->status == ACCEL_ITEM_FAILED) {
                (*failed)++;
                if (cc->bar) fprintf(stderr, "\r%*s\r", 80, ""); /* off the progress bar's line */
                accel_cli_error(verb, "%s", it->error);
            }
            if (accel_run_log_item(log, it) != ACCEL_OK) {
                accel_cli_error(verb, "%s", accel_last_error(NULL));
                rc = 2;
            }
            if (each) each(it, arg);
        }
    }
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
