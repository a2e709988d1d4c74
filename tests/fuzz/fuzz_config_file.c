/* fuzz_config_file — the configuration file (src/core/config_file.c with inih, then every
 * key and value validated by src/core/config.c), read from memory as from a file. */
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen wants at least one byte: an empty file reads as one blank line */
    char *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy != NULL);
    if (size) memcpy(copy, data, size);
    else copy[0] = '\n';
    FILE *f = fmemopen(copy, size ? size : 1, "r");
    FUZZ_CHECK(f != NULL);
    accel_status st = accel__config_check_stream(f, "fuzz.ini");
    const char *msg = accel__last_error_text();
    FUZZ_CHECK(st == ACCEL_OK || (msg && strlen(msg) < 4096));
    accel__clear_error();
    fclose(f);
    free(copy);
    return 0;
}
