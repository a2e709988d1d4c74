/* doctor_hints.c — which optional accelerated runtimes are absent, and the one apt-get line
 * that installs those this machine's hardware can use (Debian 12 package names). Runtimes for
 * hardware that is not here are named as "not needed" rather than recommended. */
#include "discover/doctor_checks.h"

#include <string.h>

typedef struct {
    char absent[768];   /* "cuDNN, cuFFT": runtimes this machine's hardware can use */
    char packages[512]; /* "nvidia-cudnn libcufft10" */
    char optional[384]; /* absent, but nothing here needs them (OpenCL on the CPU) */
    char opt_packages[256];
    char skipped[384];  /* runtimes for hardware that is not here, and not installed */
    int non_free;
} hints;

static void cat(char *buf, size_t cap, const char *sep, const char *text)
{
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%s%s", n ? sep : "", text);
}

/* A library of this stem was found (whether it works is its own line's business). */
static int have(const accel__doc_state *s, const char *stem)
{
    for (size_t i = 0; i < s->n_libs; i++)
        if (strcmp(s->libs[i].stem, stem) == 0 && s->libs[i].info.found) return 1;
    return 0;
}

/* An installed ICD whose library name contains one of the words. */
static int have_icd(const accel__doc_state *s, const char *const *words)
{
    for (size_t i = 0; i < s->n_libs; i++) {
        const accel__doc_lib *l = &s->libs[i];
        if (strcmp(l->stem, "icd") != 0 || !l->info.found) continue;
        for (int k = 0; words[k]; k++)
            if (strcasestr(l->info.soname, words[k])) return 1;
    }
    return 0;
}

static void want(hints *h, int present, const char *what, const char *pkgs, int non_free)
{
    if (present) return;
    cat(h->absent, sizeof h->absent, ", ", what);
    cat(h->packages, sizeof h->packages, " ", pkgs);
    if (non_free) h->non_free = 1;
}

static void maybe(hints *h, int present, const char *what, const char *pkgs)
{
    if (present) return;
    cat(h->optional, sizeof h->optional, ", ", what);
    cat(h->opt_packages, sizeof h->opt_packages, " ", pkgs);
}

/* Runtimes for hardware that is not here: named as "not needed" only while absent. One that is
 * installed anyway has its own line (which may well be a FAIL), and this summary must not
 * call it unneeded. */
static void skip(hints *h, const accel__doc_state *s, const char *const *stems,
                 const char *const *names, const char *why)
{
    char list[256] = "";
    for (int i = 0; stems[i]; i++)
        if (!have(s, stems[i])) cat(list, sizeof list, ", ", names[i]);
    if (!list[0]) return;
    char item[384];
    snprintf(item, sizeof item, "%s (%s)", list, why);
    cat(h->skipped, sizeof h->skipped, "; ", item);
}

void accel__doc_check_runtimes(accel__doc_state *s)
{
    hints h;
    memset(&h, 0, sizeof h);
    static const char *const nv_icd[] = {"nvidia", NULL};
    static const char *const amd_icd[] = {"amdocl", "Mesa", "Rusticl", NULL};
    static const char *const intel_icd[] = {"igdrcl", "intel", "Rusticl", NULL};
    static const char *const any_icd[] = {"", NULL};
    int nvidia = s->r->nvidia_on_pci > 0 || s->nvidia_module;
    int amd = s->amd_stack;
    int intel = s->r->intel_on_pci > 0;

    /* OpenCL: the loader is needed by any GPU's OpenCL driver; PoCL is never needed (it runs
     * OpenCL on the CPU, which accel's own CPU backend already does faster). */
    if (nvidia || amd || intel)
        want(&h, have(s, "libOpenCL"), "OpenCL ICD loader", "ocl-icd-libopencl1", 0);
    else
        maybe(&h, have(s, "libOpenCL"), "OpenCL ICD loader", "ocl-icd-libopencl1");
    maybe(&h, have_icd(s, any_icd), "an OpenCL driver (PoCL runs OpenCL on the CPU)",
          "pocl-opencl-icd");
    if (nvidia) {
        want(&h, s->libcuda_found, "CUDA driver", "nvidia-driver libcuda1", 1);
        want(&h, have(s, "libnvidia-ml"), "NVML", "libnvidia-ml1", 1);
        want(&h, have(s, "libcudart"), "CUDA runtime", "libcudart11.0", 1);
        want(&h, have(s, "libcublas") && have(s, "libcublasLt"), "cuBLAS",
             "libcublas11 libcublaslt11", 1);
        want(&h, have(s, "libcufft"), "cuFFT", "libcufft10", 1);
        want(&h, have(s, "libnvrtc"), "NVRTC", "libnvrtc11.2", 1);
        want(&h, have(s, "libcudnn"), "cuDNN", "nvidia-cudnn", 1);
        want(&h, have_icd(s, nv_icd), "NVIDIA OpenCL driver", "nvidia-opencl-icd", 1);
    } else {
        static const char *const stems[] = {"libcuda", "libcudart", "libcudnn", "libnvidia-ml",
                                            NULL};
        static const char *const names[] = {"CUDA driver", "CUDA runtime", "cuDNN", "NVML"};
        skip(&h, s, stems, names, "no NVIDIA GPU");
    }
    if (amd) {
        want(&h, have(s, "libamdhip64"), "HIP runtime (ROCm)", "libamdhip64-5", 0);
        want(&h, have_icd(s, amd_icd), "OpenCL for the AMD GPU", "mesa-opencl-icd", 0);
    } else {
        static const char *const stems[] = {"libamdhip64", NULL};
        static const char *const names[] = {"HIP/ROCm"};
        skip(&h, s, stems, names, "no AMD GPU");
    }
    if (intel) want(&h, have_icd(s, intel_icd), "OpenCL for the Intel GPU", "intel-opencl-icd", 0);

    char rest[900] = "";
    if (h.optional[0])
        snprintf(rest, sizeof rest, "; optional here and absent: %s (apt-get install %s)",
                 h.optional, h.opt_packages);
    if (h.skipped[0]) {
        size_t n = strlen(rest);
        snprintf(rest + n, sizeof rest - n, "; not needed here: %s", h.skipped);
    }
    if (!h.absent[0]) {
        accel__doc_add(s, h.optional[0] ? ACCEL__DOC_INFO : ACCEL__DOC_PASS, "runtimes.optional",
                       "optional accelerated runtimes", NULL,
                       "every runtime this machine's hardware can use is installed%s", rest);
        return;
    }
    accel__doc_check *c = accel__doc_add(s, ACCEL__DOC_WARN, "runtimes.optional",
                                         "optional accelerated runtimes", NULL, "absent: %s%s",
                                         h.absent, rest);
    accel__doc_set_fix(c, "apt-get install %s%s", h.packages,
                       h.non_free ? " (after enabling Debian's contrib and non-free components "
                                    "in /etc/apt/sources.list.d/debian.sources)"
                                  : "");
}
