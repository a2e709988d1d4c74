/* pool.h — the CPU backend's thread pool: a parallel-for over task indices.
 *
 * One pool per context (ctx->cpu_pool), created when the CPU device opens, destroyed when it
 * closes. Its size is ACCEL_NUM_THREADS, else the usable core count from discovery (affinity
 * and cgroup quota), else the logical core count. The calling thread takes part in the work,
 * so a pool of N threads starts N - 1 workers.
 *
 * Concurrency: one parallel-for at a time runs on the workers. A second parallel-for that
 * starts while the workers are busy — from another application thread, or nested inside a
 * task — runs serially on its own calling thread instead of waiting. This never deadlocks and
 * never over-subscribes the cores; two application threads calling at once each still make
 * progress (one with all the workers, one alone).
 *
 * fork: the child process has none of the workers (only the forking thread survives). A
 * pthread_atfork handler marks every pool so that the child's first parallel-for re-creates
 * its workers. Forking from inside a task is not supported (the child would wait for workers
 * that do not exist in it).
 */
#ifndef ACCEL_CPU_POOL_H
#define ACCEL_CPU_POOL_H

#include <stddef.h>

#include "accel.h"

typedef struct accel__pool accel__pool;

/* Runs tasks [begin, end) of a parallel-for; a call covers one chunk of consecutive tasks. */
typedef void (*accel__pool_fn)(void *arg, size_t begin, size_t end);

/* Creates a pool of `n_threads` threads in all (the caller counts as one; n_threads ≥ 1,
 * capped at ACCEL__POOL_MAX_THREADS) and starts its workers. A worker that cannot be started
 * leaves a smaller pool (logged), never an error.
 * @return ACCEL_OK, ACCEL_ERR_INVALID_ARG for n_threads < 1, ACCEL_ERR_NO_MEMORY. */
#define ACCEL__POOL_MAX_THREADS 1024
accel_status accel__pool_create(int n_threads, accel__pool **out);

/* Stops and joins the workers and frees the pool. NULL is a no-op. Must not run concurrently
 * with a parallel-for on the same pool. */
void accel__pool_destroy(accel__pool *pool);

/* Calls fn(arg, begin, end) over chunks that together cover tasks [0, n_tasks) exactly once,
 * and returns when all have run. Chunks are claimed dynamically, large ones first and smaller
 * ones as the work runs out (down to 1/16 of a thread's share), so uneven tasks and threads
 * balance. With pool NULL, one thread, one task, or the workers busy with another
 * parallel-for, it runs fn(arg, 0, n_tasks) on the calling thread. */
void accel__pool_for(accel__pool *pool, size_t n_tasks, accel__pool_fn fn, void *arg);

/* Threads a parallel-for may use (workers + caller); 1 for NULL. */
int accel__pool_threads(const accel__pool *pool);

/* Workers running now (0 in a forked child until its first parallel-for); for tests. */
int accel__pool_workers_running(const accel__pool *pool);

#endif
