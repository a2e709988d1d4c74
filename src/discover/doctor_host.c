/* doctor_host.c — what the kernel knows: GPUs on the PCI bus and their drivers, the NVIDIA
 * and AMD kernel modules. This is the ground truth the library checks are judged against: a
 * missing libcuda is a failure on a machine with an NVIDIA card, and nothing to fix on one
 * without. Everything is read under the redirectable sysfs/procfs roots. */
#include "discover/doctor_checks.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *driver_fix(unsigned vendor)
{
    switch (vendor) {
    case ACCEL__PCI_VENDOR_NVIDIA:
        return "install and load the NVIDIA driver: apt-get install nvidia-driver (Debian "
               "non-free), then reboot or run modprobe nvidia";
    case ACCEL__PCI_VENDOR_AMD:
        return "load the amdgpu driver: modprobe amdgpu (its firmware: apt-get install "
               "firmware-amd-graphics, Debian non-free-firmware)";
    default:
        return "load the i915 (or xe) driver: modprobe i915";
    }
}

/* One line per GPU: a card with no driver bound, or bound to a driver no compute API uses,
 * cannot be reached by anything above it. */
static void check_pci_gpu(accel__doc_state *s, const accel__pci_gpu *g)
{
    char id[64], comp[96];
    snprintf(id, sizeof id, "pci:%s", g->bus_id);
    snprintf(comp, sizeof comp, "%s GPU %s", g->vendor[0] ? g->vendor : "GPU", g->bus_id);
    int compute_vendor = g->vendor_id == ACCEL__PCI_VENDOR_NVIDIA || g->vendor_id == ACCEL__PCI_VENDOR_AMD;
    char what[96];
    snprintf(what, sizeof what, "device %04x:%04x, class %06x", g->vendor_id, g->device_id,
             g->class_code);
    if (!g->driver[0]) {
        accel__doc_add(s, compute_vendor ? ACCEL__DOC_FAIL : ACCEL__DOC_WARN, id, comp,
                       driver_fix(g->vendor_id),
                       "%s: no kernel driver is bound, so no API (CUDA, ROCm, OpenCL) can reach it",
                       what);
        return;
    }
    if (strcmp(g->driver, "vfio-pci") == 0 || strcmp(g->driver, "pci-stub") == 0) {
        accel__doc_add(s, ACCEL__DOC_WARN, id, comp,
                       "unbind it from vfio-pci (driverctl unset-override, or remove it from the "
                       "vfio-pci.ids kernel parameter) if this machine should use it",
                       "%s: bound to %s, i.e. reserved for a virtual machine", what, g->driver);
        return;
    }
    if (g->vendor_id == ACCEL__PCI_VENDOR_NVIDIA && strcmp(g->driver, "nvidia") != 0) {
        accel__doc_add(s, ACCEL__DOC_FAIL, id, comp,
                       "install the NVIDIA driver (apt-get install nvidia-driver, Debian "
                       "non-free), which blacklists nouveau, and reboot",
                       "%s: bound to %s, which CUDA cannot use (CUDA needs the nvidia driver)",
                       what, g->driver);
        return;
    }
    if (g->vendor_id == ACCEL__PCI_VENDOR_AMD && strcmp(g->driver, "amdgpu") != 0) {
        accel__doc_add(s, ACCEL__DOC_FAIL, id, comp,
                       "use the amdgpu driver (radeon.si_support=0 amdgpu.si_support=1 "
                       "radeon.cik_support=0 amdgpu.cik_support=1 on the kernel command line)",
                       "%s: bound to %s; ROCm needs amdgpu", what, g->driver);
        return;
    }
    accel__doc_add(s, ACCEL__DOC_PASS, id, comp, NULL, "%s, kernel driver %s", what, g->driver);
}

static void check_pci(accel__doc_state *s)
{
    if (accel__pci_scan(&s->pci, &s->n_pci) != ACCEL_OK) {
        s->pci = NULL;
        s->n_pci = 0;
    }
    accel__doc_report *r = s->r;
    for (size_t i = 0; i < s->n_pci; i++) {
        unsigned v = s->pci[i].vendor_id;
        if (v == ACCEL__PCI_VENDOR_NVIDIA) r->nvidia_on_pci++;
        if (v == ACCEL__PCI_VENDOR_AMD) r->amd_on_pci++;
        if (v == ACCEL__PCI_VENDOR_INTEL) r->intel_on_pci++;
    }
    r->gpu_on_pci = r->nvidia_on_pci + r->amd_on_pci;
    if (!r->gpu_on_pci) {
        char path[600];
        snprintf(path, sizeof path, "%s/bus/pci/devices", accel__sysfs_root());
        struct stat st;
        int readable = stat(path, &st) == 0;
        accel__doc_add(s, ACCEL__DOC_INFO, "gpu.pci", "GPU hardware", NULL,
                       "no NVIDIA or AMD GPU on the PCI bus%s: the GPU stacks are not present, "
                       "accel runs on the CPU%s (CUDA or ROCm would need such a GPU in this "
                       "machine, or passed through to this container/VM)",
                       readable ? "" : " (PCI information not readable here)",
                       r->intel_on_pci ? " and the Intel GPU (through OpenCL)" : "");
    }
    for (size_t i = 0; i < s->n_pci; i++) check_pci_gpu(s, &s->pci[i]);
}

/* "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 …" → "535.104.05". */
static void version_token(const char *line, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = strstr(line, "Module");
    p = p ? p : line;
    while (*p) {
        while (*p && isspace((unsigned char)*p)) p++;
        const char *b = p;
        int dots = 0, ok = isdigit((unsigned char)*p);
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '.') dots++;
            else if (!isdigit((unsigned char)*p)) ok = 0;
            p++;
        }
        if (ok && dots >= 1 && (size_t)(p - b) < cap) {
            memcpy(out, b, (size_t)(p - b));
            out[p - b] = '\0';
            return;
        }
    }
}

static void check_nvidia_module(accel__doc_state *s)
{
    char path[600], text[1024], ver[64] = "", sysver[64] = "";
    snprintf(path, sizeof path, "%s/driver/nvidia/version", accel__procfs_root());
    int have_proc = accel__read_text(path, text, sizeof text) == 0 && text[0];
    if (have_proc) version_token(text, ver, sizeof ver);
    char mod[600];
    snprintf(mod, sizeof mod, "%s/module/nvidia", accel__sysfs_root());
    struct stat st;
    int have_sys = stat(mod, &st) == 0;
    if (have_sys) {
        char vp[700];
        snprintf(vp, sizeof vp, "%s/version", mod);
        accel__read_text(vp, sysver, sizeof sysver);
    }
    s->nvidia_module = have_proc || have_sys;
    accel__strlcpy(s->nvidia_module_version, ver[0] ? ver : sysver, sizeof s->nvidia_module_version);
    if (s->nvidia_module) {
        accel__doc_add(s, ACCEL__DOC_PASS, "nvidia.kernel_module", "NVIDIA kernel module", NULL,
                       "loaded, version %s (%s%s%s)",
                       s->nvidia_module_version[0] ? s->nvidia_module_version : "unknown",
                       have_proc ? path : "", have_proc && have_sys ? ", " : "",
                       have_sys ? mod : "");
        return;
    }
    if (s->r->nvidia_on_pci)
        accel__doc_add(s, ACCEL__DOC_FAIL, "nvidia.kernel_module", "NVIDIA kernel module",
                       "load it with modprobe nvidia (install: apt-get install nvidia-driver, "
                       "Debian non-free; after a kernel update, reinstall nvidia-kernel-dkms)",
                       "not loaded (%s and %s absent) although %d NVIDIA GPU(s) are on the PCI bus",
                       path, mod, s->r->nvidia_on_pci);
    else
        accel__doc_add(s, ACCEL__DOC_INFO, "nvidia.kernel_module", "NVIDIA kernel module", NULL,
                       "not present (%s absent; no NVIDIA GPU on the PCI bus)", path);
}

static void check_amd_module(accel__doc_state *s)
{
    char mod[600], kfd[600];
    snprintf(mod, sizeof mod, "%s/module/amdgpu", accel__sysfs_root());
    snprintf(kfd, sizeof kfd, "%s/class/kfd/kfd/topology/nodes", accel__sysfs_root());
    struct stat st;
    int have_mod = stat(mod, &st) == 0, have_kfd = stat(kfd, &st) == 0;
    s->amd_module = have_mod;
    if (have_mod) {
        accel__doc_add(s, have_kfd || !s->r->amd_on_pci ? ACCEL__DOC_PASS : ACCEL__DOC_FAIL,
                       "amd.kernel_module", "AMD amdgpu kernel module",
                       have_kfd || !s->r->amd_on_pci
                           ? NULL
                           : "use a kernel built with CONFIG_HSA_AMD (Debian's is) so amdgpu "
                             "provides the KFD compute interface ROCm needs",
                       "loaded (%s)%s", mod,
                       have_kfd ? "; KFD compute topology present"
                                : "; no KFD compute topology (/sys/class/kfd)");
        return;
    }
    if (s->r->amd_on_pci)
        accel__doc_add(s, ACCEL__DOC_FAIL, "amd.kernel_module", "AMD amdgpu kernel module",
                       "load it: modprobe amdgpu (firmware: apt-get install "
                       "firmware-amd-graphics, Debian non-free-firmware)",
                       "not loaded (%s absent) although %d AMD GPU(s) are on the PCI bus", mod,
                       s->r->amd_on_pci);
    else
        accel__doc_add(s, ACCEL__DOC_INFO, "amd.kernel_module", "AMD amdgpu kernel module", NULL,
                       "not present (%s absent; no AMD GPU on the PCI bus)", mod);
}

void accel__doc_check_host(accel__doc_state *s)
{
    check_pci(s);
    check_nvidia_module(s);
    check_amd_module(s);
    s->nvidia_stack = s->r->nvidia_on_pci > 0 || s->nvidia_module;
    s->amd_stack = s->r->amd_on_pci > 0 || s->amd_module;
}
