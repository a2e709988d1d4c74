/* doctor_opencl.c — the OpenCL ICD loader (libOpenCL.so.1) and every installable client
 * driver it would load.
 *
 * The ICD loader dlopen()s every library named by the .icd files in /etc/OpenCL/vendors (or the directory
 * in OCL_ICD_VENDORS, plus OCL_ICD_FILENAMES) when a program first asks for platforms. A
 * missing one only hides its platform; one that crashes or hangs on load takes every OpenCL
 * program down with it, so that is a FAIL. */
#include "discover/doctor_checks.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The library an .icd file names: its first non-blank line, trimmed. */
static int icd_library(const char *file, char *out, size_t cap)
{
    char *data = NULL;
    size_t n = 0;
    if (accel__read_file(file, &data, &n) != ACCEL_OK) {
        accel__clear_error();
        return -1;
    }
    out[0] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(data, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        while (*line == ' ' || *line == '\t') line++;
        size_t k = strlen(line);
        while (k && (line[k - 1] == ' ' || line[k - 1] == '\t')) line[--k] = '\0';
        if (k) {
            accel__strlcpy(out, line, cap);
            break;
        }
    }
    free(data);
    return out[0] ? 0 : -1;
}

/* One ICD: `origin` is the .icd file or "OCL_ICD_FILENAMES", `name` the library it names. */
static void check_icd(accel__doc_state *s, const char *origin, const char *label, const char *name)
{
    char id[200], comp[200];
    snprintf(id, sizeof id, "opencl.icd:%s", label);
    snprintf(comp, sizeof comp, "OpenCL ICD %s", label);
    accel__doc_lib *l;
    if (strchr(name, '/')) {
        /* An absolute path: the ICD loader opens exactly that file. */
        if (s->n_libs >= ACCEL__DOC_MAX_LIBS) return;
        l = &s->libs[s->n_libs++];
        memset(l, 0, sizeof *l);
        l->stem = "icd";
        accel__strlcpy(l->info.soname, name, sizeof l->info.soname);
        struct stat st;
        char son[128], why[160];
        if (stat(name, &st) == 0 && accel__elf_soname(name, son, sizeof son, why, sizeof why) == 0) {
            l->info.found = 1;
            accel__strlcpy(l->info.path, name, sizeof l->info.path);
            char *rp = realpath(name, NULL);
            accel__strlcpy(l->info.realpath, rp ? rp : name, sizeof l->info.realpath);
            free(rp);
            accel__strlcpy(l->info.via, "absolute path", sizeof l->info.via);
            accel__strlcpy(l->info.file_soname, son, sizeof l->info.file_soname);
            accel__lib_version_from_name(l->info.realpath, l->info.version, sizeof l->info.version);
            if (l->info.version[0])
                accel__strlcpy(l->info.version_source, "file name", sizeof l->info.version_source);
        } else {
            accel__doc_check *c = accel__doc_add(
                s, ACCEL__DOC_WARN, id, comp, NULL,
                "%s names %s, which %s: this OpenCL platform is missing", origin, name,
                stat(name, &st) == 0 ? "is not a library for this machine" : "does not exist");
            accel__doc_set_fix(c, "reinstall the package that owns %s (dpkg -S %s) or remove "
                                  "that file",
                               origin, origin);
            if (c) c->lib = &l->info;
            return;
        }
    } else {
        l = accel__doc_lib_new(s, "icd", name);
        if (!l) return;
        if (!l->info.found) {
            char text[1400];
            accel__doc_missing_text(&l->info, text, sizeof text);
            accel__doc_check *c = accel__doc_add(
                s, ACCEL__DOC_WARN, id, comp, NULL,
                "%s names %s, which the loader does not find (this OpenCL platform is missing): %s",
                origin, name, text);
            if (c) {
                c->lib = &l->info;
                accel__doc_set_fix(c, "reinstall the package that owns %s (dpkg -S %s)", origin,
                                   origin);
                if (l->info.hint[0]) accel__doc_hint_fix(c, &l->info, NULL);
            }
            return;
        }
    }
    /* Load it the way the ICD loader will. */
    accel__doc_lib_trial(s, l, NULL);
    int crashed = l->load.attempted && !l->load.ok && l->load.crashed;
    accel__doc_check *c = accel__doc_found_line(s, l, "OpenCL driver", !crashed);
    if (!c) return;
    accel__strlcpy(c->id, id, sizeof c->id);
    accel__strlcpy(c->component, comp, sizeof c->component);
    size_t n = strlen(c->seen);
    snprintf(c->seen + n, sizeof c->seen - n, " (named by %s)", origin);
    if (crashed)
        accel__doc_set_fix(c, "%s crashes or hangs when loaded, which takes down every OpenCL "
                              "program: remove %s or repair that driver",
                           l->info.path, origin);
}

static void check_icds(accel__doc_state *s)
{
    const char *env_dir = getenv("OCL_ICD_VENDORS");
    char dir[1024];
    accel__strlcpy(dir, env_dir && *env_dir ? env_dir : "/etc/OpenCL/vendors", sizeof dir);
    int count = 0;
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISREG(st.st_mode)) {
        /* OCL_ICD_VENDORS may name one .icd file. */
        char lib[1024];
        const char *base = strrchr(dir, '/');
        if (icd_library(dir, lib, sizeof lib) == 0) {
            check_icd(s, dir, base ? base + 1 : dir, lib);
            count++;
        }
    } else {
        DIR *dp = opendir(dir);
        char *names[128];
        size_t n = 0;
        if (dp) {
            struct dirent *e;
            while ((e = readdir(dp)) != NULL && n < 128) {
                size_t k = strlen(e->d_name);
                if (k > 4 && strcmp(e->d_name + k - 4, ".icd") == 0) {
                    names[n] = strdup(e->d_name);
                    if (names[n]) n++;
                }
            }
            closedir(dp);
        }
        qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            char path[2200], lib[1024];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            if (icd_library(path, lib, sizeof lib) == 0) {
                check_icd(s, path, names[i], lib);
                count++;
            } else {
                char id[200];
                snprintf(id, sizeof id, "opencl.icd:%s", names[i]);
                accel__doc_add(s, ACCEL__DOC_WARN, id, names[i],
                               "remove the file or reinstall the package that owns it",
                               "%s is empty or unreadable", path);
            }
            free(names[i]);
        }
    }
    const char *files = getenv("OCL_ICD_FILENAMES");
    if (files && *files) {
        char *copy = strdup(files), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t; t = strtok_r(NULL, ":", &save)) {
            const char *base = strrchr(t, '/');
            check_icd(s, "OCL_ICD_FILENAMES", base ? base + 1 : t, t);
            count++;
        }
        free(copy);
    }
    if (!count) {
        /* Without any GPU, OpenCL is optional (PoCL would only run it on the CPU). */
        int gpu = s->r->gpu_on_pci || s->r->intel_on_pci;
        accel__doc_add(s, gpu ? ACCEL__DOC_WARN : ACCEL__DOC_INFO, "opencl.icd",
                       "OpenCL drivers (ICDs)",
                       gpu ? "install the OpenCL driver of the GPU: mesa-opencl-icd (AMD), "
                             "intel-opencl-icd (Intel), nvidia-opencl-icd (NVIDIA, Debian "
                             "non-free)"
                           : NULL,
                       "no OpenCL driver is installed (%s has no .icd file%s): OpenCL programs "
                       "see no platform%s",
                       dir, env_dir && *env_dir ? ", from OCL_ICD_VENDORS" : "",
                       gpu ? "" : " (optional without a GPU: pocl-opencl-icd runs OpenCL on the CPU)");
    }
}

void accel__doc_check_opencl(accel__doc_state *s)
{
    accel__doc_lib *l = accel__doc_lib_new(s, "libOpenCL", "libOpenCL.so.1");
    if (!l) return;
    if (l->info.found) {
        accel__doc_lib_trial(s, l, NULL);
        accel__doc_found_line(s, l, "OpenCL ICD loader", 0);
    } else {
        char text[1400];
        accel__doc_missing_text(&l->info, text, sizeof text);
        int gpu = s->r->gpu_on_pci || s->r->intel_on_pci;
        accel__doc_check *c = accel__doc_add(
            s, gpu ? ACCEL__DOC_WARN : ACCEL__DOC_INFO, "lib:libOpenCL.so.1",
            "libOpenCL.so.1 (OpenCL ICD loader)", NULL,
            "not found: OpenCL programs (and accel's OpenCL route) cannot start%s; %s",
            gpu ? "" : " (optional without a GPU)", text);
        if (c) {
            c->lib = &l->info;
            if (gpu) accel__doc_hint_fix(c, &l->info, "apt-get install ocl-icd-libopencl1");
        }
    }
    check_icds(s);
}
