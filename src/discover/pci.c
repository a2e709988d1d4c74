/* pci.c — display and 3D controllers from sysfs: <sysfs>/bus/pci/devices/<bus id>/{class,
 * vendor,device,driver}. The `driver` entry is a symlink to the bound driver's directory; its
 * absence means no kernel driver claimed the card — the one fact no vendor API can report,
 * since without a driver none of them sees the card at all. */
#include "discover/pci.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *accel__pci_vendor_name(unsigned vendor_id)
{
    switch (vendor_id) {
    case ACCEL__PCI_VENDOR_NVIDIA: return "NVIDIA";
    case ACCEL__PCI_VENDOR_AMD: return "AMD";
    case ACCEL__PCI_VENDOR_INTEL: return "Intel";
    }
    return "";
}

/* Reads a sysfs hex attribute ("0x030000"); returns 0 on success. */
static int read_hex(const char *dir, const char *name, unsigned *out)
{
    char path[PATH_MAX], buf[64];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return -1;
    if (accel__read_text(path, buf, sizeof buf) != 0 || !buf[0]) return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(buf, &end, 16);
    if (errno || end == buf || *end || v > 0xffffffu) return -1;
    *out = (unsigned)v;
    return 0;
}

static void read_driver(const char *dir, char *out, size_t cap)
{
    char path[PATH_MAX], target[PATH_MAX];
    out[0] = '\0';
    if (snprintf(path, sizeof path, "%s/driver", dir) >= (int)sizeof path) return;
    ssize_t k = readlink(path, target, sizeof target - 1);
    if (k <= 0) return;
    target[k] = '\0';
    while (k > 1 && target[k - 1] == '/') target[--k] = '\0';
    const char *base = strrchr(target, '/');
    accel__strlcpy(out, base ? base + 1 : target, cap);
}

static int cmp_bus(const void *a, const void *b)
{
    return strcmp(((const accel__pci_gpu *)a)->bus_id, ((const accel__pci_gpu *)b)->bus_id);
}

accel_status accel__pci_scan_root(const char *sysfs_root, accel__pci_gpu **out, size_t *n)
{
    RETURN_ERROR_IF(!sysfs_root || !out || !n, ACCEL_ERR_INVALID_ARG,
                    "accel__pci_scan: NULL argument");
    *out = NULL;
    *n = 0;
    char base[PATH_MAX];
    RETURN_ERROR_IF(snprintf(base, sizeof base, "%s/bus/pci/devices", sysfs_root) >=
                        (int)sizeof base,
                    ACCEL_ERR_INVALID_ARG, "sysfs root too long: %s", sysfs_root);
    DIR *d = opendir(base);
    if (!d) {
        ACCEL_LOG_DEBUG("PCI scan: %s: %s (no PCI devices listed)", base, strerror(errno));
        return ACCEL_OK;
    }
    accel__pci_gpu *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char dir[PATH_MAX];
        if (snprintf(dir, sizeof dir, "%s/%s", base, e->d_name) >= (int)sizeof dir) continue;
        unsigned cls, ven, dev;
        if (read_hex(dir, "class", &cls) != 0) continue;
        if ((cls >> 16) != 0x03) continue; /* display controllers only */
        if (read_hex(dir, "vendor", &ven) != 0 || !accel__pci_vendor_name(ven)[0]) continue;
        if (read_hex(dir, "device", &dev) != 0) dev = 0;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 4;
            accel__pci_gpu *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                closedir(d);
                free(v);
                return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory scanning PCI devices");
            }
            v = nv;
            cap = nc;
        }
        accel__pci_gpu *g = &v[cnt++];
        memset(g, 0, sizeof *g);
        accel__strlcpy(g->bus_id, e->d_name, sizeof g->bus_id);
        for (char *p = g->bus_id; *p; p++)
            if (*p >= 'A' && *p <= 'F') *p = (char)(*p - 'A' + 'a');
        g->vendor_id = ven;
        g->device_id = dev;
        g->class_code = cls;
        accel__strlcpy(g->vendor, accel__pci_vendor_name(ven), sizeof g->vendor);
        read_driver(dir, g->driver, sizeof g->driver);
    }
    closedir(d);
    if (cnt > 1) qsort(v, cnt, sizeof *v, cmp_bus);
    *out = v;
    *n = cnt;
    return ACCEL_OK;
}

accel_status accel__pci_scan(accel__pci_gpu **out, size_t *n)
{
    return accel__pci_scan_root(accel__sysfs_root(), out, n);
}
