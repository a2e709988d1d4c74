/* opencl_records.c — the text records of OpenCL discovery (format in opencl_discover.h): what
 * the probe child sends and the verdict cache stores. One line per record keeps a cut-short
 * file detectable and the cache readable by a person. */
#include "discover/opencl_discover.h"

#include <stdlib.h>
#include <string.h>

/* ---- fields ----------------------------------------------------------------------------- */

/* "\tkey=value" with tab, newline and backslash escaped, so one record is one
 * line. */
void accel__ocl_field(accel__text *t, const char *key, const char *value)
{
    accel__text_printf(t, "\t%s=", key);
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '\\': accel__text_puts(t, "\\\\"); break;
        case '\t': accel__text_puts(t, "\\t"); break;
        case '\n': accel__text_puts(t, "\\n"); break;
        case '\r': accel__text_puts(t, "\\r"); break;
        default: accel__text_put(t, p, 1);
        }
    }
}

void accel__ocl_field_ll(accel__text *t, const char *key, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    accel__ocl_field(t, key, buf);
}

/* ---- records ---------------------------------------------------------------------------- */

void accel__ocl_write_device(accel__text *t, int plat, int dev, const accel__cl_props *p)
{
    accel__text_puts(t, "D");
    accel__ocl_field_ll(t, "plat", plat);
    accel__ocl_field_ll(t, "dev", dev);
    accel__ocl_field(t, "platform_name", p->platform_name);
    accel__ocl_field(t, "platform_vendor", p->platform_vendor);
    accel__ocl_field(t, "platform_version", p->platform_version);
    accel__ocl_field(t, "name", p->name);
    accel__ocl_field(t, "vendor", p->vendor);
    accel__ocl_field(t, "version", p->version);
    accel__ocl_field(t, "driver", p->driver);
    accel__ocl_field(t, "c_version", p->c_version);
    accel__ocl_field(t, "pci", p->pci_bus_id);
    accel__ocl_field_ll(t, "type", (long long)p->type);
    accel__ocl_field_ll(t, "compute_units", p->compute_units);
    accel__ocl_field_ll(t, "global_mem", p->global_mem);
    accel__ocl_field_ll(t, "local_mem", p->local_mem);
    accel__ocl_field_ll(t, "max_alloc", p->max_alloc);
    accel__ocl_field_ll(t, "max_work_group", p->max_work_group);
    accel__ocl_field_ll(t, "fp16", p->fp16);
    accel__ocl_field_ll(t, "fp64", p->fp64);
    accel__ocl_field_ll(t, "unified", p->unified);
    accel__ocl_field_ll(t, "available", p->available);
    accel__ocl_field_ll(t, "compiler", p->compiler);
    accel__ocl_field_ll(t, "amd_attributes", p->amd_attributes);
    accel__text_puts(t, "\n");
}

void accel__ocl_write_verdict(accel__text *t, int plat, int dev, int ok, const char *verdict)
{
    accel__text_puts(t, "V");
    accel__ocl_field_ll(t, "plat", plat);
    accel__ocl_field_ll(t, "dev", dev);
    accel__ocl_field_ll(t, "ok", ok);
    accel__ocl_field(t, "verdict", verdict);
    accel__text_puts(t, "\n");
}

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

accel__ocl_rec *accel__ocl_find_rec(accel__ocl_reclist *l, int plat, int dev)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].plat == plat && l->v[i].dev == dev) return &l->v[i];
    return NULL;
}

static void set_text(char *dst, size_t cap, const char *v) { accel__strlcpy(dst, v, cap); }

/* Parses one line in place; unknown keys are ignored so the format can grow. Returns -1 on a
 * malformed line. */
static int parse_line(char *line, accel__ocl_reclist *l)
{
    char kind = line[0];
    if (!kind || (line[1] != '\t' && line[1] != '\0')) return -1;
    accel__ocl_rec r;
    memset(&r, 0, sizeof r);
    r.plat = r.dev = -1;
    int ok = -1;
    char verdict[256] = "", message[512] = "";
    char *save = NULL;
    for (char *f = strtok_r(line + 1, "\t", &save); f; f = strtok_r(NULL, "\t", &save)) {
        char *eq = strchr(f, '=');
        if (!eq) return -1;
        *eq = '\0';
        char *v = eq + 1;
        unescape(v);
        long long n = strtoll(v, NULL, 10);
        accel__cl_props *p = &r.p;
#define TXT(k, dst) else if (strcmp(f, k) == 0) set_text(dst, sizeof dst, v)
#define NUM(k, dst) else if (strcmp(f, k) == 0) dst = n
        if (0) {
        }
        NUM("plat", r.plat);
        NUM("dev", r.dev);
        TXT("platform_name", p->platform_name);
        TXT("platform_vendor", p->platform_vendor);
        TXT("platform_version", p->platform_version);
        TXT("name", p->name);
        TXT("vendor", p->vendor);
        TXT("version", p->version);
        TXT("driver", p->driver);
        TXT("c_version", p->c_version);
        TXT("pci", p->pci_bus_id);
        NUM("type", p->type);
        NUM("compute_units", p->compute_units);
        NUM("global_mem", p->global_mem);
        NUM("local_mem", p->local_mem);
        NUM("max_alloc", p->max_alloc);
        NUM("max_work_group", p->max_work_group);
        NUM("fp16", p->fp16);
        NUM("fp64", p->fp64);
        NUM("unified", p->unified);
        NUM("available", p->available);
        NUM("compiler", p->compiler);
        NUM("amd_attributes", p->amd_attributes);
        NUM("ok", ok);
        TXT("verdict", verdict);
        TXT("message", message);
#undef TXT
#undef NUM
    }
    switch (kind) {
    case 'D': {
        if (r.plat < 0 || r.dev < 0 || accel__ocl_find_rec(l, r.plat, r.dev)) return -1;
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 4;
            accel__ocl_rec *v = realloc(l->v, cap * sizeof *v);
            if (!v) return -1;
            l->v = v;
            l->cap = cap;
        }
        l->v[l->n++] = r;
        return 0;
    }
    case 'V': {
        accel__ocl_rec *t = accel__ocl_find_rec(l, r.plat, r.dev);
        if (!t || ok < 0) return -1;
        t->tested = 1;
        t->ok = ok;
        set_text(t->verdict, sizeof t->verdict, verdict);
        return 0;
    }
    case 'N': l->complete = 1; return 0;
    case 'F': set_text(l->fatal, sizeof l->fatal, message[0] ? message : "failed"); return 0;
    case 'L': set_text(l->missing, sizeof l->missing, message); return 0;
    default: return -1;
    }
}

/* Parses a whole record text (a copy is made). -1 when any line is malformed. */
int accel__ocl_parse_records(const char *body, size_t len, accel__ocl_reclist *l)
{
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, body, len);
    copy[len] = '\0';
    int rc = 0;
    for (char *line = copy; *line && rc == 0;) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            rc = -1;
            break;
        }
        *nl = '\0';
        rc = parse_line(line, l);
        line = nl + 1;
    }
    free(copy);
    return rc;
}
