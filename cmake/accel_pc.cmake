# accel_pc.cmake — writes the pkg-config files at install time, when the prefix is final
# (`cmake --install build --prefix P`, which `make install PREFIX=P` runs, may name another
# prefix than the one configured). Run from install(CODE) with:
#   ACCEL_PC_DIR      where to write accel.pc and accel-static.pc (in the build tree; they are
#                     then installed with install(FILES), so they land in install_manifest.txt
#                     and `make uninstall` removes them)
#   ACCEL_PC_LIBDIR   CMAKE_INSTALL_LIBDIR, ACCEL_PC_INCDIR CMAKE_INSTALL_INCLUDEDIR
#   ACCEL_PC_VERSION, ACCEL_PC_REQUIRES_PRIVATE ("inih" or ""), ACCEL_PC_TRIPLET
#   CMAKE_INSTALL_PREFIX (set by cmake --install)
#
# Paths are absolute and clean (`pkg-config --cflags accel` gives -I/opt/accel/include, not
# -I/opt/accel/lib/pkgconfig/../../include). Libs carries a run path (-Wl,-rpath,LIBDIR) unless
# LIBDIR is one the dynamic loader always searches, so a program linked with
# `pkg-config --libs accel` runs without LD_LIBRARY_PATH.
get_filename_component(prefix "${CMAKE_INSTALL_PREFIX}" ABSOLUTE)
if(IS_ABSOLUTE "${ACCEL_PC_LIBDIR}")
  set(libdir "${ACCEL_PC_LIBDIR}")
else()
  set(libdir "\${exec_prefix}/${ACCEL_PC_LIBDIR}")
endif()
if(IS_ABSOLUTE "${ACCEL_PC_INCDIR}")
  set(includedir "${ACCEL_PC_INCDIR}")
else()
  set(includedir "\${prefix}/${ACCEL_PC_INCDIR}")
endif()
string(REPLACE "\${exec_prefix}" "${prefix}" libdir_abs "${libdir}")
set(trusted /lib /usr/lib /lib64 /usr/lib64)
if(ACCEL_PC_TRIPLET)
  list(APPEND trusted /lib/${ACCEL_PC_TRIPLET} /usr/lib/${ACCEL_PC_TRIPLET})
endif()
set(rpath "-Wl,-rpath,\${libdir} ")
list(FIND trusted "${libdir_abs}" trusted_at) # (install scripts run without CMP0057: no IN_LIST)
if(NOT trusted_at EQUAL -1)
  set(rpath "")
endif()
set(requires_private "")
set(requires "")
if(ACCEL_PC_REQUIRES_PRIVATE)
  set(requires_private "Requires.private: ${ACCEL_PC_REQUIRES_PRIVATE}\n")
  set(requires "Requires: ${ACCEL_PC_REQUIRES_PRIVATE}\n")
endif()
set(head "prefix=${prefix}
exec_prefix=\${prefix}
libdir=${libdir}
includedir=${includedir}

")
file(WRITE "${ACCEL_PC_DIR}/accel.pc" "${head}Name: accel
Description: Dependable accelerator layer for ML and media pipelines (shared library)
Version: ${ACCEL_PC_VERSION}
${requires_private}Libs: -L\${libdir} ${rpath}-laccel
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
")
file(WRITE "${ACCEL_PC_DIR}/accel-static.pc" "${head}Name: accel-static
Description: Dependable accelerator layer for ML and media pipelines (static library)
Version: ${ACCEL_PC_VERSION}
${requires}Libs: \${libdir}/libaccel.a -lpthread -ldl -lm
Cflags: -I\${includedir} -DACCEL_STATIC_DEFINE
")
