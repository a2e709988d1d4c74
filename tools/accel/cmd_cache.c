/* cmd_cache.c — `accel cache show|clear|path`: the on-disk caches (compiled kernels, probe
 * verdicts) under the cache directory ($ACCEL_CACHE_DIR, else $XDG_CACHE_HOME/accel, else
 * ~/.cache/accel). Everything there can be rebuilt, so `clear` is always safe for accel; it
 * never follows symbolic links out of the directory. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const accel_cli_cache_help =
    "show or clear the kernel and verdict caches (show | clear | path)";

typedef struct {
    char *path; /* relative to the cache root */
    long long size;
} entry;

typedef struct {
    entry *v;
    size_t n, cap;
    long long bytes;
} listing;

static int add(listing *l, const char *rel, long long size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        entry *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    char *p = strdup(rel);
    if (!p) return -1;
    l->v[l->n].path = p;
    l->v[l->n++].size = size;
    l->bytes += size;
    return 0;
}

static void listing_free(listing *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
    free(l->v);
}

/* Walks root/rel depth-first. With `remove` set, deletes each file after listing it and each
 * directory once it is empty. Returns the number of entries that could not be removed. */
static int walk(const char *root, const char *rel, listing *l, int remove)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int failures = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char sub[PATH_MAX], full[PATH_MAX];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (lstat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            failures += walk(root, sub, l, remove);
            if (remove && rmdir(full) != 0) {
                fprintf(stderr, "accel cache: cannot remove %s: %s\n", full, strerror(errno));
                failures++;
            }
            continue;
        }
        if (remove && unlink(full) != 0) {
            fprintf(stderr, "accel cache: cannot remove %s: %s\n", full, strerror(errno));
            failures++;
            continue;
        }
        add(l, sub, (long long)st.st_size);
    }
    closedir(d);
    return failures;
}

static int cmp_entries(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

static void print_sorted(listing *l, const char *verb)
{
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, cmp_entries);
    for (size_t i = 0; i < l->n; i++) printf("%s%12lld  %s\n", verb, l->v[i].size, l->v[i].path);
}

static int usage(FILE *f)
{
    fprintf(f, "usage: accel cache show    list every cached file and its size\n"
               "       accel cache clear   remove every cached file (kernels, verdicts)\n"
               "       accel cache path    print the cache directory\n");
    return f == stdout ? 0 : 2;
}

/* Refuses directories whose removal would be a disaster if ACCEL_CACHE_DIR were mistyped. */
static int dangerous(const char *dir)
{
    char real[PATH_MAX], home[PATH_MAX];
    if (!realpath(dir, real)) return 0;
    if (strcmp(real, "/") == 0) return 1;
    const char *h = getenv("HOME");
    if (h && *h && realpath(h, home) && strcmp(real, home) == 0) return 1;
    return 0;
}

int accel_cli_cache(int argc, char **argv)
{
    if (argc < 2) return usage(stderr);
    const char *what = argv[1];
    if (accel_cli_is(what, "--help", "-h")) return usage(stdout);
    if (argc > 2) {
        accel_cli_error("cache", "unexpected argument '%s'", argv[2]);
        return 2;
    }
    if (strcmp(what, "show") != 0 && strcmp(what, "clear") != 0 && strcmp(what, "path") != 0) {
        accel_cli_error("cache", "unknown subcommand '%s' (allowed: show, clear, path)", what);
        return 2;
    }
    /* the configuration (a config file may set ACCEL_CACHE_DIR), without any discovery */
    accel_ctx *ctx = accel_cli_open(ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP);
    if (!ctx) return 2;
    char root[PATH_MAX];
    accel_status st = accel__cache_path(ctx, "", root, sizeof root);
    accel_ctx_destroy(ctx);
    if (st != ACCEL_OK) {
        accel_cli_error("cache", "%s", accel_last_error(NULL));
        return 1;
    }
    if (strcmp(what, "path") == 0) {
        printf("%s\n", root);
        return 0;
    }
    listing l = {0};
    int rc = 0;
    if (strcmp(what, "show") == 0) {
        walk(root, "", &l, 0);
        printf("cache directory: %s\n", root);
        print_sorted(&l, "");
        printf("%zu file%s, %lld bytes\n", l.n, l.n == 1 ? "" : "s", l.bytes);
    } else {
        if (dangerous(root)) {
            accel_cli_error("cache",
                            "refusing to clear %s: it is / or the home directory (check "
                            "ACCEL_CACHE_DIR)",
                            root);
            return 2;
        }
        int failures = walk(root, "", &l, 1);
        print_sorted(&l, "removed ");
        printf("removed %zu file%s, %lld bytes, from %s\n", l.n, l.n == 1 ? "" : "s", l.bytes,
               root);
        rc = failures ? 1 : 0;
    }
    listing_free(&l);
    return rc;
}
