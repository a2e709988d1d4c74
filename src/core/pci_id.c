/* pci_id.c — PCI bus ids as the different APIs spell them ("0000:01:00.0", CUDA's
 * "00000000:01:00.0", "01:00.0"), compared as numbers. Discovery uses them to match one card
 * seen through several APIs, selection to honour ACCEL_DEVICE=<bus id>: a helper both stand
 * on, so it lives below both. */
#include "core/internal.h"

#include <stdio.h>
#include <string.h>

int accel__pci_bus_id_parse(const char *text, uint64_t *out)
{
    unsigned long dom = 0, bus, dev, fn;
    char tail;
    /* hexadecimal digits only: sscanf alone would also take " 1:0.0", "+1:0.0", "-0:1:0.0" and
     * "0x1:0.0", no spelling of an API nor of `accel devices` */
    if (!text || text[strspn(text, "0123456789abcdefABCDEF:.")]) return -1;
    if (sscanf(text, "%lx:%lx:%lx.%lx%c", &dom, &bus, &dev, &fn, &tail) != 4) {
        dom = 0;
        if (sscanf(text, "%lx:%lx.%lx%c", &bus, &dev, &fn, &tail) != 3) return -1;
    }
    if (dom > 0xffffffffu || bus > 0xff || dev > 0x1f || fn > 7) return -1;
    *out = ((uint64_t)dom << 16) | (bus << 8) | (dev << 3) | fn;
    return 0;
}

int accel__pci_bus_id_normalise(const char *in, char *out, size_t cap)
{
    if (cap) out[0] = '\0';
    uint64_t v;
    if (accel__pci_bus_id_parse(in, &v) != 0) return -1;
    unsigned long dom = (unsigned long)(v >> 16), bus = (v >> 8) & 0xff, dev = (v >> 3) & 0x1f,
                  fn = v & 7;
    /* NVML writes an 8-digit domain; sysfs and CUDA 4 digits. Domains above 0xffff exist
     * (VMD) and keep all their digits. */
    snprintf(out, cap, dom > 0xffff ? "%08lx:%02lx:%02lx.%lx" : "%04lx:%02lx:%02lx.%lx", dom, bus,
             dev, fn);
    return 0;
}

int accel__pci_bus_id_equal(const char *a, const char *b)
{
    uint64_t x, y;
    return accel__pci_bus_id_parse(a, &x) == 0 && accel__pci_bus_id_parse(b, &y) == 0 && x == y;
}
