/* fuzz_sysfs_tree — a captured procfs and sysfs tree, as ACCEL_PROCFS_ROOT and
 * ACCEL_SYSFS_ROOT point accel at one: /proc/self/cgroup and the cgroup v1/v2 files it leads
 * to (src/discover/cgroup.c, and the planner's own reading of memory limits in
 * src/core/planner.c), /proc/meminfo and /proc/cpuinfo (cpu.c), PCI devices (pci.c) and the
 * KFD topology and DRM cards of AMD GPUs (rocm_sysfs.c).
 *
 * Input: records "proc/<path>\0<contents>\0" or "sys/<path>\0<contents>\0"; each becomes a
 * file in a fresh tree on tmpfs (paths of plain names only: no "..", no absolute paths; the
 * first record of a name wins). Up to 48 files a run.
 * fuzz.sh flags: -max_len=8192 */
#include "fuzz.h"
#include "core/planner.h"
#include "discover/cpu.h"
#include "discover/pci.h"
#include "discover/rocm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], proc[300], sys[300];

/* What the last run created, removed in reverse order before the next (cheaper than walking
 * the tree: the run rate is bound by these system calls). */
static char made[160][256];
static int n_made;

static void cleanup(void)
{
    while (n_made > 0) {
        const char *p = made[--n_made];
        if (unlink(p) != 0) rmdir(p);
    }
}

static void remove_root(void)
{
    cleanup();
    rmdir(proc);
    rmdir(sys);
    rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 ? "/dev/shm" : "/tmp";
    snprintf(root, sizeof root, "%s/accel-fuzz-tree-%ld", base, (long)getpid());
    snprintf(proc, sizeof proc, "%s/proc", root);
    snprintf(sys, sizeof sys, "%s/sys", root);
    if ((mkdir(root, 0700) != 0 && errno != EEXIST) || (mkdir(proc, 0700) != 0 && errno != EEXIST) ||
        (mkdir(sys, 0700) != 0 && errno != EEXIST))
        abort();
    setenv("ACCEL_PROCFS_ROOT", proc, 1);
    setenv("ACCEL_SYSFS_ROOT", sys, 1);
    atexit(remove_root);
    return 0;
}

static int name_ok(const char *rel)
{
    if (strncmp(rel, "proc/", 5) != 0 && strncmp(rel, "sys/", 4) != 0) return 0;
    if (strlen(rel) > 200) return 0;
    int depth = 0;
    for (const char *c = rel; *c; c++) depth += *c == '/';
    if (depth > 14) return 0; /* put() remembers at most 16 new names a file */
    for (const char *c = rel; *c; c++)
        if (!(*c == '/' || *c == '.' || *c == '_' || *c == '-' || *c == ',' || *c == ':' ||
              (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return 0;
    return !strstr(rel, "..") && !strstr(rel, "//") && rel[strlen(rel) - 1] != '/';
}

static void remember(const char *path)
{
    if (n_made < (int)(sizeof made / sizeof *made)) accel__strlcpy(made[n_made++], path, sizeof made[0]);
}

static void put(const char *rel, const char *body, size_t n)
{
    char path[600];
    if (snprintf(path, sizeof path, "%s/%s", root, rel) >= (int)sizeof made[0] ||
        n_made + 16 > (int)(sizeof made / sizeof *made))
        return;
    /* the directories not made yet, each remembered so the next run removes it ("proc" and
     * "sys" are always there, and one this run made is not tried again) */
    for (char *s = path + strlen(root) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            int have = !strcmp(path, proc) || !strcmp(path, sys);
            for (int i = n_made - 1; i >= 0 && !have; i--) have = !strcmp(made[i], path);
            if (!have && mkdir(path, 0700) == 0) remember(path);
            *s = '/';
        }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return; /* a name already used, as a file or a directory */
    remember(path);
    if (n && write(fd, body, n) != (ssize_t)n) abort();
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cleanup();
    const char *p = (const char *)data, *end = p + size;
    for (int files = 0; p < end && files < 48; files++) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        if (!z) break;
        const char *body = z + 1;
        const char *bz = body < end ? memchr(body, '\0', (size_t)(end - body)) : NULL;
        size_t bn = bz ? (size_t)(bz - body) : (size_t)(end - body);
        if (name_ok(p)) put(p, body, bn);
        p = bz ? bz + 1 : end;
    }

    /* cpuinfo, meminfo and the cgroups (accel__cgroup_read) */
    accel__cpu_host h;
    accel__cpu_host_read(sys, proc, 0, &h);
    FUZZ_CHECK(h.usable_cores >= 1 && h.mem_total >= -1 && h.mem_available >= -1);
    FUZZ_CHECK(h.cg.mem_limit >= -1 && h.cg.mem_headroom >= -1);
    FUZZ_CHECK(h.cg.mem_headroom <= h.cg.mem_limit || h.cg.mem_limit < 0);
    /* the planner's own reading of meminfo and the cgroup memory files */
    int64_t total = 0;
    char source[64];
    int64_t avail = accel__host_available(&total, source, sizeof source);
    FUZZ_CHECK(avail >= -1 && total >= -1);
    accel__pci_gpu *pg = NULL;
    size_t npg = 0;
    if (accel__pci_scan_root(sys, &pg, &npg) == ACCEL_OK) free(pg);
    accel__rocm_gpu *rg = NULL;
    size_t nrg = 0;
    if (accel__rocm_scan(&rg, &nrg) == ACCEL_OK) {
        for (size_t i = 0; i < nrg; i++) FUZZ_CHECK(rg[i].vram_total >= -1);
        free(rg);
    }
    accel__clear_error();
    return 0;
}
