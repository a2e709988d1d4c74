/*
 * internal.h — what the parts of libaccel share. Nothing here is public.
 *
 * Layers, bottom up (docs/architecture.md; tests/layers checks the includes):
 *   errors and logging          (status.c, log.c)
 *   configuration               (config.c)       accel__cfg_* accessors, keys below
 *   probing                     (probe.c)        fork + time limit + verdict
 *   vendor APIs                 (src/vendor/)    dlopen wrappers
 *   discovery                   (src/discover/)  fills device lists (core/backend.h)
 *   backends                    (src/backends/)  one const accel__backend_ops each
 *   the backend table, context, selection, executor, planner  (src/core/)
 *   operations                  (src/ops/)       accel__op descriptors + public wrappers
 * The device entry and the ops table are in core/backend.h, which operations never include:
 * their device code runs on the counting handle of core/devcall.h.
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
/* Puts back a text saved from accel__last_error_text(), after a call whose failure was an
 * answer rather than the caller's error (whether a device has a kernel). */
void accel__restore_error(const char *text);

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
 * switches (ACCEL_<OP>_GPU) are not listed: every registered operation has one. The values
 * ACCEL_BACKEND allows come from the backend table (accel__backend_names). */
#define ACCEL__CONFIG_KEYS(X)                                                               \
    X(BACKEND, "ACCEL_BACKEND", "auto", "auto|<a name of the backend table>")              \
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
    X(CACHE_DIR, "ACCEL_CACHE_DIR", "", "an absolute path of a directory (default $XDG_CACHE_HOME/accel)")       \
    X(PROBE_TIMEOUT_MS, "ACCEL_PROBE_TIMEOUT_MS", "15000", "a whole number of ms ≥ 100")  \
    X(IMAGE_MAX_PIXELS, "ACCEL_IMAGE_MAX_PIXELS", "1073741824", "a whole number of pixels ≥ 1") \
    X(SERVE_LISTEN, "ACCEL_SERVE_LISTEN", "127.0.0.1:8765",                                 \
      "HOST:PORT (an IPv4 address, [an IPv6 address] or a host name; port 0..65535, 0: any " \
      "free port)")                                                                         \
    X(SERVE_TOKEN, "ACCEL_SERVE_TOKEN", "",                                                 \
      "empty (no token), or 16..512 characters of A-Z a-z 0-9 - . _ ~ + / then any =")      \
    X(SERVE_WORKERS, "ACCEL_SERVE_WORKERS", "", "a whole number 1..256 (default: the usable cores)") \
    X(SERVE_QUEUE, "ACCEL_SERVE_QUEUE", "64", "a whole number 0..100000")                   \
    X(SERVE_BODY_LIMIT_MB, "ACCEL_SERVE_BODY_LIMIT_MB", "64", "a number of MB in (0, 4096]") \
    X(SERVE_TIME_LIMIT_S, "ACCEL_SERVE_TIME_LIMIT_S", "60", "a number of seconds in (0, 86400]") \
    X(SERVE_CLIENT_TIMEOUT_S, "ACCEL_SERVE_CLIENT_TIMEOUT_S", "30",                         \
      "a number of seconds in (0, 3600]")

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
/* 1 when `key` names a setting whose value is never printed (ACCEL_SERVE_TOKEN): reports
 * show "(set, hidden)" instead. */
int accel__cfg_secret(const char *key);
/* 1 when key has the form ACCEL_<OP>_GPU but no registered operation has that name (such a
 * key is read and shown, with a note, never used). */
int accel__cfg_op_key_unknown(const char *key);
/* The i-th line of `accel config --show` (ACCEL_CONFIG, every key, then the ACCEL_<OP>_GPU keys
 * that are set): 1 and its key, value ("" unset), source and note ("" or why the value is
 * odd: "no such file"); 0 past the end. Pointers stay valid while the context lives. */
int accel__cfg_entry(const accel_ctx *ctx, size_t i, const char **key, const char **value,
                     const char **source, const char **note);

/* ---------------------------------------------------------------------------------------- */
/* Devices                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* A device entry, a backend's ops table and the device lists discoverers fill are the
 * contract between the core and the backends (core/backend.h). Operations do not include
 * that header: their device code reaches a device only through the handle of
 * core/devcall.h, and their CPU code gets the device as an opaque pointer. */
typedef struct accel__device accel__device;
typedef struct accel__backend_ops accel__backend_ops;
typedef struct accel__devlist accel__devlist;

/* A discoverer appends the devices of its backend to `out`; a missing vendor library means
 * zero devices and ACCEL_OK. `no_cache` asks the prober to ignore cached verdicts. */
typedef accel_status (*accel__discover_fn)(accel_ctx *ctx, accel__devlist *out, bool no_cache);

/* A sampler reads what one of its backend's devices shows now (accel_device_query) and, when
 * `n` is not NULL, which processes use it (accel_device_processes: up to `cap` entries of
 * `stride` bytes at `procs`, the number found in *n). `s` may be NULL when only processes are
 * asked for. Figures it cannot read stay as the caller set them (-1). */
typedef accel_status (*accel__sample_fn)(const accel__device *dev, accel_device_sample *s,
                                         accel_device_process *procs, size_t stride, size_t cap,
                                         size_t *n);

/* One entry of the backend table (src/core/backends.c): everything that names a backend.
 * Configuration (ACCEL_BACKEND), selection, `accel bench --device`, the CLI and context
 * creation loop over the table instead of naming backends themselves; adding a backend is one
 * entry plus its folders (src/backends/<name>/, a discoverer). */
typedef struct accel__backend_desc {
    int api_version;        /* ACCEL__BACKEND_API the backend was built against (checked) */
    const char *name;       /* canonical, what users write and see: "cuda", "rocm", … */
    const char *aliases[3]; /* other spellings accepted as input ("hip" for rocm), NULL-ended */
    const char *label;      /* in messages: "CUDA", "ROCm", "OpenCL", "Metal", "CPU" */
    accel_device_kind kind; /* accel_device_info.kind of its devices */
    unsigned route;         /* the ACCEL_ROUTE_* bit of its API, 0 when none */
    accel__discover_fn discover;   /* NULL: not built into this library */
    const accel__backend_ops *ops; /* NULL: not built into this library */
    const char *not_built;  /* why this build lacks it, when discover/ops are NULL */
    int host;     /* 1 for the host CPU: always discovered (even with ACCEL_CTX_NO_DISCOVERY),
                   * always last, and a context cannot exist without its device */
    int generic;  /* 1 for an API that also reaches devices another backend reaches natively
                   * (OpenCL): its entry for such a PCI device is folded into the native one */
    int ordinals; /* 1 when a device's backend_index is the ordinal its runtime gives it, as
                   * other libraries in the process name the device (accel_device_ordinal) */
    accel__sample_fn sample; /* live figures of its devices (src/discover/sample_*.c); NULL:
                              * none beyond what discovery found */
} accel__backend_desc;

/* The table, in discovery order (native GPU APIs first, generic ones next, the CPU last). */
size_t accel__backend_count(void);
const accel__backend_desc *accel__backend_at(size_t i);
/* The entry named `name` or one of its aliases, case-insensitive; NULL when none. */
const accel__backend_desc *accel__backend_find(const char *name);
/* The entry whose devices are of `kind`; NULL when none. */
const accel__backend_desc *accel__backend_of_kind(accel_device_kind kind);
/* The entry whose API is route bit `route`; NULL when none. */
const accel__backend_desc *accel__backend_of_route(unsigned route);
/* The names users may write, in table order, into buf: with sep "|" and aliases 1:
 * "cuda|rocm|opencl|metal|cpu (hip = rocm, mps = metal)"; with sep ", " and aliases 0:
 * "cuda, rocm, opencl, metal, cpu". */
void accel__backend_names(char *buf, size_t cap, const char *sep, int aliases);
/* The word a misspelt --device value is nearest to (accel__nearest_name) among auto, the
 * table's names and, with `several` (accel bench's list), all and gpu; NULL when none is near. */
const char *accel__device_nearest(const char *word, int several);
/* One word of --device (docs/cli.md, "Devices"), read once for every verb, the Python
 * package's device= and, with `several`, each word of accel bench's list (backends.c). */
typedef enum accel__device_word_what {
    ACCEL__DEVICE_AUTO,  /* "auto" (any case), or no word: the policy's choice */
    ACCEL__DEVICE_KIND,  /* a name or alias of the backend table, any case: `kind` */
    ACCEL__DEVICE_INDEX, /* digits only, as `accel devices` numbers them: `index` */
    ACCEL__DEVICE_BUS,   /* a PCI bus id in a spelling accel__pci_bus_id_parse reads */
    ACCEL__DEVICE_ALL,   /* "all", with `several` only */
    ACCEL__DEVICE_GPU    /* "gpu", with `several` only */
} accel__device_word_what;
typedef struct accel__device_word {
    accel__device_word_what what;
    const accel__backend_desc *kind; /* ACCEL__DEVICE_KIND; NULL otherwise */
    long index;                      /* ACCEL__DEVICE_INDEX; -1 otherwise */
} accel__device_word;
/* Reads `word` (NULL: auto) into *w. Returns NULL, or why it is refused: "an empty device
 * name", "a device index is 0 or more", "a device index is digits only", "no device has an
 * index this large", "not a PCI bus id (…)", "names several devices, as only `accel bench`
 * takes" (all and gpu without `several`) or "unknown device" (then accel__device_nearest
 * has the word meant). A spelling accepted here is one the selection matches
 * (accel__device_matches), since both read bus ids with accel__pci_bus_id_parse. */
const char *accel__device_word_read(const char *word, int several, accel__device_word *w);
/* Whether this library can use `d`: ACCEL_OK; ACCEL_ERR_NOT_BUILT_IN (with d->not_built)
 * when it is not built in; ACCEL_ERR_INTERNAL naming the backend and both versions when its
 * descriptor or ops table was built against another ACCEL__BACKEND_API (it is refused). */
accel_status accel__backend_check(const accel__backend_desc *d);

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
    int ok;             /* child returned 0 from the probe body (not merely exited 0) */
    int timed_out;      /* killed after the time limit */
    int signal;         /* terminating signal, 0 if none */
    int exit_code;      /* when it exited */
    int ended;          /* the probe body returned (its end frame arrived) */
    char step[256];     /* last step announced */
    char verdict[512];  /* "usable" or "unusable: killed by SIGABRT while loading libcudnn.so.9" */
    unsigned char *reply; /* bytes sent with accel__probe_reply (malloc'd, caller frees) */
    size_t reply_len;
    double elapsed_ms;
    /* What the child wrote to its standard output and error (the vendor library's own
     * messages): captured, never passed through, so a library that prints cannot corrupt the
     * host's output. NUL-terminated, at most ACCEL__PROBE_MAX_OUTPUT bytes kept (malloc'd,
     * NULL when it wrote nothing); output_lost counts the bytes beyond that. */
    char *output;
    size_t output_len, output_lost;
} accel__probe_result;

#define ACCEL__PROBE_MAX_OUTPUT 4096u

/* The captured output as one line for a report: control characters and line ends become
 * spaces, runs of blanks one space, cut to fit `cap` with "…" (and "(N bytes more)" when the
 * child wrote more than was kept). "" when there was none. */
void accel__probe_output_line(const char *output, size_t lost, char *buf, size_t cap);

/* Tells the user what a probe is waiting for once it has run for a while (a vendor library
 * that hangs in its initialisation holds a probe for the whole time limit). The hook is
 * process-wide: `fn(what, step, limit_ms, arg)` is called once per probe that is still
 * running after `after_ms` (or half its time limit, if that is sooner), and
 * `fn(NULL, NULL, 0, arg)` when that probe ends. NULL removes it. */
typedef void (*accel__probe_wait_fn)(const char *what, const char *step, int limit_ms, void *arg);
void accel__probe_set_wait_hook(accel__probe_wait_fn fn, void *arg, int after_ms);

/* Runs fn(arg) in a forked child with a time limit. Never fails because the child crashed:
 * that becomes the verdict. A child that ends without returning from fn (a library that calls
 * exit() or _exit() while loading) has failed, whatever its exit status. The child's standard
 * input is /dev/null and its standard output and error are captured (out->output). Returns
 * an error only when fork/pipe themselves fail. */
accel_status accel__probe_run(const char *what, accel__probe_fn fn, void *arg, int timeout_ms,
                              accel__probe_result *out);
void accel__probe_result_free(accel__probe_result *r);

/* What one context learnt from probing a vendor stack, kept for the context's life, so that a
 * stack is probed once per context however many parts ask (discovery, then the doctor): a
 * library that hangs in its initialisation then costs one time limit, not one per question.
 * `key` says what the outcome depends on (the verdict cache key). Unlike the verdict cache
 * this is never stale: it holds only what this context itself saw. get returns 1 and a
 * malloc'd NUL-terminated copy, or 0. ctx may be NULL (nothing is kept). */
void accel__probe_memo_put(accel_ctx *ctx, const char *key, const void *data, size_t n);
int accel__probe_memo_get(accel_ctx *ctx, const char *key, char **data, size_t *n);
void accel__probe_memo_free(accel_ctx *ctx);

/* ---------------------------------------------------------------------------------------- */
/* Disk caches ($ACCEL_CACHE_DIR, else $XDG_CACHE_HOME/accel, else ~/.cache/accel)           */
/* ---------------------------------------------------------------------------------------- */

/* Writes "<cache dir>/<sub>" into buf, creating directories. sub may be "" for the root.
 * (cache_dir.c; the helpers below are util.c's.) */
accel_status accel__cache_path(const accel_ctx *ctx, const char *sub, char *buf, size_t cap);
/* Identity of a file for cache keys: "path:dev:ino:size:mtime", or "path:absent". */
void accel__file_identity(const char *path, char *buf, size_t cap);
/* FNV-1a 64-bit hash, for cache keys and checksums. seed 0 gives the standard FNV-1a value
 * ("a" -> 0xaf63dc4c8601ec8c); a non-zero seed (e.g. the hash of a preceding part) is XORed
 * into the offset basis. Not cryptographic. */
uint64_t accel__hash64(const void *data, size_t n, uint64_t seed);
/* A buffer of at least `bytes`, 64-byte aligned, that belongs to the calling thread and is
 * kept for its next call (slot 0 … ACCEL__SCRATCH_SLOTS − 1: one per kind of user, so that two
 * users on one thread never share). For the per-part scratch of CPU kernels: allocated afresh
 * each time, a few hundred KB come back from malloc as new pages (glibc returns them to the
 * system on free) and every page faults again — about 2 µs a page on a virtual machine, 10 µs
 * on some. From 64 KB up its pages are mapped in at once when first allocated
 * (MADV_POPULATE_WRITE), as accel__big_alloc's are. Freed when the thread exits; NULL when out
 * of memory. Contents are not kept. */
#define ACCEL__SCRATCH_SLOTS 4
#define ACCEL__SCRATCH_AUDIO 0 /* the audio kernels' CPU parts (ops/audio/ops.c) */
#define ACCEL__SCRATCH_AUDIO_IN 1  /* a short input's samples (ops/audio/stream.c, run_whole) */
#define ACCEL__SCRATCH_AUDIO_OUT 2 /* a short input's .npy, header and body (the same) */
void *accel__thread_scratch(int slot, size_t bytes);
/* A large buffer (a stream's chunk, an output) whose pages are mapped at once: from `bytes`
 * of 1 MB up, 2 MB-aligned and rounded up to 2 MB with transparent huge pages asked for
 * (MADV_HUGEPAGE: one fault per 2 MB instead of 512, and fewer TLB misses), then populated
 * (MADV_POPULATE_WRITE, Linux 5.14+); from 64 KB up malloc'd and their whole pages populated;
 * smaller ones plain malloc. Either way released with free(); contents undefined. Where the
 * kernel refuses the advice the pages fault in as they would have. */
void *accel__big_alloc(size_t bytes);
/* madvise(advice) on the part of [p, p + n) that whole `align`-aligned units cover (align a
 * power of two: the page size, or 2 MB for huge pages); nothing when none does. Best effort. */
void accel__advise_inside(void *p, size_t n, size_t align, int advice);
/* The most bytes one write(2) to a file is given: a write of a megabyte or more into the page
 * cache sometimes cost ten times what the same bytes in 256-KB writes cost (Linux 6.18 on the
 * 2-vCPU AMD EPYC guest of docs/benchmarks.md: 500 new files of 1 MB in 66-982 ms written
 * whole, 68-86 ms in 256-KB pieces; the time goes in allocating the page cache's large folios,
 * compacting memory for them). */
#define ACCEL__WRITE_PIECE ((size_t)256 << 10)
/* Atomically writes a file (temp + rename), created with `mode` less the umask: 0666 for a
 * user's output (what a plain fopen gives), 0600 for accel's own caches. */
accel_status accel__write_file_atomic(const char *path, const void *data, size_t n, int mode);
/* Reads a whole regular file (anything else, a FIFO or a device, is ACCEL_ERR_IO without
 * blocking); *data is malloc'd and NUL-terminated. ACCEL_ERR_NOT_FOUND when it does not exist. */
accel_status accel__read_file(const char *path, char **data, size_t *n);

/* ---------------------------------------------------------------------------------------- */
/* Buffers, kernels and launch arguments: what device code hands a device                    */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel__buffer accel__buffer; /* defined by each backend */
typedef struct accel__kernel accel__kernel; /* defined by each backend */
typedef struct accel__op accel__op;
typedef struct accel__devq accel__devq; /* core/devcall.h */

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
    /* The CPU code. `dev` is opaque here: the CPU backend's pool and SIMD level come from
     * backends/cpu/cpu.h (accel__cpu_pool, accel__cpu_simd). */
    accel_status (*run_cpu)(accel__device *dev, void *call, size_t begin, size_t end);
    /* The device code: allocates, copies, looks up kernels, launches and synchronises through
     * the counting handle `q` (core/devcall.h) and nothing else. The kernels it always needs
     * are listed in `kernels`; the core checks they exist before calling it. */
    accel_status (*run_device)(accel__devq *q, void *call, size_t begin, size_t end);
    const char *const *kernels; /* NULL-terminated kernel names the device path needs */
};

/* Runs `op` on the planned device, falling back in policy order (CPU last) on unavailable,
 * oom (after bisecting the batch on the same device), kernel errors, disabled or unsupported.
 * Fills `rec` (may be NULL) and the context's counters. */
accel_status accel__exec(accel_ctx *ctx, const accel__op *op, void *call, accel_run_record *rec);

/* Runs `op` on one given device, without fallback (benchmarks, conformance tests, data that
 * stay on a device). */
accel_status accel__exec_on(accel_ctx *ctx, size_t device_index, const accel__op *op, void *call,
                            accel_run_record *rec);

/* For a call on data in the memory of device `index` (accel_convert_on, accel_reduce_on;
 * device_mem.c): *host = 1 when that is the host CPU, whose memory is the host's; otherwise
 * the device must exist, be usable and take addresses (its backend offers the caller-memory
 * slots), and it is opened. Messages start with `fn`. */
accel_status accel__device_memory_check(accel_ctx *ctx, size_t index, const char *fn, int *host);

/* The operation table: every operation accel offers, defined in src/ops/registry.c (data
 * only; an entry may be NULL for a family left out of the build). The core reads it through
 * the lookups below (op_table.c) and never calls into src/ops/. */
extern const accel__op *const accel__op_table[];
extern const size_t accel__op_table_len;
/* Looks up a registered operation by name (NULL if unknown); the table lists them all. */
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
    void *probe_memo;  /* probe.c: probe outcomes this context obtained, by key */
    uint64_t warned[8]; /* select.c: hashes of the selection warnings already logged */
    int n_warned;
};

/* The CPU device (always present, always last). */
accel__device *accel__cpu_device(accel_ctx *ctx);
/* The context a device belongs to (NULL for one built outside a context). */
accel_ctx *accel__device_ctx(const accel__device *dev);
/* 1 when ACCEL_DEVICE=`want`, an index or a PCI bus id in any of its spellings, names the
 * device `info` describes (select.c): the selection's test, and that of `--device` in plan,
 * stats and bench that the device asked for is there. */
int accel__device_matches(const accel_device_info *info, const char *want);
/* The devices, for a message that refuses a --device: "0 cuda (NVIDIA H100, 0000:01:00.0),
 * 1 opencl (pthread-AMD EPYC), 2 cpu (AMD EPYC 7763)", with the PCI bus id where there is
 * one, an unusable one marked ", not usable" (cut to fit cap). */
void accel__device_list_text(const accel_ctx *ctx, char *buf, size_t cap);

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
/* The shortest text of a finite v that reads back as the same double ("1.937", not
 * "1.9370000000000001"), as accel__json_num writes it. */
void accel__num_shortest(char out[32], double v);
/* The length of the well-formed UTF-8 sequence at p (1..4), or 0 when the bytes there are not
 * one: a stray continuation byte, a cut sequence, an overlong form, a surrogate, past U+10FFFF.
 * Reads no byte past a NUL. */
int accel__utf8_len(const unsigned char *p);
void accel__json_finish(accel__json *j); /* newline */

/* ---------------------------------------------------------------------------------------- */
/* Small helpers (util.c)                                                                    */
/* ---------------------------------------------------------------------------------------- */

double accel__now_ms(void); /* monotonic clock */
/* Parses a PCI bus id, "0000:01:00.0", "00000000:01:00.0" (CUDA, NVML) or "01:00.0" (domain
 * 0), hexadecimal digits in any case, into one number; returns 0 on success (pci_id.c). The
 * one reading of a bus id: discovery's matching, ACCEL_DEVICE's check and `--device`. */
int accel__pci_bus_id_parse(const char *text, uint64_t *out);
/* The one spelling accel shows of a bus id accel__pci_bus_id_parse reads: "0000:0A:00.0",
 * "00000000:0a:00.0", "0a:00.0" → "0000:0a:00.0" (a domain past ffff keeps 8 digits).
 * Returns 0, or -1 (out "") when `in` is not a PCI bus id (pci_id.c). */
int accel__pci_bus_id_normalise(const char *in, char *out, size_t cap);
/* 1 when two bus ids name the same function, whatever their spelling (pci_id.c). */
int accel__pci_bus_id_equal(const char *a, const char *b);
/* snprintf that always terminates and never warns about truncation. */
void accel__strlcpy(char *dst, const char *src, size_t cap);
/* Puts the finished file `tmp` in place at `path` in one step, as rename(2) does: a reader of
 * `path` sees the old file or the new one, never a part. An existing regular file is swapped
 * out with renameat2(RENAME_EXCHANGE) and then removed, because a plain rename over it makes
 * ext4 start writing the new file to disk at once (its auto_da_alloc rule; 20–35 ms for a 39 MB
 * output) where a rename to a new name does not. Returns 0, or -1 with errno (util.c). */
int accel__rename_over(const char *tmp, const char *path);
/* Reads a small text file (sysfs/procfs) into buf, trimmed; returns 0 on success. */
int accel__read_text(const char *path, char *buf, size_t cap);

#endif /* ACCEL_INTERNAL_H */
