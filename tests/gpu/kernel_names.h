/* kernel_names.h — the kernels a family defines: every line that starts with
 * "AK_KERNEL void <name>(" in its source (the dialect header's own example is indented, so it
 * is not counted), and every kernel a generator macro defines: a
 * "#define GEN(NAME, …)" whose body holds "AK_KERNEL void NAME(", then each line that starts
 * with "GEN(<name>," (basic.kern's AK_CONVERT_KERNEL). */
#ifndef ACCEL_TEST_KERNEL_NAMES_H
#define ACCEL_TEST_KERNEL_NAMES_H

#include <stdio.h>
#include <string.h>

/* Appends the identifier at `name` (k characters) to the space-separated list in out. */
static inline void kernel_names_add(char *out, size_t cap, const char *name, size_t k)
{
    size_t len = strlen(out);
    if (k && len + k + 2 < cap)
        snprintf(out + len, cap - len, "%s%.*s", len ? " " : "", (int)k, name);
}

/* 1 when line `p` (at the start of a line) is "#define GEN(P, …) …" whose body, continued
 * over backslash-ended lines, holds "AK_KERNEL void P" followed by "("; GEN goes to gen. */
static inline int kernel_names_generator(const char *p, char *gen, size_t cap)
{
    static const char def[] = "#define ";
    if (strncmp(p, def, sizeof def - 1) != 0) return 0;
    p += sizeof def - 1;
    size_t m = strcspn(p, "( \t\n");
    if (p[m] != '(' || m == 0 || m >= cap) return 0;
    memcpy(gen, p, m);
    gen[m] = '\0';
    const char *param = p + m + 1;
    param += strspn(param, " \t");
    size_t k = strcspn(param, ", \t)");
    const char *end = param;
    for (;;) { /* the end of the definition: the first newline not after a backslash */
        end = strchr(end, '\n');
        if (!end || end[-1] != '\\') break;
        end++;
    }
    if (!end) end = param + strlen(param);
    static const char tag[] = "AK_KERNEL void ";
    for (const char *q = param; (q = strstr(q, tag)) != NULL && q < end; q++) {
        const char *n = q + sizeof tag - 1;
        n += strspn(n, " \t");
        if (strncmp(n, param, k) != 0) continue;
        n += k;
        n += strspn(n, " \t");
        if (*n == '(') return 1;
    }
    return 0;
}

/* Writes the names, space separated, into out. */
static inline void kernel_names(const char *text, char *out, size_t cap)
{
    static const char tag[] = "AK_KERNEL void ";
    out[0] = '\0';
    for (const char *p = text; (p = strstr(p, tag)) != NULL; p += sizeof tag - 1) {
        if (p != text && p[-1] != '\n') continue;
        const char *name = p + sizeof tag - 1;
        kernel_names_add(out, cap, name, strcspn(name, "( \t\n"));
    }
    for (const char *line = text; line && *line;) {
        char gen[64];
        if (kernel_names_generator(line, gen, sizeof gen)) {
            size_t g = strlen(gen);
            for (const char *p = text; (p = strstr(p, gen)) != NULL; p += g) {
                if ((p != text && p[-1] != '\n') || p[g] != '(') continue;
                const char *name = p + g + 1;
                name += strspn(name, " \t");
                kernel_names_add(out, cap, name, strcspn(name, ", \t)\n"));
            }
        }
        line = strchr(line, '\n');
        if (line) line++;
    }
}

#endif
