/* lazy_lib.c — dlopen of the optional media libraries on first use (lazy_lib.h). */
#include "lazy_lib.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* pthread_once takes no argument: the library being loaded is handed over in this slot while
 * the once-routine runs (calls for one library are serialised by its own pthread_once). */
static pthread_mutex_t handover_lock = PTHREAD_MUTEX_INITIALIZER;
static audio_lazy_lib *handover;

static void load(void)
{
    audio_lazy_lib *l = handover;
    void *h[8] = {0};
    size_t n = l->n_sonames < 8 ? l->n_sonames : 8;
    l->status = ACCEL_ERR_UNAVAILABLE;
    for (size_t i = 0; i < n; i++) {
        h[i] = dlopen(l->sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (!h[i]) {
            snprintf(l->error, sizeof l->error, "%s is not available (%s); install %s", l->what,
                     dlerror(), l->install);
            for (size_t k = 0; k < i; k++) dlclose(h[k]);
            return;
        }
    }
    for (size_t s = 0; s < l->n_symbols; s++) {
        void *p = NULL;
        for (size_t i = n; i-- > 0 && !p;) p = dlsym(h[i], l->symbols[s]);
        if (!p) {
            snprintf(l->error, sizeof l->error, "%s: entry point %s not found (another version "
                     "than the one accel was built with?)", l->what, l->symbols[s]);
            memset(l->slots, 0, l->n_symbols * sizeof *l->slots);
            for (size_t k = 0; k < n; k++) dlclose(h[k]);
            return;
        }
        l->slots[s] = p;
    }
    l->status = ACCEL_OK;
}

accel_status accel__audio_lazy_load(audio_lazy_lib *l, const char *path)
{
    pthread_mutex_lock(&handover_lock);
    handover = l;
    pthread_once(&l->once, load);
    pthread_mutex_unlock(&handover_lock);
    RETURN_ERROR_IF(l->status != ACCEL_OK, ACCEL_ERR_UNAVAILABLE, "'%s': %s", path ? path : "",
                    l->error);
    return ACCEL_OK;
}
