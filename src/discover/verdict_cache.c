/* verdict_cache.c — on-disk probe outcomes (format in verdict_cache.h).
 * The header is text so a person can read what a cached verdict was keyed on (`head -c 2000`
 * shows the key); the data after it may be binary. */
#include "discover/verdict_cache.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void accel__vkey_init(accel__vkey *k) { memset(k, 0, sizeof *k); }

void accel__vkey_free(accel__vkey *k) { accel__text_free(k); }

void accel__vkey_add(accel__vkey *k, const char *name, const char *value)
{
    if (!value) value = "(unset)";
    accel__text_put(k, name, strlen(name));
    accel__text_put(k, "=", 1);
    /* escaped, so that a newline inside a value cannot make two different keys read alike */
    for (const char *p = value; *p; p++) {
        if (*p == '\n')
            accel__text_put(k, "\\n", 2);
        else if (*p == '\\')
            accel__text_put(k, "\\\\", 2);
        else
            accel__text_put(k, p, 1);
    }
    accel__text_put(k, "\n", 1);
}

void accel__vkey_add_file(accel__vkey *k, const char *name, const char *path)
{
    if (!path || !*path) {
        accel__vkey_add(k, name, "(none)");
        return;
    }
    char id[1200];
    accel__file_identity(path, id, sizeof id);
    accel__vkey_add(k, name, id);
}

void accel__vkey_add_text_file(accel__vkey *k, const char *name, const char *path)
{
    char buf[512];
    if (accel__read_text(path, buf, sizeof buf) != 0) {
        accel__vkey_add(k, name, "(absent)");
        return;
    }
    buf[strcspn(buf, "\n")] = '\0';
    accel__vkey_add(k, name, buf);
}

static uint64_t checksum(const char *key, size_t klen, const void *data, size_t n)
{
    uint64_t h = accel__hash64(key, klen, 0);
    return accel__hash64(data, n, h);
}

accel_status accel__verdict_path(const accel_ctx *ctx, const char *what, const char *key,
                                 char *buf, size_t cap)
{
    char dir[3000];
    FORWARD_IF_ERROR(accel__cache_path(ctx, "verdicts", dir, sizeof dir));
    uint64_t h = accel__hash64(key, strlen(key), 0);
    int k = snprintf(buf, cap, "%s/%s-%016" PRIx64 ".v%d", dir, what, h, ACCEL__VERDICT_VERSION);
    RETURN_ERROR_IF(k < 0 || (size_t)k >= cap, ACCEL_ERR_INVALID_ARG, "cache path too long: %s",
                    dir);
    return ACCEL_OK;
}

/* Reads "<label> <value>\n" at *p; returns 0 on success and advances *p. */
static int header_field(const char **p, const char *end, const char *label, char *value,
                        size_t cap)
{
    size_t ll = strlen(label);
    if ((size_t)(end - *p) < ll + 2 || memcmp(*p, label, ll) != 0 || (*p)[ll] != ' ') return -1;
    const char *v = *p + ll + 1;
    const char *nl = memchr(v, '\n', (size_t)(end - v));
    if (!nl || (size_t)(nl - v) >= cap) return -1;
    memcpy(value, v, (size_t)(nl - v));
    value[nl - v] = '\0';
    *p = nl + 1;
    return 0;
}

/* A size field: decimal digits only, no overflow (a "key" of 2^64 − 1 must not wrap the
 * length check below). */
static int parse_size(const char *s, size_t *out)
{
    uint64_t v;
    if (accel__parse_u64(s, &v) != 0 || v > SIZE_MAX) return -1;
    *out = (size_t)v;
    return 0;
}

int accel__verdict_parse(const char *file, size_t len, const char *what, const char *key,
                         const char **data, size_t *n, char *why, size_t why_cap)
{
    const char *p = file, *end = file + len;
    char v[64], w[128], ks[32], ds[32], sum[32];
    size_t klen = 0, dlen = 0;
    char want_version[32];
    snprintf(want_version, sizeof want_version, "%d", ACCEL__VERDICT_VERSION);
    if (header_field(&p, end, "accel-verdict", v, sizeof v) != 0 ||
        strcmp(v, want_version) != 0) {
        snprintf(why, why_cap, "not a version %d verdict file", ACCEL__VERDICT_VERSION);
        return -1;
    }
    if (header_field(&p, end, "what", w, sizeof w) != 0 || strcmp(w, what) != 0 ||
        header_field(&p, end, "key", ks, sizeof ks) != 0 || parse_size(ks, &klen) != 0 ||
        header_field(&p, end, "data", ds, sizeof ds) != 0 || parse_size(ds, &dlen) != 0 ||
        header_field(&p, end, "sum", sum, sizeof sum) != 0 || p >= end || *p != '\n') {
        snprintf(why, why_cap, "malformed header");
        return -1;
    }
    p++;
    /* both sizes against what is there, each on its own: their sum may not fit a size_t */
    size_t body = (size_t)(end - p);
    if (klen > body || dlen != body - klen) {
        snprintf(why, why_cap, "%zu bytes of key and data, header says %s + %s", body, ks, ds);
        return -1;
    }
    char want_sum[32];
    snprintf(want_sum, sizeof want_sum, "%016" PRIx64, checksum(p, klen, p + klen, dlen));
    if (strcmp(sum, want_sum) != 0) {
        snprintf(why, why_cap, "checksum %s, contents give %s", sum, want_sum);
        return -1;
    }
    if (klen != strlen(key) || memcmp(p, key, klen) != 0) {
        snprintf(why, why_cap, "stored for another key");
        return -1;
    }
    *data = p + klen;
    *n = dlen;
    return 0;
}

accel_status accel__verdict_load(const accel_ctx *ctx, const char *what, const char *key,
                                 unsigned char **data, size_t *n, char *why, size_t why_cap)
{
    *data = NULL;
    *n = 0;
    char reason[512] = "";
    char path[4096];
    accel_status st = accel__verdict_path(ctx, what, key, path, sizeof path);
    if (st != ACCEL_OK) {
        snprintf(reason, sizeof reason, "no cache directory: %s", accel__last_error_text());
        goto miss;
    }
    char *file = NULL;
    size_t len = 0;
    st = accel__read_file(path, &file, &len);
    if (st != ACCEL_OK) {
        if (st == ACCEL_ERR_NOT_FOUND)
            snprintf(reason, sizeof reason, "no cached verdict");
        else
            snprintf(reason, sizeof reason, "%s", accel__last_error_text());
        accel__clear_error();
        goto miss;
    }
    const char *body = NULL;
    size_t dlen = 0;
    char bad[320];
    if (accel__verdict_parse(file, len, what, key, &body, &dlen, bad, sizeof bad) != 0) {
        snprintf(reason, sizeof reason, "%s: %s", path, bad);
        free(file);
        goto miss;
    }
    unsigned char *out = malloc(dlen + 1);
    if (!out) {
        free(file);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory reading %s", path);
    }
    memcpy(out, body, dlen);
    out[dlen] = '\0';
    free(file);
    *data = out;
    *n = dlen;
    ACCEL_LOG_DEBUG("verdict cache: %s: hit (%s)", what, path);
    return ACCEL_OK;
miss:
    ACCEL_LOG_DEBUG("verdict cache: %s: miss: %s", what, reason);
    if (why && why_cap) accel__strlcpy(why, reason, why_cap);
    return ACCEL_ERR_NOT_FOUND;
}

accel_status accel__verdict_store(const accel_ctx *ctx, const char *what, const char *key,
                                  const void *data, size_t n)
{
    char path[4096];
    FORWARD_IF_ERROR(accel__verdict_path(ctx, what, key, path, sizeof path));
    size_t klen = strlen(key);
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "accel-verdict %d\nwhat %s\nkey %zu\ndata %zu\nsum %016" PRIx64 "\n\n",
                      ACCEL__VERDICT_VERSION, what, klen, n, checksum(key, klen, data, n));
    RETURN_ERROR_IF(hl < 0 || (size_t)hl >= sizeof head, ACCEL_ERR_INVALID_ARG,
                    "verdict name too long: %s", what);
    size_t total = (size_t)hl + klen + n;
    char *buf = malloc(total);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory writing %s", path);
    memcpy(buf, head, (size_t)hl);
    memcpy(buf + hl, key, klen);
    if (n) memcpy(buf + hl + klen, data, n);
    accel_status st = accel__write_file_atomic(path, buf, total, 0600);
    free(buf);
    if (st == ACCEL_OK) ACCEL_LOG_DEBUG("verdict cache: %s: stored %s", what, path);
    return st;
}
