/* serve_http.c — `accel serve` on libmicrohttpd: the daemon, each request's life, the client
 * deadlines, the access log, and draining on SIGTERM.
 *
 * A request's life:
 *   start      the raw request target is kept (libmicrohttpd's URI log callback): the query
 *              string is parsed by accel (serve_request.c), not from libmicrohttpd's list
 *   first call framing, Host, route, method, token, declared size, parameters and Accept are
 *              judged at once (400/401/404/405/406/413/501 before any body is read); the
 *              error is sent after the body, read and dropped (answer_early); a page is
 *              answered on this thread; an operation waits for its body
 *   body       appended while it arrives, within the body limit (413)
 *   queue      the operation goes to the bounded queue (503 + Retry-After when full) and the
 *              connection is suspended; the worker (or, past the time limit, the sampler
 *              thread with a 503) hands the answer back and resumes it
 *   end        one access-log line, the request's counters
 *
 * The client's time (ACCEL_SERVE_CLIENT_TIMEOUT_S) covers the whole request, from the
 * connection's start (a later request on a kept-alive connection: from its request line, the
 * first moment libmicrohttpd shows it). libmicrohttpd's own timeout counts only inactivity,
 * and it calls the server at no point while a request line or headers trickle in, so a
 * watchdog thread keeps every connection's deadline: past it, a request that is still
 * arriving is answered 408 on the socket and the socket is shut down both ways, which makes
 * libmicrohttpd drop the connection.
 *
 * Threads: libmicrohttpd runs one epoll thread per core (MHD_OPTION_THREAD_POOL_SIZE); the
 * watchdog; the main thread waits for SIGTERM or SIGINT with sigwait, so no handler runs in
 * signal context. */
#include "serve.h"
#include "serve_routes.h"

#include "serve_mhd.h"
#include "cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/sockios.h> /* SIOCOUTQ */
#include <linux/tcp.h>     /* struct tcp_info with tcpi_bytes_acked (glibc's has not) */
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
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

struct conn_ctx;

typedef struct sv_req {
    sv_server *srv;
    struct conn_ctx *cc;     /* its connection's (NULL when that could not be allocated) */
    char *uri;               /* the raw request target */
    double t0;               /* accel__now_ms() at its start */
    struct MHD_Connection *conn;
    int state;
    int aware;               /* the access handler saw it: libmicrohttpd will report its end */
    int dead;                /* begun after its connection's deadline ended it: not logged */
    int expired;             /* answered 408 by its deadline */
    int own;                 /* answered by libmicrohttpd itself (its status, not its bytes, known) */
    sv_request parsed;
    unsigned char *body;
    size_t body_n, body_cap;
    int over;                /* the body grew past the limit: the rest is read away */
    int waits_continue;      /* Expect: 100-continue: the body comes only after a 100 */
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

static void req_unref(sv_req *q)
{
    if (!q || atomic_fetch_sub(&q->refs, 1) != 1) return;
    free(q->uri);
    free(q->body);
    sv_answer_free(&q->reply);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

/* ---- connections and their deadlines -------------------------------------------------------- */

/* Where a connection is in its current request, as far as the deadline goes:
 *   FIRST      accepted, no request line yet: the first request's time runs from the accept
 *   RECEIVING  a request is arriving (request line, headers or body): 408 at the deadline
 *   ANSWERING  its answer is decided (queued, on a worker, being sent): no client deadline
 *   IDLE       between requests on a kept-alive connection: closed at the deadline without
 *              an answer, as an idle one — what arrived of a next request line cannot be told
 *              from nothing, and an unasked-for 408 on a reused connection reads to many
 *              clients as the answer to their next request */
enum { CONN_FIRST, CONN_RECEIVING, CONN_ANSWERING, CONN_IDLE };

typedef struct conn_ctx {
    struct conn_ctx *prev, *next; /* every connection, under conns_lock */
    int listed;
    pthread_mutex_t lock;    /* held by the connection's thread in each callback, and by the
                              * watchdog while it looks at or ends the connection */
    int fd;
    int phase;
    double start;            /* accel__now_ms() at the accept */
    double deadline;         /* accel__now_ms() */
    sv_req *cur;             /* the request begun on it (after its request line), or NULL */
    int expired;             /* ended by its deadline: nothing more is answered on it */
    pthread_t owner;         /* libmicrohttpd's thread that serves it (it accepted it) */
    double last_end;         /* accel__now_ms() at its last request's end (0: none yet) */
    unsigned long long rd_mark; /* bytes read from it by then (bytes_read) */
    unsigned long long tx_mark; /* bytes written to it by then (bytes_written) */
    int own_code;            /* libmicrohttpd answered its next request itself: the status */
    char own_why[120];       /* and its reason, when it gave one */
    char client[64];
} conn_ctx;

/* one server per process (sv_run): its connections and the watchdog's state */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static conn_ctx *conns;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static int watch_stop;

#define WATCH_TICK_MS 50

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

static conn_ctx *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The access log: one line per request, written with one write(2) so that lines from threads
 * never mix. Every text a client chose (the method, the target, what a message quotes of
 * them) is escaped: no line can be forged, no terminal driven. */
static void access_line(const char *client, const char *method, const char *uri, int code,
                        long long sent, double ms, const char *note, const char *end)
{
    char when[32];
    accel_cli_utc_now(when);
    char m[80], t[320], u[1240], n[820];
    sv_log_escape(m, sizeof m, method, 16, 1);
    sv_log_target(t, sizeof t, uri);
    sv_log_escape(u, sizeof u, t, 300, 1);
    sv_log_escape(n, sizeof n, note, 200, 0);
    char status[16] = "-"; /* "-": not answered */
    if (code) snprintf(status, sizeof status, "%d", code);
    char bytes[24] = "-"; /* "-": libmicrohttpd's own page, of a size accel is not told */
    if (sent >= 0) snprintf(bytes, sizeof bytes, "%lld", sent);
    char line[2400];
    int len = snprintf(line, sizeof line, "%s %s %s %s %s %s %.3fms%s%s%s%s\n", when,
                       client[0] ? client : "-", m[0] ? m : "-", u[0] ? u : "-", status, bytes, ms,
                       n[0] ? " " : "", n, end[0] ? " closed: " : "", end);
    if (len > 0) {
        ssize_t w = write(2, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
        (void)w;
    }
}

/* Ends a connection whose deadline has passed (cc->lock held, by its thread or the watchdog).
 * A request still arriving gets its 408 here, written to the socket: libmicrohttpd (0.9.75)
 * takes an answer only before a body or after all of it, and not at all while the request
 * line or headers arrive. What already arrived is read away first, so that closing does not
 * reset the connection under the answer; then the socket is shut down both ways, which
 * libmicrohttpd's thread sees as the client's close, and it drops the connection. An idle
 * kept-alive connection is only shut down. */
static void expire(sv_server *s, conn_ctx *cc, double now)
{
    cc->expired = 1;
    if (cc->phase == CONN_IDLE) {
        shutdown(cc->fd, SHUT_RDWR);
        return;
    }
    sv_req *q = cc->cur;
    /* its body arriving: kept (an operation's) or dropped (a page's, or a refused request's) */
    int reading = q && (q->state == ST_BODY || q->state == ST_HELD || q->state == ST_PAGE) &&
                  (q->parsed.content_length > 0 || q->parsed.chunked);
    char what[160];
    if (!q)
        snprintf(what, sizeof what, "no whole request line in %.1f s", (now - cc->start) / 1000.0);
    else if (!q->aware)
        snprintf(what, sizeof what, "its headers incomplete after %.1f s", (now - q->t0) / 1000.0);
    else if (q->state == ST_NEW)
        snprintf(what, sizeof what, "its headers complete only after %.1f s", (now - q->t0) / 1000.0);
    else if (reading && q->parsed.content_length >= 0)
        snprintf(what, sizeof what, "%zu of %lld bytes of the body in %.1f s", q->body_n,
                 (long long)q->parsed.content_length, (now - q->t0) / 1000.0);
    else if (reading)
        snprintf(what, sizeof what, "%zu bytes of a chunked body in %.1f s", q->body_n,
                 (now - q->t0) / 1000.0);
    else
        snprintf(what, sizeof what, "its body incomplete after %.1f s", (now - q->t0) / 1000.0);
    sv_answer a = {0};
    sv_answer_error(&a, 408, NULL, "the request took more than %g s to arrive "
                                   "(ACCEL_SERVE_CLIENT_TIMEOUT_S): %s", s->cfg.client_timeout_s, what);
    char drain[4096];
    while (recv(cc->fd, drain, sizeof drain, MSG_DONTWAIT) > 0) {
    }
    char head[256];
    int hn = snprintf(head, sizeof head, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", a.n);
    size_t sent = 0;
    if (send(cc->fd, head, (size_t)hn, MSG_NOSIGNAL | MSG_DONTWAIT) == hn &&
        send(cc->fd, a.body, a.n, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)a.n)
        sent = a.n;
    shutdown(cc->fd, SHUT_RDWR);
    sv_metrics_reject(s->metrics, SV_REJ_SLOW_CLIENT);
    if (q) { /* logged and counted when libmicrohttpd reports its end */
        q->code = 408;
        q->sent = sent;
        q->expired = 1;
        q->state = ST_DONE;
        accel__strlcpy(q->note, a.note, sizeof q->note);
    } else { /* libmicrohttpd knows of no request: nothing else will log it */
        sv_metrics_request(s->metrics, -1, 408, (now - cc->start) / 1000.0);
        access_line(cc->client, "-", "-", 408, (long long)sent, now - cc->start, a.note, "");
    }
    sv_answer_free(&a);
}

/* The watchdog: every WATCH_TICK_MS, each connection past its deadline is ended. A connection
 * whose thread is in a callback now is left to the next tick (its callback checks the
 * deadline itself). */
static void *watchdog(void *arg)
{
    sv_server *s = arg;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += WATCH_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&watch_lock);
        if (!watch_stop) pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
        int stop = watch_stop;
        pthread_mutex_unlock(&watch_lock);
        if (stop) break;
        double now = accel__now_ms();
        pthread_mutex_lock(&conns_lock);
        for (conn_ctx *cc = conns; cc; cc = cc->next) {
            if (pthread_mutex_trylock(&cc->lock) != 0) continue;
            if (!cc->expired && cc->phase != CONN_ANSWERING && now >= cc->deadline) expire(s, cc, now);
            pthread_mutex_unlock(&cc->lock);
        }
        pthread_mutex_unlock(&conns_lock);
    }
    return NULL;
}

/* ---- libmicrohttpd's own answers ---------------------------------------------------------- */

/* libmicrohttpd (0.9.75) answers some requests itself, with its own HTML page, and closes:
 * 414 (a request line past its buffer), 505 (an HTTP version other than 1.x), 400 (a
 * malformed request line, a header line without a colon, a Content-Length that is not a
 * number), 431 (headers past its buffer), 413 (a Content-Length past 2^64). It calls its
 * external logger on the connection's thread with "Error processing request (HTTP response
 * code is N …" as it queues such an answer, without saying which connection; and tells the
 * server of the connection by one of two hooks, depending on how far the request got:
 *   after its request line (431, the 400s of the headers): the request's end (on_completed),
 *     the answer still attached, whose status MHD_CONNECTION_INFO_HTTP_STATUS gives exactly;
 *   before (414, 505, the 400 of a request line): the URI callback never ran, and nothing
 *     but the connection's close (on_connection) comes. The logger's status goes to the
 *     connection it is about: of the connections of the logger's thread (a connection stays
 *     on the thread that accepted it), the one that shows no request yet from which bytes
 *     were read after its last request's end (TCP_INFO and SIOCINQ) — the request line
 *     libmicrohttpd has just refused. An idle or new connection has had nothing read. Only
 *     when another connection of that thread is in the middle of its own request line at the
 *     same moment is there no telling: the status is then kept on the thread and taken by
 *     the first of its connections to close on which bytes were written after its last
 *     request's end (TCP_INFO and SIOCOUTQ: an answer accel did not give).
 * Each is then logged (method and, before the request line, target "-"; bytes "-") and
 * counted under no endpoint. */
#define OWN_MAX 8
#define OWN_STALE_MS 5000.0 /* a status no connection claimed by then is dropped */

typedef struct {
    int code;
    double at;
    char why[120];
} own_answer;

static _Thread_local struct {
    int n;
    own_answer e[OWN_MAX];
    char detail[120]; /* what libmicrohttpd said just before ("Failed to parse …") */
} own;

static void own_push(int code)
{
    if (own.n == OWN_MAX) {
        memmove(&own.e[0], &own.e[1], (OWN_MAX - 1) * sizeof own.e[0]);
        own.n--;
    }
    own_answer *a = &own.e[own.n++];
    a->code = code;
    a->at = accel__now_ms();
    accel__strlcpy(a->why, own.detail, sizeof a->why);
    own.detail[0] = '\0';
}

/* Takes the oldest status kept on this thread (of `code`, or any when 0); 0 when none. */
static int own_take(int code, char *why, size_t cap)
{
    double now = accel__now_ms();
    int k = 0;
    while (k < own.n && now - own.e[k].at > OWN_STALE_MS) k++; /* unclaimed: dropped */
    if (k) {
        memmove(&own.e[0], &own.e[k], (size_t)(own.n - k) * sizeof own.e[0]);
        own.n -= k;
    }
    for (int i = 0; i < own.n; i++) {
        if (code && own.e[i].code != code) continue;
        int c = own.e[i].code;
        accel__strlcpy(why, own.e[i].why, cap);
        memmove(&own.e[i], &own.e[i + 1], (size_t)(own.n - i - 1) * sizeof own.e[0]);
        own.n--;
        return c;
    }
    return 0;
}

/* The access log's note for such an answer: libmicrohttpd's own reason where it gave one. */
static void own_note(int code, const char *why, char *out, size_t cap)
{
    const char *what = why[0]          ? why
                       : code == 400 ? "a malformed request"
                       : code == 413 ? "Content-Length past 2^64"
                       : code == 414 ? "a request line longer than its buffer"
                       : code == 431 ? "headers longer than its buffer"
                       : code == 505 ? "an HTTP version other than 1.x"
                                     : "";
    snprintf(out, cap, "answered by libmicrohttpd: %s", what);
}

/* What the kernel says of a connection's socket: the bytes libmicrohttpd has read from it
 * (received less what waits unread) with `written` 0, or the bytes written to it, by the
 * server or by libmicrohttpd (acknowledged plus still queued) with `written` 1; a FIN counts
 * one either way. ULLONG_MAX when the kernel does not say. */
static unsigned long long socket_bytes(int fd, int written)
{
    struct tcp_info ti;
    socklen_t n = sizeof ti;
    int q = 0; /* unread (SIOCINQ), or unsent (SIOCOUTQ) */
    memset(&ti, 0, sizeof ti);
    size_t need = written ? offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked
                          : offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received;
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n) != 0 || n < need ||
        ioctl(fd, written ? SIOCOUTQ : SIOCINQ, &q) != 0 || q < 0)
        return ULLONG_MAX;
    if (written) return ti.tcpi_bytes_acked + (unsigned long long)q;
    return (unsigned long long)q > ti.tcpi_bytes_received ? ULLONG_MAX
                                                          : ti.tcpi_bytes_received - (unsigned long long)q;
}

static unsigned long long bytes_read(int fd) { return socket_bytes(fd, 0); }
static unsigned long long bytes_written(int fd) { return socket_bytes(fd, 1); }

/* libmicrohttpd logged that it answers a request itself (its status `code`), on this thread:
 * the status goes to the one connection of this thread that has a request line read and not
 * shown, or, when there is not exactly one, is kept on the thread (above). */
static void own_logged(int code)
{
    pthread_t self = pthread_self();
    conn_ctx *hit = NULL;
    int n = 0;
    pthread_mutex_lock(&conns_lock);
    for (conn_ctx *cc = conns; cc; cc = cc->next) {
        if (!pthread_equal(cc->owner, self) || cc->own_code) continue;
        /* busy (the watchdog): left out, which leaves the status to the thread's list */
        if (pthread_mutex_trylock(&cc->lock) != 0) continue;
        unsigned long long rd = cc->expired || cc->cur ? ULLONG_MAX : bytes_read(cc->fd);
        pthread_mutex_unlock(&cc->lock);
        if (rd != ULLONG_MAX && rd > cc->rd_mark + 1) { /* more than a FIN */
            hit = cc;
            n++;
        }
    }
    if (n == 1) {
        hit->own_code = code; /* read and written by this thread only */
        accel__strlcpy(hit->own_why, own.detail, sizeof hit->own_why);
    }
    pthread_mutex_unlock(&conns_lock);
    if (n == 1) own.detail[0] = '\0';
    else own_push(code);
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
    q->parsed.route = -1; /* until it is parsed: counted under no endpoint */
    atomic_init(&q->refs, 1);
    pthread_mutex_init(&q->lock, NULL);
    conn_ctx *cc = conn_of(c);
    q->cc = cc;
    if (!cc) {
        client_text(c, q->client, sizeof q->client);
        return q;
    }
    accel__strlcpy(q->client, cc->client, sizeof q->client);
    pthread_mutex_lock(&cc->lock);
    /* one begun before but never shown to the access handler (libmicrohttpd answered it
     * itself) and never reported ended goes now */
    if (cc->cur && !cc->cur->aware) req_unref(cc->cur);
    cc->cur = q;
    if (cc->expired) {
        q->dead = 1; /* the rest of what arrived before the deadline ended the connection */
    } else {
        if (cc->phase == CONN_FIRST)
            q->t0 = cc->start; /* the first request's time runs from the accept */
        else
            cc->deadline = q->t0 + s->cfg.client_timeout_s * 1000.0;
        cc->phase = CONN_RECEIVING;
    }
    pthread_mutex_unlock(&cc->lock);
    return q;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    sv_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_ctx *cc = calloc(1, sizeof *cc);
        *socket_context = cc;
        if (!cc) return; /* not watched: libmicrohttpd's inactivity timeout still applies */
        pthread_mutex_init(&cc->lock, NULL);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        cc->fd = ci ? ci->connect_fd : -1;
        cc->start = accel__now_ms();
        cc->deadline = cc->start + s->cfg.client_timeout_s * 1000.0;
        cc->phase = CONN_FIRST;
        cc->owner = pthread_self(); /* the accepting thread, which serves it from now on */
        client_text(c, cc->client, sizeof cc->client);
        if (cc->fd >= 0) {
            pthread_mutex_lock(&conns_lock);
            cc->next = conns;
            if (conns) conns->prev = cc;
            conns = cc;
            cc->listed = 1;
            pthread_mutex_unlock(&conns_lock);
        }
        return;
    }
    /* libmicrohttpd closes the socket after this: the watchdog, which takes conns_lock,
     * never sees the descriptor closed or reused */
    conn_ctx *cc = *socket_context;
    *socket_context = NULL;
    if (!cc) return;
    if (!cc->expired && !cc->cur && (cc->own_code || own.n)) {
        /* a request libmicrohttpd answered before its request line was whole (414, 505, a
         * malformed line): its status given to this connection, or else kept on the thread
         * and this connection one that shows no request since the last yet was written an
         * answer (more than the FIN of the close) */
        char why[120] = "";
        int status = cc->own_code;
        if (status) {
            accel__strlcpy(why, cc->own_why, sizeof why);
        } else {
            unsigned long long tx = bytes_written(cc->fd);
            if (tx != ULLONG_MAX && tx > cc->tx_mark + 1) status = own_take(0, why, sizeof why);
        }
        if (status) {
            double now = accel__now_ms(), ms = now - (cc->last_end > 0 ? cc->last_end : cc->start);
            char note[200];
            own_note(status, why, note, sizeof note);
            sv_metrics_request(s->metrics, -1, status, ms / 1000.0);
            access_line(cc->client, "-", "-", status, -1, ms, note, "");
        }
    }
    if (cc->listed) {
        pthread_mutex_lock(&conns_lock);
        if (cc->prev) cc->prev->next = cc->next;
        else conns = cc->next;
        if (cc->next) cc->next->prev = cc->prev;
        pthread_mutex_unlock(&conns_lock);
    }
    if (cc->cur && !cc->cur->aware) req_unref(cc->cur);
    pthread_mutex_destroy(&cc->lock);
    free(cc);
}

/* ---- answers ---------------------------------------------------------------------------- */

static enum MHD_Result send_answer(sv_req *q, sv_answer *a)
{
    if (q->cc) q->cc->phase = CONN_ANSWERING; /* cc->lock is held: this is a callback */
    struct MHD_Response *r = MHD_create_response_from_buffer(
        a->n, a->body, a->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (!r) {
        sv_answer_free(a);
        return MHD_NO;
    }
    a->body = NULL; /* the response owns it now */
    if (a->ctype) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->ctype);
    int closes = 0;
    for (int i = 0; i < a->n_headers; i++) {
        MHD_add_response_header(r, a->headers[i].name, a->headers[i].value);
        closes |= !strcasecmp(a->headers[i].name, "Connection");
    }
    /* while draining, a kept-alive client is told to go: with the listening socket closed,
     * its next request would otherwise meet the connection closed under it at the exit */
    if (!closes && atomic_load(&q->srv->draining)) MHD_add_response_header(r, "Connection", "close");
    q->code = a->code;
    q->sent = strcmp(q->method, "HEAD") ? a->n : 0; /* libmicrohttpd sends a HEAD no body */
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

static int has_body(const sv_request *r) { return r->content_length > 0 || r->chunked; }

/* RFC 9110 §10.1.1: the client waits for "100 Continue" before it sends the body (curl does
 * for a large one); libmicrohttpd sends the 100 when the first call queues no answer. The same
 * test as libmicrohttpd's: HTTP/1.1 or later, the value "100-continue" whatever its case. */
static int expects_continue(struct MHD_Connection *c, const char *version)
{
    const char *e = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return e && !strcasecmp(e, "100-continue") && version && !strncmp(version, "HTTP/1.", 7) &&
           version[7] >= '1' && version[7] <= '9';
}

/* An answer decided at the first call, before any body is read. A request without a body
 * keeps it until the request's end (the connection stays). A body is read and dropped, not
 * kept, and the answer sent after it with Connection: close: a client that writes its whole
 * body before it reads (Python's http.client, urllib) then gets the answer, where a
 * connection closed under a body it is still sending resets, and it sees a broken pipe
 * instead. Answered at once, the body not read and the connection closed after the answer:
 * a body whose end is unknown (framing), one declared past the body limit (reading it is what
 * the limit refuses; such a client may still see the reset), and one the client has not sent
 * yet because it waits for 100 Continue (it sends nothing then). */
static enum MHD_Result answer_early(sv_req *q, sv_answer *a)
{
    const sv_request *r = &q->parsed;
    if (!has_body(r) && !r->close) return hold(q, a, 0);
    int now = r->close || r->content_length > q->srv->cfg.body_limit || q->waits_continue;
    if (!now) sv_answer_header(a, "Connection", "close");
    return hold(q, a, now);
}

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
    /* at the first call, before the body: answered at the request's end (answer_early) */
    if (q->state == ST_NEW) return answer_early(q, &a);
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

/* Every field named `name`, joined with ", " (RFC 9110 §5.3): what the request parser judges
 * the framing and the host from, so that one given twice is seen (libmicrohttpd's lookup
 * gives the first only). A value too long to hold stays visibly malformed. */
typedef struct {
    const char *name;
    char *buf;
    size_t cap, n;
    int count, over;
} fields;

static enum MHD_Result join_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    fields *f = cls;
    if (!key || strcasecmp(key, f->name) != 0) return MHD_YES;
    size_t vn = value ? strlen(value) : 0;
    if (f->n + 2 + vn >= f->cap) {
        f->over = 1;
        return MHD_NO;
    }
    if (f->count++) {
        memcpy(f->buf + f->n, ", ", 2);
        f->n += 2;
    }
    memcpy(f->buf + f->n, value ? value : "", vn);
    f->n += vn;
    f->buf[f->n] = '\0';
    return MHD_YES;
}

static enum MHD_Result count_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    fields *f = cls;
    if (key && !strcasecmp(key, f->name)) f->count++;
    return MHD_YES;
}

/* How many fields named `name` the request has. */
static int field_count(struct MHD_Connection *c, const char *name)
{
    fields f = {name, NULL, 0, 0, 0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_field, &f);
    return f.count;
}

static const char *joined(struct MHD_Connection *c, const char *name, char *buf, size_t cap)
{
    fields f = {name, buf, cap, 0, 0, 0};
    buf[0] = '\0';
    MHD_get_connection_values(c, MHD_HEADER_KIND, join_field, &f);
    if (f.over) return "(too long)";
    return f.count ? buf : NULL;
}

/* RFC 9110 §5.6.2: tchar */
static int token_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum MHD_Result find_bad_name(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    const char **bad = cls;
    const unsigned char *k = (const unsigned char *)(key ? key : "");
    size_t i = 0;
    while (token_char(k[i])) i++;
    /* a framing field's name with more after it is one folded onto its next line */
    int folded = (i > 14 && !strncasecmp(key, "Content-Length", 14)) ||
                 (i > 17 && !strncasecmp(key, "Transfer-Encoding", 17));
    if (i && !k[i] && !folded) return MHD_YES;
    *bad = key ? key : "";
    return MHD_NO;
}

/* The first header field whose name is not a token (NULL when all are): libmicrohttpd keeps
 * white space before the colon in the name, and appends an obsolete line folding's next line
 * to the name ("Transfer-Encoding:" folded onto " chunked" is a field
 * "Transfer-Encodingchunked" with an empty value), so such a field may be framing that it and
 * a proxy in front read differently. */
static const char *bad_field_name(struct MHD_Connection *c)
{
    const char *bad = NULL;
    MHD_get_connection_values(c, MHD_HEADER_KIND, find_bad_name, &bad);
    return bad;
}

static enum MHD_Result begin(sv_req *q, const char *method, const char *version)
{
    sv_server *s = q->srv;
    struct MHD_Connection *c = q->conn;
    accel__strlcpy(q->method, method, sizeof q->method);
    q->waits_continue = expects_continue(c, version);
    char cl[320], te[320], host[320];
    sv_request_in in = {
        .method = method,
        .uri = q->uri,
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
        .content_length = joined(c, MHD_HTTP_HEADER_CONTENT_LENGTH, cl, sizeof cl),
        .token = s->cfg.token,
        .body_limit = s->cfg.body_limit,
    };
    sv_request_head head = {
        .transfer_encoding = joined(c, MHD_HTTP_HEADER_TRANSFER_ENCODING, te, sizeof te),
        .version = version,
        .host = joined(c, MHD_HTTP_HEADER_HOST, host, sizeof host),
        .bad_name = bad_field_name(c),
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .authorization_fields = field_count(c, MHD_HTTP_HEADER_AUTHORIZATION),
    };
    sv_request *r = &q->parsed;
    sv_request_parse_head(&in, &head, routes, N_ROUTES, r);
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
        /* a body whose end is unknown or ambiguous is not read, and nothing after it is
         * taken for a next request: answered now, and the connection closes */
        if (r->close) sv_answer_header(&a, "Connection", "close");
        return answer_early(q, &a);
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

static enum MHD_Result body(sv_req *q, const char *data, size_t *size)
{
    sv_server *s = q->srv;
    if (*size) {
        size_t n = *size;
        *size = 0;
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
        return MHD_YES;
    }
    /* the whole body is here */
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
    if (q->cc) q->cc->phase = CONN_ANSWERING; /* the time limit applies from here on */
    /* suspended before the worker can answer: the answer takes the same lock to resume */
    MHD_suspend_connection(q->conn);
    pthread_mutex_unlock(&q->lock);
    return MHD_YES;
}

static enum MHD_Result handle(sv_server *s, sv_req *q, const char *method, const char *version,
                              const char *upload, size_t *upload_size)
{
    conn_ctx *cc = q->cc;
    if (q->dead || (cc && cc->expired)) { /* answered 408 or closed already */
        *upload_size = 0;
        return MHD_NO;
    }
    if (!q->aware) {
        q->aware = 1;
        atomic_fetch_add(&s->in_flight, 1);
    }
    if (cc && cc->phase == CONN_RECEIVING) {
        double now = accel__now_ms();
        if (now >= cc->deadline) { /* arrived, or still arriving, past the client's time */
            expire(s, cc, now);
            *upload_size = 0;
            return MHD_NO;
        }
    }
    switch (q->state) {
    case ST_NEW:
        return begin(q, method, version);
    case ST_HELD:
    case ST_PAGE:
        if (*upload_size) { /* a body nobody asked for, or one refused: dropped */
            q->body_n += *upload_size; /* counted, for a 408's message */
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    (void)url;
    sv_server *s = cls;
    sv_req *q = *req_cls;
    if (!q) { /* out of memory when it started */
        fprintf(stderr, "accel serve: error: out of memory for a request: its connection is closed\n");
        return MHD_NO;
    }
    q->conn = c;
    /* the watchdog leaves this connection alone while its thread is here */
    if (q->cc) pthread_mutex_lock(&q->cc->lock);
    enum MHD_Result res = handle(s, q, method, version, upload, upload_size);
    if (q->cc) pthread_mutex_unlock(&q->cc->lock);
    return res;
}

/* The request's end: its counters, and one line in the access log (time, client, method,
 * target, status, body bytes sent, time from its start, and for an operation where it ran or
 * why it failed). */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sv_server *s = cls;
    sv_req *q = *req_cls;
    if (!q) return;
    *req_cls = NULL;
    double now = accel__now_ms(), ms = now - q->t0;
    if (!q->code && !q->aware && !q->dead) {
        /* never shown to the access handler: answered by libmicrohttpd itself (431, a 400 of
         * the headers), its answer still attached, or ended unanswered (no status) */
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
        if (ci && ci->http_status >= 100 && ci->http_status <= 999) {
            char why[120] = "";
            q->code = (int)ci->http_status;
            q->own = 1;
            own_take(q->code, why, sizeof why); /* the logger's, claimed here */
            own_note(q->code, why, q->note, sizeof q->note);
        }
    }
    conn_ctx *cc = q->cc;
    if (cc) {
        /* the next request on this connection must begin within the client's time */
        pthread_mutex_lock(&cc->lock);
        if (cc->cur == q) cc->cur = NULL;
        if (!cc->expired) {
            cc->phase = CONN_IDLE;
            cc->deadline = now + s->cfg.client_timeout_s * 1000.0;
        }
        cc->last_end = now;
        cc->rd_mark = bytes_read(cc->fd);
        cc->tx_mark = bytes_written(cc->fd);
        pthread_mutex_unlock(&cc->lock);
    }
    if (!q->dead) {
        /* answered requests only: one that ended unanswered (the client gone) has no code */
        if (q->code) sv_metrics_request(s->metrics, q->parsed.route, q->code, ms / 1000.0);
        static const char *const ends[] = {"", "error", "timeout", "daemon shutdown", "read error",
                                           "client abort"};
        /* a 408 closes the connection, as libmicrohttpd's own answers do: no need to say so */
        const char *end = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK || q->expired || q->own ? ""
                          : (unsigned)toe < 6 ? ends[toe] : "?";
        access_line(q->client, q->method[0] ? q->method : "-", q->uri, q->code,
                    q->own ? -1 : (long long)q->sent, ms, q->note, end);
    }
    if (q->aware) atomic_fetch_sub(&s->in_flight, 1);
    req_unref(q);
}

/* libmicrohttpd's messages. Those that say a request's connection closed while it arrived
 * are left out: the access log gives each such request and how it ended, and a 408 (the
 * server's own shutdown of the socket, then the client's reset when it sends on) brought one
 * or two of them every time. So are those of an answer it gives itself: its status is kept
 * for the access log and the counters (own_push), with the reason it gave just before. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    static const char *const known[] = {"Application reported internal error",
                                        "Connection was closed by remote side with incomplete request",
                                        "Connection socket is closed when reading request",
                                        "Socket has been disconnected when reading request"};
    /* what it says before such an answer, kept as its reason */
    static const char *const reasons[] = {"Failed to parse `Content-Length' header",
                                          "Too large value of 'Content-Length' header",
                                          "Not enough memory in pool"};
    static const char answer[] = "Error processing request (HTTP response code is ";
    char msg[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (!strncmp(msg, known[i], strlen(known[i]))) return;
    if (!strncmp(msg, answer, sizeof answer - 1)) {
        int code = atoi(msg + sizeof answer - 1);
        if (code >= 100 && code <= 999) {
            own_logged(code);
            return;
        }
    }
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        if (!strncmp(msg, reasons[i], strlen(reasons[i]))) {
            size_t n = strcspn(msg, ".!"); /* "… header. Closing connection." */
            snprintf(own.detail, sizeof own.detail, "%.*s", (int)n, msg);
            own.detail[0] = (char)tolower((unsigned char)own.detail[0]);
            return;
        }
    if (msg[0]) fprintf(stderr, "accel serve: libmicrohttpd: %s\n", msg);
}

/* ---- the listening socket ----------------------------------------------------------------- */

/* Binds HOST:PORT ([v6]:PORT) and listens; fills url. After printing why: -2 when the
 * value names no host (exit 2, as any bad value), -1 when it could not listen there (the
 * address in use, the resolver failing for now: exit 1). `what` is how messages name the
 * value ("--listen …" or the setting). */
static int listen_on(const char *spec, const char *what, char *url, size_t url_cap, int *v6)
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
    /* an address in brackets is an IPv6 literal, never a name to look up */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | (spec[0] == '[' ? AI_NUMERICHOST : 0)};
    struct addrinfo *res = NULL;
    int e = getaddrinfo(host, colon + 1, &hints, &res);
    if (e != 0) {
        /* a resolver that fails for now (no answer from the name server, out of memory) says
         * nothing about the value: exit 1, as a server that could not start; an answer that
         * there is no such host (or no address of a family to listen on) is a bad value */
        int now = e == EAI_AGAIN || e == EAI_FAIL || e == EAI_MEMORY || e == EAI_SYSTEM;
        fprintf(stderr, "accel serve: error: %s: cannot resolve the host '%s': %s%s\n", what, host,
                e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e),
                now ? "" : " (allowed: an IPv4 address, [an IPv6 address] or a host name this "
                           "machine resolves)");
        return now ? -1 : -2;
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
        fprintf(stderr, "accel serve: error: %s: %s\n", what, strerror(err));
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
    /* the configuration checks the token's characters and length; the grammar (RFC 6750
     * b64token) also wants one character before the padding */
    if (cfg->token[0] && !sv_token_grammar_ok(cfg->token)) {
        fprintf(stderr, "accel serve: error: ACCEL_SERVE_TOKEN=(hidden, %zu characters): not a bearer "
                        "token, only '=' (allowed: 16..512 characters of A-Z a-z 0-9 - . _ ~ + /, then "
                        "any =)\n", strlen(cfg->token));
        sv_metrics_free(s->metrics);
        return 2;
    }
    int v6 = 0;
    int fd = listen_on(cfg->listen, cfg->listen_name[0] ? cfg->listen_name : cfg->listen, s->url,
                       sizeof s->url, &v6);
    if (fd < 0) {
        sv_metrics_free(s->metrics);
        return fd == -2 ? 2 : 1;
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
        /* inactivity only, in whole seconds: past the watchdog's deadlines, so that a slow
         * request gets its 408 first; it still ends a client too slow to read its answer */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ceil(cfg->client_timeout_s) + 1,
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
    watch_stop = 0;
    pthread_t watcher;
    int have_watcher = pthread_create(&watcher, NULL, watchdog, s) == 0;
    if (!have_watcher)
        fprintf(stderr, "accel serve: warning: cannot start the watchdog thread: a client sending "
                        "slowly is ended only by libmicrohttpd's inactivity timeout\n");
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
    /* no new connections: the listening socket closes now, so that a client is refused at
     * once instead of waiting in the backlog until the drain ends (libmicrohttpd leaves the
     * socket it hands back open, and no longer accepts on it) */
    MHD_socket lfd = MHD_quiesce_daemon(d);
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
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
    if (have_watcher) { /* after the daemon: a request still arriving kept its deadline */
        pthread_mutex_lock(&watch_lock);
        watch_stop = 1;
        pthread_cond_signal(&watch_cond);
        pthread_mutex_unlock(&watch_lock);
        pthread_join(watcher, NULL);
    }
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
