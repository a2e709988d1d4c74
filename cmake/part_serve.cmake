# Optional part: `accel serve` (tools/accel/serve/) on libmicrohttpd (Debian libmicrohttpd-dev,
# pkg-config `libmicrohttpd`, 0.9.71 or newer for enum MHD_Result). Without it the CLI still
# builds and has the verb, which then says it is not built in and what to install.
# ACCEL_WITH_MICROHTTPD=OFF leaves it out. Only its headers are needed at build time: the
# `accel` program opens libmicrohttpd with dlopen when `accel serve` starts (it is never
# linked, so the other verbs do not load it and its TLS stack), the library never does.
#
# This part fills, for the CLI target defined later in CMakeLists.txt:
#   ACCEL_CLI_EXTRA_SOURCES, ACCEL_CLI_EXTRA_DEFS, ACCEL_CLI_EXTRA_INCLUDES
# The dashboard page (tools/accel/serve/dashboard.html) is embedded in the program at build
# time (cmake/embed_binary.cmake): one self-contained file, no build step of its own.
option(ACCEL_WITH_MICROHTTPD "Build accel serve with libmicrohttpd when it is found" ON)
set(ACCEL_HAVE_MICROHTTPD OFF)
if(ACCEL_WITH_MICROHTTPD AND PKG_CONFIG_FOUND)
  pkg_check_modules(MHD QUIET libmicrohttpd>=0.9.71)
  if(MHD_FOUND)
    set(ACCEL_HAVE_MICROHTTPD ON)
  endif()
endif()
if(ACCEL_HAVE_MICROHTTPD)
  set(_serve_dir ${CMAKE_CURRENT_SOURCE_DIR}/tools/accel/serve)
  file(GLOB _serve_sources CONFIGURE_DEPENDS ${_serve_dir}/*.c)
  set(_dash_c ${CMAKE_CURRENT_BINARY_DIR}/generated/serve_dashboard.c)
  add_custom_command(OUTPUT ${_dash_c}
    COMMAND ${CMAKE_COMMAND} -DIN=${_serve_dir}/dashboard.html -DOUT=${_dash_c}
            -DNAME=accel_serve_dashboard -DDESC=text/html -P ${CMAKE_SOURCE_DIR}/cmake/embed_binary.cmake
    DEPENDS ${_serve_dir}/dashboard.html ${CMAKE_SOURCE_DIR}/cmake/embed_binary.cmake
    COMMENT "Embedding the serve dashboard page" VERBATIM)
  list(APPEND ACCEL_CLI_EXTRA_SOURCES ${_serve_sources} ${_dash_c})
  list(APPEND ACCEL_CLI_EXTRA_DEFS ACCEL_HAVE_MICROHTTPD)
  list(APPEND ACCEL_CLI_EXTRA_INCLUDES ${MHD_INCLUDE_DIRS})
  # not linked: opened with dlopen when `accel serve` starts (serve/serve_mhd.h)
  string(APPEND ACCEL_BUILD_SUMMARY "serve: libmicrohttpd ${MHD_VERSION} (loaded at run time); ")
elseif(NOT ACCEL_WITH_MICROHTTPD)
  string(APPEND ACCEL_BUILD_SUMMARY "serve: no (ACCEL_WITH_MICROHTTPD=OFF); ")
else()
  string(APPEND ACCEL_BUILD_SUMMARY "serve: no (libmicrohttpd not found: install libmicrohttpd-dev); ")
endif()
