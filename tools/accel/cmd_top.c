/* cmd_top.c — `accel top`: what the devices are doing, refreshed each second, in a terminal.
 *
 *   accel top [--url http://HOST:PORT] [--interval SECONDS] [--iterations N]
 *
 * Per device: memory in use, utilisation, temperature, power (and its limit), where the
 * figures come from (NVML, sysfs, procfs), and the processes using it (NVML's process lists,
 * DRM clients). With --url, the counters of a running `accel serve` below: readiness,
 * workers, queue, requests in flight, and per operation the calls, items, mean time,
 * fallbacks and errors, read from its /metrics (with ACCEL_SERVE_TOKEN as the bearer token
 * when set). The devices shown are always this machine's.
 *
 * A terminal gets one screen redrawn in place (q or Ctrl-C quits); anything else (a pipe, a
 * file) gets plain frames one after another, separated by a blank line, without escape
 * sequences. Colour only on a terminal and never with NO_COLOR set (or TERM=dumb).
 * --json gives one JSON document per refresh instead (JSON Lines), and -o FILE writes the
 * refreshes to FILE when they are done (so it needs --iterations).
 * Exit codes: 0 quit, 2 usage or configuration error. */
#include "cli.h"
#include "http_get.h"
#include "prom_text.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

const char *const accel_cli_top_help =
    "live device memory, utilisation, temperature, power and processes ([--url URL])";

enum { O_URL, O_INTERVAL, O_ITERATIONS, O_JSON, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_URL] = {"--url", NULL, CLI_STR, "URL",
               "also show the counters of the accel serve at URL\n(http://HOST:PORT)", 0, 0, NULL, 0},
    [O_INTERVAL] = {"--interval", "-d", CLI_NUM, "SECONDS", "time between refreshes (default 1)", 0.1,
                    3600, NULL, 0},
    [O_ITERATIONS] = {"--iterations", "-n", CLI_INT, "N", "stop after N refreshes (default: until q or Ctrl-C)",
                      1, 100000000, NULL, 0},
    [O_JSON] = {"--json", NULL, CLI_FLAG, NULL,
                "one JSON document per refresh (JSON Lines) instead of the screen", 0, 0, NULL, 0},
    [O_OUTPUT] = {"-o", "--output", CLI_STR, "FILE",
                  "write the refreshes to FILE (atomically, so with --iterations;\n- for standard output)",
                  0, 0, NULL, 0},
};
static const cli_verb verb = {
    .name = "top",
    .synopsis = "[--url http://HOST:PORT] [--interval SECONDS] [--iterations N] [--json] [-o FILE]",
    .about = "A terminal shows one screen redrawn in place: q or Ctrl-C quits. Output that is\n"
             "not a terminal gets plain frames separated by a blank line. No colour when\n"
             "NO_COLOR is set or the output is not a terminal. --json: per refresh\n"
             "{\"time\", \"host\", \"devices\": [... \"processes\": [...]], \"server\": {...}}.",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 quit; 1 no context (an unreadable configuration file); 2 usage or\n"
              "configuration error",
};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static struct termios saved;
static int have_saved;
static int screen; /* the alternate screen is in use */

static void restore_terminal(void)
{
    if (screen) {
        fputs("\033[?25h\033[?1049l", stdout); /* cursor back, leave the alternate screen */
        fflush(stdout);
        screen = 0;
    }
    if (have_saved) {
        tcsetattr(0, TCSANOW, &saved);
        have_saved = 0;
    }
}

/* ---- the server's counters ---------------------------------------------------------------- */

#define MAX_OPS 64

typedef struct {
    char op[64];
    char device[16];
    char kind[16];
    double calls, items;
} op_row;

typedef struct {
    int ok;
    char error[300];
    double ready, started, queue, queue_cap, workers, busy, in_flight, requests;
    op_row ops[MAX_OPS];
    size_t n_ops;
    struct {
        char op[64];
        double sum, count;
    } dur[MAX_OPS];
    size_t n_dur;
    struct {
        char op[64], what[96];
        double n;
        int error;
    } notes[MAX_OPS];
    size_t n_notes;
    char rejected[300];
} server_view;

static void take(const prom_sample *s, void *arg)
{
    server_view *v = arg;
    const char *op = prom_label(s, "operation");
    if (!strcmp(s->name, "accel_ready")) v->ready = s->value;
    else if (!strcmp(s->name, "accel_start_time_seconds")) v->started = s->value;
    else if (!strcmp(s->name, "accel_queue_depth")) v->queue = s->value;
    else if (!strcmp(s->name, "accel_queue_capacity")) v->queue_cap = s->value;
    else if (!strcmp(s->name, "accel_workers")) v->workers = s->value;
    else if (!strcmp(s->name, "accel_workers_busy")) v->busy = s->value;
    else if (!strcmp(s->name, "accel_requests_in_flight")) v->in_flight = s->value;
    else if (!strcmp(s->name, "accel_http_requests_total")) v->requests += s->value;
    else if (!strcmp(s->name, "accel_http_rejected_total") && s->value > 0) {
        size_t k = strlen(v->rejected);
        snprintf(v->rejected + k, sizeof v->rejected - k, "%s%.0f× %s", k ? ", " : "", s->value,
                 prom_label(s, "reason") ? prom_label(s, "reason") : "?");
    } else if (op && (!strcmp(s->name, "accel_operation_calls_total") ||
                      !strcmp(s->name, "accel_operation_items_total"))) {
        const char *dev = prom_label(s, "device"), *kind = prom_label(s, "kind");
        size_t i = 0;
        while (i < v->n_ops && !(!strcmp(v->ops[i].op, op) && !strcmp(v->ops[i].device, dev ? dev : ""))) i++;
        if (i == v->n_ops) {
            if (i == MAX_OPS) return;
            memset(&v->ops[i], 0, sizeof v->ops[i]);
            snprintf(v->ops[i].op, sizeof v->ops[i].op, "%s", op);
            snprintf(v->ops[i].device, sizeof v->ops[i].device, "%s", dev ? dev : "");
            snprintf(v->ops[i].kind, sizeof v->ops[i].kind, "%s", kind ? kind : "");
            v->n_ops++;
        }
        if (s->name[16] == 'c') v->ops[i].calls = s->value;
        else v->ops[i].items = s->value;
    } else if (op && (!strcmp(s->name, "accel_operation_duration_seconds_sum") ||
                      !strcmp(s->name, "accel_operation_duration_seconds_count"))) {
        size_t i = 0;
        while (i < v->n_dur && strcmp(v->dur[i].op, op)) i++;
        if (i == v->n_dur) {
            if (i == MAX_OPS) return;
            memset(&v->dur[i], 0, sizeof v->dur[i]);
            snprintf(v->dur[i].op, sizeof v->dur[i].op, "%s", op);
            v->n_dur++;
        }
        if (strstr(s->name, "_sum")) v->dur[i].sum = s->value;
        else v->dur[i].count = s->value;
    } else if (op && v->n_notes < MAX_OPS && (!strcmp(s->name, "accel_operation_fallbacks_total") ||
                                              !strcmp(s->name, "accel_operation_errors_total"))) {
        int err = s->name[16] == 'e';
        const char *reason = prom_label(s, "reason"), *dev = prom_label(s, "device");
        snprintf(v->notes[v->n_notes].op, sizeof v->notes[0].op, "%s", op);
        snprintf(v->notes[v->n_notes].what, sizeof v->notes[0].what, "%s%s%s", reason ? reason : "?",
                 err || !dev ? "" : " on ", err || !dev ? "" : dev);
        v->notes[v->n_notes].n = s->value;
        v->notes[v->n_notes].error = err;
        v->n_notes++;
    }
}

static void read_server(const http_url *url, const char *token, double interval, server_view *v)
{
    memset(v, 0, sizeof *v);
    http_response r;
    char err[300];
    /* q and Ctrl-C are not read while it waits: a server that does not answer holds the
     * screen 2 s at most, whatever the interval */
    int timeout = (int)(interval * 1000 * 0.8);
    if (timeout < 500) timeout = 500;
    if (timeout > 2000) timeout = 2000;
    if (http_get(url, "/metrics", token, timeout, &r, err, sizeof err) != 0) {
        snprintf(v->error, sizeof v->error, "%s", err);
        return;
    }
    if (r.status != 200) {
        snprintf(v->error, sizeof v->error, "/metrics answered %d%s", r.status,
                 r.status == 401 ? " (set ACCEL_SERVE_TOKEN to the server's token)" : "");
        http_response_free(&r);
        return;
    }
    size_t bad = 0;
    size_t n = prom_parse(r.body, r.n, take, v, &bad);
    http_response_free(&r);
    if (!n) {
        snprintf(v->error, sizeof v->error, "/metrics holds no sample (%zu unreadable lines)", bad);
        return;
    }
    v->ok = 1;
}

/* ---- a frame ------------------------------------------------------------------------------ */

typedef struct {
    int color;
    int width;  /* columns, 0: no limit */
    int height; /* rows, 0: no limit */
    int rows;   /* rows written in this frame */
    int last;   /* the frame --iterations ends with: it stays on the screen, no key reads */
} style;

static const char *sgr(const style *st, const char *code) { return st->color ? code : ""; }

static void size_text(double bytes, char *out, size_t cap)
{
    const double gib = 1024.0 * 1024 * 1024, mib = 1024.0 * 1024;
    if (bytes >= gib) snprintf(out, cap, "%.1f GiB", bytes / gib);
    else snprintf(out, cap, "%.0f MiB", bytes / mib);
}

static void bar(double frac, int width, char *out)
{
    int k = (int)lround(frac * width);
    if (k < 0) k = 0;
    if (k > width) k = width;
    out[0] = '[';
    for (int i = 0; i < width; i++) out[1 + i] = i < k ? '#' : '.';
    out[1 + width] = ']';
    out[2 + width] = '\0';
}

static void uptime_text(double s, char *out, size_t cap)
{
    long t = (long)s;
    if (t >= 86400) snprintf(out, cap, "%ldd %ldh", t / 86400, t % 86400 / 3600);
    else if (t >= 3600) snprintf(out, cap, "%ldh %ldm", t / 3600, t % 3600 / 60);
    else snprintf(out, cap, "%ldm %lds", t / 60, t % 60);
}

/* Writes `line` cut to the terminal's width (escape sequences are not counted); the lines past
 * its height are left out, and the last row gets no newline, which would scroll the frame's
 * first line away. */
static void emit(FILE *f, style *st, const char *line)
{
    if (st->height && st->rows >= st->height) return;
    st->rows++;
    if (!st->width) {
        fputs(line, f);
        fputc('\n', f);
        return;
    }
    int col = 0;
    for (const char *p = line; *p; p++) {
        if (*p == '\033') { /* an SGR sequence: copy through its final 'm' */
            const char *m = strchr(p, 'm');
            if (!m) break;
            fwrite(p, 1, (size_t)(m - p + 1), f);
            p = m;
            continue;
        }
        if (((unsigned char)*p & 0xC0) != 0x80) col++; /* UTF-8 continuation bytes take no column */
        if (col > st->width) {
            while (p[1] && ((unsigned char)p[1] & 0xC0) == 0x80) p++;
            continue;
        }
        fputc(*p, f);
    }
    if (st->color) fputs("\033[0m", f);
    if (col < st->width) fputs("\033[K", f); /* a full row has nothing left to clear */
    if (!st->height || st->rows < st->height) fputc('\n', f);
}

static void frame(accel_ctx *ctx, const char *url_text, const server_view *sv, double interval,
                  style *st, FILE *f)
{
    char line[2048], host[256] = "";
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(line, sizeof line, "%saccel top%s — %s — %s — every %g s%s", sgr(st, "\033[1m"),
             sgr(st, "\033[0m"), host, when, interval, st->width && !st->last ? " — q or Ctrl-C quits" : "");
    emit(f, st, line);
    size_t n = 0;
    accel_device_count(ctx, &n);
    int wn = 4;
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) == ACCEL_OK && (int)strlen(d->name) > wn) wn = (int)strlen(d->name);
    }
    if (st->width && wn > 36) wn = 36;
    snprintf(line, sizeof line, "%s%-2s %-6s %-*s %-30s %6s %6s %-17s %s%s", sgr(st, "\033[7m"), "#",
             "KIND", wn, "NAME", "MEMORY USED / TOTAL", "UTIL", "TEMP", "POWER / LIMIT", "FROM",
             sgr(st, "\033[0m"));
    emit(f, st, line);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
        accel_device_sample s = {.struct_size = sizeof s};
        accel_device_query(ctx, i, &s);
        char mem[64] = "-", used[32], total[32], b[16], util[16] = "-", temp[16] = "-", power[32] = "-";
        if (s.mem_total > 0 && s.mem_used >= 0) {
            size_text((double)s.mem_used, used, sizeof used);
            size_text((double)s.mem_total, total, sizeof total);
            bar((double)s.mem_used / (double)s.mem_total, 10, b);
            snprintf(mem, sizeof mem, "%s / %s %s", used, total, b);
        } else if (s.mem_total > 0) {
            size_text((double)s.mem_total, total, sizeof total);
            snprintf(mem, sizeof mem, "? / %s", total);
        }
        if (s.utilization_percent >= 0) snprintf(util, sizeof util, "%d %%", s.utilization_percent);
        if (s.temperature_c >= 0) snprintf(temp, sizeof temp, "%d C", s.temperature_c);
        if (s.power_mw >= 0 && s.power_limit_mw > 0)
            snprintf(power, sizeof power, "%.1f / %.0f W", s.power_mw / 1000.0, s.power_limit_mw / 1000.0);
        else if (s.power_mw >= 0)
            snprintf(power, sizeof power, "%.1f W", s.power_mw / 1000.0);
        const char *hot = !d->usable ? "\033[31m"
                          : s.utilization_percent >= 90 ? "\033[33m"
                                                        : "";
        char name[300];
        snprintf(name, sizeof name, "%s", d->name);
        if ((int)strlen(name) > wn) strcpy(name + wn - 3, "...");
        snprintf(line, sizeof line, "%s%-2d %-6s %-*s %-30s %6s %6s %-17s %s%s%s", sgr(st, hot), d->index,
                 accel_device_kind_name(d->kind), wn, name, mem, util, temp, power,
                 s.source[0] ? s.source : "-", d->usable ? "" : "  unusable", sgr(st, hot[0] ? "\033[0m" : ""));
        emit(f, st, line);
        accel_device_process p[8];
        for (int k = 0; k < 8; k++) p[k].struct_size = sizeof p[k];
        size_t np = 0;
        if (accel_device_processes(ctx, i, p, 8, &np) == ACCEL_OK && np) {
            size_t k = (size_t)snprintf(line, sizeof line, "   processes:");
            for (size_t j = 0; j < np && j < 8 && k < sizeof line; j++) {
                char m[32] = "?";
                if (p[j].mem_used >= 0) size_text((double)p[j].mem_used, m, sizeof m);
                k += (size_t)snprintf(line + k, sizeof line - k, "%s %d %s %s", j ? "," : "", p[j].pid,
                                      p[j].name[0] ? p[j].name : "?", m);
            }
            if (np > 8 && k < sizeof line) snprintf(line + k, sizeof line - k, ", … %zu more", np - 8);
            emit(f, st, line);
        }
    }
    if (!url_text) return;
    emit(f, st, "");
    if (!sv->ok) {
        snprintf(line, sizeof line, "%sserver %s: %s%s", sgr(st, "\033[31m"), url_text, sv->error, sgr(st, "\033[0m"));
        emit(f, st, line);
        return;
    }
    char up[32];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uptime_text(sv->started > 0 ? (double)ts.tv_sec - sv->started : 0, up, sizeof up);
    snprintf(line, sizeof line, "server %s: %s, up %s; workers %.0f/%.0f busy; queue %.0f/%.0f; "
                                "in flight %.0f; %.0f requests; turned away: %s",
             url_text, sv->ready > 0 ? "ready" : "not ready", up, sv->busy, sv->workers, sv->queue,
             sv->queue_cap, sv->in_flight, sv->requests, sv->rejected[0] ? sv->rejected : "none");
    emit(f, st, line);
    snprintf(line, sizeof line, "%s%-16s %-12s %8s %10s %9s  %s%s", sgr(st, "\033[7m"), "OPERATION", "DEVICE",
             "CALLS", "ITEMS", "MEAN ms", "FALLBACKS / ERRORS", sgr(st, "\033[0m"));
    emit(f, st, line);
    if (!sv->n_ops && !sv->n_notes) emit(f, st, "(no operation requests yet)");
    /* one row per (operation, device); the fallbacks and errors after the operation's rows */
    char done[MAX_OPS][64];
    size_t n_done = 0;
    for (size_t i = 0; i < sv->n_ops + sv->n_notes; i++) {
        const char *op = i < sv->n_ops ? sv->ops[i].op : sv->notes[i - sv->n_ops].op;
        int seen = 0;
        for (size_t k = 0; k < n_done; k++)
            if (!strcmp(done[k], op)) seen = 1;
        if (seen || n_done == MAX_OPS) continue;
        snprintf(done[n_done++], 64, "%s", op);
        double mean = -1;
        for (size_t k = 0; k < sv->n_dur; k++)
            if (!strcmp(sv->dur[k].op, op) && sv->dur[k].count > 0) mean = sv->dur[k].sum / sv->dur[k].count * 1000;
        char notes[400] = "";
        size_t w = 0;
        for (size_t k = 0; k < sv->n_notes && w < sizeof notes; k++)
            if (!strcmp(sv->notes[k].op, op) && sv->notes[k].n > 0)
                w += (size_t)snprintf(notes + w, sizeof notes - w, "%s%.0f× %s%s", w ? ", " : "", sv->notes[k].n,
                                      sv->notes[k].error ? "error " : "", sv->notes[k].what);
        int rows = 0;
        for (size_t k = 0; k < sv->n_ops; k++) {
            if (strcmp(sv->ops[k].op, op)) continue;
            char dev[48], ms[16] = "-";
            snprintf(dev, sizeof dev, "%s (%s)", sv->ops[k].device, sv->ops[k].kind);
            if (mean >= 0) snprintf(ms, sizeof ms, "%.1f", mean);
            snprintf(line, sizeof line, "%-16s %-12s %8.0f %10.0f %9s  %s", op, dev, sv->ops[k].calls,
                     sv->ops[k].items, rows ? "" : ms, rows ? "" : notes[0] ? notes : "none");
            emit(f, st, line);
            rows++;
        }
        if (!rows) {
            snprintf(line, sizeof line, "%-16s %-12s %8s %10s %9s  %s", op, "-", "0", "0", "-", notes);
            emit(f, st, line);
        }
    }
}

/* One refresh as one line of JSON: what the screen shows, in numbers. */
static void frame_json(accel_ctx *ctx, const char *url_text, const server_view *sv, FILE *f)
{
    char when[32], host[256] = "";
    gethostname(host, sizeof host - 1);
    accel_cli_utc_now(when);
    accel__json j;
    accel__json_init(&j, f, 0);
    accel__json_begin_object(&j, NULL);
    accel__json_str(&j, "time", when);
    accel__json_str(&j, "host", host);
    accel__json_begin_array(&j, "devices");
    size_t n = 0;
    accel_device_count(ctx, &n);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(ctx, i, &d) != ACCEL_OK) continue;
        accel_device_sample s = {.struct_size = sizeof s};
        accel_device_query(ctx, i, &s);
        accel__json_begin_object(&j, NULL);
        accel__json_int(&j, "index", d->index);
        accel__json_str(&j, "kind", accel_device_kind_name(d->kind));
        accel__json_str(&j, "name", d->name);
        accel__json_bool(&j, "usable", d->usable);
        accel__json_begin_object(&j, "memory");
        if (s.mem_used >= 0) accel__json_int(&j, "used_bytes", s.mem_used);
        else accel__json_null(&j, "used_bytes");
        if (s.mem_total >= 0) accel__json_int(&j, "total_bytes", s.mem_total);
        else accel__json_null(&j, "total_bytes");
        accel__json_end_object(&j);
        const struct {
            const char *key;
            int v;
            double scale;
        } nums[] = {{"utilization_percent", s.utilization_percent, 1},
                    {"memory_utilization_percent", s.mem_busy_percent, 1},
                    {"temperature_c", s.temperature_c, 1},
                    {"power_watts", s.power_mw, 1000},
                    {"power_limit_watts", s.power_limit_mw, 1000}};
        for (size_t q = 0; q < sizeof nums / sizeof *nums; q++)
            if (nums[q].v >= 0) accel__json_num(&j, nums[q].key, nums[q].v / nums[q].scale);
            else accel__json_null(&j, nums[q].key);
        accel__json_str(&j, "source", s.source[0] ? s.source : NULL);
        accel_device_process p[16];
        for (int q = 0; q < 16; q++) p[q].struct_size = sizeof p[q];
        size_t np = 0;
        accel_device_processes(ctx, i, p, 16, &np);
        accel__json_int(&j, "processes_total", (long long)np);
        accel__json_begin_array(&j, "processes");
        for (size_t q = 0; q < np && q < 16; q++) {
            accel__json_begin_object(&j, NULL);
            accel__json_int(&j, "pid", p[q].pid);
            accel__json_str(&j, "name", p[q].name);
            if (p[q].mem_used >= 0) accel__json_int(&j, "memory_bytes", p[q].mem_used);
            else accel__json_null(&j, "memory_bytes");
            accel__json_end_object(&j);
        }
        accel__json_end_array(&j);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);
    if (!url_text) {
        accel__json_null(&j, "server");
    } else {
        accel__json_begin_object(&j, "server");
        accel__json_str(&j, "url", url_text);
        accel__json_bool(&j, "reached", sv->ok);
        if (!sv->ok) {
            accel__json_str(&j, "error", sv->error);
        } else {
            accel__json_bool(&j, "ready", sv->ready > 0);
            accel__json_num(&j, "workers", sv->workers);
            accel__json_num(&j, "workers_busy", sv->busy);
            accel__json_num(&j, "queue_depth", sv->queue);
            accel__json_num(&j, "queue_capacity", sv->queue_cap);
            accel__json_num(&j, "in_flight", sv->in_flight);
            accel__json_num(&j, "requests_total", sv->requests);
            accel__json_begin_array(&j, "operations");
            for (size_t i = 0; i < sv->n_ops; i++) {
                accel__json_begin_object(&j, NULL);
                accel__json_str(&j, "operation", sv->ops[i].op);
                accel__json_str(&j, "device", sv->ops[i].device);
                accel__json_str(&j, "kind", sv->ops[i].kind);
                accel__json_num(&j, "calls", sv->ops[i].calls);
                accel__json_num(&j, "items", sv->ops[i].items);
                accel__json_end_object(&j);
            }
            accel__json_end_array(&j);
            accel__json_begin_array(&j, "fallbacks_and_errors");
            for (size_t i = 0; i < sv->n_notes; i++) {
                accel__json_begin_object(&j, NULL);
                accel__json_str(&j, "operation", sv->notes[i].op);
                accel__json_str(&j, "what", sv->notes[i].error ? "error" : "fallback");
                accel__json_str(&j, "reason", sv->notes[i].what);
                accel__json_num(&j, "count", sv->notes[i].n);
                accel__json_end_object(&j);
            }
            accel__json_end_array(&j);
        }
        accel__json_end_object(&j);
    }
    accel__json_end_object(&j);
    accel__json_finish(&j);
}

/* ---- the loop ----------------------------------------------------------------------------- */

int accel_cli_top(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    double interval = a.v[O_INTERVAL].set ? a.v[O_INTERVAL].d : 1.0;
    long long iterations = a.v[O_ITERATIONS].set ? a.v[O_ITERATIONS].i : -1;
    const char *url_text = a.v[O_URL].set ? a.v[O_URL].s : NULL;
    http_url url;
    char err[400];
    if (url_text && http_url_parse(url_text, &url, err, sizeof err) != 0) {
        accel_cli_error("top", "--url %s", err);
        return 2;
    }
    int to_file = a.v[O_OUTPUT].set && strcmp(a.v[O_OUTPUT].s, "-") != 0;
    if (to_file && iterations < 0) {
        accel_cli_error("top", "-o FILE is written when complete: give --iterations N too, or "
                               "redirect standard output");
        return 2;
    }
    int open_status;
    accel_ctx *ctx = accel_cli_open(verb.name, ACCEL_CTX_NO_WARMUP, &open_status);
    if (!ctx) return open_status;
    const char *token = accel__cfg_str(ctx, ACCEL__CFG_SERVE_TOKEN);
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, -1, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    int json = o.fmt == CLI_FMT_JSON;
    FILE *out = o.f;

    int tty = !json && !to_file && isatty(1), keys = tty && isatty(0);
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    style st = {.color = tty && !(nc && nc[0]) && !(term && !strcmp(term, "dumb")), .width = 0};
    if (!to_file) { /* with -o, cli_out's handlers remove the unfinished file */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal; /* no SA_RESTART: the wait below wakes */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
    }
    if (keys && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        t.c_lflag &= (tcflag_t) ~(ICANON | ECHO); /* keys one at a time, not shown; Ctrl-C stays a signal */
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 0;
        have_saved = tcsetattr(0, TCSANOW, &t) == 0;
    }
    if (tty) {
        fputs("\033[?1049h\033[?25l", stdout); /* the alternate screen, no cursor */
        screen = 1;
    }
    atexit(restore_terminal);
    server_view sv;
    memset(&sv, 0, sizeof sv);
    for (long long it = 0; !stop && (iterations < 0 || it < iterations); it++) {
        if (url_text) read_server(&url, token, interval, &sv);
        if (stop) break; /* Ctrl-C or SIGTERM while the server was read */
        if (tty) {
            struct winsize ws;
            int ok = ioctl(1, TIOCGWINSZ, &ws) == 0;
            st.width = ok && ws.ws_col > 0 ? ws.ws_col : 80;
            st.height = ok && ws.ws_row > 0 ? ws.ws_row : 24;
            st.rows = 0;
        }
        st.last = iterations >= 0 && it + 1 >= iterations;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) break;
        if (json) {
            frame_json(ctx, url_text, &sv, f);
        } else {
            if (tty) fputs("\033[H", f);
            else if (it) fputc('\n', f);
            frame(ctx, url_text, &sv, interval, &st, f);
            if (tty) fputs("\033[J", f);
        }
        fclose(f);
        fwrite(buf, 1, len, out);
        fflush(out);
        if (iterations >= 0 && it + 1 >= iterations) {
            /* the count given: the last frame stays on the terminal's own screen, as the
             * alternate one is left (`accel top -n 1` showed nothing once it had ended) */
            if (tty && !json && len >= 6) {
                restore_terminal();
                fwrite(buf + 3, 1, len - 6, out); /* without the \033[H before, \033[J after */
                fflush(out);
            }
            free(buf);
            break;
        }
        free(buf);
        /* wait for the next refresh, or a key */
        double until = accel__now_ms() + interval * 1000;
        while (!stop) {
            double left = until - accel__now_ms();
            if (left <= 0) break;
            struct pollfd p = {0, POLLIN, 0};
            int r = poll(keys ? &p : NULL, keys ? 1 : 0, (int)ceil(left));
            if (r > 0 && (p.revents & POLLIN)) {
                char c = 0;
                if (read(0, &c, 1) == 1 && (c == 'q' || c == 'Q')) stop = 1;
                if (p.revents & (POLLHUP | POLLERR)) keys = 0;
            } else if (r < 0 && errno != EINTR) {
                break;
            }
        }
    }
    restore_terminal();
    accel_ctx_destroy(ctx);
    return cli_out_close(&o);
}
