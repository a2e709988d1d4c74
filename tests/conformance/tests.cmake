# Conformance: every registered operation on every usable device (CPU always; OpenCL/PoCL,
# CUDA, HIP when present) against independent references, one entry per operation; the
# small-budget entries rerun convert, reduce and whisper with a 1 MB memory budget so the
# executor has to split them into batches (whisper up to 61 s of audio: under that budget a
# batch is far smaller than the device slice the 331-s input is there to cross).
set(conf_dir ${CMAKE_CURRENT_LIST_DIR})
set(conf_sources ${conf_dir}/conformance.c ${conf_dir}/conf_common.c ${conf_dir}/conf_convert.c
  ${conf_dir}/conf_reduce.c ${conf_dir}/conf_audio.c ${conf_dir}/conf_image.c)
set_source_files_properties(${conf_sources} PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
foreach(op convert reduce noop whisper vggish fbank image_decode image_gray image_resize
    image_blob scrfd_input scrfd_output image_warp arcface_align image_quality image_enhance
    scrfd_prepare)
  accel_add_test(conformance_${op} SOURCES ${conf_sources} ARGS --op ${op} TIMEOUT 600
    LABELS conformance)
endforeach()
foreach(op convert reduce whisper)
  set(args --op ${op})
  if(op STREQUAL "whisper")
    list(APPEND args --max-audio-samples 976000)
  endif()
  add_test(NAME conformance_${op}_small_budget COMMAND conformance_${op} ${args})
  set_tests_properties(conformance_${op}_small_budget PROPERTIES SKIP_RETURN_CODE 77
    TIMEOUT 600 LABELS conformance ENVIRONMENT
    "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/conformance_${op}_small_budget;ACCEL_MEMORY_LIMIT_GB=0.001")
endforeach()
add_test(NAME conformance_registry COMMAND conformance_noop --registry)
set_tests_properties(conformance_registry PROPERTIES LABELS conformance)

# The image operations with device code on an OpenCL device alone (PoCL in CI): each must run
# there (not merely be skipped as "does not offer"); exits 77 on a machine without OpenCL.
set(conf_image_device_ops image_gray image_resize image_blob scrfd_input image_warp
  arcface_align image_quality image_enhance)
foreach(op ${conf_image_device_ops})
  add_test(NAME conformance_${op}_opencl COMMAND conformance_${op} --op ${op} --require-kind opencl
    --skip-if-absent)
  set_tests_properties(conformance_${op}_opencl PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
    LABELS "conformance;opencl" ENVIRONMENT
    "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/conformance_${op}_opencl")
endforeach()

# The same cases on the stand-in drivers (tests/gpu/fake_cuda, tests/gpu/fake_hip; 1 GiB of
# "device" memory each): the CUDA and HIP backends' host code (arguments, geometry, copies,
# batches) drives the kernels' C build, run with a GPU's work-group semantics
# (tests/gpu/fake_gpu). --require-kind runs the cases on that device alone and fails unless
# it ran them. The HIP stand-in's devices are the captured tree tests/data/sysfs-amd's GPUs,
# found by discovery over that tree; HIP_VISIBLE_DEVICES=0 keeps one (the MI210, gfx90a).
# The small-budget entries split every call into batches through the planner, as above; on
# the CUDA stand-in only (the executor's batching is the same for both backends), and not
# for reduce (its cases already run in uneven batches, and it is the slowest on a stand-in).
# The image operations with device code run on both stand-ins, those with several kernels or
# tables (resize, SCRFD input, enhance) also under the small budget.
foreach(fake cuda hip)
  if(fake STREQUAL "cuda")
    set(kind cuda)
    set(fake_env "LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fake-cuda-backend")
    set(fake_lib accel_fake_libcuda)
  else()
    set(kind rocm)
    set(fake_env "ACCEL_HIP_LIBRARY=${CMAKE_BINARY_DIR}/fake-hip-backend/libamdhip64.so"
      "ACCEL_SYSFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/sysfs-amd" HIP_VISIBLE_DEVICES=0)
    set(fake_lib accel_fake_libamdhip64)
  endif()
  foreach(op convert reduce noop whisper vggish fbank ${conf_image_device_ops})
    foreach(budget "" _small_budget)
      if(budget AND (NOT fake STREQUAL "cuda" OR
                     NOT op MATCHES "^(convert|whisper|image_resize|scrfd_input|image_enhance)$"))
        continue()
      endif()
      set(name conformance_${op}${budget}_fake_${fake})
      set(env "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${name}" ${fake_env}
        ACCEL_FAKE_GPU_MEMORY_MB=1024)
      if(budget)
        list(APPEND env ACCEL_MEMORY_LIMIT_GB=0.001)
      endif()
      set(args --op ${op} --require-kind ${kind})
      if(budget AND op STREQUAL "whisper")
        list(APPEND args --max-audio-samples 976000) # 61 s, as above
      endif()
      add_test(NAME ${name} COMMAND conformance_${op} ${args})
      set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
        LABELS "conformance;fake-gpu;${fake}" ENVIRONMENT "${env}")
    endforeach()
    add_dependencies(conformance_${op} ${fake_lib})
  endforeach()
endforeach()
