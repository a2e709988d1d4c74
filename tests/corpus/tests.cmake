# Corpus runs (src/ops/corpus/, docs/cli.md "Corpus runs"): the per-item step through the
# public API, and the multi-file verbs killed and resumed for real.
set(_cd ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_corpus_api SOURCES ${_cd}/test_corpus_api.c TIMEOUT 120 LABELS corpus)
