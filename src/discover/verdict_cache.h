/* verdict_cache.h — probe outcomes kept on disk so a warm start needs no fork.
 *
 * A discoverer builds a key text from everything its probe's outcome depends on (driver
 * version, identities of the library files, the environment variables the vendor stack
 * reads) with accel__vkey_*, then asks accel__verdict_load() for the bytes it stored last
 * time under that key. On a miss it probes and stores the outcome with accel__verdict_store().
 *
 * Files live in "<cache dir>/verdicts/<what>-<16 hex of hash64(key)>.v1" and hold:
 *     accel-verdict 1\n
 *     what <what>\n
 *     key <key bytes>\n
 *     data <data bytes>\n
 *     sum <16 hex: hash64 over key text then data>\n
 *     \n
 *     <key text><data>
 * A file that is short, has another version, another key (a hash collision), or a wrong
 * checksum is ignored (logged at debug level) and overwritten by the next store. Writes are
 * atomic (temp file + rename), so concurrent processes never see half a file. */
#ifndef ACCEL_DISCOVER_VERDICT_CACHE_H
#define ACCEL_DISCOVER_VERDICT_CACHE_H

#include "core/internal.h"
#include "core/text.h"

#define ACCEL__VERDICT_VERSION 1

/* A key under construction: "name=value\n" lines in .s. When .oom is set an append failed
 * and the key is unusable (callers skip the cache). */
typedef accel__text accel__vkey;

void accel__vkey_init(accel__vkey *k);
void accel__vkey_free(accel__vkey *k);
/* Appends "name=value\n" (value NULL is written as "(unset)"). */
void accel__vkey_add(accel__vkey *k, const char *name, const char *value);
/* Appends "name=<accel__file_identity(path)>\n"; path NULL or "" gives "name=(none)". */
void accel__vkey_add_file(accel__vkey *k, const char *name, const char *path);
/* Appends the first line of a small text file ("name=(absent)" when unreadable). */
void accel__vkey_add_text_file(accel__vkey *k, const char *name, const char *path);

/* The file a (what, key) pair is stored in; creates the directory. */
accel_status accel__verdict_path(const accel_ctx *ctx, const char *what, const char *key,
                                 char *buf, size_t cap);

/* Reads the data stored under (what, key). On success *data is malloc'd (NUL-terminated, the
 * caller frees it). @return ACCEL_OK, or ACCEL_ERR_NOT_FOUND for no file, a corrupt one or a
 * key mismatch (why is logged at debug level, and written to `why` when not NULL). */
accel_status accel__verdict_load(const accel_ctx *ctx, const char *what, const char *key,
                                 unsigned char **data, size_t *n, char *why, size_t why_cap);

/* Checks the bytes of a verdict file for (what, key). Sizes in the header are checked against
 * len without overflow, so no header makes the check read outside file[0, len). @return 0 with
 * *data (pointing into file) and *n set, or -1 with the reason in why. */
int accel__verdict_parse(const char *file, size_t len, const char *what, const char *key,
                         const char **data, size_t *n, char *why, size_t why_cap);

/* Stores data under (what, key), replacing any previous file. */
accel_status accel__verdict_store(const accel_ctx *ctx, const char *what, const char *key,
                                  const void *data, size_t n);

#endif
