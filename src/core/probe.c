/* probe.c — run a vendor stack in a forked child with a time limit before trusting it.
 *
 * Why fork: vendor libraries abort (cuDNN raises SIGABRT when libcudnn_ops.so.9 is missing),
 * hang in init, or crash on a broken driver. In a child, each of those becomes a verdict
 * ("unusable: killed by SIGABRT while loading libcudnn.so.9") and the host process lives on.
 *
 * The child speaks over a pipe in frames: one type byte ('S' step, 'R' reply data, 'F' failure
 * reason, 'E' end: the body returned), a 4-byte length, the bytes. The parent keeps the last
 * step so a crash or a hang can name what the child was doing. Without the end frame the probe
 * failed even when the exit status is 0: a library whose constructor calls _exit(0) must not
 * read as "usable". The child is its own process group, so a hang that spawned helpers is
 * killed whole.
 *
 * The child's standard output and error go to a second pipe: a vendor library that prints
 * would otherwise write into the host's output (and make `accel devices --json` invalid). The
 * text is kept in the result, for the report to show labelled. */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct accel__probe_chan {
    int fd;
};

static void send_frame(accel__probe_chan *chan, char type, const void *data, size_t n)
{
    unsigned char hdr[5];
    uint32_t len = (uint32_t)n;
    hdr[0] = (unsigned char)type;
    memcpy(hdr + 1, &len, 4);
    const unsigned char *parts[2] = {hdr, data};
    size_t sizes[2] = {5, n};
    for (int i = 0; i < 2; i++) {
        size_t off = 0;
        while (off < sizes[i]) {
            ssize_t w = write(chan->fd, parts[i] + off, sizes[i] - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return;
            off += (size_t)w;
        }
    }
}

void accel__probe_reply(accel__probe_chan *chan, const void *data, size_t n)
{
    if (n > ACCEL__PROBE_MAX_REPLY) n = ACCEL__PROBE_MAX_REPLY;
    send_frame(chan, 'R', data, n);
}

static void send_text(accel__probe_chan *chan, char type, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    send_frame(chan, type, buf, strlen(buf));
}

void accel__probe_fail(accel__probe_chan *chan, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_text(chan, 'F', fmt, ap);
    va_end(ap);
}

void accel__probe_step(accel__probe_chan *chan, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_text(chan, 'S', fmt, ap);
    va_end(ap);
}

/* Parser state for frames arriving in arbitrary pieces. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
} inbox;

static int inbox_add(inbox *in, const unsigned char *p, size_t n)
{
    if (in->len + n > in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 4096;
        while (cap < in->len + n) cap *= 2;
        if (cap > 4 * ACCEL__PROBE_MAX_REPLY) return -1;
        unsigned char *nb = realloc(in->buf, cap);
        if (!nb) return -1;
        in->buf = nb;
        in->cap = cap;
    }
    memcpy(in->buf + in->len, p, n);
    in->len += n;
    return 0;
}

static void drain_frames(inbox *in, accel__probe_result *out, char *fail, size_t fail_cap)
{
    size_t off = 0;
    while (in->len - off >= 5) {
        uint32_t len;
        memcpy(&len, in->buf + off + 1, 4);
        if (in->len - off - 5 < len) break;
        char type = (char)in->buf[off];
        const unsigned char *data = in->buf + off + 5;
        if (type == 'S' || type == 'F') {
            char *dst = type == 'S' ? out->step : fail;
            size_t cap = type == 'S' ? sizeof out->step : fail_cap;
            size_t k = len < cap - 1 ? len : cap - 1;
            memcpy(dst, data, k);
            dst[k] = '\0';
        } else if (type == 'E') {
            out->ended = 1;
        } else if (type == 'R') {
            unsigned char *r = realloc(out->reply, out->reply_len + len + 1);
            if (r) {
                memcpy(r + out->reply_len, data, len);
                out->reply = r;
                out->reply_len += len;
                r[out->reply_len] = '\0';
            }
        }
        off += 5 + len;
    }
    memmove(in->buf, in->buf + off, in->len - off);
    in->len -= off;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGPIPE: return "SIGPIPE";
    default: return "a signal";
    }
}

/* ---- the wait hook ----------------------------------------------------------------------- */

static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static accel__probe_wait_fn hook_fn;
static void *hook_arg;
static int hook_after_ms;

void accel__probe_set_wait_hook(accel__probe_wait_fn fn, void *arg, int after_ms)
{
    pthread_mutex_lock(&hook_lock);
    hook_fn = fn;
    hook_arg = arg;
    hook_after_ms = after_ms > 0 ? after_ms : 0;
    pthread_mutex_unlock(&hook_lock);
}

/* ---- captured output -------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, lost;
} capture;

static void capture_add(capture *c, const unsigned char *p, size_t n)
{
    size_t room = c->len < ACCEL__PROBE_MAX_OUTPUT ? ACCEL__PROBE_MAX_OUTPUT - c->len : 0;
    size_t take = n < room ? n : room;
    if (take) {
        char *nb = realloc(c->buf, c->len + take + 1);
        if (!nb) {
            c->lost += n;
            return;
        }
        memcpy(nb + c->len, p, take);
        c->buf = nb;
        c->len += take;
        c->buf[c->len] = '\0';
    }
    c->lost += n - take;
}

/* Reads what is there now (non-blocking); returns 0 at end of file. */
static int capture_read(int fd, capture *c)
{
    unsigned char chunk[4096];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r > 0) {
            capture_add(c, chunk, (size_t)r);
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        return r == 0 ? 0 : 1; /* EAGAIN: open, nothing more for now */
    }
}

void accel__probe_output_line(const char *output, size_t lost, char *buf, size_t cap)
{
    if (!cap) return;
    buf[0] = '\0';
    if (!output || !*output) return;
    char more[48] = "";
    if (lost) snprintf(more, sizeof more, " (%zu bytes more)", lost);
    size_t room = cap - 1 - strlen(more) - 4, n = 0; /* 4: "…" and a margin */
    if (cap < strlen(more) + 8) room = cap - 1, more[0] = '\0';
    int blank = 1, cut = 0;
    for (const unsigned char *p = (const unsigned char *)output; *p; p++) {
        unsigned char ch = *p < 0x20 || *p == 0x7f ? ' ' : *p;
        if (ch == ' ' && blank) continue;
        blank = ch == ' ';
        if (n >= room) {
            cut = 1;
            break;
        }
        buf[n++] = (char)ch;
    }
    while (n && buf[n - 1] == ' ') n--;
    /* never end inside a UTF-8 sequence */
    if (cut)
        while (n && ((unsigned char)buf[n - 1] & 0xC0) == 0x80) n--;
    if (cut && n && (unsigned char)buf[n - 1] >= 0xC0) n--;
    buf[n] = '\0';
    if (cut) accel__strlcpy(buf + n, "…", cap - n);
    n = strlen(buf);
    accel__strlcpy(buf + n, more, cap - n);
}

/* ---- the run ---------------------------------------------------------------------------- */

/* In the child: standard input from /dev/null, standard output and error into `out_fd`,
 * unbuffered, so what a library prints reaches the parent even if it then calls _exit. */
static void child_redirect(int out_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
        dup2(null_fd, 0);
        if (null_fd > 2) close(null_fd);
    }
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    if (out_fd > 2) close(out_fd);
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
}

accel_status accel__probe_run(const char *what, accel__probe_fn fn, void *arg, int timeout_ms,
                              accel__probe_result *out)
{
    memset(out, 0, sizeof *out);
    if (timeout_ms <= 0) timeout_ms = 15000;
    int fds[2], ofds[2];
    RETURN_ERROR_IF(pipe2(fds, O_CLOEXEC) != 0, ACCEL_ERR_INTERNAL, "probe %s: pipe: %s", what,
                    strerror(errno));
    if (pipe2(ofds, O_CLOEXEC) != 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return ACCEL_ERROR(ACCEL_ERR_INTERNAL, "probe %s: pipe: %s", what, strerror(e));
    }
    fflush(NULL);
    double t0 = accel__now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        close(ofds[0]);
        close(ofds[1]);
        return ACCEL_ERROR(ACCEL_ERR_INTERNAL, "probe %s: fork: %s", what, strerror(e));
    }
    if (pid == 0) {
        /* Child: own process group, default signal dispositions, captured output, report
         * and _exit. The end frame says the body returned: a library that ends the process
         * itself (exit(0) in a constructor) sends none. */
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        close(fds[0]);
        close(ofds[0]);
        /* In a process started with standard descriptors closed, a pipe may be fd 0..2: move
         * both ends out of the way before those are redirected. */
        int frame_fd = fds[1] > 2 ? fds[1] : fcntl(fds[1], F_DUPFD_CLOEXEC, 3);
        int out_fd = ofds[1] > 2 ? ofds[1] : fcntl(ofds[1], F_DUPFD_CLOEXEC, 3);
        child_redirect(out_fd);
        accel__probe_chan chan = {frame_fd};
        int rc = fn(arg, &chan);
        int code = rc == 0 ? 0 : (rc > 0 && rc < 126 ? rc : 1);
        unsigned char c = (unsigned char)code;
        send_frame(&chan, 'E', &c, 1);
        _exit(code);
    }
    setpgid(pid, pid); /* also from the parent, to close the race with the child's call */
    close(fds[1]);
    close(ofds[1]);
    fcntl(ofds[0], F_SETFL, fcntl(ofds[0], F_GETFL) | O_NONBLOCK);

    pthread_mutex_lock(&hook_lock);
    accel__probe_wait_fn wait_fn = hook_fn;
    void *wait_arg = hook_arg;
    /* at after_ms, or halfway through a shorter time limit */
    double wait_at = t0 + (hook_after_ms < timeout_ms / 2 ? hook_after_ms : timeout_ms / 2);
    pthread_mutex_unlock(&hook_lock);
    int waited = 0;

    inbox in = {0};
    capture cap = {0};
    char fail[512] = "";
    int out_open = 1;
    double deadline = t0 + timeout_ms;
    for (;;) {
        double now = accel__now_ms(), left = deadline - now;
        if (left <= 0) {
            out->timed_out = 1;
            break;
        }
        if (wait_fn && !waited && now >= wait_at) {
            waited = 1;
            wait_fn(what, out->step, timeout_ms, wait_arg);
        }
        double until = wait_fn && !waited && wait_at - now < left ? wait_at - now : left;
        struct pollfd p[2] = {{fds[0], POLLIN, 0}, {out_open ? ofds[0] : -1, POLLIN, 0}};
        int pr = poll(p, 2, (int)(until + 1));
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        if (p[1].revents) out_open = capture_read(ofds[0], &cap);
        if (!p[0].revents) continue;
        unsigned char chunk[65536];
        ssize_t r = read(fds[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* the child closed its end: it is exiting */
        if (inbox_add(&in, chunk, (size_t)r) != 0) break;
        drain_frames(&in, out, fail, sizeof fail);
    }
    close(fds[0]);
    free(in.buf);

    int status = 0;
    if (out->timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    } else {
        /* The pipe closed; the child is exiting. Give it the rest of the time limit. */
        while (accel__now_ms() < deadline) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) goto reaped;
            usleep(1000);
        }
        out->timed_out = 1;
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
reaped:
    /* What the child wrote before it ended is in the pipe now; a helper it spawned may keep
     * the pipe open, so take what is there and do not wait for its end. */
    if (out_open) capture_read(ofds[0], &cap);
    close(ofds[0]);
    out->output = cap.buf;
    out->output_len = cap.len;
    out->output_lost = cap.lost;
    if (waited && wait_fn) wait_fn(NULL, NULL, 0, wait_arg);
    out->elapsed_ms = accel__now_ms() - t0;
    const char *during = out->step[0] ? " while " : "";
    if (out->timed_out) {
        snprintf(out->verdict, sizeof out->verdict,
                 "unusable: %s did not finish within %d ms%s%s (killed)", what, timeout_ms, during,
                 out->step);
    } else if (WIFSIGNALED(status)) {
        out->signal = WTERMSIG(status);
        snprintf(out->verdict, sizeof out->verdict, "unusable: killed by %s%s%s",
                 signal_name(out->signal), during, out->step);
    } else if (!out->ended) {
        out->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        snprintf(out->verdict, sizeof out->verdict,
                 "unusable: exited with status %d%s%s, before replying (a library it loaded "
                 "ended the process)",
                 out->exit_code, during, out->step);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        out->ok = 1;
        snprintf(out->verdict, sizeof out->verdict, "usable");
    } else {
        out->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        snprintf(out->verdict, sizeof out->verdict, "unusable: %s", fail[0] ? fail : "probe failed");
    }
    return ACCEL_OK;
}

void accel__probe_result_free(accel__probe_result *r)
{
    free(r->reply);
    r->reply = NULL;
    r->reply_len = 0;
    free(r->output);
    r->output = NULL;
    r->output_len = r->output_lost = 0;
}

/* ---- per-context memo ------------------------------------------------------------------- */

typedef struct memo_entry {
    struct memo_entry *next;
    char *key;
    char *data;
    size_t n;
} memo_entry;

void accel__probe_memo_put(accel_ctx *ctx, const char *key, const void *data, size_t n)
{
    if (!ctx || !key) return;
    memo_entry *e = calloc(1, sizeof *e);
    char *k = strdup(key), *d = malloc(n + 1);
    if (!e || !k || !d) {
        free(e);
        free(k);
        free(d);
        return; /* only a second probe is lost */
    }
    memcpy(d, data, n);
    d[n] = '\0';
    e->key = k;
    e->data = d;
    e->n = n;
    pthread_mutex_lock(&ctx->lock);
    /* the newest first, so it wins over an older outcome of the same key */
    e->next = ctx->probe_memo;
    ctx->probe_memo = e;
    pthread_mutex_unlock(&ctx->lock);
}

int accel__probe_memo_get(accel_ctx *ctx, const char *key, char **data, size_t *n)
{
    if (!ctx || !key) return 0;
    int hit = 0;
    pthread_mutex_lock(&ctx->lock);
    for (memo_entry *e = ctx->probe_memo; e; e = e->next) {
        if (strcmp(e->key, key) != 0) continue;
        char *d = malloc(e->n + 1);
        if (d) {
            memcpy(d, e->data, e->n + 1);
            *data = d;
            *n = e->n;
            hit = 1;
        }
        break;
    }
    pthread_mutex_unlock(&ctx->lock);
    return hit;
}

void accel__probe_memo_free(accel_ctx *ctx)
{
    if (!ctx) return;
    memo_entry *e = ctx->probe_memo;
    while (e) {
        memo_entry *next = e->next;
        free(e->key);
        free(e->data);
        free(e);
        e = next;
    }
    ctx->probe_memo = NULL;
}
