/* main.c — the accel command: `accel <verb> [options]`. Verbs are found from the files
 * tools/accel/cmd_<verb>.c at build time (generated cli_verbs.h), so adding a verb touches one
 * new file only. */
#include "cli.h"

#include <signal.h>

static const accel_cli_verb verbs[] = {
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

int main(int argc, char **argv)
{
    /* A file size limit (ulimit -f) fails the write that passes it with EFBIG, which is
     * reported and cleaned up like a full disk, instead of ending the process with SIGXFSZ
     * halfway through a batch and leaving its partial file behind. */
    signal(SIGXFSZ, SIG_IGN);
    static const accel_cli_program accel = {"accel", verbs, sizeof verbs / sizeof *verbs, usage, NULL};
    return accel_cli_run(&accel, argc - 1, argv + 1);
}
