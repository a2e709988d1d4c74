/* cmd_bench.c — `accel bench`: time operations on devices (docs/bench.md). The timing engine
 * is src/core/bench.c; this file parses options and writes the reports.
 * Exit codes: 0 every timed call ran on its device; 1 some failed or fell back (the reports
 * say which); 2 usage or configuration error. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"

const char *const accel_cli_bench_help =
    "time operations on each device (--operation NAME | --quick | --list; see --help)";

static const char usage_text[] =
    "usage: accel bench --operation NAME[,NAME...]|all [--size small|medium|large|N]\n"
    "                   [--batch-size N] [--iterations N] [--warmup N]\n"
    "                   [--device cpu|gpu|all|cuda|rocm|opencl|ID[,...]] [--json FILE|-]\n"
    "                   [--svg FILE] [--quick] [--list]\n"
    "  --operation  operations to time (see --list); all: every one\n"
    "  --size       items per call: the case's small/medium/large, or a number (default small)\n"
    "  --batch-size cap items per device call (sets ACCEL_BATCH_SIZE)\n"
    "  --iterations timed calls per operation, size and device (default 10)\n"
    "  --warmup     untimed calls before them (default 2)\n"
    "  --device     devices to time (default all usable devices)\n"
    "  --json       write the report as JSON (- for standard output)\n"
    "  --svg        write a bar chart of the report\n"
    "  --quick      every operation once at small size, no warm-up\n"
    "  --list       list the operations and their sizes\n";

static const char options_allowed[] =
    "--operation, --size, --batch-size, --iterations, --warmup, --device, --json, --svg, "
    "--quick, --list, --help";

static int parse_int(const char *opt, const char *v, int min, int *out)
{
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x < min || x > 1000000) {
        accel_cli_error("bench", "%s %s: expected a whole number %d..1000000", opt,
                        v ? v : "(missing)", min);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static void list_cases(FILE *f)
{
    size_t n = accel__bench_case_count();
    fprintf(f, "%-14s %-34s %s\n", "operation", "sizes (items): small medium large",
            "what one call does");
    for (size_t i = 0; i < n; i++) {
        const accel__bench_case *c = accel__bench_case_at(i);
        char sizes[64];
        snprintf(sizes, sizeof sizes, "%zu %zu %zu", c->sizes[0], c->sizes[1], c->sizes[2]);
        fprintf(f, "%-14s %-34s %s%s\n", c->op, sizes, c->about,
                accel__bench_case_op(c) ? "" : " (not built into this library)");
    }
}

static void allowed_ops(FILE *f)
{
    fprintf(f, "allowed operations: all");
    for (size_t i = 0, n = accel__bench_case_count(); i < n; i++)
        fprintf(f, ", %s", accel__bench_case_at(i)->op);
    fprintf(f, "\n");
}

/* --opt value or --opt=value */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') return argv[*i] + n + 1;
    if (*i + 1 < argc) return argv[++*i];
    return NULL;
}

static int is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int accel_cli_bench(int argc, char **argv)
{
    accel__bench_opts o = {.iterations = 10, .warmup = 2, .size = "small", .devices = "all"};
    const char *ops = NULL, *json = NULL, *svg = NULL, *batch = NULL;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (accel_cli_is(a, "--help", "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (is_opt(a, "--operation")) {
            if (!(ops = value_of(argc, argv, &i, "--operation"))) goto missing;
        } else if (is_opt(a, "--size")) {
            if (!(o.size = value_of(argc, argv, &i, "--size"))) goto missing;
            if (accel__bench_parse_size(o.size, NULL) < 0) {
                accel_cli_error("bench",
                                "--size %s: allowed: small, medium, large, or a number of "
                                "items ≥ 1",
                                o.size);
                return 2;
            }
        } else if (is_opt(a, "--batch-size")) {
            int b;
            if (!(batch = value_of(argc, argv, &i, "--batch-size"))) goto missing;
            if (parse_int("--batch-size", batch, 1, &b) != 0) return 2;
        } else if (is_opt(a, "--iterations")) {
            if (parse_int("--iterations", value_of(argc, argv, &i, "--iterations"), 1,
                          &o.iterations))
                return 2;
        } else if (is_opt(a, "--warmup")) {
            if (parse_int("--warmup", value_of(argc, argv, &i, "--warmup"), 0, &o.warmup)) return 2;
        } else if (is_opt(a, "--device")) {
            if (!(o.devices = value_of(argc, argv, &i, "--device"))) goto missing;
        } else if (is_opt(a, "--json")) {
            if (!(json = value_of(argc, argv, &i, "--json"))) goto missing;
        } else if (is_opt(a, "--svg")) {
            if (!(svg = value_of(argc, argv, &i, "--svg"))) goto missing;
        } else if (accel_cli_is(a, "--quick", NULL)) {
            o.quick = 1;
        } else if (accel_cli_is(a, "--list", NULL)) {
            list = 1;
        } else {
            accel_cli_error("bench", "unknown option '%s' (allowed: %s)", a, options_allowed);
            return 2;
        }
        continue;
    missing:
        accel_cli_error("bench", "%s needs a value", a);
        return 2;
    }
    if (list) {
        list_cases(stdout);
        return 0;
    }
    if (!ops && !o.quick) {
        accel_cli_error("bench", "say what to time: --operation NAME, --quick or --list");
        fputs(usage_text, stderr);
        return 2;
    }
    /* operations: validated before any device is opened */
    const char *names[64];
    char opbuf[1024];
    if (ops && strcmp(ops, "all") != 0) {
        accel__strlcpy(opbuf, ops, sizeof opbuf);
        char *save = NULL;
        for (char *t = strtok_r(opbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (!accel__bench_case_find(t)) {
                accel_cli_error("bench", "--operation %s: unknown operation", t);
                allowed_ops(stderr);
                return 2;
            }
            if (o.n_ops == sizeof names / sizeof *names) {
                accel_cli_error("bench", "--operation: at most 64 operations");
                return 2;
            }
            names[o.n_ops++] = t;
        }
        o.ops = names;
    }
    accel_option opt[1] = {{"ACCEL_BATCH_SIZE", batch}};
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, opt, batch ? 1 : 0, 0);
    if (st != ACCEL_OK) {
        fprintf(stderr, "accel: error: %s\n", accel_last_error(NULL));
        return 2;
    }
    o.progress = stderr;
    accel__bench_report *r = NULL;
    st = accel__bench_run(ctx, &o, &r);
    if (st != ACCEL_OK) {
        accel_cli_error("bench", "%s", accel_last_error(ctx));
        accel_ctx_destroy(ctx);
        return st == ACCEL_ERR_INVALID_ARG ? 2 : 1;
    }
    int to_stdout = json && strcmp(json, "-") == 0;
    accel__bench_write_text(ctx, r, to_stdout ? stderr : stdout);
    int rc = 0;
    for (size_t i = 0; i < r->n_results; i++)
        if (r->results[i].successes < r->results[i].iterations) rc = 1;
    if (r->n_fallbacks) rc = 1;
    if (json) {
        FILE *f = to_stdout ? stdout : fopen(json, "w");
        if (!f) {
            accel_cli_error("bench", "cannot write %s: %s", json, strerror(errno));
            rc = 2;
        } else {
            accel__bench_write_json(ctx, r, f);
            if (!to_stdout && fclose(f) != 0) {
                accel_cli_error("bench", "cannot write %s: %s", json, strerror(errno));
                rc = 2;
            }
        }
    }
    if (svg) {
        FILE *f = fopen(svg, "w");
        if (!f) {
            accel_cli_error("bench", "cannot write %s: %s", svg, strerror(errno));
            rc = 2;
        } else {
            accel__bench_write_svg(ctx, r, f);
            if (fclose(f) != 0) {
                accel_cli_error("bench", "cannot write %s: %s", svg, strerror(errno));
                rc = 2;
            }
        }
    }
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);
    return rc;
}
