/* serve.h — the parts of `accel serve` (docs/serve.md) and what they share.
 *
 *   serve_http.c     libmicrohttpd: the daemon, each request's life (route, token, limits,
 *                    body, queue, suspend/resume), the access log, SIGTERM draining
 *   serve_pool.c     the workers and the bounded queue, time limits per request
 *   serve_ops.c      the operations a worker runs (audio features)
 *   serve_pages.c    the answers given on the connection's thread: /healthz, /readyz,
 *                    /status, /metrics, the dashboard page
 *   serve_state.c    the context, the doctor's report, and the device figures a sampler
 *                    thread refreshes each second
 *   serve_metrics.c  counters and histograms, and their Prometheus text
 *   serve_request.c  what a request asks for, from plain strings (fuzzed on its own)
 *
 * Threads: libmicrohttpd's (one per core, epoll), the workers, one sampler (device figures
 * and request time limits), one watchdog (the clients' deadlines: serve_http.c), and the main
 * thread, which waits for SIGTERM/SIGINT and drains. */
#ifndef ACCEL_SERVE_H
#define ACCEL_SERVE_H

#include "accel.h"
#include "core/internal.h"
#include "discover/doctor.h"
#include "serve_request.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- settings (cmd_serve.c reads them from the configuration) ----------------------------- */

typedef struct sv_config {
    char listen[320];       /* HOST:PORT */
    char listen_name[420];  /* how messages name it: "--listen HOST:PORT", or
                             * "ACCEL_SERVE_LISTEN=HOST:PORT (from env)" */
    char token[520];        /* "" when none */
    int workers;            /* threads running operations */
    int queue;              /* requests that may wait for a worker */
    int64_t body_limit;     /* bytes */
    double time_limit_s;    /* per operation request, queue included */
    double client_timeout_s; /* to send the request; idle connections */
    const accel_option *options; /* for the server's context (device choice, …) */
    size_t n_options;
    const char *ready_file; /* written with the URL once listening, or NULL */
} sv_config;

/* Runs the server until SIGTERM or SIGINT; returns the exit status (0 after a clean drain,
 * 1 when it could not start, 2 for a setting it refuses: a token of '=' alone, a listening
 * host the resolver says is no host). */
int sv_run(const sv_config *cfg);

/* ---- a growable text buffer --------------------------------------------------------------- */

typedef struct sv_buf {
    char *s;
    size_t n, cap;
    int oom;
} sv_buf;

void sv_buf_printf(sv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_buf_put(sv_buf *b, const void *data, size_t n);
void sv_buf_reserve(sv_buf *b, size_t n); /* room for n more bytes */
void sv_buf_puts(sv_buf *b, const char *s);
void sv_buf_u64(sv_buf *b, unsigned long long v); /* in decimal, without printf */
/* a JSON string literal, quotes included; bytes that are not UTF-8 become U+FFFD, so that
 * the document stays JSON whatever a client or a driver put in the text */
void sv_buf_json_str(sv_buf *b, const char *s);
/* A number in the fewest digits that read back as the same double (3.3, not
 * 3.2999999999999998), as the CLI's JSON writer (accel__json_num) prints it; `out` holds 32. */
void sv_num_text(char out[32], double v);
void sv_buf_num(sv_buf *b, double v);
/* For the access log: s[0..n) with every byte that could forge a line or drive a terminal
 * written as \xHH — control bytes, DEL, bytes that are not UTF-8, the C1 controls — and a
 * backslash doubled; with `field`, a space too (the line's fields are separated by spaces).
 * Always terminates `out`; cut short to fit. */
void sv_log_escape(char *out, size_t cap, const char *s, size_t n, int field);

/* The request target `uri` as the access log shows it: the value of every `access_token`
 * query parameter (RFC 6750 §2.3's way to send a bearer token, which this server does not
 * take) replaced by "(hidden)", so that a client sending its token there does not write it
 * to the log. Always terminates `out`; cut short to fit. */
void sv_log_target(char *out, size_t cap, const char *uri);

/* ---- an answer ---------------------------------------------------------------------------- */

#define SV_MAX_HEADERS 6

typedef struct sv_answer {
    int code;
    const char *ctype;
    char *body;        /* malloc'd, or static when body_static */
    size_t n;
    int body_static;
    struct {
        const char *name;
        char value[160];
    } headers[SV_MAX_HEADERS];
    int n_headers;
    char note[200];    /* for the access log: the device used, fallbacks, or the error */
} sv_answer;

void sv_answer_header(sv_answer *a, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A JSON error body {"error": msg, "code": code[, "status": name]}. */
void sv_answer_error(sv_answer *a, int code, const char *status_name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sv_answer_text(sv_answer *a, int code, const char *ctype, const char *text);
void sv_answer_free(sv_answer *a);

/* ---- the server --------------------------------------------------------------------------- */

typedef struct sv_server sv_server;

/* One operation request handed to a worker. */
typedef struct sv_job {
    sv_server *srv;
    const sv_request *req;   /* route, parameters, format */
    const unsigned char *body;
    size_t body_n;
    sv_answer ans;           /* filled by the worker */
} sv_job;

typedef void (*sv_page_fn)(sv_server *s, const sv_request *req, sv_answer *a);
typedef void (*sv_op_fn)(sv_job *job);

/* the handlers serve_routes.h names */
void sv_page_dashboard(sv_server *s, const sv_request *req, sv_answer *a);
void sv_page_healthz(sv_server *s, const sv_request *req, sv_answer *a);
void sv_page_readyz(sv_server *s, const sv_request *req, sv_answer *a);
void sv_page_status(sv_server *s, const sv_request *req, sv_answer *a);
void sv_page_metrics(sv_server *s, const sv_request *req, sv_answer *a);
void sv_op_audio_features(sv_job *job);
void sv_op_image_quality(sv_job *job);
void sv_op_image_blob(sv_job *job);

/* ---- metrics (serve_metrics.c) ------------------------------------------------------------ */

#define SV_N_BUCKETS 16
extern const double sv_buckets[SV_N_BUCKETS]; /* seconds, upper bounds */

typedef struct sv_hist {
    atomic_ullong count[SV_N_BUCKETS + 1]; /* the last one: +Inf */
    atomic_ullong sum_ns;
} sv_hist;

void sv_hist_add(sv_hist *h, double seconds);

/* Why a request was turned away before or instead of running. */
typedef enum {
    SV_REJ_QUEUE_FULL, SV_REJ_TIME_LIMIT, SV_REJ_BODY_LIMIT, SV_REJ_SLOW_CLIENT,
    SV_REJ_UNAUTHORIZED, SV_REJ_NOT_READY, SV_REJ_DRAINING, SV_REJ_N
} sv_reject;

typedef struct sv_metrics sv_metrics;
sv_metrics *sv_metrics_new(size_t n_routes);
void sv_metrics_free(sv_metrics *m);
/* A completed request of route `route` (-1: none matched) with HTTP status `code`. */
void sv_metrics_request(sv_metrics *m, int route, int code, double seconds);
void sv_metrics_reject(sv_metrics *m, sv_reject why);
/* An operation that ran: its name as requested, the device that produced the result (-1:
 * none, it failed), its items, the time, and the run record; `error` is the status name of a
 * failure ("ERR_FORMAT") or NULL. */
void sv_metrics_op(sv_metrics *m, const char *op, int device, uint64_t items, double seconds,
                   const accel_run_record *rec, const char *error);
/* Mean seconds of an operation request so far (0 when none): for Retry-After. */
double sv_metrics_op_mean(sv_metrics *m);
/* The Prometheus text format (version 0.0.4). */
void sv_metrics_render(sv_server *s, sv_metrics *m, sv_buf *b);

/* ---- state (serve_state.c) ---------------------------------------------------------------- */

#define SV_MAX_PROCS 16

/* One device as the sampler last saw it. */
typedef struct sv_device_view {
    const accel_device_info *info;
    accel_device_sample sample;
    accel_device_process procs[SV_MAX_PROCS];
    size_t n_procs; /* may exceed SV_MAX_PROCS */
} sv_device_view;

/* The operation families and the device each would run on now. */
typedef struct sv_op_place {
    char op[32];
    int device; /* -1: none may run it */
} sv_op_place;

#define SV_MAX_DEVICES 64
#define SV_MAX_OPS 32

typedef struct sv_snapshot {
    atomic_int refs;      /* the server's pointer and each reader */
    double at;            /* seconds since the start */
    size_t n_devices;
    sv_device_view dev[SV_MAX_DEVICES];
    int selected;         /* the device accel_select(NULL) chooses, -1 none */
    size_t n_ops;
    sv_op_place ops[SV_MAX_OPS];
    char *json;           /* /status's part about the devices, rendered once per snapshot */
    size_t json_n;
} sv_snapshot;

struct sv_server {
    sv_config cfg;
    const sv_route_desc *routes;
    size_t n_routes;
    double t0;             /* accel__now_ms() at start */
    double started_unix;   /* seconds since the epoch at start */
    char started_text[40]; /* the same, "2026-12-06T04:39:21Z" */
    char url[400];         /* http://HOST:PORT/ as bound */
    _Atomic(accel_ctx *) ctx;  /* NULL until the devices are ready */
    atomic_int ready;      /* devices probed, kernels warmed, workers running */
    atomic_int draining;   /* SIGTERM seen: no new work */
    char start_error[600]; /* why the context could not be created ("" when it was) */
    char no_device[700];   /* set once before ready: why no operation can run on any device
                            * (ACCEL_STRICT=1 and the device asked for is absent); "" when
                            * some can. The server runs, but is not ready. */
    accel__doc_report *doctor; /* set once before ready; read-only after */
    char *doctor_json;     /* its /status part, rendered once */
    pthread_mutex_t snap_lock;
    sv_snapshot *snap;     /* the sampler's latest, under snap_lock */
    sv_metrics *metrics;
    atomic_int in_flight;  /* requests between their start and their completion */
    struct sv_pool *pool;
};

double sv_uptime(const sv_server *s);
/* Creates the context, runs the doctor, starts the workers and the sampler; marks ready.
 * Runs on its own thread so that /healthz answers meanwhile. */
void *sv_start_thread(void *srv);
/* The latest snapshot, held until sv_snapshot_release (the sampler replaces it each second
 * without copying); NULL when there is none yet. */
sv_snapshot *sv_snapshot_acquire(sv_server *s);
void sv_snapshot_release(sv_snapshot *snap);
void sv_state_stop(sv_server *s);
/* /status's parts that change at most once a second (serve_pages.c): rendered by the sampler
 * into the snapshot, and the doctor's once, so that a request only joins them. */
void sv_status_devices_json(const sv_snapshot *p, sv_buf *b);
void sv_status_doctor_json(const accel__doc_report *r, sv_buf *b);

/* ---- the pool (serve_pool.c) -------------------------------------------------------------- */

typedef struct sv_pool sv_pool;
/* Called once per job with the answer to send (the callee takes its body): the worker's,
 * or a 503 from the time-limit watch. */
typedef void (*sv_done_fn)(sv_job *job, sv_answer *ans, void *arg);
/* Called once per job when the pool no longer uses it (after done; for a job that timed out
 * while running, when its computation ends). */
typedef void (*sv_release_fn)(sv_job *job, void *arg);

sv_pool *sv_pool_new(sv_server *s, int workers, int queue, sv_done_fn done, sv_release_fn release);
/* Queues a job to run `fn` before `deadline_ms` (the accel__now_ms() clock). -1 when the
 * queue is full or the pool is stopping: the caller answers 503 itself (neither callback
 * is called). */
int sv_pool_submit(sv_pool *p, sv_job *job, sv_op_fn fn, double deadline_ms, void *arg);
/* Ends the jobs whose deadline has passed with a 503: a waiting one is dropped, a running
 * one's computation goes on and its result is dropped. */
void sv_pool_expire(sv_pool *p, double now_ms);
int sv_pool_depth(sv_pool *p);     /* jobs waiting */
int sv_pool_busy(sv_pool *p);      /* workers running a job */
int sv_pool_workers(sv_pool *p);
int sv_pool_capacity(sv_pool *p);
/* Waits until no job is waiting or running, at most `ms`; 0 when idle. */
int sv_pool_wait_idle(sv_pool *p, double ms);
void sv_pool_free(sv_pool *p);

#endif
