/* cmd_devices.c — `accel devices [--json] [--no-cache]`: every device found, and every GPU on
 * the PCI bus that no device entry covers (no driver bound, or no API reaches it). The csv and
 * md formats hold the device rows (the JSON also the PCI GPUs).
 * The JSON form is documented in docs/devices.md and docs/schemas/devices.schema.json; its
 * schema_version changes only when a field is removed or changes meaning. */
#include "cli.h"
#include "devices_query.h"
#include "discover/pci.h"

#include <stdlib.h>
#include <string.h>

const char *const accel_cli_devices_help =
    "list every compute device, or watch their live figures ([--query F,…] [--watch S])";

enum { O_JSON, O_FORMAT, O_NO_CACHE, O_OUTPUT, O_QUERY, O_WATCH, O_ITERATIONS, N_OPTS };
static const cli_opt opts[] = {
    [O_JSON] = {"--json", NULL, CLI_FLAG, NULL,
                "machine-readable output on standard output (docs/devices.md)", 0, 0, NULL, 0},
    [O_FORMAT] = CLI_OPT_FORMAT,
    [O_NO_CACHE] = CLI_OPT_NO_CACHE,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
    [O_QUERY] = {"--query", "--query-gpu", CLI_STR, "F,F,...",
                 "one row per device with these fields, read now (as nvidia-smi\n"
                 "--query-gpu; the list is below)", 0, 0, NULL, 0},
    [O_WATCH] = {"--watch", "-l|--loop", CLI_NUM, "SECONDS",
                 "read again every SECONDS until Ctrl-C (as nvidia-smi -l); without\n"
                 "--query, the live fields", 0.05, 86400, NULL, 0},
    [O_ITERATIONS] = {"--iterations", "-n", CLI_INT, "N", "with --watch: stop after N readings", 1,
                      100000000, NULL, 0},
};
static const cli_verb verb = {
    .name = "devices",
    .synopsis = "[--json | --format table|json|csv|md] [--no-cache] [-o FILE]\n"
                "       accel devices --query F,F,... [--watch SECONDS [--iterations N]] [--format F]",
    .about = "Lists every compute device (GPUs first, the CPU last) and every GPU on the\n"
             "PCI bus that accel cannot reach. --query and --watch give the devices' live\n"
             "figures instead, one row per device and reading; the fields (nvidia-smi's names;\n"
             "memory in MiB, power in W, temperature in C, \"[N/A]\" when not reported):\n"
             "timestamp, index, kind, name, uuid, pci.bus_id, driver_version, usable, verdict,\n"
             "memory.total, memory.used, memory.free, utilization.gpu, utilization.memory,\n"
             "temperature.gpu, power.draw, power.limit, processes, source.",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 listed; 1 no context (an unreadable configuration file); 2 usage or\n"
              "configuration error",
};

#define DEVICES_SCHEMA_VERSION 1

static const struct {
    unsigned bit;
    const char *name;
} simd_names[] = {
    {ACCEL_SIMD_SSE42, "sse4.2"},       {ACCEL_SIMD_AVX, "avx"},
    {ACCEL_SIMD_AVX2, "avx2"},          {ACCEL_SIMD_FMA, "fma"},
    {ACCEL_SIMD_F16C, "f16c"},          {ACCEL_SIMD_AVX512F, "avx512f"},
    {ACCEL_SIMD_AVX512BW, "avx512bw"},  {ACCEL_SIMD_AVX512VL, "avx512vl"},
    {ACCEL_SIMD_AVX512DQ, "avx512dq"},  {ACCEL_SIMD_AVX512FP16, "avx512fp16"},
    {ACCEL_SIMD_NEON, "neon"},          {ACCEL_SIMD_SVE, "sve"},
};

static void routes_text(unsigned routes, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    /* a route is named by its backend in the backend table: ACCEL_ROUTE_HIP is "rocm" */
    for (size_t i = 0; i < accel__backend_count(); i++)
        if (routes & accel__backend_at(i)->route)
            k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s%s", k ? "," : "",
                                  accel__backend_at(i)->name);
}

/* What became of one GPU on the PCI bus. */
typedef struct {
    const accel__pci_gpu *pci;
    int device;          /* accel device index reaching it, -1 when none */
    const char *status;  /* "ok", "unusable", "no_driver", "no_route" */
    char problem[320];   /* "" when status is "ok" */
} pci_view;

static pci_view *pci_views(const accel_ctx *ctx, size_t n_devs, const accel__pci_gpu *g,
                           size_t n)
{
    pci_view *v = calloc(n ? n : 1, sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i].pci = &g[i];
        v[i].device = -1;
        for (size_t d = 0; d < n_devs; d++) {
            const accel_device_info *info;
            if (accel_device_get(ctx, d, &info) == ACCEL_OK &&
                accel__pci_bus_id_equal(info->pci_bus_id, g[i].bus_id)) {
                v[i].device = info->index;
                v[i].status = info->usable ? "ok" : "unusable";
                if (!info->usable)
                    snprintf(v[i].problem, sizeof v[i].problem, "%s", info->verdict);
                break;
            }
        }
        if (v[i].device >= 0) continue;
        if (!g[i].driver[0]) {
            v[i].status = "no_driver";
            snprintf(v[i].problem, sizeof v[i].problem, "GPU present but no driver is loaded");
        } else {
            v[i].status = "no_route";
            snprintf(v[i].problem, sizeof v[i].problem,
                     "driver %s is bound but no API reaches this GPU (is the vendor's "
                     "user-space library installed? see `accel doctor`)",
                     g[i].driver);
        }
    }
    return v;
}

static void json_str_or_null(accel__json *j, const char *key, const char *v)
{
    if (v && v[0])
        accel__json_str(j, key, v);
    else
        accel__json_null(j, key);
}

static void json_int_or_null(accel__json *j, const char *key, long long v)
{
    if (v >= 0)
        accel__json_int(j, key, v);
    else
        accel__json_null(j, key);
}

static void json_tristate(accel__json *j, const char *key, int v)
{
    if (v < 0)
        accel__json_null(j, key);
    else
        accel__json_bool(j, key, v);
}

static void json_device(accel__json *j, const accel_device_info *d)
{
    accel__json_begin_object(j, NULL);
    accel__json_int(j, "index", d->index);
    accel__json_str(j, "kind", accel_device_kind_name(d->kind));
    accel__json_begin_array(j, "routes");
    for (size_t i = 0; i < accel__backend_count(); i++)
        if (d->routes & accel__backend_at(i)->route)
            accel__json_str(j, NULL, accel__backend_at(i)->name);
    accel__json_end_array(j);
    accel__json_bool(j, "usable", d->usable);
    accel__json_str(j, "verdict", d->verdict);
    accel__json_str(j, "name", d->name);
    json_str_or_null(j, "vendor", d->vendor);
    json_str_or_null(j, "pci_bus_id", d->pci_bus_id);
    json_str_or_null(j, "uuid", d->uuid);
    json_str_or_null(j, "arch", d->arch);
    if (d->cc_major >= 0) {
        accel__json_begin_object(j, "compute_capability");
        accel__json_int(j, "major", d->cc_major);
        accel__json_int(j, "minor", d->cc_minor < 0 ? 0 : d->cc_minor);
        accel__json_end_object(j);
    } else {
        accel__json_null(j, "compute_capability");
    }
    json_int_or_null(j, "compute_units", d->compute_units);
    accel__json_begin_object(j, "memory");
    json_int_or_null(j, "total_bytes", d->mem_total);
    json_int_or_null(j, "free_bytes", d->mem_free);
    json_int_or_null(j, "used_bytes", d->mem_used);
    accel__json_bool(j, "unified", d->unified_memory == 1);
    accel__json_end_object(j);
    accel__json_begin_object(j, "driver");
    json_str_or_null(j, "version", d->driver_version);
    json_int_or_null(j, "cuda_version", d->driver_cuda_version);
    accel__json_end_object(j);
    accel__json_begin_object(j, "telemetry");
    json_int_or_null(j, "utilization_percent", d->utilization_percent);
    json_int_or_null(j, "temperature_c", d->temperature_c);
    json_int_or_null(j, "power_mw", d->power_mw);
    accel__json_end_object(j);
    if (d->opencl_version[0] || d->local_mem >= 0 || d->max_alloc >= 0) {
        accel__json_begin_object(j, "opencl");
        json_str_or_null(j, "version", d->opencl_version);
        json_int_or_null(j, "local_mem_bytes", d->local_mem);
        json_int_or_null(j, "max_alloc_bytes", d->max_alloc);
        json_tristate(j, "fp16", d->fp16);
        json_tristate(j, "fp64", d->fp64);
        accel__json_end_object(j);
    } else {
        accel__json_null(j, "opencl");
    }
    if (d->kind == ACCEL_KIND_CPU) {
        accel__json_begin_object(j, "cpu");
        json_int_or_null(j, "physical_cores", d->physical_cores);
        json_int_or_null(j, "logical_cores", d->logical_cores);
        json_int_or_null(j, "usable_cores", d->usable_cores);
        accel__json_begin_array(j, "simd");
        for (size_t i = 0; i < sizeof simd_names / sizeof *simd_names; i++)
            if (d->simd & simd_names[i].bit) accel__json_str(j, NULL, simd_names[i].name);
        accel__json_end_array(j);
        json_int_or_null(j, "cgroup_memory_limit_bytes", d->cgroup_mem_limit);
        accel__json_end_object(j);
    } else {
        accel__json_null(j, "cpu");
    }
    accel__json_end_object(j);
}

static void print_json(const accel_ctx *ctx, size_t n, const pci_view *pv, size_t n_pci,
                       FILE *f)
{
    accel__json j;
    accel__json_init(&j, f, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_int(&j, "schema_version", DEVICES_SCHEMA_VERSION);
    accel__json_str(&j, "accel_version", accel_version_string());
    accel__json_begin_array(&j, "devices");
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) == ACCEL_OK) json_device(&j, d);
    }
    accel__json_end_array(&j);
    accel__json_begin_array(&j, "pci_gpus");
    for (size_t i = 0; i < n_pci; i++) {
        const accel__pci_gpu *g = pv[i].pci;
        char hex[16];
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "bus_id", g->bus_id);
        accel__json_str(&j, "vendor", g->vendor);
        snprintf(hex, sizeof hex, "0x%04x", g->vendor_id);
        accel__json_str(&j, "vendor_id", hex);
        snprintf(hex, sizeof hex, "0x%04x", g->device_id);
        accel__json_str(&j, "device_id", hex);
        snprintf(hex, sizeof hex, "0x%06x", g->class_code);
        accel__json_str(&j, "class", hex);
        json_str_or_null(&j, "driver", g->driver);
        json_int_or_null(&j, "device_index", pv[i].device);
        accel__json_str(&j, "status", pv[i].status);
        json_str_or_null(&j, "problem", pv[i].problem);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);
    accel__json_end_object(&j);
    accel__json_finish(&j);
}

static void mem_text(const accel_device_info *d, char *buf, size_t cap)
{
    const double gib = 1024.0 * 1024 * 1024;
    if (d->mem_total < 0)
        snprintf(buf, cap, "-");
    else if (d->mem_free < 0)
        snprintf(buf, cap, "?/%.1f GiB", (double)d->mem_total / gib);
    else
        snprintf(buf, cap, "%.1f/%.1f GiB", (double)d->mem_free / gib, (double)d->mem_total / gib);
}

static int width(int w, const char *s)
{
    int n = (int)strlen(s);
    return n > w ? n : w;
}

static void print_text(const accel_ctx *ctx, size_t n, const pci_view *pv, size_t n_pci,
                       FILE *f)
{
    /* column widths from the content, so long GPU names do not break the table */
    int wn = 4, wa = 4, wp = 3, wm = 20, wr = 6;
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        char mem[64], routes[64];
        if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
        mem_text(d, mem, sizeof mem);
        routes_text(d->routes, routes, sizeof routes);
        wn = width(wn, d->name);
        wa = width(wa, d->arch);
        wp = width(wp, d->pci_bus_id);
        wm = width(wm, mem);
        wr = width(wr, routes);
    }
    /* no cap on the name: a cut name ("pthread-skylake-avx512-Intel(R) Xeon(R) Processo") can
     * hide which device it is; a wide table is the lesser evil */
    fprintf(f, "%-2s  %-6s  %-*s  %-*s  %-*s  %-*s  %5s  %-*s  %s\n", "#", "KIND", wn, "NAME", wa,
           "ARCH", wp, "PCI", wm, "MEMORY (free/total)", "UNITS", wr, "ROUTES", "VERDICT");
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        char mem[64], routes[64], units[16];
        if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
        mem_text(d, mem, sizeof mem);
        routes_text(d->routes, routes, sizeof routes);
        if (d->compute_units >= 0)
            snprintf(units, sizeof units, "%d", d->compute_units);
        else
            snprintf(units, sizeof units, "-");
        fprintf(f, "%-2d  %-6s  %-*s  %-*s  %-*s  %-*s  %5s  %-*s  %s\n", d->index,
               accel_device_kind_name(d->kind), wn, d->name, wa, d->arch[0] ? d->arch : "-",
               wp, d->pci_bus_id[0] ? d->pci_bus_id : "-", wm, mem, units, wr, routes,
               d->verdict);
        if (d->kind == ACCEL_KIND_CPU) {
            fprintf(f, "    cores: %d physical, %d logical, %d usable", d->physical_cores,
                   d->logical_cores, d->usable_cores);
            fprintf(f, "; SIMD:");
            int any = 0;
            for (size_t k = 0; k < sizeof simd_names / sizeof *simd_names; k++)
                if (d->simd & simd_names[k].bit) {
                    fprintf(f, " %s", simd_names[k].name);
                    any = 1;
                }
            if (!any) fprintf(f, " none detected");
            if (d->cgroup_mem_limit >= 0)
                fprintf(f, "; cgroup memory limit %.1f GiB",
                       (double)d->cgroup_mem_limit / (1024.0 * 1024 * 1024));
            fputc('\n', f);
        }
    }
    int header = 0;
    for (size_t i = 0; i < n_pci; i++) {
        if (strcmp(pv[i].status, "ok") == 0 || strcmp(pv[i].status, "unusable") == 0) continue;
        if (!header) fprintf(f, "\nGPUs on the PCI bus that accel cannot use:\n");
        header = 1;
        const accel__pci_gpu *g = pv[i].pci;
        fprintf(f, "  %s  %s [%04x:%04x]  %s\n", g->bus_id, g->vendor, g->vendor_id, g->device_id,
               pv[i].problem);
    }
}

/* csv and md: one row per device; csv with exact numbers, md as people read them */
static void print_rows(const accel_ctx *ctx, size_t n, cli_format fmt, FILE *f)
{
    static const char *const csv_head[] = {"index", "kind", "name", "arch", "pci_bus_id",
                                           "free_bytes", "total_bytes", "compute_units",
                                           "routes", "usable", "verdict"};
    static const char *const md_head[] = {"#", "kind", "name", "arch", "PCI",
                                          "memory (free/total)", "units", "routes", "usable",
                                          "verdict"};
    int csv = fmt == CLI_FMT_CSV;
    cli_table t;
    cli_table_init(&t, csv ? 11 : 10, csv ? csv_head : md_head, csv ? "rllllrrrlll" : "rlllllrlll");
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
        char idx[16], fr[32] = "", tot[32] = "", units[16] = "", mem[64], routes[64];
        snprintf(idx, sizeof idx, "%d", d->index);
        if (d->mem_free >= 0) snprintf(fr, sizeof fr, "%lld", (long long)d->mem_free);
        if (d->mem_total >= 0) snprintf(tot, sizeof tot, "%lld", (long long)d->mem_total);
        if (d->compute_units >= 0) snprintf(units, sizeof units, "%d", d->compute_units);
        mem_text(d, mem, sizeof mem);
        routes_text(d->routes, routes, sizeof routes);
        const char *usable = d->usable ? "yes" : "no";
        if (csv) {
            const char *row[] = {idx, accel_device_kind_name(d->kind), d->name, d->arch,
                                 d->pci_bus_id, fr, tot, units, routes, usable, d->verdict};
            cli_table_add(&t, row);
        } else {
            const char *row[] = {idx, accel_device_kind_name(d->kind), d->name, d->arch,
                                 d->pci_bus_id, mem, units, routes, usable, d->verdict};
            cli_table_add(&t, row);
        }
    }
    cli_table_write(&t, fmt, f);
    cli_table_free(&t);
}

int accel_cli_devices(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    unsigned flags = ACCEL_CTX_NO_WARMUP;
    if (a.v[O_NO_CACHE].set) flags |= ACCEL_CTX_NO_CACHE;
    int live = a.v[O_QUERY].set || a.v[O_WATCH].set;
    if (live && accel_cli_devices_query_check(a.v[O_QUERY].set ? a.v[O_QUERY].s : NULL) != 0) return 2;
    if (a.v[O_ITERATIONS].set && !a.v[O_WATCH].set) {
        accel_cli_error("devices", "--iterations counts --watch readings: give --watch SECONDS too");
        return 2;
    }
    if (a.v[O_WATCH].set && !a.v[O_ITERATIONS].set && a.v[O_OUTPUT].set && strcmp(a.v[O_OUTPUT].s, "-")) {
        accel_cli_error("devices", "-o FILE is written when the report is complete, and --watch "
                                   "without --iterations never completes: add --iterations N, or "
                                   "redirect standard output");
        return 2;
    }
    int open_status;
    accel_ctx *ctx = accel_cli_open(verb.name, flags, &open_status);
    if (!ctx) return open_status;
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, O_FORMAT, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    if (live) {
        accel_cli_devices_query(ctx, a.v[O_QUERY].set ? a.v[O_QUERY].s : NULL,
                                a.v[O_WATCH].set ? a.v[O_WATCH].d : 0,
                                a.v[O_ITERATIONS].set ? a.v[O_ITERATIONS].i : -1, &o);
        accel_ctx_destroy(ctx);
        return cli_out_close(&o);
    }
    size_t n = 0, n_pci = 0;
    accel_device_count(ctx, &n);
    accel__pci_gpu *pci = NULL;
    if (accel__pci_scan(&pci, &n_pci) != ACCEL_OK) {
        fprintf(stderr, "accel devices: warning: PCI scan failed: %s\n", accel__last_error_text());
        n_pci = 0;
    }
    pci_view *pv = pci_views(ctx, n, pci, n_pci);
    if (!pv) n_pci = 0;
    if (o.fmt == CLI_FMT_JSON)
        print_json(ctx, n, pv, n_pci, o.f);
    else if (o.fmt == CLI_FMT_TABLE)
        print_text(ctx, n, pv, n_pci, o.f);
    else
        print_rows(ctx, n, o.fmt, o.f);
    if (cli_out_text(&o)) print_text(ctx, n, pv, n_pci, stdout);
    free(pv);
    free(pci);
    accel_ctx_destroy(ctx);
    return cli_out_close(&o);
}
