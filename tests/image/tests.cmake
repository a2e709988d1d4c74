# Image operations: exactness against OpenCV 4.6, insightface restated in numpy and
# scikit-image, on scikit-image's photographs and random images (references made at test time
# by make_image_refs.py), bad input, batches and the API's contracts.
set(_id ${CMAKE_CURRENT_LIST_DIR})
add_executable(test_image_refs ${_id}/test_image_refs.c)
target_link_libraries(test_image_refs PRIVATE accel_internal m)
target_include_directories(test_image_refs PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(test_image_refs PRIVATE _GNU_SOURCE)
foreach(group decode gray resize blob scrfd_in scrfd_out align quality clahe prepare)
  add_test(NAME test_image_ref_${group} COMMAND bash ${_id}/test_image_refs.sh ${group}
    ${_id}/make_image_refs.py $<TARGET_FILE:test_image_refs> ${CMAKE_BINARY_DIR}/test-image-refs/${group})
  set_tests_properties(test_image_ref_${group} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
    LABELS image ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_image_ref_${group}")
endforeach()
# the same references on a device (PoCL in CI; skipped without an OpenCL device), for every
# group whose operations have device code (decode and SCRFD output run on the CPU; prepare's
# blob and quality run on the device, its decoding on the CPU)
foreach(group gray resize blob scrfd_in align quality clahe prepare)
  add_test(NAME test_image_ref_${group}_opencl COMMAND bash ${_id}/test_image_refs.sh ${group}
    ${_id}/make_image_refs.py $<TARGET_FILE:test_image_refs>
    ${CMAKE_BINARY_DIR}/test-image-refs/${group}_opencl opencl)
  set_tests_properties(test_image_ref_${group}_opencl PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77
    LABELS "image;opencl" ENVIRONMENT
    "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_image_ref_${group}_opencl")
endforeach()
# the API's contracts and bad input (tests/data/image/bad, made by make_bad_files.py)
accel_add_test(test_image_api SOURCES ${_id}/test_image_api.c TIMEOUT 120 LABELS image)
# the device paths beyond the conformance cases: submissions split by the device's largest
# allocation (PoCL limited to 1 GiB, so 256 MiB), one image too big for it, a bad image in a
# device batch
accel_add_test(test_image_device SOURCES ${_id}/test_image_device.c ENV POCL_MEMORY_LIMIT=1
  TIMEOUT 300 LABELS image opencl)
# every SIMD level's kernels against the baseline's
accel_add_test(test_image_isa SOURCES ${_id}/test_image_isa.c LABELS image)
# the verb: `accel image quality|decode|resize|blob|align|enhance`
if(TARGET accel_cli)
  add_test(NAME test_image_cli COMMAND bash ${_id}/test_image_cli.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_SOURCE_DIR}/tests/data/image/bad ${CMAKE_BINARY_DIR}/test-image-cli)
  set_tests_properties(test_image_cli PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS image
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_image_cli")
endif()
