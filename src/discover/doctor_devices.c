/* doctor_devices.c — what the environment hides, and what accel concluded about each device.
 *
 * CUDA_VISIBLE_DEVICES="" or a stale index copied from another machine makes a working GPU
 * invisible, and every framework then reports "no GPU" without saying why. The doctor reads
 * the variables the way the runtimes do and compares them with the GPUs on the PCI bus. */
#include "discover/doctor_checks.h"
#include "discover/cuda.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void check_cuda_visible(accel__doc_state *s, const char *value)
{
    accel__cuda_visible v;
    accel__cuda_visible_parse(value, &v);
    int n_phys = s->r->nvidia_on_pci;
    if (!n_phys && s->cuda_n_devices > 0) n_phys = -1; /* the driver sees GPUs that PCI does not */
    char text[600];
    accel__cvd_effect e = accel__cuda_visible_explain(&v, n_phys, NULL, text, sizeof text);
    const char *comp = "CUDA_VISIBLE_DEVICES";
    if (e == ACCEL__CVD_HIDES_ALL) {
        int gpus = s->r->nvidia_on_pci > 0;
        accel__doc_add(s, gpus ? ACCEL__DOC_FAIL : ACCEL__DOC_WARN, "env.CUDA_VISIBLE_DEVICES",
                       comp,
                       gpus ? "unset CUDA_VISIBLE_DEVICES, or set it to device indices or GPU "
                              "UUIDs that exist (nvidia-smi -L lists them)"
                            : "unset it unless hiding CUDA devices is intended",
                       "%s", text[0] ? text : "hides every device");
    } else if (e == ACCEL__CVD_PARTLY_IGNORED) {
        accel__doc_add(s, ACCEL__DOC_WARN, "env.CUDA_VISIBLE_DEVICES", comp,
                       "list only devices that exist (nvidia-smi -L lists them)", "%s", text);
    } else {
        accel__doc_add(s, ACCEL__DOC_PASS, "env.CUDA_VISIBLE_DEVICES", comp, NULL,
                       "=\"%s\": %s", value, text[0] ? text : "every entry names a device");
    }
}

/* HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES: comma-separated indices (ROCR also takes
 * "GPU-<uuid>"). An empty value or a negative index hides everything from there on. */
static void check_amd_visible(accel__doc_state *s, const char *var, const char *value)
{
    int n_phys = s->r->amd_on_pci;
    char id[64], bad[256] = "";
    snprintf(id, sizeof id, "env.%s", var);
    int valid = 0, uuids = 0, stopped = 0;
    const char *p = value;
    while (*p && !stopped) {
        size_t k = strcspn(p, ",");
        char tok[96];
        size_t c = k < sizeof tok - 1 ? k : sizeof tok - 1;
        memcpy(tok, p, c);
        tok[c] = '\0';
        char *t = tok;
        while (isspace((unsigned char)*t)) t++;
        if (strncmp(t, "GPU-", 4) == 0) {
            uuids++;
        } else {
            char *end;
            long idx = strtol(t, &end, 10);
            if (end == t || idx < 0) {
                stopped = 1;
                size_t b = strlen(bad);
                snprintf(bad + b, sizeof bad - b, "%s\"%s\" ends the list", b ? "; " : "", t);
            } else if (idx >= n_phys) {
                size_t b = strlen(bad);
                snprintf(bad + b, sizeof bad - b, "%s%ld names no device", b ? "; " : "", idx);
            } else {
                valid++;
            }
        }
        p += k;
        if (*p == ',') p++;
    }
    if (valid + uuids == 0) {
        accel__doc_add(s, n_phys ? ACCEL__DOC_FAIL : ACCEL__DOC_WARN, id, var,
                       n_phys ? "unset it, or list device indices 0.. that exist (rocm-smi "
                                "lists them)"
                              : "unset it unless hiding AMD devices is intended",
                       "=\"%s\" hides every AMD GPU (%d on the PCI bus)%s%s", value, n_phys,
                       bad[0] ? ": " : "", bad);
    } else if (bad[0]) {
        accel__doc_add(s, ACCEL__DOC_WARN, id, var, "list only devices that exist",
                       "=\"%s\": %s (%d AMD GPU(s) on the PCI bus)", value, bad, n_phys);
    } else {
        accel__doc_add(s, ACCEL__DOC_PASS, id, var, NULL,
                       "=\"%s\": %d entr%s name%s AMD GPUs%s", value, valid + uuids,
                       valid + uuids == 1 ? "y" : "ies", valid + uuids == 1 ? "s" : "",
                       uuids ? " (UUIDs are not checked)" : "");
    }
}

void accel__doc_check_visible(accel__doc_state *s)
{
    const char *cvd = getenv("CUDA_VISIBLE_DEVICES");
    const char *hip = getenv("HIP_VISIBLE_DEVICES");
    const char *rocr = getenv("ROCR_VISIBLE_DEVICES");
    if (cvd) check_cuda_visible(s, cvd);
    if (hip) check_amd_visible(s, "HIP_VISIBLE_DEVICES", hip);
    if (rocr) check_amd_visible(s, "ROCR_VISIBLE_DEVICES", rocr);
    if (!cvd && !hip && !rocr)
        accel__doc_add(s, ACCEL__DOC_PASS, "env.visible_devices", "*_VISIBLE_DEVICES", NULL,
                       "CUDA_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES and ROCR_VISIBLE_DEVICES are "
                       "not set: every GPU is visible");
}

/* The probe verdict of every device the context found: "listed" is not "usable". */
void accel__doc_check_devices(accel__doc_state *s)
{
    if (!s->ctx) {
        accel__doc_add(s, ACCEL__DOC_FAIL, "devices", "accel devices",
                       "fix the configuration (see accel.config)",
                       "not discovered: the configuration is invalid");
        return;
    }
    size_t n = 0;
    accel_device_count(s->ctx, &n);
    for (size_t i = 0; i < n; i++) {
        const accel_device_info *d;
        if (accel_device_get(s->ctx, i, &d) != ACCEL_OK) continue;
        char id[32], comp[160], mem[48] = "";
        snprintf(id, sizeof id, "device:%zu", i);
        snprintf(comp, sizeof comp, "device %zu (%s)", i, accel_device_kind_name(d->kind));
        if (d->mem_total > 0)
            snprintf(mem, sizeof mem, ", %.1f GiB", (double)d->mem_total / (1024.0 * 1024 * 1024));
        accel__doc_add(s, d->usable ? ACCEL__DOC_PASS : ACCEL__DOC_FAIL, id, comp,
                       d->usable ? NULL
                                 : "see the driver and library lines above; `accel devices "
                                   "--no-cache` probes it again",
                       "%s%s%s%s%s%s: %s", d->name[0] ? d->name : "unnamed",
                       d->arch[0] ? ", " : "", d->arch, d->pci_bus_id[0] ? ", " : "", d->pci_bus_id,
                       mem, d->verdict[0] ? d->verdict : "no verdict");
    }
}
