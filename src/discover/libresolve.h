/* libresolve.h — which file the dynamic loader would open for a soname, found without loading
 * it in this process, and a crash-isolated trial load.
 *
 * The search follows glibc's order for a dlopen() of a bare soname by the main program:
 *   1. LD_LIBRARY_PATH (every element, "" meaning the current directory);
 *   2. the ld.so cache (/etc/ld.so.cache, format "glibc-ld.so.cache1.1", with or without the
 *      old "ld.so-1.7.0" part in front), entries of this process's ABI only;
 *   3. the default directories (/lib/<multiarch>, /usr/lib/<multiarch>, /lib, /usr/lib).
 * RPATH/RUNPATH of the caller are not consulted: accel and the programs it diagnoses load
 * vendor libraries by soname from code without either. Files of another ELF class or machine
 * are passed over, as the loader does. glibc-hwcaps subdirectories are not searched (the
 * plain entry is reported). Well-known install directories that the loader does NOT search
 * (/usr/local/cuda/lib64, /opt/rocm/lib, …) are looked at only to say "a copy is there, but
 * the loader will not find it".
 *
 * ACCEL_LD_SO_CACHE names another cache file to read (tests use a generated one, or a missing
 * path to mean "no cache", matching `ld.so --inhibit-cache`). */
#ifndef ACCEL_DISCOVER_LIBRESOLVE_H
#define ACCEL_DISCOVER_LIBRESOLVE_H

#include "core/internal.h"
#include "vendor/lib_probe.h"

#define ACCEL__ENV_LD_SO_CACHE "ACCEL_LD_SO_CACHE"

#define ACCEL__LIB_MAX_SEARCHED 24

/* Where a library was looked for, in the loader's order. */
typedef struct accel__lib_place {
    char how[24];    /* "LD_LIBRARY_PATH", "ld.so cache", "default directory" */
    char where[480]; /* a directory, or the cache file; "" for an unset LD_LIBRARY_PATH */
    char note[128];  /* "1008 entries for this ABI", "corrupt: not read", "unset", or "" */
} accel__lib_place;

/* What resolving one soname found. */
typedef struct accel__lib_info {
    char soname[128];       /* what was asked for: "libcudart.so.12" */
    int found;              /* 1 when the loader would open a file */
    char path[1024];        /* that file as the loader names it: "/usr/lib/…/libcudart.so.12" */
    char realpath[1024];    /* after symlinks: "/usr/lib/…/libcudart.so.12.4.127" */
    char via[24];           /* accel__lib_place.how of the place it was found */
    char file_soname[128];  /* DT_SONAME the file declares ("" when it has none) */
    char version[64];       /* "12.4.127" from the real file name, or "" */
    char version_source[48]; /* "file name", or a function name once a probe filled it */
    accel__lib_place searched[ACCEL__LIB_MAX_SEARCHED];
    int n_searched;
    char skipped[512];      /* candidates passed over, with why ("wrong ELF class") */
    char hint[1024];        /* a copy where the loader does not look, or "" */
} accel__lib_info;

/* The loader's view of this machine: LD_LIBRARY_PATH, the cache, directory listings. Built
 * once and queried for many sonames. */
typedef struct accel__ldpath accel__ldpath;

/* Reads LD_LIBRARY_PATH and the ld.so cache. A missing or corrupt cache is not an error: the
 * search then goes on without it (and says so in `searched`). */
accel_status accel__ldpath_open(accel__ldpath **out);
void accel__ldpath_close(accel__ldpath *lp);
/* Number of usable entries read from the cache, or -1 when none could be read, and a line
 * saying which file was read and what came of it: "/etc/ld.so.cache (1008 entries for this
 * ABI)". */
int accel__ldpath_cache_entries(const accel__ldpath *lp, char *note, size_t cap);

/* The ld.so cache parser on bytes in memory (what accel__ldpath_open applies to the cache
 * file): the number of entries for this process's ABI, or -1 when the loader would reject the
 * cache; `note` says what came of it, and `path` gets the file the cache lists for `soname`
 * ("" when none). */
int accel__ldcache_parse(const char *buf, size_t len, const char *soname, char *path,
                         size_t path_cap, char *note, size_t note_cap);

/* Resolves `soname` the way the loader would. Fills *out in every case (found or not). */
accel_status accel__lib_resolve(accel__ldpath *lp, const char *soname, accel__lib_info *out);

/* Where a resolution looked, on one line, runs of one kind grouped:
 * "LD_LIBRARY_PATH (/a, /b); ld.so cache /etc/ld.so.cache (1008 entries for this ABI);
 * default directories (/lib/x86_64-linux-gnu, …)". Truncated to cap. */
void accel__lib_searched_text(const accel__lib_info *li, char *buf, size_t cap);

/* The sonames of library `stem` ("libcudart") that exist anywhere the loader looks: every
 * file named stem.so* in those places is read for its DT_SONAME. Distinct sonames beginning
 * with "stem.so." are written to names[] newest version first; returns how many (≤ cap). */
size_t accel__lib_family(accel__ldpath *lp, const char *stem, char (*names)[128], size_t cap);

/* A file named stem.so* in a directory the loader does not search (/usr/local/cuda/lib64,
 * /opt/rocm/lib, …): writes "DIR/FILE exists, but the loader does not search DIR" into buf and
 * returns 1; returns 0 (buf "") when there is none. */
int accel__lib_hint(const char *stem, char *buf, size_t cap);

/* Version text from a file name: "libcudart.so.12.4.127" → "12.4.127", "libcudnn.so.9" → "9";
 * "" when the name carries none. */
void accel__lib_version_from_name(const char *file, char *buf, size_t cap);

/* Compares dotted versions numerically ("12.10" > "12.9"); <0, 0, >0. */
int accel__version_cmp(const char *a, const char *b);

/* DT_SONAME of an ELF shared object (""), and whether it suits this process (class and
 * machine). Returns 0 when the file is a readable ELF object of this process's ABI, 1 when it
 * is ELF of another ABI (why in `why`), -1 when it is not ELF or cannot be read. */
int accel__elf_soname(const char *path, char *soname, size_t cap, char *why, size_t why_cap);

/* ---------------------------------------------------------------------------------------- */
/* Trial load in a probe child                                                               */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__lib_load {
    int attempted;
    int ok;                  /* loaded (and the hook, if any, succeeded) */
    int crashed;             /* killed by a signal, or killed after the time limit */
    char verdict[512];       /* "usable" or "unusable: killed by SIGABRT while loading …" */
    double elapsed_ms;
    accel__lib_probe_out out; /* valid when the child got far enough to reply */
    int have_out;
    char output[512];        /* what the library printed in the child (captured, one line) */
} accel__lib_load;

/* dlopen()s `soname` in a forked child with `timeout_ms`, then runs `hook` (may be NULL).
 * A crash, abort or hang becomes the verdict; this process is never affected. */
accel_status accel__lib_probe_load(const char *soname, accel__lib_probe_hook hook,
                                   int timeout_ms, accel__lib_load *out);

#endif
