accel_add_test(test_pci_scan SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pci_scan.c)
accel_add_test(test_cpu_parse SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cpu_parse.c)
