/* config.c — the effective configuration: API options > environment > config file > defaults.
 * Every value is validated once, here, so the rest of the library reads typed values and
 * never sees a malformed one. The file is ACCEL_CONFIG (from the options or the environment)
 * or the default ~/.config/accel/config.ini; config_file.c reads it. */
#include "internal.h"
#include "core/fault.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config_file.h"

/* The longest value a key takes, in bytes (a path of PATH_MAX); a longer one is an error
 * naming the key and this limit. */
#define ACCEL__CFG_VALUE_MAX 4096

typedef struct {
    char *value;  /* NULL: unset (default applies) */
    char *source; /* "api", "env", "file:PATH:LINE", "default" */
} cfg_entry;

typedef struct {
    char *key; /* ACCEL_<OP>_GPU */
    cfg_entry e;
} op_entry;

struct accel__config {
    cfg_entry keys[ACCEL__CFG_COUNT];
    cfg_entry file; /* the configuration file: path and where the path came from */
    int file_present;
    op_entry *ops;
    size_t n_ops;
};

static const char *const key_names[] = {
#define ACCEL__CFG_NAME(id, key, def, allowed) key,
    ACCEL__CONFIG_KEYS(ACCEL__CFG_NAME)
#undef ACCEL__CFG_NAME
};
static const char *const key_defaults[] = {
#define ACCEL__CFG_DEF(id, key, def, allowed) def,
    ACCEL__CONFIG_KEYS(ACCEL__CFG_DEF)
#undef ACCEL__CFG_DEF
};
static const char *const key_allowed[] = {
#define ACCEL__CFG_ALLOWED(id, key, def, allowed) allowed,
    ACCEL__CONFIG_KEYS(ACCEL__CFG_ALLOWED)
#undef ACCEL__CFG_ALLOWED
};

static int parse_bool(const char *v)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) return 1;
        if (strcasecmp(v, no[i]) == 0) return 0;
    }
    return -1;
}

static int parse_number(const char *v, double *out)
{
    if (!*v) return -1;
    /* decimal only: strtod also reads "0x10" (16) and "infinity", which no setting means */
    const char *d0 = v;
    while (isspace((unsigned char)*d0)) d0++;
    if (*d0 == '+' || *d0 == '-') d0++;
    if (!isdigit((unsigned char)*d0) && *d0 != '.') return -1;
    if (d0[0] == '0' && (d0[1] == 'x' || d0[1] == 'X')) return -1;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    while (isspace((unsigned char)*end)) end++;
    if (*end || errno || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static int parse_whole(const char *v, long long *out)
{
    if (!*v) return -1;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (*end || errno) return -1;
    *out = x;
    return 0;
}

static int valid_listen(const char *v, char *why, size_t cap);
static int valid_token(const char *v, char *why, size_t cap);

/* Validates one value; on failure writes the reason into why. */
static int valid(accel__cfg_id id, const char *v, char *why, size_t cap)
{
    double d;
    long long w;
    switch (id) {
    case ACCEL__CFG_BACKEND:
        if (strcasecmp(v, "auto") == 0 || accel__backend_find(v)) return 1;
        snprintf(why, cap, "unknown backend");
        return 0;
    case ACCEL__CFG_DEVICE:
        if (!*v) return 1;
        if (parse_whole(v, &w) == 0) {
            if (w >= 0) return 1;
            snprintf(why, cap, "a device index cannot be negative");
            return 0;
        }
        {
            /* read as the selection matches it (pci_id.c): a value accepted here names the
             * card it looks like, and the CLI's --device reads a bus id the same way */
            uint64_t bus;
            if (accel__pci_bus_id_parse(v, &bus) == 0) return 1;
        }
        snprintf(why, cap, "neither an index nor a PCI bus id");
        return 0;
    case ACCEL__CFG_MEMORY_LIMIT_GB:
    case ACCEL__CFG_CHUNK_SECONDS:
        if (parse_number(v, &d) != 0) {
            snprintf(why, cap, "not a number");
            return 0;
        }
        if (d <= 0) {
            snprintf(why, cap, "must be greater than 0");
            return 0;
        }
        return 1;
    case ACCEL__CFG_MEMORY_FRACTION:
        if (parse_number(v, &d) != 0) {
            snprintf(why, cap, "not a number");
            return 0;
        }
        if (!(d > 0 && d <= 1)) {
            snprintf(why, cap, "out of range");
            return 0;
        }
        return 1;
    case ACCEL__CFG_BATCH_SIZE:
    case ACCEL__CFG_NUM_THREADS:
    case ACCEL__CFG_IMAGE_MAX_PIXELS:
        if (parse_whole(v, &w) != 0) {
            snprintf(why, cap, "not a whole number");
            return 0;
        }
        if (w < 1) {
            snprintf(why, cap, "must be at least 1");
            return 0;
        }
        return 1;
    case ACCEL__CFG_PROBE_TIMEOUT_MS:
        if (parse_whole(v, &w) != 0) {
            snprintf(why, cap, "not a whole number");
            return 0;
        }
        if (w < 100) {
            snprintf(why, cap, "must be at least 100");
            return 0;
        }
        return 1;
    case ACCEL__CFG_ALL_GPU:
    case ACCEL__CFG_STRICT:
        if (parse_bool(v) >= 0) return 1;
        snprintf(why, cap, "not a boolean");
        return 0;
    case ACCEL__CFG_LOG_LEVEL:
        if (accel__log_parse_level(v) >= 0) return 1;
        snprintf(why, cap, "unknown level");
        return 0;
    case ACCEL__CFG_PRECISION: {
        static const char *const ok[] = {"auto", "fp32", "tf32", "fp16", "bf16", "int8"};
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
            if (strcasecmp(v, ok[i]) == 0) return 1;
        snprintf(why, cap, "unknown precision");
        return 0;
    }
    case ACCEL__CFG_FAULT: {
        accel__fault_rule rules[ACCEL__FAULT_MAX_RULES];
        return accel__fault_parse(v, rules, ACCEL__FAULT_MAX_RULES, why, cap) >= 0;
    }
    case ACCEL__CFG_SERVE_LISTEN:
        return valid_listen(v, why, cap);
    case ACCEL__CFG_SERVE_TOKEN:
        return valid_token(v, why, cap);
    case ACCEL__CFG_SERVE_WORKERS:
    case ACCEL__CFG_SERVE_QUEUE: {
        long long lo = id == ACCEL__CFG_SERVE_QUEUE ? 0 : 1,
                  hi = id == ACCEL__CFG_SERVE_QUEUE ? 100000 : 256;
        if (parse_whole(v, &w) != 0) {
            snprintf(why, cap, "not a whole number");
            return 0;
        }
        if (w < lo || w > hi) {
            snprintf(why, cap, "out of range");
            return 0;
        }
        return 1;
    }
    case ACCEL__CFG_SERVE_BODY_LIMIT_MB:
    case ACCEL__CFG_SERVE_TIME_LIMIT_S:
    case ACCEL__CFG_SERVE_CLIENT_TIMEOUT_S: {
        double hi = id == ACCEL__CFG_SERVE_BODY_LIMIT_MB ? 4096 : id == ACCEL__CFG_SERVE_TIME_LIMIT_S ? 86400 : 3600;
        if (parse_number(v, &d) != 0) {
            snprintf(why, cap, "not a number");
            return 0;
        }
        if (!(d > 0 && d <= hi)) {
            snprintf(why, cap, "out of range");
            return 0;
        }
        return 1;
    }
    case ACCEL__CFG_CACHE_DIR:
        /* relative, the cache (and `accel cache clear`) would be another directory in every
         * directory a command runs from; "" is unset, the default */
        if (*v && *v != '/') {
            snprintf(why, cap, "a relative path, which would name another directory for each "
                               "directory accel runs from");
            return 0;
        }
        return 1;
    case ACCEL__CFG_COUNT:
        return 1;
    }
    return 1;
}

/* ACCEL_SERVE_LISTEN: HOST:PORT, with an IPv6 address in brackets. The host is resolved by
 * the server; here only the form is checked. */
static int valid_listen(const char *v, char *why, size_t cap)
{
    const char *colon = NULL;
    if (v[0] == '[') {
        /* each way the bracketed form can be wrong said as it is: "[::1]" has its brackets,
         * and lacks the port */
        const char *close = strchr(v, ']');
        const char *wrong = !close            ? "no ']' after the IPv6 address: [::1]:8765"
                            : close == v + 1  ? "no address in the brackets: [::1]:8765"
                            : !close[1]       ? "no ':PORT' after the ']': [::1]:8765"
                            : close[1] != ':' ? "':PORT' does not follow the ']': [::1]:8765"
                                              : NULL;
        if (wrong) {
            snprintf(why, cap, "%s", wrong);
            return 0;
        }
        colon = close + 1;
    } else {
        colon = strrchr(v, ':');
        if (!colon || colon == v) {
            snprintf(why, cap, "no %s", colon ? "host before the port" : "':PORT'");
            return 0;
        }
        if (memchr(v, ':', (size_t)(colon - v))) {
            snprintf(why, cap, "an IPv6 address goes in brackets: [::1]:8765");
            return 0;
        }
    }
    /* digits only: strtoll's sign and leading white space ("+80", " 80") would pass here and
     * getaddrinfo reads them too, and a leading zero ("080") reads as octal to some tools */
    const char *digits = colon + 1;
    size_t nd = strspn(digits, "0123456789");
    long port = nd && nd <= 5 && !digits[nd] ? strtol(digits, NULL, 10) : -1;
    if (port < 0 || port > 65535 || (nd > 1 && digits[0] == '0')) {
        snprintf(why, cap, "the port '%.40s' is not a number 0..65535 in digits (no sign, space or "
                           "leading zero)", digits);
        return 0;
    }
    for (const char *p = v; p < colon; p++)
        if ((unsigned char)*p <= ' ' || *p == '/') {
            snprintf(why, cap, "the host has a space or a '/'");
            return 0;
        }
    return 1;
}

/* ACCEL_SERVE_TOKEN: the characters of an RFC 6750 bearer token (b64token), long enough that
 * guessing it over the network is hopeless. */
static int valid_token(const char *v, char *why, size_t cap)
{
    size_t n = strlen(v), k = 0;
    if (!n) return 1;
    while (k < n && (isalnum((unsigned char)v[k]) || strchr("-._~+/", v[k]))) k++;
    size_t body = k;
    while (k < n && v[k] == '=') k++;
    if (k < n) {
        snprintf(why, cap, "character %zu is not allowed in a bearer token", k + 1);
        return 0;
    }
    if (!body) { /* RFC 6750's b64token: 1*( ALPHA / DIGIT / "-" / … ) *"=" */
        snprintf(why, cap, "only '=' padding, no token before it");
        return 0;
    }
    if (n < 16 || n > 512) {
        snprintf(why, cap, "%zu characters", n);
        return 0;
    }
    return 1;
}

/* A setting whose value must never be printed: the server's token. */
static int secret(int id) { return id == ACCEL__CFG_SERVE_TOKEN; }

static int find_key(const char *key)
{
    for (int i = 0; i < ACCEL__CFG_COUNT; i++)
        if (strcmp(key, key_names[i]) == 0) return i;
    if (strcmp(key, "GPU_BACKEND") == 0) return ACCEL__CFG_BACKEND;
    return -1;
}

int accel__cfg_secret(const char *key) { return key && secret(find_key(key)); }

/* ACCEL_<OP>_GPU: upper-case letters, digits and '_' between the prefix and the suffix. */
static int is_op_key(const char *key)
{
    size_t n = strlen(key);
    if (n <= 10 || strncmp(key, "ACCEL_", 6) != 0 || strcmp(key + n - 4, "_GPU") != 0) return 0;
    if (strcmp(key, "ACCEL_ALL_GPU") == 0) return 0;
    for (size_t i = 6; i < n - 4; i++)
        if (!(isupper((unsigned char)key[i]) || isdigit((unsigned char)key[i]) || key[i] == '_'))
            return 0;
    return 1;
}

static void entry_set(cfg_entry *e, const char *value, const char *source)
{
    free(e->value);
    free(e->source);
    e->value = strdup(value);
    e->source = strdup(source);
}

/* Sets `key` = `value` from `source`; validates. */
static accel_status set_value(accel__config *cfg, const char *key, const char *value,
                              const char *source)
{
    char why[320] = "";
    int id = find_key(key);
    /* values are stored whole (a path, a serve token of up to 512 characters), never cut to a
     * buffer: a value cut short would be validated and used as something the user never set */
    size_t len = strlen(value);
    if (len > ACCEL__CFG_VALUE_MAX)
        return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s (from %s): a value of %zu characters is too long; "
                           "allowed: at most %d characters",
                           key, source, len, ACCEL__CFG_VALUE_MAX);
    if (id >= 0) {
        const char *norm = value;
        /* an alias of the backend table ("hip", "mps") is stored as the backend's name */
        const accel__backend_desc *be =
            id == ACCEL__CFG_BACKEND ? accel__backend_find(norm) : NULL;
        if (be && strcasecmp(norm, be->name) != 0) norm = be->name;
        if (!valid((accel__cfg_id)id, norm, why, sizeof why)) {
            char allowed[256];
            accel__strlcpy(allowed, key_allowed[id], sizeof allowed);
            if (id == ACCEL__CFG_BACKEND) {
                char names[200];
                accel__backend_names(names, sizeof names, "|", 1);
                snprintf(allowed, sizeof allowed, "auto|%s", names);
            }
            if (secret(id)) /* never echo a secret, not even a wrong one */
                return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s=(hidden, %zu characters) (from %s): %s; "
                                   "allowed: %s", key, strlen(value), source, why, allowed);
            return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s=%s (from %s): %s; allowed: %s", key, value,
                               source, why, allowed);
        }
        entry_set(&cfg->keys[id], norm, source);
        return ACCEL_OK;
    }
    if (is_op_key(key)) {
        if (parse_bool(value) < 0)
            return ACCEL_ERROR(ACCEL_ERR_CONFIG, "%s=%s (from %s): not a boolean; allowed: %s",
                               key, value, source, "0|1|true|false|yes|no|on|off");
        for (size_t i = 0; i < cfg->n_ops; i++)
            if (strcmp(cfg->ops[i].key, key) == 0) {
                entry_set(&cfg->ops[i].e, value, source);
                return ACCEL_OK;
            }
        op_entry *n = realloc(cfg->ops, (cfg->n_ops + 1) * sizeof *n);
        RETURN_ERROR_IF(!n, ACCEL_ERR_NO_MEMORY, "out of memory");
        cfg->ops = n;
        memset(&cfg->ops[cfg->n_ops], 0, sizeof *n);
        cfg->ops[cfg->n_ops].key = strdup(key);
        entry_set(&cfg->ops[cfg->n_ops].e, value, source);
        cfg->n_ops++;
        return ACCEL_OK;
    }
    char known[1024] = "";
    size_t k = 0;
    for (int i = 0; i < ACCEL__CFG_COUNT && k < sizeof known; i++)
        k += (size_t)snprintf(known + k, sizeof known - k, "%s, ", key_names[i]);
    return ACCEL_ERROR(ACCEL_ERR_CONFIG,
                       "%s=%s (from %s): unknown configuration key; allowed: %sGPU_BACKEND, "
                       "ACCEL_<OP>_GPU",
                       key, value, source, known);
}

static accel_status set_from_file(void *user, const char *key, const char *value,
                                  const char *source)
{
    return set_value(user, key, value, source);
}

accel_status accel__config_check_stream(FILE *f, const char *name)
{
    accel__config *cfg = calloc(1, sizeof *cfg);
    RETURN_ERROR_IF(!cfg, ACCEL_ERR_NO_MEMORY, "out of memory");
    accel_status st = accel__config_file_read_stream(f, name, set_from_file, cfg);
    accel__config_free(cfg);
    return st;
}

/* Chooses the configuration file (options > environment > default) and reads it. */
static accel_status load_file(accel__config *cfg, const accel_option *options, size_t n_options)
{
    const char *path = NULL, *from = "default";
    for (size_t i = 0; i < n_options; i++)
        if (options[i].key && options[i].value && strcmp(options[i].key, "ACCEL_CONFIG") == 0 &&
            options[i].value[0]) {
            path = options[i].value;
            from = "api";
        }
    const char *env = getenv("ACCEL_CONFIG");
    if (!path && env && *env) {
        path = env;
        from = "env";
    }
    char def[4096];
    if (!path) {
        if (accel__config_file_default(def, sizeof def) != 0) return ACCEL_OK;
        path = def;
    }
    entry_set(&cfg->file, path, from);
    struct stat st;
    if (stat(path, &st) != 0) {
        /* The default file is optional; a file that was asked for must exist. */
        if (strcmp(from, "default") == 0) return ACCEL_OK;
        return ACCEL_ERROR(ACCEL_ERR_CONFIG, "ACCEL_CONFIG=%s (from %s): %s; allowed: the path "
                                             "of a readable configuration file",
                           path, from, strerror(errno));
    }
    RETURN_ERROR_IF(S_ISDIR(st.st_mode), ACCEL_ERR_CONFIG,
                    "ACCEL_CONFIG=%s (from %s): is a directory; allowed: the path of a readable "
                    "configuration file",
                    path, from);
    cfg->file_present = 1;
    return accel__config_file_read(path, set_from_file, cfg);
}

extern char **environ;

accel_status accel__config_load(accel__config **out, const accel_option *options,
                                size_t n_options)
{
    RETURN_ERROR_IF(n_options && !options, ACCEL_ERR_INVALID_ARG, "options is NULL");
    accel__config *cfg = calloc(1, sizeof *cfg);
    RETURN_ERROR_IF(!cfg, ACCEL_ERR_NO_MEMORY, "out of memory");
    /* lowest layer first: each later layer overrides what it sets */
    accel_status st = load_file(cfg, options, n_options);
    /* environment: GPU_BACKEND first so ACCEL_BACKEND wins over the alias */
    const char *alias = getenv("GPU_BACKEND");
    if (st == ACCEL_OK && alias && *alias)
        st = set_value(cfg, "GPU_BACKEND", alias, "env (GPU_BACKEND)");
    for (char **e = environ; st == ACCEL_OK && e && *e; e++) {
        if (strncmp(*e, "ACCEL_", 6) != 0) continue;
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        char key[128];
        size_t kn = (size_t)(eq - *e);
        if (kn >= sizeof key) continue;
        memcpy(key, *e, kn);
        key[kn] = '\0';
        if (strcmp(key, "ACCEL_CONFIG") == 0 || strcmp(key, ACCEL__ENV_SYSFS_ROOT) == 0 ||
            strcmp(key, ACCEL__ENV_PROCFS_ROOT) == 0)
            continue;
        if (find_key(key) < 0 && !is_op_key(key)) continue; /* not ours to judge */
        if (!eq[1]) continue;                               /* empty: unset */
        st = set_value(cfg, key, eq + 1, "env");
    }
    for (size_t i = 0; st == ACCEL_OK && i < n_options; i++) {
        if (!options[i].key || !options[i].value) {
            st = ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "option %zu has a NULL key or value", i);
            break;
        }
        if (strcmp(options[i].key, "ACCEL_CONFIG") == 0) continue; /* read by load_file */
        st = set_value(cfg, options[i].key, options[i].value, "api");
    }
    if (st != ACCEL_OK) {
        accel__config_free(cfg);
        return st;
    }
    *out = cfg;
    return ACCEL_OK;
}

void accel__config_free(accel__config *cfg)
{
    if (!cfg) return;
    for (int i = 0; i < ACCEL__CFG_COUNT; i++) {
        free(cfg->keys[i].value);
        free(cfg->keys[i].source);
    }
    free(cfg->file.value);
    free(cfg->file.source);
    for (size_t i = 0; i < cfg->n_ops; i++) {
        free(cfg->ops[i].key);
        free(cfg->ops[i].e.value);
        free(cfg->ops[i].e.source);
    }
    free(cfg->ops);
    free(cfg);
}

const char *accel__cfg_str(const accel_ctx *ctx, accel__cfg_id id)
{
    if (!ctx || !ctx->cfg || id >= ACCEL__CFG_COUNT) return "";
    const cfg_entry *e = &ctx->cfg->keys[id];
    return e->value ? e->value : key_defaults[id];
}

const char *accel__cfg_source(const accel_ctx *ctx, accel__cfg_id id)
{
    if (!ctx || !ctx->cfg || id >= ACCEL__CFG_COUNT) return "default";
    const cfg_entry *e = &ctx->cfg->keys[id];
    return e->value ? e->source : "default";
}

bool accel__cfg_bool(const accel_ctx *ctx, accel__cfg_id id)
{
    return parse_bool(accel__cfg_str(ctx, id)) == 1;
}

long long accel__cfg_int(const accel_ctx *ctx, accel__cfg_id id)
{
    long long v;
    return parse_whole(accel__cfg_str(ctx, id), &v) == 0 ? v : -1;
}

double accel__cfg_double(const accel_ctx *ctx, accel__cfg_id id)
{
    double v;
    return parse_number(accel__cfg_str(ctx, id), &v) == 0 ? v : -1.0;
}

void accel__cfg_op_gpu_key(const char *op, char *key, size_t cap)
{
    if (cap < 12) {
        if (cap) key[0] = '\0';
        return;
    }
    memcpy(key, "ACCEL_", 6);
    size_t k = 6;
    for (const char *p = op; *p && k < cap - 5; p++)
        key[k++] = (char)(isalnum((unsigned char)*p) ? toupper((unsigned char)*p) : '_');
    memcpy(key + k, "_GPU", 5);
}

int accel__cfg_op_gpu(const accel_ctx *ctx, const char *op)
{
    if (!ctx || !ctx->cfg || !op) return -1;
    char key[96];
    accel__cfg_op_gpu_key(op, key, sizeof key);
    for (size_t i = 0; i < ctx->cfg->n_ops; i++)
        if (strcmp(ctx->cfg->ops[i].key, key) == 0) return parse_bool(ctx->cfg->ops[i].e.value);
    return -1;
}

accel_status accel_config_get(const accel_ctx *ctx, const char *key, const char **value,
                              const char **source)
{
    RETURN_ERROR_IF(!ctx || !key || !value || !source, ACCEL_ERR_INVALID_ARG,
                    "accel_config_get: NULL argument");
    if (strcmp(key, "ACCEL_CONFIG") == 0) {
        *value = ctx->cfg->file.value ? ctx->cfg->file.value : "";
        *source = ctx->cfg->file.source ? ctx->cfg->file.source : "default";
        return ACCEL_OK;
    }
    int id = find_key(key);
    if (id >= 0) {
        *value = accel__cfg_str(ctx, (accel__cfg_id)id);
        *source = accel__cfg_source(ctx, (accel__cfg_id)id);
        return ACCEL_OK;
    }
    if (is_op_key(key)) {
        for (size_t i = 0; i < ctx->cfg->n_ops; i++)
            if (strcmp(ctx->cfg->ops[i].key, key) == 0) {
                *value = ctx->cfg->ops[i].e.value;
                *source = ctx->cfg->ops[i].e.source;
                return ACCEL_OK;
            }
        *value = "";
        *source = "default";
        return ACCEL_OK;
    }
    return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "unknown configuration key %s", key);
}

/* The operation an ACCEL_<OP>_GPU key names, or NULL when no registered operation has it. */
static const accel__op *op_of_key(const char *key)
{
    for (size_t i = 0; i < accel__op_count(); i++) {
        const accel__op *o = accel__op_at(i);
        char want[96];
        accel__cfg_op_gpu_key(o->name, want, sizeof want);
        if (strcmp(want, key) == 0) return o;
    }
    return NULL;
}

int accel__cfg_op_key_unknown(const char *key) { return key && is_op_key(key) && !op_of_key(key); }

accel_status accel_config_dump(const accel_ctx *ctx, char **text)
{
    RETURN_ERROR_IF(!ctx || !text, ACCEL_ERR_INVALID_ARG, "accel_config_dump: NULL argument");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    RETURN_ERROR_IF(!f, ACCEL_ERR_NO_MEMORY, "out of memory");
    const accel__config *c = ctx->cfg;
    /* the value column fits the longest value (a config file path is often the longest) */
    int w = 16;
    const char *file = c->file.value ? c->file.value : "(none)";
    if ((int)strlen(file) > w) w = (int)strlen(file);
    for (int i = 0; i < ACCEL__CFG_COUNT; i++) {
        int n = secret(i) ? 13 : (int)strlen(accel__cfg_str(ctx, (accel__cfg_id)i));
        if (n > w) w = n;
    }
    if (w > 60) w = 60;
    int kw = 24; /* the key column fits the longest key */
    for (int i = 0; i < ACCEL__CFG_COUNT; i++)
        if ((int)strlen(key_names[i]) > kw) kw = (int)strlen(key_names[i]);
    for (size_t i = 0; i < c->n_ops; i++)
        if ((int)strlen(c->ops[i].key) > kw) kw = (int)strlen(c->ops[i].key);
    fprintf(f, "%-*s %-*s %s\n", kw, "KEY", w, "VALUE", "SOURCE");
    fprintf(f, "%-*s %-*s %s%s\n", kw, "ACCEL_CONFIG", w, file,
            c->file.source ? c->file.source : "default",
            !c->file.value ? " (neither XDG_CONFIG_HOME nor HOME is set)"
            : c->file_present ? ""
                              : " (no such file)");
    for (int i = 0; i < ACCEL__CFG_COUNT; i++) {
        const char *v = accel__cfg_str(ctx, (accel__cfg_id)i);
        fprintf(f, "%-*s %-*s %s\n", kw, key_names[i], w,
                !v[0] ? "(unset)" : secret(i) ? "(set, hidden)" : v,
                accel__cfg_source(ctx, (accel__cfg_id)i));
    }
    for (size_t i = 0; i < c->n_ops; i++)
        fprintf(f, "%-*s %-*s %s%s\n", kw, c->ops[i].key, w, c->ops[i].e.value, c->ops[i].e.source,
                op_of_key(c->ops[i].key) ? "" : " (no operation of that name)");
    fclose(f);
    *text = buf;
    return ACCEL_OK;
}

int accel__cfg_entry(const accel_ctx *ctx, size_t i, const char **key, const char **value,
                     const char **source, const char **note)
{
    if (!ctx || !ctx->cfg) return 0;
    const accel__config *c = ctx->cfg;
    *note = "";
    if (i == 0) {
        *key = "ACCEL_CONFIG";
        *value = c->file.value ? c->file.value : "";
        *source = c->file.source ? c->file.source : "default";
        *note = !c->file.value    ? "neither XDG_CONFIG_HOME nor HOME is set"
                : c->file_present ? ""
                                  : "no such file";
        return 1;
    }
    i--;
    if (i < ACCEL__CFG_COUNT) {
        *key = key_names[i];
        *value = accel__cfg_str(ctx, (accel__cfg_id)i);
        if (secret((int)i) && (*value)[0]) *value = "(set, hidden)";
        *source = accel__cfg_source(ctx, (accel__cfg_id)i);
        return 1;
    }
    i -= ACCEL__CFG_COUNT;
    if (i >= c->n_ops) return 0;
    *key = c->ops[i].key;
    *value = c->ops[i].e.value;
    *source = c->ops[i].e.source;
    *note = op_of_key(c->ops[i].key) ? "" : "no operation of that name";
    return 1;
}
