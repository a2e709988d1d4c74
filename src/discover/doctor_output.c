/* doctor_output.c — the doctor's report as text (one line per check) and as JSON (the
 * document described by docs/schemas/doctor.schema.json; field meanings in docs/doctor.md).
 * The JSON keeps the same checks in the same order, plus, for library checks, the structured
 * resolution (path, realpath, version, where the loader looked, the trial load). */
#include "discover/doctor.h"

#include <string.h>

void accel__doctor_print_text(const accel__doc_report *r, FILE *f)
{
    for (size_t i = 0; i < r->n; i++) {
        const accel__doc_check *c = &r->checks[i];
        fprintf(f, "%s  %s: %s", accel__doc_status_name(c->status), c->component, c->seen);
        if (c->fix[0]) fprintf(f, " -- fix: %s", c->fix);
        fputc('\n', f);
    }
    char info[48] = "";
    if (r->n_info) snprintf(info, sizeof info, ", %d for information", r->n_info);
    fprintf(f, "%d/%zu checks passed%s, %d warning%s, %d failure%s (exit code %d)\n", r->n_pass,
            r->n - (size_t)r->n_info, info, r->n_warn, r->n_warn == 1 ? "" : "s", r->n_fail,
            r->n_fail == 1 ? "" : "s", accel__doctor_exit_code(r));
    fflush(f);
}

static void json_library(accel__json *j, const accel__lib_info *li, const accel__lib_load *ld)
{
    accel__json_begin_object(j, "library");
    accel__json_str(j, "soname", li->soname);
    accel__json_bool(j, "found", li->found);
    accel__json_str(j, "path", li->found ? li->path : NULL);
    accel__json_str(j, "realpath", li->found ? li->realpath : NULL);
    accel__json_str(j, "via", li->found ? li->via : NULL);
    accel__json_str(j, "file_soname", li->file_soname[0] ? li->file_soname : NULL);
    accel__json_str(j, "version", li->version[0] ? li->version : NULL);
    accel__json_str(j, "version_source", li->version[0] ? li->version_source : NULL);
    accel__json_begin_array(j, "searched");
    for (int i = 0; i < li->n_searched; i++) {
        accel__json_begin_object(j, NULL);
        accel__json_str(j, "how", li->searched[i].how);
        accel__json_str(j, "where", li->searched[i].where);
        accel__json_str(j, "note", li->searched[i].note[0] ? li->searched[i].note : NULL);
        accel__json_end_object(j);
    }
    accel__json_end_array(j);
    accel__json_str(j, "skipped", li->skipped[0] ? li->skipped : NULL);
    accel__json_str(j, "hint", li->hint[0] ? li->hint : NULL);
    if (ld && ld->attempted) {
        accel__json_begin_object(j, "load");
        accel__json_bool(j, "ok", ld->ok);
        accel__json_str(j, "verdict", ld->verdict);
        accel__json_num(j, "elapsed_ms", ld->elapsed_ms);
        accel__json_str(j, "loaded_path",
                        ld->have_out && ld->out.loaded_path[0] ? ld->out.loaded_path : NULL);
        accel__json_str(j, "output", ld->output[0] ? ld->output : NULL);
        accel__json_end_object(j);
    } else {
        accel__json_null(j, "load");
    }
    accel__json_end_object(j);
}

void accel__doctor_print_json(const accel__doc_report *r, FILE *f)
{
    accel__json j;
    accel__json_init(&j, f, 1);
    accel__json_begin_object(&j, NULL);
    accel__json_int(&j, "schema_version", ACCEL__DOCTOR_SCHEMA_VERSION);
    accel__json_str(&j, "accel_version", accel_version_string());
    accel__json_int(&j, "exit_code", accel__doctor_exit_code(r));
    accel__json_begin_object(&j, "summary");
    accel__json_int(&j, "total", (long long)r->n);
    accel__json_int(&j, "pass", r->n_pass);
    accel__json_int(&j, "info", r->n_info);
    accel__json_int(&j, "warn", r->n_warn);
    accel__json_int(&j, "fail", r->n_fail);
    char text[96];
    snprintf(text, sizeof text, "%d/%zu checks passed", r->n_pass, r->n - (size_t)r->n_info);
    accel__json_str(&j, "text", text);
    accel__json_num(&j, "elapsed_ms", r->elapsed_ms);
    accel__json_end_object(&j);
    accel__json_begin_object(&j, "hardware");
    accel__json_int(&j, "nvidia_gpus_on_pci", r->nvidia_on_pci);
    accel__json_int(&j, "amd_gpus_on_pci", r->amd_on_pci);
    accel__json_int(&j, "intel_gpus_on_pci", r->intel_on_pci);
    accel__json_end_object(&j);
    accel__json_begin_array(&j, "checks");
    for (size_t i = 0; i < r->n; i++) {
        const accel__doc_check *c = &r->checks[i];
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "id", c->id);
        accel__json_str(&j, "status", accel__doc_status_name(c->status));
        accel__json_str(&j, "component", c->component);
        accel__json_str(&j, "seen", c->seen);
        accel__json_str(&j, "fix", c->fix[0] ? c->fix : NULL);
        accel__json_str(&j, "probe_output", c->probe_output[0] ? c->probe_output : NULL);
        if (c->lib) json_library(&j, c->lib, c->load);
        accel__json_end_object(&j);
    }
    accel__json_end_array(&j);
    accel__json_end_object(&j);
    accel__json_finish(&j);
}
