/* dialect.h — one kernel source, four compilers: CUDA (nvcc/NVRTC), HIP (hipcc), OpenCL C and
 * plain C (tests run the same kernel bodies on the host, see the end of this comment).
 *
 * A kernel is written as
 *
 *     AK_KERNEL void ak_scale(AK_GLOBAL float *y, AK_GLOBAL const float *x, int n, float s)
 *     {
 *         int i = AK_GLOBAL_ID(0);
 *         if (i < n) y[i] = x[i] * s;
 *     }
 *
 * Rules that keep the source portable: only AK_* for qualifiers, indices and barriers; scalar
 * arguments are int, unsigned, float or long long (ak_i64); no pointers to pointers; shared
 * memory declared with AK_LOCAL_ARRAY inside the kernel; no recursion; no printf.
 * Bits and rounding: ak_as_uint / ak_as_float reinterpret a float's bits; ak_mul_rn and
 * ak_add_rn are one multiply or add rounded to nearest even and never fused with a neighbour
 * (CUDA contracts across statements unless told not to; OpenCL C and ISO C contract only
 * within one expression, so keep such operations in separate statements there); ak_fmaf is
 * the correctly rounded fused multiply-add. ak_atomic_add(p, v) adds the int v to the int *p
 * (local or global memory) atomically, for histograms. AK_HAS_FP64 is 1 where double exists
 * (OpenCL: cl_khr_fp64 or __opencl_c_fp64), so a family can offer float64 kernels without
 * failing to build on devices that lack it.
 * Plain C: the kernels are not the CPU backend's code (it has its own SIMD code); their C build
 * serves tests, through a kernel runner (tests/gpu/fake_gpu/kernel_runner.c) that gives them a
 * GPU work-group's semantics: the items of a group run as coroutines on one thread,
 * AK_BARRIER() suspends an item until every item of its group has reached it, and an
 * AK_LOCAL_ARRAY is one block-scope `static` array shared by the group's items (valid because
 * the runner runs one group at a time in the whole process). Whatever runs C-built kernels
 * provides ak_c_current, ak_c_barrier() and ak_c_local() below.
 */
#ifndef ACCEL_KERNEL_DIALECT_H
#define ACCEL_KERNEL_DIALECT_H

#if defined(__OPENCL_C_VERSION__) || defined(__OPENCL_VERSION__)
/* ---- OpenCL C ---- */
#define AK_KERNEL __kernel
#define AK_DEVICE
#define AK_GLOBAL __global
#define AK_LOCAL __local
#define AK_CONSTANT __constant
#define AK_LOCAL_ARRAY(type, name, n) __local type name[n]
#define AK_GLOBAL_ID(d) ((int)get_global_id(d))
#define AK_LOCAL_ID(d) ((int)get_local_id(d))
#define AK_GROUP_ID(d) ((int)get_group_id(d))
#define AK_LOCAL_SIZE(d) ((int)get_local_size(d))
#define AK_NUM_GROUPS(d) ((int)get_num_groups(d))
#define AK_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define AK_RESTRICT restrict
typedef long ak_i64;
typedef ulong ak_u64;
#define ak_sqrtf sqrt
#define ak_logf log
#define ak_log10f log10
#define ak_expf exp
#define ak_cosf cos
#define ak_sinf sin
#define ak_fabsf fabs
#define ak_fmaxf fmax
#define ak_fminf fmin
#define ak_floorf floor
#define ak_rintf rint
#define ak_fmaf fma
#define ak_as_uint(f) as_uint(f)
#define ak_as_float(u) as_float(u)
#define ak_mul_rn(a, b) ((a) * (b))
#define ak_add_rn(a, b) ((a) + (b))
#define ak_atomic_add(p, v) ((void)atomic_add((p), (v)))
#if defined(cl_khr_fp64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define AK_HAS_FP64 1
#elif defined(__opencl_c_fp64)
#define AK_HAS_FP64 1
#else
#define AK_HAS_FP64 0
#endif

#elif defined(__CUDACC__) || defined(__HIPCC__) || defined(__CUDACC_RTC__)
/* ---- CUDA and HIP ---- */
#define AK_KERNEL extern "C" __global__
#define AK_DEVICE __device__
#define AK_GLOBAL
#define AK_LOCAL __shared__
#define AK_CONSTANT __constant__
#define AK_LOCAL_ARRAY(type, name, n) __shared__ type name[n]
#define AK__DIM(d) ((d) == 0 ? threadIdx.x : (d) == 1 ? threadIdx.y : threadIdx.z)
#define AK__BDIM(d) ((d) == 0 ? blockDim.x : (d) == 1 ? blockDim.y : blockDim.z)
#define AK__BID(d) ((d) == 0 ? blockIdx.x : (d) == 1 ? blockIdx.y : blockIdx.z)
#define AK__GDIM(d) ((d) == 0 ? gridDim.x : (d) == 1 ? gridDim.y : gridDim.z)
#define AK_GLOBAL_ID(d) ((int)(AK__BID(d) * AK__BDIM(d) + AK__DIM(d)))
#define AK_LOCAL_ID(d) ((int)AK__DIM(d))
#define AK_GROUP_ID(d) ((int)AK__BID(d))
#define AK_LOCAL_SIZE(d) ((int)AK__BDIM(d))
#define AK_NUM_GROUPS(d) ((int)AK__GDIM(d))
#define AK_BARRIER() __syncthreads()
#define AK_RESTRICT __restrict__
typedef long long ak_i64;
typedef unsigned long long ak_u64;
#define ak_sqrtf sqrtf
#define ak_logf logf
#define ak_log10f log10f
#define ak_expf expf
#define ak_cosf cosf
#define ak_sinf sinf
#define ak_fabsf fabsf
#define ak_fmaxf fmaxf
#define ak_fminf fminf
#define ak_floorf floorf
#define ak_rintf rintf
#define ak_fmaf fmaf
#define ak_as_uint(f) __float_as_uint(f)
#define ak_as_float(u) __uint_as_float(u)
#define ak_mul_rn(a, b) __fmul_rn((a), (b))
#define ak_add_rn(a, b) __fadd_rn((a), (b))
#define ak_atomic_add(p, v) ((void)atomicAdd((p), (v)))
#define AK_HAS_FP64 1

#else
/* ---- plain C: the kernel body runs once per work item, under a kernel runner ---- */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
typedef struct ak_c_item {
    int global_id[3], local_id[3], group_id[3], local_size[3], num_groups[3];
} ak_c_item;
/* The work item running now (the runner points it at each item before resuming it). */
extern const ak_c_item *ak_c_current;
/* Suspends the calling item until every item of its group has called it; `line` names the
 * barrier, so items waiting at different barriers are reported instead of released. */
void ak_c_barrier(int line);
/* Tells the runner that `p` (`bytes` long) is shared memory of the running kernel: it fills
 * it with a poison pattern before each group, as a GPU leaves it undefined, and counts it
 * against the device's shared memory per block. */
void ak_c_local(void *p, size_t bytes);
#define AK_KERNEL static
#define AK_DEVICE static inline
#define AK_GLOBAL
#define AK_LOCAL
#define AK_CONSTANT static const
#define AK_LOCAL_ARRAY(type, name, n) static type name[n]; ak_c_local(name, sizeof name)
#define AK_GLOBAL_ID(d) (ak_c_current->global_id[d])
#define AK_LOCAL_ID(d) (ak_c_current->local_id[d])
#define AK_GROUP_ID(d) (ak_c_current->group_id[d])
#define AK_LOCAL_SIZE(d) (ak_c_current->local_size[d])
#define AK_NUM_GROUPS(d) (ak_c_current->num_groups[d])
#define AK_BARRIER() ak_c_barrier(__LINE__)
#define AK_RESTRICT restrict
typedef long long ak_i64;
typedef unsigned long long ak_u64;
#define ak_sqrtf sqrtf
#define ak_logf logf
#define ak_log10f log10f
#define ak_expf expf
#define ak_cosf cosf
#define ak_sinf sinf
#define ak_fabsf fabsf
#define ak_fmaxf fmaxf
#define ak_fminf fminf
#define ak_floorf floorf
#define ak_rintf rintf
#define ak_fmaf fmaf
static inline unsigned ak_as_uint(float f)
{
    union { float f; unsigned u; } v;
    v.f = f;
    return v.u;
}
static inline float ak_as_float(unsigned u)
{
    union { float f; unsigned u; } v;
    v.u = u;
    return v.f;
}
#define ak_mul_rn(a, b) ((a) * (b))
#define ak_add_rn(a, b) ((a) + (b))
/* the runner switches items only at barriers, so a plain add is atomic there */
#define ak_atomic_add(p, v) ((void)(*(p) += (v)))
#define AK_HAS_FP64 1
#endif

#endif /* ACCEL_KERNEL_DIALECT_H */
