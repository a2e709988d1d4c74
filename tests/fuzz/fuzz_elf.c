/* fuzz_elf — what the library resolver reads from a candidate file (src/discover/
 * libresolve_elf.c): ELF identity, class, machine, program headers, the dynamic section and
 * DT_SONAME. The bytes are put in a memory file and read through its /proc/self/fd path, as
 * the resolver reads a file on disk.
 * fuzz.sh flags: -max_len=16384 */
#include "fuzz.h"
#include "discover/libresolve.h"

#include <sys/mman.h>
#include <unistd.h>

static int mfd = -1;
static char mpath[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mfd = memfd_create("accel-fuzz-elf", MFD_CLOEXEC);
    if (mfd < 0) abort();
    snprintf(mpath, sizeof mpath, "/proc/self/fd/%d", mfd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(mfd, 0) != 0 || (size && pwrite(mfd, data, size, 0) != (ssize_t)size)) abort();
    char soname[128], why[256];
    int rc = accel__elf_soname(mpath, soname, sizeof soname, why, sizeof why);
    FUZZ_CHECK(rc >= -1 && rc <= 1);
    FUZZ_CHECK(memchr(soname, '\0', sizeof soname) && memchr(why, '\0', sizeof why));
    if (rc != 0) FUZZ_CHECK(soname[0] == '\0');
    return 0;
}
