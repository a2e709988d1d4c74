# The CPU backend: thread pool (threads, fork), SIMD levels, float16 conversion, and the
# argument checks of the basic operations' public wrappers.
set(cpu_dir ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_cpu_pool SOURCES ${cpu_dir}/test_pool.c)
accel_add_test(test_cpu_pool_fork SOURCES ${cpu_dir}/test_pool_fork.c TIMEOUT 120)
accel_add_test(test_cpu_simd SOURCES ${cpu_dir}/test_cpu_simd.c)
accel_add_test(test_cpu_f16 SOURCES ${cpu_dir}/test_f16.c
  ${CMAKE_SOURCE_DIR}/tests/conformance/conf_common.c)
set_source_files_properties(${cpu_dir}/test_f16.c PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
accel_add_test(test_basic_api SOURCES ${cpu_dir}/test_basic_api.c)
