/* main.c — the accel command: `accel <verb> [options]`. Verbs are found from the files
 * tools/accel/cmd_<verb>.c at build time (generated cli_verbs.h), so adding a verb touches one
 * new file only. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *const *help;
} verb;

static const verb verbs[] = {
#define ACCEL_VERB(n) {#n, accel_cli_##n, &accel_cli_##n##_help},
#include "cli_verbs.h"
#undef ACCEL_VERB
};

void accel_cli_error(const char *verb_name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "accel %s: error: ", verb_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int accel_cli_is(const char *arg, const char *a, const char *b)
{
    return (a && strcmp(arg, a) == 0) || (b && strcmp(arg, b) == 0);
}

accel_ctx *accel_cli_open(unsigned flags)
{
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, NULL, 0, flags);
    if (st != ACCEL_OK) {
        fprintf(stderr, "accel: error: %s\n", accel_last_error(NULL)[0] ? accel_last_error(NULL)
                                                                        : accel_strerror(st));
        return NULL;
    }
    return ctx;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: accel <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        fprintf(f, "  %-10s %s\n", verbs[i].name, *verbs[i].help);
    fprintf(f, "\n`accel <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || accel_cli_is(argv[1], "help", "--help") || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (accel_cli_is(argv[1], "--version", NULL)) {
        printf("accel %s\n", accel_version_string());
        return 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(argv[1], verbs[i].name) == 0) return verbs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "accel: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
