/* cli_opts.h — the options and outputs every verb shares.
 *
 * A verb describes its options once, in a table (cli_opt); cli_parse() reads the command line
 * from it and cli_help() prints the help from it, so the two cannot disagree. What the parser
 * does for every verb:
 *   - `--opt value` and `--opt=value`; aliases (`--operation` for `--op`); `--x`/`--no-x` for
 *     switches; `--` ends the options;
 *   - typed values checked on the spot, the error naming the option, the value and what is
 *     allowed ("--iterations 0: expected a whole number 1..1000000");
 *   - an unknown option names the nearest one ("did you mean '--iterations'?") and lists them;
 *   - `-h`/`--help` prints the verb's help and exits 0.
 *
 * Outputs (cli_out): `--json` prints JSON on standard output; `--format table|json|csv|md`
 * for table-shaped reports; `-o FILE` writes the report to FILE atomically (a temporary file
 * in the same directory, renamed when complete; nothing is left behind on failure) and then
 * shows the human-readable form on standard output unless that is what FILE holds.
 * `-o -` is standard output. */
#ifndef ACCEL_CLI_OPTS_H
#define ACCEL_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CLI_FLAG,   /* no value */
    CLI_SWITCH, /* --x sets 1, --no-x sets 0 */
    CLI_STR,    /* any text */
    CLI_INT,    /* a whole number in [min, max] (max < min: no upper bound) */
    CLI_NUM,    /* a finite number in [min, max], or (min, max] with CLI_MIN_EXCLUSIVE */
    CLI_CHOICE, /* one of `choices` ("table|json|csv|md") */
} cli_type;

#define CLI_OPTIONAL_VALUE 1u /* the value may be left out: `--demo` or `--demo 5` */
#define CLI_MIN_EXCLUSIVE 2u  /* CLI_NUM: the minimum itself is not allowed */

typedef struct cli_opt {
    const char *name;    /* "--op" */
    const char *aliases; /* "--operation", several separated by '|', or NULL */
    cli_type type;
    const char *arg;     /* the value in the help: "NAME", "N", "FILE" */
    const char *help;    /* what it does, "(default …)"; '\n' starts a continuation line */
    double min, max;     /* CLI_INT, CLI_NUM */
    const char *choices; /* CLI_CHOICE */
    unsigned flags;
} cli_opt;

/* The options every verb spells the same way. */
#define CLI_OPT_OP(help_) {"--op", "--operation", CLI_STR, "NAME", help_, 0, 0, NULL, 0}
#define CLI_OPT_JSON {"--json", NULL, CLI_FLAG, NULL, "print the report as JSON on standard output", 0, 0, NULL, 0}
#define CLI_OPT_OUTPUT                                                                      \
    {"-o", "--output", CLI_STR, "FILE",                                                     \
     "write the report to FILE (atomically; - for standard output)", 0, 0, NULL, 0}
#define CLI_OPT_FORMAT                                                                      \
    {"--format", NULL, CLI_CHOICE, "table|json|csv|md", "the report's format (default table)", \
     0, 0, "table|json|csv|md", 0}
/* --device D of a verb that runs on one device: auto, a kind, an index or a PCI bus id
 * (cli_device.h, accel_cli_device_parse, reads it); `more_` ends the help: the default, or a
 * setting. */
#define CLI_OPT_DEVICE(more_)                                                               \
    {"--device", NULL, CLI_STR, "D",                                                        \
     "auto (the policy's choice), a kind (cpu, cuda, rocm, opencl,\n"                       \
     "metal), a device index or a PCI bus id (`accel devices`); " more_, 0, 0, NULL, 0}
#define CLI_OPT_NO_CACHE                                                                    \
    {"--no-cache", NULL, CLI_FLAG, NULL, "probe every vendor stack afresh, ignoring cached " \
     "verdicts", 0, 0, NULL, 0}

/* The options of every multi-file verb (audio features, image quality, image blob): corpus
 * runs (docs/cli.md, "Corpus runs"; cli_corpus.h reads them). */
#define CLI_OPT_MANIFEST                                                                    \
    {"--manifest", NULL, CLI_STR, "FILE",                                                   \
     "more inputs: one path per line, or CSV with a 'path' column\n"                        \
     "(- for standard input); added after the FILE operands", 0, 0, NULL, 0}
#define CLI_OPT_SHARD                                                                       \
    {"--shard", NULL, CLI_STR, "I/N|auto",                                                  \
     "only the inputs of shard I of N (0-based: 0/4 … 3/4): FNV-1a 64\n"                    \
     "of the path as written, mod N; auto: Slurm's SLURM_ARRAY_TASK_ID\n"                   \
     "- SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT", 0, 0, NULL, 0}
#define CLI_OPT_RESUME                                                                      \
    {"--resume", NULL, CLI_FLAG, NULL,                                                      \
     "skip inputs whose output is complete (header and size checked);\n"                    \
     "remove the partial files of killed runs", 0, 0, NULL, 0}
#define CLI_OPT_LOG                                                                         \
    {"--log", NULL, CLI_STR, "FILE",                                                        \
     "append a JSON line per input and a summary line to FILE", 0, 0, NULL, 0}

typedef struct cli_verb {
    const char *name;     /* "bench", "audio vad" */
    const char *synopsis; /* after "usage: accel NAME ": "--op NAME [options]" */
    const char *about;    /* paragraph(s) after the usage line, or NULL */
    const cli_opt *opts;
    size_t n_opts;
    const char *operands; /* "FILE...": operands allowed; NULL: none */
    const char *footer;   /* "exit status: …", or NULL */
} cli_verb;

#define CLI_MAX_OPTS 40

typedef struct cli_value {
    int set;          /* times given */
    const char *s;    /* the value as given (NULL for a flag, or an optional value left out) */
    long long i;      /* CLI_INT */
    double d;         /* CLI_NUM */
    int on;           /* CLI_SWITCH: 1 --x, 0 --no-x */
    const char *as;   /* the option's canonical name once given ("--op" for --operation) */
} cli_value;

typedef struct cli_args {
    cli_value v[CLI_MAX_OPTS];
    const char **operands; /* malloc'd; the strings are argv's */
    size_t n_operands;
} cli_args;

enum { CLI_OK = 0, CLI_HELP = 1, CLI_USAGE = 2 };

/* Parses argv[1..argc-1] (argv[0] is the verb). CLI_HELP: the help was printed on standard
 * output (exit 0); CLI_USAGE: an error was printed on standard error (exit 2). Free with
 * cli_args_free in every case. */
int cli_parse(const cli_verb *verb, int argc, char **argv, cli_args *a);
void cli_args_free(cli_args *a);
void cli_help(const cli_verb *verb, FILE *f);

/* Values an option's text holds beyond one number (the option table checks the rest):
 * cli_parse_wxh reads "WxH" (or "WXH"): two whole numbers in lo..hi, digits only, e.g.
 * "224x224"; cli_parse_floats reads exactly n comma-separated finite numbers that a float
 * holds, e.g. landmarks "202,98,248,97,…". Both return 0, or -1 (outputs untouched) when the
 * text is anything else. */
int cli_parse_wxh(const char *s, int lo, int hi, int *w, int *h);
int cli_parse_floats(const char *s, float *out, int n);

/* "accel VERB: error: …" followed by "did you mean 'X'?" when `word` is close to one of the
 * candidates, and then "(allowed: …)" listing them all. */
void cli_error_unknown(const char *verb, const char *what, const char *word,
                       const char *const *cands, size_t n);

/* ---- outputs ----------------------------------------------------------------------------- */

typedef enum { CLI_FMT_TABLE, CLI_FMT_JSON, CLI_FMT_CSV, CLI_FMT_MD } cli_format;

typedef struct cli_out {
    const char *verb;
    cli_format fmt;
    const char *path; /* -o FILE, NULL for standard output */
    FILE *f;          /* the report's stream once opened */
    char tmp[4096];   /* the temporary file while it is being written */
    int direct;       /* FILE is a FIFO or a device (/dev/null): written in place, no rename */
    char error[512];  /* what cli_out_close printed when it failed ("cannot write …"), for a
                         verb that reports it in its JSON too */
} cli_out;

/* From the parsed options (indices into the verb's table; -1 when the verb lacks one):
 * --json and --format must agree. Opens the report's stream at once, so that an unwritable
 * -o fails before any work is done. Returns 0, or 2 after printing the error. */
int cli_out_open(cli_out *o, const char *verb, const cli_args *a, int i_json, int i_format,
                 int i_output);
/* The same for a file named otherwise (`bench --svg FILE`): NULL or "-" is standard output. */
int cli_out_open_file(cli_out *o, const char *verb, const char *path, cli_format fmt);
/* Where the human-readable form goes besides the report: standard output when the report goes
 * to a file in another format, NULL otherwise. */
FILE *cli_out_text(const cli_out *o);
/* Completes the report: flushes, syncs and renames the temporary file over FILE (a FIFO or a
 * device is written in place; standard output or error under another name, /dev/stdout, is
 * that stream). On failure removes it and prints "cannot write FILE: reason". A failed write
 * to standard output (a full disk behind `>`) fails too. Returns 0 or 2. */
int cli_out_close(cli_out *o);
/* Removes the unfinished report (on an error before it was written). */
void cli_out_discard(cli_out *o);
/* A file being written that SIGINT, SIGTERM, SIGHUP or SIGPIPE must not leave behind: the
 * handler removes it, then the process dies of the signal as it would have (a signal the
 * process was started with ignored stays ignored). cli_out does this for its temporary file;
 * a verb that writes data files of its own (`audio features`, a corpus run's outputs) calls it
 * for each. Up to 24 at once; cli_keep_on_signal ends the watch (the file was renamed or
 * removed). */
void cli_remove_on_signal(const char *path);
void cli_keep_on_signal(const char *path);
/* `report` (async-signal-safe: write(), no stdio, no malloc) runs when such a signal ends the
 * process, after the files are removed; NULL: none. */
void cli_report_on_signal(void (*report)(int sig));

/* A table for the table, csv and md formats: cells are copied. */
typedef struct cli_table {
    size_t ncol;
    const char *const *head;
    const char *align; /* per column: 'l' or 'r' */
    char **cells;      /* row-major */
    size_t nrow, cap;
} cli_table;

void cli_table_init(cli_table *t, size_t ncol, const char *const *head, const char *align);
/* Adds a row of ncol cells (NULL → ""). */
void cli_table_add(cli_table *t, const char *const *cells);
/* table: columns as wide as their widest cell, two spaces apart; csv: RFC 4180; md: a pipe
 * table. */
void cli_table_write(const cli_table *t, cli_format fmt, FILE *f);
void cli_table_free(cli_table *t);

#endif
