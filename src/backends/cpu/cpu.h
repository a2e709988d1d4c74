/* cpu.h — what the CPU backend offers to operations' CPU code: the thread pool, the SIMD
 * level to run at, and a memory-bandwidth measurement for benchmarks.
 *
 * SIMD levels. One binary carries every variant built for its architecture; the CPU device
 * picks the best one the processor and the OS support when it opens:
 *   baseline  portable C the compiler vectorises for the target (SSE2 on x86-64, Advanced
 *             SIMD on AArch64); every processor
 *   avx2      x86-64 with AVX2 + FMA + F16C (Haswell, Zen and later)
 *   avx512    x86-64 with AVX-512F + AVX-512BW (Skylake-SP, Zen 4 and later)
 *   neon      AArch64 with Advanced SIMD (HWCAP_ASIMD): hand-written arm_neon.h kernels
 * The levels are not one ladder: avx2 and avx512 exist only on x86-64 (avx512 includes avx2),
 * neon only on AArch64. ACCEL_CPU_SIMD=baseline|avx2|avx512|neon forces a level (tests,
 * benchmarks); a level this processor or this binary cannot run (above what the CPU supports,
 * not built, or of another architecture) is replaced by the best one it can, with a warning;
 * any other value makes the CPU device fail to open with ACCEL_ERR_CONFIG naming the values
 * allowed.
 */
#ifndef ACCEL_CPU_H
#define ACCEL_CPU_H

#include "../../core/internal.h"
#include "pool.h"

typedef enum accel__simd_level {
    ACCEL__SIMD_BASELINE = 0,
    ACCEL__SIMD_AVX2 = 1,
    ACCEL__SIMD_AVX512 = 2,
    ACCEL__SIMD_NEON = 3
} accel__simd_level;
#define ACCEL__SIMD_COUNT 4 /* levels 0 .. ACCEL__SIMD_COUNT - 1 */

#define ACCEL__ENV_CPU_SIMD "ACCEL_CPU_SIMD"
#define ACCEL__CPU_SIMD_ALLOWED "baseline, avx2, avx512, neon"

/* The best level this processor and OS support and this binary carries (cpuid + xgetbv
 * through the compiler's __builtin_cpu_supports on x86-64, getauxval(AT_HWCAP) on AArch64
 * Linux). */
accel__simd_level accel__simd_detect(void);

/* 1 when this binary carries code for `level` (baseline always; the others only on their
 * architecture and when the compiler could build them). */
int accel__simd_built(accel__simd_level level);

/* 1 when the processor and the OS have the instructions of `level`, whether or not this
 * binary carries the level's basic kernels (the audio kernels have their own builds). */
int accel__simd_cpu_has(accel__simd_level level);

/* 1 when this processor can run `level` with this binary: built, and the processor and OS
 * have the instructions. */
int accel__simd_runs(accel__simd_level level);

/* The architecture a level belongs to ("x86-64", "AArch64"), or NULL for baseline. */
const char *accel__simd_arch(accel__simd_level level);

/* "baseline", "avx2", "avx512", "neon". */
const char *accel__simd_name(accel__simd_level level);

/* Parses a level name (case-insensitive); returns 0 on success, -1 for anything else. */
int accel__simd_parse(const char *text, accel__simd_level *out);

/* The level chosen for `dev` at open (ACCEL_CPU_SIMD or detected). For a device that was not
 * opened through the CPU backend, the detected level. */
accel__simd_level accel__cpu_simd(const accel__device *dev);

/* The context's pool (NULL before the CPU device opened: callers then run serially). */
accel__pool *accel__cpu_pool(const accel__device *dev);

/* Large-memcpy bandwidth of this machine in GB/s (1e9 bytes/s), counting bytes read plus
 * bytes written (a copy of B bytes moves 2B), best of several runs over buffers of `bytes`
 * each (0: 256 MiB) — larger than the caches so it measures memory. With `pool` the copy is
 * split across the pool's threads (the figure operations' CPU code is compared with); with
 * NULL one thread copies. Returns a negative value when the buffers cannot be allocated. */
double accel__cpu_membw_gbs(accel__pool *pool, size_t bytes);

/* Milliseconds one memcpy of `bytes` from src to dst takes, split as accel__cpu_membw_gbs
 * splits it (one contiguous share per pool thread). For benchmarks that interleave the
 * yardstick with the operation they measure, on machines whose bandwidth drifts. */
double accel__cpu_memcpy_ms(accel__pool *pool, void *dst, const void *src, size_t bytes);

#endif
