/* kernel_runner.h — runs the plain-C build of accel's kernels (src/kernels/<family>.kern
 * through the C branch of src/kernels/dialect.h) the way a GPU runs them, for the stand-in
 * drivers (tests/gpu/fake_cuda, tests/gpu/fake_hip) and the tests.
 *
 * A launch runs its grid one work-group at a time on the calling thread; launches from
 * several threads take turns, since the kernels' shared arrays are plain statics. The items of
 * a group are coroutines (fiber.h), each on its own stack; AK_BARRIER() suspends an item
 * until every item of the group has reached it, and the group's AK_LOCAL_ARRAYs are shared by
 * its items, filled with a poison pattern (bytes 0xFF) before each group. Between barriers
 * the items run one after another, alternately in increasing and decreasing order, so a
 * kernel whose result depends on the order of its items (a race on shared memory) does not
 * get the one order that happens to work.
 *
 * What is checked, as a driver would or more strictly: the kernel is in the runner's table;
 * the argument count (the launch's params must hold exactly the kernel's arguments and then a
 * NULL, as accel's backends pass them); every pointer argument lies in device memory (a caller
 * callback) and is aligned for its type; static plus dynamic shared memory within the device's
 * limit; every item of a group reaches the same barriers (an item returning while others wait,
 * or items waiting at barriers on different lines, ends the launch with an error instead of
 * hanging or going on). */
#ifndef ACCEL_TEST_KERNEL_RUNNER_H
#define ACCEL_TEST_KERNEL_RUNNER_H

#include <stddef.h>

typedef enum akr_status {
    AKR_OK = 0,
    AKR_NOT_FOUND,     /* no C build of the kernel in the table */
    AKR_BAD_ARGS,      /* argument count, or a geometry the runner cannot run */
    AKR_BAD_POINTER,   /* a pointer argument outside device memory */
    AKR_MISALIGNED,    /* a pointer argument not aligned for its type */
    AKR_SHARED_LIMIT,  /* static + dynamic shared memory over the per-block limit */
    AKR_DIVERGENT,     /* a barrier that not every item of a group reached */
    AKR_NO_MEMORY,     /* no memory for the items' stacks */
} akr_status;

#define AKR_MAX_GROUP 1024 /* items per work-group */

typedef struct akr_launch {
    unsigned grid[3], block[3]; /* groups, and items per group, per dimension */
    size_t dynamic_shared;      /* bytes of dynamic shared memory asked for */
    size_t shared_limit;        /* the device's shared memory per block, static + dynamic */
    void **params;              /* params[i] points at argument i; NULL after the last */
    /* 1 when [p, p + bytes) is device memory; NULL accepts any pointer */
    int (*device_memory)(const void *p, size_t bytes, void *user);
    void *user;
} akr_launch;

/* The kernels the runner has a C build of, in table order. */
size_t akr_kernel_count(void);
const char *akr_kernel_name(size_t i);
int akr_kernel_arity(size_t i);
/* Index of `name` in the table, or -1. */
int akr_kernel_find(const char *name);

/* Launches kernel `name` over l's grid. On failure `why` says what and where, naming the
 * kernel. */
akr_status akr_launch_kernel(const char *name, const akr_launch *l, char *why, size_t cap);

/* Runs body(arg) as every work item of l's grid (l->params is not read): the engine under
 * akr_launch_kernel, for tests with their own kernels. `key` identifies the kernel (its shared
 * memory), `what` names it in messages. */
akr_status akr_run_grid(void (*body)(void *arg), void *arg, const void *key, const char *what,
                        const akr_launch *l, char *why, size_t cap);

const char *akr_status_name(akr_status st);
/* What switches between items in this build (fiber.h). */
const char *akr_switch_kind(void);

#endif
