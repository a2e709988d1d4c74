# bench/basic_cpu.c: convert and reduce on the CPU against memcpy bandwidth. Not built by
# default: `cmake --build build --target accel_bench_basic_cpu` (see bench/README.md).
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/bench/basic_cpu.c)
  add_executable(accel_bench_basic_cpu EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/bench/basic_cpu.c)
  target_link_libraries(accel_bench_basic_cpu PRIVATE accel_internal)
  target_compile_options(accel_bench_basic_cpu PRIVATE ${ACCEL_WARNINGS})
  target_compile_definitions(accel_bench_basic_cpu PRIVATE _GNU_SOURCE)
endif()
