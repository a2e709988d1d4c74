/* bench.c — the timing engine behind `accel bench` (docs/bench.md).
 *
 * For every (operation, size, device): warm-up calls (not timed), then timed calls through the
 * fallback executor with that device as the planned one, so a fallback is seen and recorded
 * instead of silently timing the CPU. Only calls that ran on the device measured, without
 * fallback, enter its figures; success_rate says how many did.
 *   end to end  host clock around the whole call (allocation, transfers, kernels, sync)
 *   kernel      device events around each launch (dev->ops->timer_start/stop), when the
 *               backend has them; every operation's device code launches through its
 *               counting handle (core/devcall.h), so every launch is seen
 *   bytes       counted by the handle's copies on a device, the case's estimate of what the
 *               call reads and writes on the CPU
 * Copy bandwidth is measured once per device, after the operations (so ACCEL_FAULT call counts
 * apply to the operations): host↔device copies of one large buffer on GPUs, a large memcpy on
 * the CPU (reported STREAM-style, read + write bytes per second).
 * A (device, operation) pair the device does not offer — the operation has no device code, or
 * the device lacks its kernels — is not run: its result says so (skipped) instead of timing
 * fallbacks to the CPU by design. */
#include "core/bench.h"
#include "core/backend.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/devcall.h"
#include "core/executor.h"
#include "core/opnames.h"
#include "core/text.h"

static const char *const size_labels[] = {"small", "medium", "large"};

int accel__bench_parse_size(const char *s, size_t *custom)
{
    if (!s) return -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(s, size_labels[i]) == 0) return i;
    /* digits only: strtoull would take " -5" as 2^64 - 5 and "+5" as 5; at most INT64_MAX, so
     * the count reads the same in every report (JSON integers, the table) */
    if (!*s) return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v < 1 || v > (unsigned long long)INT64_MAX) return -1;
    if (custom) *custom = (size_t)v;
    return 3;
}

/* ---- device selection ------------------------------------------------------------------ */

static void add_idx(int *idx, size_t *n, int i)
{
    for (size_t k = 0; k < *n; k++)
        if (idx[k] == i) return;
    idx[(*n)++] = i;
}

/* "--device WHAT: REASON; allowed: …" for a word accel__device_word_read refused, or one it
 * read that names no device here: the words of every verb's --device, bench's own (all, gpu)
 * and the list, the kinds from the backend table */
static accel_status device_refused(const accel_ctx *ctx, const char *what, const char *reason)
{
    char names[200];
    accel__backend_names(names, sizeof names, ", ", 1);
    const char *near = strcmp(reason, "unknown device") == 0 ? accel__device_nearest(what, 1) : NULL;
    char hint[64] = "";
    if (near) snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
    return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                       "--device %s: %s; %sallowed: auto, all, gpu, %s, or a device index 0..%zu "
                       "or PCI bus id such as 0000:01:00.0 (comma-separated for several)",
                       what, reason, hint, names, ctx->n_devs - 1);
}

/* The one device ACCEL_DEVICE=`t` names (an index or a PCI bus id, matched as the selection
 * matches it), added when usable. */
static accel_status add_named(accel_ctx *ctx, const char *t, int *idx, size_t *n)
{
    size_t v = 0;
    while (v < ctx->n_devs && !accel__device_matches(&ctx->devs[v].info, t)) v++;
    if (v == ctx->n_devs) {
        char list[640]; /* the message holds 1024 */
        accel__device_list_text(ctx, list, sizeof list);
        return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                           "--device %s: no such device on this machine (devices: %s; see "
                           "`accel devices`)",
                           t, list);
    }
    const accel__device *d = &ctx->devs[v];
    RETURN_ERROR_IF(!d->info.usable, ACCEL_ERR_NOT_FOUND, "--device %s: device %zu (%s) %s", t, v,
                    d->info.name, d->info.verdict);
    add_idx(idx, n, (int)v);
    return ACCEL_OK;
}

/* Every usable device of `kind`, all of them (`any`) or all but the CPU (`gpu`). */
static accel_status add_several(accel_ctx *ctx, const char *t, const accel__backend_desc *kind,
                                int any, int gpu, int *idx, size_t *n)
{
    int found = 0; /* counted apart from *n: "all,cpu" names the CPU twice */
    for (size_t i = 0; i < ctx->n_devs; i++) {
        const accel__device *d = &ctx->devs[i];
        if (!d->info.usable) continue;
        int is_cpu = d->info.kind == ACCEL_KIND_CPU;
        if (any || (gpu && !is_cpu) || (kind && d->info.kind == kind->kind)) {
            add_idx(idx, n, (int)i);
            found = 1;
        }
    }
    if (found) return ACCEL_OK;
    char list[640]; /* the message holds 1024 */
    accel__device_list_text(ctx, list, sizeof list);
    return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND,
                       "--device %s: no usable %s device on this machine (devices: %s; "
                       "see `accel devices`)",
                       t, gpu ? "GPU" : kind ? kind->name : t, list);
}

static accel_status add_devices(accel_ctx *ctx, const char *t, int *idx, size_t *n)
{
    accel__device_word w; /* read as every verb's --device reads it, all and gpu besides */
    const char *reason = accel__device_word_read(t, 1, &w);
    if (reason) return device_refused(ctx, t, reason);
    switch (w.what) {
    case ACCEL__DEVICE_INDEX:
    case ACCEL__DEVICE_BUS: return add_named(ctx, t, idx, n);
    case ACCEL__DEVICE_AUTO: { /* the policy's choice, as `accel select` names it */
        size_t chosen = 0;
        FORWARD_IF_ERROR(accel_select(ctx, NULL, &chosen, NULL));
        add_idx(idx, n, (int)chosen);
        return ACCEL_OK;
    }
    default:
        return add_several(ctx, t, w.kind, w.what == ACCEL__DEVICE_ALL,
                           w.what == ACCEL__DEVICE_GPU, idx, n);
    }
}

accel_status accel__bench_devices(accel_ctx *ctx, const char *sel, int *idx, size_t *n)
{
    *n = 0;
    if (!sel) sel = "all";
    if (accel__list_has_empty(sel)) {
        char quoted[300];
        snprintf(quoted, sizeof quoted, "'%s'", sel);
        return device_refused(ctx, quoted, "an empty device name");
    }
    char buf[256];
    accel__strlcpy(buf, sel, sizeof buf);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        FORWARD_IF_ERROR(add_devices(ctx, t, idx, n));
    return ACCEL_OK;
}

/* ---- statistics ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void accel__bench_stats_of(double *v, int n, accel__bench_stats *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n <= 0) {
        s->mean = s->median = s->min = s->max = s->p95 = s->stddev = NAN;
        return;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += v[i];
    s->mean = sum / n;
    s->min = v[0];
    s->max = v[n - 1];
    s->median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    int r = (int)ceil(0.95 * n); /* nearest rank */
    s->p95 = v[(r < 1 ? 1 : r) - 1];
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (v[i] - s->mean) * (v[i] - s->mean);
    s->stddev = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

/* ---- bandwidth ------------------------------------------------------------------------- */

static void measure_memcpy(size_t bytes, accel__bench_device *out)
{
    unsigned char *a = malloc(bytes), *b = malloc(bytes);
    if (!a || !b) {
        snprintf(out->note, sizeof out->note, "not measured: cannot allocate %zu bytes", bytes);
        free(a);
        free(b);
        return;
    }
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    double best = 1e300;
    for (int rep = 0; rep < 4; rep++) {
        double t0 = accel__now_ms();
        memcpy(b, a, bytes);
        double t = accel__now_ms() - t0;
        if (rep && t < best) best = t; /* the first copy warms the pages */
        a[rep] = b[bytes - 1 - rep];   /* keep the copies observable */
    }
    out->memcpy_gbps = best > 0 ? 2.0 * (double)bytes / (best * 1e6) : -1;
    snprintf(out->note, sizeof out->note, "memcpy of %zu MiB, best of 3, read+write bytes",
             bytes >> 20);
    free(a);
    free(b);
}

static void measure_copies(accel_ctx *ctx, accel__device *d, size_t bytes, accel__bench_device *out)
{
    if (!d->ops || !d->ops->buffer_alloc || !d->ops->copy_h2d || !d->ops->copy_d2h) {
        snprintf(out->note, sizeof out->note, "not measured: the backend has no copy slots");
        return;
    }
    if (accel__device_ensure_open(ctx, d) != ACCEL_OK) {
        snprintf(out->note, sizeof out->note, "not measured: %.100s", accel__last_error_text());
        return;
    }
    void *host = NULL;
    int pinned = d->ops->host_alloc && d->ops->host_alloc(d, bytes, &host) == ACCEL_OK;
    if (!pinned) host = malloc(bytes);
    accel__buffer *buf = NULL;
    if (!host || accel__dev_alloc(d, bytes, &buf) != ACCEL_OK) {
        snprintf(out->note, sizeof out->note, "not measured: %.100s",
                 host ? accel__last_error_text() : "host out of memory");
        if (pinned)
            d->ops->host_free(d, host);
        else
            free(host);
        return;
    }
    memset(host, 3, bytes);
    double best_h2d = 1e300, best_d2h = 1e300;
    accel_status st = ACCEL_OK;
    for (int rep = 0; rep < 4 && st == ACCEL_OK; rep++) {
        double t0 = accel__now_ms();
        st = d->ops->copy_h2d(d, buf, 0, host, bytes);
        if (st == ACCEL_OK && d->ops->synchronize) st = d->ops->synchronize(d);
        double t1 = accel__now_ms();
        if (st == ACCEL_OK) st = d->ops->copy_d2h(d, host, buf, 0, bytes);
        if (st == ACCEL_OK && d->ops->synchronize) st = d->ops->synchronize(d);
        double t2 = accel__now_ms();
        if (rep && st == ACCEL_OK) { /* the first round warms up */
            if (t1 - t0 < best_h2d) best_h2d = t1 - t0;
            if (t2 - t1 < best_d2h) best_d2h = t2 - t1;
        }
    }
    if (st == ACCEL_OK) {
        out->h2d_gbps = (double)bytes / (best_h2d * 1e6);
        out->d2h_gbps = (double)bytes / (best_d2h * 1e6);
        snprintf(out->note, sizeof out->note, "%zu MiB copies, %s host memory, best of 3",
                 bytes >> 20, pinned ? "pinned" : "pageable");
    } else {
        snprintf(out->note, sizeof out->note, "not measured: %.100s", accel__last_error_text());
    }
    accel__dev_free(d, buf, bytes);
    if (pinned)
        d->ops->host_free(d, host);
    else
        free(host);
}

/* ---- the run --------------------------------------------------------------------------- */

typedef struct grow {
    void *v;
    size_t n, cap, elem;
} grow;

static void *grow_add(grow *g)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        void *v = realloc(g->v, cap * g->elem);
        if (!v) return NULL;
        g->v = v;
        g->cap = cap;
    }
    void *e = (char *)g->v + g->n++ * g->elem;
    memset(e, 0, g->elem);
    return e;
}

static void note_fallback(grow *fb, const char *op, size_t items, int timed, int it,
                          const accel_run_record *rec, accel_status st)
{
    accel__bench_fallback *f = grow_add(fb);
    if (!f) return;
    accel__strlcpy(f->op, op, sizeof f->op);
    f->items = items;
    f->phase_timed = timed;
    f->iteration = it;
    f->device_tried = rec->device_planned;
    f->device_used = rec->device_used;
    f->reason = rec->reason;
    f->refused = st == ACCEL_ERR_STRICT;
    f->time_lost_ms = rec->time_lost_ms;
    accel__strlcpy(f->message, rec->message, sizeof f->message);
}

static void bench_one(accel_ctx *ctx, const accel__bench_opts *o, const accel__op *op, void *call,
                      size_t items, size_t bin, size_t bout, int dev, accel__bench_result *res,
                      grow *fb)
{
    int total = o->warmup + o->iterations;
    double *e2e = malloc(sizeof(double) * (size_t)(o->iterations > 0 ? o->iterations : 1));
    double kern = 0, copy = 0, moved = 0;
    int kern_n = 0, copy_n = 0, moved_n = 0;
    res->iterations = o->iterations;
    res->bytes_in = (double)bin;
    res->bytes_out = (double)bout;
    for (int it = 0; it < total && e2e; it++) {
        int timed = it >= o->warmup;
        accel_run_record rec = {.struct_size = sizeof rec};
        accel__dev_account *acc = accel__dev_account_begin();
        double t0 = accel__now_ms();
        accel_status st = accel__exec_from(ctx, dev, op, call, &rec);
        double t = accel__now_ms() - t0;
        accel__dev_account_end();
        if (it == 0) res->first_call_ms = t;
        if (rec.n_fallbacks > 0 || st == ACCEL_ERR_STRICT)
            /* numbered from 1 within its phase: "timed #1" is the first timed call */
            note_fallback(fb, res->op, items, timed, (timed ? it - o->warmup : it) + 1, &rec, st);
        if (!timed) continue;
        if (st == ACCEL_OK && rec.device_used == dev && rec.n_fallbacks == 0) {
            e2e[res->successes++] = t;
            if (acc->kernels_timed > 0 && acc->kernels_timed == acc->kernels) {
                kern += acc->kernel_ms;
                kern_n++;
            }
            if (acc->h2d_bytes + acc->d2h_bytes > 0) {
                copy += acc->copy_ms;
                copy_n++;
                moved += (double)(acc->h2d_bytes + acc->d2h_bytes);
                moved_n++;
            }
        } else if (!res->error[0]) {
            if (st != ACCEL_OK)
                snprintf(res->error, sizeof res->error, "%s: %s", accel_status_name(st),
                         accel__last_error_text());
            else
                snprintf(res->error, sizeof res->error, "ran on device %d after %s on device %d",
                         rec.device_used, accel_fallback_reason_name(rec.reason),
                         rec.device_planned);
        }
    }
    if (!e2e) accel__strlcpy(res->error, "host out of memory for the samples", sizeof res->error);
    accel__bench_stats_of(e2e, res->successes, &res->e2e);
    res->kernel_ms = kern_n ? kern / kern_n : -1;
    res->copy_ms = copy_n ? copy / copy_n : -1;
    res->bytes_measured = moved_n > 0;
    res->bytes_moved = moved_n ? moved / moved_n : (double)(bin + bout);
    if (res->successes > 0 && res->e2e.mean > 0) {
        res->throughput = (double)items / (res->e2e.mean / 1e3);
        res->bandwidth_gbps = res->bytes_moved / (res->e2e.mean * 1e6);
    }
    res->bandwidth_fraction = -1;
    free(e2e);
}

static void fill_fraction(const accel__bench_report *r, accel__bench_result *res)
{
    const accel__bench_device *bd = NULL;
    for (size_t i = 0; i < r->n_devices; i++)
        if (r->devices[i].index == res->device) bd = &r->devices[i];
    if (!bd || res->successes == 0 || res->bytes_moved <= 0 || !(res->e2e.mean > 0)) return;
    if (bd->memcpy_gbps > 0) {
        res->bandwidth_fraction = res->bandwidth_gbps / bd->memcpy_gbps;
    } else if (bd->h2d_gbps > 0 && bd->d2h_gbps > 0) {
        /* the time the call's transfers alone would take at the measured rates */
        double in = res->bytes_in, out = res->bytes_out;
        if (res->bytes_measured && in + out > 0) {
            double k = res->bytes_moved / (in + out);
            in *= k;
            out *= k;
        }
        double ideal_ms = in / (bd->h2d_gbps * 1e6) + out / (bd->d2h_gbps * 1e6);
        res->bandwidth_fraction = ideal_ms / res->e2e.mean;
    }
}

accel_status accel__bench_run(accel_ctx *ctx, const accel__bench_opts *opts,
                              accel__bench_report **out)
{
    RETURN_ERROR_IF(!ctx || !opts || !out, ACCEL_ERR_INVALID_ARG,
                    "accel__bench_run: NULL argument");
    *out = NULL;
    accel__bench_opts o = *opts;
    if (o.quick) {
        /* One untimed call first: it is where a device builds the kernels for a call's shape
         * (a first fbank-80 call on PoCL takes seconds), and timing it would report
         * compilation as the operation's speed. */
        o.iterations = 3;
        o.warmup = 1;
        o.size = "small";
    }
    RETURN_ERROR_IF(o.iterations < 1 || o.iterations > 1000000, ACCEL_ERR_INVALID_ARG,
                    "--iterations %d: must be 1..1000000", o.iterations);
    RETURN_ERROR_IF(o.warmup < 0 || o.warmup > 1000000, ACCEL_ERR_INVALID_ARG,
                    "--warmup %d: must be 0..1000000", o.warmup);
    size_t custom = 0;
    int which = accel__bench_parse_size(o.size ? o.size : "small", &custom);
    RETURN_ERROR_IF(which < 0, ACCEL_ERR_INVALID_ARG,
                    "--size %s: allowed: small, medium, large, or a number of items %s", o.size,
                    ACCEL__BENCH_SIZE_RANGE);
    /* the cases, validated before anything runs */
    size_t n_cases = o.n_ops ? o.n_ops : accel__bench_case_count();
    const accel__bench_case **cases = calloc(n_cases ? n_cases : 1, sizeof *cases);
    RETURN_ERROR_IF(!cases, ACCEL_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < n_cases; i++) {
        /* a preset or a family (core/opnames.h); results carry the name as given */
        accel__op_ref ref = {.pre = o.n_ops ? NULL : accel__bench_case_at(i)};
        accel_status rs = o.n_ops ? accel__op_resolve(o.ops[i], &ref) : ACCEL_OK;
        if (rs == ACCEL_OK && !ref.pre)
            rs = ACCEL_ERROR(ACCEL_ERR_UNSUPPORTED,
                             "operation '%s' has no benchmark case (src/core/bench_cases.c)",
                             o.ops[i]);
        if (rs != ACCEL_OK) {
            free(cases);
            return rs;
        }
        cases[i] = ref.pre;
    }
    int *idx = calloc(ctx->n_devs, sizeof *idx);
    size_t n_idx = 0;
    accel_status st = idx ? accel__bench_devices(ctx, o.devices, idx, &n_idx)
                          : ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    if (st != ACCEL_OK) {
        free(cases);
        free(idx);
        return st;
    }
    accel__bench_report *r = calloc(1, sizeof *r);
    if (!r) {
        free(cases);
        free(idx);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    r->opts = o;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->date, sizeof r->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    grow results = {.elem = sizeof(accel__bench_result)};
    grow fbs = {.elem = sizeof(accel__bench_fallback)};

    for (size_t ci = 0; ci < n_cases; ci++) {
        const accel__bench_case *c = cases[ci];
        const accel__op *op = accel__bench_case_op(c);
        size_t items = which < 3 ? c->sizes[which] : custom;
        const char *label = which < 3 ? size_labels[which] : "custom";
        void *call = NULL;
        size_t bin = 0, bout = 0;
        const char *name = o.n_ops ? o.ops[ci] : c->op;
        accel_status mk = !op ? ACCEL_ERR_NOT_BUILT_IN
                          : o.image_width > 0 && c->make_image
                              ? c->make_image(items, o.image_width, o.image_height, &call, &bin,
                                              &bout)
                              : c->make(items, 0, &call, &bin, &bout);
        const char *why = op ? accel__last_error_text() : "operation not built into this library";
        for (size_t k = 0; k < n_idx; k++) {
            accel__bench_result *res = grow_add(&results);
            if (!res) break;
            accel__strlcpy(res->op, name, sizeof res->op);
            accel__strlcpy(res->size_label, label, sizeof res->size_label);
            res->items = items;
            res->device = idx[k];
            res->kernel_ms = res->copy_ms = res->bandwidth_fraction = res->first_call_ms = -1;
            if (mk != ACCEL_OK) {
                res->iterations = o.iterations;
                accel__bench_stats_of(NULL, 0, &res->e2e);
                snprintf(res->error, sizeof res->error, "cannot build the call: %s", why);
                continue;
            }
            if (!accel__device_offers(ctx, &ctx->devs[idx[k]], op, res->skip, sizeof res->skip)) {
                res->skipped = 1;
                res->iterations = 0;
                accel__bench_stats_of(NULL, 0, &res->e2e);
                if (o.progress)
                    fprintf(o.progress, "bench: %s %s on device %d (%s): skipped, %s\n", name,
                            label, idx[k], ctx->devs[idx[k]].info.name, res->skip);
                continue;
            }
            if (o.progress)
                fprintf(o.progress, "bench: %s %s (%zu item%s) on device %d (%s)\n", name,
                        label, items, items == 1 ? "" : "s", idx[k], ctx->devs[idx[k]].info.name);
            bench_one(ctx, &o, op, call, items, bin, bout, idx[k], res, &fbs);
        }
        if (mk == ACCEL_OK) c->destroy(call);
    }
    r->results = results.v;
    r->n_results = results.n;
    r->fallbacks = fbs.v;
    r->n_fallbacks = fbs.n;

    r->devices = calloc(n_idx ? n_idx : 1, sizeof *r->devices);
    size_t bw = o.bandwidth_bytes ? o.bandwidth_bytes : (size_t)64 << 20;
    for (size_t k = 0; r->devices && k < n_idx; k++) {
        accel__bench_device *bd = &r->devices[r->n_devices++];
        accel__device *d = &ctx->devs[idx[k]];
        bd->index = idx[k];
        bd->h2d_gbps = bd->d2h_gbps = bd->memcpy_gbps = -1;
        if (d->info.kind == ACCEL_KIND_CPU) {
            measure_memcpy(bw, bd);
        } else {
            size_t b = bw;
            if (d->info.max_alloc > 0 && (size_t)d->info.max_alloc < b)
                b = (size_t)d->info.max_alloc;
            measure_copies(ctx, d, b, bd);
        }
    }
    for (size_t i = 0; i < r->n_results; i++) fill_fraction(r, &r->results[i]);
    free(cases);
    free(idx);
    *out = r;
    return ACCEL_OK;
}

void accel__bench_report_free(accel__bench_report *r)
{
    if (!r) return;
    free(r->devices);
    free(r->results);
    free(r->fallbacks);
    free(r);
}

/* The CPU result of the same operation and size, the baseline of the analysis. */
static const accel__bench_result *baseline(accel_ctx *ctx, const accel__bench_report *r,
                                           const accel__bench_result *x)
{
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *b = &r->results[i];
        if (b->items == x->items && strcmp(b->op, x->op) == 0 &&
            ctx->devs[b->device].info.kind == ACCEL_KIND_CPU && b->successes > 0)
            return b;
    }
    return NULL;
}

/* ---- verdicts --------------------------------------------------------------------------- */

double accel__bench_speedup(accel_ctx *ctx, const accel__bench_report *r,
                            const accel__bench_result *x)
{
    const accel__bench_result *b = baseline(ctx, r, x);
    if (!b || b == x || x->successes == 0 || !(x->e2e.mean > 0) || !(b->e2e.mean > 0)) return -1;
    return b->e2e.mean / x->e2e.mean;
}

/* A factor with as many digits as it deserves: 17, 3.2, 0.06, 0.0048. */
static void factor_text(double v, char *buf, size_t cap)
{
    if (v >= 9.95)
        snprintf(buf, cap, "%.0f", v);
    else if (v >= 0.995)
        snprintf(buf, cap, "%.1f", v);
    else if (v >= 0.0995)
        snprintf(buf, cap, "%.2f", v);
    else
        snprintf(buf, cap, "%.2g", v);
}

void accel__bench_ratio_text(double speedup, char *buf, size_t cap)
{
    char x[32], f[32];
    factor_text(speedup, x, sizeof x);
    if (speedup >= 0.95 && speedup <= 1.05) {
        snprintf(x, sizeof x, "%.2f", speedup);
        snprintf(buf, cap, "%s× the CPU (about the same)", x);
    } else if (speedup > 1) {
        snprintf(buf, cap, "%s× the CPU (%s× faster)", x, x);
    } else {
        factor_text(1 / speedup, f, sizeof f);
        snprintf(buf, cap, "%s× the CPU (%s× slower)", x, f);
    }
}

static const char *dev_name(accel_ctx *ctx, int i)
{
    return i >= 0 && (size_t)i < ctx->n_devs ? ctx->devs[i].info.name : "none";
}

static int is_cpu(accel_ctx *ctx, int i)
{
    return i >= 0 && (size_t)i < ctx->n_devs && ctx->devs[i].info.kind == ACCEL_KIND_CPU;
}

/* The results of one (operation, size) group start at `i`; returns where the next starts. */
static size_t group_end(const accel__bench_report *r, size_t i)
{
    size_t j = i;
    while (j < r->n_results && strcmp(r->results[j].op, r->results[i].op) == 0 &&
           r->results[j].items == r->results[i].items)
        j++;
    return j;
}

/* The group's fastest successful result (mean end-to-end time), NULL when none succeeded. */
static const accel__bench_result *fastest(const accel__bench_report *r, size_t i, size_t j)
{
    const accel__bench_result *best = NULL;
    for (size_t k = i; k < j; k++) {
        const accel__bench_result *x = &r->results[k];
        if (x->successes > 0 && x->e2e.mean > 0 && (!best || x->e2e.mean < best->e2e.mean))
            best = x;
    }
    return best;
}

/* One line per (operation, size): which device is fastest and by how much, then every other
 * device against the CPU. */
static void headline(accel_ctx *ctx, const accel__bench_report *r, size_t i, size_t j, char *buf,
                     size_t cap)
{
    const accel__bench_result *g = &r->results[i], *best = fastest(r, i, j);
    size_t n = (size_t)snprintf(buf, cap, "%s %s (%zu item%s): ", g->op, g->size_label, g->items,
                                g->items == 1 ? "" : "s");
#define PUT(...)                                                                            \
    do {                                                                                    \
        if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__);                 \
    } while (0)
    if (!best) {
        int skipped = 0;
        for (size_t k = i; k < j; k++) skipped += r->results[k].skipped;
        if (skipped == (int)(j - i))
            PUT("no device timed: none of those asked for offers it");
        else
            PUT("every device failed (see the table)");
        return;
    }
    char ratio[96];
    double sp = accel__bench_speedup(ctx, r, best);
    if (is_cpu(ctx, best->device)) {
        PUT("the CPU (device %d) is fastest", best->device);
    } else if (sp > 0) {
        accel__bench_ratio_text(sp, ratio, sizeof ratio);
        PUT("device %d (%s) is fastest at %s", best->device, dev_name(ctx, best->device), ratio);
    } else {
        PUT("device %d (%s) is fastest (no CPU result to compare with)", best->device,
            dev_name(ctx, best->device));
    }
    for (size_t k = i; k < j; k++) {
        const accel__bench_result *x = &r->results[k];
        if (x == best || is_cpu(ctx, x->device)) continue;
        if (x->skipped) {
            PUT("; device %d (%s) does not offer it", x->device, dev_name(ctx, x->device));
            continue;
        }
        if (x->successes == 0) {
            PUT("; device %d (%s) failed", x->device, dev_name(ctx, x->device));
            continue;
        }
        double s = accel__bench_speedup(ctx, r, x);
        if (s <= 0) continue;
        accel__bench_ratio_text(s, ratio, sizeof ratio);
        PUT("; device %d (%s) %s", x->device, dev_name(ctx, x->device), ratio);
    }
#undef PUT
}

/* ---- text ------------------------------------------------------------------------------ */

void accel__bench_write_text(accel_ctx *ctx, const accel__bench_report *r, FILE *f)
{
    /* the operation and device columns fit their longest entry: rows stay aligned for
     * "convert-f16", and no device name is cut into something that names no device */
    int wo = 9, wd = 6;
    int cached = 0;
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        int o = (int)strlen(x->op);
        int d = snprintf(NULL, 0, "%d %s", x->device, dev_name(ctx, x->device));
        if (o > wo) wo = o;
        if (d > wd) wd = d;
    }
    fprintf(f, "%-*s %-7s %10s  %-*s %10s %10s %10s %10s %12s %6s %8s %6s\n", wo, "operation",
            "size", "items", wd, "device", "mean ms", "median ms", "min ms", "p95 ms", "items/s",
            "ok %", "GB/s", "of bw");
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        char dev[300];
        snprintf(dev, sizeof dev, "%d %s", x->device, dev_name(ctx, x->device));
        double rate = x->iterations ? 100.0 * x->successes / x->iterations : 0;
        if (x->skipped) {
            fprintf(f, "%-*s %-7s %10zu  %-*s skipped: %s\n", wo, x->op, x->size_label, x->items,
                    wd, dev, x->skip);
            continue;
        }
        if (x->successes == 0) {
            fprintf(f, "%-*s %-7s %10zu  %-*s failed: %s\n", wo, x->op, x->size_label, x->items,
                    wd, dev, x->error);
            continue;
        }
        /* An operation that moves no bytes has no bandwidth; a rate above the device's copy
         * bandwidth means the data stayed in cache, not that memory ran at 124 %. */
        char gbps[16] = "-", frac[16] = "-";
        /* three significant digits: a slow call's 0.0008 GB/s was "0.00" */
        if (x->bytes_moved > 0) snprintf(gbps, sizeof gbps, "%.3g", x->bandwidth_gbps);
        if (x->bytes_moved > 0 && x->bandwidth_fraction > 1.0) {
            snprintf(frac, sizeof frac, "cache");
            cached = 1;
        } else if (x->bytes_moved > 0 && x->bandwidth_fraction >= 0) {
            snprintf(frac, sizeof frac, "%.0f%%", 100 * x->bandwidth_fraction);
        }
        fprintf(f,
                "%-*s %-7s %10zu  %-*s %10.4g %10.4g %10.4g %10.4g %12.4g %6.0f %8s %6s\n",
                wo, x->op, x->size_label, x->items, wd, dev, x->e2e.mean, x->e2e.median, x->e2e.min,
                x->e2e.p95, x->throughput, rate, gbps, frac);
    }
    fprintf(f, "(GB/s: bytes a call reads and writes per second of its end-to-end time, \"-\" "
               "when it moves none; of bw: that rate as a share of the device's copy bandwidth "
               "below%s)\n",
            cached ? ", \"cache\" when higher: the data stayed in cache" : "");

    /* the headline: one line per operation and size */
    fprintf(f, "\nverdict (mean end-to-end time per call, against the CPU):\n");
    for (size_t i = 0; i < r->n_results;) {
        size_t j = group_end(r, i);
        char line[1024];
        headline(ctx, r, i, j, line, sizeof line);
        fprintf(f, "  %s\n", line);
        i = j;
    }

    /* first calls that cost far more than the timed ones: kernels built for the call's shape */
    int header = 0;
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        if (r->opts.warmup < 1 || x->successes == 0 || !(x->first_call_ms > 0)) continue;
        if (x->first_call_ms < 100 || x->first_call_ms < 10 * x->e2e.mean) continue;
        if (!header++) fprintf(f, "\nfirst calls, not timed (a device builds kernels on first use):\n");
        fprintf(f, "  %s %s on device %d (%s): %.4g ms, then %.4g ms per call\n", x->op,
                x->size_label, x->device, dev_name(ctx, x->device), x->first_call_ms, x->e2e.mean);
    }

    fprintf(f, "\ncopy bandwidth:\n");
    for (size_t i = 0; i < r->n_devices; i++) {
        const accel__bench_device *d = &r->devices[i];
        if (d->memcpy_gbps > 0)
            fprintf(f, "  device %d (%s): memcpy %.3g GB/s (%s)\n", d->index,
                    dev_name(ctx, d->index), d->memcpy_gbps, d->note);
        else if (d->h2d_gbps > 0)
            fprintf(f, "  device %d (%s): host→device %.3g GB/s, device→host %.3g GB/s (%s)\n",
                    d->index, dev_name(ctx, d->index), d->h2d_gbps, d->d2h_gbps, d->note);
        else
            fprintf(f, "  device %d (%s): %s\n", d->index, dev_name(ctx, d->index), d->note);
    }
    fprintf(f, "\nfallbacks: %zu\n", r->n_fallbacks);
    for (size_t i = 0; i < r->n_fallbacks; i++) {
        const accel__bench_fallback *b = &r->fallbacks[i];
        char to[48];
        if (b->device_used >= 0)
            snprintf(to, sizeof to, "ran on device %d", b->device_used);
        else
            snprintf(to, sizeof to, "%s",
                     b->refused ? "refused (ACCEL_STRICT)" : "failed everywhere");
        fprintf(f, "  %s (%zu items) %s #%d: %s on device %d, %s: %s\n", b->op, b->items,
                b->phase_timed ? "timed" : "warm-up", b->iteration,
                accel_fallback_reason_name(b->reason), b->device_tried, to, b->message);
    }
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void num_or_null(accel__json *j, const char *k, double v, int known)
{
    if (known && isfinite(v))
        accel__json_num(j, k, v);
    else
        accel__json_null(j, k);
}

void accel__bench_write_json(accel_ctx *ctx, const accel__bench_report *r, FILE *f)
{
    accel__json j;
    accel__json_init(&j, f, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_int(&j, "schema_version", 1);
    accel__json_str(&j, "tool", "accel bench");
    accel__json_str(&j, "accel_version", accel_version_string());
    accel__json_str(&j, "date", r->date);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    accel__json_begin_object(&j, "host");
    accel__json_str(&j, "name", host);
    const accel__device *cpu = accel__cpu_device(ctx);
    accel__json_str(&j, "cpu", cpu->info.name);
    accel__json_int(&j, "logical_cores", cpu->info.logical_cores);
    accel__json_end_object(&j);

    accel__json_begin_object(&j, "settings");
    accel__json_begin_array(&j, "operations");
    for (size_t i = 0; i < r->n_results; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++) seen |= strcmp(r->results[k].op, r->results[i].op) == 0;
        if (!seen) accel__json_str(&j, NULL, r->results[i].op);
    }
    accel__json_end_array(&j);
    accel__json_str(&j, "size", r->opts.size ? r->opts.size : "small");
    accel__json_int(&j, "iterations", r->opts.iterations);
    accel__json_int(&j, "warmup", r->opts.warmup);
    accel__json_str(&j, "devices", r->opts.devices ? r->opts.devices : "all");
    accel__json_bool(&j, "quick", r->opts.quick);
    long long cap = accel__cfg_int(ctx, ACCEL__CFG_BATCH_SIZE);
    if (cap > 0)
        accel__json_int(&j, "batch_size", cap);
    else
        accel__json_null(&j, "batch_size");
    accel__json_bool(&j, "strict", accel__cfg_bool(ctx, ACCEL__CFG_STRICT));
    const char *fault = accel__cfg_str(ctx, ACCEL__CFG_FAULT);
    accel__json_str(&j, "fault", *fault ? fault : NULL);
    accel__json_end_object(&j);

    accel__json_begin_array(&j, "devices");
    for (size_t i = 0; i < r->n_devices; i++) {
        const accel__bench_device *d = &r->devices[i];
        const accel_device_info *in = &ctx->devs[d->index].info;
        accel__json_begin_object(&j, NULL);
        accel__json_int(&j, "index", d->index);
        accel__json_str(&j, "kind", accel_device_kind_name(in->kind));
        accel__json_str(&j, "name", in->name);
        num_or_null(&j, "h2d_gbps", d->h2d_gbps, d->h2d_gbps > 0);
        num_or_null(&j, "d2h_gbps", d->d2h_gbps, d->d2h_gbps > 0);
        num_or_null(&j, "memcpy_gbps", d->memcpy_gbps, d->memcpy_gbps > 0);
        accel__json_str(&j, "bandwidth_note", d->note);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);

    accel__json_begin_array(&j, "results");
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        int ok = x->successes > 0;
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "operation", x->op);
        accel__json_str(&j, "size", x->size_label);
        accel__json_int(&j, "items", (long long)x->items);
        accel__json_int(&j, "device", x->device);
        accel__json_str(&j, "device_kind", accel_device_kind_name(ctx->devs[x->device].info.kind));
        accel__json_str(&j, "device_name", dev_name(ctx, x->device));
        accel__json_int(&j, "iterations", x->iterations);
        accel__json_int(&j, "successes", x->successes);
        accel__json_num(&j, "success_rate",
                        x->iterations ? (double)x->successes / x->iterations : 0);
        num_or_null(&j, "mean_time_ms", x->e2e.mean, ok);
        num_or_null(&j, "median_time_ms", x->e2e.median, ok);
        num_or_null(&j, "min_time_ms", x->e2e.min, ok);
        num_or_null(&j, "max_time_ms", x->e2e.max, ok);
        num_or_null(&j, "p95_time_ms", x->e2e.p95, ok);
        num_or_null(&j, "stddev_time_ms", x->e2e.stddev, ok);
        num_or_null(&j, "kernel_time_ms", x->kernel_ms, x->kernel_ms >= 0);
        num_or_null(&j, "copy_time_ms", x->copy_ms, x->copy_ms >= 0);
        num_or_null(&j, "mean_throughput", x->throughput, ok);
        accel__json_num(&j, "bytes_moved", x->bytes_moved);
        accel__json_str(&j, "bytes_source", x->bytes_measured ? "measured" : "estimate");
        num_or_null(&j, "bandwidth_gbps", x->bandwidth_gbps, ok && x->bytes_moved > 0);
        num_or_null(&j, "bandwidth_fraction", x->bandwidth_fraction,
                    x->bytes_moved > 0 && x->bandwidth_fraction >= 0);
        num_or_null(&j, "first_call_ms", x->first_call_ms, x->first_call_ms >= 0);
        accel__json_str(&j, "error", x->error[0] ? x->error : NULL);
        accel__json_bool(&j, "skipped", x->skipped);
        accel__json_str(&j, "skip_reason", x->skipped ? x->skip : NULL);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);

    accel__json_begin_array(&j, "analysis");
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        const accel__bench_result *b = baseline(ctx, r, x);
        if (!b || b == x || x->successes == 0) continue;
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "operation", x->op);
        accel__json_str(&j, "size", x->size_label);
        accel__json_int(&j, "items", (long long)x->items);
        accel__json_int(&j, "device", x->device);
        accel__json_str(&j, "device_name", dev_name(ctx, x->device));
        accel__json_int(&j, "baseline_device", b->device);
        accel__json_num(&j, "time_improvement_percent",
                        100 * (b->e2e.mean - x->e2e.mean) / b->e2e.mean);
        accel__json_num(&j, "throughput_improvement_percent",
                        100 * (x->throughput / b->throughput - 1));
        accel__json_bool(&j, "faster", x->e2e.mean < b->e2e.mean);
        accel__json_num(&j, "speedup", b->e2e.mean / x->e2e.mean);
        char ratio[96];
        accel__bench_ratio_text(b->e2e.mean / x->e2e.mean, ratio, sizeof ratio);
        accel__json_str(&j, "verdict", ratio);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);

    accel__json_begin_array(&j, "verdicts");
    for (size_t i = 0; i < r->n_results;) {
        size_t e = group_end(r, i);
        const accel__bench_result *g = &r->results[i], *best = fastest(r, i, e);
        char line[1024];
        headline(ctx, r, i, e, line, sizeof line);
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "operation", g->op);
        accel__json_str(&j, "size", g->size_label);
        accel__json_int(&j, "items", (long long)g->items);
        if (best) {
            accel__json_int(&j, "fastest_device", best->device);
            accel__json_str(&j, "fastest_device_name", dev_name(ctx, best->device));
            double sp = is_cpu(ctx, best->device) ? 1.0 : accel__bench_speedup(ctx, r, best);
            num_or_null(&j, "speedup", sp, sp > 0);
        } else {
            accel__json_null(&j, "fastest_device");
            accel__json_null(&j, "fastest_device_name");
            accel__json_null(&j, "speedup");
        }
        accel__json_str(&j, "text", line);
        accel__json_end_object(&j);
        i = e;
    }
    accel__json_end_array(&j);

    accel__json_begin_array(&j, "fallbacks");
    for (size_t i = 0; i < r->n_fallbacks; i++) {
        const accel__bench_fallback *b = &r->fallbacks[i];
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "operation", b->op);
        accel__json_int(&j, "items", (long long)b->items);
        accel__json_str(&j, "phase", b->phase_timed ? "timed" : "warmup");
        accel__json_int(&j, "iteration", b->iteration);
        accel__json_str(&j, "reason", accel_fallback_reason_name(b->reason));
        accel__json_int(&j, "device_tried", b->device_tried);
        if (b->device_used >= 0)
            accel__json_int(&j, "device_used", b->device_used);
        else
            accel__json_null(&j, "device_used");
        accel__json_str(&j, "outcome",
                        b->device_used >= 0 ? "fell_back"
                        : b->refused        ? "refused"
                                            : "failed");
        accel__json_num(&j, "time_lost_ms", b->time_lost_ms);
        accel__json_str(&j, "message", b->message);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);
    accel__json_end_object(&j);
    accel__json_finish(&j);
}

/* ---- SVG ------------------------------------------------------------------------------- */

static void xml_text(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (; *p && n < max; p++, n++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (*p >= 0x20 || *p == '\t') fputc(*p, f);
        }
    }
    if (*p) {
        /* cut inside a UTF-8 sequence would make the file invalid: finish it */
        while ((*p & 0xC0) == 0x80) fputc(*p++, f);
        fputs("…", f);
    }
}

/* The chart's layout is computed from its texts, since an SVG viewer clips what runs past the
 * width: SVG_CHAR_PX is the widest a 12 px sans-serif character usually is (DejaVu Sans, the
 * usual fallback: digits 7.6 px, mixed text 6.3 to 6.8). */
#define SVG_CHAR_PX 7.6
#define SVG_LABEL_MAX 40 /* characters of a device label */
#define SVG_NOTE_MAX 90  /* of a skip or error note */
#define SVG_FB_MAX 140   /* of a fallback line */

/* The width in pixels of what xml_text(s, max) shows. */
static double svg_px(const char *s, size_t max)
{
    size_t n = 0, chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (; *p && n < max; p++, n++)
        if ((*p & 0xC0) != 0x80) chars++;
    if (*p) chars++; /* the ellipsis */
    return SVG_CHAR_PX * (double)chars;
}

static int same_group(const accel__bench_result *a, const accel__bench_result *b)
{
    return strcmp(a->op, b->op) == 0 && a->items == b->items;
}

/* The figures beside a result's bar. */
static void svg_bar_text(accel_ctx *ctx, const accel__bench_report *r, const accel__bench_result *x,
                         char *buf, size_t cap)
{
    const accel__bench_result *b = baseline(ctx, r, x);
    char vs[112] = "";
    if (b && b != x) {
        char ratio[96];
        accel__bench_ratio_text(b->e2e.mean / x->e2e.mean, ratio, sizeof ratio);
        snprintf(vs, sizeof vs, " · %s", ratio);
    }
    snprintf(buf, cap, "%.4g ms · %.3g items/s · %.0f%% ok%s", x->e2e.mean, x->throughput,
             100.0 * x->successes / x->iterations, vs);
}

static void svg_fallback_text(const accel__bench_fallback *b, char *line, size_t cap)
{
    if (b->device_used >= 0)
        snprintf(line, cap, "%s (%zu item%s): %s on device %d, ran on device %d", b->op,
                 b->items, b->items == 1 ? "" : "s", accel_fallback_reason_name(b->reason),
                 b->device_tried, b->device_used);
    else
        snprintf(line, cap, "%s (%zu item%s): %s on device %d, %s", b->op, b->items,
                 b->items == 1 ? "" : "s", accel_fallback_reason_name(b->reason), b->device_tried,
                 b->refused ? "refused (ACCEL_STRICT)" : "failed on every device");
}

static void svg_label(accel_ctx *ctx, const accel__bench_result *x, char *buf, size_t cap)
{
    const accel_device_info *in = &ctx->devs[x->device].info;
    snprintf(buf, cap, "%d %s %s", x->device, accel_device_kind_name(in->kind), in->name);
}

void accel__bench_write_svg(accel_ctx *ctx, const accel__bench_report *r, FILE *f)
{
    const int barw = 420, row = 22;
    /* groups: consecutive results of one (operation, size) */
    int rows = 0, groups = 0;
    for (size_t i = 0; i < r->n_results; i++) {
        if (i == 0 || !same_group(&r->results[i], &r->results[i - 1])) groups++;
        rows++;
    }
    size_t shown_fb = r->n_fallbacks < 20 ? r->n_fallbacks : 20;
    int H = 70 + groups * (row + 8) + rows * row + 40 + (int)(shown_fb + 1) * 18 + 20;
    /* the bars start right of the longest device label, and the chart is as wide as the
     * longest line, so no text is cut or runs into a bar */
    double left = 300, right = 960 - 16;
    char text[512];
    for (size_t i = 0; i < r->n_results; i++) {
        svg_label(ctx, &r->results[i], text, sizeof text);
        double need = 32 + svg_px(text, SVG_LABEL_MAX) + 12;
        if (need > left) left = need;
    }
    left = ceil(left);
    for (size_t i = 0; i < r->n_results; i++) {
        const accel__bench_result *x = &r->results[i];
        double end;
        if (x->skipped)
            end = left + SVG_CHAR_PX * 9 + svg_px(x->skip, SVG_NOTE_MAX);
        else if (x->successes == 0)
            end = left + SVG_CHAR_PX * 8 + svg_px(x->error, SVG_NOTE_MAX);
        else {
            svg_bar_text(ctx, r, x, text, sizeof text);
            end = left + barw + 6 + svg_px(text, SIZE_MAX);
        }
        if (end > right) right = end;
    }
    for (size_t k = 0; k < shown_fb; k++) {
        svg_fallback_text(&r->fallbacks[k], text, sizeof text);
        double end = 32 + svg_px(text, SVG_FB_MAX);
        if (end > right) right = end;
    }
    const int W = (int)ceil(right + 16);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    fprintf(f,
            "<text x=\"16\" y=\"28\" font-size=\"18\" font-weight=\"bold\">accel bench: mean time "
            "per call (shorter is faster; each group on its own scale)</text>\n");
    fprintf(f,
            "<text x=\"16\" y=\"48\" fill=\"#555555\">%s, accel %s, %d timed call(s) after %d "
            "warm-up, end to end incl. transfers</text>\n",
            r->date, accel_version_string(), r->opts.iterations, r->opts.warmup);
    int y = 70;
    size_t i = 0;
    while (i < r->n_results) {
        size_t j = i;
        double max = 0;
        while (j < r->n_results && same_group(&r->results[j], &r->results[i])) {
            if (r->results[j].successes && r->results[j].e2e.mean > max)
                max = r->results[j].e2e.mean;
            j++;
        }
        const accel__bench_result *g = &r->results[i];
        fprintf(f, "<text x=\"16\" y=\"%d\" font-weight=\"bold\">", y + 14);
        xml_text(f, g->op, 32);
        fprintf(f, " · %s (%zu item%s)</text>\n", g->size_label, g->items, g->items == 1 ? "" : "s");
        y += row + 8;
        for (size_t k = i; k < j; k++) {
            const accel__bench_result *x = &r->results[k];
            const accel_device_info *in = &ctx->devs[x->device].info;
            svg_label(ctx, x, text, sizeof text);
            fprintf(f, "<text x=\"32\" y=\"%d\">", y + 15);
            xml_text(f, text, SVG_LABEL_MAX);
            fprintf(f, "</text>\n");
            if (x->skipped) {
                fprintf(f, "<text x=\"%.0f\" y=\"%d\" fill=\"#555555\">skipped: ", left, y + 15);
                xml_text(f, x->skip, SVG_NOTE_MAX);
                fprintf(f, "</text>\n");
            } else if (x->successes == 0) {
                fprintf(f, "<text x=\"%.0f\" y=\"%d\" fill=\"#b00020\">failed: ", left, y + 15);
                xml_text(f, x->error, SVG_NOTE_MAX);
                fprintf(f, "</text>\n");
            } else {
                double w = max > 0 ? barw * x->e2e.mean / max : 0;
                if (w < 1) w = 1;
                const char *color = in->kind == ACCEL_KIND_CPU ? "#7f8c8d" : "#2e86c1";
                fprintf(f, "<rect x=\"%.0f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                        left, y + 3, w, row - 6, color);
                svg_bar_text(ctx, r, x, text, sizeof text);
                fprintf(f, "<text x=\"%.0f\" y=\"%d\">", left + ceil(w) + 6, y + 15);
                xml_text(f, text, SIZE_MAX);
                fprintf(f, "</text>\n");
            }
            y += row;
        }
        i = j;
    }
    y += 30;
    fprintf(f,
            "<text x=\"16\" y=\"%d\" font-weight=\"bold\">fallbacks during the run: %zu</text>\n",
            y, r->n_fallbacks);
    for (size_t k = 0; k < shown_fb; k++) {
        y += 18;
        svg_fallback_text(&r->fallbacks[k], text, sizeof text);
        fprintf(f, "<text x=\"32\" y=\"%d\" fill=\"#8a4b00\">", y);
        xml_text(f, text, SVG_FB_MAX);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
}
