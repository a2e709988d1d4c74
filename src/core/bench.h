/* bench.h — benchmark cases and the timing engine behind `accel bench` (bench.c), also used by
 * the planner (to build a call of a given size for an operation) and `accel stats`.
 *
 * A case says how to build one call of an operation with a given number of items. Operation
 * families list their cases in src/core/bench_cases.c; programs may add more at run time with
 * accel__bench_case_add() (tests do). The JSON the engine writes is described by
 * docs/schemas/bench.schema.json and docs/bench.md. */
#ifndef ACCEL_BENCH_H
#define ACCEL_BENCH_H

#include "core/internal.h"

typedef struct accel__bench_case {
    const char *op;    /* operation name, as `accel bench --operation` takes it */
    const char *about; /* one line: what one call does and what an item is */
    size_t sizes[3];   /* items for small, medium, large */
    /* The operation; NULL: accel__op_find(op). */
    const accel__op *(*get_op)(void);
    /* Builds a call of `items` items (item_size: elements per item where the operation has
     * such a notion, 0 for the case's default) filled with deterministic data. *bytes_in and
     * *bytes_out: bytes the call reads and writes in host memory. */
    accel_status (*make)(size_t items, size_t item_size, void **call, size_t *bytes_in,
                         size_t *bytes_out);
    void (*destroy)(void *call);
    /* Optional, for signal operations: a call covering `seconds` of input at `rate` Hz (the
     * chunk planner evaluates the operation's memory formula on it: only its shapes matter,
     * no data need be made nor buffers touched). NULL: one item is one sample. */
    accel_status (*make_signal)(double seconds, int rate, void **call);
    /* Optional, for image operations: a call of `items` images of width × height pixels
     * (`accel bench --image-size`). NULL: the case takes no image size, and asking for one is
     * a usage error (accel__bench_takes_image_size). */
    accel_status (*make_image)(size_t items, int width, int height, void **call,
                               size_t *bytes_in, size_t *bytes_out);
} accel__bench_case;

size_t accel__bench_case_count(void);
const accel__bench_case *accel__bench_case_at(size_t i);
const accel__bench_case *accel__bench_case_find(const char *op);
/* Adds a case for this process (at most 32; the pointer must stay valid). */
accel_status accel__bench_case_add(const accel__bench_case *c);
/* The case's operation, NULL when it is not built into this library. */
const accel__op *accel__bench_case_op(const accel__bench_case *c);
/* 1 when the case builds calls of images of a given size (make_image). */
int accel__bench_takes_image_size(const accel__bench_case *c);

/* Parses an --image-size value: "small" (640x480), "medium" (1920x1080), "large" (3840x2160)
 * or "WxH" with whole numbers 1..16384. Returns -1 when invalid (*w, *h untouched). */
int accel__bench_parse_image_size(const char *s, int *w, int *h);

/* ---- the engine ------------------------------------------------------------------------ */

typedef struct accel__bench_opts {
    const char *const *ops; /* operation names; NULL/0: every case */
    size_t n_ops;
    const char *size;       /* "small" | "medium" | "large" | a number of items */
    int iterations;         /* timed calls per (operation, size, device) */
    int warmup;             /* untimed calls before them */
    const char *devices;    /* all|gpu|auto|<a backend name or alias>|<index>[,…] */
    int quick;              /* every case at small size: one warm-up call, three timed */
    int image_width;        /* > 0: image size for cases that take one (make_image) */
    int image_height;
    size_t bandwidth_bytes; /* copy size for the bandwidth measurement; 0: 64 MiB */
    FILE *progress;         /* a line per measurement, or NULL */
} accel__bench_opts;

typedef struct accel__bench_stats {
    int n;
    double mean, median, min, max, p95, stddev; /* ms */
} accel__bench_stats;

typedef struct accel__bench_result {
    char op[32];
    char size_label[16]; /* "small", "medium", "large" or "custom" */
    size_t items;
    int device;
    int iterations, successes;
    accel__bench_stats e2e; /* host clock around each call, transfers included */
    double kernel_ms;       /* mean device-event time per call, -1 when not measured */
    double copy_ms;         /* mean host time inside copies per call, -1 when none */
    double bytes_moved;     /* per call */
    int bytes_measured;     /* 1: counted by the copy wrappers; 0: the case's estimate */
    double bytes_in, bytes_out;
    double throughput;         /* items/s from the mean */
    double bandwidth_gbps;     /* bytes_moved / mean */
    double bandwidth_fraction; /* of the device's measured copy bandwidth, -1 unknown */
    double first_call_ms;      /* the run's first call (warm-up when there is one), -1 none */
    char error[256];           /* why calls failed, "" when none did */
    /* 1: not run, the device does not offer the operation (no device code, or its kernels
     * missing on that device): `skip` says which; iterations is 0 */
    int skipped;
    char skip[256];
} accel__bench_result;

typedef struct accel__bench_fallback {
    char op[32];
    size_t items;
    int phase_timed; /* 0: warm-up */
    int iteration;
    int device_tried, device_used; /* device_used -1: the call failed */
    int refused;                   /* ACCEL_STRICT turned the fallback into an error */
    accel_fallback_reason reason;
    double time_lost_ms;
    char message[256];
} accel__bench_fallback;

typedef struct accel__bench_device {
    int index;
    double h2d_gbps, d2h_gbps; /* -1 when not measured */
    double memcpy_gbps;        /* CPU: STREAM-style copy (read + write bytes / s), -1 otherwise */
    char note[128];
} accel__bench_device;

typedef struct accel__bench_report {
    accel__bench_opts opts;
    char date[32];
    accel__bench_device *devices;
    size_t n_devices;
    accel__bench_result *results;
    size_t n_results;
    accel__bench_fallback *fallbacks;
    size_t n_fallbacks;
} accel__bench_report;

/* Parses a --device value into device indices (usable devices only); NULL is "all", "auto" the
 * device accel_select() chooses for any operation, an empty value or name ("", "0,,1") or a
 * negative index is bad syntax. On error returns
 * ACCEL_ERR_INVALID_ARG (bad syntax, message lists the values allowed) or ACCEL_ERR_NOT_FOUND
 * (no usable device matches). `idx` must hold ctx->n_devs entries. */
accel_status accel__bench_devices(accel_ctx *ctx, const char *sel, int *idx, size_t *n);

/* Parses a --size value: "small" (0), "medium" (1), "large" (2) or a whole number of items,
 * digits only, 1..INT64_MAX (*custom set). Returns -1 when invalid. */
int accel__bench_parse_size(const char *s, size_t *custom);
/* the numbers accel__bench_parse_size takes, as errors name them */
#define ACCEL__BENCH_SIZE_RANGE "1..9223372036854775807 (digits only)"

accel_status accel__bench_run(accel_ctx *ctx, const accel__bench_opts *opts,
                              accel__bench_report **out);
void accel__bench_report_free(accel__bench_report *r);
void accel__bench_write_text(accel_ctx *ctx, const accel__bench_report *r, FILE *f);
void accel__bench_write_json(accel_ctx *ctx, const accel__bench_report *r, FILE *f);
void accel__bench_write_svg(accel_ctx *ctx, const accel__bench_report *r, FILE *f);

/* The speed of a result against the CPU result of the same operation and size: cpu mean time
 * over its mean time (2.0: twice as fast, 0.5: half as fast). Returns -1 when there is no
 * CPU result to compare with (or x is the CPU's own). */
double accel__bench_speedup(accel_ctx *ctx, const accel__bench_report *r,
                            const accel__bench_result *x);
/* "0.06× the CPU (17× slower)", "14× the CPU (14× faster)", "1.02× the CPU (about the same)"
 * for a speedup as above. */
void accel__bench_ratio_text(double speedup, char *buf, size_t cap);

/* Statistics of n samples (sorted in place). */
void accel__bench_stats_of(double *samples, int n, accel__bench_stats *out);

#endif
