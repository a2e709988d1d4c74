/* ldpath.h — where the dynamic loader would find a library, found without loading it.
 *
 * Discovery must know which file `libcuda.so.1` is before it forks a probe (to key the
 * verdict cache, and to skip the probe when there is no such file), but loading the library
 * in the host process would run its constructors, which is exactly what probing avoids. So
 * the loader's search for a dlopen() by soname is repeated here by hand:
 *   1. LD_LIBRARY_PATH (as the environment holds it now; ld.so read it at start-up),
 *   2. the ld.so cache (/etc/ld.so.cache, glibc's "glibc-ld.so.cache1.1" format),
 *   3. the default directories (multiarch /lib/<triplet>, /usr/lib/<triplet>, then /lib64,
 *      /usr/lib64, /lib, /usr/lib).
 * A candidate counts only when it is an ELF file of this process's class and machine, as
 * ld.so skips others. Not searched: DT_RPATH/DT_RUNPATH of the executable and of the calling
 * object, and glibc-hwcaps subdirectories. */
#ifndef ACCEL_DISCOVER_LDPATH_H
#define ACCEL_DISCOVER_LDPATH_H

#include <stddef.h>

/* Looks for `soname` ("libcuda.so.1"). On success writes the file's path into path and returns
 * 1; otherwise returns 0 and path is "". `searched` (may be NULL) receives a one-line account
 * of where it looked: "LD_LIBRARY_PATH=/a:/b, ld.so cache /etc/ld.so.cache, /lib/…". */
int accel__ld_locate(const char *soname, char *path, size_t cap, char *searched, size_t scap);

/* Looks `soname` up in one ld.so cache file (for tests: the system's is /etc/ld.so.cache).
 * Returns 1 and the path of the first entry that names an existing ELF file of this
 * process's kind, 0 when none, -1 when the file is absent or not a cache this code reads. */
int accel__ld_cache_lookup(const char *cache_file, const char *soname, char *path, size_t cap);

/* 1 when `path` is an ELF shared object of this process's class and machine. */
int accel__ld_elf_matches(const char *path);

#endif
