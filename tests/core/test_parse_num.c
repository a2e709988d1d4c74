/* accel__parse_u64 / accel__parse_i64: the numbers of files accel does not control. The
 * limits themselves are accepted, one past them is refused (never wrapped or saturated), and
 * anything but digits is refused. */
#include "test.h"
#include "core/text.h"

#include <stdint.h>

static void u64_ok(const char *s, uint64_t want)
{
    uint64_t v = 12345;
    if (accel__parse_u64(s, &v) != 0 || v != want)
        TEST_FAIL_("accel__parse_u64(\"%s\"): saw %llu, want %llu", s, (unsigned long long)v,
                   (unsigned long long)want);
}

static void u64_bad(const char *s)
{
    uint64_t v = 12345;
    if (accel__parse_u64(s, &v) == 0 || v != 12345)
        TEST_FAIL_("accel__parse_u64(\"%s\") accepted it as %llu", s, (unsigned long long)v);
}

static void i64_ok(const char *s, int64_t want)
{
    int64_t v = 12345;
    if (accel__parse_i64(s, &v) != 0 || v != want)
        TEST_FAIL_("accel__parse_i64(\"%s\"): saw %lld, want %lld", s, (long long)v, (long long)want);
}

static void i64_bad(const char *s)
{
    int64_t v = 12345;
    if (accel__parse_i64(s, &v) == 0 || v != 12345)
        TEST_FAIL_("accel__parse_i64(\"%s\") accepted it as %lld", s, (long long)v);
}

int main(void)
{
    u64_ok("0", 0);
    u64_ok("007", 7);
    u64_ok("18446744073709551615", UINT64_MAX);
    u64_bad("18446744073709551616");
    u64_bad("99999999999999999999");
    u64_bad("");
    u64_bad("-1");
    u64_bad("+1");
    u64_bad(" 1");
    u64_bad("1 ");
    u64_bad("0x10");
    i64_ok("9223372036854775807", INT64_MAX);
    i64_ok("-9223372036854775808", INT64_MIN);
    i64_ok("-0", 0);
    i64_bad("9223372036854775808");
    i64_bad("-9223372036854775809");
    i64_bad("-");
    i64_bad("--1");
    uint64_t v = 0;
    const char *end = NULL;
    ASSERT_EQ_INT(accel__parse_u64_prefix("123 kB", &v, &end), 0);
    ASSERT_EQ_INT(v, 123);
    ASSERT_STR_EQ(end, " kB");
    ASSERT_EQ_INT(accel__parse_u64_prefix("kB", &v, &end), -1);
    TEST_DONE();
}
