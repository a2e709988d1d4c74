/* kernel_names.h — the kernels a family defines: every line that starts with
 * "AK_KERNEL void <name>(" in its source (the dialect header's own example is indented, so it
 * is not counted). */
#ifndef ACCEL_TEST_KERNEL_NAMES_H
#define ACCEL_TEST_KERNEL_NAMES_H

#include <stdio.h>
#include <string.h>

/* Writes the names, space separated, into out. */
static inline void kernel_names(const char *text, char *out, size_t cap)
{
    static const char tag[] = "AK_KERNEL void ";
    out[0] = '\0';
    for (const char *p = text; (p = strstr(p, tag)) != NULL; p += sizeof tag - 1) {
        if (p != text && p[-1] != '\n') continue;
        const char *name = p + sizeof tag - 1;
        size_t k = strcspn(name, "( \t\n"), len = strlen(out);
        if (k && len + k + 2 < cap)
            snprintf(out + len, cap - len, "%s%.*s", len ? " " : "", (int)k, name);
    }
}

#endif
