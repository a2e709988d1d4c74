# NVIDIA discovery: CUDA_VISIBLE_DEVICES and PCI ids, the verdict cache, the loader-path
# search, and discovery scenarios against the fake libraries of tests/fakes (one ctest entry
# per scenario; the entry's environment chooses the fake variant).
accel_add_test(test_verdict_cache SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verdict_cache.c)
