# make install / make uninstall: header, shared and static libraries, pkg-config files, CMake
# package, CLI, each consumer run without LD_LIBRARY_PATH, nothing left after uninstalling.
add_test(NAME test_install COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_install.sh
  ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR} "${ACCEL_SANITIZE}")
set_tests_properties(test_install PROPERTIES TIMEOUT 300)
# The shared library loads no vendor GPU library (nor FFmpeg, which links OpenCL) at start-up.
add_test(NAME test_needed COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_needed.sh $<TARGET_FILE:accel>)
# What `make demo` and `make check` print and build (dry runs of the Makefile, scripts/step.sh).
add_test(NAME test_make_steps COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_make_steps.sh
  ${CMAKE_SOURCE_DIR})
