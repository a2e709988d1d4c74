/* main.c — the accel command: `accel <verb> [options]`. Verbs are found from the files
 * tools/accel/cmd_<verb>.c at build time (generated cli_verbs.h), so adding a verb touches one
 * new file only. */
#include "cli.h"

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

static void usage(FILE *f)
{
    fprintf(f, "usage: accel <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        fprintf(f, "  %-10s %s\n", verbs[i].name, *verbs[i].help);
    fprintf(f, "\n`accel help <command>` or `accel <command> --help` describes a command's "
               "options.\nEvery command that reports takes --json (JSON on standard output) and "
               "-o FILE (the\nreport written to FILE atomically); tables also take --format "
               "table|json|csv|md.\n");
}

static const verb *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(name, verbs[i].name) == 0) return &verbs[i];
    return NULL;
}

static int unknown_verb(const char *name)
{
    const char *names[sizeof verbs / sizeof *verbs + 1];
    size_t n = 0;
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) names[n++] = verbs[i].name;
    names[n++] = "help";
    cli_error_unknown(NULL, "command", name, names, n);
    return 2;
}

/* `accel help VERB [SUBCOMMAND]`: the verb's own --help. */
static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return 0;
    }
    const verb *v = find_verb(argv[2]);
    if (!v) return unknown_verb(argv[2]);
    char *args[8];
    int n = 0;
    for (int i = 2; i < argc && n < 6; i++) args[n++] = argv[i];
    args[n++] = (char *)"--help";
    args[n] = NULL;
    return v->fn(n, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "help") == 0) return help(argc, argv);
    if (accel_cli_is(argv[1], "--help", "-h")) {
        usage(stdout);
        return 0;
    }
    if (accel_cli_is(argv[1], "--version", NULL)) {
        printf("accel %s\n", accel_version_string());
        return 0;
    }
    const verb *v = find_verb(argv[1]);
    if (v) return v->fn(argc - 1, argv + 1);
    if (argv[1][0] == '-') {
        fprintf(stderr, "accel: error: '%s' before a command (usage: accel <command> "
                        "[options]; see `accel help`)\n",
                argv[1]);
        return 2;
    }
    return unknown_verb(argv[1]);
}
