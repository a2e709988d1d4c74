/* dl_open.h — what every dlopen wrapper (the <name>_api.c files) does the same way before
 * it resolves its own entry points: open the library (the file an environment variable names,
 * else the first of several sonames the loader accepts), learn which file the loader really
 * opened, and keep a load failure as a status and a message for later callers.
 *
 * A wrapper keeps one accel__dl_lib per library in static storage, fills it once (under its
 * own pthread_once), resolves its typed symbol table with accel__dl_sym, and answers every
 * later load call from l->status and l->error. */
#ifndef ACCEL_BACKENDS_DL_OPEN_H
#define ACCEL_BACKENDS_DL_OPEN_H

#include "core/internal.h"

typedef struct accel__dl_lib {
    void *handle;        /* the dlopen handle; NULL when not loaded */
    char name[512];      /* the name it was opened by (one of `names`, or the forced file) */
    char path[512];      /* the file the loader opened (its link-map name); "" when unknown */
    accel_status status; /* ACCEL_OK once loaded; else why not */
    char error[1024];    /* the message for a status other than ACCEL_OK */
} accel__dl_lib;

/* Opens the library: the file $env names when env is not NULL and that variable is set and not
 * empty, else the first of names[0..n) that dlopen(RTLD_NOW | RTLD_LOCAL) accepts. On failure
 * l->status is ACCEL_ERR_UNAVAILABLE and l->error says why:
 *   - the forced file: "<label> not found (<env>=<file>: <loader's message>)";
 *   - a single name:   the loader's message ("libcuda.so.1: cannot open shared object …");
 *   - several names:   "<label> not found (tried a, b, c)", with the first loader message that
 *     is not "No such file or directory" (a library that is there but cannot load is the news),
 *     then `hint` when not NULL ("; set X to …").
 * @return l->status */
accel_status accel__dl_open(accel__dl_lib *l, const char *env, const char *const *names, size_t n,
                            const char *label, const char *hint);

/* Gives up on an opened library: closes it, l->status becomes ACCEL_ERR_VENDOR and l->error
 * "<file>: <message>" (the file is l->path, else l->name). For a missing entry point:
 * accel__dl_fail(l, "symbol %s not found (driver too old?)", sym). */
void accel__dl_fail(accel__dl_lib *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resolves entry point `sym` (else `alt`, when not NULL) of an opened library into the function
 * pointer at `slot` (&api.fname). A missing symbol that is `required` gives up on the library
 * (accel__dl_fail: "symbol <sym> not found<hint>") and returns 0; an optional one leaves the
 * pointer NULL. Returns 1 otherwise. */
int accel__dl_sym(accel__dl_lib *l, void *slot, const char *sym, const char *alt, int required,
                  const char *hint);

/* The file behind a dlopen handle, from the loader's link map; "" when unknown. */
void accel__dl_path(void *handle, char *path, size_t cap);

#endif
