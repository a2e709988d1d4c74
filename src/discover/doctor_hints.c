/* doctor_hints.c — which optional accelerated runtimes are absent, and the one apt-get line
 * that installs those this machine's hardware can use (Debian 12 package names). Runtimes for
 * hardware that is not here are named as "not needed" rather than recommended. */
#include "discover/doctor_checks.h"

#include <string.h>

typedef struct {
    char absent[768];   /* "cuDNN, cuFFT" */
    char packages[512]; /* "nvidia-cudnn libcufft10" */
    char skipped[384];  /* runtimes not needed here */
    int non_free;
} hints;

static void cat(char *buf, size_t cap, const char *sep, const char *text)
{
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%s%s", n ? sep : "", text);
}

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

    want(&h, have(s, "libOpenCL"), "OpenCL ICD loader", "ocl-icd-libopencl1", 0);
    want(&h, have_icd(s, any_icd), "an OpenCL driver (PoCL runs OpenCL on the CPU)",
         "pocl-opencl-icd", 0);
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
        cat(h.skipped, sizeof h.skipped, "; ", "CUDA, cuDNN and NVML (no NVIDIA GPU)");
    }
    if (amd) {
        want(&h, have(s, "libamdhip64"), "HIP runtime (ROCm)", "libamdhip64-5", 0);
        want(&h, have_icd(s, amd_icd), "OpenCL for the AMD GPU", "mesa-opencl-icd", 0);
    } else {
        cat(h.skipped, sizeof h.skipped, "; ", "HIP/ROCm (no AMD GPU)");
    }
    if (intel) want(&h, have_icd(s, intel_icd), "OpenCL for the Intel GPU", "intel-opencl-icd", 0);

    if (!h.absent[0]) {
        accel__doc_add(s, ACCEL__DOC_PASS, "runtimes.optional", "optional accelerated runtimes",
                       NULL, "every runtime this machine's hardware can use is installed%s%s",
                       h.skipped[0] ? "; not needed here: " : "", h.skipped);
        return;
    }
    accel__doc_check *c = accel__doc_add(s, ACCEL__DOC_WARN, "runtimes.optional",
                                         "optional accelerated runtimes", NULL,
                                         "absent: %s%s%s", h.absent,
                                         h.skipped[0] ? "; not needed here: " : "", h.skipped);
    accel__doc_set_fix(c, "apt-get install %s%s", h.packages,
                       h.non_free ? " (after enabling Debian's contrib and non-free components "
                                    "in /etc/apt/sources.list.d/debian.sources)"
                                  : "");
}
