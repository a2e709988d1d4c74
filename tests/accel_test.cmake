# accel_add_test(NAME SOURCES src... [ENV K=V...] [ARGS a...] [TIMEOUT s] [LABELS l...])
# One ctest entry per test; exit code 77 means "skipped: hardware or tool absent".
function(accel_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;ENV;ARGS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE accel_internal)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE
    ACCEL_TEST_DATA="${CMAKE_SOURCE_DIR}/tests/data"
    ACCEL_TEST_BUILD="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${name};${T_ENV}")
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
