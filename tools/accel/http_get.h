/* http_get.h — a small HTTP/1.1 GET for `accel top --url`: plain http, one request per
 * connection, a time limit on every step. Just enough to read a running `accel serve`'s
 * /metrics without another library; the response parser is separate (http_parse_response)
 * so that it can be tested and fuzzed on bytes. */
#ifndef ACCEL_HTTP_GET_H
#define ACCEL_HTTP_GET_H

#include <stddef.h>

typedef struct http_url {
    char host[256];  /* "127.0.0.1", "::1", "gpu-7.example" */
    char port[8];    /* "80" when not given */
    char path[1024]; /* "/" when not given; the base path of the server */
} http_url;

/* Parses "http://HOST[:PORT][/PATH]" ("[v6]" for an IPv6 address). -1 with a reason in err. */
int http_url_parse(const char *url, http_url *out, char *err, size_t cap);

typedef struct http_response {
    int status;    /* 200 */
    char *body;    /* malloc'd, NUL-terminated */
    size_t n;
} http_response;

/* Parses a whole response (status line, headers, a body by Content-Length, chunked, or to
 * the end). 0, or -1 with a reason in err. resp->body is malloc'd. */
int http_parse_response(const char *data, size_t n, http_response *resp, char *err, size_t cap);

/* GET url's path + `path` ("/metrics"), with `Authorization: Bearer token` when token is not
 * NULL or "", within timeout_ms. 0, or -1 with the reason in err ("connection refused"). A
 * signal caught while it waits for the server ends it (-1) before timeout_ms. */
int http_get(const http_url *url, const char *path, const char *token, int timeout_ms,
             http_response *resp, char *err, size_t cap);

void http_response_free(http_response *r);

#endif
