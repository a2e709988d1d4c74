/* doctor_libs.c — every library an ML stack loads: which file the loader resolves it to, its
 * version, whether it survives being loaded, and whether the versions fit together.
 *
 * Judging a library needs the rest of the machine: a missing libcublas is nothing on a laptop
 * without an NVIDIA GPU and a problem on a GPU server; a missing libcudnn_ops.so.9 is a crash
 * waiting to happen only when libcudnn.so.9 is there. The rules (docs/doctor.md):
 *   - found, and its trial load (if any) succeeded           → PASS
 *   - found, but the trial load crashed, hung or failed      → FAIL (NVML: WARN)
 *   - absent, and something that needs it is present         → FAIL
 *   - absent driver library (libcuda, NVML, HIP)             → FAIL with that vendor's GPU and
 *                                                               no usable alternative, else INFO
 *   - absent toolkit library (cudart, cuBLAS, cuFFT, NVRTC,
 *     cuDNN)                                                  → WARN with an NVIDIA GPU or
 *                                                               driver, else INFO ("optional")
 * Fixes name the pip wheel (nvidia-cudnn-cu12, …) when a library came from one
 * (site-packages/nvidia/<name>/lib), and the Debian package otherwise.
 * Trial loads run in probe children; heavy libraries that nothing loads on its own at start
 * (cuBLAS 0.5 GB, cuFFT, NVRTC) are resolved and versioned but not loaded. */
#include "discover/doctor_checks.h"
#include "discover/cuda.h"
#include "vendor/cudart_api.h"
#include "vendor/cudnn_api.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

enum { STACK_NVIDIA = 1, STACK_AMD = 2 };

typedef struct libspec {
    const char *stem;
    const char *what;
    int stack;
    int driver;                 /* part of a vendor's driver stack, not of a toolkit */
    int trial;                  /* load it in a probe child */
    accel__lib_probe_hook hook; /* calls made after loading, in the child */
    const char *install;        /* the Debian line */
} libspec;

static const libspec specs[] = {
    {"libcudart", "CUDA runtime", STACK_NVIDIA, 0, 1, accel__cudart_probe,
     "apt-get install libcudart11.0 (Debian non-free, CUDA 11.8; newer CUDA from NVIDIA's "
     "repository)"},
    {"libcublas", "cuBLAS", STACK_NVIDIA, 0, 0, NULL,
     "apt-get install libcublas11 libcublaslt11 (Debian non-free)"},
    {"libcublasLt", "cuBLASLt", STACK_NVIDIA, 0, 0, NULL,
     "apt-get install libcublaslt11 (Debian non-free)"},
    {"libcufft", "cuFFT", STACK_NVIDIA, 0, 0, NULL, "apt-get install libcufft10 (Debian non-free)"},
    {"libnvrtc", "NVRTC, the CUDA run-time compiler", STACK_NVIDIA, 0, 0, NULL,
     "apt-get install libnvrtc11.2 (Debian non-free)"},
    {"libcudnn", "cuDNN", STACK_NVIDIA, 0, 1, accel__cudnn_probe,
     "apt-get install nvidia-cudnn (Debian contrib: downloads cuDNN 8 for CUDA 11.8), or cuDNN "
     "9 from NVIDIA's repository (package cudnn9-cuda-12)"},
    {"libamdhip64", "HIP runtime, ROCm", STACK_AMD, 1, 1, NULL,
     "apt-get install libamdhip64-5"},
};

static const char *const cudnn9_subs[] = {"ops", "cnn", "adv", "graph", "engines_precompiled",
                                          "engines_runtime_compiled", "heuristic", NULL};
static const char *const cudnn8_subs[] = {"ops_infer", "ops_train", "cnn_infer", "cnn_train",
                                          "adv_infer", "adv_train", NULL};

accel__doc_lib *accel__doc_lib_new(accel__doc_state *s, const char *stem, const char *soname)
{
    accel__doc_lib *l = accel__doc_lib_get(s, soname);
    if (l) return l;
    if (s->n_libs >= ACCEL__DOC_MAX_LIBS) return NULL;
    l = &s->libs[s->n_libs++];
    memset(l, 0, sizeof *l);
    l->stem = stem;
    accel__lib_resolve(s->lp, soname, &l->info);
    return l;
}

void accel__doc_lib_trial(accel__doc_state *s, accel__doc_lib *l, accel__lib_probe_hook hook)
{
    if (!l->info.found || l->load.attempted) return;
    accel__lib_probe_load(l->info.soname, hook, s->timeout_ms, &l->load);
    if (l->load.have_out && l->load.out.version[0]) {
        /* A version function beats the file name ("libcudart.so.12" says only "12"). */
        accel__strlcpy(l->info.version, l->load.out.version, sizeof l->info.version);
        accel__strlcpy(l->info.version_source, l->load.out.version_source,
                       sizeof l->info.version_source);
    }
}

static int relevant(const accel__doc_state *s, int stack)
{
    return stack == STACK_NVIDIA ? s->nvidia_stack : s->amd_stack;
}

/* "found at P (→ R), via X, version V (from …)" */
static void found_text(const accel__lib_info *li, char *buf, size_t cap)
{
    int same = strcmp(li->path, li->realpath) == 0;
    snprintf(buf, cap, "%s%s%s via %s%s%s%s%s%s", li->path, same ? "" : " -> ",
             same ? "" : li->realpath, li->via, li->version[0] ? ", version " : "", li->version,
             li->version[0] ? " (" : "", li->version_source, li->version[0] ? ")" : "");
}

void accel__doc_missing_text(const accel__lib_info *li, char *buf, size_t cap)
{
    char where[1400];
    accel__lib_searched_text(li, where, sizeof where);
    snprintf(buf, cap, "searched %s%s%s%s%s", where, li->skipped[0] ? "; passed over: " : "",
             li->skipped, li->hint[0] ? "; " : "", li->hint);
}

void accel__doc_hint_fix(accel__doc_check *c, const accel__lib_info *li, const char *install)
{
    if (li->hint[0]) {
        const char *dir = strstr(li->hint, "does not search ");
        dir = dir ? dir + 16 : "that directory";
        accel__doc_set_fix(c, "add %s to LD_LIBRARY_PATH, or list it in a file under "
                              "/etc/ld.so.conf.d/ and run ldconfig",
                           dir);
    } else if (install) {
        accel__doc_set_fix(c, "%s", install);
    }
}

/* ---- pip wheels ---------------------------------------------------------------------------
 * NVIDIA's wheels (what `pip install torch` pulls in) put each library in
 * <site-packages>/nvidia/<name>/lib: nvidia/cudnn/lib/libcudnn.so.9 from nvidia-cudnn-cu12,
 * nvidia/cuda_runtime/lib/libcudart.so.12 from nvidia-cuda-runtime-cu12, nvidia/cublas/lib
 * from nvidia-cublas-cu12. Such a library is fixed with pip, not apt. */

/* The CUDA major of the runtime wheel under `nvidia_dir` (…/site-packages/nvidia), 0 if none. */
static int wheel_cuda_major(const char *nvidia_dir)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/cuda_runtime/lib", nvidia_dir);
    DIR *dp = opendir(dir);
    if (!dp) return 0;
    int major = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strncmp(e->d_name, "libcudart.so.", 13) == 0) {
            int m = atoi(e->d_name + 13);
            if (m > major) major = m;
        }
    closedir(dp);
    return major;
}

int accel__doc_wheel_of(const char *path, int cuda_major, char *pkg, size_t pkg_cap, char *dir,
                        size_t dir_cap)
{
    static const char *const roots[] = {"/site-packages/nvidia/", "/dist-packages/nvidia/"};
    const char *p = NULL;
    for (int i = 0; i < 2 && !p; i++) {
        const char *hit = strstr(path, roots[i]);
        if (hit) p = hit + strlen(roots[i]);
    }
    if (!p) return 0;
    size_t k = strcspn(p, "/");
    if (k == 0 || k >= 64 || strncmp(p + k, "/lib/", 5) != 0) return 0;
    char name[64];
    memcpy(name, p, k);
    name[k] = '\0';
    for (char *c = name; *c; c++)
        if (*c == '_') *c = '-';
    if (cuda_major <= 0) {
        char nvidia_dir[1200];
        size_t n = (size_t)(p - path) - 1;
        if (n >= sizeof nvidia_dir) n = sizeof nvidia_dir - 1;
        memcpy(nvidia_dir, path, n);
        nvidia_dir[n] = '\0';
        cuda_major = wheel_cuda_major(nvidia_dir);
    }
    if (cuda_major > 0)
        snprintf(pkg, pkg_cap, "nvidia-%s-cu%d", name, cuda_major);
    else
        snprintf(pkg, pkg_cap, "nvidia-%s-cuNN (NN: the CUDA major of your framework)", name);
    size_t n = (size_t)(p - path) + k + 4; /* through "/lib" */
    if (n >= dir_cap) n = dir_cap - 1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 1;
}

/* The CUDA major a library was built for, when its probe said so. */
static int lib_cuda_major(const accel__doc_lib *l)
{
    return l->load.have_out && l->load.out.cuda_version > 0 ? (int)(l->load.out.cuda_version / 1000)
                                                            : 0;
}

/* One line for a library that was found. */
accel__doc_check *accel__doc_found_line(accel__doc_state *s, accel__doc_lib *l, const char *what,
                                        int fail_is_warn)
{
    char id[160], comp[160], text[1300];
    snprintf(id, sizeof id, "lib:%s", l->info.soname);
    snprintf(comp, sizeof comp, "%s (%s)", l->info.soname, what);
    found_text(&l->info, text, sizeof text);
    accel__doc_check *c;
    if (l->load.attempted && !l->load.ok) {
        c = accel__doc_add(s, fail_is_warn ? ACCEL__DOC_WARN : ACCEL__DOC_FAIL, id, comp, NULL,
                           "%s; trial load: %s", text, l->load.verdict);
        char pkg[160], dir[1024];
        if (accel__doc_wheel_of(l->info.realpath, lib_cuda_major(l), pkg, sizeof pkg, dir,
                                sizeof dir))
            accel__doc_set_fix(c, "%s at %s cannot be loaded: reinstall the pip wheel it came "
                                  "from (pip install --force-reinstall %s), or take %s out of "
                                  "the loader's path so a working copy is found",
                               l->info.soname, l->info.realpath, pkg, dir);
        else
            accel__doc_set_fix(c, "%s at %s cannot be loaded: reinstall it, or take its "
                                  "directory out of the loader's path so a working copy is "
                                  "found",
                               l->info.soname, l->info.realpath);
    } else {
        const char *loaded = l->load.have_out ? l->load.out.loaded_path : "";
        int differs = loaded[0] && strcmp(loaded, l->info.path) != 0;
        c = accel__doc_add(s, ACCEL__DOC_PASS, id, comp, NULL, "%s%s%s%s%s", text,
                           l->load.attempted ? "; loads" : "",
                           l->load.have_out && l->load.out.note[0] ? ", " : "",
                           l->load.have_out ? l->load.out.note : "",
                           differs ? "; note: the loader opened " : "");
        if (differs) {
            size_t n = strlen(c->seen);
            snprintf(c->seen + n, sizeof c->seen - n, "%s", loaded);
        }
    }
    if (c) {
        c->lib = &l->info;
        c->load = &l->load;
        accel__doc_attach_output(c, l->info.soname, l->load.output);
    }
    return c;
}

/* One line for a family of which no soname is installed. */
static void missing_family(accel__doc_state *s, const libspec *sp)
{
    accel__doc_lib tmp;
    memset(&tmp, 0, sizeof tmp);
    char name[160], text[1400], id[160], comp[160];
    snprintf(name, sizeof name, "%s.so", sp->stem);
    accel__lib_resolve(s->lp, name, &tmp.info);
    tmp.info.found = 0;
    tmp.info.path[0] = tmp.info.realpath[0] = tmp.info.via[0] = tmp.info.version[0] = '\0';
    accel__lib_hint(sp->stem, tmp.info.hint, sizeof tmp.info.hint);
    snprintf(tmp.info.soname, sizeof tmp.info.soname, "%s.so.*", sp->stem);
    accel__doc_missing_text(&tmp.info, text, sizeof text);
    snprintf(id, sizeof id, "lib:%s", sp->stem);
    snprintf(comp, sizeof comp, "%s (%s)", sp->stem, sp->what);
    accel__doc_status st;
    const char *why;
    if (relevant(s, sp->stack)) {
        st = ACCEL__DOC_WARN;
        why = sp->stack == STACK_NVIDIA ? "programs that use it (PyTorch, TensorFlow, ONNX Runtime "
                                          "CUDA) will not find it"
                                        : "ROCm programs cannot use the AMD GPU";
    } else {
        st = ACCEL__DOC_INFO; /* nothing to fix without that vendor's hardware */
        why = sp->stack == STACK_AMD ? "not present (no AMD GPU or amdgpu driver here)"
                                     : "not installed (optional: no NVIDIA GPU or driver here)";
    }
    if (s->n_libs >= ACCEL__DOC_MAX_LIBS) return;
    accel__doc_lib *l = &s->libs[s->n_libs++];
    *l = tmp;
    l->stem = sp->stem;
    accel__doc_check *c = accel__doc_add(s, st, id, comp, NULL, "no %s.so.* found: %s; %s",
                                         sp->stem, why, text);
    if (c) {
        c->lib = &l->info;
        if (st == ACCEL__DOC_WARN) accel__doc_hint_fix(c, &l->info, sp->install);
    }
}

/* libcuda through the NVIDIA inspection (probe child: load, cuDriverGetVersion, cuInit,
 * devices), libnvidia-ml beside it. */
static void check_driver_api(accel__doc_state *s)
{
    accel__cuda_report rep;
    accel__cuda_inspect(s->ctx, s->opt->no_cache, &rep, NULL);
    accel__doc_lib *l = accel__doc_lib_new(s, "libcuda", "libcuda.so.1");
    if (!l) return;
    s->libcuda_found = l->info.found || rep.lib_found;
    if (s->libcuda_found) s->nvidia_stack = 1;
    s->cuda_driver_version = rep.driver_version;
    s->cuda_n_devices = rep.n_devices;
    accel__lib_version_from_name(l->info.realpath, s->libcuda_file_version,
                                 sizeof s->libcuda_file_version);
    const char *comp = "libcuda.so.1 (CUDA driver API)";
    accel__doc_check *c;
    if (!s->libcuda_found) {
        char text[1400];
        accel__doc_missing_text(&l->info, text, sizeof text);
        int need = s->r->nvidia_on_pci > 0 || s->nvidia_module;
        c = accel__doc_add(s, need ? ACCEL__DOC_FAIL : ACCEL__DOC_INFO, "lib:libcuda.so.1", comp,
                           NULL, "%s: %s", need ? "not found" : "not present (no NVIDIA driver)",
                           text);
        if (c && need) accel__doc_hint_fix(c, &l->info,
                                "apt-get install nvidia-driver libcuda1 (Debian non-free)");
    } else {
        char text[1300], dv[48] = "unknown";
        if (l->info.found)
            found_text(&l->info, text, sizeof text);
        else
            accel__strlcpy(text, rep.lib_path, sizeof text);
        if (rep.driver_version > 0)
            snprintf(dv, sizeof dv, "%d (CUDA %d.%d)", rep.driver_version,
                     rep.driver_version / 1000, (rep.driver_version % 1000) / 10);
        if (!rep.usable && rep.visible_effect == ACCEL__CVD_HIDES_ALL && rep.driver_version > 0) {
            /* The library works; the environment hides every device (its own line says so). */
            c = accel__doc_add(s, ACCEL__DOC_PASS, "lib:libcuda.so.1", comp, NULL,
                               "%s; cuDriverGetVersion %s; no device visible because of "
                               "CUDA_VISIBLE_DEVICES (see that check)",
                               text, dv);
        } else if (rep.usable) {
            c = accel__doc_add(s, ACCEL__DOC_PASS, "lib:libcuda.so.1", comp, NULL,
                               "%s; cuDriverGetVersion %s; cuInit ok, %d device(s), %d usable%s",
                               text, dv, rep.n_devices, rep.n_usable,
                               rep.from_cache ? " (cached verdict)" : "");
        } else {
            /* A failed inspection never reads "usable" (a probe that ended without finishing
             * the driver API checks). */
            const char *v = strcmp(rep.verdict, "usable") == 0
                                ? "unusable: the probe ended before the driver API checks "
                                  "finished"
                                : rep.verdict;
            c = accel__doc_add(s, ACCEL__DOC_FAIL, "lib:libcuda.so.1", comp, NULL,
                               "%s; cuDriverGetVersion %s; %s%s", text, dv, v,
                               rep.from_cache ? " (cached verdict; --no-cache probes afresh)" : "");
            if (strstr(v, "symbol ") && strstr(v, " not found"))
                /* an entry point every driver since CUDA 11 has: an old driver, or a library
                 * that is not the driver's own (a stub, a partial copy); reinstalling the same
                 * driver would not add it */
                accel__doc_set_fix(c, "this libcuda.so.1 lacks an entry point accel calls: "
                                      "install a current NVIDIA driver (CUDA 11 or newer), or, "
                                      "when this file is a stub or a copy (not the driver's "
                                      "own), remove its directory from the library search "
                                      "path");
            else
                accel__doc_set_fix(c, "the CUDA driver library does not work: reinstall the "
                                      "NVIDIA driver (libcuda1 and the kernel module must be "
                                      "the same version), then reboot");
        }
    }
    if (c) {
        c->lib = &l->info;
        accel__doc_attach_output(c, "libcuda.so.1 (or NVML)", rep.probe_output);
    }

    /* NVML: monitoring only, so never a FAIL. */
    accel__doc_lib *m = accel__doc_lib_new(s, "libnvidia-ml", "libnvidia-ml.so.1");
    if (!m) return;
    const char *mcomp = "libnvidia-ml.so.1 (NVML, NVIDIA management)";
    if (!m->info.found && !rep.nvml_found) {
        char text[1400];
        accel__doc_missing_text(&m->info, text, sizeof text);
        c = accel__doc_add(s, s->nvidia_stack ? ACCEL__DOC_WARN : ACCEL__DOC_INFO,
                           "lib:libnvidia-ml.so.1", mcomp, NULL, "%s: %s",
                           s->nvidia_stack ? "not found (no memory use, temperature or power "
                                             "readings)"
                                           : "not present (no NVIDIA driver)",
                           text);
        if (c && s->nvidia_stack)
            accel__doc_hint_fix(c, &m->info, "apt-get install libnvidia-ml1 (Debian non-free)");
    } else {
        char text[1300] = "";
        if (m->info.found) found_text(&m->info, text, sizeof text);
        int ok = rep.nvml_found;
        /* NVML is tried inside the CUDA probe, after libcuda: without libcuda, or when the probe
         * ended before NVML, nothing is known of it, and its fix is libcuda's (that line) */
        int unprobed = !ok && (!s->libcuda_found || !rep.nvml_verdict[0] ||
                               strncmp(rep.nvml_verdict, "not reached", 11) == 0);
        if (unprobed) {
            int matters = s->nvidia_stack || s->libcuda_found;
            c = accel__doc_add(s, matters ? ACCEL__DOC_WARN : ACCEL__DOC_INFO,
                               "lib:libnvidia-ml.so.1", mcomp, NULL,
                               "%s; not probed: NVML is tried after libcuda.so.1, %s", text,
                               !s->libcuda_found ? "which is not here (not used without it)"
                                                 : "and the CUDA probe ended before NVML");
            if (c && matters)
                accel__doc_set_fix(c, "make libcuda.so.1 work first (see its line); NVML is "
                                      "checked after it");
        } else {
            c = accel__doc_add(s, ok ? ACCEL__DOC_PASS : ACCEL__DOC_WARN, "lib:libnvidia-ml.so.1",
                               mcomp, NULL, "%s; %s%s", text,
                               ok ? "nvmlInit ok, driver " : "NVML: ",
                               ok ? rep.nvml_driver_version : rep.nvml_verdict);
            if (c && !ok) accel__doc_set_fix(c, "reinstall libnvidia-ml1 at the driver's version");
        }
    }
    if (c) c->lib = &m->info;

    /* The classic "Failed to initialize NVML: Driver/library version mismatch": user-space
     * driver libraries upgraded, old kernel module still loaded. */
    const char *mod = s->nvidia_module_version[0] ? s->nvidia_module_version
                                                   : rep.kernel_module_version;
    const char *lib = s->libcuda_file_version;
    if (mod[0] && strchr(lib, '.') && s->libcuda_found) {
        if (strcmp(mod, lib) == 0)
            accel__doc_add(s, ACCEL__DOC_PASS, "nvidia.version_match", "NVIDIA driver versions",
                           NULL, "kernel module and libcuda are both %s", mod);
        else
            accel__doc_add(s, ACCEL__DOC_FAIL, "nvidia.version_match", "NVIDIA driver versions",
                           "reboot so the installed kernel module is loaded, or reinstall the "
                           "driver so the module and the libraries match",
                           "kernel module %s but libcuda %s (%s): CUDA and NVML calls fail with "
                           "\"driver/library version mismatch\"",
                           mod, lib, l->info.realpath);
    }
}

/* Every installed soname of one family, each found, versioned, maybe trial-loaded. Returns
 * how many were found. */
static size_t check_family(accel__doc_state *s, const libspec *sp)
{
    char names[8][128];
    size_t n = accel__lib_family(s->lp, sp->stem, names, 8);
    if (n == 0) {
        missing_family(s, sp);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        accel__doc_lib *l = accel__doc_lib_new(s, sp->stem, names[i]);
        if (!l) break;
        if (sp->trial) accel__doc_lib_trial(s, l, sp->hook);
        accel__doc_found_line(s, l, sp->what, 0);
    }
    return n;
}

/* cuBLAS cannot load without the cuBLASLt of the same major. */
static void check_cublas_lt(accel__doc_state *s)
{
    for (size_t i = 0; i < s->n_libs; i++) {
        accel__doc_lib *l = &s->libs[i];
        if (strcmp(l->stem, "libcublas") != 0 || !l->info.found) continue;
        const char *major = strstr(l->info.soname, ".so.");
        if (!major) continue;
        char lt[160];
        snprintf(lt, sizeof lt, "libcublasLt.so.%s", major + 4);
        accel__doc_lib *d = accel__doc_lib_get(s, lt);
        if (d && d->info.found) continue;
        d = accel__doc_lib_new(s, "libcublasLt", lt);
        if (!d || d->info.found) continue; /* found now though not listed: fine */
        char text[1400], id[160];
        accel__doc_missing_text(&d->info, text, sizeof text);
        snprintf(id, sizeof id, "lib:%s", lt);
        accel__doc_check *c = accel__doc_add(s, ACCEL__DOC_FAIL, id, lt, NULL,
                                             "missing, but %s (%s) needs it and will not load: %s",
                                             l->info.soname, l->info.path, text);
        if (c) {
            c->lib = &d->info;
            accel__doc_hint_fix(c, &d->info, "install the cuBLASLt of the same CUDA release as cuBLAS "
                                  "(Debian: apt-get install libcublaslt11)");
        }
    }
}

static void dirname_of(const char *path, char *out, size_t cap)
{
    accel__strlcpy(out, path, cap);
    char *sl = strrchr(out, '/');
    if (sl) *sl = '\0';
}

/* cuDNN: the front library and every sub-library of its major. The sub-libraries are
 * resolved before the front library's line is written, so that line can say which are
 * missing: that is what its SIGABRT means. Sub-libraries found in another directory than the
 * front library (two installs mixed, typically a pip wheel and a system package) make one
 * warning on the front library's line, listing them all, rather than one per file. */
static void check_cudnn(accel__doc_state *s, const libspec *sp)
{
    char names[8][128];
    size_t n = accel__lib_family(s->lp, "libcudnn", names, 8);
    if (n == 0) {
        missing_family(s, sp);
        /* Sub-libraries without the front library: listed so nothing is silently skipped. */
        for (int k = 0; cudnn9_subs[k]; k++) {
            char sub[160], id[160];
            snprintf(sub, sizeof sub, "libcudnn_%s.so.9", cudnn9_subs[k]);
            accel__doc_lib *l = accel__doc_lib_new(s, "libcudnn_sub", sub);
            if (!l) return;
            snprintf(id, sizeof id, "lib:%s", sub);
            accel__doc_check *c;
            if (l->info.found)
                c = accel__doc_found_line(s, l, "cuDNN sub-library, without libcudnn.so.9", 0);
            else
                c = accel__doc_add(s, ACCEL__DOC_INFO, id, sub, NULL,
                                   "not installed (cuDNN is not installed)");
            if (c) c->lib = &l->info;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        accel__doc_lib *front = accel__doc_lib_new(s, "libcudnn", names[i]);
        if (!front) return;
        const char *major = strstr(front->info.soname, ".so.") + 4;
        const char *const *subs = strcmp(major, "9") == 0   ? cudnn9_subs
                                  : strcmp(major, "8") == 0 ? cudnn8_subs
                                                            : NULL;
        char missing[512] = "";
        accel__doc_lib *sublibs[8] = {0};
        for (int k = 0; subs && subs[k]; k++) {
            char sub[160];
            snprintf(sub, sizeof sub, "libcudnn_%s.so.%s", subs[k], major);
            sublibs[k] = accel__doc_lib_new(s, "libcudnn_sub", sub);
            if (sublibs[k] && !sublibs[k]->info.found) {
                size_t m = strlen(missing);
                snprintf(missing + m, sizeof missing - m, "%s%s", m ? ", " : "", sub);
            }
        }
        accel__doc_lib_trial(s, front, sp->hook);
        char pkg[160] = "", wheel_dir[1024] = "";
        int wheel = accel__doc_wheel_of(front->info.realpath, lib_cuda_major(front), pkg,
                                        sizeof pkg, wheel_dir, sizeof wheel_dir);
        /* the reinstall that makes this cuDNN complete again */
        char reinstall[400];
        if (wheel)
            snprintf(reinstall, sizeof reinstall,
                     "reinstall the pip wheel it came from: pip install --force-reinstall %s "
                     "(its files are in %s)",
                     pkg, wheel_dir);
        else
            snprintf(reinstall, sizeof reinstall,
                     "install the complete cuDNN package (the same one that provided "
                     "libcudnn.so), not only the front library");
        accel__doc_check *c = accel__doc_found_line(s, front, sp->what, 0);
        size_t front_at = c ? (size_t)(c - s->r->checks) : (size_t)-1;
        if (c && missing[0]) {
            c->status = ACCEL__DOC_FAIL;
            size_t m = strlen(c->seen);
            snprintf(c->seen + m, sizeof c->seen - m, "; incomplete: %s missing", missing);
            accel__doc_set_fix(c, "cuDNN %s needs every libcudnn_*.so.%s beside libcudnn.so.%s "
                                  "(%s is missing): %s",
                               major, major, major, missing, reinstall);
        }
        char front_dir[1024];
        dirname_of(front->info.realpath, front_dir, sizeof front_dir);
        char mixed[768] = "", other_dirs[768] = "", other_pkg[160] = "", other_wheel[1024] = "";
        int n_mixed = 0;
        for (int k = 0; subs && subs[k]; k++) {
            accel__doc_lib *l = sublibs[k];
            if (!l) continue;
            char id[160];
            snprintf(id, sizeof id, "lib:%s", l->info.soname);
            if (!l->info.found) {
                char text[1400];
                accel__doc_missing_text(&l->info, text, sizeof text);
                accel__doc_check *m = accel__doc_add(
                    s, ACCEL__DOC_FAIL, id, l->info.soname, NULL,
                    "missing, but %s (%s) needs it: cuDNN aborts the program (SIGABRT, \"Could "
                    "not load library %s\") when it first uses it; %s",
                    front->info.soname, front->info.path, l->info.soname, text);
                if (m) {
                    m->lib = &l->info;
                    /* a wheel is made whole by pip; pointing the loader at another cuDNN's
                     * copy would mix two installs */
                    if (wheel)
                        accel__doc_set_fix(m, "%s", reinstall);
                    else
                        accel__doc_hint_fix(m, &l->info, reinstall);
                }
                continue;
            }
            accel__doc_check *m = accel__doc_found_line(s, l, "cuDNN sub-library", 0);
            char dir[1024];
            dirname_of(l->info.realpath, dir, sizeof dir);
            if (m && strcmp(dir, front_dir) != 0) {
                size_t k2 = strlen(m->seen);
                snprintf(m->seen + k2, sizeof m->seen - k2,
                         "; not beside %s, which is in %s (see that line)", front->info.soname,
                         front_dir);
                size_t k3 = strlen(mixed);
                snprintf(mixed + k3, sizeof mixed - k3, "%s%s", k3 ? ", " : "", l->info.soname);
                if (!strstr(other_dirs, dir)) {
                    k3 = strlen(other_dirs);
                    snprintf(other_dirs + k3, sizeof other_dirs - k3, "%s%s", k3 ? ", " : "",
                             dir);
                }
                if (!other_pkg[0])
                    accel__doc_wheel_of(l->info.realpath, lib_cuda_major(front), other_pkg,
                                        sizeof other_pkg, other_wheel, sizeof other_wheel);
                n_mixed++;
            }
        }
        if (n_mixed && front_at < s->r->n) {
            /* one warning for the whole mix, on the front library's line */
            c = &s->r->checks[front_at];
            if (c->status == ACCEL__DOC_PASS) c->status = ACCEL__DOC_WARN;
            size_t m = strlen(c->seen);
            snprintf(c->seen + m, sizeof c->seen - m,
                     "; two cuDNN installs are being mixed: %d of its sub-librar%s come%s from "
                     "%s instead of %s (%s)",
                     n_mixed, n_mixed == 1 ? "y" : "ies", n_mixed == 1 ? "s" : "", other_dirs,
                     front_dir, mixed);
            if (!c->fix[0]) {
                char drop[700] = "";
                if (wheel)
                    snprintf(drop, sizeof drop,
                             "; or, to keep the other one, pip uninstall %s (the wheel in %s)",
                             pkg, wheel_dir);
                else if (other_pkg[0])
                    snprintf(drop, sizeof drop,
                             "; or, to keep this one, pip uninstall %s (the wheel in %s)",
                             other_pkg, other_wheel);
                accel__doc_set_fix(c, "keep one cuDNN: take %s out of LD_LIBRARY_PATH (or the "
                                      "ld.so configuration) so every libcudnn*.so.%s comes from "
                                      "%s%s",
                                   other_dirs, major, front_dir, drop);
            }
        }
    }
}

/* Driver CUDA version against every CUDA runtime and cuDNN found. A runtime of a newer major
 * than the driver cannot start at all ("CUDA driver version is insufficient for CUDA runtime
 * version"); a newer minor of the same major runs under minor-version compatibility, minus
 * PTX JIT of newer PTX. */
static void check_compat(accel__doc_state *s)
{
    int d = s->cuda_driver_version;
    int emitted = 0;
    for (size_t i = 0; i < s->n_libs; i++) {
        accel__doc_lib *l = &s->libs[i];
        int is_rt = strcmp(l->stem, "libcudart") == 0, is_dnn = strcmp(l->stem, "libcudnn") == 0;
        if ((!is_rt && !is_dnn) || !l->info.found) continue;
        char id[160], comp[200], need[64];
        snprintf(id, sizeof id, "cuda.compat:%s", l->info.soname);
        snprintf(comp, sizeof comp, "CUDA driver vs %s", l->info.soname);
        long long want = l->load.have_out ? l->load.out.cuda_version : -1;
        int major_only = 0;
        if (want <= 0 && is_rt) {
            /* No probe answer: the soname still gives the major (libcudart.so.11.0 → 11). */
            const char *v = strstr(l->info.soname, ".so.");
            want = v ? strtol(v + 4, NULL, 10) * 1000 : -1;
            major_only = 1;
        }
        emitted = 1;
        if (want <= 0) {
            /* Its own line already says why it could not be asked; with NVIDIA hardware the
             * comparison is still owed, without it there is nothing to compare with. */
            accel__doc_check *c = accel__doc_add(
                s, s->nvidia_stack ? ACCEL__DOC_WARN : ACCEL__DOC_INFO, id, comp, NULL,
                "the CUDA version %s needs is unknown (%s)", l->info.soname,
                l->load.attempted ? l->load.verdict : "not loaded");
            if (s->nvidia_stack)
                accel__doc_set_fix(c, "make %s loadable (see its line), then run the doctor "
                                      "again to compare the versions",
                                   l->info.soname);
            continue;
        }
        if (major_only)
            snprintf(need, sizeof need, "CUDA %lld.x", want / 1000);
        else
            snprintf(need, sizeof need, "CUDA %lld.%lld", want / 1000, (want % 1000) / 10);
        const char *who = is_rt ? "runtime" : "cuDNN built for";
        if (d <= 0) {
            accel__doc_add(s, s->nvidia_stack ? ACCEL__DOC_WARN : ACCEL__DOC_INFO, id, comp,
                           s->nvidia_stack ? "make libcuda.so.1 loadable (see its line) so the "
                                             "versions can be compared"
                                           : NULL,
                           "%s %s; no driver version to compare with (%s)", who, need,
                           s->libcuda_found ? "cuDriverGetVersion gave none" : "no libcuda.so.1");
            continue;
        }
        int dmaj = d / 1000, dmin = (d % 1000) / 10;
        int wmaj = (int)(want / 1000), wmin = (int)((want % 1000) / 10);
        if (wmaj > dmaj) {
            accel__doc_check *c = accel__doc_add(s, ACCEL__DOC_FAIL, id, comp, NULL,
                           "%s %s (%s) but the driver supports only CUDA %d.%d "
                           "(cuDriverGetVersion %d): \"CUDA driver version is insufficient\"",
                           who, need, l->info.path, dmaj, dmin, d);
            accel__doc_set_fix(c,
                               "install an NVIDIA driver that supports CUDA %d.%d or newer, or "
                               "use a build for CUDA %d (runtime and cuDNN of that major)",
                               wmaj, major_only ? 0 : wmin, dmaj);
        } else if (!major_only && wmaj == dmaj && wmin > dmin) {
            accel__doc_check *c = accel__doc_add(s, ACCEL__DOC_WARN, id, comp, NULL,
                           "%s %s, driver CUDA %d.%d (cuDriverGetVersion %d): runs under minor "
                           "version compatibility, but PTX newer than the driver cannot be JIT-"
                           "compiled",
                           who, need, dmaj, dmin, d);
            accel__doc_set_fix(c,
                               "update the driver to one for CUDA %d.%d to also get PTX JIT",
                               wmaj, wmin);
        } else {
            accel__doc_add(s, ACCEL__DOC_PASS, id, comp, NULL,
                           "%s %s, driver supports CUDA %d.%d (cuDriverGetVersion %d)", who, need,
                           dmaj, dmin, d);
        }
    }
    if (!emitted)
        accel__doc_add(s, ACCEL__DOC_INFO, "cuda.compat", "CUDA driver vs runtime", NULL,
                       "no CUDA runtime or cuDNN installed: nothing to compare%s",
                       d > 0 ? "" : " (and no driver version)");
}

void accel__doc_check_libs(accel__doc_state *s)
{
    check_driver_api(s);
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        const libspec *sp = &specs[i];
        if (strcmp(sp->stem, "libcudnn") == 0)
            check_cudnn(s, sp);
        else
            check_family(s, sp);
        if (strcmp(sp->stem, "libcublasLt") == 0) check_cublas_lt(s);
    }
    check_compat(s);
}
