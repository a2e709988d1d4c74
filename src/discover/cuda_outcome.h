/* cuda_outcome.h — a probe outcome (reply lines + the parent's P lines, see cuda_probe.h)
 * read back into fields. Shared by cuda.c and its tests; not part of any other contract. */
#ifndef ACCEL_DISCOVER_CUDA_OUTCOME_H
#define ACCEL_DISCOVER_CUDA_OUTCOME_H

#include "core/internal.h"

typedef struct accel__cuda_dev_rec {
    int ordinal, usable, cc_major, cc_minor, sms, integrated;
    long long total, free_b;
    char bus[32], uuid[64], name[256], verdict[256];
} accel__cuda_dev_rec;

typedef struct accel__nvml_dev_rec {
    char bus[32], uuid[96], name[96];
    long long total, free_b, used;
    int util, temp, power;
} accel__nvml_dev_rec;

typedef struct accel__cuda_outcome {
    int has_magic;     /* the reply started: the child got as far as running our code */
    char lib[512];     /* L */
    int driver;        /* V, -1 */
    int init_code;     /* I, -1 when cuInit was not reached */
    int count;         /* N, -1 */
    accel__cuda_dev_rec *devs;
    int n_devs;
    int cuda_done;     /* C */
    char nvml_lib[512];
    char nvml_version[80];
    int nvml_count;    /* MN, -1 */
    accel__nvml_dev_rec *nvml;
    int n_nvml;
    char nvml_fail[512];
    int nvml_done;     /* MC */
    /* P lines */
    int ok, timed_out, sig, exit_code;
    double ms;
    char verdict[512];      /* PW */
    char nvml_verdict[512]; /* PM */
    char lib_id[1200];      /* PL */
    char nvml_id[1200];     /* PN */
    char output[600];       /* PX: what the probe child printed (one line), "" when nothing */
    int complete;           /* PE */
} accel__cuda_outcome;

/* Copies text into a reply field: control characters (tab, newline) become spaces and an
 * empty text becomes "-", so the field count of a line never changes. */
void accel__cuda_clean_field(const char *in, char *out, size_t cap);

/* Parses text (NUL-terminated). Returns 0, or -1 for a line it cannot read (a corrupt record)
 * or out of memory. Free with accel__cuda_outcome_free. */
int accel__cuda_outcome_parse(const char *text, accel__cuda_outcome *o);
void accel__cuda_outcome_free(accel__cuda_outcome *o);

#endif
