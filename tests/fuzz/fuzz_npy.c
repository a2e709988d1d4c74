/* fuzz_npy — the .npy header reader that decides whether an output is complete
 * (accel_npy_header_parse in src/ops/corpus/npy_check.c): magic, version, header length, and
 * the Python dict literal numpy writes. What must hold for an accepted header: it lies within
 * the input, the dtype is a terminated simple one, 0..8 dimensions, and the data size is the
 * product of the shape and the item size without overflow; the completeness check on the
 * same bytes written to a file agrees with the header (complete exactly when the file size is
 * the header plus the data).
 * fuzz.sh flags: -max_len=2048 */
#include "fuzz.h"

#include <fcntl.h>
#include <unistd.h>

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    snprintf(path, sizeof path, "/tmp/fuzz_npy-%d.npy", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    accel_npy_info info = {.struct_size = sizeof info};
    accel_status st = accel_npy_header_parse(data, size, &info);
    if (st == ACCEL_OK) {
        FUZZ_CHECK(info.header_bytes <= size);
        FUZZ_CHECK(info.ndim >= 0 && info.ndim <= 8);
        FUZZ_CHECK(memchr(info.descr, '\0', sizeof info.descr) != NULL);
        size_t dl = strlen(info.descr);
        FUZZ_CHECK(dl >= 2);
        uint64_t isz = (uint64_t)atoi(info.descr + (dl >= 3 && strchr("<>|=", info.descr[0]) ? 2 : 1));
        uint64_t want = isz;
        for (int i = 0; i < info.ndim; i++) want *= info.shape[i];
        FUZZ_CHECK(want == info.data_bytes);
    } else {
        accel__clear_error();
    }
    /* the same bytes as a file: complete exactly when the header parses and the sizes agree */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
    close(fd);
    accel_status cst = accel_output_complete(path, NULL);
    FUZZ_CHECK((cst == ACCEL_OK) ==
               (st == ACCEL_OK && size > 0 && info.header_bytes + info.data_bytes == size));
    accel__clear_error();
    unlink(path);
    return 0;
}
