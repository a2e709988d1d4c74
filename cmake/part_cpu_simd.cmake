# CPU SIMD variants: one binary carries code for every level of its architecture and the CPU
# backend picks the best one at run time (src/backends/cpu/cpu.h). On x86-64 a source named
# *_avx2.c is compiled for AVX2 + FMA + F16C and one named *_avx512.c for AVX-512F/BW on top
# of that. On AArch64 a source named *_neon.c holds arm_neon.h intrinsics; Advanced SIMD is
# part of the base architecture, so it needs no flags, only a compiler whose arm_neon.h has
# what the kernels use (checked below). Each level defines ACCEL_BUILD_<LEVEL> for the
# dispatchers. On other processors, or with a compiler that lacks the flags or the header,
# those files compile to nothing and the level is simply absent.
# Every file of an operation's CPU code is compiled with -ffp-contract=off, so a multiply and
# an add round separately at every level and on the devices (results agree bit for bit).
include(CheckCCompilerFlag)
include(CheckCSourceCompiles)

set(ACCEL_SIMD_AVX2_FLAGS -mavx2 -mfma -mf16c)
set(ACCEL_SIMD_AVX512_FLAGS -mavx512f -mavx512bw -mavx2 -mfma -mf16c)
set(accel_simd_levels "baseline")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  check_c_compiler_flag("-mavx2 -mfma -mf16c" ACCEL_CC_HAS_AVX2)
  check_c_compiler_flag("-mavx512f -mavx512bw" ACCEL_CC_HAS_AVX512)
  foreach(src ${ACCEL_LIB_SOURCES})
    if(src MATCHES "_avx2\\.c$" AND ACCEL_CC_HAS_AVX2)
      set_property(SOURCE ${src} APPEND PROPERTY COMPILE_OPTIONS ${ACCEL_SIMD_AVX2_FLAGS})
    elseif(src MATCHES "_avx512\\.c$" AND ACCEL_CC_HAS_AVX512)
      set_property(SOURCE ${src} APPEND PROPERTY COMPILE_OPTIONS ${ACCEL_SIMD_AVX512_FLAGS})
    endif()
  endforeach()
  if(ACCEL_CC_HAS_AVX2)
    target_compile_definitions(accel_objects PRIVATE ACCEL_BUILD_AVX2=1)
    list(APPEND accel_simd_levels avx2)
  endif()
  if(ACCEL_CC_HAS_AVX512)
    target_compile_definitions(accel_objects PRIVATE ACCEL_BUILD_AVX512=1)
    list(APPEND accel_simd_levels avx512)
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  # float16 <-> float32 (FCVTL/FCVTN), float32 -> float64 (FCVTL), and the across-vector
  # minimum that AArch64 added to NEON: the pieces basic_cpu_neon.c needs.
  check_c_source_compiles("
#include <arm_neon.h>
int main(void)
{
    float32x4_t v = vdupq_n_f32(1.0f);
    float16x4_t h = vcvt_f16_f32(v);
    float64x2_t d = vcvt_high_f64_f32(vcvt_f32_f16(h));
    return (int)vgetq_lane_f64(d, 0) - 1 + (int)vminvq_u32(vceqq_f32(v, v)) + 1;
}" ACCEL_CC_HAS_NEON)
  if(ACCEL_CC_HAS_NEON)
    target_compile_definitions(accel_objects PRIVATE ACCEL_BUILD_NEON=1)
    list(APPEND accel_simd_levels neon)
  endif()
endif()
# A file that already chose its contraction keeps it: the audio frame kernels ask for
# -ffp-contract=fast (cmake/part_audio.cmake), and an -off appended after it would win.
foreach(src ${ACCEL_LIB_SOURCES})
  string(FIND "${src}" "${CMAKE_CURRENT_SOURCE_DIR}/src/ops/" accel_ops_pos)
  get_source_file_property(accel_src_opts ${src} COMPILE_OPTIONS)
  if(accel_ops_pos EQUAL 0 AND NOT accel_src_opts MATCHES "-ffp-contract=")
    set_property(SOURCE ${src} APPEND PROPERTY COMPILE_OPTIONS -ffp-contract=off)
  endif()
endforeach()
string(REPLACE ";" "," accel_simd_levels_text "${accel_simd_levels}")
string(APPEND ACCEL_BUILD_SUMMARY "cpu simd: ${accel_simd_levels_text}; ")
