/* serve_metrics.c — what the server counts, and its Prometheus text (docs/serve.md lists
 * every series and how it maps to DCGM's and Triton's).
 *
 * Names follow Prometheus' conventions: base units (bytes, seconds, watts, ratios), `_total`
 * for counters, one family's samples together under one HELP and TYPE. Requests are counted
 * with atomics (the hot path of /status and /metrics takes no lock); operations, which are
 * rarer and carry labels that appear as they happen (an operation, a device, a fallback
 * reason), go to small tables under a mutex. */
#include "serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const double sv_buckets[SV_N_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,   0.5,   1,      2.5,   5,     10,    30,    60};
/* their `le` labels, spelled once (a scrape formats thousands of samples) */
static const char *const bucket_le[SV_N_BUCKETS + 1] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "30",   "60", "+Inf"};

/* HTTP status codes counted one by one; others under "other". */
static const int codes[] = {200, 400, 401, 404, 405, 406, 408, 413, 414, 415, 431, 500, 501, 503, 505};
#define N_CODES (sizeof codes / sizeof *codes + 1)

static const char *const reject_names[SV_REJ_N] = {
    "queue_full", "time_limit", "body_too_large", "slow_client", "unauthorized", "not_ready",
    "draining"};

#define MAX_ROWS 256

typedef struct {
    char op[32];
    int device;
    unsigned long long calls, items;
} op_row;

typedef struct {
    char op[32];
    char reason[32];
    int device; /* the device that failed */
    unsigned long long count;
} fb_row;

typedef struct {
    char op[32];
    char reason[32]; /* the status name */
    unsigned long long count;
} err_row;

typedef struct {
    char op[32];
    sv_hist h;
} op_hist;

struct sv_metrics {
    size_t n_routes;
    atomic_ullong *req; /* (n_routes + 1) × N_CODES; the last route row: no route matched */
    sv_hist *lat;       /* n_routes + 1 */
    atomic_ullong rejected[SV_REJ_N];
    pthread_mutex_t lock;
    op_row rows[MAX_ROWS];
    size_t n_rows;
    fb_row fbs[MAX_ROWS];
    size_t n_fbs;
    err_row errs[MAX_ROWS];
    size_t n_errs;
    op_hist hists[32];
    size_t n_hists;
    atomic_ullong op_n, op_ns;
};

void sv_hist_add(sv_hist *h, double seconds)
{
    int i = 0;
    while (i < SV_N_BUCKETS && seconds > sv_buckets[i]) i++;
    atomic_fetch_add(&h->count[i], 1);
    atomic_fetch_add(&h->sum_ns, (unsigned long long)(seconds > 0 ? seconds * 1e9 : 0));
}

sv_metrics *sv_metrics_new(size_t n_routes)
{
    sv_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->n_routes = n_routes;
    m->req = calloc((n_routes + 1) * N_CODES, sizeof *m->req);
    m->lat = calloc(n_routes + 1, sizeof *m->lat);
    pthread_mutex_init(&m->lock, NULL);
    if (!m->req || !m->lat) {
        sv_metrics_free(m);
        return NULL;
    }
    return m;
}

void sv_metrics_free(sv_metrics *m)
{
    if (!m) return;
    pthread_mutex_destroy(&m->lock);
    free(m->req);
    free(m->lat);
    free(m);
}

void sv_metrics_request(sv_metrics *m, int route, int code, double seconds)
{
    size_t r = route >= 0 && (size_t)route < m->n_routes ? (size_t)route : m->n_routes;
    size_t c = N_CODES - 1;
    for (size_t i = 0; i < N_CODES - 1; i++)
        if (codes[i] == code) c = i;
    atomic_fetch_add(&m->req[r * N_CODES + c], 1);
    sv_hist_add(&m->lat[r], seconds);
}

void sv_metrics_reject(sv_metrics *m, sv_reject why)
{
    if (why >= 0 && why < SV_REJ_N) atomic_fetch_add(&m->rejected[why], 1);
}

static op_hist *hist_of(sv_metrics *m, const char *op)
{
    for (size_t i = 0; i < m->n_hists; i++)
        if (!strcmp(m->hists[i].op, op)) return &m->hists[i];
    if (m->n_hists == sizeof m->hists / sizeof *m->hists) return NULL;
    op_hist *h = &m->hists[m->n_hists++];
    accel__strlcpy(h->op, op, sizeof h->op);
    return h;
}

void sv_metrics_op(sv_metrics *m, const char *op, int device, uint64_t items, double seconds,
                   const accel_run_record *rec, const char *error)
{
    atomic_fetch_add(&m->op_n, 1);
    atomic_fetch_add(&m->op_ns, (unsigned long long)(seconds * 1e9));
    pthread_mutex_lock(&m->lock);
    op_hist *h = hist_of(m, op);
    if (h) sv_hist_add(&h->h, seconds);
    if (!error && device >= 0) {
        size_t i = 0;
        while (i < m->n_rows && !(m->rows[i].device == device && !strcmp(m->rows[i].op, op))) i++;
        if (i == m->n_rows && i < MAX_ROWS) {
            memset(&m->rows[i], 0, sizeof m->rows[i]);
            accel__strlcpy(m->rows[i].op, op, sizeof m->rows[i].op);
            m->rows[i].device = device;
            m->n_rows++;
        }
        if (i < m->n_rows) {
            m->rows[i].calls++;
            m->rows[i].items += items;
        }
    }
    if (error) {
        size_t i = 0;
        while (i < m->n_errs && !(!strcmp(m->errs[i].op, op) && !strcmp(m->errs[i].reason, error))) i++;
        if (i == m->n_errs && i < MAX_ROWS) {
            memset(&m->errs[i], 0, sizeof m->errs[i]);
            accel__strlcpy(m->errs[i].op, op, sizeof m->errs[i].op);
            accel__strlcpy(m->errs[i].reason, error, sizeof m->errs[i].reason);
            m->n_errs++;
        }
        if (i < m->n_errs) m->errs[i].count++;
    }
    if (rec && rec->n_fallbacks > 0) {
        const char *reason = accel_fallback_reason_name(rec->reason);
        int dev = rec->device_planned;
        size_t i = 0;
        while (i < m->n_fbs && !(m->fbs[i].device == dev && !strcmp(m->fbs[i].op, op) &&
                                 !strcmp(m->fbs[i].reason, reason)))
            i++;
        if (i == m->n_fbs && i < MAX_ROWS) {
            memset(&m->fbs[i], 0, sizeof m->fbs[i]);
            accel__strlcpy(m->fbs[i].op, op, sizeof m->fbs[i].op);
            accel__strlcpy(m->fbs[i].reason, reason, sizeof m->fbs[i].reason);
            m->fbs[i].device = dev;
            m->n_fbs++;
        }
        if (i < m->n_fbs) m->fbs[i].count += (unsigned long long)rec->n_fallbacks;
    }
    pthread_mutex_unlock(&m->lock);
}

double sv_metrics_op_mean(sv_metrics *m)
{
    unsigned long long n = atomic_load(&m->op_n);
    return n ? (double)atomic_load(&m->op_ns) / 1e9 / (double)n : 0;
}

/* ---- the text format ------------------------------------------------------------------- */

/* A label value: backslash, double quote and line feed escaped. */
static void label(sv_buf *b, const char *name, const char *v)
{
    sv_buf_puts(b, name);
    sv_buf_put(b, "=\"", 2);
    const char *p = v ? v : "", *run = p;
    for (; *p; p++) {
        if (*p != '\\' && *p != '"' && *p != '\n') continue;
        sv_buf_put(b, run, (size_t)(p - run));
        sv_buf_put(b, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n", 2);
        run = p + 1;
    }
    sv_buf_put(b, run, (size_t)(p - run));
    sv_buf_put(b, "\"", 1);
}

static void family(sv_buf *b, const char *name, const char *type, const char *help)
{
    sv_buf_puts(b, "# HELP ");
    sv_buf_puts(b, name);
    sv_buf_put(b, " ", 1);
    sv_buf_puts(b, help);
    sv_buf_puts(b, "\n# TYPE ");
    sv_buf_puts(b, name);
    sv_buf_put(b, " ", 1);
    sv_buf_puts(b, type);
    sv_buf_put(b, "\n", 1);
}

/* A sample value in Prometheus' spelling, with its line end: whole numbers without printf. */
static void value(sv_buf *b, double v)
{
    sv_buf_put(b, " ", 1);
    if (isnan(v)) sv_buf_puts(b, "NaN");
    else if (isinf(v)) sv_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15) {
        if (v < 0) sv_buf_put(b, "-", 1);
        sv_buf_u64(b, (unsigned long long)fabs(v));
    } else
        sv_buf_num(b, v);
    sv_buf_put(b, "\n", 1);
}

static void count(sv_buf *b, unsigned long long v)
{
    sv_buf_put(b, " ", 1);
    sv_buf_u64(b, v);
    sv_buf_put(b, "\n", 1);
}

static void hist(sv_buf *b, const char *name, const char *lname, const char *lvalue,
                 const sv_hist *h)
{
    unsigned long long cum = 0;
    for (int i = 0; i <= SV_N_BUCKETS; i++) {
        cum += atomic_load(&h->count[i]);
        sv_buf_puts(b, name);
        sv_buf_puts(b, "_bucket{");
        label(b, lname, lvalue);
        sv_buf_puts(b, ",le=\"");
        sv_buf_puts(b, bucket_le[i]);
        sv_buf_puts(b, "\"}");
        count(b, cum);
    }
    sv_buf_puts(b, name);
    sv_buf_puts(b, "_sum{");
    label(b, lname, lvalue);
    sv_buf_puts(b, "}");
    value(b, (double)atomic_load(&h->sum_ns) / 1e9);
    sv_buf_puts(b, name);
    sv_buf_puts(b, "_count{");
    label(b, lname, lvalue);
    sv_buf_puts(b, "}");
    count(b, cum);
}

static void device_labels(sv_buf *b, const sv_device_view *v)
{
    sv_buf_puts(b, "device=\"");
    sv_buf_u64(b, (unsigned long long)v->info->index);
    sv_buf_puts(b, "\"");
    sv_buf_put(b, ",", 1);
    label(b, "kind", accel_device_kind_name(v->info->kind));
    sv_buf_put(b, ",", 1);
    label(b, "name", v->info->name);
}

/* One gauge per device; devices whose figure is unknown (< 0) have no sample. */
static void device_gauge(sv_buf *b, const sv_snapshot *snap, const char *name, const char *help,
                         double (*get)(const sv_device_view *))
{
    int any = 0;
    for (size_t i = 0; i < snap->n_devices; i++)
        if (get(&snap->dev[i]) >= 0) any = 1;
    if (!any) return;
    family(b, name, "gauge", help);
    for (size_t i = 0; i < snap->n_devices; i++) {
        double v = get(&snap->dev[i]);
        if (v < 0) continue;
        sv_buf_puts(b, name);
        sv_buf_put(b, "{", 1);
        device_labels(b, &snap->dev[i]);
        sv_buf_put(b, "}", 1);
        value(b, v);
    }
}

static double g_mem_used(const sv_device_view *v) { return (double)v->sample.mem_used; }
static double g_mem_total(const sv_device_view *v)
{
    return (double)(v->sample.mem_total >= 0 ? v->sample.mem_total : v->info->mem_total);
}
static double g_util(const sv_device_view *v)
{
    return v->sample.utilization_percent < 0 ? -1 : v->sample.utilization_percent / 100.0;
}
static double g_mem_util(const sv_device_view *v)
{
    return v->sample.mem_busy_percent < 0 ? -1 : v->sample.mem_busy_percent / 100.0;
}
static double g_temp(const sv_device_view *v) { return v->sample.temperature_c; }
static double g_power(const sv_device_view *v)
{
    return v->sample.power_mw < 0 ? -1 : v->sample.power_mw / 1000.0;
}
static double g_power_limit(const sv_device_view *v)
{
    return v->sample.power_limit_mw < 0 ? -1 : v->sample.power_limit_mw / 1000.0;
}
static double g_usable(const sv_device_view *v) { return v->info->usable ? 1 : 0; }
static double g_procs(const sv_device_view *v) { return (double)v->n_procs; }

static void devices(sv_buf *b, const sv_snapshot *snap)
{
    if (!snap->n_devices) return;
    family(b, "accel_device_info", "gauge",
           "Each device accel found (1), with what identifies it and its verdict.");
    for (size_t i = 0; i < snap->n_devices; i++) {
        const accel_device_info *d = snap->dev[i].info;
        sv_buf_printf(b, "accel_device_info{");
        device_labels(b, &snap->dev[i]);
        sv_buf_put(b, ",", 1);
        label(b, "uuid", d->uuid);
        sv_buf_put(b, ",", 1);
        label(b, "pci_bus_id", d->pci_bus_id);
        sv_buf_put(b, ",", 1);
        label(b, "driver_version", d->driver_version);
        sv_buf_put(b, ",", 1);
        label(b, "verdict", d->verdict);
        sv_buf_printf(b, "} 1\n");
    }
    device_gauge(b, snap, "accel_device_usable", "1 when the probe verdict allows running work on the device.", g_usable);
    device_gauge(b, snap, "accel_device_memory_used_bytes", "Device memory in use by every process (the CPU: host RAM in use).", g_mem_used);
    device_gauge(b, snap, "accel_device_memory_total_bytes", "Device memory (the CPU: host RAM, or the cgroup limit).", g_mem_total);
    device_gauge(b, snap, "accel_device_utilization_ratio", "Share of the last sample period the device was busy.", g_util);
    device_gauge(b, snap, "accel_device_memory_utilization_ratio", "Share of the last sample period the memory controller was busy.", g_mem_util);
    device_gauge(b, snap, "accel_device_temperature_celsius", "Device temperature.", g_temp);
    device_gauge(b, snap, "accel_device_power_watts", "Board (GPU) or package (CPU) power draw.", g_power);
    device_gauge(b, snap, "accel_device_power_limit_watts", "Enforced power limit.", g_power_limit);
    device_gauge(b, snap, "accel_device_processes", "Processes using the device (NVML, DRM fdinfo).", g_procs);
}

static const char *kind_of(const sv_snapshot *snap, int device)
{
    for (size_t i = 0; i < snap->n_devices; i++)
        if (snap->dev[i].info->index == device) return accel_device_kind_name(snap->dev[i].info->kind);
    return "";
}

static void operations(sv_metrics *m, const sv_snapshot *snap, sv_buf *b)
{
    pthread_mutex_lock(&m->lock);
    family(b, "accel_operation_calls_total", "counter",
           "Operation requests that succeeded, by the device that produced the result.");
    for (size_t i = 0; i < m->n_rows; i++) {
        char dev[16];
        snprintf(dev, sizeof dev, "%d", m->rows[i].device);
        sv_buf_printf(b, "accel_operation_calls_total{");
        label(b, "operation", m->rows[i].op);
        sv_buf_put(b, ",", 1);
        label(b, "device", dev);
        sv_buf_put(b, ",", 1);
        label(b, "kind", kind_of(snap, m->rows[i].device));
        sv_buf_printf(b, "} %llu\n", m->rows[i].calls);
    }
    family(b, "accel_operation_items_total", "counter",
           "Items those requests produced (audio features: frames).");
    for (size_t i = 0; i < m->n_rows; i++) {
        char dev[16];
        snprintf(dev, sizeof dev, "%d", m->rows[i].device);
        sv_buf_printf(b, "accel_operation_items_total{");
        label(b, "operation", m->rows[i].op);
        sv_buf_put(b, ",", 1);
        label(b, "device", dev);
        sv_buf_put(b, ",", 1);
        label(b, "kind", kind_of(snap, m->rows[i].device));
        sv_buf_printf(b, "} %llu\n", m->rows[i].items);
    }
    family(b, "accel_operation_errors_total", "counter",
           "Operation requests that failed, by accel's status (ERR_FORMAT: a bad input).");
    for (size_t i = 0; i < m->n_errs; i++) {
        sv_buf_printf(b, "accel_operation_errors_total{");
        label(b, "operation", m->errs[i].op);
        sv_buf_put(b, ",", 1);
        label(b, "reason", m->errs[i].reason);
        sv_buf_printf(b, "} %llu\n", m->errs[i].count);
    }
    family(b, "accel_operation_fallbacks_total", "counter",
           "Fallbacks during operation requests (the request still succeeded on the next "
           "device), by reason and the device that failed.");
    for (size_t i = 0; i < m->n_fbs; i++) {
        char dev[16];
        snprintf(dev, sizeof dev, "%d", m->fbs[i].device);
        sv_buf_printf(b, "accel_operation_fallbacks_total{");
        label(b, "operation", m->fbs[i].op);
        sv_buf_put(b, ",", 1);
        label(b, "reason", m->fbs[i].reason);
        sv_buf_put(b, ",", 1);
        label(b, "device", dev);
        sv_buf_put(b, ",", 1);
        label(b, "kind", kind_of(snap, m->fbs[i].device));
        sv_buf_printf(b, "} %llu\n", m->fbs[i].count);
    }
    family(b, "accel_operation_duration_seconds", "histogram",
           "Time of operation requests on a worker: decoding, computing, formatting.");
    for (size_t i = 0; i < m->n_hists; i++)
        hist(b, "accel_operation_duration_seconds", "operation", m->hists[i].op, &m->hists[i].h);
    pthread_mutex_unlock(&m->lock);
}

static void executor(sv_server *s, sv_buf *b)
{
    accel_ctx *ctx = atomic_load(&s->ctx);
    size_t n = 0;
    if (!ctx || accel_stats_count(ctx, &n) != ACCEL_OK) return;
    accel_op_stats st[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64; i++) {
        st[k].struct_size = sizeof st[k];
        if (accel_stats_get(ctx, i, &st[k]) == ACCEL_OK) k++;
    }
    family(b, "accel_executor_calls_total", "counter",
           "Calls of each operation through accel's executor (a long input is several).");
    for (size_t i = 0; i < k; i++) {
        sv_buf_printf(b, "accel_executor_calls_total{");
        label(b, "operation", st[i].op);
        sv_buf_printf(b, "} %llu\n", (unsigned long long)st[i].calls);
    }
    family(b, "accel_executor_fallbacks_total", "counter",
           "Executor calls re-run on the next device, by reason.");
    for (size_t i = 0; i < k; i++)
        for (int r = 1; r < 6; r++) {
            if (!st[i].fallbacks[r]) continue;
            sv_buf_printf(b, "accel_executor_fallbacks_total{");
            label(b, "operation", st[i].op);
            sv_buf_put(b, ",", 1);
            label(b, "reason", accel_fallback_reason_name((accel_fallback_reason)r));
            sv_buf_printf(b, "} %llu\n", (unsigned long long)st[i].fallbacks[r]);
        }
    family(b, "accel_executor_failures_total", "counter", "Executor calls that failed on every device.");
    for (size_t i = 0; i < k; i++) {
        sv_buf_printf(b, "accel_executor_failures_total{");
        label(b, "operation", st[i].op);
        sv_buf_printf(b, "} %llu\n", (unsigned long long)st[i].failures);
    }
    family(b, "accel_executor_time_lost_seconds_total", "counter",
           "Time spent in attempts that failed and were re-run elsewhere.");
    for (size_t i = 0; i < k; i++) {
        sv_buf_printf(b, "accel_executor_time_lost_seconds_total{");
        label(b, "operation", st[i].op);
        sv_buf_put(b, "}", 1);
        value(b, st[i].time_lost_ms / 1000.0);
    }
}

void sv_metrics_render(sv_server *s, sv_metrics *m, sv_buf *b)
{
    family(b, "accel_build_info", "gauge", "accel's version (1).");
    sv_buf_printf(b, "accel_build_info{");
    label(b, "version", accel_version_string());
    sv_buf_printf(b, "} 1\n");
    family(b, "accel_start_time_seconds", "gauge", "When the server started, in seconds since the epoch.");
    sv_buf_printf(b, "accel_start_time_seconds");
    value(b, s->started_unix);
    family(b, "accel_ready", "gauge", "1 once the devices are probed and the kernels warmed.");
    sv_buf_printf(b, "accel_ready %d\n",
                  atomic_load(&s->ready) && !atomic_load(&s->draining) && !s->no_device[0]);

    static const sv_snapshot none;
    sv_snapshot *held = sv_snapshot_acquire(s);
    const sv_snapshot *snap = held ? held : &none;
    devices(b, snap);

    if (s->pool) {
        family(b, "accel_queue_depth", "gauge", "Operation requests waiting for a worker.");
        sv_buf_printf(b, "accel_queue_depth %d\n", sv_pool_depth(s->pool));
        family(b, "accel_queue_capacity", "gauge", "The most operation requests that may wait (ACCEL_SERVE_QUEUE).");
        sv_buf_printf(b, "accel_queue_capacity %d\n", sv_pool_capacity(s->pool));
        family(b, "accel_workers", "gauge", "Threads that run operations (ACCEL_SERVE_WORKERS).");
        sv_buf_printf(b, "accel_workers %d\n", sv_pool_workers(s->pool));
        family(b, "accel_workers_busy", "gauge", "Workers running an operation now.");
        sv_buf_printf(b, "accel_workers_busy %d\n", sv_pool_busy(s->pool));
    }
    family(b, "accel_requests_in_flight", "gauge",
           "HTTP requests received and not yet answered (this scrape included).");
    sv_buf_printf(b, "accel_requests_in_flight %d\n", atomic_load(&s->in_flight));

    operations(m, snap, b);
    sv_snapshot_release(held);
    executor(s, b);

    family(b, "accel_http_requests_total", "counter",
           "HTTP requests answered, by endpoint and status code (one that ended unanswered, its "
           "client gone, is not counted).");
    for (size_t r = 0; r <= m->n_routes; r++)
        for (size_t c = 0; c < N_CODES; c++) {
            unsigned long long n = atomic_load(&m->req[r * N_CODES + c]);
            if (!n) continue;
            sv_buf_puts(b, "accel_http_requests_total{");
            label(b, "handler", r < m->n_routes ? s->routes[r].path : "(none)");
            sv_buf_puts(b, ",code=\"");
            if (c < N_CODES - 1)
                sv_buf_u64(b, (unsigned long long)codes[c]);
            else
                sv_buf_puts(b, "other");
            sv_buf_puts(b, "\"}");
            count(b, n);
        }
    family(b, "accel_http_request_duration_seconds", "histogram",
           "Time from a request's start to its answer, by endpoint.");
    for (size_t r = 0; r <= m->n_routes; r++) {
        unsigned long long n = 0;
        for (int i = 0; i <= SV_N_BUCKETS; i++) n += atomic_load(&m->lat[r].count[i]);
        if (!n) continue;
        hist(b, "accel_http_request_duration_seconds", "handler",
             r < m->n_routes ? s->routes[r].path : "(none)", &m->lat[r]);
    }
    family(b, "accel_http_rejected_total", "counter",
           "Requests turned away: queue_full and time_limit (503), body_too_large (413), "
           "slow_client (408), unauthorized (401), not_ready and draining (503).");
    for (int i = 0; i < SV_REJ_N; i++) {
        sv_buf_printf(b, "accel_http_rejected_total{");
        label(b, "reason", reject_names[i]);
        sv_buf_printf(b, "} %llu\n", atomic_load(&m->rejected[i]));
    }
}

/* The same counters for /status (the dashboard and `accel top` read them there). */
void sv_metrics_json(sv_metrics *m, sv_buf *b)
{
    pthread_mutex_lock(&m->lock);
    sv_buf_printf(b, "{\"operations\": [");
    for (size_t i = 0; i < m->n_rows; i++) {
        sv_buf_printf(b, "%s{\"operation\": ", i ? ", " : "");
        sv_buf_json_str(b, m->rows[i].op);
        sv_buf_printf(b, ", \"device\": %d, \"calls\": %llu, \"items\": %llu}", m->rows[i].device,
                      m->rows[i].calls, m->rows[i].items);
    }
    sv_buf_printf(b, "], \"fallbacks\": [");
    for (size_t i = 0; i < m->n_fbs; i++) {
        sv_buf_printf(b, "%s{\"operation\": ", i ? ", " : "");
        sv_buf_json_str(b, m->fbs[i].op);
        sv_buf_printf(b, ", \"reason\": ");
        sv_buf_json_str(b, m->fbs[i].reason);
        sv_buf_printf(b, ", \"device\": %d, \"count\": %llu}", m->fbs[i].device, m->fbs[i].count);
    }
    sv_buf_printf(b, "], \"errors\": [");
    for (size_t i = 0; i < m->n_errs; i++) {
        sv_buf_printf(b, "%s{\"operation\": ", i ? ", " : "");
        sv_buf_json_str(b, m->errs[i].op);
        sv_buf_printf(b, ", \"reason\": ");
        sv_buf_json_str(b, m->errs[i].reason);
        sv_buf_printf(b, ", \"count\": %llu}", m->errs[i].count);
    }
    pthread_mutex_unlock(&m->lock);
    sv_buf_printf(b, "], \"rejected\": {");
    for (int i = 0; i < SV_REJ_N; i++)
        sv_buf_printf(b, "%s\"%s\": %llu", i ? ", " : "", reject_names[i], atomic_load(&m->rejected[i]));
    unsigned long long total = 0;
    for (size_t i = 0; i < (m->n_routes + 1) * N_CODES; i++) total += atomic_load(&m->req[i]);
    sv_buf_printf(b, "}, \"requests_total\": %llu}", total);
}
