/* cmd_doctor.c — `accel doctor [--json] [--no-cache]`: what is wrong with this machine's
 * accelerator stack and how to fix it (see docs/doctor.md). Exit code 0 when nothing needs
 * fixing (checks pass or are informational), 1 when the worst finding is a warning, 2 when a
 * failure prevents GPU use (and 2 for a usage error). */
#include "cli.h"
#include "discover/doctor.h"

#include <string.h>

const char *const accel_cli_doctor_help =
    "check the GPU stack and say how to fix it ([--json] [--no-cache])";

int accel_cli_doctor(int argc, char **argv)
{
    accel__doc_options opt = {0};
    opt.progress = stderr; /* "waiting for CUDA probe (calling cuInit)…" when a probe is slow */
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (accel_cli_is(argv[i], "--json", NULL)) {
            json = 1;
        } else if (accel_cli_is(argv[i], "--no-cache", NULL)) {
            opt.no_cache = 1;
        } else if (accel_cli_is(argv[i], "--help", "-h")) {
            printf("usage: accel doctor [--json] [--no-cache]\n"
                   "  One line per check: PASS, INFO (nothing to fix here), WARN or FAIL, the\n"
                   "  component, what was seen, and the fix. --json prints the report as JSON\n"
                   "  (schema_version %d, see docs/doctor.md); --no-cache probes every vendor\n"
                   "  stack afresh.\n"
                   "  Exit code: 0 nothing to fix, 1 warnings only, 2 a failure that prevents GPU\n"
                   "  use.\n",
                   ACCEL__DOCTOR_SCHEMA_VERSION);
            return 0;
        } else {
            accel_cli_error("doctor", "unknown option '%s' (allowed: --json, --no-cache)",
                            argv[i]);
            return 2;
        }
    }
    accel__doc_report *r = NULL;
    if (accel__doctor_run(&opt, &r) != ACCEL_OK) {
        accel_cli_error("doctor", "%s", accel_last_error(NULL));
        return 2;
    }
    if (json)
        accel__doctor_print_json(r, stdout);
    else
        accel__doctor_print_text(r, stdout);
    int rc = accel__doctor_exit_code(r);
    accel__doctor_free(r);
    return rc;
}
