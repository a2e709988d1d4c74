# Audio front ends: goldens from the reference computations (tests/data/audio, made by
# scripts/make_golden_audio.py), decoding, streaming, VAD, and the CLI.
set(_ad ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_audio_golden SOURCES ${_ad}/test_audio_golden.c TIMEOUT 300 LABELS audio)
accel_add_test(test_audio_fft SOURCES ${_ad}/test_audio_fft.c LABELS audio)
accel_add_test(test_audio_plan_cache SOURCES ${_ad}/test_audio_plan_cache.c LABELS audio)
accel_add_test(test_audio_isa SOURCES ${_ad}/test_audio_isa.c LABELS audio)
accel_add_test(test_audio_decode SOURCES ${_ad}/test_audio_decode.c LABELS audio)
accel_add_test(test_audio_buffer SOURCES ${_ad}/test_audio_buffer.c LABELS audio)
# Under `make asan` the quarantine (freed memory kept resident, 256 MB by default) would count
# in its bounded-memory measurement (+68 MB against +22 MB): a small one keeps both meaningful.
accel_add_test(test_audio_stream SOURCES ${_ad}/test_audio_stream.c TIMEOUT 300 LABELS audio
  ENV "ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=4")
accel_add_test(test_audio_vad SOURCES ${_ad}/test_audio_vad.c LABELS audio)
if(TARGET accel_cli)
  add_test(NAME test_audio_cli COMMAND bash ${_ad}/test_audio_cli.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_SOURCE_DIR}/tests/data/audio ${CMAKE_BINARY_DIR}/test-audio-cli)
  set_tests_properties(test_audio_cli PROPERTIES TIMEOUT 120 LABELS audio
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_audio_cli")
endif()
add_test(NAME test_audio_alsa COMMAND bash ${_ad}/test_audio_alsa.sh $<TARGET_FILE:test_audio_golden>
  ${CMAKE_SOURCE_DIR}/scripts/make_golden_audio.py ${CMAKE_BINARY_DIR}/test-audio-alsa)
set_tests_properties(test_audio_alsa PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS audio
  ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_audio_alsa")
accel_add_test(test_audio_api SOURCES ${_ad}/test_audio_api.c LABELS audio)
# 16-bit PCM read in place (memory, mapped WAVs, the stream) equals the float route, bit for bit
accel_add_test(test_audio_pcm16 SOURCES ${_ad}/test_audio_pcm16.c TIMEOUT 300 LABELS audio)
accel_add_test(test_audio_dither SOURCES ${_ad}/test_audio_dither.c LABELS audio)
# fbank in float32 against a float64 computation on near-silent, offset, random and tonal inputs
accel_add_test(test_audio_fbank32 SOURCES ${_ad}/test_audio_fbank32.c TIMEOUT 300 LABELS audio)
# the device path (src/ops/audio/device.c + src/kernels/audio.kern) on a test OpenCL device
add_test(NAME test_audio_golden_opencl COMMAND test_audio_golden --test-opencl)
set_tests_properties(test_audio_golden_opencl PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 LABELS audio
  ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_audio_golden_opencl")
accel_add_test(test_audio_device SOURCES ${_ad}/test_audio_device.c TIMEOUT 300 LABELS audio)
add_test(NAME test_audio_kern_compile COMMAND bash ${_ad}/test_audio_kern_compile.sh ${CMAKE_SOURCE_DIR}
  ${CMAKE_BINARY_DIR}/test-audio-kern)
set_tests_properties(test_audio_kern_compile PROPERTIES TIMEOUT 300 LABELS audio
  ENVIRONMENT "CC=${CMAKE_C_COMPILER}")
# peak memory of `accel audio features` on a long input, every kind (a child's RSS via wait4)
if(TARGET accel_cli)
  accel_add_test(test_audio_memory SOURCES ${_ad}/test_audio_memory.c ARGS $<TARGET_FILE:accel_cli>
    TIMEOUT 120 LABELS audio)
  add_dependencies(test_audio_memory accel_cli)
endif()
# pipes, standard input, FIFOs, an output that is an input, signals, truncated and non-finite
# inputs, through the CLI
if(TARGET accel_cli)
  add_test(NAME test_audio_inputs COMMAND bash ${_ad}/test_audio_inputs.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_SOURCE_DIR}/tests/data/audio ${CMAKE_BINARY_DIR}/test-audio-inputs)
  set_tests_properties(test_audio_inputs PROPERTIES TIMEOUT 180 LABELS audio
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_audio_inputs")
endif()
# non-finite samples refused wherever they are, on the CPU and the test OpenCL device
accel_add_test(test_audio_nonfinite SOURCES ${_ad}/test_audio_nonfinite.c TIMEOUT 300 LABELS audio)
# resampling 1 Hz to 16 kHz under an address-space limit (libsoxr fed in bounded pieces)
accel_add_test(test_audio_resample_limit SOURCES ${_ad}/test_audio_resample_limit.c LABELS audio)
