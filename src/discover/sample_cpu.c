/* sample_cpu.c — live figures of the CPU device, so that a machine without a GPU is monitored
 * too:
 *   memory       /proc/meminfo (MemTotal − MemAvailable); in a memory-limited cgroup, the
 *                limit and the group's working set, since that is what runs out first
 *   utilisation  /proc/stat: the share of non-idle time of all cores since the previous sample
 *   temperature  the hwmon sensor of the CPU package (coretemp, k10temp, zenpower,
 *                cpu_thermal), else a thermal zone of CPU type
 *   power        RAPL package energy (/sys/class/powercap/intel-rapl:N, which AMD's driver
 *                also fills) over the time since the previous sample; usually root only
 * Utilisation and power are rates: the previous reading is kept process-wide (these are
 * machine-wide counters) and a first sample, or one after a long pause, measures over 100 ms. */
#include "core/backend.h"

#include "discover/cpu.h"
#include "discover/sample.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIRST_INTERVAL_MS 100.0
#define STALE_MS 10000.0

typedef struct {
    int valid;
    double t_ms;
    unsigned long long busy, total;   /* /proc/stat jiffies */
    long long energy_uj;               /* RAPL, summed over packages; -1 unknown */
    long long energy_range_uj;         /* where the counter wraps */
} cpu_reading;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cpu_reading last;

static void read_stat(cpu_reading *r)
{
    char path[512], text[1024];
    snprintf(path, sizeof path, "%s/stat", accel__procfs_root());
    r->busy = r->total = 0;
    if (accel__read_text(path, text, sizeof text) != 0 || strncmp(text, "cpu ", 4) != 0) return;
    unsigned long long v[10] = {0};
    int k = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    if (k < 4) return;
    /* user nice system idle iowait irq softirq steal (guest time is inside user already) */
    unsigned long long total = 0;
    for (int i = 0; i < k && i < 8; i++) total += v[i];
    unsigned long long idle = v[3] + (k > 4 ? v[4] : 0);
    r->total = total;
    r->busy = total - idle;
}

static long long read_ll(const char *path)
{
    char text[64];
    if (accel__read_text(path, text, sizeof text) != 0) return -1;
    char *end;
    long long v = strtoll(text, &end, 10);
    return end != text && v >= 0 ? v : -1;
}

/* RAPL: the package domains are intel-rapl:N (their sub-domains are intel-rapl:N:M) */
static void read_rapl(cpu_reading *r, long long *limit_uw)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/class/powercap", accel__sysfs_root());
    r->energy_uj = r->energy_range_uj = -1;
    *limit_uw = -1;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "intel-rapl:", 11) != 0 || strchr(e->d_name + 11, ':')) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s/energy_uj", dir, e->d_name);
        long long en = read_ll(p);
        if (en < 0) continue;
        snprintf(p, sizeof p, "%s/%s/max_energy_range_uj", dir, e->d_name);
        long long range = read_ll(p);
        snprintf(p, sizeof p, "%s/%s/constraint_0_power_limit_uw", dir, e->d_name);
        long long lim = read_ll(p);
        r->energy_uj = (r->energy_uj < 0 ? 0 : r->energy_uj) + en;
        if (range > 0) r->energy_range_uj = (r->energy_range_uj < 0 ? 0 : r->energy_range_uj) + range;
        if (lim > 0) *limit_uw = (*limit_uw < 0 ? 0 : *limit_uw) + lim;
    }
    closedir(d);
}

static void read_now(cpu_reading *r, long long *limit_uw)
{
    r->t_ms = accel__now_ms();
    read_stat(r);
    read_rapl(r, limit_uw);
    r->valid = r->total > 0;
}

static int temperature(void)
{
    static const char *const sensors[] = {"coretemp", "k10temp", "zenpower", "cpu_thermal",
                                          "cpu-thermal", "soc_thermal"};
    char dir[512];
    snprintf(dir, sizeof dir, "%s/class/hwmon", accel__sysfs_root());
    DIR *d = opendir(dir);
    int best = -1;
    if (d) {
        struct dirent *e;
        while (best < 0 && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char p[1024], name[64];
            snprintf(p, sizeof p, "%s/%s/name", dir, e->d_name);
            if (accel__read_text(p, name, sizeof name) != 0) continue;
            for (size_t i = 0; i < sizeof sensors / sizeof *sensors; i++)
                if (!strcmp(name, sensors[i])) {
                    snprintf(p, sizeof p, "%s/%s/temp1_input", dir, e->d_name);
                    long long t = read_ll(p);
                    if (t >= 0) best = (int)(t / 1000);
                }
        }
        closedir(d);
    }
    if (best >= 0) return best;
    snprintf(dir, sizeof dir, "%s/class/thermal", accel__sysfs_root());
    d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while (best < 0 && (e = readdir(d))) {
        if (strncmp(e->d_name, "thermal_zone", 12) != 0) continue;
        char p[1024], type[64];
        snprintf(p, sizeof p, "%s/%s/type", dir, e->d_name);
        if (accel__read_text(p, type, sizeof type) != 0) continue;
        if (strcmp(type, "x86_pkg_temp") && strncmp(type, "cpu", 3) && strcmp(type, "soc_thermal"))
            continue;
        snprintf(p, sizeof p, "%s/%s/temp", dir, e->d_name);
        long long t = read_ll(p);
        if (t >= 0) best = (int)(t / 1000);
    }
    closedir(d);
    return best;
}

static void memory(const accel__device *dev, accel_device_sample *s)
{
    char path[512];
    static char text[8192]; /* under `lock` */
    snprintf(path, sizeof path, "%s/meminfo", accel__procfs_root());
    int64_t total = -1, avail = -1;
    if (accel__read_text(path, text, sizeof text) == 0) accel__meminfo_parse(text, &total, &avail);
    if (total > 0 && avail >= 0 && avail <= total) {
        s->mem_total = total;
        s->mem_used = total - avail;
    }
    if (dev->info.cgroup_mem_limit > 0 && (total < 0 || dev->info.cgroup_mem_limit < total)) {
        accel__cgroup cg;
        accel__cgroup_read(accel__sysfs_root(), accel__procfs_root(), &cg);
        if (cg.mem_limit > 0) {
            s->mem_total = cg.mem_limit;
            if (cg.mem_headroom >= 0 && cg.mem_headroom <= cg.mem_limit)
                s->mem_used = cg.mem_limit - cg.mem_headroom;
        }
    }
}

accel_status accel__sample_cpu(const accel__device *dev, accel_device_sample *s,
                               accel_device_process *procs, size_t stride, size_t cap, size_t *n)
{
    (void)procs;
    (void)stride;
    (void)cap;
    if (n) *n = 0; /* every process uses the CPU: there is no list worth giving */
    if (!s) return ACCEL_OK;
    pthread_mutex_lock(&lock);
    memory(dev, s);
    cpu_reading now;
    long long limit_uw = -1;
    read_now(&now, &limit_uw);
    if (now.valid && (!last.valid || now.t_ms - last.t_ms > STALE_MS || now.total <= last.total)) {
        last = now;
        struct timespec ts = {0, (long)(FIRST_INTERVAL_MS * 1e6)};
        nanosleep(&ts, NULL);
        read_now(&now, &limit_uw);
    }
    if (now.valid && last.valid && now.total > last.total) {
        unsigned long long dt = now.total - last.total, db = now.busy - last.busy;
        if (now.busy < last.busy) db = 0;
        s->utilization_percent = (int)((db * 100 + dt / 2) / dt);
        if (s->utilization_percent > 100) s->utilization_percent = 100;
    }
    double dt_ms = now.t_ms - last.t_ms;
    if (now.energy_uj >= 0 && last.energy_uj >= 0 && dt_ms > 0) {
        long long de = now.energy_uj - last.energy_uj;
        if (de < 0 && now.energy_range_uj > 0) de += now.energy_range_uj; /* wrapped */
        if (de >= 0) s->power_mw = (int)((double)de / dt_ms); /* µJ / ms = mW */
    }
    if (limit_uw > 0) s->power_limit_mw = (int)(limit_uw / 1000);
    if (now.valid) last = now;
    pthread_mutex_unlock(&lock);
    s->temperature_c = temperature();
    accel__strlcpy(s->source, "procfs", sizeof s->source);
    return ACCEL_OK;
}
