/* serve_util.c — text buffers and answers, shared by the parts of the server. */
#include "serve.h"

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

void sv_buf_json_str(sv_buf *b, const char *s)
{
    sv_buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            sv_buf_put(b, e, 2);
        } else if (*p < 0x20) {
            sv_buf_printf(b, "\\u%04x", *p);
        } else {
            sv_buf_put(b, p, 1);
        }
    }
    sv_buf_put(b, "\"", 1);
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
