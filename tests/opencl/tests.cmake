# OpenCL: discovery against clinfo, backend conformance, program cache, build errors, crash
# isolation of a broken ICD loader, and `accel cache`. Tests that need an OpenCL platform exit
# 77 when there is none.
accel_add_test(test_opencl_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_errors.c)
accel_add_test(test_opencl_backend SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opencl_backend.c
  TIMEOUT 180)
