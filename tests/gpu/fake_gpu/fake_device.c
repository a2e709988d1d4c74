/* fake_device.c — see fake_device.h. */
#include "fake_device.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GUARD 256 /* bytes before and after every allocation; also its alignment */

typedef struct alloc {
    unsigned char *base; /* GUARD bytes, then p[0..n), then the tail guard */
    unsigned char *p;
    size_t n, whole;
    int dev;
    struct alloc *next;
} alloc;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static alloc *allocs;
static size_t used[FAKE_MAX_DEVICES];
static size_t total;
static pthread_once_t total_once = PTHREAD_ONCE_INIT;

/* A size in MiB from the environment, or `dflt` when unset or not a number. */
static size_t env_mib(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long long mb = v && *v ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *end || mb > (1ull << 24)) return dflt;
    return (size_t)mb << 20;
}

static void read_total(void) { total = env_mib("ACCEL_FAKE_GPU_MEMORY_MB", (size_t)256 << 20); }

size_t fake_total(void)
{
    pthread_once(&total_once, read_total);
    return total;
}

static int valid_dev(int dev) { return dev == FAKE_HOST || (dev >= 0 && dev < FAKE_MAX_DEVICES); }

size_t fake_used(int dev)
{
    if (dev < 0 || dev >= FAKE_MAX_DEVICES) return 0;
    pthread_mutex_lock(&lock);
    size_t u = used[dev];
    pthread_mutex_unlock(&lock);
    return u;
}

fake_rc fake_alloc(int dev, size_t n, void **p)
{
    if (n == 0 || !valid_dev(dev)) return FAKE_INVALID;
    size_t cap = fake_total();
    size_t stolen = dev == FAKE_HOST ? 0 : env_mib("ACCEL_FAKE_GPU_STOLEN_MB", 0);
    if (n > SIZE_MAX / 2) return FAKE_OOM;
    alloc *a = calloc(1, sizeof *a);
    if (!a) return FAKE_OOM;
    a->whole = (n + 3 * GUARD - 1) / GUARD * GUARD; /* guard, n rounded up, guard */
    a->n = n;
    a->dev = dev;
    pthread_mutex_lock(&lock);
    int oom = dev != FAKE_HOST && (n > cap - used[dev] || stolen > cap - used[dev] - n);
    if (!oom && dev != FAKE_HOST) used[dev] += n; /* reserved before the lock is let go */
    pthread_mutex_unlock(&lock);
    if (oom || !(a->base = aligned_alloc(GUARD, a->whole))) {
        if (!oom) {
            pthread_mutex_lock(&lock);
            used[dev] -= n;
            pthread_mutex_unlock(&lock);
        }
        free(a);
        return FAKE_OOM;
    }
    memset(a->base, 0xFF, a->whole);
    a->p = a->base + GUARD;
    pthread_mutex_lock(&lock);
    a->next = allocs;
    allocs = a;
    pthread_mutex_unlock(&lock);
    *p = a->p;
    return FAKE_OK;
}

fake_rc fake_free(int dev, void *p)
{
    pthread_mutex_lock(&lock);
    for (alloc **pp = &allocs; *pp; pp = &(*pp)->next) {
        alloc *a = *pp;
        if (a->p != p || a->dev != dev) continue;
        *pp = a->next;
        if (dev != FAKE_HOST) used[dev] -= a->n;
        pthread_mutex_unlock(&lock);
        free(a->base);
        free(a);
        return FAKE_OK;
    }
    pthread_mutex_unlock(&lock);
    return FAKE_INVALID;
}

int fake_in_device(int dev, const void *p, size_t n)
{
    const unsigned char *q = p;
    pthread_mutex_lock(&lock);
    const alloc *a = allocs;
    for (; a; a = a->next)
        if (a->dev == dev && q >= a->p && q <= a->p + a->n && n <= (size_t)(a->p + a->n - q))
            break;
    pthread_mutex_unlock(&lock);
    return a != NULL;
}

/* 1 when an allocation of `dev` had guard bytes changed: *p and *n say which, *at is the first
 * changed byte's offset from its start (negative: before it). The guards are restored, so
 * the damage is reported once. */
static int damaged_guard(int dev, void **p, size_t *n, long long *at)
{
    pthread_mutex_lock(&lock);
    for (const alloc *a = allocs; a; a = a->next) {
        if (a->dev != dev) continue;
        size_t tail = a->whole - GUARD - a->n, i;
        const unsigned char *g[2] = {a->base, a->p + a->n};
        const size_t len[2] = {GUARD, tail};
        for (int k = 0; k < 2; k++) {
            for (i = 0; i < len[k] && g[k][i] == 0xFF; i++) continue;
            if (i == len[k]) continue;
            *at = k == 0 ? (long long)i - GUARD : (long long)(a->n + i);
            *p = a->p;
            *n = a->n;
            memset(a->base, 0xFF, GUARD);
            memset(a->p + a->n, 0xFF, tail);
            pthread_mutex_unlock(&lock);
            return 1;
        }
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

typedef struct launch_dev {
    int dev;
} launch_dev;

static int in_launch_device(const void *p, size_t n, void *user)
{
    return fake_in_device(((const launch_dev *)user)->dev, p, n);
}

akr_status fake_launch(const char *who, int dev, const char *kernel, const unsigned grid[3],
                       const unsigned block[3], size_t dynamic_shared, size_t shared_limit,
                       void **params)
{
    const char *trace = getenv("ACCEL_FAKE_GPU_TRACE");
    if (trace && strcmp(trace, "1") == 0)
        fprintf(stderr, "%s: %s on device %d, grid (%u, %u, %u), block (%u, %u, %u)\n", who,
                kernel, dev, grid[0], grid[1], grid[2], block[0], block[1], block[2]);
    launch_dev ld = {dev};
    akr_launch l = {{grid[0], grid[1], grid[2]},
                    {block[0], block[1], block[2]},
                    dynamic_shared,
                    shared_limit,
                    params,
                    in_launch_device,
                    &ld};
    char why[512];
    akr_status st = akr_launch_kernel(kernel, &l, why, sizeof why);
    if (st != AKR_OK) {
        fprintf(stderr, "%s: %s\n", who, why);
        return st;
    }
    void *p = NULL;
    size_t n = 0;
    long long at = 0;
    if (damaged_guard(dev, &p, &n, &at)) {
        fprintf(stderr, "%s: %s wrote outside the %zu-byte allocation at %p, at byte offset %lld\n",
                who, kernel, n, p, at);
        return AKR_BAD_POINTER;
    }
    return AKR_OK;
}

double fake_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
