/* log.c — one line per event on stderr: "accel: warn: …". The level starts from
 * ACCEL_LOG_LEVEL in the environment (so discovery before any context can log) and is set
 * again from the effective configuration when a context is created. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int level = -1;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int accel__log_parse_level(const char *text)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (!text) return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(text, names[i]) == 0) return i;
    return -1;
}

accel__log_level accel__log_get_level(void)
{
    if (level < 0) {
        int l = accel__log_parse_level(getenv("ACCEL_LOG_LEVEL"));
        level = l < 0 ? ACCEL__LOG_WARN : l;
    }
    return (accel__log_level)level;
}

void accel__log_set_level(accel__log_level l) { level = (int)l; }

void accel__log(accel__log_level l, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if ((int)l > (int)accel__log_get_level()) return;
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "accel: %s: %s\n", names[l], line);
    pthread_mutex_unlock(&log_lock);
}
