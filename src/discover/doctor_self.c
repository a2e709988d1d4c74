/* doctor_self.c — the doctor checks accel itself first: which version and build this is,
 * whether the configuration is valid, and whether verdicts can be cached. A report about the
 * GPU stack is only as good as the tool that wrote it. */
#include "discover/doctor_checks.h"
#include "core/build_info.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void check_version(accel__doc_state *s)
{
    unsigned v = accel_version_number();
    accel__doc_status st = v == ACCEL_VERSION_NUMBER ? ACCEL__DOC_PASS : ACCEL__DOC_WARN;
    accel__doc_check *c = accel__doc_add(s, st, "accel.version", "accel", NULL,
                                         "accel %s (%s)", accel_version_string(),
                                         accel__build_info());
    if (st != ACCEL__DOC_PASS)
        accel__doc_set_fix(c, "the accel binary was built against header %d.%d.%d but runs with "
                              "library %s: reinstall accel so both match",
                           ACCEL_VERSION_MAJOR, ACCEL_VERSION_MINOR, ACCEL_VERSION_PATCH,
                           accel_version_string());
}

static void check_config(accel__doc_state *s)
{
    if (!s->ctx) {
        accel__doc_add(s, ACCEL__DOC_FAIL, "accel.config", "accel configuration",
                       "correct or unset the setting named above (the message lists the values "
                       "allowed); `accel config --show` prints every setting and its source",
                       "invalid: %s", s->ctx_error[0] ? s->ctx_error : "context creation failed");
        return;
    }
    /* List what differs from the defaults: a surprising ACCEL_BACKEND=cpu in a config file is
     * a common reason for "accel never uses my GPU". */
    char set[1024] = "";
    static const accel__cfg_id ids[] = {
#define ACCEL__DOC_CFG_ID(id, key, def, allowed) ACCEL__CFG_##id,
        ACCEL__CONFIG_KEYS(ACCEL__DOC_CFG_ID)
#undef ACCEL__DOC_CFG_ID
    };
    static const char *const keys[] = {
#define ACCEL__DOC_CFG_KEY(id, key, def, allowed) key,
        ACCEL__CONFIG_KEYS(ACCEL__DOC_CFG_KEY)
#undef ACCEL__DOC_CFG_KEY
    };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        const char *src = accel__cfg_source(s->ctx, ids[i]);
        if (!src || strcmp(src, "default") == 0) continue;
        size_t n = strlen(set);
        snprintf(set + n, sizeof set - n, "%s%s=%s (%s)", n ? ", " : "", keys[i],
                 accel__cfg_secret(keys[i]) ? "(set, hidden)" : accel__cfg_str(s->ctx, ids[i]),
                 src);
    }
    accel__doc_add(s, ACCEL__DOC_PASS, "accel.config", "accel configuration", NULL,
                   "valid; %s", set[0] ? set : "every setting at its default");
}

static void check_cache(accel__doc_state *s)
{
    char dir[2048];
    if (accel__cache_path(s->ctx, "", dir, sizeof dir) != ACCEL_OK) {
        accel__doc_add(s, ACCEL__DOC_WARN, "accel.cache", "accel verdict cache",
                       "set ACCEL_CACHE_DIR (or XDG_CACHE_HOME) to a writable directory",
                       "cannot be used: %s; every run probes afresh", accel__last_error_text());
        return;
    }
    char probe[2200];
    snprintf(probe, sizeof probe, "%s/.doctor-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0) {
        int e = errno;
        accel__doc_add(s, ACCEL__DOC_WARN, "accel.cache", "accel verdict cache",
                       "make the directory writable or set ACCEL_CACHE_DIR to one that is",
                       "%s is not writable (%s); every run probes afresh", dir, strerror(e));
        return;
    }
    close(fd);
    unlink(probe);
    accel__doc_add(s, ACCEL__DOC_PASS, "accel.cache", "accel verdict cache", NULL,
                   "%s is writable%s", dir, s->opt->no_cache ? " (not read: --no-cache)" : "");
}

void accel__doc_check_self(accel__doc_state *s)
{
    check_version(s);
    check_config(s);
    check_cache(s);
}
