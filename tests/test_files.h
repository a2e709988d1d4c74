/* test_files.h — file chores that tests share: writing a file whole, and emptying a directory
 * of the disk cache so a scenario starts cold. */
#ifndef ACCEL_TEST_FILES_H
#define ACCEL_TEST_FILES_H

#include "test.h"
#include "core/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Writes n bytes to path, replacing the file; a failure to write is a test failure. */
static inline void test_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    if (!f) return;
    ASSERT_TRUE(fwrite(data, 1, n, f) == n);
    ASSERT_TRUE(fclose(f) == 0);
}

/* Removes the files of <cache dir>/<sub> ("verdicts", "kernels/cuda") whose names begin with
 * `prefix` ("" for all). Returns how many it removed. */
static inline int test_wipe_cache(const char *sub, const char *prefix)
{
    char dir[1024];
    if (accel__cache_path(NULL, sub, dir, sizeof dir) != ACCEL_OK) return 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    size_t pl = strlen(prefix);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, pl) != 0) continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        n += unlink(p) == 0;
    }
    closedir(d);
    return n;
}

#endif
