/* serve_util.c — text buffers and answers, shared by the parts of the server. */
#include "serve.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(sv_buf *b, size_t more)
{
    if (b->oom) return -1;
    if (b->n + more + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->n + more + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void sv_buf_reserve(sv_buf *b, size_t n) { grow(b, n); }

void sv_buf_put(sv_buf *b, const void *data, size_t n)
{
    if (grow(b, n) != 0) return;
    memcpy(b->s + b->n, data, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void sv_buf_puts(sv_buf *b, const char *s) { sv_buf_put(b, s, strlen(s)); }

void sv_buf_u64(sv_buf *b, unsigned long long v)
{
    char t[24];
    int k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sv_buf_put(b, t + k, sizeof t - (size_t)k);
}

void sv_buf_printf(sv_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k < sizeof small) {
        sv_buf_put(b, small, (size_t)k);
        return;
    }
    if (grow(b, (size_t)k) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* The length of the well-formed UTF-8 sequence at p (1..4; 1 for ASCII), 0 when p[0] does not
 * start one (core/json.c's rule). */
static size_t utf8_len(const unsigned char *p) { return p[0] < 0x80 ? 1 : (size_t)accel__utf8_len(p); }

void sv_buf_json_str(sv_buf *b, const char *s)
{
    sv_buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            sv_buf_put(b, e, 2);
        } else if (*p < 0x20) {
            sv_buf_printf(b, "\\u%04x", *p);
        } else if (*p < 0x80) {
            sv_buf_put(b, p, 1);
        } else {
            size_t n = utf8_len(p);
            if (n) {
                sv_buf_put(b, p, n);
                p += n - 1;
            } else {
                sv_buf_puts(b, "\\ufffd");
            }
        }
    }
    sv_buf_put(b, "\"", 1);
}

void sv_num_text(char out[32], double v)
{
    if (!isfinite(v)) {
        snprintf(out, 32, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return;
    }
    accel__num_shortest(out, v);
}

void sv_buf_num(sv_buf *b, double v)
{
    char t[32];
    sv_num_text(t, v);
    sv_buf_puts(b, t);
}

void sv_log_escape(char *out, size_t cap, const char *s, size_t n, int field)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    for (size_t i = 0; i < n && p[i]; i++) {
        size_t len = p[i] < 0x80 ? 1 : utf8_len(p + i);
        /* the C1 controls (U+0080..U+009F) act as escape sequences on some terminals */
        int c1 = len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0;
        if (len == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\' && !(field && p[i] == ' ')) {
            if (k + 1 >= cap) break;
            out[k++] = (char)p[i];
        } else if (len > 1 && !c1) {
            if (k + len >= cap) break;
            memcpy(out + k, p + i, len);
            k += len;
            i += len - 1;
        } else if (p[i] == '\\') {
            if (k + 2 >= cap) break;
            out[k++] = '\\';
            out[k++] = '\\';
        } else { /* one byte at a time: a control, DEL, a byte that is not UTF-8, a C1's lead */
            if (k + 4 >= cap) break;
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[p[i] >> 4];
            out[k++] = hex[p[i] & 15];
        }
    }
    if (cap) out[k < cap ? k : cap - 1] = '\0';
}

void sv_log_target(char *out, size_t cap, const char *uri)
{
    if (!cap) return;
    static const char key[] = "access_token=";
    const size_t kn = sizeof key - 1;
    size_t k = 0;
    const char *p = uri ? uri : "";
    const char *query = strchr(p, '?');
    while (*p && k + 1 < cap) {
        /* at the start of a query parameter named access_token: its value is left out */
        int param = query && p > query && (p[-1] == '?' || p[-1] == '&' || p[-1] == ';');
        if (param && !strncmp(p, key, kn)) {
            size_t w = k + kn + 8 < cap ? kn + 8 : cap - 1 - k;
            memcpy(out + k, "access_token=(hidden)", w);
            k += w;
            p += kn + strcspn(p + kn, "&;#");
            continue;
        }
        out[k++] = *p++;
    }
    out[k] = '\0';
}

void sv_answer_header(sv_answer *a, const char *name, const char *fmt, ...)
{
    if (a->n_headers >= SV_MAX_HEADERS) return;
    va_list ap;
    va_start(ap, fmt);
    a->headers[a->n_headers].name = name;
    vsnprintf(a->headers[a->n_headers].value, sizeof a->headers[0].value, fmt, ap);
    va_end(ap);
    a->n_headers++;
}

void sv_answer_error(sv_answer *a, int code, const char *status_name, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sv_buf b = {0};
    sv_buf_printf(&b, "{\"error\": ");
    sv_buf_json_str(&b, msg);
    sv_buf_printf(&b, ", \"code\": %d", code);
    if (status_name) {
        sv_buf_printf(&b, ", \"status\": ");
        sv_buf_json_str(&b, status_name);
    }
    sv_buf_printf(&b, "}\n");
    if (a->body && !a->body_static) free(a->body);
    a->code = code;
    a->ctype = "application/json";
    a->body = b.s;
    a->n = b.oom ? 0 : b.n;
    a->body_static = 0;
    accel__strlcpy(a->note, msg, sizeof a->note);
}

void sv_answer_text(sv_answer *a, int code, const char *ctype, const char *text)
{
    if (a->body && !a->body_static) free(a->body);
    a->code = code;
    a->ctype = ctype;
    a->body = (char *)text;
    a->n = strlen(text);
    a->body_static = 1;
}

void sv_answer_free(sv_answer *a)
{
    if (a->body && !a->body_static) free(a->body);
    a->body = NULL;
    a->n = 0;
}
