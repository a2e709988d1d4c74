# make install: header, shared and static libraries, pkg-config file, CMake package, CLI.
add_test(NAME test_install COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_install.sh
  ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR} "${ACCEL_SANITIZE}")
set_tests_properties(test_install PROPERTIES TIMEOUT 300)
# The shared library loads no vendor GPU library (nor FFmpeg, which links OpenCL) at start-up.
add_test(NAME test_needed COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_needed.sh $<TARGET_FILE:accel>)
