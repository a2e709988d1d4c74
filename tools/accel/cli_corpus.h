/* cli_corpus.h — corpus runs on the command line: what --manifest, --shard, --resume and --log
 * (cli_opts.h's CLI_OPT_MANIFEST …) do in every multi-file verb, over the library's per-item
 * step (accel_corpus_*, include/accel.h). A verb gathers its inputs with cli_corpus_open and
 * runs them with cli_corpus_run, printing each item's result through its callback; the
 * checks, the clean-up of killed runs, resume and the log are the same for every verb. */
#ifndef ACCEL_CLI_CORPUS_H
#define ACCEL_CLI_CORPUS_H

#include "accel.h"
#include "cli_opts.h"

typedef struct cli_corpus {
    const char **all;      /* the operands, then the manifest's paths (malloc'd array) */
    size_t n_all;
    const char **inputs;   /* those of this shard, in the same order */
    size_t n;
    accel_manifest *manifest;
    uint32_t shard, shards; /* 0/1 without --shard */
    int resume;
    const char *log;       /* --log FILE or NULL */
    int active;            /* any of the four given: outputs go to a directory */
    int checked;           /* the verb ran accel_corpus_check already */
    int bar;               /* the verb draws a progress bar on standard error */
    int out_file;          /* -o names the one output file: --resume would make it a directory */
    const char *manifest_path; /* --manifest FILE or NULL */
} cli_corpus;

/* Indices of the four options in a verb's table. */
typedef struct cli_corpus_opts {
    int manifest, shard, resume, log;
} cli_corpus_opts;

/* Reads the operands and --manifest, and takes --shard's share. Returns 0, or 2 after printing
 * the error (a manifest that cannot be read or parsed, a bad --shard). Free with
 * cli_corpus_free in every case. */
int cli_corpus_open(cli_corpus *cc, const char *verb, const cli_args *a, cli_corpus_opts ix);
void cli_corpus_free(cli_corpus *cc);

/* Called for each item in input order, after it is logged. */
typedef void (*cli_corpus_item_fn)(const accel_corpus_item *it, void *arg);

/* Runs `step` over the shard's inputs: refuses colliding outputs (over all inputs, so every
 * shard agrees: exit 2), removes the partial files of killed runs (--resume), runs the items
 * (audio one by one, images in batches), logs each (--log), prints each failure on standard
 * error, calls `each`, and ends the log with its summary. *failed gets the failures; *sum the
 * summary (struct_size 0 when the run stopped before its first input). Returns 0, or 2 for a
 * usage error (collisions, a log that cannot be written or names one of the run's files). */
int cli_corpus_run(cli_corpus *cc, const char *verb, accel_corpus *step, cli_corpus_item_fn each,
                   void *arg, size_t *failed, accel_run_summary *sum);

/* The progress bar of a multi-file verb on standard error (when `on`: a terminal and several
 * inputs): "[###   ] done/total name" on one line fitted to the terminal's width, the end of
 * a long name kept; a newline once done == total. cli_progress_clear blanks the line before
 * other output goes to the terminal. */
void cli_progress(int on, size_t done, size_t total, const char *name);
void cli_progress_clear(int on);

#endif
