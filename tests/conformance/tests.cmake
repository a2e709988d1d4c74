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

# The same cases on the stand-in CUDA driver (tests/gpu/fake_cuda, 1 GiB of "device" memory):
# the CUDA backend's host code (arguments, geometry, copies, batches) drives the kernels' C
# build, run with a GPU's work-group semantics (tests/gpu/fake_gpu). --require-kind cuda runs
# the cases on the CUDA device alone and fails unless it ran them. The small-budget entries
# split every call into batches through the planner, as above (not reduce: its cases already
# run in uneven batches, and it is the slowest on the stand-in).
foreach(op convert reduce noop whisper vggish fbank)
  foreach(budget "" _small_budget)
    if(budget AND NOT op MATCHES "^(convert|whisper)$")
      continue()
    endif()
    set(name conformance_${op}${budget}_fake_cuda)
    set(env "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${name}")
    list(APPEND env "LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fake-cuda-backend" ACCEL_FAKE_GPU_MEMORY_MB=1024)
    if(budget)
      list(APPEND env ACCEL_MEMORY_LIMIT_GB=0.001)
    endif()
    add_test(NAME ${name} COMMAND conformance_${op} --op ${op} --require-kind cuda)
    set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
      LABELS "conformance;fake-gpu;cuda" ENVIRONMENT "${env}")
  endforeach()
  add_dependencies(conformance_${op} accel_fake_libcuda)
endforeach()
