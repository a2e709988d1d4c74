/* cuda_probe.h — the NVIDIA probe body and the text it sends back (shared by cuda_probe.c,
 * which runs in the probe child, and cuda.c, which reads the reply in the parent).
 *
 * Reply format, version 1: lines of tab-separated fields; text fields carry no tab or
 * newline (the probe replaces them with spaces). Lines are sent one by one as they are
 * known, so a child killed half-way still leaves what it had found.
 *   accel-cuda-probe 1                        first line (only when the CUDA part runs)
 *   L  <path libcuda.so.1 resolved to>
 *   V  <cuDriverGetVersion>                   e.g. 12040
 *   I  <cuInit's CUresult>                    0 on success
 *   N  <cuDeviceGetCount>
 *   D  <ordinal> <usable 0|1> <cc major> <cc minor> <SMs> <total bytes> <free bytes>
 *      <integrated 0|1> <pci bus id> <uuid> <name> <verdict>
 *   C                                         the driver API part finished
 *   ML <path libnvidia-ml.so.1 resolved to>
 *   MV <driver version string>
 *   MN <nvmlDeviceGetCount>
 *   MD <pci bus id> <uuid> <total> <free> <used> <util %> <temp C> <power mW> <name>
 *   MF <why NVML gave nothing>
 *   MC                                        the NVML part finished
 * The parent appends, before caching (cuda.c):
 *   PO <ok> <timed out> <signal> <exit code> <elapsed ms>    of the probe that ran CUDA
 *   PW <its verdict>      PM <verdict of the probe that ran NVML>
 *   PL <identity of the libcuda file>   PN <identity of the libnvidia-ml file>
 *   PE                                        end of a complete record */
#ifndef ACCEL_DISCOVER_CUDA_PROBE_H
#define ACCEL_DISCOVER_CUDA_PROBE_H

#include "core/internal.h"

#define ACCEL__CUDA_REPLY_MAGIC "accel-cuda-probe 1"

typedef struct accel__cuda_probe_args {
    int want_cuda; /* run the driver API part */
    int want_nvml; /* run the NVML part */
} accel__cuda_probe_args;

/* accel__probe_fn: runs the parts `arg` (an accel__cuda_probe_args) asks for in the probe
 * child, sending reply lines; returns 0, or 3 after accel__probe_fail() when the driver API
 * part failed. */
int accel__cuda_probe_body(void *arg, accel__probe_chan *chan);

/* Runs the driver API part in this process (used when libcuda.so.1 is already loaded here:
 * a forked child must not use a driver its parent initialised). *text is malloc'd; `fail`
 * receives the reason when it returns non-zero. */
int accel__cuda_probe_here(char **text, size_t *len, char *fail, size_t cap);

#endif
