/* doctor_api.c — accel_doctor(): the doctor's report for library users (the Python package,
 * services), in the same two forms `accel doctor` prints. It only runs the checks and renders
 * them through doctor_output.c, so the text and the JSON are the CLI's, byte for byte. */
#include "discover/doctor.h"

#include <stdio.h>
#include <stdlib.h>

accel_status accel_doctor(unsigned flags, char **report, int *exit_code)
{
    RETURN_ERROR_IF(!report, ACCEL_ERR_INVALID_ARG, "accel_doctor: report is NULL");
    *report = NULL;
    if (exit_code) *exit_code = 2;
    const unsigned known = ACCEL_DOCTOR_NO_CACHE | ACCEL_DOCTOR_TEXT;
    RETURN_ERROR_IF(flags & ~known, ACCEL_ERR_INVALID_ARG,
                    "accel_doctor: unknown flags 0x%x (allowed: ACCEL_DOCTOR_NO_CACHE, "
                    "ACCEL_DOCTOR_TEXT)",
                    flags & ~known);
    accel__doc_options opt = {.no_cache = (flags & ACCEL_DOCTOR_NO_CACHE) != 0};
    accel__doc_report *r = NULL;
    FORWARD_IF_ERROR(accel__doctor_run(&opt, &r));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        accel__doctor_free(r);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "accel_doctor: out of memory for the report");
    }
    if (flags & ACCEL_DOCTOR_TEXT)
        accel__doctor_print_text(r, f);
    else
        accel__doctor_print_json(r, f);
    int failed = fclose(f) != 0 || !buf;
    int rc = accel__doctor_exit_code(r);
    accel__doctor_free(r);
    if (failed) {
        free(buf);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "accel_doctor: out of memory for the report");
    }
    *report = buf;
    if (exit_code) *exit_code = rc;
    return ACCEL_OK;
}
