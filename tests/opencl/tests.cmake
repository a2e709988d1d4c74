# OpenCL: discovery against clinfo, backend conformance, program cache, build errors, crash
# isolation of a broken ICD loader, and `accel cache`. Tests that need an OpenCL platform exit
# 77 when there is none.
accel_add_test(test_opencl_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_errors.c)
accel_add_test(test_opencl_backend SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_backend.c
  TIMEOUT 180)
accel_add_test(test_opencl_clinfo SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_clinfo.c
  TIMEOUT 120)
accel_add_test(test_opencl_cache SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_cache.c
  TIMEOUT 180)
accel_add_test(test_opencl_build_error SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_build_error.c)

# A fake ICD loader (libOpenCL.so.1) for crash-isolation scenarios; never linked, only found
# through LD_LIBRARY_PATH by the tests below.
add_library(fake_opencl SHARED ${CMAKE_CURRENT_LIST_DIR}/fake_opencl.c
  ${CMAKE_CURRENT_LIST_DIR}/fake_opencl_stubs.c)
set_target_properties(fake_opencl PROPERTIES OUTPUT_NAME OpenCL SOVERSION 1
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fake-opencl)
target_include_directories(fake_opencl PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
foreach(mode abort hang none devices)
  accel_add_test(test_opencl_fake_${mode} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_fake_icd.c
    ARGS ${mode} TIMEOUT 60
    ENV LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fake-opencl FAKE_OPENCL_MODE=${mode}
        ACCEL_PROBE_TIMEOUT_MS=1000
        # under AddressSanitizer the fake's SIGSEGV must stay a signal, as it is in production
        ASAN_OPTIONS=detect_leaks=1:handle_segv=0)
  add_dependencies(test_opencl_fake_${mode} fake_opencl)
endforeach()

if(ACCEL_BUILD_CLI)
  accel_add_test(test_cache_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cache_cli.c)
  add_dependencies(test_cache_cli accel_cli)
endif()
accel_add_test(test_opencl_run SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_run.c)
# two threads opening OpenCL devices at once, in fresh processes (the implementation's first
# device enumeration is serialised: docs/backends.md)
accel_add_test(test_opencl_threads SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_threads.c
  TIMEOUT 300)
