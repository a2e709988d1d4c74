# Fake vendor libraries for fault scenarios. Each variant is a directory of its own:
#
#   ${CMAKE_BINARY_DIR}/fakes/<variant>/libcuda.so.1          (and libnvidia-ml.so.1 for ok)
#
#   ok             libcuda: 2 devices (Fake H100 cc 9.0 80 GiB at 0000:41:00.0, Fake T4 cc 7.5
#                  16 GiB at 0000:42:00.0), driver 12.4, honours CUDA_VISIBLE_DEVICES;
#                  libnvidia-ml: the same two GPUs, driver "550.54.14"
#   init_fails     cuInit returns CUDA_ERROR_UNKNOWN (999)
#   abort_on_load  the library's constructor calls abort()
#   hang_in_init   cuInit never returns
#   old_driver     cuDriverGetVersion reports 11020 (CUDA 11.2)
#   missing_symbol cuMemGetInfo_v2 is not exported
#   nvml_hang      libnvidia-ml only: nvmlInit_v2 never returns
#   nvml_old       libnvidia-ml only: no _v2/_v3 memory and process-list entry points (an old
#                  driver), so the v1 ones are used
#   prints         libcuda like ok, but it writes to standard output and error when loaded
#                  and in cuInit
#   exit_on_load   libcuda whose constructor calls _exit(0)
#   hold_rename    libhold_rename: no vendor's; preloaded, it holds the rename of a partial
#                  output until a signal (hold_rename.c)
#
# A test picks a variant by putting its directory first on LD_LIBRARY_PATH in its ctest
# environment, e.g. ENV "LD_LIBRARY_PATH=${ACCEL_FAKES_DIR}/init_fails:${ACCEL_FAKES_DIR}/ok"
# (init_fails' libcuda with the ok NVML). The variable ACCEL_FAKES_DIR is set here; files
# included before this one can spell the path out. The fakes are part of the default build;
# a test that needs them may also add_dependencies(<test> accel_fakes).

set(ACCEL_FAKES_DIR ${CMAKE_BINARY_DIR}/fakes)
add_custom_target(accel_fakes)

function(accel_fake_library target variant output_name source)
  add_library(${target} SHARED ${source} ${ARGN})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${output_name} SOVERSION 1
    LIBRARY_OUTPUT_DIRECTORY ${ACCEL_FAKES_DIR}/${variant}
    C_VISIBILITY_PRESET default)
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  add_dependencies(accel_fakes ${target})
endfunction()

set(_fake_cuda ${CMAKE_CURRENT_LIST_DIR}/fake_cuda.c ${CMAKE_CURRENT_LIST_DIR}/fake_cuda_defaults.c)
accel_fake_library(fake_cuda_ok ok cuda ${_fake_cuda})
accel_fake_library(fake_cuda_init_fails init_fails cuda ${_fake_cuda})
target_compile_definitions(fake_cuda_init_fails PRIVATE FAKE_INIT_FAILS)
accel_fake_library(fake_cuda_abort_on_load abort_on_load cuda ${_fake_cuda})
target_compile_definitions(fake_cuda_abort_on_load PRIVATE FAKE_ABORT_ON_LOAD)
accel_fake_library(fake_cuda_hang_in_init hang_in_init cuda ${_fake_cuda})
target_compile_definitions(fake_cuda_hang_in_init PRIVATE FAKE_HANG_IN_INIT)
accel_fake_library(fake_cuda_old_driver old_driver cuda ${_fake_cuda})
target_compile_definitions(fake_cuda_old_driver PRIVATE FAKE_DRIVER_VERSION=11020)
accel_fake_library(fake_cuda_missing_symbol missing_symbol cuda ${_fake_cuda})
target_link_options(fake_cuda_missing_symbol PRIVATE
  -Wl,--version-script=${CMAKE_CURRENT_LIST_DIR}/missing_symbol.map)
set_target_properties(fake_cuda_missing_symbol PROPERTIES
  LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/missing_symbol.map)

# not a vendor library: a rename() that waits for a signal (hold_rename.c, for LD_PRELOAD)
accel_fake_library(hold_rename hold_rename hold_rename ${CMAKE_CURRENT_LIST_DIR}/hold_rename.c)
target_link_libraries(hold_rename PRIVATE ${CMAKE_DL_LIBS})

accel_fake_library(fake_cuda_prints prints cuda ${_fake_cuda})
target_compile_definitions(fake_cuda_prints PRIVATE FAKE_PRINTS)
accel_fake_library(fake_cuda_exit_on_load exit_on_load cuda ${_fake_cuda})
target_compile_definitions(fake_cuda_exit_on_load PRIVATE FAKE_EXIT_ON_LOAD)

accel_fake_library(fake_nvml_ok ok nvidia-ml ${CMAKE_CURRENT_LIST_DIR}/fake_nvml.c)
accel_fake_library(fake_nvml_hang nvml_hang nvidia-ml ${CMAKE_CURRENT_LIST_DIR}/fake_nvml.c)
target_compile_definitions(fake_nvml_hang PRIVATE FAKE_NVML_HANG)
accel_fake_library(fake_nvml_old nvml_old nvidia-ml ${CMAKE_CURRENT_LIST_DIR}/fake_nvml.c)
target_compile_definitions(fake_nvml_old PRIVATE FAKE_NVML_OLD)
