/* sample.h — what the samplers (sample_nvml.c, sample_drm.c, sample_cpu.c) share: the list of
 * processes using a device, gathered from one or more sources (NVML's compute and graphics
 * lists, DRM clients), each process once, then written to the caller's array. */
#ifndef ACCEL_DISCOVER_SAMPLE_H
#define ACCEL_DISCOVER_SAMPLE_H

#include "core/internal.h"

typedef struct accel__proc_list {
    struct accel__proc_entry {
        int pid;
        int64_t mem; /* bytes, -1 unknown */
    } *v;
    size_t n, cap;
    int oom;
} accel__proc_list;

/* Adds `mem` bytes for process `pid`. A pid already listed keeps one entry: with `sum` its
 * memory is added (several DRM clients of one process), otherwise the larger figure stays
 * (a process NVML lists both as compute and as graphics). */
void accel__proc_list_add(accel__proc_list *l, int pid, int64_t mem, int sum);
/* Writes the list to the caller's array (up to cap elements of `stride` bytes, names from
 * <procfs>/PID/comm), sets *n to the number of processes, and frees the list. */
void accel__proc_list_emit(accel__proc_list *l, accel_device_process *procs, size_t stride,
                           size_t cap, size_t *n);

#endif
