# accel_runtime_lib(<switch> <prefix> <define> <label> <list> <pkg-config module>...)
#
# An optional library that libaccel opens with dlopen on first use (src/ops/audio/lazy_lib.h,
# src/ops/image/decode_*.c): only its headers are needed at build time. When the option
# <switch> is ON and pkg-config finds the modules, accel_objects gets the compile definition
# <define> and the headers' directories, and "<label> <version>" (the first module's version)
# is appended to the list variable <list> for the build summary. Nothing is linked.
function(accel_runtime_lib switch prefix define label list)
  if(NOT ${switch} OR NOT PKG_CONFIG_FOUND)
    return()
  endif()
  pkg_check_modules(${prefix} QUIET ${ARGN})
  if(NOT ${prefix}_FOUND)
    return()
  endif()
  target_compile_definitions(accel_objects PRIVATE ${define})
  target_include_directories(accel_objects PRIVATE ${${prefix}_INCLUDE_DIRS})
  list(GET ARGN 0 first)
  set(version "${${prefix}_VERSION}")
  if(NOT version)
    set(version "${${prefix}_${first}_VERSION}")
  endif()
  set(${list} ${${list}} "${label} ${version}" PARENT_SCOPE)
endfunction()
