/* cli.h — what the verbs of the accel tool share. Each verb lives in cmd_<verb>.c and
 * defines `int accel_cli_<verb>(int argc, char **argv)` (argv[0] is the verb) plus
 * `const char *accel_cli_<verb>_help` (one line for `accel help`). It describes its options in
 * a cli_verb table and parses them with cli_parse, and writes its report through cli_out
 * (cli_opts.h), so that every verb spells options, help and outputs the same way.
 * Exit codes: 0 success, 1 warnings or partial failure (as each verb documents), 2 usage or
 * configuration error (an unwritable -o FILE included). */
#ifndef ACCEL_CLI_H
#define ACCEL_CLI_H

#include "accel.h"
#include "cli_device.h"
#include "cli_opts.h"
#include "core/internal.h"

#define ACCEL_VERB(n)                       \
    int accel_cli_##n(int argc, char **argv); \
    extern const char *const accel_cli_##n##_help;
#include "cli_verbs.h"
#undef ACCEL_VERB

/* Creates a context for `verb`, or returns NULL after printing "accel VERB: error: …" with
 * *exit_status the verb's status for it: 2 for a bad setting (a usage error), 1 for any other
 * failure (a configuration file that cannot be read, out of memory), as in
 * accel_cli_open_device. */
accel_ctx *accel_cli_open(const char *verb, unsigned flags, int *exit_status);

/* A context that runs on `d` (cli_device.h), created with `flags` and the setting
 * accel_cli_device_setting writes. With `cpu_alone`, the CPU by name adds
 * ACCEL_CTX_NO_DISCOVERY: no GPU stack is loaded, and the CPU is then device 0 of the run; without it every device is discovered, so the indices a report prints
 * are those of `accel devices`. Returns NULL after printing "accel VERB: error: …";
 * *usage_error is then 1 for a configuration error (exit 2). */
accel_ctx *accel_cli_open_device(const char *verb, const accel_cli_device *d, unsigned flags,
                                 int cpu_alone, int *usage_error);

/* For a verb that names the device in its report (plan, stats): 0 when `ctx` has the device
 * `d` names (auto always); else 2 after printing "accel VERB: error: --device D: no such device"
 * or "no usable KIND device", followed by the devices this machine has. */
int accel_cli_device_check(const char *verb, accel_ctx *ctx, const accel_cli_device *d);

/* Prints "accel <verb>: error: <msg>" to stderr. */
void accel_cli_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when both paths name one existing file (same device and inode: hard and symbolic links
 * count); "-" (standard input or output) is no file. */
int accel_cli_same_file(const char *a, const char *b);
/* -o OUT whose name gives no type the verb writes: "-o OUT: unsupported output type '.txt'
 * (allowed: ALLOWED)", or "a name without an extension". Returns 2. */
int accel_cli_out_type_refused(const char *verb, const char *out, const char *allowed);
/* -o - for binary data: refused (2, after the error) when standard output is a terminal. */
int accel_cli_binary_stdout_refused(const char *verb);
/* 1 when paths a and b name the same place, existing or not: the same file name in the same
 * directory (after symbolic links and "..", by realpath), or one existing file under two
 * names; "-" is no place. */
int accel_cli_same_place(const char *a, const char *b);

/* Now in UTC, to the millisecond, as the access log and `accel top --json` print it:
 * "2026-12-07T14:48:09.123Z" (24 characters and the NUL). */
void accel_cli_utc_now(char out[32]);

/* 1 when argv[i] equals any of the names (NULL-terminated list). */
int accel_cli_is(const char *arg, const char *a, const char *b);

/* A program made of verbs: the accel binary (main.c), and `python -m accel`, which has the
 * read-only ones (python/src/cli.c). */
typedef struct accel_cli_verb {
    const char *name;
    int (*fn)(int, char **);
    const char *const *help;
} accel_cli_verb;
typedef struct accel_cli_program {
    const char *name;             /* "accel", "python -m accel": in usage errors */
    const accel_cli_verb *verbs;
    size_t n_verbs;
    void (*usage)(FILE *f);       /* the program's usage and verb list */
    int (*unknown)(const char *); /* an unknown verb: its error, the exit code (NULL: the
                                   * suggestion among the verbs and "help", exit 2) */
} accel_cli_program;

/* Runs one command line, args[0..n-1] being what follows the program's name: a verb and its
 * arguments, `help [VERB [SUBCOMMAND]]`, --help/-h or --version. Returns the exit code. */
int accel_cli_run(const accel_cli_program *p, int n, char **args);

#endif
