# accel doctor: library resolution, and fault scenarios run through the real `accel` binary
# with small fake vendor libraries first on LD_LIBRARY_PATH.
#
# Fakes built here (the libcuda.so.1 fakes come from tests/cuda):
#   fakes/cudart12/      libcudart.so.12 -> libcudart.so.12.4.127 (reports CUDA 12.4)
#   fakes/cudnn9_noops/  libcudnn.so.9 alone: aborts on load, like cuDNN without libcudnn_ops
#   fakes/cudnn9/        libcudnn.so.9 with all seven sub-libraries
#   fakes/wheel/site-packages/nvidia/{cudnn,cuda_runtime}/lib/
#                        libcudnn.so.9 alone and libcudart.so.12, laid out as NVIDIA's pip
#                        wheels (nvidia-cudnn-cu12, nvidia-cuda-runtime-cu12) install them
set(ACCEL_DOCTOR_FAKES ${CMAKE_BINARY_DIR}/fakes)

function(accel_doctor_fake target dir name version soversion src)
  add_library(${target} SHARED ${CMAKE_CURRENT_LIST_DIR}/fakes/${src})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name} VERSION ${version}
    SOVERSION ${soversion} LIBRARY_OUTPUT_DIRECTORY ${ACCEL_DOCTOR_FAKES}/${dir}
    C_VISIBILITY_PRESET default)
  target_link_libraries(${target} PRIVATE ${CMAKE_DL_LIBS})
endfunction()

accel_doctor_fake(fake_cudart12 cudart12 cudart 12.4.127 12 fake_cudart.c)
accel_doctor_fake(fake_cudnn9_noops cudnn9_noops cudnn 9.1.0 9 fake_cudnn.c)
accel_doctor_fake(fake_cudnn9 cudnn9 cudnn 9.1.0 9 fake_cudnn.c)
accel_doctor_fake(fake_cudnn9_wheel wheel/site-packages/nvidia/cudnn/lib cudnn 9.1.0 9 fake_cudnn.c)
accel_doctor_fake(fake_cudart12_wheel wheel/site-packages/nvidia/cuda_runtime/lib cudart 12.4.127
  12 fake_cudart.c)
set(ACCEL_DOCTOR_FAKE_TARGETS fake_cudart12 fake_cudnn9_noops fake_cudnn9 fake_cudnn9_wheel
  fake_cudart12_wheel)
foreach(sub ops cnn adv graph engines_precompiled engines_runtime_compiled heuristic)
  accel_doctor_fake(fake_cudnn9_${sub} cudnn9 cudnn_${sub} 9.1.0 9 fake_cudnn_sub.c)
  list(APPEND ACCEL_DOCTOR_FAKE_TARGETS fake_cudnn9_${sub})
endforeach()

accel_add_test(test_libresolve SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_libresolve.c
  ENV "LD_LIBRARY_PATH=${ACCEL_DOCTOR_FAKES}/cudart12:${ACCEL_DOCTOR_FAKES}/cudnn9"
  TIMEOUT 60)
add_dependencies(test_libresolve ${ACCEL_DOCTOR_FAKE_TARGETS})

accel_add_test(test_doctor_units SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_doctor_units.c
  ENV "ACCEL_PROBE_TIMEOUT_MS=5000" TIMEOUT 60 LABELS doctor)

# One entry per fault scenario (tests/doctor/test_doctor_scenarios.c lists them). They run the
# real accel binary; the libcuda fakes are built by tests/fakes.
foreach(scenario init_fails abort_on_load hang_in_init old_driver cudnn_missing_ops
                 cudnn_complete captured_tree machine prints exit_on_load cudnn_mixed
                 cudnn_wheel_incomplete nvml_after_abort nvml_alone missing_symbol)
  accel_add_test(test_doctor_${scenario}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_doctor_scenarios.c
    ARGS ${scenario} ENV "ACCEL_PROBE_TIMEOUT_MS=1000" TIMEOUT 90 LABELS doctor)
  add_dependencies(test_doctor_${scenario} ${ACCEL_DOCTOR_FAKE_TARGETS})
  if(TARGET accel_cli)
    add_dependencies(test_doctor_${scenario} accel_cli)
  endif()
endforeach()

# accel_doctor(): the doctor through the public API (the Python package's doctor()).
accel_add_test(test_doctor_api SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_doctor_api.c
  ENV "ACCEL_PROBE_TIMEOUT_MS=5000" TIMEOUT 90 LABELS doctor)
