/* The loader's search repeated by hand, as CUDA discovery uses it (accel__lib_resolve): it must
 * agree with ld.so on a library the process has loaded (libc, through the ld.so cache), honour
 * LD_LIBRARY_PATH (run with the `ok` fakes first on it), and say where it looked when a
 * library is absent. */
#include "test.h"
#include "discover/libresolve.h"

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

/* Resolves soname with the loader's search path as the environment holds it now. */
static int locate(const char *soname, accel__lib_info *li)
{
    accel__ldpath *lp;
    ASSERT_OK(accel__ldpath_open(&lp));
    ASSERT_OK(accel__lib_resolve(lp, soname, li));
    accel__ldpath_close(lp);
    return li->found;
}

/* 1 when `path` is an ELF object this process could load. */
static int elf_matches(const char *path)
{
    char son[128], why[160];
    return accel__elf_soname(path, son, sizeof son, why, sizeof why) == 0;
}

int main(void)
{
    static accel__lib_info li;
    char searched[2048];

    /* libc as the loader found it for this very process */
    void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    struct link_map *lm = NULL;
    ASSERT_TRUE(h && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm);
    const char *loaded = lm ? lm->l_name : "";
    ASSERT_EQ_INT(locate("libc.so.6", &li), 1);
    ASSERT_TRUE(same_file(li.path, loaded));
    ASSERT_EQ_INT(elf_matches(li.path), 1);
    if (strcmp(li.via, "ld.so cache") != 0)
        fprintf(stderr, "note: libc.so.6 found via %s, not the ld.so cache\n", li.via);

    /* LD_LIBRARY_PATH comes first */
    const char *llp = getenv("LD_LIBRARY_PATH");
    ASSERT_TRUE(llp && strstr(llp, "/fakes/ok"));
    ASSERT_EQ_INT(locate("libcuda.so.1", &li), 1);
    ASSERT_CONTAINS(li.path, "/fakes/ok/libcuda.so.1");
    ASSERT_STR_EQ(li.via, "LD_LIBRARY_PATH");

    /* absent: zero, and where it looked */
    ASSERT_EQ_INT(locate("libaccel-absent.so.9", &li), 0);
    ASSERT_STR_EQ(li.path, "");
    accel__lib_searched_text(&li, searched, sizeof searched);
    ASSERT_CONTAINS(searched, "LD_LIBRARY_PATH (");
    ASSERT_CONTAINS(searched, "/fakes/ok");
    ASSERT_CONTAINS(searched, "ld.so cache /etc/ld.so.cache");
    ASSERT_CONTAINS(searched, "/usr/lib");
    /* a multiarch (Debian) loader does not search /usr/lib64, so neither does the search */
#if defined(__x86_64__) && defined(__LP64__)
    struct stat st;
    if (stat("/lib/x86_64-linux-gnu", &st) == 0) {
        ASSERT_CONTAINS(searched, "/lib/x86_64-linux-gnu");
        ASSERT_TRUE(strstr(searched, "lib64") == NULL);
    }
#endif

    /* an empty LD_LIBRARY_PATH element means the current directory, as for ld.so */
    char fakes[1024];
    snprintf(fakes, sizeof fakes, "%s/fakes/ok", ACCEL_TEST_BUILD);
    char cwd[1024];
    ASSERT_TRUE(getcwd(cwd, sizeof cwd) != NULL);
    ASSERT_EQ_INT(chdir(fakes), 0);
    setenv("LD_LIBRARY_PATH", "/nonexistent::", 1);
    ASSERT_EQ_INT(locate("libnvidia-ml.so.1", &li), 1);
    ASSERT_STR_EQ(li.path, "./libnvidia-ml.so.1");
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
    ASSERT_EQ_INT(elf_matches(text), 0);
    ASSERT_EQ_INT(elf_matches("/nonexistent/libx.so"), 0);
    setenv("LD_LIBRARY_PATH", ACCEL_TEST_BUILD, 1);
    ASSERT_EQ_INT(locate("ldpath-not-elf.so.1", &li), 0);
    ASSERT_CONTAINS(li.skipped, "not an ELF file");
    unlink(text);

    /* caches that are absent or not caches: not read, and the search goes on without them */
    static const char *const bad_caches[] = {"/nonexistent/ld.so.cache", "/proc/self/status"};
    for (size_t i = 0; i < sizeof bad_caches / sizeof *bad_caches; i++) {
        setenv(ACCEL__ENV_LD_SO_CACHE, bad_caches[i], 1);
        accel__ldpath *lp;
        ASSERT_OK(accel__ldpath_open(&lp));
        char note[600];
        ASSERT_EQ_INT(accel__ldpath_cache_entries(lp, note, sizeof note), -1);
        ASSERT_CONTAINS(note, bad_caches[i]);
        accel__ldpath_close(lp);
        ASSERT_EQ_INT(locate("libc.so.6", &li), 1);
        ASSERT_STR_EQ(li.via, "default directory");
    }
    unsetenv(ACCEL__ENV_LD_SO_CACHE);
    TEST_DONE();
}
