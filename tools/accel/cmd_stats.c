/* cmd_stats.c — `accel stats`: run operations a few times through the fallback executor and
 * print the per-operation counters (calls, fallbacks by reason, failures, time lost) and the
 * fallbacks seen. Settings from the environment apply, so `ACCEL_FAULT=oom@alloc:1 accel
 * stats` shows what a failing GPU does. Exit codes: 0 every call succeeded; 1 some failed;
 * 2 usage or configuration. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "core/executor.h"

const char *const accel_cli_stats_help =
    "run operations and print the executor's counters and fallbacks ([--op NAME] [--json])";

static const char usage_text[] =
    "usage: accel stats [--op NAME[,NAME...]|all] [--size small|medium|large|N]\n"
    "                   [--iterations K] [--device ID] [--json]\n"
    "  --op          operations to run (default all; see `accel bench --list`)\n"
    "  --size        items per call (default small)\n"
    "  --iterations  calls per operation (default 1)\n"
    "  --device      planned device (default: the policy's choice)\n"
    "  --json        print the counters as JSON\n";

typedef struct seen {
    char op[32];
    accel_fallback_reason reason;
    int tried, used;
    unsigned long count;
} seen;

int accel_cli_stats(int argc, char **argv)
{
    const char *ops = "all", *size = "small";
    long iterations = 1, device = -1;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (accel_cli_is(a, "--help", "-h")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (accel_cli_is(a, "--op", "--operation")) {
            if (!v) goto missing;
            ops = argv[++i];
        } else if (accel_cli_is(a, "--size", NULL)) {
            if (!v) goto missing;
            size = argv[++i];
            if (accel__bench_parse_size(size, NULL) < 0) {
                accel_cli_error("stats",
                                "--size %s: allowed: small, medium, large, or a number ≥ 1", size);
                return 2;
            }
        } else if (accel_cli_is(a, "--iterations", NULL)) {
            if (!v) goto missing;
            errno = 0;
            iterations = strtol(v, &end, 10);
            if (!*v || *end || errno || iterations < 1 || iterations > 10000000) {
                accel_cli_error("stats", "--iterations %s: expected a whole number 1..10000000", v);
                return 2;
            }
            i++;
        } else if (accel_cli_is(a, "--device", NULL)) {
            if (!v) goto missing;
            errno = 0;
            device = strtol(v, &end, 10);
            if (!*v || *end || errno || device < 0) {
                accel_cli_error("stats",
                                "--device %s: expected a device index (see `accel devices`)", v);
                return 2;
            }
            i++;
        } else if (accel_cli_is(a, "--json", NULL)) {
            json = 1;
        } else {
            accel_cli_error("stats",
                            "unknown option '%s' (allowed: --op, --size, --iterations, "
                            "--device, --json, --help)",
                            a);
            return 2;
        }
        continue;
    missing:
        accel_cli_error("stats", "%s needs a value", a);
        return 2;
    }
    /* the operations, checked before a context exists */
    const accel__bench_case *cases[64];
    size_t n_cases = 0;
    char buf[1024];
    accel__strlcpy(buf, ops, sizeof buf);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "all") == 0) {
            for (size_t i = 0; i < accel__bench_case_count() && n_cases < 64; i++)
                cases[n_cases++] = accel__bench_case_at(i);
            continue;
        }
        const accel__bench_case *c = accel__bench_case_find(t);
        if (!c) {
            accel_cli_error("stats", "--op %s: unknown operation (see `accel bench --list`)", t);
            return 2;
        }
        if (n_cases < 64) cases[n_cases++] = c;
    }
    accel_ctx *ctx = accel_cli_open(0);
    if (!ctx) return 2;
    if (device >= (long)ctx->n_devs) {
        accel_cli_error("stats", "--device %ld: no such device (devices 0..%zu)", device,
                        ctx->n_devs - 1);
        accel_ctx_destroy(ctx);
        return 2;
    }
    size_t custom = 0;
    int which = accel__bench_parse_size(size, &custom);
    seen fb[64];
    size_t n_fb = 0;
    int rc = 0;
    for (size_t k = 0; k < n_cases; k++) {
        const accel__bench_case *c = cases[k];
        const accel__op *op = accel__bench_case_op(c);
        if (!op) continue;
        size_t items = which < 3 ? c->sizes[which] : custom;
        void *call = NULL;
        size_t bin, bout;
        if (c->make(items, 0, &call, &bin, &bout) != ACCEL_OK) {
            accel_cli_error("stats", "%s: cannot build a call of %zu items: %s", c->op, items,
                            accel_last_error(ctx));
            rc = 1;
            continue;
        }
        for (long it = 0; it < iterations; it++) {
            accel_run_record rec = {.struct_size = sizeof rec};
            accel_status st = accel__exec_from(ctx, (int)device, op, call, &rec);
            if (st != ACCEL_OK) {
                if (rc == 0) fprintf(stderr, "accel stats: %s: %s\n", c->op, accel_last_error(ctx));
                rc = 1;
            }
            if (rec.n_fallbacks == 0) continue;
            size_t j = 0;
            while (j < n_fb &&
                   !(strcmp(fb[j].op, c->op) == 0 && fb[j].reason == rec.reason &&
                     fb[j].tried == rec.device_planned && fb[j].used == rec.device_used))
                j++;
            if (j == n_fb && n_fb < 64) {
                accel__strlcpy(fb[j].op, c->op, sizeof fb[j].op);
                fb[j].reason = rec.reason;
                fb[j].tried = rec.device_planned;
                fb[j].used = rec.device_used;
                fb[j].count = 0;
                n_fb++;
            }
            if (j < n_fb) fb[j].count++;
        }
        c->destroy(call);
    }
    size_t n = 0;
    accel_stats_count(ctx, &n);
    if (json) {
        accel__json j;
        accel__json_init(&j, stdout, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_begin_array(&j, "operations");
        for (size_t i = 0; i < n; i++) {
            accel_op_stats s = {.struct_size = sizeof s};
            accel_stats_get(ctx, i, &s);
            accel__json_begin_object(&j, NULL);
            accel__json_str(&j, "operation", s.op);
            accel__json_int(&j, "calls", (long long)s.calls);
            accel__json_begin_object(&j, "fallbacks");
            for (int r = 1; r < 6; r++)
                accel__json_int(&j, accel_fallback_reason_name((accel_fallback_reason)r),
                                (long long)s.fallbacks[r]);
            accel__json_end_object(&j);
            accel__json_int(&j, "failures", (long long)s.failures);
            accel__json_num(&j, "time_lost_ms", s.time_lost_ms);
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
    } else {
        printf("%-14s %8s %12s %5s %13s %19s %15s %9s %13s\n", "operation", "calls", "unavailable",
               "oom", "kernel_error", "disabled_by_config", "unsupported_op", "failures",
               "time lost ms");
        for (size_t i = 0; i < n; i++) {
            accel_op_stats s = {.struct_size = sizeof s};
            accel_stats_get(ctx, i, &s);
            printf("%-14s %8llu %12llu %5llu %13llu %19llu %15llu %9llu %13.3f\n", s.op,
                   (unsigned long long)s.calls, (unsigned long long)s.fallbacks[1],
                   (unsigned long long)s.fallbacks[2], (unsigned long long)s.fallbacks[3],
                   (unsigned long long)s.fallbacks[4], (unsigned long long)s.fallbacks[5],
                   (unsigned long long)s.failures, s.time_lost_ms);
        }
        printf("\nfallbacks seen: %s\n", n_fb ? "" : "none");
        for (size_t i = 0; i < n_fb; i++) {
            const accel_device_info *t = NULL, *u = NULL;
            accel_device_get(ctx, (size_t)fb[i].tried, &t);
            if (fb[i].used >= 0) accel_device_get(ctx, (size_t)fb[i].used, &u);
            printf("  %lu× %s: %s on device %d (%s) → device %d (%s)\n", fb[i].count, fb[i].op,
                   accel_fallback_reason_name(fb[i].reason), fb[i].tried, t ? t->name : "?",
                   fb[i].used, u ? u->name : "none");
        }
    }
    accel_ctx_destroy(ctx);
    return rc;
}
