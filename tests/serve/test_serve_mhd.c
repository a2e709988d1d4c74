/* test_serve_mhd.c — libmicrohttpd is opened with dlopen when `accel serve` starts, not linked
 * (serve/serve_mhd.h): a soname that is not installed gives an error naming the library, the
 * loader's reason and the Debian package to install, and the table stays unusable; the real
 * one fills every entry point. And the `accel` program does not link it (its other verbs must
 * not load it): checked on the built binary's dynamic section. */
#include "test.h"

#include "serve/serve_mhd.h"

#include <stdlib.h>
#include <string.h>

static void not_installed(void)
{
    /* a child process: the library's table is loaded once per process */
    sv_mhd_set_soname("libmicrohttpd-not-installed.so.99");
    ASSERT_STATUS(sv_mhd_load(), ACCEL_ERR_UNAVAILABLE);
    const char *e = accel_last_error(NULL);
    ASSERT_CONTAINS(e, "libmicrohttpd is not available");
    ASSERT_CONTAINS(e, "libmicrohttpd-not-installed.so.99");
    ASSERT_CONTAINS(e, "install libmicrohttpd12");
    ASSERT_TRUE(((void **)&sv_mhd_fn)[0] == NULL); /* MHD_start_daemon */
    /* asked again: the same answer, nothing retried half-way */
    ASSERT_STATUS(sv_mhd_load(), ACCEL_ERR_UNAVAILABLE);
    ASSERT_CONTAINS(accel_last_error(NULL), "install libmicrohttpd12");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--missing")) {
        not_installed();
        TEST_DONE();
    }
    ASSERT_OK(sv_mhd_load());
    void **slot = (void **)&sv_mhd_fn;
    for (size_t i = 0; i < sizeof sv_mhd_fn / sizeof(void *); i++) ASSERT_TRUE(slot[i] != NULL);
    ASSERT_OK(sv_mhd_load()); /* once */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s --missing", argv[0]);
    ASSERT_EQ_INT(system(cmd), 0);
    if (argc > 1) { /* the accel program: no NEEDED entry for libmicrohttpd */
        snprintf(cmd, sizeof cmd, "readelf -d '%s' | grep -q 'NEEDED.*libmicrohttpd'", argv[1]);
        ASSERT_TRUE(system(cmd) != 0);
        snprintf(cmd, sizeof cmd, "readelf -d '%s' | grep -q 'NEEDED.*libc\\.so'", argv[1]);
        ASSERT_EQ_INT(system(cmd), 0); /* the check itself reads the section */
    }
    TEST_DONE();
}
