/* doctor_report.c — the report the doctor's checks fill: a check added at a time, its fix,
 * what a probe printed, the libraries resolved so far, the exit code and freeing.
 *
 * Why a file of its own: the checks (doctor_*.c) call these while doctor.c calls the checks;
 * with the report in doctor.c the two called each other. The report is below both now, as
 * devlist.c is for discovery. */
#include "discover/doctor_checks.h"

#include <stdlib.h>
#include <string.h>

const char *accel__doc_status_name(accel__doc_status s)
{
    switch (s) {
    case ACCEL__DOC_PASS: return "PASS";
    case ACCEL__DOC_INFO: return "INFO";
    case ACCEL__DOC_WARN: return "WARN";
    case ACCEL__DOC_FAIL: return "FAIL";
    }
    return "FAIL";
}

accel__doc_check *accel__doc_add(accel__doc_state *s, accel__doc_status st, const char *id,
                                 const char *component, const char *fix, const char *seen_fmt,
                                 ...)
{
    accel__doc_report *r = s->r;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        accel__doc_check *v = realloc(r->checks, cap * sizeof *v);
        if (!v) return NULL;
        r->checks = v;
        r->cap = cap;
    }
    accel__doc_check *c = &r->checks[r->n++];
    memset(c, 0, sizeof *c);
    c->status = st;
    accel__strlcpy(c->id, id, sizeof c->id);
    accel__strlcpy(c->component, component, sizeof c->component);
    if (fix) accel__strlcpy(c->fix, fix, sizeof c->fix);
    va_list ap;
    va_start(ap, seen_fmt);
    vsnprintf(c->seen, sizeof c->seen, seen_fmt, ap);
    va_end(ap);
    return c;
}

void accel__doc_set_fix(accel__doc_check *c, const char *fmt, ...)
{
    if (!c) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->fix, sizeof c->fix, fmt, ap);
    va_end(ap);
}

void accel__doc_attach_output(accel__doc_check *c, const char *who, const char *output)
{
    if (!c || !output || !output[0]) return;
    accel__strlcpy(c->probe_output, output, sizeof c->probe_output);
    size_t n = strlen(c->seen);
    snprintf(c->seen + n, sizeof c->seen - n, "; %s printed during the probe: \"%s\"", who,
             output);
}

accel__doc_lib *accel__doc_lib_get(accel__doc_state *s, const char *soname)
{
    for (size_t i = 0; i < s->n_libs; i++)
        if (strcmp(s->libs[i].info.soname, soname) == 0) return &s->libs[i];
    return NULL;
}

int accel__doctor_exit_code(const accel__doc_report *r)
{
    if (r->n_fail) return 2;
    if (r->n_warn) return 1;
    return 0;
}

void accel__doctor_free(accel__doc_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->checks[i].lib);
        free(r->checks[i].load);
    }
    free(r->checks);
    free(r);
}
