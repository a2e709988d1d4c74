/* cmd_audio.c — `accel audio features|vad`: audio front ends on files.
 *
 *   accel audio features FILE... --preset P [--padding M] [--windows] [--device D] -o OUT
 *                        [--json] [--bench-iterations N] [--demo [SECONDS]]
 *   accel audio vad FILE... [--chunks [SECONDS]] [--device D] [--json]
 *
 * Exit codes: 0 all files done; 1 some file failed (the others are still written); 2 usage. */
#include "cli.h"
#include "cli_corpus.h"
#include "core/opnames.h"
#include "ops/audio/audio_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const accel_cli_audio_help =
    "audio features (whisper, vggish, Kaldi fbank) to .npy, and voice activity (features|vad)";

static const char *const presets = "whisper-80, whisper-128, vggish, fbank, fbank-80";

enum { F_PRESET, F_PADDING, F_WINDOWS, F_DEVICE, F_OUTPUT, F_JSON, F_BENCH_ITERATIONS, F_DEMO,
       F_MANIFEST, F_SHARD, F_RESUME, F_LOG, F_N };
static const cli_opt features_opts[] = {
    [F_PRESET] = {"--preset", "--op|--operation", CLI_STR, "P",
                  "whisper-80, whisper-128, vggish, fbank, fbank-80; a family\n"
                  "name means its first preset (whisper: whisper-80)",
                  0, 0, NULL, 0},
    [F_PADDING] = {"--padding", NULL, CLI_CHOICE, "M",
                   "whisper: openai (30 s, as transcribe()), faster-whisper (160\n"
                   "samples), none",
                   0, 0, "openai|faster-whisper|none", 0},
    [F_WINDOWS] = {"--windows", NULL, CLI_FLAG, NULL,
                   "whisper: output the 30-s windows (n, n_mels, 3000)", 0, 0, NULL, 0},
    [F_DEVICE] = CLI_OPT_DEVICE("default auto"),
    [F_OUTPUT] = {"-o", "--output", CLI_STR, "OUT",
                  "the .npy file for one input (- : standard output), or a\n"
                  "directory (created if absent) holding <name>.npy for each input\n"
                  "(always with --manifest, --shard, --resume or --log)",
                  0, 0, NULL, 0},
    [F_JSON] = {"--json", NULL, CLI_FLAG, NULL, "a JSON summary per file on standard output", 0, 0,
                NULL, 0},
    [F_BENCH_ITERATIONS] = {"--bench-iterations", NULL, CLI_INT, "N",
                            "load each file, then time N in-memory computations", 1, 100000, NULL,
                            0},
    [F_DEMO] = {"--demo", NULL, CLI_NUM, "SECONDS",
                "features of a built-in speech-like clip (default 5 s)", 0, 3600, NULL,
                CLI_OPTIONAL_VALUE | CLI_MIN_EXCLUSIVE},
    [F_MANIFEST] = CLI_OPT_MANIFEST,
    [F_SHARD] = CLI_OPT_SHARD,
    [F_RESUME] = CLI_OPT_RESUME,
    [F_LOG] = CLI_OPT_LOG,
};
static const cli_verb features_verb = {
    .name = "audio features",
    .synopsis = "FILE... --preset P -o OUT [options]\n"
                "       accel audio features --manifest FILE --preset P -o DIR [--shard I/N|auto]\n"
                "                            [--resume] [--log FILE] [options]\n"
                "       accel audio features --demo [SECONDS] [--preset P] [-o OUT.npy] [options]",
    .about = "Writes float32 .npy files (C order). Whisper's frame count is 100 per second of\n"
             "audio plus its padding: a 5 s clip gives (80, 3500) with openai padding (3000\n"
             "frames of silence, as transcribe() adds), (80, 500) with --padding none.",
    .opts = features_opts,
    .n_opts = F_N,
    .operands = "FILE...",
    .footer = "exit status: 0 success, 1 some file failed (the others are written), 2 usage",
};

enum { V_CHUNKS, V_DEVICE, V_JSON, V_OUTPUT, V_N };
static const cli_opt vad_opts[] = {
    [V_CHUNKS] = {"--chunks", NULL, CLI_NUM, "SECONDS",
                  "cut the input at pauses into chunks of at most SECONDS (default:\n"
                  "ACCEL_CHUNK_SECONDS, else 30, shorter where memory is short;\n"
                  "at least 0.01, one frame of the detector)",
                  0.01, -1, NULL, CLI_OPTIONAL_VALUE},
    [V_DEVICE] = CLI_OPT_DEVICE("default cpu"),
    [V_JSON] = {"--json", NULL, CLI_FLAG, NULL,
                "the segments as JSON on standard output (times in seconds, to the ms)", 0, 0,
                NULL, 0},
    [V_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb vad_verb = {
    .name = "audio vad",
    .synopsis = "FILE... [--chunks [SECONDS]] [--device D] [--json] [-o FILE]",
    .about = "Prints speech segments (start end, seconds), or with --chunks the chunks that cut\n"
             "the input at pauses.",
    .opts = vad_opts,
    .n_opts = V_N,
    .operands = "FILE...",
    .footer = "exit status: 0 success, 1 some file failed (the others are listed), 2 usage",
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: accel audio features FILE... --preset P -o OUT [options]\n"
            "       accel audio features --manifest FILE --preset P -o DIR [--shard I/N|auto]\n"
            "                            [--resume] [--log FILE] [options]\n"
            "       accel audio features --demo [SECONDS] [--preset P] [-o OUT.npy] [options]\n"
            "       accel audio vad FILE... [--chunks [SECONDS]] [--device D] [--json] [-o FILE]\n"
            "\n"
            "features: float32 .npy features (presets %s)\n"
            "vad:      speech segments, or chunks cut at pauses\n"
            "`accel help audio features` and `accel help audio vad` describe their options.\n"
            "Exit status: 0 success, 1 some file failed (the others are written), 2 usage.\n",
            presets);
}

/* A preset name, or any name of the one vocabulary that means an audio preset ("whisper" is
 * whisper-80). NULL when it means none. */
static const char *audio_preset(const char *name, accel_audio_params *p)
{
    if (accel_audio_params_preset(name, p) == ACCEL_OK) return name;
    accel__op_ref ref;
    if (accel__op_resolve(name, &ref) == ACCEL_OK && ref.pre &&
        accel_audio_params_preset(ref.pre->op, p) == ACCEL_OK)
        return ref.pre->op;
    return NULL;
}

/* Why a whisper output has the frames it has ("(80, 3500) for 5 s?"): 100 frames per second
 * of audio plus the padding, computed from the shapes with and without it. */
static void explain_frames(const accel_audio_params *p, double seconds, const size_t *shape,
                           FILE *f)
{
    if (p->kind != ACCEL_AUDIO_WHISPER) return;
    size_t n = (size_t)llround(seconds * p->sample_rate);
    accel_audio_params bare = *p;
    bare.padding = ACCEL_AUDIO_PAD_NONE;
    bare.windows = 0;
    size_t s0[3] = {0}, s1[3] = {0};
    int nd = 0;
    accel_audio_shape(&bare, n, s0, &nd);
    if (p->windows) {
        accel_audio_params flat = *p;
        flat.windows = 0;
        accel_audio_shape(&flat, n, s1, &nd);
        fprintf(f, "  shape: %zu window(s) of 30 s (3000 frames each) covering %.2f s of audio "
                   "(%zu frames), the last filled with silence; without --windows: (%zu, %zu)\n",
                shape[0], seconds, s0[1], s1[0], s1[1]);
        return;
    }
    size_t total = shape[1], audio = s0[1], pad = total > audio ? total - audio : 0;
    if (p->padding == ACCEL_AUDIO_PAD_NONE) {
        fprintf(f, "  frames: %zu = %.2f s of audio at 100 frames per second (--padding none); "
                   "openai padding would add 3000\n",
                total, seconds);
        return;
    }
    fprintf(f, "  frames: %zu = %.2f s of audio (%zu frames, 100 per second) + %zu frame%s of %s "
               "padding (%s); --padding none gives %zu, --windows gives 30-s windows of 3000\n",
            total, seconds, audio, pad, pad == 1 ? "" : "s",
            p->padding == ACCEL_AUDIO_PAD_OPENAI ? "openai" : "faster-whisper",
            p->padding == ACCEL_AUDIO_PAD_OPENAI ? "30 s of silence, as transcribe() adds"
                                                 : "160 samples",
            audio);
}

/* Context for --device (cli.h: auto, a kind, or an index; the CPU by name loads no GPU
 * stack). Returns NULL after printing the error. */
static accel_ctx *open_ctx(const char *device, int *usage_error)
{
    accel_cli_device d;
    *usage_error = 1;
    if (accel_cli_device_parse("audio", device, &d) != 0) return NULL;
    return accel_cli_open_device("audio", &d, ACCEL_CTX_NO_WARMUP, 1, usage_error);
}

static const char *device_name(accel_ctx *ctx, int index, char *buf, size_t cap)
{
    const accel_device_info *d = NULL;
    if (index < 0 || accel_device_get(ctx, (size_t)index, &d) != ACCEL_OK) {
        snprintf(buf, cap, "none");
    } else {
        snprintf(buf, cap, "%s %d (%s)", accel_device_kind_name(d->kind), d->index, d->name);
    }
    return buf;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* -o OUT naming one file, checked before any device is opened or input read (docs/cli.md):
 * "-" is standard output, refused on a terminal; any other name must end in .npy, rather than
 * get .npy bytes under a name that says otherwise; OUT's directory must be one this process
 * can write in, so that a missing one costs no decoding. 0, or 2 after the error. */
static int out_file_check(const char *out)
{
    if (!strcmp(out, "-")) return accel_cli_binary_stdout_refused("audio");
    size_t n = strlen(out);
    if (n < 4 || strcasecmp(out + n - 4, ".npy") != 0)
        return accel_cli_out_type_refused("audio", out, ".npy, a directory (a name ending in "
                                                         "'/'), or - for standard output");
    char dir[4096];
    const char *slash = strrchr(out, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == out) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
    struct stat sb;
    const char *why = stat(dir, &sb) != 0 ? strerror(errno)
                      : !S_ISDIR(sb.st_mode) ? strerror(ENOTDIR)
                      : access(dir, W_OK | X_OK) != 0 ? strerror(errno) : NULL;
    if (!why) return 0;
    accel_cli_error("audio", "cannot write %s: %s", out, why);
    return 2;
}

static int64_t frames_of(const accel_audio_params *p, const size_t *shape)
{
    if (p->kind == ACCEL_AUDIO_WHISPER) return p->windows ? (int64_t)(shape[0] * shape[2]) : (int64_t)shape[1];
    if (p->kind == ACCEL_AUDIO_VGGISH) return (int64_t)(shape[0] * shape[1]);
    return (int64_t)shape[0];
}

static void json_shape(accel__json *j, const size_t *shape, int nd)
{
    accel__json_begin_array(j, "shape");
    for (int i = 0; i < nd; i++) accel__json_int(j, NULL, (long long)shape[i]);
    accel__json_end_array(j);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --json's object for an input that failed: what a run that writes files gives for one. */
static void json_failed(accel__json *j, const char *name, const char *error, accel_status st)
{
    accel__json_begin_object(j, NULL);
    accel__json_str(j, "input", name);
    accel__json_bool(j, "ok", 0);
    accel__json_str(j, "error", error);
    accel__json_str(j, "status", accel_status_name(st));
    accel__json_end_object(j);
}

/* --bench-iterations: the input in memory, N timed computations. 0 or 1 (failure). */
static int bench_one(accel_ctx *ctx, const accel_audio_params *p, const char *name, const float *x, size_t n,
                     int iters, int json, accel__json *j)
{
    size_t shape[3];
    int nd = 0;
    accel_audio_shape(p, n, shape, &nd);
    size_t len = 1;
    for (int i = 0; i < nd; i++) len *= shape[i];
    float *out = malloc((len ? len : 1) * sizeof *out);
    double *t = malloc((size_t)iters * sizeof *t);
    if (!out || !t) {
        free(out);
        free(t);
        accel_cli_error("audio", "%s: out of memory", name);
        return 1;
    }
    accel_run_record rec = {.struct_size = sizeof rec};
    for (int i = 0; i < iters; i++) {
        double t0 = accel__now_ms();
        accel_status st = accel_audio_features(ctx, p, ACCEL_F32, x, n, out, len, &rec);
        t[i] = accel__now_ms() - t0;
        if (st != ACCEL_OK) {
            accel_cli_error("audio", "%s: %s", name, accel_last_error(ctx));
            if (json) json_failed(j, name, accel_last_error(ctx), st);
            free(out);
            free(t);
            return 1;
        }
    }
    qsort(t, (size_t)iters, sizeof *t, cmp_double);
    double mean = 0;
    for (int i = 0; i < iters; i++) mean += t[i] / iters;
    double median = iters % 2 ? t[iters / 2] : (t[iters / 2 - 1] + t[iters / 2]) / 2;
    char dn[300];
    device_name(ctx, rec.device_used, dn, sizeof dn);
    if (json) {
        accel__json_begin_object(j, NULL);
        accel__json_str(j, "input", name);
        accel__json_bool(j, "ok", 1);
        json_shape(j, shape, nd);
        accel__json_num(j, "seconds", (double)n / p->sample_rate);
        accel__json_int(j, "iterations", iters);
        accel__json_num(j, "min_ms", t[0]);
        accel__json_num(j, "median_ms", median);
        accel__json_num(j, "mean_ms", mean);
        accel__json_str(j, "device", dn);
        accel__json_int(j, "device_index", rec.device_used);
        accel__json_int(j, "fallbacks", rec.n_fallbacks);
        accel__json_end_object(j);
    } else {
        printf("%s: %.1f s of audio, %d iterations on %s: min %.2f ms, median %.2f ms, mean %.2f ms%s\n", name,
               (double)n / p->sample_rate, iters, dn, t[0], median, mean,
               rec.n_fallbacks ? " (with fallback)" : "");
    }
    free(out);
    free(t);
    return 0;
}

/* The .npy to fd (header, then the data, in pieces): standard output for -o -, or the FIFO
 * or device -o names; a terminal gets an error instead of binary. */
static accel_status npy_fd(int fd, const char *name, const float *data, const size_t *shape, int nd)
{
    RETURN_ERROR_IF(isatty(fd), ACCEL_ERR_INVALID_ARG,
                    "-o %s: %s a terminal; send it to a file or a pipe", name,
                    fd == 1 ? "standard output is" : "it is");
    char hdr[128];
    FORWARD_IF_ERROR(accel__npy_header(hdr, shape, nd));
    size_t n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    fflush(stdout);
    const char *parts[2] = {hdr, (const char *)data};
    size_t lens[2] = {sizeof hdr, n * sizeof *data};
    for (int k = 0; k < 2; k++)
        for (size_t off = 0; off < lens[k];) {
            size_t want = lens[k] - off < ACCEL__WRITE_PIECE ? lens[k] - off : ACCEL__WRITE_PIECE;
            ssize_t w = write(fd, parts[k] + off, want);
            if (w < 0 && errno == EINTR) continue;
            RETURN_ERROR_IF(w <= 0, ACCEL_ERR_IO, "cannot write %s: %s",
                            fd == 1 ? "standard output" : name,
                            w < 0 ? strerror(errno) : "nothing written");
            off += (size_t)w;
        }
    return ACCEL_OK;
}

/* What the per-item callback prints with: the run's state. */
typedef struct feat_show {
    accel_ctx *ctx;
    const accel_audio_params *p;
    int json, bar, explained;
    accel__json *j;
    size_t done, total;
} feat_show;

/* One input to a stream, decoded and computed in memory (a stream has nowhere to put its
 * header before the length is known): standard output (fd 1: -o -, or a name for it such as
 * a link to /dev/stdout), or the FIFO or device -o names, written in place as a shell's
 * redirection would (renaming a file over it put a regular file where the FIFO was and left
 * its reader waiting). With a FIFO the run's report says what was written, as for a file
 * (`show`); standard output holds the data and nothing else. 0, or 1 after the error. */
static int one_to_stream(accel_ctx *ctx, const accel_audio_params *p, const char *in, int fd,
                         const char *out, feat_show *show)
{
    float *x = NULL, *o = NULL;
    size_t n = 0, shape[3], len = 1;
    int nd = 0;
    accel_run_record rec = {.struct_size = sizeof rec};
    accel_audio_info info = {.struct_size = sizeof info};
    accel_audio_source *src = NULL;
    double t0 = accel__now_ms();
    accel_status st = accel_audio_open(ctx, in, p->sample_rate, &src);
    if (st == ACCEL_OK) st = accel_audio_read_all(src, &x, &n);
    if (src) accel_audio_source_info(src, &info);
    accel_audio_close(src);
    if (st == ACCEL_OK) st = accel_audio_shape(p, n, shape, &nd);
    for (int i = 0; st == ACCEL_OK && i < nd; i++) len *= shape[i];
    if (st == ACCEL_OK && !(o = malloc((len ? len : 1) * sizeof *o)))
        st = ACCEL_ERROR(ACCEL_ERR_NO_MEMORY, "'%s': out of memory for %zu values", in, len);
    if (st == ACCEL_OK) st = accel_audio_features(ctx, p, ACCEL_F32, x, n, o, len, &rec);
    if (st == ACCEL_OK) st = npy_fd(fd, out, o, shape, nd);
    double ms = accel__now_ms() - t0;
    const char *err = accel_last_error(ctx)[0] ? accel_last_error(ctx) : accel_strerror(st);
    if (st != ACCEL_OK) accel_cli_error("audio", "%s", err);
    if (show && show->json) {
        accel__json *j = show->j;
        accel__json_begin_object(j, NULL);
        accel__json_str(j, "input", in);
        accel__json_bool(j, "ok", st == ACCEL_OK);
        if (st != ACCEL_OK) {
            accel__json_str(j, "error", err);
            accel__json_str(j, "status", accel_status_name(st));
        } else {
            char dn[300];
            device_name(ctx, rec.device_used, dn, sizeof dn);
            accel__json_str(j, "output", out);
            json_shape(j, shape, nd);
            accel__json_int(j, "frames", frames_of(p, shape));
            accel__json_num(j, "seconds", (double)n / p->sample_rate);
            accel__json_str(j, "decoder", info.decoder);
            accel__json_str(j, "format", info.format);
            accel__json_int(j, "source_rate", info.source_rate);
            accel__json_int(j, "source_channels", info.source_channels);
            accel__json_str(j, "device", dn);
            accel__json_int(j, "device_index", rec.device_used);
            accel__json_int(j, "fallbacks", rec.n_fallbacks);
            accel__json_str(j, "fallback_reason", accel_fallback_reason_name(rec.reason));
            accel__json_int(j, "chunks", 1);
            accel__json_num(j, "chunk_seconds", (double)n / p->sample_rate);
            accel__json_num(j, "time_ms", ms);
        }
        accel__json_end_object(j);
    } else if (show && st == ACCEL_OK) {
        char dn[300];
        device_name(ctx, rec.device_used, dn, sizeof dn);
        printf("%s -> %s (", in, out);
        for (int d = 0; d < nd; d++) printf("%zu%s", shape[d], d + 1 < nd ? ", " : ")");
        printf(", %.2f s of audio, %s, %.1f ms%s%s\n", (double)n / p->sample_rate, dn, ms,
               rec.n_fallbacks ? ", fallback: " : "",
               rec.n_fallbacks ? accel_fallback_reason_name(rec.reason) : "");
        explain_frames(p, (double)n / p->sample_rate, shape, stdout);
    }
    free(o);
    accel_audio_free(x);
    return st != ACCEL_OK;
}

static void feat_item(const accel_corpus_item *it, void *arg)
{
    feat_show *f = arg;
    f->done++;
    const accel_audio_result *res = &it->audio;
    char dn[300];
    device_name(f->ctx, it->device_index, dn, sizeof dn);
    if (f->json) {
        accel__json *j = f->j;
        accel__json_begin_object(j, NULL);
        accel__json_str(j, "input", it->input);
        accel__json_bool(j, "ok", it->status != ACCEL_ITEM_FAILED);
        if (it->status == ACCEL_ITEM_FAILED) {
            accel__json_str(j, "error", it->error);
            accel__json_str(j, "status", accel_status_name(it->error_status));
        } else if (it->status == ACCEL_ITEM_SKIPPED) {
            accel__json_str(j, "output", it->output);
            accel__json_bool(j, "skipped", 1);
            accel__json_begin_array(j, "shape");
            for (int d = 0; d < it->ndim; d++) accel__json_int(j, NULL, (long long)it->shape[d]);
            accel__json_end_array(j);
        } else {
            accel__json_str(j, "output", it->output);
            json_shape(j, res->shape, res->ndim);
            accel__json_int(j, "frames", frames_of(f->p, res->shape));
            accel__json_num(j, "seconds", res->seconds);
            accel__json_str(j, "decoder", it->audio_info.decoder);
            accel__json_str(j, "format", it->audio_info.format);
            accel__json_int(j, "source_rate", it->audio_info.source_rate);
            accel__json_int(j, "source_channels", it->audio_info.source_channels);
            accel__json_str(j, "device", dn);
            accel__json_int(j, "device_index", res->device_used);
            accel__json_int(j, "fallbacks", res->n_fallbacks);
            accel__json_str(j, "fallback_reason", accel_fallback_reason_name(res->reason));
            accel__json_int(j, "chunks", (long long)res->n_chunks);
            accel__json_num(j, "chunk_seconds", res->chunk_seconds);
            accel__json_num(j, "compute_ms", res->compute_ms);
            accel__json_num(j, "time_ms", it->ms);
        }
        accel__json_end_object(j);
    } else if (it->status == ACCEL_ITEM_SKIPPED) {
        cli_progress_clear(f->bar);
        printf("%s -> %s (skipped: complete)\n", it->input, it->output);
    } else if (it->status == ACCEL_ITEM_DONE) {
        cli_progress_clear(f->bar);
        printf("%s -> %s (", it->input, it->output);
        for (int d = 0; d < res->ndim; d++) printf("%zu%s", res->shape[d], d + 1 < res->ndim ? ", " : ")");
        printf(", %.2f s of audio, %s, %.1f ms%s%s\n", res->seconds, dn, it->ms,
               res->n_fallbacks ? ", fallback: " : "", res->n_fallbacks ? accel_fallback_reason_name(res->reason) : "");
        if (!f->explained++) explain_frames(f->p, res->seconds, res->shape, stdout); /* once a run */
    }
    cli_progress(f->bar, f->done, f->total, it->input);
}

static int features(int argc, char **argv)
{
    cli_args ca;
    int pr = cli_parse(&features_verb, argc, argv, &ca);
    if (pr != CLI_OK) {
        cli_args_free(&ca);
        return pr == CLI_HELP ? 0 : 2;
    }
    cli_corpus cc;
    const char *preset = ca.v[F_PRESET].set ? ca.v[F_PRESET].s : NULL;
    const char *padding = ca.v[F_PADDING].set ? ca.v[F_PADDING].s : NULL;
    const char *device = ca.v[F_DEVICE].set ? ca.v[F_DEVICE].s : NULL;
    const char *out = ca.v[F_OUTPUT].set ? ca.v[F_OUTPUT].s : NULL;
    int json = ca.v[F_JSON].set > 0, windows = ca.v[F_WINDOWS].set > 0;
    int iters = ca.v[F_BENCH_ITERATIONS].set ? (int)ca.v[F_BENCH_ITERATIONS].i : 0;
    int demo = ca.v[F_DEMO].set > 0;
    double demo_s = ca.v[F_DEMO].s ? ca.v[F_DEMO].d : 5.0;
    int rc = cli_corpus_open(&cc, "audio", &ca,
                             (cli_corpus_opts){F_MANIFEST, F_SHARD, F_RESUME, F_LOG});
    const char **files = cc.inputs;
    size_t nf = cc.n;
    if (rc) goto done;
    rc = 2;
    accel_audio_params p = {.struct_size = sizeof p};
    if (!preset && demo) preset = "whisper-80";
    if (!preset) {
        accel_cli_error("audio", "--preset is required (allowed: %s)", presets);
        goto done;
    }
    const char *resolved = audio_preset(preset, &p);
    if (!resolved) {
        static const char *const names[] = {"whisper-80", "whisper-128", "vggish", "fbank", "fbank-80",
                                            "whisper"};
        const char *near = accel__nearest_name(preset, names, sizeof names / sizeof *names);
        accel_cli_error("audio", "unknown preset '%s'%s%s%s (allowed: %s)", preset,
                        near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", presets);
        goto done;
    }
    if (padding) {
        if (!strcmp(padding, "openai")) p.padding = ACCEL_AUDIO_PAD_OPENAI;
        else if (!strcmp(padding, "faster-whisper")) p.padding = ACCEL_AUDIO_PAD_FASTER_WHISPER;
        else if (!strcmp(padding, "none")) p.padding = ACCEL_AUDIO_PAD_NONE;
        else {
            accel_cli_error("audio", "unknown padding '%s' (allowed: openai, faster-whisper, none)", padding);
            goto done;
        }
        if (p.kind != ACCEL_AUDIO_WHISPER) {
            accel_cli_error("audio", "--padding applies to the whisper presets only, not '%s'", preset);
            goto done;
        }
    }
    if (windows) {
        if (p.kind != ACCEL_AUDIO_WHISPER) {
            accel_cli_error("audio", "--windows applies to the whisper presets only, not '%s'", preset);
            goto done;
        }
        p.windows = 1;
    }
    if (!demo && cc.n_all == 0) {
        accel_cli_error("audio", "no input files (see `accel audio --help`)");
        goto done;
    }
    if (demo && cc.n_all) {
        accel_cli_error("audio", "--demo computes a clip accel makes itself and takes no input "
                                 "files (%zu given: '%s'%s)", cc.n_all, cc.all[0], cc.n_all > 1 ? ", …" : "");
        goto done;
    }
    if (iters && out) {
        accel_cli_error("audio", "--bench-iterations times the features in memory and writes no "
                                 "file; leave out -o %s", out);
        goto done;
    }
    if (out && !*out) {
        accel_cli_error("audio", "-o: empty path (a .npy file for one input, a directory for several)");
        goto done;
    }
    /* -o naming a stream, written in place for one input computed in memory (docs/cli.md):
     * standard output, as "-" or under another name (a link to /dev/stdout named x.npy), and
     * an existing FIFO, device or socket; renaming a file over them replaced the link or the
     * FIFO with a regular file and left the stream empty, the FIFO's reader waiting */
    struct stat ost, so;
    int out_exists = out && *out && strcmp(out, "-") != 0 && stat(out, &ost) == 0;
    int to_stdout = out && (!strcmp(out, "-") || (out_exists && fstat(1, &so) == 0 &&
                                                  so.st_dev == ost.st_dev && so.st_ino == ost.st_ino));
    int in_place = out_exists && !to_stdout && !S_ISREG(ost.st_mode) && !S_ISDIR(ost.st_mode);
    if ((to_stdout || in_place) && (cc.active || cc.n_all > 1)) {
        accel_cli_error("audio", "-o %s (%s) takes one input; several inputs and --manifest, "
                                 "--shard, --resume or --log write to a directory", out,
                        to_stdout ? "standard output" : "a FIFO or device, written in place");
        goto done;
    }
    if (to_stdout && json) {
        accel_cli_error("audio", "-o %s puts the .npy on standard output, where --json would go "
                                 "too; choose one", out);
        goto done;
    }
    if (to_stdout && strcmp(out, "-") && isatty(1)) {
        accel_cli_error("audio", "-o %s: it is standard output, a terminal; send it to a file or "
                                 "a pipe", out);
        goto done;
    }
    if (in_place && cc.n_all == 1 && accel_cli_same_file(out, cc.all[0])) {
        accel_cli_error("audio", "-o %s names the input '%s'; refusing to write to it", out, cc.all[0]);
        goto done;
    }
    if (cc.active && (demo || iters)) {
        accel_cli_error("audio", "--manifest, --shard, --resume and --log are for runs that write "
                                 "outputs, not with --%s", demo ? "demo" : "bench-iterations");
        goto done;
    }
    if (!demo && !iters && !out) {
        accel_cli_error("audio", "-o OUT is required (a .npy file for one input, a directory for several)");
        goto done;
    }
    /* where each output goes: a directory for several inputs or a corpus run */
    int as_dir = out && !to_stdout && !in_place &&
                 (cc.active || cc.n_all > 1 || is_dir(out) || out[strlen(out) - 1] == '/');
    if (demo && as_dir) { /* found after the compute, naming a temporary file, exit 1 */
        accel_cli_error("audio", "-o %s: --demo writes one file (-o NAME.npy, or - for standard "
                                 "output), not a directory", out);
        goto done;
    }
    if (out && !as_dir && out_file_check(out) != 0) goto done;
    /* opened before the work, as a shell's redirection is: a FIFO waits here for its reader */
    int out_fd = to_stdout ? 1 : -1;
    if (in_place) {
        out_fd = open(out, O_WRONLY | O_CLOEXEC);
        if (out_fd < 0 || isatty(out_fd)) {
            accel_cli_error("audio", "cannot write %s: %s", out,
                            out_fd < 0 ? strerror(errno) : "it is a terminal; send it to a file or a pipe");
            if (out_fd >= 0) close(out_fd);
            goto done;
        }
    }
    int uerr = 0;
    accel_ctx *ctx = open_ctx(device, &uerr);
    if (!ctx) {
        if (in_place) close(out_fd);
        rc = uerr ? 2 : 1;
        goto done;
    }
    accel_corpus *step = NULL;
    if (!demo && !iters && out_fd < 0) {
        accel_option sp[2];
        size_t nsp = 0;
        if (padding) sp[nsp++] = (accel_option){"padding", padding};
        if (windows) sp[nsp++] = (accel_option){"windows", "1"};
        accel_status st = accel_corpus_create(ctx, resolved, sp, nsp, out,
                                              (cc.resume ? ACCEL_CORPUS_RESUME : 0) |
                                                  (as_dir ? 0 : ACCEL_CORPUS_OUT_FILE),
                                              &step);
        if (st != ACCEL_OK) {
            accel_cli_error("audio", "%s", accel_last_error(NULL));
            accel_ctx_destroy(ctx);
            goto done; /* nothing ran: the output directory cannot be made, a bad option */
        }
        /* refused before the first line of a report is printed */
        if (accel_corpus_check(step, cc.all, cc.n_all) != ACCEL_OK) {
            accel_cli_error("audio", "%s", accel_last_error(NULL));
            accel_corpus_destroy(step);
            accel_ctx_destroy(ctx);
            goto done;
        }
        cc.checked = 1;
        cc.out_file = !as_dir;
    }
    accel__json j;
    accel__json_init(&j, stdout, 1);
    if (json) {
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "preset", preset);
        if (p.kind == ACCEL_AUDIO_WHISPER)
            accel__json_str(&j, "padding", p.padding == ACCEL_AUDIO_PAD_OPENAI ? "openai"
                                           : p.padding == ACCEL_AUDIO_PAD_FASTER_WHISPER ? "faster-whisper" : "none");
        accel__json_begin_array(&j, "files");
    }
    size_t failed = 0;
    if (demo) {
        float *x = NULL;
        size_t n = 0;
        accel__audio_demo_clip(demo_s, &x, &n);
        size_t shape[3];
        int nd;
        accel_audio_shape(&p, n, shape, &nd);
        size_t len = 1;
        for (int i = 0; i < nd; i++) len *= shape[i];
        float *o = malloc((len ? len : 1) * sizeof *o);
        accel_run_record rec = {.struct_size = sizeof rec};
        double t0 = accel__now_ms();
        accel_status st = o ? accel_audio_features(&*ctx, &p, ACCEL_F32, x, n, o, len, &rec) : ACCEL_ERR_NO_MEMORY;
        double ms = accel__now_ms() - t0;
        if (st == ACCEL_OK && out_fd >= 0) st = npy_fd(out_fd, out, o, shape, nd);
        else if (st == ACCEL_OK && out) st = accel__npy_write(out, o, shape, nd);
        char dn[300];
        device_name(ctx, rec.device_used, dn, sizeof dn);
        static const char demo_name[] = "demo (formant-synthesised vowels)";
        if (st != ACCEL_OK) {
            const char *why = accel_last_error(ctx)[0] ? accel_last_error(ctx) : accel_strerror(st);
            accel_cli_error("audio", "demo: %s", why);
            if (json) json_failed(&j, demo_name, why, st); /* as any input's failure */
            failed++;
        } else if (to_stdout) {
            /* standard output holds the .npy */
        } else if (json) {
            /* the fields of a file's object, in its order */
            accel__json_begin_object(&j, NULL);
            accel__json_str(&j, "input", demo_name);
            accel__json_bool(&j, "ok", 1);
            accel__json_str(&j, "output", out); /* null: computed, not written */
            json_shape(&j, shape, nd);
            accel__json_int(&j, "frames", frames_of(&p, shape));
            accel__json_num(&j, "seconds", demo_s);
            accel__json_str(&j, "device", dn);
            accel__json_int(&j, "device_index", rec.device_used);
            accel__json_int(&j, "fallbacks", rec.n_fallbacks);
            accel__json_str(&j, "fallback_reason", accel_fallback_reason_name(rec.reason));
            accel__json_num(&j, "time_ms", ms);
            accel__json_end_object(&j);
        } else {
            printf("demo: %s of %.1f s of formant-synthesised vowels -> shape (", preset, demo_s);
            for (int i = 0; i < nd; i++) printf("%zu%s", shape[i], i + 1 < nd ? ", " : ")");
            printf("\n");
            explain_frames(&p, (double)n / p.sample_rate, shape, stdout);
            printf("  device: %s\n  time: %.2f ms\n  fallback: %s%s%s\n", dn, ms,
                   rec.n_fallbacks ? accel_fallback_reason_name(rec.reason) : "none",
                   rec.n_fallbacks ? " — " : "", rec.n_fallbacks ? rec.message : "");
        }
        free(o);
        free(x);
    }
    int bar = !json && nf > 1 && isatty(2);
    cc.bar = bar;
    feat_show show1 = {.ctx = ctx, .p = &p, .json = json, .j = &j, .total = nf};
    if (out_fd >= 0 && !demo)
        failed += (size_t)one_to_stream(ctx, &p, files[0], out_fd, out, to_stdout ? NULL : &show1);
    if (in_place) close(out_fd);
    for (size_t i = 0; i < nf && iters; i++) {
        const char *in = files[i];
        cli_progress(bar, i, nf, in);
        float *x = NULL;
        size_t n = 0;
        accel_status lst = accel_audio_load(ctx, in, p.sample_rate, &x, &n, NULL);
        if (lst != ACCEL_OK) {
            if (bar) fputc('\n', stderr);
            accel_cli_error("audio", "%s", accel_last_error(NULL));
            if (json) json_failed(&j, in, accel_last_error(NULL), lst); /* it was left out */
            failed++;
            continue;
        }
        failed += (size_t)bench_one(ctx, &p, in, x, n, iters, json, &j);
        accel_audio_free(x);
    }
    int run_rc = 0;
    if (step) {
        feat_show show = {.ctx = ctx, .p = &p, .json = json, .bar = bar, .j = &j, .total = nf};
        accel_run_summary sum;
        run_rc = cli_corpus_run(&cc, "audio", step, feat_item, &show, &failed, &sum);
        fflush(stdout); /* the lines above, before the summary below when both go to one place */
        if (!json && cc.active && sum.struct_size)
            fprintf(stderr, "accel audio: %llu done, %llu skipped, %llu failed in %.1f s (%.1f files/s)\n",
                    (unsigned long long)sum.done, (unsigned long long)sum.skipped,
                    (unsigned long long)sum.failed, sum.seconds, sum.files_per_second);
    } else if (out_fd < 0) {
        cli_progress(bar, nf, nf, "");
    }
    if (!json && failed && nf > 1 && failed == nf)
        accel_cli_error("audio", "all %zu inputs failed", nf);
    else if (!json && failed && nf > 1)
        accel_cli_error("audio", "%zu of %zu inputs failed (the others are written)", failed, nf);
    if (json) {
        accel__json_end_array(&j);
        accel__json_int(&j, "failed", (long long)failed);
        accel__json_end_object(&j);
        accel__json_finish(&j);
    }
    accel_corpus_destroy(step);
    accel_ctx_destroy(ctx);
    rc = run_rc ? run_rc : failed ? 1 : 0;
done:
    cli_corpus_free(&cc);
    cli_args_free(&ca);
    return rc;
}

/* Seconds to the millisecond: segment times come from sample counts, and 0.7899999999 s
 * reads as noise in a report. */
static double ms_round(double s) { return round(s * 1000.0) / 1000.0; }

static int vad(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&vad_verb, argc, argv, &a);
    if (pr != CLI_OK) {
        cli_args_free(&a);
        return pr == CLI_HELP ? 0 : 2;
    }
    const char *device = a.v[V_DEVICE].set ? a.v[V_DEVICE].s : NULL;
    int chunks = a.v[V_CHUNKS].set > 0;
    double chunk_s = a.v[V_CHUNKS].s ? a.v[V_CHUNKS].d : 0;
    const char **files = a.operands;
    size_t nf = a.n_operands;
    if (!nf) {
        accel_cli_error("audio", "vad: no input files");
        cli_args_free(&a);
        return 2;
    }
    for (size_t i = 0; a.v[V_OUTPUT].set && i < nf; i++)
        if (accel_cli_same_file(a.v[V_OUTPUT].s, files[i])) {
            accel_cli_error("audio", "vad: -o %s names an input file; refusing to overwrite it",
                            a.v[V_OUTPUT].s);
            cli_args_free(&a);
            return 2;
        }
    int uerr = 0;
    accel_ctx *ctx = open_ctx(device ? device : "cpu", &uerr);
    if (!ctx) {
        cli_args_free(&a);
        return uerr ? 2 : 1;
    }
    cli_out o;
    if (cli_out_open(&o, vad_verb.name, &a, V_JSON, -1, V_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        cli_args_free(&a);
        return 2;
    }
    int json = o.fmt == CLI_FMT_JSON;
    FILE *f = o.f, *shown = cli_out_text(&o); /* the text on screen when a file gets JSON */
    accel_audio_vad_params vp = {.struct_size = sizeof vp};
    accel_audio_vad_params_default(&vp);
    vp.chunk_s = chunk_s;
    accel__json j;
    accel__json_init(&j, f, 1);
    if (json) {
        accel__json_begin_object(&j, NULL);
        accel__json_str(&j, "mode", chunks ? "chunks" : "speech");
        accel__json_begin_array(&j, "files");
    }
    size_t failed = 0;
    int config_error = 0;
    for (size_t i = 0; i < nf && !config_error; i++) {
        accel_audio_source *src = NULL;
        accel_audio_segment *segs = NULL;
        size_t ns = 0;
        accel_status st = accel_audio_open(ctx, files[i], 16000, &src);
        if (st == ACCEL_OK)
            st = chunks ? accel_audio_chunk(ctx, &vp, src, &segs, &ns) : accel_audio_vad(ctx, &vp, src, &segs, &ns);
        accel_audio_info info = {.struct_size = sizeof info};
        if (src) accel_audio_source_info(src, &info);
        accel_audio_close(src);
        if (st != ACCEL_OK) {
            failed++;
            /* a setting every input fails on alike (ACCEL_CHUNK_SECONDS below one frame): said
             * once, the run stops, exit 2 as for a setting refused when the context opens */
            config_error = st == ACCEL_ERR_CONFIG;
            accel_cli_error("audio", "%s", accel_last_error(NULL));
            if (json) {
                accel__json_begin_object(&j, NULL);
                accel__json_str(&j, "input", files[i]);
                accel__json_bool(&j, "ok", 0);
                accel__json_str(&j, "error", accel_last_error(NULL));
                accel__json_end_object(&j);
            }
            continue;
        }
        double dur = (double)info.frames / (info.rate ? info.rate : 1);
        if (json) {
            accel__json_begin_object(&j, NULL);
            accel__json_str(&j, "input", files[i]);
            accel__json_bool(&j, "ok", 1);
            accel__json_num(&j, "duration", ms_round(dur));
            accel__json_begin_array(&j, "segments");
            for (size_t k = 0; k < ns; k++) {
                accel__json_begin_array(&j, NULL);
                accel__json_num(&j, NULL, ms_round(segs[k].start_s));
                accel__json_num(&j, NULL, ms_round(segs[k].end_s));
                accel__json_end_array(&j);
            }
            accel__json_end_array(&j);
            accel__json_end_object(&j);
        }
        for (FILE *t = json ? shown : f; t; t = NULL) {
            fprintf(t, "# %s: %.3f s, %zu %s%s\n", files[i], dur, ns,
                    chunks ? "chunk" : "speech segment", ns == 1 ? "" : "s");
            for (size_t k = 0; k < ns; k++) fprintf(t, "%.3f %.3f\n", segs[k].start_s, segs[k].end_s);
        }
        accel_audio_free(segs);
    }
    if (json) {
        accel__json_end_array(&j);
        accel__json_int(&j, "failed", (long long)failed);
        accel__json_end_object(&j);
        accel__json_finish(&j);
    }
    accel_ctx_destroy(ctx);
    cli_args_free(&a);
    if (config_error) { /* no report: -o FILE is left as it was */
        cli_out_discard(&o);
        return 2;
    }
    int wc = cli_out_close(&o);
    return wc ? wc : failed ? 1 : 0;
}

int accel_cli_audio(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "features")) return features(argc - 1, argv + 1);
    if (!strcmp(argv[1], "vad")) return vad(argc - 1, argv + 1);
    static const char *const subs[] = {"features", "vad"};
    cli_error_unknown("audio", "subcommand", argv[1], subs, 2);
    return 2;
}
