/* test.h — assertions that say what they saw (both values, file and line). */
#ifndef ACCEL_TEST_H
#define ACCEL_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

static int accel_test_failures = 0;

#define TEST_FAIL_(...)                                        \
    do {                                                       \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);  \
        fprintf(stderr, __VA_ARGS__);                          \
        fputc('\n', stderr);                                   \
        accel_test_failures++;                                 \
    } while (0)

#define ASSERT_TRUE(c)                                         \
    do {                                                       \
        if (!(c)) TEST_FAIL_("expected true: %s", #c);         \
    } while (0)
#define ASSERT_EQ_INT(a, b)                                                                \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        if (a_ != b_) TEST_FAIL_("%s == %s: saw %lld and %lld", #a, #b, a_, b_);           \
    } while (0)
#define ASSERT_NE_INT(a, b)                                                                \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        if (a_ == b_) TEST_FAIL_("%s != %s: both %lld", #a, #b, a_);                       \
    } while (0)
#define ASSERT_STATUS(expr, want)                                                          \
    do {                                                                                   \
        accel_status s_ = (expr);                                                          \
        if (s_ != (want))                                                                  \
            TEST_FAIL_("%s: saw %s, want %s (%s)", #expr, accel_status_name(s_),           \
                       accel_status_name(want), accel_last_error(NULL));                   \
    } while (0)
#define ASSERT_OK(expr) ASSERT_STATUS(expr, ACCEL_OK)
#define ASSERT_STR_EQ(a, b)                                                                \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                             \
            TEST_FAIL_("%s == %s: saw \"%s\" and \"%s\"", #a, #b, a_ ? a_ : "(null)",      \
                       b_ ? b_ : "(null)");                                                \
    } while (0)
#define ASSERT_CONTAINS(hay, needle)                                                       \
    do {                                                                                   \
        const char *h_ = (hay), *n_ = (needle);                                            \
        if (!h_ || !strstr(h_, n_))                                                        \
            TEST_FAIL_("%s contains \"%s\": saw \"%s\"", #hay, n_, h_ ? h_ : "(null)");    \
    } while (0)
#define ASSERT_NEAR(a, b, tol)                                                             \
    do {                                                                                   \
        double a_ = (double)(a), b_ = (double)(b);                                         \
        if (!(fabs(a_ - b_) <= (tol)))                                                     \
            TEST_FAIL_("|%s - %s| <= %g: saw %.9g and %.9g", #a, #b, (double)(tol), a_, b_); \
    } while (0)

/* Skip: needs absent hardware or tools. */
#define TEST_SKIP(...)                                         \
    do {                                                       \
        fprintf(stderr, "SKIP: ");                             \
        fprintf(stderr, __VA_ARGS__);                          \
        fputc('\n', stderr);                                   \
        exit(77);                                              \
    } while (0)

#define TEST_DONE()                                                          \
    do {                                                                     \
        if (accel_test_failures) {                                           \
            fprintf(stderr, "%d assertion(s) failed\n", accel_test_failures); \
            return 1;                                                        \
        }                                                                    \
        return 0;                                                            \
    } while (0)

/* Captures what is written to descriptor fd (1 or 2, where libraries print) into a temporary
 * file until test_capture_end, which restores fd and puts what was written into buf (at most
 * cap − 1 bytes, NUL-terminated). */
#include <unistd.h>

typedef struct test_capture {
    int fd, saved;
    FILE *tmp;
} test_capture;

static inline void test_capture_begin(test_capture *c, int fd)
{
    fflush(NULL);
    c->fd = fd;
    c->tmp = tmpfile();
    c->saved = c->tmp ? dup(fd) : -1;
    if (c->saved < 0 || dup2(fileno(c->tmp), fd) != fd) TEST_FAIL_("cannot capture descriptor %d", fd);
}

static inline void test_capture_end(test_capture *c, char *buf, size_t cap)
{
    fflush(NULL);
    buf[0] = '\0';
    if (c->saved >= 0) {
        dup2(c->saved, c->fd);
        close(c->saved);
    }
    if (!c->tmp) return;
    rewind(c->tmp);
    size_t n = fread(buf, 1, cap - 1, c->tmp);
    buf[n] = '\0';
    fclose(c->tmp);
}

#endif
