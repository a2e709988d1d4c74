# GPU backends (CUDA, HIP) and AMD discovery. Tests that need a GPU skip (77) with the reason
# on machines without one; `ctest -R cuda` / `ctest -R hip` select them on a GPU machine.
set(gpu_dir ${CMAKE_CURRENT_LIST_DIR})

foreach(variant IN ITEMS "" _nvrtc _nokernels)
  set(env "")
  if(variant STREQUAL "_nvrtc")
    set(env ACCEL_CUDA_NVRTC=1)           # ignore the fatbin: kernels from NVRTC (+ cache)
  elseif(variant STREQUAL "_nokernels")
    set(env ACCEL_CUDA_NVRTC=1 ACCEL_NVRTC_PATH=/nonexistent/libnvrtc.so ACCEL_TEST_EXPECT_KERNELS=0)
  endif()
  accel_add_test(test_cuda_backend${variant}
    SOURCES ${gpu_dir}/test_cuda_backend.c ${gpu_dir}/backend_slots.c
    ENV ${env} TIMEOUT 300 LABELS gpu cuda)
endforeach()

accel_add_test(test_cuda_fatbin SOURCES ${gpu_dir}/test_cuda_fatbin.c LABELS cuda)
find_program(ACCEL_CUOBJDUMP cuobjdump PATHS /usr/local/cuda/bin)
if(ACCEL_CUOBJDUMP)
  target_compile_definitions(test_cuda_fatbin PRIVATE ACCEL_TEST_CUOBJDUMP="${ACCEL_CUOBJDUMP}")
endif()

accel_add_test(test_cuda_nvrtc SOURCES ${gpu_dir}/test_cuda_nvrtc.c TIMEOUT 300 LABELS cuda)

accel_add_test(test_rocm_discovery SOURCES ${gpu_dir}/test_rocm_discovery.c LABELS rocm hip)
accel_add_test(test_rocm_hip SOURCES ${gpu_dir}/test_rocm_hip.c LABELS rocm hip)
accel_add_test(test_hip_codeobj SOURCES ${gpu_dir}/test_hip_codeobj.c LABELS hip)
accel_add_test(test_hip_backend SOURCES ${gpu_dir}/test_hip_backend.c ${gpu_dir}/backend_slots.c
  TIMEOUT 300 LABELS gpu hip)
