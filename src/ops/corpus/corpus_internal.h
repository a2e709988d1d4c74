/* corpus_internal.h — what the files of the corpus step share (src/ops/corpus/): the manifest
 * reader (manifest.c), shards (shard.c), the .npy header reader and the completeness check
 * (npy_check.c), the run log (run_log.c) and the step itself (corpus.c, corpus_image.c). */
#ifndef ACCEL_OPS_CORPUS_INTERNAL_H
#define ACCEL_OPS_CORPUS_INTERNAL_H

#include "../../core/internal.h"

#include <stddef.h>

typedef enum { STEP_AUDIO, STEP_QUALITY, STEP_BLOB } accel__step_kind;

/* A configured step (accel_corpus_create). */
struct accel_corpus {
    accel_ctx *ctx;
    accel__step_kind kind;
    char op[32];
    accel_audio_params audio; /* audio features */
    int scrfd, size;          /* image blob: the model and the blob's side */
    char *out;                /* the directory, or the file with ACCEL_CORPUS_OUT_FILE */
    unsigned flags;
    const char *ext;          /* ".npy", ".json" */
};

/* 1 when `it` (sized by its struct_size) has `field`: an item from an older header lacks the
 * fields added after it. */
#define ACCEL__ITEM_HAS(it, field)                                                              \
    ((it)->struct_size >= offsetof(accel_corpus_item, field) + sizeof((it)->field))

/* 1 when the step writes each output as it computes it (audio features stream into
 * "<output>.partial-PID"): the CLI then runs one input per call and watches that file. */
int accel__corpus_streams(const accel_corpus *c);

/* "dir/name.ext" → "name" ("-" → "stdin"), truncated to cap. */
void accel__corpus_stem(const char *path, char *out, size_t cap);

/* Writes `n` bytes to "<path>.partial-PID" and renames it over `path`: a present file is a
 * whole one. The temporary file is removed on every failure. */
accel_status accel__corpus_write_atomic(const char *path, const void *head, size_t head_n,
                                        const void *data, size_t n);

/* A .npy v1.0 header (padded to a multiple of 64 bytes) for `descr` and `shape`: *len bytes
 * into hdr[0..cap-1]. */
accel_status accel__corpus_npy_header(char *hdr, size_t cap, const char *descr,
                                      const uint64_t *shape, int ndim, size_t *len);

#endif
