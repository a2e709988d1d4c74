/* fuzz.h — what the libFuzzer targets of tests/fuzz share. Each target is one file,
 * fuzz_<parser>.c, defining LLVMFuzzerTestOneInput (and LLVMFuzzerInitialize when it needs
 * set-up); tests/fuzz/targets.cmake builds every such file, scripts/fuzz.sh runs them.
 *
 * A target feeds the bytes to one parser of input accel does not control, the way accel
 * itself would call it, and checks what must hold whatever the bytes (an accepted size lies
 * within the input, a string is terminated, two ways of reading agree). The sanitizers
 * (address, undefined) report everything else. */
#ifndef ACCEL_FUZZ_H
#define ACCEL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property that must hold for every input: abort (libFuzzer saves the input) when not. */
#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* The input as a NUL-terminated string (malloc'd; the caller frees). NUL bytes inside stay,
 * so a parser that stops at the first one sees what a C reader of the file would see. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Quiet logging: a parser that warns about each bad input would spend the run printing. */
static inline void fuzz_quiet(void) { accel__log_set_level(ACCEL__LOG_ERROR); }

extern char **environ;

/* For a target that reads settings: only its input counts, no ACCEL_* (or GPU_BACKEND) from
 * the environment, no default configuration file. */
static inline void fuzz_no_settings(void)
{
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; *e; e++)
            if (strncmp(*e, "ACCEL_", 6) == 0 || strncmp(*e, "GPU_BACKEND=", 12) == 0) {
                char key[256];
                snprintf(key, sizeof key, "%.*s", (int)strcspn(*e, "="), *e);
                unsetenv(key);
                again = 1;
                break;
            }
    }
    setenv("HOME", "/nonexistent-accel-fuzz", 1);
    unsetenv("XDG_CONFIG_HOME");
}

#endif
