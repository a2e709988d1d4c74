/* text.c — the growable text of text.h. */
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for n more bytes and the NUL; 0 on success. */
static int reserve(accel__text *t, size_t n)
{
    if (t->oom) return -1;
    if (t->len + n + 1 <= t->cap) return 0;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + n + 1) {
        if (cap > ((size_t)-1) / 2) {
            t->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *s = realloc(t->s, cap);
    if (!s) {
        t->oom = 1;
        return -1;
    }
    t->s = s;
    t->cap = cap;
    return 0;
}

void accel__text_put(accel__text *t, const void *data, size_t n)
{
    if (reserve(t, n) != 0) return;
    if (n) memcpy(t->s + t->len, data, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void accel__text_puts(accel__text *t, const char *s) { accel__text_put(t, s, strlen(s)); }

void accel__text_printf(accel__text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(t, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void accel__text_free(accel__text *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}

int accel__parse_u64_prefix(const char *s, uint64_t *out, const char **end)
{
    if (!s || *s < '0' || *s > '9') return -1;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    if (end) *end = s;
    return 0;
}

int accel__parse_u64(const char *s, uint64_t *out)
{
    uint64_t v;
    const char *e;
    if (accel__parse_u64_prefix(s, &v, &e) != 0 || *e) return -1;
    *out = v;
    return 0;
}

int accel__parse_i64(const char *s, int64_t *out)
{
    if (!s) return -1;
    int neg = *s == '-';
    uint64_t v;
    if (accel__parse_u64(s + neg, &v) != 0) return -1;
    /* INT64_MIN's magnitude is one more than INT64_MAX */
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg) return -1;
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

int accel__list_has_empty(const char *list)
{
    size_t n = strlen(list);
    return !n || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,") != NULL;
}
