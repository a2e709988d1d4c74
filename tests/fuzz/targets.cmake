# One libFuzzer target per parser of input accel does not control: every tests/fuzz/fuzz_*.c
# is a target of that name (adding a parser's target is that file, plus its seeds' line in
# scripts/fuzz_seeds.sh). scripts/fuzz.sh runs them (`make fuzz`, `make fuzz-check`).
file(GLOB ACCEL_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)
list(SORT ACCEL_FUZZ_SOURCES)
set(ACCEL_FUZZ_TARGETS "")
foreach(src ${ACCEL_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE accel_internal)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
  target_compile_options(${name} PRIVATE ${ACCEL_WARNINGS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  list(APPEND ACCEL_FUZZ_TARGETS ${name})
endforeach()
add_custom_target(fuzz_targets DEPENDS ${ACCEL_FUZZ_TARGETS})
message(STATUS "fuzz targets: ${ACCEL_FUZZ_TARGETS}")
