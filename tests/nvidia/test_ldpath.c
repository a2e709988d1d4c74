/* The loader's search repeated by hand: it must agree with ld.so on a library the process has
 * loaded (libc, through the ld.so cache), honour LD_LIBRARY_PATH (run with the `ok` fakes
 * first on it), and say where it looked when a library is absent. */
#include "test.h"
#include "discover/ldpath.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int main(void)
{
    char path[512], searched[1024];

    /* libc as the loader found it for this very process */
    void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    struct link_map *lm = NULL;
    ASSERT_TRUE(h && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm);
    const char *loaded = lm ? lm->l_name : "";
    int in_cache = accel__ld_cache_lookup("/etc/ld.so.cache", "libc.so.6", path, sizeof path);
    if (in_cache == 1) {
        ASSERT_TRUE(same_file(path, loaded));
    } else {
        fprintf(stderr, "note: libc.so.6 not in /etc/ld.so.cache (%d); default dirs only\n",
                in_cache);
    }
    ASSERT_EQ_INT(accel__ld_locate("libc.so.6", path, sizeof path, searched, sizeof searched), 1);
    ASSERT_TRUE(same_file(path, loaded));
    ASSERT_EQ_INT(accel__ld_elf_matches(path), 1);

    /* LD_LIBRARY_PATH comes first */
    const char *llp = getenv("LD_LIBRARY_PATH");
    ASSERT_TRUE(llp && strstr(llp, "/fakes/ok"));
    ASSERT_EQ_INT(accel__ld_locate("libcuda.so.1", path, sizeof path, searched, sizeof searched),
                  1);
    ASSERT_CONTAINS(path, "/fakes/ok/libcuda.so.1");

    /* absent: zero, and where it looked */
    ASSERT_EQ_INT(accel__ld_locate("libaccel-absent.so.9", path, sizeof path, searched,
                                   sizeof searched), 0);
    ASSERT_STR_EQ(path, "");
    ASSERT_CONTAINS(searched, "LD_LIBRARY_PATH=");
    ASSERT_CONTAINS(searched, "ld.so cache /etc/ld.so.cache");
    ASSERT_CONTAINS(searched, "/usr/lib");

    /* an empty LD_LIBRARY_PATH element means the current directory, as for ld.so */
    char fakes[1024];
    snprintf(fakes, sizeof fakes, "%s/fakes/ok", ACCEL_TEST_BUILD);
    char cwd[1024];
    ASSERT_TRUE(getcwd(cwd, sizeof cwd) != NULL);
    ASSERT_EQ_INT(chdir(fakes), 0);
    setenv("LD_LIBRARY_PATH", "/nonexistent::", 1);
    ASSERT_EQ_INT(accel__ld_locate("libnvidia-ml.so.1", path, sizeof path, NULL, 0), 1);
    ASSERT_STR_EQ(path, "./libnvidia-ml.so.1");
    ASSERT_EQ_INT(chdir(cwd), 0);

    /* a file that is not a shared object of this machine does not count */
    char text[1100];
    snprintf(text, sizeof text, "%s/ldpath-not-elf.so.1", ACCEL_TEST_BUILD);
    FILE *f = fopen(text, "w");
    ASSERT_TRUE(f != NULL);
    if (f) {
        fputs("INPUT(-lc)\n", f);
        fclose(f);
    }
    ASSERT_EQ_INT(accel__ld_elf_matches(text), 0);
    ASSERT_EQ_INT(accel__ld_elf_matches("/nonexistent/libx.so"), 0);
    setenv("LD_LIBRARY_PATH", ACCEL_TEST_BUILD, 1);
    ASSERT_EQ_INT(accel__ld_locate("ldpath-not-elf.so.1", path, sizeof path, NULL, 0), 0);
    unlink(text);

    /* caches that are absent or not caches */
    ASSERT_EQ_INT(accel__ld_cache_lookup("/nonexistent/ld.so.cache", "libc.so.6", path,
                                         sizeof path), -1);
    ASSERT_EQ_INT(accel__ld_cache_lookup("/proc/self/status", "libc.so.6", path, sizeof path), -1);
    TEST_DONE();
}
