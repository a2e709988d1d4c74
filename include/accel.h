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
 *  - After a failure, accel_last_error(ctx) returns a human message naming the input and the
 *    reason (and, for a setting, the values allowed). It stays valid until the next call on the
 *    same context from the same thread.
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
 *  @return the detailed message of the last failure on `ctx` in this thread, or of the last
 *          failed accel_ctx_create() in this thread when ctx is NULL; "" when none. The string
 *          is owned by the library. Since 0.1. */
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
 *  The device the policy would choose for operation `op` (NULL: any operation), honouring
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
 *  The largest batch of `op` items of `item_size` elements that fits the device's budget
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
 *  divided by 32768 first, as the references load int16 audio). `out` holds `out_len` floats,
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

/*! accel_audio_load() :
 *  Decodes a whole file (accel_audio_open + read): *samples is allocated by the library
 *  (free it with accel_audio_free()), *n its length. `info` may be NULL. */
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
 *  order) in bounded memory: chunks of the planned length (accel_plan_chunk, else
 *  ACCEL_CHUNK_SECONDS, else 60 s), with the frames that straddle chunk boundaries computed
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
    double chunk_s;         /* accel_audio_chunk target; 0: planner, ACCEL_CHUNK_SECONDS, 30 */
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
 *  target length (vp->chunk_s; 0: accel_plan_chunk for vp->op, else ACCEL_CHUNK_SECONDS,
 *  else 30 s), each cut placed in the middle of the last pause that ends within the second
 *  half of the target, else at the quietest frame there. */
ACCEL_API accel_status accel_audio_chunk(accel_ctx *ctx, const accel_audio_vad_params *vp,
                                         accel_audio_source *src, accel_audio_segment **segs,
                                         size_t *n_segs);

#ifdef __cplusplus
}
#endif
#endif /* ACCEL_H */
