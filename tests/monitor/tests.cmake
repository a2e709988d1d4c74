# Monitoring: live device figures (accel_device_query, accel_device_processes) against the
# stand-in NVML of tests/fakes and the captured sysfs/procfs trees; `accel devices --watch /
# --query`; `accel top` in a terminal (tmux). One ctest entry per scenario.
set(_mon ${CMAKE_CURRENT_LIST_DIR})
set(_f ${ACCEL_FAKES_DIR})
accel_add_test(test_device_query SOURCES ${_mon}/test_device_query.c ARGS cpu)
foreach(sc nvml nvml_old nvml_hang amd)
  add_test(NAME test_device_query_${sc} COMMAND test_device_query ${sc})
  set(env "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_device_query_${sc}")
  if(sc STREQUAL "nvml")
    list(APPEND env "LD_LIBRARY_PATH=${_f}/ok")
  elseif(sc STREQUAL "nvml_old")
    list(APPEND env "LD_LIBRARY_PATH=${_f}/nvml_old:${_f}/ok")
  elseif(sc STREQUAL "nvml_hang")
    list(APPEND env "LD_LIBRARY_PATH=${_f}/nvml_hang:${_f}/ok" "ACCEL_PROBE_TIMEOUT_MS=1000")
  elseif(sc STREQUAL "amd")
    list(APPEND env "ACCEL_SYSFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/sysfs-amd"
      "ACCEL_PROCFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/procfs-drm"
      "ACCEL_HIP_LIBRARY=/nonexistent/libamdhip64.so")
  endif()
  set_tests_properties(test_device_query_${sc} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60
    ENVIRONMENT "${env}")
endforeach()
add_dependencies(test_device_query accel_fakes)

# the readers accel top uses on a server's answers
accel_add_test(test_prom_http SOURCES ${_mon}/test_prom_http.c ${CMAKE_SOURCE_DIR}/tools/accel/prom_text.c
  ${CMAKE_SOURCE_DIR}/tools/accel/http_get.c)
target_include_directories(test_prom_http PRIVATE ${CMAKE_SOURCE_DIR}/tools/accel)
if(ACCEL_BUILD_CLI)
  # the CLI against the stand-in drivers: accel devices --query/--watch, accel top in tmux
  # (77 without tmux); top's test also starts an accel serve when it is built
  add_test(NAME test_devices_query COMMAND ${_mon}/test_devices_query.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_BINARY_DIR})
  set_tests_properties(test_devices_query PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS monitor)
  if(ACCEL_HAVE_MICROHTTPD)
    add_test(NAME test_top_tmux COMMAND ${_mon}/test_top_tmux.sh $<TARGET_FILE:accel_cli> ${CMAKE_BINARY_DIR})
    set_tests_properties(test_top_tmux PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS monitor)
  endif()
endif()
