accel_add_test(test_status SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_status.c)
accel_add_test(test_hash SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hash.c)
accel_add_test(test_parse_num SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_parse_num.c)
# Under sanitizers the children must die of their signals as they would in production.
accel_add_test(test_probe SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_probe.c
  ENV "ASAN_OPTIONS=handle_segv=0:handle_abort=0:detect_leaks=0")
accel_add_test(test_opnames SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_opnames.c)
accel_add_test(test_backend_table SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_backend_table.c)
accel_add_test(test_kernel_cache_files SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kernel_cache_files.c)
accel_add_test(test_rename_over SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rename_over.c)
accel_add_test(test_thread_scratch SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_thread_scratch.c)
