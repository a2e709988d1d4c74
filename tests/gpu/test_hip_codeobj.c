/* The HIP code objects hipcc built into the library: a well-formed clang offload bundle
 * (magic, entries inside the file), one amdgcn code object (an ELF) for exactly the targets the
 * build recorded, each holding every kernel of every family. Skips (77) when the library was
 * built without hipcc. */
#include "test.h"
#include "backends/hip/hip_kernels.h"
#include "core/internal.h"
#include "core/kernels.h"
#include "image_scan.h"
#include "kernel_names.h"

#include <stdint.h>
#include <string.h>

#define BUNDLE_MAGIC "__CLANG_OFFLOAD_BUNDLE__"

int main(void)
{
    const unsigned char *b;
    size_t size;
    const char *archs;
    if (!accel__hip_codeobj(&b, &size, &archs))
        TEST_SKIP("built without hipcc: no embedded HIP code objects");
    printf("code objects: %zu bytes, %s\n", size, archs);
    size_t ml = strlen(BUNDLE_MAGIC);
    ASSERT_TRUE(size > ml + 8 && memcmp(b, BUNDLE_MAGIC, ml) == 0);
    if (size <= ml + 8) TEST_DONE();
    uint64_t count = le64(b + ml);
    ASSERT_TRUE(count >= 1 && count < 64);
    size_t off = ml + 8;
    char seen[512] = "";
    int gpu_entries = 0;
    for (uint64_t i = 0; i < count && off + 24 <= size; i++) {
        uint64_t eoff = le64(b + off), esize = le64(b + off + 8), tlen = le64(b + off + 16);
        off += 24;
        ASSERT_TRUE(tlen < 256 && off + tlen <= size);
        if (tlen >= 256 || off + tlen > size) break;
        char triple[256];
        memcpy(triple, b + off, tlen);
        triple[tlen] = '\0';
        off += tlen;
        ASSERT_TRUE(eoff + esize <= size);
        printf("  %s: %llu bytes\n", triple, (unsigned long long)esize);
        const char *gfx = strstr(triple, "amdgcn-amd-amdhsa--");
        if (!gfx) continue; /* the host entry is empty */
        gfx += strlen("amdgcn-amd-amdhsa--");
        ASSERT_TRUE(esize > 64 && memcmp(b + eoff, "\177ELF", 4) == 0);
        for (size_t f = 0; f < accel__kernel_source_count; f++) {
            char names[1024];
            kernel_names(accel__kernel_sources[f].text, names, sizeof names);
            for (char *t = strtok(names, " "); t; t = strtok(NULL, " "))
                if (!contains(b + eoff, (size_t)esize, t))
                    TEST_FAIL_("kernel %s is not in the %s code object", t, gfx);
        }
        size_t len = strlen(seen);
        snprintf(seen + len, sizeof seen - len, "%s%.*s", len ? " " : "", (int)strcspn(gfx, ":"), gfx);
        gpu_entries++;
    }
    printf("targets: %s\n", seen);
    /* The same set as recorded (the bundler sorts its entries). */
    char tmp[512];
    accel__strlcpy(tmp, archs, sizeof tmp);
    int n_archs = 0;
    for (char *t = strtok(tmp, " "); t; t = strtok(NULL, " ")) {
        n_archs++;
        if (!has_word(seen, t)) TEST_FAIL_("target %s is not in the bundle (%s)", t, seen);
    }
    ASSERT_EQ_INT(gpu_entries, n_archs);
    TEST_DONE();
}
