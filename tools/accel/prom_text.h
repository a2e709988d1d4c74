/* prom_text.h — reading the Prometheus text format (version 0.0.4), for `accel top --url`,
 * which shows a running `accel serve`'s counters from its /metrics. The text comes over the
 * network: the reader bounds every name, label and line, skips what it cannot read (and
 * counts it), and never reads past the text. */
#ifndef ACCEL_PROM_TEXT_H
#define ACCEL_PROM_TEXT_H

#include <stddef.h>

#define PROM_MAX_LABELS 8

typedef struct prom_sample {
    char name[128];
    int n_labels;
    struct {
        char key[64];
        char value[256]; /* unescaped */
    } labels[PROM_MAX_LABELS];
    double value;
} prom_sample;

/* Calls fn(sample, arg) for each sample line of text[0..n); comments (# HELP, # TYPE) and
 * blank lines are skipped; a line that is not a sample is skipped and counted in *bad (may be
 * NULL). Returns the number of samples. */
size_t prom_parse(const char *text, size_t n, void (*fn)(const prom_sample *, void *), void *arg,
                  size_t *bad);

/* The value of label `key`, or NULL. */
const char *prom_label(const prom_sample *s, const char *key);

#endif
