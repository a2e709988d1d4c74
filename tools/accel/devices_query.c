/* devices_query.c — `accel devices --query` and `--watch` (devices_query.h).
 *
 * Field names are nvidia-smi's --query-gpu names where it has one (memory.used,
 * utilization.gpu, temperature.gpu, power.draw, pci.bus_id, …), so a script written against
 * nvidia-smi reads accel's rows the same way, for every kind of device; units are nvidia-smi's
 * too (MiB, %, degrees C, W), given in the CSV header as its `nounits` form does
 * ("memory.used [MiB]"). A figure a device does not report is "[N/A]" (null in JSON).
 * With --watch the CSV header is written once, so the output stays one CSV table; JSON
 * becomes one document per line (JSON Lines). */
#include "devices_query.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum {
    F_TIMESTAMP, F_INDEX, F_KIND, F_NAME, F_UUID, F_BUS, F_DRIVER, F_USABLE, F_VERDICT,
    F_MEM_TOTAL, F_MEM_USED, F_MEM_FREE, F_UTIL, F_MEM_UTIL, F_TEMP, F_POWER, F_POWER_LIMIT,
    F_PROCS, F_SOURCE, F_N
} field_id;

static const struct {
    const char *name, *alias, *unit;
    int numeric; /* JSON number (1), string (0), boolean (2) */
} fields[F_N] = {
    [F_TIMESTAMP] = {"timestamp", NULL, NULL, 0},
    [F_INDEX] = {"index", NULL, NULL, 1},
    [F_KIND] = {"kind", NULL, NULL, 0},
    [F_NAME] = {"name", "gpu_name", NULL, 0},
    [F_UUID] = {"uuid", "gpu_uuid", NULL, 0},
    [F_BUS] = {"pci.bus_id", "gpu_bus_id", NULL, 0},
    [F_DRIVER] = {"driver_version", NULL, NULL, 0},
    [F_USABLE] = {"usable", NULL, NULL, 2},
    [F_VERDICT] = {"verdict", NULL, NULL, 0},
    [F_MEM_TOTAL] = {"memory.total", NULL, "MiB", 1},
    [F_MEM_USED] = {"memory.used", NULL, "MiB", 1},
    [F_MEM_FREE] = {"memory.free", NULL, "MiB", 1},
    [F_UTIL] = {"utilization.gpu", NULL, "%", 1},
    [F_MEM_UTIL] = {"utilization.memory", NULL, "%", 1},
    [F_TEMP] = {"temperature.gpu", NULL, NULL, 1},
    [F_POWER] = {"power.draw", NULL, "W", 1},
    [F_POWER_LIMIT] = {"power.limit", NULL, "W", 1},
    [F_PROCS] = {"processes", NULL, NULL, 1},
    [F_SOURCE] = {"source", NULL, NULL, 0},
};

const char accel_cli_devices_fields[] =
    "timestamp, index, kind, name, uuid, pci.bus_id, driver_version, usable, verdict,\n"
    "memory.total, memory.used, memory.free, utilization.gpu, utilization.memory,\n"
    "temperature.gpu, power.draw, power.limit, processes, source";

static const char default_fields[] =
    "index,kind,name,memory.used,memory.total,utilization.gpu,temperature.gpu,power.draw";

#define MAX_FIELDS 32

/* Splits `list` into field ids; -1 at the first unknown one (its name in bad), -2 at an empty
 * one, -3 at one given twice, under its name or its alias (its name in bad): a JSON object
 * cannot hold a key twice. */
static int parse(const char *list, field_id *ids, size_t *n, char *bad, size_t cap)
{
    char buf[1024];
    accel__strlcpy(buf, list ? list : default_fields, sizeof buf);
    *n = 0;
    /* every name between commas counts: an empty one ('', 'index,,name', 'index,') is an
     * error, as bench's --op and --device take it, not a field silently left out */
    for (char *next = buf, *t; (t = next) != NULL;) {
        char *comma = strchr(t, ',');
        next = comma ? comma + 1 : NULL;
        if (comma) *comma = '\0';
        while (*t == ' ') t++;
        size_t l = strlen(t);
        while (l && t[l - 1] == ' ') t[--l] = '\0';
        if (!*t) return -2;
        int found = -1;
        for (int f = 0; f < F_N; f++)
            if (!strcmp(t, fields[f].name) || (fields[f].alias && !strcmp(t, fields[f].alias))) found = f;
        if (found < 0) {
            accel__strlcpy(bad, t, cap);
            return -1;
        }
        for (size_t k = 0; k < *n; k++)
            if (ids[k] == (field_id)found) {
                accel__strlcpy(bad, fields[found].name, cap);
                return -3;
            }
        if (*n == MAX_FIELDS) {
            snprintf(bad, cap, "(more than %d fields)", MAX_FIELDS);
            return -1;
        }
        ids[(*n)++] = (field_id)found;
    }
    return 0;
}

int accel_cli_devices_query_check(const char *list)
{
    field_id ids[MAX_FIELDS];
    size_t n;
    char bad[256];
    int r = parse(list, ids, &n, bad, sizeof bad);
    if (r == 0) return 0;
    const char *names[F_N];
    for (int f = 0; f < F_N; f++) names[f] = fields[f].name;
    if (r == -2) {
        char all[1024] = "";
        for (int f = 0; f < F_N; f++)
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", f ? ", " : "", names[f]);
        accel_cli_error("devices", "--query '%s': an empty field name; allowed: names separated by commas: %s",
                        list, all);
        return 2;
    }
    if (r == -3) {
        accel_cli_error("devices", "--query '%s': the field %s is given twice (a name and its "
                                   "nvidia-smi spelling are one field); give each once",
                        list, bad);
        return 2;
    }
    cli_error_unknown("devices", "--query field", bad, names, F_N);
    return 2;
}

/* One device's field as text ("" when unknown) and, for JSON, whether it is known. */
static int value(field_id f, const accel_device_info *d, const accel_device_sample *s, size_t procs,
                 const char *stamp, char *out, size_t cap)
{
    const double mib = 1024.0 * 1024.0;
    out[0] = '\0';
    int64_t total = s->mem_total >= 0 ? s->mem_total : d->mem_total;
    switch (f) {
    case F_TIMESTAMP: accel__strlcpy(out, stamp, cap); return 1;
    case F_INDEX: snprintf(out, cap, "%d", d->index); return 1;
    case F_KIND: accel__strlcpy(out, accel_device_kind_name(d->kind), cap); return 1;
    case F_NAME: accel__strlcpy(out, d->name, cap); return 1;
    case F_UUID: accel__strlcpy(out, d->uuid, cap); return d->uuid[0] != '\0';
    case F_BUS: accel__strlcpy(out, d->pci_bus_id, cap); return d->pci_bus_id[0] != '\0';
    case F_DRIVER: accel__strlcpy(out, d->driver_version, cap); return d->driver_version[0] != '\0';
    case F_USABLE: accel__strlcpy(out, d->usable ? "yes" : "no", cap); return 1;
    case F_VERDICT: accel__strlcpy(out, d->verdict, cap); return 1;
    case F_MEM_TOTAL:
        if (total < 0) return 0;
        snprintf(out, cap, "%.0f", floor((double)total / mib));
        return 1;
    case F_MEM_USED:
        if (s->mem_used < 0) return 0;
        snprintf(out, cap, "%.0f", floor((double)s->mem_used / mib));
        return 1;
    case F_MEM_FREE:
        if (s->mem_used < 0 || total < 0) return 0;
        snprintf(out, cap, "%.0f", floor((double)(total - s->mem_used) / mib));
        return 1;
    case F_UTIL:
        if (s->utilization_percent < 0) return 0;
        snprintf(out, cap, "%d", s->utilization_percent);
        return 1;
    case F_MEM_UTIL:
        if (s->mem_busy_percent < 0) return 0;
        snprintf(out, cap, "%d", s->mem_busy_percent);
        return 1;
    case F_TEMP:
        if (s->temperature_c < 0) return 0;
        snprintf(out, cap, "%d", s->temperature_c);
        return 1;
    case F_POWER:
        if (s->power_mw < 0) return 0;
        snprintf(out, cap, "%.2f", s->power_mw / 1000.0);
        return 1;
    case F_POWER_LIMIT:
        if (s->power_limit_mw < 0) return 0;
        snprintf(out, cap, "%.2f", s->power_limit_mw / 1000.0);
        return 1;
    case F_PROCS: snprintf(out, cap, "%zu", procs); return 1;
    case F_SOURCE: accel__strlcpy(out, s->source, cap); return s->source[0] != '\0';
    case F_N: break;
    }
    return 0;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* "2026/12/06 04:43:55.123", nvidia-smi's timestamp */
static void timestamp(char *out, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(out, cap, "%Y/%m/%d %H:%M:%S", &tm);
    snprintf(out + k, cap - k, ".%03ld", ts.tv_nsec / 1000000);
}

static void one_round(accel_ctx *ctx, const field_id *ids, size_t nf, int first, int watch,
                      cli_format fmt, FILE *f)
{
    char stamp[64];
    timestamp(stamp, sizeof stamp);
    size_t n = 0;
    accel_device_count(ctx, &n);
    if (fmt == CLI_FMT_JSON) {
        accel__json j;
        accel__json_init(&j, f, !watch);
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "timestamp", stamp);
        accel__json_begin_array(&j, "devices");
        for (size_t i = 0; i < n; i++) {
            const accel_device_info *d;
            if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
            accel_device_sample s = {.struct_size = sizeof s};
            accel_device_query(ctx, i, &s);
            size_t np = 0;
            accel_device_processes(ctx, i, NULL, 0, &np);
            accel__json_begin_object(&j, NULL);
            for (size_t k = 0; k < nf; k++) {
                char v[300];
                int known = value(ids[k], d, &s, np, stamp, v, sizeof v);
                const char *key = fields[ids[k]].name;
                if (!known) accel__json_null(&j, key);
                else if (fields[ids[k]].numeric == 1) accel__json_num(&j, key, strtod(v, NULL));
                else if (fields[ids[k]].numeric == 2) accel__json_bool(&j, key, d->usable);
                else accel__json_str(&j, key, v);
            }
            accel__json_end_object(&j);
        }
        accel__json_end_array(&j);
        accel__json_end_object(&j);
        accel__json_finish(&j);
        fflush(f);
        return;
    }
    const char *head[MAX_FIELDS];
    char heads[MAX_FIELDS][64];
    char align[MAX_FIELDS + 1];
    for (size_t k = 0; k < nf; k++) {
        const char *u = fields[ids[k]].unit;
        if (u) snprintf(heads[k], sizeof heads[k], "%s [%s]", fields[ids[k]].name, u);
        else snprintf(heads[k], sizeof heads[k], "%s", fields[ids[k]].name);
        head[k] = heads[k];
        align[k] = fields[ids[k]].numeric == 1 ? 'r' : 'l';
    }
    align[nf] = '\0';
    cli_table t;
    cli_table_init(&t, nf, head, align);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
        accel_device_sample s = {.struct_size = sizeof s};
        accel_device_query(ctx, i, &s);
        size_t np = 0;
        accel_device_processes(ctx, i, NULL, 0, &np);
        char cells[MAX_FIELDS][300];
        const char *row[MAX_FIELDS];
        for (size_t k = 0; k < nf; k++) {
            if (!value(ids[k], d, &s, np, stamp, cells[k], sizeof cells[k]))
                accel__strlcpy(cells[k], "[N/A]", sizeof cells[k]);
            row[k] = cells[k];
        }
        cli_table_add(&t, row);
    }
    if (fmt == CLI_FMT_CSV && !first) {
        /* one CSV table for the whole watch: the header once */
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m) {
            cli_table_write(&t, fmt, m);
            fclose(m);
            char *body = strstr(buf, "\r\n");
            if (body) fputs(body + 2, f);
            free(buf);
        }
    } else {
        if (watch && !first && fmt != CLI_FMT_CSV) fputc('\n', f);
        if (watch && fmt == CLI_FMT_TABLE) fprintf(f, "%s\n", stamp);
        cli_table_write(&t, fmt, f);
    }
    cli_table_free(&t);
    fflush(f);
}

int accel_cli_devices_query(accel_ctx *ctx, const char *list, double watch, long long iterations,
                            cli_out *o)
{
    field_id ids[MAX_FIELDS];
    size_t nf = 0;
    char bad[256];
    if (parse(list, ids, &nf, bad, sizeof bad) != 0) return accel_cli_devices_query_check(list);
    if (watch > 0 && !o->path) {
        /* Ctrl-C ends the watch after the round in progress; the output stays whole */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    for (long long it = 0; !stop && (iterations < 0 || it < iterations); it++) {
        double t0 = accel__now_ms();
        one_round(ctx, ids, nf, it == 0, watch > 0, o->fmt, o->f);
        if (watch <= 0 || ferror(o->f)) break; /* a full disk: cli_out_close reports it */
        if (iterations >= 0 && it + 1 >= iterations) break;
        double left = watch * 1000 - (accel__now_ms() - t0);
        while (!stop && left > 0) {
            struct timespec ts = {(time_t)(left / 1000), (long)(fmod(left, 1000) * 1e6)};
            nanosleep(&ts, NULL); /* a signal cuts it short */
            left = watch * 1000 - (accel__now_ms() - t0);
        }
    }
    return 0;
}
