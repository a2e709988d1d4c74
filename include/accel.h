/*
 * accel.h — the whole public API of libaccel.
 *
 * accel finds every compute device on a machine (CPU, NVIDIA through the CUDA driver API,
 * AMD through sysfs and HIP, OpenCL), explains what is wrong with a broken GPU stack, chooses
 * where each operation runs, sizes work to memory, runs its own kernels there, falls back to
 * the CPU when the GPU fails, and records every fallback as data.
 *
 * Conventions
 *  - Every function that can fail returns an accel_status. Sizes and handles come back through
 *    out-parameters, never mixed with status codes.
 *  - Handles are opaque. Structs are exposed only where the caller must read many fields
 *    (accel_device_info, filled and owned by the library) or allocate them
 *    (accel_run_record); each starts with `struct_size` so it can grow at the end.
 *  - After a failure, accel_last_error() returns a human message naming the input and the
 *    reason (and, for a setting, the values allowed). The message belongs to the calling
 *    thread, not to a context: it is the last failure of any accel call made by this thread,
 *    whatever context that call used. Calls that take no context — accel_ctx_create(),
 *    accel_audio_params_preset(), accel_audio_params_check(), accel_audio_shape(),
 *    accel_audio_open(), accel_audio_read() and the other accel_audio_* source calls — are
 *    read with accel_last_error(NULL); any context argument gives the same text. Read it right
 *    after the failing call: the next failure in the thread replaces it, and a successful call
 *    does not necessarily clear it.
 *  - Thread safety: an accel_ctx may be used from several threads at once for operations
 *    (accel_convert, accel_reduce, …). Creating and destroying it is not concurrent with use.
 *
 * License: MIT (see LICENSE).
 */
#ifndef ACCEL_H
#define ACCEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ACCEL_STATIC_DEFINE)
#define ACCEL_API
#elif defined(_WIN32)
#ifdef ACCEL_BUILDING
#define ACCEL_API __declspec(dllexport)
#else
#define ACCEL_API __declspec(dllimport)
#endif
#else
#define ACCEL_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------- */
/* Version                                                                                   */
/* ---------------------------------------------------------------------------------------- */

#define ACCEL_VERSION_MAJOR 0
#define ACCEL_VERSION_MINOR 1
#define ACCEL_VERSION_PATCH 0
#define ACCEL_VERSION_NUMBER \
    (ACCEL_VERSION_MAJOR * 10000 + ACCEL_VERSION_MINOR * 100 + ACCEL_VERSION_PATCH)

/*! accel_version_number() :
 *  @return the library's version as MAJOR*10000 + MINOR*100 + PATCH, which may differ from
 *          ACCEL_VERSION_NUMBER when the header and the shared library disagree.
 *  Since 0.1. */
ACCEL_API unsigned accel_version_number(void);

/*! accel_version_string() :
 *  @return "MAJOR.MINOR.PATCH", a static string. Since 0.1. */
ACCEL_API const char *accel_version_string(void);

/* ---------------------------------------------------------------------------------------- */
/* Status codes                                                                              */
/* ---------------------------------------------------------------------------------------- */

/* One list generates the enum and accel_strerror(). Values are never renumbered; new codes go
 * at the end. */
#define ACCEL_STATUS_LIST(X)                                                                \
    X(OK, 0, "success")                                                                     \
    X(ERR_INVALID_ARG, 1, "invalid argument")                                               \
    X(ERR_NO_MEMORY, 2, "out of host memory")                                               \
    X(ERR_CONFIG, 3, "invalid configuration value")                                         \
    X(ERR_NOT_FOUND, 4, "not found")                                                        \
    X(ERR_NOT_BUILT_IN, 5, "not built into this library")                                  \
    X(ERR_UNAVAILABLE, 6, "device or library unavailable")                                  \
    X(ERR_DEVICE_OOM, 7, "out of device memory")                                            \
    X(ERR_KERNEL, 8, "kernel build or launch failed")                                       \
    X(ERR_UNSUPPORTED, 9, "operation not supported on this device")                         \
    X(ERR_IO, 10, "input/output error")                                                     \
    X(ERR_FORMAT, 11, "corrupt or unsupported data format")                                 \
    X(ERR_TIMEOUT, 12, "timed out")                                                         \
    X(ERR_DEVICE_LOST, 13, "device lost")                                                   \
    X(ERR_STRICT, 14, "fallback refused because ACCEL_STRICT is set")                       \
    X(ERR_DISABLED, 15, "disabled by configuration")                                        \
    X(ERR_VENDOR, 16, "vendor library reported an error")                                   \
    X(ERR_INTERNAL, 17, "internal error")

typedef enum accel_status {
#define ACCEL__STATUS_ENUM(name, value, text) ACCEL_##name = value,
    ACCEL_STATUS_LIST(ACCEL__STATUS_ENUM)
#undef ACCEL__STATUS_ENUM
} accel_status;

/*! accel_strerror() :
 *  @return a static, generic description of `status` ("unknown status" for values outside
 *          the list). For the detailed message of a failure use accel_last_error(). Since 0.1. */
ACCEL_API const char *accel_strerror(accel_status status);

/*! accel_status_name() :
 *  @return the code's name without prefix ("ERR_DEVICE_OOM"), static. Since 0.1. */
ACCEL_API const char *accel_status_name(accel_status status);

/* ---------------------------------------------------------------------------------------- */
/* Context                                                                                   */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel_ctx accel_ctx;

/* A configuration setting given through the API; it wins over the environment and the file. */
typedef struct accel_option {
    const char *key;   /* e.g. "ACCEL_BACKEND" */
    const char *value; /* e.g. "cpu" */
} accel_option;

/* Flags for accel_ctx_create(). */
#define ACCEL_CTX_NO_CACHE 0x1u     /* probe vendor stacks afresh, ignore the verdict cache */
#define ACCEL_CTX_NO_DISCOVERY 0x2u /* CPU only: skip GPU discovery entirely */
#define ACCEL_CTX_NO_WARMUP 0x4u    /* do not compile/load kernels at open; see accel_warmup */

/*! accel_ctx_create() :
 *  Reads the configuration (options > environment > config file > defaults), discovers the
 *  devices, probes each vendor stack in a crash-isolated child (or takes the cached verdict),
 *  opens the usable devices and logs one line per device at ACCEL_LOG_LEVEL=info.
 *  `options` may be NULL when `n_options` is 0. The caller owns *out and frees it with
 *  accel_ctx_destroy().
 *  @return ACCEL_OK; ACCEL_ERR_CONFIG for a bad setting (*out is still NULL and the message is
 *          in accel_last_error(NULL)); ACCEL_ERR_NO_MEMORY.
 *  Since 0.1. */
ACCEL_API accel_status accel_ctx_create(accel_ctx **out, const accel_option *options,
                                        size_t n_options, unsigned flags);

/*! accel_ctx_destroy() : releases every device, buffer and thread. NULL is a no-op. Since 0.1. */
ACCEL_API void accel_ctx_destroy(accel_ctx *ctx);

/*! accel_last_error() :
 *  @return the detailed message of the last failed accel call in the calling thread, "" when
 *          none. The message is per thread, not per context: `ctx` is accepted for symmetry
 *          and may be NULL, which is how failures of calls without a context
 *          (accel_ctx_create(), accel_audio_params_check(), …) are read. The string is owned
 *          by the library and stays valid until the thread's next failing call. Since 0.1. */
ACCEL_API const char *accel_last_error(const accel_ctx *ctx);

/*! accel_warmup() :
 *  Compiles or loads every kernel on every opened device now (normally done at open), so
 *  that timings exclude first-use costs. @return ACCEL_OK or the first failure. Since 0.1. */
ACCEL_API accel_status accel_warmup(accel_ctx *ctx);

/* ---------------------------------------------------------------------------------------- */
/* Devices                                                                                   */
/* ---------------------------------------------------------------------------------------- */

typedef enum accel_device_kind {
    ACCEL_KIND_CPU = 0,
    ACCEL_KIND_CUDA = 1,   /* NVIDIA through the CUDA driver API */
    ACCEL_KIND_ROCM = 2,   /* AMD through HIP / ROCm */
    ACCEL_KIND_OPENCL = 3, /* any OpenCL device (PoCL, Intel, Mesa, vendor ICDs) */
    ACCEL_KIND_METAL = 4   /* reserved for Apple Metal */
} accel_device_kind;

/* Routes: the APIs through which one physical device can be reached (bit mask). */
#define ACCEL_ROUTE_CPU (1u << 0)
#define ACCEL_ROUTE_CUDA (1u << 1)
#define ACCEL_ROUTE_HIP (1u << 2)
#define ACCEL_ROUTE_OPENCL (1u << 3)

/* SIMD features (bit mask, accel_device_info.simd). */
#define ACCEL_SIMD_SSE42 (1u << 0)
#define ACCEL_SIMD_AVX (1u << 1)
#define ACCEL_SIMD_AVX2 (1u << 2)
#define ACCEL_SIMD_FMA (1u << 3)
#define ACCEL_SIMD_F16C (1u << 4)
#define ACCEL_SIMD_AVX512F (1u << 5)
#define ACCEL_SIMD_AVX512BW (1u << 6)
#define ACCEL_SIMD_AVX512VL (1u << 7)
#define ACCEL_SIMD_AVX512DQ (1u << 8)
#define ACCEL_SIMD_AVX512FP16 (1u << 9)
#define ACCEL_SIMD_NEON (1u << 16)
#define ACCEL_SIMD_SVE (1u << 17)

/* What the library knows of one device. Filled and owned by the library; read-only for the
 * caller; new fields are only ever added at the end. Unknown numbers are -1, unknown text "". */
typedef struct accel_device_info {
    size_t struct_size;
    int index;              /* accel's index, 0..n-1; the CPU is always last */
    accel_device_kind kind; /* the route accel runs work through */
    unsigned routes;        /* every route that reaches this physical device */
    int usable;             /* 1 when the probe verdict allows running work here */
    char verdict[256];      /* "usable", or why not: "unusable: cuInit failed: …" */
    char name[256];
    char vendor[64];
    char pci_bus_id[32];    /* "0000:01:00.0", lower case, or "" */
    char uuid[64];          /* "GPU-…" for NVIDIA, or "" */
    char arch[32];          /* "sm_90", "gfx90a", "x86-64-v4", "OpenCL 3.0 pocl" … */
    int cc_major, cc_minor; /* CUDA compute capability, or -1 */
    int compute_units;      /* SMs, CUs, or usable CPU cores */
    int64_t mem_total;      /* bytes */
    int64_t mem_free;       /* bytes, at discovery time */
    char driver_version[64];
    int driver_cuda_version; /* cuDriverGetVersion(), e.g. 12040, or -1 */
    /* NVML (NVIDIA management), -1 when not available */
    int utilization_percent;
    int temperature_c;
    int power_mw;
    int64_t mem_used;
    /* OpenCL */
    char opencl_version[64];
    int64_t local_mem;
    int64_t max_alloc;
    int fp16, fp64;          /* 1 / 0 / -1 */
    /* CPU */
    int physical_cores, logical_cores, usable_cores; /* usable: affinity and cgroup quota */
    unsigned simd;                                   /* ACCEL_SIMD_* */
    int64_t cgroup_mem_limit;                        /* bytes, -1 when unlimited */
    int unified_memory;                              /* 1 when device memory is host memory */
    int host_cpu; /* 1 when the device computes on the host's own CPU cores (an OpenCL CPU
                     device such as PoCL); auto selection skips it. Since 0.1. */
} accel_device_info;

/*! accel_device_count() : @return through *n the number of devices (always ≥ 1: the CPU).
 *  Since 0.1. */
ACCEL_API accel_status accel_device_count(const accel_ctx *ctx, size_t *n);

/*! accel_device_get() : points *info at the library-owned description of device `index`,
 *  valid until accel_ctx_destroy(). @return ACCEL_ERR_NOT_FOUND for an index out of range.
 *  Since 0.1. */
ACCEL_API accel_status accel_device_get(const accel_ctx *ctx, size_t index,
                                        const accel_device_info **info);

/*! accel_device_kind_name() : "cpu", "cuda", "rocm", "opencl", "metal". Since 0.1. */
ACCEL_API const char *accel_device_kind_name(accel_device_kind kind);

/*! accel_select() :
 *  The device the policy would choose for operation `op` (NULL: any operation) — a family
 *  ("whisper") or a preset ("whisper-80"), which place alike (docs/cli.md) — honouring
 *  ACCEL_BACKEND, ACCEL_DEVICE, ACCEL_ALL_GPU, ACCEL_<OP>_GPU and ACCEL_STRICT. When the
 *  requested device is absent or unusable this warns and returns the next one in order, or
 *  fails with ACCEL_ERR_STRICT under ACCEL_STRICT=1. When `explain` is not NULL it receives a
 *  newly allocated text (free() it) listing every candidate with its score and the rule or
 *  setting that decided; it is also set when the selection fails with ACCEL_ERR_STRICT or
 *  ACCEL_ERR_UNAVAILABLE, to show why. The policy and scores are in docs/configuration.md.
 *  @return ACCEL_OK; ACCEL_ERR_NOT_FOUND for an unknown operation; ACCEL_ERR_STRICT;
 *          ACCEL_ERR_UNAVAILABLE when no device may run `op`. Since 0.1. */
ACCEL_API accel_status accel_select(accel_ctx *ctx, const char *op, size_t *device_index,
                                    char **explain);

/* Flags for accel_doctor(). */
#define ACCEL_DOCTOR_NO_CACHE 0x1u /* probe every vendor stack afresh, ignore cached verdicts */
#define ACCEL_DOCTOR_TEXT 0x2u     /* the text report instead of the JSON document */

/*! accel_doctor() :
 *  Runs every check of `accel doctor` (docs/doctor.md) — vendor libraries and how the loader
 *  resolves them, trial loads in a crash-isolated child, driver and runtime versions, device
 *  nodes, visible-device variables, the devices' verdicts — without a context of the caller's.
 *  *report receives a newly allocated text (free() it): the JSON document of
 *  docs/schemas/doctor.schema.json, or with ACCEL_DOCTOR_TEXT one line per check and the
 *  closing "N/M checks passed" line; both exactly as `accel doctor [--json]` prints them.
 *  *exit_code (may be NULL) receives 0 when nothing needs fixing (every check passed or is for
 *  information), 1 when the worst finding is a warning, 2 when a failure prevents GPU use.
 *  @return ACCEL_OK whatever the checks found; ACCEL_ERR_INVALID_ARG for a NULL report or an
 *          unknown flag; ACCEL_ERR_NO_MEMORY. Since 0.1. */
ACCEL_API accel_status accel_doctor(unsigned flags, char **report, int *exit_code);

/*! accel_device_ordinal() :
 *  The ordinal of device `index` in its vendor runtime, as other libraries in the process name
 *  it: for a CUDA device the cuDeviceGet ordinal (torch.device("cuda", n), ONNX Runtime's
 *  device_id; CUDA_VISIBLE_DEVICES applies to both), for a ROCm device the HIP ordinal; -1 for
 *  every other kind. accel's own index differs: it lists usable GPUs first and the CPU last.
 *  @return ACCEL_ERR_NOT_FOUND for an index out of range. Since 0.1. */
ACCEL_API accel_status accel_device_ordinal(const accel_ctx *ctx, size_t index, int *ordinal);

/* ---- live figures (monitoring) ---- */

/* What one device shows now, read at the call: NVML for NVIDIA GPUs (when discovery found
 * NVML answering for the device), sysfs for AMD GPUs (amdgpu's mem_info_vram_*, *_busy_percent
 * and hwmon), /proc and /sys for the CPU (RAM in use, the share of time the cores were busy,
 * a CPU temperature sensor, RAPL package power). Unknown numbers are -1. The caller allocates
 * it and sets struct_size; fields are only ever added at the end. Since 0.1. */
typedef struct accel_device_sample {
    size_t struct_size;
    int index;                /* the device's index */
    int64_t mem_used;         /* bytes in use by every process (the CPU: host RAM in use, or the
                                 working set of the process's memory cgroup when it is limited) */
    int64_t mem_total;        /* bytes (the CPU: RAM, or the cgroup's limit when lower) */
    int utilization_percent;  /* busy share of the last sample period: NVML's GPU rate,
                                 amdgpu's gpu_busy_percent; the CPU's since the previous sample
                                 (the first one measures over 100 ms) */
    int mem_busy_percent;     /* memory controller busy share (NVML, amdgpu), -1 for the CPU */
    int temperature_c;
    int power_mw;             /* board (GPU) or package (CPU, RAPL) power */
    int power_limit_mw;       /* the enforced limit, -1 when not reported */
    char source[32];          /* "nvml", "sysfs", "procfs", or "" when nothing was read */
} accel_device_sample;

/* One process using a device. Since 0.1. */
typedef struct accel_device_process {
    size_t struct_size;
    int pid;
    int64_t mem_used; /* bytes of the device's memory it holds, -1 when not reported */
    char name[64];    /* its command name (/proc/PID/comm), "" when unreadable */
} accel_device_process;

/*! accel_device_query() :
 *  Reads the live figures of device `index` into *s (set s->struct_size first). Safe to call
 *  from any thread, alongside operations.
 *  @return ACCEL_OK (figures the device does not report stay -1); ACCEL_ERR_NOT_FOUND for an
 *          index out of range; ACCEL_ERR_INVALID_ARG. Since 0.1. */
ACCEL_API accel_status accel_device_query(accel_ctx *ctx, size_t index, accel_device_sample *s);

/*! accel_device_processes() :
 *  The processes using device `index` now: NVML's compute and graphics process lists for
 *  NVIDIA GPUs, the DRM clients of /proc/PID/fdinfo for AMD (and other DRM) GPUs, none for the
 *  CPU. Writes up to `cap` entries to `procs` — each element's size is procs[0].struct_size,
 *  which the caller sets to sizeof(accel_device_process) — and the number found to *n (which
 *  may exceed cap). A process listed twice (compute and graphics) appears once.
 *  @return ACCEL_OK; ACCEL_ERR_NOT_FOUND for an index out of range. Since 0.1. */
ACCEL_API accel_status accel_device_processes(accel_ctx *ctx, size_t index,
                                              accel_device_process *procs, size_t cap,
                                              size_t *n);

/* One device as the selection policy ranks it for an operation (accel_select_candidates()). */
typedef struct accel_candidate {
    size_t struct_size; /* sizeof(accel_candidate) */
    int index;          /* device index */
    double score;       /* the policy's score (docs/configuration.md) */
    int eligible;       /* 1: the operation may run there */
    int chosen;         /* 1: the device accel_select() returns */
    char rule[192];     /* the rule or setting that placed it ("excluded: …" when not eligible) */
} accel_candidate;

/*! accel_select_candidates() :
 *  What accel_select() decides, as data (`accel select --json` prints it): every device in the
 *  order the policy ranks them for `op` (NULL: any operation) into out[0..cap-1], walked with
 *  out[0].struct_size as the element size (set it in every element); *n receives the number of
 *  devices, which may exceed cap. `warning` (may be NULL; cap bytes) receives the warning about
 *  a requested device that could not be used, "" when there is none. The candidates are also
 *  given when the selection fails (ACCEL_ERR_STRICT, ACCEL_ERR_UNAVAILABLE), to show why; none
 *  is chosen then.
 *  @return as accel_select(); ACCEL_ERR_INVALID_ARG for a NULL ctx or n, out NULL with cap > 0,
 *          or a struct_size smaller than this version's first fields. Since 0.1. */
ACCEL_API accel_status accel_select_candidates(accel_ctx *ctx, const char *op,
                                               accel_candidate *out, size_t cap, size_t *n,
                                               char *warning, size_t warning_cap);

/* ---------------------------------------------------------------------------------------- */
/* Configuration                                                                             */
/* ---------------------------------------------------------------------------------------- */

/*! accel_config_get() :
 *  The effective value of configuration key `key` (e.g. "ACCEL_BACKEND", "ACCEL_FBANK_GPU")
 *  and where it came from ("api", "env", "file:PATH:LINE", "default"). Pointers are owned by
 *  the context. @return ACCEL_ERR_NOT_FOUND for an unknown key. Since 0.1. */
ACCEL_API accel_status accel_config_get(const accel_ctx *ctx, const char *key,
                                        const char **value, const char **source);

/*! accel_config_dump() : a newly allocated text (free() it) with every key, its value and its
 *  source, one per line, as `accel config --show` prints it. Since 0.1. */
ACCEL_API accel_status accel_config_dump(const accel_ctx *ctx, char **text);

/* ---------------------------------------------------------------------------------------- */
/* Execution records and statistics                                                          */
/* ---------------------------------------------------------------------------------------- */

typedef enum accel_fallback_reason {
    ACCEL_FALLBACK_NONE = 0,
    ACCEL_FALLBACK_UNAVAILABLE = 1,
    ACCEL_FALLBACK_OOM = 2,
    ACCEL_FALLBACK_KERNEL_ERROR = 3,
    ACCEL_FALLBACK_DISABLED_BY_CONFIG = 4,
    ACCEL_FALLBACK_UNSUPPORTED_OP = 5
} accel_fallback_reason;

/*! accel_fallback_reason_name() : "unavailable", "oom", "kernel_error",
 *  "disabled_by_config", "unsupported_op", or "none". Since 0.1. */
ACCEL_API const char *accel_fallback_reason_name(accel_fallback_reason reason);

/* What happened to one operation call. The caller allocates it, sets struct_size to
 * sizeof(accel_run_record), and passes it (or NULL) to an operation. */
typedef struct accel_run_record {
    size_t struct_size;
    int device_planned;             /* index of the device the plan chose */
    int device_used;                /* index of the device that produced the result */
    int n_fallbacks;                /* 0 when the planned device succeeded */
    accel_fallback_reason reason;   /* reason of the first fallback */
    double time_lost_ms;            /* time spent in failed attempts */
    double elapsed_ms;              /* whole call */
    int n_splits;                   /* OOM bisection steps taken on one device */
    char message[256];              /* the failed attempt's detailed error, or "" */
} accel_run_record;

/* Per-operation counters. */
typedef struct accel_op_stats {
    size_t struct_size;
    char op[32];
    uint64_t calls;
    uint64_t fallbacks[6]; /* indexed by accel_fallback_reason */
    uint64_t failures;     /* calls that failed on every device */
    double time_lost_ms;
} accel_op_stats;

/*! accel_stats_count() / accel_stats_get() : counters per operation since context creation.
 *  Since 0.1. */
ACCEL_API accel_status accel_stats_count(const accel_ctx *ctx, size_t *n);
ACCEL_API accel_status accel_stats_get(const accel_ctx *ctx, size_t i, accel_op_stats *out);

/* ---------------------------------------------------------------------------------------- */
/* Operations: convert, reduce                                                               */
/* ---------------------------------------------------------------------------------------- */

typedef enum accel_dtype {
    ACCEL_U8 = 0,
    ACCEL_I16 = 1,
    ACCEL_I32 = 2,
    ACCEL_F16 = 3,
    ACCEL_F32 = 4
} accel_dtype;

/*! accel_convert() :
 *  dst[i] = (dst_type)(src[i] * scale + offset) for i in [0, n), computed in float32;
 *  src_type ∈ {U8, I16, I32, F16, F32}, dst_type ∈ {F32, F16} (F16 rounds to nearest even).
 *  Runs on the planned device with fallback; `rec` may be NULL. src and dst must not overlap.
 *  Since 0.1. */
ACCEL_API accel_status accel_convert(accel_ctx *ctx, accel_dtype src_type, const void *src,
                                     accel_dtype dst_type, void *dst, size_t n, float scale,
                                     float offset, accel_run_record *rec);

typedef enum accel_reduce_op {
    ACCEL_REDUCE_SUM = 0,
    ACCEL_REDUCE_MEAN = 1,
    ACCEL_REDUCE_VAR = 2, /* population variance */
    ACCEL_REDUCE_MIN = 3,
    ACCEL_REDUCE_MAX = 4
} accel_reduce_op;

/*! accel_reduce() :
 *  For each of `n_arrays` contiguous float32 arrays of `len` elements, out[a] = the reduction,
 *  accumulated in float64 and rounded once to float32. len 0 gives 0 for sum, NaN otherwise.
 *  Since 0.1. */
ACCEL_API accel_status accel_reduce(accel_ctx *ctx, accel_reduce_op op, const float *x,
                                    size_t n_arrays, size_t len, float *out,
                                    accel_run_record *rec);

/* ---- data that stay on a device ---- */

/*! accel_device_alloc() :
 *  `bytes` of memory on GPU `device` for data that stay there between calls: *ptr receives an
 *  address of the device's runtime (a CUdeviceptr for CUDA, in the device's primary context; a
 *  HIP device pointer for ROCm) — the kind of address PyTorch's tensor.data_ptr() gives. The
 *  caller frees it with accel_device_free() before accel_ctx_destroy().
 *  @return ACCEL_ERR_DEVICE_OOM; ACCEL_ERR_NOT_FOUND for an index out of range;
 *          ACCEL_ERR_UNSUPPORTED for the CPU (use malloc) and for devices without addresses
 *          (OpenCL). Since 0.1. */
ACCEL_API accel_status accel_device_alloc(accel_ctx *ctx, size_t device, size_t bytes,
                                          void **ptr);

/*! accel_device_free() : frees memory from accel_device_alloc(). NULL is a no-op. Since 0.1. */
ACCEL_API void accel_device_free(accel_ctx *ctx, size_t device, void *ptr);

typedef enum accel_copy_kind {
    ACCEL_COPY_HOST_TO_DEVICE = 0,
    ACCEL_COPY_DEVICE_TO_HOST = 1,
    ACCEL_COPY_DEVICE_TO_DEVICE = 2
} accel_copy_kind;

/*! accel_device_copy() :
 *  Copies `bytes` between host memory and the memory of `device` (addresses as
 *  accel_device_alloc gives them, or another library's in the same device context), complete
 *  when it returns. On the CPU device every kind is a host copy. Since 0.1. */
ACCEL_API accel_status accel_device_copy(accel_ctx *ctx, size_t device, accel_copy_kind kind,
                                         void *dst, const void *src, size_t bytes);

/*! accel_convert_on() / accel_reduce_on() :
 *  accel_convert() and accel_reduce() on data already in the memory of `device`: src, dst and
 *  x are that device's addresses (accel_device_alloc, or a tensor another library holds there,
 *  e.g. a PyTorch CUDA tensor reached through DLPack), read and written where they are without
 *  passing through the host; reduce's per-array results (n_arrays floats) come back to host
 *  memory `out`. The call runs on that device alone, complete when it returns: batching and
 *  out-of-memory bisection apply, fallback cannot (no other device can read the data), and
 *  ACCEL_ALL_GPU=0 or ACCEL_<OP>_GPU=0 makes it fail with ACCEL_ERR_DISABLED naming the
 *  setting. Work the caller queued on the data in other streams must be complete (accel's
 *  streams synchronise with the legacy default stream). On the CPU device they compute there,
 *  on host memory.
 *  @return as accel_convert/accel_reduce; ACCEL_ERR_UNSUPPORTED for devices without
 *          addresses (OpenCL). Since 0.1. */
ACCEL_API accel_status accel_convert_on(accel_ctx *ctx, size_t device, accel_dtype src_type,
                                        const void *src, accel_dtype dst_type, void *dst,
                                        size_t n, float scale, float offset,
                                        accel_run_record *rec);
ACCEL_API accel_status accel_reduce_on(accel_ctx *ctx, size_t device, accel_reduce_op op,
                                       const float *x, size_t n_arrays, size_t len, float *out,
                                       accel_run_record *rec);

/* ---------------------------------------------------------------------------------------- */
/* Planning                                                                                  */
/* ---------------------------------------------------------------------------------------- */

typedef struct accel_plan {
    size_t struct_size;
    int device;              /* device index the plan is for */
    int64_t budget_bytes;    /* usable memory after limits and margin */
    int64_t bytes_fixed;     /* a in bytes = a + b·n */
    int64_t bytes_per_item;  /* b */
    size_t batch;            /* largest batch that fits */
    double chunk_seconds;    /* for long inputs; 0 when not applicable */
    int calibrated;          /* 1 when a and b were measured, 0 when from the formula */
    char why[512];           /* human explanation */
} accel_plan;

/*! accel_plan_batch() :
 *  `op` is a preset ("whisper-80") or a family ("whisper": its first preset), as for
 *  accel_select(). The largest batch of `op` items of `item_size` elements that fits the device's budget
 *  (free memory reduced by ACCEL_MEMORY_LIMIT_GB, ACCEL_MEMORY_FRACTION and a keep-free
 *  margin). `device` < 0 plans for the device accel_select() would choose. With `calibrate`
 *  set, two small batches are run and bytes = a + b·n is fitted from their measured peaks.
 *  Since 0.1. */
ACCEL_API accel_status accel_plan_batch(accel_ctx *ctx, const char *op, size_t item_size,
                                        int device, int calibrate, accel_plan *plan);

/*! accel_plan_chunk() :
 *  Chunk length in seconds for an input of `duration_s` seconds at `rate` Hz processed by
 *  `op`, from the budget (ACCEL_CHUNK_SECONDS overrides). Since 0.1. */
ACCEL_API accel_status accel_plan_chunk(accel_ctx *ctx, const char *op, double duration_s,
                                        int rate, int device, accel_plan *plan);

/* ---------------------------------------------------------------------------------------- */
/* Precision                                                                                 */
/* ---------------------------------------------------------------------------------------- */

#define ACCEL_PREC_FP32 (1u << 0)
#define ACCEL_PREC_TF32 (1u << 1)
#define ACCEL_PREC_FP16 (1u << 2)
#define ACCEL_PREC_BF16 (1u << 3)
#define ACCEL_PREC_INT8 (1u << 4)

/*! accel_precision_allowed() : the ACCEL_PREC_* set device `index` may use (fp16 where compute
 *  capability ≥ 7.0 with ≥ 8 GB, tf32/bf16 from 8.0, int8 on the CPU), restricted by
 *  ACCEL_PRECISION. Since 0.1. */
ACCEL_API accel_status accel_precision_allowed(const accel_ctx *ctx, size_t index,
                                               unsigned *mask);

/* ---------------------------------------------------------------------------------------- */
/* Audio front ends                                                                          */
/* ---------------------------------------------------------------------------------------- */
/*
 * Features that speech and audio models take as input, computed exactly as the reference
 * implementations compute them (docs/audio.md lists every rule and the accuracy per device):
 *   whisper  log-mel as openai-whisper / faster-whisper   output (n_mels, n_frames)
 *                                                          or (n_windows, n_mels, 3000)
 *   vggish   AudioSet VGGish log-mel examples             output (n_examples, 96, 64)
 *   fbank    torchaudio.compliance.kaldi.fbank            output (n_frames, n_bins[+1])
 * Outputs are float32, C order. Inputs are mono samples at params.sample_rate (16 kHz for
 * whisper and vggish); accel_audio_open() decodes files, mixes them down and resamples.
 * The operations run through the executor ("whisper", "vggish", "fbank"; ACCEL_WHISPER_GPU
 * and friends apply) with fallback to the CPU. Since 0.1 unless noted.
 */

typedef enum accel_audio_kind {
    ACCEL_AUDIO_WHISPER = 0,
    ACCEL_AUDIO_VGGISH = 1,
    ACCEL_AUDIO_FBANK = 2
} accel_audio_kind;

/* Whisper: zero samples appended before the spectrogram (and before the global maximum). */
typedef enum accel_audio_padding {
    ACCEL_AUDIO_PAD_OPENAI = 0,         /* 480000 (30 s), as openai-whisper's transcribe() */
    ACCEL_AUDIO_PAD_FASTER_WHISPER = 1, /* 160, as faster-whisper's FeatureExtractor */
    ACCEL_AUDIO_PAD_NONE = 2            /* 0, as log_mel_spectrogram(audio) called directly */
} accel_audio_padding;

/* Kaldi window types (torchaudio names). */
typedef enum accel_audio_window {
    ACCEL_AUDIO_WIN_POVEY = 0,   /* Hann (symmetric) to the power 0.85, Kaldi's default */
    ACCEL_AUDIO_WIN_HAMMING = 1, /* symmetric, 0.54 - 0.46 cos */
    ACCEL_AUDIO_WIN_HANNING = 2, /* symmetric Hann */
    ACCEL_AUDIO_WIN_RECTANGULAR = 3,
    ACCEL_AUDIO_WIN_BLACKMAN = 4 /* Kaldi's, with blackman_coeff */
} accel_audio_window;

/* What to compute. Fill it with accel_audio_params_preset() and change fields as needed; the
 * caller allocates it. struct_size = sizeof(accel_audio_params); fields are only ever added
 * at the end. Fields that do not apply to `kind` are ignored. */
typedef struct accel_audio_params {
    size_t struct_size;
    accel_audio_kind kind;
    int sample_rate; /* Hz of the samples given; whisper and vggish require 16000 */
    int n_mels;      /* whisper: 80 or 128; vggish: 64; fbank: num_mel_bins (> 3) */

    /* whisper */
    accel_audio_padding padding;
    int windows; /* 1: output (n_windows, n_mels, 3000), the 30-s windows transcribe()
                    slices from the spectrogram (last one zero-padded); 0: (n_mels, n_frames) */

    /* fbank: the options of torchaudio.compliance.kaldi.fbank, same names and meaning */
    accel_audio_window window_type;
    double frame_length_ms, frame_shift_ms; /* 25, 10 */
    double dither;                          /* 0; > 0 adds deterministic Gaussian noise */
    double preemphasis_coefficient;         /* 0.97 */
    int remove_dc_offset;                   /* 1 */
    int snip_edges;                         /* 1 */
    int round_to_power_of_two;              /* 1 */
    int use_energy;                         /* 0; 1 adds a log-energy column */
    int raw_energy;                         /* 1: energy before pre-emphasis and window */
    int htk_compat;                         /* 0: energy column first; 1: last */
    double energy_floor;                    /* 1.0 */
    int use_log_fbank;                      /* 1 */
    int use_power;                          /* 1: power spectrum; 0: magnitude */
    double low_freq;                        /* 20 Hz */
    double high_freq;                       /* 0: Nyquist; < 0: Nyquist + high_freq */
    double blackman_coeff;                  /* 0.42 */
    double sample_scale;  /* samples are multiplied by this first (32768: int16 range) */
    int subtract_mean;    /* 1: subtract each column's mean over the utterance */
    /* fbank: vocal tract length normalisation (Kaldi's piecewise-linear warp of the mel
     * filterbank), torchaudio's vtln_warp, vtln_low and vtln_high */
    double vtln_warp; /* 1.0: no warp */
    double vtln_low;  /* 100 Hz */
    double vtln_high; /* -500: Nyquist - 500 Hz (< 0: Nyquist + vtln_high) */
    /* fbank: torchaudio's min_duration, in seconds: a signal of fewer than
     * min_duration * sample_rate samples gives no frames (0, n_bins) */
    double min_duration; /* 0 */
} accel_audio_params;

/*! accel_audio_params_preset() :
 *  Fills *p (struct_size included) with preset `name`:
 *    "whisper-80", "whisper-128"  openai padding, no windows
 *    "vggish"
 *    "fbank"                      torchaudio.compliance.kaldi.fbank defaults (23 bins, povey)
 *    "fbank-80"                   80 bins, hamming, dither 0, samples × 32768, mean-normalised
 *  @return ACCEL_ERR_INVALID_ARG naming the presets allowed for an unknown name. */
ACCEL_API accel_status accel_audio_params_preset(const char *name, accel_audio_params *p);

/*! accel_audio_params_check() :
 *  @return ACCEL_OK when *p is valid, else ACCEL_ERR_INVALID_ARG with a message naming the
 *          field, its value and the values allowed (through accel_last_error(NULL)). */
ACCEL_API accel_status accel_audio_params_check(const accel_audio_params *p);

/*! accel_audio_shape() :
 *  The output shape for `n_samples` input samples: shape[0..*ndim-1] (ndim is 2 or 3).
 *  Inputs too short for one frame give a zero dimension (the references raise instead).
 *  @return ACCEL_ERR_INVALID_ARG for invalid parameters. */
ACCEL_API accel_status accel_audio_shape(const accel_audio_params *p, size_t n_samples,
                                         size_t shape[3], int *ndim);

/*! accel_audio_features() :
 *  Features of one clip of `n_samples` mono samples (`dtype` ACCEL_F32, or ACCEL_I16 which is
 *  divided by 32768 first, as the references load int16 audio; whisper and vggish read int16
 *  where it lies, without a converted copy, and give the same bits). `out` holds `out_len` floats,
 *  at least the product of accel_audio_shape(). Runs on the planned device with fallback;
 *  `rec` (may be NULL) says where it ran. A NaN or ±Inf sample is ACCEL_ERR_INVALID_ARG
 *  naming the first one (the features of such input are undefined). */
ACCEL_API accel_status accel_audio_features(accel_ctx *ctx, const accel_audio_params *p,
                                            accel_dtype dtype, const void *samples,
                                            size_t n_samples, float *out, size_t out_len,
                                            accel_run_record *rec);

/*! accel_audio_features_batch() :
 *  Features of `n_clips` clips in one call (one plan, one device submission): clip i has
 *  lens[i] samples at clips[i] and its output goes to outs[i], sized by accel_audio_shape().
 *  The result of each clip equals accel_audio_features() on it alone. */
ACCEL_API accel_status accel_audio_features_batch(accel_ctx *ctx, const accel_audio_params *p,
                                                  accel_dtype dtype, const void *const *clips,
                                                  const size_t *lens, size_t n_clips,
                                                  float *const *outs, accel_run_record *rec);

/* ---- decoding ---- */

/* What a source is and has delivered. */
typedef struct accel_audio_info {
    size_t struct_size;
    char decoder[32];        /* "wav", "sndfile", "ffmpeg", "memory" */
    char format[64];         /* "WAV PCM 16-bit", "FLAC", "mp3", … */
    int source_rate;         /* Hz of the file */
    int source_channels;
    int64_t source_frames;   /* samples per channel in the file, -1 when not known upfront */
    int rate;                /* Hz delivered (after resampling) */
    int64_t frames;          /* samples delivered so far */
} accel_audio_info;

typedef struct accel_audio_source accel_audio_source;

/*! accel_audio_open() :
 *  Opens an audio file for streaming decode to mono float32 at `rate` Hz (0: 16000): RIFF WAV
 *  (PCM 8/16/24/32-bit, float 32/64) always; every format libsndfile reads (FLAC, Ogg, AIFF,
 *  …) and FFmpeg decodes (mp3, m4a, opus, the audio of video files) when built with them.
 *  Channels are averaged; other rates are resampled with libsoxr (high quality). `path` may
 *  be a pipe or FIFO, and "-" is standard input: the input is opened and read once (since
 *  0.1.0). Samples must be finite: the first NaN or ±Inf is reported by accel_audio_read().
 *  @return ACCEL_ERR_NOT_FOUND (missing), ACCEL_ERR_IO (a directory, unreadable),
 *          ACCEL_ERR_FORMAT (empty, truncated, corrupt, unsupported codec),
 *          ACCEL_ERR_NOT_BUILT_IN (needs a library this build lacks); the message names the
 *          file and the reason. The caller closes *out with accel_audio_close(). */
ACCEL_API accel_status accel_audio_open(accel_ctx *ctx, const char *path, int rate,
                                        accel_audio_source **out);

/*! accel_audio_open_memory() :
 *  A source over `n` caller-owned mono samples (ACCEL_F32, or ACCEL_I16 divided by 32768) at
 *  `in_rate` Hz, delivered at `rate` Hz (0: 16000). The samples must outlive the source. */
ACCEL_API accel_status accel_audio_open_memory(accel_ctx *ctx, accel_dtype dtype,
                                               const void *samples, size_t n, int in_rate,
                                               int rate, accel_audio_source **out);

/*! accel_audio_open_buffer() :
 *  As accel_audio_open() for an encoded audio file held in memory (`n` bytes at `data`, any
 *  format accel_audio_open() reads: a request body, a blob from a database), without writing
 *  it anywhere. `name` labels it in messages ("the request body"; NULL: "(memory)"). The bytes
 *  must outlive the source. Since 0.1. */
ACCEL_API accel_status accel_audio_open_buffer(accel_ctx *ctx, const void *data, size_t n,
                                               const char *name, int rate,
                                               accel_audio_source **out);

/*! accel_audio_read() :
 *  Decodes up to `cap` samples into buf; *got = 0 at the end. A file found truncated or
 *  corrupt while decoding (ending before the length its header announces), or holding a NaN
 *  or ±Inf sample, gives ACCEL_ERR_FORMAT naming it (ACCEL_ERR_INVALID_ARG for a NaN or ±Inf
 *  in the memory of accel_audio_open_memory()). */
ACCEL_API accel_status accel_audio_read(accel_audio_source *src, float *buf, size_t cap,
                                        size_t *got);

/*! accel_audio_source_info() : fills *info (set info->struct_size first). */
ACCEL_API accel_status accel_audio_source_info(const accel_audio_source *src,
                                               accel_audio_info *info);

/*! accel_audio_close() : NULL is a no-op. */
ACCEL_API void accel_audio_close(accel_audio_source *src);

/*! accel_audio_read_all() :
 *  Reads `src` from where it stands to its end into one array the library allocates (free it
 *  with accel_audio_free()); *n its length (0 for an empty or spent source; *samples is
 *  allocated all the same). Sized first from the length the source announces (at most 64 Mi
 *  samples: a header is not trusted further), grown as the samples come, trimmed at the end.
 *  ACCEL_ERR_NO_MEMORY names the source and how much was read; a decoding error is
 *  accel_audio_read()'s. Since 0.1. */
ACCEL_API accel_status accel_audio_read_all(accel_audio_source *src, float **samples, size_t *n);

/*! accel_audio_load() :
 *  Decodes a whole file (accel_audio_open + accel_audio_read_all): *samples is allocated by
 *  the library (free it with accel_audio_free()), *n its length. `info` may be NULL. */
ACCEL_API accel_status accel_audio_load(accel_ctx *ctx, const char *path, int rate,
                                        float **samples, size_t *n, accel_audio_info *info);

/*! accel_audio_free() : frees memory the audio functions allocated. NULL is a no-op. */
ACCEL_API void accel_audio_free(void *p);

/* ---- long inputs ---- */

/* Summary of a streamed computation. */
typedef struct accel_audio_result {
    size_t struct_size;
    size_t shape[3];
    int ndim;
    double seconds;          /* of audio at the features' rate */
    double chunk_seconds;    /* chunk length used */
    size_t n_chunks;
    int device_used;         /* of the last chunk */
    int n_fallbacks;         /* over all chunks */
    accel_fallback_reason reason; /* first fallback's reason */
    double elapsed_ms;       /* whole call: decode, compute, write */
    double compute_ms;       /* feature computation only */
} accel_audio_result;

/*! accel_audio_features_npy() :
 *  Reads `src` to its end and writes its features to `npy_path` (.npy v1.0, float32, C
 *  order) in bounded memory: chunks of ACCEL_CHUNK_SECONDS, else 60 s shortened to what
 *  accel_plan_chunk says fits the device, with the frames that straddle chunk boundaries computed
 *  from the samples of both, so the file equals accel_audio_features() on the whole input.
 *  Whisper's global maximum and fbank's mean normalisation are whole-input statistics: they
 *  are applied in a second pass over the written values. The file is written under a
 *  temporary name and renamed at the end; on failure nothing is left at npy_path.
 *  An npy_path that is the source's own file (same device and inode) is refused with
 *  ACCEL_ERR_INVALID_ARG before anything is written. `res` and `rec` may be NULL. */
ACCEL_API accel_status accel_audio_features_npy(accel_ctx *ctx, const accel_audio_params *p,
                                                accel_audio_source *src, const char *npy_path,
                                                accel_audio_result *res, accel_run_record *rec);

/* A stretch of audio, in seconds from the start of the source. */
typedef struct accel_audio_segment {
    double start_s;
    double end_s;
} accel_audio_segment;

/* Energy-based voice activity detection and chunking. */
typedef struct accel_audio_vad_params {
    size_t struct_size;
    double frame_ms;        /* energy frame length and hop: 10 */
    double margin_db;       /* speech is louder than the noise floor by this much: 12 */
    double min_level_dbfs;  /* and louder than this: -55 */
    double min_speech_ms;   /* shorter bursts are dropped: 150 */
    double min_silence_ms;  /* shorter pauses are bridged: 300 */
    double pad_ms;          /* kept around each speech segment: 100 */
    double chunk_s;         /* accel_audio_chunk target; 0: ACCEL_CHUNK_SECONDS, else 30
                               shortened to the plan; else at least frame_ms / 1000 */
    const char *op;         /* operation the chunks are planned for; NULL: "whisper" */
} accel_audio_vad_params;

/*! accel_audio_vad_params_default() : fills *vp with the defaults above. */
ACCEL_API accel_status accel_audio_vad_params_default(accel_audio_vad_params *vp);

/*! accel_audio_vad() :
 *  Reads `src` to its end (in bounded memory) and returns the speech segments: frames whose
 *  energy is at least max(min_level_dbfs, min(noise floor + margin_db, loud level − 6 dB)),
 *  the noise floor and loud level being the 10th and 95th percentiles of frame energies;
 *  pauses shorter than min_silence_ms bridged, bursts shorter than min_speech_ms dropped,
 *  pad_ms added around each. *segs is allocated (accel_audio_free()), *n_segs its length. */
ACCEL_API accel_status accel_audio_vad(accel_ctx *ctx, const accel_audio_vad_params *vp,
                                       accel_audio_source *src, accel_audio_segment **segs,
                                       size_t *n_segs);

/*! accel_audio_chunk() :
 *  Reads `src` to its end and cuts it into consecutive chunks that tile it, each at most the
 *  target length (vp->chunk_s; 0: ACCEL_CHUNK_SECONDS, else 30 s shortened to what
 *  accel_plan_chunk for vp->op says fits), each cut placed in the middle of the last pause that ends within the second
 *  half of the target, else at the quietest frame there.
 *  @return ACCEL_ERR_INVALID_ARG for a target shorter than one frame (vp->frame_ms), naming
 *          it and the minimum; ACCEL_ERR_NOT_FOUND for a vp->op the planner does not know,
 *          naming the operations it does. */
ACCEL_API accel_status accel_audio_chunk(accel_ctx *ctx, const accel_audio_vad_params *vp,
                                         accel_audio_source *src, accel_audio_segment **segs,
                                         size_t *n_segs);

/* ---------------------------------------------------------------------------------------- */
/* Image operations                                                                          */
/* ---------------------------------------------------------------------------------------- */
/*
 * What face pipelines do around their models, computed as the references compute them
 * (docs/image.md lists every rule and the exactness measured against each):
 *   decode         cv2.imread(path, IMREAD_COLOR) of JPEG, PNG and WebP, EXIF orientation
 *                  applied; optionally DCT-scaled JPEG decoding (1/2, 1/4, 1/8)
 *   gray, resize   cv2.cvtColor(BGR2GRAY), cv2.resize INTER_LINEAR / INTER_AREA (OpenCV 4.6)
 *   blob           cv2.dnn.blobFromImage(scale, size, mean, swapRB) → NCHW float32
 *   scrfd input    insightface SCRFD.detect(): letterbox into 640×640 + blob, det_scale
 *   scrfd output   SCRFD's box and key-point decoding, score threshold and NMS
 *   arcface align  insightface face_align.norm_crop (Umeyama + cv2.warpAffine) and its blob
 *   quality        Laplacian variance, brightness, contrast, Tenengrad sharpness, overall
 *   enhance        upscale so the short side reaches a minimum, CLAHE on the luma channel
 *
 * Images are 8-bit, height × width × channels, rows `stride` bytes apart; three channels are
 * B, G, R unless `order` says R, G, B. Every operation takes a batch of images of different
 * sizes in one call and runs through the executor (operations "image_decode", "image_gray",
 * "image_resize", "image_blob", "scrfd_input", "scrfd_output", "image_warp", "arcface_align",
 * "image_quality", "image_enhance": ACCEL_<OP>_GPU, ACCEL_BATCH_SIZE, records and counters
 * apply). A bad image fails alone: its status (and message, where the result has one) says why,
 * the others are computed, and the call returns the first failure's status with
 * accel_last_error() naming the image and how many failed; accel_image_item_error() gives each
 * failed image's own message. A call that fails as a whole (a NULL argument, or no device may
 * run it: ACCEL_STRICT) fails every image, with the call's status.
 *
 * Arrays of the structs below (accel_image, accel_image_decoded, accel_quality,
 * accel_scrfd_outputs, accel_faces) are walked with their first element's struct_size as the
 * element size, so a program built against an older header keeps working when fields are
 * added: set struct_size in every element (ACCEL_IMAGE_INIT, or the _init functions).
 * Since 0.1 unless noted.
 */

typedef enum accel_pixel_order {
    ACCEL_BGR = 0, /* OpenCV's order (default) */
    ACCEL_RGB = 1
} accel_pixel_order;

typedef struct accel_image {
    size_t struct_size;      /* sizeof(accel_image) */
    uint8_t *data;           /* first byte of row 0 */
    int width, height;
    int channels;            /* 1 (gray), 3, or 4 (the fourth, alpha, is read past) */
    size_t stride;           /* bytes from one row to the next; 0: width · channels */
    accel_pixel_order order; /* of the colour channels */
} accel_image;

/* A description to fill in: ACCEL_IMAGE_INIT(data, width, height, channels). */
#define ACCEL_IMAGE_INIT(d, w, h, c) {sizeof(accel_image), (d), (w), (h), (c), 0, ACCEL_BGR}

/*! accel_image_free() :
 *  Frees the pixels that accel allocated for `n` images (decode, enhance) and sets each data
 *  to NULL. Never pass images whose pixels you own. NULL is a no-op. */
ACCEL_API void accel_image_free(accel_image *images, size_t n);

/*! accel_image_item_error() :
 *  Why image `i` of the calling thread's last image call failed, worded as accel_last_error()
 *  words the first failure, without the count: "image_blob: input image 2: 2 channels
 *  (allowed: 1, 3, 4)"; for a call that failed as a whole, the call's message. For the calls
 *  whose per-image results are a status array (gray, resize, blob, SCRFD input, warp, ArcFace
 *  alignment, enhance) as for the others (a decoded file's is also its result's `message`).
 *  @return the message, owned by the library and valid until the thread's next image call;
 *          "" when image i did not fail, i is beyond that call's images, or the thread has made
 *          no image call. Since 0.1. */
ACCEL_API const char *accel_image_item_error(size_t i);

/* ---- decoding ---- */

/* Largest number of pixels (width · height as stored) an image file may declare; a header
 * above it is refused before anything is allocated. Default 1073741824 (2^30, OpenCV's
 * CV_IO_MAX_IMAGE_PIXELS); the setting ACCEL_IMAGE_MAX_PIXELS changes it. */
#define ACCEL_IMAGE_MAX_PIXELS_DEFAULT 1073741824LL

typedef struct accel_image_decode_params {
    size_t struct_size;
    accel_pixel_order order; /* of the decoded pixels (BGR) */
    /* 0, 0: full size (what cv2.imread gives). Otherwise JPEGs are decoded with libjpeg-turbo's
     * DCT scaling at the smallest of 1/2, 1/4, 1/8 whose result (after orientation) is still
     * at least min_width × min_height; other formats decode at full size. */
    int min_width, min_height;
    int ignore_orientation;  /* 1: leave the EXIF orientation unapplied (IMREAD_IGNORE_ORIENTATION) */
    int scale_denom;         /* 0: from min_width/min_height; 1, 2, 4 or 8: JPEGs decoded at
                                exactly 1/scale_denom (cv2.IMREAD_REDUCED_COLOR_N) */
} accel_image_decode_params;

/*! accel_image_decode_params_init() : the defaults (BGR, full size, orientation applied). */
ACCEL_API void accel_image_decode_params_init(accel_image_decode_params *p);

typedef struct accel_image_decoded {
    size_t struct_size;
    accel_image image;       /* 3 channels; pixels owned by accel: accel_image_decoded_free() */
    accel_status status;     /* ACCEL_OK, or why this file was not decoded */
    char format[8];          /* "jpeg", "png", "webp", or "" */
    int stored_width;        /* as the file stores it, before scaling and orientation */
    int stored_height;
    int scale_denom;         /* 1, or 2, 4, 8 when DCT scaling was used */
    int orientation;         /* EXIF orientation applied, 1 when none (1..8) */
    char message[256];       /* the error, or a decoder warning the image survived; "" */
} accel_image_decoded;

/*! accel_image_decode() :
 *  Decodes `n` image files into out[0..n-1] (set out[i].struct_size first, e.g. with
 *  accel_image_decoded_init()). `params` may be NULL (defaults). Files are read and decoded in
 *  parallel on the CPU. JPEG, PNG and WebP are recognised by their content, not their name;
 *  the libraries are loaded on first use.
 *  Per file: ACCEL_ERR_NOT_FOUND / ACCEL_ERR_IO (missing, a directory, unreadable),
 *  ACCEL_ERR_FORMAT (empty, not an image, truncated, corrupt, a header above
 *  ACCEL_IMAGE_MAX_PIXELS), ACCEL_ERR_NOT_BUILT_IN (a format this build has no decoder for),
 *  ACCEL_ERR_UNAVAILABLE (the decoder library is missing: the message names the package).
 *  @return ACCEL_OK when every file decoded, else the first failure's status. */
ACCEL_API accel_status accel_image_decode(accel_ctx *ctx, const accel_image_decode_params *params,
                                          const char *const *paths, size_t n,
                                          accel_image_decoded *out, accel_run_record *rec);

/*! accel_image_decode_memory() :
 *  As accel_image_decode() for `n` encoded images in memory (data[i], sizes[i] bytes); names
 *  (may be NULL) label them in messages ("image 3" otherwise). */
ACCEL_API accel_status accel_image_decode_memory(accel_ctx *ctx,
                                                 const accel_image_decode_params *params,
                                                 const void *const *data, const size_t *sizes,
                                                 const char *const *names, size_t n,
                                                 accel_image_decoded *out, accel_run_record *rec);

/*! accel_image_decoded_init() : sets struct_size and clears `n` results. */
ACCEL_API void accel_image_decoded_init(accel_image_decoded *out, size_t n);

/*! accel_image_decoded_free() : frees the pixels of `n` results. NULL is a no-op. */
ACCEL_API void accel_image_decoded_free(accel_image_decoded *out, size_t n);

/* ---- gray, resize, blob ---- */

/*! accel_image_gray() :
 *  cv2.cvtColor(COLOR_BGR2GRAY) (COLOR_RGB2GRAY for ACCEL_RGB input) of `n` images into the
 *  caller's one-channel images of the same size (out[i].data allocated by the caller). A
 *  one-channel input is copied. `status` (may be NULL) gets each image's status. */
ACCEL_API accel_status accel_image_gray(accel_ctx *ctx, const accel_image *in,
                                        const accel_image *out, size_t n, accel_status *status,
                                        accel_run_record *rec);

typedef enum accel_interp {
    ACCEL_INTERP_LINEAR = 0, /* cv2.INTER_LINEAR */
    ACCEL_INTERP_AREA = 1    /* cv2.INTER_AREA */
} accel_interp;

/*! accel_image_resize() :
 *  cv2.resize(in[i], (out[i].width, out[i].height), interpolation) for `n` images of any
 *  sizes; out[i] is allocated by the caller with the same channel count and order. */
ACCEL_API accel_status accel_image_resize(accel_ctx *ctx, accel_interp interp,
                                          const accel_image *in, const accel_image *out, size_t n,
                                          accel_status *status, accel_run_record *rec);

typedef struct accel_blob_params {
    size_t struct_size;
    int width, height;  /* blob size; an image of another size is resized (INTER_LINEAR) first */
    float mean[3];      /* subtracted per channel of the image, in its own order … */
    double scale;       /* … then multiplied (blobFromImage's scalefactor) */
    int swap_rb;        /* 1: blob channels in the other order than the image's (swapRB) */
} accel_blob_params;

/*! accel_blob_params_preset() :
 *  "scrfd" (640×640, mean 127.5, scale 1/128, swapRB) or "arcface" (112×112, mean 127.5,
 *  scale 1/127.5, swapRB). @return ACCEL_ERR_INVALID_ARG naming the presets for others. */
ACCEL_API accel_status accel_blob_params_preset(const char *name, accel_blob_params *p);

/*! accel_image_blob() :
 *  cv2.dnn.blobFromImages(images, scale, (width, height), mean, swapRB) of `n` images: out
 *  holds n · 3 · height · width float32 (NCHW). Images need 3 or 4 channels. */
ACCEL_API accel_status accel_image_blob(accel_ctx *ctx, const accel_blob_params *p,
                                        const accel_image *in, size_t n, float *out,
                                        accel_status *status, accel_run_record *rec);

/* ---- SCRFD (insightface face detection) ---- */

/*! accel_scrfd_input() :
 *  What insightface's SCRFD.detect() does before the model, for `n` images of any sizes: keep
 *  the aspect ratio into input_width × input_height (the new size truncated as int() does),
 *  resize (INTER_LINEAR), paste at the top-left of a zero canvas, then blobFromImage(1/128,
 *  mean 127.5, swapRB=True). blob holds n · 3 · input_height · input_width float32 (NCHW);
 *  det_scale[i] (may be NULL) gets new_height / height, the factor SCRFD divides boxes by. */
ACCEL_API accel_status accel_scrfd_input(accel_ctx *ctx, const accel_image *in, size_t n,
                                         int input_width, int input_height, float *blob,
                                         double *det_scale, accel_status *status,
                                         accel_run_record *rec);

/* The raw outputs of an SCRFD model for one image, per stride (8, 16, 32 for the 2-anchor
 * models): scores[s] (K·A floats), bboxes[s] (K·A·4), kps[s] (K·A·10, or NULL for models
 * without key points), K = (input_height / stride) · (input_width / stride), A anchors. */
typedef struct accel_scrfd_outputs {
    size_t struct_size;
    const float *scores[5];
    const float *bboxes[5];
    const float *kps[5];
    double det_scale;        /* from accel_scrfd_input() */
    int image_width;         /* of the original image, for max_faces' centring (0: unknown) */
    int image_height;
} accel_scrfd_outputs;

typedef struct accel_scrfd_params {
    size_t struct_size;
    int input_width, input_height; /* 640, 640 */
    int n_strides;                  /* 3 */
    int strides[5];                 /* 8, 16, 32 */
    int n_anchors;                  /* 2 */
    float score_threshold;          /* 0.5 */
    float nms_threshold;            /* 0.4 */
    int max_faces;                  /* 0: all; else detect(max_num) with metric 'default' */
} accel_scrfd_params;

/*! accel_scrfd_params_init() : the defaults above (insightface's det_10g / det_2.5g). */
ACCEL_API void accel_scrfd_params_init(accel_scrfd_params *p);

/* One detected face, in the original image's pixels. */
typedef struct accel_face {
    float x1, y1, x2, y2; /* box */
    float score;
    float kps[10];        /* five key points x, y (0 when the model has none) */
} accel_face;

/* The faces of one image: allocated by accel, freed with accel_faces_free(). */
typedef struct accel_faces {
    size_t struct_size;
    accel_face *faces;
    size_t n_faces;
    accel_status status;
} accel_faces;

/*! accel_scrfd_output() :
 *  What SCRFD.detect() does after the model, for `n` images: distance2bbox / distance2kps on
 *  the anchor centres of every stride, scores ≥ score_threshold, NMS (insightface's, with its
 *  +1 areas) at nms_threshold, boxes and points divided by det_scale — the same faces, in the
 *  same order (descending score), as that code, in float32 as it computes them. `p` may be
 *  NULL (defaults). out[i] (struct_size set) gets image i's faces. */
ACCEL_API accel_status accel_scrfd_output(accel_ctx *ctx, const accel_scrfd_params *p,
                                          const accel_scrfd_outputs *nets, size_t n,
                                          accel_faces *out, accel_run_record *rec);

/*! accel_faces_free() : frees the face lists of `n` results. NULL is a no-op. */
ACCEL_API void accel_faces_free(accel_faces *out, size_t n);

/* ---- ArcFace alignment ---- */

/*! accel_arcface_matrix() :
 *  insightface face_align.estimate_norm: the similarity transform (2×3, row major, image →
 *  crop) that maps five landmarks (x, y pairs: eyes, nose, mouth corners) onto ArcFace's
 *  reference points for a `size` × `size` crop (a multiple of 112 or of 128), fitted as
 *  skimage's SimilarityTransform.estimate does on insightface's float32 arrays (Umeyama: float32
 *  sums, numpy's SVD in double rounded to float32, the rest in double): the same matrix, bit for
 *  bit, and so norm_crop's crop.
 *  @return ACCEL_ERR_INVALID_ARG for non-finite, coincident or collinear landmarks ("landmarks:
 *          …"), or a size that is not a multiple of 112 or 128 ("size: …"). */
ACCEL_API accel_status accel_arcface_matrix(const float landmarks[10], int size, double M[6]);

/*! accel_image_warp_affine() :
 *  cv2.warpAffine(in[i], M, (out[i].width, out[i].height), INTER_LINEAR, BORDER_CONSTANT, 0)
 *  for `n` images, with OpenCV 4.6's fixed-point arithmetic (identical pixels): matrices holds
 *  6 doubles per image (2×3, row major, source → destination, as warpAffine takes it). out[i]
 *  is allocated by the caller with the input's channel count. With skimage's matrix (or
 *  accel_arcface_matrix's, the same) it gives norm_crop's crop bit for bit. */
ACCEL_API accel_status accel_image_warp_affine(accel_ctx *ctx, const accel_image *in,
                                               const double *matrices, size_t n,
                                               const accel_image *out, accel_status *status,
                                               accel_run_record *rec);

/*! accel_arcface_align() :
 *  face_align.norm_crop for `n` faces: crops[i] (caller-allocated, size × size, 3 channels,
 *  any order: it gets the source image's order) = cv2.warpAffine(images[i], M, (size, size),
 *  borderValue=0) with OpenCV 4.6's fixed-point bilinear sampling. `landmarks` holds 10 floats
 *  per face. `blob` (may be NULL) gets the ArcFace input of the crops, n · 3 · size · size
 *  float32: blobFromImages(1/127.5, mean 127.5, swapRB=True).
 *  Per face: ACCEL_ERR_INVALID_ARG for landmarks that are non-finite, coincident, collinear,
 *  or whose centre lies outside the image. */
ACCEL_API accel_status accel_arcface_align(accel_ctx *ctx, const accel_image *images,
                                           const float *landmarks, size_t n, int size,
                                           const accel_image *crops, float *blob,
                                           accel_status *status, accel_run_record *rec);

/* ---- quality ---- */

/* How `overall` is made from the four measures (docs/image.md): each is mapped to [0, 1] and
 * their weighted mean is taken.
 *   blur        min(1, blur_laplacian_var / blur_good)
 *   sharpness   min(1, sharpness_tenengrad / sharpness_good)
 *   contrast    min(1, contrast / contrast_good)
 *   brightness  1 inside [brightness_low, brightness_high], falling linearly to 0 at 0 and 255 */
typedef struct accel_quality_params {
    size_t struct_size;
    double blur_good;        /* 100 */
    double sharpness_good;   /* 2000 */
    double contrast_good;    /* 50 */
    double brightness_low;   /* 80 */
    double brightness_high;  /* 180 */
    double w_blur, w_sharpness, w_contrast, w_brightness; /* 0.35, 0.25, 0.2, 0.2 */
} accel_quality_params;

/*! accel_quality_params_init() : the defaults above. */
ACCEL_API void accel_quality_params_init(accel_quality_params *p);

typedef struct accel_quality {
    size_t struct_size;
    int width, height;
    double blur_laplacian_var;  /* variance of cv2.Laplacian(gray, CV_64F) (ksize 1) */
    double brightness;          /* mean of gray */
    double contrast;            /* population standard deviation of gray */
    double sharpness_tenengrad; /* mean of gx² + gy², cv2.Sobel(gray, CV_64F, ksize=3) */
    double overall;             /* in [0, 1], accel_quality_params */
    accel_status status;
} accel_quality;

/*! accel_image_quality() :
 *  The quality measures of `n` images in one pass over each image's gray version (made as
 *  accel_image_gray makes it; borders BORDER_REFLECT_101, OpenCV's default). Sums are exact
 *  integers; each measure is rounded once. `p` may be NULL (defaults). Set out[i].struct_size
 *  first. */
ACCEL_API accel_status accel_image_quality(accel_ctx *ctx, const accel_quality_params *p,
                                           const accel_image *in, size_t n,
                                           accel_quality *out, accel_run_record *rec);

/* ---- decode, SCRFD input and quality in one call ---- */

/*! accel_scrfd_prepare() :
 *  What a face pipeline does first with each photograph, for `n` files: decode it (as
 *  accel_image_decode with `params`, which may be NULL), make SCRFD's input (as
 *  accel_scrfd_input into input_width × input_height: blob holds n · 3 · input_height ·
 *  input_width floats, det_scale[i] (may be NULL) the factor) and measure its quality (as
 *  accel_image_quality with `qp`, which may be NULL; quality may be NULL: not measured). The
 *  results are those calls' bit for bit. decoded (may be NULL: the pixels are freed before the
 *  call returns) gets the decoded images, their formats and per-file errors.
 *  On the CPU, a call of fewer files than threads decodes each JPEG by rows and computes the
 *  blob's and the quality's bands on another thread as the rows they read are decoded, so a
 *  photograph takes little more than its decoding; more files run one per thread. Where the
 *  policy runs scrfd_input (or image_quality) on a device, the files are decoded on the CPU and
 *  the images handed to those operations there (rec: scrfd_input's record).
 *  A file that fails (the reasons accel_image_decode gives, or too elongated for the input)
 *  fails alone: its blob is zeros, its det_scale 0, its quality NaN with its status; the call
 *  returns the first failure's status naming the file. */
ACCEL_API accel_status accel_scrfd_prepare(accel_ctx *ctx, const accel_image_decode_params *params,
                                           const char *const *paths, size_t n, int input_width,
                                           int input_height, float *blob, double *det_scale,
                                           const accel_quality_params *qp, accel_quality *quality,
                                           accel_image_decoded *decoded, accel_run_record *rec);

/*! accel_scrfd_prepare_memory() :
 *  As accel_scrfd_prepare() for `n` encoded images in memory (data[i], sizes[i] bytes); names
 *  (may be NULL) label them in messages ("image 3" otherwise). */
ACCEL_API accel_status accel_scrfd_prepare_memory(accel_ctx *ctx,
                                                  const accel_image_decode_params *params,
                                                  const void *const *data, const size_t *sizes,
                                                  const char *const *names, size_t n,
                                                  int input_width, int input_height, float *blob,
                                                  double *det_scale,
                                                  const accel_quality_params *qp,
                                                  accel_quality *quality,
                                                  accel_image_decoded *decoded,
                                                  accel_run_record *rec);

/* ---- enhancement ---- */

typedef struct accel_enhance_params {
    size_t struct_size;
    int min_short_side;  /* 640: smaller images are upscaled (INTER_LINEAR) until their short
                            side reaches it; 0: never */
    double clip_limit;   /* 2.0: CLAHE clipLimit; 0: no CLAHE */
    int tiles_x, tiles_y; /* 8, 8: CLAHE tileGridSize */
} accel_enhance_params;

/*! accel_enhance_params_init() : the defaults above. */
ACCEL_API void accel_enhance_params_init(accel_enhance_params *p);

/*! accel_image_enhance() :
 *  For `n` images: scale = min_short_side / short side when the short side is smaller (else
 *  1), resize to (round(w · scale), round(h · scale)) with INTER_LINEAR, then CLAHE on the
 *  luma: BGR → YCrCb, CLAHE on Y, back to BGR (one-channel images: CLAHE directly), all with
 *  OpenCV 4.6's 8-bit arithmetic. out[i] (struct_size set) gets a new image of the input's
 *  channel count and order, pixels owned by accel (accel_image_free()); scale[i] (may be NULL)
 *  the factor applied. `p` may be NULL (defaults). */
ACCEL_API accel_status accel_image_enhance(accel_ctx *ctx, const accel_enhance_params *p,
                                           const accel_image *in, size_t n, accel_image *out,
                                           double *scale, accel_status *status,
                                           accel_run_record *rec);

/* ---------------------------------------------------------------------------------------- */
/* Corpus runs: manifests, shards, complete outputs, run logs, the per-item step            */
/* ---------------------------------------------------------------------------------------- */
/*
 * What a run over many files needs, whatever engine drives it (the CLI's multi-file verbs, a
 * Slurm job array, Dask workers through the Python package): the list of inputs (a manifest),
 * a deterministic share of it (a shard), one output per input written atomically so that a
 * present output is a whole one (resume), and a JSON-lines log with one line per input
 * (docs/cli.md, "Corpus runs"). accel schedules nothing itself. Since 0.1.
 */

/* ---- manifests ---- */

typedef struct accel_manifest accel_manifest;

/*! accel_manifest_read() :
 *  Reads the manifest at `path` ("-": standard input). Two forms, told apart by the first
 *  line that is not blank:
 *    - a list: one path per line; blank lines and lines whose first non-blank character is
 *      '#' are skipped; a path is the line as written (a trailing '\r' removed), so that
 *      spaces in names survive;
 *    - CSV (RFC 4180: fields separated by ',', quoted with '"', "" for a quote inside, a
 *      quoted field may hold ',' and line breaks): when the first line, read as CSV, has a
 *      field named `path` (or the file name ends in ".csv"); that line is the header, and each
 *      following record's `path` field is an input (other columns are ignored; blank lines
 *      are skipped).
 *  A UTF-8 byte order mark at the start is skipped. Paths are kept as written: a relative
 *  path is relative to the working directory of whoever opens it, and the shard of a path is
 *  computed from this text (accel_shard_of).
 *  @return ACCEL_OK with *out (free with accel_manifest_free); ACCEL_ERR_NOT_FOUND or
 *          ACCEL_ERR_IO when the file cannot be read; ACCEL_ERR_FORMAT naming the manifest,
 *          the line and the reason (a NUL byte, an unterminated quote, text after a closing
 *          quote, a record without a `path` field or with an empty one, a .csv without a
 *          `path` column, no path at all). Since 0.1. */
ACCEL_API accel_status accel_manifest_read(const char *path, accel_manifest **out);

/*! accel_manifest_parse() :
 *  As accel_manifest_read() for `n` bytes in memory; `name` labels them in messages (NULL:
 *  "(manifest)") and decides the CSV form by its ending as a file name does. Since 0.1. */
ACCEL_API accel_status accel_manifest_parse(const void *data, size_t n, const char *name,
                                            accel_manifest **out);

/*! accel_manifest_count() : the number of paths (≥ 1 for a manifest that was read). Since 0.1. */
ACCEL_API size_t accel_manifest_count(const accel_manifest *m);

/*! accel_manifest_path() : path `i` (0-based, in manifest order), owned by the manifest; NULL
 *  for an index out of range. Since 0.1. */
ACCEL_API const char *accel_manifest_path(const accel_manifest *m, size_t i);

/*! accel_manifest_line() : the line of the manifest path `i` starts on (1-based), 0 for an
 *  index out of range. Since 0.1. */
ACCEL_API size_t accel_manifest_line(const accel_manifest *m, size_t i);

/*! accel_manifest_free() : NULL is a no-op. Since 0.1. */
ACCEL_API void accel_manifest_free(accel_manifest *m);

/* ---- shards ---- */

/*! accel_path_hash() :
 *  The 64-bit FNV-1a hash of the bytes of `path` as written (no normalisation: "a.wav" and
 *  "./a.wav" differ): offset basis 0xcbf29ce484222325, prime 0x100000001b3, each byte XORed
 *  in then multiplied. Since 0.1. */
ACCEL_API uint64_t accel_path_hash(const char *path);

/*! accel_shard_of() :
 *  The shard of `path` among `count`: accel_path_hash(path) % count, 0-based (0 when count is
 *  0 or 1). The same path always lands in the same shard, whatever the order or the other
 *  paths. Since 0.1. */
ACCEL_API uint32_t accel_shard_of(const char *path, uint32_t count);

/*! accel_shard_parse() :
 *  Reads a shard specification: "I/N" (0 ≤ I < N, N ≥ 1; I is 0-based) or "auto", which
 *  takes Slurm's job array variables: I = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) /
 *  SLURM_ARRAY_TASK_STEP (MIN 0 and STEP 1 when unset), N = SLURM_ARRAY_TASK_COUNT; an array
 *  with gaps (SLURM_ARRAY_TASK_MAX, when set, not MIN + (N − 1) × STEP) is refused by every task.
 *  @return ACCEL_OK with *index and *count; ACCEL_ERR_CONFIG with a message naming the value
 *          or the variable and what is allowed. Since 0.1. */
ACCEL_API accel_status accel_shard_parse(const char *spec, uint32_t *index, uint32_t *count);

/* ---- complete outputs ---- */

/* The header of a .npy file (NumPy format versions 1.0, 2.0 and 3.0). */
typedef struct accel_npy_info {
    size_t struct_size;
    char descr[16];       /* the dtype as numpy writes it: "<f4", "|u1", … */
    int fortran_order;
    int ndim;             /* 0..8 */
    uint64_t shape[8];
    uint64_t header_bytes; /* where the data start */
    uint64_t data_bytes;   /* the product of the shape times the item size */
} accel_npy_info;

/*! accel_npy_header_parse() :
 *  Parses the header at the start of `n` bytes of a .npy file into *info (set
 *  info->struct_size first). Only simple dtypes are accepted ("<f4", "|u1", "<i2", …: a byte
 *  order, a kind among b i u f c and a size), with a shape of at most 8 dimensions whose data
 *  size fits in 64 bits.
 *  @return ACCEL_OK; ACCEL_ERR_FORMAT naming what is wrong (magic, version, header length,
 *          the dictionary, a key, the dtype, the shape). Since 0.1. */
ACCEL_API accel_status accel_npy_header_parse(const void *data, size_t n, accel_npy_info *info);

/*! accel_output_complete() :
 *  Whether the output file at `path` is whole: a .npy whose header parses and whose size is
 *  exactly the header plus the data its shape and dtype announce; a .json that is one object
 *  ("{" … "}\n"); any other file when it is not empty. `info` (may be NULL) receives a .npy's
 *  header.
 *  @return ACCEL_OK when complete; ACCEL_ERR_NOT_FOUND when absent; ACCEL_ERR_FORMAT naming
 *          the file and what is wrong (truncated, header, size). Since 0.1. */
ACCEL_API accel_status accel_output_complete(const char *path, accel_npy_info *info);

/* ---- the per-item step ---- */

typedef struct accel_corpus accel_corpus;

#define ACCEL_CORPUS_RESUME 0x1u   /* skip an input whose output is complete */
#define ACCEL_CORPUS_OUT_FILE 0x2u /* `out` is the output file itself (one input) */

/*! accel_corpus_create() :
 *  A per-item step: operation `op` on files, one output per input under the directory `out`
 *  (created if absent):
 *    audio features  op: an audio preset or family ("whisper-80", "whisper", "vggish",
 *                    "fbank", "fbank-80"); params "padding" (openai|faster-whisper|none) and
 *                    "windows" (0|1) for whisper. Output OUT/<stem>.npy, float32, as
 *                    accel_audio_features_npy() writes it.
 *    image quality   op "image_quality". Output OUT/<stem>.json: one JSON object, the keys of
 *                    `accel image quality --json` for one image.
 *    image blob      op "image_blob" with param "model" (scrfd|arcface; "scrfd_input" as op
 *                    means model scrfd) and "size" (default 640 scrfd, 112 arcface). Output
 *                    OUT/<stem>.npy, float32 (1, 3, S, S): blobFromImage of that image.
 *  <stem> is the input's file name without its directory and last extension ("-" is
 *  "stdin"). `params` (n_params of them, may be NULL) are key/value texts. The context must
 *  outlive the step. With ACCEL_CORPUS_OUT_FILE, `out` is the one output file.
 *  @return ACCEL_OK with *out_step (free with accel_corpus_destroy); ACCEL_ERR_NOT_FOUND for
 *          an unknown operation (the message lists those allowed); ACCEL_ERR_INVALID_ARG for
 *          a bad parameter (naming it and the values allowed); ACCEL_ERR_IO when the output
 *          directory cannot be created. Since 0.1. */
ACCEL_API accel_status accel_corpus_create(accel_ctx *ctx, const char *op,
                                           const accel_option *params, size_t n_params,
                                           const char *out, unsigned flags,
                                           accel_corpus **out_step);

/*! accel_corpus_destroy() : NULL is a no-op. Since 0.1. */
ACCEL_API void accel_corpus_destroy(accel_corpus *c);

/*! accel_corpus_output() : writes the output path of `input` into path[0..cap-1].
 *  @return ACCEL_ERR_INVALID_ARG when it does not fit. Since 0.1. */
ACCEL_API accel_status accel_corpus_output(const accel_corpus *c, const char *input,
                                           char *path, size_t cap);

/*! accel_corpus_check() :
 *  Refuses a list of inputs two of which would write the same output (the same stem in
 *  different directories, or one path listed twice), or whose output would be one of the
 *  inputs. Check the whole list, before taking a shard of it, so that every shard agrees.
 *  O(n log n).
 *  @return ACCEL_OK; ACCEL_ERR_INVALID_ARG naming both inputs and the output. Since 0.1. */
ACCEL_API accel_status accel_corpus_check(const accel_corpus *c, const char *const *inputs,
                                          size_t n);

/*! accel_corpus_clean() :
 *  Removes what a killed run left in the output directory for these inputs: the temporary
 *  files "<output>.partial-PID" (and whisper's "<output>.spill-PID") whose process PID is not
 *  alive on this machine (a run on another machine writing the same shard at the same time is
 *  not supported). One scan of the directory. `removed` (may be NULL) gets the number of files removed. Since 0.1. */
ACCEL_API accel_status accel_corpus_clean(const accel_corpus *c, const char *const *inputs,
                                          size_t n, size_t *removed);

typedef enum accel_item_status {
    ACCEL_ITEM_DONE = 0,    /* computed and written */
    ACCEL_ITEM_SKIPPED = 1, /* its output was complete (ACCEL_CORPUS_RESUME) */
    ACCEL_ITEM_FAILED = 2   /* see error */
} accel_item_status;

/*! accel_item_status_name() : "done", "skipped", "failed". Since 0.1. */
ACCEL_API const char *accel_item_status_name(accel_item_status s);

/* What happened to one input. The caller allocates it and sets struct_size. */
typedef struct accel_corpus_item {
    size_t struct_size;
    const char *input;          /* the caller's string */
    accel_item_status status;
    accel_status error_status;  /* ACCEL_OK unless failed */
    char output[4096];          /* the output path ("" when there is none) */
    int device_index;           /* the device that computed it, -1 when none did */
    char device[32];            /* "cpu:0", "cuda:1", … (accel's index), "" when none */
    double ms;                  /* decode, compute and write; the check when skipped */
    int n_fallbacks;
    accel_fallback_reason fallback; /* the first fallback's reason */
    char error[512];            /* the reason, naming the input, or "" */
    uint64_t shape[4];          /* of the output array (.npy), ndim 0 for .json */
    int ndim;
    accel_audio_info audio_info;  /* audio features: what was decoded */
    accel_audio_result audio;     /* audio features: the streamed result */
    accel_quality quality;        /* image quality */
    double det_scale;             /* image blob, scrfd: new_height / height; 1 for arcface */
    /* Added after det_scale: filled (and read by accel_corpus_item_json) only when struct_size
     * covers it, so items sized by an older header keep working. */
    char warning[256];            /* image: the decoder's warning the image survived (stray
                                   * bytes before a JPEG marker, an error after the last row;
                                   * docs/image.md), "" when none */
} accel_corpus_item;

/*! accel_corpus_run() :
 *  The step for inputs[0..n-1], results in items[0..n-1] (struct_size set in each; walked
 *  with items[0].struct_size). With ACCEL_CORPUS_RESUME an input whose output is complete
 *  (accel_output_complete) is skipped; every other output is written to
 *  "<output>.partial-PID" and renamed when whole, so a present output is a complete one.
 *  Images are decoded in parallel. A failing input does not stop the others. Several threads
 *  may run one step at once (on different inputs). items[0].struct_size may be an older
 *  header's (down to offsetof(accel_corpus_item, warning)): the fields it lacks are not set.
 *  @return ACCEL_OK when no input failed, else the first failure's status (each item says
 *          its own). Since 0.1. */
ACCEL_API accel_status accel_corpus_run(accel_corpus *c, const char *const *inputs, size_t n,
                                        accel_corpus_item *items);

/* ---- the run log ---- */

typedef struct accel_run_log accel_run_log;

/* The totals of a run. */
typedef struct accel_run_summary {
    size_t struct_size;
    uint64_t done, skipped, failed;
    double seconds;          /* since the log was opened */
    double files_per_second; /* (done + skipped + failed) / seconds */
} accel_run_summary;

/*! accel_run_log_open() :
 *  A JSON-lines run log appended to `path` (created if absent, never truncated; opened
 *  O_APPEND, each line one write(), so that several processes may share it and a killed run
 *  leaves whole lines). NULL `path`: the log only counts (for the summary).
 *  @return ACCEL_ERR_IO naming the file when it cannot be opened. Since 0.1. */
ACCEL_API accel_status accel_run_log_open(const char *path, accel_run_log **out);

/*! accel_corpus_item_json() :
 *  The log line of one item (without the newline), newly allocated (free() it):
 *  {"path", "status", "output", "device", "ms", "fallback", "error"} and, when known,
 *  "shape", "det_scale" and "warning" (docs/cli.md). Since 0.1. */
ACCEL_API accel_status accel_corpus_item_json(const accel_corpus_item *item, char **line);

/*! accel_run_log_item() : appends the line of `item` and counts it. Since 0.1. */
ACCEL_API accel_status accel_run_log_item(accel_run_log *log, const accel_corpus_item *item);

/*! accel_run_log_summary() :
 *  Appends the summary line {"summary": true, "done", "skipped", "failed", "seconds",
 *  "files_per_second"} of what was logged since the log was opened, and fills *sum (may be
 *  NULL; set sum->struct_size first). Since 0.1. */
ACCEL_API accel_status accel_run_log_summary(accel_run_log *log, accel_run_summary *sum);

/*! accel_run_log_close() : closes the file. NULL is a no-op. Since 0.1. */
ACCEL_API void accel_run_log_close(accel_run_log *log);

#ifdef __cplusplus
}
#endif
#endif /* ACCEL_H */
