# NVIDIA discovery: CUDA_VISIBLE_DEVICES and PCI ids, the verdict cache, the loader-path
# search, and discovery scenarios against the fake libraries of tests/fakes (one ctest entry
# per scenario; the entry's environment chooses the fake variant).
accel_add_test(test_cuda_visible SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cuda_visible.c)
accel_add_test(test_verdict_cache SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verdict_cache.c)
accel_add_test(test_ldpath SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ldpath.c
  ENV "LD_LIBRARY_PATH=${ACCEL_FAKES_DIR}/ok")
add_dependencies(test_ldpath accel_fakes)

# test_cuda_discovery runs scenario `ok`; the entries below run the same program with another
# scenario and environment.
accel_add_test(test_cuda_discovery SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cuda_discovery.c
  ARGS ok ENV "LD_LIBRARY_PATH=${ACCEL_FAKES_DIR}/ok" TIMEOUT 60)
add_dependencies(test_cuda_discovery accel_fakes)

function(accel_cuda_scenario scenario)
  cmake_parse_arguments(S "" "TIMEOUT" "ENV" ${ARGN})
  set(name test_cuda_discovery_${scenario})
  add_test(NAME ${name} COMMAND test_cuda_discovery ${scenario})
  if(NOT S_TIMEOUT)
    set(S_TIMEOUT 60)
  endif()
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT ${S_TIMEOUT}
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${name};${S_ENV}")
endfunction()

set(_f ${ACCEL_FAKES_DIR})
accel_cuda_scenario(visible ENV "LD_LIBRARY_PATH=${_f}/ok" "CUDA_VISIBLE_DEVICES=1")
accel_cuda_scenario(init_fails ENV "LD_LIBRARY_PATH=${_f}/init_fails:${_f}/ok")
accel_cuda_scenario(abort_on_load ENV "LD_LIBRARY_PATH=${_f}/abort_on_load")
accel_cuda_scenario(hang_in_init ENV "LD_LIBRARY_PATH=${_f}/hang_in_init"
  "ACCEL_PROBE_TIMEOUT_MS=1000" TIMEOUT 30)
accel_cuda_scenario(old_driver ENV "LD_LIBRARY_PATH=${_f}/old_driver")
accel_cuda_scenario(missing_symbol ENV "LD_LIBRARY_PATH=${_f}/missing_symbol")
accel_cuda_scenario(nvml_hang ENV "LD_LIBRARY_PATH=${_f}/nvml_hang:${_f}/ok"
  "ACCEL_PROBE_TIMEOUT_MS=1000" TIMEOUT 30)
accel_cuda_scenario(nolib ENV "LD_LIBRARY_PATH=${_f}")
accel_cuda_scenario(cache)
accel_cuda_scenario(in_process ENV "LD_LIBRARY_PATH=${_f}/ok")

# accel_device_ordinal(): the CUDA ordinal of each device, with and without
# CUDA_VISIBLE_DEVICES (what the Python adapters hand to PyTorch and ONNX Runtime).
accel_add_test(test_device_ordinal SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device_ordinal.c
  ENV "LD_LIBRARY_PATH=${ACCEL_FAKES_DIR}/ok" TIMEOUT 60)
add_dependencies(test_device_ordinal accel_fakes)
add_test(NAME test_device_ordinal_visible COMMAND test_device_ordinal visible)
set_tests_properties(test_device_ordinal_visible PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60
  ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_device_ordinal_visible;LD_LIBRARY_PATH=${ACCEL_FAKES_DIR}/ok;CUDA_VISIBLE_DEVICES=1")
