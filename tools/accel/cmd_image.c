/* cmd_image.c — `accel image quality|decode|resize|blob|align|enhance`: the image operations on
 * files (docs/image.md).
 *
 *   accel image quality FILE... [--json | --format F] [-o FILE]
 *   accel image decode FILE -o OUT.npy|OUT.png|-                H×W×3 uint8 BGR
 *   accel image resize FILE --size WxH [--interp linear|area] -o OUT.npy|OUT.png|-
 *   accel image blob FILE... --model scrfd|arcface [--size N] -o OUT.npy|- [--json]
 *                                                               N×3×S×S float32
 *   accel image align FILE --landmarks x1,y1,…,x5,y5 -o OUT.npy|OUT.png|-  S×S×3 uint8 BGR
 *   accel image enhance FILE -o OUT.png|OUT.npy|-               prints the scale
 *
 * Files are decoded as cv2.imread decodes them. Several files are decoded and computed in
 * batches (one library call per batch, in parallel); a bad file is named with its reason on
 * standard error, the others are still computed and written, and the exit status is 1.
 * Outputs are written atomically. A progress bar is drawn on standard error when it is a
 * terminal and there are several files. */
#include "cli.h"
#include "cli_corpus.h"
#include "ops/corpus/corpus_internal.h"
#include "ops/image/image_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const accel_cli_image_help =
    "image operations on files: quality, decode, resize, SCRFD/ArcFace blobs, alignment, enhance";

#define CHUNK 16 /* files decoded and computed per library call */

/* ---- shared ---- */

static const cli_opt device_opt = CLI_OPT_DEVICE("default auto");

/* Context for --device (cli.h: auto, a kind, or an index; the CPU by name loads no GPU
 * stack). Returns NULL after printing the error. */
static accel_ctx *open_ctx(const char *verb, const char *device, int *usage_error)
{
    accel_cli_device d;
    *usage_error = 1;
    if (accel_cli_device_parse(verb, device, &d) != 0) return NULL;
    return accel_cli_open_device(verb, &d, ACCEL_CTX_NO_WARMUP, 1, usage_error);
}


/* ---- data outputs (-o OUT): checked and opened before any work ---- */

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcasecmp(s + a - b, tail) == 0;
}


typedef enum { OUT_NPY, OUT_PNG } out_kind;

/* What -o OUT writes, from its name: a .npy, a .png where the subcommand makes images
 * (png_ok), or "-": a .npy on standard output. Any other name is refused, rather than given
 * .npy bytes under a name that says otherwise. Returns 0, or 2 after the error. */
static int out_kind_of(const char *verb, const char *out, int png_ok, out_kind *kind)
{
    *kind = OUT_NPY;
    /* a directory (an existing one, or a name ending in '/') gets its own reason, before its
     * name is judged by its ending: "a name without an extension" would send a newcomer who
     * meant "write it in there" looking for the wrong mistake */
    struct stat sb;
    int is_dir = stat(out, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (strcmp(out, "-") != 0 && (is_dir || out[strlen(out) - 1] == '/')) {
        accel_cli_error(verb, "cannot write %s: %s (name the file: %s)", out,
                        is_dir ? "it is a directory" : "it names a directory",
                        png_ok ? ".npy, .png, or - for a .npy on standard output"
                               : ".npy, or - for standard output");
        return 2;
    }
    if (!strcmp(out, "-") || ends_with(out, ".npy")) return 0;
    if (png_ok && ends_with(out, ".png")) {
        *kind = OUT_PNG;
        return 0;
    }
    return accel_cli_out_type_refused(verb, out, png_ok ? ".npy, .png, or - for a .npy on standard output"
                                                        : ".npy, or - for standard output");
}


/* -o naming one of the inputs would replace it with the output: refused (2) before any work. */
static int out_is_input(const char *verb, const char *out, const char *const *inputs, size_t n)
{
    for (size_t i = 0; out && i < n; i++)
        if (accel_cli_same_file(out, inputs[i])) {
            accel_cli_error(verb, "-o %s names the input file '%s'; refusing to overwrite it", out,
                            inputs[i]);
            return 2;
        }
    return 0;
}

/* Images come from files: "-" is refused (2), not looked up as a file named "-". */
static int no_stdin(const char *verb, const char *const *inputs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(inputs[i], "-")) {
            accel_cli_error(verb, "'-': standard input is not supported for images; give the "
                                  "image as a file");
            return 2;
        }
    return 0;
}

/* -o OUT writes standard output: "-", or the stream under another name (a link to /dev/stdout
 * named x.npy), which cli_out_open_file writes in place as it does "-": the same refusals (a
 * terminal, --json beside it) and no summary line in the data. */
static int to_stdout(const char *out)
{
    struct stat a, b;
    if (!strcmp(out, "-")) return 1;
    return stat(out, &a) == 0 && fstat(1, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Opens -o OUT before the work, as docs/cli.md has it: a temporary file beside OUT, removed by
 * SIGINT, SIGTERM and SIGHUP and renamed over OUT when whole, so that a missing or unwritable
 * directory costs no decoding and a killed run leaves nothing behind; "-" is standard output,
 * refused on a terminal (binary data there is of no use). 0, or 2 after the error. */
static int data_open(cli_out *o, const char *verb, const char *out)
{
    if (!strcmp(out, "-") && accel_cli_binary_stdout_refused(verb)) return 2;
    if (to_stdout(out) && isatty(1)) {
        accel_cli_error(verb, "-o %s: it is standard output, a terminal; send it to a file or a pipe",
                        out);
        return 2;
    }
    return cli_out_open_file(o, verb, out, CLI_FMT_TABLE);
}

/* Completes -o OUT (renamed into place). 0, or 1 after the error naming OUT, not its
 * temporary file: the input was computed but could not be written. */
static int data_close(cli_out *o, const char *verb)
{
    if (!o->path) { /* standard output: a full disk or a closed pipe is an error too */
        if (fflush(stdout) != 0 || ferror(stdout)) {
            snprintf(o->error, sizeof o->error, "cannot write standard output: %s",
                     strerror(errno ? errno : EIO));
            accel_cli_error(verb, "%s", o->error);
            return 1;
        }
        return 0;
    }
    return cli_out_close(o) ? 1 : 0;
}

/* n bytes to f in pieces of at most ACCEL__WRITE_PIECE (core/internal.h). 0, or -1. */
static int put(FILE *f, const void *data, size_t n)
{
    const char *p = data;
    for (size_t off = 0; off < n;) {
        size_t want = n - off < ACCEL__WRITE_PIECE ? n - off : ACCEL__WRITE_PIECE;
        if (fwrite(p + off, 1, want, f) != want) return -1;
        off += want;
    }
    return 0;
}

/* A .npy of uint8 ("|u1") or float32 ("<f4") values, C order, to f, under the corpus step's
 * header (accel__corpus_npy_header). 0, or -1 (a write failed: data_close names it). */
static int npy_put(FILE *f, const char *descr, const void *data, size_t elem, const size_t *shape,
                   int nd)
{
    uint64_t dims[4];
    size_t n = 1;
    for (int i = 0; i < nd; i++) {
        dims[i] = shape[i];
        n *= shape[i];
    }
    char hdr[256];
    size_t hl = 0;
    if (accel__corpus_npy_header(hdr, sizeof hdr, descr, dims, nd, &hl) != ACCEL_OK) return -1;
    return put(f, hdr, hl) || put(f, data, n * elem) ? -1 : 0;
}

/* Packs an image (any stride) into rows of w·c bytes. */
static uint8_t *packed(const accel_image *im)
{
    size_t row = (size_t)im->width * (size_t)im->channels;
    size_t stride = im->stride ? im->stride : row;
    uint8_t *p = malloc(row * (size_t)im->height + 1);
    if (!p) return NULL;
    for (int y = 0; y < im->height; y++) memcpy(p + (size_t)y * row, im->data + (size_t)y * stride, row);
    return p;
}

/* Why image i of the last image call failed, for a message that names the file itself: its own
 * reason without its place in the call's batch (accel__img_item_reason), else the call's
 * message (a call refused before it looked at its images). */
static const char *reason_of(size_t i, const char *call_msg)
{
    const char *m = accel_image_item_error(i);
    return *m ? accel__img_item_reason(m) : call_msg;
}

/* After an image call over n images with statuses st: a call that failed with every status
 * still ACCEL_OK was refused before it looked at its images, and fails them all. */
static void untouched(accel_status call, accel_status *st, size_t n)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) ok += st[i] == ACCEL_OK;
    for (size_t i = 0; call != ACCEL_OK && ok == n && i < n; i++) st[i] = call;
}

/* Decodes files[0..n-1] into out: a file that failed has its status and a message naming it,
 * also when the call failed as a whole (the library marks each result so; one it left without
 * pixels is not taken for a decoded image here either). Returns how many failed. */
static size_t decode_batch(accel_ctx *ctx, const accel_image_decode_params *p, const char *const *files,
                           size_t n, accel_image_decoded *out)
{
    accel_image_decoded_init(out, n);
    accel_status st = accel_image_decode(ctx, p, files, n, out, NULL);
    char why[sizeof out->message];
    accel__strlcpy(why, st != ACCEL_OK ? accel_last_error(ctx) : "", sizeof why);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i].status == ACCEL_OK && st != ACCEL_OK && !out[i].image.data) {
            out[i].status = st;
            snprintf(out[i].message, sizeof out[i].message, "'%s': %s", files[i], why);
        }
        bad += out[i].status != ACCEL_OK;
    }
    return bad;
}

/* ---- corpus runs: one output per image (-o DIR; docs/cli.md, "Corpus runs") ---- */

/* -o names a directory: an existing one, or a name ending in '/'. */
static int dir_like(const char *p)
{
    struct stat sb;
    return p && strcmp(p, "-") != 0 && (p[strlen(p) - 1] == '/' || (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)));
}

typedef struct img_show {
    int json, bar, blob;
    accel__json *j;
    size_t done, total;
} img_show;

static void img_item(const accel_corpus_item *it, void *arg)
{
    img_show *f = arg;
    f->done++;
    if (it->status == ACCEL_ITEM_DONE && it->warning[0]) { /* a decoder's warning the image survived */
        cli_progress_clear(f->bar);
        fprintf(stderr, "accel image %s: warning: '%s': %s\n", f->blob ? "blob" : "quality", it->input,
                it->warning);
    }
    if (f->json) {
        accel__json *j = f->j;
        accel__json_begin_object(j, NULL);
        accel__json_str(j, "file", it->input);
        accel__json_str(j, "status", accel_item_status_name(it->status));
        if (it->status == ACCEL_ITEM_FAILED) {
            accel__json_str(j, "error", it->error);
        } else {
            accel__json_str(j, "output", it->output);
            if (it->status == ACCEL_ITEM_DONE && !f->blob) {
                accel__json_int(j, "width", it->quality.width);
                accel__json_int(j, "height", it->quality.height);
                accel__json_num(j, "blur_laplacian_var", it->quality.blur_laplacian_var);
                accel__json_num(j, "brightness", it->quality.brightness);
                accel__json_num(j, "contrast", it->quality.contrast);
                accel__json_num(j, "sharpness_tenengrad", it->quality.sharpness_tenengrad);
                accel__json_num(j, "overall", it->quality.overall);
            }
            if (it->status == ACCEL_ITEM_DONE && f->blob && it->det_scale > 0)
                accel__json_num(j, "det_scale", it->det_scale);
            if (it->status == ACCEL_ITEM_DONE && it->warning[0]) accel__json_str(j, "warning", it->warning);
        }
        accel__json_end_object(j);
    } else if (it->status != ACCEL_ITEM_FAILED) {
        cli_progress_clear(f->bar);
        printf("%s -> %s%s\n", it->input, it->output,
               it->status == ACCEL_ITEM_SKIPPED ? " (skipped: complete)" : "");
    }
    cli_progress(f->bar, f->done, f->total, it->input);
}

/* The run of `op` over the inputs of `cc`, one output per image in `out`. */
static int image_corpus(const char *sub, cli_corpus *cc, const char *out, const char *device,
                        int json, const char *op, const accel_option *params, size_t np,
                        const char *head_key, const char *head_val, int size)
{
    char verb[32];
    snprintf(verb, sizeof verb, "image %s", sub);
    if (!out || !strcmp(out, "-")) {
        accel_cli_error(verb, "-o DIR is required with --manifest, --shard, --resume or --log "
                              "(one output per image goes there)");
        return 2;
    }
    if (!cc->n_all) {
        accel_cli_error(verb, "no input files (FILE... or --manifest FILE)");
        return 2;
    }
    if (no_stdin(verb, cc->all, cc->n_all)) return 2;
    struct stat sb;
    if (stat(out, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        accel_cli_error(verb, "-o %s is a file; with --manifest, --shard, --resume or --log each "
                              "image's output goes into a directory (-o DIR/)", out);
        return 2;
    }
    int uerr = 0;
    accel_ctx *ctx = open_ctx(verb, device, &uerr);
    if (!ctx) return uerr ? 2 : 1;
    accel_corpus *step = NULL;
    if (accel_corpus_create(ctx, op, params, np, out, cc->resume ? ACCEL_CORPUS_RESUME : 0, &step) != ACCEL_OK) {
        /* nothing ran: the output directory cannot be made */
        accel_cli_error(verb, "%s", accel_last_error(NULL));
        accel_ctx_destroy(ctx);
        return 2;
    }
    accel__json j;
    accel__json_init(&j, stdout, 1);
    if (json) {
        accel__json_begin_object(&j, NULL);
        if (head_key) accel__json_str(&j, head_key, head_val);
        if (size) accel__json_int(&j, "size", size);
        accel__json_str(&j, "output", out);
        accel__json_begin_array(&j, "images");
    }
    img_show show = {.json = json, .bar = !json && cc->n > 1 && isatty(2), .blob = size > 0, .j = &j,
                     .total = cc->n};
    size_t failed = 0;
    accel_run_summary sum = {.struct_size = sizeof sum};
    int rc = cli_corpus_run(cc, verb, step, img_item, &show, &failed, &sum);
    if (json) {
        accel__json_end_array(&j);
        accel__json_int(&j, "done", (long long)sum.done);
        accel__json_int(&j, "skipped", (long long)sum.skipped);
        accel__json_int(&j, "failed", (long long)sum.failed);
        accel__json_end_object(&j);
        accel__json_finish(&j);
    } else if (rc == 0) {
        fprintf(stderr, "accel image %s: %llu done, %llu skipped, %llu failed in %.1f s (%.1f files/s)\n",
                sub, (unsigned long long)sum.done, (unsigned long long)sum.skipped,
                (unsigned long long)sum.failed, sum.seconds, sum.files_per_second);
    }
    accel_corpus_destroy(step);
    accel_ctx_destroy(ctx);
    return rc ? rc : failed ? 1 : 0;
}

/* ---- quality ---- */

enum { Q_JSON, Q_FORMAT, Q_OUTPUT, Q_DEVICE, Q_MANIFEST, Q_SHARD, Q_RESUME, Q_LOG, Q_N };
static const cli_opt quality_opts[] = {
    [Q_JSON] = CLI_OPT_JSON, [Q_FORMAT] = CLI_OPT_FORMAT,
    [Q_OUTPUT] = {"-o", "--output", CLI_STR, "FILE|DIR",
                  "write the report to FILE (atomically; - for standard output);\n"
                  "a directory (an existing one, a name ending in '/', or with\n"
                  "--manifest, --shard, --resume, --log): one <name>.json per image",
                  0, 0, NULL, 0},
    [Q_DEVICE] = device_opt,
    [Q_MANIFEST] = CLI_OPT_MANIFEST, [Q_SHARD] = CLI_OPT_SHARD, [Q_RESUME] = CLI_OPT_RESUME,
    [Q_LOG] = CLI_OPT_LOG,
};
static const cli_verb quality_verb = {
    .name = "image quality",
    .synopsis = "FILE... [--json | --format table|json|csv|md] [-o FILE]\n"
                "       accel image quality [FILE...] [--manifest FILE] -o DIR [--shard I/N|auto]\n"
                "                           [--resume] [--log FILE] [--json]",
    .about = "The quality of each image, in input order: blur_laplacian_var (variance of the\n"
             "Laplacian), brightness (mean gray), contrast (gray's standard deviation),\n"
             "sharpness_tenengrad (mean Sobel gx² + gy²) and overall (0 … 1, docs/image.md).\n"
             "JSON: {\"images\": [{\"file\", \"width\", \"height\", the five, or \"error\"}, …],\n"
             "\"ok\": false when a file failed}.\n"
             "With -o DIR each image's object goes to DIR/<name>.json (docs/cli.md, \"Corpus\n"
             "runs\"); standard output then lists the files written.",
    .opts = quality_opts,
    .n_opts = Q_N,
    .operands = "FILE...",
    .footer = "exit status: 0 success, 1 some file failed (the others are reported), 2 usage",
};

/* A measure in a cell: six digits for a person (the table), and for CSV and Markdown, which
 * programs read, the shortest form that reads back as the same double, as the JSON has it. */
static void fmt_num(char *b, size_t cap, double v, int exact)
{
    char t[32];
    if (exact && isfinite(v))
        accel__num_shortest(t, v);
    else
        snprintf(t, sizeof t, "%.6g", v);
    snprintf(b, cap, "%s", t);
}

static int quality(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&quality_verb, argc, argv, &a);
    if (pr != CLI_OK) {
        cli_args_free(&a);
        return pr == CLI_HELP ? 0 : 2;
    }
    cli_corpus cc;
    if (cli_corpus_open(&cc, "image", &a, (cli_corpus_opts){Q_MANIFEST, Q_SHARD, Q_RESUME, Q_LOG})) {
        cli_corpus_free(&cc);
        cli_args_free(&a);
        return 2;
    }
    const char *qout = a.v[Q_OUTPUT].set ? a.v[Q_OUTPUT].s : NULL;
    if (cc.active || dir_like(qout)) {
        int crc = 2;
        if (a.v[Q_FORMAT].set && strcmp(a.v[Q_FORMAT].s, "table") && strcmp(a.v[Q_FORMAT].s, "json"))
            accel_cli_error("image quality", "--format %s: with -o DIR the measures go to one .json "
                            "per image (allowed here: table, json)", a.v[Q_FORMAT].s);
        else
            crc = image_corpus("quality", &cc, qout, a.v[Q_DEVICE].set ? a.v[Q_DEVICE].s : NULL,
                               a.v[Q_JSON].set || (a.v[Q_FORMAT].set && !strcmp(a.v[Q_FORMAT].s, "json")),
                               "image_quality", NULL, 0, NULL, NULL, 0);
        cli_corpus_free(&cc);
        cli_args_free(&a);
        return crc;
    }
    cli_corpus_free(&cc);
    int rc = 2;
    size_t n = a.n_operands;
    if (!n) {
        accel_cli_error("image quality", "no input files (see `accel image quality --help`)");
        cli_args_free(&a);
        return 2;
    }
    if (no_stdin("image quality", a.operands, n) ||
        out_is_input("image quality", qout, a.operands, n)) {
        cli_args_free(&a);
        return 2;
    }
    cli_out o;
    if (cli_out_open(&o, "image quality", &a, Q_JSON, Q_FORMAT, Q_OUTPUT) != 0) {
        cli_args_free(&a);
        return 2;
    }
    int uerr = 0;
    accel_ctx *ctx = open_ctx("image quality", a.v[Q_DEVICE].set ? a.v[Q_DEVICE].s : NULL, &uerr);
    if (!ctx) {
        cli_out_discard(&o);
        cli_args_free(&a);
        return uerr ? 2 : 1;
    }
    accel_quality *q = calloc(n, sizeof *q);
    char (*err)[512] = calloc(n, sizeof *err), (*warn)[256] = calloc(n, sizeof *warn);
    size_t bad = 0;
    int bar = n > 1 && isatty(2);
    for (size_t i0 = 0; q && err && warn && i0 < n; i0 += CHUNK) {
        size_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        cli_progress(bar, i0, n, a.operands[i0]);
        accel_image_decoded d[CHUNK];
        decode_batch(ctx, NULL, (const char *const *)a.operands + i0, m, d);
        accel_image in[CHUNK];
        accel_quality qq[CHUNK];
        size_t idx[CHUNK], k = 0;
        for (size_t j = 0; j < m; j++) {
            if (d[j].status != ACCEL_OK) {
                accel__strlcpy(err[i0 + j], d[j].message, sizeof err[0]);
                continue;
            }
            accel__strlcpy(warn[i0 + j], d[j].message, sizeof warn[0]);
            in[k] = d[j].image;
            qq[k] = (accel_quality){.struct_size = sizeof qq[k]};
            idx[k++] = i0 + j;
        }
        accel_status qst = k ? accel_image_quality(ctx, NULL, in, k, qq, NULL) : ACCEL_OK;
        char why[256];
        accel__strlcpy(why, qst != ACCEL_OK ? accel_last_error(ctx) : "", sizeof why);
        accel_status st[CHUNK];
        for (size_t j = 0; j < k; j++) st[j] = qq[j].status;
        untouched(qst, st, k);
        for (size_t j = 0; j < k; j++) {
            q[idx[j]] = qq[j];
            if (st[j] != ACCEL_OK)
                snprintf(err[idx[j]], sizeof err[0], "'%s': %s", a.operands[idx[j]], reason_of(j, why));
        }
        accel_image_decoded_free(d, m);
    }
    cli_progress(bar, n, n, "");
    if (!q || !err || !warn) {
        accel_cli_error("image quality", "out of memory for %zu images' results", n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (err[i][0]) {
            accel_cli_error("image quality", "%s", err[i]);
            bad++;
        } else if (warn[i][0]) { /* a decoder's warning the image survived */
            fprintf(stderr, "accel image quality: warning: '%s': %s\n", a.operands[i], warn[i]);
        }
    }
    static const char *const head[] = {"file", "width", "height", "blur_laplacian_var", "brightness",
                                       "contrast", "sharpness_tenengrad", "overall", "error"};
    if (o.fmt == CLI_FMT_JSON) {
        accel__json j;
        accel__json_init(&j, o.f, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_begin_array(&j, "images");
        for (size_t i = 0; i < n; i++) {
            accel__json_begin_object(&j, NULL);
            accel__json_str(&j, "file", a.operands[i]);
            if (err[i][0]) {
                accel__json_str(&j, "error", err[i]);
            } else {
                accel__json_int(&j, "width", q[i].width);
                accel__json_int(&j, "height", q[i].height);
                accel__json_num(&j, "blur_laplacian_var", q[i].blur_laplacian_var);
                accel__json_num(&j, "brightness", q[i].brightness);
                accel__json_num(&j, "contrast", q[i].contrast);
                accel__json_num(&j, "sharpness_tenengrad", q[i].sharpness_tenengrad);
                accel__json_num(&j, "overall", q[i].overall);
                if (warn[i][0]) accel__json_str(&j, "warning", warn[i]);
            }
            accel__json_end_object(&j);
        }
        accel__json_end_array(&j);
        accel__json_bool(&j, "ok", bad == 0); /* as every image subcommand's --json has it */
        accel__json_end_object(&j);
        accel__json_finish(&j);
    }
    FILE *text = o.fmt == CLI_FMT_JSON ? cli_out_text(&o) : o.f;
    if (text) {
        cli_table t;
        cli_table_init(&t, 9, head, "lrrrrrrrl");
        const int exact = o.fmt == CLI_FMT_CSV || o.fmt == CLI_FMT_MD;
        for (size_t i = 0; i < n; i++) {
            char c[8][64];
            const char *cells[9] = {a.operands[i], c[0], c[1], c[2], c[3], c[4], c[5], c[6], err[i]};
            if (err[i][0]) {
                for (int k = 0; k < 7; k++) c[k][0] = 0;
            } else {
                snprintf(c[0], sizeof c[0], "%d", q[i].width);
                snprintf(c[1], sizeof c[1], "%d", q[i].height);
                fmt_num(c[2], sizeof c[2], q[i].blur_laplacian_var, exact);
                fmt_num(c[3], sizeof c[3], q[i].brightness, exact);
                fmt_num(c[4], sizeof c[4], q[i].contrast, exact);
                fmt_num(c[5], sizeof c[5], q[i].sharpness_tenengrad, exact);
                if (exact) fmt_num(c[6], sizeof c[6], q[i].overall, 1);
                else snprintf(c[6], sizeof c[6], "%.3f", q[i].overall);
            }
            cli_table_add(&t, cells);
        }
        cli_table_write(&t, o.fmt == CLI_FMT_JSON ? CLI_FMT_TABLE : o.fmt, text);
        cli_table_free(&t);
    }
    rc = bad ? 1 : 0;
out:
    if (cli_out_close(&o) != 0) rc = 2;
    free(q), free(err), free(warn);
    accel_ctx_destroy(ctx);
    cli_args_free(&a);
    return rc;
}

/* ---- decode, resize, align, enhance: one file in, one file out ---- */

/* Where each option is in a subcommand's table (-1: the subcommand has none). */
typedef struct sub_idx {
    int output, device, json, size, interp, landmarks, min, clip, tiles;
} sub_idx;

#define OUT_OPT(what)                                                                             \
    {"-o", "--output", CLI_STR, "OUT.npy|OUT.png|-",                                               \
     what ";\n.npy or .png by its name; - : the .npy on standard output", 0, 0, NULL, 0}
#define JSON_OPT(what) {"--json", NULL, CLI_FLAG, NULL, what, 0, 0, NULL, 0}

enum { D_OUTPUT, D_DEVICE, D_JSON, D_N };
static const cli_opt decode_opts[] = {
    [D_OUTPUT] = OUT_OPT("the decoded pixels (H×W×3 uint8, BGR)"),
    [D_DEVICE] = device_opt,
    [D_JSON] = JSON_OPT("a summary (size, format, orientation) on standard output"),
};
static const cli_verb decode_verb = {
    .name = "image decode", .synopsis = "FILE -o OUT.npy|OUT.png|- [--json]",
    .about = "Decodes a JPEG, PNG or WebP file as cv2.imread(FILE, IMREAD_COLOR) does (EXIF\n"
             "orientation applied) into a .npy of H×W×3 uint8 BGR, or a PNG of the same pixels.",
    .opts = decode_opts, .n_opts = D_N, .operands = "FILE",
    .footer = "exit status: 0 success, 1 the file could not be decoded or written, 2 usage (an\n"
              "output that cannot be created included, found before the file is read)",
};
static const sub_idx decode_idx = {D_OUTPUT, D_DEVICE, D_JSON, -1, -1, -1, -1, -1, -1};

enum { R_OUTPUT, R_DEVICE, R_JSON, R_SIZE, R_INTERP, R_N };
static const cli_opt resize_opts[] = {
    [R_OUTPUT] = OUT_OPT("the resized image (H×W×3 uint8, BGR)"),
    [R_DEVICE] = device_opt,
    [R_JSON] = JSON_OPT("a summary on standard output"),
    [R_SIZE] = {"--size", NULL, CLI_STR, "WxH", "the output size (required)", 0, 0, NULL, 0},
    [R_INTERP] = {"--interp", NULL, CLI_CHOICE, "linear|area", "cv2.INTER_LINEAR (default) or INTER_AREA",
                  0, 0, "linear|area", 0},
};
static const cli_verb resize_verb = {
    .name = "image resize", .synopsis = "FILE --size WxH [--interp linear|area]\n"
                                        "                          -o OUT.npy|OUT.png|- [--json]",
    .about = "cv2.resize of the decoded image, OpenCV 4.6's arithmetic (identical pixels).",
    .opts = resize_opts, .n_opts = R_N, .operands = "FILE",
    .footer = "exit status: 0 success, 1 the file failed, 2 usage (an output that cannot be\n"
              "created included, found before the file is read)",
};
static const sub_idx resize_idx = {R_OUTPUT, R_DEVICE, R_JSON, R_SIZE, R_INTERP, -1, -1, -1, -1};

enum { A_OUTPUT, A_DEVICE, A_JSON, A_SIZE, A_LANDMARKS, A_N };
static const cli_opt align_opts[] = {
    [A_OUTPUT] = OUT_OPT("the aligned face (S×S×3 uint8, BGR)"),
    [A_DEVICE] = device_opt,
    [A_JSON] = JSON_OPT("a summary (the matrix) on standard output"),
    [A_SIZE] = {"--size", NULL, CLI_INT, "S", "crop size, a multiple of 112 or 128 (default 112)", 1, 4096, NULL, 0},
    [A_LANDMARKS] = {"--landmarks", NULL, CLI_STR, "x1,y1,…,x5,y5",
                     "the five landmarks (eyes, nose, mouth corners), required", 0, 0, NULL, 0},
};
static const cli_verb align_verb = {
    .name = "image align", .synopsis = "FILE --landmarks x1,y1,…,x5,y5 [--size S]\n"
                                       "                         -o OUT.npy|OUT.png|- [--json]",
    .about = "insightface's norm_crop: the similarity that maps the landmarks onto ArcFace's\n"
             "points, then cv2.warpAffine into an S×S crop.",
    .opts = align_opts, .n_opts = A_N, .operands = "FILE",
    .footer = "exit status: 0 success, 1 the file or the landmarks failed, 2 usage (an output\n"
              "that cannot be created included, found before the file is read)",
};
static const sub_idx align_idx = {A_OUTPUT, A_DEVICE, A_JSON, A_SIZE, -1, A_LANDMARKS, -1, -1, -1};

enum { E_OUTPUT, E_DEVICE, E_JSON, E_MIN, E_CLIP, E_TILES, E_N };
static const cli_opt enhance_opts[] = {
    [E_OUTPUT] = OUT_OPT("the enhanced image (H×W×C uint8, the input's channels)"),
    [E_DEVICE] = device_opt,
    [E_JSON] = JSON_OPT("the scale and size as JSON on standard output"),
    [E_MIN] = {"--min-short-side", NULL, CLI_INT, "N", "upscale until the short side is N (default 640; 0: never)",
               0, 65536, NULL, 0},
    [E_CLIP] = {"--clip", NULL, CLI_NUM, "C", "CLAHE clipLimit (default 2; 0: no CLAHE)", 0, 1000, NULL, 0},
    [E_TILES] = {"--tiles", NULL, CLI_STR, "XxY", "CLAHE tileGridSize (default 8x8)", 0, 0, NULL, 0},
};
static const cli_verb enhance_verb = {
    .name = "image enhance", .synopsis = "FILE -o OUT.png|OUT.npy|- [--min-short-side N]\n"
                                         "                           [--clip C] [--tiles XxY] [--json]",
    .about = "Upscales a small image (INTER_LINEAR) so its short side reaches N, then CLAHE on\n"
             "the luma (YCrCb). Prints the scale applied.",
    .opts = enhance_opts, .n_opts = E_N, .operands = "FILE",
    .footer = "exit status: 0 success, 1 the file failed, 2 usage (an output that cannot be\n"
              "created included, found before the file is read)",
};
static const sub_idx enhance_idx = {E_OUTPUT, E_DEVICE, E_JSON, -1, -1, -1, E_MIN, E_CLIP, E_TILES};

static int one_file(const char *sub, cli_args *a, const sub_idx *ix, const char **file, const char **out)
{
    char vname[32];
    snprintf(vname, sizeof vname, "image %s", sub);
    if (a->n_operands != 1) {
        accel_cli_error(vname, "one input file, %s given (see `accel image %s --help`)",
                        a->n_operands ? "several" : "none", sub);
        return 2;
    }
    if (!a->v[ix->output].set || !*a->v[ix->output].s) {
        accel_cli_error(vname, "-o OUT is required (.npy, .png, or - for a .npy on standard "
                               "output)");
        return 2;
    }
    *file = a->operands[0];
    *out = a->v[ix->output].s;
    return 0;
}

/* the value of an option the subcommand may lack */
#define OPT(ix) ((ix) >= 0 ? &a.v[(ix)] : &none)

/* The image as a .npy (H×W×C uint8) or a PNG, to the opened output. 0, or 1 with the reason
 * in err (out of memory, the PNG encoder); a failed write shows when the output is closed. */
static int write_image(FILE *f, out_kind kind, const accel_image *im, const char *file, char *err,
                       size_t cap)
{
    uint8_t *p = packed(im);
    if (!p) {
        snprintf(err, cap, "'%s': out of memory for the %d×%d output", file, im->width, im->height);
        return 1;
    }
    int rc = 0;
    if (kind == OUT_PNG) {
        img_t v = {p, im->width, im->height, im->channels, (size_t)im->width * (size_t)im->channels,
                   im->order == ACCEL_RGB};
        uint8_t *png = NULL;
        size_t n = 0;
        if (accel__png_encode(&v, &png, &n) != ACCEL_OK) {
            snprintf(err, cap, "'%s': %s", file, accel_last_error(NULL));
            rc = 1;
        } else {
            put(f, png, n);
        }
        free(png);
    } else {
        size_t shape[3] = {(size_t)im->height, (size_t)im->width, (size_t)im->channels};
        npy_put(f, "|u1", p, 1, shape, im->channels == 1 ? 2 : 3);
    }
    free(p);
    return rc;
}

static int single(const char *sub, const cli_verb *verb, const sub_idx *ix, int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(verb, argc, argv, &a);
    if (pr != CLI_OK) {
        cli_args_free(&a);
        return pr == CLI_HELP ? 0 : 2;
    }
    const cli_value none = {0};
    const char *file = NULL, *out = NULL;
    int rc = one_file(sub, &a, ix, &file, &out);
    int w = 0, h = 0, tx = 8, ty = 8;
    float lmk[10];
    char vname[32];
    snprintf(vname, sizeof vname, "image %s", sub);
    /* every setting is checked here, before a device is opened or the file read (exit 2) */
    if (!rc && !strcmp(sub, "resize")) {
        if (!OPT(ix->size)->set || cli_parse_wxh(OPT(ix->size)->s, 1, 65536, &w, &h) != 0) {
            accel_cli_error(vname, "--size %s: expected WxH, whole numbers 1..65536 (e.g. 224x224)",
                            OPT(ix->size)->set ? OPT(ix->size)->s : "(missing)");
            rc = 2;
        }
    }
    if (!rc && !strcmp(sub, "align")) {
        const char *s = OPT(ix->landmarks)->set ? OPT(ix->landmarks)->s : "";
        if (cli_parse_floats(s, lmk, 10) != 0) {
            accel_cli_error(vname, "--landmarks %s: expected ten numbers x1,y1,…,x5,y5 (eyes, nose, "
                            "mouth corners)", OPT(ix->landmarks)->set ? s : "(missing)");
            rc = 2;
        }
        /* ArcFace's reference points exist for these sizes only (accel_arcface_matrix) */
        int size = OPT(ix->size)->set ? (int)OPT(ix->size)->i : 112;
        if (!rc && size % 112 != 0 && size % 128 != 0) {
            accel_cli_error(vname, "--size %d: allowed: a multiple of 112 or of 128, 112..4096 "
                            "(112, 128, 224, 256, …)", size);
            rc = 2;
        }
    }
    /* CLAHE's grid: 1..256 tiles each way (accel_image_enhance) */
    if (!rc && OPT(ix->tiles)->set && cli_parse_wxh(OPT(ix->tiles)->s, 1, 256, &tx, &ty) != 0) {
        accel_cli_error(vname, "--tiles %s: expected XxY, whole numbers 1..256 each (CLAHE's "
                        "tileGridSize, e.g. 8x8)", OPT(ix->tiles)->s);
        rc = 2;
    }
    int json = OPT(ix->json)->set > 0;
    out_kind kind = OUT_NPY;
    if (!rc) rc = no_stdin(vname, a.operands, a.n_operands);
    if (!rc) rc = out_is_input(vname, out, a.operands, a.n_operands);
    if (!rc) rc = out_kind_of(vname, out, 1, &kind);
    if (!rc && json && to_stdout(out)) {
        accel_cli_error(vname, "-o %s puts the .npy on standard output, where --json would go "
                               "too; choose one", out);
        rc = 2;
    }
    if (rc) {
        cli_args_free(&a);
        return rc;
    }
    int uerr = 0;
    accel_ctx *ctx = open_ctx(vname, OPT(ix->device)->set ? OPT(ix->device)->s : NULL, &uerr);
    if (!ctx) {
        cli_args_free(&a);
        return uerr ? 2 : 1;
    }
    /* the output's size within ACCEL_IMAGE_MAX_PIXELS, the limit a decoded image and enhance's
     * output have (a setting: known once the context is) */
    long long max_px = accel__cfg_int(ctx, ACCEL__CFG_IMAGE_MAX_PIXELS);
    if (max_px <= 0) max_px = ACCEL_IMAGE_MAX_PIXELS_DEFAULT;
    if (!strcmp(sub, "resize") && (long long)w * h > max_px) {
        accel_cli_error(vname, "--size %dx%d: %lld pixels, above ACCEL_IMAGE_MAX_PIXELS=%lld (allowed: "
                        "at most that many; the setting raises it)", w, h, (long long)w * h, max_px);
        accel_ctx_destroy(ctx);
        cli_args_free(&a);
        return 2;
    }
    cli_out of;
    if (data_open(&of, vname, out) != 0) {
        accel_ctx_destroy(ctx);
        cli_args_free(&a);
        return 2;
    }
    /* standard output holds the data with -o -: the summary line goes nowhere */
    FILE *say = to_stdout(out) ? NULL : stdout;
    char err[768] = "", line[512] = "";
    int ow = 0, oh = 0, size = OPT(ix->size)->set ? (int)OPT(ix->size)->i : 112;
    double scale = 0, M[6] = {0};
    accel_image_decoded d;
    rc = 1;
    if (decode_batch(ctx, NULL, &file, 1, &d)) {
        accel__strlcpy(err, d.message, sizeof err);
    } else if (!strcmp(sub, "decode")) {
        rc = write_image(of.f, kind, &d.image, file, err, sizeof err);
        ow = d.image.width, oh = d.image.height;
        snprintf(line, sizeof line, "%s: %d×%d %s → %s", file, ow, oh, d.format, out);
    } else if (!strcmp(sub, "resize")) {
        accel_interp ip = OPT(ix->interp)->set && !strcmp(OPT(ix->interp)->s, "area") ? ACCEL_INTERP_AREA
                                                                                   : ACCEL_INTERP_LINEAR;
        uint8_t *pix = malloc((size_t)w * h * 3);
        accel_image o = ACCEL_IMAGE_INIT(pix, w, h, 3);
        if (!pix)
            snprintf(err, sizeof err, "'%s': out of memory for the %d×%d output (%zu bytes)", file,
                     w, h, (size_t)w * h * 3);
        else if (accel_image_resize(ctx, ip, &d.image, &o, 1, NULL, NULL) != ACCEL_OK)
            snprintf(err, sizeof err, "'%s': %s", file, reason_of(0, accel_last_error(ctx)));
        else
            rc = write_image(of.f, kind, &o, file, err, sizeof err);
        ow = w, oh = h;
        snprintf(line, sizeof line, "%s: %d×%d → %d×%d (%s) → %s", file, d.image.width,
                 d.image.height, w, h, ip == ACCEL_INTERP_AREA ? "area" : "linear", out);
        free(pix);
    } else if (!strcmp(sub, "align")) {
        uint8_t *pix = malloc((size_t)size * size * 3);
        accel_image o = ACCEL_IMAGE_INIT(pix, size, size, 3);
        if (!pix) {
            snprintf(err, sizeof err, "'%s': out of memory for the %d×%d crop", file, size, size);
        } else if (accel_arcface_align(ctx, &d.image, lmk, 1, size, &o, NULL, NULL, NULL) != ACCEL_OK) {
            snprintf(err, sizeof err, "'%s': %s", file, reason_of(0, accel_last_error(ctx)));
        } else {
            accel_arcface_matrix(lmk, size, M);
            rc = write_image(of.f, kind, &o, file, err, sizeof err);
        }
        snprintf(line, sizeof line, "%s: face aligned to %d×%d → %s", file, size, size, out);
        free(pix);
    } else { /* enhance */
        accel_enhance_params p;
        accel_enhance_params_init(&p);
        if (OPT(ix->min)->set) p.min_short_side = (int)OPT(ix->min)->i;
        if (OPT(ix->clip)->set) p.clip_limit = OPT(ix->clip)->d;
        p.tiles_x = tx, p.tiles_y = ty;
        accel_image o = ACCEL_IMAGE_INIT(NULL, 0, 0, 0);
        if (accel_image_enhance(ctx, &p, &d.image, 1, &o, &scale, NULL, NULL) != ACCEL_OK)
            snprintf(err, sizeof err, "'%s': %s", file, reason_of(0, accel_last_error(ctx)));
        else
            rc = write_image(of.f, kind, &o, file, err, sizeof err);
        ow = o.width, oh = o.height;
        snprintf(line, sizeof line, "%s: scale %.6g (%d×%d → %d×%d) → %s", file, scale,
                 d.image.width, d.image.height, ow, oh, out);
        accel_image_free(&o, 1);
    }
    if (err[0]) accel_cli_error(vname, "%s", err);
    /* a decoder's warning the image survived (stray bytes, an error after the last row) */
    if (d.status == ACCEL_OK && d.message[0])
        fprintf(stderr, "accel %s: warning: '%s': %s\n", vname, file, d.message);
    /* the output is renamed into place only when its work succeeded */
    if (rc == 0) {
        rc = data_close(&of, vname);
        if (rc) accel__strlcpy(err, of.error, sizeof err);
    } else {
        cli_out_discard(&of);
    }
    if (json) { /* always one object: what was done, or "ok": false and why not */
        accel__json j;
        accel__json_init(&j, stdout, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "file", file);
        accel__json_str(&j, "output", out);
        if (d.status == ACCEL_OK) {
            accel__json_str(&j, "format", d.format);
            accel__json_int(&j, "orientation", d.orientation);
            if (d.message[0]) accel__json_str(&j, "warning", d.message);
        }
        if (rc == 0 && !strcmp(sub, "align")) {
            accel__json_int(&j, "size", size);
            accel__json_begin_array(&j, "matrix");
            for (int k = 0; k < 6; k++) accel__json_num(&j, NULL, M[k]);
            accel__json_end_array(&j);
        } else if (rc == 0) {
            if (!strcmp(sub, "enhance")) accel__json_num(&j, "scale", scale);
            accel__json_int(&j, "width", ow);
            accel__json_int(&j, "height", oh);
        }
        accel__json_bool(&j, "ok", rc == 0);
        if (rc) accel__json_str(&j, "error", err);
        accel__json_end_object(&j);
        accel__json_finish(&j);
    } else if (rc == 0 && say) {
        fprintf(say, "%s\n", line);
    }
    accel_image_decoded_free(&d, 1);
    accel_ctx_destroy(ctx);
    cli_args_free(&a);
    return rc;
}

/* ---- blob ---- */

enum { B_OUTPUT, B_DEVICE, B_JSON, B_MODEL, B_SIZE, B_MANIFEST, B_SHARD, B_RESUME, B_LOG, B_N };
static const cli_opt blob_opts[] = {
    [B_OUTPUT] = {"-o", "--output", CLI_STR, "OUT.npy|-|DIR",
                  "the blob, N×3×S×S float32 (required; - : standard output);\n"
                  "a directory (an existing one, a name ending in '/', or with\n"
                  "--manifest, --shard, --resume, --log): one <name>.npy of\n"
                  "1×3×S×S per image", 0, 0, NULL, 0},
    [B_DEVICE] = device_opt,
    [B_JSON] = {"--json", NULL, CLI_FLAG, NULL, "per file: its row in the blob and det_scale (scrfd)", 0, 0, NULL, 0},
    [B_MODEL] = {"--model", NULL, CLI_CHOICE, "scrfd|arcface",
                 "scrfd: letterbox + blobFromImage(1/128, 127.5, swapRB);\n"
                 "arcface: blobFromImage(1/127.5, 127.5, swapRB) of the image resized", 0, 0,
                 "scrfd|arcface", 0},
    [B_SIZE] = {"--size", NULL, CLI_INT, "S", "the blob's side (default 640 for scrfd, 112 for arcface)", 1, 16384, NULL, 0},
    [B_MANIFEST] = CLI_OPT_MANIFEST, [B_SHARD] = CLI_OPT_SHARD, [B_RESUME] = CLI_OPT_RESUME,
    [B_LOG] = CLI_OPT_LOG,
};
static const cli_verb blob_verb = {
    .name = "image blob", .synopsis = "FILE... --model scrfd|arcface [--size S] -o OUT.npy|- [--json]\n"
                                      "       accel image blob [FILE...] [--manifest FILE] --model M -o DIR\n"
                                      "                        [--shard I/N|auto] [--resume] [--log FILE]",
    .about = "The model input of each file, stacked in input order (a file that fails has no\n"
             "row; --json gives each file's row). With -o DIR each file's blob goes to\n"
             "DIR/<name>.npy (docs/cli.md, \"Corpus runs\"; scrfd's det_scale is in --json and\n"
             "the --log lines).",
    .opts = blob_opts, .n_opts = B_N, .operands = "FILE...",
    .footer = "exit status: 0 success, 1 some file failed (the others are in the blob), 2 usage\n"
              "(an output that cannot be created included, found before any file is read)",
};

static int blob(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&blob_verb, argc, argv, &a);
    if (pr != CLI_OK) {
        cli_args_free(&a);
        return pr == CLI_HELP ? 0 : 2;
    }
    cli_corpus cc;
    if (cli_corpus_open(&cc, "image", &a, (cli_corpus_opts){B_MANIFEST, B_SHARD, B_RESUME, B_LOG})) {
        cli_corpus_free(&cc);
        cli_args_free(&a);
        return 2;
    }
    const char *bout = a.v[B_OUTPUT].set ? a.v[B_OUTPUT].s : NULL;
    if ((cc.active || dir_like(bout)) && a.v[B_MODEL].set) {
        int S = a.v[B_SIZE].set ? (int)a.v[B_SIZE].i : !strcmp(a.v[B_MODEL].s, "scrfd") ? 640 : 112;
        char size_s[16];
        snprintf(size_s, sizeof size_s, "%d", S);
        accel_option bp[2] = {{"model", a.v[B_MODEL].s}, {"size", size_s}};
        int crc = image_corpus("blob", &cc, bout, a.v[B_DEVICE].set ? a.v[B_DEVICE].s : NULL,
                               a.v[B_JSON].set > 0, "image_blob", bp, 2, "model", a.v[B_MODEL].s, S);
        cli_corpus_free(&cc);
        cli_args_free(&a);
        return crc;
    }
    cli_corpus_free(&cc);
    size_t n = a.n_operands;
    if (!n || !a.v[B_MODEL].set || !a.v[B_OUTPUT].set) {
        accel_cli_error("image blob", "%s", !n ? "no input files" : !a.v[B_MODEL].set ?
                        "--model is required (allowed: scrfd, arcface)" : "-o OUT.npy is required");
        cli_args_free(&a);
        return 2;
    }
    int scrfd = !strcmp(a.v[B_MODEL].s, "scrfd");
    int S = a.v[B_SIZE].set ? (int)a.v[B_SIZE].i : scrfd ? 640 : 112;
    const char *out = a.v[B_OUTPUT].s;
    int json = a.v[B_JSON].set > 0;
    out_kind kind;
    int urc = no_stdin("image blob", a.operands, n);
    if (!urc) urc = out_is_input("image blob", out, a.operands, n);
    if (!urc) urc = out_kind_of("image blob", out, 0, &kind);
    if (!urc && json && to_stdout(out)) {
        accel_cli_error("image blob", "-o %s puts the .npy on standard output, where --json would "
                                      "go too; choose one", out);
        urc = 2;
    }
    if (urc) {
        cli_args_free(&a);
        return urc;
    }
    int uerr = 0;
    accel_ctx *ctx = open_ctx("image blob", a.v[B_DEVICE].set ? a.v[B_DEVICE].s : NULL, &uerr);
    if (!ctx) {
        cli_args_free(&a);
        return uerr ? 2 : 1;
    }
    cli_out of;
    if (data_open(&of, "image blob", out) != 0) {
        accel_ctx_destroy(ctx);
        cli_args_free(&a);
        return 2;
    }
    const size_t plane = (size_t)3 * (size_t)S * (size_t)S;
    float *all = malloc(n * plane * sizeof *all);
    double *ds = calloc(n, sizeof *ds);
    long *row = malloc(n * sizeof *row);
    char (*err)[512] = calloc(n, sizeof *err), (*warn)[256] = calloc(n, sizeof *warn);
    char fatal[512] = ""; /* why no blob was written at all */
    size_t good = 0, bad = 0;
    int bar = n > 1 && isatty(2), rc = 1;
    if (!all || !ds || !row || !err || !warn) {
        snprintf(fatal, sizeof fatal, "out of memory for %zu blobs of 3×%d×%d", n, S, S);
        accel_cli_error("image blob", "%s", fatal);
        cli_out_discard(&of);
        goto report;
    }
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        cli_progress(bar, i0, n, a.operands[i0]);
        accel_image_decoded d[CHUNK];
        accel_image_decode_params dp;
        accel_image_decode_params_init(&dp);
        accel_status st[CHUNK];
        double dsk[CHUNK];
        float *dst = all + good * plane;
        if (scrfd) {
            /* decode and SCRFD input in one call (a JPEG decoded by rows while the rows
             * already decoded are letterboxed): one row per file, failed ones zeros */
            accel_image_decoded_init(d, m);
            accel_status rc_call = accel_scrfd_prepare(ctx, &dp, (const char *const *)a.operands + i0,
                                                       m, S, S, dst, dsk, NULL, NULL, d, NULL);
            /* a failure of the whole call (a device's, under ACCEL_STRICT) fails every file: the
             * library marks each result so; one left without pixels is not taken for a blob */
            for (size_t j = 0; rc_call != ACCEL_OK && j < m; j++)
                if (d[j].status == ACCEL_OK && !d[j].image.data) {
                    d[j].status = rc_call;
                    snprintf(d[j].message, sizeof d[j].message, "'%s': %s", a.operands[i0 + j],
                             accel_last_error(ctx));
                }
            for (size_t j = 0; j < m; j++) {
                row[i0 + j] = -1;
                if (d[j].status != ACCEL_OK) {
                    accel__strlcpy(err[i0 + j], d[j].message, sizeof err[0]);
                    continue;
                }
                accel__strlcpy(warn[i0 + j], d[j].message, sizeof warn[0]);
                if (all + good * plane != dst + j * plane)
                    memmove(all + good * plane, dst + j * plane, plane * sizeof *all);
                ds[i0 + j] = dsk[j];
                row[i0 + j] = (long)good++;
            }
            accel_image_decoded_free(d, m);
            continue;
        }
        decode_batch(ctx, &dp, (const char *const *)a.operands + i0, m, d);
        accel_image in[CHUNK];
        size_t idx[CHUNK], k = 0;
        for (size_t j = 0; j < m; j++) {
            row[i0 + j] = -1;
            if (d[j].status != ACCEL_OK) {
                accel__strlcpy(err[i0 + j], d[j].message, sizeof err[0]);
                continue;
            }
            accel__strlcpy(warn[i0 + j], d[j].message, sizeof warn[0]);
            in[k] = d[j].image, idx[k++] = i0 + j;
        }
        accel_status bst = ACCEL_OK;
        for (size_t j = 0; j < k; j++) st[j] = ACCEL_OK;
        if (k) {
            accel_blob_params bp;
            accel_blob_params_preset("arcface", &bp);
            bp.width = bp.height = S;
            bst = accel_image_blob(ctx, &bp, in, k, dst, st, NULL);
        }
        char why[256];
        accel__strlcpy(why, bst != ACCEL_OK ? accel_last_error(ctx) : "", sizeof why);
        untouched(bst, st, k);
        /* keep the rows of the files that succeeded, in input order; each failure its own reason */
        for (size_t j = 0; j < k; j++) {
            if (st[j] != ACCEL_OK) {
                snprintf(err[idx[j]], sizeof err[0], "'%s': %s", a.operands[idx[j]], reason_of(j, why));
                continue;
            }
            if (all + good * plane != dst + j * plane)
                memmove(all + good * plane, dst + j * plane, plane * sizeof *all);
            ds[idx[j]] = 1.0;
            row[idx[j]] = (long)good++;
        }
        accel_image_decoded_free(d, m);
    }
    cli_progress(bar, n, n, "");
    for (size_t i = 0; i < n; i++) {
        if (err[i][0]) {
            accel_cli_error("image blob", "%s", err[i]);
            bad++;
        } else if (warn[i][0]) { /* a decoder's warning the image survived */
            fprintf(stderr, "accel image blob: warning: '%s': %s\n", a.operands[i], warn[i]);
        }
    }
    size_t shape[4] = {good, 3, (size_t)S, (size_t)S};
    npy_put(of.f, "<f4", all, sizeof(float), shape, 4);
    if (data_close(&of, "image blob") != 0) accel__strlcpy(fatal, of.error, sizeof fatal);
    rc = fatal[0] || bad ? 1 : 0;
report:
    if (json) { /* always one object: each file's row or error, and "ok" (with "error" when
                 * the blob could not be written) */
        accel__json j;
        accel__json_init(&j, stdout, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "model", scrfd ? "scrfd" : "arcface");
        accel__json_int(&j, "size", S);
        accel__json_str(&j, "output", out);
        accel__json_begin_array(&j, "images");
        for (size_t i = 0; all && ds && row && err && warn && i < n; i++) {
            accel__json_begin_object(&j, NULL);
            accel__json_str(&j, "file", a.operands[i]);
            if (err[i][0]) {
                accel__json_str(&j, "error", err[i]);
            } else {
                accel__json_int(&j, "row", row[i]);
                if (scrfd) accel__json_num(&j, "det_scale", ds[i]);
                if (warn[i][0]) accel__json_str(&j, "warning", warn[i]);
            }
            accel__json_end_object(&j);
        }
        accel__json_end_array(&j);
        accel__json_bool(&j, "ok", rc == 0);
        if (fatal[0]) accel__json_str(&j, "error", fatal);
        accel__json_end_object(&j);
        accel__json_finish(&j);
    } else if (!fatal[0] && !to_stdout(out)) { /* with -o -, standard output holds the blob */
        printf("%zu of %zu file%s → %s (%zu×3×%d×%d float32)\n", good, n, n == 1 ? "" : "s",
               out, good, S, S);
    }
    free(all), free(ds), free(row), free(err), free(warn);
    accel_ctx_destroy(ctx);
    cli_args_free(&a);
    return rc;
}

/* ---- the verb ---- */

/* The subcommands' own synopses (their help's usage lines), so that the two never differ. */
static void usage(FILE *f)
{
    const cli_verb *const verbs[] = {&quality_verb, &decode_verb, &resize_verb,
                                     &blob_verb,    &align_verb,  &enhance_verb};
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        fprintf(f, "%s accel %s %s\n", i ? "      " : "usage:", verbs[i]->name, verbs[i]->synopsis);
    fprintf(f, "\n"
               "Images are decoded as cv2.imread decodes them (JPEG, PNG, WebP; EXIF orientation\n"
               "applied) and computed with OpenCV 4.6's and insightface's arithmetic (docs/image.md).\n"
               "Every subcommand takes --device D and --json. `accel help image SUBCOMMAND`\n"
               "describes each one's options.\n"
               "Exit status: 0 success, 1 some file failed (the others are done), 2 usage.\n");
}

int accel_cli_image(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "quality")) return quality(argc - 1, argv + 1);
    if (!strcmp(sub, "blob")) return blob(argc - 1, argv + 1);
    if (!strcmp(sub, "decode")) return single(sub, &decode_verb, &decode_idx, argc - 1, argv + 1);
    if (!strcmp(sub, "resize")) return single(sub, &resize_verb, &resize_idx, argc - 1, argv + 1);
    if (!strcmp(sub, "align")) return single(sub, &align_verb, &align_idx, argc - 1, argv + 1);
    if (!strcmp(sub, "enhance")) return single(sub, &enhance_verb, &enhance_idx, argc - 1, argv + 1);
    static const char *const subs[] = {"quality", "decode", "resize", "blob", "align", "enhance"};
    cli_error_unknown("image", "subcommand", sub, subs, 6);
    return 2;
}
