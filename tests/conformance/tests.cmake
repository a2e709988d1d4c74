# Conformance: every registered operation on every usable device (CPU always; OpenCL/PoCL,
# CUDA, HIP when present) against independent references, one entry per operation; the
# small-budget entries rerun convert and reduce with a 1 MB memory budget so the executor has
# to split them into batches.
set(conf_dir ${CMAKE_CURRENT_LIST_DIR})
set(conf_sources ${conf_dir}/conformance.c ${conf_dir}/conf_common.c ${conf_dir}/conf_convert.c
  ${conf_dir}/conf_reduce.c ${conf_dir}/conf_audio.c)
set_source_files_properties(${conf_sources} PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
foreach(op convert reduce noop whisper vggish fbank)
  accel_add_test(conformance_${op} SOURCES ${conf_sources} ARGS --op ${op} TIMEOUT 600
    LABELS conformance)
endforeach()
foreach(op convert reduce whisper)
  add_test(NAME conformance_${op}_small_budget COMMAND conformance_${op} --op ${op})
  set_tests_properties(conformance_${op}_small_budget PROPERTIES SKIP_RETURN_CODE 77
    TIMEOUT 600 LABELS conformance ENVIRONMENT
    "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/conformance_${op}_small_budget;ACCEL_MEMORY_LIMIT_GB=0.001")
endforeach()
add_test(NAME conformance_registry COMMAND conformance_noop --registry)
set_tests_properties(conformance_registry PROPERTIES LABELS conformance)
