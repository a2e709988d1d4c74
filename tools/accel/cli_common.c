/* cli_common.c — what every verb calls (cli.h): error lines, the context, argument names.
 * Apart from main.c so that the verbs also run where main.c is not the program (the Python
 * package's `python -m accel` compiles the read-only verbs with this file). */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

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
