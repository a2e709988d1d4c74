# The fuzz build (ACCEL_FUZZ=ON, docs/build-options.md and docs/testing.md): the library is
# compiled with libFuzzer's coverage instrumentation and AddressSanitizer + UndefinedBehavior-
# Sanitizer, every finding fatal. Included before the library is defined; the targets
# themselves come from tests/fuzz/targets.cmake.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "ACCEL_FUZZ=ON needs Clang with libFuzzer (Debian: clang-14 and "
    "libclang-rt-14-dev): CC=clang cmake -S . -B build-fuzz -DACCEL_FUZZ=ON, or `make fuzz`")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)
