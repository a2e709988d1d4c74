/* serve_state.c — what the server knows of the machine: the context (devices probed, kernels
 * warmed), the doctor's report, and a snapshot of the devices' live figures and of where each
 * operation family would run, which a sampler thread replaces every second.
 *
 * Why a snapshot: /status and /metrics are scraped often and must stay cheap (the goal is
 * 20,000 a second on two cores), while reading NVML, sysfs and /proc costs milliseconds. The
 * pages render the latest snapshot, which readers hold by reference while they use it. The
 * same thread ends operation requests that outlive their time limit (every 50 ms). */
#include "serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_MS 50
#define SAMPLE_EVERY_MS 1000

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static int stopping;

double sv_uptime(const sv_server *s) { return (accel__now_ms() - s->t0) / 1000.0; }

sv_snapshot *sv_snapshot_acquire(sv_server *s)
{
    pthread_mutex_lock(&s->snap_lock);
    sv_snapshot *p = s->snap;
    if (p) atomic_fetch_add(&p->refs, 1);
    pthread_mutex_unlock(&s->snap_lock);
    return p;
}

void sv_snapshot_release(sv_snapshot *p)
{
    if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
        free(p->json);
        free(p);
    }
}

static void take_snapshot(sv_server *s, accel_ctx *ctx)
{
    sv_snapshot *p = calloc(1, sizeof *p);
    if (!p) return;
    atomic_init(&p->refs, 1);
    p->at = sv_uptime(s);
    size_t n = 0;
    accel_device_count(ctx, &n);
    for (size_t i = 0; i < n && p->n_devices < SV_MAX_DEVICES; i++) {
        sv_device_view *v = &p->dev[p->n_devices];
        if (accel_device_get(ctx, i, &v->info) != ACCEL_OK) continue;
        v->sample.struct_size = sizeof v->sample;
        if (accel_device_query(ctx, i, &v->sample) != ACCEL_OK) {
            memset(&v->sample, 0, sizeof v->sample);
            v->sample.struct_size = sizeof v->sample;
            v->sample.mem_used = v->sample.mem_total = -1;
            v->sample.utilization_percent = v->sample.mem_busy_percent = -1;
            v->sample.temperature_c = v->sample.power_mw = v->sample.power_limit_mw = -1;
        }
        for (int k = 0; k < SV_MAX_PROCS; k++) v->procs[k].struct_size = sizeof v->procs[k];
        if (accel_device_processes(ctx, i, v->procs, SV_MAX_PROCS, &v->n_procs) != ACCEL_OK)
            v->n_procs = 0;
        p->n_devices++;
    }
    size_t sel = 0;
    p->selected = accel_select(ctx, NULL, &sel, NULL) == ACCEL_OK ? (int)sel : -1;
    for (size_t i = 0; i < accel__op_count() && p->n_ops < SV_MAX_OPS; i++) {
        const accel__op *op = accel__op_at(i);
        sv_op_place *o = &p->ops[p->n_ops++];
        accel__strlcpy(o->op, op->name, sizeof o->op);
        o->device = accel_select(ctx, op->name, &sel, NULL) == ACCEL_OK ? (int)sel : -1;
    }
    sv_buf b = {0};
    sv_status_devices_json(p, &b);
    if (b.oom) {
        free(b.s);
        sv_snapshot_release(p);
        return; /* the previous snapshot stays */
    }
    p->json = b.s;
    p->json_n = b.n;
    pthread_mutex_lock(&s->snap_lock);
    sv_snapshot *old = s->snap;
    s->snap = p;
    pthread_mutex_unlock(&s->snap_lock);
    sv_snapshot_release(old);
}

void sv_state_stop(sv_server *s)
{
    (void)s;
    pthread_mutex_lock(&stop_lock);
    stopping = 1;
    pthread_cond_broadcast(&stop_cond);
    pthread_mutex_unlock(&stop_lock);
}

/* Sleeps `ms` unless the server stops meanwhile; 1 when it stops. */
static int nap(double ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(ms * 1e6);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&stop_lock);
    if (!stopping) pthread_cond_timedwait(&stop_cond, &stop_lock, &ts);
    int st = stopping;
    pthread_mutex_unlock(&stop_lock);
    return st;
}

/* Ready means work can run. Under ACCEL_STRICT=1 with the device asked for absent (--device
 * cuda on a machine without CUDA), every operation fails (ERR_STRICT): a load balancer must
 * not send work here, so /readyz says why instead of "ready". One operation family that may
 * run somewhere is enough: the others fail with their own reason. */
static void check_devices(sv_server *s, accel_ctx *ctx)
{
    size_t dev;
    if (accel_select(ctx, NULL, &dev, NULL) == ACCEL_OK) return;
    char why[600];
    accel__strlcpy(why, accel_last_error(ctx), sizeof why);
    for (size_t i = 0; i < accel__op_count(); i++)
        if (accel_select(ctx, accel__op_at(i)->name, &dev, NULL) == ACCEL_OK) return;
    snprintf(s->no_device, sizeof s->no_device, "no usable device for any operation: %s",
             why[0] ? why : "no device may run work");
    fprintf(stderr, "accel serve: warning: %s; /readyz answers 503 (not ready)\n", s->no_device);
}

extern void sv_http_job_done(sv_job *job, sv_answer *ans, void *arg);
extern void sv_http_job_release(sv_job *job, void *arg);

void *sv_start_thread(void *arg)
{
    sv_server *s = arg;
    accel_ctx *ctx = NULL;
    accel_status st = accel_ctx_create(&ctx, s->cfg.options, s->cfg.n_options, 0);
    if (st != ACCEL_OK) {
        snprintf(s->start_error, sizeof s->start_error, "the devices could not be opened: %s",
                 accel_last_error(NULL)[0] ? accel_last_error(NULL) : accel_strerror(st));
        fprintf(stderr, "accel serve: error: %s\n", s->start_error);
        return NULL;
    }
    /* the doctor runs now, before the workers exist: its probes fork, and a fork is safest
     * while few threads run */
    accel__doc_options dopt = {0};
    accel__doc_report *rep = NULL;
    if (accel__doctor_run(&dopt, &rep) == ACCEL_OK) {
        s->doctor = rep;
        sv_buf b = {0};
        sv_status_doctor_json(rep, &b);
        s->doctor_json = b.oom ? NULL : b.s;
        if (b.oom) free(b.s);
    }
    s->pool = sv_pool_new(s, s->cfg.workers, s->cfg.queue, sv_http_job_done, sv_http_job_release);
    if (!s->pool) {
        snprintf(s->start_error, sizeof s->start_error, "cannot start %d worker threads", s->cfg.workers);
        fprintf(stderr, "accel serve: error: %s\n", s->start_error);
        accel_ctx_destroy(ctx);
        return NULL;
    }
    take_snapshot(s, ctx);
    check_devices(s, ctx);
    atomic_store(&s->ctx, ctx);
    atomic_store(&s->ready, 1);
    const sv_snapshot *snap = s->snap;
    size_t n = snap ? snap->n_devices : 0;
    fprintf(stderr, "accel serve: ready: %zu device%s (", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%s %d %s%s", i ? ", " : "", accel_device_kind_name(snap->dev[i].info->kind),
                snap->dev[i].info->index, snap->dev[i].info->name, snap->dev[i].info->usable ? "" : " [unusable]");
    fprintf(stderr, "); %d worker%s, queue %d\n", sv_pool_workers(s->pool),
            sv_pool_workers(s->pool) == 1 ? "" : "s", s->cfg.queue);
    double next = accel__now_ms() + SAMPLE_EVERY_MS;
    while (!nap(TICK_MS)) {
        double now = accel__now_ms();
        sv_pool_expire(s->pool, now);
        if (now >= next) {
            take_snapshot(s, ctx);
            next = now + SAMPLE_EVERY_MS;
        }
    }
    return NULL;
}
