/* membw.c — large-memcpy bandwidth, the yardstick the CPU code of memory-bound operations is
 * measured against (contract in cpu.h). memcpy is the C library's, which on large copies
 * uses its fastest path (non-temporal stores where they pay), so the figure is what this
 * machine can really move, not a peak from a data sheet. With a pool each thread copies one
 * contiguous share, so every memcpy call is large enough for that path. */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

typedef struct copy_job {
    unsigned char *dst;
    const unsigned char *src;
    size_t bytes, chunk;
} copy_job;

static void copy_chunks(void *arg, size_t begin, size_t end)
{
    copy_job *j = arg;
    for (size_t t = begin; t < end; t++) {
        size_t b = t * j->chunk, e = b + j->chunk;
        if (e > j->bytes) e = j->bytes;
        memcpy(j->dst + b, j->src + b, e - b);
    }
}

double accel__cpu_memcpy_ms(accel__pool *pool, void *dst, const void *src, size_t bytes)
{
    if (bytes == 0) return 0.0;
    size_t n_chunks = (size_t)accel__pool_threads(pool);
    copy_job j = {dst, src, bytes, (bytes / n_chunks + 4095) & ~(size_t)4095};
    n_chunks = (bytes + j.chunk - 1) / j.chunk;
    double t0 = accel__now_ms();
    accel__pool_for(pool, n_chunks, copy_chunks, &j);
    return accel__now_ms() - t0;
}

double accel__cpu_membw_gbs(accel__pool *pool, size_t bytes)
{
    if (bytes == 0) bytes = (size_t)256 << 20;
    unsigned char *src = NULL, *dst = NULL;
    if (posix_memalign((void **)&src, 4096, bytes) != 0) return -1.0;
    if (posix_memalign((void **)&dst, 4096, bytes) != 0) {
        free(src);
        return -1.0;
    }
    /* Fault every page in first: the first touch costs far more than the copy. */
    memset(src, 1, bytes);
    memset(dst, 2, bytes);
    double best = 1e300;
    for (int rep = 0; rep < 6; rep++) {
        double ms = accel__cpu_memcpy_ms(pool, dst, src, bytes);
        if (rep > 0 && ms < best) best = ms; /* the first run warms the threads and TLB */
    }
    free(src);
    free(dst);
    return 2.0 * (double)bytes / (best * 1e-3) / 1e9;
}
