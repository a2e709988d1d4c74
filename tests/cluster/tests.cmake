# Corpus runs under a real Slurm on localhost (tests/cluster/slurm_local.sh, docs/cluster.md):
# about 25 s on a 2-core machine; skipped (77) where Slurm cannot start (not root, slurm-wlm
# or munge absent).
if(TARGET accel_cli)
  add_test(NAME test_slurm_local COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/slurm_local.sh
    $<TARGET_FILE:accel_cli> ${CMAKE_BINARY_DIR}/test-slurm-local)
  set_tests_properties(test_slurm_local PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS cluster
    RUN_SERIAL TRUE
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_slurm_local")
endif()
