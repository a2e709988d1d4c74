/* fuzz_manifest — the manifest reader of corpus runs (src/ops/corpus/manifest.c): lists and
 * CSV (quotes, doubled quotes, line breaks inside fields, CRLF, a byte order mark). Each
 * input is read under two names, a plain one (the form decided by the first line) and a
 * ".csv" one (always CSV). What must hold: a manifest accepted has at least one path, every
 * path is a terminated non-empty string of at most 4095 bytes with no NUL, and its line lies
 * within the input's lines, in order; a refusal carries a message naming the manifest.
 * fuzz.sh flags: -max_len=4096 */
#include "fuzz.h"

static void check(const uint8_t *data, size_t size, const char *name)
{
    accel_manifest *m = NULL;
    accel_status st = accel_manifest_parse(data, size, name, &m);
    if (st != ACCEL_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(strstr(accel_last_error(NULL), name) != NULL);
        accel__clear_error();
        return;
    }
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    size_t n = accel_manifest_count(m), prev = 0;
    FUZZ_CHECK(n >= 1);
    for (size_t i = 0; i < n; i++) {
        const char *p = accel_manifest_path(m, i);
        FUZZ_CHECK(p != NULL);
        size_t len = strlen(p);
        FUZZ_CHECK(len >= 1 && len <= 4095 && len <= size);
        size_t line = accel_manifest_line(m, i);
        FUZZ_CHECK(line >= 1 && line <= lines && line >= prev);
        prev = line;
    }
    FUZZ_CHECK(accel_manifest_path(m, n) == NULL);
    accel_manifest_free(m);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, "fuzz.txt");
    check(data, size, "fuzz.csv");
    return 0;
}
