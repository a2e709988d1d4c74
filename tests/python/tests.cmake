# The Python package (python/): the extension is built with this build's libaccel.a into
# ${CMAKE_BINARY_DIR}/python/lib (target accel_python, part of the default build), and its
# pytest suite runs as one ctest entry per file of python/tests. The interpreter is Debian's
# /usr/bin/python3 (ACCEL_PYTHON overrides); without python3-dev, setuptools or pytest the
# package is left out with a message, as optional parts are.
set(ACCEL_PYTHON "/usr/bin/python3" CACHE FILEPATH "Python interpreter for the accel Python package")
set(_py_src ${CMAKE_SOURCE_DIR}/python)
set(_py_ok FALSE)
if(ACCEL_SANITIZE)
  # an extension holding sanitized code loads only into an interpreter started with the
  # sanitizer's runtime; the C tests cover the library under the sanitizers
  message(STATUS "python package: not built in a sanitizer build (ACCEL_SANITIZE=${ACCEL_SANITIZE})")
  return()
endif()
if(EXISTS ${ACCEL_PYTHON} AND EXISTS ${_py_src}/setup.py)
  execute_process(COMMAND ${ACCEL_PYTHON} -c
    "import os, sysconfig, setuptools, pytest; h = os.path.join(sysconfig.get_paths()['include'], 'Python.h'); assert os.path.exists(h), h"
    RESULT_VARIABLE _py_rc OUTPUT_QUIET ERROR_VARIABLE _py_err)
  if(_py_rc EQUAL 0)
    set(_py_ok TRUE)
  endif()
endif()
if(NOT _py_ok)
  message(STATUS "python package: not built (${ACCEL_PYTHON} lacks python3-dev, python3-setuptools or python3-pytest: scripts/deps.sh test)")
  return()
endif()

set(ACCEL_PYTHON_LIB ${CMAKE_BINARY_DIR}/python/lib)
file(GLOB _py_deps CONFIGURE_DEPENDS ${_py_src}/src/*.c ${_py_src}/src/*.h ${_py_src}/accel/*.py
  ${_py_src}/accel/*.pyi ${_py_src}/accel/py.typed ${_py_src}/setup.py
  ${CMAKE_SOURCE_DIR}/tools/accel/*.c ${CMAKE_SOURCE_DIR}/tools/accel/*.h)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/python/built.stamp
  COMMAND ${CMAKE_COMMAND} -E env ACCEL_STATIC_LIB=$<TARGET_FILE:accel_static>
          ${ACCEL_PYTHON} setup.py -q build --build-lib ${ACCEL_PYTHON_LIB}
          --build-temp ${CMAKE_BINARY_DIR}/python/temp
  COMMAND ${CMAKE_COMMAND} -E touch ${CMAKE_BINARY_DIR}/python/built.stamp
  DEPENDS accel_static ${_py_deps}
  WORKING_DIRECTORY ${_py_src}
  COMMENT "Building the accel Python package (python/)" VERBATIM)
add_custom_target(accel_python ALL DEPENDS ${CMAKE_BINARY_DIR}/python/built.stamp)
message(STATUS "python package: built with ${ACCEL_PYTHON} into ${ACCEL_PYTHON_LIB}")

# Empty stand-ins for the CUDA libraries the doctor resolves but never loads, so the adapters'
# tests can build a complete CUDA stack out of fakes (the loader cache switched off).
foreach(spec "cublas;12.4.5;12" "cublasLt;12.4.5;12" "cufft;11.2.1;11")
  list(GET spec 0 _n)
  list(GET spec 1 _v)
  list(GET spec 2 _s)
  add_library(fake_py_${_n} SHARED ${CMAKE_CURRENT_LIST_DIR}/fake_lib.c)
  set_target_properties(fake_py_${_n} PROPERTIES OUTPUT_NAME ${_n} VERSION ${_v} SOVERSION ${_s}
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fakes/cuda_toolkit12)
  add_dependencies(accel_python fake_py_${_n})
endforeach()

file(GLOB _py_tests CONFIGURE_DEPENDS ${_py_src}/tests/test_*.py)
list(SORT _py_tests)
foreach(t ${_py_tests})
  get_filename_component(_stem ${t} NAME_WE)
  string(REGEX REPLACE "^test_" "" _stem ${_stem})
  set(name python_${_stem})
  add_test(NAME ${name} COMMAND ${ACCEL_PYTHON} -m pytest -q -p no:cacheprovider ${t})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS python
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    ENVIRONMENT "PYTHONPATH=${ACCEL_PYTHON_LIB};PYTHONDONTWRITEBYTECODE=1;ACCEL_TEST_BUILD=${CMAKE_BINARY_DIR};ACCEL_TEST_SOURCE=${CMAKE_SOURCE_DIR};ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${name}")
endforeach()
# the image calls again on the OpenCL device (PoCL in CI), the CLI on the same device: results
# must stay the CLI's and the references' there too (skipped without an OpenCL device)
add_test(NAME python_image_opencl COMMAND ${ACCEL_PYTHON} -m pytest -q -p no:cacheprovider
  ${_py_src}/tests/test_image.py)
set_tests_properties(python_image_opencl PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS python
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
  ENVIRONMENT "ACCEL_BACKEND=opencl;PYTHONPATH=${ACCEL_PYTHON_LIB};PYTHONDONTWRITEBYTECODE=1;ACCEL_TEST_BUILD=${CMAKE_BINARY_DIR};ACCEL_TEST_SOURCE=${CMAKE_SOURCE_DIR};ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/python_image_opencl")

# pip install into a virtual environment (Debian's pip refuses system installs), from python/
# and from the repository root, then the package is used from outside the source tree.
add_test(NAME python_install COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_install.sh
  ${ACCEL_PYTHON} ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR} ${CMAKE_BINARY_DIR}/test-python-install)
set_tests_properties(python_install PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS python
  ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/python_install")
