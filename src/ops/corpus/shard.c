/* shard.c — which share of a corpus a process takes (accel_shard_of, accel_shard_parse).
 * A path's shard depends on its own text alone (FNV-1a 64 of the bytes, modulo the count), so
 * the same file lands in the same shard whatever the manifest's order or the other files,
 * and anyone can compute it (docs/cli.md gives the formula and a Python one-liner). */
#include "corpus_internal.h"
#include "../../core/text.h"

#include <stdlib.h>
#include <string.h>

uint64_t accel_path_hash(const char *path)
{
    return path ? accel__hash64(path, strlen(path), 0) : accel__hash64("", 0, 0);
}

uint32_t accel_shard_of(const char *path, uint32_t count)
{
    return count <= 1 ? 0 : (uint32_t)(accel_path_hash(path) % count);
}

/* A whole number from the environment variable `var`; `dflt` when unset (dflt < 0: required). */
static accel_status env_u32(const char *var, long long dflt, uint32_t *out)
{
    const char *s = getenv(var);
    if (!s || !*s) {
        RETURN_ERROR_IF(dflt < 0, ACCEL_ERR_CONFIG,
                        "shard auto: %s is not set (auto reads a Slurm job array's "
                        "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT; outside one, give "
                        "I/N)", var);
        *out = (uint32_t)dflt;
        return ACCEL_OK;
    }
    uint64_t v = 0;
    RETURN_ERROR_IF(accel__parse_u64(s, &v) != 0 || v > UINT32_MAX, ACCEL_ERR_CONFIG,
                    "shard auto: %s='%s': expected a whole number 0..%u", var, s, UINT32_MAX);
    *out = (uint32_t)v;
    return ACCEL_OK;
}

/* SLURM_ARRAY_TASK_MAX, when set, must close the range MIN, MIN + STEP, … of COUNT tasks. Slurm
 * gives an array with gaps (--array=1,5: COUNT 2, MIN 1, MAX 5, STEP 1) to every task, and
 * only MAX shows the gap to the tasks below it: without this check task 1 would take shard
 * 0/2 and succeed while task 5 is refused, leaving shard 1/2 undone. */
static accel_status check_max(uint32_t n, uint32_t min, uint32_t step)
{
    const char *set = getenv("SLURM_ARRAY_TASK_MAX");
    if (!set || !*set) return ACCEL_OK; /* older Slurm, or set by hand: COUNT alone decides */
    uint32_t max = 0;
    FORWARD_IF_ERROR(env_u32("SLURM_ARRAY_TASK_MAX", 0, &max));
    uint64_t last = (uint64_t)min + (uint64_t)(n - 1) * step;
    RETURN_ERROR_IF(last != max, ACCEL_ERR_CONFIG,
                    "shard auto: SLURM_ARRAY_TASK_MAX=%u is not SLURM_ARRAY_TASK_MIN=%u + "
                    "(SLURM_ARRAY_TASK_COUNT=%u − 1) × SLURM_ARRAY_TASK_STEP=%u = %llu: an array "
                    "with gaps (--array=1,5) has no contiguous shards; use --array=0-%u",
                    max, min, n, step, (unsigned long long)last, n - 1);
    return ACCEL_OK;
}

accel_status accel_shard_parse(const char *spec, uint32_t *index, uint32_t *count)
{
    RETURN_ERROR_IF(!spec || !index || !count, ACCEL_ERR_INVALID_ARG, "accel_shard_parse: NULL argument");
    if (strcmp(spec, "auto") == 0) {
        uint32_t id = 0, n = 0, min = 0, step = 1;
        FORWARD_IF_ERROR(env_u32("SLURM_ARRAY_TASK_ID", -1, &id));
        FORWARD_IF_ERROR(env_u32("SLURM_ARRAY_TASK_COUNT", -1, &n));
        FORWARD_IF_ERROR(env_u32("SLURM_ARRAY_TASK_MIN", 0, &min));
        FORWARD_IF_ERROR(env_u32("SLURM_ARRAY_TASK_STEP", 1, &step));
        RETURN_ERROR_IF(n == 0, ACCEL_ERR_CONFIG,
                        "shard auto: SLURM_ARRAY_TASK_COUNT=0: expected at least 1 task");
        RETURN_ERROR_IF(step == 0, ACCEL_ERR_CONFIG,
                        "shard auto: SLURM_ARRAY_TASK_STEP=0: expected at least 1");
        RETURN_ERROR_IF(id < min || (id - min) % step != 0, ACCEL_ERR_CONFIG,
                        "shard auto: SLURM_ARRAY_TASK_ID=%u is not MIN + k × STEP (MIN %u, STEP "
                        "%u)", id, min, step);
        FORWARD_IF_ERROR(check_max(n, min, step));
        uint32_t i = (id - min) / step;
        RETURN_ERROR_IF(i >= n, ACCEL_ERR_CONFIG,
                        "shard auto: task %u (SLURM_ARRAY_TASK_ID=%u − SLURM_ARRAY_TASK_MIN=%u) "
                        "is not below SLURM_ARRAY_TASK_COUNT=%u: an array with gaps (--array=1,5) "
                        "has no contiguous shards; use --array=0-%u",
                        i, id, min, n, n ? n - 1 : 0);
        *index = i;
        *count = n;
        return ACCEL_OK;
    }
    const char *slash = strchr(spec, '/');
    char a[32] = "", b[32] = "";
    if (slash && (size_t)(slash - spec) < sizeof a && strlen(slash + 1) < sizeof b) {
        memcpy(a, spec, (size_t)(slash - spec));
        a[slash - spec] = '\0';
        strcpy(b, slash + 1);
    }
    uint64_t i = 0, n = 0;
    RETURN_ERROR_IF(!slash || accel__parse_u64(a, &i) != 0 || accel__parse_u64(b, &n) != 0,
                    ACCEL_ERR_CONFIG,
                    "shard '%s': expected I/N (whole numbers, 0 ≤ I < N, I 0-based: 0/4 … 3/4) "
                    "or auto (from Slurm's SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)", spec);
    RETURN_ERROR_IF(n == 0 || n > UINT32_MAX, ACCEL_ERR_CONFIG,
                    "shard '%s': the count N must be 1..%u", spec, UINT32_MAX);
    RETURN_ERROR_IF(i >= n, ACCEL_ERR_CONFIG,
                    "shard '%s': the index I must be below N (I is 0-based: 0..%llu)", spec,
                    (unsigned long long)(n - 1));
    *index = (uint32_t)i;
    *count = (uint32_t)n;
    return ACCEL_OK;
}
