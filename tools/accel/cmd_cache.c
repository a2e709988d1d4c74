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

static void sort_listing(listing *l)
{
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, cmp_entries);
}

enum { O_JSON, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_JSON] = CLI_OPT_JSON,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "cache",
    .synopsis = "show|clear|path [--json] [-o FILE]",
    .about = "  show    list every cached file and its size\n"
             "  clear   remove every cached file (kernels, verdicts)\n"
             "  path    print the cache directory\n"
             "The directory is $ACCEL_CACHE_DIR, else $XDG_CACHE_HOME/accel, else ~/.cache/accel.",
    .opts = opts,
    .n_opts = N_OPTS,
    .operands = "show|clear|path",
    .footer = "exit status: 0 done; 1 some file could not be removed, or no context (an\n"
              "unreadable configuration file); 2 usage or configuration error, or no usable\n"
              "cache directory",
};

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

static void report(const char *what, const char *root, const listing *l, int failures, int json,
                   FILE *f)
{
    int clear = strcmp(what, "clear") == 0;
    if (json) {
        accel__json j;
        accel__json_init(&j, f, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "directory", root);
        if (strcmp(what, "path") != 0) {
            accel__json_begin_array(&j, clear ? "removed" : "files");
            for (size_t i = 0; i < l->n; i++) {
                accel__json_begin_object(&j, NULL);
                accel__json_str(&j, "path", l->v[i].path);
                accel__json_int(&j, "bytes", l->v[i].size);
                accel__json_end_object(&j);
            }
            accel__json_end_array(&j);
            accel__json_int(&j, "bytes", l->bytes);
            if (clear) accel__json_int(&j, "failures", failures);
        }
        accel__json_end_object(&j);
        accel__json_finish(&j);
        return;
    }
    if (strcmp(what, "path") == 0) {
        fprintf(f, "%s\n", root);
        return;
    }
    if (!clear) fprintf(f, "cache directory: %s\n", root);
    for (size_t i = 0; i < l->n; i++)
        fprintf(f, "%s%12lld  %s\n", clear ? "removed " : "", l->v[i].size, l->v[i].path);
    if (clear)
        fprintf(f, "removed %zu file%s, %lld bytes, from %s\n", l->n, l->n == 1 ? "" : "s",
                l->bytes, root);
    else
        fprintf(f, "%zu file%s, %lld bytes\n", l->n, l->n == 1 ? "" : "s", l->bytes);
}

int accel_cli_cache(int argc, char **argv)
{
    cli_args a;
    static const char *const subs[] = {"show", "clear", "path"};
    /* the subcommand first, before --help is honoured: `accel help cache wipe` is an unknown
     * subcommand, as `accel help audio wipe` is, not the help */
    int known = argc < 2 || argv[1][0] == '-';
    for (size_t i = 0; !known && i < 3; i++) known = !strcmp(argv[1], subs[i]);
    if (!known) {
        cli_error_unknown("cache", "subcommand", argv[1], subs, 3);
        return 2;
    }
    int pr = cli_parse(&verb, argc, argv, &a);
    if (pr != CLI_OK) {
        cli_args_free(&a);
        return pr == CLI_HELP ? 0 : 2;
    }
    const char *what = a.n_operands ? a.operands[0] : NULL;
    size_t n_operands = a.n_operands;
    const char *extra = n_operands > 1 ? a.operands[1] : NULL;
    cli_args_free(&a);
    if (!what) {
        accel_cli_error("cache", "say what to do: show, clear or path (see `accel help cache`)");
        return 2;
    }
    if (extra) {
        accel_cli_error("cache", "unexpected argument '%s'", extra);
        return 2;
    }
    if (strcmp(what, "show") != 0 && strcmp(what, "clear") != 0 && strcmp(what, "path") != 0) {
        cli_error_unknown("cache", "subcommand", what, subs, 3);
        return 2;
    }
    /* the configuration (a config file may set ACCEL_CACHE_DIR), without any discovery */
    int open_status;
    accel_ctx *ctx = accel_cli_open(verb.name, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP, &open_status);
    if (!ctx) return open_status;
    char root[PATH_MAX];
    accel_status st = accel__cache_path(ctx, "", root, sizeof root);
    accel_ctx_destroy(ctx);
    if (st != ACCEL_OK) { /* ACCEL_CACHE_DIR (or XDG_CACHE_HOME) names no usable directory */
        accel_cli_error("cache", "%s (check ACCEL_CACHE_DIR)", accel_last_error(NULL));
        return 2;
    }
    if (strcmp(what, "clear") == 0 && dangerous(root)) {
        accel_cli_error("cache",
                        "refusing to clear %s: it is / or the home directory (check "
                        "ACCEL_CACHE_DIR)",
                        root);
        return 2;
    }
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, -1, O_OUTPUT) != 0) return 2;
    listing l = {0};
    int failures = 0;
    if (strcmp(what, "path") != 0) failures = walk(root, "", &l, strcmp(what, "clear") == 0);
    sort_listing(&l);
    report(what, root, &l, failures, o.fmt == CLI_FMT_JSON, o.f);
    if (cli_out_text(&o)) report(what, root, &l, failures, 0, stdout);
    listing_free(&l);
    int wc = cli_out_close(&o);
    return wc ? wc : failures ? 1 : 0;
}
