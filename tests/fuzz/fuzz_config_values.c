/* fuzz_config_values — ACCEL_* values as the environment and API options give them
 * (src/core/config.c: every key's validation, ACCEL_FAULT's rule list, ACCEL_<OP>_GPU), and
 * the other variables accel reads: CUDA_VISIBLE_DEVICES (src/discover/cuda_visible.c) and
 * ROCR_/HIP_VISIBLE_DEVICES (src/discover/rocm_sysfs.c), and a corpus run's shard
 * (src/ops/corpus/shard.c): `--shard` as SHARD=I/N|auto, with the Slurm job array's
 * SLURM_ARRAY_TASK_ID, _COUNT, _MIN, _MAX and _STEP that auto reads. Each input line is
 * KEY=VALUE. */
#include "fuzz.h"
#include "discover/cuda.h"
#include "discover/rocm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    /* only the options count: no ACCEL_* from the environment, no default config file */
    fuzz_no_settings();
    return 0;
}

static void visible(const char *key, const char *value)
{
    if (strcmp(key, "CUDA_VISIBLE_DEVICES") == 0) {
        accel__cuda_visible v;
        accel__cuda_visible_parse(value, &v);
        static const char *const uuids[4] = {"GPU-00000000-0000-0000-0000-000000000001",
                                             "GPU-00000000-0000-0000-0000-000000000002",
                                             "GPU-00000000-0000-0000-0000-000000000003", NULL};
        int map[ACCEL__CVD_MAX];
        char why[512];
        int n = accel__cuda_visible_resolve(&v, 4, uuids, map, why, sizeof why);
        FUZZ_CHECK(n <= ACCEL__CVD_MAX);
        for (int i = 0; i < n; i++) FUZZ_CHECK(map[i] >= 0 && map[i] < 4);
        FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL);
        accel__cuda_visible_explain(&v, 4, uuids, why, sizeof why);
        FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL);
    } else if (strcmp(key, "ROCR_VISIBLE_DEVICES") == 0 || strcmp(key, "HIP_VISIBLE_DEVICES") == 0) {
        accel__rocm_gpu gpus[4];
        memset(gpus, 0, sizeof gpus);
        for (int i = 0; i < 4; i++) snprintf(gpus[i].uuid, sizeof gpus[i].uuid, "GPU-%016x", i + 1);
        size_t keep[4];
        int rocr = key[0] == 'R';
        size_t n = accel__rocm_visible(gpus, 4, rocr ? value : NULL, rocr ? NULL : value, keep);
        FUZZ_CHECK(n <= 4);
        for (size_t i = 0; i < n; i++) FUZZ_CHECK(keep[i] < 4);
    }
}

static const char *const slurm_vars[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
                                          "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                                          "SLURM_ARRAY_TASK_STEP"};

/* accel_shard_parse: a share it accepts is one of N, and an I/N it accepts reads back as given
 * when written plainly; a refusal says why. */
static void shard(const char *spec)
{
    uint32_t i = 7, n = 0;
    accel_status st = accel_shard_parse(spec, &i, &n);
    if (st == ACCEL_OK) {
        FUZZ_CHECK(n >= 1 && i < n);
        if (strcmp(spec, "auto") != 0) {
            char again[32];
            snprintf(again, sizeof again, "%u/%u", i, n);
            uint32_t i2 = 0, n2 = 0;
            FUZZ_CHECK(accel_shard_parse(again, &i2, &n2) == ACCEL_OK && i2 == i && n2 == n);
        }
    } else {
        FUZZ_CHECK(st == ACCEL_ERR_CONFIG && accel_last_error(NULL)[0] != '\0');
    }
    accel__clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    accel_option opt[32];
    size_t n = 0;
    for (char *line = text, *next; line && n < 32; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        visible(line, eq + 1);
        if (strncmp(line, "SLURM_ARRAY_TASK_", 17) == 0) setenv(line, eq + 1, 1);
        if (strcmp(line, "SHARD") == 0) shard(eq + 1);
        opt[n++] = (accel_option){line, eq + 1};
    }
    for (size_t k = 0; k < sizeof slurm_vars / sizeof *slurm_vars; k++) unsetenv(slurm_vars[k]);
    accel__config *cfg = NULL;
    accel_status st = accel__config_load(&cfg, opt, n);
    FUZZ_CHECK((st == ACCEL_OK) == (cfg != NULL));
    accel__config_free(cfg);
    accel__clear_error();
    free(text);
    return 0;
}
