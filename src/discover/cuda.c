/* cuda.c — NVIDIA discovery in the parent: find the library, take the cached outcome or run
 * the probe, and turn the outcome into a report and devices (see cuda.h and
 * docs/discovery-nvidia.md).
 *
 * Why the library is located by hand instead of dlopen'ed: loading it here would run its
 * constructors in the host process (a libcuda that aborts on load would take the host with
 * it), and the cache key needs the file's identity before any probe runs. */
#include "discover/cuda.h"

#include "core/text.h"

#include "vendor/cuda_api.h"
#include "discover/cuda_outcome.h"
#include "discover/cuda_probe.h"
#include "discover/libresolve.h"
#include "discover/verdict_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_int probes_started;

int accel__cuda_probes_started(void) { return atomic_load(&probes_started); }

static void tb_line(accel__text *b, const char *tag, const char *value)
{
    char clean[1400];
    accel__cuda_clean_field(value, clean, sizeof clean);
    accel__text_printf(b, "%s\t%s\n", tag, clean);
}

static void identity_of(const char *path, char *buf, size_t cap)
{
    if (!path || !*path)
        accel__strlcpy(buf, "(none)", cap);
    else
        accel__file_identity(path, buf, cap);
}

/* "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 …" → "550.54.14" */
static void kernel_module_version(char *out, size_t cap)
{
    out[0] = '\0';
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/driver/nvidia/version", accel__procfs_root());
    if (accel__read_text(path, line, sizeof line) != 0) return;
    line[strcspn(line, "\n")] = '\0';
    const char *m = strstr(line, "Module");
    if (!m) return;
    char *save = NULL;
    char copy[512];
    accel__strlcpy(copy, m, sizeof copy);
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (t[0] >= '0' && t[0] <= '9' && strchr(t, '.')) {
            accel__strlcpy(out, t, cap);
            return;
        }
    }
}

static void build_key(int here, const char *lib, const char *nvml, int timeout_ms,
                      accel__vkey *k)
{
    char buf[512];
    accel__vkey_add(k, "format", ACCEL__CUDA_REPLY_MAGIC);
    accel__vkey_add(k, "accel", accel_version_string());
    accel__vkey_add(k, "mode", here ? "in-process" : "fork");
    snprintf(buf, sizeof buf, "%s/driver/nvidia/version", accel__procfs_root());
    accel__vkey_add_text_file(k, "kernel-module", buf);
    snprintf(buf, sizeof buf, "%s/sys/kernel/random/boot_id", accel__procfs_root());
    accel__vkey_add_text_file(k, "boot", buf);
    accel__vkey_add(k, "LD_LIBRARY_PATH", getenv("LD_LIBRARY_PATH"));
    accel__vkey_add(k, "CUDA_VISIBLE_DEVICES", getenv("CUDA_VISIBLE_DEVICES"));
    accel__vkey_add(k, "CUDA_DEVICE_ORDER", getenv("CUDA_DEVICE_ORDER"));
    snprintf(buf, sizeof buf, "%d", timeout_ms);
    accel__vkey_add(k, "timeout-ms", buf); /* a time-out verdict depends on the limit */
    accel__vkey_add_file(k, "libcuda", lib);
    accel__vkey_add_file(k, "libnvidia-ml", nvml);
    accel__vkey_add_file(k, "ld.so.cache", "/etc/ld.so.cache");
    /* Access to the device nodes decides cuInit's fate: their mode and owner, and who we are. */
    struct stat st;
    if (stat("/dev/nvidiactl", &st) == 0)
        snprintf(buf, sizeof buf, "%o:%u:%u", (unsigned)st.st_mode, (unsigned)st.st_uid,
                 (unsigned)st.st_gid);
    else
        snprintf(buf, sizeof buf, "(absent)");
    accel__vkey_add(k, "/dev/nvidiactl", buf);
    gid_t groups[64];
    int ng = getgroups(64, groups);
    int n = snprintf(buf, sizeof buf, "%u:%u", (unsigned)getuid(), (unsigned)getgid());
    for (int i = 0; i < ng && n > 0 && (size_t)n < sizeof buf - 16; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",%u", (unsigned)groups[i]);
    accel__vkey_add(k, "ids", buf);
}

/* The probe outcome's P lines. */
static void add_result_lines(accel__text *b, const accel__probe_result *r,
                             const char *nvml_verdict)
{
    accel__text_printf(b, "PO\t%d\t%d\t%d\t%d\t%lld\n", r->ok, r->timed_out, r->signal,
                       r->exit_code, (long long)r->elapsed_ms);
    tb_line(b, "PW", r->verdict);
    tb_line(b, "PM", nvml_verdict);
    char output[600];
    accel__probe_output_line(r->output, r->output_lost, output, sizeof output);
    if (output[0]) tb_line(b, "PX", output);
}

/* Runs the probe (in a child, or here when libcuda is already loaded) and returns the whole
 * outcome text, P lines included. */
static accel_status run_probe(int here, int timeout_ms, accel__text *b)
{
    accel__probe_result r;
    atomic_fetch_add(&probes_started, 1);
    if (!here) {
        accel__cuda_probe_args a = {1, 1};
        FORWARD_IF_ERROR(accel__probe_run("CUDA probe", accel__cuda_probe_body, &a, timeout_ms, &r));
        if (r.reply) accel__text_put(b, r.reply, r.reply_len);
        add_result_lines(b, &r, r.verdict);
        accel__probe_result_free(&r);
        return ACCEL_OK;
    }
    /* libcuda is loaded and maybe initialised here: a forked child must not touch it, so the
     * driver API part runs in this process (whatever could crash on load already did), and
     * only NVML goes to a child. */
    char *t = NULL, fail[512] = "";
    size_t n = 0;
    double t0 = accel__now_ms();
    int rc = accel__cuda_probe_here(&t, &n, fail, sizeof fail);
    if (t) accel__text_put(b, t, n);
    free(t);
    accel__probe_result here_r;
    memset(&here_r, 0, sizeof here_r);
    here_r.ok = rc == 0;
    here_r.exit_code = rc == 0 ? 0 : 3;
    here_r.elapsed_ms = accel__now_ms() - t0;
    if (rc == 0)
        snprintf(here_r.verdict, sizeof here_r.verdict, "usable");
    else
        snprintf(here_r.verdict, sizeof here_r.verdict, "unusable: %s", fail);
    accel__cuda_probe_args a = {0, 1};
    FORWARD_IF_ERROR(accel__probe_run("NVML probe", accel__cuda_probe_body, &a, timeout_ms, &r));
    if (r.reply) accel__text_put(b, r.reply, r.reply_len);
    here_r.output = r.output; /* only the NVML child's output could be captured */
    here_r.output_lost = r.output_lost;
    add_result_lines(b, &here_r, r.verdict);
    accel__probe_result_free(&r);
    return ACCEL_OK;
}

/* The library files the outcome names must still be the ones it was made with. */
static int identities_hold(const accel__cuda_outcome *o)
{
    char id[1200];
    identity_of(o->lib, id, sizeof id);
    if (strcmp(id, o->lib_id[0] ? o->lib_id : "(none)") != 0) return 0;
    identity_of(o->nvml_lib, id, sizeof id);
    return strcmp(id, o->nvml_id[0] ? o->nvml_id : "(none)") == 0;
}

static const accel__nvml_dev_rec *nvml_match(const accel__cuda_outcome *o, const char *bus)
{
    if (!bus[0]) return NULL;
    for (int i = 0; i < o->n_nvml; i++) {
        char nb[32];
        if (accel__pci_bus_id_normalise(o->nvml[i].bus, nb, sizeof nb) == 0 && strcmp(nb, bus) == 0)
            return &o->nvml[i];
    }
    return NULL;
}

static accel_status add_devices(const accel__cuda_outcome *o, const accel__cuda_report *rep,
                                accel__devlist *out)
{
    char driver[64];
    if (o->nvml_version[0])
        accel__strlcpy(driver, o->nvml_version, sizeof driver);
    else if (rep->kernel_module_version[0])
        accel__strlcpy(driver, rep->kernel_module_version, sizeof driver);
    else if (o->driver > 0)
        snprintf(driver, sizeof driver, "%d.%d", o->driver / 1000, (o->driver % 1000) / 10);
    else
        driver[0] = '\0';
    for (int i = 0; i < o->n_devs; i++) {
        const accel__cuda_dev_rec *r = &o->devs[i];
        accel__device *d = accel__devlist_add(out);
        RETURN_ERROR_IF(!d, ACCEL_ERR_NO_MEMORY, "out of memory listing CUDA devices");
        accel_device_info *in = &d->info;
        in->kind = ACCEL_KIND_CUDA;
        in->routes = ACCEL_ROUTE_CUDA;
        in->usable = r->usable != 0;
        accel__strlcpy(in->verdict, r->verdict[0] ? r->verdict : "unusable", sizeof in->verdict);
        accel__strlcpy(in->name, r->name, sizeof in->name);
        accel__strlcpy(in->vendor, "NVIDIA", sizeof in->vendor);
        if (accel__pci_bus_id_normalise(r->bus, in->pci_bus_id, sizeof in->pci_bus_id) != 0)
            in->pci_bus_id[0] = '\0';
        accel__strlcpy(in->uuid, r->uuid, sizeof in->uuid);
        if (r->cc_major >= 0 && r->cc_minor >= 0)
            snprintf(in->arch, sizeof in->arch, "sm_%d%d", r->cc_major, r->cc_minor);
        in->cc_major = r->cc_major;
        in->cc_minor = r->cc_minor;
        in->compute_units = r->sms;
        in->mem_total = r->total;
        in->mem_free = r->free_b;
        in->unified_memory = r->integrated ? 1 : 0;
        accel__strlcpy(in->driver_version, driver, sizeof in->driver_version);
        in->driver_cuda_version = o->driver;
        const accel__nvml_dev_rec *m = nvml_match(o, in->pci_bus_id);
        if (m) {
            in->mem_used = m->used;
            if (in->mem_free < 0) in->mem_free = m->free_b;
            if (!rep->from_cache) { /* instantaneous readings: never shown stale */
                in->utilization_percent = m->util;
                in->temperature_c = m->temp;
                in->power_mw = m->power;
            }
        }
        d->backend_index = r->ordinal;
    }
    return ACCEL_OK;
}

static void strip_unusable(const char *v, char *out, size_t cap)
{
    const char *p = strncmp(v, "unusable: ", 10) == 0 ? v + 10 : v;
    accel__strlcpy(out, p, cap);
}

/* Fills the report from an outcome (fresh or cached). */
static void read_outcome(const accel__cuda_outcome *o, accel__cuda_report *rep)
{
    if (o->lib[0]) accel__strlcpy(rep->lib_path, o->lib, sizeof rep->lib_path);
    accel__strlcpy(rep->probe_output, o->output, sizeof rep->probe_output);
    rep->driver_version = o->driver;
    rep->probe_ms = rep->from_cache ? 0 : o->ms;
    accel__strlcpy(rep->nvml_path, o->nvml_lib, sizeof rep->nvml_path);
    accel__strlcpy(rep->nvml_driver_version, o->nvml_version, sizeof rep->nvml_driver_version);
    rep->nvml_n_devices = o->nvml_count;
    int nvml_reached = o->nvml_lib[0] || o->nvml_fail[0] || o->nvml_done;
    if (o->nvml_done && !o->nvml_fail[0] && o->nvml_lib[0]) {
        rep->nvml_found = 1;
        accel__strlcpy(rep->nvml_verdict, "usable", sizeof rep->nvml_verdict);
    } else if (o->nvml_fail[0]) {
        snprintf(rep->nvml_verdict, sizeof rep->nvml_verdict, "unusable: %s", o->nvml_fail);
    } else if (!nvml_reached && !o->cuda_done) {
        accel__strlcpy(rep->nvml_verdict, "not reached: the probe ended before NVML",
                       sizeof rep->nvml_verdict);
    } else {
        accel__strlcpy(rep->nvml_verdict, o->nvml_verdict[0] ? o->nvml_verdict : "unusable",
                       sizeof rep->nvml_verdict);
    }

    /* What CUDA_VISIBLE_DEVICES does, against NVML's list of physical GPUs when there is one
     * (NVML ignores the variable). NVML orders by PCI bus id; CUDA does so only with
     * CUDA_DEVICE_ORDER=PCI_BUS_ID, but whether an index exists depends on the count only. */
    const char *uuids[256];
    int n_phys = rep->nvml_found && o->nvml_count >= 0 ? o->n_nvml : -1;
    for (int i = 0; i < o->n_nvml && i < 256; i++) uuids[i] = o->nvml[i].uuid[0] ? o->nvml[i].uuid : NULL;
    rep->visible_effect = accel__cuda_visible_explain(&rep->visible, n_phys < 256 ? n_phys : 256,
                                                      n_phys > 0 ? uuids : NULL, rep->visible_note,
                                                      sizeof rep->visible_note);

    if (o->cuda_done) {
        rep->usable = 1;
        accel__strlcpy(rep->verdict, "usable", sizeof rep->verdict);
        rep->n_devices = o->n_devs;
        for (int i = 0; i < o->n_devs; i++) rep->n_usable += o->devs[i].usable != 0;
        if (o->n_devs == 0)
            accel__strlcpy(rep->verdict, "usable, but the driver shows no device",
                           sizeof rep->verdict);
    } else if (o->init_code == ACCEL_CU_ERROR_NO_DEVICE) {
        char why[512];
        strip_unusable(o->verdict, why, sizeof why);
        if (rep->visible_effect == ACCEL__CVD_HIDES_ALL)
            snprintf(rep->verdict, sizeof rep->verdict, "no CUDA device visible: %s",
                     rep->visible_note);
        else
            snprintf(rep->verdict, sizeof rep->verdict, "no CUDA device: %s", why);
    } else {
        accel__strlcpy(rep->verdict, o->verdict[0] ? o->verdict : "unusable: probe failed",
                       sizeof rep->verdict);
    }
}

/* The files the loader would open for libcuda.so.1 (unless this process already has it:
 * `here`) and libnvidia-ml.so.1, found by reading the loader's search path (libresolve.h).
 * Sets rep->lib_found, and rep->lib_searched when libcuda is missing. */
static void locate_libraries(int here, char *lib, size_t lib_cap, char *nvml, size_t nvml_cap,
                             accel__cuda_report *rep)
{
    accel__ldpath *lp = NULL;
    if (accel__ldpath_open(&lp) != ACCEL_OK) {
        accel__strlcpy(rep->lib_searched, accel__last_error_text(), sizeof rep->lib_searched);
        accel__clear_error();
        return;
    }
    accel__lib_info *li = malloc(sizeof *li);
    if (!li) accel__strlcpy(rep->lib_searched, "(out of memory)", sizeof rep->lib_searched);
    if (li && !here && accel__lib_resolve(lp, "libcuda.so.1", li) == ACCEL_OK) {
        rep->lib_found = li->found;
        if (li->found)
            accel__strlcpy(lib, li->path, lib_cap);
        else
            accel__lib_searched_text(li, rep->lib_searched, sizeof rep->lib_searched);
    }
    if (li && rep->lib_found && accel__lib_resolve(lp, "libnvidia-ml.so.1", li) == ACCEL_OK &&
        li->found)
        accel__strlcpy(nvml, li->path, nvml_cap);
    free(li);
    accel__ldpath_close(lp);
}

accel_status accel__cuda_inspect(accel_ctx *ctx, bool no_cache, accel__cuda_report *rep,
                                 accel__devlist *out)
{
    memset(rep, 0, sizeof *rep);
    rep->driver_version = -1;
    rep->nvml_n_devices = -1;
    accel__cuda_visible_parse(getenv("CUDA_VISIBLE_DEVICES"), &rep->visible);
    kernel_module_version(rep->kernel_module_version, sizeof rep->kernel_module_version);

    char lib[512] = "", nvml[512] = "";
    int here = accel__cuda_api_loaded_path(lib, sizeof lib);
    rep->lib_found = here;
    locate_libraries(here, lib, sizeof lib, nvml, sizeof nvml, rep);
    if (!rep->lib_found) {
        snprintf(rep->verdict, sizeof rep->verdict,
                 "no libcuda.so.1 (the NVIDIA driver's CUDA library) where the loader looks: %s",
                 rep->lib_searched);
        rep->visible_effect = accel__cuda_visible_explain(&rep->visible, -1, NULL,
                                                          rep->visible_note,
                                                          sizeof rep->visible_note);
        ACCEL_LOG_DEBUG("CUDA: %s", rep->verdict);
        return ACCEL_OK;
    }
    accel__strlcpy(rep->lib_path, lib, sizeof rep->lib_path);

    long long t = ctx ? accel__cfg_int(ctx, ACCEL__CFG_PROBE_TIMEOUT_MS) : -1;
    int timeout_ms = t >= 100 && t <= 3600000 ? (int)t : 15000;
    accel__vkey key;
    accel__vkey_init(&key);
    build_key(here, lib, nvml, timeout_ms, &key);

    accel__cuda_outcome o;
    int have = 0;
    /* This context probed the same stack already (discovery, then the doctor asking again):
     * that outcome is as fresh as a new probe, and a hang costs one time limit, not two. */
    char *memo = NULL;
    size_t memo_n = 0;
    if (!key.oom && accel__probe_memo_get(ctx, key.s, &memo, &memo_n)) {
        if (accel__cuda_outcome_parse(memo, &o) == 0 && o.complete) {
            have = 1;
            rep->in_process = here;
        } else {
            accel__cuda_outcome_free(&o);
        }
        free(memo);
    }
    if (!have && !no_cache && !key.oom) {
        unsigned char *data = NULL;
        size_t n = 0;
        if (accel__verdict_load(ctx, "cuda", key.s, &data, &n, NULL, 0) == ACCEL_OK) {
            if (accel__cuda_outcome_parse((const char *)data, &o) == 0 && o.complete &&
                identities_hold(&o)) {
                have = 1;
                rep->from_cache = 1;
            } else {
                accel__cuda_outcome_free(&o);
                ACCEL_LOG_DEBUG("CUDA: cached outcome unreadable or its libraries changed; "
                                "probing afresh");
            }
        }
        free(data);
    }
    if (!have) {
        accel__text b = {0};
        accel_status st = run_probe(here, timeout_ms, &b);
        if (st != ACCEL_OK || b.oom) {
            free(b.s);
            accel__vkey_free(&key);
            if (st == ACCEL_OK) st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory probing CUDA");
            snprintf(rep->verdict, sizeof rep->verdict, "not probed: %s", accel__last_error_text());
            return st;
        }
        rep->in_process = here;
        /* the files the child really loaded (the loader may have chosen another than ours) */
        accel__cuda_outcome first;
        if (accel__cuda_outcome_parse(b.s ? b.s : "", &first) == 0) {
            char id[1200];
            identity_of(first.lib, id, sizeof id);
            tb_line(&b, "PL", id);
            identity_of(first.nvml_lib, id, sizeof id);
            tb_line(&b, "PN", id);
        }
        accel__cuda_outcome_free(&first);
        accel__text_puts(&b, "PE\n");
        if (!b.oom && accel__cuda_outcome_parse(b.s, &o) == 0) {
            have = 1;
            if (!key.oom) accel__probe_memo_put(ctx, key.s, b.s, b.len);
            if (!key.oom && accel__verdict_store(ctx, "cuda", key.s, b.s, b.len) != ACCEL_OK)
                ACCEL_LOG_DEBUG("CUDA: verdict not cached: %s", accel__last_error_text());
        } else {
            accel__cuda_outcome_free(&o);
            snprintf(rep->verdict, sizeof rep->verdict,
                     "unusable: the CUDA probe's reply could not be read");
        }
        free(b.s);
    }
    accel__vkey_free(&key);
    if (!have) return ACCEL_OK;
    read_outcome(&o, rep);
    accel_status st = ACCEL_OK;
    if (out && rep->usable) st = add_devices(&o, rep, out);
    accel__cuda_outcome_free(&o);
    return st;
}

accel_status accel__discover_cuda(accel_ctx *ctx, accel__devlist *out, bool no_cache)
{
    accel__cuda_report *rep = malloc(sizeof *rep);
    RETURN_ERROR_IF(!rep, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_status st = accel__cuda_inspect(ctx, no_cache, rep, out);
    if (st == ACCEL_OK && rep->lib_found) {
        const char *src = rep->from_cache ? " (cached verdict)" : "";
        if (rep->usable)
            ACCEL_LOG_DEBUG("CUDA: %d device(s), %d usable, driver %d, NVML %s%s", rep->n_devices,
                            rep->n_usable, rep->driver_version, rep->nvml_verdict, src);
        else if (strncmp(rep->verdict, "no CUDA device", 14) == 0)
            ACCEL_LOG_INFO("CUDA: %s%s", rep->verdict, src);
        else
            ACCEL_LOG_WARN("CUDA: %s%s (accel doctor explains)", rep->verdict, src);
        if (rep->visible_effect != ACCEL__CVD_FINE)
            ACCEL_LOG_WARN("CUDA: %s", rep->visible_note);
    }
    free(rep);
    return st;
}
