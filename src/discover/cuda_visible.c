/* cuda_visible.c — CUDA_VISIBLE_DEVICES read as the driver reads it.
 *
 * The driver applies the variable itself inside cuInit, so discovery already sees the
 * filtered set; this reading exists to explain it (the doctor's "hides every device", a log
 * line) and never to filter devices a second time. The rules are in cuda.h. */
#include "discover/cuda.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* strtoul-like reading of one index entry: leading digits, optional sign; -1 when none or
 * negative, -2 when too large to be an index. */
static long entry_ordinal(const char *s)
{
    int neg = 0;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (!isdigit((unsigned char)*s)) return -1;
    long v = 0;
    while (isdigit((unsigned char)*s)) {
        if (v > 100000000L) return -2;
        v = v * 10 + (*s++ - '0');
    }
    return neg && v ? -1 : v;
}

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    while (isspace((unsigned char)s[a])) a++;
    memmove(s, s + a, n - a + 1);
}

void accel__cuda_visible_parse(const char *value, accel__cuda_visible *v)
{
    memset(v, 0, sizeof *v);
    v->stopped_at = -1;
    if (!value) return;
    accel__strlcpy(v->value, value, sizeof v->value);
    const char *prefix = NULL;
    if (strncmp(value, "GPU-", 4) == 0) {
        v->kind = ACCEL__CVD_UUIDS;
        prefix = "GPU-";
    } else if (strncmp(value, "MIG-", 4) == 0) {
        v->kind = ACCEL__CVD_MIG;
        prefix = "MIG-";
    } else {
        v->kind = ACCEL__CVD_ORDINALS;
    }
    if (!*value) return; /* set but empty: nothing visible */
    const char *p = value;
    int idx = 0;
    for (;; idx++) {
        size_t len = strcspn(p, ",");
        char e[96];
        size_t k = len < sizeof e - 1 ? len : sizeof e - 1;
        memcpy(e, p, k);
        e[k] = '\0';
        v->n_raw++;
        if (v->stopped_at < 0 && !v->repeated) {
            int stop = 0, dup = 0;
            if (prefix) {
                if (strncmp(e, prefix, 4) != 0 || v->n == ACCEL__CVD_MAX) stop = 1;
                for (int i = 0; !stop && i < v->n; i++) dup |= strcmp(v->id[i], e) == 0;
                if (!stop && !dup) accel__strlcpy(v->id[v->n++], e, sizeof v->id[0]);
            } else {
                char t[96];
                accel__strlcpy(t, e, sizeof t);
                trim(t);
                long o = entry_ordinal(t);
                if (o < 0 || v->n == ACCEL__CVD_MAX) stop = 1;
                for (int i = 0; !stop && i < v->n; i++) dup |= v->ordinal[i] == o;
                if (!stop && !dup) v->ordinal[v->n++] = (int)o;
            }
            if (stop) {
                v->stopped_at = idx;
                accel__strlcpy(v->stop_entry, e, sizeof v->stop_entry);
            } else if (dup) {
                v->repeated = 1;
                v->n = 0;
                accel__strlcpy(v->stop_entry, e, sizeof v->stop_entry);
            }
        }
        if (!p[len]) break;
        p += len + 1;
    }
}

static void set_why(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t cap, const char *fmt, ...)
{
    if (!why || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* "this machine has 2 NVIDIA GPUs (0..1)" */
static void machine_has(int n, char *buf, size_t cap)
{
    if (n <= 0)
        snprintf(buf, cap, "this machine has no NVIDIA GPU");
    else if (n == 1)
        snprintf(buf, cap, "this machine has 1 NVIDIA GPU (0)");
    else
        snprintf(buf, cap, "this machine has %d NVIDIA GPUs (0..%d)", n, n - 1);
}

int accel__cuda_visible_resolve(const accel__cuda_visible *v, int n_physical,
                                const char *const *uuids, int *map, char *why, size_t cap)
{
    set_why(why, cap, "%s", "");
    if (v->kind == ACCEL__CVD_UNSET) {
        int n = n_physical < ACCEL__CVD_MAX ? n_physical : ACCEL__CVD_MAX;
        for (int i = 0; i < n; i++) map[i] = i;
        return n < 0 ? 0 : n;
    }
    if (v->kind == ACCEL__CVD_MIG) {
        set_why(why, cap, "MIG instances are not resolved by accel");
        return -1;
    }
    int n = 0;
    for (int i = 0; i < v->n; i++) {
        int phys = -1;
        if (v->kind == ACCEL__CVD_ORDINALS) {
            if (v->ordinal[i] >= n_physical) {
                char have[64];
                machine_has(n_physical, have, sizeof have);
                set_why(why, cap, "entry %d names device %d, but %s", i, v->ordinal[i], have);
                break;
            }
            phys = v->ordinal[i];
        } else {
            if (!uuids) {
                set_why(why, cap, "the devices' UUIDs are unknown");
                return -1;
            }
            int matches = 0;
            size_t plen = strlen(v->id[i]);
            for (int d = 0; d < n_physical; d++) {
                if (uuids[d] && strncmp(uuids[d], v->id[i], plen) == 0) {
                    matches++;
                    phys = d;
                }
            }
            if (matches != 1) {
                set_why(why, cap, "entry %d (%s) %s", i, v->id[i],
                        matches ? "matches more than one GPU's UUID" : "matches no GPU's UUID");
                break;
            }
        }
        for (int j = 0; j < n; j++) {
            if (map[j] == phys) {
                set_why(why, cap, "device %d is named twice, and the driver then shows none",
                        phys);
                return 0;
            }
        }
        map[n++] = phys;
    }
    return n;
}

accel__cvd_effect accel__cuda_visible_explain(const accel__cuda_visible *v, int n_physical,
                                              const char *const *uuids, char *buf, size_t cap)
{
    if (!cap) return ACCEL__CVD_FINE;
    buf[0] = '\0';
    if (v->kind == ACCEL__CVD_UNSET) return ACCEL__CVD_FINE;
    char head[320];
    snprintf(head, sizeof head, "CUDA_VISIBLE_DEVICES=%s%s%s", v->value[0] ? "" : "\"",
             v->value, v->value[0] ? "" : "\"");
    if (!v->value[0]) {
        snprintf(buf, cap, "%s is set but empty: it hides every CUDA device", head);
        return ACCEL__CVD_HIDES_ALL;
    }
    if (v->repeated) {
        snprintf(buf, cap, "%s repeats the entry '%s', and the driver then hides every CUDA device",
                 head, v->stop_entry);
        return ACCEL__CVD_HIDES_ALL;
    }
    if (v->n == 0) {
        snprintf(buf, cap, "%s hides every CUDA device ('%s' %s)", head, v->stop_entry,
                 v->stop_entry[0] == '-' ? "is negative, which ends the list"
                                         : "is not a device index or UUID, which ends the list");
        return ACCEL__CVD_HIDES_ALL;
    }
    accel__cvd_effect effect = ACCEL__CVD_FINE;
    char ignored[256] = "";
    if (v->stopped_at >= 0) {
        snprintf(ignored, sizeof ignored, "; entries from '%s' on are ignored", v->stop_entry);
        effect = ACCEL__CVD_PARTLY_IGNORED;
    }
    if (n_physical < 0 || v->kind == ACCEL__CVD_MIG ||
        (v->kind == ACCEL__CVD_UUIDS && !uuids)) {
        snprintf(buf, cap, "%s selects %d entr%s%s", head, v->n, v->n == 1 ? "y" : "ies",
                 ignored);
        return effect;
    }
    int map[ACCEL__CVD_MAX];
    char why[256];
    int shown = accel__cuda_visible_resolve(v, n_physical, uuids, map, why, sizeof why);
    if (shown == 0) {
        snprintf(buf, cap, "%s: %s: no CUDA device is visible", head, why);
        return ACCEL__CVD_HIDES_ALL;
    }
    char list[256] = "";
    for (int i = 0; i < shown; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%d", i ? ", " : "", map[i]);
    }
    if (why[0]) {
        snprintf(buf, cap, "%s: %s; only device%s %s %s visible", head, why,
                 shown == 1 ? "" : "s", list, shown == 1 ? "is" : "are");
        return ACCEL__CVD_PARTLY_IGNORED;
    }
    char as[32];
    if (shown == 1)
        snprintf(as, sizeof as, "CUDA device 0");
    else
        snprintf(as, sizeof as, "CUDA devices 0..%d", shown - 1);
    snprintf(buf, cap, "%s shows device%s %s as %s%s", head, shown == 1 ? "" : "s", list, as,
             ignored);
    return effect;
}
