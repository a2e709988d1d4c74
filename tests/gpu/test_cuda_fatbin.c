/* The fatbin nvcc built into the library: a well-formed fatbin (magic 0xBA55ED50, entries
 * inside its stated size), holding exactly the architectures the build recorded (SASS as ELF
 * images, PTX as text), and every kernel of every family. When cuobjdump is available its
 * listing must agree. Skips (77) when the library was built without nvcc. */
#include "test.h"
#include "backends/cuda/cuda_kernels.h"
#include "core/kernels.h"
#include "image_scan.h"
#include "kernel_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    const unsigned char *fb;
    size_t size;
    const char *archs;
    if (!accel__cuda_fatbin(&fb, &size, &archs))
        TEST_SKIP("built without nvcc: no embedded fatbin (kernels come from NVRTC)");
    printf("fatbin: %zu bytes, %s\n", size, archs);
    ASSERT_TRUE(((uintptr_t)fb & 7) == 0);
    ASSERT_TRUE(size >= 16);
    ASSERT_EQ_INT(le32(fb), 0xBA55ED50u);
    ASSERT_EQ_INT(le16(fb + 4), 1);
    uint16_t hdr = le16(fb + 6);
    uint64_t body = le64(fb + 8);
    ASSERT_EQ_INT(hdr, 16);
    ASSERT_TRUE(hdr + body <= size);

    /* Entries: kind (1 PTX, 2 ELF), header size, payload size, architecture at +28. */
    char seen[512] = "";
    size_t off = hdr, end = hdr + (size_t)body;
    int entries = 0;
    while (off + 64 <= end) {
        uint16_t kind = le16(fb + off);
        uint32_t ehdr = le32(fb + off + 4);
        uint64_t payload = le64(fb + off + 8);
        uint32_t compressed = le32(fb + off + 16);
        uint32_t arch = le32(fb + off + 28);
        ASSERT_TRUE(ehdr >= 64 && off + ehdr + payload <= end);
        if (ehdr < 64 || off + ehdr + payload > end) break;
        ASSERT_TRUE(kind == 1 || kind == 2);
        char name[32];
        snprintf(name, sizeof name, "%s_%u", kind == 2 ? "sm" : "compute", arch);
        if (kind == 2 && compressed == 0)
            ASSERT_TRUE(memcmp(fb + off + ehdr, "\177ELF", 4) == 0);
        if (kind == 1 && compressed == 0)
            ASSERT_TRUE(contains(fb + off + ehdr, (size_t)payload, ".entry"));
        size_t len = strlen(seen);
        snprintf(seen + len, sizeof seen - len, "%s%s", len ? " " : "", name);
        entries++;
        off += ehdr + (size_t)payload;
    }
    ASSERT_EQ_INT(off, end);
    printf("entries: %s\n", seen);
    ASSERT_TRUE(entries > 0);
    /* Exactly the recorded architectures, each once. */
    char tmp[512];
    accel__strlcpy(tmp, archs, sizeof tmp);
    int n_archs = 0;
    for (char *t = strtok(tmp, " "); t; t = strtok(NULL, " ")) {
        n_archs++;
        if (!has_word(seen, t)) TEST_FAIL_("architecture %s is not in the fatbin (%s)", t, seen);
    }
    ASSERT_EQ_INT(entries, n_archs);

    /* Every kernel of every family. */
    for (size_t i = 0; i < accel__kernel_source_count; i++) {
        char names[1024];
        kernel_names(accel__kernel_sources[i].text, names, sizeof names);
        ASSERT_TRUE(names[0] != '\0');
        for (char *t = strtok(names, " "); t; t = strtok(NULL, " "))
            if (!contains(fb, size, t))
                TEST_FAIL_("kernel %s (family %s) is not in the fatbin", t,
                           accel__kernel_sources[i].family);
    }

#ifdef ACCEL_TEST_CUOBJDUMP
    if (access(ACCEL_TEST_CUOBJDUMP, X_OK) == 0) {
        char path[] = "/tmp/accel-fatbin-XXXXXX";
        int fd = mkstemp(path);
        ASSERT_TRUE(fd >= 0);
        if (fd >= 0) {
            ASSERT_EQ_INT(write(fd, fb, size), (long long)size);
            close(fd);
            char cmd[1024], out[8192] = "";
            snprintf(cmd, sizeof cmd, "%s --list-elf --list-ptx %s 2>&1", ACCEL_TEST_CUOBJDUMP,
                     path);
            FILE *f = popen(cmd, "r");
            size_t got = f ? fread(out, 1, sizeof out - 1, f) : 0;
            out[got] = '\0';
            if (f) ASSERT_EQ_INT(pclose(f), 0);
            unlink(path);
            printf("cuobjdump:\n%s", out);
            accel__strlcpy(tmp, archs, sizeof tmp);
            for (char *t = strtok(tmp, " "); t; t = strtok(NULL, " "))
                if (strncmp(t, "sm_", 3) == 0) ASSERT_CONTAINS(out, t);
        }
    } else {
        printf("cuobjdump not present at %s: header checks only\n", ACCEL_TEST_CUOBJDUMP);
    }
#else
    printf("cuobjdump not found at configure time: header checks only\n");
#endif
    TEST_DONE();
}
