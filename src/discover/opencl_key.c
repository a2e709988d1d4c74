/* opencl_key.c — the key of the OpenCL verdict cache: file identities of the loader, ld.so.cache
 * and the ICDs, the environment OpenCL implementations read, device nodes, the host's CPU
 * count and memory, the probe kernel's source and accel's version. Reading these costs a few
 * stat calls; enumerating PoCL instead costs about 20 ms. */
#include "discover/opencl_discover.h"

#include "core/kernels.h"
#include "discover/libresolve.h"

#include <dirent.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* ---- the cache key ---------------------------------------------------------------------- */

/* The file the dynamic loader would open for `name` (a path, or a soname looked up as ld.so
 * would: libresolve.h). ld.so.cache's own identity is part of the key as well, so a library
 * registered with ldconfig after a first run still changes the key. */
static void library_identity(accel__text *t, accel__ldpath *lp, const char *name)
{
    char id[1024];
    if (strchr(name, '/')) {
        accel__file_identity(name, id, sizeof id);
        accel__text_printf(t, "lib %s\n", id);
        return;
    }
    accel__lib_info *li = lp ? malloc(sizeof *li) : NULL;
    if (li && accel__lib_resolve(lp, name, li) == ACCEL_OK && li->found) {
        accel__file_identity(li->path, id, sizeof id);
        accel__text_printf(t, "lib %s\n", id);
    } else {
        accel__clear_error();
        accel__text_printf(t, "lib %s:not-found\n", name);
    }
    free(li);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ICD registry (ocl-icd and the Khronos loader read OCL_ICD_VENDORS or /etc/OpenCL/vendors)
 * and the library each entry names. */
static void icd_identity(accel__text *t, accel__ldpath *lp)
{
    const char *dir = getenv("OCL_ICD_VENDORS");
    if (!dir || !*dir) dir = "/etc/OpenCL/vendors";
    char id[1024], path[2048], line[1024];
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        accel__file_identity(dir, id, sizeof id);
        accel__text_printf(t, "icd %s\n", id);
        if (accel__read_text(dir, line, sizeof line) == 0 && line[0])
            library_identity(t, lp, line);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        accel__text_printf(t, "icd-dir %s:absent\n", dir);
        return;
    }
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".icd") == 0 && (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        accel__file_identity(path, id, sizeof id);
        accel__text_printf(t, "icd %s\n", id);
        if (accel__read_text(path, line, sizeof line) == 0 && line[0])
            library_identity(t, lp, line);
        free(names[i]);
    }
}

/* Environment variables that change which OpenCL devices appear or what they report. */
static void env_identity(accel__text *t)
{
    static const char *const prefixes[] = {"POCL_",
                                           "OCL_ICD",
                                           "OPENCL_",
                                           "CUDA_VISIBLE_",
                                           "HIP_VISIBLE_",
                                           "ROCR_VISIBLE_",
                                           "GPU_DEVICE_ORDINAL",
                                           "ZE_AFFINITY_MASK",
                                           "RUSTICL_",
                                           "LD_LIBRARY_PATH="};
    const char *vars[512];
    size_t n = 0;
    for (char **e = environ; e && *e && n < 512; e++)
        for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
            if (strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0) {
                vars[n++] = *e;
                break;
            }
    qsort(vars, n, sizeof *vars, cmp_str);
    for (size_t i = 0; i < n; i++) accel__text_printf(t, "env %s\n", vars[i]);
}

/* Memory per NUMA node: CPU implementations size their global memory from it (PoCL takes the
 * node's total less 2 GiB), and on machines with memory hot-plug it changes without a reboot. */
static void numa_identity(accel__text *t)
{
    char dir[512], path[1024], line[128];
    snprintf(dir, sizeof dir, "%s/devices/system/node", accel__sysfs_root());
    for (int node = 0; node < 64; node++) {
        snprintf(path, sizeof path, "%s/node%d/meminfo", dir, node);
        if (accel__read_text(path, line, sizeof line) != 0) break;
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        accel__text_printf(t, "numa %s\n", line);
    }
}

void accel__ocl_key_text(accel__text *t)
{
    char id[1024];
    accel__text_printf(t, "%s accel %s\n", ACCEL__OCL_CACHE_FORMAT, accel_version_string());
    const accel__kernel_source *src = accel__cl_family_of(ACCEL__OCL_TEST_KERNEL);
    accel__text_printf(t, "probe-kernel %016llx\n",
                      src ? (unsigned long long)accel__hash64(src->text, src->len, 0) : 0ull);
    accel__ldpath *lp = NULL;
    if (accel__ldpath_open(&lp) != ACCEL_OK) accel__clear_error(); /* then "not-found" lines */
    library_identity(t, lp, ACCEL__CL_LIBRARY);
    accel__file_identity("/etc/ld.so.cache", id, sizeof id);
    accel__text_printf(t, "ldcache %s\n", id);
    icd_identity(t, lp);
    const char *files = getenv("OCL_ICD_FILENAMES");
    if (files && *files) {
        char *copy = strdup(files), *save = NULL;
        for (char *f = copy ? strtok_r(copy, ":", &save) : NULL; f; f = strtok_r(NULL, ":", &save))
            library_identity(t, lp, f);
        free(copy);
    }
    accel__ldpath_close(lp);
    env_identity(t);
    static const char *const nodes[] = {"/dev/dri", "/dev/kfd", "/dev/nvidiactl", "/dev/nvidia0"};
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        accel__file_identity(nodes[i], id, sizeof id);
        accel__text_printf(t, "node %s\n", id);
    }
    char v[128];
    char path[512];
    snprintf(path, sizeof path, "%s/module/nvidia/version", accel__sysfs_root());
    if (accel__read_text(path, v, sizeof v) == 0) accel__text_printf(t, "nvidia-module %s\n", v);
    cpu_set_t set;
    int affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
    accel__text_printf(t, "cpus %ld %d mem %ld\n", sysconf(_SC_NPROCESSORS_ONLN), affinity,
                      sysconf(_SC_PHYS_PAGES));
    numa_identity(t);
}
