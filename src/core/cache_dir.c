/* cache_dir.c — where accel keeps its disk caches: ACCEL_CACHE_DIR (a setting, so this reads
 * the configuration), else $XDG_CACHE_HOME/accel, else ~/.cache/accel.
 *
 * Not in util.c: util.c is below the configuration (config.c uses its helpers), and a cache
 * path read from the configuration there made the two files call each other. */
#include "core/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
    return 0;
}

accel_status accel__cache_path(const accel_ctx *ctx, const char *sub, char *buf, size_t cap)
{
    const char *dir = ctx ? accel__cfg_str(ctx, ACCEL__CFG_CACHE_DIR) : "";
    if (!dir || !*dir) dir = getenv("ACCEL_CACHE_DIR");
    /* a context refuses a relative one (config.c); without a context it is not used, as a
     * relative XDG_CACHE_HOME is not */
    if (dir && *dir != '/') dir = NULL;
    int n;
    if (dir && *dir) {
        n = snprintf(buf, cap, "%s/%s", dir, sub ? sub : "");
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME");
        const char *home = getenv("HOME");
        /* The XDG base directory spec: a relative XDG_CACHE_HOME is invalid and ignored (as
         * config_file.c ignores a relative XDG_CONFIG_HOME): the cache never depends on the
         * current directory through it. */
        if (xdg && xdg[0] == '/')
            n = snprintf(buf, cap, "%s/accel/%s", xdg, sub ? sub : "");
        else if (home && *home)
            n = snprintf(buf, cap, "%s/.cache/accel/%s", home, sub ? sub : "");
        else
            n = snprintf(buf, cap, "/tmp/accel-cache-%d/%s", (int)getuid(), sub ? sub : "");
    }
    RETURN_ERROR_IF(n < 0 || (size_t)n >= cap, ACCEL_ERR_INVALID_ARG, "cache path too long");
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/') buf[--len] = '\0';
    RETURN_ERROR_IF(mkdir_p(buf) != 0, ACCEL_ERR_IO, "cannot create cache directory %s: %s", buf,
                    strerror(errno));
    /* mkdir's EEXIST also stands for a file of that name: it holds no cache */
    struct stat st;
    RETURN_ERROR_IF(stat(buf, &st) != 0 || !S_ISDIR(st.st_mode), ACCEL_ERR_IO,
                    "cache directory %s is not a directory", buf);
    return ACCEL_OK;
}
