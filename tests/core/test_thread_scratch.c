/* accel__thread_scratch: a thread gets the same buffer back call after call (so a stream's
 * chunks reuse its pages), larger when asked for more, 64-byte aligned; slots are separate;
 * another thread gets its own; a bad slot is refused; the buffers go when their thread ends
 * (the ASan build's leak check fails otherwise). */
#include "test.h"
#include "core/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

static void *other(void *mine)
{
    void *p = accel__thread_scratch(0, 1000);
    if (p) memset(p, 0x5a, 1000);
    return p != mine && p != NULL ? p : NULL;
}

int main(void)
{
    void *a = accel__thread_scratch(0, 1000);
    ASSERT_TRUE(a != NULL);
    ASSERT_TRUE(((uintptr_t)a & 63) == 0);
    memset(a, 1, 1000);
    ASSERT_TRUE(accel__thread_scratch(0, 10) == a);   /* smaller: the same */
    ASSERT_TRUE(accel__thread_scratch(0, 1024) == a); /* within the rounded size: the same */
    void *b = accel__thread_scratch(1, 1000);
    ASSERT_TRUE(b != NULL && b != a);
    void *big = accel__thread_scratch(0, 1 << 20);
    ASSERT_TRUE(big != NULL && ((uintptr_t)big & 63) == 0);
    memset(big, 2, 1 << 20);
    ASSERT_TRUE(accel__thread_scratch(0, 4096) == big); /* kept at its largest */
    ASSERT_TRUE(accel__thread_scratch(1, 1000) == b);
    ASSERT_TRUE(accel__thread_scratch(ACCEL__SCRATCH_SLOTS, 8) == NULL);
    ASSERT_TRUE(accel__thread_scratch(-1, 8) == NULL);

    /* threads: each its own, freed at its end */
    for (int i = 0; i < 8; i++) {
        pthread_t t;
        void *r = NULL;
        ASSERT_TRUE(pthread_create(&t, NULL, other, big) == 0);
        ASSERT_TRUE(pthread_join(t, &r) == 0);
        ASSERT_TRUE(r != NULL);
    }
    ASSERT_TRUE(accel__thread_scratch(0, 16) == big);
    TEST_DONE();
}
