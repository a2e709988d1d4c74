# CUDA kernels compiled at build time by nvcc into one fatbin embedded in the library.
#
#   ACCEL_CUDA_KERNELS   AUTO (default): use nvcc when it is found and compiles a test kernel;
#                        ON: the same, but a missing or broken nvcc fails the configuration;
#                        OFF: never (CUDA devices then get kernels from NVRTC at run time).
#   ACCEL_CUDA_ARCHS     SASS architectures (default 75;80;86;89;90); those this nvcc cannot
#                        build are left out, with a message.
#   ACCEL_CUDA_PTX_ARCH  PTX architecture (default 90): GPUs newer than every SASS in the
#                        fatbin run it after the driver compiles it.
#   ACCEL_NVCC           the nvcc to use (default: found on PATH, then in /usr/local/cuda/bin).
#
# Every src/kernels/<family>.kern goes into one translation unit, each family in its own C++
# namespace so that helper functions of different families cannot collide (kernels are
# extern "C", so their names stay plain). The fatbin becomes a byte array through
# cmake/embed_binary.cmake, and ACCEL_HAVE_CUDA_FATBIN tells cuda_kernels.c it exists.
set(ACCEL_CUDA_KERNELS AUTO CACHE STRING "Build CUDA kernels into an embedded fatbin: AUTO|ON|OFF")
set_property(CACHE ACCEL_CUDA_KERNELS PROPERTY STRINGS AUTO ON OFF)
set(ACCEL_CUDA_ARCHS "75;80;86;89;90" CACHE STRING "SASS architectures of the CUDA fatbin")
set(ACCEL_CUDA_PTX_ARCH "90" CACHE STRING "PTX architecture of the CUDA fatbin")

string(TOUPPER "${ACCEL_CUDA_KERNELS}" accel_cuda_mode)
if(NOT accel_cuda_mode MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "ACCEL_CUDA_KERNELS=${ACCEL_CUDA_KERNELS} is not valid (allowed: AUTO, ON, OFF)")
endif()

function(accel__cuda_kernels)
  if(accel_cuda_mode STREQUAL "OFF")
    set(summary "CUDA kernels: NVRTC at run time (ACCEL_CUDA_KERNELS=OFF)" PARENT_SCOPE)
    return()
  endif()
  find_program(ACCEL_NVCC nvcc PATHS /usr/local/cuda/bin DOC "nvcc for the CUDA kernels")
  if(ACCEL_NVCC AND NOT EXISTS "${ACCEL_NVCC}")
    set(why "ACCEL_NVCC=${ACCEL_NVCC} does not exist")
  elseif(NOT ACCEL_NVCC)
    set(why "nvcc not found on PATH or in /usr/local/cuda/bin (set ACCEL_NVCC, or install nvidia-cuda-toolkit)")
  endif()
  if(NOT ACCEL_NVCC OR NOT EXISTS "${ACCEL_NVCC}")
    if(accel_cuda_mode STREQUAL "ON")
      message(FATAL_ERROR "ACCEL_CUDA_KERNELS=ON: ${why}")
    endif()
    set(summary "CUDA kernels: NVRTC at run time (${why})" PARENT_SCOPE)
    return()
  endif()

  # What this nvcc can build: "sm_75", "compute_90", ... (nvcc 11+ lists them).
  execute_process(COMMAND ${ACCEL_NVCC} --list-gpu-code OUTPUT_VARIABLE codes
    RESULT_VARIABLE rc ERROR_QUIET)
  execute_process(COMMAND ${ACCEL_NVCC} --list-gpu-arch OUTPUT_VARIABLE virt
    RESULT_VARIABLE rc2 ERROR_QUIET)
  execute_process(COMMAND ${ACCEL_NVCC} --version OUTPUT_VARIABLE ver ERROR_QUIET)
  string(REGEX MATCH "release [0-9]+\\.[0-9]+" ver "${ver}")
  set(gencode "")
  set(archs "")
  set(dropped "")
  foreach(a ${ACCEL_CUDA_ARCHS})
    if(rc EQUAL 0 AND NOT codes MATCHES "sm_${a}[\r\n]")
      list(APPEND dropped sm_${a})
    else()
      list(APPEND gencode -gencode arch=compute_${a},code=sm_${a})
      list(APPEND archs sm_${a})
    endif()
  endforeach()
  if(ACCEL_CUDA_PTX_ARCH)
    if(rc2 EQUAL 0 AND NOT virt MATCHES "compute_${ACCEL_CUDA_PTX_ARCH}[\r\n]")
      list(APPEND dropped compute_${ACCEL_CUDA_PTX_ARCH})
    else()
      list(APPEND gencode -gencode arch=compute_${ACCEL_CUDA_PTX_ARCH},code=compute_${ACCEL_CUDA_PTX_ARCH})
      list(APPEND archs compute_${ACCEL_CUDA_PTX_ARCH})
    endif()
  endif()
  if(dropped)
    message(STATUS "CUDA kernels: nvcc (${ver}) cannot build ${dropped}; left out of the fatbin")
  endif()
  if(NOT archs)
    set(why "nvcc ${ver} supports none of ACCEL_CUDA_ARCHS=${ACCEL_CUDA_ARCHS}")
    if(accel_cuda_mode STREQUAL "ON")
      message(FATAL_ERROR "ACCEL_CUDA_KERNELS=ON: ${why}")
    endif()
    set(summary "CUDA kernels: NVRTC at run time (${why})" PARENT_SCOPE)
    return()
  endif()
  # Compressed fatbins need a recent driver to load; the kernels are small, so stay plain.
  execute_process(COMMAND ${ACCEL_NVCC} --help OUTPUT_VARIABLE help ERROR_QUIET)
  set(compress "")
  if(help MATCHES "--no-compress")
    set(compress --no-compress)
  endif()

  # A test kernel through the same dialect and flags, once per nvcc and flag set, so that a
  # present but broken toolchain (unsupported host compiler, ...) is reported here instead of
  # failing the build.
  set(key "${ACCEL_NVCC};${ver};${gencode};${compress}")
  if(NOT ACCEL__CUDA_CHECK_KEY STREQUAL key)
    set(dir ${CMAKE_CURRENT_BINARY_DIR}/cuda-check)
    file(MAKE_DIRECTORY ${dir})
    file(WRITE ${dir}/check.cu "#include \"dialect.h\"\nnamespace ak_check {\nAK_KERNEL void ak_check(AK_GLOBAL float *y, int n) { int i = AK_GLOBAL_ID(0); if (i < n) y[i] = 1.0f; }\n}\n")
    execute_process(COMMAND ${ACCEL_NVCC} -fatbin ${compress} ${gencode}
        -I${CMAKE_CURRENT_SOURCE_DIR}/src/kernels -o ${dir}/check.fatbin ${dir}/check.cu
      RESULT_VARIABLE ok OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(ok EQUAL 0)
      set(ACCEL__CUDA_CHECK_RESULT "" CACHE INTERNAL "")
    else()
      string(REGEX REPLACE "\n+$" "" out "${out}")
      if(NOT out)
        set(out "${ok}")
      endif()
      set(ACCEL__CUDA_CHECK_RESULT "nvcc ${ver} failed on a test kernel: ${out}" CACHE INTERNAL "")
    endif()
    set(ACCEL__CUDA_CHECK_KEY "${key}" CACHE INTERNAL "")
  endif()
  if(ACCEL__CUDA_CHECK_RESULT)
    if(accel_cuda_mode STREQUAL "ON")
      message(FATAL_ERROR "ACCEL_CUDA_KERNELS=ON: ${ACCEL__CUDA_CHECK_RESULT}")
    endif()
    message(WARNING "CUDA kernels not built in: ${ACCEL__CUDA_CHECK_RESULT}\n"
      "CUDA devices will compile kernels with NVRTC at run time. Set ACCEL_CUDA_KERNELS=OFF to silence this.")
    set(summary "CUDA kernels: NVRTC at run time (nvcc broken, see the configure warning)" PARENT_SCOPE)
    return()
  endif()

  set(gen ${CMAKE_CURRENT_BINARY_DIR}/generated)
  set(cu "/* generated by cmake/part_cuda.cmake: every kernel family, one namespace each */\n#include \"dialect.h\"\n")
  foreach(k ${ACCEL_KERNEL_FILES})
    get_filename_component(fam ${k} NAME_WE)
    string(APPEND cu "namespace ak_${fam} {\n#include \"${fam}.kern\"\n}\n")
  endforeach()
  file(CONFIGURE OUTPUT ${gen}/cuda_kernels.cu CONTENT "${cu}")
  string(REPLACE ";" " " archs_text "${archs}")
  add_custom_command(OUTPUT ${gen}/cuda_kernels.fatbin
    COMMAND ${ACCEL_NVCC} -fatbin ${compress} ${gencode} -I${CMAKE_CURRENT_SOURCE_DIR}/src/kernels
            -o ${gen}/cuda_kernels.fatbin ${gen}/cuda_kernels.cu
    DEPENDS ${gen}/cuda_kernels.cu ${ACCEL_KERNEL_FILES} ${ACCEL_KERNEL_DIALECT}
    COMMENT "nvcc: CUDA kernels fatbin (${archs_text})" VERBATIM)
  accel_embed_binary(${gen}/cuda_kernels.fatbin ${gen}/cuda_fatbin.c accel__cuda_fatbin
    "${archs_text}" "the CUDA fatbin")
  target_compile_definitions(accel_objects PRIVATE ACCEL_HAVE_CUDA_FATBIN)
  set(ACCEL_CUDA_FATBIN_ARCHS "${archs}" PARENT_SCOPE)
  set(summary "CUDA kernels: fatbin ${archs_text} (nvcc ${ver})" PARENT_SCOPE)
endfunction()

set(ACCEL_CUDA_FATBIN_ARCHS "")
accel__cuda_kernels()
message(STATUS "${summary}")
string(APPEND ACCEL_BUILD_SUMMARY "${summary}; ")
