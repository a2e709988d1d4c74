/* serve_pages.c — the answers given on the connection's own thread: health, readiness, the
 * status document, the metrics, the dashboard page. Each renders from what the server
 * already holds (the snapshot, the counters), so none waits for a device.
 *
 * /status is the document a service's operator reads first (docs/serve.md): `device` is the
 * kind of the device accel would choose ("cuda", "cpu"), `gpu` the GPU in use with its name
 * (null when none is), then every device with its live figures and verdict, where each
 * operation family runs, the doctor's checks, and the server's own counters. */
#include "serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the page, embedded by the build from tools/accel/serve/dashboard.html */
extern const unsigned char accel_serve_dashboard_data[];
extern const size_t accel_serve_dashboard_size;

void sv_page_dashboard(sv_server *s, const sv_request *req, sv_answer *a)
{
    (void)s;
    (void)req;
    a->code = 200;
    a->ctype = "text/html; charset=utf-8";
    a->body = (char *)accel_serve_dashboard_data;
    a->n = accel_serve_dashboard_size;
    a->body_static = 1;
    sv_answer_header(a, "Cache-Control", "no-cache");
    sv_answer_header(a, "Content-Security-Policy",
                     "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                     "img-src 'self' data:");
}

void sv_page_healthz(sv_server *s, const sv_request *req, sv_answer *a)
{
    (void)s;
    (void)req;
    sv_answer_text(a, 200, "text/plain; charset=utf-8", "ok\n");
}

void sv_page_readyz(sv_server *s, const sv_request *req, sv_answer *a)
{
    (void)req;
    if (atomic_load(&s->draining)) {
        sv_answer_text(a, 503, "text/plain; charset=utf-8", "draining: shutting down\n");
    } else if (s->start_error[0]) {
        sv_answer_text(a, 503, "text/plain; charset=utf-8", "failed: the devices could not be opened\n");
    } else if (atomic_load(&s->ready) && s->no_device[0]) {
        sv_buf b = {0};
        sv_buf_printf(&b, "failed: %s\n", s->no_device);
        if (b.oom) {
            free(b.s);
            sv_answer_text(a, 503, "text/plain; charset=utf-8", "failed: no usable device\n");
        } else {
            a->code = 503;
            a->ctype = "text/plain; charset=utf-8";
            a->body = b.s;
            a->n = b.n;
        }
    } else if (!atomic_load(&s->ready)) {
        sv_answer_text(a, 503, "text/plain; charset=utf-8", "starting: probing devices and warming kernels\n");
        sv_answer_header(a, "Retry-After", "1");
    } else {
        sv_answer_text(a, 200, "text/plain; charset=utf-8", "ready\n");
    }
}

void sv_page_metrics(sv_server *s, const sv_request *req, sv_answer *a)
{
    (void)req;
    sv_buf b = {0};
    sv_metrics_render(s, s->metrics, &b);
    if (b.oom) {
        free(b.s);
        sv_answer_error(a, 500, "ERR_NO_MEMORY", "out of memory rendering the metrics");
        return;
    }
    a->code = 200;
    a->ctype = "text/plain; version=0.0.4; charset=utf-8";
    a->body = b.s;
    a->n = b.n;
}

/* ---- /status --------------------------------------------------------------------------- */

/* A figure in the fewest digits that read back as the same double, as every number accel
 * writes in JSON (accel__json_num) and the metrics: /status is read by programs, and a
 * rounded figure (%.6g made 71.2345678 W 71.2346) would disagree with /metrics. */
static void num_or_null(sv_buf *b, const char *key, double v, int known)
{
    sv_buf_printf(b, "\"%s\": ", key);
    if (!known || !isfinite(v))
        sv_buf_puts(b, "null");
    else
        sv_buf_num(b, v);
}

static void str_kv(sv_buf *b, const char *key, const char *v)
{
    sv_buf_printf(b, "\"%s\": ", key);
    if (v && v[0])
        sv_buf_json_str(b, v);
    else
        sv_buf_printf(b, "null");
}

/* the version of the API accel runs work through on this device */
static void runtime_version(const accel_device_info *d, char *out, size_t cap)
{
    out[0] = '\0';
    if (d->driver_cuda_version > 0)
        snprintf(out, cap, "CUDA %d.%d", d->driver_cuda_version / 1000, (d->driver_cuda_version % 1000) / 10);
    else if (d->opencl_version[0])
        accel__strlcpy(out, d->opencl_version, cap);
}

static void device_json(sv_buf *b, const sv_device_view *v, int with_procs)
{
    const accel_device_info *d = v->info;
    const accel_device_sample *m = &v->sample;
    char rt[96];
    runtime_version(d, rt, sizeof rt);
    int64_t total = m->mem_total >= 0 ? m->mem_total : d->mem_total;
    sv_buf_printf(b, "{\"index\": %d, \"kind\": ", d->index);
    sv_buf_json_str(b, accel_device_kind_name(d->kind));
    sv_buf_printf(b, ", \"name\": ");
    sv_buf_json_str(b, d->name);
    sv_buf_printf(b, ", ");
    str_kv(b, "vendor", d->vendor);
    sv_buf_printf(b, ", ");
    str_kv(b, "uuid", d->uuid);
    sv_buf_printf(b, ", ");
    str_kv(b, "pci_bus_id", d->pci_bus_id);
    sv_buf_printf(b, ", ");
    str_kv(b, "arch", d->arch);
    sv_buf_printf(b, ", \"usable\": %s, \"verdict\": ", d->usable ? "true" : "false");
    sv_buf_json_str(b, d->verdict);
    sv_buf_printf(b, ", ");
    str_kv(b, "driver_version", d->driver_version);
    sv_buf_printf(b, ", ");
    str_kv(b, "runtime_version", rt);
    sv_buf_printf(b, ", \"memory\": {");
    num_or_null(b, "used_bytes", (double)m->mem_used, m->mem_used >= 0);
    sv_buf_printf(b, ", ");
    num_or_null(b, "total_bytes", (double)total, total >= 0);
    sv_buf_printf(b, "}, ");
    num_or_null(b, "utilization_percent", m->utilization_percent, m->utilization_percent >= 0);
    sv_buf_printf(b, ", ");
    num_or_null(b, "memory_utilization_percent", m->mem_busy_percent, m->mem_busy_percent >= 0);
    sv_buf_printf(b, ", ");
    num_or_null(b, "temperature_c", m->temperature_c, m->temperature_c >= 0);
    sv_buf_printf(b, ", ");
    num_or_null(b, "power_watts", m->power_mw / 1000.0, m->power_mw >= 0);
    sv_buf_printf(b, ", ");
    num_or_null(b, "power_limit_watts", m->power_limit_mw / 1000.0, m->power_limit_mw >= 0);
    sv_buf_printf(b, ", ");
    str_kv(b, "source", m->source);
    if (with_procs) {
        sv_buf_printf(b, ", \"processes_total\": %zu, \"processes\": [", v->n_procs);
        for (size_t k = 0; k < v->n_procs && k < SV_MAX_PROCS; k++) {
            sv_buf_printf(b, "%s{\"pid\": %d, \"name\": ", k ? ", " : "", v->procs[k].pid);
            sv_buf_json_str(b, v->procs[k].name);
            sv_buf_printf(b, ", ");
            num_or_null(b, "memory_bytes", (double)v->procs[k].mem_used, v->procs[k].mem_used >= 0);
            sv_buf_printf(b, "}");
        }
        sv_buf_printf(b, "]");
    }
    sv_buf_printf(b, "}");
}

static const sv_device_view *view_of(const sv_snapshot *p, int index)
{
    for (size_t i = 0; p && i < p->n_devices; i++)
        if (p->dev[i].info->index == index) return &p->dev[i];
    return NULL;
}

void sv_status_doctor_json(const accel__doc_report *r, sv_buf *b)
{
    if (!r) {
        sv_buf_printf(b, "null");
        return;
    }
    int judged = r->n_pass + r->n_warn + r->n_fail;
    sv_buf_printf(b, "{\"passed\": %d, \"checked\": %d, \"info\": %d, \"warnings\": %d, "
                     "\"failures\": %d, \"summary\": \"%d/%d checks passed\", \"checks\": [",
                  r->n_pass, judged, r->n_info, r->n_warn, r->n_fail, r->n_pass, judged);
    for (size_t i = 0; i < r->n; i++) {
        const accel__doc_check *c = &r->checks[i];
        sv_buf_printf(b, "%s{\"id\": ", i ? ", " : "");
        sv_buf_json_str(b, c->id);
        sv_buf_printf(b, ", \"status\": ");
        sv_buf_json_str(b, accel__doc_status_name(c->status));
        sv_buf_printf(b, ", \"component\": ");
        sv_buf_json_str(b, c->component);
        sv_buf_printf(b, ", \"seen\": ");
        sv_buf_json_str(b, c->seen);
        sv_buf_printf(b, ", ");
        str_kv(b, "fix", c->fix);
        sv_buf_printf(b, "}");
    }
    sv_buf_printf(b, "]}");
}

/* the operations' counters, from the Prometheus text's own tables */
extern void sv_metrics_json(sv_metrics *m, sv_buf *b);

/* From "device" to "sampled_at_uptime_seconds": what the snapshot knows. */
void sv_status_devices_json(const sv_snapshot *p, sv_buf *b)
{
    const sv_device_view *sel = view_of(p, p->selected);
    sv_buf_printf(b, "\"device\": ");
    if (sel)
        sv_buf_json_str(b, accel_device_kind_name(sel->info->kind));
    else
        sv_buf_printf(b, "null");
    /* the GPU in use: what a service's operator asks first ("is it on the GPU, which one?") */
    sv_buf_printf(b, ", \"gpu\": ");
    if (sel && sel->info->kind != ACCEL_KIND_CPU && !sel->info->host_cpu)
        device_json(b, sel, 0);
    else
        sv_buf_printf(b, "null");
    sv_buf_printf(b, ", \"operations\": {");
    for (size_t i = 0; i < p->n_ops; i++) {
        const sv_device_view *v = view_of(p, p->ops[i].device);
        sv_buf_printf(b, "%s", i ? ", " : "");
        sv_buf_json_str(b, p->ops[i].op);
        sv_buf_printf(b, ": {\"device\": ");
        if (v) {
            sv_buf_json_str(b, accel_device_kind_name(v->info->kind));
            sv_buf_printf(b, ", \"device_index\": %d, \"device_name\": ", v->info->index);
            sv_buf_json_str(b, v->info->name);
        } else {
            sv_buf_printf(b, "null, \"device_index\": null, \"device_name\": null");
        }
        sv_buf_printf(b, "}");
    }
    sv_buf_printf(b, "}, \"devices\": [");
    for (size_t i = 0; i < p->n_devices; i++) {
        sv_buf_printf(b, "%s", i ? ", " : "");
        device_json(b, &p->dev[i], 1);
    }
    sv_buf_puts(b, "], \"sampled_at_uptime_seconds\": ");
    sv_buf_num(b, p->at);
}

void sv_page_status(sv_server *s, const sv_request *req, sv_answer *a)
{
    (void)req;
    sv_snapshot *p = sv_snapshot_acquire(s);
    int ready = atomic_load(&s->ready), draining = atomic_load(&s->draining);
    int no_device = ready && s->no_device[0];
    const char *status = draining                          ? "draining"
                         : s->start_error[0] || no_device ? "failed"
                         : ready                          ? "ok"
                                                          : "starting";
    sv_buf b = {0};
    sv_buf_reserve(&b, (p ? p->json_n : 0) + (s->doctor_json ? strlen(s->doctor_json) : 0) + 4096);
    sv_buf_printf(&b, "{\"status\": \"%s\", \"ready\": %s, \"accel_version\": ", status,
                  ready && !draining && !no_device ? "true" : "false");
    sv_buf_json_str(&b, accel_version_string());
    sv_buf_printf(&b, ", \"started_at\": \"%s\", \"uptime_seconds\": ", s->started_text);
    sv_buf_num(&b, sv_uptime(s));
    if (s->start_error[0] || no_device) {
        sv_buf_printf(&b, ", \"error\": ");
        sv_buf_json_str(&b, s->start_error[0] ? s->start_error : s->no_device);
    }
    if (p && p->json) {
        sv_buf_put(&b, ", ", 2);
        sv_buf_put(&b, p->json, p->json_n);
    } else {
        sv_buf_puts(&b, ", \"device\": null, \"gpu\": null, \"operations\": {}, \"devices\": [], "
                        "\"sampled_at_uptime_seconds\": null");
    }
    sv_buf_puts(&b, ", \"doctor\": ");
    sv_buf_puts(&b, ready && s->doctor_json ? s->doctor_json : "null");
    sv_buf_printf(&b, ", \"server\": {\"url\": ");
    sv_buf_json_str(&b, s->url);
    sv_buf_printf(&b, ", \"token_required\": %s, \"workers\": %d, \"workers_busy\": %d, "
                      "\"queue_depth\": %d, \"queue_capacity\": %d, \"in_flight\": %d, "
                      "\"body_limit_bytes\": %lld, \"time_limit_seconds\": ",
                  s->cfg.token[0] ? "true" : "false", s->pool ? sv_pool_workers(s->pool) : 0,
                  s->pool ? sv_pool_busy(s->pool) : 0, s->pool ? sv_pool_depth(s->pool) : 0,
                  s->cfg.queue, atomic_load(&s->in_flight), (long long)s->cfg.body_limit);
    sv_buf_num(&b, s->cfg.time_limit_s);
    sv_buf_puts(&b, ", \"client_timeout_seconds\": ");
    sv_buf_num(&b, s->cfg.client_timeout_s);
    sv_buf_puts(&b, "}");
    sv_buf_printf(&b, ", \"counters\": ");
    sv_metrics_json(s->metrics, &b);
    sv_buf_printf(&b, "}\n");
    sv_snapshot_release(p);
    if (b.oom) {
        free(b.s);
        sv_answer_error(a, 500, "ERR_NO_MEMORY", "out of memory rendering the status");
        return;
    }
    a->code = ready || s->start_error[0] ? 200 : 503;
    if (!ready) sv_answer_header(a, "Retry-After", "1");
    a->ctype = "application/json";
    a->body = b.s;
    a->n = b.n;
    sv_answer_header(a, "Cache-Control", "no-store");
}
