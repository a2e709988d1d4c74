# Optional part: configuration files (ACCEL_CONFIG or ~/.config/accel/config.ini) are read with
# inih (Debian libinih-dev, pkg-config `inih`). Without it the library still builds; a config
# file that is present then gives a clear error saying this build lacks INI support.
option(ACCEL_WITH_INIH "Read configuration files with libinih when it is found" ON)
set(ACCEL_HAVE_INIH OFF)
if(ACCEL_WITH_INIH AND PKG_CONFIG_FOUND)
  pkg_check_modules(INIH QUIET inih)
  if(INIH_FOUND)
    set(ACCEL_HAVE_INIH ON)
    target_compile_definitions(accel_objects PRIVATE ACCEL_HAVE_INIH=1)
    target_include_directories(accel_objects PRIVATE ${INIH_INCLUDE_DIRS})
    # Link by name so the exported targets and accel.pc stay relocatable.
    link_directories(${INIH_LIBRARY_DIRS})
    list(APPEND ACCEL_LINK_LIBS ${INIH_LIBRARIES})
    set(ACCEL_PC_REQUIRES_PRIVATE inih) # accel.pc: Requires.private (inih ships inih.pc)
  endif()
endif()
if(ACCEL_HAVE_INIH)
  string(APPEND ACCEL_BUILD_SUMMARY "config files: inih ${INIH_VERSION}; ")
elseif(NOT ACCEL_WITH_INIH)
  string(APPEND ACCEL_BUILD_SUMMARY "config files: no (ACCEL_WITH_INIH=OFF); ")
else()
  string(APPEND ACCEL_BUILD_SUMMARY "config files: no (libinih not found: install libinih-dev); ")
endif()
