/* cmd_doctor.c — `accel doctor [--json] [--no-cache] [-o FILE]`: what is wrong with this
 * machine's accelerator stack and how to fix it (see docs/doctor.md). Exit code 0 when nothing
 * needs fixing (checks pass or are informational), 1 when the worst finding is a warning, 2
 * when a failure prevents GPU use (and 2 for a usage error). */
#include "cli.h"
#include "discover/doctor.h"

#include <string.h>

const char *const accel_cli_doctor_help =
    "check the GPU stack and say how to fix it ([--json] [--no-cache] [-o FILE])";

enum { O_JSON, O_NO_CACHE, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_JSON] = {"--json", NULL, CLI_FLAG, NULL,
                "print the report as JSON (docs/doctor.md) on standard output", 0, 0, NULL, 0},
    [O_NO_CACHE] = CLI_OPT_NO_CACHE,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "doctor",
    .synopsis = "[--json] [--no-cache] [-o FILE]",
    .about = "One line per check: PASS, INFO (nothing to fix here), WARN or FAIL, the "
             "component, what was seen, and the fix.",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 nothing to fix, 1 warnings only, 2 a failure that prevents GPU use (or a "
              "usage error)",
};

int accel_cli_doctor(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    accel__doc_options opt = {0};
    opt.no_cache = a.v[O_NO_CACHE].set > 0;
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, -1, O_OUTPUT) != 0) return 2;
    opt.progress = stderr; /* "waiting for CUDA probe (calling cuInit)…" when a probe is slow */
    accel__doc_report *r = NULL;
    if (accel__doctor_run(&opt, &r) != ACCEL_OK) {
        accel_cli_error("doctor", "%s", accel_last_error(NULL));
        cli_out_discard(&o);
        return 2;
    }
    if (o.fmt == CLI_FMT_JSON)
        accel__doctor_print_json(r, o.f);
    else
        accel__doctor_print_text(r, o.f);
    if (cli_out_text(&o)) accel__doctor_print_text(r, stdout);
    int rc = accel__doctor_exit_code(r);
    accel__doctor_free(r);
    int wc = cli_out_close(&o);
    return wc ? wc : rc;
}
