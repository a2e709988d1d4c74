# Kernel sources: src/kernels/<family>.kern, written once in the dialect of
# src/kernels/dialect.h. Each is embedded in the library as text (dialect header first) for the
# run-time compilers (OpenCL, NVRTC): accel__kernel_sources[] in generated/kernel_sources.c.
# Build-time compilers (nvcc, hipcc) compile the same files through their own parts.
file(GLOB ACCEL_KERNEL_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/*.kern)
list(SORT ACCEL_KERNEL_FILES)
set(ACCEL_KERNEL_DIALECT ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/dialect.h)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${ACCEL_KERNEL_DIALECT}
  ${ACCEL_KERNEL_FILES})

function(accel__embed_text var path)
  file(READ ${path} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  set(${var} "${hex}" PARENT_SCOPE)
endfunction()

accel__embed_text(dialect_hex ${ACCEL_KERNEL_DIALECT})
set(ks "/* generated from the kernel sources in src/kernels — do not edit */\n#include \"core/kernels.h\"\n\n")
set(ks_table "")
set(ks_count 0)
foreach(k ${ACCEL_KERNEL_FILES})
  get_filename_component(fam ${k} NAME_WE)
  accel__embed_text(k_hex ${k})
  string(APPEND ks "static const char src_${fam}[] = {${dialect_hex}0x0a,${k_hex}0x00};\n")
  string(APPEND ks_table "    {\"${fam}\", src_${fam}, sizeof src_${fam} - 1},\n")
  math(EXPR ks_count "${ks_count} + 1")
endforeach()
string(APPEND ks "\nconst accel__kernel_source accel__kernel_sources[] = {\n${ks_table}    {0, 0, 0}\n};\n")
string(APPEND ks "const size_t accel__kernel_source_count = ${ks_count};\n")
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/generated/kernel_sources.c CONTENT "${ks}")
target_sources(accel_objects PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated/kernel_sources.c)
string(APPEND ACCEL_BUILD_SUMMARY "kernels: ${ks_count} source families; ")

# accel_embed_binary(IN OUT NAME DESC WHAT): a build-time kernel image (fatbin, code objects)
# turned into a C array NAME in OUT (cmake/embed_binary.cmake) and compiled into the library.
# The device parts (part_cuda, part_hip) share it.
function(accel_embed_binary in out name desc what)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${in} -DOUT=${out} -DNAME=${name} "-DDESC=${desc}"
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_binary.cmake
    DEPENDS ${in} ${CMAKE_SOURCE_DIR}/cmake/embed_binary.cmake
    COMMENT "Embedding ${what}" VERBATIM)
  target_sources(accel_objects PRIVATE ${out})
endfunction()
