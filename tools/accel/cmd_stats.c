/* cmd_stats.c — `accel stats`: run operations a few times through the fallback executor and
 * print the per-operation counters (calls, fallbacks by reason, failures, time lost) and the
 * fallbacks seen. Settings from the environment apply, so `ACCEL_FAULT=oom@alloc:1 accel
 * stats` shows what a failing GPU does. Exit codes: 0 every call succeeded; 1 some failed;
 * 2 usage or configuration.
 *
 * Rows are named as the operations were given (whisper-80, convert-f16): the executor counts
 * per operation (whisper), so each row is the difference its own calls made to the counters. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/executor.h"
#include "core/opnames.h"
#include "core/text.h"

const char *const accel_cli_stats_help =
    "run operations and print the executor's counters and fallbacks ([--op NAME] [--json])";

enum { O_OP, O_SIZE, O_ITERATIONS, O_DEVICE, O_JSON, O_FORMAT, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_OP] = {"--op", "--operation", CLI_STR, "NAME[,NAME...]|all",
              "operations to run (default all; see `accel bench --list`)", 0, 0, NULL, 0},
    [O_SIZE] = {"--size", NULL, CLI_STR, "small|medium|large|N", "items per call (default small)",
                0, 0, NULL, 0},
    [O_ITERATIONS] = {"--iterations", NULL, CLI_INT, "K", "calls per operation (default 1)", 1,
                      10000000, NULL, 0},
    [O_DEVICE] = CLI_OPT_DEVICE("default auto;\n"
                                "the device planned first, others take over on a fallback"),
    [O_JSON] = CLI_OPT_JSON,
    [O_FORMAT] = CLI_OPT_FORMAT,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "stats",
    .synopsis = "[--op NAME[,NAME...]|all] [--size small|medium|large|N] [--iterations K]\n"
                "                   [--device D] [--json | --format F] [-o FILE]",
    .about = "The csv format holds the counters; md also the fallbacks seen. --device KIND\n"
             "plans the device the library selects among that kind's (ACCEL_BACKEND=KIND).",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 every call succeeded; 1 some failed, or no context (an\n"
              "unreadable configuration file); 2 usage or configuration error",
};

#define MAX_OPS 64

typedef struct seen {
    char op[32];
    accel_fallback_reason reason;
    int tried, used;
    unsigned long count;
} seen;

typedef struct row {
    char name[32];
    accel_op_stats s; /* this name's own share of the counters */
} row;

/* The executor's counters of operation `op` now (zero when it has none yet). */
static accel_op_stats counters(const accel_ctx *ctx, const char *op)
{
    accel_op_stats s = {.struct_size = sizeof s};
    size_t n = 0;
    accel_stats_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        accel_op_stats t = {.struct_size = sizeof t};
        if (accel_stats_get(ctx, i, &t) == ACCEL_OK && strcmp(t.op, op) == 0) return t;
    }
    accel__strlcpy(s.op, op, sizeof s.op);
    return s;
}

static void subtract(accel_op_stats *after, const accel_op_stats *before)
{
    after->calls -= before->calls;
    for (int r = 0; r < 6; r++) after->fallbacks[r] -= before->fallbacks[r];
    after->failures -= before->failures;
    after->time_lost_ms -= before->time_lost_ms;
}

static void json(const row *rows, size_t n, const seen *fb, size_t n_fb, FILE *f)
{
    accel__json j;
    accel__json_init(&j, f, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_begin_array(&j, "operations");
    for (size_t i = 0; i < n; i++) {
        const accel_op_stats *s = &rows[i].s;
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "operation", rows[i].name);
        accel__json_int(&j, "calls", (long long)s->calls);
        accel__json_begin_object(&j, "fallbacks");
        for (int r = 1; r < 6; r++)
            accel__json_int(&j, accel_fallback_reason_name((accel_fallback_reason)r),
                            (long long)s->fallbacks[r]);
        accel__json_end_object(&j);
        accel__json_int(&j, "failures", (long long)s->failures);
        accel__json_num(&j, "time_lost_ms", s->time_lost_ms);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);
    accel__json_begin_array(&j, "fallbacks");
    for (size_t i = 0; i < n_fb; i++) {
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "operation", fb[i].op);
        accel__json_str(&j, "reason", accel_fallback_reason_name(fb[i].reason));
        accel__json_int(&j, "device_tried", fb[i].tried);
        accel__json_int(&j, "device_used", fb[i].used);
        accel__json_int(&j, "count", (long long)fb[i].count);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);
    accel__json_end_object(&j);
    accel__json_finish(&j);
}

static void table(accel_ctx *ctx, const row *rows, size_t n, const seen *fb, size_t n_fb,
                  cli_format fmt, FILE *f)
{
    static const char *const head[] = {"operation",      "calls",    "unavailable",
                                       "oom",            "kernel_error", "disabled_by_config",
                                       "unsupported_op", "failures", "time_lost_ms"};
    cli_table t;
    cli_table_init(&t, 9, head, "lrrrrrrrr");
    for (size_t i = 0; i < n; i++) {
        const accel_op_stats *s = &rows[i].s;
        char c[8][32];
        snprintf(c[0], 32, "%llu", (unsigned long long)s->calls);
        for (int r = 1; r < 6; r++)
            snprintf(c[r], 32, "%llu", (unsigned long long)s->fallbacks[r]);
        snprintf(c[6], 32, "%llu", (unsigned long long)s->failures);
        if (fmt == CLI_FMT_TABLE)
            snprintf(c[7], 32, "%.3f", s->time_lost_ms);
        else /* csv and md carry the measure as the JSON does (docs/cli.md) */
            accel__num_shortest(c[7], s->time_lost_ms);
        const char *cells[] = {rows[i].name, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]};
        cli_table_add(&t, cells);
    }
    cli_table_write(&t, fmt, f);
    cli_table_free(&t);
    if (fmt == CLI_FMT_CSV) return;
    int md = fmt == CLI_FMT_MD;
    fprintf(f, "\n%s%s%s\n", md ? "**fallbacks seen:**" : "fallbacks seen:", n_fb ? "" : " none",
            n_fb && md ? "\n" : "");
    for (size_t i = 0; i < n_fb; i++) {
        const accel_device_info *tr = NULL, *u = NULL;
        accel_device_get(ctx, (size_t)fb[i].tried, &tr);
        if (fb[i].used >= 0) accel_device_get(ctx, (size_t)fb[i].used, &u);
        fprintf(f, "%s%lu× %s: %s on device %d (%s) → device %d (%s)\n",
                fmt == CLI_FMT_MD ? "- " : "  ", fb[i].count, fb[i].op,
                accel_fallback_reason_name(fb[i].reason), fb[i].tried, tr ? tr->name : "?",
                fb[i].used, u ? u->name : "none");
    }
}

int accel_cli_stats(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    const char *ops = a.v[O_OP].set ? a.v[O_OP].s : "all";
    const char *size = a.v[O_SIZE].set ? a.v[O_SIZE].s : "small";
    long iterations = a.v[O_ITERATIONS].set ? (long)a.v[O_ITERATIONS].i : 1;
    accel_cli_device dev;
    if (accel_cli_device_parse("stats", a.v[O_DEVICE].set ? a.v[O_DEVICE].s : NULL, &dev) != 0)
        return 2;
    long device = dev.index; /* -1: the policy's choice */
    if (accel__bench_parse_size(size, NULL) < 0) {
        accel_cli_error("stats", "--size %s: allowed: small, medium, large, or a number of items %s",
                        size, ACCEL__BENCH_SIZE_RANGE);
        return 2;
    }
    /* the operations, checked before a context exists; each keeps the name it was given */
    static row rows[MAX_OPS];
    const accel__bench_case *cases[MAX_OPS];
    const accel__op *opsv[MAX_OPS];
    size_t n_rows = 0;
    /* an empty name (--op '', "noop,,reduce") is refused as select refuses it, not skipped: a
     * script's empty variable must not run nothing and exit 0 */
    if (accel__list_has_empty(ops)) {
        accel__op_ref none;
        accel__op_resolve("", &none);
        accel_cli_error("stats", "--op %s: %s", ops, accel_last_error(NULL));
        return 2;
    }
    char buf[1024];
    accel__strlcpy(buf, ops, sizeof buf);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "all") == 0) {
            for (size_t i = 0; i < accel__bench_case_count() && n_rows < MAX_OPS; i++) {
                cases[n_rows] = accel__bench_case_at(i);
                opsv[n_rows] = accel__bench_case_op(cases[n_rows]);
                accel__strlcpy(rows[n_rows].name, cases[n_rows]->op, sizeof rows[0].name);
                n_rows++;
            }
            continue;
        }
        accel__op_ref ref;
        if (accel__op_resolve(t, &ref) != ACCEL_OK) {
            accel_cli_error("stats", "--op %s: %s", t, accel_last_error(NULL));
            return 2;
        }
        if (!ref.pre) {
            accel_cli_error("stats", "--op %s: the operation has no preset to build calls from", t);
            return 2;
        }
        if (n_rows == MAX_OPS) {
            accel_cli_error("stats", "--op: at most %d operations", MAX_OPS);
            return 2;
        }
        cases[n_rows] = ref.pre;
        opsv[n_rows] = ref.op;
        accel__strlcpy(rows[n_rows++].name, t, sizeof rows[0].name);
    }
    /* a kind becomes ACCEL_BACKEND=KIND: the executor's policy then plans that kind's device
     * first; every device is discovered, so the fallbacks name `accel devices` indices */
    int uerr = 0;
    accel_ctx *ctx = accel_cli_open_device("stats", &dev, 0, 0, &uerr);
    if (!ctx) return uerr ? 2 : 1; /* a bad setting is a usage error; the rest a failure */
    if (accel_cli_device_check("stats", ctx, &dev) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, O_FORMAT, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    size_t custom = 0;
    int which = accel__bench_parse_size(size, &custom);
    seen fb[64];
    size_t n_fb = 0, n_shown = 0;
    int rc = 0;
    for (size_t k = 0; k < n_rows; k++) {
        const accel__bench_case *c = cases[k];
        const accel__op *op = opsv[k];
        const char *name = rows[k].name;
        if (!op) continue;
        size_t items = which < 3 ? c->sizes[which] : custom;
        void *call = NULL;
        size_t bin, bout;
        accel_op_stats before = counters(ctx, op->name);
        if (c->make(items, 0, &call, &bin, &bout) != ACCEL_OK) {
            accel_cli_error("stats", "%s: cannot build a call of %zu items: %s", name, items,
                            accel_last_error(ctx));
            rc = 1;
            continue;
        }
        for (long it = 0; it < iterations; it++) {
            accel_run_record rec = {.struct_size = sizeof rec};
            accel_status st = accel__exec_from(ctx, (int)device, op, call, &rec);
            if (st != ACCEL_OK) {
                if (rc == 0) fprintf(stderr, "accel stats: %s: %s\n", name, accel_last_error(ctx));
                rc = 1;
            }
            if (rec.n_fallbacks == 0) continue;
            size_t j = 0;
            while (j < n_fb &&
                   !(strcmp(fb[j].op, name) == 0 && fb[j].reason == rec.reason &&
                     fb[j].tried == rec.device_planned && fb[j].used == rec.device_used))
                j++;
            if (j == n_fb && n_fb < 64) {
                accel__strlcpy(fb[j].op, name, sizeof fb[j].op);
                fb[j].reason = rec.reason;
                fb[j].tried = rec.device_planned;
                fb[j].used = rec.device_used;
                fb[j].count = 0;
                n_fb++;
            }
            if (j < n_fb) fb[j].count++;
        }
        c->destroy(call);
        accel_op_stats after = counters(ctx, op->name);
        subtract(&after, &before);
        rows[n_shown].s = after;
        if (n_shown != k) memcpy(rows[n_shown].name, name, sizeof rows[0].name);
        n_shown++;
    }
    if (o.fmt == CLI_FMT_JSON)
        json(rows, n_shown, fb, n_fb, o.f);
    else
        table(ctx, rows, n_shown, fb, n_fb, o.fmt, o.f);
    if (cli_out_text(&o)) table(ctx, rows, n_shown, fb, n_fb, CLI_FMT_TABLE, stdout);
    int wc = cli_out_close(&o);
    accel_ctx_destroy(ctx);
    return wc ? wc : rc;
}
