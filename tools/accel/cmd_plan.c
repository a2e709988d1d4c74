/* cmd_plan.c — `accel plan`: the batch (and chunk) plan for an operation on a device, and
 * why (docs/planning.md). Exit codes: 0 a plan; 1 nothing fits; 2 usage or configuration. */
#include "cli.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/opnames.h"
#include "core/planner.h"

const char *const accel_cli_plan_help =
    "how much of an operation fits a device, and why (--op NAME [--size N] [--calibrate] ...)";

enum { O_OP, O_SIZE, O_ITEM_SIZE, O_DEVICE, O_CALIBRATE, O_DURATION, O_RATE, O_JSON, O_OUTPUT,
       N_OPTS };
static const cli_opt opts[] = {
    [O_OP] = CLI_OPT_OP("the operation: a family (whisper) or a preset (whisper-80; see\n"
                        "`accel bench --list`)"),
    [O_SIZE] = {"--size", NULL, CLI_INT, "N",
                "items in the call to plan (default 1): says how many device calls it takes", 1,
                0, NULL, 0},
    [O_ITEM_SIZE] = {"--item-size", NULL, CLI_INT, "N",
                     "elements per item, for operations whose items have a length", 1, 0, NULL,
                     0},
    [O_DEVICE] = CLI_OPT_DEVICE("default auto"),
    [O_CALIBRATE] = {"--calibrate", NULL, CLI_FLAG, NULL,
                     "measure bytes = a + b·n with two small runs instead of the formula", 0, 0,
                     NULL, 0},
    [O_DURATION] = {"--duration", NULL, CLI_NUM, "SECONDS",
                    "with --rate: also plan chunks of a signal this long", 0, -1, NULL,
                    CLI_MIN_EXCLUSIVE},
    [O_RATE] = {"--rate", NULL, CLI_INT, "HZ", "the signal's sample rate (with --duration)", 1,
                100000000, NULL, 0},
    [O_JSON] = CLI_OPT_JSON,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "plan",
    .synopsis = "--op NAME [--size N] [--item-size N] [--device D] [--calibrate]\n"
                "                  [--duration SECONDS --rate HZ] [--json] [-o FILE]",
    .about = "--device KIND plans for the device the library selects among that kind's\n"
             "(ACCEL_BACKEND=KIND); the report names it by its `accel devices` index.",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 a plan; 1 nothing fits, or no context (an unreadable\n"
              "configuration file); 2 usage or configuration error (a --device with no such\n"
              "device on this machine included)",
};

static void human(int64_t b, char *buf, size_t cap)
{
    if (b < 0)
        snprintf(buf, cap, "unknown");
    else
        snprintf(buf, cap, "%.3f GiB (%lld bytes)", (double)b / (1024.0 * 1024 * 1024),
                 (long long)b);
}

typedef struct plan_view {
    const char *op;
    const accel_device_info *dev;
    accel_plan p;
    accel_status st;
    char err[512];
    unsigned long long size;
    int chunked; /* --duration and --rate */
    double duration;
    int rate;
    accel_plan c;
    accel_status cst;
    char cerr[512];
} plan_view;

static void text(const plan_view *v, FILE *f)
{
    const accel_plan *p = &v->p;
    char buf[96];
    fprintf(f, "operation: %s\n", v->op);
    fprintf(f, "device:    %d (%s %s)\n", p->device, accel_device_kind_name(v->dev->kind),
            v->dev->name);
    human(p->budget_bytes, buf, sizeof buf);
    fprintf(f, "budget:    %s\n", buf);
    fprintf(f, "memory:    bytes = %lld + %lld·n (%s)\n", (long long)p->bytes_fixed,
            (long long)p->bytes_per_item, p->calibrated ? "calibrated" : "formula");
    if (v->st != ACCEL_OK) {
        fprintf(f, "batch:     nothing fits: %s\n", v->err);
    } else if (p->batch == SIZE_MAX) {
        fprintf(f, "batch:     unlimited by memory\n");
        fprintf(f, "call:      %llu item(s) in one device call\n", v->size);
    } else {
        unsigned long long calls = (v->size + p->batch - 1) / p->batch;
        fprintf(f, "batch:     %zu items\n", p->batch);
        fprintf(f, "call:      %llu item(s) in %llu device call(s) of at most %zu\n", v->size,
                calls, p->batch);
    }
    fprintf(f, "why:       %s\n", p->why);
    if (!v->chunked) return;
    if (v->cst != ACCEL_OK) {
        fprintf(f, "chunks:    %s%s\n", v->cst == ACCEL_ERR_DEVICE_OOM ? "none fit: " : "none: ",
                v->cerr);
    } else {
        fprintf(f, "chunks:    %.3f s (%zu samples at %d Hz), %.0f chunk(s) for %.3f s\n",
                v->c.chunk_seconds, v->c.batch, v->rate,
                ceil(v->duration / v->c.chunk_seconds - 1e-9), v->duration);
        fprintf(f, "why:       %s\n", v->c.why);
    }
}

static void json(const plan_view *v, FILE *f)
{
    const accel_plan *p = &v->p;
    accel__json j;
    accel__json_init(&j, f, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "operation", v->op);
    accel__json_begin_object(&j, "device");
    accel__json_int(&j, "index", p->device);
    accel__json_str(&j, "kind", accel_device_kind_name(v->dev->kind));
    accel__json_str(&j, "name", v->dev->name);
    accel__json_end_object(&j);
    if (p->budget_bytes >= 0)
        accel__json_int(&j, "budget_bytes", p->budget_bytes);
    else
        accel__json_null(&j, "budget_bytes");
    accel__json_int(&j, "bytes_fixed", p->bytes_fixed);
    accel__json_int(&j, "bytes_per_item", p->bytes_per_item);
    accel__json_bool(&j, "calibrated", p->calibrated);
    accel__json_int(&j, "items", (long long)v->size);
    if (v->st != ACCEL_OK || p->batch == SIZE_MAX) {
        accel__json_null(&j, "batch"); /* nothing fits, or memory sets no limit */
        if (v->st == ACCEL_OK)
            accel__json_int(&j, "device_calls", 1);
        else
            accel__json_null(&j, "device_calls");
    } else {
        accel__json_int(&j, "batch", (long long)p->batch);
        accel__json_int(&j, "device_calls", (long long)((v->size + p->batch - 1) / p->batch));
    }
    accel__json_bool(&j, "fits", v->st == ACCEL_OK);
    accel__json_str(&j, "error", v->st == ACCEL_OK ? NULL : v->err);
    accel__json_str(&j, "why", p->why);
    if (v->chunked) {
        accel__json_begin_object(&j, "chunks");
        accel__json_num(&j, "duration_s", v->duration);
        accel__json_int(&j, "rate", v->rate);
        if (v->cst == ACCEL_OK) {
            accel__json_num(&j, "chunk_seconds", v->c.chunk_seconds);
            accel__json_int(&j, "chunk_samples", (long long)v->c.batch);
            accel__json_int(&j, "chunks", (long long)ceil(v->duration / v->c.chunk_seconds - 1e-9));
            accel__json_null(&j, "error");
        } else {
            accel__json_null(&j, "chunk_seconds");
            accel__json_null(&j, "chunk_samples");
            accel__json_null(&j, "chunks");
            accel__json_str(&j, "error", v->cerr);
        }
        accel__json_str(&j, "why", v->c.why);
        accel__json_end_object(&j);
    } else {
        accel__json_null(&j, "chunks");
    }
    accel__json_end_object(&j);
    accel__json_finish(&j);
}

int accel_cli_plan(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    plan_view v = {0};
    v.op = a.v[O_OP].set ? a.v[O_OP].s : NULL;
    v.size = a.v[O_SIZE].set ? (unsigned long long)a.v[O_SIZE].i : 1;
    size_t item_size = a.v[O_ITEM_SIZE].set ? (size_t)a.v[O_ITEM_SIZE].i : 0;
    if (!v.op) {
        accel_cli_error("plan", "--op NAME is required");
        cli_help(&verb, stderr);
        return 2;
    }
    accel__op_ref ref;
    if (accel__op_resolve(v.op, &ref) != ACCEL_OK) {
        accel_cli_error("plan", "--op %s: %s", v.op, accel_last_error(NULL));
        return 2;
    }
    if (!a.v[O_DURATION].set != !a.v[O_RATE].set) {
        accel_cli_error("plan", "--duration and --rate go together");
        return 2;
    }
    v.chunked = a.v[O_DURATION].set > 0;
    v.duration = a.v[O_DURATION].d;
    v.rate = (int)a.v[O_RATE].i;
    /* checked before any device is opened, as accel_plan_chunk would refuse it */
    if (v.chunked && v.duration * v.rate > ACCEL__PLAN_MAX_SAMPLES) {
        accel_cli_error("plan", "--duration %s at --rate %d: %g samples; allowed: at most 2^53 "
                                "(%.0f) samples",
                        a.v[O_DURATION].s ? a.v[O_DURATION].s : "", v.rate, v.duration * v.rate,
                        ACCEL__PLAN_MAX_SAMPLES);
        return 2;
    }
    /* a kind becomes ACCEL_BACKEND=KIND, so the plan is for the device the library would
     * run on; every device is discovered, so the report's index is that of `accel devices` */
    accel_cli_device dev;
    if (accel_cli_device_parse("plan", a.v[O_DEVICE].set ? a.v[O_DEVICE].s : NULL, &dev) != 0)
        return 2;
    int uerr = 0;
    accel_ctx *ctx = accel_cli_open_device("plan", &dev, 0, 0, &uerr);
    if (!ctx) return uerr ? 2 : 1; /* a bad setting is a usage error; the rest a failure */
    if (accel_cli_device_check("plan", ctx, &dev) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, -1, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    int d = (int)dev.index; /* -1: the selection's choice */
    v.p.struct_size = sizeof v.p;
    v.st = accel_plan_batch(ctx, v.op, item_size, d, a.v[O_CALIBRATE].set > 0, &v.p);
    accel__strlcpy(v.err, accel_last_error(ctx), sizeof v.err);
    if (v.st != ACCEL_OK && v.p.device < 0) {
        accel_cli_error("plan", "%s", v.err);
        cli_out_discard(&o);
        accel_ctx_destroy(ctx);
        return v.st == ACCEL_ERR_INVALID_ARG ? 2 : 1;
    }
    accel_device_get(ctx, (size_t)v.p.device, &v.dev);
    if (v.chunked) {
        v.c.struct_size = sizeof v.c;
        v.cst = accel_plan_chunk(ctx, v.op, v.duration, v.rate, d, &v.c);
        accel__strlcpy(v.cerr, accel_last_error(ctx), sizeof v.cerr);
    }
    if (o.fmt == CLI_FMT_JSON)
        json(&v, o.f);
    else
        text(&v, o.f);
    if (cli_out_text(&o)) text(&v, stdout);
    int rc = v.st != ACCEL_OK || (v.chunked && v.cst != ACCEL_OK) ? 1 : 0;
    /* a chunk under one sample (the input, ACCEL_CHUNK_SECONDS) is a usage or configuration
     * error, not something that does not fit */
    if (v.chunked && (v.cst == ACCEL_ERR_INVALID_ARG || v.cst == ACCEL_ERR_CONFIG)) rc = 2;
    int wc = cli_out_close(&o);
    accel_ctx_destroy(ctx);
    return wc ? wc : rc;
}
