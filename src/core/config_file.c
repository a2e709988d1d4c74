/* config_file.c — reads ACCEL_CONFIG or ~/.config/accel/config.ini with inih.
 *
 * inih (as Debian builds it) does not pass line numbers to the handler, so the file is fed to
 * ini_parse_stream() through a reader that counts lines: inih calls the handler for a line
 * before it asks for the next one, so the count is the line of the key being handled. */
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

typedef struct {
    FILE *f;
    const char *path;
    int line;            /* lines handed to inih so far */
    int long_line;       /* first line longer than inih's buffer, 0 when none */
    accel__config_setter set;
    void *user;
    accel_status status; /* first failure from a handler */
} reader_state;

static char *read_line(char *str, int num, void *stream)
{
    reader_state *r = stream;
    if (!fgets(str, num, r->f)) return NULL;
    r->line++;
    size_t n = strlen(str);
    if (n && str[n - 1] != '\n' && !feof(r->f)) {
        /* longer than inih's line buffer: drop the rest rather than let inih parse the tail
         * as a line of its own, and report it */
        int c;
        while ((c = fgetc(r->f)) != EOF && c != '\n') {
        }
        if (!r->long_line) r->long_line = r->line;
    }
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    reader_state *r = user;
    if (r->status != ACCEL_OK) return 0;
    if (r->long_line) return 0; /* a cut line's value is not the user's value: report the cut */
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

/* The text of line `want` of the file, for the message about a malformed line. */
static void line_text(const char *path, int want, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char tmp[512];
    int line = 0;
    while (fgets(tmp, sizeof tmp, f)) {
        size_t n = strlen(tmp);
        int whole = n && tmp[n - 1] == '\n';
        if (++line == want) {
            while (n && (tmp[n - 1] == '\n' || tmp[n - 1] == '\r')) tmp[--n] = '\0';
            accel__strlcpy(buf, tmp, cap);
            break;
        }
        while (!whole && fgets(tmp, sizeof tmp, f)) whole = tmp[strlen(tmp) - 1] == '\n';
    }
    fclose(f);
}

int accel__config_file_supported(void) { return 1; }

accel_status accel__config_file_read(const char *path, accel__config_setter set, void *user)
{
    FILE *f = fopen(path, "r");
    RETURN_ERROR_IF(!f, ACCEL_ERR_CONFIG, "cannot open configuration file %s: %s", path,
                    strerror(errno));
    reader_state r = {.f = f, .path = path, .set = set, .user = user, .status = ACCEL_OK};
    int rc = ini_parse_stream(read_line, &r, handler, &r);
    fclose(f);
    if (r.status != ACCEL_OK) return r.status;
    if (r.long_line && (rc <= 0 || r.long_line <= rc))
        return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s:%d: line too long (lines may hold at most "
                                             "about 200 characters)",
                           path, r.long_line);
    if (rc == -2) return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory reading %s", path);
    if (rc < 0) return ACCEL_ERROR(ACCEL_ERR_IO, "cannot read configuration file %s", path);
    if (rc > 0) {
        char text[256];
        line_text(path, rc, text, sizeof text);
        return ACCEL_ERROR(ACCEL_ERR_CONFIG,
                           "%s:%d: malformed line '%s'; allowed: KEY = VALUE (e.g. "
                           "ACCEL_BACKEND = cuda), an [accel] section header, a blank line, or "
                           "a comment starting with ; or #",
                           path, rc, text);
    }
    return ACCEL_OK;
}

#else /* built without libinih */

int accel__config_file_supported(void) { return 0; }

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
