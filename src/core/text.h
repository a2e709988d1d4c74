/* text.h — a growable NUL-terminated text, for what discovery builds line by line: probe
 * replies, cached outcomes, cache keys, record files.
 *
 * Zero-initialise it (accel__text t = {0}); t.s is NULL until the first append. When memory
 * runs out `oom` is set and every later append is dropped, so a caller checks once at the end
 * instead of after every line. The caller frees t.s (or calls accel__text_free). */
#ifndef ACCEL_CORE_TEXT_H
#define ACCEL_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct accel__text {
    char *s;         /* the text, NUL-terminated; NULL while nothing was appended */
    size_t len, cap; /* bytes used (without the NUL) and allocated */
    int oom;         /* an append failed: the text is incomplete */
} accel__text;

/* Appends n bytes (which may include NULs; the text stays NUL-terminated after them). */
void accel__text_put(accel__text *t, const void *data, size_t n);
/* Appends a string. */
void accel__text_puts(accel__text *t, const char *s);
/* Appends formatted text, of any length. */
void accel__text_printf(accel__text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees the text and leaves it empty. */
void accel__text_free(accel__text *t);

/* Numbers read from text accel does not control (cache files, procfs, sysfs): the whole of s
 * must be decimal digits (accel__parse_i64: after an optional '-'), and a value that does not
 * fit is an error, never wrapped or saturated (strtoull would give ULLONG_MAX, sscanf's %llu
 * is undefined). @return 0 with *out set, or -1 (then *out is untouched). */
int accel__parse_u64(const char *s, uint64_t *out);
int accel__parse_i64(const char *s, int64_t *out);
/* The same for the leading digits of s ("123 kB", "4096\n"): *end points after them. */
int accel__parse_u64_prefix(const char *s, uint64_t *out, const char **end);

/* 1 when a comma-separated list of names ("noop,reduce") is empty or holds an empty name
 * ("", ",x", "x,", "x,,y"): strtok_r would skip those, and a list left with nothing in it would
 * mean "nothing" or "everything" where the user asked for a name. */
int accel__list_has_empty(const char *list);

#endif
