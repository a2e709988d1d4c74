/* doctor.c — runs the doctor's checks in order and keeps the tally (the report they fill is
 * doctor_report.c's).
 *
 * The order matters: the PCI scan and the kernel modules say which GPU stacks this machine
 * has, and the library checks use that to decide whether a missing library is a failure (an
 * NVIDIA GPU without libcuda), a warning, or just not needed (cuBLAS on a machine with no
 * NVIDIA hardware). */
#include "discover/doctor_checks.h"

#include <stdlib.h>
#include <string.h>

/* The probe wait hook while the doctor runs: one line on the progress stream per probe that
 * takes long, naming it, what it is doing and when it will be stopped. */
static void say_waiting(const char *what, const char *step, int limit_ms, void *arg)
{
    FILE *f = arg;
    if (!what) return;
    fprintf(f, "accel doctor: waiting for %s%s%s%s (it is stopped after %g s if it does not "
               "finish)\n",
            what, step && step[0] ? " (" : "", step ? step : "", step && step[0] ? ")" : "",
            limit_ms / 1000.0);
    fflush(f);
}

accel_status accel__doctor_run(const accel__doc_options *opt, accel__doc_report **out)
{
    *out = NULL;
    static const accel__doc_options defaults = {0};
    if (!opt) opt = &defaults;
    double t0 = accel__now_ms();
    accel__doc_report *r = calloc(1, sizeof *r);
    accel__doc_state *s = calloc(1, sizeof *s);
    if (!r || !s) {
        free(r);
        free(s);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory starting the doctor");
    }
    s->r = r;
    s->opt = opt;
    s->cuda_driver_version = -1;
    s->cuda_n_devices = -1;

    /* The context gives the configuration (probe time limit, cache directory) and the probe
     * verdict of every device. Kernels are not compiled: the doctor only looks. */
    unsigned flags = ACCEL_CTX_NO_WARMUP | (opt->no_cache ? ACCEL_CTX_NO_CACHE : 0u);
    if (opt->progress) accel__probe_set_wait_hook(say_waiting, opt->progress, 1000);
    if (accel_ctx_create(&s->ctx, NULL, 0, flags) != ACCEL_OK) {
        s->ctx = NULL;
        accel__strlcpy(s->ctx_error, accel_last_error(NULL), sizeof s->ctx_error);
    }
    long long t = s->ctx ? accel__cfg_int(s->ctx, ACCEL__CFG_PROBE_TIMEOUT_MS) : -1;
    s->timeout_ms = t >= 100 && t <= 86400000 ? (int)t : 15000;
    accel__ldpath_open(&s->lp);

    accel__doc_check_self(s);
    accel__doc_check_host(s);
    if (s->lp) accel__doc_check_libs(s);
    if (s->lp) accel__doc_check_opencl(s);
    accel__doc_check_nodes(s);
    accel__doc_check_visible(s);
    accel__doc_check_devices(s);
    accel__doc_check_runtimes(s);
    if (opt->progress) accel__probe_set_wait_hook(NULL, NULL, 0);

    for (size_t i = 0; i < r->n; i++) {
        switch (r->checks[i].status) {
        case ACCEL__DOC_PASS: r->n_pass++; break;
        case ACCEL__DOC_INFO: r->n_info++; break;
        case ACCEL__DOC_WARN: r->n_warn++; break;
        case ACCEL__DOC_FAIL: r->n_fail++; break;
        }
    }
    /* Library details move into the report so the output can show them; the state goes. */
    for (size_t i = 0; i < r->n; i++) {
        accel__doc_check *c = &r->checks[i];
        accel__lib_info *li = (accel__lib_info *)c->lib;
        accel__lib_load *ld = c->load;
        c->lib = NULL;
        c->load = NULL;
        if (li) {
            c->lib = malloc(sizeof *c->lib);
            if (c->lib) memcpy(c->lib, li, sizeof *c->lib);
        }
        if (ld && ld->attempted) {
            c->load = malloc(sizeof *c->load);
            if (c->load) memcpy(c->load, ld, sizeof *c->load);
        }
    }
    accel__ldpath_close(s->lp);
    free(s->pci);
    accel_ctx_destroy(s->ctx);
    free(s);
    r->elapsed_ms = accel__now_ms() - t0;
    *out = r;
    return ACCEL_OK;
}
