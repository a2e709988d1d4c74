/* sample_drm.c — live figures of a GPU that a DRM kernel driver exposes (amdgpu; any DRM
 * driver for the process list), from sysfs and /proc, with no vendor library:
 *
 *   <sysfs>/class/drm/cardN/device/   the card whose uevent says PCI_SLOT_NAME=<bus id>
 *       mem_info_vram_used, mem_info_vram_total      bytes
 *       gpu_busy_percent, mem_busy_percent           percent
 *       hwmon/hwmonK/temp1_input                     millidegrees Celsius (the edge sensor)
 *       hwmon/hwmonK/power1_average (or power1_input), power1_cap   microwatts
 *   <procfs>/PID/fd/F → /dev/dri/…, and <procfs>/PID/fdinfo/F:
 *       drm-pdev: <bus id>   drm-client-id: N   drm-memory-vram: X KiB
 *       (drm-resident-vram / drm-total-vram on newer kernels)
 *
 * The DRM fdinfo keys are the kernel's common format (Documentation/gpu/drm-usage-stats.rst):
 * one client may be open through several descriptors and is counted once. Processes of other
 * users are visible only with the privileges to read their /proc/PID/fd. */
#include "core/backend.h"

#include "discover/sample.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* <sysfs>/class/drm/cardN/device of the card at `bus`, or "" */
static int card_dir(const char *bus, char *out, size_t cap)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/class/drm", accel__sysfs_root());
    DIR *d = opendir(dir);
    if (!d) return -1;
    int found = -1;
    struct dirent *e;
    while (found != 0 && (e = readdir(d))) {
        /* cards only: "card0", not the connectors ("card1-DP-1") nor render nodes */
        if (strncmp(e->d_name, "card", 4) != 0 || strchr(e->d_name, '-')) continue;
        char path[1024], text[2048];
        snprintf(path, sizeof path, "%s/%s/device/uevent", dir, e->d_name);
        if (accel__read_text(path, text, sizeof text) != 0) continue;
        const char *slot = strstr(text, "PCI_SLOT_NAME=");
        if (!slot) continue;
        char id[64];
        slot += strlen("PCI_SLOT_NAME=");
        size_t k = strcspn(slot, "\n");
        if (k >= sizeof id) continue;
        memcpy(id, slot, k);
        id[k] = '\0';
        if (!accel__pci_bus_id_equal(id, bus)) continue;
        snprintf(out, cap, "%s/%s/device", dir, e->d_name);
        found = 0;
    }
    closedir(d);
    return found;
}

static long long read_number(const char *dir, const char *name)
{
    char path[1200], text[64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (accel__read_text(path, text, sizeof text) != 0) return -1;
    char *end;
    long long v = strtoll(text, &end, 10);
    return end != text && v >= 0 ? v : -1;
}

static int clamp_int(long long v) { return v < 0 ? -1 : v > 2147483647 ? 2147483647 : (int)v; }

static void read_hwmon(const char *dev, accel_device_sample *s)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/hwmon", dev);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "hwmon", 5) != 0) continue;
        char h[1400];
        snprintf(h, sizeof h, "%s/%s", dir, e->d_name);
        long long t = read_number(h, "temp1_input");
        if (t >= 0 && s->temperature_c < 0) s->temperature_c = clamp_int(t / 1000);
        long long p = read_number(h, "power1_average");
        if (p < 0) p = read_number(h, "power1_input");
        if (p >= 0 && s->power_mw < 0) s->power_mw = clamp_int(p / 1000);
        long long c = read_number(h, "power1_cap");
        if (c > 0 && s->power_limit_mw < 0) s->power_limit_mw = clamp_int(c / 1000);
    }
    closedir(d);
}

/* "1024 KiB" → bytes; -1 when not a number */
static int64_t fdinfo_bytes(const char *v)
{
    while (*v == ' ' || *v == '\t') v++;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (end == v || x < 0) return -1;
    while (*end == ' ') end++;
    int64_t mul = 1;
    if (!strncmp(end, "KiB", 3)) mul = 1024;
    else if (!strncmp(end, "MiB", 3)) mul = 1024 * 1024;
    else if (!strncmp(end, "GiB", 3)) mul = 1024LL * 1024 * 1024;
    if (x > INT64_MAX / mul) return -1;
    return (int64_t)x * mul;
}

typedef struct {
    unsigned long long *ids; /* client ids already counted */
    size_t n, cap;
} seen_clients;

static int seen_before(seen_clients *c, unsigned long long id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->ids[i] == id) return 1;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        unsigned long long *v = realloc(c->ids, cap * sizeof *v);
        if (!v) return 0;
        c->ids = v;
        c->cap = cap;
    }
    c->ids[c->n++] = id;
    return 0;
}

/* The DRM clients of process `pid` on the GPU at `bus`. */
static void scan_process(const char *proc, int pid, const char *bus, seen_clients *seen,
                         accel__proc_list *l)
{
    char fddir[600];
    snprintf(fddir, sizeof fddir, "%s/%d/fd", proc, pid);
    DIR *d = opendir(fddir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char link[1200], target[256];
        snprintf(link, sizeof link, "%s/%s", fddir, e->d_name);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k <= 0) continue;
        target[k] = '\0';
        if (strncmp(target, "/dev/dri/", 9) != 0) continue;
        char info[1200], text[4096];
        snprintf(info, sizeof info, "%s/%d/fdinfo/%s", proc, pid, e->d_name);
        if (accel__read_text(info, text, sizeof text) != 0) continue;
        int on_gpu = 0, have_id = 0;
        unsigned long long id = 0;
        int64_t vram = -1, resident = -1, total = -1;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *colon = strchr(line, ':');
            if (!colon) continue;
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t') v++;
            if (!strcmp(line, "drm-pdev")) on_gpu = accel__pci_bus_id_equal(v, bus);
            else if (!strcmp(line, "drm-client-id")) have_id = sscanf(v, "%llu", &id) == 1;
            else if (!strcmp(line, "drm-memory-vram")) vram = fdinfo_bytes(v);
            else if (!strcmp(line, "drm-resident-vram")) resident = fdinfo_bytes(v);
            else if (!strcmp(line, "drm-total-vram")) total = fdinfo_bytes(v);
        }
        if (!on_gpu || (have_id && seen_before(seen, id))) continue;
        accel__proc_list_add(l, pid, vram >= 0 ? vram : resident >= 0 ? resident : total, 1);
    }
    closedir(d);
}

static void scan_processes(const char *bus, accel__proc_list *l)
{
    const char *proc = accel__procfs_root();
    DIR *d = opendir(proc);
    if (!d) return;
    seen_clients seen = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid > 0x7fffffff) continue;
        scan_process(proc, (int)pid, bus, &seen, l);
    }
    closedir(d);
    free(seen.ids);
}

accel_status accel__sample_drm(const accel__device *dev, accel_device_sample *s,
                               accel_device_process *procs, size_t stride, size_t cap, size_t *n)
{
    if (n) *n = 0;
    const char *bus = dev->info.pci_bus_id;
    if (!bus[0]) return ACCEL_OK;
    if (s) {
        char dir[1024];
        if (card_dir(bus, dir, sizeof dir) == 0) {
            long long used = read_number(dir, "mem_info_vram_used");
            long long total = read_number(dir, "mem_info_vram_total");
            if (used >= 0) s->mem_used = used;
            if (total > 0) s->mem_total = total;
            s->utilization_percent = clamp_int(read_number(dir, "gpu_busy_percent"));
            s->mem_busy_percent = clamp_int(read_number(dir, "mem_busy_percent"));
            read_hwmon(dir, s);
            if (used >= 0 || s->utilization_percent >= 0 || s->temperature_c >= 0)
                accel__strlcpy(s->source, "sysfs", sizeof s->source);
        }
    }
    if (n) {
        accel__proc_list l = {0};
        scan_processes(bus, &l);
        accel__proc_list_emit(&l, procs, stride, cap, n);
    }
    return ACCEL_OK;
}
