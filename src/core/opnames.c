/* opnames.c — operation names as every caller takes them (opnames.h), and the nearest-name
 * suggestion the CLI also uses for verbs and options.
 *
 * Why presets and families share one resolver: the registry knows operations ("whisper"), the
 * benchmark cases know presets ("whisper-80"), and before this file each verb looked in only
 * one of the two, so `select` refused "whisper-80" and `plan` refused "whisper". */
#include "core/opnames.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* 1 when the case runs a registered operation (not the executor's own "empty" or a case a
 * program added for an operation of its own). */
static int in_registry(const accel__op *op)
{
    return op && accel__op_find(op->name) == op;
}

/* The family's default preset: the first case listed for the operation. */
static const accel__bench_case *default_preset(const accel__op *op)
{
    for (size_t i = 0, n = accel__bench_case_count(); i < n; i++) {
        const accel__bench_case *c = accel__bench_case_at(i);
        if (c && accel__bench_case_op(c) == op) return c;
    }
    return NULL;
}

accel_status accel__op_resolve(const char *name, accel__op_ref *out)
{
    RETURN_ERROR_IF(!out, ACCEL_ERR_INVALID_ARG, "accel__op_resolve: NULL argument");
    memset(out, 0, sizeof *out);
    out->name = name;
    char names[1024];
    if (!name || !*name) {
        accel__op_names(names, sizeof names);
        return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "no operation named; allowed: %s", names);
    }
    const accel__bench_case *c = accel__bench_case_find(name);
    if (c) {
        out->pre = c;
        out->op = accel__bench_case_op(c);
        return ACCEL_OK;
    }
    const accel__op *op = accel__op_find(name);
    if (op) {
        out->op = op;
        out->pre = default_preset(op);
        return ACCEL_OK;
    }
    /* unknown: suggest the closest name, then list them all */
    const char *cands[128];
    size_t n = 0;
    for (size_t i = 0; i < accel__op_count() && n < 128; i++) cands[n++] = accel__op_at(i)->name;
    for (size_t i = 0; i < accel__bench_case_count() && n < 128; i++)
        cands[n++] = accel__bench_case_at(i)->op;
    const char *near = accel__nearest_name(name, cands, n);
    accel__op_names(names, sizeof names);
    if (near)
        return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "unknown operation '%s'; did you mean '%s'? "
                                                "allowed: %s",
                           name, near, names);
    return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "unknown operation '%s'; allowed: %s", name, names);
}

static void put(char *buf, size_t cap, size_t *k, const char *fmt, const char *s)
{
    if (*k >= cap) return;
    int w = snprintf(buf + *k, cap - *k, fmt, s);
    if (w > 0) *k += (size_t)w;
    if (*k >= cap) *k = cap - 1;
}

size_t accel__op_names(char *buf, size_t cap)
{
    if (!cap) return 0;
    size_t k = 0;
    buf[0] = '\0';
    size_t n_cases = accel__bench_case_count();
    for (size_t i = 0; i < accel__op_count(); i++) {
        const accel__op *op = accel__op_at(i);
        put(buf, cap, &k, k ? ", %s" : "%s", op->name);
        int open = 0;
        for (size_t j = 0; j < n_cases; j++) {
            const accel__bench_case *c = accel__bench_case_at(j);
            if (!c || accel__bench_case_op(c) != op || strcmp(c->op, op->name) == 0) continue;
            put(buf, cap, &k, open ? ", %s" : " (%s", c->op);
            open = 1;
        }
        if (open) put(buf, cap, &k, "%s", ")");
    }
    for (size_t j = 0; j < n_cases; j++) {
        const accel__bench_case *c = accel__bench_case_at(j);
        if (!c || in_registry(accel__bench_case_op(c))) continue;
        put(buf, cap, &k, k ? ", %s" : "%s", c->op);
    }
    return k;
}

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring
 * case; words longer than 63 characters are compared on their first 63. */
static int distance(const char *a, const char *b)
{
    enum { M = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n > M - 1) n = M - 1;
    if (m > M - 1) m = M - 1;
    static _Thread_local int d[M][M];
    for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int cost = ca != cb;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

const char *accel__nearest_name(const char *word, const char *const *cands, size_t n)
{
    if (!word || !*word || !cands) return NULL;
    size_t len = strlen(word), dashes = strspn(word, "-");
    /* a unique prefix of at least three characters besides dashes ("--iter", "whisp") */
    const char *prefix = NULL;
    int prefixes = 0;
    for (size_t i = 0; i < n; i++)
        if (cands[i] && len >= dashes + 3 && strlen(cands[i]) > len &&
            strncasecmp(cands[i], word, len) == 0) {
            if (!prefix || strcmp(prefix, cands[i]) != 0) prefixes++;
            prefix = cands[i];
        }
    if (prefixes == 1) return prefix;
    /* the closest word, if close enough: one edit in a short word, two in a longer one,
     * three beyond eight characters */
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL;
    int best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i]) continue;
        int dd = distance(word, cands[i]);
        if (dd < best_d) {
            best_d = dd;
            best = cands[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
