/* sample_procs.c — the process list the samplers share (sample.h). */
#include "discover/sample.h"

#include <stdlib.h>
#include <string.h>

void accel__proc_list_add(accel__proc_list *l, int pid, int64_t mem, int sum)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].pid != pid) continue;
        int64_t *m = &l->v[i].mem;
        if (mem < 0) return;
        if (*m < 0)
            *m = mem;
        else if (sum)
            *m += mem;
        else if (mem > *m)
            *m = mem;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct accel__proc_entry *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].pid = pid;
    l->v[l->n].mem = mem;
    l->n++;
}

static int by_memory(const void *a, const void *b)
{
    const struct accel__proc_entry *x = a, *y = b;
    if (x->mem != y->mem) return x->mem > y->mem ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void accel__proc_list_emit(accel__proc_list *l, accel_device_process *procs, size_t stride,
                           size_t cap, size_t *n)
{
    /* the biggest users first: with a short array, those are the ones worth showing */
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, by_memory);
    for (size_t i = 0; i < l->n && i < cap; i++) {
        accel_device_process *p = (accel_device_process *)((char *)procs + i * stride);
        size_t sz = stride < sizeof *p ? stride : sizeof *p;
        memset(p, 0, sz);
        p->struct_size = sz;
        p->pid = l->v[i].pid;
        p->mem_used = l->v[i].mem;
        if (sz >= offsetof(accel_device_process, name) + sizeof p->name) {
            char path[512], comm[64] = "";
            snprintf(path, sizeof path, "%s/%d/comm", accel__procfs_root(), p->pid);
            if (accel__read_text(path, comm, sizeof comm) != 0) comm[0] = '\0';
            comm[strcspn(comm, "\n")] = '\0';
            accel__strlcpy(p->name, comm, sizeof p->name);
        }
    }
    *n = l->n;
    free(l->v);
    memset(l, 0, sizeof *l);
}
