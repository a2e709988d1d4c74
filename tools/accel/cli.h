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
#include "cli_opts.h"
#include "core/internal.h"

#define ACCEL_VERB(n)                       \
    int accel_cli_##n(int argc, char **argv); \
    extern const char *const accel_cli_##n##_help;
#include "cli_verbs.h"
#undef ACCEL_VERB

/* Creates a context, printing "accel: error: …" and returning NULL on failure (a bad
 * configuration value is a usage error: exit 2). */
accel_ctx *accel_cli_open(unsigned flags);

/* Prints "accel <verb>: error: <msg>" to stderr. */
void accel_cli_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when argv[i] equals any of the names (NULL-terminated list). */
int accel_cli_is(const char *arg, const char *a, const char *b);

#endif
