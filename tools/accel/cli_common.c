/* cli_common.c — what every verb calls (cli.h): error lines, the context, argument names.
 * Apart from main.c so that the verbs also run where main.c is not the program (the Python
 * package's `python -m accel` compiles the read-only verbs with this file). */
#include "cli.h"

#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

void accel_cli_error(const char *verb_name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "accel %s: error: ", verb_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int accel_cli_is(const char *arg, const char *a, const char *b)
{
    return (a && strcmp(arg, a) == 0) || (b && strcmp(arg, b) == 0);
}

accel_ctx *accel_cli_open_device(const char *verb, const accel_cli_device *d, unsigned flags,
                                 int cpu_alone, int *usage_error)
{
    accel_option opt[1];
    size_t n = accel_cli_device_setting(d, opt);
    /* the CPU asked for by name: no GPU stack is loaded (an OpenCL runtime's first probe
     * alone takes 60 MB and a second) */
    if (cpu_alone && d->kind && d->kind->host) flags |= ACCEL_CTX_NO_DISCOVERY;
    *usage_error = 0;
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, opt, n, flags);
    if (st != ACCEL_OK) {
        accel_cli_error(verb, "%s", accel_last_error(NULL)[0] ? accel_last_error(NULL)
                                                               : accel_strerror(st));
        *usage_error = st == ACCEL_ERR_CONFIG;
        return NULL;
    }
    return ctx;
}

/* "--device D: no such device on this machine (devices: 0 cuda (NVIDIA H100), 1 cpu (…);
 * see `accel devices`)", in the words of `accel bench` (src/core/bench.c) */
int accel_cli_device_check(const char *verb, accel_ctx *ctx, const accel_cli_device *d)
{
    size_t n = 0;
    accel_device_count(ctx, &n);
    int present = 0;
    for (size_t i = 0; i < n && !present; i++) {
        const accel_device_info *di = NULL;
        present = accel_device_get(ctx, i, &di) == ACCEL_OK && accel_cli_device_names(d, di);
    }
    if (present) return 0;
    char list[1024];
    accel__device_list_text(ctx, list, sizeof list);
    if (d->kind)
        accel_cli_error(verb, "--device %s: no usable %s device on this machine (devices: %s; see "
                              "`accel devices`)",
                        d->text, d->kind->name, list);
    else
        accel_cli_error(verb, "--device %s: no such device on this machine (devices: %s; see "
                              "`accel devices`)",
                        d->text, list);
    return 2;
}

int accel_cli_out_type_refused(const char *verb, const char *out, const char *allowed)
{
    const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    char what[80] = "a name without an extension";
    if (dot && (!slash || dot > slash) && dot[1])
        snprintf(what, sizeof what, "unsupported output type '%.40s'", dot);
    accel_cli_error(verb, "-o %s: %s (allowed: %s)", out, what, allowed);
    return 2;
}

int accel_cli_binary_stdout_refused(const char *verb)
{
    if (!isatty(1)) return 0;
    accel_cli_error(verb, "-o -: standard output is a terminal; send it to a file or a pipe");
    return 2;
}

accel_ctx *accel_cli_open(const char *verb, unsigned flags, int *exit_status)
{
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, NULL, 0, flags);
    *exit_status = 0;
    if (st != ACCEL_OK) {
        accel_cli_error(verb, "%s", accel_last_error(NULL)[0] ? accel_last_error(NULL)
                                                               : accel_strerror(st));
        *exit_status = st == ACCEL_ERR_CONFIG ? 2 : 1;
        return NULL;
    }
    return ctx;
}

static const accel_cli_verb *find_verb(const accel_cli_program *p, const char *name)
{
    for (size_t i = 0; i < p->n_verbs; i++)
        if (strcmp(name, p->verbs[i].name) == 0) return &p->verbs[i];
    return NULL;
}

static int unknown_verb(const accel_cli_program *p, const char *name)
{
    if (p->unknown) return p->unknown(name);
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < p->n_verbs && n < 63; i++) names[n++] = p->verbs[i].name;
    names[n++] = "help";
    cli_error_unknown(NULL, "command", name, names, n);
    return 2;
}

static int dispatch(const accel_cli_program *p, int n, char **args)
{
    if (n < 1) {
        p->usage(stderr);
        return 2;
    }
    if (strcmp(args[0], "help") == 0) {
        /* `help VERB [SUBCOMMAND]`: the verb's own --help */
        if (n < 2 || (n == 2 && strcmp(args[1], "help") == 0)) { /* `help help` too */
            p->usage(stdout);
            return 0;
        }
        const accel_cli_verb *v = find_verb(p, args[1]);
        if (!v) return unknown_verb(p, args[1]);
        if (n > 3) { /* passed on, a third word would be read as an operand and go unseen */
            fprintf(stderr, "accel: error: help takes a command and at most one subcommand; "
                            "unexpected '%s' (usage: %s help COMMAND [SUBCOMMAND])\n",
                    args[3], p->name);
            return 2;
        }
        char *h[8];
        int k = 0;
        for (int i = 1; i < n && k < 6; i++) h[k++] = args[i];
        h[k++] = (char *)"--help";
        h[k] = NULL;
        return v->fn(k, h);
    }
    if (accel_cli_is(args[0], "--help", "-h")) {
        p->usage(stdout);
        return 0;
    }
    if (accel_cli_is(args[0], "--version", NULL)) {
        printf("accel %s\n", accel_version_string());
        return 0;
    }
    const accel_cli_verb *v = find_verb(p, args[0]);
    if (v) return v->fn(n, args);
    if (args[0][0] == '-') {
        fprintf(stderr, "accel: error: '%s' before a command (usage: %s <command> [options]; see "
                        "`%s help`)\n",
                args[0], p->name, p->name);
        return 2;
    }
    return unknown_verb(p, args[0]);
}

/* A command that succeeded but whose standard output could not be written (a full disk
 * behind `> help.txt`, /dev/full) fails: what it printed is lost. Reports check their own
 * writes (cli_out.c); this catches the rest (help, usage, --version), as coreutils' close_stdout
 * does. */
int accel_cli_run(const accel_cli_program *p, int n, char **args)
{
    int rc = dispatch(p, n, args);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "%s: error: cannot write standard output: %s\n", p->name, strerror(errno ? errno : EIO));
        return 2;
    }
    return rc;
}

/* Only paths whose last names match are resolved, so a corpus of millions of inputs costs a
 * string comparison each. */
int accel_cli_same_place(const char *a, const char *b)
{
    if (!strcmp(a, "-") || !strcmp(b, "-")) return 0;
    const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');
    ba = ba ? ba + 1 : a;
    bb = bb ? bb + 1 : b;
    if (strcmp(ba, bb) != 0) return accel_cli_same_file(a, b);
    char da[PATH_MAX], db[PATH_MAX], ra[PATH_MAX], rb[PATH_MAX];
    snprintf(da, sizeof da, "%.*s", ba == a ? 1 : (int)(ba - a), ba == a ? "." : a);
    snprintf(db, sizeof db, "%.*s", bb == b ? 1 : (int)(bb - b), bb == b ? "." : b);
    if (!realpath(da, ra) || !realpath(db, rb)) return !strcmp(a, b);
    return !strcmp(ra, rb);
}

int accel_cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return strcmp(a, "-") != 0 && strcmp(b, "-") != 0 && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void accel_cli_utc_now(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, 32 - k, ".%03ldZ", ts.tv_nsec / 1000000);
}
