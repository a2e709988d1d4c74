/* fault.h — the ACCEL_FAULT rule list (syntax in docs/fault-injection.md). accel__fault_check()
 * itself is declared in internal.h; this header is for configuration validation and tests. */
#ifndef ACCEL_FAULT_H
#define ACCEL_FAULT_H

#include "core/internal.h"

#define ACCEL__FAULT_MAX_RULES 16
#define ACCEL__FAULT_SITE_MAX 64

typedef enum {
    ACCEL__FAULT_OOM = 0,
    ACCEL__FAULT_LAUNCH = 1,
    ACCEL__FAULT_LOST = 2,
    ACCEL__FAULT_UNAVAILABLE = 3,
    ACCEL__FAULT_KERNEL = 4
} accel__fault_kind;

typedef struct accel__fault_rule {
    accel__fault_kind kind;
    char site[ACCEL__FAULT_SITE_MAX]; /* "alloc", "copy", "launch", "open", "op:<name>" */
    unsigned long nth;                /* 0: every call; else the Nth call (1-based) */
    int from_nth;                     /* 1: the Nth call and every later one ("N+") */
    char text[96];                    /* the item as written, for messages */
} accel__fault_rule;

/* Parses a whole ACCEL_FAULT value. Returns the number of rules (0 for ""), or -1 with the
 * reason in `why` (naming the offending item and the syntax allowed). */
int accel__fault_parse(const char *spec, accel__fault_rule *rules, int max_rules, char *why,
                       size_t why_cap);

/* The status a fault of `kind` returns (ACCEL_ERR_DEVICE_OOM, ACCEL_ERR_KERNEL, …). */
accel_status accel__fault_status(accel__fault_kind kind);

/* The syntax, for error messages. */
#define ACCEL__FAULT_SYNTAX                                                                        \
    "a comma list of KIND@SITE[:N] with KIND oom|launch|lost|unavailable|kernel, SITE "            \
    "alloc|copy|launch|open|op:<name>, N the call to fail (1-based) or N+ for that call and "      \
    "every later one (no N: every call), e.g. oom@alloc:3,lost@copy:2+"

#endif
