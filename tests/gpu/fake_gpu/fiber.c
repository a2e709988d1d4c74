/* fiber.c — see fiber.h. */
#include "fiber.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define AKR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AKR_ASAN 1
#endif
#endif

#ifdef AKR_ASAN
#include <sanitizer/common_interface_defs.h>
#define switch_start(save, bottom, size) __sanitizer_start_switch_fiber((save), (bottom), (size))
#define switch_finish(save, bottom, size) __sanitizer_finish_switch_fiber((save), (bottom), (size))
#else
#define switch_start(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define switch_finish(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#endif

#ifndef AKR_FIBER_UCONTEXT
/* akr_fiber_switch(save, load): pushes the callee-saved registers on the current stack, stores
 * the stack pointer in *save, takes `load` as the stack pointer, pops the same from there and
 * jumps to the address on top: where that stack's own akr_fiber_switch call returns to, or,
 * for a prepared stack, the fiber's entry function. A jump rather than `ret`, because the
 * return would go somewhere else than the processor's return predictor expects at every
 * switch (about three times slower).
 * MXCSR and the x87 control word are not carried: kernels have no way to change the rounding
 * or exception modes, so every fiber runs with its thread's. */
void akr_fiber_switch(void **save, void *load) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl akr_fiber_switch\n"
        ".hidden akr_fiber_switch\n"
        ".type akr_fiber_switch, @function\n"
        ".p2align 4\n"
        "akr_fiber_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    popq %rcx\n"
        "    jmp *%rcx\n"
        ".size akr_fiber_switch, .-akr_fiber_switch\n");
#endif

const char *akr_fiber_kind(void)
{
#ifdef AKR_FIBER_UCONTEXT
    return "ucontext";
#else
    return "x86-64 stack switch";
#endif
}

int akr_fiber_init(akr_fiber *f, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page - 1) / page * page;
    unsigned char *m = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return -1;
    if (mprotect(m, page, PROT_NONE) != 0) { /* the guard page: stacks grow down into it */
        munmap(m, size + page);
        return -1;
    }
    f->map = m;
    f->map_size = size + page;
    f->stack = m + page;
    f->stack_size = size;
    f->asan_fake = NULL;
    return 0;
}

void akr_fiber_destroy(akr_fiber *f)
{
    if (f->map) munmap(f->map, f->map_size);
    f->map = f->stack = NULL;
}

void akr_fiber_prepare(akr_fiber *f, void (*entry)(void))
{
#ifdef AKR_FIBER_UCONTEXT
    getcontext(&f->uc);
    f->uc.uc_stack.ss_sp = f->stack;
    f->uc.uc_stack.ss_size = f->stack_size;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, entry, 0);
#else
    /* What akr_fiber_switch pops, from the top of the stack down: a zero return address for
     * `entry` (it never returns; at entry the stack is aligned as after a call), `entry`
     * itself for the switch's jump, and six callee-saved registers (zero: rbp = 0 ends
     * backtraces). */
    uint64_t *sp = (uint64_t *)(((uintptr_t)(f->stack + f->stack_size)) & ~(uintptr_t)15);
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)entry;
    for (int i = 0; i < 6; i++) *--sp = 0;
    f->sp = sp;
#endif
    f->asan_fake = NULL;
}

void akr_fiber_resume(akr_sched *s, akr_fiber *f)
{
    switch_start(&s->asan_fake, f->stack, f->stack_size);
#ifdef AKR_FIBER_UCONTEXT
    swapcontext(&s->uc, &f->uc);
#else
    akr_fiber_switch(&s->sp, f->sp);
#endif
    switch_finish(s->asan_fake, NULL, NULL);
}

void akr_fiber_yield(akr_sched *s, akr_fiber *f)
{
    switch_start(&f->asan_fake, s->bottom, s->size);
#ifdef AKR_FIBER_UCONTEXT
    swapcontext(&f->uc, &s->uc);
#else
    akr_fiber_switch(&f->sp, s->sp);
#endif
    switch_finish(f->asan_fake, NULL, NULL);
}

void akr_fiber_exit(akr_sched *s, akr_fiber *f)
{
    switch_start(NULL, s->bottom, s->size); /* NULL: this fiber's frames are gone for good */
#ifdef AKR_FIBER_UCONTEXT
    (void)f;
    setcontext(&s->uc);
#else
    akr_fiber_switch(&f->sp, s->sp);
#endif
    __builtin_unreachable();
}

void akr_fiber_started(akr_sched *s)
{
    (void)s;
    switch_finish(NULL, &s->bottom, &s->size);
}
