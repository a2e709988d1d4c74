/* lib_probe.h — what a trial load of a vendor library in a probe child reports, and the hook
 * type a library's dlopen wrapper provides for it (accel__cudart_probe, accel__cudnn_probe).
 *
 * These types sit in the vendor layer so that the wrappers (src/vendor/) and the code that
 * runs trial loads (src/discover/libresolve_probe.c, the doctor) both stand on them, and no
 * wrapper includes a discover/ header. */
#ifndef ACCEL_VENDOR_LIB_PROBE_H
#define ACCEL_VENDOR_LIB_PROBE_H

#include "core/internal.h"

/* What a trial load learnt; filled in the child, sent back whole. */
typedef struct accel__lib_probe_out {
    char loaded_path[1024]; /* the file the real loader opened (from the link map) */
    char version[64];       /* from a version function, "" when none was called */
    char version_source[48]; /* the function: "cudaRuntimeGetVersion()" */
    long long version_number; /* its raw value (12040, 90100), -1 when not read */
    long long cuda_version;  /* CUDA runtime version the library reports or was built for,
                              * -1 when not known */
    char note[256];          /* anything else worth a line ("tensor descriptor created") */
} accel__lib_probe_out;

/* Runs in the child after dlopen succeeded: exercises the library (version functions, a first
 * call that makes it load its own parts). Announces each step with accel__probe_step. Returns
 * 0 when the library works, else fails through accel__probe_fail and returns non-zero.
 * Hooks live in the library's dlopen wrapper (src/vendor/<api>_api.c). */
typedef int (*accel__lib_probe_hook)(void *lib, accel__probe_chan *chan,
                                     accel__lib_probe_out *out);

#endif
