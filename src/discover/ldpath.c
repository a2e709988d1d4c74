/* ldpath.c — the dynamic loader's search for a soname, repeated without loading anything.
 * Why: see ldpath.h. The ld.so cache layout read here is glibc's "new" format (the only one
 * glibc ≥ 2.32 writes; older caches put it after the legacy "ld.so-1.7.0" table, which is
 * skipped): a 48-byte header, `nlibs` entries of 24 bytes {flags, key, value, osversion,
 * hwcap}, and strings addressed by offsets from the start of that header. */
#include "discover/ldpath.h"

#include "core/internal.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__)
#define LD_TRIPLET "x86_64-linux-gnu"
#define LD_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define LD_TRIPLET "aarch64-linux-gnu"
#define LD_MACHINE EM_AARCH64
#elif defined(__i386__)
#define LD_TRIPLET "i386-linux-gnu"
#define LD_MACHINE EM_386
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LD_TRIPLET "powerpc64le-linux-gnu"
#define LD_MACHINE EM_PPC64
#else
#define LD_TRIPLET ""
#define LD_MACHINE (-1)
#endif

int accel__ld_elf_matches(const char *path)
{
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0) return 0;
    if (h[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (h[EI_DATA] != ELFDATA2LSB) return 0;
#else
    if (h[EI_DATA] != ELFDATA2MSB) return 0;
#endif
    uint16_t type, machine;
    memcpy(&type, h + 16, 2);
    memcpy(&machine, h + 18, 2);
    if (type != ET_DYN) return 0;
    return LD_MACHINE < 0 || machine == (uint16_t)LD_MACHINE;
}

/* Joins dir and name; returns 1 when the result is a matching ELF file. */
static int try_dir(const char *dir, const char *soname, char *path, size_t cap)
{
    char buf[4096];
    int k = snprintf(buf, sizeof buf, "%s/%s", *dir ? dir : ".", soname);
    if (k < 0 || (size_t)k >= sizeof buf) return 0;
    if (!accel__ld_elf_matches(buf)) return 0;
    accel__strlcpy(path, buf, cap);
    return 1;
}

#define CACHE_MAGIC_NEW "glibc-ld.so.cache1.1"
#define CACHE_MAGIC_OLD "ld.so-1.7.0"
#define CACHE_HEADER 48u
#define CACHE_ENTRY 24u

int accel__ld_cache_lookup(const char *cache_file, const char *soname, char *path, size_t cap)
{
    path[0] = '\0';
    int fd = open(cache_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)CACHE_HEADER) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return -1;

    size_t base = 0;
    if (memcmp(map, CACHE_MAGIC_OLD, strlen(CACHE_MAGIC_OLD)) == 0) {
        /* legacy table: 11-byte magic padded to 12, uint32 count, 12-byte entries; the new
         * header follows at the next 8-byte boundary */
        uint32_t nold;
        memcpy(&nold, map + 12, 4);
        base = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
    }
    int found = -1;
    if (base + CACHE_HEADER <= size &&
        memcmp(map + base, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW)) == 0) {
        found = 0;
        uint32_t nlibs;
        memcpy(&nlibs, map + base + 20, 4);
        size_t want = strlen(soname);
        for (uint32_t i = 0; i < nlibs; i++) {
            size_t e = base + CACHE_HEADER + (size_t)i * CACHE_ENTRY;
            if (e + CACHE_ENTRY > size) break;
            uint32_t key, value;
            memcpy(&key, map + e + 4, 4);
            memcpy(&value, map + e + 8, 4);
            size_t ko = base + key, vo = base + value;
            if (ko + want + 1 > size || vo >= size) continue;
            if (memcmp(map + ko, soname, want + 1) != 0) continue;
            const char *v = (const char *)map + vo;
            size_t vlen = strnlen(v, size - vo);
            if (vlen == size - vo || vlen >= cap) continue;
            char cand[4096];
            memcpy(cand, v, vlen);
            cand[vlen] = '\0';
            if (!accel__ld_elf_matches(cand)) continue; /* another arch's entry */
            accel__strlcpy(path, cand, cap);
            found = 1;
            break;
        }
    }
    munmap((void *)map, size);
    return found;
}

static void note(char *searched, size_t scap, const char *text)
{
    if (!searched || !scap) return;
    size_t n = strlen(searched);
    snprintf(searched + n, scap - n, "%s%s", n ? ", " : "", text);
}

int accel__ld_locate(const char *soname, char *path, size_t cap, char *searched, size_t scap)
{
    path[0] = '\0';
    if (searched && scap) searched[0] = '\0';
    if (strchr(soname, '/')) { /* a path: the loader opens it as given */
        if (!accel__ld_elf_matches(soname)) return 0;
        accel__strlcpy(path, soname, cap);
        return 1;
    }
    const char *llp = getenv("LD_LIBRARY_PATH");
    if (llp && *llp) {
        char text[1200];
        snprintf(text, sizeof text, "LD_LIBRARY_PATH=%s", llp);
        note(searched, scap, text);
        /* ld.so splits on ':' and ';'; an empty element means the current directory */
        const char *p = llp;
        for (;;) {
            size_t len = strcspn(p, ":;");
            char dir[2048];
            if (len < sizeof dir) {
                memcpy(dir, p, len);
                dir[len] = '\0';
                if (try_dir(dir, soname, path, cap)) return 1;
            }
            if (!p[len]) break;
            p += len + 1;
        }
    }
    note(searched, scap, "ld.so cache /etc/ld.so.cache");
    if (accel__ld_cache_lookup("/etc/ld.so.cache", soname, path, cap) == 1) return 1;
    static const char *const dirs[] = {
        "/lib/" LD_TRIPLET, "/usr/lib/" LD_TRIPLET, "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        if (!LD_TRIPLET[0] && i < 2) continue;
        note(searched, scap, dirs[i]);
        if (try_dir(dirs[i], soname, path, cap)) return 1;
    }
    return 0;
}
