/* cuda_outcome.c — reads the NVIDIA probe's reply lines (format in cuda_probe.h). Strict:
 * a record from the cache that does not read cleanly is treated as absent, never half-used. */
#include "discover/cuda_outcome.h"

#include "discover/cuda_probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

/* Splits line (modified in place) on tabs. */
static int split(char *line, char **f)
{
    int n = 0;
    for (char *p = line;;) {
        if (n == MAX_FIELDS) return -1;
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

static int to_ll(const char *s, long long *v)
{
    char *e;
    errno = 0;
    *v = strtoll(s, &e, 10);
    return (*s && !*e && !errno) ? 0 : -1;
}

static int to_int(const char *s, int *v)
{
    long long x;
    if (to_ll(s, &x) != 0 || x < -2147483647LL || x > 2147483647LL) return -1;
    *v = (int)x;
    return 0;
}

static void text(char *dst, const char *src, size_t cap)
{
    accel__strlcpy(dst, strcmp(src, "-") == 0 ? "" : src, cap);
}

void accel__cuda_clean_field(const char *in, char *out, size_t cap)
{
    if (!cap) return;
    size_t k = 0;
    for (; in && *in && k + 1 < cap; in++)
        out[k++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? ' ' : *in;
    out[k] = '\0';
    if (!k) accel__strlcpy(out, "-", cap);
}

static int parse_dev(char **f, int n, accel__cuda_outcome *o)
{
    if (n != 13) return -1;
    accel__cuda_dev_rec r;
    memset(&r, 0, sizeof r);
    if (to_int(f[1], &r.ordinal) || to_int(f[2], &r.usable) || to_int(f[3], &r.cc_major) ||
        to_int(f[4], &r.cc_minor) || to_int(f[5], &r.sms) || to_ll(f[6], &r.total) ||
        to_ll(f[7], &r.free_b) || to_int(f[8], &r.integrated))
        return -1;
    text(r.bus, f[9], sizeof r.bus);
    text(r.uuid, f[10], sizeof r.uuid);
    text(r.name, f[11], sizeof r.name);
    text(r.verdict, f[12], sizeof r.verdict);
    if (o->n_devs >= 1024) return -1;
    accel__cuda_dev_rec *v = realloc(o->devs, (size_t)(o->n_devs + 1) * sizeof *v);
    if (!v) return -1;
    o->devs = v;
    o->devs[o->n_devs++] = r;
    return 0;
}

static int parse_nvml_dev(char **f, int n, accel__cuda_outcome *o)
{
    if (n != 10) return -1;
    accel__nvml_dev_rec r;
    memset(&r, 0, sizeof r);
    text(r.bus, f[1], sizeof r.bus);
    text(r.uuid, f[2], sizeof r.uuid);
    if (to_ll(f[3], &r.total) || to_ll(f[4], &r.free_b) || to_ll(f[5], &r.used) ||
        to_int(f[6], &r.util) || to_int(f[7], &r.temp) || to_int(f[8], &r.power))
        return -1;
    text(r.name, f[9], sizeof r.name);
    if (o->n_nvml >= 1024) return -1;
    accel__nvml_dev_rec *v = realloc(o->nvml, (size_t)(o->n_nvml + 1) * sizeof *v);
    if (!v) return -1;
    o->nvml = v;
    o->nvml[o->n_nvml++] = r;
    return 0;
}

static int parse_line(char *line, accel__cuda_outcome *o)
{
    if (strcmp(line, ACCEL__CUDA_REPLY_MAGIC) == 0) {
        o->has_magic = 1;
        return 0;
    }
    char *f[MAX_FIELDS];
    int n = split(line, f);
    if (n < 1) return -1;
    const char *t = f[0];
#define ONE_TEXT(tag, dst)                                                                  \
    if (strcmp(t, tag) == 0) {                                                              \
        if (n != 2) return -1;                                                              \
        text(dst, f[1], sizeof dst);                                                        \
        return 0;                                                                           \
    }
#define ONE_INT(tag, dst)                                                                   \
    if (strcmp(t, tag) == 0) return n == 2 ? to_int(f[1], &dst) : -1;
#define FLAG(tag, dst)                                                                      \
    if (strcmp(t, tag) == 0) {                                                              \
        dst = 1;                                                                            \
        return n == 1 ? 0 : -1;                                                             \
    }
    ONE_TEXT("L", o->lib)
    ONE_INT("V", o->driver)
    ONE_INT("I", o->init_code)
    ONE_INT("N", o->count)
    if (strcmp(t, "D") == 0) return parse_dev(f, n, o);
    FLAG("C", o->cuda_done)
    ONE_TEXT("ML", o->nvml_lib)
    ONE_TEXT("MV", o->nvml_version)
    ONE_INT("MN", o->nvml_count)
    if (strcmp(t, "MD") == 0) return parse_nvml_dev(f, n, o);
    ONE_TEXT("MF", o->nvml_fail)
    FLAG("MC", o->nvml_done)
    if (strcmp(t, "PO") == 0) {
        long long ms;
        if (n != 6 || to_int(f[1], &o->ok) || to_int(f[2], &o->timed_out) ||
            to_int(f[3], &o->sig) || to_int(f[4], &o->exit_code) || to_ll(f[5], &ms))
            return -1;
        o->ms = (double)ms;
        return 0;
    }
    ONE_TEXT("PW", o->verdict)
    ONE_TEXT("PM", o->nvml_verdict)
    ONE_TEXT("PL", o->lib_id)
    ONE_TEXT("PN", o->nvml_id)
    ONE_TEXT("PX", o->output)
    FLAG("PE", o->complete)
#undef ONE_TEXT
#undef ONE_INT
#undef FLAG
    return -1;
}

int accel__cuda_outcome_parse(const char *src, accel__cuda_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->driver = o->init_code = o->count = o->nvml_count = -1;
    char *copy = strdup(src);
    if (!copy) return -1;
    int rc = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (parse_line(line, o) != 0) {
            ACCEL_LOG_DEBUG("CUDA probe outcome: unreadable line: %.120s", line);
            rc = -1;
            break;
        }
    }
    free(copy);
    return rc;
}

void accel__cuda_outcome_free(accel__cuda_outcome *o)
{
    free(o->devs);
    free(o->nvml);
    o->devs = NULL;
    o->nvml = NULL;
    o->n_devs = o->n_nvml = 0;
}
