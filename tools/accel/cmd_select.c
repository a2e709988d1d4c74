/* cmd_select.c — `accel select [--op NAME] [--explain] [--no-cache]`: the device the policy
 * would choose, and with --explain every candidate with its score and the rule or setting
 * that placed it. */
#include "cli.h"

#include <stdlib.h>

#include "core/opnames.h"
#include "core/select.h"

const char *const accel_cli_select_help =
    "print the device an operation would run on ([--op NAME] [--explain] [--no-cache])";

enum { O_OP, O_EXPLAIN, O_NO_CACHE, O_JSON, O_FORMAT, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_OP] = CLI_OPT_OP("the operation to place: a family (whisper) or a preset (whisper-80);\n"
                        "default: any (see `accel bench --list`)"),
    [O_EXPLAIN] = {"--explain", NULL, CLI_FLAG, NULL,
                   "list every candidate, its score and the rule that decided", 0, 0, NULL, 0},
    [O_NO_CACHE] = CLI_OPT_NO_CACHE,
    [O_JSON] = CLI_OPT_JSON,
    [O_FORMAT] = CLI_OPT_FORMAT,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "select",
    .synopsis = "[--op NAME] [--explain] [--no-cache] [--json | --format F] [-o FILE]",
    .about = "Honours ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU and\n"
             "ACCEL_STRICT (docs/configuration.md). --json lists every candidate; the csv and md\n"
             "formats the chosen one, and with --explain every candidate.",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 a device was chosen; 1 none may be used (ACCEL_STRICT=1\n"
              "refused a fallback, or no usable device), or no context (an unreadable\n"
              "configuration file); 2 usage or configuration error",
};

static void json_device(accel__json *j, const char *key, const accel_device_info *d)
{
    if (!d) {
        accel__json_null(j, key);
        return;
    }
    accel__json_begin_object(j, key);
    accel__json_int(j, "index", d->index);
    accel__json_str(j, "kind", accel_device_kind_name(d->kind));
    accel__json_str(j, "name", d->name);
    if (d->pci_bus_id[0])
        accel__json_str(j, "pci_bus_id", d->pci_bus_id);
    else
        accel__json_null(j, "pci_bus_id");
    accel__json_end_object(j);
}

/* JSON, csv or md from the candidate list itself (the table format is the library's text). */
static void report(accel_ctx *ctx, const char *op, const accel__selection *sel, int explain,
                   accel_status st, cli_format fmt, FILE *f)
{
    const accel_device_info *chosen = NULL;
    if (st == ACCEL_OK) accel_device_get(ctx, (size_t)sel->chosen, &chosen);
    if (fmt == CLI_FMT_JSON) {
        accel__json j;
        accel__json_init(&j, f, 1);
        accel__json_begin_object(&j, NULL);
        if (op)
            accel__json_str(&j, "operation", op);
        else
            accel__json_null(&j, "operation");
        json_device(&j, "device", chosen);
        if (st != ACCEL_OK)
            accel__json_str(&j, "error", accel_last_error(ctx));
        else
            accel__json_null(&j, "error");
        if (sel->warning[0])
            accel__json_str(&j, "warning", sel->warning);
        else
            accel__json_null(&j, "warning");
        accel__json_begin_array(&j, "candidates");
        for (size_t i = 0; i < sel->n; i++) {
            const accel_device_info *d = NULL;
            accel_device_get(ctx, (size_t)sel->c[i].index, &d);
            accel__json_begin_object(&j, NULL);
            accel__json_int(&j, "index", sel->c[i].index);
            accel__json_str(&j, "kind", accel_device_kind_name(d->kind));
            accel__json_str(&j, "name", d->name);
            accel__json_num(&j, "score", sel->c[i].score);
            accel__json_bool(&j, "eligible", sel->c[i].eligible);
            accel__json_bool(&j, "chosen", sel->c[i].index == sel->chosen && st == ACCEL_OK);
            accel__json_str(&j, "rule", sel->c[i].rule);
            accel__json_end_object(&j);
        }
        accel__json_end_array(&j);
        accel__json_end_object(&j);
        accel__json_finish(&j);
        return;
    }
    static const char *const head[] = {"chosen", "index", "kind", "name", "score", "eligible",
                                       "rule"};
    cli_table t;
    cli_table_init(&t, 7, head, "lrllrll");
    for (size_t i = 0; i < sel->n; i++) {
        int is_chosen = sel->c[i].index == sel->chosen && st == ACCEL_OK;
        if (!explain && !is_chosen) continue;
        const accel_device_info *d = NULL;
        accel_device_get(ctx, (size_t)sel->c[i].index, &d);
        char idx[16], score[32];
        snprintf(idx, sizeof idx, "%d", sel->c[i].index);
        snprintf(score, sizeof score, "%.3f", sel->c[i].score);
        const char *row[] = {is_chosen ? "*" : "", idx, accel_device_kind_name(d->kind), d->name,
                             score, sel->c[i].eligible ? "yes" : "no", sel->c[i].rule};
        cli_table_add(&t, row);
    }
    cli_table_write(&t, fmt, f);
    cli_table_free(&t);
}

static void text(accel_ctx *ctx, size_t chosen, const char *explain, FILE *f)
{
    if (explain) {
        fputs(explain, f);
        return;
    }
    const accel_device_info *d;
    accel_device_get(ctx, chosen, &d);
    fprintf(f, "%d %s %s%s%s\n", d->index, accel_device_kind_name(d->kind), d->name,
            d->pci_bus_id[0] ? " " : "", d->pci_bus_id);
}

int accel_cli_select(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    const char *op = a.v[O_OP].set ? a.v[O_OP].s : NULL;
    int explain = a.v[O_EXPLAIN].set > 0;
    /* the name first: an unknown operation is a usage error before any device is probed */
    accel__op_ref ref = {0};
    if (op && accel__op_resolve(op, &ref) != ACCEL_OK) {
        accel_cli_error("select", "--op %s: %s", op, accel_last_error(NULL));
        return 2;
    }
    unsigned flags = ACCEL_CTX_NO_WARMUP;
    if (a.v[O_NO_CACHE].set) flags |= ACCEL_CTX_NO_CACHE;
    int open_status;
    accel_ctx *ctx = accel_cli_open(verb.name, flags, &open_status);
    if (!ctx) return open_status;
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, O_FORMAT, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    size_t chosen = 0;
    char *explained = NULL;
    accel_status st;
    if (o.fmt == CLI_FMT_TABLE) {
        st = accel_select(ctx, op, &chosen, explain ? &explained : NULL);
        /* the explanation also when the selection failed: it says why */
        if (st == ACCEL_OK || explained) text(ctx, chosen, explained, o.f);
    } else {
        accel__selection *sel = calloc(1, sizeof *sel);
        if (!sel) {
            accel_cli_error("select", "out of memory");
            cli_out_discard(&o);
            accel_ctx_destroy(ctx);
            return 1;
        }
        st = ref.op || !op ? accel__select_order(ctx, op ? ref.op->name : NULL, sel)
                           : ACCEL_ERROR(ACCEL_ERR_NOT_BUILT_IN,
                                         "operation '%s' is not built into this library", op);
        if (st == ACCEL_OK) chosen = (size_t)sel->chosen;
        report(ctx, op, sel, explain, st, o.fmt, o.f);
        /* -o FILE in another format: the same candidates on screen, as a table */
        if (cli_out_text(&o)) {
            if (explain)
                report(ctx, op, sel, explain, st, CLI_FMT_TABLE, stdout);
            else if (st == ACCEL_OK)
                text(ctx, chosen, NULL, stdout);
        }
        free(sel);
    }
    int rc = 0;
    if (st != ACCEL_OK) {
        accel_cli_error("select", "%s", accel_last_error(ctx));
        rc = (st == ACCEL_ERR_NOT_FOUND || st == ACCEL_ERR_CONFIG || st == ACCEL_ERR_INVALID_ARG)
                 ? 2
                 : 1;
    }
    free(explained);
    int wc = cli_out_close(&o);
    accel_ctx_destroy(ctx);
    return wc ? wc : rc;
}
