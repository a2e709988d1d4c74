# GPU backends (CUDA, HIP) and AMD discovery. Tests that need a GPU skip (77) with the reason
# on machines without one; `ctest -R cuda` / `ctest -R hip` select them on a GPU machine.
# The entries labelled fake-gpu run the backends' code everywhere, against stand-in drivers
# (fake_cuda, fake_hip) that run the kernels' C build through the kernel runner (fake_gpu).
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

# NVRTC's own threads crash LeakSanitizer's exit-time tracer; leaks are checked everywhere else.
accel_add_test(test_cuda_nvrtc SOURCES ${gpu_dir}/test_cuda_nvrtc.c TIMEOUT 300 LABELS cuda
  ENV ASAN_OPTIONS=detect_leaks=0)

accel_add_test(test_rocm_discovery SOURCES ${gpu_dir}/test_rocm_discovery.c LABELS rocm hip)
accel_add_test(test_rocm_hip SOURCES ${gpu_dir}/test_rocm_hip.c LABELS rocm hip)
accel_add_test(test_hip_codeobj SOURCES ${gpu_dir}/test_hip_codeobj.c LABELS hip)
accel_add_test(test_hip_backend SOURCES ${gpu_dir}/test_hip_backend.c ${gpu_dir}/backend_slots.c
  TIMEOUT 300 LABELS gpu hip)

# The kernel runner (tests/gpu/fake_gpu): the plain-C build of every kernel of src/kernels,
# run with a GPU's work-group semantics (barriers, shared memory), for the stand-in drivers
# below. A second build switches between work items with ucontext, the portable fallback.
function(accel_kernel_runner name)
  add_library(${name} STATIC ${gpu_dir}/fake_gpu/kernel_runner.c ${gpu_dir}/fake_gpu/fiber.c
    ${gpu_dir}/fake_gpu/fake_device.c)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  target_include_directories(${name} PUBLIC ${gpu_dir}/fake_gpu ${CMAKE_SOURCE_DIR}/src/kernels)
  target_compile_options(${name} PRIVATE ${ACCEL_WARNINGS})
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE ${ARGN})
  target_link_libraries(${name} PUBLIC Threads::Threads m)
endfunction()
accel_kernel_runner(accel_kernel_runner)
accel_kernel_runner(accel_kernel_runner_ucontext AKR_FIBER_UCONTEXT)
foreach(variant IN ITEMS "" _ucontext)
  accel_add_test(test_kernel_runner${variant} SOURCES ${gpu_dir}/test_kernel_runner.c
    LABELS gpu fake-gpu)
  target_link_libraries(test_kernel_runner${variant} PRIVATE accel_kernel_runner${variant})
  target_compile_definitions(test_kernel_runner${variant} PRIVATE
    ACCEL_TEST_KERNEL_DIR="${CMAKE_SOURCE_DIR}/src/kernels")
endforeach()

# The CUDA backend's code on machines without a GPU: the same test against a stand-in
# libcuda.so.1 (tests/gpu/fake_cuda) that keeps device memory in host memory and runs the
# kernels' C build through the kernel runner. The three variants: fatbin, NVRTC (real libnvrtc
# when present), none. The conformance suite runs on it too (tests/conformance).
add_library(accel_fake_libcuda SHARED ${gpu_dir}/fake_cuda/fake_libcuda.c)
set_target_properties(accel_fake_libcuda PROPERTIES OUTPUT_NAME cuda PREFIX lib SUFFIX .so.1
  C_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fake-cuda-backend)
target_compile_options(accel_fake_libcuda PRIVATE ${ACCEL_WARNINGS})
target_compile_definitions(accel_fake_libcuda PRIVATE _GNU_SOURCE)
target_link_libraries(accel_fake_libcuda PRIVATE accel_kernel_runner Threads::Threads m)
set(ACCEL_FAKE_CUDA_DIR ${CMAKE_BINARY_DIR}/fake-cuda-backend)
foreach(variant IN ITEMS "" _nvrtc _nokernels)
  set(env LD_LIBRARY_PATH=${ACCEL_FAKE_CUDA_DIR})
  if(variant STREQUAL "_nvrtc")
    list(APPEND env ACCEL_CUDA_NVRTC=1)
  elseif(variant STREQUAL "_nokernels")
    list(APPEND env ACCEL_CUDA_NVRTC=1 ACCEL_NVRTC_PATH=/nonexistent/libnvrtc.so ACCEL_TEST_EXPECT_KERNELS=0)
  endif()
  accel_add_test(test_cuda_backend_fake${variant}
    SOURCES ${gpu_dir}/test_cuda_backend.c ${gpu_dir}/backend_slots.c
    ENV ${env} TIMEOUT 120 LABELS cuda fake-gpu)
  add_dependencies(test_cuda_backend_fake${variant} accel_fake_libcuda)
endforeach()

# Out of memory on the stand-in: device memory taken behind the plan's back makes the
# executor bisect a convert on the GPU, then fall back with reason oom (test_fake_gpu_oom.c).
accel_add_test(test_cuda_fake_oom SOURCES ${gpu_dir}/test_fake_gpu_oom.c ARGS cuda
  ENV LD_LIBRARY_PATH=${ACCEL_FAKE_CUDA_DIR} ACCEL_FAKE_GPU_MEMORY_MB=512 ACCEL_BACKEND=cuda
  TIMEOUT 120 LABELS cuda fake-gpu)
add_dependencies(test_cuda_fake_oom accel_fake_libcuda)

# The HIP backend's code the same way, against a stand-in libamdhip64.so (tests/gpu/fake_hip)
# whose devices are the captured tree tests/data/sysfs-amd's two GPUs (gfx90a, gfx1030):
# loaded through ACCEL_HIP_LIBRARY, found by discovery over that tree (ACCEL_SYSFS_ROOT).
add_library(accel_fake_libamdhip64 SHARED ${gpu_dir}/fake_hip/fake_libamdhip64.c)
set_target_properties(accel_fake_libamdhip64 PROPERTIES OUTPUT_NAME amdhip64 PREFIX lib
  C_VISIBILITY_PRESET hidden
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fake-hip-backend)
target_compile_options(accel_fake_libamdhip64 PRIVATE ${ACCEL_WARNINGS})
target_compile_definitions(accel_fake_libamdhip64 PRIVATE _GNU_SOURCE)
target_link_libraries(accel_fake_libamdhip64 PRIVATE accel_kernel_runner Threads::Threads m)
set(ACCEL_FAKE_HIP_LIB ${CMAKE_BINARY_DIR}/fake-hip-backend/libamdhip64.so)
if("gfx90a" IN_LIST ACCEL_HIP_CODEOBJ_ARCHS)
  set(fake_hip_kernels 1)
else()
  set(fake_hip_kernels 0)
endif()
accel_add_test(test_hip_backend_fake SOURCES ${gpu_dir}/test_hip_backend.c ${gpu_dir}/backend_slots.c
  ENV ACCEL_HIP_LIBRARY=${ACCEL_FAKE_HIP_LIB} ACCEL_TEST_EXPECT_KERNELS=${fake_hip_kernels}
  TIMEOUT 120 LABELS hip fake-gpu)
add_dependencies(test_hip_backend_fake accel_fake_libamdhip64)
accel_add_test(test_hip_fake_oom SOURCES ${gpu_dir}/test_fake_gpu_oom.c ARGS rocm
  ENV ACCEL_HIP_LIBRARY=${ACCEL_FAKE_HIP_LIB} ACCEL_SYSFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/sysfs-amd
  HIP_VISIBLE_DEVICES=0 ACCEL_FAKE_GPU_MEMORY_MB=512 ACCEL_BACKEND=rocm
  TIMEOUT 120 LABELS hip fake-gpu)
add_dependencies(test_hip_fake_oom accel_fake_libamdhip64)

# accel bench --quick on each stand-in: every operation's bench case on the GPU backend.
if(TARGET accel_cli)
  foreach(fake cuda hip)
    if(fake STREQUAL "cuda")
      set(env "LD_LIBRARY_PATH=${ACCEL_FAKE_CUDA_DIR}" ACCEL_FAKE_GPU_MEMORY_MB=1024)
      set(dep accel_fake_libcuda)
    else()
      set(env "ACCEL_HIP_LIBRARY=${ACCEL_FAKE_HIP_LIB}" "ACCEL_SYSFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/sysfs-amd"
        HIP_VISIBLE_DEVICES=0 ACCEL_FAKE_GPU_MEMORY_MB=1024)
      set(dep accel_fake_libamdhip64)
    endif()
    add_test(NAME bench_quick_fake_${fake} COMMAND sh ${gpu_dir}/bench_quick_fake.sh
      $<TARGET_FILE:accel_cli> ${fake})
    set_tests_properties(bench_quick_fake_${fake} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
      LABELS "fake-gpu;${fake}" ENVIRONMENT
      "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/bench_quick_fake_${fake};${env}")
    add_dependencies(accel_cli ${dep})
  endforeach()
endif()

# Data that stay on a device (accel_device_alloc, accel_convert_on, accel_reduce_on) on each
# stand-in: what the Python package uses for tensors that live on a GPU (DLPack, CUDA arrays).
accel_add_test(test_device_data_cuda SOURCES ${gpu_dir}/test_device_data.c ARGS cuda
  ENV LD_LIBRARY_PATH=${ACCEL_FAKE_CUDA_DIR} ACCEL_FAKE_GPU_MEMORY_MB=512
  TIMEOUT 120 LABELS cuda fake-gpu)
target_link_libraries(test_device_data_cuda PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(test_device_data_cuda accel_fake_libcuda)
add_test(NAME test_device_data_rocm COMMAND test_device_data_cuda rocm)
set_tests_properties(test_device_data_rocm PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "hip;fake-gpu"
  ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_device_data_rocm;ACCEL_HIP_LIBRARY=${ACCEL_FAKE_HIP_LIB};ACCEL_SYSFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/sysfs-amd;HIP_VISIBLE_DEVICES=0;ACCEL_FAKE_GPU_MEMORY_MB=512")
add_dependencies(test_device_data_cuda accel_fake_libamdhip64)
