/* doctor_checks.h — what the doctor's check files share while one report is built:
 *   doctor.c        order of the checks, summary
 *   doctor_report.c the report the checks fill (add, fix, libraries found), exit code
 *   doctor_self.c   accel itself: version, build options, configuration, cache directory
 *   doctor_host.c   PCI, kernel modules, device nodes and groups, *_VISIBLE_DEVICES,
 *                   the probe verdict of every device
 *   doctor_libs.c   every library an ML stack needs, CUDA driver/runtime/cuDNN versions
 *   doctor_opencl.c the OpenCL ICD loader and each ICD
 *   doctor_hints.c  optional runtimes that are absent, with the Debian install line
 *   doctor_output.c text and JSON */
#ifndef ACCEL_DISCOVER_DOCTOR_CHECKS_H
#define ACCEL_DISCOVER_DOCTOR_CHECKS_H

#include "discover/doctor.h"
#include "discover/pci.h"

/* A library looked for, and what happened when it was loaded in a child. */
typedef struct accel__doc_lib {
    const char *stem; /* "libcudart" */
    accel__lib_info info;
    accel__lib_load load;
} accel__doc_lib;

#define ACCEL__DOC_MAX_LIBS 64

typedef struct accel__doc_state {
    accel__doc_report *r;
    const accel__doc_options *opt;
    accel_ctx *ctx;          /* NULL when the configuration is invalid */
    char ctx_error[512];
    int timeout_ms;          /* ACCEL_PROBE_TIMEOUT_MS */

    accel__pci_gpu *pci;
    size_t n_pci;
    int nvidia_module;       /* NVIDIA kernel module loaded */
    char nvidia_module_version[64];
    int amd_module;          /* amdgpu loaded or /dev/kfd present */
    int nvidia_stack;        /* an NVIDIA GPU on PCI, the NVIDIA module, or libcuda present */
    int amd_stack;           /* an AMD GPU on PCI or amdgpu loaded */

    accel__ldpath *lp;
    accel__doc_lib libs[ACCEL__DOC_MAX_LIBS]; /* every soname resolved, in check order */
    size_t n_libs;

    /* From the CUDA driver (cuDriverGetVersion through the probe), -1 when unknown. */
    int cuda_driver_version;
    int cuda_n_devices;
    char libcuda_file_version[64]; /* "535.104.05" from libcuda's real file name */
    int libcuda_found;
} accel__doc_state;

/* Adds a check; `seen` and `fix` are printf formats (fix may be NULL). Returns the check so a
 * library can be attached, or NULL when out of memory. */
accel__doc_check *accel__doc_add(accel__doc_state *s, accel__doc_status st, const char *id,
                                 const char *component, const char *fix, const char *seen_fmt,
                                 ...) __attribute__((format(printf, 6, 7)));
/* Quotes what a vendor library printed during its probe inside the check: kept in
 * c->probe_output and appended to `seen` as `; <who> printed during the probe: "…"`. Nothing
 * when `output` is empty. */
void accel__doc_attach_output(accel__doc_check *c, const char *who, const char *output);

/* The pip wheel a library file came from, when its path has the wheels' layout
 * (…/site-packages/nvidia/cudnn/lib/libcudnn.so.9, or dist-packages): writes the package
 * ("nvidia-cudnn-cu12") into pkg and the wheel's lib directory into dir, and returns 1; 0 when
 * the file is not from such a wheel. `cuda_major` (≤ 0 unknown) picks the -cuNN suffix;
 * unknown, it is read from the CUDA runtime wheel beside it (nvidia/cuda_runtime/lib), else
 * written as "-cuNN". */
int accel__doc_wheel_of(const char *path, int cuda_major, char *pkg, size_t pkg_cap, char *dir,
                        size_t dir_cap);

/* Sets the check's fix ("" fix becomes the text). */
void accel__doc_set_fix(accel__doc_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Finds a library resolved earlier by soname (NULL when not looked for). */
accel__doc_lib *accel__doc_lib_get(accel__doc_state *s, const char *soname);

/* Resolves `soname` once per report (later calls return the same entry); NULL when full. */
accel__doc_lib *accel__doc_lib_new(accel__doc_state *s, const char *stem, const char *soname);
/* Loads a found library in a probe child (once), then runs `hook` there (may be NULL); a
 * version read by the hook replaces the one from the file name. */
void accel__doc_lib_trial(accel__doc_state *s, accel__doc_lib *l, accel__lib_probe_hook hook);
/* The line for a found library: PASS, or FAIL (WARN with fail_is_warn) when its trial load
 * failed. The library is attached to the check. */
accel__doc_check *accel__doc_found_line(accel__doc_state *s, accel__doc_lib *l, const char *what,
                                        int fail_is_warn);
/* "searched …; passed over: …; <hint>" for a library that was not found. */
void accel__doc_missing_text(const accel__lib_info *li, char *buf, size_t cap);
/* Fix for a missing library: the loader-path fix when a copy exists elsewhere, else `install`. */
void accel__doc_hint_fix(accel__doc_check *c, const accel__lib_info *li, const char *install);

/* The fix for a device node this user cannot open read-write, from its mode, its group and
 * whether the user is in that group in this session and/or in /etc/group. */
void accel__doc_node_fix(const char *path, unsigned mode, const char *group, int in_session,
                         int in_etc_group, const char *user, char *fix, size_t cap);

void accel__doc_check_self(accel__doc_state *s);
void accel__doc_check_host(accel__doc_state *s);       /* PCI, kernel modules */
void accel__doc_check_nodes(accel__doc_state *s);      /* /dev nodes and groups */
void accel__doc_check_libs(accel__doc_state *s);       /* libraries and CUDA versions */
void accel__doc_check_opencl(accel__doc_state *s);
void accel__doc_check_visible(accel__doc_state *s);    /* *_VISIBLE_DEVICES */
void accel__doc_check_devices(accel__doc_state *s);    /* probe verdicts */
void accel__doc_check_runtimes(accel__doc_state *s);   /* absent optional runtimes */

#endif
