/* json.c — a streaming JSON writer. Every JSON document accel prints goes through it, so
 * escaping and number formatting are right in one place. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void accel__json_init(accel__json *j, FILE *f, int pretty)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->pretty = pretty;
}

static void indent(accel__json *j)
{
    if (!j->pretty) return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

int accel__utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    int n;
    unsigned lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (int i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

/* A JSON string. Text that is not UTF-8 (a file name is any bytes but '/' and NUL) would make
 * the document invalid: each such byte is written as the lone surrogate U+DC80..U+DCFF, as
 * Python's "surrogateescape" reads it, so `os.fsencode(json.loads(...)["path"])` gives the
 * original bytes back. */
static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else if (*p < 0x80)
                fputc(*p, f);
            else {
                int n = accel__utf8_len(p);
                if (n == 0)
                    fprintf(f, "\\udc%02x", *p);
                else {
                    fwrite(p, 1, (size_t)n, f);
                    p += n - 1;
                }
            }
        }
    }
    fputc('"', f);
}

static void key(accel__json *j, const char *k)
{
    if (j->depth > 0 && j->need_comma[j->depth]) fputc(',', j->f);
    if (j->depth > 0) indent(j);
    j->need_comma[j->depth] = 1;
    if (k) {
        put_string(j->f, k);
        fputs(j->pretty ? ": " : ":", j->f);
    }
}

static void open_(accel__json *j, const char *k, char c)
{
    key(j, k);
    fputc(c, j->f);
    if (j->depth < 31) j->depth++;
    j->need_comma[j->depth] = 0;
}

static void close_(accel__json *j, char c)
{
    int had = j->need_comma[j->depth];
    if (j->depth > 0) j->depth--;
    if (had) indent(j);
    fputc(c, j->f);
}

void accel__json_begin_object(accel__json *j, const char *k) { open_(j, k, '{'); }
void accel__json_end_object(accel__json *j) { close_(j, '}'); }
void accel__json_begin_array(accel__json *j, const char *k) { open_(j, k, '['); }
void accel__json_end_array(accel__json *j) { close_(j, ']'); }

void accel__json_str(accel__json *j, const char *k, const char *v)
{
    key(j, k);
    if (v)
        put_string(j->f, v);
    else
        fputs("null", j->f);
}

void accel__json_int(accel__json *j, const char *k, long long v)
{
    key(j, k);
    fprintf(j->f, "%lld", v);
}

void accel__json_num(accel__json *j, const char *k, double v)
{
    key(j, k);
    if (isnan(v) || isinf(v)) {
        fputs("null", j->f);
        return;
    }
    char buf[32];
    accel__num_shortest(buf, v);
    fputs(buf, j->f);
}

void accel__num_shortest(char out[32], double v)
{
    /* 1.937, not 1.9370000000000001 */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, 32, "%.*g", digits, v);
        if (strtod(out, NULL) == v) break;
    }
}

void accel__json_bool(accel__json *j, const char *k, int v)
{
    key(j, k);
    fputs(v ? "true" : "false", j->f);
}

void accel__json_null(accel__json *j, const char *k)
{
    key(j, k);
    fputs("null", j->f);
}

void accel__json_finish(accel__json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
}
