# accel serve: the request parser on plain strings (always built: it needs no libmicrohttpd),
# and the server over real HTTP on loopback when it is built (one ctest entry per scenario of
# test_serve.py; each starts and stops its own server by pid). The Python tests use Debian's
# python3 (numpy, prometheus_client: scripts/deps.sh test).
set(_sv ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_serve_request SOURCES ${_sv}/test_serve_request.c
  ${CMAKE_SOURCE_DIR}/tools/accel/serve/serve_request.c)
target_include_directories(test_serve_request PRIVATE ${CMAKE_SOURCE_DIR}/tools/accel)
# the access log's escaping, JSON strings and numbers (serve_util.c: no libmicrohttpd either)
accel_add_test(test_serve_util SOURCES ${_sv}/test_serve_util.c
  ${CMAKE_SOURCE_DIR}/tools/accel/serve/serve_util.c)
target_include_directories(test_serve_util PRIVATE ${CMAKE_SOURCE_DIR}/tools/accel)
if(ACCEL_HAVE_MICROHTTPD AND ACCEL_BUILD_CLI)
  foreach(sc endpoints token limits slow framing early listen numbers mhd_own notready burst fallback sigterm)
    add_test(NAME test_serve_${sc} COMMAND /usr/bin/python3 ${_sv}/test_serve.py ${sc}
      $<TARGET_FILE:accel_cli> ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/test-work/serve_${sc})
    set_tests_properties(test_serve_${sc} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS serve
      ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_serve_${sc}")
  endforeach()
  # the dashboard in headless Chromium (77 without it); it leaves
  # test-work/serve_dashboard/dashboard.png to look at
  add_test(NAME test_serve_dashboard COMMAND /usr/bin/python3 ${_sv}/test_serve_dashboard.py
    $<TARGET_FILE:accel_cli> ${CMAKE_BINARY_DIR}/test-work/serve_dashboard)
  set_tests_properties(test_serve_dashboard PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180 LABELS serve
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_serve_dashboard")
endif()
# libmicrohttpd opened with dlopen (never linked): a missing soname's error, the entry points,
# and the accel program's dynamic section without it.
if(ACCEL_HAVE_MICROHTTPD AND ACCEL_BUILD_CLI)
  accel_add_test(test_serve_mhd SOURCES ${_sv}/test_serve_mhd.c ${CMAKE_SOURCE_DIR}/tools/accel/serve/serve_mhd.c
    ARGS $<TARGET_FILE:accel_cli>)
  target_include_directories(test_serve_mhd PRIVATE ${CMAKE_SOURCE_DIR}/tools/accel ${MHD_INCLUDE_DIRS})
endif()
# The verb in a build without libmicrohttpd: cmd_serve.c compiled without ACCEL_HAVE_MICROHTTPD
# says it is not built in and which package to install.
accel_add_test(test_serve_not_built SOURCES ${_sv}/test_serve_not_built.c
  ${CMAKE_SOURCE_DIR}/tools/accel/cmd_serve.c ${CMAKE_SOURCE_DIR}/tools/accel/cli_opts.c
  ${CMAKE_SOURCE_DIR}/tools/accel/cli_out.c ${CMAKE_SOURCE_DIR}/tools/accel/cli_common.c
  ${CMAKE_SOURCE_DIR}/tools/accel/cli_device.c)
target_include_directories(test_serve_not_built PRIVATE ${CMAKE_SOURCE_DIR}/tools/accel)
