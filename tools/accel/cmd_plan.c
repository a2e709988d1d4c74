/* cmd_plan.c — `accel plan`: the batch (and chunk) plan for an operation on a device, and
 * why (docs/planning.md). Exit codes: 0 a plan; 1 nothing fits; 2 usage or configuration. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"

const char *const accel_cli_plan_help =
    "how much of an operation fits a device, and why (--op NAME [--size N] [--calibrate] ...)";

static const char usage_text[] =
    "usage: accel plan --op NAME [--size N] [--item-size N] [--device ID] [--calibrate]\n"
    "                  [--duration SECONDS --rate HZ]\n"
    "  --op         the operation (see `accel bench --list`)\n"
    "  --size       items in the call to plan (default 1): says how many device calls it takes\n"
    "  --item-size  elements per item, for operations whose items have a length\n"
    "  --device     device index (default: the one selection would choose)\n"
    "  --calibrate  measure bytes = a + b·n with two small runs instead of the formula\n"
    "  --duration, --rate   also plan chunks of a signal this long at this rate\n";

static int whole(const char *opt, const char *v, unsigned long long min, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x < min || v[0] == '-') {
        accel_cli_error("plan", "%s %s: expected a whole number ≥ %llu", opt, v ? v : "(missing)",
                        min);
        return -1;
    }
    *out = x;
    return 0;
}

static void human(int64_t b, char *buf, size_t cap)
{
    if (b < 0)
        snprintf(buf, cap, "unknown");
    else
        snprintf(buf, cap, "%.3f GiB (%lld bytes)", (double)b / (1024.0 * 1024 * 1024),
                 (long long)b);
}

int accel_cli_plan(int argc, char **argv)
{
    const char *op = NULL;
    unsigned long long size = 1, item_size = 0, dev = 0, rate = 0;
    int have_dev = 0, calibrate = 0, have_duration = 0;
    double duration = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (accel_cli_is(a, "--help", "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (accel_cli_is(a, "--op", "--operation")) {
            if (!v) goto missing;
            op = argv[++i];
        } else if (accel_cli_is(a, "--size", NULL)) {
            if (whole(a, v, 1, &size)) return 2;
            i++;
        } else if (accel_cli_is(a, "--item-size", NULL)) {
            if (whole(a, v, 1, &item_size)) return 2;
            i++;
        } else if (accel_cli_is(a, "--device", NULL)) {
            if (whole(a, v, 0, &dev)) return 2;
            have_dev = 1;
            i++;
        } else if (accel_cli_is(a, "--rate", NULL)) {
            if (whole(a, v, 1, &rate)) return 2;
            if (rate > 100000000) {
                accel_cli_error("plan", "--rate %s: at most 100000000 Hz", v);
                return 2;
            }
            i++;
        } else if (accel_cli_is(a, "--duration", NULL)) {
            char *end;
            errno = 0;
            duration = v ? strtod(v, &end) : 0;
            if (!v || !*v || *end || errno || !(duration > 0) || !isfinite(duration)) {
                accel_cli_error("plan", "--duration %s: expected a number of seconds > 0",
                                v ? v : "(missing)");
                return 2;
            }
            have_duration = 1;
            i++;
        } else if (accel_cli_is(a, "--calibrate", NULL)) {
            calibrate = 1;
        } else {
            accel_cli_error("plan",
                            "unknown option '%s' (allowed: --op, --size, --item-size, "
                            "--device, --calibrate, --duration, --rate, --help)",
                            a);
            return 2;
        }
        continue;
    missing:
        accel_cli_error("plan", "%s needs a value", a);
        return 2;
    }
    if (!op) {
        accel_cli_error("plan", "--op NAME is required");
        fputs(usage_text, stderr);
        return 2;
    }
    if (!accel__bench_case_find(op)) {
        accel_cli_error("plan", "--op %s: unknown operation (see `accel bench --list`)", op);
        return 2;
    }
    if (have_duration != (rate != 0)) {
        accel_cli_error("plan", "--duration and --rate go together");
        return 2;
    }
    accel_ctx *ctx = accel_cli_open(0);
    if (!ctx) return 2;
    if (have_dev && dev >= ctx->n_devs) {
        accel_cli_error("plan", "--device %llu: no such device (devices 0..%zu)", dev,
                        ctx->n_devs - 1);
        accel_ctx_destroy(ctx);
        return 2;
    }
    int d = have_dev ? (int)dev : -1;
    accel_plan p = {.struct_size = sizeof p};
    accel_status st = accel_plan_batch(ctx, op, (size_t)item_size, d, calibrate, &p);
    int rc = 0;
    if (st != ACCEL_OK && p.device < 0) {
        accel_cli_error("plan", "%s", accel_last_error(ctx));
        accel_ctx_destroy(ctx);
        return st == ACCEL_ERR_INVALID_ARG ? 2 : 1;
    }
    const accel_device_info *info = NULL;
    accel_device_get(ctx, (size_t)p.device, &info);
    char buf[96];
    printf("operation: %s\n", op);
    printf("device:    %d (%s %s)\n", p.device, accel_device_kind_name(info->kind), info->name);
    human(p.budget_bytes, buf, sizeof buf);
    printf("budget:    %s\n", buf);
    printf("memory:    bytes = %lld + %lld·n (%s)\n", (long long)p.bytes_fixed,
           (long long)p.bytes_per_item, p.calibrated ? "calibrated" : "formula");
    if (st != ACCEL_OK) {
        printf("batch:     nothing fits: %s\n", accel_last_error(ctx));
        rc = 1;
    } else if (p.batch == SIZE_MAX) {
        printf("batch:     unlimited by memory\n");
        printf("call:      %llu item(s) in one device call\n", size);
    } else {
        unsigned long long calls = (size + p.batch - 1) / p.batch;
        printf("batch:     %zu items\n", p.batch);
        printf("call:      %llu item(s) in %llu device call(s) of at most %zu\n", size, calls,
               p.batch);
    }
    printf("why:       %s\n", p.why);
    if (have_duration) {
        accel_plan c = {.struct_size = sizeof c};
        st = accel_plan_chunk(ctx, op, duration, (int)rate, d, &c);
        if (st != ACCEL_OK) {
            printf("chunks:    none fit: %s\n", accel_last_error(ctx));
            rc = 1;
        } else {
            printf("chunks:    %.3f s (%zu samples at %llu Hz), %.0f chunk(s) for %.3f s\n",
                   c.chunk_seconds, c.batch, rate, ceil(duration / c.chunk_seconds - 1e-9),
                   duration);
            printf("why:       %s\n", c.why);
        }
    }
    accel_ctx_destroy(ctx);
    return rc;
}
