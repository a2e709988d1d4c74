/* npy.c — NumPy .npy v1.0 files of float32 in C order. The header is always padded to 128
 * bytes so that a streamed file can be started before its shape is known and the header
 * rewritten in place at the end. */
#include "audio_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

accel_status accel__npy_header(char hdr[128], const size_t *shape, int ndim)
{
    char dict[128];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    const char *descr = ">f4"; /* the data are written in the host's byte order */
#else
    const char *descr = "<f4";
#endif
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    /* numpy's own spelling: "(5,)" for one dimension, "(2, 3)" for more */
    for (int i = 0; i < ndim; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%zu%s", shape[i], ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    /* magic (6) + version (2) + length (2) + dict + spaces + '\n' = 128 */
    RETURN_ERROR_IF(k < 0 || k > 128 - 11, ACCEL_ERR_INVALID_ARG, "npy shape too long for the header");
    memset(hdr, ' ', 128);
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)(118 & 0xff); /* header length: 128 - 10, little endian */
    hdr[9] = 0;
    memcpy(hdr + 10, dict, (size_t)k);
    hdr[127] = '\n';
    return ACCEL_OK;
}

/* Written to a temporary file beside `path` and renamed into place (core/util.c, in pieces of
 * at most ACCEL__WRITE_PIECE), so a reader never sees half an array. One buffer for the two:
 * the arrays written this way are small (`accel audio features --demo -o`). */
accel_status accel__npy_write(const char *path, const float *data, const size_t *shape, int ndim)
{
    char hdr[128];
    FORWARD_IF_ERROR(accel__npy_header(hdr, shape, ndim));
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    char *buf = malloc(sizeof hdr + n * sizeof *data);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory writing '%s'", path);
    memcpy(buf, hdr, sizeof hdr);
    if (n) memcpy(buf + sizeof hdr, data, n * sizeof *data);
    accel_status st = accel__write_file_atomic(path, buf, sizeof hdr + n * sizeof *data, 0666);
    free(buf);
    return st;
}
