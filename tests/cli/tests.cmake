# The command line's conventions, checked through the built `accel`: one vocabulary of
# operation names, one spelling of options, one output convention, help and suggestions.
if(TARGET accel_cli)
  foreach(t names options outputs help measures markdown)
    accel_add_test(test_cli_${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli_${t}.c TIMEOUT 300)
    add_dependencies(test_cli_${t} accel_cli)
  endforeach()
endif()
