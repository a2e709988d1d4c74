/* cmd_version.c — `accel version`: the library's and the tool's versions. */
#include "cli.h"

const char *const accel_cli_version_help = "print the version ([--json] [-o FILE])";

enum { O_JSON, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_JSON] = CLI_OPT_JSON,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "version",
    .synopsis = "[--json] [-o FILE]",
    .about = "Prints accel's version and the library's version number "
             "(major·10000 + minor·100 + patch).",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0; 2 usage error",
};

static void report(FILE *f, int json)
{
    if (!json) {
        fprintf(f, "accel %s (library %u)\n", accel_version_string(), accel_version_number());
        return;
    }
    accel__json j;
    accel__json_init(&j, f, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "version", accel_version_string());
    accel__json_int(&j, "version_number", accel_version_number());
    accel__json_end_object(&j);
    accel__json_finish(&j);
}

int accel_cli_version(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, -1, O_OUTPUT) != 0) return 2;
    report(o.f, o.fmt == CLI_FMT_JSON);
    if (cli_out_text(&o)) report(stdout, 0);
    return cli_out_close(&o);
}
