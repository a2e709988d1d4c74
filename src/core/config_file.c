/* config_file.c — reads ACCEL_CONFIG or ~/.config/accel/config.ini with inih.
 *
 * inih (as Debian builds it) does not pass line numbers to the handler, so the file is fed to
 * ini_parse_stream() through a reader that counts lines: inih calls the handler for a line
 * before it asks for the next one, so the count is the line of the key being handled. The
 * reader also finds what inih cannot see in a C string: a NUL byte, and a line cut at the
 * buffer's length. */
#include "core/config_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int accel__config_file_default(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    /* The XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/accel/config.ini", xdg);
    else if (home && *home)
        n = snprintf(buf, cap, "%s/.config/accel/config.ini", home);
    else
        return -1;
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

#ifdef ACCEL_HAVE_INIH
#include <ini.h>

/* The most a configuration file may hold. A file of every key is a few KiB; without a bound,
 * ACCEL_CONFIG naming an endless stream (/dev/zero, a pipe that never ends a line) was read
 * for ever. */
#define CONFIG_FILE_MAX (1L << 20)

typedef struct {
    FILE *f;
    const char *path;
    int line;            /* lines handed to inih so far */
    int long_line;       /* first line longer than inih's buffer, 0 when none */
    int nul_line;        /* first line holding a NUL byte, 0 when none */
    long bytes;          /* read so far */
    int too_big;         /* more than CONFIG_FILE_MAX bytes: reading stopped */
    accel__config_setter set;
    void *user;
    accel_status status; /* first failure from a handler */
} reader_state;

/* The next byte of the file, or EOF at its end and past CONFIG_FILE_MAX (too_big set). */
static int next_byte(reader_state *r)
{
    if (r->bytes >= CONFIG_FILE_MAX) {
        r->too_big = 1;
        return EOF;
    }
    int c = getc(r->f);
    if (c != EOF) r->bytes++;
    return c;
}

/* inih's line reader. Reads bytes itself rather than with fgets, because a NUL byte would end
 * the C string where the line does not end: such a line is reported, never parsed. */
static char *read_line(char *str, int num, void *stream)
{
    reader_state *r = stream;
    int c = next_byte(r);
    if (c == EOF || num < 2) return NULL;
    r->line++;
    int k = 0;
    for (;;) {
        if (c == '\0') {
            if (!r->nul_line) r->nul_line = r->line;
            c = ' ';
        }
        str[k++] = (char)c;
        if (c == '\n' || k + 1 >= num) break;
        if ((c = next_byte(r)) == EOF) break;
    }
    str[k] = '\0';
    if (str[k - 1] != '\n' && k + 1 >= num) {
        /* longer than inih's line buffer: drop the rest rather than let inih parse the tail
         * as a line of its own, and report it */
        int more = 0;
        while ((c = next_byte(r)) != EOF && c != '\n') more = 1;
        if (more && !r->long_line) r->long_line = r->line;
    }
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    reader_state *r = user;
    if (r->status != ACCEL_OK) return 0;
    /* a cut line's value, or one with a NUL in it, is not the user's value: report that */
    if (r->long_line || r->nul_line) return 0;
    char source[4200];
    snprintf(source, sizeof source, "file:%s:%d", r->path, r->line);
    if (section[0] && strcasecmp(section, "accel") != 0) {
        r->status = ACCEL_ERROR(ACCEL_ERR_CONFIG,
                                "%s:%d: %s = %s is in section [%s]; allowed: keys at top level "
                                "or in an [accel] section",
                                r->path, r->line, name, value, section);
        return 0;
    }
    char key[128];
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof key; k++) key[k] = (char)toupper((unsigned char)name[k]);
    key[k] = '\0';
    char val[1024];
    accel__strlcpy(val, value, sizeof val);
    size_t vl = strlen(val);
    if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
        memmove(val, val + 1, vl - 2);
        val[vl - 2] = '\0';
    }
    if (!val[0]) return 1; /* empty: unset, as in the environment */
    r->status = r->set(r->user, key, val, source);
    return r->status == ACCEL_OK;
}

/* The text of line `want` of the stream (read again from its start), for the message about a
 * malformed line: at most cap − 1 bytes, a NUL shown as \0 and other control bytes as '?'. */
static void line_text(FILE *f, int want, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!cap || fseek(f, 0, SEEK_SET) != 0) return;
    int line = 1, c;
    size_t k = 0;
    while ((c = getc(f)) != EOF) {
        if (c == '\n') {
            if (line++ == want) break;
            continue;
        }
        if (line != want || c == '\r') continue;
        const char *show = c == 0 ? "\\0" : (c < 0x20 || c == 0x7f) ? "?" : NULL;
        char one[2] = {(char)c, 0};
        if (!show) show = one;
        size_t n = strlen(show);
        if (k + n >= cap) break;
        memcpy(buf + k, show, n);
        k += n;
    }
    buf[k] = '\0';
}

int accel__config_file_supported(void) { return 1; }

accel_status accel__config_file_read_stream(FILE *f, const char *path, accel__config_setter set,
                                            void *user)
{
    reader_state r = {.f = f, .path = path, .set = set, .user = user, .status = ACCEL_OK};
    int rc = ini_parse_stream(read_line, &r, handler, &r);
    if (r.status != ACCEL_OK) return r.status;
    /* whichever of a NUL, a cut line or a malformed line comes first is reported */
    int first = rc > 0 ? rc : 0;
    if (r.nul_line && (!first || r.nul_line <= first) && (!r.long_line || r.nul_line <= r.long_line))
        return ACCEL_ERROR(ACCEL_ERR_CONFIG,
                           "%s:%d: contains a NUL byte (a configuration file is text: KEY = "
                           "VALUE lines)",
                           path, r.nul_line);
    if (r.long_line && (!first || r.long_line <= first))
        return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s:%d: line too long (lines may hold at most "
                                             "about 200 characters)",
                           path, r.long_line);
    /* before a malformed line: the line reading stopped in is cut, not malformed */
    if (r.too_big)
        return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s: larger than %ld KiB; allowed: a text file of "
                                             "KEY = VALUE lines, at most %ld KiB",
                           path, CONFIG_FILE_MAX / 1024, CONFIG_FILE_MAX / 1024);
    if (rc == -2) return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory reading %s", path);
    if (rc < 0 || ferror(f)) return ACCEL_ERROR(ACCEL_ERR_IO, "cannot read configuration file %s", path);
    if (rc > 0) {
        char text[256];
        line_text(f, rc, text, sizeof text);
        return ACCEL_ERROR(ACCEL_ERR_CONFIG,
                           "%s:%d: malformed line '%s'; allowed: KEY = VALUE (e.g. "
                           "ACCEL_BACKEND = cuda), an [accel] section header, a blank line, or "
                           "a comment starting with ; or #",
                           path, rc, text);
    }
    return ACCEL_OK;
}

accel_status accel__config_file_read(const char *path, accel__config_setter set, void *user)
{
    FILE *f = fopen(path, "r");
    RETURN_ERROR_IF(!f, ACCEL_ERR_CONFIG, "cannot open configuration file %s: %s", path,
                    strerror(errno));
    accel_status st = accel__config_file_read_stream(f, path, set, user);
    fclose(f);
    return st;
}

#else /* built without libinih */

int accel__config_file_supported(void) { return 0; }

accel_status accel__config_file_read_stream(FILE *f, const char *path, accel__config_setter set,
                                            void *user)
{
    (void)f;
    return accel__config_file_read(path, set, user);
}

accel_status accel__config_file_read(const char *path, accel__config_setter set, void *user)
{
    (void)set;
    (void)user;
    return ACCEL_ERROR(ACCEL_ERR_CONFIG,
                       "configuration file %s is present but this build of accel lacks INI "
                       "support (it was built without libinih: install libinih-dev and "
                       "rebuild, or remove the file / point ACCEL_CONFIG elsewhere)",
                       path);
}

#endif
