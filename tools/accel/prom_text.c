/* prom_text.c — the reader of prom_text.h. One line at a time:
 *   name{key="value",…} value [timestamp]
 * with label values escaped as \\, \" and \n. */
#include "prom_text.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int name_char(int c, int first)
{
    return isalpha(c) || c == '_' || c == ':' || (!first && isdigit(c));
}

/* Parses one sample line [p, end); 0 or -1. */
static int parse_line(const char *p, const char *end, prom_sample *s)
{
    memset(s, 0, sizeof s->name + sizeof s->n_labels);
    s->n_labels = 0;
    size_t k = 0;
    if (p >= end || !name_char((unsigned char)*p, 1)) return -1;
    while (p < end && name_char((unsigned char)*p, 0)) {
        if (k + 1 >= sizeof s->name) return -1;
        s->name[k++] = *p++;
    }
    s->name[k] = '\0';
    if (p < end && *p == '{') {
        p++;
        for (;;) {
            while (p < end && (*p == ' ' || *p == ',')) p++;
            if (p < end && *p == '}') {
                p++;
                break;
            }
            if (s->n_labels >= PROM_MAX_LABELS) return -1;
            char *key = s->labels[s->n_labels].key, *val = s->labels[s->n_labels].value;
            k = 0;
            if (p >= end || !name_char((unsigned char)*p, 1)) return -1;
            while (p < end && name_char((unsigned char)*p, 0)) {
                if (k + 1 >= sizeof s->labels[0].key) return -1;
                key[k++] = *p++;
            }
            key[k] = '\0';
            while (p < end && *p == ' ') p++;
            if (p + 1 >= end || *p != '=' || p[1] != '"') return -1;
            p += 2;
            k = 0;
            for (;;) {
                if (p >= end) return -1;
                char c = *p++;
                if (c == '"') break;
                if (c == '\\') {
                    if (p >= end) return -1;
                    c = *p++;
                    if (c == 'n') c = '\n';
                    else if (c != '\\' && c != '"') return -1;
                }
                if (k + 1 >= sizeof s->labels[0].value) return -1;
                val[k++] = c;
            }
            val[k] = '\0';
            s->n_labels++;
        }
    }
    if (p >= end || (*p != ' ' && *p != '\t')) return -1;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    char num[64];
    k = 0;
    while (p < end && *p != ' ' && *p != '\t') {
        if (k + 1 >= sizeof num) return -1;
        num[k++] = *p++;
    }
    num[k] = '\0';
    if (!k) return -1;
    if (!strcmp(num, "+Inf")) s->value = INFINITY;
    else if (!strcmp(num, "-Inf")) s->value = -INFINITY;
    else if (!strcmp(num, "NaN")) s->value = NAN;
    else {
        char *e;
        s->value = strtod(num, &e);
        if (*e) return -1;
    }
    return 0; /* a timestamp may follow; it is not used */
}

size_t prom_parse(const char *text, size_t n, void (*fn)(const prom_sample *, void *), void *arg,
                  size_t *bad)
{
    size_t count = 0, wrong = 0;
    const char *p = text, *end = text + n;
    prom_sample *s = malloc(sizeof *s);
    if (!s) return 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t')) q++;
        const char *e = eol;
        if (e > q && e[-1] == '\r') e--;
        if (q < e && *q != '#') {
            if (parse_line(q, e, s) == 0) {
                count++;
                if (fn) fn(s, arg);
            } else {
                wrong++;
            }
        }
        p = eol + 1;
    }
    free(s);
    if (bad) *bad = wrong;
    return count;
}

const char *prom_label(const prom_sample *s, const char *key)
{
    for (int i = 0; i < s->n_labels; i++)
        if (!strcmp(s->labels[i].key, key)) return s->labels[i].value;
    return NULL;
}
