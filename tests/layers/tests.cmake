# The layering (docs/architecture.md). layers_includes: what each layer of src/, tools/ and the
# Python extension (python/src/) may include, checked over every #include line (and, for
# operations and backends, over the whole include chain); layers_includes_selftest: the
# checker finds violations planted in a scratch tree. layers_call_loops: no two files of the
# library call each other and no call goes up the layers (no exceptions);
# layers_call_loops_selftest: that checker fails on a planted loop and a planted upward call.
set(layers_dir ${CMAKE_CURRENT_LIST_DIR})
find_program(ACCEL_PYTHON3 python3)
if(ACCEL_PYTHON3)
  add_test(NAME layers_includes COMMAND ${ACCEL_PYTHON3} ${layers_dir}/check_layers.py
    ${CMAKE_SOURCE_DIR})
  add_test(NAME layers_includes_selftest COMMAND ${ACCEL_PYTHON3} ${layers_dir}/check_layers.py
    --self-test)
  add_test(NAME layers_call_loops COMMAND ${ACCEL_PYTHON3} ${layers_dir}/check_call_loops.py
    $<TARGET_OBJECTS:accel_objects> COMMAND_EXPAND_LISTS)
  add_test(NAME layers_call_loops_selftest COMMAND ${ACCEL_PYTHON3}
    ${layers_dir}/check_call_loops.py --self-test ${CMAKE_C_COMPILER})
  set_tests_properties(layers_includes layers_includes_selftest layers_call_loops
    layers_call_loops_selftest PROPERTIES
    LABELS layers SKIP_RETURN_CODE 77)
endif()
