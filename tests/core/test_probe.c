/* The crash-isolated prober: a child that succeeds, fails, aborts, segfaults or hangs becomes a
 * verdict and the test process survives. */
#include "test.h"
#include "core/internal.h"

#include <signal.h>
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
    TEST_DONE();
}
