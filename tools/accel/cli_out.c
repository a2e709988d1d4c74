/* cli_out.c — where a verb's report goes (--json, --format, -o written atomically) and the
 * table renderer for the table, csv and md formats (cli_opts.h).
 *
 * Why a temporary file and a rename: a report that is half written (a full disk, an
 * interrupted run) must not look like a complete one to the script that reads it next. The
 * temporary file lives in FILE's directory so the rename never crosses file systems; SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE remove it before the process ends (cli_remove_on_signal, which
 * `accel audio features` also uses for the .npy files it writes). */
#include "cli_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files removed when a signal ends the process ------------------------------------- */

/* a corpus run's batch of images (16 outputs written one after the other), the report's
 * temporary file and a few to spare */
#define MAX_PENDING 24
static char pending[MAX_PENDING][4200]; /* files being written, "" when free */
static volatile sig_atomic_t have_pending[MAX_PENDING];
static void (*volatile report_on_signal)(int sig);

/* unlink() and raise() are async-signal-safe, and so must the report be; a path is complete
 * before its flag is set */
static void on_signal(int sig)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (have_pending[i]) unlink(pending[i]);
    if (report_on_signal) report_on_signal(sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void catch_signals(void)
{
    static int done;
    if (done) return;
    done = 1;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa, old;
        /* a signal the process was started with ignored (nohup, a script's background job)
         * stays ignored: it would not have ended the process */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

void cli_remove_on_signal(const char *path)
{
    catch_signals();
    for (int i = 0; i < MAX_PENDING; i++)
        if (!have_pending[i]) {
            snprintf(pending[i], sizeof pending[i], "%s", path);
            have_pending[i] = 1;
            break;
        }
}

/* mkstemp(tmpl) with the file already watched: the name is made in a slot the handler reads,
 * marked before the file exists, so that a signal arriving between the creation and its
 * registration (a loaded machine can stop the process right there) cannot leave the file
 * behind; at worst the handler unlinks a name not yet made. The name is copied back to tmpl. */
static int mkstemp_watched(char *tmpl, size_t cap)
{
    catch_signals();
    for (int i = 0; i < MAX_PENDING; i++)
        if (!have_pending[i] && strlen(tmpl) < sizeof pending[i]) {
            memcpy(pending[i], tmpl, strlen(tmpl) + 1);
            have_pending[i] = 1;
            int fd = mkstemp(pending[i]);
            if (fd < 0) {
                have_pending[i] = 0;
                pending[i][0] = '\0';
            } else {
                snprintf(tmpl, cap, "%s", pending[i]);
            }
            return fd;
        }
    return mkstemp(tmpl); /* every slot taken: unwatched, as cli_remove_on_signal would leave it */
}

void cli_report_on_signal(void (*report)(int sig))
{
    catch_signals();
    report_on_signal = report;
}

void cli_keep_on_signal(const char *path)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (have_pending[i] && strcmp(pending[i], path) == 0) {
            have_pending[i] = 0;
            pending[i][0] = '\0';
        }
}

/* ---- the report's stream --------------------------------------------------------------- */

static void out_error(const char *verb, const char *path, const char *why)
{
    fprintf(stderr, "accel %s: error: cannot write %s: %s\n", verb, path, why);
}

int cli_out_open(cli_out *o, const char *verb, const cli_args *a, int i_json, int i_format,
                 int i_output)
{
    memset(o, 0, sizeof *o);
    o->verb = verb;
    o->fmt = CLI_FMT_TABLE;
    int json = i_json >= 0 && a->v[i_json].set;
    const char *format = i_format >= 0 && a->v[i_format].set ? a->v[i_format].s : NULL;
    if (format) {
        static const char *const names[] = {"table", "json", "csv", "md"};
        for (int k = 0; k < 4; k++)
            if (strcmp(format, names[k]) == 0) o->fmt = (cli_format)k;
        if (json && o->fmt != CLI_FMT_JSON) {
            fprintf(stderr, "accel %s: error: --json and --format %s disagree (--json is "
                            "--format json)\n",
                    verb, format);
            return 2;
        }
    }
    if (json) o->fmt = CLI_FMT_JSON;
    const char *path = i_output >= 0 && a->v[i_output].set ? a->v[i_output].s : NULL;
    return cli_out_open_file(o, verb, path, o->fmt);
}

int cli_out_open_file(cli_out *o, const char *verb, const char *path, cli_format fmt)
{
    memset(o, 0, sizeof *o);
    o->verb = verb;
    o->fmt = fmt;
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    if (!*path) {
        fprintf(stderr, "accel %s: error: -o needs a file name\n", verb);
        return 2;
    }
    o->path = path;
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        out_error(verb, path, "it is a directory");
        return 2;
    }
    /* standard output or error under another name (/dev/stdout, /proc/self/fd/1): written to
     * that stream, as `-o -` is; a rename would replace the name (the link in /dev) and leave
     * the stream empty */
    for (int fd = 1; exists && fd <= 2; fd++) {
        struct stat so;
        if (fstat(fd, &so) == 0 && so.st_dev == st.st_dev && so.st_ino == st.st_ino) {
            o->path = NULL;
            o->f = fd == 1 ? stdout : stderr;
            return 0;
        }
    }
    /* a FIFO, a character device (/dev/null), a socket: there is no file to replace, so it is
     * written in place, as a shell's redirection would */
    if (exists && !S_ISREG(st.st_mode)) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        o->f = fd < 0 ? NULL : fdopen(fd, "w");
        if (!o->f) {
            out_error(verb, path, strerror(errno));
            if (fd >= 0) close(fd);
            return 2;
        }
        o->direct = 1;
        return 0;
    }
    char dir_buf[4096], base_buf[4096];
    snprintf(dir_buf, sizeof dir_buf, "%s", path);
    snprintf(base_buf, sizeof base_buf, "%s", path);
    const char *dir = dirname(dir_buf), *base = basename(base_buf);
    /* the temporary name is 12 bytes longer than FILE's: a FILE near NAME_MAX (255) gets one
     * made of its first bytes, or no FILE of 244 to 255 bytes could be written */
    int keep = (int)strnlen(base, NAME_MAX);
    if (keep > NAME_MAX - 12) keep = NAME_MAX - 12;
    int n = snprintf(o->tmp, sizeof o->tmp, "%s/.%.*s.tmp-XXXXXX", dir, keep, base);
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        out_error(verb, path, "the path is too long");
        o->tmp[0] = '\0';
        return 2;
    }
    int fd = mkstemp_watched(o->tmp, sizeof o->tmp);
    if (fd < 0) {
        out_error(verb, path, strerror(errno));
        o->tmp[0] = '\0';
        return 2;
    }
    /* the permissions a plain fopen would give, not mkstemp's 0600 */
    mode_t um = umask(0);
    umask(um);
    int chmod_rc = fchmod(fd, 0666 & ~um); /* best effort: the report is written anyway */
    (void)chmod_rc;
    o->f = fdopen(fd, "w");
    if (!o->f) {
        out_error(verb, path, strerror(errno));
        close(fd);
        cli_out_discard(o);
        return 2;
    }
    return 0;
}

FILE *cli_out_text(const cli_out *o)
{
    return o->path && o->fmt != CLI_FMT_TABLE ? stdout : NULL;
}

void cli_out_discard(cli_out *o)
{
    if (o->path && o->f) fclose(o->f);
    if (o->tmp[0]) {
        unlink(o->tmp);
        cli_keep_on_signal(o->tmp);
    }
    o->tmp[0] = '\0';
    o->f = NULL;
}

/* Standard output (the report, or the human form beside -o FILE) is checked too: a full disk
 * or a closed file behind `> out.json` is a failed report, not exit status 0. */
static int stdout_failed(const char *verb)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
    out_error(verb, "standard output", strerror(errno ? errno : EIO));
    return 1;
}

int cli_out_close(cli_out *o)
{
    if (!o->f) return 0;
    if (!o->path) {
        int failed = o->f != stdout && (fflush(o->f) != 0 || ferror(o->f));
        if (failed) out_error(o->verb, "standard error", strerror(errno ? errno : EIO));
        o->f = NULL;
        return stdout_failed(o->verb) || failed ? 2 : 0;
    }
    const char *why = NULL;
    int err = 0;
    if (o->direct) {
        if (fflush(o->f) != 0 || ferror(o->f)) {
            err = errno ? errno : EIO;
            why = "the write failed";
        }
        if (fclose(o->f) != 0 && !why) {
            err = errno;
            why = "close failed";
        }
        o->f = NULL;
        if (why) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s (%s)", strerror(err), why);
            out_error(o->verb, o->path, msg);
            snprintf(o->error, sizeof o->error, "cannot write %s: %s", o->path, msg);
            return 2;
        }
        return stdout_failed(o->verb) ? 2 : 0;
    }
    if (fflush(o->f) != 0 || ferror(o->f)) {
        err = errno ? errno : EIO;
        why = "the write failed";
    } else if (fsync(fileno(o->f)) != 0 && errno != EINVAL && errno != EROFS) {
        err = errno;
        why = "sync failed";
    }
    if (fclose(o->f) != 0 && !why) {
        err = errno;
        why = "close failed";
    }
    o->f = NULL;
    if (!why && rename(o->tmp, o->path) != 0) {
        err = errno;
        why = "rename failed";
    }
    if (why) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s (%s)", strerror(err), why);
        out_error(o->verb, o->path, msg);
        snprintf(o->error, sizeof o->error, "cannot write %s: %s", o->path, msg);
        unlink(o->tmp);
        cli_keep_on_signal(o->tmp);
        o->tmp[0] = '\0';
        return 2;
    }
    cli_keep_on_signal(o->tmp);
    o->tmp[0] = '\0';
    return stdout_failed(o->verb) ? 2 : 0;
}

/* ---- tables ---------------------------------------------------------------------------- */

void cli_table_init(cli_table *t, size_t ncol, const char *const *head, const char *align)
{
    memset(t, 0, sizeof *t);
    t->ncol = ncol;
    t->head = head;
    t->align = align;
}

void cli_table_add(cli_table *t, const char *const *cells)
{
    if ((t->nrow + 1) * t->ncol > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : t->ncol * 16;
        while (cap < (t->nrow + 1) * t->ncol) cap *= 2;
        char **c = realloc(t->cells, cap * sizeof *c);
        if (!c) return;
        t->cells = c;
        t->cap = cap;
    }
    for (size_t i = 0; i < t->ncol; i++) /* NULL when out of memory: written as "" */
        t->cells[t->nrow * t->ncol + i] = strdup(cells[i] ? cells[i] : "");
    t->nrow++;
}

void cli_table_free(cli_table *t)
{
    for (size_t i = 0; i < t->nrow * t->ncol; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static const char *cell(const cli_table *t, size_t r, size_t c)
{
    const char *s = r ? t->cells[(r - 1) * t->ncol + c] : t->head[c];
    return s ? s : "";
}

/* Display width: UTF-8 continuation bytes take no column. */
static int width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void csv_cell(const char *s, FILE *f)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A cell of a GitHub-flavoured Markdown table shows its value as written: `|` would end the
 * cell and `<` open an HTML tag, so both are escaped, and so is `\` (else a value's own `\|`
 * would lose its backslash); a line break, `\n` or `\r`, would end the row: a space. */
static void md_cell(const char *s, FILE *f)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\' || *s == '<') fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

void cli_table_write(const cli_table *t, cli_format fmt, FILE *f)
{
    size_t nc = t->ncol;
    if (fmt == CLI_FMT_CSV) {
        for (size_t r = 0; r <= t->nrow; r++)
            for (size_t c = 0; c < nc; c++) {
                csv_cell(cell(t, r, c), f);
                fputs(c + 1 < nc ? "," : "\r\n", f);
            }
        return;
    }
    if (fmt == CLI_FMT_MD) {
        for (size_t r = 0; r <= t->nrow; r++) {
            fputc('|', f);
            for (size_t c = 0; c < nc; c++) {
                fputc(' ', f);
                md_cell(cell(t, r, c), f);
                fputs(" |", f);
            }
            fputc('\n', f);
            if (r == 0) {
                fputc('|', f);
                for (size_t c = 0; c < nc; c++)
                    fputs(t->align && t->align[c] == 'r' ? " ---: |" : " --- |", f);
                fputc('\n', f);
            }
        }
        return;
    }
    /* the table: every column as wide as its widest cell, so no name is ever cut */
    int w[64] = {0};
    if (nc > 64) nc = 64;
    for (size_t c = 0; c < nc; c++) w[c] = width(cell(t, 0, c));
    for (size_t r = 0; r < t->nrow; r++)
        for (size_t c = 0; c < nc; c++) {
            int x = width(cell(t, r + 1, c));
            if (x > w[c]) w[c] = x;
        }
    for (size_t r = 0; r <= t->nrow; r++) {
        for (size_t c = 0; c < nc; c++) {
            const char *s = cell(t, r, c);
            int pad = w[c] - width(s);
            int right = t->align && t->align[c] == 'r';
            int last = c + 1 == nc;
            if (right) fprintf(f, "%*s", pad, "");
            fputs(s, f);
            if (!right && !last) fprintf(f, "%*s", pad, "");
            if (!last) fputs("  ", f);
        }
        fputc('\n', f);
    }
}
