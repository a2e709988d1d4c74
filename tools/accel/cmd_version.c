/* cmd_version.c — `accel version`: the library's and the tool's versions. */
#include "cli.h"

const char *const accel_cli_version_help = "print the version";

int accel_cli_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        accel_cli_error("version", "takes no options");
        return 2;
    }
    printf("accel %s (library %u)\n", accel_version_string(), accel_version_number());
    return 0;
}
