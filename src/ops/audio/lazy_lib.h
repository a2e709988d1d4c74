/* lazy_lib.h — optional media libraries (libsndfile, libsoxr, FFmpeg) opened with dlopen on
 * first use instead of being linked. A process that links libaccel only to list devices then
 * loads none of them (FFmpeg alone pulls in OpenCL, VA-API and DRM), and starts faster. The
 * build still needs their headers, which give the entry points' types; the sonames come from
 * the build's package versions. */
#ifndef ACCEL_AUDIO_LAZY_LIB_H
#define ACCEL_AUDIO_LAZY_LIB_H

#include <pthread.h>
#include <stddef.h>

#include "core/internal.h"

typedef struct audio_lazy_lib {
    const char *what;              /* "libsndfile", for messages */
    const char *const *sonames;    /* opened in order, all required */
    size_t n_sonames;
    const char *const *symbols;    /* resolved into slots[i], searched in every library */
    void **slots;
    size_t n_symbols;
    const char *install;           /* Debian packages that provide it */
    pthread_once_t once;
    accel_status status;           /* ACCEL_OK once loaded */
    char error[600];
} audio_lazy_lib;

/* Opens the library on the first call (thread-safe) and returns its status; on failure the
 * message "'<path>': <what> is not available (<loader's message>); install <packages>" is set
 * for `path`. */
accel_status accel__audio_lazy_load(audio_lazy_lib *l, const char *path);

/* X-macro helpers: a list X(name) becomes a table of names and a struct of typed pointers. */
#define AUDIO_LAZY_NAME(name) #name,
#define AUDIO_LAZY_PTR(name) __typeof__(&name) name;

#endif
