/* probe.c — run a vendor stack in a forked child with a time limit before trusting it.
 *
 * Why fork: vendor libraries abort (cuDNN raises SIGABRT when libcudnn_ops.so.9 is missing),
 * hang in init, or crash on a broken driver. In a child, each of those becomes a verdict
 * ("unusable: killed by SIGABRT while loading libcudnn.so.9") and the host process lives on.
 *
 * The child speaks over a pipe in frames: one type byte ('S' step, 'R' reply data, 'F' failure
 * reason), a 4-byte length, the bytes. The parent keeps the last step so a crash or a hang can
 * name what the child was doing. The child is its own process group, so a hang that spawned
 * helpers is killed whole. */
#include "internal.h"

#include <errno.h>
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

accel_status accel__probe_run(const char *what, accel__probe_fn fn, void *arg, int timeout_ms,
                              accel__probe_result *out)
{
    memset(out, 0, sizeof *out);
    int fds[2];
    RETURN_ERROR_IF(pipe2(fds, O_CLOEXEC) != 0, ACCEL_ERR_INTERNAL, "probe %s: pipe: %s", what,
                    strerror(errno));
    fflush(NULL);
    double t0 = accel__now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return ACCEL_ERROR(ACCEL_ERR_INTERNAL, "probe %s: fork: %s", what, strerror(e));
    }
    if (pid == 0) {
        /* Child: own process group, default signal dispositions, report and _exit. */
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        close(fds[0]);
        accel__probe_chan chan = {fds[1]};
        int rc = fn(arg, &chan);
        _exit(rc == 0 ? 0 : (rc > 0 && rc < 126 ? rc : 1));
    }
    setpgid(pid, pid); /* also from the parent, to close the race with the child's call */
    close(fds[1]);

    inbox in = {0};
    char fail[512] = "";
    int open_fd = 1;
    double deadline = t0 + (timeout_ms > 0 ? timeout_ms : 15000);
    while (open_fd) {
        double left = deadline - accel__now_ms();
        if (left <= 0) {
            out->timed_out = 1;
            break;
        }
        struct pollfd p = {fds[0], POLLIN, 0};
        int pr = poll(&p, 1, (int)(left + 1));
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        unsigned char chunk[65536];
        ssize_t r = read(fds[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            open_fd = 0;
            break;
        }
        if (inbox_add(&in, chunk, (size_t)r) != 0) {
            out->timed_out = 0;
            break;
        }
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
}
