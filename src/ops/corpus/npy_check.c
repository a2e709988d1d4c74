/* npy_check.c — is an output whole? The .npy header reader (accel_npy_header_parse) and the
 * completeness check of resume (accel_output_complete). A file found in an output directory
 * may have been cut by a full disk, a copy, or another program: the header is read as
 * untrusted text (a restricted Python dict literal, as numpy writes it) and the file's size
 * must be exactly what the header announces. */
#include "corpus_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_HEADER (1u << 20) /* numpy itself refuses headers above 10 000 bytes by default */

typedef struct {
    const char *p, *e;
} cur;

static void skip_ws(cur *c)
{
    while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int eat(cur *c, char ch)
{
    skip_ws(c);
    if (c->p < c->e && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes ('…' or "…") into buf. */
static int str_lit(cur *c, char *buf, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->e || (*c->p != '\'' && *c->p != '"')) return -1;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->e && *c->p != q) {
        if (*c->p == '\\' || *c->p == '\n' || n + 1 >= cap) return -1;
        buf[n++] = *c->p++;
    }
    if (c->p >= c->e) return -1;
    c->p++;
    buf[n] = '\0';
    return 0;
}

static int word(cur *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->e - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* "<f4", "|u1", "=i8", "b1": the size in bytes, or 0 when not a simple dtype. */
static unsigned descr_size(const char *d)
{
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=') d++;
    if (!*d || !strchr("biufc", *d)) return 0;
    const char *digits = d + 1;
    if (!*digits || strlen(digits) > 2) return 0;
    unsigned v = 0;
    for (const char *q = digits; *q; q++) {
        if (*q < '0' || *q > '9') return 0;
        v = v * 10 + (unsigned)(*q - '0');
    }
    return v == 1 || v == 2 || v == 4 || v == 8 || v == 16 ? v : 0;
}

accel_status accel_npy_header_parse(const void *data, size_t n, accel_npy_info *info)
{
    RETURN_ERROR_IF(!info || (!data && n), ACCEL_ERR_INVALID_ARG, "accel_npy_header_parse: NULL argument");
    RETURN_ERROR_IF(info->struct_size && info->struct_size < sizeof *info, ACCEL_ERR_INVALID_ARG,
                    "accel_npy_header_parse: struct_size %zu is smaller than this version's %zu",
                    info->struct_size, sizeof *info);
    const unsigned char *b = data;
    accel_npy_info r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    RETURN_ERROR_IF(n < 10 || memcmp(b, "\x93NUMPY", 6) != 0, ACCEL_ERR_FORMAT,
                    "not a .npy file (no \\x93NUMPY magic%s)", n < 10 ? "; too short" : "");
    unsigned major = b[6];
    RETURN_ERROR_IF(major < 1 || major > 3, ACCEL_ERR_FORMAT,
                    "npy format version %u.%u (1.0, 2.0 and 3.0 are read)", major, b[7]);
    size_t pre = major == 1 ? 10 : 12;
    RETURN_ERROR_IF(n < pre, ACCEL_ERR_FORMAT, "npy header cut short (%zu bytes)", n);
    uint64_t hlen = major == 1 ? (uint64_t)b[8] | (uint64_t)b[9] << 8
                               : (uint64_t)b[8] | (uint64_t)b[9] << 8 | (uint64_t)b[10] << 16 |
                                     (uint64_t)b[11] << 24;
    RETURN_ERROR_IF(hlen > MAX_HEADER, ACCEL_ERR_FORMAT, "npy header of %llu bytes (at most %u)",
                    (unsigned long long)hlen, MAX_HEADER);
    RETURN_ERROR_IF(pre + hlen > n, ACCEL_ERR_FORMAT,
                    "npy header announces %llu bytes, %zu present (truncated)",
                    (unsigned long long)hlen, n - pre);
    r.header_bytes = pre + hlen;
    cur c = {(const char *)b + pre, (const char *)b + pre + hlen};
    RETURN_ERROR_IF(hlen == 0 || c.e[-1] != '\n', ACCEL_ERR_FORMAT,
                    "npy header does not end with a newline");
    RETURN_ERROR_IF(memchr(c.p, '\0', hlen) != NULL, ACCEL_ERR_FORMAT, "npy header holds a NUL byte");
    RETURN_ERROR_IF(!eat(&c, '{'), ACCEL_ERR_FORMAT, "npy header is not a dictionary ('{' expected)");
    int have_descr = 0, have_fo = 0, have_shape = 0;
    unsigned isz = 0;
    while (!eat(&c, '}')) {
        char key[32];
        RETURN_ERROR_IF(str_lit(&c, key, sizeof key) != 0, ACCEL_ERR_FORMAT,
                        "npy header: a quoted key or '}' expected at byte %zu",
                        (size_t)(c.p - (const char *)b));
        RETURN_ERROR_IF(!eat(&c, ':'), ACCEL_ERR_FORMAT, "npy header: ':' expected after '%s'", key);
        if (strcmp(key, "descr") == 0) {
            RETURN_ERROR_IF(have_descr++, ACCEL_ERR_FORMAT, "npy header: 'descr' given twice");
            char d[32];
            RETURN_ERROR_IF(str_lit(&c, d, sizeof d) != 0 || !(isz = descr_size(d)) ||
                                strlen(d) >= sizeof r.descr,
                            ACCEL_ERR_FORMAT,
                            "npy header: 'descr' is not a simple dtype (byte order, one of "
                            "b i u f c, size 1, 2, 4, 8 or 16: '<f4', '|u1')");
            accel__strlcpy(r.descr, d, sizeof r.descr);
        } else if (strcmp(key, "fortran_order") == 0) {
            RETURN_ERROR_IF(have_fo++, ACCEL_ERR_FORMAT, "npy header: 'fortran_order' given twice");
            if (word(&c, "True")) r.fortran_order = 1;
            else RETURN_ERROR_IF(!word(&c, "False"), ACCEL_ERR_FORMAT,
                                 "npy header: 'fortran_order' must be True or False");
        } else if (strcmp(key, "shape") == 0) {
            RETURN_ERROR_IF(have_shape++, ACCEL_ERR_FORMAT, "npy header: 'shape' given twice");
            RETURN_ERROR_IF(!eat(&c, '('), ACCEL_ERR_FORMAT, "npy header: 'shape' must be a tuple");
            int nd = 0;
            for (;;) {
                if (eat(&c, ')')) break;
                skip_ws(&c);
                RETURN_ERROR_IF(c.p >= c.e || *c.p < '0' || *c.p > '9', ACCEL_ERR_FORMAT,
                                "npy header: 'shape' holds something other than whole numbers");
                RETURN_ERROR_IF(nd >= 8, ACCEL_ERR_FORMAT, "npy header: more than 8 dimensions");
                uint64_t v = 0;
                while (c.p < c.e && *c.p >= '0' && *c.p <= '9') {
                    RETURN_ERROR_IF(v > (UINT64_MAX - 9) / 10, ACCEL_ERR_FORMAT,
                                    "npy header: a dimension does not fit in 64 bits");
                    v = v * 10 + (uint64_t)(*c.p++ - '0');
                }
                r.shape[nd++] = v;
                if (eat(&c, ',')) continue;
                RETURN_ERROR_IF(!eat(&c, ')'), ACCEL_ERR_FORMAT,
                                "npy header: ',' or ')' expected in 'shape'");
                break;
            }
            r.ndim = nd;
        } else {
            return ACCEL_ERROR(ACCEL_ERR_FORMAT, "npy header: unknown key '%s' (descr, "
                                                 "fortran_order and shape are allowed)", key);
        }
        if (!eat(&c, ',')) {
            RETURN_ERROR_IF(!eat(&c, '}'), ACCEL_ERR_FORMAT, "npy header: ',' or '}' expected");
            break;
        }
    }
    skip_ws(&c);
    RETURN_ERROR_IF(c.p != c.e, ACCEL_ERR_FORMAT, "npy header: text after the dictionary");
    RETURN_ERROR_IF(!have_descr || !have_fo || !have_shape, ACCEL_ERR_FORMAT,
                    "npy header: '%s' missing (descr, fortran_order and shape are required)",
                    !have_descr ? "descr" : !have_fo ? "fortran_order" : "shape");
    uint64_t bytes = isz;
    for (int i = 0; i < r.ndim; i++) {
        RETURN_ERROR_IF(r.shape[i] && bytes > UINT64_MAX / r.shape[i], ACCEL_ERR_FORMAT,
                        "npy header: the data size does not fit in 64 bits");
        bytes *= r.shape[i];
    }
    r.data_bytes = bytes;
    RETURN_ERROR_IF(r.header_bytes > UINT64_MAX - bytes, ACCEL_ERR_FORMAT,
                    "npy header: the file size does not fit in 64 bits");
    size_t keep = info->struct_size ? info->struct_size : sizeof r;
    memcpy(info, &r, keep < sizeof r ? keep : sizeof r);
    info->struct_size = keep;
    return ACCEL_OK;
}

/* Reads up to `cap` bytes from the start of fd. */
static ssize_t read_head(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t r = pread(fd, buf + got, cap - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcasecmp(s + a - b, tail) == 0;
}

accel_status accel_output_complete(const char *path, accel_npy_info *info)
{
    RETURN_ERROR_IF(!path, ACCEL_ERR_INVALID_ARG, "accel_output_complete: NULL path");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return ACCEL_ERROR(e == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO, "'%s': %s", path,
                           strerror(e));
    }
    struct stat sb;
    accel_status st = ACCEL_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = ACCEL_ERROR(ACCEL_ERR_IO, "'%s': not a regular file", path);
    } else if (sb.st_size == 0) {
        st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': empty", path);
    } else if (ends_with(path, ".npy")) {
        size_t cap = (size_t)sb.st_size < MAX_HEADER + 12 ? (size_t)sb.st_size : MAX_HEADER + 12;
        char *buf = malloc(cap);
        ssize_t got = buf ? read_head(fd, buf, cap) : -1;
        accel_npy_info r = {.struct_size = sizeof r};
        if (got < 0) {
            st = ACCEL_ERROR(buf ? ACCEL_ERR_IO : ACCEL_ERR_NO_MEMORY, "'%s': cannot read: %s",
                             path, buf ? strerror(errno) : "out of memory");
        } else if ((st = accel_npy_header_parse(buf, (size_t)got, &r)) != ACCEL_OK) {
            char why[400];
            accel__strlcpy(why, accel__last_error_text(), sizeof why);
            st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': %s", path, why);
        } else if ((uint64_t)sb.st_size != r.header_bytes + r.data_bytes) {
            st = ACCEL_ERROR(ACCEL_ERR_FORMAT,
                             "'%s': %lld bytes, the header announces %llu (%llu of header, %llu "
                             "of data)%s",
                             path, (long long)sb.st_size,
                             (unsigned long long)(r.header_bytes + r.data_bytes),
                             (unsigned long long)r.header_bytes, (unsigned long long)r.data_bytes,
                             (uint64_t)sb.st_size < r.header_bytes + r.data_bytes ? ": truncated" : "");
        } else if (info) {
            size_t keep = info->struct_size && info->struct_size < sizeof r ? info->struct_size : sizeof r;
            memcpy(info, &r, keep);
            info->struct_size = keep;
        }
        free(buf);
    } else if (ends_with(path, ".json")) {
        char head[1], tail[2];
        if (read_head(fd, head, 1) != 1 || pread(fd, tail, 2, sb.st_size - 2) != 2 ||
            head[0] != '{' || tail[0] != '}' || tail[1] != '\n')
            st = ACCEL_ERROR(ACCEL_ERR_FORMAT, "'%s': not one whole JSON object ('{' … '}' and a "
                                               "newline)", path);
    }
    close(fd);
    return st;
}
