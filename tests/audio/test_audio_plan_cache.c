/* The mel filterbanks (mel.c) and FFT plans (fft.c) are kept per parameter set: one asked for
 * again is the same, value for value, whether it comes from the kept ones or is built afresh
 * after more parameter sets than are kept pushed it out; those of other parameters are others;
 * each caller owns its copy (freeing one leaves the kept one and the others whole); and
 * threads asking at once all get the right one; a fork while other threads use them leaves the
 * child able to use them too. */
#include "audio_test_util.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int same_bank(const audio_melbank *a, const audio_melbank *b)
{
    if (a->n_mels != b->n_mels || a->n_bins != b->n_bins) return 0;
    for (int m = 0; m < a->n_mels; m++)
        if (a->start[m] != b->start[m] || a->count[m] != b->count[m] || a->off[m] != b->off[m]) return 0;
    return memcmp(a->w, b->w, a->off[a->n_mels] * sizeof *a->w) == 0;
}

static size_t twiddles(const audio_fft_plan *p)
{
    size_t n = 0;
    for (int i = 0; i < p->n_stages; i++) n += (size_t)(p->len[i] / p->radix[i]) * (size_t)(p->radix[i] - 1) * 2;
    return n;
}

static int same_plan(const audio_fft_plan *a, const audio_fft_plan *b)
{
    if (a->n != b->n || a->m != b->m || a->n_stages != b->n_stages) return 0;
    for (int i = 0; i < a->n_stages; i++)
        if (a->radix[i] != b->radix[i] || a->len[i] != b->len[i] || a->stride[i] != b->stride[i]) return 0;
    size_t t = twiddles(a), m1 = (size_t)a->m + 1;
    return memcmp(a->tw, b->tw, t * sizeof *a->tw) == 0 && memcmp(a->twd, b->twd, t * sizeof *a->twd) == 0 &&
           memcmp(a->split_re, b->split_re, m1 * sizeof(float)) == 0 &&
           memcmp(a->split_imd, b->split_imd, m1 * sizeof(double)) == 0;
}

static void plans(void)
{
    audio_fft_plan p1, p2, p8, p9, q;
    ASSERT_OK(accel__audio_fft_plan(&p1, 400));
    ASSERT_OK(accel__audio_fft_plan(&p2, 400)); /* kept */
    ASSERT_TRUE(same_plan(&p1, &p2) && p1.tw != p2.tw);
    ASSERT_OK(accel__audio_fft_plan8(&p8, 512));
    ASSERT_OK(accel__audio_fft_plan(&q, 512));
    ASSERT_TRUE(!same_plan(&p8, &q)); /* radix 8 against radix 4: another plan */
    accel__audio_fft_free(&q);
    accel__audio_fft_free(&p2);
    for (int n = 100; n < 112; n++) { /* push the first ones out */
        audio_fft_plan t;
        ASSERT_OK(accel__audio_fft_plan(&t, 2 * n));
        ASSERT_EQ_INT(t.n, 2 * n);
        accel__audio_fft_free(&t);
    }
    ASSERT_OK(accel__audio_fft_plan8(&p9, 512));
    ASSERT_TRUE(same_plan(&p8, &p9));
    ASSERT_OK(accel__audio_fft_plan(&p2, 400));
    ASSERT_TRUE(same_plan(&p1, &p2));
    ASSERT_STATUS(accel__audio_fft_plan(&q, 1), ACCEL_ERR_INVALID_ARG);
    accel__audio_fft_free(&p1), accel__audio_fft_free(&p2), accel__audio_fft_free(&p8), accel__audio_fft_free(&p9);
    printf("FFT plans: kept per length and kind, the same as built, copies owned by their callers\n");
}

static volatile int churning = 1;

static void *churn(void *arg)
{
    (void)arg;
    while (churning) {
        audio_fft_plan p;
        audio_melbank mb;
        if (accel__audio_fft_plan(&p, 400) == ACCEL_OK) accel__audio_fft_free(&p);
        if (accel__audio_mel_slaney(&mb, 16000, 400, 80) == ACCEL_OK) accel__audio_mel_free(&mb);
    }
    return NULL;
}

/* fork while two threads take and give back plans and banks: each child plans at once */
static void forks(void)
{
    pthread_t th[2];
    for (int i = 0; i < 2; i++) ASSERT_TRUE(pthread_create(&th[i], NULL, churn, NULL) == 0);
    int hung = 0, bad = 0;
    for (int k = 0; k < 40; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            audio_fft_plan p;
            audio_melbank mb;
            int ok = accel__audio_fft_plan(&p, 400) == ACCEL_OK && accel__audio_mel_slaney(&mb, 16000, 400, 80) == ACCEL_OK;
            _exit(ok ? 0 : 1);
        }
        ASSERT_TRUE(pid > 0);
        int ws = 0, done = 0;
        for (int t = 0; t < 500 && !done; t++) { /* up to 5 s */
            done = waitpid(pid, &ws, WNOHANG) == pid;
            if (!done) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        }
        if (!done) {
            hung++;
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
        } else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
            bad++;
        }
    }
    churning = 0;
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    if (hung || bad) TEST_FAIL_("fork while the plans are in use: %d children hung, %d failed (of 40)", hung, bad);
    else printf("fork while the plans are in use: 40 children planned at once\n");
}

static void *ask(void *arg)
{
    const audio_melbank *want = arg;
    for (int i = 0; i < 200; i++) {
        audio_melbank mb;
        if (accel__audio_mel_kaldi(&mb, 16000, 512, 23 + i % 3 * 20, 20.0, 0.0, 1.0, 100.0, -500.0) != ACCEL_OK)
            return (void *)1;
        int ok = i % 3 == 0 ? same_bank(&mb, want) : mb.n_mels == 23 + i % 3 * 20;
        accel__audio_mel_free(&mb);
        if (!ok) return (void *)1;
    }
    return NULL;
}

int main(void)
{
    audio_melbank a1, a2, b, c;
    ASSERT_OK(accel__audio_mel_slaney(&a1, 16000, 400, 80));
    ASSERT_OK(accel__audio_mel_slaney(&a2, 16000, 400, 80)); /* kept */
    ASSERT_TRUE(same_bank(&a1, &a2));
    ASSERT_TRUE(a1.w != a2.w); /* each its own copy */
    ASSERT_OK(accel__audio_mel_slaney(&b, 16000, 400, 128));
    ASSERT_TRUE(!same_bank(&a1, &b));
    ASSERT_OK(accel__audio_mel_kaldi(&c, 16000, 512, 80, 20.0, 0.0, 0.9, 100.0, -500.0));
    audio_melbank c_plain;
    ASSERT_OK(accel__audio_mel_kaldi(&c_plain, 16000, 512, 80, 20.0, 0.0, 1.0, 100.0, -500.0));
    ASSERT_TRUE(!same_bank(&c, &c_plain)); /* the warp is part of the key */
    accel__audio_mel_free(&a2);
    /* more parameter sets than are kept: the first is pushed out and built again */
    for (int i = 0; i < 12; i++) {
        audio_melbank t;
        ASSERT_OK(accel__audio_mel_vggish(&t, 16000, 512, 40 + i, 125.0, 7500.0));
        ASSERT_EQ_INT(t.n_mels, 40 + i);
        accel__audio_mel_free(&t);
    }
    audio_melbank a3;
    ASSERT_OK(accel__audio_mel_slaney(&a3, 16000, 400, 80));
    ASSERT_TRUE(same_bank(&a1, &a3));
    /* four threads at once */
    audio_melbank want;
    ASSERT_OK(accel__audio_mel_kaldi(&want, 16000, 512, 23, 20.0, 0.0, 1.0, 100.0, -500.0));
    pthread_t th[4];
    for (int i = 0; i < 4; i++) ASSERT_TRUE(pthread_create(&th[i], NULL, ask, &want) == 0);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(th[i], &r);
        ASSERT_TRUE(r == NULL);
    }
    accel__audio_mel_free(&want);
    accel__audio_mel_free(&a1), accel__audio_mel_free(&a3), accel__audio_mel_free(&b);
    accel__audio_mel_free(&c), accel__audio_mel_free(&c_plain);
    printf("mel banks: kept per parameter set, the same as built, copies owned by their callers\n");
    plans();
    forks();
    TEST_DONE();
}
