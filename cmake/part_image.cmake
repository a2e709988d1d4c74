# Image operations (src/ops/image): optimisation flags for the pixel kernels, and the optional
# decoding libraries, each found with pkg-config:
#   libturbojpeg                 → ACCEL_HAVE_TURBOJPEG  (JPEG through libjpeg-turbo's TurboJPEG API)
#   libjpeg                      → ACCEL_HAVE_LIBJPEG    (the same library's libjpeg API: JPEG
#                                                         decoded by rows for accel_scrfd_prepare)
#   spng                         → ACCEL_HAVE_SPNG       (PNG through libspng)
#   libwebp                      → ACCEL_HAVE_WEBP       (WebP through libwebp)
# ACCEL_IMAGE_JPEG / ACCEL_IMAGE_PNG / ACCEL_IMAGE_WEBP (ON by default) turn each off. None is
# linked: each is opened with dlopen on first use (src/ops/image/decode_*.c), so their headers
# are needed at build time and the libraries only where images of that format are decoded. A
# format whose library was not found at build time is ACCEL_ERR_NOT_BUILT_IN; one whose library
# is missing at run time is ACCEL_ERR_UNAVAILABLE naming the Debian package to install.
option(ACCEL_IMAGE_JPEG "Decode JPEG with libjpeg-turbo (TurboJPEG) when found" ON)
option(ACCEL_IMAGE_PNG "Decode PNG with libspng when found" ON)
option(ACCEL_IMAGE_WEBP "Decode WebP with libwebp when found" ON)

set(_image_dir ${CMAKE_CURRENT_SOURCE_DIR}/src/ops/image)
file(GLOB _image_sources ${_image_dir}/*.c)
# The pixel loops are written for the compiler to vectorise: -O3 turns them into whole vector
# instructions. Contraction stays off (part_cpu_simd.cmake): the float paths reproduce
# OpenCV's separately rounded multiplies and adds.
foreach(src ${_image_sources})
  set_property(SOURCE ${src} APPEND PROPERTY COMPILE_OPTIONS -O3)
endforeach()

set(_image_libs "")
accel_runtime_lib(ACCEL_IMAGE_JPEG ACCEL_TURBOJPEG ACCEL_HAVE_TURBOJPEG libturbojpeg _image_libs libturbojpeg)
accel_runtime_lib(ACCEL_IMAGE_JPEG ACCEL_LIBJPEG ACCEL_HAVE_LIBJPEG libjpeg _image_libs libjpeg)
accel_runtime_lib(ACCEL_IMAGE_PNG ACCEL_SPNG ACCEL_HAVE_SPNG libspng _image_libs spng)
accel_runtime_lib(ACCEL_IMAGE_WEBP ACCEL_WEBP ACCEL_HAVE_WEBP libwebp _image_libs libwebp)
string(REPLACE ";" ", " _image_libs_s "${_image_libs}")
if(NOT _image_libs_s)
  set(_image_libs_s "no decoders")
else()
  set(_image_libs_s "${_image_libs_s} (loaded at run time)")
endif()
string(APPEND ACCEL_BUILD_SUMMARY "image: ${_image_libs_s}; ")
