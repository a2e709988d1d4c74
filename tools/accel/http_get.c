/* http_get.c — the GET of http_get.h. The response comes from whatever answers at the URL,
 * so the parser trusts nothing: sizes are checked against what arrived, the body is
 * limited (16 MiB), chunk sizes are bounded, and every failure is a message, never a crash. */
#include "http_get.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE (16u << 20)

int http_url_parse(const char *url, http_url *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (strncasecmp(url, "http://", 7) != 0) {
        snprintf(err, cap, "%s: only http://HOST[:PORT][/PATH] URLs are read", url);
        return -1;
    }
    const char *h = url + 7, *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end || end == h + 1) {
            snprintf(err, cap, "%s: an IPv6 address needs its closing ']'", url);
            return -1;
        }
        if ((size_t)(end - h - 1) >= sizeof out->host) goto long_host;
        memcpy(out->host, h + 1, (size_t)(end - h - 1));
        end++;
    } else {
        end = h + strcspn(h, ":/?#");
        if (end == h) {
            snprintf(err, cap, "%s: no host", url);
            return -1;
        }
        if ((size_t)(end - h) >= sizeof out->host) goto long_host;
        memcpy(out->host, h, (size_t)(end - h));
        for (const char *c = out->host; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_') {
                snprintf(err, cap, "%s: '%c' in the host name (user names and passwords are "
                                   "not taken)", url, *c);
                return -1;
            }
    }
    snprintf(out->port, sizeof out->port, "80");
    if (*end == ':') {
        const char *p = end + 1;
        size_t k = strspn(p, "0123456789");
        long port = k && k < 6 ? strtol(p, NULL, 10) : -1;
        if (port < 1 || port > 65535) {
            snprintf(err, cap, "%s: the port is not a number 1..65535", url);
            return -1;
        }
        snprintf(out->port, sizeof out->port, "%ld", port);
        end = p + k;
    }
    if (*end && *end != '/') {
        snprintf(err, cap, "%s: unexpected '%c' after the host", url, *end);
        return -1;
    }
    const char *path = *end ? end : "/";
    size_t pl = strcspn(path, "?#");
    if (pl >= sizeof out->path) {
        snprintf(err, cap, "%s: the path is too long", url);
        return -1;
    }
    memcpy(out->path, path, pl);
    /* the base path without its trailing '/': requests append "/metrics" */
    while (pl > 0 && out->path[pl - 1] == '/') out->path[--pl] = '\0';
    return 0;
long_host:
    snprintf(err, cap, "%s: the host name is too long", url);
    return -1;
}

void http_response_free(http_response *r)
{
    free(r->body);
    r->body = NULL;
    r->n = 0;
}

/* A header's value in the header block [h, h_end), or NULL. */
static const char *header(const char *h, const char *h_end, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    while (h < h_end) {
        const char *eol = memchr(h, '\n', (size_t)(h_end - h));
        if (!eol) eol = h_end;
        if ((size_t)(eol - h) > nl && !strncasecmp(h, name, nl) && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            const char *e = eol;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
            *len = (size_t)(e - v);
            return v;
        }
        h = eol + 1;
    }
    return NULL;
}

static int dechunk(const char *p, const char *end, char *out, size_t *n, char *err, size_t cap)
{
    size_t k = 0;
    for (;;) {
        size_t size = 0;
        int digits = 0;
        while (p < end && isxdigit((unsigned char)*p)) {
            if (size > MAX_RESPONSE) {
                snprintf(err, cap, "a chunk larger than %u bytes", MAX_RESPONSE);
                return -1;
            }
            int c = tolower((unsigned char)*p++);
            size = size * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
            digits++;
        }
        const char *eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (!digits || !eol) {
            snprintf(err, cap, "a malformed chunk header");
            return -1;
        }
        p = eol + 1;
        if (size == 0) break;
        if ((size_t)(end - p) < size || k + size > MAX_RESPONSE) {
            snprintf(err, cap, "the response ends inside a chunk");
            return -1;
        }
        memcpy(out + k, p, size);
        k += size;
        p += size;
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') p++;
    }
    *n = k;
    return 0;
}

int http_parse_response(const char *data, size_t n, http_response *resp, char *err, size_t cap)
{
    memset(resp, 0, sizeof *resp);
    const char *end = data + n;
    if (n < 12 || strncmp(data, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)data[9]) ||
        !isdigit((unsigned char)data[10]) || !isdigit((unsigned char)data[11])) {
        snprintf(err, cap, "not an HTTP/1.x response");
        return -1;
    }
    resp->status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
    const char *h = memchr(data, '\n', n);
    const char *body = NULL;
    for (const char *p = h; p && p < end; p = memchr(p + 1, '\n', (size_t)(end - p - 1))) {
        if (p + 1 < end && p[1] == '\n') {
            body = p + 2;
            break;
        }
        if (p + 2 < end && p[1] == '\r' && p[2] == '\n') {
            body = p + 3;
            break;
        }
        if (p + 1 >= end) break;
    }
    if (!h || !body) {
        snprintf(err, cap, "the response's headers do not end");
        return -1;
    }
    size_t len = 0;
    const char *te = header(h + 1, body, "Transfer-Encoding", &len);
    int chunked = te && len >= 7 && !strncasecmp(te + len - 7, "chunked", 7);
    const char *cl = header(h + 1, body, "Content-Length", &len);
    size_t avail = (size_t)(end - body), want = avail;
    if (!chunked && cl) {
        size_t v = 0;
        for (size_t i = 0; i < len; i++) {
            if (!isdigit((unsigned char)cl[i]) || v > MAX_RESPONSE) {
                snprintf(err, cap, "a malformed or too large Content-Length");
                return -1;
            }
            v = v * 10 + (size_t)(cl[i] - '0');
        }
        if (v > avail) {
            snprintf(err, cap, "the response ends after %zu of its %zu bytes", avail, v);
            return -1;
        }
        want = v;
    }
    resp->body = malloc(want + 1);
    if (!resp->body) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    if (chunked) {
        if (dechunk(body, end, resp->body, &resp->n, err, cap) != 0) {
            http_response_free(resp);
            return -1;
        }
    } else {
        memcpy(resp->body, body, want);
        resp->n = want;
    }
    resp->body[resp->n] = '\0';
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits for `events` on fd until the deadline; 0 ready, -1 timed out, failed or interrupted:
 * a signal the caller catches (accel top's SIGINT and SIGTERM) ends the wait, so that the
 * caller can quit rather than wait out the deadline. */
static int wait_fd(int fd, short events, double deadline)
{
    for (;;) {
        double left = deadline - now_ms();
        if (left <= 0) return -1;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)left + 1);
        if (r > 0) return 0;
        if (r < 0) return -1;
    }
}

int http_get(const http_url *url, const char *path, const char *token, int timeout_ms,
             http_response *resp, char *err, size_t cap)
{
    memset(resp, 0, sizeof *resp);
    double deadline = now_ms() + timeout_ms;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int e = getaddrinfo(url->host, url->port, &hints, &res);
    if (e) {
        snprintf(err, cap, "cannot resolve %s: %s", url->host, gai_strerror(e));
        return -1;
    }
    int fd = -1, why = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            int ok = errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0;
            int soerr = ETIMEDOUT;
            socklen_t sl = sizeof soerr;
            if (ok) getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (!ok || soerr) {
                why = ok ? soerr : errno == EINPROGRESS ? ETIMEDOUT : errno;
                close(fd);
                fd = -1;
            }
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, cap, "%s", strerror(why));
        return -1;
    }
    char req[2048];
    int k = snprintf(req, sizeof req,
                     "GET %s%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nConnection: close\r\n"
                     "Accept: text/plain, application/json\r\nUser-Agent: accel-top\r\n%s%s%s\r\n",
                     url->path, path, strchr(url->host, ':') ? "[" : "", url->host,
                     strchr(url->host, ':') ? "]" : "", url->port, token && token[0] ? "Authorization: Bearer " : "",
                     token && token[0] ? token : "", token && token[0] ? "\r\n" : "");
    for (int off = 0; off < k;) {
        if (wait_fd(fd, POLLOUT, deadline) != 0) {
            close(fd);
            snprintf(err, cap, "timed out sending the request");
            return -1;
        }
        ssize_t w = send(fd, req + off, (size_t)(k - off), MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN) continue;
        if (w <= 0) {
            close(fd);
            snprintf(err, cap, "%s", strerror(errno));
            return -1;
        }
        off += (int)w;
    }
    size_t cap_b = 65536, n = 0;
    char *buf = malloc(cap_b);
    int rc = -1;
    while (buf) {
        if (wait_fd(fd, POLLIN, deadline) != 0) {
            snprintf(err, cap, "timed out reading the response");
            break;
        }
        if (n + 4096 > cap_b) {
            if (cap_b >= MAX_RESPONSE) {
                snprintf(err, cap, "the response is larger than %u bytes", MAX_RESPONSE);
                break;
            }
            char *b = realloc(buf, cap_b * 2);
            if (!b) break;
            buf = b;
            cap_b *= 2;
        }
        ssize_t r = recv(fd, buf + n, cap_b - n, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r < 0) {
            snprintf(err, cap, "%s", strerror(errno));
            break;
        }
        if (r == 0) {
            rc = http_parse_response(buf, n, resp, err, cap);
            break;
        }
        n += (size_t)r;
    }
    free(buf);
    close(fd);
    return rc;
}
