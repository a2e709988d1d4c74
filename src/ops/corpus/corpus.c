/* corpus.c — the per-item step of a corpus run (accel_corpus_*): which operation, where each
 * input's output goes, whether it is already complete, and running it. The CLI's multi-file
 * verbs and the Python package (and through it Dask workers) call this one implementation,
 * so an output written by one engine is skipped by another's --resume.
 *
 * Output names are flat: OUT/<stem><ext>. Two inputs with one stem are refused before
 * anything runs (accel_corpus_check), over the whole input list so that every shard of a
 * run agrees; mirroring the input directories instead would make the output depend on how
 * the paths were spelled (relative, absolute, ./), which the shard already does not. */
#include "corpus_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>


void accel__corpus_stem(const char *path, char *out, size_t cap)
{
    if (!strcmp(path, "-")) path = "stdin";
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    accel__strlcpy(out, b, cap);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = '\0';
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int mkdirs(const char *dir)
{
    char tmp[4096];
    accel__strlcpy(tmp, dir, sizeof tmp);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return (mkdir(tmp, 0777) == 0 || errno == EEXIST) && is_dir(tmp) ? 0 : -1;
}

static const char *param(const accel_option *params, size_t n, const char *key, size_t *used)
{
    const char *v = NULL;
    for (size_t i = 0; i < n; i++)
        if (params[i].key && strcmp(params[i].key, key) == 0) {
            v = params[i].value;
            (*used)++;
        }
    return v;
}

/* Every key of `params` is one of `allowed` (", "-separated; NULL: none), given once. */
static accel_status check_keys(const char *op, const char *allowed, const accel_option *params,
                               size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *k = params[i].key ? params[i].key : "(null)";
        size_t u = 0;
        param(params, n, k, &u);
        int known = 0;
        for (const char *q = allowed ? allowed : ""; *q && !known;) {
            size_t len = strcspn(q, ",");
            known = strlen(k) == len && strncmp(q, k, len) == 0;
            q += len;
            while (*q == ',' || *q == ' ') q++;
        }
        RETURN_ERROR_IF(!known, ACCEL_ERR_INVALID_ARG, "unknown parameter '%s' for '%s' (allowed: %s)",
                        k, op, allowed ? allowed : "none: it takes no parameters");
        RETURN_ERROR_IF(u > 1, ACCEL_ERR_INVALID_ARG, "parameter '%s' given %zu times", k, u);
    }
    return ACCEL_OK;
}

#define OPS_ALLOWED \
    "whisper-80, whisper-128, whisper, vggish, fbank, fbank-80, image_quality, image_blob, scrfd_input"

accel_status accel_corpus_create(accel_ctx *ctx, const char *op, const accel_option *params,
                                 size_t n_params, const char *out, unsigned flags,
                                 accel_corpus **out_step)
{
    RETURN_ERROR_IF(!ctx || !op || !out || !out_step || (!params && n_params), ACCEL_ERR_INVALID_ARG,
                    "accel_corpus_create: NULL argument");
    RETURN_ERROR_IF(!*out, ACCEL_ERR_INVALID_ARG, "accel_corpus_create: empty output path");
    RETURN_ERROR_IF(flags & ~(ACCEL_CORPUS_RESUME | ACCEL_CORPUS_OUT_FILE), ACCEL_ERR_INVALID_ARG,
                    "accel_corpus_create: unknown flags 0x%x", flags);
    *out_step = NULL;
    accel_corpus c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    c.flags = flags;
    c.audio.struct_size = sizeof c.audio;
    accel__strlcpy(c.op, op, sizeof c.op);
    size_t used = 0; /* counted by param(); check_keys has refused repeats */
    if (accel_audio_params_preset(strcmp(op, "whisper") == 0 ? "whisper-80" : op, &c.audio) == ACCEL_OK) {
        c.kind = STEP_AUDIO;
        c.ext = ".npy";
        FORWARD_IF_ERROR(check_keys(op, "padding, windows", params, n_params));
        const char *pad = param(params, n_params, "padding", &used);
        const char *win = param(params, n_params, "windows", &used);
        RETURN_ERROR_IF((pad || win) && c.audio.kind != ACCEL_AUDIO_WHISPER, ACCEL_ERR_INVALID_ARG,
                        "%s applies to the whisper presets only, not '%s'", pad ? "padding" : "windows", op);
        if (pad) {
            if (!strcmp(pad, "openai")) c.audio.padding = ACCEL_AUDIO_PAD_OPENAI;
            else if (!strcmp(pad, "faster-whisper")) c.audio.padding = ACCEL_AUDIO_PAD_FASTER_WHISPER;
            else if (!strcmp(pad, "none")) c.audio.padding = ACCEL_AUDIO_PAD_NONE;
            else return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                                    "padding '%s': allowed: openai, faster-whisper, none", pad);
        }
        if (win) {
            RETURN_ERROR_IF(strcmp(win, "0") && strcmp(win, "1"), ACCEL_ERR_INVALID_ARG,
                            "windows '%s': allowed: 0, 1", win);
            c.audio.windows = win[0] == '1';
        }
    } else if (!strcmp(op, "image_quality")) {
        c.kind = STEP_QUALITY;
        c.ext = ".json";
        FORWARD_IF_ERROR(check_keys(op, NULL, params, n_params));
    } else if (!strcmp(op, "image_blob") || !strcmp(op, "scrfd_input")) {
        c.kind = STEP_BLOB;
        c.ext = ".npy";
        FORWARD_IF_ERROR(check_keys(op, "model, size", params, n_params));
        const char *model = param(params, n_params, "model", &used);
        const char *size = param(params, n_params, "size", &used);
        if (!strcmp(op, "scrfd_input")) {
            RETURN_ERROR_IF(model && strcmp(model, "scrfd"), ACCEL_ERR_INVALID_ARG,
                            "model '%s' with op scrfd_input: scrfd_input is model scrfd", model);
            model = "scrfd";
        }
        RETURN_ERROR_IF(!model, ACCEL_ERR_INVALID_ARG, "image_blob needs the parameter model "
                                                       "(allowed: scrfd, arcface)");
        RETURN_ERROR_IF(strcmp(model, "scrfd") && strcmp(model, "arcface"), ACCEL_ERR_INVALID_ARG,
                        "model '%s': allowed: scrfd, arcface", model);
        c.scrfd = !strcmp(model, "scrfd");
        c.size = c.scrfd ? 640 : 112;
        if (size) {
            char *e;
            long v = strtol(size, &e, 10);
            RETURN_ERROR_IF(!*size || *e || v < 1 || v > 16384, ACCEL_ERR_INVALID_ARG,
                            "size '%s': expected a whole number 1..16384", size);
            c.size = (int)v;
        }
    } else {
        return ACCEL_ERROR(ACCEL_ERR_NOT_FOUND, "unknown corpus operation '%s' (allowed: " OPS_ALLOWED ")", op);
    }
    if (!(flags & ACCEL_CORPUS_OUT_FILE))
        RETURN_ERROR_IF(mkdirs(out) != 0, ACCEL_ERR_IO, "cannot create the output directory '%s': %s",
                        out, strerror(errno));
    accel_corpus *h = malloc(sizeof *h);
    RETURN_ERROR_IF(!h, ACCEL_ERR_NO_MEMORY, "out of memory");
    *h = c;
    h->out = strdup(out);
    if (!h->out) {
        free(h);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory");
    }
    *out_step = h;
    return ACCEL_OK;
}

int accel__corpus_streams(const accel_corpus *c) { return c && c->kind == STEP_AUDIO; }

void accel_corpus_destroy(accel_corpus *c)
{
    if (!c) return;
    free(c->out);
    free(c);
}

accel_status accel_corpus_output(const accel_corpus *c, const char *input, char *path, size_t cap)
{
    RETURN_ERROR_IF(!c || !input || !path || !cap, ACCEL_ERR_INVALID_ARG, "accel_corpus_output: NULL argument");
    int k;
    if (c->flags & ACCEL_CORPUS_OUT_FILE) {
        k = snprintf(path, cap, "%s", c->out);
    } else {
        char s[1024];
        accel__corpus_stem(input, s, sizeof s);
        size_t n = strlen(c->out);
        k = snprintf(path, cap, "%s%s%s%s", c->out, n && c->out[n - 1] == '/' ? "" : "/", s, c->ext);
    }
    RETURN_ERROR_IF(k < 0 || (size_t)k >= cap, ACCEL_ERR_INVALID_ARG,
                    "the output path of '%s' is longer than %zu bytes", input, cap - 1);
    return ACCEL_OK;
}

/* ---- collisions ---- */

typedef struct {
    const char *stem; /* points into a shared buffer */
    size_t i;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int r = strcmp(x->stem, y->stem);
    return r ? r : (x->i > y->i) - (x->i < y->i);
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return strcmp(a, "-") != 0 && strcmp(b, "-") != 0 && stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
           sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

typedef struct {
    dev_t dev;
    ino_t ino;
    size_t i; /* the input whose output it is */
} ident;

static int cmp_ident(const void *a, const void *b)
{
    const ident *x = a, *y = b;
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    return (x->ino > y->ino) - (x->ino < y->ino);
}

accel_status accel_corpus_check(const accel_corpus *c, const char *const *inputs, size_t n)
{
    RETURN_ERROR_IF(!c || (!inputs && n), ACCEL_ERR_INVALID_ARG, "accel_corpus_check: NULL argument");
    if (c->flags & ACCEL_CORPUS_OUT_FILE) {
        RETURN_ERROR_IF(n > 1, ACCEL_ERR_INVALID_ARG,
                        "%zu inputs and one output file '%s': give a directory for several", n, c->out);
        if (n == 1 && same_file(inputs[0], c->out))
            return ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "the output '%s' is the input '%s' (the same "
                               "file); choose another output", c->out, inputs[0]);
        return ACCEL_OK;
    }
    if (!n) return ACCEL_OK;
    named *v = malloc(n * sizeof *v);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(inputs[i]) + 8;
    char *buf = malloc(total + 1);
    if (!v || !buf) {
        free(v), free(buf);
        return ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "out of memory checking %zu output names", n);
    }
    char *w = buf;
    for (size_t i = 0; i < n; i++) {
        accel__corpus_stem(inputs[i], w, strlen(inputs[i]) + 8);
        v[i].stem = w;
        v[i].i = i;
        w += strlen(w) + 1;
    }
    qsort(v, n, sizeof *v, cmp_named);
    accel_status st = ACCEL_OK;
    for (size_t k = 1; k < n && st == ACCEL_OK; k++)
        if (strcmp(v[k - 1].stem, v[k].stem) == 0) {
            char out[4200];
            accel_corpus_output(c, inputs[v[k].i], out, sizeof out);
            if (strcmp(inputs[v[k - 1].i], inputs[v[k].i]) == 0)
                st = ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                                 "'%s' is listed twice (inputs %zu and %zu): both would write %s",
                                 inputs[v[k - 1].i], v[k - 1].i + 1, v[k].i + 1, out);
            else
                st = ACCEL_ERROR(ACCEL_ERR_INVALID_ARG,
                                 "'%s' (input %zu) and '%s' (input %zu) would both write %s: "
                                 "outputs are named by the file name without its directory; "
                                 "rename one or run them with different output directories",
                                 inputs[v[k - 1].i], v[k - 1].i + 1, inputs[v[k].i], v[k].i + 1, out);
        }
    /* an output that is one of the inputs (the same file: a hard or symbolic link counts)
     * would replace that input: the existing outputs' identities against every input's;
     * no output exists on a first run, and then the inputs are not even looked at */
    ident *ex = st == ACCEL_OK ? malloc(n * sizeof *ex) : NULL;
    size_t nex = 0;
    for (size_t i = 0; ex && i < n; i++) {
        char out[4200];
        struct stat sb;
        if (accel_corpus_output(c, inputs[i], out, sizeof out) == ACCEL_OK && stat(out, &sb) == 0)
            ex[nex++] = (ident){sb.st_dev, sb.st_ino, i};
    }
    if (nex) qsort(ex, nex, sizeof *ex, cmp_ident);
    for (size_t i = 0; nex && i < n && st == ACCEL_OK; i++) {
        struct stat sb;
        if (strcmp(inputs[i], "-") == 0 || stat(inputs[i], &sb) != 0) continue;
        ident key = {sb.st_dev, sb.st_ino, 0};
        const ident *hit = bsearch(&key, ex, nex, sizeof *ex, cmp_ident);
        if (hit) {
            char out[4200];
            accel_corpus_output(c, inputs[hit->i], out, sizeof out);
            st = ACCEL_ERROR(ACCEL_ERR_INVALID_ARG, "the output '%s' (of '%s') is the input '%s' "
                             "(the same file); choose another output directory",
                             out, inputs[hit->i], inputs[i]);
        }
    }
    free(ex);
    free(v);
    free(buf);
    return st;
}
