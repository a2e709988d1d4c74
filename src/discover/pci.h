/* pci.h — display and 3D controllers found on the PCI bus through sysfs (internal).
 *
 * The PCI scan is the ground truth that vendor APIs are compared against: a GPU that is on
 * the bus but has no kernel driver bound (or that no API reaches) is reported as exactly
 * that by `accel devices` and `accel doctor`. It reads only sysfs, so it works on a machine
 * with no vendor library, and the root can be redirected (ACCEL_SYSFS_ROOT) to a captured
 * tree for tests. */
#ifndef ACCEL_DISCOVER_PCI_H
#define ACCEL_DISCOVER_PCI_H

#include "core/internal.h"

#include <stddef.h>
#include <stdint.h>

#define ACCEL__PCI_VENDOR_NVIDIA 0x10deu
#define ACCEL__PCI_VENDOR_AMD 0x1002u
#define ACCEL__PCI_VENDOR_INTEL 0x8086u

/* One display (class 0x0300xx), XGA, 3D (0x0302xx) or other display controller (0x03xxxx)
 * from NVIDIA, AMD or Intel. */
typedef struct accel__pci_gpu {
    char bus_id[32];      /* "0000:01:00.0", as sysfs names it (lower case) */
    unsigned vendor_id;   /* 0x10de, 0x1002, 0x8086 */
    unsigned device_id;
    unsigned class_code;  /* 24-bit class: 0x030000 VGA, 0x030200 3D controller, … */
    char vendor[16];      /* "NVIDIA", "AMD", "Intel" */
    char driver[64];      /* bound kernel driver ("nvidia", "amdgpu", "i915"), "" when none */
} accel__pci_gpu;

/* Scans <sysfs>/bus/pci/devices/ (accel__sysfs_root()). *out receives a malloc'd array of
 * *n entries sorted by bus id (the caller frees it; NULL when *n is 0). A missing or
 * unreadable sysfs gives 0 entries and ACCEL_OK; entries whose files cannot be read are
 * skipped. @return ACCEL_OK, or ACCEL_ERR_NO_MEMORY / ACCEL_ERR_INVALID_ARG. */
accel_status accel__pci_scan(accel__pci_gpu **out, size_t *n);

/* The same scan under an explicit root (the directory that holds bus/pci/devices). */
accel_status accel__pci_scan_root(const char *sysfs_root, accel__pci_gpu **out, size_t *n);

/* accel__pci_bus_id_parse() and accel__pci_bus_id_equal() are in core/internal.h. */

/* "NVIDIA", "AMD", "Intel", or "" for other vendor ids. */
const char *accel__pci_vendor_name(unsigned vendor_id);

#endif
