/* opnames.h — the one vocabulary of operation names, and nearest-name suggestions.
 *
 * Every place that takes an operation by name (accel_select, accel_plan_batch/_chunk, and the
 * verbs select, plan, stats, bench, audio) resolves it here, so a name means the same thing
 * everywhere. A name is either
 *   - a preset: a benchmark case (core/bench.h) such as "whisper-80", "convert-f16",
 *     "fbank-80", or "convert", "vggish", "fbank" where preset and operation share the name;
 *   - an operation family from the registry (src/ops/registry.c): "whisper", "convert", …,
 *     which means its default preset — the first case listed for that operation
 *     (src/core/bench_cases.c), e.g. "whisper" → "whisper-80".
 * Callers print the name they were given; settings keyed by operation (ACCEL_<OP>_GPU) and the
 * executor's counters use the operation's own name. */
#ifndef ACCEL_CORE_OPNAMES_H
#define ACCEL_CORE_OPNAMES_H

#include "core/bench.h"

typedef struct accel__op_ref {
    const char *name;             /* as given */
    const accel__op *op;          /* the operation; NULL when not built into this library */
    const accel__bench_case *pre; /* the preset named, or the family's default; NULL when the
                                     operation has no preset (it cannot be benchmarked or
                                     planned, only run) */
} accel__op_ref;

/* Resolves `name`. On an unknown name returns ACCEL_ERR_NOT_FOUND with the message
 * "unknown operation 'NAME'; did you mean 'X'? allowed: …" (the suggestion only when one is
 * close). */
accel_status accel__op_resolve(const char *name, accel__op_ref *out);

/* Writes the names allowed, grouped by operation: "convert (convert-f16), reduce, noop,
 * whisper (whisper-80, whisper-128), …, empty". Returns the length written (truncated to cap). */
size_t accel__op_names(char *buf, size_t cap);

/* The candidate closest to `word` (edit distance with transpositions, or a unique prefix), or
 * NULL when none is close enough to be what was meant. Comparison ignores case. */
const char *accel__nearest_name(const char *word, const char *const *cands, size_t n);

#endif
