# Executor, fault injection, planner, precision and benchmark engine.
set(EXEC_DIR ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_exec_fallback SOURCES ${EXEC_DIR}/test_exec_fallback.c)
accel_add_test(test_exec_bisect SOURCES ${EXEC_DIR}/test_exec_bisect.c)
accel_add_test(test_fault SOURCES ${EXEC_DIR}/test_fault.c)
accel_add_test(test_planner SOURCES ${EXEC_DIR}/test_planner.c)
accel_add_test(test_precision SOURCES ${EXEC_DIR}/test_precision.c)
