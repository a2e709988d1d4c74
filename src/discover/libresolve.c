/* libresolve.c — predict the dynamic loader's choice for a soname without loading anything
 * (ELF checks in libresolve_elf.c, the trial load in a probe child in libresolve_probe.c).
 *
 * Why not just dlopen and ask dlinfo: loading runs the library's constructors in this
 * process, and cuDNN, broken drivers and half-installed stacks abort or hang there. Reading the
 * ld.so cache and the directories is cheap and safe; the trial load happens in a child. The
 * doctor shows both, and says when they disagree. */
#include "discover/libresolve.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------- */
/* Versions                                                                                  */
/* ---------------------------------------------------------------------------------------- */

void accel__lib_version_from_name(const char *file, char *buf, size_t cap)
{
    if (cap) buf[0] = '\0';
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *so = strstr(base, ".so.");
    if (!so) return;
    const char *v = so + 4;
    if (!*v || *v == '.') return;
    for (const char *p = v; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.')) return;
    accel__strlcpy(buf, v, cap);
}

int accel__version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
        if (x != y) return x < y ? -1 : 1;
        if (ea == a && eb == b) break; /* neither has a number here */
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
        if (!*a && *b) return -1;
        if (*a && !*b) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The ld.so cache                                                                           */
/* ---------------------------------------------------------------------------------------- */

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"
#define NEW_HEADER 48u /* magic+version 20, nlibs, len_strings, flags+pad, ext offset, 3 unused */
#define NEW_ENTRY 24u  /* flags, key, value, osversion, hwcap (u64) */
#define OLD_ENTRY 12u  /* flags, key, value */
#define HWCAP_EXTENSION (1ull << 62) /* entries for glibc-hwcaps subdirectories */

/* The cache entry flags the loader of this process accepts (glibc's _dl_cache_check_flags). */
static int flags_ok(int32_t f)
{
#if defined(__x86_64__) && defined(__LP64__)
    return f == 0x0303;
#elif defined(__x86_64__)
    return f == 0x0803; /* x32 */
#elif defined(__aarch64__) && defined(__LP64__)
    return f == 0x0a03;
#elif defined(__powerpc64__)
    return f == 0x0503;
#elif defined(__s390x__)
    return f == 0x0403;
#elif defined(__riscv) && defined(__riscv_float_abi_double)
    return f == 0x1003;
#elif defined(__riscv)
    return f == 0x0f03;
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
    return f == 0x0903;
#else
    return f == 1 || f == 3;
#endif
}

typedef struct {
    const char *key;   /* soname (points into the cache buffer) */
    const char *value; /* full path */
} cache_ent;

typedef struct {
    char dir[480];
    char **names; /* entries beginning with "lib", or NULL when not listed yet */
    size_t n;
    int listed, missing;
} dirlist;

struct accel__ldpath {
    char **ldlp; /* LD_LIBRARY_PATH elements */
    size_t n_ldlp;
    char cache_file[480];
    char cache_note[480];
    char *cache_buf;
    cache_ent *ents;
    size_t n_ents;
    int cache_ok;
    dirlist *dirs;
    size_t n_dirs;
};

static uint32_t rd32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Parses lp->cache_buf[0, len); on any inconsistency the cache is treated as unreadable, as
 * the loader does. String offsets count from the start of the new-format header. */
static void cache_parse(accel__ldpath *lp, size_t len)
{
    const char *b = lp->cache_buf;
    size_t base = 0;
    if (len >= 16 && memcmp(b, OLD_MAGIC, sizeof OLD_MAGIC - 1) == 0) {
        uint32_t nold = rd32(b + 12);
        if (nold > len / OLD_ENTRY) goto corrupt;
        base = 16 + (size_t)nold * OLD_ENTRY;
        base = (base + 7) & ~(size_t)7; /* the new part is aligned like its u64 field */
    }
    if (len < base + NEW_HEADER || memcmp(b + base, NEW_MAGIC, sizeof NEW_MAGIC - 1) != 0) {
        snprintf(lp->cache_note, sizeof lp->cache_note,
                 "no \"" NEW_MAGIC "\" header: not read");
        return;
    }
    uint32_t nlibs = rd32(b + base + 20);
    unsigned char endian = (unsigned char)b[base + 28];
    const uint16_t probe = 1;
    int little = *(const unsigned char *)&probe == 1;
    if (endian >= 2 && ((endian == 2) != little)) {
        snprintf(lp->cache_note, sizeof lp->cache_note, "written for the other byte order");
        return;
    }
    if (nlibs > (len - base - NEW_HEADER) / NEW_ENTRY) goto corrupt;
    lp->ents = calloc(nlibs ? nlibs : 1, sizeof *lp->ents);
    if (!lp->ents) goto corrupt;
    const char *data = b + base;
    size_t data_len = len - base;
    for (uint32_t i = 0; i < nlibs; i++) {
        const char *e = data + NEW_HEADER + (size_t)i * NEW_ENTRY;
        int32_t flags = (int32_t)rd32(e);
        uint32_t key = rd32(e + 4), value = rd32(e + 8);
        uint64_t hwcap = rd64(e + 16);
        if (key >= data_len || value >= data_len) goto corrupt;
        if (!memchr(data + key, '\0', data_len - key) || !memchr(data + value, '\0', data_len - value))
            goto corrupt;
        if (!flags_ok(flags) || (hwcap & HWCAP_EXTENSION)) continue;
        lp->ents[lp->n_ents].key = data + key;
        lp->ents[lp->n_ents].value = data + value;
        lp->n_ents++;
    }
    lp->cache_ok = 1;
    snprintf(lp->cache_note, sizeof lp->cache_note, "%zu entries for this ABI", lp->n_ents);
    return;
corrupt:
    free(lp->ents);
    lp->ents = NULL;
    lp->n_ents = 0;
    snprintf(lp->cache_note, sizeof lp->cache_note, "corrupt: not read");
}

static void cache_load(accel__ldpath *lp)
{
    const char *env = getenv(ACCEL__ENV_LD_SO_CACHE);
    accel__strlcpy(lp->cache_file, env && *env ? env : "/etc/ld.so.cache", sizeof lp->cache_file);
    size_t len = 0;
    if (accel__read_file(lp->cache_file, &lp->cache_buf, &len) != ACCEL_OK) {
        snprintf(lp->cache_note, sizeof lp->cache_note, "not readable: %s",
                 accel__last_error_text());
        accel__clear_error();
        return;
    }
    cache_parse(lp, len);
}

int accel__ldcache_parse(const char *buf, size_t len, const char *soname, char *path,
                         size_t path_cap, char *note, size_t note_cap)
{
    accel__ldpath lp;
    memset(&lp, 0, sizeof lp);
    lp.cache_buf = (char *)buf; /* read only, and not freed here */
    cache_parse(&lp, len);
    if (path_cap) path[0] = '\0';
    for (size_t i = 0; soname && i < lp.n_ents; i++)
        if (strcmp(lp.ents[i].key, soname) == 0) {
            accel__strlcpy(path, lp.ents[i].value, path_cap);
            break;
        }
    accel__strlcpy(note, lp.cache_note, note_cap);
    free(lp.ents);
    return lp.cache_ok ? (int)lp.n_ents : -1;
}

int accel__ldpath_cache_entries(const accel__ldpath *lp, char *note, size_t cap)
{
    snprintf(note, cap, "%s (%s)", lp->cache_file, lp->cache_note);
    return lp->cache_ok ? (int)lp->n_ents : -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Directories                                                                               */
/* ---------------------------------------------------------------------------------------- */

#if defined(__x86_64__) && defined(__LP64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnux32"
#elif defined(__i386__)
#define MULTIARCH "i386-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MULTIARCH "powerpc64le-linux-gnu"
#elif defined(__s390x__)
#define MULTIARCH "s390x-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define MULTIARCH "riscv64-linux-gnu"
#elif defined(__arm__)
#define MULTIARCH "arm-linux-gnueabihf"
#else
#define MULTIARCH ""
#endif

/* The loader's built-in directories, as `ld.so --help` lists them: Debian's multiarch layout
 * (/lib/<triplet>, /usr/lib/<triplet>, /lib, /usr/lib), or, where that directory does not
 * exist, the lib64 layout of other distributions on 64-bit machines. */
static const char *const debian_dirs[] = {"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib",
                                          "/usr/lib"};
#if defined(__LP64__)
static const char *const other_dirs[] = {"/lib64", "/usr/lib64", "/lib", "/usr/lib"};
#else
static const char *const other_dirs[] = {"/lib", "/usr/lib"};
#endif

static const char *const *default_dirs_get(size_t *n)
{
    struct stat st;
    if (MULTIARCH[0] && stat(debian_dirs[0], &st) == 0 && S_ISDIR(st.st_mode)) {
        *n = sizeof debian_dirs / sizeof *debian_dirs;
        return debian_dirs;
    }
    *n = sizeof other_dirs / sizeof *other_dirs;
    return other_dirs;
}

/* Where vendors install libraries that the loader does not search unless told to. */
static const char *const hint_dirs[] = {
    "/usr/local/cuda/lib64", "/usr/local/cuda/lib", "/opt/rocm/lib", "/opt/rocm/lib64",
    "/usr/local/lib/ollama", "/opt/nvidia/lib64",
};

static dirlist *dir_get(accel__ldpath *lp, const char *dir)
{
    for (size_t i = 0; i < lp->n_dirs; i++)
        if (strcmp(lp->dirs[i].dir, dir) == 0) return &lp->dirs[i];
    dirlist *nd = realloc(lp->dirs, (lp->n_dirs + 1) * sizeof *nd);
    if (!nd) return NULL;
    lp->dirs = nd;
    dirlist *d = &lp->dirs[lp->n_dirs++];
    memset(d, 0, sizeof *d);
    accel__strlcpy(d->dir, dir, sizeof d->dir);
    return d;
}

static void dir_list(dirlist *d)
{
    if (d->listed) return;
    d->listed = 1;
    DIR *dp = opendir(d->dir);
    if (!dp) {
        d->missing = 1;
        return;
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (strncmp(e->d_name, "lib", 3) != 0 || !strstr(e->d_name, ".so")) continue;
        if (d->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(d->names, nc * sizeof *nn);
            if (!nn) break;
            d->names = nn;
            cap = nc;
        }
        d->names[d->n] = strdup(e->d_name);
        if (d->names[d->n]) d->n++;
    }
    closedir(dp);
}

accel_status accel__ldpath_open(accel__ldpath **out)
{
    *out = NULL;
    accel__ldpath *lp = calloc(1, sizeof *lp);
    RETURN_ERROR_IF(!lp, ACCEL_ERR_NO_MEMORY, "out of memory reading the loader's search path");
    const char *env = getenv("LD_LIBRARY_PATH");
    if (env && *env) {
        /* ':' and ';' both separate; an empty element means the current directory. */
        const char *p = env;
        for (;;) {
            size_t n = strcspn(p, ":;");
            char **nl = realloc(lp->ldlp, (lp->n_ldlp + 1) * sizeof *nl);
            if (!nl) break;
            lp->ldlp = nl;
            lp->ldlp[lp->n_ldlp] = n ? strndup(p, n) : strdup(".");
            if (lp->ldlp[lp->n_ldlp]) lp->n_ldlp++;
            if (!p[n]) break;
            p += n + 1;
        }
    }
    cache_load(lp);
    *out = lp;
    return ACCEL_OK;
}

void accel__ldpath_close(accel__ldpath *lp)
{
    if (!lp) return;
    for (size_t i = 0; i < lp->n_ldlp; i++) free(lp->ldlp[i]);
    free(lp->ldlp);
    for (size_t i = 0; i < lp->n_dirs; i++) {
        for (size_t j = 0; j < lp->dirs[i].n; j++) free(lp->dirs[i].names[j]);
        free(lp->dirs[i].names);
    }
    free(lp->dirs);
    free(lp->ents);
    free(lp->cache_buf);
    free(lp);
}

/* ---------------------------------------------------------------------------------------- */
/* Resolving one soname                                                                      */
/* ---------------------------------------------------------------------------------------- */

static void add_place(accel__lib_info *li, const char *how, const char *where, const char *note)
{
    if (li->n_searched >= ACCEL__LIB_MAX_SEARCHED) return;
    accel__lib_place *p = &li->searched[li->n_searched++];
    accel__strlcpy(p->how, how, sizeof p->how);
    accel__strlcpy(p->where, where, sizeof p->where);
    accel__strlcpy(p->note, note ? note : "", sizeof p->note);
}

static void add_skipped(accel__lib_info *li, const char *path, const char *why)
{
    size_t n = strlen(li->skipped);
    snprintf(li->skipped + n, sizeof li->skipped - n, "%s%s: %s", n ? "; " : "", path, why);
}

/* 1 when `path` exists and is of this process's ABI (as the loader checks), 0 otherwise;
 * a wrong-ABI or non-ELF file is noted in `skipped`. */
static int try_file(accel__lib_info *li, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    char son[128], why[160];
    int rc = accel__elf_soname(path, son, sizeof son, why, sizeof why);
    if (rc != 0) {
        add_skipped(li, path, why);
        return 0;
    }
    accel__strlcpy(li->file_soname, son, sizeof li->file_soname);
    return 1;
}

static void found(accel__lib_info *li, const char *path, const char *via)
{
    li->found = 1;
    accel__strlcpy(li->path, path, sizeof li->path);
    accel__strlcpy(li->via, via, sizeof li->via);
    char rp[PATH_MAX];
    accel__strlcpy(li->realpath, realpath(path, rp) ? rp : path, sizeof li->realpath);
    accel__lib_version_from_name(li->realpath, li->version, sizeof li->version);
    /* A real file named like the soname ("libcudnn.so.9") tells only the ABI major. */
    const char *base = strrchr(li->realpath, '/');
    base = base ? base + 1 : li->realpath;
    int abi_only = strcmp(base, li->soname) == 0 && !strchr(li->version, '.');
    if (li->version[0])
        accel__strlcpy(li->version_source, abi_only ? "soname" : "file name",
                       sizeof li->version_source);
}

accel_status accel__lib_resolve(accel__ldpath *lp, const char *soname, accel__lib_info *li)
{
    memset(li, 0, sizeof *li);
    RETURN_ERROR_IF(!lp || !soname || !*soname || strchr(soname, '/'), ACCEL_ERR_INVALID_ARG,
                    "library resolution needs a bare soname, got '%s'", soname ? soname : "(null)");
    accel__strlcpy(li->soname, soname, sizeof li->soname);
    char path[1024];

    if (!lp->n_ldlp) add_place(li, "LD_LIBRARY_PATH", "", "unset");
    for (size_t i = 0; i < lp->n_ldlp; i++) {
        add_place(li, "LD_LIBRARY_PATH", lp->ldlp[i], NULL);
        snprintf(path, sizeof path, "%s/%s", lp->ldlp[i], soname);
        if (try_file(li, path)) {
            found(li, path, "LD_LIBRARY_PATH");
            return ACCEL_OK;
        }
    }

    add_place(li, "ld.so cache", lp->cache_file, lp->cache_note);
    for (size_t i = 0; i < lp->n_ents; i++) {
        if (strcmp(lp->ents[i].key, soname) != 0) continue;
        if (try_file(li, lp->ents[i].value)) {
            found(li, lp->ents[i].value, "ld.so cache");
            return ACCEL_OK;
        }
        add_skipped(li, lp->ents[i].value, "listed in the ld.so cache but missing or unusable");
    }

    size_t n_def;
    const char *const *default_dirs = default_dirs_get(&n_def);
    for (size_t i = 0; i < n_def; i++) {
        add_place(li, "default directory", default_dirs[i], NULL);
        snprintf(path, sizeof path, "%s/%s", default_dirs[i], soname);
        if (try_file(li, path)) {
            found(li, path, "default directory");
            return ACCEL_OK;
        }
    }

    /* Not found: is there a copy the loader would not look at? */
    for (size_t i = 0; i < sizeof hint_dirs / sizeof *hint_dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", hint_dirs[i], soname);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            snprintf(li->hint, sizeof li->hint, "%s exists, but the loader does not search %s",
                     path, hint_dirs[i]);
            break;
        }
    }
    li->file_soname[0] = '\0';
    return ACCEL_OK;
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

void accel__lib_searched_text(const accel__lib_info *li, char *buf, size_t cap)
{
    buf[0] = '\0';
    int i = 0;
    while (i < li->n_searched) {
        const char *how = li->searched[i].how;
        if (buf[0]) append(buf, cap, "; ");
        if (strcmp(how, "ld.so cache") == 0 || !li->searched[i].where[0]) {
            const accel__lib_place *p = &li->searched[i];
            append(buf, cap, "%s%s%s%s%s%s", how, p->where[0] ? " " : "", p->where,
                   p->note[0] ? " (" : "", p->note, p->note[0] ? ")" : "");
            i++;
            continue;
        }
        append(buf, cap, "%s (",
               strcmp(how, "default directory") == 0 ? "default directories" : how);
        int j = i;
        for (; j < li->n_searched && strcmp(li->searched[j].how, how) == 0; j++)
            append(buf, cap, "%s%s", j > i ? ", " : "", li->searched[j].where);
        append(buf, cap, ")");
        i = j;
    }
}

int accel__lib_hint(const char *stem, char *buf, size_t cap)
{
    if (cap) buf[0] = '\0';
    char prefix[160];
    snprintf(prefix, sizeof prefix, "%s.so", stem);
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < sizeof hint_dirs / sizeof *hint_dirs; i++) {
        DIR *dp = opendir(hint_dirs[i]);
        if (!dp) continue;
        struct dirent *e;
        int hit = 0;
        while (!hit && (e = readdir(dp)) != NULL) {
            if (strncmp(e->d_name, prefix, pl) != 0 || (e->d_name[pl] && e->d_name[pl] != '.'))
                continue;
            snprintf(buf, cap, "%s/%s exists, but the loader does not search %s", hint_dirs[i],
                     e->d_name, hint_dirs[i]);
            hit = 1;
        }
        closedir(dp);
        if (hit) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Families: which sonames of a library are installed                                        */
/* ---------------------------------------------------------------------------------------- */

static void family_add(const char *stem, const char *path, const char *name, char (*names)[128],
                       size_t cap, size_t *n)
{
    char son[128] = "", why[160];
    if (accel__elf_soname(path, son, sizeof son, why, sizeof why) != 0) return;
    /* A file without DT_SONAME (rare) is known by its own name. */
    if (!son[0]) accel__strlcpy(son, name, sizeof son);
    size_t sl = strlen(stem);
    if (strncmp(son, stem, sl) != 0 || strncmp(son + sl, ".so.", 4) != 0) return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], son) == 0) return;
    if (*n < cap) accel__strlcpy(names[(*n)++], son, 128);
}

static void family_dir(accel__ldpath *lp, const char *dir, const char *stem, char (*names)[128],
                       size_t cap, size_t *n)
{
    dirlist *d = dir_get(lp, dir);
    if (!d) return;
    dir_list(d);
    char prefix[160], path[1024];
    snprintf(prefix, sizeof prefix, "%s.so", stem);
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < d->n; i++) {
        const char *nm = d->names[i];
        if (strncmp(nm, prefix, pl) != 0 || (nm[pl] != '\0' && nm[pl] != '.')) continue;
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        family_add(stem, path, nm, names, cap, n);
    }
}

static int cmp_newest_first(const void *a, const void *b)
{
    const char *va = strstr((const char *)a, ".so."), *vb = strstr((const char *)b, ".so.");
    return -accel__version_cmp(va ? va + 4 : "", vb ? vb + 4 : "");
}

size_t accel__lib_family(accel__ldpath *lp, const char *stem, char (*names)[128], size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < lp->n_ldlp; i++) family_dir(lp, lp->ldlp[i], stem, names, cap, &n);
    char prefix[160];
    snprintf(prefix, sizeof prefix, "%s.so", stem);
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < lp->n_ents; i++) {
        const char *k = lp->ents[i].key;
        if (strncmp(k, prefix, pl) != 0 || (k[pl] != '\0' && k[pl] != '.')) continue;
        family_add(stem, lp->ents[i].value, k, names, cap, &n);
    }
    size_t n_def;
    const char *const *default_dirs = default_dirs_get(&n_def);
    for (size_t i = 0; i < n_def; i++) family_dir(lp, default_dirs[i], stem, names, cap, &n);
    qsort(names, n, sizeof *names, cmp_newest_first);
    return n;
}
