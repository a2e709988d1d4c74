/*
 * internal.h — what the parts of libaccel share. Nothing here is public.
 *
 * Layers, bottom up:
 *   errors and logging          (status.c, log.c)
 *   configuration               (config.c)       accel__cfg_* accessors, keys below
 *   discovery                   (src/discover/)  fills accel__device entries
 *   probing                     (probe.c)        fork + time limit + verdict
 *   backends                    (src/backends/)  one const accel__backend_ops each
 *   executor                    (executor.c)     runs an accel__op with fallback
 *   operations                  (src/ops/)       accel__op descriptors + public wrappers
 *
 * Naming: cross-file internals are accel__x; file-local things are static.
 */
#ifndef ACCEL_INTERNAL_H
#define ACCEL_INTERNAL_H

#include "accel.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* Records the detailed message of a failure for accel_last_error() (thread-local) and logs it
 * at debug level with file and line. Returns `status` so it can be used in a return. */
accel_status accel__set_error(accel_status status, const char *file, int line, const char *fmt,
                              ...) __attribute__((format(printf, 4, 5)));
/* Clears the thread's last error. */
void accel__clear_error(void);
/* The thread's last error text ("" when none). */
const char *accel__last_error_text(void);

#define ACCEL_ERROR(status, ...) accel__set_error((status), __FILE__, __LINE__, __VA_ARGS__)
#define RETURN_ERROR_IF(cond, status, ...)                                                  \
    do {                                                                                    \
        if (cond) return ACCEL_ERROR((status), __VA_ARGS__);                                \
    } while (0)
#define FORWARD_IF_ERROR(expr)                                                              \
    do {                                                                                    \
        accel_status fwd_status_ = (expr);                                                  \
        if (fwd_status_ != ACCEL_OK) return fwd_status_;                                    \
    } while (0)

/* ---------------------------------------------------------------------------------------- */
/* Logging: ACCEL_LOG_LEVEL=error|warn|info|debug, one line per event on stderr              */
/* ---------------------------------------------------------------------------------------- */

typedef enum { ACCEL__LOG_ERROR = 0, ACCEL__LOG_WARN = 1, ACCEL__LOG_INFO = 2, ACCEL__LOG_DEBUG = 3 } accel__log_level;

void accel__log(accel__log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void accel__log_set_level(accel__log_level level);
accel__log_level accel__log_get_level(void);
/* Parses "error|warn|info|debug"; returns -1 for anything else. */
int accel__log_parse_level(const char *text);

#define ACCEL_LOG_ERROR(...) accel__log(ACCEL__LOG_ERROR, __VA_ARGS__)
#define ACCEL_LOG_WARN(...) accel__log(ACCEL__LOG_WARN, __VA_ARGS__)
#define ACCEL_LOG_INFO(...) accel__log(ACCEL__LOG_INFO, __VA_ARGS__)
#define ACCEL_LOG_DEBUG(...) accel__log(ACCEL__LOG_DEBUG, __VA_ARGS__)

/* ---------------------------------------------------------------------------------------- */
/* Configuration keys                                                                        */
/* ---------------------------------------------------------------------------------------- */

/* X(ID, "KEY", "default", "values allowed") — the one list of settings. Per-operation GPU
 * switches (ACCEL_<OP>_GPU) are not listed: every registered operation has one. */
#define ACCEL__CONFIG_KEYS(X)                                                               \
    X(BACKEND, "ACCEL_BACKEND", "auto", "auto|cuda|rocm|opencl|cpu|metal (mps = metal)")    \
    X(DEVICE, "ACCEL_DEVICE", "", "a device index (0, 1, …) or a PCI bus id (0000:01:00.0)") \
    X(MEMORY_LIMIT_GB, "ACCEL_MEMORY_LIMIT_GB", "", "a number of GB greater than 0")         \
    X(MEMORY_FRACTION, "ACCEL_MEMORY_FRACTION", "", "a number in (0, 1]")                   \
    X(BATCH_SIZE, "ACCEL_BATCH_SIZE", "", "a whole number ≥ 1")                              \
    X(ALL_GPU, "ACCEL_ALL_GPU", "1", "0|1|true|false|yes|no|on|off")                        \
    X(STRICT, "ACCEL_STRICT", "0", "0|1|true|false|yes|no|on|off")                          \
    X(NUM_THREADS, "ACCEL_NUM_THREADS", "", "a whole number ≥ 1")                            \
    X(LOG_LEVEL, "ACCEL_LOG_LEVEL", "warn", "error|warn|info|debug")                        \
    X(CHUNK_SECONDS, "ACCEL_CHUNK_SECONDS", "", "a number of seconds greater than 0")        \
    X(PRECISION, "ACCEL_PRECISION", "auto", "auto|fp32|tf32|fp16|bf16|int8")                \
    X(FAULT, "ACCEL_FAULT", "", "KIND@SITE[:N][,…], see docs/fault-injection.md")            \
    X(CACHE_DIR, "ACCEL_CACHE_DIR", "", "a directory (default $XDG_CACHE_HOME/accel)")       \
    X(PROBE_TIMEOUT_MS, "ACCEL_PROBE_TIMEOUT_MS", "15000", "a whole number of ms ≥ 100")

typedef enum {
#define ACCEL__CFG_ENUM(id, key, def, allowed) ACCEL__CFG_##id,
    ACCEL__CONFIG_KEYS(ACCEL__CFG_ENUM)
#undef ACCEL__CFG_ENUM
    ACCEL__CFG_COUNT
} accel__cfg_id;

/* Environment variables that redirect the sysfs and procfs roots for tests on captured trees.
 * Read directly from the environment (not part of the user configuration). */
#define ACCEL__ENV_SYSFS_ROOT "ACCEL_SYSFS_ROOT"
#define ACCEL__ENV_PROCFS_ROOT "ACCEL_PROCFS_ROOT"
const char *accel__sysfs_root(void);  /* "/sys" unless redirected */
const char *accel__procfs_root(void); /* "/proc" unless redirected */

typedef struct accel__config accel__config; /* config.c */

/* Builds the effective configuration: options > environment > file > defaults. On a bad
 * value returns ACCEL_ERR_CONFIG with a message naming the key, the value, its source and the
 * values allowed. */
accel_status accel__config_load(accel__config **out, const accel_option *options,
                                size_t n_options);
void accel__config_free(accel__config *cfg);
/* Reads a configuration file's text from a stream (seekable), validating every key and value
 * as accel__config_load does, into a configuration that is then discarded: the fuzz target of
 * the file format. `name` stands for its path in messages. */
accel_status accel__config_check_stream(FILE *f, const char *name);
/* Effective value ("" when unset) and source of a listed key. */
const char *accel__cfg_str(const accel_ctx *ctx, accel__cfg_id id);
const char *accel__cfg_source(const accel_ctx *ctx, accel__cfg_id id);
bool accel__cfg_bool(const accel_ctx *ctx, accel__cfg_id id);
/* -1 when unset (values were validated at load). */
long long accel__cfg_int(const accel_ctx *ctx, accel__cfg_id id);
double accel__cfg_double(const accel_ctx *ctx, accel__cfg_id id); /* < 0 when unset */
/* ACCEL_<OP>_GPU for operation `op` ("convert" → ACCEL_CONVERT_GPU): 1, 0, or -1 unset. */
int accel__cfg_op_gpu(const accel_ctx *ctx, const char *op);
/* The switch key of operation `op` into key (cap >= 12): "convert" → "ACCEL_CONVERT_GPU";
 * letters and digits upper-cased, anything else '_', the name cut to fit. */
void accel__cfg_op_gpu_key(const char *op, char *key, size_t cap);

/* ---------------------------------------------------------------------------------------- */
/* Devices                                                                                   */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__backend_ops accel__backend_ops;
typedef struct accel__device accel__device;

struct accel__device {
    accel_device_info info;        /* what the public API shows */
    const accel__backend_ops *ops; /* NULL while not usable */
    void *impl;                    /* backend-private state, owned by the backend */
    int backend_index;             /* the device's index inside its backend (CUDA ordinal …) */
    int opened;                    /* ops->open succeeded */
    accel_ctx *ctx;
    pthread_mutex_t lock;          /* serialises use of one device's queue */
};

/* A growable list that discoverers append to. */
typedef struct accel__devlist {
    accel__device *v;
    size_t n, cap;
} accel__devlist;

/* Appends a zeroed device with every "unknown" field set (-1 numbers, "" text) and returns it,
 * or NULL when out of memory. */
accel__device *accel__devlist_add(accel__devlist *list);
void accel__devlist_free(accel__devlist *list);
/* Sets every numeric field of `info` to -1 and every text to "", struct_size set. */
void accel__device_info_init(accel_device_info *info);

/* Discoverers: each appends the devices of its kind; a missing library means zero devices
 * and ACCEL_OK. `no_cache` asks the prober to ignore cached verdicts. */
accel_status accel__discover_cpu(accel_ctx *ctx, accel__devlist *out);
accel_status accel__discover_cuda(accel_ctx *ctx, accel__devlist *out, bool no_cache);
accel_status accel__discover_rocm(accel_ctx *ctx, accel__devlist *out, bool no_cache);
accel_status accel__discover_opencl(accel_ctx *ctx, accel__devlist *out, bool no_cache);

/* ---------------------------------------------------------------------------------------- */
/* Crash-isolated probing (probe.c)                                                          */
/* ---------------------------------------------------------------------------------------- */

/* A probe body runs in a forked child. It may send up to ACCEL__PROBE_MAX_REPLY bytes back
 * with accel__probe_reply() and returns 0 for success, any other value for failure (with a
 * reason sent through accel__probe_fail()). */
#define ACCEL__PROBE_MAX_REPLY (1u << 20)
typedef struct accel__probe_chan accel__probe_chan;
typedef int (*accel__probe_fn)(void *arg, accel__probe_chan *chan);
void accel__probe_reply(accel__probe_chan *chan, const void *data, size_t n);
void accel__probe_fail(accel__probe_chan *chan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Tells the parent what the child is doing now, so a crash or hang names the step
 * ("loading libcudnn.so.9"). */
void accel__probe_step(accel__probe_chan *chan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct accel__probe_result {
    int ok;             /* child exited 0 */
    int timed_out;      /* killed after the time limit */
    int signal;         /* terminating signal, 0 if none */
    int exit_code;      /* when it exited */
    char step[256];     /* last step announced */
    char verdict[512];  /* "usable" or "unusable: killed by SIGABRT while loading libcudnn.so.9" */
    unsigned char *reply; /* bytes sent with accel__probe_reply (malloc'd, caller frees) */
    size_t reply_len;
    double elapsed_ms;
} accel__probe_result;

/* Runs fn(arg) in a forked child with a time limit. Never fails because the child crashed:
 * that becomes the verdict. Returns an error only when fork/pipe themselves fail. */
accel_status accel__probe_run(const char *what, accel__probe_fn fn, void *arg, int timeout_ms,
                              accel__probe_result *out);
void accel__probe_result_free(accel__probe_result *r);

/* ---------------------------------------------------------------------------------------- */
/* Disk caches ($ACCEL_CACHE_DIR, else $XDG_CACHE_HOME/accel, else ~/.cache/accel)           */
/* ---------------------------------------------------------------------------------------- */

/* Writes "<cache dir>/<sub>" into buf, creating directories. sub may be "" for the root. */
accel_status accel__cache_path(const accel_ctx *ctx, const char *sub, char *buf, size_t cap);
/* Identity of a file for cache keys: "path:dev:ino:size:mtime", or "path:absent". */
void accel__file_identity(const char *path, char *buf, size_t cap);
/* FNV-1a 64-bit hash, for cache keys and checksums. seed 0 gives the standard FNV-1a value
 * ("a" -> 0xaf63dc4c8601ec8c); a non-zero seed (e.g. the hash of a preceding part) is XORed
 * into the offset basis. Not cryptographic. */
uint64_t accel__hash64(const void *data, size_t n, uint64_t seed);
/* Atomically writes a file (temp + rename). */
accel_status accel__write_file_atomic(const char *path, const void *data, size_t n);
/* Reads a whole regular file (anything else, a FIFO or a device, is ACCEL_ERR_IO without
 * blocking); *data is malloc'd and NUL-terminated. ACCEL_ERR_NOT_FOUND when it does not exist. */
accel_status accel__read_file(const char *path, char **data, size_t *n);

/* ---------------------------------------------------------------------------------------- */
/* Backends                                                                                  */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__buffer accel__buffer; /* defined by each backend */
typedef struct accel__kernel accel__kernel; /* defined by each backend */
typedef struct accel__op accel__op;

typedef enum {
    ACCEL__ARG_BUFFER = 0,
    ACCEL__ARG_I32 = 1,
    ACCEL__ARG_U32 = 2,
    ACCEL__ARG_F32 = 3,
    ACCEL__ARG_I64 = 4,
    ACCEL__ARG_LOCAL = 5 /* work-group local memory of `local_bytes` */
} accel__arg_type;

typedef struct accel__arg {
    accel__arg_type type;
    union {
        accel__buffer *buf;
        int32_t i32;
        uint32_t u32;
        float f32;
        int64_t i64;
        size_t local_bytes;
    } v;
} accel__arg;

/* OpenCL-style geometry: global = total work items per dimension, local = group size. */
typedef struct accel__launch {
    int dims;
    size_t global[3];
    size_t local[3];
} accel__launch;

#define ACCEL__BACKEND_API 1

/* One const table per backend (designated initializers). Slots are only ever added at the
 * end; optional slots are NULL-checked by the core. Core code calls these and never asks what
 * kind of device it holds. */
struct accel__backend_ops {
    int api_version;  /* ACCEL__BACKEND_API */
    const char *name; /* "cpu", "cuda", "opencl", "hip" */

    accel_status (*open)(accel__device *dev); /* create queue, load kernels (warm-up) */
    void (*close)(accel__device *dev);
    accel_status (*mem_info)(accel__device *dev, int64_t *free_bytes, int64_t *total_bytes);

    accel_status (*buffer_alloc)(accel__device *dev, size_t bytes, accel__buffer **out);
    void (*buffer_free)(accel__device *dev, accel__buffer *buf);
    accel_status (*copy_h2d)(accel__device *dev, accel__buffer *dst, size_t dst_off,
                             const void *src, size_t bytes);
    accel_status (*copy_d2h)(accel__device *dev, void *dst, accel__buffer *src, size_t src_off,
                             size_t bytes);
    accel_status (*copy_d2d)(accel__device *dev, accel__buffer *dst, size_t dst_off,
                             accel__buffer *src, size_t src_off, size_t bytes);
    /* Pinned host memory; optional (NULL: use malloc). */
    accel_status (*host_alloc)(accel__device *dev, size_t bytes, void **out);
    void (*host_free)(accel__device *dev, void *p);

    accel_status (*kernel_get)(accel__device *dev, const char *name, accel__kernel **out);
    accel_status (*launch)(accel__device *dev, accel__kernel *k, const accel__launch *geom,
                           const accel__arg *args, int n_args);
    accel_status (*synchronize)(accel__device *dev);

    /* 1 when this device can run operation `op` (its kernels exist and built). */
    int (*supports_op)(const accel__device *dev, const char *op);
    /* Runs items [begin, end) of an operation call. The CPU backend calls op->run_cpu; device
     * backends call op->run_device, which uses the slots above. */
    accel_status (*run)(accel__device *dev, const accel__op *op, void *call, size_t begin,
                        size_t end);

    /* Optional device-side timing (events); NULL: the bench uses host clocks. */
    accel_status (*timer_start)(accel__device *dev, void **timer);
    accel_status (*timer_stop)(accel__device *dev, void *timer, double *ms);
    /* Optional: a one-line note on the kernels ("fatbin sm_75…sm_90+PTX", "no kernels: …"). */
    const char *(*kernel_note)(const accel__device *dev);
    /* Optional: the ACCEL_PREC_* formats this device can use, from its description
     * (docs/precision.md); NULL: fp32 only. */
    unsigned (*precision)(const accel__device *dev);
};

extern const accel__backend_ops accel__backend_cpu;
extern const accel__backend_ops accel__backend_cuda;
extern const accel__backend_ops accel__backend_opencl;
extern const accel__backend_ops accel__backend_hip;

/* ---------------------------------------------------------------------------------------- */
/* Operations and the executor                                                               */
/* ---------------------------------------------------------------------------------------- */

/* An operation: its CPU code, its device code, its memory formula. `call` is the operation's
 * own parameter struct (host pointers in and out); items are the unit that a batch splits. */
struct accel__op {
    const char *name; /* "convert"; also names ACCEL_CONVERT_GPU */
    size_t (*n_items)(const void *call);
    /* Device memory needed for a batch of n items: fixed + per_item * n (bytes). */
    int64_t (*bytes_fixed)(const void *call);
    int64_t (*bytes_per_item)(const void *call);
    accel_status (*run_cpu)(accel__device *dev, void *call, size_t begin, size_t end);
    accel_status (*run_device)(accel__device *dev, void *call, size_t begin, size_t end);
    const char *const *kernels; /* NULL-terminated kernel names the device path needs */
};

/* Runs `op` on the planned device, falling back in policy order (CPU last) on unavailable,
 * oom (after bisecting the batch on the same device), kernel errors, disabled or unsupported.
 * Fills `rec` (may be NULL) and the context's counters. */
accel_status accel__exec(accel_ctx *ctx, const accel__op *op, void *call, accel_run_record *rec);

/* Runs `op` on one given device, without fallback (benchmarks, conformance tests). */
accel_status accel__exec_on(accel_ctx *ctx, size_t device_index, const accel__op *op, void *call,
                            accel_run_record *rec);

/* Looks up a registered operation by name (NULL if unknown); the registry lists them all. */
const accel__op *accel__op_find(const char *name);
size_t accel__op_count(void);
const accel__op *accel__op_at(size_t i);

/* ---------------------------------------------------------------------------------------- */
/* Fault injection (fault.c): ACCEL_FAULT=KIND@SITE[:N],…                                    */
/* ---------------------------------------------------------------------------------------- */

/* Sites: "alloc", "copy", "launch", "op:<name>", "open". Returns the status the real failure
 * would give (ACCEL_ERR_DEVICE_OOM, ACCEL_ERR_KERNEL, ACCEL_ERR_DEVICE_LOST, …) when the
 * configured fault fires for this call on a non-CPU device, else ACCEL_OK. */
accel_status accel__fault_check(accel_ctx *ctx, const accel__device *dev, const char *site);

/* ---------------------------------------------------------------------------------------- */
/* Context                                                                                   */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__stats_entry {
    accel_op_stats s;
} accel__stats_entry;

struct accel_ctx {
    accel__config *cfg;
    unsigned flags;
    accel__device *devs; /* GPUs first in policy order, CPU last */
    size_t n_devs;
    pthread_mutex_t lock; /* guards stats and lazily opened devices */
    accel__stats_entry *stats;
    size_t n_stats, cap_stats;
    void *exec_state;  /* executor.c: bisection memory per (op, device) */
    void *fault_state; /* fault.c: counters per site */
    void *cpu_pool;    /* backends/cpu: the thread pool */
};

/* The CPU device (always present, always last). */
accel__device *accel__cpu_device(accel_ctx *ctx);

/* ---------------------------------------------------------------------------------------- */
/* JSON writer (json.c): small, streaming, escapes correctly                                 */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__json {
    FILE *f;
    int depth;
    int need_comma[32];
    int pretty;
} accel__json;

void accel__json_init(accel__json *j, FILE *f, int pretty);
void accel__json_begin_object(accel__json *j, const char *key); /* key NULL inside arrays */
void accel__json_end_object(accel__json *j);
void accel__json_begin_array(accel__json *j, const char *key);
void accel__json_end_array(accel__json *j);
void accel__json_str(accel__json *j, const char *key, const char *value); /* NULL → null */
void accel__json_int(accel__json *j, const char *key, long long value);
void accel__json_num(accel__json *j, const char *key, double value); /* NaN/inf → null */
void accel__json_bool(accel__json *j, const char *key, int value);
void accel__json_null(accel__json *j, const char *key);
void accel__json_finish(accel__json *j); /* newline */

/* ---------------------------------------------------------------------------------------- */
/* Small helpers (util.c)                                                                    */
/* ---------------------------------------------------------------------------------------- */

double accel__now_ms(void); /* monotonic clock */
/* snprintf that always terminates and never warns about truncation. */
void accel__strlcpy(char *dst, const char *src, size_t cap);
/* Reads a small text file (sysfs/procfs) into buf, trimmed; returns 0 on success. */
int accel__read_text(const char *path, char *buf, size_t cap);

#endif /* ACCEL_INTERNAL_H */
