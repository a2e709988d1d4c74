/* kernel_runner.c — see kernel_runner.h. The kernels are compiled here, in this file, from the
 * same src/kernels/<family>.kern files the GPU builds use, through dialect.h's plain-C
 * branch. */
#include "kernel_runner.h"

#include "fiber.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
/* A kernel missing from AKR_KERNELS below is an unused static function: the build warns. */
#include "basic.kern"
#include "audio.kern"
#include "image.kern"

/* ---- the table: every kernel and its arguments -------------------------------------------
 * One line per kernel: its name and its argument list, argument i written as PTR(type, i)
 * (a device pointer to `type`), I32(i) (int), I64(i) (ak_i64) or F32(i) (float). The list is
 * expanded three times: as the kernel's parameter types (checked against the kernel's own at
 * compile time), as the values one work item reads through the launch's parameter pointers,
 * and as the argument checks made once per launch. */

#define AKR_CONVERT(D, S) (PTR(D, 0), PTR(const S, 1), I64(2), F32(3), F32(4))
#define AKR_REDUCE(P)                                                                       \
    (PTR(P, 0), PTR(const float, 1), I64(2), I64(3), I64(4), I64(5), I64(6), I64(7), I32(8))

/* image kernels of the form (out, const unsigned char *in, const ak_i64 *desc, int n) */
#define AKR_IMG_U8(D) (PTR(D, 0), PTR(const unsigned char, 1), PTR(const ak_i64, 2), I32(3))

#define AKR_KERNELS(X)                                                                      \
    X(ak_fill_f32, (PTR(float, 0), I32(1), F32(2)))                                         \
    X(ak_convert_u8_f32, AKR_CONVERT(float, unsigned char))                                 \
    X(ak_convert_i16_f32, AKR_CONVERT(float, short))                                        \
    X(ak_convert_i32_f32, AKR_CONVERT(float, int))                                          \
    X(ak_convert_f16_f32, AKR_CONVERT(float, unsigned short))                               \
    X(ak_convert_f32_f32, AKR_CONVERT(float, float))                                        \
    X(ak_convert_u8_f16, AKR_CONVERT(unsigned short, unsigned char))                        \
    X(ak_convert_i16_f16, AKR_CONVERT(unsigned short, short))                               \
    X(ak_convert_i32_f16, AKR_CONVERT(unsigned short, int))                                 \
    X(ak_convert_f16_f16, AKR_CONVERT(unsigned short, unsigned short))                      \
    X(ak_convert_f32_f16, AKR_CONVERT(unsigned short, float))                               \
    X(ak_reduce_f64, AKR_REDUCE(double))                                                    \
    X(ak_reduce_ff, AKR_REDUCE(float))                                                      \
    X(ak_audio_frames_f,                                                                    \
      (PTR(float, 0), PTR(const float, 1), PTR(const float, 2), I64(3), I64(4), I64(5),     \
       I32(6), I32(7), I32(8), I32(9), I32(10), I32(11), I64(12), I64(13)))                 \
    X(ak_audio_dft_f, (PTR(float, 0), PTR(const float, 1), PTR(const float, 2), I32(3),     \
                       I32(4), I32(5), I32(6)))                                             \
    X(ak_audio_mel_f, (PTR(float, 0), PTR(const float, 1), PTR(const int, 2),               \
                       PTR(const float, 3), I32(4), I32(5), I32(6), I32(7)))                \
    X(ak_audio_frames_d, (PTR(double, 0), PTR(const float, 1), I64(2), I64(3), I64(4),      \
                          I32(5), I32(6), I32(7), I32(8), I32(9), I32(10), I64(11), F32(12))) \
    X(ak_audio_kaldi_pre, (PTR(double, 0), PTR(double, 1), PTR(const double, 2),            \
                           PTR(const double, 3), I64(4), I32(5), I32(6), I32(7), I32(8)))   \
    X(ak_audio_dft_d, (PTR(double, 0), PTR(const double, 1), PTR(const double, 2), I32(3),  \
                       I32(4), I32(5), I32(6)))                                             \
    X(ak_audio_logmel_f,                                                                    \
      (PTR(float, 0), PTR(const float, 1), PTR(const float, 2), PTR(const float, 3),        \
       PTR(const int, 4), PTR(const float, 5), I64(6), I64(7), I64(8), I32(9), I32(10),     \
       I32(11), I32(12), I32(13), I32(14), I64(15), I64(16), I32(17), I32(18), I32(19),     \
       I32(20), I32(21)))                                                                   \
    X(ak_audio_mel_d, (PTR(float, 0), PTR(const double, 1), PTR(const double, 2),           \
                       PTR(const int, 3), PTR(const float, 4), I32(5), I32(6), I32(7),      \
                       I32(8), F32(9)))                                                     \
    X(ak_audio_fbank_d,                                                                     \
      (PTR(float, 0), PTR(const float, 1), PTR(const double, 2), PTR(const double, 3),      \
       PTR(const double, 4), PTR(const int, 5), PTR(const float, 6), I64(7), I64(8),        \
       I64(9), I32(10), I32(11), I32(12), I32(13), I32(14), I32(15), I64(16), F32(17),      \
       I32(18), I32(19), I32(20), I32(21), F32(22), I32(23), I32(24), PTR(const int, 25), \
       I32(26)))                                                                            \
    X(ak_audio_fbank_f,                                                                     \
      (PTR(float, 0), PTR(int, 1), PTR(const float, 2), PTR(const float, 3),                \
       PTR(const float, 4), PTR(const int, 5), PTR(const float, 6), I64(7), I64(8), I64(9), \
       I32(10), I32(11), I32(12), I32(13), I32(14), I32(15), I64(16), F32(17), F32(18),     \
       F32(19), I32(20), I32(21), I32(22), I32(23), F32(24), I32(25), I32(26), F32(27)))    \
    X(ak_audio_fbank_fd,                                                                    \
      (PTR(float, 0), PTR(int, 1), PTR(const float, 2), PTR(const float, 3),                \
       PTR(const float, 4), PTR(const int, 5), PTR(const float, 6), I64(7), I64(8), I64(9), \
       I32(10), I32(11), I32(12), I32(13), I32(14), I32(15), I64(16), F32(17), F32(18),     \
       F32(19), I32(20), I32(21), I32(22), I32(23), F32(24), I32(25), I32(26), F32(27)))    \
    X(ak_audio_kaldi_ff,                                                                    \
      (PTR(float, 0), PTR(float, 1), PTR(const float, 2), PTR(const float, 3),              \
       PTR(const int, 4), I32(5), I64(6), I64(7), I64(8), I32(9), I32(10), I32(11),         \
       I32(12), I32(13), I32(14), I64(15), F32(16), F32(17), F32(18), F32(19), I32(20)))    \
    X(ak_audio_dft_ff, (PTR(float, 0), PTR(const float, 1), PTR(const float, 2), I32(3),    \
                        I32(4), I32(5), I32(6), I32(7)))                                    \
    X(ak_audio_mel_kf, (PTR(float, 0), PTR(const float, 1), PTR(const float, 2),            \
                        PTR(const int, 3), PTR(const float, 4), I32(5), I32(6), I32(7),     \
                        I32(8), F32(9)))                                                    \
    X(ak_img_gray, AKR_IMG_U8(unsigned char))                                               \
    X(ak_img_resize, (PTR(unsigned char, 0), PTR(const unsigned char, 1), PTR(const int, 2), \
                      PTR(const ak_i64, 3), I32(4)))                                        \
    X(ak_img_blob, (PTR(float, 0), PTR(const unsigned char, 1), PTR(const ak_i64, 2),       \
                    I32(3), F32(4), F32(5), F32(6), F32(7)))                                \
    X(ak_img_warp, (PTR(unsigned char, 0), PTR(const unsigned char, 1), PTR(const int, 2),  \
                    PTR(const ak_i64, 3), I32(4)))                                          \
    X(ak_img_quality, AKR_IMG_U8(ak_i64))                                                   \
    X(ak_img_clahe_lut, AKR_IMG_U8(unsigned char))                                          \
    X(ak_img_clahe_apply, AKR_IMG_U8(unsigned char))

/* 1. The listed types are the kernel's parameter types (qualifiers of the parameters
 *    themselves, such as restrict, are not part of a function's type). */
#define PTR(T, i) T *
#define I32(i) int
#define I64(i) ak_i64
#define F32(i) float
#define AKR_SAME_TYPE(name, args)                                                           \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), void (*) args),          \
                   "AKR_KERNELS: the arguments listed for " #name " are not its parameters");
AKR_KERNELS(AKR_SAME_TYPE)
#undef PTR
#undef I32
#undef I64
#undef F32

/* 2. One work item: each argument read through its parameter pointer. A device pointer is a
 *    64-bit value (CUdeviceptr, or a HIP device pointer). */
#define PTR(T, i) ((T *)(uintptr_t) * (const uint64_t *)p_[i])
#define I32(i) (*(const int *)p_[i])
#define I64(i) (*(const ak_i64 *)p_[i])
#define F32(i) (*(const float *)p_[i])
#define AKR_ITEM(name, args)                                                                \
    static void item_##name(void *params)                                                   \
    {                                                                                       \
        void **p_ = params;                                                                 \
        name args;                                                                          \
    }
AKR_KERNELS(AKR_ITEM)
#undef PTR
#undef I32
#undef I64
#undef F32

/* 3. The checks of one launch's arguments (or, with no params, the count). */
typedef struct argcheck {
    void **params;       /* NULL: count only */
    const akr_launch *l;
    const char *kernel;
    int n;               /* arguments listed */
    uint64_t listed;     /* bit i: argument i was listed */
    akr_status st;
    char *why;
    size_t cap;
} argcheck;

static void arg_listed(argcheck *c, int i)
{
    if (i + 1 > c->n) c->n = i + 1;
    c->listed |= (uint64_t)1 << i;
}

static void arg_val(argcheck *c, int i) { arg_listed(c, i); }

static void arg_ptr(argcheck *c, int i, size_t size, size_t align)
{
    arg_listed(c, i);
    if (!c->params || c->st != AKR_OK) return;
    const void *p = (const void *)(uintptr_t) * (const uint64_t *)c->params[i];
    if (!p) return; /* a kernel may be passed no buffer for an argument it does not touch */
    if ((uintptr_t)p % align) {
        c->st = AKR_MISALIGNED;
        snprintf(c->why, c->cap, "%s: argument %d (%p) is not aligned to %zu bytes", c->kernel,
                 i, p, align);
    } else if (c->l->device_memory && !c->l->device_memory(p, size, c->l->user)) {
        c->st = AKR_BAD_POINTER;
        snprintf(c->why, c->cap, "%s: argument %d (%p) is not in device memory", c->kernel, i,
                 p);
    }
}

#define PTR(T, i) arg_ptr(c_, i, sizeof(T), _Alignof(T))
#define I32(i) arg_val(c_, i)
#define I64(i) arg_val(c_, i)
#define F32(i) arg_val(c_, i)
#define AKR_CHECK(name, args)                                                               \
    static void check_##name(argcheck *c_) { (void)args; }
AKR_KERNELS(AKR_CHECK)
#undef PTR
#undef I32
#undef I64
#undef F32

typedef struct akr_kernel {
    const char *name;
    void (*item)(void *params);
    void (*check)(argcheck *c);
} akr_kernel;

#define AKR_ENTRY(name, args) {#name, item_##name, check_##name},
static const akr_kernel kernels[] = {AKR_KERNELS(AKR_ENTRY)};
#define N_KERNELS (sizeof kernels / sizeof *kernels)

size_t akr_kernel_count(void) { return N_KERNELS; }
const char *akr_kernel_name(size_t i) { return i < N_KERNELS ? kernels[i].name : NULL; }

int akr_kernel_find(const char *name)
{
    for (size_t i = 0; name && i < N_KERNELS; i++)
        if (strcmp(kernels[i].name, name) == 0) return (int)i;
    return -1;
}

/* The count pass; -1 when the list does not number its arguments 0, 1, 2, … */
int akr_kernel_arity(size_t i)
{
    if (i >= N_KERNELS) return -1;
    argcheck c = {0};
    kernels[i].check(&c);
    return c.n < 64 && c.listed == (((uint64_t)1 << c.n) - 1) ? c.n : -1;
}

const char *akr_status_name(akr_status st)
{
    switch (st) {
    case AKR_OK: return "ok";
    case AKR_NOT_FOUND: return "kernel not found";
    case AKR_BAD_ARGS: return "bad arguments";
    case AKR_BAD_POINTER: return "pointer outside device memory";
    case AKR_MISALIGNED: return "misaligned pointer";
    case AKR_SHARED_LIMIT: return "too much shared memory";
    case AKR_DIVERGENT: return "divergent barrier";
    case AKR_NO_MEMORY: return "out of memory";
    }
    return "unknown";
}

const char *akr_switch_kind(void) { return akr_fiber_kind(); }

/* ---- the engine: work-groups, one at a time in the process ------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define ITEM_STACK ((size_t)256 << 10) /* instrumented frames are several times larger */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ITEM_STACK ((size_t)256 << 10)
#endif
#endif
#ifndef ITEM_STACK
#define ITEM_STACK ((size_t)64 << 10)
#endif

#define MAX_REGIONS 64

enum { READY, RUNNING, AT_BARRIER, DONE };

typedef struct item_slot {
    akr_fiber fiber;
    ak_c_item ids;
    int state;
    int line; /* of the barrier it waits at */
} item_slot;

typedef struct region {
    void *p;
    size_t bytes;
    const void *key;
} region;

/* The engine's state. One for the whole process, under `lock`: the kernels' shared arrays
 * are plain statics, so one group runs at a time (launches from several threads take turns).
 * Globals rather than thread-locals also keep the switch between items and every index macro
 * free of calls into the dynamic loader, which thread-locals in a dlopen'ed library (the
 * stand-in drivers) would cost. */
typedef struct runner {
    akr_sched sched;
    item_slot *items; /* AKR_MAX_GROUP slots; fibers made for the first n_fibers */
    size_t n_fibers;
    item_slot *cur; /* the item running now, NULL in the scheduler */
    void (*body)(void *);
    void *arg;
    const void *key;
    const char *what;
    size_t dynamic_shared, shared_limit, static_shared;
    int shared_over; /* a region registered during this launch went over the limit */
    region regions[MAX_REGIONS]; /* every kernel's shared memory seen so far */
    int n_regions;
} runner;

const ak_c_item *ak_c_current;
static runner the_runner, *active; /* active: &the_runner while a launch runs */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int launching; /* this thread holds `lock` */

static void die_outside(const char *what)
{
    fprintf(stderr, "kernel runner: %s called outside a work item of a launch\n", what);
    abort();
}

static void item_entry(void)
{
    runner *r = active;
    akr_fiber_started(&r->sched);
    item_slot *it = r->cur;
    r->body(r->arg);
    it->state = DONE;
    akr_fiber_exit(&r->sched, &it->fiber);
}

void ak_c_barrier(int line)
{
    runner *r = active;
    if (!r || !r->cur) die_outside("AK_BARRIER");
    item_slot *it = r->cur;
    it->state = AT_BARRIER;
    it->line = line;
    akr_fiber_yield(&r->sched, &it->fiber);
}

void ak_c_local(void *p, size_t bytes)
{
    runner *r = active;
    if (!r || !r->cur) die_outside("AK_LOCAL_ARRAY");
    for (int i = 0; i < r->n_regions; i++)
        if (r->regions[i].p == p) return;
    if (r->n_regions == MAX_REGIONS) {
        fprintf(stderr, "kernel runner: %s: more than %d shared arrays in all kernels\n", r->what,
                MAX_REGIONS);
        abort();
    }
    /* The first item to declare it, before any item could have written it. */
    r->regions[r->n_regions++] = (region){p, bytes, r->key};
    memset(p, 0xFF, bytes);
    r->static_shared += bytes;
    if (r->static_shared + r->dynamic_shared > r->shared_limit) r->shared_over = 1;
}

static int ensure_fibers(runner *r, size_t n)
{
    if (!r->items && !(r->items = calloc(AKR_MAX_GROUP, sizeof *r->items))) return -1;
    while (r->n_fibers < n) {
        if (akr_fiber_init(&r->items[r->n_fibers].fiber, ITEM_STACK) != 0) return -1;
        r->n_fibers++;
    }
    return 0;
}

static akr_status shared_error(const runner *r, char *why, size_t cap)
{
    snprintf(why, cap,
             "%s: %zu bytes of shared memory (%zu static + %zu dynamic) exceed the device's "
             "%zu per block",
             r->what, r->static_shared + r->dynamic_shared, r->static_shared, r->dynamic_shared,
             r->shared_limit);
    return AKR_SHARED_LIMIT;
}

/* The indices that are the same in every group of a launch. */
static void set_item_ids(runner *r, const akr_launch *l)
{
    const unsigned *b = l->block;
    size_t n = (size_t)b[0] * b[1] * b[2];
    for (size_t i = 0; i < n; i++) {
        ak_c_item *ids = &r->items[i].ids;
        unsigned t[3] = {(unsigned)(i % b[0]), (unsigned)(i / b[0] % b[1]),
                         (unsigned)(i / b[0] / b[1])};
        for (int d = 0; d < 3; d++) {
            ids->local_id[d] = (int)t[d];
            ids->local_size[d] = (int)b[d];
            ids->num_groups[d] = (int)l->grid[d];
        }
    }
}

/* Resumes every item that has not returned, once, in the round's order (alternating), and
 * counts how the items ended it: *done returned, *waiting at a barrier, whose line is *line;
 * *other is another line some item waits at (0 when they all wait at one). */
static void run_round(runner *r, size_t n, int round, size_t *done, size_t *waiting, int *line,
                      int *other)
{
    *done = *waiting = 0;
    *line = *other = 0;
    for (size_t k = 0; k < n; k++) {
        item_slot *it = &r->items[(round & 1) ? n - 1 - k : k];
        if (it->state != DONE) {
            it->state = RUNNING;
            r->cur = it;
            ak_c_current = &it->ids;
            akr_fiber_resume(&r->sched, &it->fiber);
        }
        if (it->state == DONE) {
            (*done)++;
        } else if ((*waiting)++ == 0) {
            *line = it->line;
        } else if (it->line != *line) {
            *other = it->line;
        }
    }
    r->cur = NULL;
    ak_c_current = NULL;
}

/* One work-group: rounds until every item has returned; between rounds every item that has
 * not returned waits at the same barrier. */
static akr_status run_group(runner *r, const unsigned g[3], const akr_launch *l, char *why,
                            size_t cap)
{
    const unsigned *b = l->block;
    size_t n = (size_t)b[0] * b[1] * b[2];
    for (int i = 0; i < r->n_regions; i++)
        if (r->regions[i].key == r->key) memset(r->regions[i].p, 0xFF, r->regions[i].bytes);
    for (size_t i = 0; i < n; i++) { /* the rest of ids is the launch's (set_item_ids) */
        item_slot *it = &r->items[i];
        for (int d = 0; d < 3; d++) {
            it->ids.group_id[d] = (int)g[d];
            it->ids.global_id[d] = (int)(g[d] * b[d]) + it->ids.local_id[d];
        }
        it->state = READY;
        akr_fiber_prepare(&it->fiber, item_entry);
    }
    for (int round = 0;; round++) {
        size_t done, waiting;
        int line, other;
        run_round(r, n, round, &done, &waiting, &line, &other);
        if (r->shared_over) return shared_error(r, why, cap);
        if (!waiting) return AKR_OK;
        if (done) {
            snprintf(why, cap,
                     "%s: divergent barrier in group (%u, %u, %u): %zu of %zu items wait at the "
                     "barrier on line %d, %zu have returned",
                     r->what, g[0], g[1], g[2], waiting, n, line, done);
            return AKR_DIVERGENT;
        }
        if (other) {
            snprintf(why, cap,
                     "%s: divergent barrier in group (%u, %u, %u): items wait at the barriers on "
                     "lines %d and %d",
                     r->what, g[0], g[1], g[2], line, other);
            return AKR_DIVERGENT;
        }
    }
}

akr_status akr_run_grid(void (*body)(void *arg), void *arg, const void *key, const char *what,
                        const akr_launch *l, char *why, size_t cap)
{
    why[0] = '\0';
    const unsigned *g = l->grid, *b = l->block;
    unsigned long long n = (unsigned long long)b[0] * b[1] * b[2];
    if (!g[0] || !g[1] || !g[2] || !n || n > AKR_MAX_GROUP) {
        snprintf(why, cap,
                 "%s: grid (%u, %u, %u) of groups (%u, %u, %u): not a launch the runner takes "
                 "(1 to %d items per group)",
                 what, g[0], g[1], g[2], b[0], b[1], b[2], AKR_MAX_GROUP);
        return AKR_BAD_ARGS;
    }
    if (launching) { /* from a kernel body: the lock is ours */
        snprintf(why, cap, "%s: launched from inside %s", what, the_runner.what);
        return AKR_BAD_ARGS;
    }
    pthread_mutex_lock(&lock);
    launching = 1;
    runner *r = &the_runner;
    akr_status st = AKR_OK;
    if (ensure_fibers(r, (size_t)n) != 0) {
        snprintf(why, cap, "%s: no memory for %llu work items' stacks", what, n);
        st = AKR_NO_MEMORY;
    }
    r->body = body;
    r->arg = arg;
    r->key = key;
    r->what = what;
    r->dynamic_shared = l->dynamic_shared;
    r->shared_limit = l->shared_limit;
    r->shared_over = 0;
    r->static_shared = 0;
    for (int i = 0; i < r->n_regions; i++)
        if (r->regions[i].key == key) r->static_shared += r->regions[i].bytes;
    if (st == AKR_OK && r->static_shared + r->dynamic_shared > r->shared_limit)
        st = shared_error(r, why, cap);
    active = r;
    if (st == AKR_OK) set_item_ids(r, l);
    unsigned grp[3];
    for (grp[2] = 0; st == AKR_OK && grp[2] < g[2]; grp[2]++)
        for (grp[1] = 0; st == AKR_OK && grp[1] < g[1]; grp[1]++)
            for (grp[0] = 0; st == AKR_OK && grp[0] < g[0]; grp[0]++)
                st = run_group(r, grp, l, why, cap);
    active = NULL;
    launching = 0;
    pthread_mutex_unlock(&lock);
    return st;
}

akr_status akr_launch_kernel(const char *name, const akr_launch *l, char *why, size_t cap)
{
    why[0] = '\0';
    int k = akr_kernel_find(name);
    if (k < 0) {
        snprintf(why, cap,
                 "%s: no C build of this kernel in the kernel runner (add it to AKR_KERNELS in "
                 "tests/gpu/fake_gpu/kernel_runner.c)",
                 name ? name : "(null)");
        return AKR_NOT_FOUND;
    }
    const akr_kernel *kn = &kernels[k];
    int arity = akr_kernel_arity((size_t)k);
    int given = 0;
    while (given < arity && l->params && l->params[given]) given++;
    if (!l->params || given < arity || l->params[arity]) {
        snprintf(why, cap, "%s: launched with %s%d arguments; it takes %d", name,
                 given < arity ? "" : "more than ", given, arity);
        return AKR_BAD_ARGS;
    }
    argcheck c = {.params = l->params, .l = l, .kernel = name, .why = why, .cap = cap};
    kn->check(&c);
    if (c.st != AKR_OK) return c.st;
    return akr_run_grid(kn->item, l->params, kn, name, l, why, cap);
}
