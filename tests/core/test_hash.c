/* accel__hash64 is FNV-1a 64-bit: the published test vectors, and what the seed does. Cache
 * file names and checksums depend on it, so a change here must be deliberate. */
#include "test.h"
#include "core/internal.h"

static void check(const char *text, unsigned long long want)
{
    unsigned long long got = accel__hash64(text, strlen(text), 0);
    if (got != want)
        TEST_FAIL_("accel__hash64(\"%s\") = %016llx, FNV-1a gives %016llx", text, got, want);
}

int main(void)
{
    check("", 0xcbf29ce484222325ull); /* the offset basis itself */
    check("a", 0xaf63dc4c8601ec8cull);
    check("foobar", 0x85944171f73967e8ull);
    /* a seed is XORed into the basis: seed = basis ^ x starts from x */
    ASSERT_TRUE(accel__hash64("a", 1, 0) != accel__hash64("a", 1, 1));
    ASSERT_TRUE(accel__hash64("", 0, 0xcbf29ce484222325ull) == 0);
    TEST_DONE();
}
