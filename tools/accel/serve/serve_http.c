/* serve_http.c — `accel serve` on libmicrohttpd: the daemon, each request's life, the access
 * log, and draining on SIGTERM.
 *
 * A request's life:
 *   start      the raw request target is kept (libmicrohttpd's URI log callback): the query
 *              string is parsed by accel (serve_request.c), not from libmicrohttpd's list
 *   first call route, method, token, declared size, parameters and Accept are judged at once
 *              (400/401/404/405/406/413/501 before any body is read); a page is answered
 *              on this thread; an operation waits for its body
 *   body       appended while it arrives, within the body limit (413) and the client's time
 *              (408 for a client that sends too slowly; one that stops sending is closed when
 *              its connection's remaining time runs out)
 *   queue      the operation goes to the bounded queue (503 + Retry-After when full) and the
 *              connection is suspended; the worker (or, past the time limit, the sampler
 *              thread with a 503) hands the answer back and resumes it
 *   end        one access-log line, the request's counters
 *
 * Threads: libmicrohttpd runs one epoll thread per core (MHD_OPTION_THREAD_POOL_SIZE); the
 * main thread waits for SIGTERM or SIGINT with sigwait, so no handler runs in signal
 * context. */
#include "serve.h"
#include "serve_routes.h"

#include "serve_mhd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the endpoints ------------------------------------------------------------------------ */

#define SV_DESC(id, path, methods, auth, args, formats, fast, op, not_yet) \
    {path, methods, auth, args, formats, not_yet},
static const sv_route_desc routes[] = {SV_ROUTES(SV_DESC)};
#define SV_IMPL(id, path, methods, auth, args, formats, fast, op, not_yet) {fast, op},
static const struct {
    sv_page_fn fast;
    sv_op_fn op;
} impls[] = {SV_ROUTES(SV_IMPL)};
#define N_ROUTES (sizeof routes / sizeof *routes)

/* ---- a request ------------------------------------------------------------------------------ */

/* ST_HELD: an answer decided at the first call, sent once the request has arrived whole
 * (libmicrohttpd keeps the connection open only for an answer queued then); ST_PAGE: a page,
 * rendered at that moment. */
enum { ST_NEW, ST_HELD, ST_PAGE, ST_BODY, ST_QUEUED, ST_REPLY, ST_DONE };

typedef struct sv_req {
    sv_server *srv;
    char *uri;               /* the raw request target */
    double t0;               /* accel__now_ms() at its start */
    struct MHD_Connection *conn;
    int state;
    int aware;               /* the access handler saw it: libmicrohttpd will report its end */
    sv_request parsed;
    unsigned char *body;
    size_t body_n, body_cap;
    int over;                /* the body grew past the limit: the rest is read away */
    sv_job job;
    sv_answer reply;         /* the worker's or the time limit's answer, sent after resume */
    pthread_mutex_t lock;    /* between the connection's thread and whoever answers */
    atomic_int refs;         /* libmicrohttpd's, and the pool's while it holds the job */
    int code;                /* sent */
    size_t sent;
    char method[16];
    char client[64];
    char note[200];
} sv_req;

/* What a connection holds between its requests: a request begun but never shown to the
 * access handler (a malformed header) is freed when the next one starts or the connection
 * closes. */
typedef struct {
    sv_req *pending;
} conn_ctx;

static void req_unref(sv_req *q)
{
    if (!q || atomic_fetch_sub(&q->refs, 1) != 1) return;
    free(q->uri);
    free(q->body);
    sv_answer_free(&q->reply);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

static void client_text(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
        snprintf(out, cap, "[%s]:%u", host, ntohs(in->sin6_port));
    }
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    sv_server *s = cls;
    sv_req *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->srv = s;
    q->uri = strdup(uri ? uri : "");
    q->t0 = accel__now_ms();
    q->conn = c;
    atomic_init(&q->refs, 1);
    pthread_mutex_init(&q->lock, NULL);
    client_text(c, q->client, sizeof q->client);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_ctx *cc = ci ? ci->socket_context : NULL;
    if (cc) {
        if (cc->pending && !cc->pending->aware) req_unref(cc->pending);
        cc->pending = q;
    }
    return q;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)c;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(conn_ctx));
        return;
    }
    conn_ctx *cc = *socket_context;
    if (cc && cc->pending && !cc->pending->aware) req_unref(cc->pending);
    free(cc);
    *socket_context = NULL;
}

/* ---- answers ---------------------------------------------------------------------------- */

static enum MHD_Result send_answer(sv_req *q, sv_answer *a)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        a->n, a->body, a->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (!r) {
        sv_answer_free(a);
        return MHD_NO;
    }
    a->body = NULL; /* the response owns it now */
    if (a->ctype) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->ctype);
    for (int i = 0; i < a->n_headers; i++) MHD_add_response_header(r, a->headers[i].name, a->headers[i].value);
    q->code = a->code;
    q->sent = a->n;
    if (a->note[0]) accel__strlcpy(q->note, a->note, sizeof q->note);
    q->state = ST_DONE;
    enum MHD_Result res = MHD_queue_response(q->conn, (unsigned)a->code, r);
    MHD_destroy_response(r);
    return res;
}

/* Keeps an answer for the request's end (ST_HELD), or sends it now when the request carries
 * a body accel will not read. */
static enum MHD_Result hold(sv_req *q, sv_answer *a, int now)
{
    if (now) return send_answer(q, a);
    q->reply = *a;
    a->body = NULL;
    q->state = ST_HELD;
    return MHD_YES;
}

static int retry_after(sv_server *s)
{
    double mean = sv_metrics_op_mean(s->metrics);
    int workers = s->pool ? sv_pool_workers(s->pool) : 1;
    int depth = s->pool ? sv_pool_depth(s->pool) : 0;
    double t = ceil(mean * (depth + 1) / (workers ? workers : 1));
    return t < 1 ? 1 : t > 60 ? 60 : (int)t;
}

static enum MHD_Result hold(sv_req *q, sv_answer *a, int now);
static enum MHD_Result reject(sv_req *q, sv_reject why, int code, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static enum MHD_Result reject(sv_req *q, sv_reject why, int code, const char *status, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sv_answer a = {0};
    sv_answer_error(&a, code, status, "%s", msg);
    if (code == 503) sv_answer_header(&a, "Retry-After", "%d", retry_after(q->srv));
    if ((int)why >= 0) sv_metrics_reject(q->srv->metrics, why);
    /* at the first call, a request with a body is answered at once (its body is not read:
     * the connection closes); otherwise the answer waits for the request's end */
    if (q->state == ST_NEW) {
        const char *te = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
        return hold(q, &a, q->parsed.content_length > 0 || (te && strcasecmp(te, "identity") != 0));
    }
    return send_answer(q, &a);
}

/* ---- the operations' hand-over ------------------------------------------------------------ */

void sv_http_job_done(sv_job *job, sv_answer *ans, void *arg)
{
    sv_req *q = arg;
    (void)job;
    pthread_mutex_lock(&q->lock);
    q->reply = *ans;
    ans->body = NULL;
    q->state = ST_REPLY;
    if (q->reply.code == 503 && strstr(q->reply.note, "time limit")) sv_metrics_reject(q->srv->metrics, SV_REJ_TIME_LIMIT);
    MHD_resume_connection(q->conn);
    pthread_mutex_unlock(&q->lock);
}

void sv_http_job_release(sv_job *job, void *arg)
{
    (void)job;
    req_unref(arg);
}

/* ---- the access handler ------------------------------------------------------------------- */

static enum MHD_Result begin(sv_req *q, const char *method, const char *version)
{
    sv_server *s = q->srv;
    struct MHD_Connection *c = q->conn;
    accel__strlcpy(q->method, method, sizeof q->method);
    /* RFC 9112: an HTTP/1.1 request without Host is a 400 (libmicrohttpd lets it through) */
    if (version && !strcmp(version, MHD_HTTP_VERSION_1_1) &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)) {
        sv_answer a = {0};
        sv_answer_error(&a, 400, NULL, "an HTTP/1.1 request needs a Host header");
        return hold(q, &a, 0);
    }
    sv_request_in in = {
        .method = method,
        .uri = q->uri,
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
        .content_length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH),
        .token = s->cfg.token,
        .body_limit = s->cfg.body_limit,
    };
    sv_request *r = &q->parsed;
    sv_request_parse(&in, routes, N_ROUTES, r);
    /* an answer given before a body is read closes the connection (the rest of the body is
     * not read); without a body it waits for the request's end, so the connection stays */
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    int has_body = r->content_length > 0 || (te && strcasecmp(te, "identity") != 0);
    if (r->status) {
        sv_answer a = {0};
        sv_answer_error(&a, r->status, NULL, "%s", r->error);
        if (r->status == 405) sv_answer_header(&a, "Allow", "%s", r->allow);
        if (r->status == 401) {
            sv_answer_header(&a, "WWW-Authenticate", "Bearer realm=\"accel\"%s",
                             r->auth_error ? ", error=\"invalid_token\"" : "");
            sv_metrics_reject(s->metrics, SV_REJ_UNAUTHORIZED);
        }
        if (r->status == 413) sv_metrics_reject(s->metrics, SV_REJ_BODY_LIMIT);
        return hold(q, &a, has_body);
    }
    if (impls[r->route].fast) {
        q->state = ST_PAGE;
        return MHD_YES;
    }
    if (atomic_load(&s->draining))
        return reject(q, SV_REJ_DRAINING, 503, NULL, "this server is shutting down");
    if (!atomic_load(&s->ready))
        return reject(q, SV_REJ_NOT_READY, 503, NULL, "%s",
                      s->start_error[0] ? s->start_error
                                        : "this server is starting: probing devices and warming kernels");
    q->body_cap = r->content_length > 0 ? (size_t)r->content_length : 65536;
    q->body = malloc(q->body_cap ? q->body_cap : 1);
    if (!q->body)
        return reject(q, (sv_reject)-1, 503, "ERR_NO_MEMORY", "out of memory for a body of %zu bytes", q->body_cap);
    q->state = ST_BODY;
    return MHD_YES;
}

/* The 408 for a client that sends its body too slowly. libmicrohttpd (0.9.75) accepts an
 * answer only before a body or after all of it, and this client may never finish: the answer
 * is written to the socket here, after what already arrived is read away (so that closing
 * does not reset the connection under the answer), and the connection is then closed. */
static enum MHD_Result too_slow(sv_req *q, size_t got, double spent)
{
    sv_server *s = q->srv;
    sv_answer a = {0};
    sv_answer_error(&a, 408, NULL,
                    "the request took more than %g s to arrive (ACCEL_SERVE_CLIENT_TIMEOUT_S): %zu "
                    "bytes of the body in %.1f s", s->cfg.client_timeout_s, got, spent);
    sv_metrics_reject(s->metrics, SV_REJ_SLOW_CLIENT);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        int fd = ci->connect_fd;
        char drain[4096];
        while (recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0) {
        }
        char head[256];
        int hn = snprintf(head, sizeof head, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", a.n);
        if (send(fd, head, (size_t)hn, MSG_NOSIGNAL | MSG_DONTWAIT) == hn)
            send(fd, a.body, a.n, MSG_NOSIGNAL | MSG_DONTWAIT);
        shutdown(fd, SHUT_WR);
        q->sent = a.n;
    }
    q->code = 408;
    accel__strlcpy(q->note, a.note, sizeof q->note);
    sv_answer_free(&a);
    q->state = ST_DONE;
    return MHD_NO;
}

static enum MHD_Result body(sv_req *q, const char *data, size_t *size)
{
    sv_server *s = q->srv;
    double now = accel__now_ms(), spent = (now - q->t0) / 1000.0;
    if (*size) {
        size_t n = *size;
        *size = 0;
        if (spent > s->cfg.client_timeout_s) return too_slow(q, q->body_n + n, spent);
        if (q->over) return MHD_YES; /* over the limit: read away, answered at the end */
        if ((int64_t)(q->body_n + n) > s->cfg.body_limit) {
            /* a body of undeclared size (chunked) grew past the limit: the rest is read and
             * dropped, and the 413 goes out when it ends (or the client's time does) */
            q->over = 1;
            free(q->body);
            q->body = NULL;
            q->body_cap = 0;
            return MHD_YES;
        }
        if (q->body_n + n > q->body_cap) {
            size_t cap = q->body_cap * 2;
            while (cap < q->body_n + n) cap *= 2;
            unsigned char *b = realloc(q->body, cap);
            if (!b) return reject(q, (sv_reject)-1, 503, "ERR_NO_MEMORY", "out of memory for the body");
            q->body = b;
            q->body_cap = cap;
        }
        memcpy(q->body + q->body_n, data, n);
        q->body_n += n;
        /* a client that stops sending is closed when its time is up */
        double left = s->cfg.client_timeout_s - spent;
        MHD_set_connection_option(q->conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                  (unsigned)(left < 1 ? 1 : ceil(left)));
        return MHD_YES;
    }
    /* the whole body is here */
    MHD_set_connection_option(q->conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)ceil(s->cfg.client_timeout_s));
    if (q->over)
        return reject(q, SV_REJ_BODY_LIMIT, 413, NULL,
                      "the body is more than %lld bytes (ACCEL_SERVE_BODY_LIMIT_MB)",
                      (long long)s->cfg.body_limit);
    q->job = (sv_job){.srv = s, .req = &q->parsed, .body = q->body, .body_n = q->body_n};
    atomic_fetch_add(&q->refs, 1); /* the pool's */
    pthread_mutex_lock(&q->lock);
    double deadline = q->t0 + s->cfg.time_limit_s * 1000.0;
    if (sv_pool_submit(s->pool, &q->job, impls[q->parsed.route].op, deadline, q) != 0) {
        pthread_mutex_unlock(&q->lock);
        atomic_fetch_sub(&q->refs, 1);
        return reject(q, SV_REJ_QUEUE_FULL, 503, NULL,
                      "busy: %d operation%s waiting and every worker running (ACCEL_SERVE_QUEUE, "
                      "ACCEL_SERVE_WORKERS)", sv_pool_depth(s->pool), sv_pool_depth(s->pool) == 1 ? "" : "s");
    }
    q->state = ST_QUEUED;
    /* suspended before the worker can answer: the answer takes the same lock to resume */
    MHD_suspend_connection(q->conn);
    pthread_mutex_unlock(&q->lock);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    (void)url;
    sv_server *s = cls;
    sv_req *q = *req_cls;
    if (!q) return MHD_NO; /* out of memory when it started */
    if (!q->aware) {
        q->aware = 1;
        q->conn = c;
        atomic_fetch_add(&s->in_flight, 1);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        conn_ctx *cc = ci ? ci->socket_context : NULL;
        if (cc && cc->pending == q) cc->pending = NULL;
    }
    switch (q->state) {
    case ST_NEW:
        return begin(q, method, version);
    case ST_HELD:
    case ST_PAGE:
        if (*upload_size) { /* a body nobody asked for: dropped */
            *upload_size = 0;
            return MHD_YES;
        }
        if (q->state == ST_PAGE) {
            sv_answer a = {0};
            impls[q->parsed.route].fast(s, &q->parsed, &a);
            return send_answer(q, &a);
        } else {
            sv_answer a = q->reply;
            q->reply.body = NULL;
            return send_answer(q, &a);
        }
    case ST_BODY:
        return body(q, upload, upload_size);
    case ST_REPLY: {
        pthread_mutex_lock(&q->lock);
        sv_answer a = q->reply;
        q->reply.body = NULL;
        pthread_mutex_unlock(&q->lock);
        return send_answer(q, &a);
    }
    default: /* answered already: what still arrives is dropped */
        *upload_size = 0;
        return MHD_YES;
    }
}

/* One line per request: when, who, what, the status, the bytes sent, the time, and for an
 * operation where it ran (or why it failed). One write(2), so lines from threads never mix. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sv_server *s = cls;
    sv_req *q = *req_cls;
    if (!q) return;
    *req_cls = NULL;
    /* a request libmicrohttpd answered itself (a header too large: 431) never reached the
     * access handler: the connection's pointer to it goes, and it was not in flight */
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_ctx *cc = ci ? ci->socket_context : NULL;
    if (cc && cc->pending == q) cc->pending = NULL;
    double ms = accel__now_ms() - q->t0;
    if (q->aware) sv_metrics_request(s->metrics, q->parsed.route, q->code, ms / 1000.0);
    char when[40];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + k, sizeof when - k, ".%03ldZ", ts.tv_nsec / 1000000);
    char line[1400];
    static const char *const ends[] = {"", "error", "timeout", "daemon shutdown", "read error",
                                       "client abort"};
    char code[16] = "-"; /* "-": answered by libmicrohttpd itself, or not at all */
    if (q->code) snprintf(code, sizeof code, "%d", q->code);
    int n = snprintf(line, sizeof line, "%s %s %s %.300s %s %zu %.3fms%s%s%s%s\n", when, q->client,
                     q->method[0] ? q->method : "-", q->uri, code, q->sent, ms,
                     q->note[0] ? " " : "", q->note,
                     toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ? " closed: " : "",
                     toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && (unsigned)toe < 6 ? ends[toe] : "");
    if (n > 0) {
        ssize_t w = write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)w;
    }
    if (q->aware) atomic_fetch_sub(&s->in_flight, 1);
    req_unref(q);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    if (msg[0]) fprintf(stderr, "accel serve: libmicrohttpd: %s\n", msg);
}

/* ---- the listening socket ----------------------------------------------------------------- */

/* Binds HOST:PORT ([v6]:PORT) and listens; fills url. -1 after printing why. */
static int listen_on(const char *spec, char *url, size_t url_cap, int *v6)
{
    char host[300];
    const char *colon;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        size_t hn = (size_t)(close - spec - 1);
        memcpy(host, spec + 1, hn < sizeof host ? hn : sizeof host - 1);
        host[hn < sizeof host ? hn : sizeof host - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        size_t hn = (size_t)(colon - spec);
        memcpy(host, spec, hn < sizeof host ? hn : sizeof host - 1);
        host[hn < sizeof host ? hn : sizeof host - 1] = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int e = getaddrinfo(host, colon + 1, &hints, &res);
    if (e != 0) {
        fprintf(stderr, "accel serve: error: --listen %s: cannot resolve '%s': %s\n", spec, host, gai_strerror(e));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
            err = errno;
            close(fd);
            fd = -1;
            continue;
        }
        *v6 = ai->ai_family == AF_INET6;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "accel serve: error: --listen %s: %s\n", spec, strerror(err));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char name[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &in->sin_addr, name, sizeof name);
        port = ntohs(in->sin_port);
        snprintf(url, url_cap, "http://%s:%u/", name, port);
    } else {
        struct sockaddr_in6 *in = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &in->sin6_addr, name, sizeof name);
        port = ntohs(in->sin6_port);
        snprintf(url, url_cap, "http://[%s]:%u/", name, port);
    }
    return fd;
}

/* ---- run ------------------------------------------------------------------------------------ */

int sv_run(const sv_config *cfg)
{
    static sv_server srv; /* one per process: the signal and the threads see it */
    sv_server *s = &srv;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->routes = routes;
    s->n_routes = N_ROUTES;
    s->t0 = accel__now_ms();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->started_unix = (double)now.tv_sec + now.tv_nsec / 1e9;
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    strftime(s->started_text, sizeof s->started_text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_init(&s->snap_lock, NULL);
    s->metrics = sv_metrics_new(N_ROUTES);
    if (!s->metrics) {
        fprintf(stderr, "accel serve: error: out of memory\n");
        return 1;
    }
    /* every thread created from here on inherits the blocked signals: the main thread takes
     * them with sigwait; a client that goes away must not kill the server with SIGPIPE */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (sv_mhd_load() != ACCEL_OK) {
        fprintf(stderr, "accel serve: error: %s\n", accel_last_error(NULL));
        sv_metrics_free(s->metrics);
        return 1;
    }
    int v6 = 0;
    int fd = listen_on(cfg->listen, s->url, sizeof s->url, &v6);
    if (fd < 0) {
        sv_metrics_free(s->metrics);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 0 ? (unsigned)(cores < 16 ? cores : 16) : 1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ceil(cfg->client_timeout_s),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "accel serve: error: libmicrohttpd could not start on %s\n", s->url);
        close(fd);
        sv_metrics_free(s->metrics);
        return 1;
    }
    fprintf(stderr, "accel serve: listening on %s (%s)\n", s->url,
            cfg->token[0] ? "bearer token required" : "no token required");
    if (!cfg->token[0] && strncmp(s->url, "http://127.", 11) != 0 && strncmp(s->url, "http://[::1]", 12) != 0)
        fprintf(stderr, "accel serve: warning: listening beyond this machine without a token: "
                        "whoever reaches %s can run operations on its devices (set "
                        "ACCEL_SERVE_TOKEN)\n", s->url);
    pthread_t starter;
    int have_starter = pthread_create(&starter, NULL, sv_start_thread, s) == 0;
    if (!have_starter) snprintf(s->start_error, sizeof s->start_error, "cannot start a thread");

    int sig = 0;
    for (;;) {
        if (sigwait(&set, &sig) == 0) break;
    }
    atomic_store(&s->draining, 1);
    int busy = atomic_load(&s->in_flight);
    fprintf(stderr, "accel serve: %s: stopping; finishing %d request%s in flight\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM", busy, busy == 1 ? "" : "s");
    MHD_socket lfd = MHD_quiesce_daemon(d); /* no new connections */
    /* what is in flight finishes: operations within their time limit, bodies within the
     * client's time */
    double limit = accel__now_ms() + (cfg->time_limit_s + cfg->client_timeout_s + 5) * 1000.0;
    while (atomic_load(&s->in_flight) > 0 && accel__now_ms() < limit) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&s->in_flight);
    if (s->pool) sv_pool_wait_idle(s->pool, limit - accel__now_ms() > 0 ? limit - accel__now_ms() : 0);
    sv_state_stop(s);
    if (have_starter) pthread_join(starter, NULL);
    MHD_stop_daemon(d);
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
    sv_pool_free(s->pool);
    s->pool = NULL;
    accel_ctx *ctx = atomic_exchange(&s->ctx, NULL);
    accel_ctx_destroy(ctx);
    accel__doctor_free(s->doctor);
    free(s->doctor_json);
    sv_snapshot_release(s->snap);
    sv_metrics_free(s->metrics);
    if (left)
        fprintf(stderr, "accel serve: stopped with %d request%s unfinished\n", left, left == 1 ? "" : "s");
    else
        fprintf(stderr, "accel serve: stopped\n");
    return s->start_error[0] || left ? 1 : 0;
}
