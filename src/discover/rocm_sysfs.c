/* rocm_sysfs.c — AMD GPUs as the kernel driver shows them, without any ROCm library: the KFD
 * topology (what ROCr enumerates, in the same order) and the DRM card of each GPU (VRAM
 * counters). Reading sysfs needs no permissions, so a GPU is listed even when the user cannot
 * open /dev/kfd or ROCm is not installed — that is exactly what the verdict then explains. */
#include "discover/rocm.h"

#include "core/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Value of "key value" line `key` in a KFD properties text; 0 when found. */
static int prop(const char *text, const char *key, unsigned long long *v)
{
    size_t kn = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, kn) == 0 && (p[kn] == ' ' || p[kn] == '\t')) {
            uint64_t x; /* strict: a value past 2^64 is no value, not ULLONG_MAX */
            if (accel__parse_u64_prefix(p + kn + 1, &x, NULL) != 0) return -1;
            *v = x;
            return 0;
        }
        p = strchr(p, '\n');
        if (p) p++;
    }
    return -1;
}

static int64_t read_i64(const char *path)
{
    char buf[64];
    if (accel__read_text(path, buf, sizeof buf) != 0 || !buf[0]) return -1;
    if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) { /* vendor/device ids */
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(buf + 2, &end, 16);
        return end == buf + 2 || *end || errno || v > INT64_MAX ? -1 : (int64_t)v;
    }
    int64_t v;
    return accel__parse_i64(buf, &v) == 0 && v >= 0 ? v : -1;
}

/* gfx_target_version is major*10000 + minor*100 + stepping; the target name prints the
 * stepping in hex: 90010 -> gfx90a, 100300 -> gfx1030, 90402 -> gfx942. */
static void arch_name(unsigned long long v, char *buf, size_t cap)
{
    unsigned major = (unsigned)(v / 10000), minor = (unsigned)(v / 100 % 100),
             step = (unsigned)(v % 100);
    snprintf(buf, cap, "gfx%u%u%x", major, minor, step);
}

/* Completes `g` from the DRM card whose PCI slot matches. */
static void from_drm(accel__rocm_gpu *g)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/class/drm", accel__sysfs_root());
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* cardN only: cardN-DP-1 and the like are connectors, renderD* duplicate cardN */
        if (strncmp(e->d_name, "card", 4) != 0 || !e->d_name[4]) continue;
        const char *p = e->d_name + 4;
        while (isdigit((unsigned char)*p)) p++;
        if (*p) continue;
        char path[1400], text[2048];
        snprintf(path, sizeof path, "%s/%s/device/uevent", dir, e->d_name);
        if (accel__read_text(path, text, sizeof text) != 0) continue;
        const char *slot = strstr(text, "PCI_SLOT_NAME=");
        if (!slot) continue;
        slot += strlen("PCI_SLOT_NAME=");
        size_t len = strcspn(slot, "\n");
        if (len != strlen(g->pci_bus_id) || strncasecmp(slot, g->pci_bus_id, len) != 0) continue;
        accel__strlcpy(g->drm_card, e->d_name, sizeof g->drm_card);
        snprintf(path, sizeof path, "%s/%s/device/mem_info_vram_total", dir, e->d_name);
        g->vram_total = read_i64(path);
        snprintf(path, sizeof path, "%s/%s/device/mem_info_vram_used", dir, e->d_name);
        g->vram_used = read_i64(path);
        snprintf(path, sizeof path, "%s/%s/device/product_name", dir, e->d_name);
        accel__read_text(path, g->product, sizeof g->product);
        if (g->vendor_id < 0) {
            snprintf(path, sizeof path, "%s/%s/device/vendor", dir, e->d_name);
            g->vendor_id = (int)read_i64(path);
        }
        break;
    }
    closedir(d);
}

/* The frame-buffer heap of a node when the DRM card gave no VRAM size (older kernels). */
static int64_t vram_from_banks(const char *node_dir)
{
    int64_t total = -1;
    for (int b = 0; b < 16; b++) {
        char path[1200], *text = NULL;
        size_t n = 0;
        snprintf(path, sizeof path, "%s/mem_banks/%d/properties", node_dir, b);
        if (access(path, R_OK) != 0 || accel__read_file(path, &text, &n) != ACCEL_OK) break;
        unsigned long long heap = 0, size = 0;
        /* heap_type 1 and 2: public and private frame buffer */
        if (prop(text, "heap_type", &heap) == 0 && (heap == 1 || heap == 2) &&
            prop(text, "size_in_bytes", &size) == 0) {
            /* sizes are text: a sum that does not fit is unknown, never wrapped */
            int64_t sum;
            if (size > (unsigned long long)INT64_MAX ||
                __builtin_add_overflow(total < 0 ? 0 : total, (int64_t)size, &sum)) {
                free(text);
                return -1;
            }
            total = sum;
        }
        free(text);
    }
    return total;
}

static int cmp_node(const void *a, const void *b)
{
    const accel__rocm_gpu *x = a, *y = b;
    return (x->node > y->node) - (x->node < y->node);
}

accel_status accel__rocm_scan(accel__rocm_gpu **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/class/kfd/kfd/topology/nodes", accel__sysfs_root());
    DIR *d = opendir(dir);
    if (!d) return ACCEL_OK; /* no amdgpu/KFD driver: no AMD compute GPUs */
    accel__rocm_gpu *v = NULL;
    size_t cnt = 0, cap = 0;
    accel_status st = ACCEL_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end = NULL;
        long node = strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end || node < 0) continue;
        char node_dir[1200], path[1300], *text = NULL;
        size_t tn = 0;
        snprintf(node_dir, sizeof node_dir, "%s/%s", dir, e->d_name);
        snprintf(path, sizeof path, "%s/properties", node_dir);
        if (access(path, R_OK) != 0 || accel__read_file(path, &text, &tn) != ACCEL_OK) continue;
        unsigned long long simd = 0, x = 0;
        if (prop(text, "simd_count", &simd) != 0 || simd == 0) {
            free(text); /* a CPU node */
            continue;
        }
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 4;
            accel__rocm_gpu *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                free(text);
                st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory reading %s", dir);
                break;
            }
            v = nv;
            cap = nc;
        }
        accel__rocm_gpu *g = &v[cnt++];
        memset(g, 0, sizeof *g);
        g->node = (int)node;
        g->vendor_id = g->device_id = g->compute_units = -1;
        g->vram_total = g->vram_used = -1;
        if (prop(text, "gfx_target_version", &x) == 0 && x > 0) {
            arch_name(x, g->arch, sizeof g->arch);
        } else {
            char name[64];
            snprintf(path, sizeof path, "%s/name", node_dir);
            if (accel__read_text(path, name, sizeof name) == 0 && strncmp(name, "gfx", 3) == 0)
                accel__strlcpy(g->arch, name, sizeof g->arch);
        }
        unsigned long long per_cu = 0;
        if (prop(text, "simd_per_cu", &per_cu) != 0 || per_cu == 0) per_cu = 4;
        g->compute_units = (int)(simd / per_cu);
        if (prop(text, "vendor_id", &x) == 0) g->vendor_id = (int)x;
        if (prop(text, "device_id", &x) == 0) g->device_id = (int)x;
        if (prop(text, "cpu_cores_count", &x) == 0 && x > 0) g->apu = 1;
        unsigned long long loc = 0, dom = 0;
        if (prop(text, "location_id", &loc) == 0) {
            prop(text, "domain", &dom);
            /* location_id is the PCI bus/device/function: bus << 8 | device << 3 | function */
            snprintf(g->pci_bus_id, sizeof g->pci_bus_id, "%04x:%02x:%02x.%x",
                     (unsigned)(dom & 0xffff), (unsigned)((loc >> 8) & 0xff),
                     (unsigned)((loc >> 3) & 0x1f), (unsigned)(loc & 7));
        }
        if (prop(text, "unique_id", &x) == 0 && x != 0)
            snprintf(g->uuid, sizeof g->uuid, "GPU-%016llx", x);
        free(text);
        if (g->pci_bus_id[0]) from_drm(g);
        if (g->vram_total < 0 && !g->apu) g->vram_total = vram_from_banks(node_dir);
    }
    closedir(d);
    if (st != ACCEL_OK) {
        free(v);
        return st;
    }
    if (cnt > 1) qsort(v, cnt, sizeof *v, cmp_node);
    *out = v;
    *n = cnt;
    return ACCEL_OK;
}

/* Parses one visibility list over the `n` candidates cand[] into sel[] (positions in cand);
 * returns the count. Entries are indices or GPU-<uuid>. */
static size_t parse_list(const char *list, size_t n, const accel__rocm_gpu *gpus,
                         const size_t *cand, size_t *sel)
{
    size_t m = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t') p++;
        size_t len = strcspn(p, ",");
        char tok[64];
        size_t tl = len < sizeof tok - 1 ? len : sizeof tok - 1;
        memcpy(tok, p, tl);
        tok[tl] = '\0';
        while (tl && (tok[tl - 1] == ' ' || tok[tl - 1] == '\t')) tok[--tl] = '\0';
        long idx = -1;
        if (tl && isdigit((unsigned char)tok[0])) {
            char *end = NULL;
            long v = strtol(tok, &end, 10);
            if (*end == '\0' && v >= 0 && (size_t)v < n) idx = v;
        } else if (strncasecmp(tok, "GPU-", 4) == 0) {
            for (size_t i = 0; i < n; i++)
                if (gpus[cand[i]].uuid[0] && strcasecmp(gpus[cand[i]].uuid, tok) == 0) idx = (long)i;
        }
        for (size_t k = 0; idx >= 0 && k < m; k++)
            if (sel[k] == (size_t)idx) idx = -1; /* repeated */
        if (idx < 0) break;                      /* the runtime stops at an invalid entry */
        sel[m++] = (size_t)idx;
        p += len;
        if (*p == ',') p++;
    }
    return m;
}

size_t accel__rocm_visible(const accel__rocm_gpu *gpus, size_t n, const char *rocr,
                           const char *hip, size_t *keep)
{
    if (n == 0) return 0;
    size_t *cand = malloc(n * sizeof *cand), *sel = malloc(n * sizeof *sel);
    if (!cand || !sel) {
        free(cand);
        free(sel);
        return 0;
    }
    size_t m = n;
    for (size_t i = 0; i < n; i++) cand[i] = i;
    if (rocr) {
        size_t k = parse_list(rocr, m, gpus, cand, sel);
        for (size_t i = 0; i < k; i++) sel[i] = cand[sel[i]];
        memcpy(cand, sel, k * sizeof *cand);
        m = k;
    }
    if (hip) {
        size_t k = parse_list(hip, m, gpus, cand, sel);
        for (size_t i = 0; i < k; i++) sel[i] = cand[sel[i]];
        memcpy(cand, sel, k * sizeof *cand);
        m = k;
    }
    memcpy(keep, cand, m * sizeof *keep);
    free(cand);
    free(sel);
    return m;
}
