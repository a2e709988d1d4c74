/* The readers `accel top --url` uses on what a server sends: the Prometheus text reader
 * (prom_text.c) and the HTTP response parser and URL parser (http_get.c), on good and bad
 * bytes; and a GET to a port where nobody listens. */
#include "test.h"

#include "http_get.h"
#include "prom_text.h"

#include <math.h>

typedef struct {
    prom_sample s[16];
    size_t n;
} seen;

static void keep(const prom_sample *s, void *arg)
{
    seen *v = arg;
    if (v->n < 16) v->s[v->n++] = *s;
}

static void prom(void)
{
    const char *text =
        "# HELP accel_ready 1 once ready.\n"
        "# TYPE accel_ready gauge\n"
        "accel_ready 1\n"
        "accel_operation_calls_total{operation=\"whisper-80\",device=\"0\",kind=\"cuda\"} 12\n"
        "  accel_x{a=\"q\\\"uote\\\\back\\nline\",} 2.5e3 1700000000000\r\n"
        "accel_inf +Inf\n"
        "accel_nan NaN\n"
        "\n"
        "bad line without value\n"
        "accel_y{a=\"unterminated} 1\n"
        "accel_z{a=\"\\x\"} 1\n"
        "9starts_with_digit 1\n"
        "accel_w 12abc\n";
    seen v = {0};
    size_t bad = 0;
    size_t n = prom_parse(text, strlen(text), keep, &v, &bad);
    ASSERT_EQ_INT(n, 5);
    ASSERT_EQ_INT(bad, 5);
    ASSERT_STR_EQ(v.s[0].name, "accel_ready");
    ASSERT_NEAR(v.s[0].value, 1, 0);
    ASSERT_STR_EQ(prom_label(&v.s[1], "operation"), "whisper-80");
    ASSERT_STR_EQ(prom_label(&v.s[1], "kind"), "cuda");
    ASSERT_TRUE(prom_label(&v.s[1], "nope") == NULL);
    ASSERT_STR_EQ(prom_label(&v.s[2], "a"), "q\"uote\\back\nline");
    ASSERT_NEAR(v.s[2].value, 2500, 0);
    ASSERT_TRUE(isinf(v.s[3].value) && v.s[3].value > 0);
    ASSERT_TRUE(isnan(v.s[4].value));
    /* a buffer that ends inside a line, with no terminating NUL after it */
    char cut[] = {'a', 'b', '{', 'c', '=', '"', 'd'};
    n = prom_parse(cut, sizeof cut, keep, &v, &bad);
    ASSERT_EQ_INT(n, 0);
    ASSERT_EQ_INT(bad, 1);
}

static void response(void)
{
    http_response r;
    char err[200];
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
    ASSERT_EQ_INT(http_parse_response(ok, strlen(ok), &r, err, sizeof err), 0);
    ASSERT_EQ_INT(r.status, 200);
    ASSERT_STR_EQ(r.body, "hello");
    http_response_free(&r);
    const char *chunked = "HTTP/1.1 401 Unauthorized\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\n\r\n";
    ASSERT_EQ_INT(http_parse_response(chunked, strlen(chunked), &r, err, sizeof err), 0);
    ASSERT_EQ_INT(r.status, 401);
    ASSERT_STR_EQ(r.body, "abcdefg");
    http_response_free(&r);
    const char *to_end = "HTTP/1.0 200 OK\n\nall of it";
    ASSERT_EQ_INT(http_parse_response(to_end, strlen(to_end), &r, err, sizeof err), 0);
    ASSERT_STR_EQ(r.body, "all of it");
    http_response_free(&r);
    struct {
        const char *bytes, *why;
    } bad[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", "ends after 5 of its 50 bytes"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello", "malformed or too large Content-Length"},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "malformed or too large"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nabc", "ends inside a chunk"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk header"},
        {"HTTP/1.1 200 OK\r\nno end of headers", "headers do not end"},
        {"SSH-2.0-OpenSSH", "not an HTTP/1.x response"},
        {"", "not an HTTP/1.x response"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ASSERT_EQ_INT(http_parse_response(bad[i].bytes, strlen(bad[i].bytes), &r, err, sizeof err), -1);
        ASSERT_CONTAINS(err, bad[i].why);
    }
}

static void urls(void)
{
    http_url u;
    char err[200];
    ASSERT_EQ_INT(http_url_parse("http://127.0.0.1:8765", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(u.host, "127.0.0.1");
    ASSERT_STR_EQ(u.port, "8765");
    ASSERT_STR_EQ(u.path, "");
    ASSERT_EQ_INT(http_url_parse("http://[::1]:9/accel/", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(u.host, "::1");
    ASSERT_STR_EQ(u.path, "/accel");
    ASSERT_EQ_INT(http_url_parse("http://gpu-7.example", &u, err, sizeof err), 0);
    ASSERT_STR_EQ(u.port, "80");
    ASSERT_EQ_INT(http_url_parse("https://x", &u, err, sizeof err), -1);
    ASSERT_CONTAINS(err, "only http://");
    ASSERT_EQ_INT(http_url_parse("http://x:99999", &u, err, sizeof err), -1);
    ASSERT_CONTAINS(err, "1..65535");
    ASSERT_EQ_INT(http_url_parse("http://[::1", &u, err, sizeof err), -1);
    ASSERT_EQ_INT(http_url_parse("http://", &u, err, sizeof err), -1);
    ASSERT_EQ_INT(http_url_parse("http://x@y", &u, err, sizeof err), -1);
    /* nobody listens on port 1 of loopback */
    ASSERT_EQ_INT(http_url_parse("http://127.0.0.1:1", &u, err, sizeof err), 0);
    http_response r;
    ASSERT_EQ_INT(http_get(&u, "/metrics", NULL, 2000, &r, err, sizeof err), -1);
    ASSERT_CONTAINS(err, "Connection refused");
}

int main(void)
{
    prom();
    response();
    urls();
    TEST_DONE();
}
