# Corpus runs (src/ops/corpus/, docs/cli.md "Corpus runs"): the per-item step through the
# public API, and the multi-file verbs killed and resumed for real.
set(_cd ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_corpus_api SOURCES ${_cd}/test_corpus_api.c TIMEOUT 120 LABELS corpus)
if(TARGET accel_cli)
  add_test(NAME test_corpus_resume COMMAND bash ${_cd}/test_corpus_resume.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_SOURCE_DIR}/tests/data ${CMAKE_BINARY_DIR}/test-corpus-resume)
  set_tests_properties(test_corpus_resume PROPERTIES TIMEOUT 300 LABELS corpus
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_corpus_resume")
endif()
if(TARGET accel_cli)
  add_test(NAME test_corpus_cli COMMAND bash ${_cd}/test_corpus_cli.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_SOURCE_DIR}/tests/data ${CMAKE_BINARY_DIR}/test-corpus-cli
    ${CMAKE_BINARY_DIR}/fakes/hold_rename/libhold_rename.so.1)
  set_tests_properties(test_corpus_cli PROPERTIES TIMEOUT 300 LABELS corpus
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_corpus_cli")
endif()
