/* fault_spec.c — the ACCEL_FAULT syntax: KIND@SITE[:N][,…] parsed into rules
 * (docs/fault-injection.md), and the status each kind of fault returns.
 *
 * A leaf of its own: configuration validates ACCEL_FAULT with it when the value is set, and
 * fault.c parses the effective value with it when the first check runs, so neither of those
 * two files calls the other. */
#include "core/fault.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"oom", "launch", "lost", "unavailable", "kernel"};

accel_status accel__fault_status(accel__fault_kind kind)
{
    switch (kind) {
    case ACCEL__FAULT_OOM: return ACCEL_ERR_DEVICE_OOM;
    case ACCEL__FAULT_LAUNCH:
    case ACCEL__FAULT_KERNEL: return ACCEL_ERR_KERNEL;
    case ACCEL__FAULT_LOST: return ACCEL_ERR_DEVICE_LOST;
    case ACCEL__FAULT_UNAVAILABLE: return ACCEL_ERR_UNAVAILABLE;
    }
    return ACCEL_ERR_INTERNAL;
}

static int bad(char *why, size_t cap, const char *item, const char *fmt, const char *detail)
{
    char d[160];
    snprintf(d, sizeof d, fmt, detail);
    snprintf(why, cap, "item '%s': %s", item, d);
    return -1;
}

static int parse_item(const char *item, accel__fault_rule *r, char *why, size_t cap)
{
    memset(r, 0, sizeof *r);
    accel__strlcpy(r->text, item, sizeof r->text);
    const char *at = strchr(item, '@');
    if (!at) return bad(why, cap, item, "%s", "missing '@' between KIND and SITE");
    size_t kl = (size_t)(at - item);
    int kind = -1;
    for (int k = 0; k < 5; k++)
        if (strlen(kind_names[k]) == kl && strncmp(item, kind_names[k], kl) == 0) kind = k;
    if (kind < 0) {
        char k[64];
        accel__strlcpy(k, item, kl + 1 < sizeof k ? kl + 1 : sizeof k);
        return bad(why, cap, item,
                   "unknown kind '%s' (kinds: oom, launch, lost, unavailable, kernel)", k);
    }
    r->kind = (accel__fault_kind)kind;
    const char *site = at + 1, *colon;
    if (strncmp(site, "op:", 3) == 0) {
        const char *name = site + 3;
        size_t nl = 0;
        while (name[nl] && (isalnum((unsigned char)name[nl]) || name[nl] == '_' ||
                            name[nl] == '-' || name[nl] == '.'))
            nl++;
        if (nl == 0) return bad(why, cap, item, "%s", "op: needs an operation name (op:convert)");
        colon = name + nl;
        if (*colon && *colon != ':')
            return bad(why, cap, item, "unexpected '%s' after the operation name", colon);
    } else {
        colon = strchr(site, ':');
        size_t sl = colon ? (size_t)(colon - site) : strlen(site);
        static const char *const sites[] = {"alloc", "copy", "launch", "open"};
        int ok = 0;
        for (int s = 0; s < 4; s++)
            if (strlen(sites[s]) == sl && strncmp(site, sites[s], sl) == 0) ok = 1;
        if (!ok) {
            char s[64];
            accel__strlcpy(s, site, sl + 1 < sizeof s ? sl + 1 : sizeof s);
            return bad(why, cap, item,
                       "unknown site '%s' (sites: alloc, copy, launch, open, op:<name>)", s);
        }
    }
    size_t sl = colon && *colon ? (size_t)(colon - site) : strlen(site);
    if (sl >= sizeof r->site) return bad(why, cap, item, "%s", "site name too long");
    memcpy(r->site, site, sl);
    r->site[sl] = '\0';
    if (colon && *colon == ':') {
        const char *num = colon + 1;
        if (!isdigit((unsigned char)*num))
            return bad(why, cap, item, "'%s' is not a call number (N or N+, N ≥ 1)", num);
        char *end;
        errno = 0;
        unsigned long n = strtoul(num, &end, 10);
        if (errno || n == 0) return bad(why, cap, item, "call number '%s' must be ≥ 1", num);
        if (*end == '+') {
            r->from_nth = 1;
            end++;
        }
        if (*end) return bad(why, cap, item, "'%s' is not a call number (N or N+, N ≥ 1)", num);
        r->nth = n;
    }
    return 0;
}

int accel__fault_parse(const char *spec, accel__fault_rule *rules, int max_rules, char *why,
                       size_t why_cap)
{
    if (!spec) return 0;
    int n = 0;
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        /* tolerate spaces around items ("oom@alloc, lost@copy") */
        while (len && isspace((unsigned char)*p)) p++, len--;
        while (len && isspace((unsigned char)p[len - 1])) len--;
        if (len == 0) {
            snprintf(why, why_cap, "empty item in the list");
            return -1;
        }
        if (len >= sizeof item) {
            snprintf(why, why_cap, "item '%.40s…' is too long", p);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (n >= max_rules) {
            snprintf(why, why_cap, "more than %d items", max_rules);
            return -1;
        }
        if (parse_item(item, &rules[n], why, why_cap) != 0) return -1;
        n++;
        if (!comma) break;
        p = comma + 1;
        if (!*p) {
            snprintf(why, why_cap, "empty item after the last ','");
            return -1;
        }
    }
    return n;
}
