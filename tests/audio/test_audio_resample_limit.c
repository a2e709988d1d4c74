/* Resampling under an address-space limit (RLIMIT_AS, `ulimit -v`), in a child: 6 400 samples
 * at 1 Hz streamed out at 16 kHz (102.4 million samples, 390 MiB) through a 64 Ki-sample
 * buffer, with 640 MiB of address space to spare. libsoxr was once given a whole block of
 * input per call and asked for its output at once: it buffered hundreds of megabytes itself,
 * and when that allocation failed it crashed in memcpy (SIGSEGV in soxr_process) instead of
 * failing. Fed in bounded pieces, the stream needs little memory whatever the ratio. And a
 * call whose output cannot be held at all fails with ACCEL_ERR_NO_MEMORY naming the sizes. */
#include "test.h"

#include "ops/audio/audio_internal.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { IN = 6400, SPARE_MB = 640, BUF = 65536 };

#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer ends the process when an allocation cannot be served; the library's
 * answer to malloc's NULL is what is tested here, so ask it for the NULL. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

/* This process's address space now, in bytes (VmSize); -1 when unknown. */
static long long vm_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %lld kB", &kb) == 1) break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

/* The child: 0 when every check passed, 1 when one failed (it says which), 77 to skip. */
static int child(void)
{
    accel_ctx *ctx;
    ASSERT_OK(accel_ctx_create(&ctx, NULL, 0, ACCEL_CTX_NO_DISCOVERY));
    static float in[IN], buf[BUF];
    for (int i = 0; i < IN; i++) in[i] = (float)(i % 7) / 8.0f;
    accel_audio_source *src;
    accel_status st = accel_audio_open_memory(ctx, ACCEL_F32, in, IN, 1, 16000, &src);
    if (st == ACCEL_ERR_NOT_BUILT_IN) {
        accel_ctx_destroy(ctx);
        fprintf(stderr, "SKIP: resampling is not built in (libsoxr)\n");
        return 77;
    }
    ASSERT_OK(st);
    long long vm = vm_size();
    ASSERT_TRUE(vm > 0);
    struct rlimit lim = {(rlim_t)(vm + (long long)SPARE_MB * 1048576),
                         (rlim_t)(vm + (long long)SPARE_MB * 1048576)};
    ASSERT_TRUE(setrlimit(RLIMIT_AS, &lim) == 0);
    size_t total = 0, got = 0;
    do {
        st = accel_audio_read(src, buf, BUF, &got);
        total += got;
    } while (st == ACCEL_OK && got);
    ASSERT_OK(st);
    ASSERT_EQ_INT(total, (long long)IN * 16000);
    accel_audio_close(src);

    /* one call converting 2^20 samples at 1 Hz to 16 kHz: 64 GiB of output, refused before
     * libsoxr is given anything */
    enum { BIG = 1 << 20 };
    float *big = calloc(BIG, sizeof *big);
    ASSERT_TRUE(big != NULL);
    audio_resampler *r;
    ASSERT_OK(accel__audio_resampler_new(1, 16000, &r));
    float *out = NULL;
    size_t len = 0, cap = 0;
    ASSERT_STATUS(accel__audio_resample(r, big, BIG, 1, &out, &len, &cap), ACCEL_ERR_NO_MEMORY);
    ASSERT_CONTAINS(accel_last_error(NULL), "1048576 samples from 1 Hz to 16000 Hz");
    ASSERT_CONTAINS(accel_last_error(NULL), "MiB) do not fit in memory");
    ASSERT_EQ_INT(len, 0);
    accel__audio_resampler_free(r);
    free(out);
    free(big);
    accel_ctx_destroy(ctx);
    return accel_test_failures ? 1 : 0;
}

int main(void)
{
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) _exit(child());
    int ws = 0;
    ASSERT_TRUE(waitpid(pid, &ws, 0) == pid);
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 77) return 77;
    if (WIFSIGNALED(ws))
        TEST_FAIL_("the child was killed by signal %d resampling 1 Hz to 16 kHz under a %d MiB "
                   "address-space margin",
                   WTERMSIG(ws), SPARE_MB);
    else
        ASSERT_EQ_INT(WEXITSTATUS(ws), 0);
    TEST_DONE();
}
