/* fiber.h — the coroutines the kernel runner runs work items on: each fiber has its own stack
 * and runs until it yields back to the scheduler (the thread's own stack) or exits.
 *
 * Two implementations, chosen at build time: on x86-64 a stack switch of a few instructions
 * (the callee-saved registers), because a work-group of 256 items crossing 20 barriers
 * switches 10,000 times and glibc's swapcontext makes a system call each time; elsewhere, or
 * with AKR_FIBER_UCONTEXT defined, POSIX ucontext. Builds with
 * AddressSanitizer tell it about every switch (__sanitizer_start/finish_switch_fiber), so it
 * follows the stacks. Not thread-safe by itself: one scheduler per thread. */
#ifndef ACCEL_TEST_FIBER_H
#define ACCEL_TEST_FIBER_H

#include <stddef.h>

#if !defined(AKR_FIBER_UCONTEXT) && !(defined(__x86_64__) && !defined(_WIN32))
#define AKR_FIBER_UCONTEXT 1
#endif
/* A shadow stack (CET, -fcf-protection with SHSTK) needs the C library's own switch. */
#if !defined(AKR_FIBER_UCONTEXT) && defined(__CET__) && (__CET__ & 2)
#define AKR_FIBER_UCONTEXT 1
#endif

#ifdef AKR_FIBER_UCONTEXT
#include <ucontext.h>
#endif

/* Where a thread's scheduler runs: its own stack. */
typedef struct akr_sched {
#ifdef AKR_FIBER_UCONTEXT
    ucontext_t uc;
#else
    void *sp;
#endif
    void *asan_fake;    /* AddressSanitizer's fake stack of the scheduler while a fiber runs */
    const void *bottom; /* the scheduler's stack, as AddressSanitizer reports it */
    size_t size;
} akr_sched;

typedef struct akr_fiber {
#ifdef AKR_FIBER_UCONTEXT
    ucontext_t uc;
#else
    void *sp;
#endif
    unsigned char *map; /* the mapping: a guard page, then the stack */
    size_t map_size;
    unsigned char *stack; /* lowest usable address */
    size_t stack_size;
    void *asan_fake;
} akr_fiber;

/* "x86-64 stack switch" or "ucontext": what this build uses. */
const char *akr_fiber_kind(void);

/* Maps a stack of `size` bytes (rounded up to pages) with an inaccessible guard page below
 * it, so an overflow faults instead of overwriting a neighbour. Returns 0, or -1 (errno). */
int akr_fiber_init(akr_fiber *f, size_t size);
void akr_fiber_destroy(akr_fiber *f);

/* Makes the fiber start `entry` from the top of its stack at its next resume. `entry` must
 * call akr_fiber_started() first and end with akr_fiber_exit(), never return. */
void akr_fiber_prepare(akr_fiber *f, void (*entry)(void));

/* Scheduler → fiber: runs it until it yields or exits. */
void akr_fiber_resume(akr_sched *s, akr_fiber *f);
/* Fiber → scheduler, to be resumed later where it left off. */
void akr_fiber_yield(akr_sched *s, akr_fiber *f);
/* Fiber → scheduler for good (its stack may be prepared again). */
void akr_fiber_exit(akr_sched *s, akr_fiber *f) __attribute__((noreturn));
/* First thing an entry function does. */
void akr_fiber_started(akr_sched *s);

#endif
