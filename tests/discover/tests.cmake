accel_add_test(test_pci_scan SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pci_scan.c)
accel_add_test(test_cpu_parse SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cpu_parse.c)
accel_add_test(test_devices_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_devices_cli.c)
add_dependencies(test_devices_cli accel_cli)
