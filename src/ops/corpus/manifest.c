/* manifest.c — the list of inputs of a corpus run (accel_manifest_read): one path per line, or
 * CSV with a `path` column. The text comes from whoever made the manifest, so every byte is
 * checked: a NUL, an unterminated quote, a record without its path are errors naming the
 * manifest and the line, never a path cut short or a silently skipped input. */
#include "corpus_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_PATH_LEN 4095 /* PATH_MAX less its NUL: no system call takes a longer one */

struct accel_manifest {
    char *arena;    /* the paths, each NUL-terminated */
    size_t used, cap;
    size_t *off;    /* where path i starts in arena */
    size_t *line;   /* the line it starts on */
    size_t n, ncap;
};

static accel_status add_path(accel_manifest *m, const char *name, size_t line, const char *p,
                             size_t len)
{
    RETURN_ERROR_IF(len == 0, ACCEL_ERR_FORMAT, "manifest '%s', line %zu: empty path", name, line);
    RETURN_ERROR_IF(len > MAX_PATH_LEN, ACCEL_ERR_FORMAT,
                    "manifest '%s', line %zu: path of %zu bytes (at most %d)", name, line, len,
                    MAX_PATH_LEN);
    if (m->used + len + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->used + len + 1) cap *= 2;
        char *a = realloc(m->arena, cap);
        RETURN_ERROR_IF(!a, ACCEL_ERR_NO_MEMORY, "manifest '%s': out of memory", name);
        m->arena = a, m->cap = cap;
    }
    if (m->n == m->ncap) {
        size_t cap = m->ncap ? m->ncap * 2 : 256;
        size_t *o = realloc(m->off, cap * sizeof *o);
        if (o) m->off = o;
        size_t *l = o ? realloc(m->line, cap * sizeof *l) : NULL;
        if (l) m->line = l;
        RETURN_ERROR_IF(!o || !l, ACCEL_ERR_NO_MEMORY, "manifest '%s': out of memory", name);
        m->ncap = cap;
    }
    memcpy(m->arena + m->used, p, len);
    m->arena[m->used + len] = '\0';
    m->off[m->n] = m->used;
    m->line[m->n++] = line;
    m->used += len + 1;
    return ACCEL_OK;
}

static int blank(const char *p, const char *e)
{
    for (; p < e; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r') return 0;
    return 1;
}

/* ---- CSV (RFC 4180) ---- */

typedef struct {
    char *buf;         /* the fields of the record, unquoted, each NUL-terminated */
    size_t used, cap;
    size_t *start;     /* field i at buf + start[i] */
    size_t n, ncap;
} csv_rec;

static int rec_put(csv_rec *r, char c)
{
    if (r->used + 1 > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char *b = realloc(r->buf, cap);
        if (!b) return -1;
        r->buf = b, r->cap = cap;
    }
    r->buf[r->used++] = c;
    return 0;
}

static int rec_field(csv_rec *r)
{
    if (r->n == r->ncap) {
        size_t cap = r->ncap ? r->ncap * 2 : 16;
        size_t *s = realloc(r->start, cap * sizeof *s);
        if (!s) return -1;
        r->start = s, r->ncap = cap;
    }
    r->start[r->n++] = r->used;
    return 0;
}

/* Reads one record starting at *pp (not past e); *line counts the line breaks consumed.
 * Leaves *pp after the record's line break. */
static accel_status csv_record(const char *name, const char **pp, const char *e, size_t *line,
                               csv_rec *r)
{
    const char *p = *pp;
    size_t first = *line;
    r->used = 0;
    r->n = 0;
    for (;;) {
        if (rec_field(r)) return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "manifest '%s': out of memory", name);
        if (p < e && *p == '"') {
            size_t qline = *line;
            p++;
            for (;;) {
                RETURN_ERROR_IF(p >= e, ACCEL_ERR_FORMAT,
                                "manifest '%s', line %zu: unterminated quoted field", name, qline);
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        if (rec_put(r, '"')) goto oom;
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n') (*line)++;
                if (rec_put(r, *p++)) goto oom;
            }
            if (p < e && *p == '\r' && (p + 1 == e || p[1] == '\n')) p++;
            RETURN_ERROR_IF(p < e && *p != ',' && *p != '\n', ACCEL_ERR_FORMAT,
                            "manifest '%s', line %zu: text after a closing quote (a field is "
                            "either quoted whole or not at all)", name, *line);
        } else {
            while (p < e && *p != ',' && *p != '\n') {
                RETURN_ERROR_IF(*p == '"', ACCEL_ERR_FORMAT,
                                "manifest '%s', line %zu: a quote inside an unquoted field (quote "
                                "the whole field and double the quote: \"a\"\"b\")", name, *line);
                if (*p == '\r' && (p + 1 == e || p[1] == '\n')) {
                    p++;
                    continue;
                }
                if (rec_put(r, *p++)) goto oom;
            }
        }
        if (rec_put(r, '\0')) goto oom;
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e) { /* '\n' */
            p++;
            (*line)++;
        }
        break;
    }
    (void)first;
    *pp = p;
    return ACCEL_OK;
oom:
    return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "manifest '%s': out of memory", name);
}

/* The text of field i with surrounding spaces removed, for the header's names. */
static int is_path_column(const char *f)
{
    while (*f == ' ' || *f == '\t') f++;
    size_t n = strlen(f);
    while (n && (f[n - 1] == ' ' || f[n - 1] == '\t')) n--;
    return n == 4 && strncasecmp(f, "path", 4) == 0;
}

static accel_status parse_csv(accel_manifest *m, const char *name, const char *p, const char *e,
                              size_t line, int by_name)
{
    csv_rec r = {0};
    accel_status st = ACCEL_OK;
    /* the header: the first record that is not blank */
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        if (!blank(p, le)) break;
        p = nl ? nl + 1 : e;
        line++;
    }
    size_t hline = line;
    st = csv_record(name, &p, e, &line, &r);
    long col = -1;
    for (size_t i = 0; st == ACCEL_OK && i < r.n && col < 0; i++)
        if (is_path_column(r.buf + r.start[i])) col = (long)i;
    if (st == ACCEL_OK && col < 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT,
                         "manifest '%s', line %zu: %s has no 'path' column (a CSV manifest's "
                         "first line names its columns, one of them 'path')",
                         name, hline, by_name ? "this .csv file's header" : "the header");
    }
    size_t ncols = r.n;
    while (st == ACCEL_OK && p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        if (blank(p, le)) {
            p = nl ? nl + 1 : e;
            line++;
            continue;
        }
        size_t rline = line;
        st = csv_record(name, &p, e, &line, &r);
        if (st != ACCEL_OK) break;
        if ((long)r.n <= col) {
            st = ACCEL_ERROR(ACCEL_ERR_FORMAT,
                             "manifest '%s', line %zu: no 'path' field (the record has %zu "
                             "field%s, the header %zu)",
                             name, rline, r.n, r.n == 1 ? "" : "s", ncols);
            break;
        }
        const char *f = r.buf + r.start[col];
        st = add_path(m, name, rline, f, strlen(f));
    }
    free(r.buf);
    free(r.start);
    return st;
}

/* ---- one path per line ---- */

static accel_status parse_list(accel_manifest *m, const char *name, const char *p, const char *e,
                               size_t line)
{
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t')) q++;
        if (!blank(p, le) && *q != '#') {
            size_t len = (size_t)(le - p);
            if (len && p[len - 1] == '\r') len--;
            FORWARD_IF_ERROR(add_path(m, name, line, p, len));
        }
        p = nl ? nl + 1 : e;
        line++;
    }
    return ACCEL_OK;
}

static int ends_csv(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

/* 1 when the first line that is not blank, read as CSV, names a `path` field. */
static int looks_csv(const char *name, const char *p, const char *e)
{
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e;
        if (!blank(p, le)) break;
        p = nl ? nl + 1 : e;
    }
    if (p >= e || *p == '#') return 0;
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    const char *le = nl ? nl : e;
    csv_rec r = {0};
    size_t line = 1;
    int yes = 0;
    const char *save = accel__last_error_text();
    char keep[512];
    accel__strlcpy(keep, save, sizeof keep);
    if (csv_record(name, &p, le, &line, &r) == ACCEL_OK)
        for (size_t i = 0; i < r.n && !yes; i++) yes = is_path_column(r.buf + r.start[i]);
    accel__restore_error(keep); /* a list's first line need not be valid CSV */
    free(r.buf);
    free(r.start);
    return yes;
}

accel_status accel_manifest_parse(const void *data, size_t n, const char *name,
                                  accel_manifest **out)
{
    RETURN_ERROR_IF(!out || (!data && n), ACCEL_ERR_INVALID_ARG, "accel_manifest_parse: NULL argument");
    *out = NULL;
    if (!name) name = "(manifest)";
    const char *p = data ? data : "", *e = p + n;
    const char *nul = memchr(p, '\0', n);
    if (nul) {
        size_t line = 1;
        for (const char *q = p; q < nul; q++) line += *q == '\n';
        return ACCEL_ERROR(ACCEL_ERR_FORMAT, "manifest '%s', line %zu: a NUL byte (a manifest is "
                                             "text: one path per line, or CSV)", name, line);
    }
    if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3;
    accel_manifest *m = calloc(1, sizeof *m);
    RETURN_ERROR_IF(!m, ACCEL_ERR_NO_MEMORY, "manifest '%s': out of memory", name);
    int by_name = ends_csv(name);
    accel_status st = by_name || looks_csv(name, p, e) ? parse_csv(m, name, p, e, 1, by_name)
                                                       : parse_list(m, name, p, e, 1);
    if (st == ACCEL_OK && m->n == 0)
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "manifest '%s': no paths (every line is blank%s)", name,
                         by_name ? " or the header" : " or a # comment");
    if (st != ACCEL_OK) {
        accel_manifest_free(m);
        return st;
    }
    *out = m;
    return ACCEL_OK;
}

/* Reads fd to its end (a pipe, process substitution, standard input: no size known), or to
 * its first NUL byte: the manifest is refused there (accel_manifest_parse names the line),
 * so a device or a binary file given by mistake (/dev/zero, a pipe that never closes) is not
 * read to the end of memory first. */
static accel_status read_all(int fd, const char *name, char **data, size_t *n)
{
    size_t cap = 0;
    *data = NULL;
    *n = 0;
    for (;;) {
        if (*n + 65536 > cap) {
            cap = cap ? cap * 2 : 131072;
            char *d = realloc(*data, cap);
            if (!d) {
                free(*data);
                *data = NULL;
                return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "manifest '%s': out of memory", name);
            }
            *data = d;
        }
        ssize_t r = read(fd, *data + *n, cap - *n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int err = errno;
            free(*data);
            *data = NULL;
            return ACCEL_ERROR(err == EISDIR ? ACCEL_ERR_IO : ACCEL_ERR_IO, "manifest '%s': %s",
                               name, err == EISDIR ? "a directory, not a file" : strerror(err));
        }
        if (r == 0) return ACCEL_OK;
        *n += (size_t)r;
        if (memchr(*data + *n - (size_t)r, '\0', (size_t)r)) return ACCEL_OK;
    }
}

accel_status accel_manifest_read(const char *path, accel_manifest **out)
{
    RETURN_ERROR_IF(!path || !out, ACCEL_ERR_INVALID_ARG, "accel_manifest_read: NULL argument");
    *out = NULL;
    int std = strcmp(path, "-") == 0;
    const char *name = std ? "(standard input)" : path;
    int fd = std ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    RETURN_ERROR_IF(fd < 0, errno == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO,
                    "manifest '%s': %s", path, errno == ENOENT ? "no such file" : strerror(errno));
    char *data = NULL;
    size_t n = 0;
    accel_status st = read_all(fd, name, &data, &n);
    if (!std) close(fd);
    if (st == ACCEL_OK) st = accel_manifest_parse(data, n, name, out);
    free(data);
    return st;
}

size_t accel_manifest_count(const accel_manifest *m) { return m ? m->n : 0; }

const char *accel_manifest_path(const accel_manifest *m, size_t i)
{
    return m && i < m->n ? m->arena + m->off[i] : NULL;
}

size_t accel_manifest_line(const accel_manifest *m, size_t i)
{
    return m && i < m->n ? m->line[i] : 0;
}

void accel_manifest_free(accel_manifest *m)
{
    if (!m) return;
    free(m->arena);
    free(m->off);
    free(m->line);
    free(m);
}
