/* doctor.h — `accel doctor`: what is wrong with this machine's accelerator stack, and how to
 * fix it, one check per line.
 *
 * Each check has a stable id (docs/doctor.md lists them), a status, the component, what was
 * seen, and the fix in one sentence. Statuses:
 *   PASS  something present was checked and works;
 *   INFO  nothing to check and nothing to fix here: a part this machine does not have and
 *         does not need ("no NVIDIA GPU on the PCI bus", "libcublas not installed (optional)");
 *   WARN  something is missing or odd, but nothing found stops a GPU that is present from
 *         being used;
 *   FAIL  a fault that prevents GPU use: a driver that does not load, a runtime newer than
 *         the driver, cuDNN without its sub-libraries, a GPU without a kernel driver, a device
 *         node the user cannot open, a library whose trial load crashes or hangs.
 * Exit code: 0 when nothing is worse than INFO (a healthy CPU-only machine exits 0, so
 * `accel doctor && …` works in scripts), 1 when the worst is a WARN, 2 when any check FAILs.
 *
 * The doctor never loads a vendor library in its own process: every trial load and every call
 * into one runs in a probe child with the configured time limit (ACCEL_PROBE_TIMEOUT_MS). */
#ifndef ACCEL_DISCOVER_DOCTOR_H
#define ACCEL_DISCOVER_DOCTOR_H

#include "core/internal.h"
#include "discover/libresolve.h"

#define ACCEL__DOCTOR_SCHEMA_VERSION 2

typedef enum {
    ACCEL__DOC_PASS = 0,
    ACCEL__DOC_WARN = 1,
    ACCEL__DOC_FAIL = 2,
    ACCEL__DOC_INFO = 3 /* added in schema 2; not a severity between the others */
} accel__doc_status;

typedef struct accel__doc_check {
    char id[160];          /* stable: "nvidia.kernel_module", "lib:libcudart.so.12", … */
    accel__doc_status status;
    char component[96];    /* "NVIDIA kernel module", "libcudart.so.12", … */
    char seen[1536];       /* what was found */
    char fix[640];         /* one sentence; "" when there is nothing to do */
    /* What a vendor library printed while it was probed for this check (captured in the probe
     * child, one line; also quoted, labelled, at the end of `seen`); "" when nothing. */
    char probe_output[600];
    /* For library checks: the resolution and the trial load (NULL otherwise). Owned by the
     * report. */
    accel__lib_info *lib;
    accel__lib_load *load;
} accel__doc_check;

typedef struct accel__doc_report {
    accel__doc_check *checks;
    size_t n, cap;
    int n_pass, n_info, n_warn, n_fail;
    int gpu_on_pci;      /* NVIDIA or AMD GPUs seen on the PCI bus */
    int nvidia_on_pci, amd_on_pci, intel_on_pci;
    double elapsed_ms;
} accel__doc_report;

typedef struct accel__doc_options {
    int no_cache; /* probe vendor stacks afresh (device verdicts, driver inspection) */
    /* Where to say what the doctor waits for when a probe runs long (a vendor library hanging
     * in its initialisation holds it for the whole time limit); NULL: say nothing. */
    FILE *progress;
} accel__doc_options;

/* Runs every check. Never fails because of what it finds (that is the report); fails only
 * when out of memory. The caller frees *out with accel__doctor_free(). */
accel_status accel__doctor_run(const accel__doc_options *opt, accel__doc_report **out);
void accel__doctor_free(accel__doc_report *r);

/* 0 nothing worse than INFO, 1 warnings only, 2 any failure. */
int accel__doctor_exit_code(const accel__doc_report *r);

/* One line per check ("PASS  component: seen -- fix: …") and a closing line: "N/M checks
 * passed, K for information, W warnings, F failures (exit code E)", where M leaves out the
 * INFO checks (they neither pass nor fail). */
void accel__doctor_print_text(const accel__doc_report *r, FILE *f);
/* The JSON document of docs/schemas/doctor.schema.json. */
void accel__doctor_print_json(const accel__doc_report *r, FILE *f);

const char *accel__doc_status_name(accel__doc_status s); /* "PASS", "INFO", "WARN", "FAIL" */

#endif
