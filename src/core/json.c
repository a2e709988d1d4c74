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
            else
                fputc(*p, f);
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
    /* the shortest form that reads back as the same double: 1.937, not 1.9370000000000001 */
    char buf[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, j->f);
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
