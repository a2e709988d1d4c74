/* fuzz_ldcache — the ld.so cache reader (src/discover/libresolve.c): the old "ld.so-1.7.0"
 * part, the "glibc-ld.so.cache1.1" header, entries and their string offsets. A path it
 * returns for a soname must be a string inside the cache.
 * fuzz.sh flags: -max_len=8192 */
#include "fuzz.h"
#include "discover/libresolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the reader gets the file NUL-terminated, as accel__read_file gives it */
    char *buf = fuzz_cstr(data, size);
    static const char *const names[] = {"libc.so.6", "libcuda.so.1"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[1024], note[480];
        int n = accel__ldcache_parse(buf, size, names[i], path, sizeof path, note, sizeof note);
        FUZZ_CHECK(n >= -1);
        FUZZ_CHECK(memchr(path, '\0', sizeof path) && memchr(note, '\0', sizeof note));
        if (n < 0) FUZZ_CHECK(path[0] == '\0');
        if (path[0]) FUZZ_CHECK(memmem(buf, size, path, strlen(path)) != NULL);
    }
    free(buf);
    return 0;
}
