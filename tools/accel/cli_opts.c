/* cli_opts.c — option tables: parsing, typed values, suggestions and generated help
 * (cli_opts.h). */
#include "cli_opts.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/opnames.h"

/* 1 when `arg` (up to `len` characters) is the option's name or one of its aliases. */
static int spelled(const cli_opt *o, const char *arg, size_t len)
{
    if (strlen(o->name) == len && strncmp(o->name, arg, len) == 0) return 1;
    for (const char *p = o->aliases; p && *p;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && strncmp(p, arg, len) == 0) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* The option `arg` names (up to '=' when `eq` is set), or -1. *negated: --no-x of a switch. */
static int find(const cli_verb *v, const char *arg, int *negated)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq && arg[0] == '-' ? (size_t)(eq - arg) : strlen(arg);
    *negated = 0;
    for (size_t i = 0; i < v->n_opts; i++)
        if (spelled(&v->opts[i], arg, len)) return (int)i;
    if (strncmp(arg, "--no-", 5) == 0)
        for (size_t i = 0; i < v->n_opts; i++) {
            if (v->opts[i].type != CLI_SWITCH) continue;
            char pos[64];
            snprintf(pos, sizeof pos, "--%.*s", (int)(len - 5), arg + 5);
            if (spelled(&v->opts[i], pos, strlen(pos))) {
                *negated = 1;
                return (int)i;
            }
        }
    return -1;
}

/* Every spelling of every option, for suggestions and the "allowed" list. */
static size_t spellings(const cli_verb *v, const char **out, char *store, size_t cap, size_t max)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < v->n_opts && n < max; i++) {
        const cli_opt *o = &v->opts[i];
        out[n++] = o->name;
        if (o->type == CLI_SWITCH && n < max && k + strlen(o->name) + 4 < cap) {
            int w = snprintf(store + k, cap - k, "--no-%s", o->name + 2);
            out[n++] = store + k;
            k += (size_t)w + 1;
        }
        for (const char *p = o->aliases; p && *p && n < max;) {
            const char *e = strchr(p, '|');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (k + len + 1 >= cap) break;
            memcpy(store + k, p, len);
            store[k + len] = '\0';
            out[n++] = store + k;
            k += len + 1;
            p = e ? e + 1 : NULL;
        }
    }
    if (n < max) out[n++] = "--help";
    return n;
}

static void verb_error(const cli_verb *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void verb_error(const cli_verb *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "accel %s: error: ", v->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_error_unknown(const char *verb, const char *what, const char *word,
                       const char *const *cands, size_t n)
{
    const char *near = accel__nearest_name(word, cands, n);
    fprintf(stderr, "accel%s%s: error: unknown %s '%s'", verb ? " " : "", verb ? verb : "", what,
            word);
    if (near) fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, " (allowed: ");
    for (size_t i = 0; i < n; i++) fprintf(stderr, "%s%s", i ? ", " : "", cands[i]);
    fprintf(stderr, ")\n");
}

/* "--op/--operation, --size, …": one entry per option. */
static void allowed_list(const cli_verb *v, FILE *f)
{
    for (size_t i = 0; i < v->n_opts; i++) {
        const cli_opt *o = &v->opts[i];
        fprintf(f, "%s%s", i ? ", " : "", o->name);
        if (o->type == CLI_SWITCH) fprintf(f, "/--no-%s", o->name + 2);
        for (const char *p = o->aliases; p && *p;) {
            const char *e = strchr(p, '|');
            fprintf(f, "/%.*s", (int)(e ? e - p : (long)strlen(p)), p);
            p = e ? e + 1 : NULL;
        }
    }
    fprintf(f, ", --help");
}

static void unknown_option(const cli_verb *v, const char *arg)
{
    const char *names[2 * CLI_MAX_OPTS + 8];
    char store[2048];
    size_t n = spellings(v, names, store, sizeof store, sizeof names / sizeof *names);
    const char *eq = strchr(arg, '=');
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)(eq ? eq - arg : (long)strlen(arg)), arg);
    const char *near = accel__nearest_name(word, names, n);
    fprintf(stderr, "accel %s: error: unknown option '%s'", v->name, word);
    if (near) fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, " (allowed: ");
    allowed_list(v, stderr);
    fprintf(stderr, ")\n");
}

/* "1..1000000", "≥ 1", "> 0", "in (0, 3600]" */
static void range_text(const cli_opt *o, char *buf, size_t cap)
{
    int excl = (o->flags & CLI_MIN_EXCLUSIVE) != 0;
    if (o->type == CLI_INT) {
        if (o->max < o->min)
            snprintf(buf, cap, "a whole number ≥ %.0f", o->min);
        else
            snprintf(buf, cap, "a whole number %.0f..%.0f", o->min, o->max);
    } else if (o->max < o->min) {
        snprintf(buf, cap, "a number %s %g", excl ? ">" : "≥", o->min);
    } else {
        snprintf(buf, cap, "a number in %s%g, %g]", excl ? "(" : "[", o->min, o->max);
    }
}

/* Checks and stores one value. 0 or -1 after printing the error. */
static int take(const cli_verb *v, const cli_opt *o, const char *as, const char *s, cli_value *out)
{
    char range[96];
    if (o->type == CLI_INT) {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (!*s || *end || errno || x < o->min || (o->max >= o->min && x > o->max)) {
            range_text(o, range, sizeof range);
            verb_error(v, "%s %s: expected %s", as, s, range);
            return -1;
        }
        out->i = x;
    } else if (o->type == CLI_NUM) {
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        int excl = (o->flags & CLI_MIN_EXCLUSIVE) != 0;
        const char *d0 = s + (*s == '+' || *s == '-'); /* decimal only, not "0x10" */
        int hex = d0[0] == '0' && (d0[1] == 'x' || d0[1] == 'X');
        if (!*s || *end || errno || hex || !isfinite(x) || (excl ? x <= o->min : x < o->min) ||
            (o->max >= o->min && x > o->max)) {
            range_text(o, range, sizeof range);
            verb_error(v, "%s %s: expected %s", as, s, range);
            return -1;
        }
        out->d = x;
    } else if (o->type == CLI_CHOICE) {
        const char *c[32];
        char buf[256];
        size_t n = 0;
        snprintf(buf, sizeof buf, "%s", o->choices);
        for (char *save = NULL, *t = strtok_r(buf, "|", &save); t && n < 32;
             t = strtok_r(NULL, "|", &save))
            c[n++] = t;
        size_t i = 0;
        while (i < n && strcmp(c[i], s) != 0) i++;
        if (i == n) {
            const char *near = accel__nearest_name(s, c, n);
            fprintf(stderr, "accel %s: error: %s %s: ", v->name, as, s);
            if (near) fprintf(stderr, "did you mean '%s'? ", near);
            fprintf(stderr, "allowed: ");
            for (size_t k = 0; k < n; k++) fprintf(stderr, "%s%s", k ? ", " : "", c[k]);
            fputc('\n', stderr);
            return -1;
        }
    }
    out->s = s;
    return 0;
}

/* A value for an optional-value option: taken when it reads as the option's type. */
static int looks_like_value(const cli_opt *o, const char *s)
{
    if (o->type == CLI_INT || o->type == CLI_NUM) {
        /* a negative number too: no option is named "-1", and its value's range refuses it
         * in the option's words (it was "unknown option '-1'; did you mean '-o'?") */
        if (s[0] == '-' && ((s[1] >= '0' && s[1] <= '9') || s[1] == '.')) s++;
        return (s[0] >= '0' && s[0] <= '9') || (s[0] == '.' && s[1] >= '0' && s[1] <= '9');
    }
    return s[0] != '-';
}

int cli_parse(const cli_verb *v, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->operands = calloc((size_t)(argc > 0 ? argc : 1), sizeof *a->operands);
    if (!a->operands) {
        verb_error(v, "out of memory");
        return CLI_USAGE;
    }
    int only_operands = 0;
    const cli_opt *prev_flag = NULL; /* the option just before, when it takes no value */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const cli_opt *after_flag = prev_flag;
        prev_flag = NULL;
        if (only_operands || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (!v->operands && after_flag) {
                /* `--json FILE` was bench's spelling before -o existed */
                verb_error(v, "unexpected argument '%s': %s takes no value%s", arg,
                           after_flag->name,
                           strcmp(after_flag->name, "--json") == 0
                               ? " (it prints JSON on standard output; -o FILE writes it to a file)"
                               : "");
                return CLI_USAGE;
            }
            if (!v->operands) {
                verb_error(v, "unexpected argument '%s' (%s takes options only; see `accel help "
                              "%s`)",
                           arg, v->name, v->name);
                return CLI_USAGE;
            }
            a->operands[a->n_operands++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_operands = 1;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            cli_help(v, stdout);
            return CLI_HELP;
        }
        int negated = 0;
        int k = find(v, arg, &negated);
        if (k < 0) {
            unknown_option(v, arg);
            return CLI_USAGE;
        }
        const cli_opt *o = &v->opts[k];
        cli_value *val = &a->v[k];
        const char *eq = strchr(arg, '=');
        char as[64];
        snprintf(as, sizeof as, "%.*s", (int)(eq ? eq - arg : (long)strlen(arg)), arg);
        val->set++;
        val->as = o->name; /* the canonical spelling: messages then match the help */
        if (o->type == CLI_FLAG || o->type == CLI_SWITCH) {
            if (eq) {
                verb_error(v, "%s takes no value (given '%s')", as, eq + 1);
                return CLI_USAGE;
            }
            val->on = !negated;
            prev_flag = o;
            continue;
        }
        const char *value = NULL;
        if (eq) {
            value = eq + 1;
        } else if (o->flags & CLI_OPTIONAL_VALUE) {
            if (i + 1 < argc && looks_like_value(o, argv[i + 1])) value = argv[++i];
        } else {
            int dummy;
            if (i + 1 >= argc ||
                (argv[i + 1][0] == '-' && argv[i + 1][1] == '-' && find(v, argv[i + 1], &dummy) >= 0)) {
                verb_error(v, "%s needs a value (%s)", as, o->arg ? o->arg : "a value");
                return CLI_USAGE;
            }
            value = argv[++i];
        }
        if (value && take(v, o, as, value, val) != 0) return CLI_USAGE;
    }
    return CLI_OK;
}

void cli_args_free(cli_args *a)
{
    free(a->operands);
    a->operands = NULL;
    a->n_operands = 0;
}

void cli_help(const cli_verb *v, FILE *f)
{
    fprintf(f, "usage: accel %s %s\n", v->name, v->synopsis ? v->synopsis : "[options]");
    if (v->about) fprintf(f, "\n%s%s", v->about, v->about[strlen(v->about) - 1] == '\n' ? "" : "\n");
    fprintf(f, "\noptions:\n");
    const int col = 24;
    for (size_t i = 0; i <= v->n_opts; i++) {
        char left[160];
        const char *help = "print this help";
        if (i == v->n_opts) {
            snprintf(left, sizeof left, "  -h, --help");
        } else {
            const cli_opt *o = &v->opts[i];
            int k = snprintf(left, sizeof left, "  %s", o->name);
            if (o->type == CLI_SWITCH)
                k += snprintf(left + k, sizeof left - (size_t)k, ", --no-%s", o->name + 2);
            for (const char *p = o->aliases; p && *p && k < (int)sizeof left;) {
                const char *e = strchr(p, '|');
                k += snprintf(left + k, sizeof left - (size_t)k, ", %.*s",
                              (int)(e ? e - p : (long)strlen(p)), p);
                p = e ? e + 1 : NULL;
            }
            if (o->arg && o->type != CLI_FLAG && o->type != CLI_SWITCH && k < (int)sizeof left)
                snprintf(left + k, sizeof left - (size_t)k,
                         (o->flags & CLI_OPTIONAL_VALUE) ? " [%s]" : " %s", o->arg);
            help = o->help ? o->help : "";
        }
        int len = (int)strlen(left);
        if (len + 2 <= col)
            fprintf(f, "%-*s", col, left);
        else
            fprintf(f, "%s\n%*s", left, col, "");
        /* continuation lines of the help text line up under its first line */
        for (const char *p = help; *p;) {
            const char *e = strchr(p, '\n');
            int n = e ? (int)(e - p) : (int)strlen(p);
            fprintf(f, "%.*s\n", n, p);
            if (!e) break;
            p = e + 1;
            fprintf(f, "%*s", col, "");
        }
        if (!*help) fputc('\n', f);
    }
    if (v->footer) fprintf(f, "\n%s%s", v->footer, v->footer[strlen(v->footer) - 1] == '\n' ? "" : "\n");
}

/* ---- values beyond one number -------------------------------------------------------- */

/* a whole number lo..hi made of digits only, from *s; advances *s past it */
static int whole(const char **s, int lo, int hi, int *out)
{
    const char *p = *s;
    if (!isdigit((unsigned char)*p)) return -1;
    long v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (*p - '0');
        if (v > hi) return -1; /* hi is an int: v never overflows */
    }
    if (v < lo) return -1;
    *out = (int)v;
    *s = p;
    return 0;
}

int cli_parse_wxh(const char *s, int lo, int hi, int *w, int *h)
{
    int a, b;
    if (!s || whole(&s, lo, hi, &a) != 0 || (*s != 'x' && *s != 'X')) return -1;
    s++;
    if (whole(&s, lo, hi, &b) != 0 || *s) return -1;
    *w = a, *h = b;
    return 0;
}

int cli_parse_floats(const char *s, float *out, int n)
{
    float v[64];
    if (!s || n < 1 || n > 64) return -1;
    for (int k = 0; k < n; k++) {
        if (k > 0 && *s++ != ',') return -1;
        /* strtod skips leading blanks; a number here starts at once */
        if (!*s || isspace((unsigned char)*s)) return -1;
        char *e;
        errno = 0;
        double d = strtod(s, &e);
        /* finite and within a float's range: converting a larger double is undefined */
        if (e == s || !isfinite(d) || fabs(d) > FLT_MAX) return -1;
        v[k] = (float)d;
        s = e;
    }
    if (*s) return -1;
    memcpy(out, v, (size_t)n * sizeof *out);
    return 0;
}
