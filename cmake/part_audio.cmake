# Audio front ends (src/ops/audio): optimisation and instruction-set flags for the frame
# kernels, and the optional decoding libraries, each found with pkg-config:
#   sndfile                     → ACCEL_HAVE_SNDFILE  (FLAC, Ogg/Vorbis, AIFF, … through libsndfile)
#   soxr                        → ACCEL_HAVE_SOXR     (resampling to 16 kHz)
#   libavformat, libavcodec,
#   libavutil, libswresample    → ACCEL_HAVE_FFMPEG   (mp3, m4a/aac, opus, audio of video files)
#   libmpg123                   → ACCEL_HAVE_MPG123   (MPEG audio where FFmpeg is absent or
#                                 refuses it; quiet, unlike libsndfile's use of the same library)
# ACCEL_AUDIO_SNDFILE / ACCEL_AUDIO_SOXR / ACCEL_AUDIO_FFMPEG / ACCEL_AUDIO_MPG123 (ON by
# default) turn each off.
# Without any of them the built-in WAV reader still works and 16 kHz input needs no resampler.
# None is linked: each is opened with dlopen on first use (src/ops/audio/lazy_lib.h), so their
# headers are needed at build time and the libraries only where audio files are decoded.
option(ACCEL_AUDIO_SNDFILE "Decode audio with libsndfile when found" ON)
option(ACCEL_AUDIO_SOXR "Resample audio with libsoxr when found" ON)
option(ACCEL_AUDIO_FFMPEG "Decode audio with FFmpeg when found" ON)
option(ACCEL_AUDIO_MPG123 "Decode MPEG audio with libmpg123 when found" ON)

include(CheckCCompilerFlag)
set(_audio_dir ${CMAKE_CURRENT_SOURCE_DIR}/src/ops/audio)
file(GLOB _audio_sources ${_audio_dir}/*.c)
# The frame kernels are written as loops over 16 frames; -O3 and contraction into FMA make
# them whole vector instructions.
set_source_files_properties(${_audio_sources} PROPERTIES COMPILE_OPTIONS "-O3")
set(_audio_isas "generic")
# Every kernel build below takes -fno-math-errno: sqrtf over a vector of lanes (VGGish's
# magnitudes, never of a negative number) then becomes one vector square root, where keeping
# errno made it a scalar call per lane (40 % of the VGGish kernel's time). Square roots are
# correctly rounded either way: the values do not change.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  check_c_compiler_flag("-mavx2 -mfma" ACCEL_CC_AVX2)
  check_c_compiler_flag("-mavx512f -mavx512vl -mavx512dq -mprefer-vector-width=512" ACCEL_CC_AVX512)
  if(ACCEL_CC_AVX2)
    set_source_files_properties(${_audio_dir}/kern_avx2.c PROPERTIES
      COMPILE_OPTIONS "-O3;-fno-math-errno;-mavx2;-mfma;-ffp-contract=fast;-Wno-psabi"
      COMPILE_DEFINITIONS ACCEL_AUDIO_ISA_AVX2)
    list(APPEND _audio_isas avx2)
  endif()
  if(ACCEL_CC_AVX512)
    set_source_files_properties(${_audio_dir}/kern_avx512.c PROPERTIES
      COMPILE_OPTIONS "-O3;-fno-math-errno;-mavx2;-mfma;-mavx512f;-mavx512vl;-mavx512dq;-mprefer-vector-width=512;-ffp-contract=fast;-Wno-psabi"
      COMPILE_DEFINITIONS ACCEL_AUDIO_ISA_AVX512)
    list(APPEND _audio_isas avx512)
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  # Advanced SIMD and FMA are part of AArch64: no target flags, only contraction.
  set_source_files_properties(${_audio_dir}/kern_neon.c PROPERTIES
    COMPILE_OPTIONS "-O3;-fno-math-errno;-ffp-contract=fast;-Wno-psabi"
    COMPILE_DEFINITIONS ACCEL_AUDIO_ISA_NEON)
  list(APPEND _audio_isas neon)
endif()
# The portable build keeps every multiply and add apart (-ffp-contract=off): x86-64's
# baseline has no FMA anyway, and on AArch64, whose base does, the neon build is the one that
# fuses, so that the generic build is the same plain arithmetic on every target.
set_source_files_properties(${_audio_dir}/kern_generic.c PROPERTIES COMPILE_OPTIONS "-O3;-fno-math-errno;-ffp-contract=off;-Wno-psabi")

set(_audio_libs "")
accel_runtime_lib(ACCEL_AUDIO_SNDFILE ACCEL_SNDFILE ACCEL_HAVE_SNDFILE libsndfile _audio_libs sndfile)
accel_runtime_lib(ACCEL_AUDIO_SOXR ACCEL_SOXR ACCEL_HAVE_SOXR libsoxr _audio_libs soxr)
accel_runtime_lib(ACCEL_AUDIO_MPG123 ACCEL_MPG123 ACCEL_HAVE_MPG123 libmpg123 _audio_libs libmpg123)
# FFmpeg too is opened with dlopen (decode_ffmpeg.c), so that libaccel never loads FFmpeg's own
# dependencies (OpenCL, VA-API, DRM) at start-up
accel_runtime_lib(ACCEL_AUDIO_FFMPEG ACCEL_FFMPEG ACCEL_HAVE_FFMPEG "FFmpeg: libavformat" _audio_libs
  libavformat libavcodec libavutil libswresample)
string(REPLACE ";" ", " _audio_libs_s "${_audio_libs}")
string(REPLACE ";" "/" _audio_isas_s "${_audio_isas}")
if(NOT _audio_libs_s)
  set(_audio_libs_s "built-in WAV only")
else()
  set(_audio_libs_s "${_audio_libs_s} (loaded at run time), built-in WAV")
endif()
string(APPEND ACCEL_BUILD_SUMMARY "audio: ${_audio_libs_s}; kernels ${_audio_isas_s}; ")
