/* cgroup.c — CPU quota and memory limit of the process's control groups, v2 and v1.
 *
 * Inside a container sysconf() and /proc/meminfo describe the host, not what the container
 * may use: a job that starts one thread per host core under a 2-core quota is throttled, and
 * one that sizes batches from host memory is OOM-killed. The limits live in cgroupfs. */
#include "discover/cpu.h"

#include "core/text.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define V1_UNLIMITED (1ll << 62)

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A whole number in a cgroup file; strict (cgroupfs writes plain decimal numbers), so a value
 * that does not fit is absent rather than saturated. */
static int read_ll(const char *dir, const char *name, long long *v, char *path, size_t cap)
{
    char buf[128];
    if (snprintf(path, cap, "%s/%s", dir, name) >= (int)cap) return -1;
    if (accel__read_text(path, buf, sizeof buf) != 0) return -1;
    int64_t x;
    if (accel__parse_i64(buf, &x) != 0) return -1;
    *v = x;
    return 0;
}

/* "inactive_file 123" (v2) or "total_inactive_file 123" (v1, hierarchical) in memory.stat. */
static long long inactive_file(const char *dir, int v1)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/memory.stat", dir);
    char *text = NULL;
    size_t n = 0;
    if (accel__read_file(path, &text, &n) != ACCEL_OK) {
        accel__clear_error();
        return 0;
    }
    const char *want = v1 ? "total_inactive_file " : "inactive_file ";
    long long v = 0;
    for (char *line = text; line && *line;) {
        char *eol = strchr(line, '\n');
        if (strncmp(line, want, strlen(want)) == 0) {
            uint64_t x;
            if (accel__parse_u64_prefix(line + strlen(want), &x, NULL) == 0 && x <= INT64_MAX)
                v = (long long)x;
            break;
        }
        line = eol ? eol + 1 : NULL;
    }
    free(text);
    return v > 0 ? v : 0;
}

/* One hierarchy: its mount directory and the process's path in it. */
typedef struct {
    char base[PATH_MAX];
    char path[PATH_MAX]; /* "/a/b" or "" for the root */
} hier;

/* Starts at the process's group, or at the mount root when the group is not visible there (a
 * container that sees its own group as the root). */
static void hier_start(hier *h)
{
    char d[PATH_MAX * 2];
    snprintf(d, sizeof d, "%s%s", h->base, h->path);
    if (!is_dir(d)) h->path[0] = '\0';
}

static int hier_dir(const hier *h, char *out, size_t cap)
{
    return snprintf(out, cap, "%s%s", h->base, h->path) < (int)cap ? 0 : -1;
}

/* Moves to the parent; returns 0 when there was one. */
static int hier_up(hier *h)
{
    if (!h->path[0]) return -1;
    char *slash = strrchr(h->path, '/');
    if (!slash) h->path[0] = '\0';
    else *slash = '\0';
    return 0;
}

static void take_quota(accel__cgroup *cg, double cores, const char *file, int version)
{
    if (cores <= 0) return;
    if (cg->cpu_quota < 0 || cores < cg->cpu_quota) {
        cg->cpu_quota = cores;
        accel__strlcpy(cg->cpu_file, file, sizeof cg->cpu_file);
    }
    if (!cg->version || version > cg->version) cg->version = version;
}

static void take_memory(accel__cgroup *cg, long long limit, long long used, const char *file,
                        int version)
{
    if (limit < 0 || limit >= V1_UNLIMITED) return;
    if (cg->mem_limit < 0 || limit < cg->mem_limit) {
        cg->mem_limit = limit;
        accel__strlcpy(cg->mem_file, file, sizeof cg->mem_file);
    }
    long long head = used >= 0 ? limit - used : limit;
    if (head < 0) head = 0;
    if (cg->mem_headroom < 0 || head < cg->mem_headroom) cg->mem_headroom = head;
    if (!cg->version || version > cg->version) cg->version = version;
}

static void read_v2(accel__cgroup *cg, hier *h)
{
    hier_start(h);
    do {
        char dir[PATH_MAX], file[PATH_MAX], buf[128];
        if (hier_dir(h, dir, sizeof dir) != 0) return;
        snprintf(file, sizeof file, "%s/cpu.max", dir);
        if (accel__read_text(file, buf, sizeof buf) == 0) {
            /* "$MAX $PERIOD": "max 100000" (no limit) or "150000 100000" */
            char *sp = strchr(buf, ' ');
            int64_t quota = -1, period = 0;
            if (sp) *sp = '\0';
            if (sp && strcmp(buf, "max") != 0 && accel__parse_i64(buf, &quota) == 0 &&
                accel__parse_i64(sp + 1, &period) == 0 && quota > 0 && period > 0)
                take_quota(cg, (double)quota / (double)period, file, 2);
            else if (!cg->version)
                cg->version = 2;
        }
        snprintf(file, sizeof file, "%s/memory.max", dir);
        if (accel__read_text(file, buf, sizeof buf) == 0) {
            int64_t limit;
            if (strcmp(buf, "max") != 0 && accel__parse_i64(buf, &limit) == 0) {
                long long cur;
                char cur_path[PATH_MAX];
                long long used = -1;
                /* a negative usage is no usage figure (and would overflow the subtraction) */
                if (read_ll(dir, "memory.current", &cur, cur_path, sizeof cur_path) == 0 && cur >= 0) {
                    used = cur - inactive_file(dir, 0);
                    if (used < 0) used = 0;
                }
                take_memory(cg, limit, used, file, 2);
            } else if (!cg->version) {
                cg->version = 2;
            }
        }
    } while (hier_up(h) == 0);
}

static void read_v1_cpu(accel__cgroup *cg, hier *h)
{
    hier_start(h);
    do {
        char dir[PATH_MAX], qf[PATH_MAX], pf[PATH_MAX];
        long long quota, period;
        if (hier_dir(h, dir, sizeof dir) != 0) return;
        if (read_ll(dir, "cpu.cfs_quota_us", &quota, qf, sizeof qf) != 0) continue;
        if (!cg->version) cg->version = 1;
        if (quota > 0 && read_ll(dir, "cpu.cfs_period_us", &period, pf, sizeof pf) == 0 &&
            period > 0)
            take_quota(cg, (double)quota / (double)period, qf, 1);
    } while (hier_up(h) == 0);
}

static void read_v1_memory(accel__cgroup *cg, hier *h)
{
    hier_start(h);
    do {
        char dir[PATH_MAX], lf[PATH_MAX], uf[PATH_MAX];
        long long limit, usage;
        if (hier_dir(h, dir, sizeof dir) != 0) return;
        if (read_ll(dir, "memory.limit_in_bytes", &limit, lf, sizeof lf) != 0) continue;
        if (!cg->version) cg->version = 1;
        long long used = -1;
        if (read_ll(dir, "memory.usage_in_bytes", &usage, uf, sizeof uf) == 0 && usage >= 0) {
            used = usage - inactive_file(dir, 1);
            if (used < 0) used = 0;
        }
        take_memory(cg, limit, used, lf, 1);
    } while (hier_up(h) == 0);
}

/* v1 mounts a hierarchy per controller set: "cpu,cpuacct" (with "cpu" and "cpuacct" links),
 * or "cpu" alone. */
static int v1_base(const char *sysfs_root, const char *controllers, const char *want, char *out,
                   size_t cap)
{
    const char *names[] = {controllers, want};
    for (int i = 0; i < 2; i++) {
        snprintf(out, cap, "%s/fs/cgroup/%s", sysfs_root, names[i]);
        if (is_dir(out)) return 0;
    }
    return -1;
}

static int has_controller(const char *list, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, want, n) == 0) return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

void accel__cgroup_read(const char *sysfs_root, const char *procfs_root, accel__cgroup *out)
{
    memset(out, 0, sizeof *out);
    out->cpu_quota = -1;
    out->mem_limit = out->mem_headroom = -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/self/cgroup", procfs_root);
    char *text = NULL;
    size_t n = 0;
    if (accel__read_file(path, &text, &n) != ACCEL_OK) {
        accel__clear_error();
        return;
    }
    for (char *line = text; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol) *eol = '\0';
        /* hierarchy-ID:controller-list:cgroup-path */
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1 && c2) {
            *c1 = *c2 = '\0';
            const char *id = line, *ctl = c1 + 1, *cgpath = c2 + 1;
            if (strcmp(cgpath, "/") == 0) cgpath = "";
            hier h;
            accel__strlcpy(h.path, cgpath, sizeof h.path);
            if (strcmp(id, "0") == 0 && !*ctl) {
                /* unified: at the cgroupfs root on a v2 host, under unified/ in hybrid mode */
                snprintf(h.base, sizeof h.base, "%s/fs/cgroup", sysfs_root);
                snprintf(path, sizeof path, "%s/cgroup.controllers", h.base);
                struct stat st;
                if (stat(path, &st) != 0)
                    snprintf(h.base, sizeof h.base, "%s/fs/cgroup/unified", sysfs_root);
                if (is_dir(h.base)) read_v2(out, &h);
            } else {
                if (has_controller(ctl, "cpu") &&
                    v1_base(sysfs_root, ctl, "cpu", h.base, sizeof h.base) == 0) {
                    hier hc = h;
                    read_v1_cpu(out, &hc);
                }
                if (has_controller(ctl, "memory") &&
                    v1_base(sysfs_root, ctl, "memory", h.base, sizeof h.base) == 0) {
                    hier hm = h;
                    read_v1_memory(out, &hm);
                }
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    free(text);
}

int accel__cpu_usable_cores(int logical, int affinity, double quota)
{
    int n = logical > 0 ? logical : 1;
    if (affinity > 0 && affinity < n) n = affinity;
    if (quota > 0) {
        double q = ceil(quota - 1e-9); /* 150000/100000 → 2; exact 2.0 stays 2 */
        if (q < n) n = (int)q;
    }
    return n < 1 ? 1 : n;
}
