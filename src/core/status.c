/* status.c — status names and texts from the one list in accel.h, and the thread's last
 * detailed error. The message lives in thread-local storage so that two threads using one
 * context never read each other's errors. */
#include "internal.h"

#include <string.h>

const char *accel_strerror(accel_status status)
{
    switch (status) {
#define ACCEL__STATUS_TEXT(name, value, text) \
    case ACCEL_##name:                        \
        return text;
        ACCEL_STATUS_LIST(ACCEL__STATUS_TEXT)
#undef ACCEL__STATUS_TEXT
    }
    return "unknown status";
}

const char *accel_status_name(accel_status status)
{
    switch (status) {
#define ACCEL__STATUS_NAME(name, value, text) \
    case ACCEL_##name:                        \
        return #name;
        ACCEL_STATUS_LIST(ACCEL__STATUS_NAME)
#undef ACCEL__STATUS_NAME
    }
    return "UNKNOWN";
}

static _Thread_local char last_error[1024];

accel_status accel__set_error(accel_status status, const char *file, int line, const char *fmt,
                              ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(last_error, msg, sizeof last_error);
    ACCEL_LOG_DEBUG("error %s at %s:%d: %s", accel_status_name(status), file, line, msg);
    return status;
}

void accel__clear_error(void) { last_error[0] = '\0'; }

const char *accel__last_error_text(void) { return last_error; }

void accel__restore_error(const char *text)
{
    if (text != last_error) snprintf(last_error, sizeof last_error, "%s", text);
}

const char *accel_last_error(const accel_ctx *ctx)
{
    (void)ctx; /* per thread; the context argument keeps room for per-context buffers */
    return last_error;
}

unsigned accel_version_number(void) { return ACCEL_VERSION_NUMBER; }

const char *accel_version_string(void)
{
#define ACCEL__STR2(x) #x
#define ACCEL__STR(x) ACCEL__STR2(x)
    return ACCEL__STR(ACCEL_VERSION_MAJOR) "." ACCEL__STR(ACCEL_VERSION_MINOR) "." ACCEL__STR(
        ACCEL_VERSION_PATCH);
}
