/* serve_util.c: what accel serve writes of text it did not choose. The access log's escaping
 * (a request target or a message quoting it must not forge a line or reach a terminal as
 * control bytes) and the token a target may carry, JSON strings that stay UTF-8 whatever bytes a client or a driver gave, and
 * numbers in the fewest digits that read back the same (as the CLI prints them). */
#include "test.h"

#include "serve/serve.h"

#include <stdlib.h>
#include <string.h>

static const char *esc(const char *s, int field)
{
    static char out[256];
    sv_log_escape(out, sizeof out, s, strlen(s), field);
    return out;
}

static void log_escape(void)
{
    ASSERT_STR_EQ(esc("/status?x=1", 1), "/status?x=1");
    /* a line feed would start a forged line; ESC would drive the terminal tailing the log */
    ASSERT_STR_EQ(esc("no endpoint /x\nFAKE 200\x1b[31m", 0), "no endpoint /x\\x0aFAKE 200\\x1b[31m");
    ASSERT_STR_EQ(esc("a\rb\tc\x7f", 0), "a\\x0db\\x09c\\x7f");
    ASSERT_STR_EQ(esc("a\\x0a", 0), "a\\\\x0a"); /* a backslash is doubled: escapes stay unambiguous */
    ASSERT_STR_EQ(esc("GET /a b", 1), "GET\\x20/a\\x20b"); /* a field's spaces */
    ASSERT_STR_EQ(esc("GET /a b", 0), "GET /a b");
    /* UTF-8 stays readable; what is not UTF-8, and the C1 controls (CSI is U+009B), does not */
    ASSERT_STR_EQ(esc("caf\xc3\xa9 \xe2\x82\xac", 0), "caf\xc3\xa9 \xe2\x82\xac");
    ASSERT_STR_EQ(esc("\xff\xfe", 0), "\\xff\\xfe");
    ASSERT_STR_EQ(esc("\xc2\x9b" "31m", 0), "\\xc2\\x9b31m");
    ASSERT_STR_EQ(esc("\xe2\x82", 0), "\\xe2\\x82"); /* cut short */
    ASSERT_STR_EQ(esc("\xc0\xaf", 0), "\\xc0\\xaf"); /* overlong '/' */
    ASSERT_STR_EQ(esc("\xed\xa0\x80", 0), "\\xed\\xa0\\x80"); /* a surrogate */
    /* n bytes at most, and never past the output */
    char out[8];
    sv_log_escape(out, sizeof out, "abcdefghij", 3, 0);
    ASSERT_STR_EQ(out, "abc");
    sv_log_escape(out, sizeof out, "abcdefghij", 10, 0);
    ASSERT_STR_EQ(out, "abcdefg");
    sv_log_escape(out, sizeof out, "ab\n\n", 4, 0);
    ASSERT_STR_EQ(out, "ab\\x0a"); /* an escape is written whole or not at all */
}

static const char *target(const char *uri, size_t cap)
{
    static char out[256];
    sv_log_target(out, cap, uri);
    return out;
}

/* a bearer token sent as RFC 6750 §2.3's query parameter is not written to the log */
static void log_target(void)
{
    ASSERT_STR_EQ(target("/status?x=1", 256), "/status?x=1");
    ASSERT_STR_EQ(target("/status?access_token=s3cret-token-0123", 256), "/status?access_token=(hidden)");
    ASSERT_STR_EQ(target("/m?a=1&access_token=t0k;access_token=t1k#f", 256),
                  "/m?a=1&access_token=(hidden);access_token=(hidden)#f");
    ASSERT_STR_EQ(target("/m?access_token=", 256), "/m?access_token=(hidden)");
    ASSERT_STR_EQ(target("/access_token=x?xaccess_token=y", 256), "/access_token=x?xaccess_token=y");
    ASSERT_STR_EQ(target("/m?access_token=secret", 12), "/m?access_t"); /* cut short, never past */
    ASSERT_STR_EQ(target("/m?access_token=secret", 20), "/m?access_token=(hi");
    ASSERT_STR_EQ(target("", 256), "");
}

static void json_strings(void)
{
    sv_buf b = {0};
    sv_buf_json_str(&b, "a\"b\\c\n\x01 caf\xc3\xa9 \xff x\xe2\x82");
    ASSERT_STR_EQ(b.s, "\"a\\\"b\\\\c\\u000a\\u0001 caf\xc3\xa9 \\ufffd x\\ufffd\\ufffd\"");
    free(b.s);
}

static const char *num(double v)
{
    static char t[32];
    sv_num_text(t, v);
    return t;
}

static void numbers(void)
{
    ASSERT_STR_EQ(num(3.3), "3.3"); /* not 3.2999999999999998 */
    ASSERT_STR_EQ(num(0.1 + 0.2), "0.30000000000000004");
    ASSERT_STR_EQ(num(0.5), "0.5");
    ASSERT_STR_EQ(num(1e-7), "1e-07");
    ASSERT_STR_EQ(num(123456789.125), "123456789.125");
    ASSERT_STR_EQ(num(-2.5), "-2.5");
    ASSERT_STR_EQ(num(1.0 / 3.0), "0.3333333333333333");
    ASSERT_STR_EQ(num(1e300), "1e+300");
    sv_buf b = {0};
    sv_buf_num(&b, 0.640625);
    ASSERT_STR_EQ(b.s, "0.640625");
    free(b.s);
}

int main(void)
{
    log_escape();
    log_target();
    json_strings();
    numbers();
    TEST_DONE();
}
