/* `accel serve` in a build without libmicrohttpd: the verb is still there (its help works),
 * and running it says it is not built in and which Debian package to install, exit 1. This
 * program links cmd_serve.c compiled without ACCEL_HAVE_MICROHTTPD, whatever the build has. */
#include "test.h"

#include "cli.h"

#include <unistd.h>

/* Runs the verb with stderr (or stdout) captured into buf. */
static int run(char **argv, int argc, int fd, char *buf, size_t cap)
{
    test_capture c;
    test_capture_begin(&c, fd);
    int rc = accel_cli_serve(argc, argv);
    test_capture_end(&c, buf, cap);
    return rc;
}

int main(void)
{
    char out[8192];
    char *serve[] = {"serve", NULL};
    ASSERT_EQ_INT(run(serve, 1, 2, out, sizeof out), 1);
    ASSERT_CONTAINS(out, "accel serve: error: this accel was built without libmicrohttpd");
    ASSERT_CONTAINS(out, "install the Debian package libmicrohttpd-dev");
    char *help[] = {"serve", "--help", NULL};
    ASSERT_EQ_INT(run(help, 2, 1, out, sizeof out), 0);
    ASSERT_CONTAINS(out, "usage: accel serve [--listen HOST:PORT]");
    char *bad[] = {"serve", "--lisen", "x", NULL};
    ASSERT_EQ_INT(run(bad, 3, 2, out, sizeof out), 2);
    ASSERT_CONTAINS(out, "did you mean '--listen'?");
    /* a value is checked before the verb says it is not built in: a usage error stays one */
    char *device[] = {"serve", "--device", "tpu", NULL};
    ASSERT_EQ_INT(run(device, 3, 2, out, sizeof out), 2);
    ASSERT_CONTAINS(out, "accel serve: error: --device tpu: unknown device");
    TEST_DONE();
}
