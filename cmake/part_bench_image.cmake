# bench/image_cpu.c: the image operations timed in-process for bench/image_peers.py (OpenCV in
# the same run). Not built by default: `cmake --build build --target accel_bench_image_cpu`.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/bench/image_cpu.c)
  add_executable(accel_bench_image_cpu EXCLUDE_FROM_ALL ${CMAKE_CURRENT_SOURCE_DIR}/bench/image_cpu.c)
  target_link_libraries(accel_bench_image_cpu PRIVATE accel_internal)
  target_compile_options(accel_bench_image_cpu PRIVATE ${ACCEL_WARNINGS})
  target_compile_definitions(accel_bench_image_cpu PRIVATE _GNU_SOURCE)
endif()
