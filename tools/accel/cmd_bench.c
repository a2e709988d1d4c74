/* cmd_bench.c — `accel bench`: time operations on devices (docs/bench.md). The timing engine
 * is src/core/bench.c; this file parses options and writes the reports. It also takes the
 * options of the face-crawler benchmark script (--operation, --image-size, --gpu/--no-gpu,
 * --batch-size, --iterations), so its users can switch without relearning.
 * Exit codes: 0 every timed call ran on its device; 1 some failed or fell back (the reports
 * say which); 2 usage or configuration error (an unwritable -o or --svg included). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "core/opnames.h"
#include "core/text.h"

const char *const accel_cli_bench_help =
    "time operations on each device (--op NAME | --quick | --list; see --help)";

enum { O_OP, O_SIZE, O_IMAGE_SIZE, O_BATCH_SIZE, O_ITERATIONS, O_WARMUP, O_DEVICE, O_GPU,
       O_JSON, O_FORMAT, O_OUTPUT, O_SVG, O_QUICK, O_LIST, N_OPTS };
static const cli_opt opts[] = {
    [O_OP] = {"--op", "--operation", CLI_STR, "NAME[,NAME...]|all",
              "operations to time: families (whisper) or presets (whisper-80;\n"
              "see --list); all: every preset",
              0, 0, NULL, 0},
    [O_SIZE] = {"--size", NULL, CLI_STR, "small|medium|large|N",
                "items per call: the preset's small/medium/large, or a number\n(default small)",
                0, 0, NULL, 0},
    [O_IMAGE_SIZE] = {"--image-size", NULL, CLI_STR, "small|medium|large|WxH",
                      "image size for image operations: 640x480, 1920x1080, 3840x2160,\n"
                      "or W x H pixels",
                      0, 0, NULL, 0},
    [O_BATCH_SIZE] = {"--batch-size", NULL, CLI_INT, "N",
                      "cap items per device call (sets ACCEL_BATCH_SIZE)", 1, 1000000, NULL, 0},
    [O_ITERATIONS] = {"--iterations", NULL, CLI_INT, "N",
                      "timed calls per operation, size and device (default 10)", 1, 1000000,
                      NULL, 0},
    [O_WARMUP] = {"--warmup", NULL, CLI_INT, "N", "untimed calls before them (default 2)", 0,
                  1000000, NULL, 0},
    [O_DEVICE] = {"--device", NULL, CLI_STR, "D[,D...]",
                  "devices to time: all (the default: every usable device), gpu,\n"
                  "auto (the policy's choice), a kind (cpu, cuda, rocm, opencl,\n"
                  "metal), a device index or a PCI bus id (`accel devices`)", 0, 0, NULL, 0},
    [O_GPU] = {"--gpu", NULL, CLI_SWITCH, NULL,
               "--gpu: the GPUs only (--device gpu); --no-gpu: the CPU only", 0, 0, NULL, 0},
    [O_JSON] = {"--json", NULL, CLI_FLAG, NULL,
                "print the report as JSON (docs/bench.md) on standard output;\n"
                "the table then goes to standard error",
                0, 0, NULL, 0},
    [O_FORMAT] = CLI_OPT_FORMAT,
    [O_OUTPUT] = {"-o", "--output", CLI_STR, "FILE",
                  "write the report to FILE (atomically); the table still shows", 0, 0, NULL, 0},
    [O_SVG] = {"--svg", NULL, CLI_STR, "FILE", "write a bar chart of the report (a file of its own)", 0,
              0, NULL, 0},
    [O_QUICK] = {"--quick", NULL, CLI_FLAG, NULL,
                 "every operation at small size: one warm-up call, three\ntimed (not with --size, --iterations or --warmup)",
                 0, 0, NULL, 0},
    [O_LIST] = {"--list", NULL, CLI_FLAG, NULL, "list the operations and their sizes", 0, 0, NULL,
                0},
};
static const cli_verb verb = {
    .name = "bench",
    .synopsis = "--op NAME[,NAME...]|all [options] | --quick | --list",
    .about = "Times operations on each device against the CPU. Examples:\n"
             "  accel bench --quick\n"
             "  accel bench --op whisper --size medium --json -o whisper.json\n"
             "  accel bench --operation convert --gpu --batch-size 10 --iterations 20",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 every timed call ran on its device (a device that does not offer\n"
              "an operation - no device code, or its kernels missing - is skipped and said so);\n"
              "1 some failed or fell back; 2 usage or configuration error",
};

/* --list: every preset, the family it belongs to, its sizes and what a call does */
static void list_cases(cli_format fmt, FILE *f)
{
    size_t n = accel__bench_case_count();
    if (fmt == CLI_FMT_JSON) {
        accel__json j;
        accel__json_init(&j, f, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_begin_array(&j, "operations");
        for (size_t i = 0; i < n; i++) {
            const accel__bench_case *c = accel__bench_case_at(i);
            const accel__op *op = accel__bench_case_op(c);
            accel__json_begin_object(&j, NULL);
            accel__json_str(&j, "operation", c->op);
            accel__json_str(&j, "family", op ? op->name : NULL);
            accel__json_begin_array(&j, "sizes");
            for (int k = 0; k < 3; k++) accel__json_int(&j, NULL, (long long)c->sizes[k]);
            accel__json_end_array(&j);
            accel__json_bool(&j, "image_size", accel__bench_takes_image_size(c));
            accel__json_bool(&j, "built", op != NULL);
            accel__json_str(&j, "about", c->about);
            accel__json_end_object(&j);
        }
        accel__json_end_array(&j);
        accel__json_end_object(&j);
        accel__json_finish(&j);
        return;
    }
    static const char *const head[] = {"operation", "family", "small", "medium", "large",
                                       "what one call does"};
    cli_table t;
    cli_table_init(&t, 6, head, "llrrrl");
    for (size_t i = 0; i < n; i++) {
        const accel__bench_case *c = accel__bench_case_at(i);
        const accel__op *op = accel__bench_case_op(c);
        char s[3][24], about[512];
        for (int k = 0; k < 3; k++) snprintf(s[k], sizeof s[k], "%zu", c->sizes[k]);
        snprintf(about, sizeof about, "%s%s", c->about,
                 op ? "" : " (not built into this library)");
        const char *row[] = {c->op, op ? op->name : "-", s[0], s[1], s[2], about};
        cli_table_add(&t, row);
    }
    cli_table_write(&t, fmt, f);
    cli_table_free(&t);
    if (fmt == CLI_FMT_TABLE) {
        char names[1024];
        accel__op_names(names, sizeof names);
        fprintf(f, "\nA family name means its first preset (whisper: whisper-80). Names allowed:\n"
                   "%s\n",
                names);
    }
}

/* csv and md: one row per result */
static void result_rows(accel_ctx *ctx, const accel__bench_report *r, cli_format fmt, FILE *f)
{
    static const char *const head[] = {"operation",    "size",        "items",       "device",
                                       "device_kind",  "device_name", "mean_time_ms",
                                       "median_time_ms", "min_time_ms", "p95_time_ms",
                                       "mean_throughput", "success_rate", "bandwidth_gbps",
                                       "error"};
    cli_table t;
    cli_table_init(&t, 14, head, "llrrllrrrrrrrl");
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        const accel_device_info *d = NULL;
        accel_device_get(ctx, (size_t)x->device, &d);
        char c[9][40];
        snprintf(c[0], 40, "%zu", x->items);
        snprintf(c[1], 40, "%d", x->device);
        int ok = x->successes > 0;
        /* the measures as the JSON has them (shortest exact form, docs/cli.md), empty where
         * the JSON has null */
        const double v[7] = {x->e2e.mean, x->e2e.median, x->e2e.min, x->e2e.p95, x->throughput,
                             x->iterations ? (double)x->successes / x->iterations : 0.0,
                             x->bandwidth_gbps};
        const int have[7] = {ok, ok, ok, ok, ok, 1, ok && x->bytes_moved > 0};
        for (int k = 0; k < 7; k++) {
            c[2 + k][0] = '\0';
            if (have[k]) accel__num_shortest(c[2 + k], v[k]);
        }
        char note[300];
        snprintf(note, sizeof note, "skipped: %s", x->skip);
        const char *row[] = {x->op, x->size_label, c[0], c[1],
                             d ? accel_device_kind_name(d->kind) : "", d ? d->name : "",
                             c[2], c[3], c[4], c[5], c[6], c[7], c[8],
                             x->skipped ? note : x->error};
        cli_table_add(&t, row);
    }
    cli_table_write(&t, fmt, f);
    cli_table_free(&t);
}

static void write_report(accel_ctx *ctx, const accel__bench_report *r, cli_format fmt, FILE *f)
{
    if (fmt == CLI_FMT_JSON)
        accel__bench_write_json(ctx, r, f);
    else if (fmt == CLI_FMT_TABLE)
        accel__bench_write_text(ctx, r, f);
    else
        result_rows(ctx, r, fmt, f);
}

int accel_cli_bench(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    accel__bench_opts o = {.iterations = 10, .warmup = 2, .size = "small", .devices = "all"};
    if (a.v[O_ITERATIONS].set) o.iterations = (int)a.v[O_ITERATIONS].i;
    if (a.v[O_WARMUP].set) o.warmup = (int)a.v[O_WARMUP].i;
    o.quick = a.v[O_QUICK].set > 0;
    /* --quick fixes the size and the calls: an option that asks for others would be ignored */
    static const int fixed[] = {O_SIZE, O_ITERATIONS, O_WARMUP};
    for (size_t k = 0; o.quick && k < sizeof fixed / sizeof *fixed; k++)
        if (a.v[fixed[k]].set) {
            accel_cli_error("bench", "--quick and %s %s: --quick is --size small, --iterations 3 "
                                     "and --warmup 1; give one of them",
                            opts[fixed[k]].name, a.v[fixed[k]].s);
            return 2;
        }
    if (a.v[O_SIZE].set) {
        o.size = a.v[O_SIZE].s;
        if (accel__bench_parse_size(o.size, NULL) < 0) {
            accel_cli_error("bench", "--size %s: allowed: small, medium, large, or a number of "
                                     "items %s",
                            o.size, ACCEL__BENCH_SIZE_RANGE);
            return 2;
        }
    }
    if (a.v[O_IMAGE_SIZE].set &&
        accel__bench_parse_image_size(a.v[O_IMAGE_SIZE].s, &o.image_width, &o.image_height) != 0) {
        accel_cli_error("bench", "--image-size %s: allowed: small (640x480), medium (1920x1080), "
                                 "large (3840x2160), or WxH with W and H 1..16384",
                        a.v[O_IMAGE_SIZE].s);
        return 2;
    }
    if (a.v[O_GPU].set && a.v[O_DEVICE].set) {
        accel_cli_error("bench", "%s and --device both choose devices: give one of them",
                        a.v[O_GPU].on ? "--gpu" : "--no-gpu");
        return 2;
    }
    if (a.v[O_DEVICE].set) o.devices = a.v[O_DEVICE].s;
    if (a.v[O_GPU].set) o.devices = a.v[O_GPU].on ? "gpu" : "cpu";
    if (a.v[O_LIST].set && (a.v[O_OP].set || a.v[O_QUICK].set)) {
        /* not one ignored: --list times nothing */
        accel_cli_error("bench", "--list and %s: --list names what can be timed and times nothing; "
                                 "give one of them",
                        a.v[O_OP].set ? "--op" : "--quick");
        return 2;
    }
    if (a.v[O_LIST].set) {
        cli_out out;
        if (cli_out_open(&out, verb.name, &a, O_JSON, O_FORMAT, O_OUTPUT) != 0) return 2;
        list_cases(out.fmt, out.f);
        if (cli_out_text(&out)) list_cases(CLI_FMT_TABLE, stdout);
        return cli_out_close(&out);
    }
    const char *ops = a.v[O_OP].set ? a.v[O_OP].s : NULL;
    if (!ops && !o.quick) {
        accel_cli_error("bench", "say what to time: --op NAME, --quick or --list");
        cli_help(&verb, stderr);
        return 2;
    }
    /* operations: validated before any device is opened */
    const char *names[64];
    char opbuf[1024];
    int takes_image = 0;
    if (ops && strcmp(ops, "all") != 0) {
        if (accel__list_has_empty(ops)) {
            char allowed[1024];
            accel__op_names(allowed, sizeof allowed);
            accel_cli_error("bench", "--op '%s': an empty operation name; allowed: all, or "
                                     "names separated by commas: %s",
                            ops, allowed);
            return 2;
        }
        accel__strlcpy(opbuf, ops, sizeof opbuf);
        char *save = NULL;
        for (char *t = strtok_r(opbuf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            accel__op_ref ref;
            if (accel__op_resolve(t, &ref) != ACCEL_OK) {
                accel_cli_error("bench", "--op %s: %s", t, accel_last_error(NULL));
                return 2;
            }
            if (o.n_ops == sizeof names / sizeof *names) {
                accel_cli_error("bench", "--op: at most 64 operations");
                return 2;
            }
            takes_image |= accel__bench_takes_image_size(ref.pre);
            names[o.n_ops++] = t;
        }
        o.ops = names;
    } else {
        for (size_t i = 0; i < accel__bench_case_count(); i++)
            takes_image |= accel__bench_takes_image_size(accel__bench_case_at(i));
    }
    if (a.v[O_IMAGE_SIZE].set && !takes_image) {
        accel_cli_error("bench", "--image-size %s: none of the operations selected (%s) takes an "
                                 "image size (`accel bench --list` shows which do)",
                        a.v[O_IMAGE_SIZE].s, ops && strcmp(ops, "all") != 0 ? ops : "all");
        return 2;
    }
    char batch[32] = "";
    if (a.v[O_BATCH_SIZE].set) snprintf(batch, sizeof batch, "%lld", a.v[O_BATCH_SIZE].i);
    accel_option opt[1] = {{"ACCEL_BATCH_SIZE", batch}};
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, opt, batch[0] ? 1 : 0, 0);
    if (st != ACCEL_OK) {
        fprintf(stderr, "accel: error: %s\n", accel_last_error(NULL));
        return 2;
    }
    /* the outputs are opened before the run, so an unwritable path costs no benchmark */
    cli_out out, svg;
    if (cli_out_open(&out, verb.name, &a, O_JSON, O_FORMAT, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    const char *svg_path = a.v[O_SVG].set ? a.v[O_SVG].s : NULL;
    /* the chart needs a place of its own: standard output already carries the report or the
     * table beside it, and a chart renamed over the report would replace it */
    const char *clash = !svg_path ? NULL
                        : !strcmp(svg_path, "-") && (!out.path || cli_out_text(&out))
                            ? "standard output, which carries the report or its table"
                        : out.path && (!strcmp(svg_path, out.path) ||
                                       accel_cli_same_place(svg_path, out.path))
                            ? "the report's file (-o)"
                            : NULL;
    if (clash) {
        accel_cli_error("bench", "--svg %s is %s; give the chart a file of its own", svg_path,
                        clash);
        cli_out_discard(&out);
        accel_ctx_destroy(ctx);
        return 2;
    }
    if (svg_path && cli_out_open_file(&svg, verb.name, svg_path, CLI_FMT_TABLE) != 0) {
        cli_out_discard(&out);
        accel_ctx_destroy(ctx);
        return 2;
    }
    o.progress = stderr;
    accel__bench_report *r = NULL;
    st = accel__bench_run(ctx, &o, &r);
    if (st != ACCEL_OK) {
        accel_cli_error("bench", "%s", accel_last_error(ctx));
        cli_out_discard(&out);
        if (svg_path) cli_out_discard(&svg);
        accel_ctx_destroy(ctx);
        return st == ACCEL_ERR_INVALID_ARG ? 2 : 1;
    }
    /* a skipped pair (the device does not offer the operation) ran nothing: iterations 0 */
    int rc = r->n_fallbacks > 0;
    for (size_t i = 0; i < r->n_results; i++)
        if (r->results[i].successes < r->results[i].iterations) rc = 1;
    write_report(ctx, r, out.fmt, out.f);
    /* the table beside a machine-readable report: on screen, or on standard error when
     * standard output carries the report */
    if (out.fmt != CLI_FMT_TABLE)
        accel__bench_write_text(ctx, r, cli_out_text(&out) ? stdout : stderr);
    if (cli_out_close(&out) != 0) rc = 2;
    if (svg_path) {
        accel__bench_write_svg(ctx, r, svg.f);
        if (cli_out_close(&svg) != 0) rc = 2;
    }
    accel__bench_report_free(r);
    accel_ctx_destroy(ctx);
    return rc;
}
