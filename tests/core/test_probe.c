/* The crash-isolated prober: a child that succeeds, fails, aborts, segfaults or hangs becomes a
 * verdict and the test process survives. */
#include "test.h"
#include "core/internal.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static int ok_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    accel__probe_step(c, "saying hello");
    accel__probe_reply(c, "hello", 5);
    return 0;
}
static int fail_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    accel__probe_fail(c, "cuInit failed: CUDA_ERROR_NO_DEVICE");
    return 3;
}
static int abort_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    accel__probe_step(c, "loading libcudnn.so.9");
    abort();
}
static int segv_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    accel__probe_step(c, "calling cuInit");
    raise(SIGSEGV);
    return 0;
}
static int hang_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    accel__probe_step(c, "calling cuInit");
    for (;;) pause();
}

/* A library that prints from its constructor and its init call. */
static int print_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    printf("fake libcuda: hello on stdout\n");
    fprintf(stderr, "fake libcuda: warning on stderr\n");
    accel__probe_reply(c, "ok", 2);
    return 0;
}
/* A library whose constructor ends the process with status 0 before the body can reply. */
static int exit0_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    accel__probe_step(c, "loading libcuda.so.1");
    printf("bye");
    _exit(0);
}
static int chatty_fn(void *arg, accel__probe_chan *c)
{
    (void)arg;
    (void)c;
    for (int i = 0; i < 20000; i++) printf("line %d of a library that never stops talking\n", i);
    return 0;
}

static void waited(const char *what, const char *step, int limit_ms, void *arg)
{
    char *log = arg;
    size_t n = strlen(log);
    if (what)
        snprintf(log + n, 256 - n, "[waiting for %s (%s), up to %d ms]", what, step, limit_ms);
    else
        snprintf(log + n, 256 - n, "[done]");
}

static void test_output_and_end(void)
{
    accel__probe_result r;
    /* what the child prints is captured, not written to this process's stdout */
    fflush(stdout);
    ASSERT_OK(accel__probe_run("print", print_fn, NULL, 5000, &r));
    ASSERT_EQ_INT(r.ok, 1);
    ASSERT_TRUE(r.output != NULL);
    if (r.output) {
        ASSERT_CONTAINS(r.output, "fake libcuda: hello on stdout");
        ASSERT_CONTAINS(r.output, "fake libcuda: warning on stderr");
    }
    char line[128];
    accel__probe_output_line(r.output, r.output_lost, line, sizeof line);
    ASSERT_STR_EQ(line, "fake libcuda: hello on stdout fake libcuda: warning on stderr");
    accel__probe_result_free(&r);

    /* exit status 0 without a reply is a failed probe, not "usable" */
    ASSERT_OK(accel__probe_run("exit0", exit0_fn, NULL, 5000, &r));
    ASSERT_EQ_INT(r.ok, 0);
    ASSERT_EQ_INT(r.ended, 0);
    ASSERT_EQ_INT(r.exit_code, 0);
    ASSERT_CONTAINS(r.verdict, "unusable: exited with status 0 while loading libcuda.so.1, "
                               "before replying");
    ASSERT_TRUE(r.output && strcmp(r.output, "bye") == 0); /* unbuffered: not lost to _exit */
    accel__probe_result_free(&r);

    /* a flood of output neither blocks the child nor grows without bound */
    ASSERT_OK(accel__probe_run("chatty", chatty_fn, NULL, 10000, &r));
    ASSERT_EQ_INT(r.ok, 1);
    ASSERT_EQ_INT(r.output_len, ACCEL__PROBE_MAX_OUTPUT);
    ASSERT_TRUE(r.output_lost > 100000);
    accel__probe_output_line(r.output, r.output_lost, line, sizeof line);
    ASSERT_CONTAINS(line, "line 0 of a library");
    ASSERT_CONTAINS(line, "bytes more)");
    ASSERT_TRUE(strlen(line) < sizeof line);
    accel__probe_result_free(&r);

    /* the wait hook: told once what the probe waits for, and when it ends */
    char log[256] = "";
    accel__probe_set_wait_hook(waited, log, 100);
    ASSERT_OK(accel__probe_run("libcuda", hang_fn, NULL, 400, &r));
    accel__probe_set_wait_hook(NULL, NULL, 0);
    ASSERT_STR_EQ(log, "[waiting for libcuda (calling cuInit), up to 400 ms][done]");
    accel__probe_result_free(&r);
    log[0] = '\0';
    accel__probe_set_wait_hook(waited, log, 2000);
    ASSERT_OK(accel__probe_run("ok", ok_fn, NULL, 5000, &r)); /* quick: no message */
    accel__probe_set_wait_hook(NULL, NULL, 0);
    ASSERT_STR_EQ(log, "");
    accel__probe_result_free(&r);
}

int main(void)
{
    accel__probe_result r;
    ASSERT_OK(accel__probe_run("ok", ok_fn, NULL, 5000, &r));
    ASSERT_EQ_INT(r.ok, 1);
    ASSERT_STR_EQ(r.verdict, "usable");
    ASSERT_EQ_INT(r.reply_len, 5);
    ASSERT_TRUE(r.reply && memcmp(r.reply, "hello", 5) == 0);
    accel__probe_result_free(&r);

    ASSERT_OK(accel__probe_run("fail", fail_fn, NULL, 5000, &r));
    ASSERT_EQ_INT(r.ok, 0);
    ASSERT_EQ_INT(r.exit_code, 3);
    ASSERT_STR_EQ(r.verdict, "unusable: cuInit failed: CUDA_ERROR_NO_DEVICE");
    accel__probe_result_free(&r);

    ASSERT_OK(accel__probe_run("abort", abort_fn, NULL, 5000, &r));
    ASSERT_EQ_INT(r.signal, SIGABRT);
    ASSERT_STR_EQ(r.verdict, "unusable: killed by SIGABRT while loading libcudnn.so.9");
    accel__probe_result_free(&r);

    ASSERT_OK(accel__probe_run("segv", segv_fn, NULL, 5000, &r));
    ASSERT_EQ_INT(r.signal, SIGSEGV);
    ASSERT_CONTAINS(r.verdict, "SIGSEGV while calling cuInit");
    accel__probe_result_free(&r);

    double t0 = accel__now_ms();
    ASSERT_OK(accel__probe_run("libcuda", hang_fn, NULL, 300, &r));
    double dt = accel__now_ms() - t0;
    ASSERT_EQ_INT(r.timed_out, 1);
    ASSERT_CONTAINS(r.verdict, "did not finish within 300 ms while calling cuInit");
    ASSERT_TRUE(dt < 3000);
    accel__probe_result_free(&r);

    test_output_and_end();
    TEST_DONE();
}
