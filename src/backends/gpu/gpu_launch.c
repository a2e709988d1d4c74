/* gpu_launch.c — geometry and parameter packing shared by the CUDA and HIP backends. */
#include "backends/gpu/gpu_launch.h"

accel_status accel__gpu_grid(const accel__gpu_limits *lim, const accel__launch *g,
                             unsigned grid[3], unsigned block[3], int *empty)
{
    RETURN_ERROR_IF(!g || g->dims < 1 || g->dims > 3, ACCEL_ERR_INVALID_ARG,
                    "launch dimensions must be 1, 2 or 3, not %d", g ? g->dims : 0);
    unsigned long long threads = 1;
    *empty = 0;
    for (int d = 0; d < 3; d++) {
        size_t global = d < g->dims ? g->global[d] : 1;
        size_t local = d < g->dims ? g->local[d] : 1;
        if (local == 0) {
            local = d == 0 ? ACCEL__GPU_DEFAULT_BLOCK : 1;
            if (local > lim->max_threads) local = lim->max_threads;
        }
        if (global == 0) *empty = 1;
        RETURN_ERROR_IF(local > lim->block_max[d], ACCEL_ERR_INVALID_ARG,
                        "work-group size %zu in dimension %d exceeds the device limit %u", local,
                        d, lim->block_max[d]);
        size_t groups = global / local + (global % local != 0);
        RETURN_ERROR_IF(groups > lim->grid_max[d], ACCEL_ERR_INVALID_ARG,
                        "%zu work items in dimension %d need %zu groups of %zu; the device "
                        "allows %u",
                        global, d, groups, local, lim->grid_max[d]);
        grid[d] = (unsigned)(groups ? groups : 1);
        block[d] = (unsigned)local;
        threads *= local;
    }
    RETURN_ERROR_IF(threads > lim->max_threads, ACCEL_ERR_INVALID_ARG,
                    "work-group of %llu items exceeds the device's %u per group", threads,
                    lim->max_threads);
    return ACCEL_OK;
}

accel_status accel__gpu_pack_args(const accel__gpu_limits *lim, const char *kernel,
                                  const accel__arg *args, int n_args,
                                  uint64_t (*addr)(const accel__buffer *b),
                                  accel__gpu_param vals[ACCEL__GPU_MAX_ARGS],
                                  void *params[ACCEL__GPU_MAX_ARGS + 1], size_t *shared)
{
    *shared = 0;
    RETURN_ERROR_IF(n_args < 0 || n_args > ACCEL__GPU_MAX_ARGS || (n_args && !args),
                    ACCEL_ERR_INVALID_ARG, "launch of %s: %d arguments (0 to %d allowed)", kernel,
                    n_args, ACCEL__GPU_MAX_ARGS);
    size_t sh = 0;
    for (int i = 0; i < n_args; i++) {
        const accel__arg *a = &args[i];
        switch (a->type) {
        case ACCEL__ARG_BUFFER: vals[i].addr = a->v.buf ? addr(a->v.buf) : 0; break;
        case ACCEL__ARG_I32: vals[i].i32 = a->v.i32; break;
        case ACCEL__ARG_U32: vals[i].u32 = a->v.u32; break;
        case ACCEL__ARG_F32: vals[i].f32 = a->v.f32; break;
        case ACCEL__ARG_I64: vals[i].i64 = a->v.i64; break;
        case ACCEL__ARG_LOCAL:
            sh = (sh + 15) & ~(size_t)15;
            RETURN_ERROR_IF(a->v.local_bytes > lim->max_shared || sh > lim->max_shared - a->v.local_bytes,
                            ACCEL_ERR_KERNEL,
                            "launch of %s: local memory arguments need more than the device's "
                            "%zu bytes per group",
                            kernel, lim->max_shared);
            vals[i].u32 = (uint32_t)sh;
            sh += a->v.local_bytes;
            break;
        default:
            return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "launch of %s: argument %d has unknown type %d",
                               kernel, i, (int)a->type);
        }
        params[i] = &vals[i];
    }
    params[n_args] = NULL;
    *shared = sh;
    return ACCEL_OK;
}
