/* dl_open.c — opening a vendor library for a dlopen wrapper (see dl_open.h). */
#include "vendor/dl_open.h"

#include <dlfcn.h>
#include <link.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void accel__dl_path(void *handle, char *path, size_t cap)
{
    if (cap) path[0] = '\0';
    struct link_map *lm = NULL;
    if (handle && dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name)
        accel__strlcpy(path, lm->l_name, cap);
}

static void opened(accel__dl_lib *l, void *handle, const char *name)
{
    l->handle = handle;
    accel__strlcpy(l->name, name, sizeof l->name);
    accel__dl_path(handle, l->path, sizeof l->path);
    l->status = ACCEL_OK;
    l->error[0] = '\0';
}

accel_status accel__dl_open(accel__dl_lib *l, const char *env, const char *const *names, size_t n,
                            const char *label, const char *hint)
{
    memset(l, 0, sizeof *l);
    l->status = ACCEL_ERR_UNAVAILABLE;
    const char *forced = env ? getenv(env) : NULL;
    if (forced && *forced) {
        void *h = dlopen(forced, RTLD_NOW | RTLD_LOCAL);
        if (h) {
            opened(l, h, forced);
        } else {
            const char *e = dlerror();
            snprintf(l->error, sizeof l->error, "%s not found (%s=%s: %s)", label, env, forced,
                     e ? e : "cannot load");
        }
        return l->status;
    }
    /* A missing file is the common case and says nothing; a file that is there but fails to
     * load (a missing dependency, another architecture) is worth reporting. */
    char news[512] = "";
    for (size_t i = 0; i < n; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (h) {
            opened(l, h, names[i]);
            return l->status;
        }
        const char *e = dlerror();
        if (n == 1) {
            if (e)
                accel__strlcpy(l->error, e, sizeof l->error);
            else
                snprintf(l->error, sizeof l->error, "%s: not found", names[0]);
            return l->status;
        }
        if (!news[0] && e && !strstr(e, "No such file or directory"))
            accel__strlcpy(news, e, sizeof news);
    }
    size_t used = (size_t)snprintf(l->error, sizeof l->error, "%s not found (tried", label);
    for (size_t i = 0; i < n && used < sizeof l->error; i++)
        used += (size_t)snprintf(l->error + used, sizeof l->error - used, "%s %s", i ? "," : "",
                                 names[i]);
    if (used < sizeof l->error)
        snprintf(l->error + used, sizeof l->error - used, "%s%s)%s", news[0] ? "; " : "", news,
                 hint ? hint : "");
    return l->status;
}

int accel__dl_sym(accel__dl_lib *l, void *slot, const char *sym, const char *alt, int required,
                  const char *hint)
{
    void *p = l->handle ? dlsym(l->handle, sym) : NULL;
    if (!p && alt && l->handle) p = dlsym(l->handle, alt);
    /* POSIX guarantees a function pointer survives the round trip through void *. */
    memcpy(slot, &p, sizeof p);
    if (p || !required) return 1;
    accel__dl_fail(l, "symbol %.64s not found%s", sym, hint ? hint : "");
    return 0;
}

void accel__dl_fail(accel__dl_lib *l, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(l->error, sizeof l->error, "%.400s: %s",
             l->path[0] ? l->path : l->name, msg);
    if (l->handle) dlclose(l->handle);
    l->handle = NULL;
    l->status = ACCEL_ERR_VENDOR;
}
